//! The instance log: an append-only list of [`LogEntry`]s per instance, the single source of
//! truth for replay and for the status document. Every store persists it as rows
//! `(seq, instance, ts, kind, data)`; `seq` is assigned by the store and grows with commit order.

use crate::config::StepConfig;
use crate::error::ErrorInfo;
use crate::status::TriggerSource;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// The three kinds of durable step. Each kind has its own key namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum StepKind {
    /// `step.do`
    #[serde(rename = "do")]
    Do,
    /// `step.sleep` and `step.sleepUntil`
    #[serde(rename = "sleep")]
    Sleep,
    /// `step.waitForEvent`
    #[serde(rename = "waitForEvent")]
    WaitForEvent,
}

impl StepKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Do => "do",
            StepKind::Sleep => "sleep",
            StepKind::WaitForEvent => "waitForEvent",
        }
    }
}

/// The identity of a step within an instance: kind, name, occurrence count (1-based, in call
/// order) and, for sleeps, the duration (or the `sleepUntil` target) that the reference also
/// folds into the identity.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StepKey {
    pub kind: StepKind,
    pub name: String,
    pub count: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

impl fmt::Display for StepKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.name, self.count)
    }
}

/// `event.schedule` of an instance a cron schedule created: the expression that fired and the
/// time it was due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Schedule {
    pub cron: String,
    #[cfg_attr(feature = "schema", schemars(with = "u64"))]
    pub scheduled_time: Timestamp,
}

/// An event delivered with `send_event`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReceivedEvent {
    #[serde(rename = "type")]
    pub event_type: String,
    pub payload: Value,
    pub timestamp: Timestamp,
}

/// One entry of the log. The names follow the reference's event types (WORKFLOW_QUEUED …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LogEvent {
    WorkflowQueued {
        params: Value,
        trigger: TriggerSource,
        /// The firing that created the instance (trigger `cron`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        schedule: Option<Schedule>,
    },
    WorkflowStart,
    WorkflowSuccess {
        output: Value,
    },
    WorkflowFailure {
        error: ErrorInfo,
    },
    WorkflowTerminated,
    WorkflowPaused,
    /// Resumed after `paused_ms` of pause: pending deadlines move by that much.
    WorkflowResumed {
        paused_ms: u64,
    },
    StepStart {
        key: StepKey,
        config: StepConfig,
    },
    AttemptStart {
        key: StepKey,
        attempt: u32,
    },
    AttemptSuccess {
        key: StepKey,
        attempt: u32,
    },
    AttemptFailure {
        key: StepKey,
        attempt: u32,
        error: ErrorInfo,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_delay_ms: Option<u64>,
        /// When the next attempt may start (absolute, so a restart waits only what remains).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_at: Option<Timestamp>,
    },
    StepSuccess {
        key: StepKey,
        output: Value,
    },
    StepFailure {
        key: StepKey,
        error: ErrorInfo,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        non_retryable: bool,
    },
    SleepStart {
        key: StepKey,
        duration_ms: u64,
        wake_at: Timestamp,
    },
    SleepComplete {
        key: StepKey,
    },
    WaitStart {
        key: StepKey,
        event_type: String,
        timeout_ms: u64,
        deadline: Timestamp,
    },
    WaitComplete {
        key: StepKey,
        event_seq: u64,
        event: ReceivedEvent,
    },
    WaitTimedOut {
        key: StepKey,
        error: ErrorInfo,
    },
    EventReceived {
        event: ReceivedEvent,
    },
}

impl LogEvent {
    /// Numeric kind: the reference's event codes where it has one, 100+ for Endure's own.
    pub fn code(&self) -> u16 {
        match self {
            LogEvent::WorkflowQueued { .. } => 0,
            LogEvent::WorkflowStart => 1,
            LogEvent::WorkflowSuccess { .. } => 2,
            LogEvent::WorkflowFailure { .. } => 3,
            LogEvent::WorkflowTerminated => 4,
            LogEvent::StepStart { .. } => 5,
            LogEvent::StepSuccess { .. } => 6,
            LogEvent::StepFailure { .. } => 7,
            LogEvent::SleepStart { .. } => 8,
            LogEvent::SleepComplete { .. } => 9,
            LogEvent::AttemptStart { .. } => 10,
            LogEvent::AttemptSuccess { .. } => 11,
            LogEvent::AttemptFailure { .. } => 12,
            LogEvent::WaitStart { .. } => 14,
            LogEvent::WaitComplete { .. } => 15,
            LogEvent::WaitTimedOut { .. } => 16,
            LogEvent::WorkflowPaused => 100,
            LogEvent::WorkflowResumed { .. } => 101,
            LogEvent::EventReceived { .. } => 102,
        }
    }

