//! The project's `fetch` handler (its default export), called once per HTTP request, with `env`
//! holding the workflow bindings and `vars`. As on Cloudflare, an isolate that answered a
//! request stays warm for the next one (its modules loaded and evaluated, its module state
//! kept); isolates of workflow runs are never reused.

use crate::isolate;
use crate::project::Project;
use serde_json::{Value, json};
use std::sync::Arc;

/// An HTTP request for the handler.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    pub method: String,
    /// The full URL (`http://127.0.0.1:8787/path?query`).
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

/// The handler's response.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The project has no `fetch` handler (static assets then answer as configured).
    pub no_handler: bool,
}

impl HttpResponse {
    fn error(status: u16, text: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: vec![("content-type".into(), "text/plain;charset=UTF-8".into())],
            body: format!("{text}\n").into_bytes(),
            no_handler: false,
        }
    }
}

/// How long a handler's isolate may keep working after its response (`ctx.waitUntil`).
const WAIT_UNTIL_LIMIT: std::time::Duration = std::time::Duration::from_secs(30);

/// Runs the project's `fetch` handler for one request. The isolate lives on after the response
/// while `ctx.waitUntil` promises (or the calls they make) are unsettled, for up to 30 s.
pub async fn handle(p: Arc<Project>, req: HttpRequest) -> HttpResponse {
    // Static assets answer first, unless `run_worker_first` sends the path to the Worker.
    let assets = p.config.assets.clone();
    let path = crate::assets::url_path(&req.url).to_string();
    if let Some(a) = &assets
        && !a.worker_first(&path)
    {
        let inm = req
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("if-none-match"))
            .map(|(_, v)| v.clone());
        if let Some(r) = a.lookup(&req.method, &path, inm.as_deref()) {
            return r;
        }
        // A single-page application answers a browser's navigations itself; other requests
        // that match no file go on to the Worker.
        let navigation = req.headers.iter().any(|(k, v)| {
            k.eq_ignore_ascii_case("sec-fetch-mode") && v.eq_ignore_ascii_case("navigate")
        });
        if navigation && a.not_found_handling == crate::assets::NotFound::SinglePageApplication {
            return a.not_found(&req.method, &path);
        }
    }
    let method = req.method.clone();
    let r = run_worker(p, req).await;
    match (&assets, r.no_handler) {
        // No Worker to ask: what `not_found_handling` says.
        (Some(a), true) => a.not_found(&method, &path),
        _ => r,
    }
}

/// A call through a service binding to one of this project's entrypoints: `fetch` (a request
/// to it, answered as a response) or an RPC method (`{ok, value | error}`). Each call gets its
/// own isolate, as a request does.
pub async fn service(p: Arc<Project>, m: &Value) -> Result<Value, endure_model::WorkflowError> {
    let binding = m["binding"].as_str().unwrap_or("");
    let entrypoint = p.config.resources.iter().find_map(|r| match r {
        crate::config::ResourceBinding::Service {
            binding: b,
            entrypoint,
        } if b == binding => Some(entrypoint.clone()),
        _ => None,
    });
    let Some(entrypoint) = entrypoint else {
        return Err(endure_model::WorkflowError::new(
            "TypeError",
            format!("no service binding {binding}"),
        ));
    };
    let message = if m["method"] == "fetch" {
        json!({
            "op": "fetch", "entrypoint": entrypoint, "method": m["httpMethod"], "url": m["url"],
            "headers": m["headers"], "body": m["body"],
        })
    } else {
        json!({"op": "rpc", "entrypoint": entrypoint, "method": m["method"], "args": m["args"]})
    };
    let origin = format!("service {binding}");
    let r = run_message(p, message, origin).await;
    if m["method"] == "fetch" {
        return Ok(json!({
            "status": r.status,
            "headers": r.headers,
            "body": crate::base64::encode(&r.body),
        }));
    }
    serde_json::from_slice(&r.body)
        .map_err(|_| endure_model::WorkflowError::new("Error", "the service call did not answer"))
}

async fn run_worker(p: Arc<Project>, req: HttpRequest) -> HttpResponse {
    let origin = format!("fetch {} {}", req.method, req.url);
    let message = json!({
        "op": "fetch",
        "method": req.method,
        "url": req.url,
        "headers": req.headers,
        "body": req.body.as_deref().map(crate::base64::encode),
    });
    run_message(p, message, origin).await
}

