//! What an isolate asks of the host that is the same for workflow runs and fetch requests:
//! binding operations, outbound `fetch`, and console lines.

use crate::project::Project;
use endure_engine::CreateOptions;
use endure_model::WorkflowError;
use serde_json::{Value, json};
use std::sync::Arc;

fn api_error(e: endure_model::ApiError) -> WorkflowError {
    use endure_model::ErrorCode;
    match e.code {
        // The reference checks ids in the binding itself and throws this message bare.
        ErrorCode::InvalidInstanceId => {
            WorkflowError::new("WorkflowError", "Workflow instance has invalid id")
        }
        // A handle whose instance is gone (deleted after `get`).
        ErrorCode::InstanceNotFound => {
            WorkflowError::new("Error", "(instance.not_found) Instance does not exist")
        }
        _ => WorkflowError::new("Error", e.to_string()),
    }
}

/// `env.WF.get(id)` of an unknown id: the reference rejects with the bare code as message
/// (the workers-sdk fixture checks `message === "instance.not_found"`).
fn get_error(e: endure_model::ApiError) -> WorkflowError {
    if e.code == endure_model::ErrorCode::InstanceNotFound {
        WorkflowError::new("Error", "instance.not_found")
    } else {
        api_error(e)
    }
}

fn str_field<'a>(m: &'a Value, key: &str) -> Result<&'a str, WorkflowError> {
    m[key]
        .as_str()
        .ok_or_else(|| WorkflowError::new("TypeError", format!("{key} must be a string")))
}

fn create_options(a: &Value) -> Result<CreateOptions, WorkflowError> {
    let mut o = CreateOptions::new();
    match &a["id"] {
        Value::Null => {}
        Value::String(s) => o = o.id(s.clone()),
        _ => {
            return Err(WorkflowError::new(
                "WorkflowError",
                "Workflow instance has invalid id",
            ));
        }
    }
    if !a["params"].is_null() {
        o = o.params(a["params"].clone());
    }
    Ok(o)
}

/// `restart({from: {name, count?, type?}})`: checked like `PATCH …/status` with `from`.
fn restart_from(from: &Value) -> Result<endure_engine::StepSelector, WorkflowError> {
    let type_error = |m: &str| WorkflowError::new("TypeError", format!("restart: {m}"));
    let name = from["name"]
        .as_str()
        .ok_or_else(|| type_error("from.name must be a string"))?;
    let count = match &from["count"] {
        Value::Null => None,
        c => Some(
            c.as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| type_error("from.count must be a positive integer"))?,
        ),
    };
    let kind = match &from["type"] {
        Value::Null => None,
        Value::String(t) => Some(t.as_str()),
        _ => return Err(type_error("from.type must be do, sleep or waitForEvent")),
    };
    endure_engine::StepSelector::parse(name.to_string(), count, kind).map_err(api_error)
}

/// Expirations (KV, the Cache API) follow the engine's clock (tests move it); without an
/// engine, the system's.
fn now_ms(p: &Project) -> u64 {
    p.engine().map_or_else(
        || {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64)
        },
        |e| e.now().0,
    )
}

/// `caches.default` / `caches.open(name)`: `put`, `match`, `delete`.
async fn cache(p: &std::sync::Arc<Project>, m: &Value) -> Result<Value, WorkflowError> {
    let p = p.clone();
    let m = m.clone();
    let now = now_ms(&p);
    tokio::task::spawn_blocking(move || p.caches.call(now, &m))
        .await
        .unwrap_or_else(|_| Err(WorkflowError::new("Error", "the cache call failed")))
}

/// `env.ASSETS.fetch(request)`: the asset, or what `not_found_handling` answers.
fn assets_fetch(a: &crate::assets::AssetsConfig, m: &Value) -> Value {
    let path = crate::assets::url_path(m["url"].as_str().unwrap_or("/"));
    let method = m["method"].as_str().unwrap_or("GET");
    let inm = m["ifNoneMatch"].as_str();
    let r = a
        .lookup(method, path, inm)
        .unwrap_or_else(|| a.not_found(method, path));
    json!({
        "status": r.status,
        "headers": r.headers,
        "body": crate::base64::encode(&r.body),
    })
}

/// A call from the isolate that the host answers itself, outside the engine's steps
/// (`binding`, `fetch`, `resource`): its reply, or `None` for any other message.
pub fn host_call(
    p: &std::sync::Arc<Project>,
    m: &Value,
) -> Option<endure_engine::BoxFuture<'static, Result<Value, WorkflowError>>> {
    let op = m["op"].as_str()?;
    if !matches!(op, "binding" | "fetch" | "resource" | "cache" | "service") {
        return None;
    }
    let (p, m, op) = (p.clone(), m.clone(), op.to_string());
    Some(Box::pin(async move {
        match op.as_str() {
            "binding" => binding(&p, &m).await,
            "fetch" => fetch(&p, &m).await,
            "cache" => cache(&p, &m).await,
            "service" => crate::fetch::service(p.clone(), &m).await,
            _ => resource(&p, &m).await,
        }
    }))
}

