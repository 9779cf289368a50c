//! One step's full output.

use super::common::{Reply, instance};
use crate::{ApiFailure, ServerState};
use axum::Json;
use axum::extract::{Path, Query, State};
use endure_api::{Envelope, StepOutput};
use serde::Deserialize;
use serde_json::Value;

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
