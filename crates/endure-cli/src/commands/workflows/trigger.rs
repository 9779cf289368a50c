//! `endure workflows trigger`.

use crate::commands::client::*;
use crate::describe::{OutputOptions, describe_instance};
use endure_api::InstanceCreated;
use serde_json::json;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    pub name: String,
    /// Params as JSON.
    pub params: Option<String>,
    #[arg(long)]
    pub id: Option<String>,
    /// Follow the instance step by step until it finishes.
    #[arg(long)]
    pub wait: bool,
}

pub(crate) async fn run(c: &Client, args: Args, json_out: bool) -> Result<ExitCode, Failure> {
    let Args {
        name,
        params,
        id,
        wait,
    } = args;
    let params = match params.as_deref() {
        None | Some("") => None,
        Some(raw) => Some(parse_json("instance parameters", raw)?),
    };
    let body = json!({"instance_id": id, "params": params});
    let created: InstanceCreated = c
        .call(
            reqwest::Method::POST,
            &format!("/{name}/instances"),
            Some(body),
        )
        .await?
        .result
        .ok_or_else(|| Failure(EXIT_API_ERROR, "empty result".into()))?;
    if !json_out {
        println!(
            "🚀 Workflow instance \"{}\" has been queued successfully",
            created.id
        );
    }
    if wait {
        let doc = follow(c, &name, &created.id).await?;
        if json_out {
            print_json(&doc);
        } else {
            println!(
                "{}",
                describe_instance(&doc, now(), OutputOptions::default())
            );
        }
        return Ok(if doc["status"] == "complete" {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    if json_out {
        print_json(&created);
    }
    Ok(ExitCode::SUCCESS)
}
