//! `endure workflows instances restart`.

use crate::commands::client::*;
use serde_json::json;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    pub name: String,
    pub id: String,
    /// Restart from this step (its earlier steps keep their results).
    #[arg(long)]
    pub from_step: Option<String>,
    /// Which run of that step name (1 for the first).
    #[arg(long)]
    pub count: Option<u32>,
    /// The step's kind: `do` (default), `sleep` or `waitForEvent`.
    #[arg(long = "type")]
    pub step_type: Option<String>,
}

pub(crate) async fn run(c: &Client, args: Args, json_out: bool) -> Result<ExitCode, Failure> {
    let Args {
        name,
        id,
        from_step,
        count,
        step_type,
    } = args;
    if from_step.is_none() && (count.is_some() || step_type.is_some()) {
        return Err(Failure(
            EXIT_USAGE,
            "--from-step is required when using --count or --type".into(),
        ));
    }
    if count == Some(0) {
        return Err(Failure(
            EXIT_USAGE,
            "--count must be a positive integer".into(),
        ));
    }
    let id = c.resolve(&name, &id).await?;
    let body = match from_step {
        None => json!({"status": "restart"}),
        Some(step) => {
            json!({"status": "restart", "from": {"name": step, "count": count, "type": step_type}})
        }
    };
    let r = super::change(c, &name, &id, body).await?;
    if json_out {
        print_json(&json!({"name": name, "id": id, "success": true, "result": r.result}))
    } else {
        println!("🥷 The instance \"{id}\" from {name} was restarted successfully")
    }
    Ok(ExitCode::SUCCESS)
}
