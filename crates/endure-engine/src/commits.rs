//! The commits that control operations make, built without touching the store: pause,
//! terminate, restart. Shared by the driver (for a live instance) and the control path (for
//! one nobody runs), and tested here directly.

use crate::commands::StepSelector;
use endure_model::history::History;
use endure_model::{ApiError, InstanceStatus, LogEntry, LogEvent};
use endure_store::{Commit, Fence, InstanceRef, RowUpdate};

pub(crate) fn pause_commit(
    i: InstanceRef,
    fence: Option<Fence>,
    now: endure_model::Timestamp,
) -> Commit {
    Commit::new(i, fence)
        .log(now, LogEvent::WorkflowPaused)
        .update(RowUpdate {
            status: Some(InstanceStatus::Paused),
            paused_at: Some(Some(now)),
            wake_at: Some(None),
            ..Default::default()
        })
}

pub(crate) fn terminate_commit(
    i: InstanceRef,
    fence: Option<Fence>,
    now: endure_model::Timestamp,
) -> Commit {
    Commit::new(i, fence)
        .log(now, LogEvent::WorkflowTerminated)
        .update(RowUpdate {
            status: Some(InstanceStatus::Terminated),
            ended_at: Some(Some(now)),
            wake_at: Some(None),
            paused_at: Some(None),
            ..Default::default()
        })
}

/// The commit that restarts an instance: from scratch (only `WORKFLOW_QUEUED` is kept), or
/// from a step (that step and every step started after it are erased, with instance-level
/// entries other than QUEUED/START and all received events).
pub(crate) fn restart_commit(
    i: InstanceRef,
    fence: Option<Fence>,
    log: &[LogEntry],
    from: Option<&StepSelector>,
) -> Result<Commit, ApiError> {
    let mut c = Commit::new(i, fence);
    let mut update = RowUpdate {
        status: Some(InstanceStatus::Queued),
        ended_at: Some(None),
        output: Some(None),
        error: Some(None),
        wake_at: Some(None),
        paused_at: Some(None),
        ..Default::default()
    };
    match from {
        None => {
            c.delete = log
                .iter()
                .filter(|e| !matches!(e.event, LogEvent::WorkflowQueued { .. }))
                .map(|e| e.seq)
                .collect();
            update.started_at = Some(None);
        }
        Some(sel) => {
            let history = History::from_log(log);
            let target = history
                .find_started(sel.kind, &sel.name, sel.count)
                .ok_or_else(|| ApiError::cannot_restart(&sel.name))?;
            let from_seq = target.start_seq;
            let erased: std::collections::HashSet<_> = history
                .steps
                .iter()
                .filter(|s| s.start_seq >= from_seq)
                .map(|s| s.key.clone())
                .collect();
            c.delete = log
                .iter()
                .filter(|e| match &e.event {
                    LogEvent::WorkflowQueued { .. } | LogEvent::WorkflowStart => false,
                    ev => ev.key().is_none_or(|k| erased.contains(k)),
                })
                .map(|e| e.seq)
                .collect();
        }
    }
    Ok(c.update(update))
}

#[cfg(test)]
mod tests {
    use super::*;
    use endure_model::log::ReceivedEvent;
    use endure_model::{StepConfig, StepKey, StepKind, Timestamp, TriggerSource};
    use serde_json::json;

    const I: InstanceRef = InstanceRef(7);
    const F: Option<Fence> = Some(Fence(3));
    const NOW: Timestamp = Timestamp(1_000);

    fn key(name: &str) -> StepKey {
        StepKey {
            kind: StepKind::Do,
            name: name.into(),
            count: 1,
            variant: None,
        }
    }

    /// QUEUED, START, steps `a` and `b` done, an event received, step `c` started.
    fn log() -> Vec<LogEntry> {
        let mut events = vec![
            LogEvent::WorkflowQueued {
                params: json!({}),
                trigger: TriggerSource::Api,
                schedule: None,
            },
            LogEvent::WorkflowStart,
        ];
        for name in ["a", "b"] {
            events.extend([
                LogEvent::StepStart {
                    key: key(name),
                    config: StepConfig::default(),
                },
                LogEvent::AttemptStart {
                    key: key(name),
                    attempt: 1,
                },
                LogEvent::AttemptSuccess {
                    key: key(name),
                    attempt: 1,
                },
                LogEvent::StepSuccess {
                    key: key(name),
                    output: json!(name),
                },
            ]);
        }
        events.push(LogEvent::EventReceived {
            event: ReceivedEvent {
                event_type: "go".into(),
                payload: json!(1),
                timestamp: NOW,
            },
        });
        events.push(LogEvent::StepStart {
            key: key("c"),
            config: StepConfig::default(),
        });
        events
            .into_iter()
            .enumerate()
            .map(|(n, event)| LogEntry {
                seq: n as u64 + 1,
                ts: NOW,
                event,
            })
            .collect()
    }

    #[test]
    fn pause_records_the_pause_and_clears_the_wake_up() {
        let c = pause_commit(I, F, NOW);
        assert_eq!((c.instance, c.fence), (I, F));
        assert_eq!(c.append.len(), 1);
        assert_eq!(c.append[0].event, LogEvent::WorkflowPaused);
        assert_eq!(c.update.status, Some(InstanceStatus::Paused));
        assert_eq!(c.update.paused_at, Some(Some(NOW)));
        assert_eq!(c.update.wake_at, Some(None));
        assert!(c.delete.is_empty() && !c.take_lease);
    }

    #[test]
    fn terminate_ends_the_instance() {
        let c = terminate_commit(I, None, NOW);
        assert_eq!(c.append[0].event, LogEvent::WorkflowTerminated);
        assert_eq!(c.update.status, Some(InstanceStatus::Terminated));
        assert_eq!(c.update.ended_at, Some(Some(NOW)));
        assert_eq!(c.update.paused_at, Some(None));
        assert_eq!(c.update.wake_at, Some(None));
    }

    #[test]
    fn restart_from_scratch_keeps_only_the_queued_entry() {
        let c = restart_commit(I, F, &log(), None).unwrap();
        assert_eq!(c.delete, (2..=12).collect::<Vec<u64>>());
        assert!(c.append.is_empty());
        assert_eq!(c.update.status, Some(InstanceStatus::Queued));
        assert_eq!(c.update.started_at, Some(None));
        assert_eq!(c.update.output, Some(None));
        assert_eq!(c.update.error, Some(None));
    }

    #[test]
    fn restart_from_a_step_erases_it_what_came_after_and_the_events() {
        let from = StepSelector::new("b");
        let c = restart_commit(I, F, &log(), Some(&from)).unwrap();
        // Step a (seqs 3–6) stays, with QUEUED and START; b (7–10), the event (11) and c (12) go.
        assert_eq!(c.delete, vec![7, 8, 9, 10, 11, 12]);
        assert_eq!(c.update.status, Some(InstanceStatus::Queued));
        assert_eq!(c.update.started_at, None, "the first start is kept");
    }

    #[test]
    fn restart_from_a_step_never_started_is_refused() {
        let from = StepSelector::new("b").count(2);
        let e = restart_commit(I, F, &log(), Some(&from)).unwrap_err();
        assert_eq!(e, ApiError::cannot_restart("b"));
        let sleep = StepSelector::new("a").kind(StepKind::Sleep);
        assert!(restart_commit(I, F, &log(), Some(&sleep)).is_err());
    }
}
