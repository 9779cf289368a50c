//! The engine: building it, registration, start-up recovery, and its public handle.

use crate::binding::WorkflowBinding;
use crate::clock::{Clock, SystemClock};
use crate::code::WorkflowCode;
use crate::consumers::{Consumer, ConsumerConfig, MessageHandler};
use crate::options::{EngineConfig, Target, Trigger, WorkflowOptions};
use crate::registry::{Registry, WorkflowDefinition, WorkflowInfo};
use crate::scheduler::Scheduler;
use crate::shared::{Shared, Slot, store_error};
use endure_model::cron::CronSchedule;
use endure_model::validate::is_valid_workflow_name;
use endure_model::{ApiError, ErrorCode};
use endure_store::{NewMessage, Store};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{Notify, watch};
use tokio::task::AbortHandle;

/// Most instances recovered at start-up (the rest by the node's later scans).
const RECOVER_AT_START: usize = 1 << 40;

/// Builds an [`Engine`]: a store, optionally a clock and settings, and the workflows.
pub struct EngineBuilder {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    config: EngineConfig,
    workflows: Registry,
    cron_triggers: Vec<Trigger>,
    consumers: Vec<Arc<Consumer>>,
    telemetry: Option<Arc<dyn crate::telemetry::Telemetry>>,
}

impl EngineBuilder {
    pub fn new(store: Arc<dyn Store>) -> EngineBuilder {
        EngineBuilder {
            store,
            clock: Arc::new(SystemClock),
            config: EngineConfig::default(),
            workflows: Registry::default(),
            cron_triggers: vec![],
            consumers: vec![],
            telemetry: None,
        }
    }

    /// Tells `observer` of every entry the engine records, once durable (metrics).
    pub fn telemetry(mut self, observer: Arc<dyn crate::telemetry::Telemetry>) -> Self {
        self.telemetry = Some(observer);
        self
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

    /// Adds a Worker cron trigger: each occurrence of `schedule` is claimed once (across
    /// restarts and processes sharing the store) and sends `{"cron", "scheduledTime"}` (JSON)
    /// to `queue`, where the code that runs the Worker's `scheduled` handler takes it.
    pub fn cron_trigger(mut self, schedule: CronSchedule, queue: &str) -> Self {
        let trigger = Trigger {
            schedule,
            target: Target::Queue(queue.to_string()),
        };
        if !self.cron_triggers.contains(&trigger) {
            self.cron_triggers.push(trigger);
        }
        self
    }

    /// Adds a queue consumer: batches of `config.queue`'s messages go to `handler`, each
    /// message settled as it answers (see [`MessageHandler`]). One consumer per queue.
    pub fn consumer(
        mut self,
        config: ConsumerConfig,
        handler: Arc<dyn MessageHandler>,
    ) -> Result<Self, ApiError> {
        if self
            .consumers
            .iter()
            .any(|c| c.config.queue == config.queue)
        {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!("queue \"{}\" has more than one consumer", config.queue),
            ));
        }
        self.consumers.push(Arc::new(Consumer { config, handler }));
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
        let since = self.clock.now().0;
        let rollups = self
            .config
            .analytics
            .then(|| Arc::new(crate::analytics::Rollups::default()));
        let observed = self.telemetry.is_some();
        let telemetry: Option<Arc<dyn crate::telemetry::Telemetry>> =
            match (self.telemetry, rollups.clone()) {
                (Some(t), Some(r)) => Some(Arc::new(crate::telemetry::Both(t, r))),
                (Some(t), None) => Some(t),
                (None, Some(r)) => Some(r),
                (None, None) => None,
            };
        let shared = Arc::new(Shared {
            store: self.store,
            clock: self.clock,
            scheduler: Scheduler::new(self.config.max_running, self.config.shared_store),
            config: self.config,
            workflows: self.workflows,
            slots: Mutex::new(HashMap::new()),
            changes,
            cron_triggers: self.cron_triggers,
            triggers_changed: Notify::new(),
            triggers_since: since.into(),
            messages_sent: Notify::new(),
            remote: Default::default(),
            telemetry,
            rollups,
            observed,
            modifiers: Default::default(),
            consumer_queues: self
                .consumers
                .iter()
                .map(|c| c.config.queue.clone())
                .collect(),
        });
        // What earlier lives of this node, and nodes that are gone, left queued, running or
        // pausing: this node takes and runs it.
        if shared.config.shared_store {
            // Announce this node first, so others do not take what it is about to adopt.
            let now = shared.clock.now();
            shared
                .store
                .heartbeat(
                    &shared.config.node_id,
                    now.plus_ms(crate::options::NODE_TTL_MS),
                )
                .await
                .map_err(store_error)?;
        }
        let leftovers = shared
            .store
            .take_orphans(
                &shared.config.node_id,
                shared.clock.now(),
                RECOVER_AT_START,
                true,
            )
            .await
            .map_err(store_error)?;
        crate::nodes::adopt(&shared, leftovers).await;
        // One process owns the store: the message leases it finds were an earlier life's, and
        // their batches died with it. Deliver them again now, not when the leases run out.
        if !shared.config.shared_store {
            shared
                .store
                .release_message_leases()
                .await
                .map_err(store_error)?;
        }
        let task = tokio::spawn(crate::dispatch::run(shared.clone()));
        shared.scheduler.add_task(task.abort_handle());
        let task = tokio::spawn(crate::triggers::run(shared.clone()));
        shared.scheduler.add_task(task.abort_handle());
        let task = tokio::spawn(crate::analytics::run(shared.clone()));
        shared.scheduler.add_task(task.abort_handle());
        if shared.config.shared_store {
            let task = tokio::spawn(crate::nodes::run(shared.clone()));
            shared.scheduler.add_task(task.abort_handle());
            // Listening before this returns: a control operation forwarded from now on arrives.
            if let Some(notices) = shared
                .store
                .listen(&shared.config.node_id)
                .await
                .map_err(store_error)?
            {
                let task = tokio::spawn(crate::inbox::run(shared.clone(), notices));
                shared.scheduler.add_task(task.abort_handle());
            }
        }
        for c in self.consumers {
            let task = tokio::spawn(crate::consumers::run(shared.clone(), c));
            shared.scheduler.add_task(task.abort_handle());
        }
        Ok(Engine { shared })
    }
}

