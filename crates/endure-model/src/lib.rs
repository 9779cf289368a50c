//! Endure's shared vocabulary. Pure data and pure functions: no I/O, no clock, no async.
//!
//! * [`duration`]: the seed duration strings (`"5 seconds"`, `"1 year"`) and milliseconds.
//! * [`cron`]: cron expressions of workflow schedules and cron triggers, and their occurrences.
//! * [`config`]: step configuration (retries, back-off, timeout), defaults and the retry formula.
//! * [`validate`]: instance ids, workflow names, step names, event types.
//! * [`status`]: instance statuses and trigger sources.
//! * [`error`]: error names and messages of the reference engine, and the API error codes.
//! * [`log`]: the per-instance append-only log (the journal) that every store persists.
//! * [`history`]: folding a log into the status document (`status()` / REST `GET instance`).
//! * [`time`]: millisecond timestamps and their ISO-8601 form.
//! * [`analytics`]: the GraphQL dataset's event rows (replayed from a log) and rollups.

pub mod analytics;
pub mod config;
pub mod cron;
pub mod display;
pub mod duration;
pub mod error;
pub mod history;
pub mod limits;
pub mod log;
pub mod status;
pub mod time;
pub mod validate;

pub use config::{Backoff, RetriesInput, RetryLimit, StepConfig, StepConfigInput};
pub use duration::{DurationInput, parse_duration_ms};
pub use error::{ApiError, ErrorCode, ErrorInfo, WorkflowError};
pub use limits::Limits;
pub use log::{LogEntry, LogEvent, Schedule, StepKey, StepKind};
pub use status::{InstanceStatus, TriggerSource};
pub use time::Timestamp;
