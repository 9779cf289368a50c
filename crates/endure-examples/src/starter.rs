//! The seeds' starter workflow ("Build your first Workflow").

use endure::prelude::*;
use serde::{Deserialize, Serialize};

pub const NAME: &str = "my-workflow";

#[derive(Debug, Default, Deserialize)]
pub struct Params {
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct IpResponse {
    pub result: IpRanges,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct IpRanges {
    pub ipv4_cidrs: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Output {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "ipCount")]
    pub ip_count: usize,
}

pub struct MyWorkflow;

impl Workflow for MyWorkflow {
    type Params = Params;
    type Output = Output;

    async fn run(
        &self,
        event: WorkflowEvent<Params>,
        step: WorkflowStep,
    ) -> Result<Output, WorkflowError> {
        // The seed fetches Cloudflare's published IP ranges; this machine has no Internet, so the
        // step returns a copy of that list.
        let data: IpResponse = step
            .run("fetch data", |_| async {
                let cidrs = [
                    "173.245.48.0/20",
                    "103.21.244.0/22",
                    "103.22.200.0/22",
                    "103.31.4.0/22",
                    "141.101.64.0/18",
                ];
                Ok(IpResponse {
                    result: IpRanges {
                        ipv4_cidrs: cidrs.iter().map(|s| s.to_string()).collect(),
                    },
                })
            })
            .await?;

        step.sleep("pause", "20 seconds").await?;

        let name = &event.payload.name;
        let data = &data;
        let config = StepConfig::new()
            .retries(3u32, "5 seconds")
            .backoff(Backoff::Linear);
        step.run_with("process data", config, move |ctx| async move {
            if ctx.attempt == 1 {
                // A transient failure, to show a retry: attempt 2 runs 5 seconds later.
                return Err(WorkflowError::msg(
                    "the upstream service was briefly unavailable",
                ));
            }
            Ok(Output {
                name: name.clone(),
                ip_count: data.result.ipv4_cidrs.len(),
            })
        })
        .await
    }
}
