//! Pause, resume, terminate, restart, scheduling, crash recovery and binding validation, on
//! both stores, with and without restarts.

mod common;

use common::*;
use endure::prelude::*;
use endure::{EngineConfig, ErrorCode, InstanceStatus, StepDoc, StepKind, StepSelector};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

/// A workflow whose step `block` waits for a permit, then sleeps, then runs `after`.
fn gated(
    gate: Arc<Semaphore>,
    afters: Counter,
) -> impl Fn(endure::EngineBuilder) -> endure::EngineBuilder + Send + Sync + 'static {
    move |b| {
        let gate = gate.clone();
        let afters = afters.clone();
        b.workflow(
            "w",
            wf(move |_, step| {
                let gate = gate.clone();
                let afters = afters.clone();
                Box::pin(async move {
                    let gate = &gate;
                    let _: i64 = step
                        .run("block", move |_| async move {
                            gate.acquire().await.unwrap().forget();
                            Ok(1)
                        })
                        .await?;
                    let afters = &afters;
                    let _: u32 = step
                        .run("after", move |_| async move { Ok(afters.hit()) })
                        .await?;
                    step.sleep("nap", "1 hour").await?;
                    Ok(json!("done"))
                })
            }),
        )
        .unwrap()
    }
}

async fn pause_while_sleeping_keeps_the_remaining_time(mode: Mode) {
    let mut h = Harness::new(mode, |b| {
        b.workflow(
            "w",
            wf(|_, step| {
                Box::pin(async move {
                    step.sleep("nap", "1 hour").await?;
                    Ok(json!("awake"))
                })
            }),
        )
        .unwrap()
    })
    .await;
    h.create("w", "i", json!({})).await;
    h.wait_status("w", "i", InstanceStatus::Waiting).await;
    h.advance(600_000);
    h.get("w", "i").await.pause().await.unwrap();
    let d = h.wait_status("w", "i", InstanceStatus::Paused).await;
    assert_eq!(d.status, InstanceStatus::Paused);
    h.checkpoint().await;
    h.advance(7_200_000);
    assert_eq!(
        h.get("w", "i").await.status().await.unwrap().status,
        InstanceStatus::Paused,
        "a paused sleep does not wake"
    );
    h.get("w", "i").await.resume().await.unwrap();
    let d = h.wait_status("w", "i", InstanceStatus::Waiting).await;
    match &d.steps[0] {
        StepDoc::Sleep { end, .. } => assert_eq!(
            *end,
            T0.plus_ms(3_600_000 + 7_200_000),
            "paused time does not count"
        ),
        other => panic!("{other:?}"),
    }
    h.checkpoint().await;
    h.advance(3_000_000 - 1);
    assert_eq!(
        h.get("w", "i").await.status().await.unwrap().status,
        InstanceStatus::Waiting
    );
    h.advance(1);
    assert_eq!(h.wait_finished("w", "i").await.output, json!("awake"));
}

async fn pause_while_a_step_runs(mode: Mode) {
    let gate = Arc::new(Semaphore::new(0));
    let afters = Counter::default();
    let mut h = Harness::new(mode, gated(gate.clone(), afters.clone())).await;
    h.create("w", "i", json!({})).await;
    h.wait_until("w", "i", |d| !d.steps.is_empty()).await;
    h.get("w", "i").await.pause().await.unwrap();
    let d = h.get("w", "i").await.status().await.unwrap();
    assert_eq!(
        d.status,
        InstanceStatus::WaitingForPause,
        "the running step finishes first"
    );
    gate.add_permits(1);
    let d = h.wait_status("w", "i", InstanceStatus::Paused).await;
    assert!(
        matches!(
            step_entry(&d, "block", 1),
            StepDoc::Step {
                success: Some(true),
                ..
            }
        ),
        "its result is kept"
    );
    assert_eq!(afters.get(), 0, "the next step does not start while paused");
    assert_eq!(d.steps.len(), 1);
    h.checkpoint().await;
    h.get("w", "i").await.resume().await.unwrap();
    let d = h.wait_waiting_with("w", "i", 3).await;
    assert_eq!(afters.get(), 1);
    assert_eq!(d.status, InstanceStatus::Waiting);
}

