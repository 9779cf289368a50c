//! Folding an instance log into a [`History`] (used by replay, incrementally, and by the status
//! document, from scratch) and the status document itself ([`InstanceDetails`], the shape of the
//! REST API's `GET …/instances/{id}`).

use crate::config::StepConfig;
use crate::error::ErrorInfo;
use crate::log::{LogEntry, LogEvent, ReceivedEvent, StepKey, StepKind};
use crate::status::{InstanceStatus, TriggerSource};
use crate::time::{Timestamp, iso, iso_opt};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;

/// One attempt of a `step.do`.
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptRecord {
    pub attempt: u32,
    pub start: Timestamp,
    pub end: Option<Timestamp>,
    pub error: Option<ErrorInfo>,
    pub success: Option<bool>,
    pub retry_delay_ms: Option<u64>,
    pub retry_at: Option<Timestamp>,
}

/// The state of one step, whatever its kind.
#[derive(Debug, Clone, PartialEq)]
pub enum StepState {
    Do {
        config: StepConfig,
        attempts: Vec<AttemptRecord>,
        /// `Some(Ok)` succeeded, `Some(Err)` failed for good.
        outcome: Option<Result<Value, ErrorInfo>>,
        non_retryable: bool,
        ended: Option<Timestamp>,
    },
    Sleep {
        duration_ms: u64,
        wake_at: Timestamp,
        completed: bool,
    },
    Wait {
        event_type: String,
        timeout_ms: u64,
        deadline: Timestamp,
        outcome: Option<Result<ReceivedEvent, ErrorInfo>>,
        ended: Option<Timestamp>,
    },
}

/// A step as the history knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRecord {
    pub key: StepKey,
    /// `seq` of the entry that started it: log order is start order.
    pub start_seq: u64,
    pub start: Timestamp,
    pub state: StepState,
}

/// Everything the log says about an instance, folded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    pub steps: Vec<StepRecord>,
    index: HashMap<StepKey, usize>,
    /// Events received and not yet consumed by a wait, oldest first: `(seq, event)`.
    pub pending_events: Vec<(u64, ReceivedEvent)>,
    pub params: Option<Value>,
    pub trigger: Option<TriggerSource>,
    /// `event.schedule`, for an instance a cron schedule created.
    pub schedule: Option<crate::log::Schedule>,
    pub started: Option<Timestamp>,
    pub terminated: Option<Timestamp>,
    pub last_seq: u64,
}

impl History {
    pub fn from_log(entries: &[LogEntry]) -> History {
        let mut h = History::default();
        for e in entries {
            h.apply(e);
        }
        h
    }

    pub fn step(&self, key: &StepKey) -> Option<&StepRecord> {
        self.index.get(key).map(|&i| &self.steps[i])
    }

    /// How long what `event` ends took, in ms, once the entry (at `at`) has been applied: an
    /// attempt from its start, a step (and a sleep or a wait) from its start, the run from its
    /// first start. `None` for events that end nothing, or whose start the history lacks.
    pub fn wall_ms(&self, event: &LogEvent, at: Timestamp) -> Option<u64> {
        let since = |start: Timestamp| Some(at.since(start));
        match event {
            LogEvent::AttemptSuccess { key, attempt }
            | LogEvent::AttemptFailure { key, attempt, .. } => match &self.step(key)?.state {
                StepState::Do { attempts, .. } => attempts
                    .iter()
                    .rev()
                    .find(|a| a.attempt == *attempt)
                    .and_then(|a| since(a.start)),
                _ => None,
            },
            LogEvent::StepSuccess { key, .. }
            | LogEvent::StepFailure { key, .. }
            | LogEvent::SleepComplete { key }
            | LogEvent::WaitComplete { key, .. }
            | LogEvent::WaitTimedOut { key, .. } => since(self.step(key)?.start),
            LogEvent::WorkflowSuccess { .. }
            | LogEvent::WorkflowFailure { .. }
            | LogEvent::WorkflowTerminated => since(self.started?),
            _ => None,
        }
    }

