//! The Rust test kit (`endure::testing`): the reference's introspection on the Rust API, on the
//! in-memory store and a manual clock that these tests never move — every sleep, back-off and
//! wait that ends does so because a modification said so.

use endure::prelude::*;
use endure::testing::{StepRef, TestEnv};
use endure::{ErrorInfo, InstanceStatus, StepDoc};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// `charge` (3 retries an hour apart, exponential), a 30-day trial, an approval waited for a
/// week; counts the real executions of `charge`.
struct Subscription(Arc<AtomicU32>);

impl Workflow for Subscription {
    type Params = Value;
    type Output = Value;
    async fn run(
        &self,
        _e: WorkflowEvent<Value>,
        step: WorkflowStep,
    ) -> Result<Value, WorkflowError> {
        let calls = self.0.clone();
        let cfg = StepConfig::new()
            .retries(3u32, "1 hour")
            .backoff(Backoff::Exponential);
        let receipt: Value = step
            .run_with("charge", cfg, move |_| {
                let calls = calls.clone();
                async move {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Ok(json!({"charged": 42}))
                }
            })
            .await?;
        step.sleep("trial", "30 days").await?;
        let approval: Event<Value> = step
            .wait_for_event("approval", WaitForEvent::new("approve").timeout("7 days"))
            .await?;
        Ok(json!({"receipt": receipt, "approved_by": approval.payload["by"]}))
    }
}

async fn env() -> (TestEnv, Arc<AtomicU32>) {
    let calls = Arc::new(AtomicU32::new(0));
    let c = calls.clone();
    let env = TestEnv::start(move |b| b.workflow("subscription", Subscription(c)))
        .await
        .unwrap();
    (env, calls)
}

async fn create(env: &TestEnv, id: &str) {
    env.engine
        .workflow("subscription")
        .unwrap()
        .create(CreateOptions::new().id(id))
        .await
        .unwrap();
}

