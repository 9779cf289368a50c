//! Introspection of instances under test (the reference's `introspectWorkflowInstance` and
//! `introspectWorkflow`): change how an instance's steps behave ([`Modifier`]), wait for a
//! step's result or a status, read the output or the error, and dispose of the instance. The
//! Rust test kit (`endure::testing`) and `endure test` (`cloudflare:test`) both use these.

use crate::binding::InstanceHandle;
use crate::engine::Engine;
use crate::modifier::{Modifier, StepRef};
use endure_model::StepKind;
use endure_model::history::{InstanceDetails, REDACTED, StepRecord, StepState};
use endure_model::{ApiError, ErrorCode, ErrorInfo, InstanceStatus};
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidInput, message)
}

/// Why [`InstanceIntrospector::wait_for_step_result`] found no result.
#[derive(Debug, Clone, PartialEq)]
pub enum StepWaitError {
    /// The step failed (the reference's `Step failed`).
    Failed,
    /// The engine or the introspector could not answer.
    Api(ApiError),
}

impl From<ApiError> for StepWaitError {
    fn from(e: ApiError) -> Self {
        StepWaitError::Api(e)
    }
}

/// One instance under test, before or after it is created.
pub struct InstanceIntrospector {
    engine: Engine,
    workflow: String,
    id: String,
    disposed: AtomicBool,
}