/// A cron schedule and its next firing.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleInfo {
    pub schedule: endure_model::cron::CronSchedule,
    /// `None` if it never fires again.
    pub next: Option<endure_model::Timestamp>,
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
        self.shared.triggers_changed();
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
        self.shared.triggers_changed();
        Ok(existed)
    }

    /// A workflow's cron schedules and when each fires next (after now, by the engine's
    /// clock). Empty for a workflow without schedules or one this engine does not run.
    pub fn schedules(&self, name: &str) -> Vec<ScheduleInfo> {
        let now = self.shared.clock.now();
        self.shared
            .workflows
            .get(name)
            .map(|r| {
                r.options
                    .schedules
                    .into_iter()
                    .map(|s| ScheduleInfo {
                        next: s.next_after(now),
                        schedule: s,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Puts messages on queues (a Worker's queue producer binding), all or none; the queues'
    /// consumers are told.
    pub async fn send_messages(&self, batch: Vec<NewMessage>) -> Result<(), ApiError> {
        self.shared
            .store
            .send_messages(batch)
            .await
            .map_err(store_error)?;
        self.shared.messages_sent.notify_waiters();
        Ok(())
    }

    /// Changes as they are recorded: the value moves after every committed change (waiters look
    /// again when it does).
    pub fn changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.shared.changes.subscribe()
    }

    /// Test modifications of instances and introspection sessions (`crate::modifier`): what
    /// `endure::testing` and `endure test` drive.
    pub fn modifiers(&self) -> &crate::modifier::Modifiers {
        &self.shared.modifiers
    }

    /// Adds this process's pending analytics rollups to the store now (a query does this
    /// first; a process that stops gracefully should too).
    pub async fn flush_analytics(&self) -> Result<(), ApiError> {
        match &self.shared.rollups {
            Some(r) => crate::analytics::flush(&*self.shared.store, r)
                .await
                .map_err(store_error),
            None => Ok(()),
        }
    }

    /// The analytics rollups `query` selects, this process's pending ones included.
    pub async fn rollups(
        &self,
        query: &endure_store::RollupQuery,
    ) -> Result<Vec<endure_model::analytics::Rollup>, ApiError> {
        self.flush_analytics().await?;
        self.shared
            .store
            .query_rollups(query)
            .await
            .map_err(store_error)
    }

    /// The analytics dataset's rows of one instance (replayed from its log), oldest first;
    /// `None` if there is no such instance.
    pub async fn event_rows(
        &self,
        workflow: &str,
        id: &str,
    ) -> Result<Option<Vec<endure_model::analytics::EventRow>>, ApiError> {
        let store = &self.shared.store;
        let Some(row) = store
            .find_instance(workflow, id)
            .await
            .map_err(store_error)?
        else {
            return Ok(None);
        };
        let log = store.read_log(row.instance).await.map_err(store_error)?;
        Ok(Some(endure_model::analytics::event_rows(
            workflow, id, &log,
        )))
    }

    /// Events this process did not count into the analytics rollups because too many groups
    /// were pending (the store took none for a while).
    pub fn analytics_dropped(&self) -> u64 {
        self.shared.rollups.as_ref().map_or(0, |r| r.dropped())
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

    /// The queues this engine's consumers read (for their depth in metrics).
    pub fn consumer_queues(&self) -> Vec<String> {
        self.shared.consumer_queues.clone()
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
        let background = self.shared.scheduler.shutdown();
        let slots = std::mem::take(&mut *self.shared.slots());
        let mut tasks: Vec<AbortHandle> = background;
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
