//! The scheduler: starts queued and woken instances up to the concurrency limit (woken ones
//! first) and wakes sleeping instances when their recorded wake-up time comes.
//!
//! It keeps no per-instance state for waiting instances: wake-up times live in the store, and
//! the scheduler remembers only the earliest one.

use endure_model::Timestamp;
use endure_store::InstanceRef;
use std::collections::{HashSet, VecDeque};
use std::sync::{Mutex, MutexGuard};
use tokio::sync::Notify;
use tokio::task::AbortHandle;

/// Most due wake-ups fetched from the store at once.
pub(crate) const WAKE_BATCH: usize = 256;

/// Run slots are claimed in multiples of this (up to the limit), so a node whose queue grows
/// does not ask the store again for every instance.
pub(crate) const SLOT_CHUNK: usize = 32;

#[derive(Default)]
struct State {
    running: usize,
    wake_q: VecDeque<InstanceRef>,
    new_q: VecDeque<InstanceRef>,
    queued: HashSet<InstanceRef>,
    next_wake: Option<Timestamp>,
    /// Wake-up times noted while the store was being asked for the earliest one: the answer
    /// may predate them.
    noted: Option<Timestamp>,
    recheck: bool,
    shutdown: bool,
    /// On a shared store: how many this node may run at once now (its run slots under the
    /// cluster-wide limit, `Store::claim_slots`); `None`: the limit is this node's alone.
    allowance: Option<usize>,
    /// A claim got fewer slots than wanted: the next is at the next heartbeat.
    denied: bool,
    /// The engine's background tasks (the dispatcher, the triggers).
    tasks: Vec<AbortHandle>,
}

pub(crate) struct Scheduler {
    state: Mutex<State>,
    notify: Notify,
    max_running: usize,
}

impl Scheduler {
    /// `shared`: the limit is the cluster's, and this node runs what its slots allow.
    pub fn new(max_running: usize, shared: bool) -> Scheduler {
        Scheduler {
            state: Mutex::new(State {
                recheck: true,
                allowance: shared.then_some(0),
                ..State::default()
            }),
            notify: Notify::new(),
            max_running: max_running.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn add_task(&self, task: AbortHandle) {
        self.lock().tasks.push(task);
    }

    pub fn running(&self) -> usize {
        self.lock().running
    }

    /// (instances queued to resume, newly queued instances).
    pub fn queued(&self) -> (usize, usize) {
        let st = self.lock();
        (st.wake_q.len(), st.new_q.len())
    }

    /// Queues an instance that resumes (woken, resumed, recovered): it goes before new ones.
    pub fn enqueue_wake(&self, i: InstanceRef) -> bool {
        let mut st = self.lock();
        let added = st.queued.insert(i);
        if added {
            st.wake_q.push_back(i);
        }
        drop(st);
        if added {
            self.notify.notify_one();
        }
        added
    }

    /// Queues a newly created (or restarted) instance.
    pub fn enqueue_new(&self, i: InstanceRef) {
        let mut st = self.lock();
        let added = st.queued.insert(i);
        if added {
            st.new_q.push_back(i);
        }
        drop(st);
        if added {
            self.notify.notify_one();
        }
    }

    /// A wake-up time was recorded.
    pub fn note_wake(&self, at: Timestamp) {
        let mut st = self.lock();
        st.next_wake = Some(st.next_wake.map_or(at, |w| w.min(at)));
        st.noted = Some(st.noted.map_or(at, |w| w.min(at)));
        drop(st);
        self.notify.notify_one();
    }

    /// Look at the store's wake-up times again.
    pub fn recheck(&self) {
        self.lock().recheck = true;
        self.notify.notify_one();
    }

    /// A run ended.
    pub fn slot_freed(&self) {
        let mut st = self.lock();
        st.running = st.running.saturating_sub(1);
        drop(st);
        self.notify.notify_one();
    }

    /// Stops scheduling; returns the background tasks' handles, aborted.
    pub fn shutdown(&self) -> Vec<AbortHandle> {
        let mut st = self.lock();
        st.shutdown = true;
        let tasks = std::mem::take(&mut st.tasks);
        for t in &tasks {
            t.abort();
        }
        tasks
    }

    pub fn is_shut_down(&self) -> bool {
        self.lock().shutdown
    }

    /// Whether the dispatcher must ask the store for due wake-ups now (a recheck was asked
    /// for, or the earliest known wake-up has come).
    pub fn take_check(&self, now: Timestamp) -> bool {
        let mut st = self.lock();
        let due = st.recheck || st.next_wake.is_some_and(|w| w <= now);
        st.recheck = false;
        if due {
            st.noted = None;
        }
        due
    }

    /// The store's earliest wake-up, merged with any noted while it was being asked.
    pub fn set_next_wake(&self, next: Option<Timestamp>) {
        let mut st = self.lock();
        st.next_wake = match (next, st.noted.take()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }

    /// The next instance to start, woken ones first, if the limit allows one more (counted
    /// as running from here).
    pub fn pop_startable(&self) -> Option<InstanceRef> {
        let mut st = self.lock();
        let limit = st
            .allowance
            .map_or(self.max_running, |a| a.min(self.max_running));
        if st.running >= limit {
            return None;
        }
        let n = st.wake_q.pop_front().or_else(|| st.new_q.pop_front());
        if let Some(i) = n {
            st.queued.remove(&i);
            st.running += 1;
        }
        n
    }

    /// (running, wanted): what this node runs and would run now, capped at the limit.
    pub fn demand(&self) -> (usize, usize) {
        let st = self.lock();
        let want = (st.running + st.wake_q.len() + st.new_q.len()).min(self.max_running);
        (st.running, want.max(st.running))
    }

    /// What to claim for a demand of `want`: rounded up to [`SLOT_CHUNK`], within the limit.
    pub fn claim_size(&self, want: usize) -> usize {
        want.div_ceil(SLOT_CHUNK)
            .saturating_mul(SLOT_CHUNK)
            .min(self.max_running)
    }

    pub fn max_running(&self) -> usize {
        self.max_running
    }

    /// Whether this node should claim more run slots now: it wants more than its allowance,
    /// and no claim was refused since the last heartbeat.
    pub fn needs_slots(&self) -> bool {
        let (_, want) = self.demand();
        let st = self.lock();
        st.allowance.is_some_and(|a| want > a) && !st.denied
    }

    /// The answer to a claim made when this node wanted `want` (`None`: the claim failed; the
    /// allowance stays).
    pub fn set_allowance(&self, allowance: Option<usize>, want: usize) {
        let mut st = self.lock();
        if let Some(a) = allowance {
            st.allowance = Some(a);
        }
        st.denied = st.allowance.is_some_and(|a| a < want);
        drop(st);
        self.notify.notify_one();
    }

    /// Gives back the memory of a burst of queued instances once the queues are empty.
    pub fn shrink_if_idle(&self) {
        let mut st = self.lock();
        if st.queued.is_empty() && st.queued.capacity() > 1024 {
            st.queued.shrink_to_fit();
            st.wake_q.shrink_to_fit();
            st.new_q.shrink_to_fit();
        }
    }

    /// The earliest known wake-up after `now`.
    pub fn next_wake_after(&self, now: Timestamp) -> Option<Timestamp> {
        self.lock().next_wake.filter(|w| *w > now)
    }

    /// Resolves when the scheduler is poked (new work, a recheck, shutdown).
    pub fn notified(&self) -> tokio::sync::futures::Notified<'_> {
        self.notify.notified()
    }
}
