//! The typed front-end over the engine's untyped [`endure_engine::WorkflowCode`].

use endure_engine::{BoxFuture, EngineBuilder, Step, StepContext, WorkflowCode, WorkflowOptions};
use endure_model::{ApiError, DurationInput, StepConfigInput, Timestamp, WorkflowError};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::future::Future;
use std::sync::Arc;

/// A workflow: typed params in, typed output out, steps in between.
pub trait Workflow: Send + Sync + 'static {
    type Params: DeserializeOwned + Send + 'static;
    type Output: Serialize + Send + 'static;

    /// Runs the workflow. Called from the top on every start, wake-up and restart.
    fn run(
        &self,
        event: WorkflowEvent<Self::Params>,
        step: WorkflowStep,
    ) -> impl Future<Output = Result<Self::Output, WorkflowError>> + Send;
}

/// The event `run` receives.
#[derive(Debug, Clone)]
pub struct WorkflowEvent<P> {
    pub payload: P,
    /// When the instance was created (for a cron firing: the time it was scheduled for).
    pub timestamp: Timestamp,
    pub instance_id: String,
    pub workflow_name: String,
    /// Set for instances a cron schedule created: the expression and the scheduled time.
    pub schedule: Option<endure_engine::Schedule>,
}

/// The seeds' `NonRetryableError`: the step fails at once, and, unless `run` handles it, the
/// instance ends `errored` with this name and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NonRetryableError {
    pub message: String,
}

impl NonRetryableError {
    pub fn new(message: impl Into<String>) -> Self {
        NonRetryableError {
            message: message.into(),
        }
    }
}

impl From<NonRetryableError> for WorkflowError {
    fn from(e: NonRetryableError) -> Self {
        WorkflowError::non_retryable(e.message)
    }
}

/// Options of [`WorkflowStep::wait_for_event`]: the event type and a time-out (24 hours when
/// absent, at most 365 days).
#[derive(Debug, Clone, PartialEq)]
pub struct WaitForEvent {
    pub event_type: String,
    pub timeout: Option<DurationInput>,
}

impl WaitForEvent {
    pub fn new(event_type: impl Into<String>) -> Self {
        WaitForEvent {
            event_type: event_type.into(),
            timeout: None,
        }
    }
    pub fn timeout(mut self, timeout: impl Into<DurationInput>) -> Self {
        self.timeout = Some(timeout.into());
        self
    }
}

/// An event received by [`WorkflowStep::wait_for_event`].
#[derive(Debug, Clone, PartialEq)]
pub struct Event<T> {
    pub event_type: String,
    pub payload: T,
    /// When it was sent.
    pub timestamp: Timestamp,
}

/// The `step` argument of `run`.
#[derive(Clone)]
pub struct WorkflowStep(Step);

fn to_value<T: Serialize>(v: &T) -> Result<Value, WorkflowError> {
    serde_json::to_value(v)
        .map_err(|e| WorkflowError::msg(format!("value is not serialisable: {e}")))
}

fn from_value<T: DeserializeOwned>(v: Value) -> Result<T, WorkflowError> {
    serde_json::from_value(v).map_err(|e| {
        WorkflowError::msg(format!(
            "recorded value does not fit the expected type: {e}"
        ))
    })
}

impl WorkflowStep {
    /// The engine's clock: compute `sleep_until` targets from this, never the wall clock.
    pub fn now(&self) -> Timestamp {
        self.0.now()
    }