    /// How late a sleep ended (`SleepComplete` at `at`) after its wake-up time, in ms.
    pub fn lateness_ms(&self, event: &LogEvent, at: Timestamp) -> Option<u64> {
        match event {
            LogEvent::SleepComplete { key } => match &self.step(key)?.state {
                StepState::Sleep { wake_at, .. } => Some(at.since(*wake_at)),
                _ => None,
            },
            _ => None,
        }
    }

    /// The step's number within the instance: 1 for the first step started, and so on.
    pub fn step_number(&self, key: &StepKey) -> Option<usize> {
        self.index.get(key).map(|i| i + 1)
    }

    fn step_mut(&mut self, key: &StepKey) -> Option<&mut StepRecord> {
        self.index.get(key).map(|&i| &mut self.steps[i])
    }

    fn start_step(&mut self, key: &StepKey, seq: u64, ts: Timestamp, state: StepState) {
        if self.index.contains_key(key) {
            return; // a duplicate start would be a bug upstream; keep the first
        }
        self.index.insert(key.clone(), self.steps.len());
        self.steps.push(StepRecord {
            key: key.clone(),
            start_seq: seq,
            start: ts,
            state,
        });
    }

    /// Applies one entry. Applying the log entry by entry gives the same history as
    /// [`History::from_log`]; the engine relies on that while it runs.
    pub fn apply(&mut self, entry: &LogEntry) {
        let ts = entry.ts;
        self.last_seq = self.last_seq.max(entry.seq);
        match &entry.event {
            LogEvent::WorkflowQueued {
                params,
                trigger,
                schedule,
            } => {
                self.params = Some(params.clone());
                self.trigger = Some(*trigger);
                self.schedule = schedule.clone();
            }
            LogEvent::WorkflowStart => {
                self.started.get_or_insert(ts);
            }
            LogEvent::WorkflowTerminated => self.terminated = Some(ts),
            LogEvent::WorkflowSuccess { .. }
            | LogEvent::WorkflowFailure { .. }
            | LogEvent::WorkflowPaused => {}
            LogEvent::WorkflowResumed { paused_ms } => self.shift_pending(*paused_ms),
            LogEvent::StepStart { key, config } => self.start_step(
                key,
                entry.seq,
                ts,
                StepState::Do {
                    config: config.clone(),
                    attempts: vec![],
                    outcome: None,
                    non_retryable: false,
                    ended: None,
                },
            ),
            LogEvent::AttemptStart { key, attempt } => {
                if let Some(StepState::Do { attempts, .. }) =
                    self.step_mut(key).map(|s| &mut s.state)
                {
                    attempts.push(AttemptRecord {
                        attempt: *attempt,
                        start: ts,
                        end: None,
                        error: None,
                        success: None,
                        retry_delay_ms: None,
                        retry_at: None,
                    });
                }
            }
            LogEvent::AttemptSuccess { key, attempt } => {
                if let Some(a) = self.attempt_mut(key, *attempt) {
                    a.end = Some(ts);
                    a.success = Some(true);
                }
            }
            LogEvent::AttemptFailure {
                key,
                attempt,
                error,
                retry_delay_ms,
                retry_at,
            } => {
                if let Some(a) = self.attempt_mut(key, *attempt) {
                    a.end = Some(ts);
                    a.success = Some(false);
                    a.error = Some(error.clone());
                    a.retry_delay_ms = *retry_delay_ms;
                    a.retry_at = *retry_at;
                }
            }
            LogEvent::StepSuccess { key, output } => {
                if let Some(StepState::Do { outcome, ended, .. }) =
                    self.step_mut(key).map(|s| &mut s.state)
                {
                    *outcome = Some(Ok(output.clone()));
                    *ended = Some(ts);
                }
            }
            LogEvent::StepFailure {
                key,
                error,
                non_retryable: nr,
            } => {
                if let Some(StepState::Do {
                    outcome,
                    ended,
                    non_retryable,
                    ..
                }) = self.step_mut(key).map(|s| &mut s.state)
                {
                    *outcome = Some(Err(error.clone()));
                    *ended = Some(ts);
                    *non_retryable = *nr;
                }
            }
            LogEvent::SleepStart {
                key,
                duration_ms,
                wake_at,
            } => self.start_step(
                key,
                entry.seq,
                ts,
                StepState::Sleep {
                    duration_ms: *duration_ms,
                    wake_at: *wake_at,
                    completed: false,
                },
            ),
            LogEvent::SleepComplete { key } => {
                if let Some(StepState::Sleep { completed, .. }) =
                    self.step_mut(key).map(|s| &mut s.state)
                {
                    *completed = true;
                }
            }
            LogEvent::WaitStart {
                key,
                event_type,
                timeout_ms,
                deadline,
            } => self.start_step(
                key,
                entry.seq,
                ts,
                StepState::Wait {
                    event_type: event_type.clone(),
                    timeout_ms: *timeout_ms,
                    deadline: *deadline,
                    outcome: None,
                    ended: None,
                },
            ),
            LogEvent::WaitComplete {
                key,
                event_seq,
                event,
            } => {
                self.pending_events.retain(|(s, _)| s != event_seq);
                if let Some(StepState::Wait { outcome, ended, .. }) =
                    self.step_mut(key).map(|s| &mut s.state)
                {
                    *outcome = Some(Ok(event.clone()));
                    *ended = Some(ts);
                }
            }
            LogEvent::WaitTimedOut { key, error } => {
                if let Some(StepState::Wait { outcome, ended, .. }) =
                    self.step_mut(key).map(|s| &mut s.state)
                {
                    *outcome = Some(Err(error.clone()));
                    *ended = Some(ts);
                }
            }
            LogEvent::EventReceived { event } => {
                self.pending_events.push((entry.seq, event.clone()))
            }
        }
    }

