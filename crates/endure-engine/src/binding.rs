//! The binding API: the seeds' `Workflow` (create, createBatch, get) and `WorkflowInstance`
//! (id, status, pause, resume, terminate, restart, sendEvent).

use crate::commands::{ControlOp, StepSelector};
use crate::control::control;
use crate::shared::{Shared, store_error};
use endure_model::history::{History, InstanceDetails};
use endure_model::limits::MAX_BATCH_SIZE;
use endure_model::log::ReceivedEvent;
use endure_model::validate::{is_existing_instance_id, is_valid_event_type, is_valid_instance_id};
use endure_model::{ApiError, ErrorCode, InstanceStatus, TriggerSource};
use endure_store::{InstanceRef, NewInstance};
use serde_json::Value;
use std::sync::Arc;

/// Options of `create`: an id (a random UUID when absent) and params (`{}` when absent).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CreateOptions {
    pub id: Option<String>,
    pub params: Option<Value>,
}

impl CreateOptions {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }
    pub fn params(mut self, params: Value) -> Self {
        self.params = Some(params);
        self
    }
}

/// A workflow's binding (`env.MY_WORKFLOW`).
#[derive(Clone)]
pub struct WorkflowBinding {
    pub(crate) shared: Arc<Shared>,
    pub(crate) name: String,
}

impl WorkflowBinding {
    pub fn name(&self) -> &str {
        &self.name
    }

    fn validate(&self, opts: CreateOptions) -> Result<NewInstance, ApiError> {
        let id = opts.id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        if !is_valid_instance_id(&id) {
            return Err(ApiError::new(
                ErrorCode::InvalidInstanceId,
                "Workflow instance has invalid id",
            ));
        }
        let params = opts
            .params
            .unwrap_or_else(|| Value::Object(Default::default()));
        let size = serde_json::to_vec(&params)
            .map(|b| b.len())
            .unwrap_or(usize::MAX);
        let max = self.shared.config.limits.max_params_bytes;
        if size > max {
            return Err(ApiError::new(
                ErrorCode::PayloadTooLarge,
                format!("Instance params are {size} bytes; the limit is {max} bytes"),
            ));
        }
        let version_id = self
            .shared
            .workflows
            .get(&self.name)
            .map(|r| r.options.version_id)
            .unwrap_or_default();
        Ok(NewInstance {
            workflow: self.name.clone(),
            id,
            params,
            trigger: TriggerSource::Binding,
            version_id,
            created_at: self.shared.clock.now(),
            schedule: None,
            owner: Some(self.shared.config.node_id.clone()),
        })
    }

    /// Creates and queues an instance. A duplicate id is `instance.already_exists`.
    pub async fn create(&self, opts: CreateOptions) -> Result<InstanceHandle, ApiError> {
        Ok(self
            .create_with(vec![opts], TriggerSource::Binding)
            .await?
            .remove(0))
    }

    /// Creates 1 to 100 instances, all or none; every one is validated first.
    pub async fn create_batch(
        &self,
        batch: Vec<CreateOptions>,
    ) -> Result<Vec<InstanceHandle>, ApiError> {
        if batch.is_empty() || batch.len() > MAX_BATCH_SIZE {
            return Err(ApiError::new(
                ErrorCode::InvalidBatchSize,
                format!(
                    "createBatch takes 1 to {MAX_BATCH_SIZE} instances, got {}",
                    batch.len()
                ),
            ));
        }
        self.create_with(batch, TriggerSource::Binding).await
    }

    /// Creates instances with a given trigger source (the REST API passes `api`).
    pub async fn create_with(
        &self,
        batch: Vec<CreateOptions>,
        trigger: TriggerSource,
    ) -> Result<Vec<InstanceHandle>, ApiError> {
        let mut news = Vec::with_capacity(batch.len());
        for o in batch {
            let mut n = self.validate(o)?;
            n.trigger = trigger;
            news.push(n);
        }
        let ids: Vec<String> = news.iter().map(|n| n.id.clone()).collect();
        // An introspection session's changes reach each instance before it can run.
        self.shared
            .modifiers
            .creating(&self.name, &ids)
            .map_err(|m| ApiError::new(ErrorCode::InvalidInput, m))?;
        let queued = self.shared.queued_reports(&news);
        let refs = self
            .shared
            .store
            .create_instances(news)
            .await
            .map_err(store_error)?;
        self.shared.report_queued(&queued);
        let handles = refs
            .into_iter()
            .zip(ids)
            .map(|(instance, id)| {
                self.shared.scheduler.enqueue_new(instance);
                InstanceHandle {
                    shared: self.shared.clone(),
                    workflow: self.name.clone(),
                    id,
                    instance,
                }
            })
            .collect::<Vec<InstanceHandle>>();
        self.shared.bump();
        // Events a test mocked before the instance existed arrive now, as if sent.
        for h in &handles {
            h.deliver_mocked_events().await?;
        }
        Ok(handles)
    }

    /// The handle of an existing instance; `instance.not_found` otherwise.
    pub async fn get(&self, id: &str) -> Result<InstanceHandle, ApiError> {
        if !is_existing_instance_id(id) {
            return Err(ApiError::instance_not_found(id));
        }
        let row = self
            .shared
            .store
            .find_instance(&self.name, id)
            .await
            .map_err(store_error)?;
        let row = row.ok_or_else(|| ApiError::instance_not_found(id))?;
        Ok(InstanceHandle {
            shared: self.shared.clone(),
            workflow: self.name.clone(),
            id: row.id,
            instance: row.instance,
        })
    }
}

/// A handle on one instance (`WorkflowInstance`).
#[derive(Clone)]
pub struct InstanceHandle {
    shared: Arc<Shared>,
    workflow: String,
    id: String,
    instance: InstanceRef,
}

