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

// Imports run one way: `options`, `commands`, `clock`, `telemetry`, `analytics`, `modifier` (leaves) ← `callback`, `panic`, `commits`,
// `scheduler`, `live` ← `step` ← `code` ← `registry` ← `shared` ← `remote` ← `control` ←
// `driver` ← `nodes` ← `dispatch`, `triggers`, `consumers`, `inbox` ← `binding` ← `engine` ← `introspect`.
pub mod analytics;
mod binding;
mod callback;
pub mod clock;
mod code;
mod commands;
mod commits;
mod consumers;
mod control;
mod dispatch;
mod driver;
mod engine;
mod inbox;
pub mod introspect;
mod live;
pub mod modifier;
mod nodes;
mod options;
mod panic;
mod registry;
mod remote;
mod scheduler;
mod shared;
mod step;
pub mod telemetry;
mod triggers;

pub use binding::{CreateOptions, InstanceHandle, WorkflowBinding};
pub use callback::{DelayContext, DelayFn, StepContext, StepFn, StepIdentity};
pub use clock::{BoxFuture, Clock, ManualClock, SystemClock};
pub use code::{Schedule, WorkflowCode, WorkflowEvent};
pub use commands::StepSelector;
pub use consumers::{CONSUMER_LEASE_MS, ConsumerConfig, Delivery, MessageHandler, Verdict};
pub use endure_store::NewMessage;
pub use engine::{Engine, EngineBuilder, ScheduleInfo};
pub use live::RunHold;
pub use options::{DEFAULT_LIVE_WAIT_MS, EngineConfig, HEARTBEAT_MS, NODE_TTL_MS, WorkflowOptions};
pub use registry::{Retention, WorkflowDefinition, WorkflowInfo};
pub use remote::FORWARD_TIMEOUT_MS;
pub use step::Step;
pub use telemetry::{Observation, Telemetry};