    fn attempt_mut(&mut self, key: &StepKey, attempt: u32) -> Option<&mut AttemptRecord> {
        match self.step_mut(key).map(|s| &mut s.state) {
            Some(StepState::Do { attempts, .. }) => {
                attempts.iter_mut().rev().find(|a| a.attempt == attempt)
            }
            _ => None,
        }
    }

    /// After a pause, every deadline still pending moves by the paused time, so paused time
    /// does not count against sleeps, event time-outs or retry back-offs.
    fn shift_pending(&mut self, ms: u64) {
        for s in &mut self.steps {
            match &mut s.state {
                StepState::Sleep {
                    wake_at,
                    completed: false,
                    ..
                } => *wake_at = wake_at.plus_ms(ms),
                StepState::Wait {
                    deadline,
                    outcome: None,
                    ..
                } => *deadline = deadline.plus_ms(ms),
                StepState::Do {
                    attempts,
                    outcome: None,
                    ..
                } => {
                    if let Some(AttemptRecord {
                        retry_at: Some(t), ..
                    }) = attempts.last_mut()
                    {
                        *t = t.plus_ms(ms);
                    }
                }
                _ => {}
            }
        }
    }

    /// Number of started steps of `kind` named `name`, in log order; the `count`-th (1-based).
    pub fn find_started(&self, kind: StepKind, name: &str, count: u32) -> Option<&StepRecord> {
        self.steps
            .iter()
            .filter(|s| s.key.kind == kind && s.key.name == name)
            .nth(count.saturating_sub(1) as usize)
    }
}

// ---------------------------------------------------------------------------------------------
// The status document.

/// `{source}` of the status document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Trigger {
    pub source: TriggerSource,
}

/// One attempt in the status document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AttemptDoc {
    #[serde(with = "iso")]
    #[cfg_attr(feature = "schema", schemars(with = "String"))]
    pub start: Timestamp,
    #[serde(with = "iso_opt")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<String>"))]
    pub end: Option<Timestamp>,
    pub success: Option<bool>,
    pub error: Option<ErrorInfo>,
    #[serde(
        rename = "retryDelayMs",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub retry_delay_ms: Option<u64>,
}