async fn attempts(env: &TestEnv, id: &str) -> Vec<(Option<bool>, Option<ErrorInfo>, Option<u64>)> {
    let d = env
        .engine
        .workflow("subscription")
        .unwrap()
        .get(id)
        .await
        .unwrap()
        .status()
        .await
        .unwrap();
    d.steps
        .iter()
        .find_map(|s| match s {
            StepDoc::Step { name, attempts, .. } if name == "charge" => Some(
                attempts
                    .iter()
                    .map(|a| (a.success, a.error.clone(), a.retry_delay_ms))
                    .collect(),
            ),
            _ => None,
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_month_long_workflow_with_retries_runs_without_moving_the_clock() {
    let (env, calls) = env().await;
    let sub = env.introspect_instance("subscription", "s-1");
    sub.modify(|m| {
        m.disable_sleeps(None);
        m.disable_retry_delays(None);
        m.mock_event("approve", json!({"by": "ada"}));
        m.mock_step_error(
            StepRef::new("charge"),
            ErrorInfo::new("Error", "declined"),
            Some(1),
        )?;
        m.force_step_timeout(StepRef::new("charge"), Some(1))
    })
    .await
    .unwrap();
    create(&env, "s-1").await;
    sub.wait_for_status(InstanceStatus::Complete).await.unwrap();
    assert_eq!(
        sub.get_output().await.unwrap(),
        json!({"receipt": {"charged": 42}, "approved_by": "ada"})
    );
    // A mocked error, then a forced time-out, then the real callback (once).
    let a = attempts(&env, "s-1").await;
    assert_eq!(a.len(), 3, "{a:?}");
    assert_eq!(a[0].1, Some(ErrorInfo::new("Error", "declined")));
    assert_eq!(
        a[1].1.as_ref().map(|e| e.message.as_str()),
        Some("Execution timed out after 0ms")
    );
    assert_eq!(a[2].0, Some(true));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // The delays were not waited, but are recorded as computed (1 h, then 2 h).
    assert_eq!((a[0].2, a[1].2), (Some(3_600_000), Some(7_200_000)));
    assert_eq!(
        env.engine.now(),
        endure::testing::START,
        "the clock never moved"
    );
}

#[tokio::test]
async fn without_modifications_the_workflow_waits_for_the_clock() {
    let (env, _) = env().await;
    let sub = env.introspect_instance("subscription", "s-2");
    create(&env, "s-2").await;
    // The step's result is there while the workflow sleeps on.
    assert_eq!(
        sub.wait_for_step_result(StepRef::new("charge"))
            .await
            .unwrap(),
        json!({"charged": 42})
    );
    sub.wait_for_status(InstanceStatus::Waiting).await.unwrap();
    let e = sub.get_output().await.unwrap_err();
    assert_eq!(
        e.message,
        "Cannot retrieve output: Workflow instance is in status \"waiting\" but must be \"complete\" to have an output available"
    );
    // Thirty days later the wait begins; a week more and it times out.
    env.advance(30 * 86_400_000);
    let handle = env
        .engine
        .workflow("subscription")
        .unwrap()
        .get("s-2")
        .await
        .unwrap();
    handle
        .wait_until(|d| {
            d.steps
                .iter()
                .any(|s| matches!(s, StepDoc::WaitForEvent { .. }))
        })
        .await
        .unwrap();
    env.advance(7 * 86_400_000);
    sub.wait_for_status(InstanceStatus::Errored).await.unwrap();
    let err = sub.get_error().await.unwrap();
    assert_eq!(err.message, "Execution timed out after 604800000ms");
    let e = sub
        .wait_for_status(InstanceStatus::Complete)
        .await
        .unwrap_err();
    assert_eq!(
        e.message,
        "[WorkflowIntrospector] The Workflow instance s-2 has reached status 'errored'. This is a finite status that prevents it from ever reaching the expected status of 'complete'."
    );
}

#[tokio::test]
async fn mocked_results_forced_event_timeouts_and_misuse() {
    let (env, calls) = env().await;
    let sub = env.introspect_instance("subscription", "s-3");
    sub.modify(|m| {
        m.mock_step_result(StepRef::new("charge"), json!({"charged": 0}))?;
        m.disable_sleeps(Some(vec![StepRef::new("trial")]));
        m.force_event_timeout(StepRef::new("approval"));
        Ok(())
    })
    .await
    .unwrap();
    create(&env, "s-3").await;
    sub.wait_for_status(InstanceStatus::Errored).await.unwrap();
    assert_eq!(
        calls.load(Ordering::SeqCst),
        0,
        "a mocked step does not run"
    );
    assert_eq!(
        sub.wait_for_step_result(StepRef::new("charge"))
            .await
            .unwrap(),
        json!({"charged": 0})
    );
    assert_eq!(
        sub.get_error().await.unwrap().message,
        "Execution timed out after 604800000ms"
    );
    let e = sub
        .modify(|m| m.mock_step_result(StepRef::new("charge"), json!(1)))
        .await
        .unwrap_err();
    assert_eq!(
        e.message,
        "[WorkflowIntrospector] Trying to mock step 'charge' multiple times!"
    );
    let e = sub
        .modify(|m| m.force_step_timeout(StepRef::new("charge"), None))
        .await
        .unwrap_err();
    assert!(
        e.message.contains("after mocking its result"),
        "{}",
        e.message
    );
    sub.dispose().await.unwrap();
    sub.dispose().await.unwrap();
    assert_eq!(
        sub.get_output().await.unwrap_err().message,
        "Workflow instance introspector has been disposed."
    );
    let gone = env
        .engine
        .workflow("subscription")
        .unwrap()
        .get("s-3")
        .await;
    assert!(gone.is_err(), "dispose removes the instance");
}

#[tokio::test]
async fn a_workflow_session_modifies_every_instance_created() {
    let (env, _) = env().await;
    let all = env.introspect_workflow("subscription").unwrap();
    let e = env.introspect_workflow("subscription").err().unwrap();
    assert_eq!(
        e.message,
        "Workflow \"subscription\" already has an active introspection session for binding \"subscription\"."
    );
    all.modify_all(|m| {
        m.disable_sleeps(None);
        m.mock_event("approve", json!({"by": "session"}));
        Ok(())
    })
    .unwrap();
    let b = env.engine.workflow("subscription").unwrap();
    b.create_batch(vec![
        CreateOptions::new().id("b-1"),
        CreateOptions::new().id("b-2"),
    ])
    .await
    .unwrap();
    let seen = all.get().unwrap();
    assert_eq!(
        seen.iter().map(|i| i.id().to_string()).collect::<Vec<_>>(),
        ["b-1", "b-2"]
    );
    for i in &seen {
        i.wait_for_status(InstanceStatus::Complete).await.unwrap();
        assert_eq!(
            i.get_output().await.unwrap()["approved_by"],
            json!("session")
        );
    }
    all.dispose().await.unwrap();
    assert!(b.get("b-1").await.is_err() && b.get("b-2").await.is_err());
    assert_eq!(
        all.get().err().unwrap().message,
        "Workflow \"subscription\" does not have an active introspection session for this introspector."
    );
    // An instance created after the session ended is not modified.
    create(&env, "later").await;
    env.introspect_instance("subscription", "later")
        .wait_for_status(InstanceStatus::Waiting)
        .await
        .unwrap();
}
