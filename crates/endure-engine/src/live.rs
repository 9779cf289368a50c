//! The state of an instance while it runs in this process: its folded history, the step
//! counters, what is executing and what is waiting. Shared by the driver and the step handle;
//! the lock is never held across an await.

use crate::clock::Clock;
use endure_model::history::History;
use endure_model::log::ReceivedEvent;
use endure_model::{LogEntry, LogEvent, StepKind, Timestamp};
use endure_store::{Commit, Fence, InstanceRef, Store, StoreError};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::{Notify, oneshot};

pub(crate) enum WaiterKind {
    Timer,
    Event {
        event_type: String,
        deliver: Option<oneshot::Sender<(u64, ReceivedEvent)>>,
    },
}

pub(crate) struct Waiter {
    pub deadline: Timestamp,
    pub kind: WaiterKind,
}

#[derive(Default)]
pub(crate) struct LiveInner {
    pub history: History,
    pub counters: HashMap<(StepKind, String, Option<String>), u32>,
    /// `step.do` calls in this run (cached or not), for the step limit.
    pub do_calls: u64,
    /// Attempts executing plus commits in flight: while > 0 the instance may not be stopped.
    pub busy: usize,
    pub waiters: BTreeMap<u64, Waiter>,
    pub next_waiter: u64,
    /// Events handed to a waiter but not yet recorded as consumed.
    pub claimed: HashSet<u64>,
    /// Events delivered to a waiter that has not run since: the run must not be dropped.
    pub pending_deliveries: usize,
    pub pause_requested: bool,
    pub fatal: Option<StoreError>,
    /// Serialized size of the instance's log, against `Limits::max_instance_state_bytes`.
    pub state_bytes: u64,
    /// The run is live in a short wait and the row says `waiting` with this wake-up time; the
    /// next commit of the run sets it `running` again.
    pub marked_waiting: Option<Timestamp>,
    /// Log entries that end a step (its success) and go into the run's next commit, with the
    /// time they were made: the pipelining that makes a step one commit. Nothing starts
    /// before they are durable: every commit of the run carries them first.
    pub deferred: Vec<(Timestamp, LogEvent)>,
    /// The run's start (`running`, `WORKFLOW_START` the first time, the lease), not yet
    /// committed: the run's first commit carries it.
    pub pending_start: Option<PendingStart>,
}

/// A run's start, carried by the run's first commit: that commit is fenced on the token read
/// with the row, takes the lease (the new token is that one plus one, so the run knows it
/// beforehand), and applies `update` under its own.
pub(crate) struct PendingStart {
    pub read_fence: Fence,
    pub update: endure_store::RowUpdate,
    pub entries: Vec<(Timestamp, LogEvent)>,
    pub at: Timestamp,
    /// This node: the lease is taken for it (it becomes the instance's owner).
    pub owner: String,
}

/// `over`'s changes applied on top of `base`'s.
fn merged(base: endure_store::RowUpdate, over: endure_store::RowUpdate) -> endure_store::RowUpdate {
    endure_store::RowUpdate {
        status: over.status.or(base.status),
        started_at: over.started_at.or(base.started_at),
        ended_at: over.ended_at.or(base.ended_at),
        output: over.output.or(base.output),
        error: over.error.or(base.error),
        wake_at: over.wake_at.or(base.wake_at),
        paused_at: over.paused_at.or(base.paused_at),
    }
}

/// How long a deferred entry may wait for the run's next commit while the run's code works
/// outside any step; after that the driver commits it alone.
pub(crate) const MAX_DEFER_MS: u64 = 10;

/// What a log entry costs beyond its output or payload (key, names, timestamps), for the state
/// count during a run; the count is exact again at the next start.
const ENTRY_OVERHEAD_BYTES: u64 = 160;

/// The serialized size of a log event, as the store keeps it.
pub(crate) fn event_bytes(e: &LogEvent) -> u64 {
    serde_json::to_vec(e).map_or(0, |b| b.len() as u64)
}

pub(crate) struct Live {
    pub instance: InstanceRef,
    pub fence: Fence,
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub limits: endure_model::Limits,
    pub step_limit: u64,
    pub inner: Mutex<LiveInner>,
    /// Wakes the driver to look at the state again.
    pub changed: Notify,
    /// Released when a pending pause is cancelled.
    pub gate: Notify,
    pub on_commit: Box<dyn Fn() + Send + Sync>,
    /// Told of every entry once durable, with the instance's names.
    pub telemetry: Option<Reporter>,
    /// The instance's test modifications, if a test set any (`crate::modifier`).
    pub modifier: Option<Arc<crate::modifier::Modifier>>,
    /// Called after a commit that took the row out of a short wait's `waiting`: the
    /// scheduler looks at the store's wake-up times again (it skipped this live row's).
    pub on_unmark: Box<dyn Fn() + Send + Sync>,
}