/// One entry of `steps` in the status document, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum StepDoc {
    #[serde(rename = "step")]
    Step {
        name: String,
        count: u32,
        #[serde(with = "iso")]
        #[cfg_attr(feature = "schema", schemars(with = "String"))]
        start: Timestamp,
        #[serde(with = "iso_opt")]
        #[cfg_attr(feature = "schema", schemars(with = "Option<String>"))]
        end: Option<Timestamp>,
        success: Option<bool>,
        output: Value,
        error: Option<ErrorInfo>,
        config: StepConfig,
        attempts: Vec<AttemptDoc>,
    },
    #[serde(rename = "sleep")]
    Sleep {
        name: String,
        count: u32,
        #[serde(with = "iso")]
        #[cfg_attr(feature = "schema", schemars(with = "String"))]
        start: Timestamp,
        /// The scheduled wake-up time.
        #[serde(with = "iso")]
        #[cfg_attr(feature = "schema", schemars(with = "String"))]
        end: Timestamp,
        finished: bool,
        error: Option<ErrorInfo>,
    },
    #[serde(rename = "waitForEvent")]
    WaitForEvent {
        name: String,
        count: u32,
        #[serde(with = "iso")]
        #[cfg_attr(feature = "schema", schemars(with = "String"))]
        start: Timestamp,
        /// When the event arrived, or the time-out deadline while waiting.
        #[serde(with = "iso")]
        #[cfg_attr(feature = "schema", schemars(with = "String"))]
        end: Timestamp,
        finished: bool,
        error: Option<ErrorInfo>,
        event_type: String,
        /// The event payload, once it arrived.
        output: Value,
    },
    #[serde(rename = "termination")]
    Termination { trigger: Trigger },
}

/// The status document: `status()` of the binding, `GET …/instances/{id}` of the REST API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InstanceDetails {
    pub id: String,
    pub workflow: String,
    pub status: InstanceStatus,
    pub params: Value,
    pub trigger: Trigger,
    #[serde(rename = "versionId")]
    pub version_id: String,
    #[serde(with = "iso")]
    #[cfg_attr(feature = "schema", schemars(with = "String"))]
    pub queued: Timestamp,
    #[serde(with = "iso_opt")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<String>"))]
    pub start: Option<Timestamp>,
    #[serde(with = "iso_opt")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<String>"))]
    pub end: Option<Timestamp>,
    pub success: Option<bool>,
    pub error: Option<ErrorInfo>,
    pub output: Value,
    pub step_count: usize,
    pub steps: Vec<StepDoc>,
    /// The cron firing that created the instance: `{cron, scheduledTime}` (ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<crate::log::Schedule>,
}

/// The instance-level facts a store keeps outside the log.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceSummary {
    pub id: String,
    pub workflow: String,
    pub status: InstanceStatus,
    pub params: Value,
    pub trigger: TriggerSource,
    pub version_id: String,
    pub created_at: Timestamp,
    pub started_at: Option<Timestamp>,
    pub ended_at: Option<Timestamp>,
    pub output: Option<Value>,
    pub error: Option<ErrorInfo>,
}

/// What status documents and test introspection show for a sensitive step's result.
pub const REDACTED: &str = "[REDACTED]";

impl InstanceDetails {
    /// Builds the document from the instance's facts and its folded log.
    pub fn build(summary: &InstanceSummary, history: &History) -> InstanceDetails {
        let mut steps: Vec<StepDoc> = history.steps.iter().map(step_doc).collect();
        if history.terminated.is_some() {
            steps.push(StepDoc::Termination {
                trigger: Trigger {
                    source: TriggerSource::Api,
                },
            });
        }
        let success = match summary.status {
            InstanceStatus::Complete => Some(true),
            InstanceStatus::Errored | InstanceStatus::Terminated => Some(false),
            _ => None,
        };
        InstanceDetails {
            id: summary.id.clone(),
            workflow: summary.workflow.clone(),
            status: summary.status,
            params: crate::display::display(&summary.params),
            trigger: Trigger {
                source: summary.trigger,
            },
            version_id: summary.version_id.clone(),
            queued: summary.created_at,
            start: summary.started_at,
            end: summary.ended_at,
            success,
            error: summary.error.clone(),
            output: summary
                .output
                .as_ref()
                .map(crate::display::display)
                .unwrap_or(Value::Null),
            step_count: steps.len(),
            steps,
            schedule: history.schedule.clone(),
        }
    }
}

