//! Hostile and careless clients against real server processes: idle and half-open connections,
//! huge declared bodies, slow bodies, cross-site requests, foreign `Host` names, and bad
//! token configurations. Time-outs are set short in the config so the tests never wait long;
//! nothing here asserts a duration.

mod common;

use std::io::Write as _;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const TOKEN: &str = "s3cret-token";

fn serve(dir: &std::path::Path, extra: &str) -> common::Server {
    let config = dir.join("endure.toml");
    let mut f = std::fs::File::create(&config).unwrap();
    write!(
        f,
        "database = \"state/endure.sqlite\"\napi_tokens = [\"{TOKEN}\"]\n{extra}\n\
         [[workflows]]\nname = \"orders\"\nclass_name = \"StepsWorkflow\"\n"
    )
    .unwrap();
    common::spawn(
        &["serve", "--port", "0", "--config", config.to_str().unwrap()],
        &[],
    )
}

fn addr(server: &common::Server) -> String {
    server.url.trim_start_matches("http://").to_string()
}

/// Writes `request`, then reads until the server closes the connection (bounded: 20 s, so a
/// server that never closes fails the test instead of hanging CI).
async fn exchange(addr: &str, request: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(request).await.unwrap();
    read_to_close(&mut s).await
}

async fn read_to_close(s: &mut TcpStream) -> String {
    let mut out = vec![];
    let r = tokio::time::timeout(std::time::Duration::from_secs(20), s.read_to_end(&mut out)).await;
    assert!(r.is_ok(), "the server never closed the connection");
    String::from_utf8_lossy(&out).into_owned()
}