/// A binding read (`env.WF.get(id)`, `instance.status()`) answered on the isolate's own
/// thread, saving the two thread hand-offs of a message and its answer: only when the store's
/// point reads complete at once (a local file), and only if this one did. `None`: JavaScript
/// sends the call as a message instead (a network store, a busy reader, any other call).
pub fn call_now(p: &Arc<Project>, text: &str) -> Option<String> {
    use futures_util::FutureExt;
    let m: Value = serde_json::from_str(text).ok()?;
    if m["op"] != "binding" || !matches!(m["method"].as_str(), Some("get" | "status")) {
        return None;
    }
    if !p.engine()?.store().reads_inline() {
        return None;
    }
    // A read not ready at once is dropped before it is answered: reads have no effects.
    let answer = match binding(p, &m).now_or_never()? {
        Ok(value) => json!({"ok": true, "value": value}),
        Err(e) => json!({"ok": false, "error": {"name": e.name, "message": e.message}}),
    };
    Some(answer.to_string())
}

/// `env.BINDING.create(…)`, `instance.status()`, ….
pub async fn binding(p: &Project, m: &Value) -> Result<Value, WorkflowError> {
    let engine = p.engine().ok_or_else(|| {
        WorkflowError::new(
            endure_model::error::names::INTERNAL,
            "the engine is not running",
        )
    })?;
    let workflow = str_field(m, "workflow")?;
    let b = engine.workflow(workflow).map_err(api_error)?;
    let method = str_field(m, "method")?;
    let args = &m["args"];
    match method {
        "create" => {
            let h = b.create(create_options(args)?).await.map_err(api_error)?;
            Ok(json!({"id": h.id()}))
        }
        "createBatch" => {
            let list = args["instances"].as_array().cloned().unwrap_or_default();
            if list.is_empty() {
                return Err(WorkflowError::new(
                    "Error",
                    "WorkflowError: batchCreate should have at least 1 instance",
                ));
            }
            let opts = list
                .iter()
                .map(create_options)
                .collect::<Result<Vec<_>, _>>()?;
            let hs = b.create_batch(opts).await.map_err(api_error)?;
            Ok(json!({"ids": hs.iter().map(|h| h.id()).collect::<Vec<_>>()}))
        }
        _ => {
            let id = str_field(m, "instance")?;
            let h = b.get(id).await.map_err(if method == "get" {
                get_error
            } else {
                api_error
            })?;
            match method {
                "get" => Ok(json!({"id": h.id()})),
                "status" => {
                    let d = h.status().await.map_err(api_error)?;
                    // Wrangler's local engine also lists every step result and received event
                    // payload, in log order (projects' own tests read it; semantics.md §7.3).
                    let local_outputs: Vec<Value> = d
                        .steps
                        .iter()
                        .filter_map(|s| match s {
                            endure_model::history::StepDoc::Step {
                                success: Some(true),
                                output,
                                ..
                            } => Some(output.clone()),
                            endure_model::history::StepDoc::WaitForEvent {
                                finished: true,
                                error: None,
                                output,
                                ..
                            } => Some(output.clone()),
                            _ => None,
                        })
                        .collect();
                    let mut out = json!({
                        "status": d.status,
                        "__LOCAL_DEV_STEP_OUTPUTS": local_outputs,
                        "output": d.output,
                    });
                    if let Some(e) = d.error {
                        out["error"] = json!({"name": e.name, "message": e.message});
                    }
                    Ok(out)
                }
                "pause" => h.pause().await.map(|_| Value::Null).map_err(api_error),
                "resume" => h.resume().await.map(|_| Value::Null).map_err(api_error),
                "terminate" => h.terminate().await.map(|_| Value::Null).map_err(api_error),
                "restart" => match &args["from"] {
                    Value::Null => h.restart().await,
                    from => h.restart_from(restart_from(from)?).await,
                }
                .map(|_| Value::Null)
                .map_err(api_error),
                "sendEvent" => {
                    let t = args["type"].as_str().unwrap_or("");
                    h.send_event(t, args["payload"].clone())
                        .await
                        .map(|_| Value::Null)
                        .map_err(api_error)
                }
                other => Err(WorkflowError::new(
                    "TypeError",
                    format!("unknown binding method {other}"),
                )),
            }
        }
    }
}

/// Outbound `fetch`: `{url, method, headers, body (base64), redirect}` →
/// `{status, statusText, headers, body (base64), url, redirected}`.
pub async fn fetch(p: &Project, m: &Value) -> Result<Value, WorkflowError> {
    let type_error = |msg: String| WorkflowError::new("TypeError", msg);
    let url = p.outbound_url(str_field(m, "url")?);
    let body = match m["body"].as_str() {
        Some(b) => Some(crate::base64::decode(b).map_err(type_error)?),
        None => None,
    };
    let headers = header_pairs(&m["headers"]);
    let resp = p
        .http()
        .send(crate::http::Request {
            method: m["method"].as_str().unwrap_or("GET").to_string(),
            url: url.clone(),
            headers,
            body,
            redirect: m["redirect"].as_str().unwrap_or("follow").to_string(),
        })
        .await
        .map_err(|e| type_error(format!("fetch failed: {url}: {e}")))?;
    Ok(json!({
        "status": resp.status,
        "statusText": resp.status_text,
        "headers": resp.headers,
        "body": crate::base64::encode(&resp.body),
        "url": resp.url,
        "redirected": resp.redirected,
    }))
}

