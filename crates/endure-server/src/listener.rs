//! The accept loop: HTTP/1.1 connections with a cap on how many are open at once, a time-out
//! for request headers (which also bounds how long an idle keep-alive connection is kept), and
//! a time-out for request bodies (see [`crate::body`]). Past the cap a connection gets a 503 in
//! the v4 envelope with `Retry-After` and is closed at once, so idle or half-open connections
//! can neither exhaust the process's file descriptors nor hold the server hostage for long.

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// Limits on connections and request bodies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnLimits {
    /// Connections open at once; past it new ones are refused with 503.
    pub max_connections: usize,
    /// Time for a request's headers to arrive, counted from the connection's first byte or,
    /// on a kept-alive connection, from the end of the previous response: an idle connection
    /// is closed after it too.
    pub header_timeout: Duration,
    /// Time for a request's whole body to arrive once its headers have.
    pub body_timeout: Duration,
}

/// Default [`ConnLimits::max_connections`]: under the usual 1 024 file descriptors a process
/// may open, with room for the database, the isolates and outbound fetches.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;
/// Default [`ConnLimits::header_timeout`].
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(15);
/// Default [`ConnLimits::body_timeout`].
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(30);

impl Default for ConnLimits {
    fn default() -> Self {
        ConnLimits {
            max_connections: DEFAULT_MAX_CONNECTIONS,
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
        }
    }
}

/// How long the loop backs off when `accept` fails (say the process is out of descriptors).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// The answer past the connection cap.
fn refusal() -> Vec<u8> {
    let body = endure_api::Envelope::<()>::error(
        endure_api::codes::OVERLOADED,
        "Too many connections: the server is at its connection limit; retry shortly",
    );
    let body = serde_json::to_string(&body).unwrap_or_default();
    format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
         retry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Serves `router` on `listener` with `limits` until the task is dropped.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnLimits,
) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    loop {
        let (mut stream, _peer) = match listener.accept().await {
            Ok(c) => c,
            Err(_) => {
                tokio::time::sleep(ACCEPT_BACKOFF).await;
                continue;
            }
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            tokio::spawn(async move {
                let _ = tokio::time::timeout(Duration::from_secs(1), async {
                    let _ = stream.write_all(&refusal()).await;
                    let _ = stream.shutdown().await;
                })
                .await;
            });
            continue;
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let service =
                hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let mut router = router.clone();
                    async move {
                        tower_service::Service::call(&mut router, req.map(axum::body::Body::new))
                            .await
                    }
                });
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades()
                .await;
        });
    }
}
