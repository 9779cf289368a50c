//! API tokens: `Authorization: Bearer <token>`, compared in constant time.

use crate::{ApiFailure, ServerState};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Equal without an early exit, so timing does not reveal how much of a token matched.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = (a.len() ^ b.len()) as u8 | u8::from(a.len() != b.len());
    for (i, x) in a.iter().enumerate() {
        diff |= x ^ b.get(i).copied().unwrap_or(0);
    }
    diff == 0
}

/// Refuses requests without a valid token when the server has tokens: 401 without one, 403
/// with a wrong one.
pub async fn require_token(State(state): State<ServerState>, req: Request, next: Next) -> Response {
    if state.tokens.is_empty() {
        return next.run(req).await;
    }
    let header = req
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    // The scheme is case-insensitive (RFC 9110 §11.1): `Bearer`, `bearer`, `BEARER`.
    let given = header.and_then(|h| {
        let (scheme, token) = h.trim_start().split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then_some(token)
    });
    let Some(given) = given else {
        return ApiFailure::new(
            401,
            10000,
            "Authentication error: a bearer token is required",
        )
        .into_response();
    };
    let mut ok = false;
    for t in state.tokens.iter() {
        ok |= constant_time_eq(t.as_bytes(), given.trim().as_bytes());
    }
    if !ok {
        return ApiFailure::new(403, 10000, "Authentication error: the token is not valid")
            .into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::constant_time_eq;

    #[test]
    fn compares() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secret2"));
        assert!(!constant_time_eq(b"", b"x"));
        assert!(constant_time_eq(b"", b""));
    }
}