/// `[[name, value], …]` from JavaScript (`Array.from(headers)`).
pub fn header_pairs(v: &Value) -> Vec<(String, String)> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|h| Some((h[0].as_str()?.to_string(), h[1].as_str()?.to_string())))
        .collect()
}

/// A console line, prefixed with where it came from: the instance (or request) and the step(s)
/// whose attempt was executing. `m` is the raw `log` message.
pub fn log(origin: &str, m: &Value) {
    let steps: Vec<String> = m["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    log_line(
        origin,
        m["level"].as_str(),
        m["text"].as_str().unwrap_or(""),
        &steps,
    );
}

/// Console lines as structured log events (`--log-format json`) instead of plain lines.
static STRUCTURED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Sends console lines to the process's log writer as events (target `endure::console`) with
/// `origin`, `workflow`/`instance_id` for a run, `steps` and the text, rather than printing
/// them.
pub fn set_structured_logs(on: bool) {
    STRUCTURED.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// [`log`] from a decoded message.
pub fn log_line(origin: &str, level: Option<&str>, text: &str, steps: &[String]) {
    let level = level.unwrap_or("info");
    if !STRUCTURED.load(std::sync::atomic::Ordering::Relaxed) {
        eprintln!("[{level}] {}: {text}", log_origin(origin, steps));
        return;
    }
    // A run's origin is `workflow/instance`; requests, queues and crons have a phrase.
    let (workflow, instance_id) = match origin.split_once('/') {
        Some((w, i)) if !origin.contains(' ') => (Some(w), Some(i)),
        _ => (None, None),
    };
    let steps = steps.join(", ");
    macro_rules! event {
        ($lvl:expr) => {
            tracing::event!(
                target: "endure::console",
                $lvl,
                origin,
                workflow,
                instance_id,
                steps,
                console = level,
                "{text}"
            )
        };
    }
    match level {
        "error" => event!(tracing::Level::ERROR),
        "warn" => event!(tracing::Level::WARN),
        "debug" | "trace" => event!(tracing::Level::DEBUG),
        _ => event!(tracing::Level::INFO),
    }
}

fn log_origin(origin: &str, steps: &[String]) -> String {
    if steps.is_empty() {
        return origin.to_string();
    }
    let steps: Vec<String> = steps.iter().map(|s| format!("{s:?}")).collect();
    format!("{origin} step {}", steps.join(", "))
}

/// `env.BUCKET…` (R2), `env.DB…` (D1), `env.SEND_EMAIL.send(…)`: on a blocking thread.
pub async fn resource(p: &std::sync::Arc<Project>, m: &Value) -> Result<Value, WorkflowError> {
    use crate::config::ResourceBinding;
    let name = str_field(m, "binding")?.to_string();
    if let Some(a) = &p.config.assets
        && a.binding.as_deref() == Some(name.as_str())
    {
        return Ok(assets_fetch(a, m));
    }
    let r = p
        .config
        .resources
        .iter()
        .find(|r| r.binding() == name)
        .cloned()
        .ok_or_else(|| WorkflowError::new("TypeError", format!("no binding {name}")))?;
    if let ResourceBinding::Queue {
        queue,
        delivery_delay_s,
        ..
    } = &r
    {
        return crate::queues::send(p, queue, *delivery_delay_s, m).await;
    }
    let p = p.clone();
    let m = m.clone();
    let now_ms = now_ms(&p);
    tokio::task::spawn_blocking(move || match &r {
        ResourceBinding::Kv { namespace, .. } => p.kv.call(namespace, now_ms, &m),
        ResourceBinding::Service { .. } => Err(WorkflowError::new(
            "TypeError",
            "a service binding is called with fetch or an RPC method",
        )),
        ResourceBinding::R2 { bucket, .. } => p.resources.r2(bucket, &m),
        ResourceBinding::D1 { database, .. } => p.resources.d1(database, &m),
        ResourceBinding::SendEmail {
            destination,
            allowed,
            ..
        } => p.resources.email(destination.as_deref(), allowed, &m),
        ResourceBinding::Queue { .. } => Err(WorkflowError::new("Error", "unreachable")),
    })
    .await
    .unwrap_or_else(|_| Err(WorkflowError::new("Error", "the resource call failed")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn log_lines_name_the_instance_and_step() {
        assert_eq!(
            super::log_origin("wf/abc", &["write to storage".to_string()]),
            "wf/abc step \"write to storage\""
        );
        assert_eq!(super::log_origin("wf/abc", &[]), "wf/abc");
    }
}
