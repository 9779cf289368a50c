//! The messages of a workflow run between the host and its isolate, typed: [`FromJs`] for what
//! the isolate sends, [`ToJs`] for what the host sends (the runtime prelude's side is
//! `runtime/10-steps.js` and `90-host.js`). Most travel as JSON text tagged by `"op"`; the hot
//! ones of every step travel as fields, with only their values as JSON text: settling a call
//! and starting an attempt ([`In`]), a step call, an attempt's end and the run's end
//! ([`Out::Run`], from `channel.rs`'s host functions), and the end of each turn
//! ([`Out::Turn`]).
//!
//! One decode path: [`read`] (and [`decode`] for text) makes a message a run message or a host
//! call (`binding`, `fetch`, `resource`, `cache`, `service`, answered by `bridge.rs` from the
//! raw object); anything else, or a known message with a missing or mistyped field, is a
//! [`DecodeError`] naming the message, which ends the run with an internal error instead of
//! being read as `null` or id 0.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An error as JavaScript reports it (`{name, message}`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct ErrorWire {
    #[serde(default = "error_name")]
    pub name: String,
    #[serde(default)]
    pub message: String,
}

impl From<&endure_model::WorkflowError> for ErrorWire {
    fn from(e: &endure_model::WorkflowError) -> Self {
        ErrorWire {
            name: e.name.clone(),
            message: e.message.clone(),
        }
    }
}

fn error_name() -> String {
    "Error".into()
}

/// What a delay function answered: a number of milliseconds (as text, to keep `NaN` and
/// infinities) or a duration text.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DelayWire {
    pub number: Option<String>,
    pub text: Option<String>,
}

/// What an isolate running a workflow sends.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase")]
pub enum FromJs {
    /// A turn ended: how many host messages it has handled, whether a timer is pending, how
    /// many calls to the host and `waitUntil` promises are unsettled.
    Turn {
        received: u64,
        timers: bool,
        #[serde(default)]
        pending: f64,
    },
    /// `step.do(name, config?, callback)`.
    Do {
        id: u64,
        name: String,
        #[serde(default)]
        config: Value,
        #[serde(default)]
        dynamic: bool,
    },
    /// `step.sleep(name, duration)`.
    Sleep {
        id: u64,
        name: String,
        duration: Value,
    },
    /// `step.sleepUntil(name, at)`: `at` in milliseconds since the epoch, or `null`.
    SleepUntil {
        id: u64,
        name: String,
        #[serde(default)]
        at: Option<f64>,
    },
    /// `step.waitForEvent(name, {type, timeout})`.
    WaitForEvent {
        id: u64,
        name: String,
        #[serde(rename = "type", default)]
        event_type: Value,
        #[serde(default)]
        timeout: Value,
    },
    /// An attempt's callback settled.
    AttemptDone {
        attempt: u64,
        ok: bool,
        #[serde(default)]
        value: Value,
        #[serde(default)]
        error: ErrorWire,
        #[serde(default)]
        fatal: bool,
    },
    /// A delay function answered.
    DelayDone {
        delay: u64,
        ok: bool,
        #[serde(default)]
        value: Option<DelayWire>,
        #[serde(default)]
        error: ErrorWire,
    },
    /// `run` returned or threw.
    Done {
        ok: bool,
        #[serde(default)]
        value: Value,
        #[serde(default)]
        error: ErrorWire,
    },
    /// A console line (`level`, `text`, the steps executing).
    Log {
        #[serde(default)]
        level: Option<String>,
        #[serde(default)]
        text: String,
        #[serde(default)]
        steps: Vec<String>,
    },
    /// A limit cut a turn short (`cpu`, `memory`) or an error went uncaught (`uncaught`).
    Limit {
        kind: String,
        #[serde(default)]
        text: String,
    },
    /// The isolate could not go on.
    Fatal { message: String },
    /// The project's modules loaded (sent once, before a run starts).
    Ready {
        #[serde(default)]
        exports: Value,
    },
}

/// A decoded message: for the run, or a call the host answers outside the engine's steps.
#[derive(Debug)]
pub enum Message {
    Run(FromJs),
    /// `binding`, `fetch`, `resource`, `cache`, `service`: the raw object, with its `id`.
    HostCall {
        id: u64,
        call: Value,
    },
}

