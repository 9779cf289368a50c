//! `endure workflows delete`.

use crate::commands::client::*;
use serde_json::{Value, json};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    pub name: String,
}

pub(crate) async fn run(c: &Client, args: Args, json_out: bool) -> Result<ExitCode, Failure> {
    let Args { name } = args;
    let r = c
        .call::<Value>(reqwest::Method::DELETE, &format!("/{name}"), None)
        .await?;
    if json_out {
        print_json(&json!({"name": name, "success": true, "result": r.result}));
    } else {
        println!("✅ Workflow \"{name}\" removed successfully.");
    }
    Ok(ExitCode::SUCCESS)
}