async fn list(server: &common::Server, auth: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{}/client/v4/accounts/a/workflows", server.url))
        .header("authorization", auth)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_half_open_connections_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(
        dir.path(),
        "max_connections = 8\nheader_timeout_ms = 400\nbody_timeout_ms = 400",
    );
    let a = addr(&server);
    // Eight idle connections fill the server; the ninth is told so and closed at once.
    let mut idle = vec![];
    for _ in 0..8 {
        idle.push(TcpStream::connect(&a).await.unwrap());
    }
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let refused = exchange(&a, b"").await;
    assert!(refused.starts_with("HTTP/1.1 503"), "{refused}");
    assert!(
        refused.to_ascii_lowercase().contains("retry-after: 1"),
        "{refused}"
    );
    assert!(refused.contains("\"code\":10503"), "{refused}");
    // The idle ones are closed by the header time-out, and a real client gets in again.
    for s in &mut idle {
        read_to_close(s).await;
    }
    drop(idle);
    assert_eq!(list(&server, &format!("Bearer {TOKEN}")).await, 200);

    // Half-sent headers: closed by the same time-out.
    let mut half = TcpStream::connect(&a).await.unwrap();
    half.write_all(b"GET /client/v4/accounts/a/workflows HTTP/1.1\r\nhost: 127.0.0.1\r\nx-slow: ")
        .await
        .unwrap();
    read_to_close(&mut half).await;

    // A body that never finishes: 408 in the envelope, then closed.
    let slow = exchange(
        &a,
        format!(
            "POST /client/v4/accounts/a/workflows/orders/instances HTTP/1.1\r\nhost: {a}\r\n\
             authorization: Bearer {TOKEN}\r\ncontent-type: application/json\r\n\
             content-length: 100\r\n\r\n{{\"params\""
        )
        .as_bytes(),
    )
    .await;
    assert!(slow.starts_with("HTTP/1.1 408"), "{slow}");
    assert!(slow.contains("\"code\":10408"), "{slow}");

    // A declared body over the limit is refused before it is sent, even before the token.
    let huge = exchange(
        &a,
        format!(
            "POST /client/v4/accounts/a/workflows/orders/instances HTTP/1.1\r\nhost: {a}\r\n\
             content-type: application/json\r\ncontent-length: 10000000000\r\n\r\n"
        )
        .as_bytes(),
    )
    .await;
    assert!(huge.starts_with("HTTP/1.1 413"), "{huge}");
    assert!(huge.contains("\"code\":10413"), "{huge}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_site_requests_and_foreign_hosts_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::dev(&dir.path().join("state"));
    let api = format!(
        "{}/client/v4/accounts/local/workflows/steps/instances",
        server.url
    );
    let client = reqwest::Client::new();
    let post = |origin: Option<&str>, content_type: Option<&str>, id: &str| {
        let mut r = client
            .post(&api)
            .body(format!("{{\"instance_id\": \"{id}\"}}"));
        if let Some(o) = origin {
            r = r.header("origin", o);
        }
        if let Some(t) = content_type {
            r = r.header("content-type", t);
        }
        r.send()
    };
    // The attack from the issue: another site's page posting text/plain.
    let r = post(Some("https://evil.example"), Some("text/plain"), "c1")
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["errors"][0]["code"], 10403, "{v}");
    // Even with a JSON type, another origin is refused; a same-origin page is not.
    let r = post(Some("https://evil.example"), Some("application/json"), "c2")
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let r = post(Some(&server.url), Some("application/json"), "ok1")
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // Without an Origin (curl, SDKs), a JSON body needs a JSON content type.
    for t in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let r = post(None, t, "c3").await.unwrap();
        assert_eq!(r.status().as_u16(), 415, "{t:?}");
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["errors"][0]["code"], 10415, "{v}");
    }
    let r = post(None, Some("application/json; charset=utf-8"), "ok2")
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // A gzip body is refused, never read as text.
    let r = client
        .post(&api)
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .body(vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 415);
    // DNS rebinding: a request naming another host is refused, on the API and the app routes.
    let a = addr(&server);
    for path in ["/client/v4/accounts/local/workflows", "/"] {
        let reply = exchange(
            &a,
            format!(
                "GET {path} HTTP/1.1\r\nhost: attacker.example:{}\r\nconnection: close\r\n\r\n",
                a.split(':').nth(1).unwrap()
            )
            .as_bytes(),
        )
        .await;
        assert!(reply.starts_with("HTTP/1.1 403"), "{path}: {reply}");
    }
    let reply = exchange(
        &a,
        format!("GET /client/v4/accounts/local/workflows HTTP/1.1\r\nhost: localhost:{}\r\nconnection: close\r\n\r\n", a.split(':').nth(1).unwrap())
            .as_bytes(),
    )
    .await;
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    // Nothing the refused requests asked for exists.
    let v = common::get_json(&format!("{api}?per_page=100"), None).await;
    let mut ids: Vec<&str> = v["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    ids.sort();
    assert_eq!(ids, ["ok1", "ok2"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_rules() {
    let dir = tempfile::tempdir().unwrap();
    for (tokens, says) in [
        ("[\"\"]", "empty"),
        ("[\"   \"]", "empty"),
        ("[\"ok\", \" padded \"]", "whitespace"),
    ] {
        let config = dir.path().join("bad.toml");
        std::fs::write(
            &config,
            format!("ip = \"0.0.0.0\"\napi_tokens = {tokens}\n"),
        )
        .unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_endure"))
            .args(["serve", "--port", "0", "--config"])
            .arg(&config)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{tokens}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{tokens}: {err}");
    }
    // The scheme is case-insensitive; the token is not.
    let server = serve(dir.path(), "");
    for scheme in ["Bearer", "bearer", "BEARER"] {
        assert_eq!(
            list(&server, &format!("{scheme} {TOKEN}")).await,
            200,
            "{scheme}"
        );
    }
    assert_eq!(
        list(&server, &format!("Bearer {}", TOKEN.to_uppercase())).await,
        403
    );
    assert_eq!(list(&server, &format!("Basic {TOKEN}")).await, 401);
}