fn step_doc(s: &StepRecord) -> StepDoc {
    let name = s.key.name.clone();
    let count = s.key.count;
    match &s.state {
        StepState::Do {
            config,
            attempts,
            outcome,
            ended,
            ..
        } => {
            let (success, output, error) = match outcome {
                Some(Ok(v)) if config.is_sensitive() => {
                    (Some(true), Value::String(REDACTED.into()), None)
                }
                Some(Ok(v)) => (Some(true), crate::display::display(v), None),
                Some(Err(e)) => (Some(false), Value::Null, Some(e.clone())),
                None => (
                    None,
                    Value::Null,
                    attempts.last().and_then(|a| a.error.clone()),
                ),
            };
            StepDoc::Step {
                name,
                count,
                start: s.start,
                end: *ended,
                success,
                output,
                error,
                config: config.clone(),
                attempts: attempts
                    .iter()
                    .map(|a| AttemptDoc {
                        start: a.start,
                        end: a.end,
                        success: a.success,
                        error: a.error.clone(),
                        retry_delay_ms: a.retry_delay_ms,
                    })
                    .collect(),
            }
        }
        StepState::Sleep {
            wake_at, completed, ..
        } => StepDoc::Sleep {
            name,
            count,
            start: s.start,
            end: *wake_at,
            finished: *completed,
            error: None,
        },
        StepState::Wait {
            event_type,
            deadline,
            outcome,
            ended,
            ..
        } => {
            let (error, output) = match outcome {
                Some(Ok(ev)) => (None, crate::display::display(&ev.payload)),
                Some(Err(e)) => (Some(e.clone()), Value::Null),
                None => (None, Value::Null),
            };
            StepDoc::WaitForEvent {
                name,
                count,
                start: s.start,
                end: ended.unwrap_or(*deadline),
                finished: outcome.is_some(),
                error,
                event_type: event_type.clone(),
                output,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key(kind: StepKind, name: &str) -> StepKey {
        StepKey {
            kind,
            name: name.into(),
            count: 1,
            variant: None,
        }
    }

    fn log() -> Vec<LogEntry> {
        let k = key(StepKind::Do, "a");
        let s = key(StepKind::Sleep, "nap");
        let w = key(StepKind::WaitForEvent, "w");
        let ev = ReceivedEvent {
            event_type: "go".into(),
            payload: json!(1),
            timestamp: Timestamp(7),
        };
        let events = vec![
            LogEvent::WorkflowQueued {
                params: json!({"p": 1}),
                trigger: TriggerSource::Api,
                schedule: None,
            },
            LogEvent::WorkflowStart,
            LogEvent::StepStart {
                key: k.clone(),
                config: StepConfig::default(),
            },
            LogEvent::AttemptStart {
                key: k.clone(),
                attempt: 1,
            },
            LogEvent::AttemptFailure {
                key: k.clone(),
                attempt: 1,
                error: ErrorInfo::new("Error", "x"),
                retry_delay_ms: Some(10_000),
                retry_at: Some(Timestamp(10_004)),
            },
            LogEvent::AttemptStart {
                key: k.clone(),
                attempt: 2,
            },
            LogEvent::AttemptSuccess {
                key: k.clone(),
                attempt: 2,
            },
            LogEvent::StepSuccess {
                key: k,
                output: json!("ok"),
            },
            LogEvent::SleepStart {
                key: s.clone(),
                duration_ms: 100,
                wake_at: Timestamp(200),
            },
            LogEvent::EventReceived { event: ev.clone() },
            LogEvent::WorkflowPaused,
            LogEvent::WorkflowResumed { paused_ms: 50 },
            LogEvent::SleepComplete { key: s },
            LogEvent::WaitStart {
                key: w.clone(),
                event_type: "go".into(),
                timeout_ms: 5,
                deadline: Timestamp(300),
            },
            LogEvent::WaitComplete {
                key: w,
                event_seq: 10,
                event: ev,
            },
        ];
        events
            .into_iter()
            .enumerate()
            .map(|(i, event)| LogEntry {
                seq: i as u64 + 1,
                ts: Timestamp(i as u64),
                event,
            })
            .collect()
    }

    #[test]
    fn wall_times_of_what_entries_end() {
        let mut h = History::default();
        let mut walls = vec![];
        for e in log() {
            h.apply(&e);
            walls.push((e.event.metric_name(), h.wall_ms(&e.event, e.ts)));
        }
        assert_eq!(walls[1], (Some("WORKFLOW_START"), None));
        assert_eq!(walls[4], (Some("ATTEMPT_FAILURE"), Some(1)));
        assert_eq!(walls[6], (Some("ATTEMPT_SUCCESS"), Some(1)));
        assert_eq!(walls[7], (Some("STEP_SUCCESS"), Some(5)));
        assert_eq!(walls[9], (None, None));
        assert_eq!(walls[12], (Some("SLEEP_COMPLETE"), Some(4)));
        assert_eq!(walls[14], (Some("WAIT_COMPLETE"), Some(1)));
        let done = LogEvent::WorkflowSuccess { output: json!(1) };
        assert_eq!(h.wall_ms(&done, Timestamp(21)), Some(20));
        // The sleep ended at 12, before its wake-up time (moved by the pause): not late.
        let s = key(StepKind::Sleep, "nap");
        let woke = LogEvent::SleepComplete { key: s };
        assert_eq!(h.lateness_ms(&woke, Timestamp(12)), Some(0));
        assert_eq!(h.lateness_ms(&woke, Timestamp(300)), Some(50));
    }

    #[test]
    fn incremental_and_full_fold_agree() {
        let entries = log();
        let mut inc = History::default();
        for (i, e) in entries.iter().enumerate() {
            inc.apply(e);
            assert_eq!(inc, History::from_log(&entries[..=i]));
        }
    }

    #[test]
    fn fold_tracks_steps_events_and_pause_shift() {
        let h = History::from_log(&log());
        assert_eq!(h.steps.len(), 3);
        match &h.steps[0].state {
            StepState::Do {
                attempts, outcome, ..
            } => {
                assert_eq!(attempts.len(), 2);
                assert_eq!(outcome, &Some(Ok(json!("ok"))));
            }
            other => panic!("{other:?}"),
        }
        match &h.steps[1].state {
            StepState::Sleep {
                wake_at, completed, ..
            } => {
                assert_eq!(*wake_at, Timestamp(250), "shifted by the pause");
                assert!(*completed);
            }
            other => panic!("{other:?}"),
        }
        assert!(h.pending_events.is_empty(), "consumed by the wait");
        assert_eq!(
            h.find_started(StepKind::Sleep, "nap", 1).unwrap().key.name,
            "nap"
        );
        assert!(h.find_started(StepKind::Sleep, "nap", 2).is_none());
    }

    #[test]
    fn document_shape() {
        let h = History::from_log(&log());
        let summary = InstanceSummary {
            id: "i".into(),
            workflow: "w".into(),
            status: InstanceStatus::Complete,
            params: json!({"p": 1}),
            trigger: TriggerSource::Api,
            version_id: "v".into(),
            created_at: Timestamp(0),
            started_at: Some(Timestamp(1)),
            ended_at: Some(Timestamp(20)),
            output: Some(json!(3)),
            error: None,
        };
        let doc = serde_json::to_value(InstanceDetails::build(&summary, &h)).unwrap();
        assert_eq!(doc["status"], "complete");
        assert_eq!(doc["success"], true);
        assert_eq!(doc["versionId"], "v");
        assert_eq!(doc["trigger"]["source"], "api");
        assert_eq!(doc["step_count"], 3);
        assert_eq!(doc["steps"][0]["type"], "step");
        assert_eq!(doc["steps"][0]["attempts"][0]["success"], false);
        assert_eq!(doc["steps"][0]["attempts"][0]["retryDelayMs"], 10_000);
        assert_eq!(doc["steps"][0]["config"]["retries"]["limit"], 5);
        assert_eq!(doc["steps"][1]["type"], "sleep");
        assert_eq!(doc["steps"][1]["end"], "1970-01-01T00:00:00.250Z");
        assert_eq!(doc["steps"][2]["type"], "waitForEvent");
        assert_eq!(doc["steps"][2]["event_type"], "go");
        assert_eq!(doc["steps"][2]["output"], 1);
    }
}
