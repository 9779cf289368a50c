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

/// The observer every engine of this process reports to: the metrics, the log lines operators
/// want (attempt, step, wait and instance failures; ends at `debug`), and OpenTelemetry traces
/// when the standard `OTEL_EXPORTER_OTLP_*` variables name a collector. A bad OTLP setting is
/// an error here, at start-up.
pub fn observer() -> anyhow::Result<Arc<dyn endure::Telemetry>> {
    Ok(Arc::new(Tee(metrics(), traces()?)))
}

#[cfg(feature = "otlp")]
type Traces = Option<Arc<endure_otlp::Exporter>>;
#[cfg(not(feature = "otlp"))]
type Traces = Option<std::convert::Infallible>;

/// This process's trace exporter, started on first use (on the caller's runtime).
#[cfg(feature = "otlp")]
fn traces() -> anyhow::Result<Traces> {
    static TRACES: OnceLock<Traces> = OnceLock::new();
    if let Some(t) = TRACES.get() {
        return Ok(t.clone());
    }
    let node =
        std::env::var("ENDURE_NODE_ID").unwrap_or_else(|_| format!("pid-{}", std::process::id()));
    let config = endure_otlp::OtlpConfig::from_env(|k| std::env::var(k).ok(), &node)?;
    Ok(TRACES
        .get_or_init(|| config.map(endure_otlp::start))
        .clone())
}

#[cfg(not(feature = "otlp"))]
fn traces() -> anyhow::Result<Traces> {
    if std::env::var_os("OTEL_EXPORTER_OTLP_ENDPOINT").is_some()
        || std::env::var_os("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").is_some()
    {
        anyhow::bail!(
            "this endure was built without the `otlp` feature: traces cannot be exported"
        );
    }
    Ok(None)
}

/// Where traces go, for the banner (`None`: nowhere).
pub fn traces_url() -> Option<String> {
    #[cfg(feature = "otlp")]
    {
        let node = String::new();
        endure_otlp::OtlpConfig::from_env(|k| std::env::var(k).ok(), &node)
            .ok()
            .flatten()
            .map(|c| c.traces_url)
    }
    #[cfg(not(feature = "otlp"))]
    None
}

struct Tee(Arc<Metrics>, Traces);

impl endure::Telemetry for Tee {
    fn observe(&self, o: &endure::Observation<'_>) {
        self.0.observe(o);
        #[cfg(feature = "otlp")]
        if let Some(t) = &self.1 {
            t.observe(o);
        }
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
