//! `endure workflows instances delete`.

use crate::commands::client::*;
use serde_json::json;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    pub name: String,
    #[arg(required = true)]
    pub ids: Vec<String>,
}

pub(crate) async fn run(c: &Client, args: Args, json_out: bool) -> Result<ExitCode, Failure> {
    let Args { name, ids } = args;
    if ids.len() > 100 {
        return Err(Failure(
            EXIT_USAGE,
            "delete takes 1 to 100 instance ids".into(),
        ));
    }
    let mut resolved = vec![];
    for id in &ids {
        resolved.push(c.resolve(&name, id).await?);
    }
    let r: endure_api::BatchDeleted = c
        .call(
            reqwest::Method::POST,
            &format!("/{name}/instances/batch/delete"),
            Some(json!({"instances": resolved})),
        )
        .await?
        .result
        .ok_or_else(|| Failure(EXIT_API_ERROR, "empty result".into()))?;
    if json_out {
        print_json(&r);
    } else if !r.deleted.is_empty() {
        let list: Vec<String> = r.deleted.iter().map(|d| format!("\"{}\"", d.id)).collect();
        println!(
            "🗑️  Deleted workflow instances from \"{name}\": {}",
            list.join(", ")
        );
    }
    if !r.errors.is_empty() {
        let mut msg = format!("Failed to delete {} workflow instance(s):", r.errors.len());
        for e in &r.errors {
            msg.push_str(&format!("\n  - {}: {}", e.id, e.message));
        }
        return Err(Failure(EXIT_API_ERROR, msg));
    }
    Ok(ExitCode::SUCCESS)
}
