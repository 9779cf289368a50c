//! Outbound `fetch` over TLS: a server on loopback with a certificate from a private CA; trusted
//! when the CA is configured (`extra_ca_certs`, `ENDURE_EXTRA_CA_CERTS` in the CLI), refused
//! with the TLS error otherwise.

mod common;

use common::Js;
use endure_js::Limits;
use serde_json::json;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// An HTTPS server answering every request with `{"tls": true, "path": …}`.
async fn tls_server() -> (u16, Vec<u8>) {
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let cert_der = ck.cert.der().to_vec();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(rustls::pki_types::PrivatePkcs8KeyDer::from(
        ck.signing_key.serialize_der(),
    ));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![rustls::pki_types::CertificateDer::from(cert_der.clone())],
        key,
    )
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut buf = vec![0u8; 4096];
                let mut got = vec![];
                while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                    let Ok(n) = tls.read(&mut buf).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    got.extend_from_slice(&buf[..n]);
                }
                let line = String::from_utf8_lossy(&got);
                let path = line.split(' ').nth(1).unwrap_or("").to_string();
                let body = json!({"tls": true, "path": path}).to_string();
                let resp = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(resp.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (port, cert_der)
}

const PROJECT: &[(&str, &str)] = &[
    (
        "p/wrangler.json",
        r#"{"name": "tls", "main": "index.js", "workflows": [{"name": "get", "binding": "GET", "class_name": "Get"}]}"#,
    ),
    (
        "p/index.js",
        r#"import { WorkflowEntrypoint } from "cloudflare:workers";
export class Get extends WorkflowEntrypoint {
  async run(event, step) {
    try {
      return await step.do("get", { retries: { limit: 0, delay: 0 } }, async () => {
        const r = await fetch(event.payload.url);
        return await r.json();
      });
    } catch (e) {
      return { error: e.message };
    }
  }
}"#,
    ),
];

async fn run(extra: Vec<Vec<u8>>, url: &str) -> serde_json::Value {
    let dir = common::files(PROJECT);
    let js = Js::start_with(dir, "p", vec![], Limits::default(), extra).await;
    js.create("get", "i", json!({"url": url})).await;
    js.finish("get", "i", 1_000).await["output"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_over_tls_with_a_trusted_ca() {
    let (port, ca) = tls_server().await;
    let url = format!("https://localhost:{port}/hello?x=1");
    assert_eq!(
        run(vec![ca], &url).await,
        json!({"tls": true, "path": "/hello?x=1"})
    );
    let refused = run(vec![], &url).await;
    let e = refused["error"].as_str().unwrap_or("");
    assert!(
        e.contains("fetch failed") && e.contains("certificate"),
        "{refused}"
    );
}
