//! What the handlers share: the envelope reply, body parsing, the binding and instance
//! lookups, pagination, and the retention and version fields.

use crate::{ApiFailure, ServerState};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use endure_api::Envelope;
use endure_engine::{InstanceHandle, WorkflowBinding};
use endure_model::{ApiError, ErrorCode, InstanceStatus};
use endure_store::ListQuery;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

pub(super) type Reply<T> = Result<Json<Envelope<T>>, ApiFailure>;

/// [`body_json`] for bodies that must be one JSON object (a list is not read as a struct's
/// fields in order).
pub(super) fn body_object<T: DeserializeOwned>(
    body: Result<Bytes, BytesRejection>,
    empty: Option<T>,
) -> Result<T, ApiFailure> {
    if let Ok(b) = &body
        && let Some(first) = b.iter().find(|c| !c.is_ascii_whitespace())
        && *first != b'{'
    {
        return Err(ApiFailure::invalid("The body must be a JSON object"));
    }
    body_json(body, empty)
}

/// Parses a JSON body; an empty body is `empty`, or an error when there is no default.
pub(super) fn body_json<T: DeserializeOwned>(
    body: Result<Bytes, BytesRejection>,
    empty: Option<T>,
) -> Result<T, ApiFailure> {
    let bytes = body.map_err(|r| {
        let status = r.status().as_u16();
        if status == 413 {
            ApiFailure::new(
                413,
                10413,
                format!(
                    "Request body is larger than {} bytes",
                    crate::MAX_BODY_BYTES
                ),
            )
        } else {
            ApiFailure::invalid("Could not read the request body")
        }
    })?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return empty.ok_or_else(|| ApiFailure::invalid("A JSON body is required"));
    }
    serde_json::from_slice(&bytes)
        .map_err(|e| ApiFailure::invalid(format!("Malformed JSON body: {e}")))
}

pub(super) fn binding(state: &ServerState, name: &str) -> Result<WorkflowBinding, ApiFailure> {
    state
        .engine
        .workflow(name)
        .map_err(|_| ApiFailure::not_found(format!("Workflow '{name}' not found.")))
}

pub(super) async fn instance(
    state: &ServerState,
    name: &str,
    id: &str,
) -> Result<InstanceHandle, ApiFailure> {
    binding(state, name)?
        .get(id)
        .await
        .map_err(|_| ApiFailure::not_found(format!("Workflow instance '{id}' not found.")))
}

#[derive(Debug, Deserialize)]
pub struct PageParams {
    pub(super) page: Option<String>,
    pub(super) per_page: Option<String>,
}

pub(super) fn page_params(
    page: Option<&str>,
    per_page: Option<&str>,
    default_per_page: usize,
) -> Result<(usize, usize), ApiFailure> {
    let page = match page {
        None => 1,
        Some(p) => p
            .parse::<usize>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| ApiFailure::invalid("page must be a positive integer"))?,
    };
    let per_page = match per_page {
        None => default_per_page,
        Some(p) => p
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| ApiFailure::invalid("per_page must be an integer from 1 to 100"))?,
    };
    Ok((page, per_page))
}

pub async fn not_found() -> ApiFailure {
    ApiFailure::not_found("No route for that path")
}

/// An instance that is gone (deleted meanwhile) is skipped by the bulk operations; any other
/// failure, above all a storage one, fails the request: nothing is acknowledged unstored.
pub(super) fn skip_gone<T>(r: Result<T, ApiError>) -> Result<Option<T>, ApiFailure> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.code == ErrorCode::InstanceNotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Every instance of a workflow, newest first.
pub(super) async fn all_instances(
    state: &ServerState,
    name: &str,
    status: Option<InstanceStatus>,
) -> Result<Vec<String>, ApiFailure> {
    let mut ids = vec![];
    let mut before = None;
    loop {
        let q = ListQuery {
            workflow: name.to_string(),
            status,
            before,
            limit: 500,
            ..ListQuery::default()
        };
        let rows = state
            .engine
            .store()
            .list_instances(&q)
            .await
            .map_err(ApiFailure::storage)?;
        let Some(last) = rows.last() else { break };
        before = Some(last.instance);
        ids.extend(rows.into_iter().map(|r| r.id));
    }
    Ok(ids)
}

/// A retention value: milliseconds or a duration string.
pub(super) fn retention_ms(field: &str, v: &Option<Value>) -> Result<Option<u64>, ApiFailure> {
    let Some(v) = v else { return Ok(None) };
    let input: endure_model::DurationInput = serde_json::from_value(v.clone()).map_err(|_| {
        ApiFailure::invalid(format!(
            "default_retention.{field} must be milliseconds or a duration string like \"30 days\""
        ))
    })?;
    input
        .to_ms()
        .map(Some)
        .map_err(|e| ApiFailure::invalid(format!("default_retention.{field}: {e}")))
}

/// `created_on`/`modified_on` of a workflow: when it was defined through the API, or when this
/// server started (code-registered workflows come into being with the process).
pub(super) fn defined_on(
    state: &ServerState,
    info: &endure_engine::WorkflowInfo,
) -> (String, String) {
    match info.defined_at {
        Some((c, m)) => (c.to_iso(), m.to_iso()),
        None => (state.started_on.clone(), state.started_on.clone()),
    }
}