async fn resume_cancels_a_pending_pause(mode: Mode) {
    let gate = Arc::new(Semaphore::new(0));
    let afters = Counter::default();
    let h = Harness::new(mode, gated(gate.clone(), afters.clone())).await;
    h.create("w", "i", json!({})).await;
    h.wait_until("w", "i", |d| !d.steps.is_empty()).await;
    let i = h.get("w", "i").await;
    i.pause().await.unwrap();
    i.pause().await.unwrap(); // a second pause is no error
    assert_eq!(
        i.status().await.unwrap().status,
        InstanceStatus::WaitingForPause
    );
    i.resume().await.unwrap();
    assert_eq!(i.status().await.unwrap().status, InstanceStatus::Running);
    gate.add_permits(1);
    h.wait_waiting_with("w", "i", 3).await;
    assert_eq!(afters.get(), 1);
}

/// A control operation whose caller gives up half-way (a REST client that disconnects drops
/// the request's future) leaves the instance free: later operations on it are not stuck
/// behind the abandoned one, and it still runs to its end.
async fn an_abandoned_operation_leaves_the_instance_free(mode: Mode) {
    let gate = Arc::new(Semaphore::new(1));
    let afters = Counter::default();
    let h = Harness::new(mode, gated(gate.clone(), afters.clone())).await;
    h.create("w", "i", json!({})).await;
    h.wait_waiting_with("w", "i", 3).await;
    let i = h.get("w", "i").await;
    // Polled once and dropped: on a store whose writes wait (SQLite's writer thread,
    // PostgreSQL), the pause is given up while it holds the instance's control slot.
    let _ = tokio::time::timeout(std::time::Duration::ZERO, i.pause()).await;
    let second = tokio::time::timeout(std::time::Duration::from_secs(10), i.pause()).await;
    assert!(
        matches!(second, Ok(Ok(()))),
        "a pause after an abandoned one: {second:?}"
    );
    assert_eq!(i.status().await.unwrap().status, InstanceStatus::Paused);
    guard(i.resume()).await;
    h.advance(3_600_000);
    let done = h.wait_finished("w", "i").await;
    assert_eq!(done.status, InstanceStatus::Complete, "{done:?}");
    assert_eq!(afters.get(), 1);
}

async fn no_op_transitions(mode: Mode) {
    let h = Harness::new(mode, |b| {
        b.workflow("w", wf(|_, _| Box::pin(async move { Ok(json!(1)) })))
            .unwrap()
    })
    .await;
    h.create("w", "i", json!({})).await;
    h.wait_finished("w", "i").await;
    let i = h.get("w", "i").await;
    i.pause().await.unwrap();
    i.resume().await.unwrap();
    assert_eq!(i.status().await.unwrap().status, InstanceStatus::Complete);
    let e = i.terminate().await.unwrap_err();
    assert_eq!(e.code, ErrorCode::CannotTerminate);
    assert_eq!(
        e.to_string(),
        "(instance.cannot_terminate) Cannot terminate instance since its on a finite state"
    );
}

