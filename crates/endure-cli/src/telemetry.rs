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
