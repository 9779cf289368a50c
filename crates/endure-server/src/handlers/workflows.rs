//! Workflows: list, get, put (definitions and schedules), delete.

use super::common::{
    Reply, all_instances, binding, body_object, defined_on, page_params, retention_ms, skip_gone,
};
use crate::{ApiFailure, ServerState};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use endure_api::{Envelope, ResultInfo, WorkflowItem};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

pub(super) async fn workflow_item(
    state: &ServerState,
    name: &str,
) -> Result<WorkflowItem, ApiFailure> {
    let info = state
        .engine
        .workflow_info(name)
        .ok_or_else(|| ApiFailure::not_found(format!("Workflow '{name}' not found.")))?;
    let counts = state
        .engine
        .store()
        .count_by_status(name)
        .await
        .map_err(ApiFailure::storage)?;
    let (created_on, modified_on) = defined_on(state, &info);
    Ok(WorkflowItem {
        id: name.to_string(),
        name: name.to_string(),
        class_name: info.class_name,
        script_name: info.script_name,
        created_on,
        modified_on,
        triggered_on: None,
        instances: counts
            .into_iter()
            .map(|(s, n)| (s.as_str().to_string(), n))
            .collect::<BTreeMap<_, _>>(),
        schedules: state
            .engine
            .schedules(name)
            .into_iter()
            .map(|s| endure_api::ScheduleItem {
                cron: s.schedule.expression().to_string(),
                next_instance: s.next.map(|t| t.to_iso()),
                timezone: s.schedule.timezone().map(str::to_string),
            })
            .collect(),
    })
}

#[derive(Debug, Deserialize)]
pub struct WorkflowListParams {
    page: Option<String>,
    per_page: Option<String>,
    search: Option<String>,
}

pub async fn list_workflows(
    State(state): State<ServerState>,
    Query(q): Query<WorkflowListParams>,
) -> Reply<Vec<WorkflowItem>> {
    let (page, per_page) = page_params(q.page.as_deref(), q.per_page.as_deref(), 50)?;
    let search = q.search.unwrap_or_default().to_lowercase();
    let names: Vec<String> = state
        .engine
        .workflow_names()
        .into_iter()
        .filter(|n| n.to_lowercase().contains(&search))
        .collect();
    let total = names.len();
    let mut items = vec![];
    for name in names.iter().skip((page - 1) * per_page).take(per_page) {
        items.push(workflow_item(&state, name).await?);
    }
    let info = ResultInfo {
        count: items.len(),
        per_page,
        total_count: Some(total as u64),
        cursor: None,
        page: Some(page),
    };
    Ok(Json(Envelope::page(items, info)))
}

pub async fn get_workflow(
    State(state): State<ServerState>,
    Path((_account, name)): Path<(String, String)>,
) -> Reply<WorkflowItem> {
    binding(&state, &name)?;
    Ok(Json(Envelope::ok(workflow_item(&state, &name).await?)))
}

/// `schedules` of a `PUT`: `{cron, timezone?}` objects (Cloudflare's shape) or cron strings.
pub(super) fn parse_schedules(
    list: &[Value],
) -> Result<Vec<endure_model::cron::CronSchedule>, ApiFailure> {
    let mut out = Vec::with_capacity(list.len());
    for (i, v) in list.iter().enumerate() {
        let (cron, tz) = match v {
            Value::String(c) => (c.as_str(), None),
            Value::Object(o) => {
                if let Some(k) = o.keys().find(|k| *k != "cron" && *k != "timezone") {
                    return Err(ApiFailure::invalid(format!(
                        "schedules[{i}]: unknown field \"{k}\" (expected cron, timezone)"
                    )));
                }
                let cron = o.get("cron").and_then(Value::as_str).ok_or_else(|| {
                    ApiFailure::invalid(format!(
                        "schedules[{i}].cron must be a cron expression string"
                    ))
                })?;
                let tz = match o.get("timezone") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(t)) => Some(t.as_str()),
                    Some(_) => {
                        return Err(ApiFailure::invalid(format!(
                            "schedules[{i}].timezone must be an IANA time zone name"
                        )));
                    }
                };
                (cron, tz)
            }
            _ => {
                return Err(ApiFailure::invalid(format!(
                    "schedules[{i}] must be {{\"cron\": \"…\"}} or a cron string"
                )));
            }
        };
        let parsed = endure_model::cron::CronSchedule::parse(cron, tz)
            .map_err(|e| ApiFailure::invalid(format!("schedules[{i}]: {e}")))?;
        if !out.contains(&parsed) {
            out.push(parsed);
        }
    }
    Ok(out)
}

/// `PUT …/workflows/{name}`: binds a name to one of the server's workflow classes and sets its
/// step limit and retention (stored; survives restarts).
pub async fn put_workflow(
    State(state): State<ServerState>,
    Path((_account, name)): Path<(String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> Reply<endure_api::WorkflowPut> {
    let req: endure_api::PutWorkflow = body_object(body, None)?;
    let schedules = match &req.schedules {
        None => None,
        Some(list) => Some(parse_schedules(list)?),
    };
    if req.concurrency.is_some() {
        return Err(ApiFailure::invalid(
            "concurrency: per-workflow concurrency limits are not supported by this Endure release (the server's max_running applies)",
        ));
    }
    if req.script_name.is_empty() {
        return Err(ApiFailure::invalid("script_name must not be empty"));
    }
    let retention = match &req.default_retention {
        None => None,
        Some(r) => Some(endure_engine::Retention {
            success_retention: retention_ms("success_retention", &r.success_retention)?,
            error_retention: retention_ms("error_retention", &r.error_retention)?,
        }),
    };
    let def = endure_engine::WorkflowDefinition {
        class_name: req.class_name,
        script_name: req.script_name,
        step_limit: req.limits.and_then(|l| l.steps),
        retention,
        schedules,
    };
    let info = state.engine.put_workflow(&name, def).await?;
    let (created_on, modified_on) = defined_on(&state, &info);
    Ok(Json(Envelope::ok(endure_api::WorkflowPut {
        id: info.name.clone(),
        name: info.name,
        class_name: info.class_name,
        script_name: info.script_name,
        created_on,
        modified_on,
        triggered_on: None,
        version_id: info.options.version_id,
        is_deleted: 0,
        terminator_running: 0,
    })))
}

/// `DELETE …/workflows/{name}`: deletes the workflow's instances (the code stays registered).
pub async fn delete_workflow(
    State(state): State<ServerState>,
    Path((_account, name)): Path<(String, String)>,
) -> Reply<Value> {
    let b = binding(&state, &name)?;
    for id in all_instances(&state, &name, None).await? {
        if let Some(h) = skip_gone(b.get(&id).await)? {
            skip_gone(h.delete().await)?;
        }
    }
    state.engine.delete_workflow_definition(&name).await?;
    Ok(Json(Envelope::ok(
        serde_json::json!({"status": "ok", "success": true}),
    )))
}
