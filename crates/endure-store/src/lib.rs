//! The storage interface of Endure.
//!
//! A store keeps two things per instance: a row of queryable facts ([`InstanceRow`]: status,
//! times, output, the next wake-up) and an append-only log ([`endure_model::LogEntry`]). All
//! changes to one instance go through [`Store::submit`] as a [`Commit`]: log rows to append, log
//! rows to delete (restart), and a row update, applied atomically. A store may gather the
//! commits of many instances into one transaction (group commit); [`Ticket`] resolves when the
//! commit is durable.
//!
//! Ownership: before running an instance the engine takes a lease ([`Store::acquire_lease`]);
//! every commit carries its fencing token, and a store refuses a commit whose token is stale
//! ([`StoreError::Fenced`]). One process per store never sees that; several processes sharing a
//! PostgreSQL database will.
//!
//! Architecture invariant: this crate knows nothing about running workflows or HTTP.

pub mod conformance;
mod memory;
pub mod notices;
pub mod observe;
pub mod ops;
pub mod rollups;
pub mod slots;
mod types;

pub use memory::MemoryStore;
pub use notices::{LocalNotices, Notice};
pub use observe::StoreObserver;
pub use slots::{NodeSlots, SlotClaim, SlotGrant};
pub use types::*;

use async_trait::async_trait;
use endure_model::{LogEntry, Timestamp};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::sync::oneshot;

