//! The state every part of the engine shares: the store, the clock, the settings, the
//! registry, the scheduler's queues and who holds each instance in this process.

use crate::clock::Clock;
use crate::commands::Command;
use crate::options::EngineConfig;
use crate::registry::Registry;
use crate::scheduler::Scheduler;
use endure_model::{ApiError, ErrorCode};
use endure_store::{InstanceRef, Store, StoreError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::AbortHandle;

/// Who may touch an instance right now.
pub(crate) enum Slot {
    /// A driver runs it; commands go to the driver.
    Live(mpsc::Sender<Command>, AbortHandle),
    /// A control operation changes it in the store; others wait for `notify`. `deferred`: the
    /// scheduler wanted to start it meanwhile.
    Control { notify: Arc<Notify>, deferred: bool },
}

pub(crate) struct Shared {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub config: EngineConfig,
    pub workflows: Registry,
    pub slots: Mutex<HashMap<InstanceRef, Slot>>,
    pub scheduler: Scheduler,
    /// Bumped after every committed change, so waiters can look again.
    pub changes: watch::Sender<u64>,
    /// Worker cron triggers registered with the engine (workflow schedules are in the
    /// registry).
    pub cron_triggers: Vec<crate::options::Trigger>,
    /// Notified when workflow definitions change (their schedules may have).
    pub triggers_changed: Notify,
    /// When the set of triggers last changed (the engine's start, a definition put or
    /// removed), in ms: a trigger first seen then counts its occurrences from that moment.
    pub triggers_since: std::sync::atomic::AtomicU64,
    /// Notified when a firing sent a message (queue consumers look again).
    pub messages_sent: Notify,
    /// The queues this engine's consumers read.
    pub consumer_queues: Vec<String>,
    /// Told of every recorded entry (`crate::telemetry`): the embedder's observer and the
    /// analytics rollups.
    pub telemetry: Option<Arc<dyn crate::telemetry::Telemetry>>,
    /// This process's pending analytics rollups (`None`: analytics are off).
    pub rollups: Option<Arc<crate::analytics::Rollups>>,
    /// The embedder gave an observer (`EngineBuilder::telemetry`): it gets every entry whole.
    /// Without one only the rollups listen, and they need no params.
    pub observed: bool,
    /// Test modifications of instances, and introspection sessions (`crate::modifier`).
    pub modifiers: crate::modifier::Modifiers,
    /// Control operations forwarded to other nodes, waiting for their answers.
    pub remote: crate::commands::Forwarded,
}

impl Shared {
    pub fn slots(&self) -> std::sync::MutexGuard<'_, HashMap<InstanceRef, Slot>> {
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records that the triggers changed now and tells the trigger task.
    pub fn triggers_changed(&self) {
        self.triggers_since
            .store(self.clock.now().0, std::sync::atomic::Ordering::SeqCst);
        self.triggers_changed.notify_waiters();
    }

    /// Reports an entry recorded outside a run (a creation, a control operation on a dormant
    /// instance), once durable. `wall_ms`: how long what it ends took, when known.
    pub fn report(
        &self,
        workflow: &str,
        instance_id: &str,
        at: endure_model::Timestamp,
        event: &endure_model::LogEvent,
        wall_ms: Option<u64>,
    ) {
        if let Some(t) = &self.telemetry {
            t.observe(&crate::telemetry::Observation {
                workflow,
                instance_id,
                at,
                event,
                wall_ms,
                late_ms: None,
                step_count: None,
            });
        }
    }

    /// What to report once `news` are created: their `WORKFLOW_QUEUED` entries (as the store
    /// writes them; params only for an embedder's observer). Empty without any observer.
    pub fn queued_reports(&self, news: &[endure_store::NewInstance]) -> Vec<QueuedReport> {
        if self.telemetry.is_none() {
            return vec![];
        }
        news.iter()
            .map(|n| QueuedReport {
                workflow: n.workflow.clone(),
                id: n.id.clone(),
                at: n.created_at,
                event: endure_model::LogEvent::WorkflowQueued {
                    params: if self.observed {
                        n.params.clone()
                    } else {
                        serde_json::Value::Null
                    },
                    trigger: n.trigger,
                    schedule: n.schedule.clone(),
                },
            })
            .collect()
    }

    /// Reports creations prepared by [`Shared::queued_reports`], once durable.
    pub fn report_queued(&self, reports: &[QueuedReport]) {
        for r in reports {
            self.report(&r.workflow, &r.id, r.at, &r.event, None);
        }
    }

    pub fn bump(&self) {
        self.changes.send_modify(|v| *v = v.wrapping_add(1));
    }
}

/// A creation to report ([`Shared::queued_reports`]).
pub(crate) struct QueuedReport {
    workflow: String,
    id: String,
    at: endure_model::Timestamp,
    event: endure_model::LogEvent,
}

pub(crate) fn store_error(e: StoreError) -> ApiError {
    match e {
        StoreError::AlreadyExists { .. } => {
            ApiError::new(ErrorCode::AlreadyExists, "Instance already exists")
        }
        StoreError::NotFound => {
            ApiError::new(ErrorCode::InstanceNotFound, "Instance does not exist")
        }
        other => ApiError::new(ErrorCode::Storage, other.to_string()),
    }
}
