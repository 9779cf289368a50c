//! The interface between the engine and workflow code. The Rust SDK (`endure`) is one
//! front-end over it; the JavaScript front-end (ROADMAP stage 3) will be another. The engine
//! knows nothing about how the code is written: it calls [`WorkflowCode::run`] with the event
//! and a [`crate::Step`] handle, from the top, every time the instance (re)starts.

use crate::clock::BoxFuture;
use endure_model::{Timestamp, WorkflowError};
use serde_json::Value;

/// The event `run` receives (`WorkflowEvent`). Immutable: changes are not persisted.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkflowEvent {
    pub payload: Value,
    /// When the instance was created.
    pub timestamp: Timestamp,
    pub instance_id: String,
    pub workflow_name: String,
    /// Set for instances a cron schedule created.
    pub schedule: Option<Schedule>,
}

pub use endure_model::Schedule;

/// Workflow code, as the engine sees it.
pub trait WorkflowCode: Send + Sync + 'static {
    /// Runs the workflow from the top. Steps already recorded return their recorded results.
    fn run(
        &self,
        event: WorkflowEvent,
        step: crate::step::Step,
    ) -> BoxFuture<'static, Result<Value, WorkflowError>>;
}