/// An observer with the names of the instance it reports on.
pub(crate) struct Reporter {
    pub telemetry: Arc<dyn crate::telemetry::Telemetry>,
    pub workflow: String,
    pub instance_id: String,
}

impl Reporter {
    /// Reports `entry`, already folded into `history`.
    pub fn report(&self, history: &History, entry: &LogEntry) {
        let e = &entry.event;
        self.telemetry.observe(&crate::telemetry::Observation {
            workflow: &self.workflow,
            instance_id: &self.instance_id,
            at: entry.ts,
            event: e,
            wall_ms: history.wall_ms(e, entry.ts),
            late_ms: history.lateness_ms(e, entry.ts),
            step_count: e.key().and_then(|k| history.step_number(k)),
        });
    }
}

/// Decrements `busy` when dropped.
pub(crate) struct BusyGuard<'a>(&'a Live);

impl Drop for BusyGuard<'_> {
    fn drop(&mut self) {
        self.0.lock().busy -= 1;
        self.0.changed.notify_one();
    }
}

/// [`BusyGuard`] that owns its `Live`: front-ends hold one while their code is working
/// outside any step (see [`crate::Step::hold`]).
pub struct RunHold(pub(crate) std::sync::Arc<Live>);

impl Drop for RunHold {
    fn drop(&mut self) {
        self.0.lock().busy -= 1;
        self.0.changed.notify_one();
    }
}

/// Removes a waiter when dropped.
pub(crate) struct WaiterGuard<'a> {
    live: &'a Live,
    id: u64,
}

impl Drop for WaiterGuard<'_> {
    fn drop(&mut self) {
        self.live.lock().waiters.remove(&self.id);
        self.live.changed.notify_one();
    }
}

impl Live {
    pub fn lock(&self) -> MutexGuard<'_, LiveInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    pub fn busy(&self) -> BusyGuard<'_> {
        self.lock().busy += 1;
        BusyGuard(self)
    }

