//! `endure workflows instances pause|resume|terminate`: one status change each.

use crate::commands::client::*;
use serde_json::json;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    pub name: String,
    /// An instance id, or `latest`.
    pub id: String,
}

/// Which change, with the API's word for it and what the CLI says once it is done.
#[derive(Debug, Clone, Copy)]
pub enum Change {
    Pause,
    Resume,
    Terminate,
}

impl Change {
    fn status(self) -> &'static str {
        match self {
            Change::Pause => "pause",
            Change::Resume => "resume",
            Change::Terminate => "terminate",
        }
    }

    fn done(self, id: &str, name: &str) -> String {
        match self {
            Change::Pause => {
                format!("⏸️ The instance \"{id}\" from {name} was paused successfully")
            }
            Change::Resume => {
                format!("🔄 The instance \"{id}\" from {name} was resumed successfully")
            }
            Change::Terminate => {
                format!("🥷 The instance \"{id}\" from {name} was terminated successfully")
            }
        }
    }
}

pub(crate) async fn run(
    c: &Client,
    args: Args,
    json_out: bool,
    change: Change,
) -> Result<ExitCode, Failure> {
    let Args { name, id } = args;
    let id = c.resolve(&name, &id).await?;
    let r = super::change(c, &name, &id, json!({"status": change.status()})).await?;
    if json_out {
        print_json(&json!({"name": name, "id": id, "success": true, "result": r.result}))
    } else {
        println!("{}", change.done(&id, &name))
    }
    Ok(ExitCode::SUCCESS)
}
