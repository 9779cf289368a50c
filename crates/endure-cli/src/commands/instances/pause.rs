//! `endure workflows instances pause`.

use crate::commands::client::*;
use serde_json::json;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    pub name: String,
    pub id: String,
}

pub(crate) async fn run(c: &Client, args: Args, json_out: bool) -> Result<ExitCode, Failure> {
    let Args { name, id } = args;
    let id = c.resolve(&name, &id).await?;
    let r = super::change(c, &name, &id, json!({"status": "pause"})).await?;
    if json_out {
        print_json(&json!({"name": name, "id": id, "success": true, "result": r.result}))
    } else {
        println!("⏸️ The instance \"{id}\" from {name} was paused successfully")
    }
    Ok(ExitCode::SUCCESS)
}