    pub fn add_waiter(&self, deadline: Timestamp, kind: WaiterKind) -> WaiterGuard<'_> {
        let mut g = self.lock();
        g.next_waiter += 1;
        let id = g.next_waiter;
        g.waiters.insert(id, Waiter { deadline, kind });
        drop(g);
        self.changed.notify_one();
        WaiterGuard { live: self, id }
    }

    /// Durably appends `events`, then folds them into the history. If the store fails, the run
    /// cannot go on: the failure is recorded for the driver and this future never resolves (the
    /// driver drops the run).
    pub async fn record(&self, events: Vec<LogEvent>) {
        self.record_with(events, 0).await
    }

    /// [`Live::record`] for entries that carry `payload_bytes` of serialized output or event
    /// payload the caller has already measured: the state count adds that plus a fixed
    /// overhead per entry, so a step's output is not serialized again just to be counted.
    pub async fn record_with(&self, events: Vec<LogEvent>, payload_bytes: u64) {
        let _busy = self.busy();
        self.count(events.len(), payload_bytes);
        let now = self.now();
        let entries = events.into_iter().map(|e| (now, e)).collect();
        if let Err(e) = self.commit_entries(entries).await {
            self.lock().fatal = Some(e);
            self.changed.notify_one();
            std::future::pending::<()>().await;
        }
    }

    fn count(&self, entries: usize, payload_bytes: u64) {
        self.lock().state_bytes += entries as u64 * ENTRY_OVERHEAD_BYTES + payload_bytes;
    }

    /// Keeps `events` for the run's next commit instead of committing them now (a step's
    /// success: whatever the code does next either commits, carrying them, or lets the driver
    /// flush them).
    pub fn defer(&self, events: Vec<LogEvent>, payload_bytes: u64) {
        self.count(events.len(), payload_bytes);
        let now = self.now();
        self.lock()
            .deferred
            .extend(events.into_iter().map(|e| (now, e)));
        self.changed.notify_one();
    }

    /// When the oldest deferred entry (or the pending start) must be committed at the latest.
    pub fn flush_due(&self) -> Option<Timestamp> {
        let g = self.lock();
        let start = g.pending_start.as_ref().map(|s| s.at);
        let first = g.deferred.first().map(|(t, _)| *t);
        match (start, first) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
        .map(|t| t.plus_ms(MAX_DEFER_MS))
    }

    /// Whether anything waits for the run's next commit.
    pub fn has_pending(&self) -> bool {
        let g = self.lock();
        g.pending_start.is_some() || !g.deferred.is_empty()
    }

    /// Submits `c` as the run's next commit: the pending start (if the run has not committed
    /// yet) and the deferred entries go first, then `c`'s own; every appended entry is folded
    /// into the history once durable. Every commit of a live run goes through here.
    pub async fn submit(&self, mut c: Commit) -> Result<endure_store::CommitResult, StoreError> {
        let (start, deferred) = {
            let mut g = self.lock();
            (g.pending_start.take(), std::mem::take(&mut g.deferred))
        };
        let started = start.is_some();
        let mut prefix: Vec<(Timestamp, LogEvent)> = vec![];
        if let Some(start) = start {
            c.fence = Some(start.read_fence);
            c.take_lease = true;
            c.owner = Some(start.owner);
            c.update = merged(start.update, std::mem::take(&mut c.update));
            prefix.extend(start.entries);
        }
        prefix.extend(deferred);
        if !prefix.is_empty() {
            let rows = prefix
                .into_iter()
                .map(|(ts, event)| endure_store::NewLogRow { ts, event });
            c.append.splice(0..0, rows);
        }
        let applied: Vec<(Timestamp, LogEvent)> =
            c.append.iter().map(|r| (r.ts, r.event.clone())).collect();
        let res = self.store.submit(c).await?;
        let mut g = self.lock();
        for (seq, (ts, event)) in res.seqs.iter().copied().zip(applied) {
            let entry = LogEntry { seq, ts, event };
            g.history.apply(&entry);
            if let Some(r) = &self.telemetry {
                r.report(&g.history, &entry);
            }
        }
        drop(g);
        if started {
            // The row's wake-up time is cleared: the scheduler asks the store again.
            (self.on_unmark)();
            (self.on_commit)();
        }
        Ok(res)
    }

    /// Commits the deferred entries and then `entries`, in one commit (which also takes the
    /// row out of a short wait's `waiting`), and folds them into the history.
    pub async fn commit_entries(
        &self,
        entries: Vec<(Timestamp, LogEvent)>,
    ) -> Result<(), StoreError> {
        let unmark = self.lock().marked_waiting.take().is_some();
        let mut c = Commit::new(self.instance, Some(self.fence));
        for (ts, e) in entries {
            c = c.log(ts, e);
        }
        if unmark {
            c = c.update(endure_store::RowUpdate {
                status: Some(endure_model::InstanceStatus::Running),
                wake_at: Some(None),
                ..Default::default()
            });
        }
        self.submit(c).await?;
        if unmark {
            (self.on_unmark)();
        }
        (self.on_commit)();
        Ok(())
    }

    /// Waits while a pause is pending (the driver pauses the instance once nothing is busy).
    pub async fn pause_gate(&self) {
        loop {
            let notified = self.gate.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if !self.lock().pause_requested {
                return;
            }
            self.changed.notify_one();
            notified.await;
        }
    }

    /// Hands a newly received event to the oldest waiter for its type, if any.
    pub fn dispatch_event(&self, seq: u64, event: &ReceivedEvent) {
        let mut g = self.lock();
        let mut target = None;
        for (id, w) in g.waiters.iter() {
            if let WaiterKind::Event {
                event_type,
                deliver: Some(_),
            } = &w.kind
                && *event_type == event.event_type
            {
                target = Some(*id);
                break;
            }
        }
        let Some(id) = target else { return };
        let tx = match g.waiters.get_mut(&id).map(|w| &mut w.kind) {
            Some(WaiterKind::Event { deliver, .. }) => deliver.take(),
            _ => None,
        };
        if let Some(tx) = tx
            && tx.send((seq, event.clone())).is_ok()
        {
            g.claimed.insert(seq);
            g.pending_deliveries += 1;
        }
    }

    /// Claims the oldest buffered, unclaimed event of `event_type`.
    pub fn claim_buffered(&self, event_type: &str) -> Option<(u64, ReceivedEvent)> {
        let mut g = self.lock();
        let found = g
            .history
            .pending_events
            .iter()
            .find(|(seq, e)| e.event_type == event_type && !g.claimed.contains(seq))
            .cloned();
        if let Some((seq, _)) = &found {
            g.claimed.insert(*seq);
        }
        found
    }
}
