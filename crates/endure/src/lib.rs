//! # Endure: durable workflows in Rust
//!
//! A workflow is ordinary async code made of named steps. Each step's result is persisted;
//! failed steps are retried with back-off; a workflow can sleep for a year or wait for an
//! outside event without holding memory; and it survives crashes and restarts by running
//! `run` again from the top, with recorded steps returning their recorded results.
//!
//! ```no_run
//! use endure::prelude::*;
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Deserialize)]
//! struct Params { name: String }
//!
//! #[derive(Serialize)]
//! struct Greeting { text: String }
//!
//! struct Greeter;
//!
//! impl Workflow for Greeter {
//!     type Params = Params;
//!     type Output = Greeting;
//!
//!     async fn run(&self, event: WorkflowEvent<Params>, step: WorkflowStep) -> Result<Greeting, WorkflowError> {
//!         // A step callback runs once per attempt: borrow what it needs (or clone inside it).
//!         let name = &event.payload.name;
//!         let upper: String = step.run("shout", move |_ctx| async move { Ok(name.to_uppercase()) }).await?;
//!         step.sleep("rest", "1 hour").await?;
//!         Ok(Greeting { text: format!("hello {upper}") })
//!     }
//! }
//! ```
//!
//! ## From the seeds to Rust
//!
//! | Cloudflare Workflows (JavaScript) | Endure (Rust) |
//! |---|---|
//! | `class MyWorkflow extends WorkflowEntrypoint` | `impl Workflow for MyWorkflow` |
//! | `async run(event, step)` | `async fn run(&self, event, step)` |
//! | `WorkflowEvent<T>`: `payload`, `timestamp`, `instanceId`, `workflowName` | [`WorkflowEvent<T>`]: `payload`, `timestamp`, `instance_id`, `workflow_name` |
//! | `step.do(name, callback)` | [`WorkflowStep::run`] |
//! | `step.do(name, config, callback)` | [`WorkflowStep::run_with`] |
//! | callback argument `{step: {name, count}, attempt, config}` | [`StepContext`]: `step.name`, `step.count`, `attempt`, `config` |
//! | `WorkflowStepConfig` `{retries: {limit, delay, backoff}, timeout}` | [`StepConfig`]`::new().retries(limit, delay).backoff(..).timeout(..)` |
//! | `retries: {limit, delay: ({ctx, error}) => …, backoff}` | [`WorkflowStep::run_with_delay`] (the function gets an `endure_engine::DelayContext`) |
//! | `limit: Infinity` | [`RetryLimit::Unlimited`] |
//! | `"constant" \| "linear" \| "exponential"` | [`Backoff`] |
//! | `step.sleep(name, duration)` | [`WorkflowStep::sleep`] |
//! | `step.sleepUntil(name, date)` | [`WorkflowStep::sleep_until`] |
//! | `step.waitForEvent(name, {type, timeout})` | [`WorkflowStep::wait_for_event`] with [`WaitForEvent`] |
//! | `WorkflowDuration` (`"5 seconds"`, ms number) | anything `Into<`[`DurationInput`]`>`: `"5 seconds"`, `5000u64`, `std::time::Duration` |
//! | `throw new NonRetryableError(msg)` | `return Err(NonRetryableError::new(msg).into())` |
//! | a thrown error (`name`, `message`) | [`WorkflowError`] (`name`, `message`) |
//! | `env.MY_WORKFLOW` (binding) | [`WorkflowBinding`] from [`Engine::workflow`] |
//! | `create({id, params})`, `createBatch([...])`, `get(id)` | [`WorkflowBinding::create`], [`WorkflowBinding::create_batch`], [`WorkflowBinding::get`] with [`CreateOptions`] |
//! | `instance.id`, `status()`, `pause()`, `resume()`, `terminate()`, `restart()` | [`InstanceHandle::id`], [`InstanceHandle::status`], `pause`, `resume`, `terminate`, `restart` |
//! | `restart({from: {name, count, type}})` | [`InstanceHandle::restart_from`] with [`StepSelector`] |
//! | `sendEvent({type, payload})` | [`InstanceHandle::send_event`] |
//!
//! `retries.limit` counts **retries**: a step makes at most `limit + 1` attempts
//! (`limit: 0` is one attempt). Defaults: 5 retries, 10 seconds, exponential; 10 minutes per
//! attempt.
//!
//! ## Rules of workflows
//! * Code outside steps runs again on every replay: put side effects and anything
//!   non-deterministic (time, randomness, I/O) inside steps.
//! * Call steps in a deterministic order. Steps started together (`tokio::join!`) are fine:
//!   each call takes its identity when it is made.
//! * Outside steps, await only steps: the engine drops the run whenever only waits remain.

mod sdk;
pub mod testing;

pub use endure_engine::{
    Clock, CreateOptions, DEFAULT_LIVE_WAIT_MS, Engine, EngineBuilder, EngineConfig,
    FORWARD_TIMEOUT_MS, HEARTBEAT_MS, InstanceHandle, ManualClock, NODE_TTL_MS, Observation,
    Schedule, ScheduleInfo, StepContext, StepIdentity, StepSelector, SystemClock, Telemetry,
    WorkflowBinding, WorkflowOptions,
};
pub use endure_model::StepConfigInput as StepConfig;
pub use endure_model::config::{Backoff, RetryLimit};
pub use endure_model::cron::{CronSchedule, InvalidCron};
pub use endure_model::history::{InstanceDetails, StepDoc};
pub use endure_model::{
    ApiError, DurationInput, ErrorCode, ErrorInfo, InstanceStatus, Limits, StepKind, Timestamp,
    WorkflowError,
};
pub use sdk::{
    EngineBuilderExt, Event, NonRetryableError, WaitForEvent, Workflow, WorkflowEvent,
    WorkflowStep, code,
};

/// Everything a workflow author needs.
pub mod prelude {
    pub use crate::{
        Backoff, CreateOptions, EngineBuilderExt, Event, NonRetryableError, RetryLimit, StepConfig,
        StepContext, WaitForEvent, Workflow, WorkflowError, WorkflowEvent, WorkflowStep,
    };
}

/// The README's Rust example compiles (checked by `cargo test --doc`).
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
