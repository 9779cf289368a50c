//! OpenTelemetry traces of runs, steps and attempts, exported over OTLP/HTTP (protobuf) to a
//! collector when one is configured; off otherwise.
//!
//! [`Exporter`] is a [`Telemetry`] observer: each observation that ends something becomes a
//! span ([`spans`]) queued without waiting (a full queue drops and counts), and a task sends
//! the queue in batches of at most [`MAX_BATCH`] spans every [`EXPORT_INTERVAL_MS`] to
//! `{endpoint}/v1/traces`. A batch the collector refuses or cannot take is logged and dropped:
//! traces are diagnostics, never a reason to slow a run.

pub mod spans;

use endure_engine::{Observation, Telemetry};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use prost::Message;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;

/// Spans waiting to be sent; more are dropped (and counted).
pub const QUEUE: usize = 8_192;
/// Most spans in one request.
pub const MAX_BATCH: usize = 512;
/// How often queued spans are sent.
pub const EXPORT_INTERVAL_MS: u64 = 1_000;
/// How long one request may take.
pub const REQUEST_TIMEOUT_MS: u64 = 10_000;

/// Where and how traces go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtlpConfig {
    /// The full URL spans are posted to (`…/v1/traces`).
    pub traces_url: String,
    /// Extra request headers (an API key for a hosted collector).
    pub headers: Vec<(String, String)>,
    /// `service.name` of the resource.
    pub service_name: String,
    /// `service.instance.id` of the resource (the node's id).
    pub service_instance: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OtlpError {
    #[error("OTLP endpoint {0:?} is not an http:// or https:// URL")]
    BadEndpoint(String),
    #[error("OTLP header {0:?} is not `name=value`")]
    BadHeader(String),
}

impl OtlpConfig {
    /// The configuration the standard OpenTelemetry variables give, if they name an endpoint:
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (the full URL) or `OTEL_EXPORTER_OTLP_ENDPOINT`
    /// (the base; `/v1/traces` is added), `OTEL_EXPORTER_OTLP_HEADERS` (`k=v,k2=v2`) and
    /// `OTEL_SERVICE_NAME` (default `endure`). `OTEL_TRACES_EXPORTER=none` turns them off.
    pub fn from_env(
        get: impl Fn(&str) -> Option<String>,
        node: &str,
    ) -> Result<Option<OtlpConfig>, OtlpError> {
        let set = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        if set("OTEL_TRACES_EXPORTER").is_some_and(|v| v.trim() == "none") {
            return Ok(None);
        }
        let url = match (
            set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
            set("OTEL_EXPORTER_OTLP_ENDPOINT"),
        ) {
            (Some(full), _) => full,
            (None, Some(base)) => format!("{}/v1/traces", base.trim_end_matches('/')),
            (None, None) => return Ok(None),
        };
        if !(url.starts_with("http://") || url.starts_with("https://"))
            || url.parse::<hyper::Uri>().is_err()
        {
            return Err(OtlpError::BadEndpoint(url));
        }
        let mut headers = vec![];
        for h in set("OTEL_EXPORTER_OTLP_HEADERS")
            .unwrap_or_default()
            .split(',')
        {
            if h.trim().is_empty() {
                continue;
            }
            let (k, v) = h
                .split_once('=')
                .ok_or_else(|| OtlpError::BadHeader(h.to_string()))?;
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
        Ok(Some(OtlpConfig {
            traces_url: url,
            headers,
            service_name: set("OTEL_SERVICE_NAME").unwrap_or_else(|| "endure".into()),
            service_instance: node.to_string(),
        }))
    }
}

/// The observer that turns observations into spans and queues them for the export task.
pub struct Exporter {
    tx: mpsc::Sender<Span>,
    dropped: AtomicU64,
    sent: Arc<AtomicU64>,
}

impl Exporter {
    /// Spans dropped because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Spans the collector accepted.
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }
}

impl Telemetry for Exporter {
    fn observe(&self, o: &Observation<'_>) {
        if let Some(span) = spans::from_observation(o)
            && self.tx.try_send(span).is_err()
        {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Starts the export task (on the current tokio runtime) and returns its observer.
pub fn start(config: OtlpConfig) -> Arc<Exporter> {
    let (tx, rx) = mpsc::channel(QUEUE);
    let sent = Arc::new(AtomicU64::new(0));
    tokio::spawn(export(config, rx, sent.clone()));
    Arc::new(Exporter {
        tx,
        dropped: AtomicU64::new(0),
        sent,
    })
}

type Client = hyper_util::client::legacy::Client<
    hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
    Full<Bytes>,
>;

fn client() -> Client {
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_webpki_roots()
        .https_or_http()
        .enable_http1()
        .build();
    hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build(https)
}

fn text(key: &str, v: &str) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(v.into())),
        }),
        ..Default::default()
    }
}

