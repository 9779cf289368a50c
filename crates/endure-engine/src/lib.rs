//! Endure's durable execution engine.
//!
//! Workflow code ([`WorkflowCode`]) is run from the top every time an instance starts or
//! wakes; each step call ([`Step`]) returns its recorded result if the instance's log has one
//! and otherwise does the work and records it. Waiting instances (sleep, retry back-off, event
//! wait) are not kept in memory: the engine records the wake-up time and drops the run; a
//! timer or an event starts it again and it replays to where it was.
//!
//! * [`Engine`] owns the store, the clock, the registered workflows and the scheduler.
//! * [`WorkflowBinding`] and [`InstanceHandle`] are the seeds' `Workflow` binding and
//!   `WorkflowInstance`.
//!
//! Architecture invariants: the engine reads time only through [`Clock`]; it knows nothing
//! about HTTP or how workflow code is written; every state change goes through the store
//! before it is reported.

mod binding;
pub mod clock;
mod code;
mod control;
mod driver;
mod engine;
mod live;
mod panic;
mod registry;
mod scheduler;
mod step;

pub use binding::{CreateOptions, InstanceHandle, StepSelector, WorkflowBinding};
pub use clock::{BoxFuture, Clock, ManualClock, SystemClock};
pub use code::{
    DelayContext, DelayFn, Schedule, StepContext, StepFn, StepIdentity, WorkflowCode, WorkflowEvent,
};
pub use engine::{DEFAULT_LIVE_WAIT_MS, Engine, EngineBuilder, EngineConfig, WorkflowOptions};
pub use live::RunHold;
pub use registry::{Retention, WorkflowDefinition, WorkflowInfo};
pub use step::Step;
