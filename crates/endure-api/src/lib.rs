//! The REST API's wire types: the Cloudflare v4 envelope and the Workflows request and response
//! bodies, with Cloudflare's field names (mixed snake_case and camelCase, copied exactly).
//! The server and the CLI both use these, so they cannot disagree.

use endure_model::{ErrorCode, InstanceStatus};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Base path of the API; `{account_id}` is accepted and echoed, not checked.
pub const BASE_PATH: &str = "/client/v4/accounts/{account_id}/workflows";

/// `{code, message}` in `errors` and `messages`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ApiMessage {
    pub code: u32,
    pub message: String,
}

/// Pagination facts of a list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ResultInfo {
    pub count: usize,
    pub per_page: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_count: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<usize>,
}

/// The v4 envelope around every response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "Envelope_for_{T}")]
pub struct Envelope<T> {
    pub success: bool,
    pub errors: Vec<ApiMessage>,
    pub messages: Vec<ApiMessage>,
    pub result: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_info: Option<ResultInfo>,
}

impl<T> Envelope<T> {
    pub fn ok(result: T) -> Self {
        Envelope {
            success: true,
            errors: vec![],
            messages: vec![],
            result: Some(result),
            result_info: None,
        }
    }
    pub fn page(result: T, info: ResultInfo) -> Self {
        Envelope {
            result_info: Some(info),
            ..Envelope::ok(result)
        }
    }
    pub fn error(code: u32, message: impl Into<String>) -> Self {
        Envelope {
            success: false,
            errors: vec![ApiMessage {
                code,
                message: message.into(),
            }],
            messages: vec![],
            result: None,
            result_info: None,
        }
    }
}

/// Numeric codes of the errors the HTTP layer gives before a handler runs (Endure's own).
pub mod codes {
    /// 403: a request from another origin, or to a host name that is not the server's.
    pub const FORBIDDEN_ORIGIN: u32 = 10403;
    /// 405: the path exists, the method does not (the answer carries `Allow`).
    pub const METHOD_NOT_ALLOWED: u32 = 10405;
    /// 408: the body did not arrive in time.
    pub const TIMEOUT: u32 = 10408;
    /// 413: a body over the limit (from its `Content-Length`, before it is read).
    pub const TOO_LARGE: u32 = 10413;
    /// 414: a request target over the limit.
    pub const URI_TOO_LONG: u32 = 10414;
    /// 415: a body that is not JSON, or is encoded (`Content-Encoding`).
    pub const UNSUPPORTED_MEDIA: u32 = 10415;
    /// 429: over the creation rate (the answer carries `Retry-After`).
    pub const RATE_LIMITED: u32 = 10429;
    /// 503: the server is at its connection limit (the answer carries `Retry-After`).
    pub const OVERLOADED: u32 = 10503;
}

/// Numeric error codes in `errors[].code`, and the HTTP status of each engine error code.
/// 10001 (invalid input) and 10501 (not found) are those Cloudflare's local emulator uses; the
/// others are Endure's own (production's codes are not published).
pub fn http_error(code: ErrorCode) -> (u16, u32) {
    match code {
        ErrorCode::WorkflowNotFound | ErrorCode::InstanceNotFound => (404, 10501),
        ErrorCode::InvalidInstanceId
        | ErrorCode::InvalidWorkflowName
        | ErrorCode::InvalidBatchSize
        | ErrorCode::InvalidEventType
        | ErrorCode::InvalidInput => (400, 10001),
        ErrorCode::AlreadyExists => (409, 10409),
        ErrorCode::CannotTerminate | ErrorCode::CannotRestart | ErrorCode::NotRunning => {
            (409, 10410)
        }
        ErrorCode::PayloadTooLarge => (413, 10413),
        ErrorCode::ShuttingDown => (503, 10503),
        ErrorCode::Storage => (500, 10500),
    }
}

/// Body of `POST …/instances` (all optional), also one element of `POST …/instances/batch`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CreateInstance {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_retention: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_hint: Option<String>,
}

/// Result of a create: `{id, status, version_id, workflow_id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct InstanceCreated {
    pub id: String,
    pub status: InstanceStatus,
    pub version_id: String,
    pub workflow_id: String,
}

/// One element of `GET …/instances`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct InstanceListItem {
    pub id: String,
    pub workflow_id: String,
    pub version_id: String,
    pub status: InstanceStatus,
    pub created_on: String,
    pub modified_on: String,
    pub started_on: Option<String>,
    pub ended_on: Option<String>,
    pub trigger_source: String,
}

/// `from` of a restart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RestartFrom {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// Body of `PATCH …/instances/{id}/status`: a union tagged by `status`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "status", rename_all = "lowercase", deny_unknown_fields)]
pub enum StatusChange {
    Pause,
    Resume,
    Terminate {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rollback: Option<bool>,
    },
    Restart {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<RestartFrom>,
    },
}

/// Result of a status change: `{status, timestamp}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StatusChanged {
    pub status: InstanceStatus,
    pub timestamp: String,
}

