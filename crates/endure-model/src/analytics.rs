//! The analytics dataset (the reference's GraphQL `workflowsAdaptive` and
//! `workflowsAdaptiveGroups`): one row per recorded event with its event type, instance, step
//! and wall time, and rollups of those rows per minute and per hour.
//!
//! Rows are not stored on their own: an instance's log holds them ([`event_rows`] replays it).
//! Rollups are what a store keeps, added to as events are recorded, so a query over a month
//! reads at most a month of hourly groups.

use crate::history::History;
use crate::log::LogEntry;
use crate::time::Timestamp;

pub const MINUTE_MS: u64 = 60_000;
pub const HOUR_MS: u64 = 3_600_000;
pub const DAY_MS: u64 = 86_400_000;
/// How long analytics are kept and how far back a query may reach (the reference's 31 days).
pub const RETENTION_MS: u64 = 31 * DAY_MS;

/// One recorded event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    pub at: Timestamp,
    pub workflow: String,
    pub instance_id: String,
    /// The reference's name (`WORKFLOW_START`, `STEP_SUCCESS`, …).
    pub event_type: &'static str,
    /// The step's name; empty for the instance's own events.
    pub step_name: String,
    /// The step's number within the instance (1-based, in start order); 0 for the instance's
    /// own events.
    pub step_count: u32,
    /// How long what the event ends took, in ms (0 when it ends nothing).
    pub wall_ms: u64,
}

/// The rows of an instance's log, oldest first. Entries the dataset has no name for (pauses,
/// resumes, received events) have no row.
pub fn event_rows(workflow: &str, instance_id: &str, log: &[LogEntry]) -> Vec<EventRow> {
    let mut history = History::default();
    let mut rows = Vec::with_capacity(log.len());
    for entry in log {
        history.apply(entry);
        let Some(event_type) = entry.event.metric_name() else {
            continue;
        };
        let key = entry.event.key();
        rows.push(EventRow {
            at: entry.ts,
            workflow: workflow.to_string(),
            instance_id: instance_id.to_string(),
            event_type,
            step_name: key.map(|k| k.name.clone()).unwrap_or_default(),
            step_count: key
                .and_then(|k| history.step_number(k))
                .map_or(0, |n| n as u32),
            wall_ms: history.wall_ms(&entry.event, entry.ts).unwrap_or(0),
        });
    }
    rows
}

/// The width of a rollup's time bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Granularity {
    Minute,
    Hour,
}

impl Granularity {
    pub const fn ms(self) -> u64 {
        match self {
            Granularity::Minute => MINUTE_MS,
            Granularity::Hour => HOUR_MS,
        }
    }

    /// The start of the bucket `t` falls in.
    pub fn bucket(self, t: Timestamp) -> Timestamp {
        Timestamp(t.0 - t.0 % self.ms())
    }
}

/// The events of one group in one time bucket: how many, and their wall times added up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rollup {
    /// The bucket's start.
    pub bucket: Timestamp,
    pub workflow: String,
    pub event_type: String,
    /// Empty for the instance's own events.
    pub step_name: String,
    /// 0 for the instance's own events.
    pub step_count: u32,
    pub count: u64,
    pub wall_ms: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::{LogEvent, StepKey, StepKind};
    use serde_json::json;

    fn entry(seq: u64, ts: u64, event: LogEvent) -> LogEntry {
        LogEntry {
            seq,
            ts: Timestamp(ts),
            event,
        }
    }

    #[test]
    fn a_log_replays_into_rows_with_steps_and_wall_times() {
        let key = StepKey {
            kind: StepKind::Do,
            name: "fetch".into(),
            count: 1,
            variant: None,
        };
        let log = vec![
            entry(1, 1_000, LogEvent::WorkflowStart),
            entry(
                2,
                1_010,
                LogEvent::StepStart {
                    key: key.clone(),
                    config: Default::default(),
                },
            ),
            entry(
                3,
                1_010,
                LogEvent::AttemptStart {
                    key: key.clone(),
                    attempt: 1,
                },
            ),
            entry(
                4,
                1_050,
                LogEvent::AttemptSuccess {
                    key: key.clone(),
                    attempt: 1,
                },
            ),
            entry(
                5,
                1_050,
                LogEvent::StepSuccess {
                    key: key.clone(),
                    output: json!(1),
                },
            ),
            entry(6, 1_060, LogEvent::WorkflowPaused),
            entry(7, 1_100, LogEvent::WorkflowSuccess { output: json!(1) }),
        ];
        let rows = event_rows("wf", "i1", &log);
        let got: Vec<_> = rows
            .iter()
            .map(|r| (r.event_type, r.step_name.as_str(), r.step_count, r.wall_ms))
            .collect();
        assert_eq!(
            got,
            vec![
                ("WORKFLOW_START", "", 0, 0),
                ("STEP_START", "fetch", 1, 0),
                ("ATTEMPT_START", "fetch", 1, 0),
                ("ATTEMPT_SUCCESS", "fetch", 1, 40),
                ("STEP_SUCCESS", "fetch", 1, 40),
                ("WORKFLOW_SUCCESS", "", 0, 100),
            ]
        );
        assert!(
            rows.iter()
                .all(|r| r.workflow == "wf" && r.instance_id == "i1")
        );
    }

    #[test]
    fn buckets_start_at_the_minute_and_the_hour() {
        let t = Timestamp(HOUR_MS * 5 + MINUTE_MS * 7 + 1_234);
        assert_eq!(
            Granularity::Minute.bucket(t),
            Timestamp(HOUR_MS * 5 + MINUTE_MS * 7)
        );
        assert_eq!(Granularity::Hour.bucket(t), Timestamp(HOUR_MS * 5));
    }
}
