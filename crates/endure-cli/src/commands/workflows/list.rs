//! `endure workflows list`.

use crate::commands::client::*;
use endure_api::WorkflowItem;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, default_value_t = 1)]
    pub page: usize,
    #[arg(long, default_value_t = 50)]
    pub per_page: usize,
}

pub(crate) async fn run(c: &Client, args: Args, json_out: bool) -> Result<ExitCode, Failure> {
    let Args { page, per_page } = args;
    let list: Vec<WorkflowItem> = c.get(&format!("?page={page}&per_page={per_page}")).await?;
    if json_out {
        print_json(&list);
    } else if list.is_empty() {
        println!("There are no Workflows on this server");
    } else {
        println!("Showing {} workflow(s) from page {page}:", list.len());
        let rows = list
            .iter()
            .map(|w| {
                vec![
                    w.name.clone(),
                    w.script_name.clone(),
                    w.class_name.clone(),
                    w.created_on.clone(),
                    w.modified_on.clone(),
                ]
            })
            .collect();
        println!(
            "{}",
            table(
                &["Name", "Script name", "Class name", "Created", "Modified"],
                rows
            )
        );
    }
    Ok(ExitCode::SUCCESS)
}
