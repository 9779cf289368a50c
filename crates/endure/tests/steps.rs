//! `step.do`: caching and replay, retries and back-off, time-outs, errors, limits, validation.
//! Every test runs on both stores, with and without engine restarts at its checkpoints.

mod common;

use common::*;
use endure::prelude::*;
use endure::{InstanceStatus, StepDoc, WorkflowOptions};
use serde_json::{Value, json};

async fn recorded_results_are_not_recomputed(mode: Mode) {
    let runs = Counter::default();
    let r = runs.clone();
    let mut h = Harness::new(mode, move |b| {
        let r = r.clone();
        b.workflow(
            "w",
            wf(move |_, step| {
                let r = r.clone();
                Box::pin(async move {
                    let mut total = 0;
                    let r = &r;
                    for i in 0..3 {
                        // the same name in a loop: distinct steps name-1, name-2, name-3
                        let v: i64 = step
                            .run("add", move |_| async move {
                                r.hit();
                                Ok(i)
                            })
                            .await?;
                        total += v;
                    }
                    step.sleep("nap", "1 hour").await?;
                    let none: Option<i64> = step.run("nothing", |_| async { Ok(None) }).await?;
                    Ok(json!({"total": total, "none": none}))
                })
            }),
        )
        .unwrap()
    })
    .await;
    h.create("w", "i", json!({})).await;
    let d = h.wait_status("w", "i", InstanceStatus::Waiting).await;
    assert_eq!(runs.get(), 3);
    for c in 1..=3 {
        assert!(matches!(
            step_entry(&d, "add", c),
            StepDoc::Step {
                success: Some(true),
                ..
            }
        ));
    }
    h.checkpoint().await;
    h.advance(3_600_000);
    let d = h.wait_finished("w", "i").await;
    assert_eq!(d.output, json!({"total": 3, "none": null}));
    assert_eq!(
        runs.get(),
        3,
        "replay returned recorded results without running callbacks"
    );
}

async fn kinds_have_separate_identities(mode: Mode) {
    let mut h = Harness::new(mode, |b| {
        b.workflow(
            "w",
            wf(|_, step| {
                Box::pin(async move {
                    let a: String = step.run("a", |_| async { Ok("do".to_string()) }).await?;
                    let e = step
                        .wait_for_event::<Value>("a", WaitForEvent::new("go").timeout("1 hour"))
                        .await?;
                    step.sleep("a", 1000u64).await?;
                    step.sleep("a", 2000u64).await?;
                    Ok(json!({"a": a, "event": e.payload}))
                })
            }),
        )
        .unwrap()
    })
    .await;
    let i = h.create("w", "i", json!({})).await;
    h.wait_waiting_with("w", "i", 2).await;
    i.send_event("go", json!(7)).await.unwrap();
    h.wait_waiting_with("w", "i", 3).await;
    h.checkpoint().await;
    h.advance(1000);
    h.wait_waiting_with("w", "i", 4).await;
    h.advance(2000);
    let d = h.wait_finished("w", "i").await;
    assert_eq!(d.output, json!({"a": "do", "event": 7}));
    let kinds: Vec<&str> = d
        .steps
        .iter()
        .map(|s| match s {
            StepDoc::Step { .. } => "step",
            StepDoc::Sleep { .. } => "sleep",
            StepDoc::WaitForEvent { .. } => "waitForEvent",
            StepDoc::Termination { .. } => "termination",
        })
        .collect();
    assert_eq!(
        kinds,
        ["step", "waitForEvent", "sleep", "sleep"],
        "the duration is part of a sleep's identity"
    );
}

