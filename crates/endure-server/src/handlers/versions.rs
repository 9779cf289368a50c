//! Workflow versions and their graph.

use super::common::{PageParams, Reply, defined_on, page_params};
use crate::{ApiFailure, ServerState};
use axum::Json;
use axum::extract::{Path, Query, State};
use endure_api::{Envelope, ResultInfo};
use serde_json::Value;

pub(super) fn version(
    state: &ServerState,
    name: &str,
) -> Result<endure_api::WorkflowVersion, ApiFailure> {
    let info = state
        .engine
        .workflow_info(name)
        .ok_or_else(|| ApiFailure::not_found(format!("Workflow '{name}' not found.")))?;
    let (created_on, modified_on) = defined_on(state, &info);
    Ok(endure_api::WorkflowVersion {
        id: info.options.version_id,
        workflow_id: name.to_string(),
        class_name: info.class_name,
        created_on,
        modified_on,
        has_dag: false,
        language: info.options.language.clone(),
        limits: endure_api::VersionLimits {
            steps: info.options.step_limit,
        },
        default_retention: info.retention.map(|r| endure_api::RetentionBody {
            success_retention: r.success_retention.map(Value::from),
            error_retention: r.error_retention.map(Value::from),
        }),
    })
}

/// `GET …/workflows/{name}/versions`: the one version this server runs.
pub async fn list_versions(
    State(state): State<ServerState>,
    Path((_account, name)): Path<(String, String)>,
    Query(q): Query<PageParams>,
) -> Reply<Vec<endure_api::WorkflowVersion>> {
    let (page, per_page) = page_params(q.page.as_deref(), q.per_page.as_deref(), 50)?;
    let v = version(&state, &name)?;
    let items: Vec<_> = std::iter::once(v)
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    let info = ResultInfo {
        count: items.len(),
        per_page,
        total_count: Some(1),
        cursor: None,
        page: Some(page),
    };
    Ok(Json(Envelope::page(items, info)))
}

pub(super) fn version_by_id(
    state: &ServerState,
    name: &str,
    id: &str,
) -> Result<endure_api::WorkflowVersion, ApiFailure> {
    let v = version(state, name)?;
    if v.id != id {
        return Err(ApiFailure::not_found(format!(
            "Version '{id}' of workflow '{name}' not found."
        )));
    }
    Ok(v)
}

/// `GET …/workflows/{name}/versions/{version_id}`.
pub async fn get_version(
    State(state): State<ServerState>,
    Path((_account, name, id)): Path<(String, String, String)>,
) -> Reply<endure_api::WorkflowVersion> {
    Ok(Json(Envelope::ok(version_by_id(&state, &name, &id)?)))
}

/// `GET …/workflows/{name}/versions/{version_id}/graph`.
pub async fn version_graph(
    State(state): State<ServerState>,
    Path((_account, name, id)): Path<(String, String, String)>,
) -> Reply<endure_api::VersionGraph> {
    let v = version_by_id(&state, &name, &id)?;
    Ok(Json(Envelope::ok(endure_api::VersionGraph {
        id: v.id,
        workflow_id: v.workflow_id,
        class_name: v.class_name,
        created_on: v.created_on,
        modified_on: v.modified_on,
        graph: None,
    })))
}
