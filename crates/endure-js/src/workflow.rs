//! A `WorkflowEntrypoint` class as engine code: each run takes a place in an isolate that
//! serves several runs at once (pool.rs), calls `run(event, step)` in it, and serves its step
//! calls with the engine's [`Step`]. Messages are the typed ones of `protocol.rs`, tagged with
//! the run's number; the isolate's thread routes what JavaScript sends for the run to the
//! run's own channel.
//!
//! Step calls arrive in call order and are handed to the engine in that order, so step
//! identities are the same on every replay. A step's callback runs in the isolate: for each
//! attempt the engine asks the isolate (`attempt`) and waits for its answer (`attemptDone`).

use crate::isolate::ToJs as RunTx;
use crate::project::Project;
use crate::protocol::{
    self, ContextWire, DelayWire, ErrorWire, EventWire, FromJs, ScheduleWire, StepWire, ToJs,
};
use endure_engine::{BoxFuture, Step, StepContext, WorkflowCode, WorkflowEvent};
use endure_model::error::names;
use endure_model::{DurationInput, ErrorInfo, StepConfigInput, Timestamp, WorkflowError};
use futures_util::stream::{FuturesUnordered, StreamExt};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

/// One exported workflow class of a project.
pub struct JsWorkflow {
    pub(crate) project: Arc<Project>,
    pub(crate) class: String,
}

impl WorkflowCode for JsWorkflow {
    fn run(
        &self,
        event: WorkflowEvent,
        step: Step,
    ) -> BoxFuture<'static, Result<Value, WorkflowError>> {
        let project = self.project.clone();
        let class = self.class.clone();
        Box::pin(async move { run(project, class, event, step).await })
    }
}

type Reply = Result<Value, WorkflowError>;
/// Step calls in flight: (call id, reply).
type Pending = FuturesUnordered<BoxFuture<'static, (u64, Reply)>>;
type Attempts = Arc<Mutex<HashMap<u64, oneshot::Sender<Reply>>>>;
type Delays = Arc<Mutex<HashMap<u64, oneshot::Sender<Result<DurationInput, String>>>>>;

/// Numbers of runs (never 0: the isolate's own messages), and of attempts and delay calls,
/// unique in the process so that runs sharing an isolate never mix theirs up.
static NEXT_RUN: AtomicU64 = AtomicU64::new(1);
static NEXT_CALL: AtomicU64 = AtomicU64::new(1);

fn internal(message: impl Into<String>) -> WorkflowError {
    WorkflowError::new(names::INTERNAL, message)
}

fn error_from(e: ErrorWire) -> WorkflowError {
    WorkflowError::from(ErrorInfo {
        name: e.name,
        message: e.message,
    })
}

fn duration_input(v: &Value) -> DurationInput {
    match v {
        Value::Number(n) => DurationInput::Millis(n.as_f64().unwrap_or(f64::NAN)),
        Value::String(s) => DurationInput::Text(s.clone()),
        other => DurationInput::Text(other.to_string()),
    }
}

