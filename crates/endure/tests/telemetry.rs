//! The engine tells its telemetry observer of every entry it records, once durable: the
//! reference's event types in order, the step's number within the instance, and how long
//! what an entry ends took (on the manual clock, to the millisecond).

mod common;

use common::*;
use endure::prelude::*;
use endure::{Observation, Telemetry};
use serde_json::json;
use std::sync::{Arc, Mutex};

/// (event type, instance, wall time, lateness, step number) of every observation.
type Seen = Vec<(String, String, Option<u64>, Option<u64>, Option<usize>)>;

#[derive(Default)]
struct Recorder(Mutex<Seen>);

impl Telemetry for Recorder {
    fn observe(&self, o: &Observation<'_>) {
        let name = o.event.metric_name().unwrap_or("(endure)").to_string();
        let row = (
            name,
            o.instance_id.to_string(),
            o.wall_ms,
            o.late_ms,
            o.step_count,
        );
        self.0.lock().unwrap().push(row);
    }
}

impl Recorder {
    fn names(&self, id: &str) -> Vec<String> {
        let seen = self.0.lock().unwrap();
        seen.iter()
            .filter(|r| r.1 == id && r.0 != "(endure)")
            .map(|r| r.0.clone())
            .collect()
    }
    fn find(&self, id: &str, name: &str) -> (Option<u64>, Option<u64>, Option<usize>) {
        let seen = self.0.lock().unwrap();
        let r = seen
            .iter()
            .find(|r| r.1 == id && r.0 == name)
            .unwrap_or_else(|| panic!("no {name} for {id}: {seen:?}"));
        (r.2, r.3, r.4)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_is_reported_with_its_wall_time() {
    let rec = Arc::new(Recorder::default());
    let r = rec.clone();
    let mode = Mode {
        backend: Backend::Memory,
        restarts: false,
    };
    let h = Harness::new(mode, move |b| {
        b.telemetry(r.clone())
            .workflow(
                "flaky",
                wf(|_, step| {
                    Box::pin(async move {
                        let cfg = StepConfig::new()
                            .retries(1u32, 1_000u64)
                            .backoff(Backoff::Constant);
                        let v: u32 = step
                            .run_with("try", cfg, |ctx| async move {
                                if ctx.attempt == 1 {
                                    Err(WorkflowError::msg("first"))
                                } else {
                                    Ok(7)
                                }
                            })
                            .await?;
                        step.sleep("nap", "10 seconds").await?;
                        Ok(json!(v))
                    })
                }),
            )
            .unwrap()
            .workflow(
                "idle",
                wf(|_, step| {
                    Box::pin(async move {
                        step.sleep("long", "30 days").await?;
                        Ok(json!(null))
                    })
                }),
            )
            .unwrap()
    })
    .await;
    h.create("flaky", "f", json!({})).await;
    h.wait_status("flaky", "f", endure::InstanceStatus::Waiting)
        .await;
    h.advance(1_000);
    h.wait_waiting_with("flaky", "f", 2).await;
    h.advance(10_000);
    let done = h.wait_finished("flaky", "f").await;
    assert_eq!(done.output, json!(7));
    assert_eq!(
        rec.names("f"),
        [
            "WORKFLOW_QUEUED",
            "WORKFLOW_START",
            "STEP_START",
            "ATTEMPT_START",
            "ATTEMPT_FAILURE",
            "ATTEMPT_START",
            "ATTEMPT_SUCCESS",
            "STEP_SUCCESS",
            "SLEEP_START",
            "SLEEP_COMPLETE",
            "WORKFLOW_SUCCESS",
        ]
    );
    assert_eq!(rec.find("f", "STEP_START").2, Some(1));
    assert_eq!(rec.find("f", "ATTEMPT_FAILURE"), (Some(0), None, Some(1)));
    assert_eq!(rec.find("f", "STEP_SUCCESS"), (Some(1_000), None, Some(1)));
    assert_eq!(rec.find("f", "SLEEP_START").2, Some(2));
    assert_eq!(
        rec.find("f", "SLEEP_COMPLETE"),
        (Some(10_000), Some(0), Some(2))
    );
    assert_eq!(rec.find("f", "WORKFLOW_SUCCESS").0, Some(11_000));
    // A control operation on a dormant instance reports too.
    h.create("idle", "i", json!({})).await;
    h.wait_status("idle", "i", endure::InstanceStatus::Waiting)
        .await;
    h.advance(5_000);
    h.get("idle", "i").await.terminate().await.unwrap();
    assert_eq!(
        rec.names("i"),
        [
            "WORKFLOW_QUEUED",
            "WORKFLOW_START",
            "SLEEP_START",
            "WORKFLOW_TERMINATED"
        ]
    );
    assert_eq!(rec.find("i", "WORKFLOW_TERMINATED").0, Some(5_000));
}
