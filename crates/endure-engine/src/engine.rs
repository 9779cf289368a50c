//! The engine: configuration, registration, start-up recovery and shared state.

use crate::binding::WorkflowBinding;
use crate::clock::{Clock, SystemClock};
use crate::code::WorkflowCode;
use crate::driver::Command;
use crate::registry::{Registry, WorkflowDefinition, WorkflowInfo};
use crate::scheduler::Scheduler;
use endure_model::validate::is_valid_workflow_name;
use endure_model::{ApiError, ErrorCode, InstanceStatus, Limits};
use endure_store::{InstanceRef, Store, StoreError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::AbortHandle;

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
}

/// Default [`EngineConfig::live_wait_ms`]: see ARCHITECTURE.md ("Short waits stay live").
pub const DEFAULT_LIVE_WAIT_MS: u64 = 5_000;

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            max_running: 1000,
            limits: Limits::default(),
            node_id: "local".into(),
            live_wait_ms: DEFAULT_LIVE_WAIT_MS,
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
}

impl Default for WorkflowOptions {
    fn default() -> Self {
        WorkflowOptions {
            step_limit: endure_model::limits::DEFAULT_STEP_LIMIT,
            version_id: "1".into(),
            class_name: String::new(),
            language: "rust".into(),
        }
    }
}

/// Who may touch an instance right now.
pub(crate) enum Slot {
    /// A driver runs it; commands go to the driver.
    Live(mpsc::UnboundedSender<Command>, AbortHandle),
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
}

impl Shared {
    pub fn slots(&self) -> std::sync::MutexGuard<'_, HashMap<InstanceRef, Slot>> {
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn bump(&self) {
        self.changes.send_modify(|v| *v = v.wrapping_add(1));
    }
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

/// Builds an [`Engine`]: a store, optionally a clock and settings, and the workflows.
pub struct EngineBuilder {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    config: EngineConfig,
    workflows: Registry,
}

impl EngineBuilder {
    pub fn new(store: Arc<dyn Store>) -> EngineBuilder {
        EngineBuilder {
            store,
            clock: Arc::new(SystemClock),
            config: EngineConfig::default(),
            workflows: Registry::default(),
        }
    }

    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    pub fn config(mut self, config: EngineConfig) -> Self {
        self.config = config;
        self
    }

    /// Registers workflow code under a name (1 to 64 of `[a-zA-Z0-9_-]`, not starting with `-`).
    /// A name can be registered once.
    pub fn register(
        mut self,
        name: &str,
        code: Arc<dyn WorkflowCode>,
        mut options: WorkflowOptions,
    ) -> Result<Self, ApiError> {
        if !is_valid_workflow_name(name) {
            return Err(ApiError::new(
                ErrorCode::InvalidWorkflowName,
                format!("Workflow name \"{name}\" is invalid"),
            ));
        }
        if options.class_name.is_empty() {
            options.class_name = name.to_string();
        }
        if self.workflows.contains(name) {
            return Err(ApiError::new(
                ErrorCode::InvalidWorkflowName,
                format!("Workflow name \"{name}\" is registered twice"),
            ));
        }
        self.workflows.register(name, code, options);
        Ok(self)
    }

    /// Starts the engine: applies workflow definitions stored through
    /// [`Engine::put_workflow`], recovers instances left running, queued or pausing by an
    /// earlier process, and starts the scheduler. Sleeping instances wake from their recorded
    /// times.
    pub async fn start(self) -> Result<Engine, ApiError> {
        self.workflows
            .load(self.store.workflows().await.map_err(store_error)?);
        let (changes, _) = watch::channel(0);
        let shared = Arc::new(Shared {
            store: self.store,
            clock: self.clock,
            scheduler: Scheduler::new(self.config.max_running),
            config: self.config,
            workflows: self.workflows,
            slots: Mutex::new(HashMap::new()),
            changes,
        });
        let leftovers = shared
            .store
            .instances_in(&[
                InstanceStatus::Running,
                InstanceStatus::WaitingForPause,
                InstanceStatus::Queued,
            ])
            .await
            .map_err(store_error)?;
        for row in leftovers {
            match row.status {
                // It was running when the last process stopped: it goes first.
                InstanceStatus::Running => {
                    shared.scheduler.enqueue_wake(row.instance);
                }
                InstanceStatus::Queued => shared.scheduler.enqueue_new(row.instance),
                // A pause was pending: nothing runs it now, so it is paused.
                _ => crate::control::finish_pending_pause(&shared, &row)
                    .await
                    .map_err(store_error)?,
            }
        }
        let task = tokio::spawn(crate::scheduler::run(shared.clone()));
        shared.scheduler.set_task(task.abort_handle());
        Ok(Engine { shared })
    }
}

/// The engine. Clones share it.
#[derive(Clone)]
pub struct Engine {
    pub(crate) shared: Arc<Shared>,
}

impl Engine {
    /// The binding for a registered workflow (the seeds' `env.MY_WORKFLOW`).
    pub fn workflow(&self, name: &str) -> Result<WorkflowBinding, ApiError> {
        if !self.shared.workflows.contains(name) {
            return Err(ApiError::new(
                ErrorCode::WorkflowNotFound,
                format!("Workflow \"{name}\" not found"),
            ));
        }
        Ok(WorkflowBinding {
            shared: self.shared.clone(),
            name: name.to_string(),
        })
    }

