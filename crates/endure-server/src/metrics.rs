//! `GET /_endure/metrics` (and `/metrics` when no Worker sits beside the API): the process's
//! Prometheus metrics, with what the store and the scheduler say now. Behind the API's token.

use crate::{ApiFailure, ServerState};
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use endure_metrics::Snapshot;

/// Reads the instance counts of every workflow, the run queues and the consumers' queue depths,
/// and renders the metrics.
pub async fn scrape(State(state): State<ServerState>) -> Result<Response, ApiFailure> {
    let Some(metrics) = state.metrics.clone() else {
        return Err(crate::handlers::not_found().await);
    };
    let engine = &state.engine;
    let store = engine.store();
    let mut snapshot = Snapshot::default();
    for workflow in engine.workflow_names() {
        let counts = store
            .count_by_status(&workflow)
            .await
            .map_err(ApiFailure::storage)?;
        for (status, n) in counts {
            snapshot
                .instances
                .push((workflow.clone(), status.to_string(), n));
        }
    }
    for queue in engine.consumer_queues() {
        let n = store
            .queue_depth(&queue)
            .await
            .map_err(ApiFailure::storage)?;
        snapshot.queues.push((queue, n));
    }
    snapshot.running = engine.running() as u64;
    let (woken, new) = engine.queued();
    snapshot.queued_woken = woken as u64;
    snapshot.queued_new = new as u64;
    snapshot.isolates = state.isolates.map(|f| f());
    let text = metrics.render(&snapshot);
    Ok(([(CONTENT_TYPE, endure_metrics::CONTENT_TYPE)], text).into_response())
}
