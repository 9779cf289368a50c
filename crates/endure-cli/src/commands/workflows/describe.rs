//! `endure workflows describe`.

use crate::commands::client::*;
use endure_api::WorkflowItem;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    pub name: String,
}

pub(crate) async fn run(c: &Client, args: Args, json_out: bool) -> Result<ExitCode, Failure> {
    let Args { name } = args;
    let w: WorkflowItem = c.get(&format!("/{name}")).await?;
    if json_out {
        print_json(&w);
    } else {
        println!("{}", crate::describe::describe_workflow(&w));
    }
    Ok(ExitCode::SUCCESS)
}
