//! The seed guide's Worker `fetch` handler, as app routes beside the REST API: `GET /` or
//! `POST /` creates an instance of the bound workflow and returns `{"instanceId": …}`;
//! `GET /?instanceId=<id>` returns that instance's status. It shows how a Rust app mounts its
//! own routes with a workflow binding in reach.

use crate::ApiFailure;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use endure_engine::{CreateOptions, WorkflowBinding};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
struct Params {
    #[serde(rename = "instanceId")]
    instance_id: Option<String>,
}

async fn fetch(
    State(binding): State<WorkflowBinding>,
    Query(p): Query<Params>,
) -> Result<Json<Value>, ApiFailure> {
    if let Some(id) = p.instance_id {
        let instance = binding.get(&id).await?;
        let status = instance.status().await?;
        return Ok(Json(serde_json::to_value(status).unwrap_or(Value::Null)));
    }
    let instance = binding.create(CreateOptions::new()).await?;
    Ok(Json(json!({"instanceId": instance.id()})))
}

/// The guide's handler for `binding`, at `/`.
pub fn routes(binding: WorkflowBinding) -> Router {
    Router::new()
        .route("/", get(fetch).post(fetch))
        .with_state(binding)
}
