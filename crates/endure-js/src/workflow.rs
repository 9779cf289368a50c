//! A `WorkflowEntrypoint` class as engine code: each run starts a fresh isolate, calls
//! `run(event, step)` in it, and serves its step calls with the engine's [`Step`].
//!
//! Step calls arrive in call order and are handed to the engine in that order, so step
//! identities are the same on every replay. A step's callback runs in the isolate: for each
//! attempt the engine asks the isolate (`attempt`) and waits for its answer (`attemptDone`).

use crate::isolate::Isolate;
use crate::project::Project;
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
/// Calls in flight: (call id, whether it is outside the engine's steps (a fetch or binding
/// call), reply).
type Pending = FuturesUnordered<BoxFuture<'static, (u64, bool, Reply)>>;
type Attempts = Arc<Mutex<HashMap<u64, oneshot::Sender<Reply>>>>;
type Delays = Arc<Mutex<HashMap<u64, oneshot::Sender<Result<DurationInput, String>>>>>;

fn internal(message: impl Into<String>) -> WorkflowError {
    WorkflowError::new(names::INTERNAL, message)
}

fn error_from(v: &Value) -> WorkflowError {
    let info = ErrorInfo {
        name: v["name"].as_str().unwrap_or("Error").to_string(),
        message: v["message"].as_str().unwrap_or("").to_string(),
    };
    WorkflowError::from(info)
}

fn error_json(e: &WorkflowError) -> Value {
    json!({"name": e.name, "message": e.message})
}

fn duration(v: &Value) -> DurationInput {
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
    let (generation, mut iso, _permit) = p
        .run_isolate()
        .await
        .map_err(|e| internal(format!("cannot start a JavaScript isolate: {e}")))?;
    // A limit hit or an uncaught error: this isolate is not kept for another run.
    let mut tainted = false;
    iso.send(&json!({
        "op": "start",
        "class": class,
        "event": {
            "payload": event.payload,
            "timestamp": event.timestamp.0,
            "instanceId": event.instance_id,
            "workflowName": event.workflow_name,
            "schedule": event.schedule.as_ref().map(|s| json!({"cron": s.cron, "scheduledTime": s.scheduled_time.0})),
        }
    }));
    let origin = format!("{}/{}", event.workflow_name, event.instance_id);
    let attempts: Attempts = Arc::default();
    let delays: Delays = Arc::default();
    let next_attempt = Arc::new(AtomicU64::new(1));
    let mut pending: Pending = FuturesUnordered::new();
    // JavaScript may still be working after a step resolved (continuing `run`, awaiting a fetch
    // outside a step, a timer): while it is, the run is held so the engine does not drop it as
    // "only waits left" under its feet.
    let to_js = iso.sender();
    let mut acked: u64 = 0;
    let mut timers = false;
    let mut hold = Some(step.hold());
    let mut outside = 0usize;
    loop {
        let working = to_js.sent() > acked || timers || outside > 0;
        match (working, hold.is_some()) {
            (true, false) => hold = Some(step.hold()),
            (false, true) => hold = None,
            _ => {}
        }
        tokio::select! {
            msg = iso.from_js.recv() => {
                let Some(text) = msg else {
                    return Err(internal("the JavaScript isolate stopped"));
                };
                let m: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                if m["op"] == "turn" {
                    acked = m["received"].as_u64().unwrap_or(0);
                    timers = m["timers"] == Value::Bool(true);
                    continue;
                }
                if let Some(call) = crate::bridge::host_call(&p, &m) {
                    let id = m["id"].as_u64().unwrap_or(0);
                    outside += 1;
                    pending.push(Box::pin(async move { (id, true, call.await) }));
                    continue;
                }
                if m["op"] == "delayDone" {
                    delay_done(&delays, &m);
                    continue;
                }
                if matches!(m["op"].as_str(), Some("limit" | "fatal")) {
                    tainted = true;
                }
                let calls = Calls { attempts: &attempts, delays: &delays, next: &next_attempt };
                let finished = m["op"] == "done";
                if let Some(done) = handle(&p, &iso, &step, &origin, &calls, &mut pending, m) {
                    if finished && !tainted && pending.is_empty() && outside == 0 {
                        p.recycle(generation, iso);
                    }
                    return done;
                }
            }
            Some((id, was_outside, reply)) = pending.next(), if !pending.is_empty() => {
                if was_outside {
                    outside -= 1;
                }
                let msg = match reply {
                    Ok(v) => json!({"op": "resolve", "id": id, "ok": true, "value": v}),
                    Err(e) => json!({"op": "resolve", "id": id, "ok": false, "error": error_json(&e)}),
                };
                iso.send(&msg);
            }
        }
    }
}