impl std::fmt::Debug for InstanceHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstanceHandle")
            .field("workflow", &self.workflow)
            .field("id", &self.id)
            .finish()
    }
}

impl InstanceHandle {
    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn workflow(&self) -> &str {
        &self.workflow
    }

    /// The status document: status, error, output, params, trigger, times and every step
    /// with its attempts.
    pub async fn status(&self) -> Result<InstanceDetails, ApiError> {
        let (row, log) = self.read().await?;
        Ok(InstanceDetails::build(
            &row.summary(),
            &History::from_log(&log),
        ))
    }

    /// The instance's log, folded: every step with its recorded result as stored (not as the
    /// status document shows it).
    pub async fn history(&self) -> Result<History, ApiError> {
        let (_, log) = self.read().await?;
        Ok(History::from_log(&log))
    }

    async fn read(
        &self,
    ) -> Result<(endure_store::InstanceRow, Vec<endure_model::LogEntry>), ApiError> {
        self.shared
            .store
            .read_instance(self.instance)
            .await
            .map_err(store_error)?
            .ok_or_else(|| ApiError::instance_not_found(&self.id))
    }

    /// Pauses: at once if the instance waits; once the running step ends otherwise
    /// (`waitingForPause` until then). No effect on queued, paused or finished instances.
    pub async fn pause(&self) -> Result<(), ApiError> {
        control(&self.shared, self.instance, &self.id, ControlOp::Pause).await
    }

    /// Resumes a paused instance, or cancels a pending pause. No effect otherwise.
    pub async fn resume(&self) -> Result<(), ApiError> {
        control(&self.shared, self.instance, &self.id, ControlOp::Resume).await
    }

    /// Terminates; `instance.cannot_terminate` if it already finished.
    pub async fn terminate(&self) -> Result<(), ApiError> {
        control(&self.shared, self.instance, &self.id, ControlOp::Terminate).await
    }

    /// Restarts from scratch (same id, params and `event.timestamp`), from any status.
    pub async fn restart(&self) -> Result<(), ApiError> {
        control(
            &self.shared,
            self.instance,
            &self.id,
            ControlOp::Restart(None),
        )
        .await?;
        self.redeliver_mocked_events().await
    }

    /// After a restart: a test's mocked events arrive again.
    async fn redeliver_mocked_events(&self) -> Result<(), ApiError> {
        if let Some(m) = self.shared.modifiers.get(&self.workflow, &self.id) {
            m.rewind_events();
            self.deliver_mocked_events().await?;
        }
        Ok(())
    }

    /// Restarts from a step: that step and every step started after it run again; steps
    /// before it keep their results. `instance.cannot_restart` if there is no such step.
    pub async fn restart_from(&self, from: StepSelector) -> Result<(), ApiError> {
        control(
            &self.shared,
            self.instance,
            &self.id,
            ControlOp::Restart(Some(from)),
        )
        .await?;
        self.redeliver_mocked_events().await
    }

    /// Deletes the instance and everything recorded about it, stopping it first if it runs.
    /// Its id can then be used again.
    pub async fn delete(&self) -> Result<(), ApiError> {
        control(&self.shared, self.instance, &self.id, ControlOp::Delete).await
    }

    /// Sends the events a test mocked for this instance (`crate::modifier`), once each.
    pub async fn deliver_mocked_events(&self) -> Result<(), ApiError> {
        let Some(m) = self.shared.modifiers.get(&self.workflow, &self.id) else {
            return Ok(());
        };
        for (event_type, payload) in m.take_events() {
            self.send_event(&event_type, payload).await?;
        }
        Ok(())
    }

    /// Sends an event. Buffered until a `wait_for_event` of that type consumes it; an error
    /// (`instance.not_running`) if the instance finished.
    pub async fn send_event(&self, event_type: &str, payload: Value) -> Result<(), ApiError> {
        if !is_valid_event_type(event_type) {
            return Err(ApiError::new(
                ErrorCode::InvalidEventType,
                "Event type must be 1 to 100 characters without control characters or '/'",
            ));
        }
        let size = serde_json::to_vec(&payload)
            .map(|b| b.len())
            .unwrap_or(usize::MAX);
        let max = self.shared.config.limits.max_event_payload_bytes;
        if size > max {
            return Err(ApiError::new(
                ErrorCode::PayloadTooLarge,
                format!("Event payload is {size} bytes; the limit is {max} bytes"),
            ));
        }
        let event = ReceivedEvent {
            event_type: event_type.to_string(),
            payload,
            timestamp: self.shared.clock.now(),
        };
        control(
            &self.shared,
            self.instance,
            &self.id,
            ControlOp::SendEvent(event),
        )
        .await
    }

    /// Waits until the status satisfies `done`, and returns the document then.
    pub async fn wait_for(
        &self,
        done: impl Fn(InstanceStatus) -> bool,
    ) -> Result<InstanceDetails, ApiError> {
        self.wait_until(|d| done(d.status)).await
    }

    /// Waits until the status document satisfies `done` (checked after every recorded change).
    pub async fn wait_until(
        &self,
        done: impl Fn(&InstanceDetails) -> bool,
    ) -> Result<InstanceDetails, ApiError> {
        let mut changes = self.shared.changes.subscribe();
        loop {
            let d = self.status().await?;
            if done(&d) {
                return Ok(d);
            }
            if changes.changed().await.is_err() {
                return Err(ApiError::new(ErrorCode::ShuttingDown, "The engine stopped"));
            }
        }
    }

    /// Waits for `complete`, `errored` or `terminated`.
    pub async fn wait_finished(&self) -> Result<InstanceDetails, ApiError> {
        self.wait_for(InstanceStatus::is_finished).await
    }
}
