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

use crate::{ApiError, Engine, EngineBuilder, ManualClock, Timestamp};
use std::sync::Arc;

pub use endure_engine::introspect::{InstanceIntrospector, StepWaitError, WorkflowIntrospector};
pub use endure_engine::modifier::{Modifier, StepRef};

/// Where a test's engine starts its clock: 2026-01-01T00:00:00Z.
pub const START: Timestamp = Timestamp(1_767_225_600_000);

/// An engine on the in-memory store and a manual clock.
pub struct TestEnv {
    pub engine: Engine,
    pub clock: Arc<ManualClock>,
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
        InstanceIntrospector::new(self.engine.clone(), workflow, id)
    }

    /// A session over every instance of `workflow` created from now on
    /// (`introspectWorkflow(binding)`); one session per workflow at a time.
    pub fn introspect_workflow(&self, workflow: &str) -> Result<WorkflowIntrospector, ApiError> {
        WorkflowIntrospector::open(self.engine.clone(), workflow, workflow)
    }
}
