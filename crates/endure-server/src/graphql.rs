//! `POST /client/v4/graphql`: the analytics datasets (`endure_graphql`), behind the API's
//! token. The body is GraphQL's `{"query", "variables", "operationName"}`; the answer is
//! GraphQL's `{"data", "errors"}` (200 whenever the request could be read, as GraphQL servers
//! answer; 400 with the same shape when the body is not a GraphQL request).

use crate::ServerState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

pub async fn handle(State(state): State<ServerState>, body: Bytes) -> Response {
    let request = serde_json::from_slice::<serde_json::Value>(&body)
        .map_err(|e| format!("the body is not JSON: {e}"))
        .and_then(|v| endure_graphql::Request::from_json(&v));
    match request {
        Ok(r) => Json(endure_graphql::execute(&state.engine, r).await).into_response(),
        Err(message) => (
            StatusCode::BAD_REQUEST,
            Json(endure_graphql::error_response(&message)),
        )
            .into_response(),
    }
}
