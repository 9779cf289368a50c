//! OpenTelemetry traces: a real `endure serve` with `OTEL_EXPORTER_OTLP_ENDPOINT` pointing at a
//! collector on loopback (this test: a plain HTTP listener that decodes what it receives with
//! the OTLP protobuf types) exports one trace per instance, the run's span holding its steps'
//! and each step's its attempts', with the instance and step as attributes. A bad endpoint
//! stops the start.

mod common;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A collector: every request's path, headers and decoded spans.
#[derive(Default)]
struct Received {
    paths: Vec<String>,
    headers: Vec<String>,
    spans: Vec<Span>,
    resource: Vec<(String, String)>,
}

async fn collector() -> (String, Arc<Mutex<Received>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let got = Arc::new(Mutex::new(Received::default()));
    let g = got.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut conn, _)) = listener.accept().await else {
                return;
            };
            let g = g.clone();
            tokio::spawn(async move {
                let mut buf = vec![];
                loop {
                    // One request: headers, then Content-Length bytes.
                    let head_end = loop {
                        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            break i + 4;
                        }
                        let mut chunk = [0u8; 4096];
                        match conn.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    };
                    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
                    let len: usize = head
                        .lines()
                        .find_map(|l| {
                            let (k, v) = l.split_once(':')?;
                            k.eq_ignore_ascii_case("content-length")
                                .then(|| v.trim().parse().ok())?
                        })
                        .unwrap_or(0);
                    while buf.len() < head_end + len {
                        let mut chunk = [0u8; 65536];
                        match conn.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let body = buf[head_end..head_end + len].to_vec();
                    buf.drain(..head_end + len);
                    let req = ExportTraceServiceRequest::decode(body.as_slice())
                        .expect("the body is an OTLP ExportTraceServiceRequest");
                    {
                        let mut g = g.lock().unwrap();
                        g.paths.push(head.lines().next().unwrap_or("").to_string());
                        g.headers
                            .extend(head.lines().skip(1).map(str::to_lowercase));
                        for rs in req.resource_spans {
                            for a in rs.resource.map(|r| r.attributes).unwrap_or_default() {
                                if let Some(Any::StringValue(v)) = a.value.and_then(|v| v.value) {
                                    g.resource.push((a.key, v));
                                }
                            }
                            for ss in rs.scope_spans {
                                g.spans.extend(ss.spans);
                            }
                        }
                    }
                    let ok = b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n";
                    if conn.write_all(ok).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (format!("http://{addr}"), got)
}

fn attr(s: &Span, key: &str) -> Option<String> {
    s.attributes.iter().find(|a| a.key == key).and_then(|a| {
        match a.value.as_ref()?.value.as_ref()? {
            Any::StringValue(v) => Some(v.clone()),
            Any::IntValue(i) => Some(i.to_string()),
            _ => None,
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_steps_and_attempts_arrive_as_one_trace() {
    let (endpoint, got) = collector().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::serve_config(dir.path(), "");
    let server = common::spawn(
        &["serve", "--config", cfg.to_str().unwrap(), "--examples"],
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
            ("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=k3y"),
            ("OTEL_SERVICE_NAME", "shop"),
            ("ENDURE_NODE_ID", "node-a"),
        ],
    );
    assert!(
        server
            .banner
            .iter()
            .any(|l| l.contains("traces       OTLP to") && l.ends_with("/v1/traces")),
        "{:?}",
        server.banner
    );
    let api = format!(
        "{}/client/v4/accounts/a/workflows/steps/instances",
        server.url
    );
    let r = reqwest::Client::new()
        .post(&api)
        .json(&json!({"instance_id": "t-1", "params": {"steps": 2}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // The run's span comes last (it ends last); wait for it.
    let mut waited = 0;
    loop {
        let done = got
            .lock()
            .unwrap()
            .spans
            .iter()
            .any(|s| s.name == "workflow steps");
        if done {
            break;
        }
        assert!(waited < 300, "no run span arrived");
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += 1;
    }
    let g = got.lock().unwrap();
    assert!(
        g.paths.iter().all(|p| p.starts_with("POST /v1/traces ")),
        "{:?}",
        g.paths
    );
    assert!(
        g.headers.iter().any(|h| h == "x-api-key: k3y"),
        "{:?}",
        g.headers
    );
    assert!(
        g.headers
            .iter()
            .any(|h| h == "content-type: application/x-protobuf")
    );
    assert!(g.resource.contains(&("service.name".into(), "shop".into())));
    assert!(
        g.resource
            .contains(&("service.instance.id".into(), "node-a".into()))
    );
    let spans: Vec<&Span> = g
        .spans
        .iter()
        .filter(|s| attr(s, "workflow.instance.id").as_deref() == Some("t-1"))
        .collect();
    let names: Vec<&str> = spans.iter().map(|s| s.name.as_str()).collect();
    let find = |n: &str| {
        *spans
            .iter()
            .find(|s| s.name == n)
            .unwrap_or_else(|| panic!("no span {n} in {names:?}"))
    };
    let run = find("workflow steps");
    let step = find("step step-2");
    let attempt = find("attempt step-2 #1");
    assert_eq!(spans.len(), 5, "a run, two steps, two attempts: {names:?}");
    assert!(
        spans.iter().all(|s| s.trace_id == run.trace_id),
        "one trace"
    );
    assert_eq!(run.trace_id.len(), 16);
    assert!(run.parent_span_id.is_empty());
    assert_eq!(step.parent_span_id, run.span_id);
    assert_eq!(attempt.parent_span_id, step.span_id);
    assert_eq!(
        attr(attempt, "workflow.step.name").as_deref(),
        Some("step-2")
    );
    assert_eq!(attr(attempt, "workflow.attempt").as_deref(), Some("1"));
    assert_eq!(attr(step, "workflow.step.number").as_deref(), Some("2"));
    assert_eq!(attr(run, "workflow.name").as_deref(), Some("steps"));
    assert!(run.start_time_unix_nano <= step.start_time_unix_nano);
    assert!(step.start_time_unix_nano <= attempt.start_time_unix_nano);
    assert!(attempt.end_time_unix_nano <= run.end_time_unix_nano);
    assert!(
        run.end_time_unix_nano > 1_700_000_000_000_000_000,
        "wall-clock nanoseconds"
    );
}

#[test]
fn a_bad_endpoint_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_endure"))
        .args([
            "dev",
            "--port",
            "0",
            "--state-dir",
            dir.path().to_str().unwrap(),
        ])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("OTLP endpoint") && err.contains("collector:4318"),
        "{err}"
    );
}