/// The host's side of calls into the isolate in flight: step attempts and delay functions.
struct Calls<'a> {
    attempts: &'a Attempts,
    delays: &'a Delays,
    next: &'a Arc<AtomicU64>,
}

/// The answer of a delay function.
fn delay_done(delays: &Delays, m: &Value) {
    let id = m["delay"].as_u64().unwrap_or(0);
    let Some(tx) = delays.lock().unwrap_or_else(|e| e.into_inner()).remove(&id) else {
        return;
    };
    let answer = if m["ok"] == Value::Bool(true) {
        let v = &m["value"];
        Ok(if let Some(n) = v["number"].as_str() {
            DurationInput::Millis(n.parse().unwrap_or(f64::NAN))
        } else if let Some(t) = v["text"].as_str() {
            DurationInput::Text(t.to_string())
        } else {
            DurationInput::Millis(f64::NAN)
        })
    } else {
        Err(m["error"]["message"].as_str().unwrap_or("").to_string())
    };
    let _ = tx.send(answer);
}

/// Handles one message from the isolate; `Some` ends the run.
fn handle(
    p: &Arc<Project>,
    iso: &Isolate,
    step: &Step,
    origin: &str,
    calls: &Calls<'_>,
    pending: &mut Pending,
    m: Value,
) -> Option<Result<Value, WorkflowError>> {
    let attempts = calls.attempts;
    let next_attempt = calls.next;
    let id = m["id"].as_u64().unwrap_or(0);
    let name = m["name"].as_str().unwrap_or("").to_string();
    match m["op"].as_str().unwrap_or("") {
        "do" => {
            let config = match &m["config"] {
                Value::Null => Ok(None),
                c => serde_json::from_value::<StepConfigInput>(c.clone())
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
                    pending.push(Box::pin(async move { (id, false, Err(e)) }));
                    return None;
                }
            };
            let to_js = iso.sender();
            let attempts = attempts.clone();
            let next = next_attempt.clone();
            let callback = Box::new(move |ctx: StepContext| -> BoxFuture<'static, Reply> {
                let aid = next.fetch_add(1, Ordering::SeqCst);
                let (tx, rx) = oneshot::channel();
                attempts
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(aid, tx);
                let msg = json!({
                    "op": "attempt",
                    "step": id,
                    "attempt": aid,
                    "ctx": {
                        "step": {"name": ctx.step.name, "count": ctx.step.count},
                        "attempt": ctx.attempt,
                        "config": serde_json::to_value(&ctx.config).unwrap_or(Value::Null),
                    }
                });
                to_js.send(&msg);
                Box::pin(async move {
                    rx.await
                        .unwrap_or_else(|_| Err(internal("the JavaScript isolate stopped")))
                })
            });
            let delay_fn: Option<endure_engine::DelayFn<'static>> = if m["dynamic"]
                == Value::Bool(true)
            {
                let to_js = iso.sender();
                let delays = calls.delays.clone();
                let next = next_attempt.clone();
                Some(Box::new(move |ctx: endure_engine::DelayContext| -> BoxFuture<'static, Result<DurationInput, String>> {
                    let did = next.fetch_add(1, Ordering::SeqCst);
                    let (tx, rx) = oneshot::channel();
                    delays.lock().unwrap_or_else(|e| e.into_inner()).insert(did, tx);
                    to_js.send(&json!({
                        "op": "delay",
                        "step": id,
                        "delay": did,
                        "ctx": {
                            "step": {"name": ctx.step.name, "count": ctx.step.count},
                            "attempt": ctx.attempt,
                            "config": serde_json::to_value(&ctx.config).unwrap_or(Value::Null),
                        },
                        "error": {"name": ctx.error.name, "message": ctx.error.message},
                    }));
                    Box::pin(async move {
                        rx.await.unwrap_or_else(|_| Err("the JavaScript isolate stopped".into()))
                    })
                }))
            } else {
                None
            };
            let fut = step.do_step_with_delay(name, config, callback, delay_fn);
            pending.push(Box::pin(async move { (id, false, fut.await) }));
        }
        "sleep" => {
            let fut = step.sleep(name, duration(&m["duration"]));
            pending.push(Box::pin(async move {
                (id, false, fut.await.map(|_| Value::Null))
            }));
        }
        "sleepUntil" => {
            let at = m["at"].as_f64().filter(|n| n.is_finite() && *n >= 0.0);
            match at {
                Some(ms) => {
                    let fut = step.sleep_until(name, Timestamp(ms as u64));
                    pending.push(Box::pin(async move {
                        (id, false, fut.await.map(|_| Value::Null))
                    }));
                }
                None => {
                    let e = WorkflowError::fatal(format!(
                        "step.sleepUntil(\"{name}\") needs a Date or a number of milliseconds since the epoch"
                    ));
                    pending.push(Box::pin(async move { (id, false, Err(e)) }));
                }
            }
        }
        "waitForEvent" => {
            let event_type = m["type"].as_str().unwrap_or("").to_string();
            let timeout = match &m["timeout"] {
                Value::Null => None,
                t => Some(duration(t)),
            };
            let fut = step.wait_for_event(name, event_type, timeout);
            pending.push(Box::pin(async move {
                let r = fut.await.map(|ev| {
                    json!({"payload": ev.payload, "timestamp": ev.timestamp.0, "type": ev.event_type})
                });
                (id, false, r)
            }));
        }
        "attemptDone" => {
            let aid = m["attempt"].as_u64().unwrap_or(0);
            let tx = attempts
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&aid);
            if let Some(tx) = tx {
                let reply = if m["ok"] == Value::Bool(true) {
                    Ok(m["value"].clone())
                } else {
                    let mut e = error_from(&m["error"]);
                    if m["fatal"] == Value::Bool(true) {
                        e.non_retryable = true;
                    }
                    Err(e)
                };
                let _ = tx.send(reply);
            }
        }
        "done" => {
            return Some(if m["ok"] == Value::Bool(true) {
                Ok(m["value"].clone())
            } else {
                Err(error_from(&m["error"]))
            });
        }
        "log" => crate::bridge::log(origin, &m),
        "limit" => {
            let error = limit_error(p, &m);
            if m["kind"] == "uncaught" {
                eprintln!(
                    "[error] {origin}: uncaught: {}",
                    m["text"].as_str().unwrap_or("")
                );
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
        "fatal" => {
            return Some(Err(internal(
                m["message"].as_str().unwrap_or("the isolate failed"),
            )));
        }
        _ => {}
    }
    None
}

fn limit_error(p: &Project, m: &Value) -> WorkflowError {
    match m["kind"].as_str() {
        Some("cpu") => WorkflowError::new(
            "Error",
            format!(
                "Worker exceeded CPU time limit: JavaScript ran for more than {} ms without yielding",
                p.options.limits.cpu.as_millis()
            ),
        ),
        Some("memory") => WorkflowError::new(
            "Error",
            format!(
                "Worker exceeded memory limit of {} MiB",
                p.options.limits.memory_bytes / (1024 * 1024)
            ),
        ),
        _ => WorkflowError::new("Error", m["text"].as_str().unwrap_or("").to_string()),
    }
}
