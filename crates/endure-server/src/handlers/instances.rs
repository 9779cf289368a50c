//! Instances: list, create (one or a batch), get, status changes, events, batch delete, bulk
//! terminate.

use super::common::{
    Reply, all_instances, binding, body_json, body_object, instance, page_params, retention_ms,
    skip_gone,
};
use crate::{ApiFailure, ServerState};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use endure_api::{
    BatchDelete, BatchDeleted, CreateInstance, DeleteError, Deleted, Envelope, InstanceCreated,
    InstanceListItem, ResultInfo, StatusChange, StatusChanged,
};
use endure_engine::{CreateOptions, InstanceHandle, StepSelector};
use endure_model::{ErrorCode, InstanceStatus, TriggerSource};
use endure_store::{InstanceRef, ListQuery};
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
pub struct ListParams {
    status: Option<String>,
    date_start: Option<String>,
    date_end: Option<String>,
    direction: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
    cursor: Option<String>,
}

pub async fn list_instances(
    State(state): State<ServerState>,
    Path((_account, name)): Path<(String, String)>,
    Query(q): Query<ListParams>,
) -> Reply<Vec<InstanceListItem>> {
    let b = binding(&state, &name)?;
    let status = match q.status.as_deref() {
        None => None,
        Some(s) => Some(s.parse::<InstanceStatus>().map_err(|_| {
            ApiFailure::invalid(format!("Invalid status \"{s}\"; expected one of queued, running, paused, errored, terminated, complete, waitingForPause, waiting"))
        })?),
    };
    let (page, per_page) = page_params(q.page.as_deref(), q.per_page.as_deref(), 50)?;
    let before = match q.cursor.as_deref() {
        None | Some("") => None,
        Some(c) => Some(InstanceRef(
            c.parse::<i64>()
                .map_err(|_| ApiFailure::invalid("Invalid cursor"))?,
        )),
    };
    if before.is_some() && q.page.is_some() {
        return Err(ApiFailure::invalid(
            "page and cursor cannot be used together",
        ));
    }
    // `page` (deprecated by Cloudflare, still used by its SDKs) skips whole pages.
    let skip = (page - 1) * per_page;
    let date =
        |field: &str, v: Option<&str>| -> Result<Option<endure_model::Timestamp>, ApiFailure> {
            match v {
                None | Some("") => Ok(None),
                Some(s) => endure_model::Timestamp::parse_iso(s)
                    .map(Some)
                    .ok_or_else(|| {
                        ApiFailure::invalid(format!(
                            "{field} must be an ISO-8601 date or time in UTC, got \"{s}\""
                        ))
                    }),
            }
        };
    let created_from = date("date_start", q.date_start.as_deref())?;
    let created_to = date("date_end", q.date_end.as_deref())?;
    if let (Some(a), Some(b)) = (created_from, created_to)
        && a > b
    {
        return Err(ApiFailure::invalid("date_start is after date_end"));
    }
    let ascending = match q.direction.as_deref() {
        None | Some("desc") => false,
        Some("asc") => true,
        Some(other) => {
            return Err(ApiFailure::invalid(format!(
                "direction must be asc or desc, got \"{other}\""
            )));
        }
    };
    let query = ListQuery {
        workflow: b.name().to_string(),
        status,
        before,
        created_from,
        created_to,
        ascending,
        limit: skip + per_page + 1,
    };
    let store = state.engine.store();
    let mut rows = store
        .list_instances(&query)
        .await
        .map_err(ApiFailure::storage)?;
    let total = store
        .count_instances(&query)
        .await
        .map_err(ApiFailure::storage)?;
    let rows_total = rows.len();
    let mut rows: Vec<_> = rows.drain(..).skip(skip).collect();
    let more = rows_total > skip + per_page;
    rows.truncate(per_page);
    let cursor = if more {
        rows.last().map(|r| r.instance.0.to_string())
    } else {
        None
    };
    let items: Vec<InstanceListItem> = rows
        .into_iter()
        .map(|r| {
            let modified = r.ended_at.or(r.started_at).unwrap_or(r.created_at);
            InstanceListItem {
                id: r.id,
                workflow_id: r.workflow,
                version_id: r.version_id,
                status: r.status,
                created_on: r.created_at.to_iso(),
                modified_on: modified.to_iso(),
                started_on: r.started_at.map(|t| t.to_iso()),
                ended_on: r.ended_at.map(|t| t.to_iso()),
                trigger_source: serde_json::to_value(r.trigger)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default(),
            }
        })
        .collect();
    let n = items.len();
    Ok(Json(Envelope::page(
        items,
        ResultInfo {
            count: n,
            per_page,
            total_count: Some(total),
            cursor,
            page: None,
        },
    )))
}

pub(super) fn created(h: &InstanceHandle, version_id: &str) -> InstanceCreated {
    InstanceCreated {
        id: h.id().to_string(),
        status: InstanceStatus::Queued,
        version_id: version_id.into(),
        workflow_id: h.workflow().to_string(),
    }
}

