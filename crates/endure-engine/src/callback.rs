//! What step callbacks and delay functions receive and return: the types the step primitives
//! call workflow code with.

use crate::clock::BoxFuture;
use endure_model::{StepConfig, WorkflowError};
use serde_json::Value;

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
