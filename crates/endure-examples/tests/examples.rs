//! The bundled examples run end to end on the engine (in-memory store, manual clock).

use endure::{
    CreateOptions, Engine, EngineBuilder, InstanceStatus, ManualClock, StepDoc, Timestamp,
};
use serde_json::json;
use std::sync::Arc;

async fn engine() -> (Engine, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(Timestamp(1_700_000_000_000)));
    let b = EngineBuilder::new(Arc::new(endure_store::MemoryStore::new())).clock(clock.clone());
    (
        endure_examples::register(b).unwrap().start().await.unwrap(),
        clock,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starter_sleeps_retries_and_completes() {
    let (engine, clock) = engine().await;
    let i = engine
        .workflow("my-workflow")
        .unwrap()
        .create(CreateOptions::new().params(json!({"name": "ada"})))
        .await
        .unwrap();
    i.wait_for(|s| s == InstanceStatus::Waiting).await.unwrap();
    clock.advance(20_000);
    i.wait_until(|d| d.status == InstanceStatus::Waiting && d.steps.len() == 3)
        .await
        .unwrap();
    clock.advance(5_000);
    let d = i.wait_finished().await.unwrap();
    assert_eq!(d.output, json!({"name": "ada", "ipCount": 5}));
    match &d.steps[2] {
        StepDoc::Step { attempts, .. } => assert_eq!(attempts.len(), 2, "one retry"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approval_waits_for_a_decision() {
    let (engine, clock) = engine().await;
    let w = engine.workflow("approval").unwrap();
    let yes = w.create(CreateOptions::new().id("yes")).await.unwrap();
    let silent = w.create(CreateOptions::new().id("silent")).await.unwrap();
    yes.wait_for(|s| s == InstanceStatus::Waiting)
        .await
        .unwrap();
    yes.send_event("approval", json!({"approved": true, "by": "grace"}))
        .await
        .unwrap();
    let d = yes.wait_finished().await.unwrap();
    assert_eq!(
        d.output,
        json!({"request": "approve: deploy to production", "approved": true, "by": "grace", "outcome": "carried out"})
    );
    silent
        .wait_for(|s| s == InstanceStatus::Waiting)
        .await
        .unwrap();
    clock.advance(86_400_000);
    let d = silent.wait_finished().await.unwrap();
    assert_eq!(d.output["outcome"], "rejected");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn steps_runs_n_steps() {
    let (engine, _) = engine().await;
    let i = engine
        .workflow("steps")
        .unwrap()
        .create(CreateOptions::new().params(json!({"steps": 25})))
        .await
        .unwrap();
    let d = i.wait_finished().await.unwrap();
    assert_eq!(d.output, json!({"steps": 25}));
    assert_eq!(d.steps.len(), 25);
    match &d.steps[24] {
        StepDoc::Step { name, output, .. } => {
            assert_eq!(name, "step-25");
            assert_eq!(output, &json!({"i": 25}));
        }
        other => panic!("{other:?}"),
    }
    let bad = engine
        .workflow("steps")
        .unwrap()
        .create(CreateOptions::new().params(json!({"steps": "many"})))
        .await
        .unwrap();
    let d = bad.wait_finished().await.unwrap();
    assert_eq!(d.status, InstanceStatus::Errored);
    assert!(d.error.unwrap().message.starts_with("invalid params"));
}
