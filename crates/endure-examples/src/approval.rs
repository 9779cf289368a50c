//! A human-approval workflow: prepare a request, wait (up to a day) for an `approval` event,
//! then act on the decision.

use endure::prelude::*;
use serde::{Deserialize, Serialize};

pub const NAME: &str = "approval";
/// The event type the workflow waits for.
pub const EVENT_TYPE: &str = "approval";

#[derive(Debug, Default, Deserialize)]
pub struct Params {
    #[serde(default)]
    pub request: Option<String>,
}

/// The payload of the `approval` event.
#[derive(Debug, Serialize, Deserialize)]
pub struct Decision {
    pub approved: bool,
    #[serde(default)]
    pub by: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Output {
    pub request: String,
    pub approved: bool,
    pub by: Option<String>,
    pub outcome: String,
}

pub struct ApprovalWorkflow;

impl Workflow for ApprovalWorkflow {
    type Params = Params;
    type Output = Output;

    async fn run(
        &self,
        event: WorkflowEvent<Params>,
        step: WorkflowStep,
    ) -> Result<Output, WorkflowError> {
        let wanted = event
            .payload
            .request
            .clone()
            .unwrap_or_else(|| "deploy to production".into());
        let wanted = &wanted;
        let request: String = step
            .run("prepare request", move |_| async move {
                Ok(format!("approve: {wanted}"))
            })
            .await?;

        let decision = step
            .wait_for_event::<Decision>(
                "wait for approval",
                WaitForEvent::new(EVENT_TYPE).timeout("1 day"),
            )
            .await;
        let (approved, by) = match decision {
            Ok(e) => (e.payload.approved, e.payload.by),
            // Nobody answered within a day: treat it as a rejection.
            Err(e) if e.name == "WorkflowTimeoutError" => (false, None),
            Err(e) => return Err(e),
        };

        let request = &request;
        let by = &by;
        step.run("act on decision", move |_| async move {
            let outcome = if approved { "carried out" } else { "rejected" };
            Ok(Output {
                request: request.clone(),
                approved,
                by: by.clone(),
                outcome: outcome.into(),
            })
        })
        .await
    }
}
