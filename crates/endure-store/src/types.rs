//! Rows, commits and errors of the storage interface.

pub use endure_model::analytics::{Granularity, Rollup};
use endure_model::{ErrorInfo, InstanceStatus, LogEvent, Timestamp, TriggerSource};
use serde_json::Value;

/// A store's handle on an instance (a surrogate key; ids are unique per workflow only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InstanceRef(pub i64);

/// A lease's fencing token: commits must carry the newest one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fence(pub u64);

/// An instance to create. Its log starts with `WORKFLOW_QUEUED`.
#[derive(Debug, Clone, PartialEq)]
pub struct NewInstance {
    pub workflow: String,
    pub id: String,
    pub params: Value,
    pub trigger: TriggerSource,
    pub version_id: String,
    pub created_at: Timestamp,
    /// The cron firing that created it (`event.schedule`).
    pub schedule: Option<endure_model::log::Schedule>,
    /// The node that will run it (the one that created it); `None`: any node may take it.
    pub owner: Option<String>,
}

/// The queryable facts of an instance.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceRow {
    pub instance: InstanceRef,
    pub workflow: String,
    pub id: String,
    pub status: InstanceStatus,
    pub params: Value,
    pub trigger: TriggerSource,
    pub version_id: String,
    pub created_at: Timestamp,
    pub started_at: Option<Timestamp>,
    pub ended_at: Option<Timestamp>,
    pub output: Option<Value>,
    pub error: Option<ErrorInfo>,
    /// When a waiting instance must be woken.
    pub wake_at: Option<Timestamp>,
    /// When the instance was paused.
    pub paused_at: Option<Timestamp>,
    pub fence: Fence,
    /// The node that runs it (or last ran it, or will): see [`crate::Store::take_orphans`].
    pub owner: Option<String>,
}

impl InstanceRow {
    pub fn summary(&self) -> endure_model::history::InstanceSummary {
        endure_model::history::InstanceSummary {
            id: self.id.clone(),
            workflow: self.workflow.clone(),
            status: self.status,
            params: self.params.clone(),
            trigger: self.trigger,
            version_id: self.version_id.clone(),
            created_at: self.created_at,
            started_at: self.started_at,
            ended_at: self.ended_at,
            output: self.output.clone(),
            error: self.error.clone(),
        }
    }
}

/// Changes to an instance row. `None` leaves a field alone; `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RowUpdate {
    pub status: Option<InstanceStatus>,
    pub started_at: Option<Option<Timestamp>>,
    pub ended_at: Option<Option<Timestamp>>,
    pub output: Option<Option<Value>>,
    pub error: Option<Option<ErrorInfo>>,
    pub wake_at: Option<Option<Timestamp>>,
    pub paused_at: Option<Option<Timestamp>>,
}

impl RowUpdate {
    pub fn status(status: InstanceStatus) -> RowUpdate {
        RowUpdate {
            status: Some(status),
            ..RowUpdate::default()
        }
    }
    pub fn is_empty(&self) -> bool {
        *self == RowUpdate::default()
    }
}

/// A log row to append (the store assigns its `seq`).
#[derive(Debug, Clone, PartialEq)]
pub struct NewLogRow {
    pub ts: Timestamp,
    pub event: LogEvent,
}

/// Everything that changes one instance, applied atomically.
#[derive(Debug, Clone, PartialEq)]
pub struct Commit {
    pub instance: InstanceRef,
    /// The lease this commit is made under; `None` for changes made while nobody runs the
    /// instance (the engine serialises those itself).
    pub fence: Option<Fence>,
    pub append: Vec<NewLogRow>,
    /// `seq`s of log rows to delete (restart).
    pub delete: Vec<u64>,
    pub update: RowUpdate,
    /// Succeed only if the instance's status is one of these (empty: any).
    pub expect_status: Vec<InstanceStatus>,
    /// Take the instance's lease in this commit: after the `fence` check (the token the caller
    /// read with the row), the token is bumped and the new one returned in
    /// [`CommitResult::fence`]. A run's start is then one commit instead of a lease and a commit.
    pub take_lease: bool,
    /// With `take_lease`: the node taking it, recorded as the instance's owner.
    pub owner: Option<String>,
}