/// Body of `POST …/instances/batch/delete`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct BatchDelete {
    pub instances: Vec<String>,
}

/// `{id}` of a deleted instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Deleted {
    pub id: String,
}

/// `{id, code, message}` of an instance that could not be deleted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DeleteError {
    pub id: String,
    pub code: u32,
    pub message: String,
}

/// Result of a batch delete.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct BatchDeleted {
    pub deleted: Vec<Deleted>,
    pub errors: Vec<DeleteError>,
}

/// Result of `GET …/instances/{id}/step`: one step's status, error and full output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StepOutput {
    pub status: String,
    pub error: Option<endure_model::ErrorInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_type: Option<String>,
}

/// `limits` of a workflow version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct VersionLimits {
    pub steps: u64,
}

/// A workflow version (`GET …/versions`, `GET …/versions/{version_id}`). An Endure workflow has
/// one version per registration: the code the server runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct WorkflowVersion {
    pub id: String,
    pub workflow_id: String,
    pub class_name: String,
    pub created_on: String,
    pub modified_on: String,
    pub has_dag: bool,
    pub language: String,
    pub limits: VersionLimits,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_retention: Option<RetentionBody>,
}

/// `GET …/versions/{version_id}/graph`: Endure has no step graph yet, so `graph` is null.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct VersionGraph {
    pub id: String,
    pub workflow_id: String,
    pub class_name: String,
    pub created_on: String,
    pub modified_on: String,
    pub graph: Option<Value>,
}

/// `default_retention` of a workflow: each a number of milliseconds or a duration string
/// (`"30 days"`); answered in milliseconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RetentionBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_retention: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_retention: Option<Value>,
}

/// `limits` of `PUT …/workflows/{name}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct WorkflowLimitsBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<u64>,
}

/// Body of `PUT …/workflows/{name}` (create or update).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PutWorkflow {
    /// A workflow class the server has (Rust code it registered, or a class its Worker project
    /// exports).
    pub class_name: String,
    pub script_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<WorkflowLimitsBody>,
    /// Cron schedules: each entry `{cron, timezone?}` or a cron string; each firing creates an
    /// instance. Absent: the schedules stay as they are; `[]` removes them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedules: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_retention: Option<RetentionBody>,
    /// A per-workflow concurrency limit: not supported by this release (the server-wide
    /// `max_running` applies); given, it is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<Value>,
}

/// Result of `PUT …/workflows/{name}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct WorkflowPut {
    pub id: String,
    pub name: String,
    pub class_name: String,
    pub script_name: String,
    pub created_on: String,
    pub modified_on: String,
    pub triggered_on: Option<String>,
    pub version_id: String,
    pub is_deleted: u8,
    pub terminator_running: u8,
}

/// One element of `GET …/workflows` (and the result of `GET …/workflows/{name}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct WorkflowItem {
    pub id: String,
    pub name: String,
    pub class_name: String,
    pub script_name: String,
    pub created_on: String,
    pub modified_on: String,
    pub triggered_on: Option<String>,
    /// Instance counts by status (statuses with none are absent).
    pub instances: std::collections::BTreeMap<String, u64>,
    /// Cron schedules and when each fires next.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schedules: Vec<ScheduleItem>,
}

/// A workflow's cron schedule, as `GET …/workflows/{name}` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ScheduleItem {
    pub cron: String,
    /// The next firing (ISO-8601, UTC); null if the expression never fires again.
    pub next_instance: Option<String>,
    /// The IANA time zone the expression is read in (absent: UTC). An Endure extension.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn status_change_bodies() {
        let cases = [
            (json!({"status": "pause"}), StatusChange::Pause),
            (json!({"status": "resume"}), StatusChange::Resume),
            (
                json!({"status": "terminate"}),
                StatusChange::Terminate { rollback: None },
            ),
            (
                json!({"status": "restart", "from": {"name": "a", "count": 2, "type": "sleep"}}),
                StatusChange::Restart {
                    from: Some(RestartFrom {
                        name: "a".into(),
                        count: Some(2),
                        kind: Some("sleep".into()),
                    }),
                },
            ),
        ];
        for (j, want) in cases {
            assert_eq!(serde_json::from_value::<StatusChange>(j).unwrap(), want);
        }
        assert!(serde_json::from_value::<StatusChange>(json!({"status": "explode"})).is_err());
    }

    #[test]
    fn envelope_shape() {
        let e = serde_json::to_value(Envelope::<()>::error(10501, "nope")).unwrap();
        assert_eq!(
            e,
            json!({"success": false, "errors": [{"code": 10501, "message": "nope"}], "messages": [], "result": null})
        );
        let ok = serde_json::to_value(Envelope::page(
            vec![1],
            ResultInfo {
                count: 1,
                per_page: 10,
                ..Default::default()
            },
        ))
        .unwrap();
        assert_eq!(ok["result_info"], json!({"count": 1, "per_page": 10}));
    }
}
