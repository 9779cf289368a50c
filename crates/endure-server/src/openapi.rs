//! The route table, and the OpenAPI document generated from it.
//!
//! The router is built from [`OPERATIONS`] (see `crate::router`), and the document from the same
//! table and the same Rust types the handlers read and write (their JSON Schemas are derived),
//! so the document cannot drift from what the server does.

use endure_api::{
    BatchDelete, BatchDeleted, CreateInstance, Envelope, InstanceCreated, InstanceListItem,
    StatusChange, StatusChanged, StepOutput, VersionGraph, WorkflowItem, WorkflowVersion,
};
use endure_model::history::InstanceDetails;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value, json};

type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

fn schema<T: JsonSchema>(g: &mut SchemaGenerator) -> Schema {
    g.subschema_for::<T>()
}

/// One operation of the API.
pub struct Operation {
    pub method: &'static str,
    /// Below `/client/v4/accounts/{account_id}/workflows`.
    pub path: &'static str,
    pub id: &'static str,
    pub summary: &'static str,
    /// Query parameters: (name, description).
    pub query: &'static [(&'static str, &'static str)],
    pub request: Option<SchemaFn>,
    pub response: SchemaFn,
}

/// Every operation the server serves.
pub const OPERATIONS: &[Operation] = &[
    Operation {
        method: "get",
        path: "",
        id: "listWorkflows",
        summary: "List workflows with instance counts by status",
        query: &[
            (
                "search",
                "Only workflows whose name contains this (case-insensitive)",
            ),
            ("page", "Page number, from 1"),
            ("per_page", "Items per page, 1 to 100"),
        ],
        request: None,
        response: schema::<Envelope<Vec<WorkflowItem>>>,
    },
    Operation {
        method: "get",
        path: "/{workflow_name}",
        id: "getWorkflow",
        summary: "Get a workflow",
        query: &[],
        request: None,
        response: schema::<Envelope<WorkflowItem>>,
    },
    Operation {
        method: "put",
        path: "/{workflow_name}",
        id: "putWorkflow",
        summary: "Create or update a workflow: bind the name to one of the server's classes and set its step limit and retention",
        query: &[],
        request: Some(schema::<endure_api::PutWorkflow>),
        response: schema::<Envelope<endure_api::WorkflowPut>>,
    },
    Operation {
        method: "delete",
        path: "/{workflow_name}",
        id: "deleteWorkflow",
        summary: "Delete a workflow's instances and its stored definition",
        query: &[],
        request: None,
        response: schema::<Envelope<Value>>,
    },
    Operation {
        method: "get",
        path: "/{workflow_name}/versions",
        id: "listVersions",
        summary: "List a workflow's versions (one: the code this server runs)",
        query: &[
            ("page", "Page number, from 1"),
            ("per_page", "Items per page, 1 to 100"),
        ],
        request: None,
        response: schema::<Envelope<Vec<WorkflowVersion>>>,
    },
    Operation {
        method: "get",
        path: "/{workflow_name}/versions/{version_id}",
        id: "getVersion",
        summary: "Get a workflow version",
        query: &[],
        request: None,
        response: schema::<Envelope<WorkflowVersion>>,
    },
    Operation {
        method: "get",
        path: "/{workflow_name}/versions/{version_id}/graph",
        id: "getVersionGraph",
        summary: "A version's step graph (null: not computed by Endure yet)",
        query: &[],
        request: None,
        response: schema::<Envelope<VersionGraph>>,
    },
    Operation {
        method: "get",
        path: "/{workflow_name}/instances",
        id: "listInstances",
        summary: "List instances, newest first",
        query: &[
            ("status", "Only instances in this status"),
            ("per_page", "Items per page, 1 to 100"),
            ("cursor", "result_info.cursor of the previous page"),
            ("page", "Page number (deprecated; use cursor)"),
            (
                "date_start",
                "Only instances created at or after this ISO-8601 UTC time",
            ),
            (
                "date_end",
                "Only instances created at or before this ISO-8601 UTC time",
            ),
            ("direction", "desc (newest first, default) or asc"),
        ],
        request: None,
        response: schema::<Envelope<Vec<InstanceListItem>>>,
    },
    Operation {
        method: "post",
        path: "/{workflow_name}/instances",
        id: "createInstance",
        summary: "Create an instance",
        query: &[],
        request: Some(schema::<CreateInstance>),
        response: schema::<Envelope<InstanceCreated>>,
    },
    Operation {
        method: "post",
        path: "/{workflow_name}/instances/batch",
        id: "createInstances",
        summary: "Create 1 to 100 instances, all or none",
        query: &[],
        request: Some(schema::<Vec<CreateInstance>>),
        response: schema::<Envelope<Vec<InstanceCreated>>>,
    },
    Operation {
        method: "post",
        path: "/{workflow_name}/instances/batch/delete",
        id: "deleteInstances",
        summary: "Delete 1 to 100 instances",
        query: &[],
        request: Some(schema::<BatchDelete>),
        response: schema::<Envelope<BatchDeleted>>,
    },
    Operation {
        method: "put",
        path: "/{workflow_name}/instances/terminate",
        id: "terminateInstances",
        summary: "Terminate every unfinished instance (of one status)",
        query: &[(
            "status",
            "queued, running, paused, waitingForPause or waiting",
        )],
        request: None,
        response: schema::<Envelope<Value>>,
    },
    Operation {
        method: "get",
        path: "/{workflow_name}/instances/{instance_id}",
        id: "getInstance",
        summary: "An instance's status document with its steps and attempts",
        query: &[
            ("order", "Step order: asc (default) or desc"),
            ("simple", "true leaves the steps out"),
        ],
        request: None,
        response: schema::<Envelope<InstanceDetails>>,
    },
    Operation {
        method: "get",
        path: "/{workflow_name}/instances/{instance_id}/step",
        id: "getInstanceStep",
        summary: "One step's status, error and full output",
        query: &[
            ("name", "The step name with its -<count> suffix"),
            ("type", "step (default) or waitForEvent"),
            ("attempt", "One attempt of a step, from 1"),
        ],
        request: None,
        response: schema::<Envelope<StepOutput>>,
    },
    Operation {
        method: "patch",
        path: "/{workflow_name}/instances/{instance_id}/status",
        id: "changeInstanceStatus",
        summary: "Pause, resume, terminate or restart an instance",
        query: &[],
        request: Some(schema::<StatusChange>),
        response: schema::<Envelope<StatusChanged>>,
    },
    Operation {
        method: "post",
        path: "/{workflow_name}/instances/{instance_id}/events/{event_type}",
        id: "sendEvent",
        summary: "Send an event (the body is its payload)",
        query: &[],
        request: Some(schema::<Value>),
        response: schema::<Envelope<Value>>,
    },
];