async fn retry_schedules(mode: Mode) {
    // limit 3: four attempts; delays by formula; a 10-minute back-off takes no real time.
    for (backoff, delays) in [
        (Backoff::Exponential, [600_000u64, 1_200_000, 2_400_000]),
        (Backoff::Linear, [600_000, 1_200_000, 1_800_000]),
        (Backoff::Constant, [600_000, 600_000, 600_000]),
    ] {
        let tries = Counter::default();
        let t = tries.clone();
        let mut h = Harness::new(mode, move |b| {
            let t = t.clone();
            b.workflow(
                "w",
                wf(move |_, step| {
                    let t = t.clone();
                    Box::pin(async move {
                        let cfg = StepConfig::new()
                            .retries(3u32, "10 minutes")
                            .backoff(backoff);
                        let r: Result<i64, WorkflowError> = step
                            .run_with("flaky", cfg, move |ctx| {
                                let t = t.clone();
                                async move {
                                    t.hit();
                                    Err(WorkflowError::msg(format!(
                                        "attempt {} failed",
                                        ctx.attempt
                                    )))
                                }
                            })
                            .await;
                        let e = r.unwrap_err();
                        Ok(json!({"caught": e.message, "name": e.name}))
                    })
                }),
            )
            .unwrap()
        })
        .await;
        h.create("w", "i", json!({})).await;
        for (n, delay) in delays.iter().enumerate() {
            let d = h
                .wait_until("w", "i", |d| {
                    d.status == InstanceStatus::Waiting && attempts(d, "flaky", 1).len() == n + 1
                })
                .await;
            assert_eq!(tries.get(), n as u32 + 1);
            let a = attempts(&d, "flaky", 1);
            assert_eq!(a.len(), n + 1);
            assert_eq!(
                a[n].2,
                Some(*delay),
                "{backoff:?} delay after attempt {}",
                n + 1
            );
            h.checkpoint().await;
            h.advance(delay - 1);
            h.wait_status("w", "i", InstanceStatus::Waiting).await;
            assert_eq!(
                tries.get(),
                n as u32 + 1,
                "no retry before the delay has passed"
            );
            h.advance(1);
        }
        let d = h.wait_finished("w", "i").await;
        assert_eq!(
            d.status,
            InstanceStatus::Complete,
            "the error was caught by run"
        );
        assert_eq!(
            d.output,
            json!({"caught": "attempt 4 failed", "name": "Error"}),
            "the last attempt's error reaches run"
        );
        assert_eq!(tries.get(), 4, "limit 3 = 3 retries = 4 attempts");
        let a = attempts(&d, "flaky", 1);
        assert_eq!(a.len(), 4);
        assert_eq!(
            a[3],
            (Some(false), Some("Error: attempt 4 failed".into()), None)
        );
        match step_entry(&d, "flaky", 1) {
            StepDoc::Step {
                success, attempts, ..
            } => {
                assert_eq!(*success, Some(false));
                for (k, delay) in delays.iter().enumerate() {
                    let gap = attempts[k + 1].start.since(attempts[k].end.unwrap());
                    assert_eq!(
                        gap,
                        *delay,
                        "attempt {} started exactly when its back-off ended",
                        k + 2
                    );
                }
            }
            other => panic!("{other:?}"),
        }
    }
}

async fn defaults_and_zero_limit(mode: Mode) {
    let mut h = Harness::new(mode, |b| {
        b.workflow(
            "w",
            wf(|_, step| {
                Box::pin(async move {
                    let once: Result<i64, _> = step
                        .run_with(
                            "once",
                            StepConfig::new().retries(0u32, 1000u64),
                            |_| async { Err(WorkflowError::msg("no")) },
                        )
                        .await;
                    assert!(once.is_err());
                    let v: i64 = step
                        .run("default", |ctx| async move {
                            if ctx.attempt < 3 {
                                Err(WorkflowError::msg("not yet"))
                            } else {
                                Ok(i64::from(ctx.attempt))
                            }
                        })
                        .await?;
                    Ok(json!(v))
                })
            }),
        )
        .unwrap()
    })
    .await;
    h.create("w", "i", json!({})).await;
    let d = h.wait_status("w", "i", InstanceStatus::Waiting).await;
    assert_eq!(attempts(&d, "once", 1).len(), 1, "limit 0 = one attempt");
    assert_eq!(
        attempts(&d, "default", 1)[0].2,
        Some(10_000),
        "default delay 10 s"
    );
    h.checkpoint().await;
    h.advance(10_000);
    let d = h
        .wait_until("w", "i", |d| {
            d.status == InstanceStatus::Waiting && attempts(d, "default", 1).len() == 2
        })
        .await;
    assert_eq!(
        attempts(&d, "default", 1)[1].2,
        Some(20_000),
        "default back-off exponential"
    );
    h.advance(20_000);
    let d = h.wait_finished("w", "i").await;
    assert_eq!(d.output, json!(3));
    match step_entry(&d, "default", 1) {
        StepDoc::Step { config, .. } => {
            let c = serde_json::to_value(config).unwrap();
            assert_eq!(
                c,
                json!({"retries": {"limit": 5, "delay": 10000, "backoff": "exponential"}, "timeout": 600000})
            );
        }
        other => panic!("{other:?}"),
    }
}

