//! Testing workflows: the reference's introspection API (`cloudflare:test`'s
//! `introspectWorkflowInstance` and `introspectWorkflow`) on the Rust API, over the in-memory
//! store and a manual clock, so a test of a workflow with a 30-day sleep and retries runs in
//! milliseconds.
//!
//! ```
//! use endure::prelude::*;
//! use endure::InstanceStatus;
//! use endure::testing::{StepRef, TestEnv};
//! use serde_json::{Value, json};
//!
//! struct Signup;
//!
//! impl Workflow for Signup {
//!     type Params = Value;
//!     type Output = Value;
//!     async fn run(&self, _e: WorkflowEvent<Value>, step: WorkflowStep) -> Result<Value, WorkflowError> {
//!         let user: Value = step.run("create user", |_| async { Ok(json!({"id": 7})) }).await?;
//!         step.sleep("trial", "30 days").await?;
//!         let _: Value = step.run("charge", |_| async { Ok(json!("real charge")) }).await?;
//!         Ok(user)
//!     }
//! }
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let env = TestEnv::start(|b| b.workflow("signup", Signup)).await.unwrap();
//! let signup = env.introspect_instance("signup", "u-1");
//! signup.modify(|m| {
//!     m.disable_sleeps(None);
//!     m.mock_step_result(StepRef::new("charge"), json!("mocked"))
//! }).await.unwrap();
//! env.engine.workflow("signup").unwrap()
//!     .create(CreateOptions::new().id("u-1")).await.unwrap();
//! assert_eq!(signup.wait_for_step_result(StepRef::new("charge")).await.unwrap(), json!("mocked"));
//! signup.wait_for_status(InstanceStatus::Complete).await.unwrap();
//! assert_eq!(signup.get_output().await.unwrap(), json!({"id": 7}));
//! # });
//! ```

use crate::{ApiError, Engine, EngineBuilder, ErrorCode, InstanceStatus, ManualClock, Timestamp};
use endure_engine::InstanceHandle;
use endure_model::ErrorInfo;
use endure_model::history::StepDoc;
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub use endure_engine::modifier::{Modifier, StepRef};

/// Where a test's engine starts its clock: 2026-01-01T00:00:00Z.
pub const START: Timestamp = Timestamp(1_767_225_600_000);

/// An engine on the in-memory store and a manual clock.
pub struct TestEnv {
    pub engine: Engine,
    pub clock: Arc<ManualClock>,
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidInput, message)
}

impl TestEnv {
    /// Starts an engine with the workflows `register` adds.
    pub async fn start(
        register: impl FnOnce(EngineBuilder) -> Result<EngineBuilder, ApiError>,
    ) -> Result<TestEnv, ApiError> {
        let clock = Arc::new(ManualClock::new(START));
        let store = Arc::new(endure_store::MemoryStore::new());
        let engine = register(EngineBuilder::new(store).clock(clock.clone()))?
            .start()
            .await?;
        Ok(TestEnv { engine, clock })
    }

    /// Moves the clock forward (timers, back-offs and time-outs due by then fire).
    pub fn advance(&self, ms: u64) {
        self.clock.advance(ms);
    }

    /// The introspector of one instance, before or after it is created
    /// (`introspectWorkflowInstance(binding, id)`).
    pub fn introspect_instance(&self, workflow: &str, id: &str) -> InstanceIntrospector {
        InstanceIntrospector {
            engine: self.engine.clone(),
            workflow: workflow.to_string(),
            id: id.to_string(),
            disposed: AtomicBool::new(false),
        }
    }

    /// A session over every instance of `workflow` created from now on
    /// (`introspectWorkflow(binding)`); one session per workflow at a time.
    pub fn introspect_workflow(&self, workflow: &str) -> Result<WorkflowIntrospector, ApiError> {
        self.engine
            .modifiers()
            .open_session(workflow, workflow)
            .map_err(invalid)?;
        Ok(WorkflowIntrospector {
            engine: self.engine.clone(),
            workflow: workflow.to_string(),
        })
    }
}

/// One instance under test.
pub struct InstanceIntrospector {
    engine: Engine,
    workflow: String,
    id: String,
    disposed: AtomicBool,
}

impl InstanceIntrospector {
    pub fn id(&self) -> &str {
        &self.id
    }

    fn live(&self) -> Result<(), ApiError> {
        if self.disposed.load(Ordering::SeqCst) {
            return Err(invalid("Workflow instance introspector has been disposed."));
        }
        Ok(())
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
        self.live()?;
        let m = self.engine.modifiers().of(&self.workflow, &self.id);
        change(&m).map_err(invalid)?;
        // Mocked events reach an instance that exists now; one created later gets them then.
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
        done: impl Fn(&endure_model::history::InstanceDetails) -> Option<Result<T, ApiError>>,
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

    /// The step's result, as soon as it is recorded (the workflow may go on); an error if the
    /// step fails. `step.do` steps only, as in the reference.
    pub async fn wait_for_step_result(&self, step: StepRef) -> Result<Value, ApiError> {
        self.watch(|d| {
            d.steps.iter().find_map(|s| match s {
                StepDoc::Step {
                    name,
                    count,
                    success,
                    output,
                    ..
                } if *name == step.name && *count == step.index => match success {
                    Some(true) => Some(Ok(output.clone())),
                    Some(false) => Some(Err(ApiError::new(ErrorCode::InvalidInput, "Step failed"))),
                    None => None,
                },
                _ => None,
            })
        })
        .await
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

    async fn status(&self) -> Result<endure_model::history::InstanceDetails, ApiError> {
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
        self.engine.modifiers().remove(&self.workflow, &self.id);
        if let Some(h) = self.handle().await? {
            let d = h.status().await?;
            if !matches!(
                d.status,
                InstanceStatus::Complete | InstanceStatus::Errored | InstanceStatus::Terminated
            ) {
                h.terminate().await?;
            }
            h.delete().await?;
        }
        Ok(())
    }
}

/// A workflow's introspection session.
pub struct WorkflowIntrospector {
    engine: Engine,
    workflow: String,
}

impl WorkflowIntrospector {
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

    /// Introspectors for the instances created since the session opened, in creation order.
    pub fn get(&self) -> Result<Vec<InstanceIntrospector>, ApiError> {
        let ids = self
            .engine
            .modifiers()
            .session_instances(&self.workflow)
            .map_err(invalid)?;
        Ok(ids
            .into_iter()
            .map(|id| InstanceIntrospector {
                engine: self.engine.clone(),
                workflow: self.workflow.clone(),
                id,
                disposed: AtomicBool::new(false),
            })
            .collect())
    }

    /// Closes the session and disposes of every instance it saw. Idempotent.
    pub async fn dispose(&self) -> Result<(), ApiError> {
        let ids = self.engine.modifiers().close_session(&self.workflow);
        for id in ids {
            let i = InstanceIntrospector {
                engine: self.engine.clone(),
                workflow: self.workflow.clone(),
                id,
                disposed: AtomicBool::new(false),
            };
            i.dispose().await?;
        }
        Ok(())
    }
}