/// The schema of a query parameter: the limits the server enforces.
fn query_schema(op: &str, name: &str) -> Value {
    let statuses: Vec<&str> = endure_model::InstanceStatus::ALL
        .iter()
        .map(|s| s.as_str())
        .collect();
    match (op, name) {
        (_, "per_page") => json!({"type": "integer", "minimum": 1, "maximum": 100}),
        (_, "page" | "attempt") => json!({"type": "integer", "minimum": 1}),
        ("terminateInstances", "status") => json!({"type": "string", "enum": [
            "queued", "running", "paused", "waitingForPause", "waiting"
        ]}),
        (_, "status") => json!({"type": "string", "enum": statuses}),
        (_, "direction" | "order") => json!({"type": "string", "enum": ["asc", "desc"]}),
        (_, "simple") => json!({"type": "string", "enum": ["true", "false"]}),
        (_, "type") => json!({"type": "string", "enum": ["step", "waitForEvent"]}),
        (_, "date_start" | "date_end") => json!({"type": "string", "format": "date-time"}),
        _ => json!({"type": "string"}),
    }
}

/// The OpenAPI 3.0 document of the API. `auth`: whether the server checks bearer tokens (it
/// does on every API operation when it has tokens, on none when it has not).
pub fn document_for(auth: bool) -> Value {
    let mut doc = document();
    if !auth {
        if let Some(o) = doc.as_object_mut() {
            o.remove("security");
        }
        if let Some(c) = doc["components"].as_object_mut() {
            c.remove("securitySchemes");
        }
    }
    doc
}

/// The OpenAPI 3.0 document of the API, with bearer authentication on every operation.
pub fn document() -> Value {
    let mut g = schemars::generate::SchemaSettings::openapi3().into_generator();
    let error = g.subschema_for::<Envelope<Value>>();
    let mut paths: Map<String, Value> = Map::new();
    for op in OPERATIONS {
        let full = format!("{}{}", endure_api::BASE_PATH, op.path);
        let mut params: Vec<Value> = full
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        params.extend(
            op.query
                .iter()
                .map(|(name, d)| json!({"name": name, "in": "query", "required": false, "description": d, "schema": query_schema(op.id, name)})),
        );
        let mut o = json!({
            "operationId": op.id,
            "summary": op.summary,
            "parameters": params,
            "responses": {
                "200": {"description": "Success", "content": {"application/json": {"schema": (op.response)(&mut g)}}},
                "default": {"description": "An error: success is false, errors says why", "content": {"application/json": {"schema": error.clone()}}},
            },
        });
        if let Some(req) = op.request {
            let mut schema = serde_json::to_value(req(&mut g)).unwrap_or_default();
            if op.id == "createInstances" {
                schema["minItems"] = json!(1);
                schema["maxItems"] = json!(endure_model::limits::MAX_BATCH_SIZE);
            }
            o["requestBody"] =
                json!({"required": true, "content": {"application/json": {"schema": schema}}});
        }
        let entry = paths.entry(full).or_insert_with(|| json!({}));
        entry[op.method] = o;
    }
    let schemas = g.take_definitions(true);
    let mut doc = json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Endure Workflows API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Wire-compatible with Cloudflare's v4 Workflows API. Limits the server enforces: request bodies at most 2 MiB (refused from Content-Length, 413) and JSON (Content-Type application/json, no Content-Encoding: 415); instance params and event payloads at most 1 MiB (413); request targets at most 16 KiB (414); 1 to 100 instances per batch create or delete; per_page 1 to 100; instance ids at most 100 characters of [a-zA-Z0-9_-] not starting with -; creation rate as configured (429 with Retry-After). Every error answers this envelope with a stable numeric code.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    });
    any_value_schemas(&mut doc);
    doc
}

/// JSON Schema writes "any value" as `true`; OpenAPI 3.0 wants `{}` where a schema goes.
fn any_value_schemas(v: &mut Value) {
    fn fix(x: &mut Value) {
        if *x == Value::Bool(true) {
            *x = json!({});
        }
    }
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                match k.as_str() {
                    "schema" | "items" => fix(x),
                    "properties" => {
                        if let Value::Object(props) = x {
                            props.values_mut().for_each(fix);
                        }
                    }
                    "allOf" | "anyOf" | "oneOf" => {
                        if let Value::Array(a) = x {
                            a.iter_mut().for_each(fix);
                        }
                    }
                    _ => {}
                }
                any_value_schemas(x);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(any_value_schemas),
        _ => {}
    }
}