async fn attempt_timeouts_are_retried(mode: Mode) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<u32>();
    let h = Harness::new(mode, move |b| {
        let tx = tx.clone();
        b.workflow(
            "w",
            wf(move |_, step| {
                let tx = tx.clone();
                Box::pin(async move {
                    let cfg = StepConfig::new().retries(1u32, 0u64).timeout("5 minutes");
                    let v: u32 = step
                        .run_with("slow", cfg, move |ctx| {
                            let tx = tx.clone();
                            async move {
                                let _ = tx.send(ctx.attempt);
                                if ctx.attempt == 1 {
                                    std::future::pending::<()>().await;
                                }
                                Ok(ctx.attempt)
                            }
                        })
                        .await?;
                    Ok(json!(v))
                })
            }),
        )
        .unwrap()
    })
    .await;
    h.create("w", "i", json!({})).await;
    assert_eq!(rx.recv().await, Some(1));
    let d = h.wait_status("w", "i", InstanceStatus::Running).await;
    assert_eq!(
        d.status,
        InstanceStatus::Running,
        "a running attempt keeps the instance running"
    );
    h.advance(300_000);
    assert_eq!(rx.recv().await, Some(2));
    let d = h.wait_finished("w", "i").await;
    assert_eq!(d.output, json!(2));
    let a = attempts(&d, "slow", 1);
    assert_eq!(
        a[0].1.as_deref(),
        Some("WorkflowTimeoutError: Execution timed out after 300000ms")
    );
    assert_eq!(a[1].0, Some(true));
}

async fn non_retryable_errors(mode: Mode) {
    let runs = Counter::default();
    let r = runs.clone();
    let mut h = Harness::new(mode, move |b| {
        let r = r.clone();
        b.workflow(
            "w",
            wf(move |event, step| {
                let r = r.clone();
                Box::pin(async move {
                    let r2 = r.clone();
                    let caught: Result<i64, _> = step
                        .run("fatal", move |_| {
                            let r = r2.clone();
                            async move {
                                r.hit();
                                Err(NonRetryableError::new("bad input").into())
                            }
                        })
                        .await;
                    let e = caught.unwrap_err();
                    assert_eq!(
                        (e.name.as_str(), e.message.as_str()),
                        ("NonRetryableError", "bad input")
                    );
                    step.sleep("between", "1 minute").await?;
                    if event.payload["rethrow"] == json!(true) {
                        return Err(e);
                    }
                    Ok(json!("handled"))
                })
            }),
        )
        .unwrap()
    })
    .await;
    h.create("w", "handled", json!({})).await;
    h.create("w", "unhandled", json!({"rethrow": true})).await;
    h.wait_status("w", "handled", InstanceStatus::Waiting).await;
    h.wait_status("w", "unhandled", InstanceStatus::Waiting)
        .await;
    h.checkpoint().await;
    h.advance(60_000);
    let d = h.wait_finished("w", "handled").await;
    assert_eq!(d.output, json!("handled"));
    assert_eq!(
        attempts(&d, "fatal", 1),
        vec![(
            Some(false),
            Some(
                "WorkflowFatalError: Step threw a NonRetryableError with message \"bad input\""
                    .into()
            ),
            None
        )]
    );
    let d = h.wait_finished("w", "unhandled").await;
    assert_eq!(d.status, InstanceStatus::Errored);
    let err = d.error.unwrap();
    assert_eq!(
        (err.name.as_str(), err.message.as_str()),
        ("NonRetryableError", "bad input")
    );
    assert_eq!(
        runs.get(),
        2,
        "one attempt each; a replay re-throws the recorded failure"
    );
}