async fn run(
    p: Arc<Project>,
    class: String,
    event: WorkflowEvent,
    step: Step,
) -> Result<Value, WorkflowError> {
    let place = p
        .run_place()
        .await
        .map_err(|e| internal(format!("cannot start a JavaScript isolate: {e}")))?;
    let run = NEXT_RUN.fetch_add(1, Ordering::Relaxed);
    let (route, mut from_js) = tokio::sync::mpsc::channel(crate::isolate::FROM_JS_QUEUE);
    let to_js = place.isolate.handle.open(run, route);
    let mut iso = OpenRun {
        place,
        run,
        tainted: false,
    };
    let origin = format!("{}/{}", event.workflow_name, event.instance_id);
    to_js.send_msg(ToJs::Start {
        class,
        event: EventWire {
            payload: event.payload,
            timestamp: event.timestamp.0,
            instance_id: event.instance_id,
            workflow_name: event.workflow_name,
            schedule: event.schedule.map(|s| ScheduleWire {
                cron: s.cron,
                scheduled_time: s.scheduled_time.0,
            }),
        },
    });
    let attempts: Attempts = Arc::default();
    let delays: Delays = Arc::default();
    let mut pending: Pending = FuturesUnordered::new();
    // JavaScript may still be working after a step resolved (continuing `run`, awaiting a fetch
    // outside a step, a timer): while it is, the run is held so the engine does not drop it as
    // "only waits left" under its feet.
    let mut acked: u64 = 0;
    let mut timers = false;
    let mut hold = Some(step.hold());
    // Host calls (fetch, bindings...) the run made, apart: they outlive the run.
    let mut outside = Outside {
        calls: FuturesUnordered::new(),
        to_js: iso.place.isolate.handle.sender(),
    };
    loop {
        let working = to_js.sent() > acked || timers || !outside.calls.is_empty();
        match (working, hold.is_some()) {
            (true, false) => hold = Some(step.hold()),
            (false, true) => hold = None,
            _ => {}
        }
        tokio::select! {
            msg = from_js.recv() => {
                let Some(out) = msg else {
                    return Err(internal("the JavaScript isolate stopped"));
                };
                let m = match protocol::read(out) {
                    Ok(protocol::Message::Run(m)) => m,
                    Ok(protocol::Message::HostCall { id, call }) => {
                        if let Some(call) = crate::bridge::host_call(&p, &call) {
                            outside.calls.push(Box::pin(async move { (id, call.await) }));
                        }
                        continue;
                    }
                    Err(e) => return Err(internal(e.to_string())),
                };
                match m {
                    FromJs::Turn { received, timers: t, .. } => {
                        acked = received;
                        timers = t;
                        continue;
                    }
                    FromJs::DelayDone { delay, ok, value, error } => {
                        delay_done(&delays, delay, ok, value, error);
                        continue;
                    }
                    // A limit hit or an uncaught error: the isolate is retired when the run ends.
                    FromJs::Limit { .. } | FromJs::Fatal { .. } => iso.tainted = true,
                    _ => {}
                }
                let calls = Calls { attempts: &attempts, delays: &delays };
                if let Some(done) = handle(&p, &to_js, &step, &origin, &calls, &mut pending, m) {
                    return done;
                }
            }
            Some((id, reply)) = pending.next(), if !pending.is_empty() => {
                to_js.send_msg(ToJs::settle(id, reply));
            }
            Some((id, reply)) = outside.calls.next(), if !outside.calls.is_empty() => {
                to_js.send_msg(ToJs::settle(id, reply));
            }
        }
    }
}

/// A run's place in its isolate. When the run ends, or the engine drops it before its end (the
/// instance hibernates: a long sleep or event wait; or it is paused, terminated, stopped),
/// JavaScript is told to forget the run (its steps in flight, step callbacks and timers are
/// dropped, so the suspended `run` can be collected) and the place is freed, as Cloudflare
/// evicts a hibernating instance and keeps the isolate for other work. Without this every
/// waiting instance would hold a place. A run that hit a limit or let an error escape retires
/// its isolate: it takes no new run, and stops when its other runs are over.
struct OpenRun {
    place: crate::pool::RunPlace,
    run: u64,
    /// A limit was hit or an error escaped.
    tainted: bool,
}

impl Drop for OpenRun {
    fn drop(&mut self) {
        if self.tainted {
            self.place.isolate.retire();
        }
        self.place.isolate.handle.forget(self.run);
    }
}

/// A run's host calls in flight (fetch, bindings, resources...). They are answered even after
/// the run is over: JavaScript code that runs in an isolate shared by runs can continue another
/// run's work (a promise two runs await, settled in one run's turn, continues both), so a host
/// call is not dropped with the run it was attributed to; what is left when the run ends is
/// finished on its own task and settled as the isolate's own.
struct Outside {
    calls: FuturesUnordered<BoxFuture<'static, (u64, Reply)>>,
    to_js: RunTx,
}