impl Commit {
    pub fn new(instance: InstanceRef, fence: Option<Fence>) -> Commit {
        Commit {
            instance,
            fence,
            append: vec![],
            delete: vec![],
            update: RowUpdate::default(),
            expect_status: vec![],
            take_lease: false,
            owner: None,
        }
    }
    pub fn log(mut self, ts: Timestamp, event: LogEvent) -> Commit {
        self.append.push(NewLogRow { ts, event });
        self
    }
    pub fn update(mut self, update: RowUpdate) -> Commit {
        self.update = update;
        self
    }
    pub fn expect(mut self, statuses: &[InstanceStatus]) -> Commit {
        self.expect_status = statuses.to_vec();
        self
    }
    /// Takes the lease in this commit (see [`Commit::take_lease`]).
    pub fn lease(mut self) -> Commit {
        self.take_lease = true;
        self
    }
    /// Takes the lease in this commit for `node`, which becomes the instance's owner.
    pub fn lease_for(mut self, node: &str) -> Commit {
        self.take_lease = true;
        self.owner = Some(node.to_string());
        self
    }
}

/// What a durable commit produced: the `seq`s of the appended rows, in order, and the new
/// fencing token when the commit took the lease.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CommitResult {
    pub seqs: Vec<u64>,
    pub fence: Option<Fence>,
}

/// Which rollups [`crate::Store::query_rollups`] answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollupQuery {
    pub granularity: Granularity,
    /// Buckets that start at or after this time.
    pub from: Timestamp,
    /// Buckets that start at or before this time.
    pub to: Timestamp,
    /// Only these workflows (empty: every workflow).
    pub workflows: Vec<String>,
    /// Only these event types (empty: every type).
    pub event_types: Vec<String>,
    /// At most this many rows.
    pub limit: usize,
}

/// A page query over one workflow's instances: newest first, or oldest first if `ascending`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListQuery {
    pub workflow: String,
    pub status: Option<InstanceStatus>,
    /// Only instances after this one in the chosen order (cursor pagination).
    pub before: Option<InstanceRef>,
    /// Only instances created at or after this time.
    pub created_from: Option<Timestamp>,
    /// Only instances created at or before this time.
    pub created_to: Option<Timestamp>,
    /// Oldest first (and `before` then means "after").
    pub ascending: bool,
    pub limit: usize,
}

/// A workflow defined or changed through the API (`PUT …/workflows/{name}`): the registered
/// class it runs and its settings. Workflow code is registered by the process; a record binds a
/// name to it and survives restarts.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkflowRecord {
    pub name: String,
    pub class_name: String,
    pub script_name: String,
    /// The settings as the engine encodes them (opaque to the store).
    pub settings: Value,
    pub created_at: Timestamp,
    pub modified_at: Timestamp,
}

/// Storage failures.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("instance {workflow}/{id} already exists")]
    AlreadyExists { workflow: String, id: String },
    #[error("instance not found")]
    NotFound,
    #[error("the lease was taken over by another owner")]
    Fenced,
    #[error("the instance is {actual}, not in an expected status")]
    UnexpectedStatus {
        actual: endure_model::InstanceStatus,
    },
    #[error("the store is closed")]
    Closed,
    #[error("storage failure: {0}")]
    Backend(String),
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
}

/// A cron firing to claim ([`crate::Store::claim_firing`]).
#[derive(Debug, Clone, PartialEq)]
pub struct FiringClaim {
    /// What fires, unique per trigger: e.g. `workflow:<name>:<expression>`.
    pub trigger: String,
    /// The occurrence being fired.
    pub scheduled: Timestamp,
    /// Instances the firing creates, in the same transaction as the claim.
    pub create: Vec<NewInstance>,
    /// Messages the firing sends, in the same transaction as the claim.
    pub send: Vec<NewMessage>,
}

/// A message to put on a queue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMessage {
    pub queue: String,
    pub body: Vec<u8>,
    /// How `body` is encoded (`json`, `text`, `bytes`, `v8`): the front-end's business.
    pub content_type: String,
    /// Not delivered before this time (`delaySeconds`).
    pub visible_at: Timestamp,
    pub created_at: Timestamp,
}

/// A store's handle on a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MessageId(pub i64);

/// A message taken from a queue, leased to the taker until the lease's end.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub id: MessageId,
    pub queue: String,
    pub body: Vec<u8>,
    pub content_type: String,
    /// Deliveries so far, this one included (1 on the first).
    pub attempts: u32,
    pub created_at: Timestamp,
    /// The lease's token: a settlement must carry it, so a taker whose lease ran out cannot
    /// settle a message somebody else has taken since.
    pub lease: Fence,
}

/// What becomes of a taken message.
#[derive(Debug, Clone, PartialEq)]
pub enum Settle {
    /// Delivered: deleted.
    Ack,
    /// Delivered again, not before this time.
    Retry { visible_at: Timestamp },
    /// Moved to another queue (a dead-letter queue), its delivery count starting again.
    Move { queue: String },
}

/// A settlement of one taken message.
#[derive(Debug, Clone, PartialEq)]
pub struct Settlement {
    pub id: MessageId,
    pub lease: Fence,
    pub settle: Settle,
}