    /// Names of the workflows this engine runs, sorted.
    pub fn workflow_names(&self) -> Vec<String> {
        self.shared.workflows.names()
    }

    /// The options runs of a workflow use.
    pub fn workflow_options(&self, name: &str) -> Option<WorkflowOptions> {
        self.shared.workflows.get(name).map(|r| r.options)
    }

    /// Everything the engine knows about a workflow name.
    pub fn workflow_info(&self, name: &str) -> Option<WorkflowInfo> {
        self.shared.workflows.info(name)
    }

    /// Defines or changes a workflow (`PUT …/workflows/{name}`): binds `name` to a registered
    /// class and sets its step limit and retention. Stored before it applies, so it
    /// survives restarts. A name registered by code keeps its class; instances already running
    /// pick the new step limit up at their next start.
    pub async fn put_workflow(
        &self,
        name: &str,
        def: WorkflowDefinition,
    ) -> Result<WorkflowInfo, ApiError> {
        if !is_valid_workflow_name(name) {
            return Err(ApiError::new(
                ErrorCode::InvalidWorkflowName,
                format!("Workflow name \"{name}\" is invalid"),
            ));
        }
        let rec = self
            .shared
            .workflows
            .record_for(name, &def, self.shared.clock.now())?;
        let stored = self
            .shared
            .store
            .put_workflow(rec)
            .await
            .map_err(store_error)?;
        self.shared.workflows.apply(stored);
        self.shared
            .workflows
            .info(name)
            .ok_or_else(|| ApiError::new(ErrorCode::Storage, "the definition did not apply"))
    }

    /// Removes a workflow's stored definition: a name registered by code goes back to the
    /// code's settings, a name defined only through the API is gone. Instances are untouched
    /// (delete them first). `false` if there was no definition.
    pub async fn delete_workflow_definition(&self, name: &str) -> Result<bool, ApiError> {
        let existed = self
            .shared
            .store
            .delete_workflow(name)
            .await
            .map_err(store_error)?;
        self.shared.workflows.remove_record(name);
        Ok(existed)
    }

    /// The store the engine runs on.
    pub fn store(&self) -> Arc<dyn Store> {
        self.shared.store.clone()
    }

    /// Now, by the engine's clock.
    pub fn now(&self) -> endure_model::Timestamp {
        self.shared.clock.now()
    }

    /// How many instances are running in this process now.
    pub fn running(&self) -> usize {
        self.shared.scheduler.running()
    }

    /// How many instances wait in this process's run queues: (resuming — woken, resumed or
    /// recovered — which go first, newly created).
    pub fn queued(&self) -> (usize, usize) {
        self.shared.scheduler.queued()
    }

    /// Stops the scheduler and every run at once, as a crash would: nothing more is written.
    /// A new engine on the same store carries on from what was recorded.
    ///
    /// Returns once every task of this engine has ended: a run that was in the middle of a poll
    /// when it was cancelled finishes that poll first, and could otherwise still commit (it is
    /// fenced out of the store by the next lease either way).
    pub async fn shutdown(&self) {
        let scheduler = self.shared.scheduler.shutdown();
        let slots = std::mem::take(&mut *self.shared.slots());
        let mut tasks: Vec<AbortHandle> = scheduler.into_iter().collect();
        for (_, slot) in slots {
            if let Slot::Live(_, abort) = slot {
                abort.abort();
                tasks.push(abort);
            }
        }
        while !tasks.iter().all(AbortHandle::is_finished) {
            tokio::task::yield_now().await;
        }
    }
}
