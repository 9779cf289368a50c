//! What every request passes before a handler: the `Host` check against DNS rebinding, the
//! `Origin` check against cross-site requests to the API, and the body rules (a declared
//! length over the limit is refused before a byte is read; the body must arrive within the
//! body time-out; API bodies must be JSON, unencoded).

use crate::{ApiFailure, ServerState};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;

/// Largest body the Worker app's routes accept (Cloudflare's smallest plan limit).
pub const APP_MAX_BODY_BYTES: usize = 100 * 1024 * 1024;

/// Who may call the server.
#[derive(Debug, Clone, Default)]
pub struct Access {
    /// The address the server listens on. On a loopback address only loopback host names
    /// (`127.0.0.1`, `localhost`, `[::1]`, with this port) are accepted in `Host` and
    /// `Origin`, as wrangler does against DNS rebinding. `None`: no `Host` check.
    pub bound: Option<SocketAddr>,
    /// Further host names (with or without a port) the server answers to, for `endure serve`
    /// behind a name.
    pub allowed_hosts: Vec<String>,
}

impl Access {
    /// An `Access` for a server listening on `addr`.
    pub fn bound(addr: SocketAddr) -> Access {
        Access {
            bound: Some(addr),
            allowed_hosts: vec![],
        }
    }

    fn loopback(&self) -> Option<SocketAddr> {
        self.bound.filter(|a| a.ip().is_loopback())
    }

    /// Whether `authority` (`host[:port]`) names this server.
    fn allows(&self, authority: &str) -> bool {
        let authority = authority.trim().to_ascii_lowercase();
        if self
            .allowed_hosts
            .iter()
            .any(|h| h.eq_ignore_ascii_case(&authority) || host_part(&authority) == h.as_str())
        {
            return true;
        }
        match self.loopback() {
            Some(addr) => {
                let host = host_part(&authority);
                let port = authority
                    .rsplit_once(':')
                    .filter(|(h, _)| !h.ends_with(']') || authority.starts_with('['))
                    .and_then(|(_, p)| p.parse::<u16>().ok());
                let loop_name = matches!(host, "127.0.0.1" | "localhost" | "[::1]" | "::1")
                    || host.starts_with("127.");
                loop_name && port.is_none_or(|p| p == addr.port())
            }
            None => true,
        }
    }
}

/// `host` of `host[:port]` (IPv6 literals keep their brackets).
fn host_part(authority: &str) -> &str {
    if authority.starts_with('[') {
        return authority
            .split_once(']')
            .map_or(authority, |(h, _)| &authority[..h.len() + 1]);
    }
    authority.split(':').next().unwrap_or(authority)
}

fn is_api(path: &str) -> bool {
    path == "/client/v4" || path.starts_with("/client/v4/") || path == "/openapi.json"
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            let media = v
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            media == "application/json" || media.ends_with("+json")
        })
        .unwrap_or(false)
}

/// Refuses with the v4 envelope and closes the connection (the rest of the request is not
/// read).
fn refuse(status: u16, code: u32, message: impl Into<String>) -> Response {
    let mut r = ApiFailure::new(status, code, message).into_response();
    r.headers_mut().insert(
        header::CONNECTION,
        header::HeaderValue::from_static("close"),
    );
    r
}

/// `None` when the request may go on; otherwise the refusal.
fn check_origin(access: &Access, headers: &HeaderMap) -> Option<Response> {
    let origin = headers.get(header::ORIGIN)?;
    let origin = origin.to_str().unwrap_or("");
    let authority = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .unwrap_or("");
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let same_origin = !authority.is_empty() && authority.eq_ignore_ascii_case(host);
    if same_origin && access.allows(authority) {
        return None;
    }
    Some(refuse(
        403,
        endure_api::codes::FORBIDDEN_ORIGIN,
        format!(
            "Requests from origin {origin:?} are not accepted: the API answers its own origin only"
        ),
    ))
}

/// Longest request target (path and query) accepted, in bytes.
pub const MAX_URI_BYTES: usize = 16 * 1024;

/// Whether every `%` in `path` starts an escape of two hex digits and the decoded path is
/// UTF-8.
fn valid_percent_encoding(path: &str) -> bool {
    let b = path.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = |c: u8| (c as char).to_digit(16);
            match (
                b.get(i + 1).and_then(|c| hex(*c)),
                b.get(i + 2).and_then(|c| hex(*c)),
            ) {
                (Some(h), Some(l)) => out.push((h * 16 + l) as u8),
                _ => return false,
            }
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).is_ok()
}

/// The numeric code of an error status the HTTP layer produced itself.
fn code_for(status: u16) -> u32 {
    match status {
        400 => 10001,
        404 => 10501,
        405 => endure_api::codes::METHOD_NOT_ALLOWED,
        408 => endure_api::codes::TIMEOUT,
        413 => endure_api::codes::TOO_LARGE,
        414 => endure_api::codes::URI_TOO_LONG,
        415 => endure_api::codes::UNSUPPORTED_MEDIA,
        s => 10000 + u32::from(s),
    }
}