async fn errors_reach_run_and_end_the_instance(mode: Mode) {
    let h = Harness::new(mode, |b| {
        b.workflow(
            "w",
            wf(|_, step| {
                Box::pin(async move {
                    let _: i64 = step
                        .run_with("boom", StepConfig::new().retries(0u32, 0u64), |_| async {
                            Err(WorkflowError::new("TypeError", "x is not a function"))
                        })
                        .await?;
                    Ok(json!("unreachable"))
                })
            }),
        )
        .unwrap()
    })
    .await;
    h.create("w", "i", json!({})).await;
    let d = h.wait_finished("w", "i").await;
    assert_eq!(d.status, InstanceStatus::Errored);
    assert_eq!(d.success, Some(false));
    let e = d.error.unwrap();
    assert_eq!(
        (e.name.as_str(), e.message.as_str()),
        ("TypeError", "x is not a function")
    );
    assert_eq!(d.output, Value::Null);
}

async fn step_limit(mode: Mode) {
    let h = Harness::new(mode, |b| {
        let opts = WorkflowOptions {
            step_limit: 3,
            ..WorkflowOptions::default()
        };
        b.workflow_with(
            "w",
            wf(|_, step| {
                Box::pin(async move {
                    for i in 0..3 {
                        let _: i64 = step.run(format!("s{i}"), |_| async { Ok(0) }).await?;
                        step.sleep(format!("sleeps do not count {i}"), 0u64).await?;
                    }
                    let over: Result<i64, _> = step.run("s3", |_| async { Ok(0) }).await;
                    let e = over.unwrap_err();
                    Ok(json!({"name": e.name, "message": e.message}))
                })
            }),
            opts,
        )
        .unwrap()
    })
    .await;
    h.create("w", "i", json!({})).await;
    let d = h.wait_finished("w", "i").await;
    assert_eq!(
        d.output,
        json!({"name": "WorkflowFatalError", "message": "The limit of 3 steps has been reached. This limit can be changed in your worker configuration."})
    );
}

async fn invalid_names_configs_and_durations(mode: Mode) {
    let h = Harness::new(mode, |b| {
        b.workflow(
            "w",
            wf(|_, step| {
                Box::pin(async move {
                    let msg = |r: Result<Value, WorkflowError>| {
                        let e = r.unwrap_err();
                        format!("{}: {}", e.name, e.message)
                    };
                    let long = "n".repeat(257);
                    let bad_name = msg(step.run(long.clone(), |_| async { Ok(json!(1)) }).await);
                    let bad_cfg = msg(step
                        .run_with("c", StepConfig::new().timeout(0u64), |_| async {
                            Ok(json!(1))
                        })
                        .await);
                    let bad_delay = msg(step
                        .run_with("d", StepConfig::new().retries(1u32, "5 mins"), |_| async {
                            Ok(json!(1))
                        })
                        .await);
                    let bad_sleep = step.sleep("s", "soon").await.unwrap_err().message;
                    let long_sleep = step.sleep("l", "366 days").await.unwrap_err().message;
                    let bad_type = step
                        .wait_for_event::<Value>("e", WaitForEvent::new("a/b"))
                        .await
                        .unwrap_err()
                        .name;
                    Ok(json!([
                        bad_name, bad_cfg, bad_delay, bad_sleep, long_sleep, bad_type
                    ]))
                })
            }),
        )
        .unwrap()
    })
    .await;
    h.create("w", "i", json!({})).await;
    let d = h.wait_finished("w", "i").await;
    let long = "n".repeat(257);
    assert_eq!(
        d.output,
        json!([
            format!(
                "WorkflowFatalError: Step name \"{long}\" exceeds max length (256 chars) or invalid characters found"
            ),
            "WorkflowFatalError: Step config for \"c\" is in a invalid format. See https://developers.cloudflare.com/workflows/build/sleeping-and-retrying/",
            "WorkflowFatalError: Step config for \"d\" is in a invalid format. See https://developers.cloudflare.com/workflows/build/sleeping-and-retrying/",
            "Invalid sleep duration for \"s\": expected \"<number> <unit>\", e.g. \"5 seconds\"",
            "The sleep for \"l\" exceeds the maximum of 365 days",
            "WorkflowFatalError"
        ])
    );
    assert!(d.steps.is_empty(), "nothing invalid was recorded");
}