async fn terminate_waiting_and_running(mode: Mode) {
    let gate = Arc::new(Semaphore::new(0));
    let afters = Counter::default();
    let mut h = Harness::new(mode, gated(gate.clone(), afters.clone())).await;
    // running: terminated at once, the step's result is discarded, nothing after it runs
    h.create("w", "running", json!({})).await;
    h.wait_until("w", "running", |d| !d.steps.is_empty()).await;
    h.get("w", "running").await.terminate().await.unwrap();
    let d = h.get("w", "running").await.status().await.unwrap();
    assert_eq!(d.status, InstanceStatus::Terminated);
    assert_eq!(d.success, Some(false));
    assert!(matches!(d.steps.last(), Some(StepDoc::Termination { .. })));
    gate.add_permits(1);
    // waiting: terminated, and its timer never runs it again
    h.create("w", "waiting", json!({})).await;
    h.wait_waiting_with("w", "waiting", 3).await;
    h.checkpoint().await;
    h.get("w", "waiting").await.terminate().await.unwrap();
    h.advance(3_600_000);
    let other = h.create("w", "after", json!({})).await;
    gate.add_permits(1);
    h.wait_waiting_with("w", "after", 3).await;
    other.terminate().await.unwrap();
    let d = h.get("w", "waiting").await.status().await.unwrap();
    assert_eq!(d.status, InstanceStatus::Terminated);
    assert!(matches!(
        step_entry(&d, "nap", 1),
        StepDoc::Sleep {
            finished: false,
            ..
        }
    ));
    assert_eq!(
        afters.get(),
        2,
        "the terminated running step's successor never ran"
    );
    let e = h.get("w", "waiting").await.terminate().await.unwrap_err();
    assert_eq!(e.code, ErrorCode::CannotTerminate);
    let e = h
        .get("w", "waiting")
        .await
        .send_event("x", json!(1))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotRunning);
    h.get("w", "waiting").await.resume().await.unwrap();
    assert_eq!(
        h.get("w", "waiting").await.status().await.unwrap().status,
        InstanceStatus::Terminated
    );
}

fn abc(
    counts: Arc<Mutex<Vec<String>>>,
) -> impl Fn(endure::EngineBuilder) -> endure::EngineBuilder + Send + Sync + 'static {
    move |b| {
        let counts = counts.clone();
        b.workflow(
            "w",
            wf(move |event, step| {
                let counts = counts.clone();
                Box::pin(async move {
                    let mut out = vec![];
                    for name in ["a", "b", "c"] {
                        let counts = &counts;
                        let v: String = step
                            .run(name, move |_| async move {
                                counts.lock().unwrap().push(name.to_string());
                                Ok(name.to_uppercase())
                            })
                            .await?;
                        out.push(v);
                        if name == "b" {
                            step.sleep("nap", 1000u64).await?;
                        }
                    }
                    Ok(json!({"out": out, "ts": event.timestamp.0}))
                })
            }),
        )
        .unwrap()
    }
}

async fn restart_from_scratch_and_from_a_step(mode: Mode) {
    let log = Arc::new(Mutex::new(vec![]));
    let mut h = Harness::new(mode, abc(log.clone())).await;
    h.create("w", "i", json!({})).await;
    h.wait_status("w", "i", InstanceStatus::Waiting).await;
    h.advance(1000);
    let first = h.wait_finished("w", "i").await;
    assert_eq!(*log.lock().unwrap(), ["a", "b", "c"]);
    h.checkpoint().await;

    let i = h.get("w", "i").await;
    let e = i.restart_from(StepSelector::new("zzz")).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "(instance.cannot_restart) Step \"zzz\" not found in execution history"
    );
    let e = i
        .restart_from(StepSelector::new("a").count(2))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::CannotRestart);

    i.restart_from(StepSelector::new("b")).await.unwrap();
    h.wait_status("w", "i", InstanceStatus::Waiting).await;
    h.advance(1000);
    let d = h.wait_finished("w", "i").await;
    assert_eq!(
        *log.lock().unwrap(),
        ["a", "b", "c", "b", "c"],
        "steps before the target keep their results"
    );
    assert_eq!(d.output, first.output, "same event timestamp");
    assert_eq!(d.start, first.start, "restart from a step keeps the start");

    h.get("w", "i")
        .await
        .restart_from(StepSelector::new("nap").kind(StepKind::Sleep))
        .await
        .unwrap();
    h.wait_status("w", "i", InstanceStatus::Waiting).await;
    h.advance(1000);
    h.wait_finished("w", "i").await;
    assert_eq!(*log.lock().unwrap(), ["a", "b", "c", "b", "c", "c"]);

    h.get("w", "i").await.restart().await.unwrap();
    h.wait_status("w", "i", InstanceStatus::Waiting).await;
    h.checkpoint().await;
    h.advance(1000);
    let d = h.wait_finished("w", "i").await;
    assert_eq!(
        *log.lock().unwrap(),
        ["a", "b", "c", "b", "c", "c", "a", "b", "c"]
    );
    assert_eq!(d.output, first.output);
    assert_eq!(d.steps.len(), 4, "a full restart erases the history");
}

