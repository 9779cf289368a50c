//! Endure's GraphQL analytics API: the reference's `workflowsAdaptiveGroups` (counts and wall
//! times grouped by the dimensions a query selects) and `workflowsAdaptive` (one row per
//! event), under `viewer.accounts(filter: {accountTag})`, as `POST /client/v4/graphql` serves
//! them.
//!
//! * [`dims`]: rows, dimensions and their values.
//! * [`filter`]: the `filter` argument, parsed and applied.
//! * [`dataset`]: reading rows (rollups, or instances' logs), grouping, ordering.
//! * [`schema`]: the GraphQL schema (async-graphql, dynamic).
//! * [`variables`]: undeclared variables of the seeds' examples.
//!
//! Architecture invariant: reads only; everything it answers comes from the engine's store
//! (rollups and logs), so every process sharing a store answers the same.

pub mod dataset;
pub mod dims;
pub mod filter;
pub mod schema;
pub mod variables;

use endure_engine::Engine;
use serde_json::{Value, json};
use std::sync::OnceLock;

/// Longest query text accepted, in bytes.
pub const MAX_QUERY_BYTES: usize = 64 * 1024;

fn the_schema() -> &'static async_graphql::dynamic::Schema {
    static SCHEMA: OnceLock<async_graphql::dynamic::Schema> = OnceLock::new();
    SCHEMA.get_or_init(schema::build)
}

/// The schema in GraphQL's schema language.
pub fn sdl() -> String {
    the_schema().sdl()
}

/// A GraphQL request body: `{"query", "variables"?, "operationName"?}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub query: String,
    pub variables: serde_json::Map<String, Value>,
    pub operation_name: Option<String>,
}

impl Request {
    /// Reads a request body; `Err` says what is wrong with it.
    pub fn from_json(body: &Value) -> Result<Request, String> {
        let obj = body
            .as_object()
            .ok_or("the body must be a JSON object with a \"query\"")?;
        let query = obj
            .get("query")
            .and_then(Value::as_str)
            .ok_or("the body has no \"query\" string")?;
        if query.len() > MAX_QUERY_BYTES {
            return Err(format!(
                "the query is {} bytes; at most {MAX_QUERY_BYTES} are accepted",
                query.len()
            ));
        }
        let variables = match obj.get("variables") {
            None | Some(Value::Null) => Default::default(),
            Some(Value::Object(m)) => m.clone(),
            Some(_) => return Err("\"variables\" must be an object".into()),
        };
        let operation_name = match obj.get("operationName") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err("\"operationName\" must be a string".into()),
        };
        Ok(Request {
            query: query.to_string(),
            variables,
            operation_name,
        })
    }
}

/// Runs a request against `engine`'s analytics; the answer is GraphQL's response document
/// (`data`, and `errors`: `null` when there are none, as the reference answers).
pub async fn execute(engine: &Engine, request: Request) -> Value {
    let query = variables::inline_undeclared(&request.query, &request.variables);
    let mut req = async_graphql::Request::new(query)
        .variables(async_graphql::Variables::from_json(Value::Object(
            request.variables,
        )))
        .data(engine.clone());
    if let Some(name) = request.operation_name {
        req = req.operation_name(name);
    }
    let response = the_schema().execute(req).await;
    let mut out = serde_json::to_value(&response).unwrap_or_else(|e| {
        json!({"data": null, "errors": [{"message": format!("the answer could not be written: {e}")}]})
    });
    if let Some(m) = out.as_object_mut() {
        m.entry("data").or_insert(Value::Null);
        m.entry("errors").or_insert(Value::Null);
        m.remove("extensions");
    }
    out
}

/// A response carrying one error, for a request that could not be read.
pub fn error_response(message: &str) -> Value {
    json!({"data": null, "errors": [{"message": message}]})
}