impl Drop for Outside {
    fn drop(&mut self) {
        if self.calls.is_empty() {
            return;
        }
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let mut calls = std::mem::take(&mut self.calls);
        let to_js = self.to_js.clone();
        rt.spawn(async move {
            while let Some((id, reply)) = calls.next().await {
                to_js.send_msg(ToJs::settle(id, reply));
            }
        });
    }
}

/// The host's side of calls into the isolate in flight: step attempts and delay functions.
struct Calls<'a> {
    attempts: &'a Attempts,
    delays: &'a Delays,
}

/// The answer of a delay function.
fn delay_done(delays: &Delays, id: u64, ok: bool, value: Option<DelayWire>, error: ErrorWire) {
    let Some(tx) = delays.lock().unwrap_or_else(|e| e.into_inner()).remove(&id) else {
        return;
    };
    let answer = if ok {
        Ok(match value {
            Some(DelayWire {
                number: Some(n), ..
            }) => DurationInput::Millis(n.parse().unwrap_or(f64::NAN)),
            Some(DelayWire { text: Some(t), .. }) => DurationInput::Text(t),
            _ => DurationInput::Millis(f64::NAN),
        })
    } else {
        Err(error.message)
    };
    let _ = tx.send(answer);
}

/// What a callback or delay function receives about its step.
fn context_wire(
    ctx_step: &endure_engine::StepIdentity,
    attempt: u32,
    config: &endure_model::StepConfig,
) -> ContextWire {
    ContextWire {
        step: StepWire {
            name: ctx_step.name.clone(),
            count: ctx_step.count,
        },
        attempt,
        config: serde_json::to_value(config).unwrap_or(Value::Null),
    }
}