impl InstanceIntrospector {
    /// The introspector of instance `id` of `workflow`.
    pub fn new(engine: Engine, workflow: &str, id: &str) -> InstanceIntrospector {
        InstanceIntrospector {
            engine,
            workflow: workflow.to_string(),
            id: id.to_string(),
            disposed: AtomicBool::new(false),
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn workflow(&self) -> &str {
        &self.workflow
    }

    fn live(&self) -> Result<(), ApiError> {
        if self.disposed.load(Ordering::SeqCst) {
            return Err(invalid("Workflow instance introspector has been disposed."));
        }
        Ok(())
    }

    /// The instance's modifier (made on first use); an error once disposed.
    pub fn modifier(&self) -> Result<Arc<Modifier>, ApiError> {
        self.live()?;
        Ok(self.engine.modifiers().of(&self.workflow, &self.id))
    }

    /// Changes how the instance's steps behave (before it is created, or while it runs):
    /// [`Modifier::disable_sleeps`], [`Modifier::disable_retry_delays`],
    /// [`Modifier::mock_step_result`], [`Modifier::mock_step_error`],
    /// [`Modifier::force_step_timeout`], [`Modifier::mock_event`],
    /// [`Modifier::force_event_timeout`]. A misuse (a step mocked twice) is the error.
    pub async fn modify(
        &self,
        change: impl FnOnce(&Modifier) -> Result<(), String>,
    ) -> Result<(), ApiError> {
        let m = self.modifier()?;
        change(&m).map_err(invalid)?;
        self.deliver_mocked_events().await
    }

    /// Mocked events reach an instance that exists now; one created later gets them then.
    pub async fn deliver_mocked_events(&self) -> Result<(), ApiError> {
        if let Some(h) = self.handle().await? {
            h.deliver_mocked_events().await?;
        }
        Ok(())
    }

    async fn handle(&self) -> Result<Option<InstanceHandle>, ApiError> {
        match self.engine.workflow(&self.workflow)?.get(&self.id).await {
            Ok(h) => Ok(Some(h)),
            Err(e) if e.code == ErrorCode::InstanceNotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Waits (through hibernations and restarts of the run) until `done` says what to answer.
    async fn watch<T>(
        &self,
        done: impl Fn(&InstanceDetails) -> Option<Result<T, ApiError>>,
    ) -> Result<T, ApiError> {
        let mut changes = self.engine.changes();
        loop {
            self.live()?;
            if let Some(h) = self.handle().await? {
                let d = h.status().await?;
                if let Some(answer) = done(&d) {
                    return answer;
                }
            }
            if changes.changed().await.is_err() {
                return Err(ApiError::new(ErrorCode::ShuttingDown, "The engine stopped"));
            }
        }
    }

    /// The step's result as recorded (stored values keep their tags, so a JavaScript stream
    /// comes back a stream; a sensitive step's is `[REDACTED]`), as soon as it is recorded (the
    /// workflow may go on); an error if the step fails. `step.do` steps only, as in the
    /// reference.
    pub async fn wait_for_step_result(&self, step: StepRef) -> Result<Value, StepWaitError> {
        let mut changes = self.engine.changes();
        loop {
            self.live()?;
            if let Some(h) = self.handle().await? {
                let history = h.history().await?;
                let found = history.steps.iter().find(|s| {
                    s.key.kind == StepKind::Do
                        && s.key.name == step.name
                        && s.key.count == step.index
                });
                if let Some(StepRecord {
                    state:
                        StepState::Do {
                            outcome: Some(outcome),
                            config,
                            ..
                        },
                    ..
                }) = found
                {
                    return match outcome {
                        Ok(_) if config.is_sensitive() => Ok(Value::String(REDACTED.into())),
                        Ok(v) => Ok(v.clone()),
                        Err(_) => Err(StepWaitError::Failed),
                    };
                }
            }
            if changes.changed().await.is_err() {
                return Err(ApiError::new(ErrorCode::ShuttingDown, "The engine stopped").into());
            }
        }
    }

    /// Waits until the instance has `status`; an error once a final status makes it
    /// unreachable (the reference's message).
    pub async fn wait_for_status(&self, status: InstanceStatus) -> Result<(), ApiError> {
        if status == InstanceStatus::Queued {
            return Ok(());
        }
        let finals = [
            InstanceStatus::Complete,
            InstanceStatus::Errored,
            InstanceStatus::Terminated,
        ];
        let id = self.id.clone();
        self.watch(move |d| {
            if d.status == status {
                return Some(Ok(()));
            }
            if finals.contains(&status) && finals.contains(&d.status) {
                return Some(Err(invalid(format!(
                    "[WorkflowIntrospector] The Workflow instance {id} has reached status '{}'. This is a finite status that prevents it from ever reaching the expected status of '{status}'.",
                    d.status
                ))));
            }
            None
        })
        .await
    }

    /// The output of a complete instance.
    pub async fn get_output(&self) -> Result<Value, ApiError> {
        self.live()?;
        let d = self.status().await?;
        if d.status != InstanceStatus::Complete {
            return Err(invalid(format!(
                "Cannot retrieve output: Workflow instance is in status \"{}\" but must be \"complete\" to have an output available",
                d.status
            )));
        }
        Ok(d.output)
    }

    /// The error of an errored instance.
    pub async fn get_error(&self) -> Result<ErrorInfo, ApiError> {
        self.live()?;
        let d = self.status().await?;
        if d.status != InstanceStatus::Errored {
            return Err(invalid(format!(
                "Cannot retrieve error: Workflow instance is in status \"{}\" but must be \"errored\" to have error information available",
                d.status
            )));
        }
        d.error
            .ok_or_else(|| invalid("Cannot retrieve error: No workflow instance failure log found"))
    }

    async fn status(&self) -> Result<InstanceDetails, ApiError> {
        match self.handle().await? {
            Some(h) => h.status().await,
            None => Err(ApiError::instance_not_found(&self.id)),
        }
    }

    /// Ends the instance (terminated if it was still going) and removes it and its
    /// modifications. Idempotent.
    pub async fn dispose(&self) -> Result<(), ApiError> {
        if self.disposed.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        wipe(&self.engine, &self.workflow, &self.id).await
    }
}

/// Ends instance `id` of `workflow` (terminated if it was still going) and removes it and its
/// modifications; an instance that does not exist is no error.
pub async fn wipe(engine: &Engine, workflow: &str, id: &str) -> Result<(), ApiError> {
    engine.modifiers().remove(workflow, id);
    let h = match engine.workflow(workflow)?.get(id).await {
        Ok(h) => h,
        Err(e) if e.code == ErrorCode::InstanceNotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    let d = h.status().await?;
    if !d.status.is_finished() {
        match h.terminate().await {
            Ok(()) => {}
            // It finished meanwhile.
            Err(e) if e.code == ErrorCode::CannotTerminate => {}
            Err(e) => return Err(e),
        }
    }
    h.delete().await
}

/// A workflow's introspection session: changes for every instance created while it is open.
pub struct WorkflowIntrospector {
    engine: Engine,
    workflow: String,
}

impl WorkflowIntrospector {
    /// Opens the session of `workflow` (one at a time; `binding` names it in the error).
    pub fn open(engine: Engine, workflow: &str, binding: &str) -> Result<Self, ApiError> {
        engine
            .modifiers()
            .open_session(workflow, binding)
            .map_err(invalid)?;
        Ok(WorkflowIntrospector {
            engine,
            workflow: workflow.to_string(),
        })
    }

    /// The session of `workflow` opened earlier (by [`WorkflowIntrospector::open`]).
    pub fn attach(engine: Engine, workflow: &str) -> Self {
        WorkflowIntrospector {
            engine,
            workflow: workflow.to_string(),
        }
    }

    /// A change every instance created from now on gets (`modifyAll`).
    pub fn modify_all(
        &self,
        change: impl Fn(&Modifier) -> Result<(), String> + Send + Sync + 'static,
    ) -> Result<(), ApiError> {
        self.engine
            .modifiers()
            .modify_all(&self.workflow, Arc::new(change))
            .map_err(invalid)
    }

    /// The ids of the instances created since the session opened, in creation order.
    pub fn ids(&self) -> Result<Vec<String>, ApiError> {
        self.engine
            .modifiers()
            .session_instances(&self.workflow)
            .map_err(invalid)
    }

    /// Introspectors for the instances created since the session opened, in creation order.
    pub fn get(&self) -> Result<Vec<InstanceIntrospector>, ApiError> {
        Ok(self
            .ids()?
            .into_iter()
            .map(|id| InstanceIntrospector::new(self.engine.clone(), &self.workflow, &id))
            .collect())
    }

    /// Closes the session and disposes of every instance it saw. Idempotent.
    pub async fn dispose(&self) -> Result<(), ApiError> {
        let ids = self.engine.modifiers().close_session(&self.workflow);
        let mut first_error = None;
        for id in ids {
            // Every instance is attempted, even after one fails (as in the reference).
            if let Err(e) = wipe(&self.engine, &self.workflow, &id).await {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}
