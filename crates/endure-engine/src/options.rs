//! Settings: the engine's and each workflow's.

use endure_model::cron::CronSchedule;
use endure_model::{Limits, Timestamp};

/// Engine-wide settings.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Most instances running at once; more are `queued`. Waiting instances do not count.
    pub max_running: usize,
    pub limits: Limits,
    /// This process's name in leases.
    pub node_id: String,
    /// Waits (retry back-offs, sleeps, event waits) that end within this many milliseconds
    /// keep the run live instead of hibernating it, so state in `run`'s variables survives a
    /// short retry as it does on Cloudflare. Longer waits hibernate. The row still says
    /// `waiting` (with its wake-up time, so a crash replays the run at the right moment).
    pub live_wait_ms: u64,
    /// Other processes share the store (PostgreSQL): this node beats its heartbeat into the
    /// store and takes over the instances of nodes whose heartbeat ran out
    /// (`crate::nodes`). `node_id` must then be unique per process.
    pub shared_store: bool,
    /// Count recorded events into the analytics rollups (`crate::analytics`; the GraphQL
    /// dataset). On by default.
    pub analytics: bool,
}

/// How often a node beats, and how long a beat keeps it alive (the time a dead node's
/// instances wait before another takes them over).
pub const HEARTBEAT_MS: u64 = 2_000;
pub const NODE_TTL_MS: u64 = 10_000;

/// Default [`EngineConfig::live_wait_ms`]: see ARCHITECTURE.md ("Short waits stay live").
pub const DEFAULT_LIVE_WAIT_MS: u64 = 5_000;

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            max_running: 1000,
            limits: Limits::default(),
            node_id: "local".into(),
            live_wait_ms: DEFAULT_LIVE_WAIT_MS,
            shared_store: false,
            analytics: true,
        }
    }
}

/// Per-workflow settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowOptions {
    /// `step.do` calls allowed per run (`limits.steps`).
    pub step_limit: u64,
    /// Reported as `versionId`.
    pub version_id: String,
    /// The code's class name (`class_name` in the API; `PUT …/workflows/{name}` binds names to
    /// classes). Empty: the workflow's name.
    pub class_name: String,
    /// The language the code is written in, as the versions API reports it (`rust`,
    /// `javascript`).
    pub language: String,
    /// Cron schedules: each firing creates an instance (`schedules` on a workflow binding).
    pub schedules: Vec<CronSchedule>,
}

impl Default for WorkflowOptions {
    fn default() -> Self {
        WorkflowOptions {
            step_limit: endure_model::limits::DEFAULT_STEP_LIMIT,
            version_id: "1".into(),
            class_name: String::new(),
            language: "rust".into(),
            schedules: vec![],
        }
    }
}

/// What a firing does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// Creates an instance of the workflow.
    Workflow(String),
    /// Sends `{cron, scheduledTime}` to the queue (a Worker's `scheduled` handler).
    Queue(String),
}

/// One trigger: an expression and what its firings do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Trigger {
    pub schedule: CronSchedule,
    pub target: Target,
}

impl Trigger {
    /// The trigger's key in the store: what fires, and the expression with its zone.
    pub fn key(&self) -> String {
        match &self.target {
            Target::Workflow(name) => format!("workflow:{name}:{}", self.schedule),
            Target::Queue(queue) => format!("cron:{queue}:{}", self.schedule),
        }
    }
}

/// The instance id of a schedule's firing: `<expression>-<scheduled time in ms>`, as
/// Cloudflare names them.
pub(crate) fn firing_id(expression: &str, at: Timestamp) -> String {
    format!("{expression}-{}", at.0)
}