/// The request body for `spans`.
pub fn request(config: &OtlpConfig, spans: Vec<Span>) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![
                    text("service.name", &config.service_name),
                    text("service.instance.id", &config.service_instance),
                    text("service.version", env!("CARGO_PKG_VERSION")),
                ],
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                scope: Some(InstrumentationScope {
                    name: "endure".into(),
                    version: env!("CARGO_PKG_VERSION").into(),
                    ..Default::default()
                }),
                spans,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

async fn export(config: OtlpConfig, mut rx: mpsc::Receiver<Span>, sent: Arc<AtomicU64>) {
    let client = client();
    loop {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        // Wait for the first span, then give the rest of the interval to fill the batch.
        match rx.recv().await {
            Some(s) => batch.push(s),
            None => return,
        }
        let deadline = tokio::time::Instant::now() + Duration::from_millis(EXPORT_INTERVAL_MS);
        while batch.len() < MAX_BATCH {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(s)) => batch.push(s),
                Ok(None) | Err(_) => break,
            }
        }
        let n = batch.len() as u64;
        match post(&client, &config, request(&config, batch)).await {
            Ok(()) => {
                sent.fetch_add(n, Ordering::Relaxed);
            }
            Err(e) => {
                tracing::warn!(spans = n, error = %e, "OTLP export failed; the spans are dropped")
            }
        }
    }
}

async fn post(
    client: &Client,
    config: &OtlpConfig,
    body: ExportTraceServiceRequest,
) -> Result<(), String> {
    let mut req = hyper::Request::post(&config.traces_url)
        .header("content-type", "application/x-protobuf")
        .header("user-agent", concat!("endure/", env!("CARGO_PKG_VERSION")));
    for (k, v) in &config.headers {
        req = req.header(k.as_str(), v.as_str());
    }
    let req = req
        .body(Full::new(Bytes::from(body.encode_to_vec())))
        .map_err(|e| e.to_string())?;
    let resp = tokio::time::timeout(
        Duration::from_millis(REQUEST_TIMEOUT_MS),
        client.request(req),
    )
    .await
    .map_err(|_| "the collector did not answer in time".to_string())?
    .map_err(|e| e.to_string())?;
    let status = resp.status();
    // Read (and drop) the answer so the connection can be reused.
    let _ = resp.into_body().collect().await;
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("the collector answered {status}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    }

    #[test]
    fn the_standard_variables_configure_it() {
        assert_eq!(OtlpConfig::from_env(env(&[]), "n"), Ok(None));
        let c = OtlpConfig::from_env(
            env(&[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/"),
                ("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=abc, x-team = t"),
                ("OTEL_SERVICE_NAME", "shop"),
            ]),
            "node-1",
        )
        .unwrap()
        .unwrap();
        assert_eq!(c.traces_url, "http://collector:4318/v1/traces");
        assert_eq!(
            c.headers,
            vec![
                ("x-api-key".into(), "abc".into()),
                ("x-team".into(), "t".into())
            ]
        );
        assert_eq!(
            (c.service_name.as_str(), c.service_instance.as_str()),
            ("shop", "node-1")
        );
        let c = OtlpConfig::from_env(
            env(&[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:4318"),
                ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://b/traces"),
            ]),
            "n",
        )
        .unwrap()
        .unwrap();
        assert_eq!(c.traces_url, "https://b/traces");
        let off = OtlpConfig::from_env(
            env(&[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:4318"),
                ("OTEL_TRACES_EXPORTER", "none"),
            ]),
            "n",
        );
        assert_eq!(off, Ok(None));
        assert!(matches!(
            OtlpConfig::from_env(
                env(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318")]),
                "n"
            ),
            Err(OtlpError::BadEndpoint(_))
        ));
        assert!(matches!(
            OtlpConfig::from_env(
                env(&[
                    ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://a"),
                    ("OTEL_EXPORTER_OTLP_HEADERS", "novalue")
                ]),
                "n"
            ),
            Err(OtlpError::BadHeader(_))
        ));
    }
}