/// A message the host cannot read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("the JavaScript isolate sent a malformed message ({op}): {reason}")]
pub struct DecodeError {
    pub op: String,
    pub reason: String,
}

const HOST_CALLS: [&str; 5] = ["binding", "fetch", "resource", "cache", "service"];

/// Reads one message from the isolate.
pub fn decode(text: &str) -> Result<Message, DecodeError> {
    let v: Value = serde_json::from_str(text).map_err(|e| DecodeError {
        op: "?".into(),
        reason: e.to_string(),
    })?;
    let op = v["op"].as_str().unwrap_or("").to_string();
    if HOST_CALLS.contains(&op.as_str()) {
        let id = v["id"].as_u64().ok_or_else(|| DecodeError {
            op: op.clone(),
            reason: "no call id".into(),
        })?;
        return Ok(Message::HostCall { id, call: v });
    }
    serde_json::from_value(v)
        .map(Message::Run)
        .map_err(|e| DecodeError {
            op: if op.is_empty() { "?".into() } else { op },
            reason: e.to_string(),
        })
}

/// What an isolate's thread is handed. An isolate serves fetch requests, test files and
/// several workflow runs at once: each run's messages carry its number (`run`, never 0), so
/// that the thread counts them per run and routes what JavaScript sends back to that run's
/// channel ([`In::Open`]); the rest concern the whole isolate.
///
/// A message as JSON text: for the isolate (`__endure_rt.receive`: `env`, `fetch`, `test`...)
/// or for a run (`__endure_rt.runMessage`: `start`, `delay`). A run's two hot messages travel as
/// fields (`__endure_rt.settle`, `__endure_rt.attempt`), so that no envelope is built in Rust
/// and parsed again in JavaScript; only the values (a step's result, a callback's context)
/// travel as JSON text.
#[derive(Debug)]
pub enum In {
    Text(String),
    /// A run's message as JSON text.
    RunText {
        run: u64,
        text: String,
    },
    /// Settle call `id` (a call of run `run`, or of the isolate when 0): its value (JSON text)
    /// or its error.
    Settle {
        run: u64,
        id: u64,
        ok: bool,
        value: Option<String>,
        error: Option<ErrorWire>,
    },
    /// Run attempt `attempt` of the callback of run `run`'s step call `step`; `ctx` is a
    /// [`ContextWire`] as JSON text.
    Attempt {
        run: u64,
        step: u64,
        attempt: u64,
        ctx: String,
    },
    /// Run `run` begins: what JavaScript sends for it goes to `route`. Handled by the thread
    /// (no JavaScript runs), so not counted as a message of the run.
    Open {
        run: u64,
        route: tokio::sync::mpsc::Sender<Out>,
    },
    /// Run `run` is over (it ended, or the engine dropped it: it hibernates, or was paused,
    /// terminated or stopped): JavaScript forgets its calls, step callbacks and timers, and what
    /// it still sends for the run is dropped.
    Forget {
        run: u64,
    },
    /// Wakes the thread to see that its handle was dropped.
    Stop,
}

impl In {
    /// The run the message is for (0: the isolate as a whole).
    pub fn run(&self) -> u64 {
        match self {
            In::Text(_) | In::Stop => 0,
            In::RunText { run, .. }
            | In::Settle { run, .. }
            | In::Attempt { run, .. }
            | In::Open { run, .. }
            | In::Forget { run } => *run,
        }
    }
}

/// What an isolate's thread sends the host: a message as JSON text (`host.send`, and the
/// thread's own `ready`, `limit`, `fatal`), a run message JavaScript sent as fields
/// (`host.stepDo`, `host.attemptDone`, `host.runDone`: [`step_do`], [`attempt_done`],
/// [`run_done`]), or the end of a turn.
#[derive(Debug)]
pub enum Out {
    Text(String),
    Run(Result<FromJs, DecodeError>),
    /// A turn ended: as [`FromJs::Turn`].
    Turn {
        received: u64,
        timers: bool,
        pending: f64,
    },
}