async fn oversized_output_is_a_retried_failure(mode: Mode) {
    let h = Harness::new(mode, |b| {
        b.workflow(
            "w",
            wf(|_, step| {
                Box::pin(async move {
                    let v: String = step
                        .run_with(
                            "big",
                            StepConfig::new().retries(1u32, 0u64),
                            |ctx| async move {
                                Ok(if ctx.attempt == 1 {
                                    "x".repeat(1024 * 1024 + 1)
                                } else {
                                    "small".into()
                                })
                            },
                        )
                        .await?;
                    Ok(json!(v))
                })
            }),
        )
        .unwrap()
    })
    .await;
    h.create("w", "i", json!({})).await;
    let d = h.wait_finished("w", "i").await;
    assert_eq!(d.output, json!("small"));
    assert_eq!(
        attempts(&d, "big", 1)[0].1.as_deref(),
        Some(
            "WorkflowInternalError: Step big-1 output is too large. Maximum allowed size is 1MiB."
        )
    );
}

async fn context_and_recorded_config(mode: Mode) {
    let h = Harness::new(mode, |b| {
        b.workflow(
            "w",
            wf(|_, step| {
                Box::pin(async move {
                    let mut seen = vec![];
                    for _ in 0..2 {
                        let cfg = StepConfig::new().retries(RetryLimit::Unlimited, "1 second").backoff(Backoff::Linear).timeout("1 minute");
                        let c: Value = step
                            .run_with("ctx", cfg, |ctx| async move {
                                Ok(json!({"name": ctx.step.name, "count": ctx.step.count, "attempt": ctx.attempt,
                                          "config": serde_json::to_value(&ctx.config).unwrap()}))
                            })
                            .await?;
                        seen.push(c);
                    }
                    Ok(json!(seen))
                })
            }),
        )
        .unwrap()
    })
    .await;
    h.create("w", "i", json!({})).await;
    let d = h.wait_finished("w", "i").await;
    let cfg = json!({"retries": {"limit": "unlimited", "delay": 1000, "backoff": "linear"}, "timeout": 60000});
    assert_eq!(
        d.output,
        json!([
            {"name": "ctx", "count": 1, "attempt": 1, "config": cfg},
            {"name": "ctx", "count": 2, "attempt": 1, "config": cfg},
        ])
    );
}

