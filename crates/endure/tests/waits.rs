//! Sleeps, `sleep_until`, events and hibernation, on both stores, with and without restarts.

mod common;

use common::*;
use endure::prelude::*;
use endure::{ErrorCode, InstanceStatus, StepDoc, Timestamp};
use serde_json::{Value, json};

async fn sleeping_instances_hibernate(mode: Mode) {
    let mut h = Harness::new(mode, |b| {
        b.workflow(
            "w",
            wf(|_, step| {
                Box::pin(async move {
                    step.sleep("long", "30 days").await?;
                    Ok(json!("rested"))
                })
            }),
        )
        .unwrap()
    })
    .await;
    for i in 0..20 {
        h.create("w", &format!("i{i}"), json!({})).await;
    }
    for i in 0..20 {
        let d = h
            .wait_status("w", &format!("i{i}"), InstanceStatus::Waiting)
            .await;
        match &d.steps[0] {
            StepDoc::Sleep { end, finished, .. } => {
                assert_eq!(
                    *end,
                    T0.plus_ms(30 * 86_400_000),
                    "the wake-up time is reported"
                );
                assert!(!finished);
            }
            other => panic!("{other:?}"),
        }
    }
    // A run is counted until its driver has exited, just after the `waiting` commit.
    for _ in 0..100_000 {
        if h.engine.running() == 0 {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert_eq!(h.engine.running(), 0, "waiting instances hold no run");
    h.checkpoint().await;
    h.advance(30 * 86_400_000 - 1);
    assert_eq!(
        h.get("w", "i0").await.status().await.unwrap().status,
        InstanceStatus::Waiting
    );
    h.advance(1);
    for i in 0..20 {
        let d = h.wait_finished("w", &format!("i{i}")).await;
        assert_eq!(d.output, json!("rested"));
        assert!(matches!(d.steps[0], StepDoc::Sleep { finished: true, .. }));
    }
}

async fn sleep_until(mode: Mode) {
    let mut h = Harness::new(mode, |b| {
        b.workflow(
            "w",
            wf(|event, step| {
                Box::pin(async move {
                    let at = Timestamp(event.payload["at"].as_u64().unwrap());
                    step.sleep_until("until", at).await?;
                    step.sleep("after", "1 hour").await?;
                    let past = step.sleep_until("past", Timestamp(0)).await.unwrap_err();
                    Ok(json!({"past": past.message, "name": past.name}))
                })
            }),
        )
        .unwrap()
    })
    .await;
    let at = T0.plus_ms(7_200_000);
    h.create("w", "i", json!({"at": at.0})).await;
    h.wait_status("w", "i", InstanceStatus::Waiting).await;
    h.checkpoint().await;
    h.advance(7_200_000);
    h.wait_waiting_with("w", "i", 2).await;
    h.checkpoint().await;
    // The replay meets `until` with its target in the past: completed, so it is done.
    h.advance(3_600_000);
    let d = h.wait_finished("w", "i").await;
    assert_eq!(
        d.output,
        json!({"past": "You can't sleep until a time in the past, time-traveler", "name": "Error"})
    );
    assert_eq!(
        d.steps.len(),
        2,
        "a sleep_until that failed is not recorded"
    );
}

async fn events_are_buffered_and_delivered_once(mode: Mode) {
    let mut h = Harness::new(mode, |b| {
        b.workflow(
            "w",
            wf(|_, step| {
                Box::pin(async move {
                    step.sleep("first", "1 hour").await?;
                    let a = step
                        .wait_for_event::<Value>("a", WaitForEvent::new("approval"))
                        .await?;
                    let b = step
                        .wait_for_event::<Value>("b", WaitForEvent::new("approval"))
                        .await?;
                    step.sleep("second", "1 hour").await?;
                    let c = step
                        .wait_for_event::<Value>(
                            "c",
                            WaitForEvent::new("approval").timeout("1 minute"),
                        )
                        .await;
                    Ok(json!([
                        a.payload,
                        b.payload,
                        c.map(|e| e.payload)
                            .map_err(|e| e.message)
                            .unwrap_or_else(Value::String)
                    ]))
                })
            }),
        )
        .unwrap()
    })
    .await;
    let i = h.create("w", "i", json!({})).await;
    h.wait_status("w", "i", InstanceStatus::Waiting).await;
    // Sent before any wait: buffered, FIFO.
    i.send_event("approval", json!(1)).await.unwrap();
    i.send_event("approval", json!(2)).await.unwrap();
    i.send_event("other", json!("ignored")).await.unwrap();
    h.checkpoint().await;
    h.advance(3_600_000);
    h.wait_waiting_with("w", "i", 4).await;
    h.checkpoint().await;
    h.advance(3_600_000);
    h.wait_waiting_with("w", "i", 5).await;
    h.checkpoint().await;
    h.advance(60_000);
    let d = h.wait_finished("w", "i").await;
    assert_eq!(
        d.output,
        json!([1, 2, "Execution timed out after 60000ms"]),
        "each event is consumed once"
    );
    match step_entry(&d, "c", 1) {
        StepDoc::WaitForEvent {
            error,
            finished,
            event_type,
            ..
        } => {
            assert_eq!(error.as_ref().unwrap().name, "WorkflowTimeoutError");
            assert!(finished);
            assert_eq!(event_type, "approval");
        }
        other => panic!("{other:?}"),
    }
    match step_entry(&d, "a", 1) {
        StepDoc::WaitForEvent { output, error, .. } => {
            assert_eq!(output, &json!(1));
            assert!(error.is_none());
        }
        other => panic!("{other:?}"),
    }
    let err = h
        .get("w", "i")
        .await
        .send_event("approval", json!(3))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::NotRunning);
}

async fn events_wake_a_waiting_instance(mode: Mode) {
    let mut h = Harness::new(mode, |b| {
        b.workflow(
            "w",
            wf(|_, step| {
                Box::pin(async move {
                    let (x, y) = tokio::join!(
                        step.wait_for_event::<Value>("x", WaitForEvent::new("t").timeout("1 day")),
                        step.wait_for_event::<Value>("y", WaitForEvent::new("t").timeout("1 day")),
                    );
                    let e = x?;
                    Ok(json!({"x": e.payload, "y": y?.payload, "type": e.event_type, "ts": e.timestamp.0}))
                })
            }),
        )
        .unwrap()
    })
    .await;
    h.create("w", "i", json!({})).await;
    let d = h.wait_status("w", "i", InstanceStatus::Waiting).await;
    assert_eq!(
        d.status,
        InstanceStatus::Waiting,
        "waiting for an event is `waiting`"
    );
    h.checkpoint().await;
    h.advance(5);
    h.get("w", "i")
        .await
        .send_event("t", json!("first"))
        .await
        .unwrap();
    h.get("w", "i")
        .await
        .send_event("t", json!("second"))
        .await
        .unwrap();
    let d = h.wait_finished("w", "i").await;
    assert_eq!(
        d.output,
        json!({"x": "first", "y": "second", "type": "t", "ts": T0.0 + 5}),
        "waiters are served in call order"
    );
}

async fn event_timeout_survives_restart(mode: Mode) {
    let mut h = Harness::new(mode, |b| {
        b.workflow(
            "w",
            wf(|_, step| {
                Box::pin(async move {
                    match step
                        .wait_for_event::<Value>("w", WaitForEvent::new("never"))
                        .await
                    {
                        Ok(_) => Ok(json!("got")),
                        Err(e) => Ok(json!(format!("{}: {}", e.name, e.message))),
                    }
                })
            }),
        )
        .unwrap()
    })
    .await;
    h.create("w", "i", json!({})).await;
    h.wait_status("w", "i", InstanceStatus::Waiting).await;
    h.checkpoint().await;
    h.advance(86_400_000);
    let d = h.wait_finished("w", "i").await;
    assert_eq!(
        d.output,
        json!("WorkflowTimeoutError: Execution timed out after 86400000ms"),
        "default time-out 24 hours"
    );
}

async fn bad_events_are_refused(mode: Mode) {
    let h = Harness::new(mode, |b| {
        b.workflow(
            "w",
            wf(|_, step| {
                Box::pin(async move {
                    step.sleep("s", "1 hour").await?;
                    Ok(json!(null))
                })
            }),
        )
        .unwrap()
    })
    .await;
    let i = h.create("w", "i", json!({})).await;
    assert_eq!(
        i.send_event("", json!(1)).await.unwrap_err().code,
        ErrorCode::InvalidEventType
    );
    assert_eq!(
        i.send_event("a/b", json!(1)).await.unwrap_err().code,
        ErrorCode::InvalidEventType
    );
    let big = json!("x".repeat(1024 * 1024));
    assert_eq!(
        i.send_event("t", big).await.unwrap_err().code,
        ErrorCode::PayloadTooLarge
    );
    let d = h.wait_status("w", "i", InstanceStatus::Waiting).await;
    assert_eq!(d.steps.len(), 1);
}

/// A workflow whose `run` counts, in a variable of its own, the attempts of a step that fails
/// three times (back-off `delay_ms`, constant), then sleeps for `nap`.
fn counting(
    delay_ms: u64,
    nap: &'static str,
) -> impl endure::Workflow<Params = Value, Output = Value> {
    wf(move |_, step| {
        Box::pin(async move {
            let seen = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
            let s = seen.clone();
            let cfg = StepConfig::new()
                .retries(3u32, delay_ms)
                .backoff(Backoff::Constant);
            let attempt: u32 = step
                .run_with("flaky", cfg, move |ctx| {
                    let s = s.clone();
                    async move {
                        s.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        if ctx.attempt < 4 {
                            return Err(WorkflowError::msg(format!("attempt {}", ctx.attempt)));
                        }
                        Ok(ctx.attempt)
                    }
                })
                .await?;
            step.sleep("nap", nap).await?;
            Ok(
                json!({"attempt": attempt, "seenInThisRun": seen.load(std::sync::atomic::Ordering::SeqCst)}),
            )
        })
    })
}

/// Waits until the instance is `waiting` with `n` failed attempts of `flaky` recorded.
async fn waiting_after_attempts(h: &Harness, id: &str, n: usize) -> endure::InstanceDetails {
    h.wait_until("w", id, |d| {
        d.status == InstanceStatus::Waiting
            && !d.steps.is_empty()
            && attempts(d, "flaky", 1)
                .iter()
                .filter(|a| a.0 == Some(false))
                .count()
                == n
    })
    .await
}

/// Waits under `EngineConfig::live_wait_ms` keep the run live (state in `run` survives the
/// retries, as on Cloudflare); the row still says `waiting`, with its wake-up time, so a crash
/// during the wait replays the run then. Longer waits hibernate.
async fn short_waits_keep_the_run_live(mode: Mode) {
    let mut h = Harness::new(mode, |b| {
        b.workflow("w", counting(200, "1 second"))
            .unwrap()
            .workflow("long", counting(10_000, "1 hour"))
            .unwrap()
    })
    .await;
    h.create("w", "i", json!({})).await;
    waiting_after_attempts(&h, "i", 1).await;
    assert_eq!(h.engine.running(), 1, "a short back-off keeps the run");
    h.checkpoint().await;
    for n in 1..=3 {
        waiting_after_attempts(&h, "i", n).await;
        h.advance(200);
    }
    let d = h
        .wait_until("w", "i", |d| {
            d.status == InstanceStatus::Waiting && d.steps.len() == 2
        })
        .await;
    assert_eq!(h.engine.running(), 1, "a short sleep keeps the run");
    assert_eq!(attempts(&d, "flaky", 1).len(), 4);
    h.advance(1_000);
    let d = h.wait_finished("w", "i").await;
    // Killed during the first back-off, the run replays: the new run saw attempts 2 to 4.
    let seen = if mode.restarts { 3 } else { 4 };
    assert_eq!(d.output, json!({"attempt": 4, "seenInThisRun": seen}));

    // Back-offs longer than the threshold hibernate, and so does the hour's sleep: the run that
    // finishes took every attempt's outcome from the log and ran none itself.
    let lh = h.engine.workflow("long").unwrap();
    lh.create(endure::CreateOptions::new().id("j").params(json!({})))
        .await
        .unwrap();
    for n in 1..=3 {
        h.wait_until("long", "j", |d| {
            d.status == InstanceStatus::Waiting
                && !d.steps.is_empty()
                && attempts(d, "flaky", 1).len() == n
        })
        .await;
        for _ in 0..100_000 {
            if h.engine.running() == 0 {
                break;
            }
            tokio::task::yield_now().await;
        }
        assert_eq!(h.engine.running(), 0, "a long back-off hibernates");
        h.advance(10_000);
    }
    h.wait_until("long", "j", |d| {
        d.status == InstanceStatus::Waiting && d.steps.len() == 2
    })
    .await;
    h.advance(3_600_000);
    let d = h.wait_finished("long", "j").await;
    assert_eq!(d.output, json!({"attempt": 4, "seenInThisRun": 0}));
}

matrix!(
    short_waits_keep_the_run_live,
    sleeping_instances_hibernate,
    sleep_until,
    events_are_buffered_and_delivered_once,
    events_wake_a_waiting_instance,
    event_timeout_survives_restart,
    bad_events_are_refused,
);
