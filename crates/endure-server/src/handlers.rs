//! Handlers of the REST API.

use crate::{ApiFailure, ServerState};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use endure_api::{
    BatchDelete, BatchDeleted, CreateInstance, DeleteError, Deleted, Envelope, InstanceCreated,
    InstanceListItem, ResultInfo, StatusChange, StatusChanged, StepOutput, WorkflowItem,
};
use endure_engine::{CreateOptions, InstanceHandle, StepSelector, WorkflowBinding};
use endure_model::{ApiError, ErrorCode, InstanceStatus, TriggerSource};
use endure_store::{InstanceRef, ListQuery};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::BTreeMap;

type Reply<T> = Result<Json<Envelope<T>>, ApiFailure>;

/// [`body_json`] for bodies that must be one JSON object (a list is not read as a struct's
/// fields in order).
fn body_object<T: DeserializeOwned>(
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
fn body_json<T: DeserializeOwned>(
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

fn binding(state: &ServerState, name: &str) -> Result<WorkflowBinding, ApiFailure> {
    state
        .engine
        .workflow(name)
        .map_err(|_| ApiFailure::not_found(format!("Workflow '{name}' not found.")))
}

async fn instance(state: &ServerState, name: &str, id: &str) -> Result<InstanceHandle, ApiFailure> {
    binding(state, name)?
        .get(id)
        .await
        .map_err(|_| ApiFailure::not_found(format!("Workflow instance '{id}' not found.")))
}

async fn workflow_item(state: &ServerState, name: &str) -> Result<WorkflowItem, ApiFailure> {
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

/// `created_on`/`modified_on` of a workflow: when it was defined through the API, or when this
/// server started (code-registered workflows come into being with the process).
fn defined_on(state: &ServerState, info: &endure_engine::WorkflowInfo) -> (String, String) {
    match info.defined_at {
        Some((c, m)) => (c.to_iso(), m.to_iso()),
        None => (state.started_on.clone(), state.started_on.clone()),
    }
}

#[derive(Debug, Deserialize)]
pub struct PageParams {
    page: Option<String>,
    per_page: Option<String>,
}

fn page_params(
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

/// A retention value: milliseconds or a duration string.
fn retention_ms(field: &str, v: &Option<Value>) -> Result<Option<u64>, ApiFailure> {
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

/// `schedules` of a `PUT`: `{cron, timezone?}` objects (Cloudflare's shape) or cron strings.
fn parse_schedules(list: &[Value]) -> Result<Vec<endure_model::cron::CronSchedule>, ApiFailure> {
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

fn created(h: &InstanceHandle, version_id: &str) -> InstanceCreated {
    InstanceCreated {
        id: h.id().to_string(),
        status: InstanceStatus::Queued,
        version_id: version_id.into(),
        workflow_id: h.workflow().to_string(),
    }
}

/// 429 (with `Retry-After`) when creating `n` instances now would pass the creation rate
/// limit; 400 when `n` is more than the limit's burst, which no wait can admit.
fn check_rate(state: &ServerState, n: usize) -> Result<(), ApiFailure> {
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

fn options(c: CreateInstance) -> CreateOptions {
    CreateOptions {
        id: c.instance_id,
        params: c.params,
    }
}

/// Checks what a create body carries beside the id and params: `instance_retention` (each value
/// milliseconds or a duration string; kept by the retention stage, checked now so bad values are
/// refused) and `location_hint` (one of Cloudflare's regions; Endure runs where it runs).
fn check_create(c: &CreateInstance) -> Result<(), ApiFailure> {
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

pub async fn not_found() -> ApiFailure {
    ApiFailure::not_found("No route for that path")
}

/// An instance that is gone (deleted meanwhile) is skipped by the bulk operations; any other
/// failure, above all a storage one, fails the request: nothing is acknowledged unstored.
fn skip_gone<T>(r: Result<T, ApiError>) -> Result<Option<T>, ApiFailure> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.code == ErrorCode::InstanceNotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Every instance of a workflow, newest first.
async fn all_instances(
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

#[derive(Debug, Deserialize)]
pub struct StepParams {
    name: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    attempt: Option<String>,
}

/// `GET …/instances/{id}/step?name=<name>-<n>&type=step|waitForEvent[&attempt=]`.
pub async fn step_output(
    State(state): State<ServerState>,
    Path((_account, name, id)): Path<(String, String, String)>,
    Query(q): Query<StepParams>,
) -> Reply<StepOutput> {
    let h = instance(&state, &name, &id).await?;
    let full = q.name.ok_or_else(|| {
        ApiFailure::invalid("name is required (the step name with its -<count> suffix)")
    })?;
    let (step_name, count) = full
        .rsplit_once('-')
        .and_then(|(n, c)| c.parse::<u32>().ok().map(|c| (n.to_string(), c)))
        .ok_or_else(|| ApiFailure::invalid("name must end with -<count>, e.g. \"fetch data-1\""))?;
    let kind = q.kind.as_deref().unwrap_or("step");
    if kind != "step" && kind != "waitForEvent" {
        return Err(ApiFailure::invalid("type must be step or waitForEvent"));
    }
    let attempt = match q.attempt.as_deref() {
        None => None,
        Some(_) if kind == "waitForEvent" => {
            return Err(ApiFailure::invalid(
                "attempt is not valid with waitForEvent",
            ));
        }
        Some(a) => Some(
            a.parse::<usize>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| ApiFailure::invalid("attempt must be a positive integer"))?,
        ),
    };
    let doc = serde_json::to_value(h.status().await?)
        .map_err(|e| ApiFailure::new(500, 10500, format!("internal error: {e}")))?;
    let step = doc["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|s| s["type"] == kind && s["name"] == step_name.as_str() && s["count"] == count)
        .ok_or_else(|| ApiFailure::not_found(format!("Step '{full}' not found.")))?;
    let error = |v: &Value| {
        serde_json::from_value::<Option<endure_model::ErrorInfo>>(v.clone())
            .ok()
            .flatten()
    };
    let out = if kind == "waitForEvent" {
        let finished = step["finished"] == serde_json::json!(true);
        let status = match (finished, step["error"].is_null()) {
            (false, _) => "waiting",
            (true, true) => "complete",
            (true, false) => "errored",
        };
        StepOutput {
            status: status.into(),
            error: error(&step["error"]),
            output: finished.then(|| step["output"].clone()),
            event_type: step["event_type"].as_str().map(String::from),
        }
    } else if let Some(n) = attempt {
        let a = step["attempts"].get(n - 1).ok_or_else(|| {
            ApiFailure::not_found(format!("Attempt {n} of step '{full}' not found."))
        })?;
        let status = match a["success"].as_bool() {
            Some(true) => "complete",
            Some(false) => "errored",
            None => "running",
        };
        StepOutput {
            status: status.into(),
            error: error(&a["error"]),
            output: None,
            event_type: None,
        }
    } else {
        let status = match step["success"].as_bool() {
            Some(true) => "complete",
            Some(false) => "errored",
            None => "running",
        };
        StepOutput {
            status: status.into(),
            error: error(&step["error"]),
            output: (status == "complete").then(|| step["output"].clone()),
            event_type: None,
        }
    };
    Ok(Json(Envelope::ok(out)))
}

fn version(state: &ServerState, name: &str) -> Result<endure_api::WorkflowVersion, ApiFailure> {
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

fn version_by_id(
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