/// Runs one `fetch` or `rpc` message on a warm isolate, or a fresh one, and returns what it
/// answers.
pub(crate) async fn run_message(p: Arc<Project>, message: Value, origin: String) -> HttpResponse {
    let (generation, warm) = p.warm.take();
    let iso = match warm {
        Some(iso) => iso,
        None => match p.start_isolate() {
            Ok(i) => i,
            Err(e) => {
                eprintln!("[error] fetch: cannot start a JavaScript isolate: {e}");
                return HttpResponse::error(500, "Internal Server Error");
            }
        },
    };
    iso.send(&message);
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(serve(p, iso, generation, origin, tx));
    rx.await
        .unwrap_or_else(|_| HttpResponse::error(500, "Internal Server Error"))
}

/// The request's message loop: answers the isolate's calls, hands the response over when it
/// comes, then carries on until the isolate has nothing left to do, and keeps it warm. An
/// isolate that failed (a limit, a fatal error, `waitUntil` work past its time) is dropped.
async fn serve(
    p: Arc<Project>,
    mut iso: isolate::Isolate,
    generation: u64,
    origin: String,
    respond: tokio::sync::oneshot::Sender<HttpResponse>,
) {
    use futures_util::StreamExt;
    let mut respond = Some(respond);
    let mut answer = |r: HttpResponse| {
        if let Some(tx) = respond.take() {
            let _ = tx.send(r);
        }
    };
    let mut pending: futures_util::stream::FuturesUnordered<
        endure_engine::BoxFuture<'static, (u64, Result<Value, endure_model::WorkflowError>)>,
    > = futures_util::stream::FuturesUnordered::new();
    let to_js = iso.sender();
    let mut responded_at: Option<tokio::time::Instant> = None;
    let mut held: Option<HttpResponse> = None;
    loop {
        let deadline = responded_at.map(|t| t + WAIT_UNTIL_LIMIT);
        tokio::select! {
            msg = iso.from_js.recv() => {
                let Some(out) = msg else {
                    answer(held.take().unwrap_or_else(|| HttpResponse::error(500, "Internal Server Error")));
                    return;
                };
                // A request's isolate runs no workflow: it sends no run messages.
                let Some(m) = out.into_json() else { continue };
                if let Some(call) = crate::bridge::host_call(&p, &m) {
                    let id = m["id"].as_u64().unwrap_or(0);
                    pending.push(Box::pin(async move { (id, call.await) }));
                    continue;
                }
                match m["op"].as_str().unwrap_or("") {
                    "turn" => {
                        let idle = m["received"].as_u64().unwrap_or(0) >= to_js.sent()
                            && m["timers"] != Value::Bool(true)
                            && m["pending"].as_f64().unwrap_or(0.0) == 0.0
                            && pending.is_empty();
                        // The response is handed over after the turn that made it, so that an
                        // isolate with nothing left to do is back among the warm ones before
                        // the client can send its next request.
                        if responded_at.is_some() && idle {
                            p.warm.keep(generation, iso);
                            if let Some(r) = held.take() {
                                answer(r);
                            }
                            return;
                        }
                        if let Some(r) = held.take() {
                            answer(r);
                        }
                    }
                    "response" => {
                        let headers = crate::bridge::header_pairs(&m["headers"]);
                        let body = m["body"]
                            .as_str()
                            .and_then(|b| crate::base64::decode(b).ok())
                            .unwrap_or_default();
                        held = Some(HttpResponse {
                            status: m["status"].as_u64().unwrap_or(500) as u16,
                            headers,
                            body,
                            no_handler: m["noHandler"] == Value::Bool(true),
                        });
                        responded_at = Some(tokio::time::Instant::now());
                    }
                    "log" => crate::bridge::log(&origin, &m),
                    "limit" => {
                        eprintln!("[error] {origin}: {}", m["text"].as_str().unwrap_or("a limit was exceeded"));
                        if m["kind"] != "uncaught" {
                            answer(held.take().unwrap_or_else(|| {
                                HttpResponse::error(500, "Worker exceeded a resource limit")
                            }));
                            return;
                        }
                    }
                    "fatal" => {
                        eprintln!("[error] {origin}: {}", m["message"].as_str().unwrap_or(""));
                        answer(
                            held.take()
                                .unwrap_or_else(|| HttpResponse::error(500, "Internal Server Error")),
                        );
                        return;
                    }
                    _ => {}
                }
            }
            Some((id, reply)) = pending.next(), if !pending.is_empty() => {
                iso.send_msg(crate::protocol::ToJs::settle(id, reply));
            }
            _ = async {
                match deadline {
                    Some(d) => tokio::time::sleep_until(d).await,
                    None => std::future::pending().await,
                }
            } => {
                eprintln!("[warn] {origin}: waitUntil work still running 30 s after the response was cut off");
                return;
            }
        }
    }
}
