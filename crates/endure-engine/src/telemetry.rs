//! What the engine reports as it records: every log entry of an instance, once it is durable,
//! with the reference's event type, the instance and step it belongs to, and how long what it
//! ends took. Metrics (Prometheus, the GraphQL dataset) are built on this by an observer the
//! embedder gives ([`crate::EngineBuilder::telemetry`]); the engine itself keeps nothing.

use endure_model::{LogEvent, Timestamp};

/// One recorded entry, reported after it is durable.
#[derive(Debug, Clone, Copy)]
pub struct Observation<'a> {
    pub workflow: &'a str,
    pub instance_id: &'a str,
    /// When it was recorded (the engine's clock).
    pub at: Timestamp,
    pub event: &'a LogEvent,
    /// How long what it ends took, in ms (an attempt, a step, a sleep, a wait, the run).
    pub wall_ms: Option<u64>,
    /// For a sleep that ended: how long after its wake-up time, in ms.
    pub late_ms: Option<u64>,
    /// For a step's events: the step's number within the instance (1-based, in start order).
    pub step_count: Option<usize>,
}

/// Receives observations. Called on the engine's tasks while they record: it must be quick and
/// must not block (count, add to a histogram, queue for later).
pub trait Telemetry: Send + Sync + 'static {
    fn observe(&self, o: &Observation<'_>);
}

/// Two observers told of the same observations.
pub(crate) struct Both(
    pub std::sync::Arc<dyn Telemetry>,
    pub std::sync::Arc<dyn Telemetry>,
);

impl Telemetry for Both {
    fn observe(&self, o: &Observation<'_>) {
        self.0.observe(o);
        self.1.observe(o);
    }
}
