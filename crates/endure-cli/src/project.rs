//! A Worker project served by `endure dev [DIR]` and `endure serve --project DIR`: its
//! workflows registered with the engine, its `fetch` handler answering every path outside the
//! REST API.

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use endure_js::{HttpRequest, Project};
use std::sync::Arc;

/// Largest request body the handler receives (the HTTP guard refuses larger ones first).
const MAX_BODY: usize = endure_server::guard::APP_MAX_BODY_BYTES;

/// The project's `fetch` handler as a router for every path; with `test_scheduled`,
/// wrangler's test routes for cron triggers first.
pub fn app(project: Arc<Project>, test_scheduled: bool) -> Router {
    let mut r = Router::new();
    if test_scheduled {
        r = r
            .route("/__scheduled", axum::routing::get(scheduled))
            .route("/cdn-cgi/handler/scheduled", axum::routing::get(scheduled));
    }
    r.fallback(handle).with_state(project)
}

#[derive(Debug, serde::Deserialize)]
struct ScheduledQuery {
    #[serde(default)]
    cron: String,
    /// The `scheduledTime` to pass, ms since the epoch (default: now).
    time: Option<String>,
}

/// `GET /__scheduled?cron=…[&time=…]`: runs the `scheduled` handler once, as wrangler's
/// `--test-scheduled` does (not a firing: nothing is claimed or retried).
async fn scheduled(
    State(p): State<Arc<Project>>,
    axum::extract::Query(q): axum::extract::Query<ScheduledQuery>,
) -> Response {
    let time = match q.time.as_deref() {
        None | Some("") => p.now().0,
        Some(t) => match t.parse::<u64>() {
            Ok(t) => t,
            Err(_) => return plain(400, "time must be milliseconds since the epoch"),
        },
    };
    match endure_js::scheduled::run(p, &q.cron, time).await {
        endure_js::scheduled::Outcome::Ran => plain(200, "Ran scheduled event"),
        endure_js::scheduled::Outcome::NoHandler => {
            plain(404, "The default export has no scheduled() handler")
        }
        endure_js::scheduled::Outcome::Threw { message, .. } => plain(500, &message),
    }
}

async fn handle(State(p): State<Arc<Project>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => return plain(413, "Request body too large"),
    };
    let host = parts
        .headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_string();
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let headers = parts
        .headers
        .iter()
        .map(|(k, v)| (k.to_string(), String::from_utf8_lossy(v.as_bytes()).into()))
        .collect();
    let r = endure_js::fetch::handle(
        p,
        HttpRequest {
            method: parts.method.to_string(),
            url: format!("http://{host}{path}"),
            headers,
            body: (!bytes.is_empty()).then(|| bytes.to_vec()),
        },
    )
    .await;
    let mut resp = Response::builder().status(r.status);
    for (k, v) in r.headers {
        resp = resp.header(k, v);
    }
    resp.body(Body::from(r.body))
        .unwrap_or_else(|_| plain(500, "Internal Server Error"))
}

fn plain(status: u16, text: &str) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "text/plain;charset=UTF-8")
        .body(Body::from(format!("{text}\n")))
        .unwrap_or_default()
}

/// Outbound rewrites from `ENDURE_OUTBOUND`: `FROM=TO[,FROM=TO…]` URL prefixes, so a project
/// that calls outside services can run against local stand-ins unchanged.
pub fn outbound_from_env() -> Vec<(String, String)> {
    std::env::var("ENDURE_OUTBOUND")
        .unwrap_or_default()
        .split(',')
        .filter_map(|pair| {
            let (a, b) = pair.split_once('=')?;
            Some((a.trim().to_string(), b.trim().to_string()))
        })
        .filter(|(a, _)| !a.is_empty())
        .collect()
}

/// Loads and checks the project in `dir`, printing configuration it ignores once. Returns it
/// with the names its main module exports.
pub async fn load(
    dir: &std::path::Path,
    limits: endure_js::Limits,
    state_dir: &std::path::Path,
) -> anyhow::Result<(Arc<Project>, Vec<String>)> {
    let extra_ca_certs = match std::env::var_os("ENDURE_EXTRA_CA_CERTS") {
        Some(path) => endure_js::http::pem_certificates(std::path::Path::new(&path))
            .map_err(|e| anyhow::anyhow!("ENDURE_EXTRA_CA_CERTS: {e}"))?,
        None => vec![],
    };
    let p = Project::load(
        dir,
        endure_js::RunOptions {
            outbound: outbound_from_env(),
            limits,
            state_dir: Some(state_dir.to_path_buf()),
            extra_ca_certs,
            max_run_isolates: positive_env("ENDURE_MAX_RUN_ISOLATES")?.unwrap_or(0),
            runs_per_isolate: positive_env("ENDURE_RUNS_PER_ISOLATE")?.unwrap_or(0),
            testing: false,
        },
    )?;
    let exports = p.check().await?;
    for u in &p.config.unserved {
        eprintln!(
            "note: {}: binding {} is a {} binding: {}; using it throws",
            p.config.path.display(),
            u.binding,
            u.kind,
            u.why
        );
    }
    for i in &p.config.ignored {
        eprintln!(
            "note: {}: {i} is not supported by Endure and is ignored",
            p.config.path.display()
        );
    }
    Ok((p, exports))
}

/// A positive integer from the environment variable `name`, if it is set.
pub(crate) fn positive_env(name: &str) -> anyhow::Result<Option<usize>> {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .map(Some)
            .ok_or_else(|| anyhow::anyhow!("{name}: not a positive integer: {v:?}")),
        Err(_) => Ok(None),
    }
}
