//! Endure's HTTP server: the REST API under `/client/v4/accounts/{account_id}/workflows`, with
//! Cloudflare's paths, bodies, envelope and status codes, so clients written for Cloudflare
//! Workflows work by changing the base URL.
//!
//! Architecture invariant: the only crate (with the CLI) that knows the wire format; the engine
//! below knows nothing about HTTP.

mod auth;
mod error;
pub mod guide;
mod handlers;

pub use error::ApiFailure;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, patch, post};
use endure_engine::Engine;

/// Largest request body accepted, in bytes (params and payloads are limited to 1 MiB by the
/// engine; the rest is room for the JSON around them).
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// Server settings.
#[derive(Clone)]
pub struct ServerState {
    pub engine: Engine,
    /// When the server started (ISO-8601), reported as workflows' `created_on`.
    pub started_on: String,
    /// API tokens; empty means no authentication (`endure dev` on loopback).
    pub tokens: std::sync::Arc<Vec<String>>,
}

/// The REST API as a router (tests drive it without a socket; `serve` binds it).
pub fn router(state: ServerState) -> Router {
    let p = |rest: &str| format!("{}{rest}", endure_api::BASE_PATH);
    Router::new()
        .route(&p(""), get(handlers::list_workflows))
        .route(
            &p("/{workflow_name}"),
            get(handlers::get_workflow).delete(handlers::delete_workflow),
        )
        .route(
            &p("/{workflow_name}/instances"),
            get(handlers::list_instances).post(handlers::create_instance),
        )
        .route(
            &p("/{workflow_name}/instances/batch"),
            post(handlers::create_batch),
        )
        .route(
            &p("/{workflow_name}/instances/batch/delete"),
            post(handlers::delete_batch),
        )
        .route(
            &p("/{workflow_name}/instances/terminate"),
            axum::routing::put(handlers::terminate_all),
        )
        .route(
            &p("/{workflow_name}/instances/{instance_id}/step"),
            get(handlers::step_output),
        )
        .route(
            &p("/{workflow_name}/instances/{instance_id}"),
            get(handlers::get_instance),
        )
        .route(
            &p("/{workflow_name}/instances/{instance_id}/status"),
            patch(handlers::change_status),
        )
        .route(
            &p("/{workflow_name}/instances/{instance_id}/events/{event_type}"),
            post(handlers::send_event),
        )
        .fallback(handlers::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require_token,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// Serves `router` on `listener` until the task is dropped.
pub async fn serve(listener: tokio::net::TcpListener, router: Router) -> std::io::Result<()> {
    axum::serve(listener, router).await
}
