//! Spans from the engine's observations. A span is made when what it covers ends: an attempt
//! at `ATTEMPT_SUCCESS`/`ATTEMPT_FAILURE`, a step at `STEP_SUCCESS`/`STEP_FAILURE`, a sleep at
//! `SLEEP_COMPLETE`, a wait at `WAIT_COMPLETE`/`WAIT_TIMED_OUT`, the run at
//! `WORKFLOW_SUCCESS`/`WORKFLOW_FAILURE`/`WORKFLOW_TERMINATED`; it starts the wall time before.
//!
//! Ids are derived from what the span covers, not drawn: an instance is one trace (its id
//! hashed), a step's span is the child of the run's, an attempt's the child of its step's. So
//! the spans of an instance that hibernated, moved to another node or outlived a restart of
//! the process still make one tree.

use endure_engine::Observation;
use endure_model::{LogEvent, StepKey};
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::trace::v1::{Span, Status, span::SpanKind, status::StatusCode};

/// FNV-1a, 64 bits, from `seed`: stable across processes and versions (ids must be).
fn fnv(seed: u64, parts: &[&[u8]]) -> u64 {
    let mut h = seed;
    for p in parts {
        for b in *p {
            h ^= *b as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        // A separator, so ("ab", "c") and ("a", "bc") differ.
        h ^= 0xff;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    if h == 0 { 1 } else { h }
}

const SEED_A: u64 = 0xcbf2_9ce4_8422_2325;
const SEED_B: u64 = 0x84222325_cbf29ce4;

/// The instance's trace id (16 bytes).
pub fn trace_id(workflow: &str, instance: &str) -> Vec<u8> {
    let parts: [&[u8]; 2] = [workflow.as_bytes(), instance.as_bytes()];
    let mut id = fnv(SEED_A, &parts).to_be_bytes().to_vec();
    id.extend(fnv(SEED_B, &parts).to_be_bytes());
    id
}

fn span_id(workflow: &str, instance: &str, what: &[&[u8]]) -> Vec<u8> {
    let mut parts: Vec<&[u8]> = vec![workflow.as_bytes(), instance.as_bytes()];
    parts.extend_from_slice(what);
    fnv(SEED_A, &parts).to_be_bytes().to_vec()
}

/// The run's span id.
pub fn run_span(workflow: &str, instance: &str) -> Vec<u8> {
    span_id(workflow, instance, &[b"run"])
}

/// A step's span id.
pub fn step_span(workflow: &str, instance: &str, key: &StepKey) -> Vec<u8> {
    let count = key.count.to_be_bytes();
    span_id(
        workflow,
        instance,
        &[
            b"step",
            key.kind.as_str().as_bytes(),
            key.name.as_bytes(),
            &count,
        ],
    )
}

fn attempt_span(workflow: &str, instance: &str, key: &StepKey, attempt: u32) -> Vec<u8> {
    let count = key.count.to_be_bytes();
    let attempt = attempt.to_be_bytes();
    span_id(
        workflow,
        instance,
        &[b"attempt", key.name.as_bytes(), &count, &attempt],
    )
}

fn kv(key: &str, value: any_value::Value) -> KeyValue {
    KeyValue {
        key: key.to_string(),
        value: Some(AnyValue { value: Some(value) }),
        ..Default::default()
    }
}

fn text(key: &str, v: &str) -> KeyValue {
    kv(key, any_value::Value::StringValue(v.to_string()))
}

fn int(key: &str, v: i64) -> KeyValue {
    kv(key, any_value::Value::IntValue(v))
}

fn failed(name: &str, message: &str) -> Option<Status> {
    Some(Status {
        code: StatusCode::Error as i32,
        message: format!("{name}: {message}"),
    })
}

/// The span an observation ends, if it ends one.
pub fn from_observation(o: &Observation<'_>) -> Option<Span> {
    let (w, i) = (o.workflow, o.instance_id);
    let end_ms = o.at.0;
    let start_ms = end_ms.saturating_sub(o.wall_ms.unwrap_or(0));
    let mut attrs = vec![
        text("workflow.name", w),
        text("workflow.instance.id", i),
        text("workflow.event", o.event.metric_name().unwrap_or_default()),
    ];
    let step_attrs = |attrs: &mut Vec<KeyValue>, key: &StepKey| {
        attrs.push(text("workflow.step.name", &key.name));
        attrs.push(int("workflow.step.count", key.count as i64));
        attrs.push(text("workflow.step.type", key.kind.as_str()));
        if let Some(n) = o.step_count {
            attrs.push(int("workflow.step.number", n as i64));
        }
    };
    let (name, span_id, parent, status) = match o.event {
        LogEvent::AttemptSuccess { key, attempt }
        | LogEvent::AttemptFailure { key, attempt, .. } => {
            step_attrs(&mut attrs, key);
            attrs.push(int("workflow.attempt", *attempt as i64));
            let status = match o.event {
                LogEvent::AttemptFailure { error, .. } => failed(&error.name, &error.message),
                _ => None,
            };
            (
                format!("attempt {} #{attempt}", key.name),
                attempt_span(w, i, key, *attempt),
                step_span(w, i, key),
                status,
            )
        }
        LogEvent::StepSuccess { key, .. }
        | LogEvent::StepFailure { key, .. }
        | LogEvent::SleepComplete { key }
        | LogEvent::WaitComplete { key, .. }
        | LogEvent::WaitTimedOut { key, .. } => {
            step_attrs(&mut attrs, key);
            if let Some(late) = o.late_ms {
                attrs.push(int("workflow.sleep.late_ms", late as i64));
            }
            let status = match o.event {
                LogEvent::StepFailure { error, .. } | LogEvent::WaitTimedOut { error, .. } => {
                    failed(&error.name, &error.message)
                }
                _ => None,
            };
            let kind = match o.event {
                LogEvent::SleepComplete { .. } => "sleep",
                LogEvent::WaitComplete { .. } | LogEvent::WaitTimedOut { .. } => "waitForEvent",
                _ => "step",
            };
            (
                format!("{kind} {}", key.name),
                step_span(w, i, key),
                run_span(w, i),
                status,
            )
        }
        LogEvent::WorkflowSuccess { .. }
        | LogEvent::WorkflowFailure { .. }
        | LogEvent::WorkflowTerminated => {
            let status = match o.event {
                LogEvent::WorkflowFailure { error } => failed(&error.name, &error.message),
                LogEvent::WorkflowTerminated => Some(Status {
                    code: StatusCode::Error as i32,
                    message: "terminated".into(),
                }),
                _ => None,
            };
            (format!("workflow {w}"), run_span(w, i), vec![], status)
        }
        _ => return None,
    };
    Some(Span {
        trace_id: trace_id(w, i),
        span_id,
        parent_span_id: parent,
        name,
        kind: SpanKind::Internal as i32,
        start_time_unix_nano: start_ms.saturating_mul(1_000_000),
        end_time_unix_nano: end_ms.saturating_mul(1_000_000),
        attributes: attrs,
        status,
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use endure_model::{ErrorInfo, StepKind, Timestamp};

    fn key(name: &str) -> StepKey {
        StepKey {
            kind: StepKind::Do,
            name: name.into(),
            count: 1,
            variant: None,
        }
    }

    fn observe(event: &LogEvent, wall: u64) -> Option<Span> {
        from_observation(&Observation {
            workflow: "wf",
            instance_id: "i1",
            at: Timestamp(10_000),
            event,
            wall_ms: Some(wall),
            late_ms: None,
            step_count: Some(1),
        })
    }

    #[test]
    fn attempts_nest_in_steps_and_steps_in_the_run() {
        let failure = LogEvent::AttemptFailure {
            key: key("charge"),
            attempt: 1,
            error: ErrorInfo::new("Error", "declined"),
            retry_delay_ms: Some(1_000),
            retry_at: None,
        };
        let a = observe(&failure, 40).unwrap();
        let s = observe(
            &LogEvent::StepSuccess {
                key: key("charge"),
                output: serde_json::json!(1),
            },
            1_100,
        )
        .unwrap();
        let r = observe(
            &LogEvent::WorkflowSuccess {
                output: serde_json::json!(null),
            },
            2_000,
        )
        .unwrap();
        assert_eq!(a.trace_id, s.trace_id);
        assert_eq!(s.trace_id, r.trace_id);
        assert_eq!(a.trace_id.len(), 16);
        assert_eq!(a.parent_span_id, s.span_id);
        assert_eq!(s.parent_span_id, r.span_id);
        assert!(r.parent_span_id.is_empty());
        assert_eq!(a.name, "attempt charge #1");
        assert_eq!(a.status.as_ref().unwrap().message, "Error: declined");
        assert_eq!(
            (a.start_time_unix_nano, a.end_time_unix_nano),
            (9_960_000_000, 10_000_000_000)
        );
        assert_eq!(s.name, "step charge");
        assert_eq!(r.name, "workflow wf");
        assert!(
            observe(&LogEvent::WorkflowStart, 0).is_none(),
            "a start ends nothing"
        );
        // Another instance is another trace.
        assert_ne!(trace_id("wf", "i1"), trace_id("wf", "i2"));
        assert_ne!(trace_id("w", "fi1"), trace_id("wf", "i1"));
    }
}
