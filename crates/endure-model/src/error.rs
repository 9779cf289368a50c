//! Errors: the `{name, message}` records the reference engine reports, the error a workflow
//! sees, and the API errors of the binding with their stable codes.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A failure as recorded and reported: `{name, message}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ErrorInfo {
    pub name: String,
    pub message: String,
}

impl ErrorInfo {
    pub fn new(name: impl Into<String>, message: impl Into<String>) -> Self {
        ErrorInfo {
            name: name.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ErrorInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name, self.message)
    }
}

/// Error names used by the engine (the reference's names).
pub mod names {
    pub const ERROR: &str = "Error";
    pub const NON_RETRYABLE: &str = "NonRetryableError";
    pub const FATAL: &str = "WorkflowFatalError";
    pub const TIMEOUT: &str = "WorkflowTimeoutError";
    pub const INTERNAL: &str = "WorkflowInternalError";
    pub const NON_RETRYABLE_DELAY: &str = "NonRetryableDelayError";
}

/// Messages of the reference engine, reproduced exactly.
pub mod messages {
    pub fn step_limit(limit: u64) -> String {
        format!(
            "The limit of {limit} steps has been reached. This limit can be changed in your worker configuration."
        )
    }
    pub fn invalid_step_name(name: &str) -> String {
        format!("Step name \"{name}\" exceeds max length (256 chars) or invalid characters found")
    }
    pub fn invalid_step_config(name: &str) -> String {
        format!(
            "Step config for \"{name}\" is in a invalid format. See https://developers.cloudflare.com/workflows/build/sleeping-and-retrying/"
        )
    }
    pub fn timed_out(ms: u64) -> String {
        format!("Execution timed out after {ms}ms")
    }
    /// A step's delay function failed; `reason` is one of the three below.
    pub fn delay_function(name: &str, count: u32, reason: &str) -> String {
        format!("The delay function for step \"{name}-{count}\" {reason}")
    }
    pub fn delay_threw(message: &str) -> String {
        format!("threw an error: {message}")
    }
    pub const DELAY_TIMED_OUT: &str = "did not return within 5 seconds";
    pub const DELAY_INVALID: &str = "returned an invalid delay value (expected a number of ms or a duration string like \"30 seconds\")";
    pub fn non_retryable_attempt(message: &str) -> String {
        format!("Step threw a NonRetryableError with message \"{message}\"")
    }
    pub fn output_too_large(name: &str, count: u32) -> String {
        format!("Step {name}-{count} output is too large. Maximum allowed size is 1MiB.")
    }
    pub fn state_limit(limit_bytes: u64) -> String {
        const MIB: u64 = 1024 * 1024;
        let human = if limit_bytes.is_multiple_of(1024 * MIB) {
            format!("{}GiB", limit_bytes / (1024 * MIB))
        } else if limit_bytes.is_multiple_of(MIB) {
            format!("{}MiB", limit_bytes / MIB)
        } else {
            format!("{limit_bytes} bytes")
        };
        format!("The instance has exceeded the {human} storage limit")
    }
    pub const ATTEMPT_CUT_SHORT: &str = "Attempt failed due to internal workflows error";
    pub const TIME_TRAVELER: &str = "You can't sleep until a time in the past, time-traveler";
    pub fn invalid_duration(what: &str, name: &str, reason: &str) -> String {
        format!("Invalid {what} for \"{name}\": {reason}")
    }
    pub fn wait_too_long(what: &str, name: &str) -> String {
        format!("The {what} for \"{name}\" exceeds the maximum of 365 days")
    }
    pub fn invalid_event_type(name: &str) -> String {
        format!(
            "Event type for \"{name}\" must be 1 to 100 characters without control characters or '/'"
        )
    }
}

/// The error a workflow sees: a failed step re-thrown into `run`, or the error `run` returns.
///
/// Any `std::error::Error` converts into it with `?` (name `"Error"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkflowError {
    pub name: String,
    pub message: String,
    /// Set by `NonRetryableError`: the step fails at once, without retries.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub non_retryable: bool,
}

impl WorkflowError {
    pub fn new(name: impl Into<String>, message: impl Into<String>) -> Self {
        WorkflowError {
            name: name.into(),
            message: message.into(),
            non_retryable: false,
        }
    }

    /// A plain `Error` with a message.
    pub fn msg(message: impl Into<String>) -> Self {
        WorkflowError::new(names::ERROR, message)
    }

    /// The seeds' `NonRetryableError`: fail the step at once; if `run` does not handle it, the
    /// instance ends `errored` with this name and message.
    pub fn non_retryable(message: impl Into<String>) -> Self {
        WorkflowError {
            name: names::NON_RETRYABLE.into(),
            message: message.into(),
            non_retryable: true,
        }
    }