/// The one storage interface. See the crate docs.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Creates instances atomically: all or none. A duplicate `(workflow, id)`, within the
    /// batch or with an existing instance, fails the whole batch with
    /// [`StoreError::AlreadyExists`]. Returns the new instances' refs in input order.
    async fn create_instances(
        &self,
        batch: Vec<NewInstance>,
    ) -> Result<Vec<InstanceRef>, StoreError>;

    /// Looks an instance up by workflow and id.
    async fn find_instance(
        &self,
        workflow: &str,
        id: &str,
    ) -> Result<Option<InstanceRow>, StoreError>;

    /// Looks an instance up by ref.
    async fn get_instance(&self, instance: InstanceRef) -> Result<Option<InstanceRow>, StoreError>;

    /// The instance's log in `seq` order.
    async fn read_log(&self, instance: InstanceRef) -> Result<Vec<LogEntry>, StoreError>;

    /// The row and its log as of one moment (one read transaction): a status document built
    /// from them never shows a status older or newer than its steps.
    async fn read_instance(
        &self,
        instance: InstanceRef,
    ) -> Result<Option<(InstanceRow, Vec<LogEntry>)>, StoreError>;

    /// Whether a point read ([`Store::find_instance`], [`Store::read_instance`]) usually
    /// completes on its first poll, with no waiting (a local file, memory): then a caller on a
    /// thread outside the runtime (a JavaScript isolate) may poll it once and only hand it to
    /// the runtime when it is not ready. A store whose reads cross a network says no.
    fn reads_inline(&self) -> bool {
        false
    }

    /// Queues a commit. Commits of one instance are applied in submission order.
    fn submit(&self, commit: Commit) -> Ticket;

    /// Takes the lease of an instance for `owner`, fencing out any earlier holder.
    async fn acquire_lease(&self, instance: InstanceRef, owner: &str) -> Result<Fence, StoreError>;

    /// Instances whose wake-up time is at or before `now` and that `node` may run (no owner,
    /// owned by `node`, or by a node whose heartbeat ran out: a live node wakes its own),
    /// earliest first, at most `limit`.
    async fn due_wakeups(
        &self,
        node: &str,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<InstanceRef>, StoreError>;

    /// The earliest wake-up time of the instances `node` may run (as in
    /// [`Store::due_wakeups`], judged at `now`).
    async fn next_wakeup(
        &self,
        node: &str,
        now: Timestamp,
    ) -> Result<Option<Timestamp>, StoreError>;

    /// Instances in any of `statuses`, oldest first (recovery after a restart).
    async fn instances_in(
        &self,
        statuses: &[endure_model::InstanceStatus],
    ) -> Result<Vec<InstanceRow>, StoreError>;

    /// One page of a workflow's instances, newest first.
    async fn list_instances(&self, query: &ListQuery) -> Result<Vec<InstanceRow>, StoreError>;

    /// How many instances match `query`'s workflow, status and creation-time filters (its
    /// cursor, order and limit are ignored): a list's `total_count`. Stores answer from an
    /// index, not by reading the rows.
    async fn count_instances(&self, query: &ListQuery) -> Result<u64, StoreError>;

    /// How many instances of `workflow` are in each status (statuses with none are absent).
    async fn count_by_status(
        &self,
        workflow: &str,
    ) -> Result<Vec<(endure_model::InstanceStatus, u64)>, StoreError>;

    /// Deletes an instance and its log. `false` if it did not exist.
    async fn delete_instance(&self, instance: InstanceRef) -> Result<bool, StoreError>;

    /// Creates or replaces the record of workflow `record.name`. A replaced record keeps its
    /// `created_at`. Returns the record as stored.
    async fn put_workflow(&self, record: WorkflowRecord) -> Result<WorkflowRecord, StoreError>;

    /// Every workflow record, by name.
    async fn workflows(&self) -> Result<Vec<WorkflowRecord>, StoreError>;

    /// Deletes a workflow record (not its instances). `false` if there was none.
    async fn delete_workflow(&self, name: &str) -> Result<bool, StoreError>;

    /// Claims a cron firing: succeeds only if no firing of `claim.trigger` at or after
    /// `claim.scheduled` was claimed before (so each occurrence fires once, and an older one
    /// never fires after a newer one), and then records it as the trigger's last firing and
    /// creates `claim.create` and sends `claim.send`, all in one transaction. `None` if it was
    /// already claimed; otherwise the created instances' refs.
    async fn claim_firing(
        &self,
        claim: FiringClaim,
    ) -> Result<Option<Vec<InstanceRef>>, StoreError>;

    /// The last claimed firing of a trigger.
    async fn last_firing(&self, trigger: &str) -> Result<Option<Timestamp>, StoreError>;

    /// Puts messages on their queues, all or none.
    async fn send_messages(&self, batch: Vec<NewMessage>) -> Result<(), StoreError>;

    /// Leases up to `max` messages of `queue` that are visible at `now` and not leased (or
    /// whose lease has run out), oldest first, until `lease_until`; counts a delivery for each.
    async fn take_messages(
        &self,
        queue: &str,
        max: usize,
        now: Timestamp,
        lease_until: Timestamp,
    ) -> Result<Vec<Message>, StoreError>;

    /// Settles taken messages in one transaction. A settlement whose lease is no longer the
    /// message's (it ran out and the message was taken again, or it was settled already) is
    /// skipped. Returns how many were applied.
    async fn settle_messages(&self, batch: Vec<Settlement>) -> Result<usize, StoreError>;

    /// When a message of `queue` can next be taken: the earliest time one becomes visible or
    /// a lease on one runs out. `None` if the queue is empty.
    async fn next_message_at(&self, queue: &str) -> Result<Option<Timestamp>, StoreError>;

    /// How many messages `queue` holds (taken or not).
    async fn queue_depth(&self, queue: &str) -> Result<u64, StoreError>;

    /// Ends every message lease: taken messages can be taken again at once (from their
    /// `visible_at`), and settlements that carry the old leases are refused. For a store one
    /// process owns, at that process's start: whatever held the leases died with the last one.
    /// Answers how many leases ended.
    async fn release_message_leases(&self) -> Result<u64, StoreError>;

    /// Records that `node` is alive until `until` (a heartbeat; see [`Store::take_orphans`]).
    async fn heartbeat(&self, node: &str, until: Timestamp) -> Result<(), StoreError>;

    /// Takes instances nobody runs any more: queued, running or waiting-for-pause ones that
    /// have no owner, or whose owner has no heartbeat reaching past `now` (the node died),
    /// or, with `own`, whose owner is `node` itself (an earlier life of this process, at its
    /// start). They become `node`'s. At most `limit`, oldest first; nodes asking at once never
    /// take the same instance.
    async fn take_orphans(
        &self,
        node: &str,
        now: Timestamp,
        limit: usize,
        own: bool,
    ) -> Result<Vec<InstanceRow>, StoreError>;

    /// Records `claim.node`'s want of run slots and answers how many instances it may run at
    /// once now, under a limit shared by every live node ([`slots`]). Claims of several nodes
    /// are serialized.
    async fn claim_slots(&self, claim: SlotClaim) -> Result<SlotGrant, StoreError>;

    /// Starts delivering the notices sent to `node` ([`notices`]); `None` if this store carries
    /// none (nothing else can reach it).
    async fn listen(
        &self,
        node: &str,
    ) -> Result<Option<tokio::sync::mpsc::Receiver<Notice>>, StoreError>;

    /// Sends `payload` (at most [`notices::MAX_NOTICE_BYTES`]) to `node`, best effort: `Ok`
    /// means sent, not received.
    async fn notify(&self, node: &str, payload: String) -> Result<(), StoreError>;

    /// Adds minute rollups of recorded events (`endure_model::analytics`): each row's count
    /// and wall time are added to what the store holds for the same group in the same minute,
    /// and in the same hour. Adding is how several processes' rollups meet.
    async fn add_rollups(&self, rows: Vec<Rollup>) -> Result<(), StoreError>;

    /// The rollups `query` selects, oldest bucket first.
    async fn query_rollups(&self, query: &RollupQuery) -> Result<Vec<Rollup>, StoreError>;

    /// Drops the rollups of buckets that start before `before`; answers how many rows went.
    async fn prune_rollups(&self, before: Timestamp) -> Result<u64, StoreError>;
}

/// Resolves when a submitted commit is durable (or failed).
pub struct Ticket(TicketInner);

enum TicketInner {
    Ready(Option<Result<CommitResult, StoreError>>),
    Pending(oneshot::Receiver<Result<CommitResult, StoreError>>),
}

impl Ticket {
    pub fn ready(result: Result<CommitResult, StoreError>) -> Ticket {
        Ticket(TicketInner::Ready(Some(result)))
    }
    pub fn pending(rx: oneshot::Receiver<Result<CommitResult, StoreError>>) -> Ticket {
        Ticket(TicketInner::Pending(rx))
    }
}

impl Future for Ticket {
    type Output = Result<CommitResult, StoreError>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut self.get_mut().0 {
            TicketInner::Ready(r) => Poll::Ready(r.take().unwrap_or(Err(StoreError::Closed))),
            TicketInner::Pending(rx) => Pin::new(rx)
                .poll(cx)
                .map(|r| r.unwrap_or(Err(StoreError::Closed))),
        }
    }
}
