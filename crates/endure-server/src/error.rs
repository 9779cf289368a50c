//! One error type for every handler: the v4 envelope with `success: false`, a stable code and
//! the right HTTP status. Messages never carry internals.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use endure_api::Envelope;
use endure_model::{ApiError, ErrorCode};

/// An API failure: HTTP status, numeric code, message.
#[derive(Debug)]
pub struct ApiFailure {
    pub status: StatusCode,
    pub code: u32,
    pub message: String,
    /// Seconds a client should wait before trying again (`Retry-After`).
    pub retry_after: Option<u64>,
}

impl ApiFailure {
    pub fn new(status: u16, code: u32, message: impl Into<String>) -> Self {
        ApiFailure {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            code,
            message: message.into(),
            retry_after: None,
        }
    }
    /// With `Retry-After: seconds`.
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds.max(1));
        self
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        ApiFailure::new(400, 10001, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        ApiFailure::new(404, 10501, message)
    }
    /// The store failed: logged with its cause on standard error (operators need it), answered
    /// as a 500 without it (clients must not see internals).
    pub fn storage(cause: impl std::fmt::Display) -> Self {
        tracing::error!(target: "endure::storage", error = %cause, "storage error");
        ApiFailure::new(500, 10500, "internal storage error")
    }
}

impl From<ApiError> for ApiFailure {
    fn from(e: ApiError) -> Self {
        if e.code == ErrorCode::Storage {
            return ApiFailure::storage(e.message);
        }
        let (status, code) = endure_api::http_error(e.code);
        ApiFailure::new(status, code, e.message)
    }
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        let mut r = (
            self.status,
            axum::Json(Envelope::<()>::error(self.code, self.message)),
        )
            .into_response();
        if let Some(s) = self.retry_after {
            r.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(s),
            );
        }
        r
    }
}