    /// Whether retries are skipped: the flag, the name `NonRetryableError`, or a message that
    /// starts with `NonRetryableError` (as the reference recognises it).
    pub fn is_non_retryable(&self) -> bool {
        self.non_retryable
            || self.name == names::NON_RETRYABLE
            || self.message.starts_with(names::NON_RETRYABLE)
    }

    pub fn info(&self) -> ErrorInfo {
        ErrorInfo::new(&self.name, &self.message)
    }

    /// A `WorkflowFatalError`.
    pub fn fatal(message: String) -> Self {
        WorkflowError::new(names::FATAL, message)
    }
}

impl From<ErrorInfo> for WorkflowError {
    fn from(e: ErrorInfo) -> Self {
        let mut w = WorkflowError::new(e.name, e.message);
        w.non_retryable = w.is_non_retryable();
        w
    }
}

impl fmt::Display for WorkflowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name, self.message)
    }
}

impl<E: std::error::Error> From<E> for WorkflowError {
    fn from(e: E) -> Self {
        WorkflowError::msg(e.to_string())
    }
}

/// Stable codes of binding/API errors (also the REST API's error codes later).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ErrorCode {
    #[serde(rename = "workflow.not_found")]
    WorkflowNotFound,
    #[serde(rename = "workflow.invalid_name")]
    InvalidWorkflowName,
    #[serde(rename = "instance.not_found")]
    InstanceNotFound,
    #[serde(rename = "instance.invalid_id")]
    InvalidInstanceId,
    #[serde(rename = "instance.already_exists")]
    AlreadyExists,
    #[serde(rename = "instance.cannot_terminate")]
    CannotTerminate,
    #[serde(rename = "instance.cannot_restart")]
    CannotRestart,
    #[serde(rename = "instance.not_running")]
    NotRunning,
    #[serde(rename = "batch.invalid_size")]
    InvalidBatchSize,
    #[serde(rename = "payload.too_large")]
    PayloadTooLarge,
    #[serde(rename = "event.invalid_type")]
    InvalidEventType,
    #[serde(rename = "input.invalid")]
    InvalidInput,
    #[serde(rename = "engine.shutting_down")]
    ShuttingDown,
    #[serde(rename = "storage.error")]
    Storage,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::WorkflowNotFound => "workflow.not_found",
            ErrorCode::InvalidWorkflowName => "workflow.invalid_name",
            ErrorCode::InstanceNotFound => "instance.not_found",
            ErrorCode::InvalidInstanceId => "instance.invalid_id",
            ErrorCode::AlreadyExists => "instance.already_exists",
            ErrorCode::CannotTerminate => "instance.cannot_terminate",
            ErrorCode::CannotRestart => "instance.cannot_restart",
            ErrorCode::NotRunning => "instance.not_running",
            ErrorCode::InvalidBatchSize => "batch.invalid_size",
            ErrorCode::PayloadTooLarge => "payload.too_large",
            ErrorCode::InvalidEventType => "event.invalid_type",
            ErrorCode::InvalidInput => "input.invalid",
            ErrorCode::ShuttingDown => "engine.shutting_down",
            ErrorCode::Storage => "storage.error",
        }
    }
}

/// An error of the binding API: a stable code and a human message.
/// Displayed as the reference formats binding errors: `(<code>) <message>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("({}) {message}", code.as_str())]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
        }
    }
    pub fn instance_not_found(id: &str) -> Self {
        ApiError::new(
            ErrorCode::InstanceNotFound,
            format!("Instance \"{id}\" does not exist"),
        )
    }
    pub fn cannot_terminate() -> Self {
        ApiError::new(
            ErrorCode::CannotTerminate,
            "Cannot terminate instance since its on a finite state",
        )
    }
    pub fn cannot_restart(step: &str) -> Self {
        ApiError::new(
            ErrorCode::CannotRestart,
            format!("Step \"{step}\" not found in execution history"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_retryable_is_recognised_like_the_reference() {
        assert!(WorkflowError::non_retryable("x").is_non_retryable());
        assert!(WorkflowError::new("NonRetryableError", "x").is_non_retryable());
        assert!(WorkflowError::msg("NonRetryableError: boom").is_non_retryable());
        assert!(!WorkflowError::new("CustomName", "boom").is_non_retryable());
    }

    #[test]
    fn api_error_display_has_the_code() {
        assert_eq!(
            ApiError::cannot_terminate().to_string(),
            "(instance.cannot_terminate) Cannot terminate instance since its on a finite state"
        );
    }

    #[test]
    fn std_errors_convert() {
        fn parse() -> Result<i32, WorkflowError> {
            Ok("x".parse::<i32>()?)
        }
        let e = parse().unwrap_err();
        assert_eq!(e.name, "Error");
        assert_eq!(e.message, "invalid digit found in string");
    }
}
