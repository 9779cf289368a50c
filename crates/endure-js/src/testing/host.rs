//! What a test file asks of the host: the synchronous calls (`host.test`: modifiers and
//! introspection sessions) and the `introspect` calls that wait on the engine, typed here.

use endure_engine::Engine;
use endure_engine::introspect::{InstanceIntrospector, StepWaitError, WorkflowIntrospector};
use endure_engine::modifier::{Modifier, StepRef};
use endure_model::{ErrorInfo, InstanceStatus, WorkflowError};
use serde::Deserialize;
use serde_json::{Value, json};

/// A step as a test names it: `{name, index?}`.
#[derive(Debug, Clone, Deserialize)]
pub struct StepSel {
    pub name: String,
    #[serde(default = "first")]
    pub index: u32,
}

fn first() -> u32 {
    1
}

impl StepSel {
    fn step(&self) -> StepRef {
        StepRef::new(self.name.clone()).index(self.index)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ErrorSel {
    pub name: String,
    pub message: String,
}

/// One operation of a `modify` / `modifyAll` callback.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase")]
pub enum ModifierOp {
    DisableSleeps {
        steps: Option<Vec<StepSel>>,
    },
    DisableRetryDelays {
        steps: Option<Vec<StepSel>>,
    },
    MockStepResult {
        step: StepSel,
        value: Value,
    },
    MockStepError {
        step: StepSel,
        error: ErrorSel,
        times: Option<u32>,
    },
    ForceStepTimeout {
        step: StepSel,
        times: Option<u32>,
    },
    MockEvent {
        #[serde(rename = "type")]
        event_type: String,
        payload: Value,
    },
    ForceEventTimeout {
        step: StepSel,
    },
}

fn refs(steps: &Option<Vec<StepSel>>) -> Option<Vec<StepRef>> {
    steps
        .as_ref()
        .map(|s| s.iter().map(StepSel::step).collect())
}

/// Applies `ops` to an instance's modifier, in order; the first misuse is the error.
pub fn apply(m: &Modifier, ops: &[ModifierOp]) -> Result<(), String> {
    for op in ops {
        match op {
            ModifierOp::DisableSleeps { steps } => m.disable_sleeps(refs(steps)),
            ModifierOp::DisableRetryDelays { steps } => m.disable_retry_delays(refs(steps)),
            ModifierOp::MockStepResult { step, value } => {
                m.mock_step_result(step.step(), value.clone())?
            }
            ModifierOp::MockStepError { step, error, times } => m.mock_step_error(
                step.step(),
                ErrorInfo::new(error.name.clone(), error.message.clone()),
                *times,
            )?,
            ModifierOp::ForceStepTimeout { step, times } => {
                m.force_step_timeout(step.step(), *times)?
            }
            ModifierOp::MockEvent {
                event_type,
                payload,
            } => m.mock_event(event_type.clone(), payload.clone()),
            ModifierOp::ForceEventTimeout { step } => m.force_event_timeout(step.step()),
        }
    }
    Ok(())
}

/// A synchronous call (`host.test`).
#[derive(Debug, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase")]
pub enum SyncCall {
    Modify {
        workflow: String,
        id: String,
        ops: Vec<ModifierOp>,
    },
    ModifyAll {
        workflow: String,
        ops: Vec<ModifierOp>,
    },
    OpenSession {
        workflow: String,
        binding: String,
    },
    SessionIds {
        workflow: String,
    },
    /// A test file's snapshot file: its text, or null when there is none.
    ReadSnapshot {
        path: String,
    },
    WriteSnapshot {
        path: String,
        text: String,
    },
}

/// Only `…/__snapshots__/*.snap` files are read or written.
fn snapshot_path(path: &str) -> Result<&std::path::Path, String> {
    let p = std::path::Path::new(path);
    let in_folder = p
        .parent()
        .and_then(|d| d.file_name())
        .is_some_and(|n| n == "__snapshots__");
    if !p.is_absolute() || !in_folder || p.extension().is_none_or(|e| e != "snap") {
        return Err(format!("not a snapshot file: {path}"));
    }
    Ok(p)
}

/// Answers a synchronous call: `{ok: true, value}` or `{ok: false, error}` (a message).
pub fn sync_call(engine: &Engine, text: &str) -> String {
    let answer = match serde_json::from_str::<SyncCall>(text) {
        Err(e) => Err(format!("endure test: a malformed call to the host: {e}")),
        Ok(call) => answer_sync(engine, call),
    };
    match answer {
        Ok(v) => json!({"ok": true, "value": v}),
        Err(e) => json!({"ok": false, "error": e}),
    }
    .to_string()
}

fn answer_sync(engine: &Engine, call: SyncCall) -> Result<Value, String> {
    match call {
        SyncCall::Modify { workflow, id, ops } => {
            let i = InstanceIntrospector::new(engine.clone(), &workflow, &id);
            let m = i.modifier().map_err(|e| e.message)?;
            apply(&m, &ops)?;
            Ok(Value::Null)
        }
        SyncCall::ModifyAll { workflow, ops } => {
            WorkflowIntrospector::attach(engine.clone(), &workflow)
                .modify_all(move |m| apply(m, &ops))
                .map_err(|e| e.message)?;
            Ok(Value::Null)
        }
        SyncCall::OpenSession { workflow, binding } => {
            WorkflowIntrospector::open(engine.clone(), &workflow, &binding)
                .map_err(|e| e.message)?;
            Ok(Value::Null)
        }
        SyncCall::ReadSnapshot { path } => match std::fs::read_to_string(snapshot_path(&path)?) {
            Ok(t) => Ok(Value::String(t)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Value::Null),
            Err(e) => Err(format!("cannot read {path}: {e}")),
        },
        SyncCall::WriteSnapshot { path, text } => {
            let p = snapshot_path(&path)?;
            let write = || -> std::io::Result<()> {
                if let Some(d) = p.parent() {
                    std::fs::create_dir_all(d)?;
                }
                // Whole or not at all: a temporary file renamed over the old one.
                let tmp = p.with_extension("snap.tmp");
                std::fs::write(&tmp, text.as_bytes())?;
                std::fs::rename(&tmp, p)
            };
            write().map_err(|e| format!("cannot write {path}: {e}"))?;
            Ok(Value::Null)
        }
        SyncCall::SessionIds { workflow } => {
            WorkflowIntrospector::attach(engine.clone(), &workflow)
                .ids()
                .map(|ids| json!(ids))
                .map_err(|e| e.message)
        }
    }
}

/// A call that waits on the engine (`call('introspect', …)`).
#[derive(Debug, Deserialize)]
#[serde(tag = "method", rename_all = "camelCase")]
pub enum IntrospectCall {
    Deliver {
        workflow: String,
        instance: String,
    },
    WaitForStepResult {
        workflow: String,
        instance: String,
        step: StepSel,
    },
    WaitForStatus {
        workflow: String,
        instance: String,
        status: String,
    },
    GetOutput {
        workflow: String,
        instance: String,
    },
    GetError {
        workflow: String,
        instance: String,
    },
    Dispose {
        workflow: String,
        instance: String,
    },
    DisposeSession {
        workflow: String,
    },
}

fn error(e: endure_model::ApiError) -> WorkflowError {
    WorkflowError::new("Error", e.message)
}

/// Answers an `introspect` call.
pub async fn introspect(engine: Engine, m: Value) -> Result<Value, WorkflowError> {
    let call: IntrospectCall = serde_json::from_value(m).map_err(|e| {
        WorkflowError::new("TypeError", format!("endure test: a malformed call: {e}"))
    })?;
    let instance = |w: &str, id: &str| InstanceIntrospector::new(engine.clone(), w, id);
    match call {
        IntrospectCall::Deliver {
            workflow,
            instance: id,
        } => {
            instance(&workflow, &id)
                .deliver_mocked_events()
                .await
                .map_err(error)?;
            Ok(Value::Null)
        }
        IntrospectCall::WaitForStepResult {
            workflow,
            instance: id,
            step,
        } => {
            match instance(&workflow, &id)
                .wait_for_step_result(step.step())
                .await
            {
                Ok(v) => Ok(v),
                Err(StepWaitError::Failed) => Err(WorkflowError::new("Error", "Step failed")),
                Err(StepWaitError::Api(e)) => Err(error(e)),
            }
        }
        IntrospectCall::WaitForStatus {
            workflow,
            instance: id,
            status,
        } => {
            let status: InstanceStatus = status.parse().map_err(|_| {
                WorkflowError::new(
                    "Error",
                    format!("{status} was not handled because it's not a valid InstanceStatus"),
                )
            })?;
            instance(&workflow, &id)
                .wait_for_status(status)
                .await
                .map_err(error)?;
            Ok(Value::Null)
        }
        IntrospectCall::GetOutput {
            workflow,
            instance: id,
        } => instance(&workflow, &id).get_output().await.map_err(error),
        IntrospectCall::GetError {
            workflow,
            instance: id,
        } => {
            let e = instance(&workflow, &id).get_error().await.map_err(error)?;
            Ok(json!({"name": e.name, "message": e.message}))
        }
        IntrospectCall::Dispose {
            workflow,
            instance: id,
        } => {
            instance(&workflow, &id).dispose().await.map_err(error)?;
            Ok(Value::Null)
        }
        IntrospectCall::DisposeSession { workflow } => {
            WorkflowIntrospector::attach(engine.clone(), &workflow)
                .dispose()
                .await
                .map_err(error)?;
            Ok(Value::Null)
        }
    }
}
