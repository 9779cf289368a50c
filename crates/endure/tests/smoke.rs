mod common;

use common::*;
use endure::InstanceStatus;
use endure::prelude::*;
use serde_json::{Value, json};

async fn steps_and_sleep(mode: Mode) {
    let mut h = Harness::new(mode, |b| {
        b.workflow(
            "w",
            wf(|event, step| {
                Box::pin(async move {
                    let a: i64 = step.run("a", |_| async { Ok(1) }).await?;
                    step.sleep("nap", "10 minutes").await?;
                    let b: i64 = step.run("b", |_| async { Ok(2) }).await?;
                    Ok(json!({"sum": a + b, "p": event.payload}))
                })
            }),
        )
        .unwrap()
    })
    .await;
    h.create("w", "i1", json!({"x": 1})).await;
    h.wait_status("w", "i1", InstanceStatus::Waiting).await;
    h.checkpoint().await;
    h.advance(600_000);
    let d = h.wait_finished("w", "i1").await;
    assert_eq!(d.status, InstanceStatus::Complete);
    assert_eq!(d.output, json!({"sum": 3, "p": {"x": 1}}));
    let _ = Value::Null;
}

matrix!(steps_and_sleep);