impl Out {
    /// The message as an `op`-tagged JSON object, as the loops of requests and test files read
    /// messages (text that is not JSON reads as `null`); `None` for a run message, which only
    /// workflow runs send.
    pub fn into_json(self) -> Option<Value> {
        match self {
            Out::Text(text) => Some(serde_json::from_str(&text).unwrap_or(Value::Null)),
            Out::Turn {
                received,
                timers,
                pending,
            } => Some(serde_json::json!({
                "op": "turn", "received": received, "timers": timers, "pending": pending,
            })),
            Out::Run(_) => None,
        }
    }
}

/// Reads what an isolate sent: the one decode path for text and typed messages alike.
pub fn read(out: Out) -> Result<Message, DecodeError> {
    match out {
        Out::Text(text) => decode(&text),
        Out::Run(m) => m.map(Message::Run),
        Out::Turn {
            received,
            timers,
            pending,
        } => Ok(Message::Run(FromJs::Turn {
            received,
            timers,
            pending,
        })),
    }
}

fn malformed(op: &str, reason: impl Into<String>) -> DecodeError {
    DecodeError {
        op: op.into(),
        reason: reason.into(),
    }
}

/// A call or attempt id as JavaScript passes it (a number): a whole number that a double
/// holds exactly.
fn call_id(op: &str, n: f64) -> Result<u64, DecodeError> {
    if n.is_finite() && n >= 0.0 && n.fract() == 0.0 && n <= 9_007_199_254_740_991.0 {
        Ok(n as u64)
    } else {
        Err(malformed(op, format!("{n} is not a call id")))
    }
}

/// A value sent as JSON text (`None`: `null`).
fn json_value(op: &str, text: Option<String>) -> Result<Value, DecodeError> {
    match text {
        None => Ok(Value::Null),
        Some(t) => serde_json::from_str(&t).map_err(|e| malformed(op, e.to_string())),
    }
}

fn error_fields(name: Option<String>, message: Option<String>) -> ErrorWire {
    ErrorWire {
        name: name.unwrap_or_else(error_name),
        message: message.unwrap_or_default(),
    }
}

/// `host.stepDo(run, id, name, config, dynamic)` (the run routes it): [`FromJs::Do`], the
/// config as JSON text.
pub fn step_do(
    id: f64,
    name: String,
    config: Option<String>,
    dynamic: bool,
) -> Result<FromJs, DecodeError> {
    Ok(FromJs::Do {
        id: call_id("do", id)?,
        name,
        config: json_value("do", config)?,
        dynamic,
    })
}

/// `host.attemptDone(run, attempt, ok, value, errorName, errorMessage, fatal)`:
/// [`FromJs::AttemptDone`], the value as JSON text.
pub fn attempt_done(
    attempt: f64,
    ok: bool,
    value: Option<String>,
    error: (Option<String>, Option<String>),
    fatal: bool,
) -> Result<FromJs, DecodeError> {
    Ok(FromJs::AttemptDone {
        attempt: call_id("attemptDone", attempt)?,
        ok,
        value: json_value("attemptDone", value)?,
        error: error_fields(error.0, error.1),
        fatal,
    })
}

/// `host.runDone(run, ok, value, errorName, errorMessage)`: [`FromJs::Done`].
pub fn run_done(
    ok: bool,
    value: Option<String>,
    error: (Option<String>, Option<String>),
) -> Result<FromJs, DecodeError> {
    Ok(FromJs::Done {
        ok,
        value: json_value("done", value)?,
        error: error_fields(error.0, error.1),
    })
}

/// The event `run` receives, as the isolate builds `WorkflowEvent` from it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventWire {
    pub payload: Value,
    pub timestamp: u64,
    pub instance_id: String,
    pub workflow_name: String,
    pub schedule: Option<ScheduleWire>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleWire {
    pub cron: String,
    pub scheduled_time: u64,
}

