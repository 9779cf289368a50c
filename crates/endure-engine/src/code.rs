//! The interface between the engine and workflow code. The Rust SDK (`endure`) is one
//! front-end over it; the JavaScript front-end (ROADMAP stage 3) will be another. The engine
//! knows nothing about how the code is written: it calls [`WorkflowCode::run`] with the event
//! and a [`crate::Step`] handle, from the top, every time the instance (re)starts.

use crate::clock::BoxFuture;
use endure_model::{StepConfig, Timestamp, WorkflowError};
use serde_json::Value;

/// The event `run` receives (`WorkflowEvent`). Immutable: changes are not persisted.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkflowEvent {
    pub payload: Value,
    /// When the instance was created.
    pub timestamp: Timestamp,
    pub instance_id: String,
    pub workflow_name: String,
    /// Set for cron-triggered instances (a later stage).
    pub schedule: Option<Schedule>,
}

/// `event.schedule` of a cron-triggered instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub cron: String,
    pub scheduled_time: Timestamp,
}

/// `{name, count}` of the step context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepIdentity {
    pub name: String,
    pub count: u32,
}

/// What a step callback receives: its identity, the attempt number (1-based) and the resolved
/// configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct StepContext {
    pub step: StepIdentity,
    pub attempt: u32,
    pub config: StepConfig,
}

/// A step callback: called once per attempt.
pub type StepFn<'a> =
    Box<dyn FnMut(StepContext) -> BoxFuture<'a, Result<Value, WorkflowError>> + Send + 'a>;

/// Workflow code, as the engine sees it.
pub trait WorkflowCode: Send + Sync + 'static {
    /// Runs the workflow from the top. Steps already recorded return their recorded results.
    fn run(
        &self,
        event: WorkflowEvent,
        step: crate::Step,
    ) -> BoxFuture<'static, Result<Value, WorkflowError>>;
}

/// What a step's delay function receives after a failed attempt: the step, the attempt that
/// failed, the step's configuration, and the attempt's error.
#[derive(Debug, Clone, PartialEq)]
pub struct DelayContext {
    pub step: StepIdentity,
    pub attempt: u32,
    pub config: StepConfig,
    pub error: endure_model::ErrorInfo,
}

/// A step's delay function (`retries.delay` given as a function): the delay before the next
/// attempt, in milliseconds or as a duration string, run through the back-off formula; an
/// `Err` is the message of what it threw. It has 5 seconds (engine clock) to answer.
pub type DelayFn<'a> = Box<
    dyn FnMut(DelayContext) -> BoxFuture<'a, Result<endure_model::DurationInput, String>>
        + Send
        + 'a,
>;