async fn restart_a_waiting_instance(mode: Mode) {
    let log = Arc::new(Mutex::new(vec![]));
    let h = Harness::new(mode, abc(log.clone())).await;
    h.create("w", "i", json!({})).await;
    h.wait_status("w", "i", InstanceStatus::Waiting).await;
    h.get("w", "i").await.restart().await.unwrap();
    h.wait_until("w", "i", |d| {
        d.status == InstanceStatus::Waiting && log.lock().unwrap().len() == 4
    })
    .await;
    h.advance(1000);
    h.wait_finished("w", "i").await;
    assert_eq!(*log.lock().unwrap(), ["a", "b", "a", "b", "c"]);
}

async fn concurrency_limit_and_wake_priority(mode: Mode) {
    let order = Arc::new(Mutex::new(Vec::<String>::new()));
    let gate = Arc::new(Semaphore::new(0));
    let (o, g) = (order.clone(), gate.clone());
    let config = EngineConfig {
        max_running: 1,
        ..EngineConfig::default()
    };
    let mut h = Harness::with_config(mode, config, move |b| {
        let (o, g) = (o.clone(), g.clone());
        b.workflow(
            "w",
            wf(move |event, step| {
                let (o, g) = (o.clone(), g.clone());
                Box::pin(async move {
                    let me = event.instance_id.clone();
                    if event.payload["sleep"] == json!(true) {
                        step.sleep("nap", "1 minute").await?;
                    }
                    let (o, g, me2) = (&o, &g, me.clone());
                    let _: Value = step
                        .run("work", move |_| {
                            let me = me2.clone();
                            async move {
                                if me == "blocker" {
                                    g.acquire().await.unwrap().forget();
                                }
                                o.lock().unwrap().push(me);
                                Ok(json!(null))
                            }
                        })
                        .await?;
                    Ok(json!(me))
                })
            }),
        )
        .unwrap()
    })
    .await;
    h.create("w", "sleeper", json!({"sleep": true})).await;
    h.wait_status("w", "sleeper", InstanceStatus::Waiting).await;
    h.create("w", "blocker", json!({})).await;
    h.wait_until("w", "blocker", |d| !d.steps.is_empty()).await;
    // waiting instances do not count against the limit: the blocker runs beside the sleeper
    h.create("w", "newcomer", json!({})).await;
    let d = h.get("w", "newcomer").await.status().await.unwrap();
    assert_eq!(d.status, InstanceStatus::Queued, "over the limit: queued");
    h.advance(60_000);
    h.checkpoint().await;
    if h.restarts > 0 {
        // the blocker's attempt was cut short by the restart; it runs again
        h.wait_until("w", "blocker", |d| attempts(d, "work", 1).len() == 2)
            .await;
    }
    // Both are queued (the woken sleeper and the newcomer) before the slot frees.
    for _ in 0..1_000_000 {
        if h.engine.queued() == (1, 1) {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert_eq!(
        h.engine.queued(),
        (1, 1),
        "the woken sleeper and the newcomer are queued"
    );
    gate.add_permits(1);
    for id in ["sleeper", "blocker", "newcomer"] {
        h.wait_finished("w", id).await;
    }
    let order = order.lock().unwrap().clone();
    let pos = |id: &str| order.iter().position(|x| x == id).unwrap();
    assert!(
        pos("sleeper") < pos("newcomer"),
        "a woken instance goes before newly queued ones: {order:?}"
    );
}

async fn a_cut_short_attempt_counts(mode: Mode) {
    let gate = Arc::new(Semaphore::new(0));
    let afters = Counter::default();
    let mut h = Harness::new(mode, gated(gate.clone(), afters.clone())).await;
    h.create("w", "i", json!({})).await;
    h.wait_until("w", "i", |d| !d.steps.is_empty()).await;
    h.restart().await; // a crash in the middle of attempt 1 (the step and its attempt start together)
    gate.add_permits(1);
    let d = h.wait_waiting_with("w", "i", 3).await;
    assert_eq!(
        attempts(&d, "block", 1),
        vec![
            (
                Some(false),
                Some(
                    "WorkflowInternalError: Attempt failed due to internal workflows error".into()
                ),
                None
            ),
            (Some(true), None, None)
        ]
    );
}

async fn a_pending_pause_becomes_paused_after_a_crash(mode: Mode) {
    let gate = Arc::new(Semaphore::new(0));
    let mut h = Harness::new(mode, gated(gate.clone(), Counter::default())).await;
    h.create("w", "i", json!({})).await;
    h.wait_until("w", "i", |d| !d.steps.is_empty()).await;
    h.get("w", "i").await.pause().await.unwrap();
    h.restart().await;
    assert_eq!(
        h.get("w", "i").await.status().await.unwrap().status,
        InstanceStatus::Paused
    );
    h.get("w", "i").await.resume().await.unwrap();
    gate.add_permits(1);
    h.wait_waiting_with("w", "i", 3).await;
}

async fn binding_validation(mode: Mode) {
    let h = Harness::new(mode, |b| {
        b.workflow("w", wf(|_, _| Box::pin(async move { Ok(json!(1)) })))
            .unwrap()
    })
    .await;
    let w = h.engine.workflow("w").unwrap();
    assert_eq!(
        h.engine.workflow("nope").err().unwrap().code,
        ErrorCode::WorkflowNotFound
    );
    for bad in ["", "-x", "a b", "ü", &"a".repeat(101)] {
        let e = w.create(CreateOptions::new().id(bad)).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInstanceId, "{bad}");
        assert_eq!(e.message, "Workflow instance has invalid id");
    }
    let auto = w.create(CreateOptions::new()).await.unwrap();
    assert_eq!(auto.id().len(), 36, "a UUID v4");
    assert_eq!(
        auto.status().await.unwrap().params,
        json!({}),
        "params default to {{}}"
    );
    w.create(CreateOptions::new().id("dup")).await.unwrap();
    let e = w.create(CreateOptions::new().id("dup")).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::AlreadyExists);
    assert_eq!(
        e.to_string(),
        "(instance.already_exists) Instance already exists"
    );
    let big = json!({"x": "y".repeat(1024 * 1024)});
    assert_eq!(
        w.create(CreateOptions::new().params(big))
            .await
            .unwrap_err()
            .code,
        ErrorCode::PayloadTooLarge
    );
    assert_eq!(
        w.create_batch(vec![]).await.unwrap_err().code,
        ErrorCode::InvalidBatchSize
    );
    let many: Vec<_> = (0..101)
        .map(|i| CreateOptions::new().id(format!("m{i}")))
        .collect();
    assert_eq!(
        w.create_batch(many).await.unwrap_err().code,
        ErrorCode::InvalidBatchSize
    );
    let mixed = vec![
        CreateOptions::new().id("ok1"),
        CreateOptions::new().id("bad id"),
    ];
    assert_eq!(
        w.create_batch(mixed).await.unwrap_err().code,
        ErrorCode::InvalidInstanceId
    );
    let with_dup = vec![
        CreateOptions::new().id("ok2"),
        CreateOptions::new().id("dup"),
    ];
    assert_eq!(
        w.create_batch(with_dup).await.unwrap_err().code,
        ErrorCode::AlreadyExists
    );
    for id in ["ok1", "ok2"] {
        assert_eq!(
            w.get(id).await.unwrap_err().code,
            ErrorCode::InstanceNotFound,
            "a failed batch creates nothing"
        );
    }
    let hundred: Vec<_> = (0..100)
        .map(|i| {
            CreateOptions::new()
                .id(format!("b{i}"))
                .params(json!({"i": i}))
        })
        .collect();
    let handles = w.create_batch(hundred).await.unwrap();
    assert_eq!(handles.len(), 100);
    assert_eq!(handles[42].id(), "b42");
    for hd in &handles {
        guard(hd.wait_finished()).await;
    }
    assert_eq!(
        w.get("b7").await.unwrap().status().await.unwrap().params,
        json!({"i": 7})
    );
    assert_eq!(
        w.get("bad id").await.unwrap_err().code,
        ErrorCode::InstanceNotFound
    );
}