/// `{step: {name, count}, attempt, config}`: what a callback or delay function receives.
#[derive(Debug, Clone, Serialize)]
pub struct ContextWire {
    pub step: StepWire,
    pub attempt: u32,
    pub config: Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepWire {
    pub name: String,
    pub count: u32,
}

/// What the host sends to an isolate for a workflow run.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "op", rename_all = "camelCase")]
pub enum ToJs {
    /// Start `run` of the exported class.
    Start { class: String, event: EventWire },
    /// Run attempt `attempt` (a host-wide number) of the callback of step call `step`.
    Attempt {
        step: u64,
        attempt: u64,
        ctx: ContextWire,
    },
    /// Ask step call `step`'s delay function after a failed attempt.
    Delay {
        step: u64,
        delay: u64,
        ctx: ContextWire,
        error: ErrorWire,
    },
    /// Settle call `id` (a step, or a host call).
    Resolve {
        id: u64,
        ok: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        value: Option<Value>,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<ErrorWire>,
    },
}

impl ToJs {
    /// Settles call `id` with `reply`.
    pub fn resolve(id: u64, reply: Result<Value, ErrorWire>) -> ToJs {
        match reply {
            Ok(v) => ToJs::Resolve {
                id,
                ok: true,
                value: Some(v),
                error: None,
            },
            Err(e) => ToJs::Resolve {
                id,
                ok: false,
                value: None,
                error: Some(e),
            },
        }
    }

    /// Settles call `id` with what the host's work for it answered.
    pub fn settle(id: u64, reply: Result<Value, endure_model::WorkflowError>) -> ToJs {
        ToJs::resolve(id, reply.map_err(|e| ErrorWire::from(&e)))
    }

    /// How it is handed to the isolate's thread, for run `run` (0: the isolate's own calls):
    /// settling and attempts as fields, the rest as JSON text.
    pub fn into_in(self, run: u64) -> In {
        match self {
            ToJs::Resolve {
                id,
                ok,
                value,
                error,
            } => In::Settle {
                run,
                id,
                ok,
                value: value.map(|v| v.to_string()),
                error,
            },
            ToJs::Attempt { step, attempt, ctx } => In::Attempt {
                run,
                step,
                attempt,
                // Serializing these types cannot fail: every map key is a string.
                ctx: serde_json::to_string(&ctx).unwrap_or_default(),
            },
            other if run == 0 => In::Text(other.text()),
            other => In::RunText {
                run,
                text: other.text(),
            },
        }
    }