    /// Every name [`LogEvent::metric_name`] gives.
    pub fn metric_names() -> &'static [&'static str] {
        &[
            "WORKFLOW_QUEUED",
            "WORKFLOW_START",
            "WORKFLOW_SUCCESS",
            "WORKFLOW_FAILURE",
            "WORKFLOW_TERMINATED",
            "STEP_START",
            "STEP_SUCCESS",
            "STEP_FAILURE",
            "SLEEP_START",
            "SLEEP_COMPLETE",
            "ATTEMPT_START",
            "ATTEMPT_SUCCESS",
            "ATTEMPT_FAILURE",
            "WAIT_START",
            "WAIT_COMPLETE",
            "WAIT_TIMED_OUT",
        ]
    }

    /// The event type as the reference's metrics name it (`eventType`: `WORKFLOW_START`,
    /// `STEP_SUCCESS`, …; the wait events as its engine names them); `None` for Endure's own
    /// entries (pause, resume, an event received).
    pub fn metric_name(&self) -> Option<&'static str> {
        Some(match self {
            LogEvent::WorkflowQueued { .. } => "WORKFLOW_QUEUED",
            LogEvent::WorkflowStart => "WORKFLOW_START",
            LogEvent::WorkflowSuccess { .. } => "WORKFLOW_SUCCESS",
            LogEvent::WorkflowFailure { .. } => "WORKFLOW_FAILURE",
            LogEvent::WorkflowTerminated => "WORKFLOW_TERMINATED",
            LogEvent::StepStart { .. } => "STEP_START",
            LogEvent::StepSuccess { .. } => "STEP_SUCCESS",
            LogEvent::StepFailure { .. } => "STEP_FAILURE",
            LogEvent::SleepStart { .. } => "SLEEP_START",
            LogEvent::SleepComplete { .. } => "SLEEP_COMPLETE",
            LogEvent::AttemptStart { .. } => "ATTEMPT_START",
            LogEvent::AttemptSuccess { .. } => "ATTEMPT_SUCCESS",
            LogEvent::AttemptFailure { .. } => "ATTEMPT_FAILURE",
            LogEvent::WaitStart { .. } => "WAIT_START",
            LogEvent::WaitComplete { .. } => "WAIT_COMPLETE",
            LogEvent::WaitTimedOut { .. } => "WAIT_TIMED_OUT",
            LogEvent::WorkflowPaused
            | LogEvent::WorkflowResumed { .. }
            | LogEvent::EventReceived { .. } => return None,
        })
    }

    /// The step this entry belongs to, if any.
    pub fn key(&self) -> Option<&StepKey> {
        match self {
            LogEvent::StepStart { key, .. }
            | LogEvent::AttemptStart { key, .. }
            | LogEvent::AttemptSuccess { key, .. }
            | LogEvent::AttemptFailure { key, .. }
            | LogEvent::StepSuccess { key, .. }
            | LogEvent::StepFailure { key, .. }
            | LogEvent::SleepStart { key, .. }
            | LogEvent::SleepComplete { key }
            | LogEvent::WaitStart { key, .. }
            | LogEvent::WaitComplete { key, .. }
            | LogEvent::WaitTimedOut { key, .. } => Some(key),
            _ => None,
        }
    }
}

/// A persisted log entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogEntry {
    pub seq: u64,
    pub ts: Timestamp,
    pub event: LogEvent,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip_through_json() {
        let key = StepKey {
            kind: StepKind::Sleep,
            name: "pause".into(),
            count: 1,
            variant: Some("20000".into()),
        };
        let e = LogEvent::SleepStart {
            key,
            duration_ms: 20_000,
            wake_at: Timestamp(5),
        };
        let j = serde_json::to_string(&e).unwrap();
        assert!(j.contains("\"type\":\"SLEEP_START\""), "{j}");
        assert_eq!(serde_json::from_str::<LogEvent>(&j).unwrap(), e);
    }
}