    /// `step.do(name, callback)`, with the default configuration.
    pub fn run<'a, T, F, Fut>(
        &self,
        name: impl Into<String>,
        callback: F,
    ) -> impl Future<Output = Result<T, WorkflowError>> + Send + 'a
    where
        T: Serialize + DeserializeOwned + Send + 'a,
        F: FnMut(StepContext) -> Fut + Send + 'a,
        Fut: Future<Output = Result<T, WorkflowError>> + Send + 'a,
    {
        self.run_inner(name.into(), None, callback, None)
    }

    /// `step.do(name, config, callback)`.
    pub fn run_with<'a, T, F, Fut>(
        &self,
        name: impl Into<String>,
        config: StepConfigInput,
        callback: F,
    ) -> impl Future<Output = Result<T, WorkflowError>> + Send + 'a
    where
        T: Serialize + DeserializeOwned + Send + 'a,
        F: FnMut(StepContext) -> Fut + Send + 'a,
        Fut: Future<Output = Result<T, WorkflowError>> + Send + 'a,
    {
        self.run_inner(name.into(), Some(config), callback, None)
    }

    /// `step.do(name, {retries: {limit, delay: fn, backoff}}, callback)`: the delay before each
    /// retry comes from `delay`, asked after the failed attempt with its context and error. Its
    /// answer (milliseconds or a duration string) goes through the back-off formula; an `Err`
    /// (what it "threw") or an invalid answer fails the step for good with
    /// `NonRetryableDelayError`. It has 5 seconds to answer.
    pub fn run_with_delay<'a, T, F, Fut, D, DFut>(
        &self,
        name: impl Into<String>,
        limit: impl Into<endure_model::config::RetryLimit>,
        backoff: endure_model::config::Backoff,
        mut delay: D,
        callback: F,
    ) -> impl Future<Output = Result<T, WorkflowError>> + Send + 'a
    where
        T: Serialize + DeserializeOwned + Send + 'a,
        F: FnMut(StepContext) -> Fut + Send + 'a,
        Fut: Future<Output = Result<T, WorkflowError>> + Send + 'a,
        D: FnMut(endure_engine::DelayContext) -> DFut + Send + 'a,
        DFut: Future<Output = Result<DurationInput, String>> + Send + 'a,
    {
        let config = StepConfigInput::new()
            .retries(limit, endure_model::config::DYNAMIC_DELAY)
            .backoff(backoff);
        let delay: endure_engine::DelayFn<'a> =
            Box::new(move |ctx| Box::pin(delay(ctx)) as BoxFuture<'a, _>);
        self.run_inner(name.into(), Some(config), callback, Some(delay))
    }

    fn run_inner<'a, T, F, Fut>(
        &self,
        name: String,
        config: Option<StepConfigInput>,
        mut callback: F,
        delay: Option<endure_engine::DelayFn<'a>>,
    ) -> impl Future<Output = Result<T, WorkflowError>> + Send + 'a
    where
        T: Serialize + DeserializeOwned + Send + 'a,
        F: FnMut(StepContext) -> Fut + Send + 'a,
        Fut: Future<Output = Result<T, WorkflowError>> + Send + 'a,
    {
        let boxed: endure_engine::StepFn<'a> = Box::new(move |ctx| {
            let fut = callback(ctx);
            Box::pin(async move { to_value(&fut.await?) }) as BoxFuture<'a, _>
        });
        // The value goes through its recorded form on the first run too, so the first run and
        // a replay see the same thing.
        let call = self.0.do_step_with_delay(name, config, boxed, delay);
        async move { from_value(call.await?) }
    }

    /// `step.sleep(name, duration)`: `"20 seconds"`, milliseconds, or a `std::time::Duration`.
    pub fn sleep(
        &self,
        name: impl Into<String>,
        duration: impl Into<DurationInput>,
    ) -> impl Future<Output = Result<(), WorkflowError>> + Send + 'static {
        self.0.sleep(name, duration)
    }

    /// `step.sleepUntil(name, timestamp)`.
    pub fn sleep_until(
        &self,
        name: impl Into<String>,
        at: Timestamp,
    ) -> impl Future<Output = Result<(), WorkflowError>> + Send + 'static {
        self.0.sleep_until(name, at)
    }

    /// `step.waitForEvent(name, {type, timeout})`.
    pub fn wait_for_event<T: DeserializeOwned + Send + 'static>(
        &self,
        name: impl Into<String>,
        options: WaitForEvent,
    ) -> impl Future<Output = Result<Event<T>, WorkflowError>> + Send + 'static {
        let call = self
            .0
            .wait_for_event(name, options.event_type, options.timeout);
        async move {
            let e = call.await?;
            Ok(Event {
                event_type: e.event_type,
                payload: from_value(e.payload)?,
                timestamp: e.timestamp,
            })
        }
    }
}

struct Typed<W>(Arc<W>);

impl<W: Workflow> WorkflowCode for Typed<W> {
    fn run(
        &self,
        event: endure_engine::WorkflowEvent,
        step: Step,
    ) -> BoxFuture<'static, Result<Value, WorkflowError>> {
        let w = self.0.clone();
        Box::pin(async move {
            let payload: W::Params = serde_json::from_value(event.payload)
                .map_err(|e| WorkflowError::msg(format!("invalid params: {e}")))?;
            let typed = WorkflowEvent {
                payload,
                timestamp: event.timestamp,
                instance_id: event.instance_id,
                workflow_name: event.workflow_name,
                schedule: event.schedule,
            };
            let out = w.run(typed, WorkflowStep(step)).await?;
            to_value(&out)
        })
    }
}

/// Wraps a typed workflow as engine code.
pub fn code<W: Workflow>(workflow: W) -> Arc<dyn WorkflowCode> {
    Arc::new(Typed(Arc::new(workflow)))
}

/// Registers typed workflows on an [`EngineBuilder`].
pub trait EngineBuilderExt: Sized {
    /// Registers `workflow` under `name` with default options.
    fn workflow<W: Workflow>(self, name: &str, workflow: W) -> Result<Self, ApiError>;
    /// Registers `workflow` under `name` with options (step limit, version).
    fn workflow_with<W: Workflow>(
        self,
        name: &str,
        workflow: W,
        options: WorkflowOptions,
    ) -> Result<Self, ApiError>;
}

impl EngineBuilderExt for EngineBuilder {
    fn workflow<W: Workflow>(self, name: &str, workflow: W) -> Result<Self, ApiError> {
        self.workflow_with(name, workflow, WorkflowOptions::default())
    }
    fn workflow_with<W: Workflow>(
        self,
        name: &str,
        workflow: W,
        mut options: WorkflowOptions,
    ) -> Result<Self, ApiError> {
        if options.class_name.is_empty() {
            options.class_name = class_name::<W>();
        }
        self.register(name, code(workflow), options)
    }
}

/// A Rust workflow's class name: its type's name without the module path or generics
/// (`my_app::OrderWorkflow<T>` → `OrderWorkflow`).
fn class_name<W>() -> String {
    let full = std::any::type_name::<W>();
    let base = full.split('<').next().unwrap_or(full);
    base.rsplit("::").next().unwrap_or(base).to_string()
}