    /// The JSON text sent.
    pub fn text(&self) -> String {
        // Serializing these types cannot fail: every map key is a string.
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn run_messages_decode_to_their_variants() {
        let m = decode(r#"{"op":"do","id":3,"name":"a","config":null,"dynamic":false}"#).unwrap();
        assert!(matches!(
            m,
            Message::Run(FromJs::Do { id: 3, ref name, dynamic: false, .. }) if name == "a"
        ));
        let m = decode(r#"{"op":"turn","received":2,"timers":true,"pending":0}"#).unwrap();
        assert!(matches!(
            m,
            Message::Run(FromJs::Turn {
                received: 2,
                timers: true,
                ..
            })
        ));
        let m = decode(r#"{"op":"waitForEvent","id":1,"name":"w","type":"go","timeout":null}"#)
            .unwrap();
        assert!(matches!(
            m,
            Message::Run(FromJs::WaitForEvent { ref event_type, .. }) if event_type == "go"
        ));
        let m = decode(r#"{"op":"attemptDone","attempt":9,"ok":false,"error":{"name":"TypeError","message":"x"}}"#).unwrap();
        let Message::Run(FromJs::AttemptDone { error, ok, .. }) = m else {
            panic!("{m:?}")
        };
        assert!(!ok);
        assert_eq!(error.name, "TypeError");
    }

    #[test]
    fn host_calls_keep_their_object() {
        let m = decode(r#"{"op":"fetch","id":4,"url":"http://x"}"#).unwrap();
        let Message::HostCall { id, call } = m else {
            panic!("{m:?}")
        };
        assert_eq!((id, call["url"].as_str()), (4, Some("http://x")));
    }

    #[test]
    fn malformed_messages_are_errors_not_nulls() {
        // A missing id was read as 0 before, a parse failure as null.
        let e = decode(r#"{"op":"do","name":"a"}"#).unwrap_err();
        assert_eq!(e.op, "do");
        assert!(e.reason.contains("id"), "{e}");
        assert_eq!(decode("not json").unwrap_err().op, "?");
        assert_eq!(decode(r#"{"op":"nonsense"}"#).unwrap_err().op, "nonsense");
        assert_eq!(
            decode(r#"{"op":"fetch"}"#).unwrap_err().reason,
            "no call id"
        );
        assert!(decode(r#"{"op":"sleep","id":"1","name":"a","duration":1}"#).is_err());
    }

    #[test]
    fn typed_run_messages_check_their_fields() {
        let m = step_do(
            3.0,
            "a".into(),
            Some(r#"{"retries":{"limit":1}}"#.into()),
            false,
        );
        assert!(matches!(
            m,
            Ok(FromJs::Do { id: 3, ref config, .. }) if config["retries"]["limit"] == 1
        ));
        assert!(matches!(
            step_do(1.0, "a".into(), None, false),
            Ok(FromJs::Do {
                config: Value::Null,
                ..
            })
        ));
        // Ids JavaScript cannot mean, and values that are not JSON, are decode errors.
        for bad in [-1.0, 1.5, f64::NAN, 1e300] {
            assert_eq!(step_do(bad, "a".into(), None, false).unwrap_err().op, "do");
        }
        let e = attempt_done(2.0, true, Some("{".into()), (None, None), false).unwrap_err();
        assert_eq!(e.op, "attemptDone");
        let Ok(FromJs::AttemptDone { error, ok, .. }) = attempt_done(
            2.0,
            false,
            None,
            (Some("TypeError".into()), Some("x".into())),
            true,
        ) else {
            panic!()
        };
        assert!(!ok);
        assert_eq!(
            (error.name.as_str(), error.message.as_str()),
            ("TypeError", "x")
        );
        let Ok(FromJs::Done { value, error, .. }) =
            run_done(true, Some("[1]".into()), (None, None))
        else {
            panic!()
        };
        assert_eq!((value, error.name.as_str()), (json!([1]), "Error"));
        // A turn read like a text one.
        let m = read(Out::Turn {
            received: 4,
            timers: false,
            pending: 1.0,
        });
        assert!(matches!(
            m,
            Ok(Message::Run(FromJs::Turn { received: 4, .. }))
        ));
    }

    #[test]
    fn settling_and_attempts_go_as_fields() {
        let In::Settle {
            run,
            id,
            ok,
            value,
            error,
        } = ToJs::resolve(5, Ok(json!({"a": 1}))).into_in(7)
        else {
            panic!()
        };
        assert_eq!(
            (run, id, ok, value.as_deref(), error),
            (7, 5, true, Some(r#"{"a":1}"#), None)
        );
        let m = (ToJs::Attempt {
            step: 1,
            attempt: 2,
            ctx: ContextWire {
                step: StepWire {
                    name: "s".into(),
                    count: 1,
                },
                attempt: 1,
                config: json!({"timeout": 5}),
            },
        })
        .into_in(3);
        assert_eq!(m.run(), 3);
        let In::Attempt {
            step, attempt, ctx, ..
        } = m
        else {
            panic!()
        };
        assert_eq!((step, attempt), (1, 2));
        assert_eq!(
            serde_json::from_str::<Value>(&ctx).unwrap(),
            json!({"step": {"name": "s", "count": 1}, "attempt": 1, "config": {"timeout": 5}})
        );
        // A run's other messages go as text tagged with the run; the isolate's own untagged.
        let start = ToJs::Start {
            class: "C".into(),
            event: EventWire {
                payload: json!(null),
                timestamp: 1,
                instance_id: "i".into(),
                workflow_name: "w".into(),
                schedule: None,
            },
        };
        assert!(
            matches!(start.clone().into_in(4), In::RunText { run: 4, ref text } if text.contains("start"))
        );
        assert!(matches!(start.into_in(0), In::Text(t) if t.contains("start")));
    }

    #[test]
    fn host_messages_are_tagged_json() {
        let t = ToJs::resolve(5, Ok(json!({"a": 1}))).text();
        assert_eq!(
            serde_json::from_str::<Value>(&t).unwrap(),
            json!({"op": "resolve", "id": 5, "ok": true, "value": {"a": 1}})
        );
        let t = ToJs::resolve(
            6,
            Err(ErrorWire {
                name: "Error".into(),
                message: "no".into(),
            }),
        )
        .text();
        assert_eq!(
            serde_json::from_str::<Value>(&t).unwrap(),
            json!({"op": "resolve", "id": 6, "ok": false, "error": {"name": "Error", "message": "no"}})
        );
    }
}
