//! The process's metrics: one [`Metrics`] that every engine of this process reports to, and
//! that the servers render at `/_endure/metrics`.

use endure_metrics::Metrics;
use std::sync::{Arc, OnceLock};

/// This process's metrics.
pub fn metrics() -> Arc<Metrics> {
    static METRICS: OnceLock<Arc<Metrics>> = OnceLock::new();
    METRICS.get_or_init(|| Arc::new(Metrics::new())).clone()
}

/// Serves this process's metrics (and, with a Worker project, its live isolates) from `state`.
pub fn serve_metrics(state: &mut endure_server::ServerState) {
    state.metrics = Some(metrics());
    #[cfg(feature = "js")]
    {
        state.isolates = Some(endure_js::isolate::live);
    }
}

/// The observer every engine of this process reports to: the metrics, and the log lines
/// operators want (attempt, step, wait and instance failures; ends at `debug`).
pub fn observer() -> std::sync::Arc<dyn endure::Telemetry> {
    std::sync::Arc::new(Tee(metrics()))
}

struct Tee(Arc<Metrics>);

impl endure::Telemetry for Tee {
    fn observe(&self, o: &endure::Observation<'_>) {
        self.0.observe(o);
        log(o);
    }
}

/// Logs what an operator looks for: failures (with the error), terminations, and at `debug`
/// every run's end.
fn log(o: &endure::Observation<'_>) {
    use endure_model::LogEvent as E;
    let (workflow, instance_id) = (o.workflow, o.instance_id);
    let step = o.event.key().map(|k| k.name.as_str()).unwrap_or("");
    match o.event {
        E::AttemptFailure { attempt, error, .. } => tracing::info!(
            target: "endure::run", workflow, instance_id, step, attempt,
            error = %error.message, "attempt failed"
        ),
        E::StepFailure { error, .. } | E::WaitTimedOut { error, .. } => tracing::warn!(
            target: "endure::run", workflow, instance_id, step,
            error = %error.message, "step failed"
        ),
        E::WorkflowFailure { error } => tracing::warn!(
            target: "endure::run", workflow, instance_id,
            error = %error.message, "instance errored"
        ),
        E::WorkflowTerminated => {
            tracing::info!(target: "endure::run", workflow, instance_id, "instance terminated")
        }
        E::WorkflowSuccess { .. } => tracing::debug!(
            target: "endure::run", workflow, instance_id, ms = o.wall_ms, "instance complete"
        ),
        _ => {}
    }
}
