//! `steps`: N trivial steps, for smoke tests and benchmarks.

use endure::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub const NAME: &str = "steps";

#[derive(Debug, Deserialize)]
pub struct Params {
    /// How many steps (none if absent, as for an instance a cron schedule creates).
    #[serde(default)]
    pub steps: u64,
}

#[derive(Debug, Serialize)]
pub struct Output {
    pub steps: u64,
}

pub struct StepsWorkflow;

impl Workflow for StepsWorkflow {
    type Params = Params;
    type Output = Output;

    async fn run(
        &self,
        event: WorkflowEvent<Params>,
        step: WorkflowStep,
    ) -> Result<Output, WorkflowError> {
        let n = event.payload.steps;
        for k in 1..=n {
            let _: Value = step
                .run(
                    format!("step-{k}"),
                    move |_| async move { Ok(json!({"i": k})) },
                )
                .await?;
        }
        Ok(Output { steps: n })
    }
}