/// 429 (with `Retry-After`) when creating `n` instances now would pass the creation rate
/// limit; 400 when `n` is more than the limit's burst, which no wait can admit.
pub(super) fn check_rate(state: &ServerState, n: usize) -> Result<(), ApiFailure> {
    let Some(l) = &state.creation_limit else {
        return Ok(());
    };
    match l.take(n) {
        Ok(()) => Ok(()),
        Err(None) => Err(ApiFailure::invalid(format!(
            "A batch of {n} instances can never be admitted: the server's creation burst is {}; \
             send batches of at most that many",
            l.burst()
        ))),
        Err(Some(wait)) => Err(ApiFailure::new(
            429,
            endure_api::codes::RATE_LIMITED,
            "Too many instance creations; try again later",
        )
        .retry_after(wait.as_secs_f64().ceil() as u64)),
    }
}

pub(super) fn options(c: CreateInstance) -> CreateOptions {
    CreateOptions {
        id: c.instance_id,
        params: c.params,
    }
}

/// Checks what a create body carries beside the id and params: `instance_retention` (each value
/// milliseconds or a duration string; kept by the retention stage, checked now so bad values are
/// refused) and `location_hint` (one of Cloudflare's regions; Endure runs where it runs).
pub(super) fn check_create(c: &CreateInstance) -> Result<(), ApiFailure> {
    if let Some(r) = &c.instance_retention {
        let o = r.as_object().ok_or_else(|| {
            ApiFailure::invalid(
                "instance_retention must be an object {success_retention?, error_retention?}",
            )
        })?;
        for (k, v) in o {
            if k != "success_retention" && k != "error_retention" {
                return Err(ApiFailure::invalid(format!(
                    "instance_retention.{k} is not a retention setting"
                )));
            }
            retention_ms(k, &Some(v.clone()))
                .map_err(|_| ApiFailure::invalid(format!(
                    "instance_retention.{k} must be milliseconds or a duration string like \"30 days\""
                )))?;
        }
    }
    const HINTS: [&str; 9] = [
        "wnam", "weur", "enam", "eeur", "apac", "oc", "sam", "afr", "me",
    ];
    if let Some(h) = &c.location_hint
        && !HINTS.contains(&h.as_str())
    {
        return Err(ApiFailure::invalid(format!(
            "location_hint must be one of {}",
            HINTS.join(", ")
        )));
    }
    Ok(())
}

