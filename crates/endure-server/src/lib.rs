//! Endure's HTTP server: the REST API under `/client/v4/accounts/{account_id}/workflows`, with
//! Cloudflare's paths, bodies, envelope and status codes, so clients written for Cloudflare
//! Workflows work by changing the base URL.
//!
//! Architecture invariant: the only crate (with the CLI) that knows the wire format; the engine
//! below knows nothing about HTTP.

mod auth;
pub mod dashboard;
mod error;
mod graphql;
pub mod guard;
pub mod guide;
mod handlers;
pub mod limit;
pub mod listener;
pub mod metrics;
pub mod openapi;
pub mod request_log;

pub use error::ApiFailure;
pub use guard::Access;
pub use listener::ConnLimits;

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
    /// Instance-creation rate limit; `None` is unlimited.
    pub creation_limit: Option<std::sync::Arc<limit::RateLimit>>,
    /// Who may call: the `Host` and `Origin` checks.
    pub access: Access,
    /// Connection and body limits (the body time-out is applied per request).
    pub limits: ConnLimits,
    /// The process's metrics, served at `/_endure/metrics` (and `/metrics` without an app);
    /// `None`: not served.
    pub metrics: Option<std::sync::Arc<endure_metrics::Metrics>>,
    /// JavaScript isolates alive, for the metrics (a process that runs a Worker project).
    pub isolates: Option<fn() -> u64>,
}

impl ServerState {
    /// A server for `engine` listening on `bound`, without tokens or a creation limit, with
    /// the default connection limits.
    pub fn new(engine: Engine, bound: std::net::SocketAddr) -> ServerState {
        ServerState {
            started_on: engine.now().to_iso(),
            engine,
            tokens: Default::default(),
            creation_limit: None,
            access: Access::bound(bound),
            limits: ConnLimits::default(),
            metrics: None,
            isolates: None,
        }
    }
}

/// The REST API as a router (tests drive it without a socket; `serve` binds it).
pub fn router(state: ServerState) -> Router {
    router_with_app(state, None)
}

/// The REST API with an app beside it: every path outside `/client/v4/` and `/openapi.json`
/// goes to `app` (a Worker's `fetch` handler, or a Rust app's routes), without the API's token
/// check. Unknown API paths stay 404 in the API's envelope.
pub fn router_with_app(state: ServerState, app: Option<Router>) -> Router {
    // Built from the same table as the OpenAPI document.
    let mut by_path: std::collections::BTreeMap<String, axum::routing::MethodRouter<ServerState>> =
        Default::default();
    for op in openapi::OPERATIONS {
        let full = format!("{}{}", endure_api::BASE_PATH, op.path);
        let route = handler(op.id);
        let merged = match by_path.remove(&full) {
            Some(existing) => existing.merge(route),
            None => route,
        };
        by_path.insert(full, merged);
    }
    // Ids that are also fixed path segments: the fixed routes answer GET for those instances.
    for sub in ["batch", "terminate"] {
        let full = format!(
            "{}/{{workflow_name}}/instances/{sub}",
            endure_api::BASE_PATH
        );
        if let Some(existing) = by_path.remove(&full) {
            by_path.insert(full, existing.merge(handlers::get_instance_at(sub)));
        }
    }
    let mut api = Router::new();
    for (path, route) in by_path {
        api = api.route(&path, route);
    }
    let mut api = api
        .route("/client/v4/graphql", post(graphql::handle))
        .route(
            "/client/v4/{*rest}",
            axum::routing::any(handlers::not_found),
        )
        .route("/_endure/metrics", get(metrics::scrape));
    // `/metrics` too, unless a Worker (whose paths those are) sits beside the API.
    if app.is_none() {
        api = api.route("/metrics", get(metrics::scrape));
    }
    let api = api
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require_token,
        ))
        .route("/openapi.json", get(openapi_json))
        .route("/_endure", get(dashboard::to_index))
        .route("/_endure/", get(dashboard::index))
        .route("/_endure/app.js", get(dashboard::app))
        .route("/_endure/style.css", get(dashboard::style))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state.clone());
    let all = match app {
        Some(app) => api.fallback_service(app),
        None => api.fallback(handlers::not_found),
    };
    all.layer(axum::middleware::from_fn_with_state(state, guard::check))
        .layer(axum::middleware::from_fn(request_log::layer))
}

async fn openapi_json(
    axum::extract::State(state): axum::extract::State<ServerState>,
) -> axum::Json<serde_json::Value> {
    axum::Json(openapi::document_for(!state.tokens.is_empty()))
}

/// The handler of an operation of [`openapi::OPERATIONS`]. An id without a handler is a
/// programming error that every test building the router catches.
fn handler(id: &str) -> axum::routing::MethodRouter<ServerState> {
    match id {
        "listWorkflows" => get(handlers::list_workflows),
        "getWorkflow" => get(handlers::get_workflow),
        "putWorkflow" => axum::routing::put(handlers::put_workflow),
        "deleteWorkflow" => axum::routing::delete(handlers::delete_workflow),
        "listVersions" => get(handlers::list_versions),
        "getVersion" => get(handlers::get_version),
        "getVersionGraph" => get(handlers::version_graph),
        "listInstances" => get(handlers::list_instances),
        "createInstance" => post(handlers::create_instance),
        "createInstances" => post(handlers::create_batch),
        "deleteInstances" => post(handlers::delete_batch),
        "terminateInstances" => axum::routing::put(handlers::terminate_all),
        "getInstance" => get(handlers::get_instance),
        "getInstanceStep" => get(handlers::step_output),
        "changeInstanceStatus" => patch(handlers::change_status),
        "sendEvent" => post(handlers::send_event),
        other => panic!("operation {other} has no handler"),
    }
}

/// Serves `router` on `listener` with the default connection limits until the task is
/// dropped.
pub async fn serve(listener: tokio::net::TcpListener, router: Router) -> std::io::Result<()> {
    listener::serve(listener, router, ConnLimits::default()).await
}
