//! The write operations a durable store's writer applies in batches (group commit), each with
//! the channel its answer goes back on, and the answers held until the batch's transaction has
//! committed or failed. Shared by the SQLite and PostgreSQL writers.

use crate::{
    Commit, CommitResult, Fence, FiringClaim, InstanceRef, InstanceRow, Message, NewInstance,
    NewMessage, Rollup, Settlement, SlotClaim, SlotGrant, StoreError, WorkflowRecord,
};
use endure_model::Timestamp;
use tokio::sync::oneshot;

/// Where an operation's answer goes.
pub type Reply<T> = oneshot::Sender<Result<T, StoreError>>;

/// One write operation and its reply.
pub enum Op {
    Commit(Box<Commit>, Reply<CommitResult>),
    Create(Vec<NewInstance>, Reply<Vec<InstanceRef>>),
    /// The instance and the node taking it.
    Lease(InstanceRef, String, Reply<Fence>),
    Delete(InstanceRef, Reply<bool>),
    Workflow(WorkflowOp, Reply<Option<WorkflowRecord>>),
    Claim(FiringClaim, Reply<Option<Vec<InstanceRef>>>),
    Send(Vec<NewMessage>, Reply<()>),
    Take(Take, Reply<Vec<Message>>),
    Settle(Vec<Settlement>, Reply<usize>),
    /// A node's heartbeat: alive until then.
    Heartbeat(String, Timestamp, Reply<()>),
    Orphans(Orphans, Reply<Vec<InstanceRow>>),
    Slots(SlotClaim, Reply<SlotGrant>),
    /// Ends every message lease.
    Release(Reply<u64>),
    /// Adds minute rollups (and their hours).
    Rollups(Vec<Rollup>, Reply<()>),
    /// Drops the rollups of buckets before then.
    Prune(Timestamp, Reply<u64>),
}

/// Taking orphans ([`crate::Store::take_orphans`]).
pub struct Orphans {
    pub node: String,
    pub now: Timestamp,
    pub limit: usize,
    pub own: bool,
}

/// Changes to workflow records.
pub enum WorkflowOp {
    /// Upsert; answers the stored record.
    Put(WorkflowRecord),
    /// Answers the deleted record, if there was one.
    Delete(String),
}

/// Taking messages ([`crate::Store::take_messages`]).
pub struct Take {
    pub queue: String,
    pub max: usize,
    pub now: Timestamp,
    pub lease_until: Timestamp,
}

/// An operation's answer, held until its transaction's fate is known.
pub enum Done {
    Commit(Reply<CommitResult>, Result<CommitResult, StoreError>),
    Create(
        Reply<Vec<InstanceRef>>,
        Result<Vec<InstanceRef>, StoreError>,
    ),
    Lease(Reply<Fence>, Result<Fence, StoreError>),
    Delete(Reply<bool>, Result<bool, StoreError>),
    Workflow(
        Reply<Option<WorkflowRecord>>,
        Result<Option<WorkflowRecord>, StoreError>,
    ),
    Claim(
        Reply<Option<Vec<InstanceRef>>>,
        Result<Option<Vec<InstanceRef>>, StoreError>,
    ),
    Send(Reply<()>, Result<(), StoreError>),
    Take(Reply<Vec<Message>>, Result<Vec<Message>, StoreError>),
    Settle(Reply<usize>, Result<usize, StoreError>),
    Heartbeat(Reply<()>, Result<(), StoreError>),
    Orphans(
        Reply<Vec<InstanceRow>>,
        Result<Vec<InstanceRow>, StoreError>,
    ),
    Slots(Reply<SlotGrant>, Result<SlotGrant, StoreError>),
    Release(Reply<u64>, Result<u64, StoreError>),
    Rollups(Reply<()>, Result<(), StoreError>),
    Prune(Reply<u64>, Result<u64, StoreError>),
}