pub async fn create_instance(
    State(state): State<ServerState>,
    Path((_account, name)): Path<(String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> Reply<InstanceCreated> {
    let b = binding(&state, &name)?;
    let req: CreateInstance = body_object(body, Some(CreateInstance::default()))?;
    check_create(&req)?;
    check_rate(&state, 1)?;
    let handles = b
        .create_with(vec![options(req)], TriggerSource::Api)
        .await?;
    let d = handles[0].status().await?;
    Ok(Json(Envelope::ok(created(&handles[0], &d.version_id))))
}

pub async fn create_batch(
    State(state): State<ServerState>,
    Path((_account, name)): Path<(String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> Reply<Vec<InstanceCreated>> {
    let b = binding(&state, &name)?;
    let raw: Vec<Value> = body_json(body, Some(vec![]))?;
    let req = raw
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            if !v.is_object() {
                return Err(ApiFailure::invalid(format!(
                    "Item {i} of the batch must be a JSON object"
                )));
            }
            serde_json::from_value::<CreateInstance>(v)
                .map_err(|e| ApiFailure::invalid(format!("Item {i} of the batch: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    for c in &req {
        check_create(c)?;
    }
    if req.is_empty() || req.len() > endure_model::limits::MAX_BATCH_SIZE {
        return Err(ApiFailure::invalid(format!(
            "A batch holds 1 to 100 instances, got {}",
            req.len()
        )));
    }
    check_rate(&state, req.len())?;
    let handles = b
        .create_with(req.into_iter().map(options).collect(), TriggerSource::Api)
        .await?;
    let mut out = Vec::with_capacity(handles.len());
    for h in &handles {
        let d = h.status().await?;
        out.push(created(h, &d.version_id));
    }
    Ok(Json(Envelope::ok(out)))
}

#[derive(Debug, Deserialize)]
pub struct GetParams {
    order: Option<String>,
    simple: Option<String>,
}

/// `GET` of the instance `id`, on a fixed path that shadows `…/instances/{instance_id}`
/// (`…/instances/batch`, `…/instances/terminate`: fixed routes for other methods).
pub fn get_instance_at(id: &'static str) -> axum::routing::MethodRouter<ServerState> {
    axum::routing::get(
        move |state: State<ServerState>,
              Path((account, name)): Path<(String, String)>,
              q: Query<GetParams>| async move {
            get_instance(state, Path((account, name, id.to_string())), q).await
        },
    )
}

pub async fn get_instance(
    State(state): State<ServerState>,
    Path((_account, name, id)): Path<(String, String, String)>,
    Query(q): Query<GetParams>,
) -> Reply<Value> {
    let h = instance(&state, &name, &id).await?;
    let mut d = h.status().await?;
    match q.order.as_deref() {
        None | Some("asc") => {}
        Some("desc") => d.steps.reverse(),
        Some(_) => return Err(ApiFailure::invalid("order must be asc or desc")),
    }
    let mut v =
        serde_json::to_value(&d).map_err(|_| ApiFailure::new(500, 10500, "internal error"))?;
    match q.simple.as_deref() {
        None | Some("false") => {}
        Some("true") => {
            if let Some(o) = v.as_object_mut() {
                o.remove("steps");
            }
        }
        Some(_) => return Err(ApiFailure::invalid("simple must be true or false")),
    }
    Ok(Json(Envelope::ok(v)))
}

pub async fn change_status(
    State(state): State<ServerState>,
    Path((_account, name, id)): Path<(String, String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> Reply<StatusChanged> {
    let h = instance(&state, &name, &id).await?;
    let change: StatusChange = body_json(body, None)?;
    match change {
        StatusChange::Pause => h.pause().await?,
        StatusChange::Resume => h.resume().await?,
        StatusChange::Terminate {
            rollback: Some(true),
        } => {
            return Err(ApiFailure::invalid(
                "terminate with rollback is not supported yet",
            ));
        }
        StatusChange::Terminate { .. } => h.terminate().await?,
        StatusChange::Restart { from: None } => h.restart().await?,
        StatusChange::Restart { from: Some(f) } => {
            h.restart_from(StepSelector::parse(f.name, f.count, f.kind.as_deref())?)
                .await?
        }
    }
    let d = h.status().await?;
    Ok(Json(Envelope::ok(StatusChanged {
        status: d.status,
        timestamp: state.engine.now().to_iso(),
    })))
}

pub async fn send_event(
    State(state): State<ServerState>,
    Path((_account, name, id, event_type)): Path<(String, String, String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> Reply<Value> {
    let h = instance(&state, &name, &id).await?;
    let payload: Value = body_json(body, Some(Value::Object(Default::default())))?;
    h.send_event(&event_type, payload).await?;
    Ok(Json(Envelope::ok(Value::Object(Default::default()))))
}

/// `POST …/instances/batch/delete` `{instances: [...]}`: 1 to 100 ids, each deleted once.
pub async fn delete_batch(
    State(state): State<ServerState>,
    Path((_account, name)): Path<(String, String)>,
    body: Result<Bytes, BytesRejection>,
) -> Reply<BatchDeleted> {
    let b = binding(&state, &name)?;
    let req: BatchDelete = body_object(body, None)?;
    if req.instances.is_empty() || req.instances.len() > endure_model::limits::MAX_BATCH_SIZE {
        return Err(ApiFailure::invalid(format!(
            "A batch delete holds 1 to 100 ids, got {}",
            req.instances.len()
        )));
    }
    let mut seen = std::collections::HashSet::new();
    let mut out = BatchDeleted {
        deleted: vec![],
        errors: vec![],
    };
    for id in req.instances {
        if !seen.insert(id.clone()) {
            continue;
        }
        let result = match b.get(&id).await {
            Ok(h) => h.delete().await,
            Err(e) => Err(e),
        };
        // A storage failure fails the whole request (what was deleted before it stays deleted:
        // each deletion is its own commit).
        if let Err(e) = &result
            && e.code == ErrorCode::Storage
        {
            return Err(e.clone().into());
        }
        match result {
            Ok(()) => out.deleted.push(Deleted { id }),
            Err(e) => {
                let f = ApiFailure::from(e);
                out.errors.push(DeleteError {
                    id,
                    code: f.code,
                    message: f.message,
                });
            }
        }
    }
    Ok(Json(Envelope::ok(out)))
}

#[derive(Debug, Deserialize)]
pub struct TerminateAllParams {
    status: Option<String>,
}

/// `PUT …/instances/terminate[?status=]`: terminates every unfinished instance (of a status).
/// Endure does it before answering, so a second call never finds a job `already_running`.
pub async fn terminate_all(
    State(state): State<ServerState>,
    Path((_account, name)): Path<(String, String)>,
    Query(q): Query<TerminateAllParams>,
) -> Reply<Value> {
    let b = binding(&state, &name)?;
    let allowed = [
        InstanceStatus::Queued,
        InstanceStatus::Running,
        InstanceStatus::Paused,
        InstanceStatus::WaitingForPause,
        InstanceStatus::Waiting,
    ];
    let statuses: Vec<InstanceStatus> = match q.status.as_deref() {
        None => allowed.to_vec(),
        Some(s) => match s.parse::<InstanceStatus>() {
            Ok(st) if allowed.contains(&st) => vec![st],
            _ => {
                return Err(ApiFailure::invalid(format!(
                    "Invalid status \"{s}\"; expected queued, running, paused, waitingForPause or waiting"
                )));
            }
        },
    };
    for st in statuses {
        for id in all_instances(&state, &name, Some(st)).await? {
            let Some(h) = skip_gone(b.get(&id).await)? else {
                continue;
            };
            match h.terminate().await {
                // It may have finished meanwhile: that is not an error here.
                Err(e) if e.code == ErrorCode::CannotTerminate => {}
                other => {
                    skip_gone(other)?;
                }
            }
        }
    }
    Ok(Json(Envelope::ok(serde_json::json!({"status": "ok"}))))
}
