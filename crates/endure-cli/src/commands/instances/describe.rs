//! `endure workflows instances describe`.

use crate::commands::client::*;
use crate::describe::{OutputOptions, describe_instance};
use serde_json::Value;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    pub name: String,
    /// An instance id, or `latest`.
    #[arg(default_value = "latest")]
    pub id: String,
    /// Show step outputs and event payloads (`--step-output=false` hides them).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub step_output: bool,
    /// Cut outputs after this many characters.
    #[arg(long, default_value_t = 5000)]
    pub truncate_output_limit: usize,
}

pub(crate) async fn run(c: &Client, args: Args, json_out: bool) -> Result<ExitCode, Failure> {
    let Args {
        name,
        id,
        step_output,
        truncate_output_limit,
    } = args;
    let id = c.resolve(&name, &id).await?;
    let doc: Value = c.get(&format!("/{name}/instances/{id}")).await?;
    if json_out {
        print_json(&doc);
    } else {
        let opts = OutputOptions {
            show: step_output,
            limit: truncate_output_limit,
        };
        println!("{}", describe_instance(&doc, now(), opts));
    }
    Ok(ExitCode::SUCCESS)
}