async fn restart_while_a_step_runs(mode: Mode) {
    let gate = Arc::new(Semaphore::new(0));
    let afters = Counter::default();
    let h = Harness::new(mode, gated(gate.clone(), afters.clone())).await;
    h.create("w", "i", json!({})).await;
    h.wait_until("w", "i", |d| !d.steps.is_empty()).await;
    h.get("w", "i").await.restart().await.unwrap();
    // The running attempt was abandoned; the restarted run starts the step afresh.
    let d = h
        .wait_until("w", "i", |d| {
            d.status == InstanceStatus::Running && !d.steps.is_empty()
        })
        .await;
    assert_eq!(
        attempts(&d, "block", 1).len(),
        1,
        "history erased: attempt 1 again"
    );
    gate.add_permits(1);
    let d = h.wait_waiting_with("w", "i", 3).await;
    assert_eq!(afters.get(), 1);
    assert_eq!(attempts(&d, "block", 1), vec![(Some(true), None, None)]);
}

async fn delete_running_and_waiting(mode: Mode) {
    let gate = Arc::new(Semaphore::new(0));
    let afters = Counter::default();
    let mut h = Harness::new(mode, gated(gate.clone(), afters.clone())).await;
    h.create("w", "running", json!({})).await;
    h.wait_until("w", "running", |d| !d.steps.is_empty()).await;
    h.get("w", "running").await.delete().await.unwrap();
    let w = h.engine.workflow("w").unwrap();
    assert_eq!(
        w.get("running").await.unwrap_err().code,
        ErrorCode::InstanceNotFound
    );
    gate.add_permits(1);
    h.create("w", "waiting", json!({})).await;
    h.wait_waiting_with("w", "waiting", 3).await;
    h.checkpoint().await;
    h.get("w", "waiting").await.delete().await.unwrap();
    h.advance(3_600_000);
    // The id is free again, and the deleted instance's timer woke nothing.
    gate.add_permits(1);
    h.create("w", "running", json!({})).await;
    h.wait_waiting_with("w", "running", 3).await;
    assert_eq!(
        h.engine
            .workflow("w")
            .unwrap()
            .get("waiting")
            .await
            .unwrap_err()
            .code,
        ErrorCode::InstanceNotFound
    );
    assert_eq!(
        afters.get(),
        2,
        "the deleted running step's successor never ran"
    );
}

matrix!(
    delete_running_and_waiting,
    restart_while_a_step_runs,
    pause_while_sleeping_keeps_the_remaining_time,
    pause_while_a_step_runs,
    resume_cancels_a_pending_pause,
    an_abandoned_operation_leaves_the_instance_free,
    no_op_transitions,
    terminate_waiting_and_running,
    restart_from_scratch_and_from_a_step,
    restart_a_waiting_instance,
    concurrency_limit_and_wake_priority,
    a_cut_short_attempt_counts,
    a_pending_pause_becomes_paused_after_a_crash,
    binding_validation,
);