async fn concurrent_steps_have_stable_identities(mode: Mode) {
    let runs = Counter::default();
    let r = runs.clone();
    let mut h = Harness::new(mode, move |b| {
        let r = r.clone();
        b.workflow(
            "w",
            wf(move |_, step| {
                let r = r.clone();
                Box::pin(async move {
                    let (r1, r2, r3) = (&r, &r, &r);
                    let (a, b, c) = tokio::join!(
                        step.run("fetch", move |ctx| async move {
                            r1.hit();
                            Ok(format!("first-{}", ctx.step.count))
                        }),
                        step.run("fetch", move |ctx| async move {
                            r2.hit();
                            Ok(format!("second-{}", ctx.step.count))
                        }),
                        step.run("other", move |_| async move {
                            r3.hit();
                            Ok("other".to_string())
                        }),
                    );
                    let (a, b, c) = (a?, b?, c?);
                    step.sleep("after", "1 day").await?;
                    Ok(json!([a, b, c]))
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
    assert_eq!(d.output, json!(["first-1", "second-2", "other"]));
    assert_eq!(runs.get(), 3);
}

async fn run_errors_and_params(mode: Mode) {
    let h = Harness::new(mode, |b| {
        b.workflow(
            "w",
            wf(|event, _step| {
                Box::pin(async move {
                    if event.payload.get("fail").is_some() {
                        return Err(WorkflowError::msg("run failed"));
                    }
                    Ok(json!({"instance": event.instance_id, "workflow": event.workflow_name, "ts": event.timestamp.0}))
                })
            }),
        )
        .unwrap()
    })
    .await;
    h.create("w", "ok", json!({})).await;
    h.create("w", "bad", json!({"fail": 1})).await;
    let d = h.wait_finished("w", "ok").await;
    assert_eq!(
        d.output,
        json!({"instance": "ok", "workflow": "w", "ts": T0.0})
    );
    assert_eq!(d.params, json!({}));
    assert_eq!(d.queued, T0);
    let d = h.wait_finished("w", "bad").await;
    assert_eq!(d.error.unwrap().message, "run failed");
    assert_eq!(d.params, json!({"fail": 1}));
}

async fn sensitive_outputs_are_redacted(mode: Mode) {
    let h = Harness::new(mode, |b| {
        b.workflow(
            "w",
            wf(|_, step| {
                Box::pin(async move {
                    let secret: String = step
                        .run_with("token", StepConfig::new().sensitive_output(), |_| async {
                            Ok("s3cr3t".to_string())
                        })
                        .await?;
                    Ok(json!(secret.len()))
                })
            }),
        )
        .unwrap()
    })
    .await;
    h.create("w", "i", json!({})).await;
    let d = h.wait_finished("w", "i").await;
    assert_eq!(d.output, json!(6), "run gets the real value");
    match step_entry(&d, "token", 1) {
        StepDoc::Step { output, config, .. } => {
            assert_eq!(output, &json!("[REDACTED]"));
            assert_eq!(config.sensitive.as_deref(), Some("output"));
        }
        other => panic!("{other:?}"),
    }
}

async fn instance_state_limit(mode: Mode) {
    let mut config = endure::EngineConfig::default();
    config.limits.max_instance_state_bytes = 20_000;
    let h = Harness::with_config(mode, config, |b| {
        b.workflow(
            "w",
            wf(|_, step| {
                Box::pin(async move {
                    for i in 0..10 {
                        let r: Result<String, _> = step
                            .run(format!("chunk-{i}"), |_| async { Ok("x".repeat(5_000)) })
                            .await;
                        if let Err(e) = r {
                            return Ok(json!({"at": i, "name": e.name, "message": e.message}));
                        }
                    }
                    Ok(json!("no limit"))
                })
            }),
        )
        .unwrap()
    })
    .await;
    h.create("w", "i", json!({})).await;
    let d = h.wait_finished("w", "i").await;
    assert_eq!(d.output["name"], "WorkflowInternalError");
    assert_eq!(
        d.output["message"],
        "The instance has exceeded the 20000 bytes storage limit"
    );
    let at = d.output["at"].as_u64().unwrap();
    assert!(
        (2..=3).contains(&at),
        "stops near 20 000 bytes of 5 000-byte outputs: {at}"
    );
    assert_eq!(
        attempts(&d, &format!("chunk-{at}"), 1).len(),
        1,
        "not retried: retrying cannot make room"
    );
}

async fn panics_are_failures_not_crashes(mode: Mode) {
    let h = Harness::new(mode, |b| {
        b.workflow(
            "w",
            wf(|event, step| {
                Box::pin(async move {
                    let v: u32 = step
                        .run_with(
                            "shaky",
                            StepConfig::new().retries(1u32, 0u64),
                            |ctx| async move {
                                if ctx.attempt == 1 {
                                    panic!("attempt one blew up");
                                }
                                Ok(ctx.attempt)
                            },
                        )
                        .await?;
                    if event.payload["panic"] == json!(true) {
                        panic!("run blew up");
                    }
                    Ok(json!(v))
                })
            }),
        )
        .unwrap()
    })
    .await;
    h.create("w", "calm", json!({})).await;
    h.create("w", "wild", json!({"panic": true})).await;
    let d = h.wait_finished("w", "calm").await;
    assert_eq!(d.output, json!(2));
    assert_eq!(
        attempts(&d, "shaky", 1)[0].1.as_deref(),
        Some("Error: panicked: attempt one blew up")
    );
    let d = h.wait_finished("w", "wild").await;
    assert_eq!(d.status, InstanceStatus::Errored);
    assert_eq!(d.error.unwrap().message, "panicked: run blew up");
}

/// `retries.delay` as a function: asked after each failed attempt with its context and error;
/// the answer goes through the back-off formula. If it errs, answers nonsense or takes more than
/// 5 seconds, the step fails for good with `NonRetryableDelayError`.
async fn delay_functions(mode: Mode) {
    for (case, expect) in [
        ("ok", None),
        ("throw", Some("threw an error: no delay")),
        (
            "bad",
            Some(
                "returned an invalid delay value (expected a number of ms or a duration string like \"30 seconds\")",
            ),
        ),
        ("slow", Some("did not return within 5 seconds")),
    ] {
        let mut h = Harness::new(mode, move |b| {
            b.workflow(
                "w",
                wf(move |_, step| {
                    Box::pin(async move {
                        let r: Result<i64, WorkflowError> = step
                            .run_with_delay(
                                "flaky",
                                2u32,
                                Backoff::Linear,
                                move |ctx| async move {
                                    match case {
                                        "throw" => Err("no delay".to_string()),
                                        "bad" => Ok(endure::DurationInput::Millis(-5.0)),
                                        "slow" => std::future::pending().await,
                                        _ => {
                                            assert!(ctx.error.message.starts_with("attempt"));
                                            Ok(format!("{} seconds", ctx.attempt).into())
                                        }
                                    }
                                },
                                |ctx| async move {
                                    Err(WorkflowError::msg(format!("attempt {}", ctx.attempt)))
                                },
                            )
                            .await;
                        let e = r.unwrap_err();
                        Ok(json!({"name": e.name, "message": e.message}))
                    })
                }),
            )
            .unwrap()
        })
        .await;
        h.create("w", "i", json!({})).await;
        match case {
            "ok" => {
                for n in 1..=2 {
                    // `n` attempts recorded as failed (the status and the log are read one
                    // after the other, so `waiting` alone may be from before attempt `n`).
                    h.wait_until("w", "i", |d| {
                        d.status == InstanceStatus::Waiting
                            && attempts(d, "flaky", 1)
                                .iter()
                                .filter(|a| a.0 == Some(false))
                                .count()
                                == n
                    })
                    .await;
                    h.checkpoint().await;
                    h.advance(10_000);
                }
            }
            "slow" => {
                // The function never answers: the engine's clock passes its 5 seconds.
                for _ in 0..200 {
                    let d = h.get("w", "i").await.status().await.unwrap();
                    if d.status == InstanceStatus::Complete {
                        break;
                    }
                    h.advance(1_000);
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                }
            }
            _ => {}
        }
        let d = h.wait_finished("w", "i").await;
        let out = d.output.clone();
        match expect {
            None => {
                assert_eq!(out, json!({"name": "Error", "message": "attempt 3"}));
                let a = attempts(&d, "flaky", 1);
                // Linear: the answer (1 s, then 2 s) times the attempt number.
                assert_eq!(a[0].2, Some(1_000));
                assert_eq!(a[1].2, Some(4_000));
                let cfg =
                    serde_json::to_value(&d).unwrap()["steps"][0]["config"]["retries"]["delay"]
                        .clone();
                assert_eq!(cfg, "[dynamic]");
            }
            Some(reason) => {
                assert_eq!(
                    out,
                    json!({"name": "NonRetryableDelayError", "message": format!("The delay function for step \"flaky-1\" {reason}")}),
                    "{case}"
                );
                assert!(!attempts(&d, "flaky", 1).is_empty(), "{case}");
            }
        }
    }
}

matrix!(
    delay_functions,
    sensitive_outputs_are_redacted,
    instance_state_limit,
    panics_are_failures_not_crashes,
    recorded_results_are_not_recomputed,
    kinds_have_separate_identities,
    retry_schedules,
    defaults_and_zero_limit,
    attempt_timeouts_are_retried,
    non_retryable_errors,
    errors_reach_run_and_end_the_instance,
    step_limit,
    invalid_names_configs_and_durations,
    oversized_output_is_a_retried_failure,
    context_and_recorded_config,
    concurrent_steps_have_stable_identities,
    run_errors_and_params,
);