/// An API error answered outside the envelope (axum's 405 with an empty body, a query that
/// does not parse as text/plain): the same status and headers (`Allow` stays), the envelope
/// as the body.
async fn in_envelope(method: Method, resp: Response) -> Response {
    let status = resp.status();
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let message = if !text.is_empty() {
        text
    } else if status.as_u16() == 405 {
        format!(
            "Method {method} is not allowed on this path (the Allow header lists those that are)"
        )
    } else {
        status.canonical_reason().unwrap_or("Error").to_string()
    };
    let body = serde_json::to_vec(&endure_api::Envelope::<()>::error(
        code_for(status.as_u16()),
        message,
    ))
    .unwrap_or_default();
    parts.headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(body))
}

/// The middleware: see the module documentation.
pub async fn check(State(state): State<ServerState>, req: Request, next: Next) -> Response {
    let api = is_api(req.uri().path());
    let target = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if target > MAX_URI_BYTES {
        return refuse(
            414,
            endure_api::codes::URI_TOO_LONG,
            format!("The request target of {target} bytes is over the limit of {MAX_URI_BYTES}"),
        );
    }
    if api && !valid_percent_encoding(req.uri().path()) {
        return refuse(
            400,
            10001,
            "The path has an invalid percent-encoding (a % not followed by two hex digits, or \
             bytes that are not UTF-8)",
        );
    }
    let headers = req.headers();
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if !host.is_empty() && !state.access.allows(host) {
        return refuse(
            403,
            endure_api::codes::FORBIDDEN_ORIGIN,
            format!("Host {host:?} is not this server's address"),
        );
    }
    if api && let Some(r) = check_origin(&state.access, headers) {
        return r;
    }
    let limit = if api {
        crate::MAX_BODY_BYTES
    } else {
        APP_MAX_BODY_BYTES
    };
    if let Some(len) = headers.get(header::CONTENT_LENGTH) {
        match len.to_str().ok().and_then(|l| l.trim().parse::<u64>().ok()) {
            Some(n) if n > limit as u64 => {
                return refuse(
                    413,
                    endure_api::codes::TOO_LARGE,
                    format!("The request body of {n} bytes is over the limit of {limit} bytes"),
                );
            }
            Some(_) => {}
            None => {
                return refuse(400, 10001, "Content-Length is not a number");
            }
        }
    }
    if api
        && let Some(enc) = headers.get(header::CONTENT_ENCODING)
        && !enc
            .to_str()
            .unwrap_or("")
            .trim()
            .eq_ignore_ascii_case("identity")
    {
        return refuse(
            415,
            endure_api::codes::UNSUPPORTED_MEDIA,
            format!(
                "Content-Encoding {:?} is not supported: send the JSON body unencoded",
                enc.to_str().unwrap_or("?")
            ),
        );
    }
    let (parts, body) = req.into_parts();
    let bytes =
        match tokio::time::timeout(state.limits.body_timeout, axum::body::to_bytes(body, limit))
            .await
        {
            Ok(Ok(b)) => b,
            Ok(Err(_)) => {
                return refuse(
                    413,
                    endure_api::codes::TOO_LARGE,
                    format!("The request body is over the limit of {limit} bytes"),
                );
            }
            Err(_) => {
                return refuse(
                    408,
                    endure_api::codes::TIMEOUT,
                    format!(
                        "The request body did not arrive within {} ms",
                        state.limits.body_timeout.as_millis()
                    ),
                );
            }
        };
    if api
        && !bytes.is_empty()
        && matches!(parts.method, Method::POST | Method::PUT | Method::PATCH)
        && !is_json(&parts.headers)
    {
        return refuse(
            415,
            endure_api::codes::UNSUPPORTED_MEDIA,
            "The body must be JSON, sent with Content-Type: application/json",
        );
    }
    let method = parts.method.clone();
    let resp = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    if api {
        in_envelope(method, resp).await
    } else {
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_servers_answer_loopback_names_only() {
        let a = Access::bound("127.0.0.1:8787".parse().unwrap());
        for ok in [
            "127.0.0.1:8787",
            "localhost:8787",
            "LOCALHOST:8787",
            "[::1]:8787",
            "localhost",
        ] {
            assert!(a.allows(ok), "{ok}");
        }
        for bad in [
            "evil.example",
            "evil.example:8787",
            "127.0.0.1:9999",
            "localhost.evil.example:8787",
            "",
        ] {
            assert!(!a.allows(bad), "{bad}");
        }
        let named = Access {
            bound: Some("127.0.0.1:8787".parse().unwrap()),
            allowed_hosts: vec!["workflows.internal".into()],
        };
        assert!(named.allows("workflows.internal:8787"));
        let public = Access::bound("0.0.0.0:8787".parse().unwrap());
        assert!(public.allows("anything.example"));
    }

    #[test]
    fn percent_encoding() {
        assert!(valid_percent_encoding("/a%20b/%C3%A9"));
        assert!(!valid_percent_encoding("/a/%ZZ"));
        assert!(!valid_percent_encoding("/a/%4"));
        assert!(!valid_percent_encoding("/a/%FF"), "not UTF-8");
    }
}