impl Op {
    /// The answer of an operation that did not run (or whose transaction failed).
    pub fn fail(self, e: StoreError) -> Done {
        match self {
            Op::Commit(_, r) => Done::Commit(r, Err(e)),
            Op::Create(_, r) => Done::Create(r, Err(e)),
            Op::Lease(_, _, r) => Done::Lease(r, Err(e)),
            Op::Delete(_, r) => Done::Delete(r, Err(e)),
            Op::Workflow(_, r) => Done::Workflow(r, Err(e)),
            Op::Claim(_, r) => Done::Claim(r, Err(e)),
            Op::Send(_, r) => Done::Send(r, Err(e)),
            Op::Take(_, r) => Done::Take(r, Err(e)),
            Op::Settle(_, r) => Done::Settle(r, Err(e)),
            Op::Heartbeat(_, _, r) => Done::Heartbeat(r, Err(e)),
            Op::Orphans(_, r) => Done::Orphans(r, Err(e)),
            Op::Slots(_, r) => Done::Slots(r, Err(e)),
            Op::Release(r) => Done::Release(r, Err(e)),
            Op::Rollups(_, r) => Done::Rollups(r, Err(e)),
            Op::Prune(_, r) => Done::Prune(r, Err(e)),
        }
    }
}

impl Done {
    /// The same reply, failed (the transaction did not commit).
    pub fn fail(self, e: StoreError) -> Done {
        match self {
            Done::Commit(r, _) => Done::Commit(r, Err(e)),
            Done::Create(r, _) => Done::Create(r, Err(e)),
            Done::Lease(r, _) => Done::Lease(r, Err(e)),
            Done::Delete(r, _) => Done::Delete(r, Err(e)),
            Done::Workflow(r, _) => Done::Workflow(r, Err(e)),
            Done::Claim(r, _) => Done::Claim(r, Err(e)),
            Done::Send(r, _) => Done::Send(r, Err(e)),
            Done::Take(r, _) => Done::Take(r, Err(e)),
            Done::Settle(r, _) => Done::Settle(r, Err(e)),
            Done::Heartbeat(r, _) => Done::Heartbeat(r, Err(e)),
            Done::Orphans(r, _) => Done::Orphans(r, Err(e)),
            Done::Slots(r, _) => Done::Slots(r, Err(e)),
            Done::Release(r, _) => Done::Release(r, Err(e)),
            Done::Rollups(r, _) => Done::Rollups(r, Err(e)),
            Done::Prune(r, _) => Done::Prune(r, Err(e)),
        }
    }

    pub fn is_ok(&self) -> bool {
        match self {
            Done::Commit(_, r) => r.is_ok(),
            Done::Create(_, r) => r.is_ok(),
            Done::Lease(_, r) => r.is_ok(),
            Done::Delete(_, r) => r.is_ok(),
            Done::Workflow(_, r) => r.is_ok(),
            Done::Claim(_, r) => r.is_ok(),
            Done::Send(_, r) => r.is_ok(),
            Done::Take(_, r) => r.is_ok(),
            Done::Settle(_, r) => r.is_ok(),
            Done::Heartbeat(_, r) => r.is_ok(),
            Done::Orphans(_, r) => r.is_ok(),
            Done::Slots(_, r) => r.is_ok(),
            Done::Release(_, r) => r.is_ok(),
            Done::Rollups(_, r) => r.is_ok(),
            Done::Prune(_, r) => r.is_ok(),
        }
    }

    /// Sends the answer. A caller that stopped waiting is not an error.
    pub fn send(self) {
        match self {
            Done::Commit(r, v) => drop(r.send(v)),
            Done::Create(r, v) => drop(r.send(v)),
            Done::Lease(r, v) => drop(r.send(v)),
            Done::Delete(r, v) => drop(r.send(v)),
            Done::Workflow(r, v) => drop(r.send(v)),
            Done::Claim(r, v) => drop(r.send(v)),
            Done::Send(r, v) => drop(r.send(v)),
            Done::Take(r, v) => drop(r.send(v)),
            Done::Settle(r, v) => drop(r.send(v)),
            Done::Heartbeat(r, v) => drop(r.send(v)),
            Done::Orphans(r, v) => drop(r.send(v)),
            Done::Slots(r, v) => drop(r.send(v)),
            Done::Release(r, v) => drop(r.send(v)),
            Done::Rollups(r, v) => drop(r.send(v)),
            Done::Prune(r, v) => drop(r.send(v)),
        }
    }
}