/// Handles one message from the isolate; `Some` ends the run.
fn handle(
    p: &Arc<Project>,
    to_js: &RunTx,
    step: &Step,
    origin: &str,
    calls: &Calls<'_>,
    pending: &mut Pending,
    m: FromJs,
) -> Option<Result<Value, WorkflowError>> {
    let attempts = calls.attempts;
    match m {
        FromJs::Do {
            id,
            name,
            config,
            dynamic,
        } => {
            let config = match config {
                Value::Null => Ok(None),
                c => serde_json::from_value::<StepConfigInput>(c)
                    .map(Some)
                    .map_err(|_| {
                        WorkflowError::fatal(endure_model::error::messages::invalid_step_config(
                            &name,
                        ))
                    }),
            };
            let config = match config {
                Ok(c) => c,
                Err(e) => {
                    pending.push(Box::pin(async move { (id, Err(e)) }));
                    return None;
                }
            };
            let run_tx = to_js.clone();
            let attempts = attempts.clone();
            let callback = Box::new(move |ctx: StepContext| -> BoxFuture<'static, Reply> {
                let aid = NEXT_CALL.fetch_add(1, Ordering::Relaxed);
                let (tx, rx) = oneshot::channel();
                attempts
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(aid, tx);
                run_tx.send_msg(ToJs::Attempt {
                    step: id,
                    attempt: aid,
                    ctx: context_wire(&ctx.step, ctx.attempt, &ctx.config),
                });
                Box::pin(async move {
                    rx.await
                        .unwrap_or_else(|_| Err(internal("the JavaScript isolate stopped")))
                })
            });
            let delay_fn: Option<endure_engine::DelayFn<'static>> = if dynamic {
                let to_js = to_js.clone();
                let delays = calls.delays.clone();
                Some(Box::new(move |ctx: endure_engine::DelayContext| -> BoxFuture<'static, Result<DurationInput, String>> {
                    let did = NEXT_CALL.fetch_add(1, Ordering::Relaxed);
                    let (tx, rx) = oneshot::channel();
                    delays.lock().unwrap_or_else(|e| e.into_inner()).insert(did, tx);
                    to_js.send_msg(ToJs::Delay {
                        step: id,
                        delay: did,
                        ctx: context_wire(&ctx.step, ctx.attempt, &ctx.config),
                        error: ErrorWire { name: ctx.error.name, message: ctx.error.message },
                    });
                    Box::pin(async move {
                        rx.await.unwrap_or_else(|_| Err("the JavaScript isolate stopped".into()))
                    })
                }))
            } else {
                None
            };
            let fut = step.do_step_with_delay(name, config, callback, delay_fn);
            pending.push(Box::pin(async move { (id, fut.await) }));
        }
        FromJs::Sleep { id, name, duration } => {
            let fut = step.sleep(name, duration_input(&duration));
            pending.push(Box::pin(
                async move { (id, fut.await.map(|_| Value::Null)) },
            ));
        }
        FromJs::SleepUntil { id, name, at } => match at.filter(|n| n.is_finite() && *n >= 0.0) {
            Some(ms) => {
                let fut = step.sleep_until(name, Timestamp(ms as u64));
                pending.push(Box::pin(
                    async move { (id, fut.await.map(|_| Value::Null)) },
                ));
            }
            None => {
                let e = WorkflowError::fatal(format!(
                    "step.sleepUntil(\"{name}\") needs a Date or a number of milliseconds since the epoch"
                ));
                pending.push(Box::pin(async move { (id, Err(e)) }));
            }
        },
        FromJs::WaitForEvent {
            id,
            name,
            event_type,
            timeout,
        } => {
            // A type that is not a string is refused by the engine as an invalid type.
            let event_type = event_type.as_str().unwrap_or("").to_string();
            let timeout = match timeout {
                Value::Null => None,
                t => Some(duration_input(&t)),
            };
            let fut = step.wait_for_event(name, event_type, timeout);
            pending.push(Box::pin(async move {
                let r = fut.await.map(|ev| {
                    json!({"payload": ev.payload, "timestamp": ev.timestamp.0, "type": ev.event_type})
                });
                (id, r)
            }));
        }
        FromJs::AttemptDone {
            attempt,
            ok,
            value,
            error,
            fatal,
        } => {
            let tx = attempts
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&attempt);
            if let Some(tx) = tx {
                let reply = if ok {
                    Ok(value)
                } else {
                    let mut e = error_from(error);
                    if fatal {
                        e.non_retryable = true;
                    }
                    Err(e)
                };
                let _ = tx.send(reply);
            }
        }
        FromJs::Done { ok, value, error } => {
            return Some(if ok {
                Ok(value)
            } else {
                Err(error_from(error))
            });
        }
        FromJs::Log { level, text, steps } => {
            crate::bridge::log_line(origin, level.as_deref(), &text, &steps)
        }
        FromJs::Limit { kind, text } => {
            let error = limit_error(p, &kind, &text);
            if kind == "uncaught" {
                eprintln!("[error] {origin}: uncaught: {text}");
                return None;
            }
            // The turn that ran over was cut short: every attempt in flight fails with the
            // limit's error (and is retried by its policy); with none in flight the run fails.
            let waiting: Vec<_> = attempts
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .drain()
                .collect();
            if waiting.is_empty() {
                return Some(Err(error));
            }
            for (_, tx) in waiting {
                let _ = tx.send(Err(error.clone()));
            }
        }
        FromJs::Fatal { message } => {
            return Some(Err(internal(message)));
        }
        FromJs::Turn { .. } | FromJs::DelayDone { .. } | FromJs::Ready { .. } => {}
    }
    None
}

fn limit_error(p: &Project, kind: &str, text: &str) -> WorkflowError {
    match kind {
        "cpu" => WorkflowError::new(
            "Error",
            format!(
                "Worker exceeded CPU time limit: JavaScript ran for more than {} ms without yielding",
                p.options.limits.cpu.as_millis()
            ),
        ),
        "memory" => WorkflowError::new(
            "Error",
            format!(
                "Worker exceeded memory limit of {} MiB",
                p.options.limits.memory_bytes / (1024 * 1024)
            ),
        ),
        _ => WorkflowError::new("Error", text.to_string()),
    }
}
