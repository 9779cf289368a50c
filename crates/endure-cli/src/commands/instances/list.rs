//! `endure workflows instances list`.

use crate::commands::client::*;
use crate::describe::status_label;
use endure_api::InstanceListItem;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    pub name: String,
    #[arg(long)]
    pub status: Option<String>,
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// Only instances created at or after this ISO-8601 date or time (UTC).
    #[arg(long)]
    pub date_start: Option<String>,
    /// Only instances created at or before this ISO-8601 date or time (a date means its end).
    #[arg(long)]
    pub date_end: Option<String>,
    /// Oldest first.
    #[arg(long)]
    pub reverse: bool,
}

pub(crate) async fn run(c: &Client, args: Args, json_out: bool) -> Result<ExitCode, Failure> {
    let Args {
        name,
        status,
        limit,
        date_start,
        date_end,
        reverse,
    } = args;
    let mut path = format!("/{name}/instances?per_page={}", limit.clamp(1, 100));
    if let Some(s) = &status {
        path.push_str(&format!("&status={s}"));
    }
    if let Some(d) = &date_start {
        path.push_str(&format!("&date_start={d}"));
    }
    if let Some(d) = &date_end {
        // A date alone means the whole day, as wrangler sends it.
        let full = if d.len() == 10 {
            format!("{d}T23:59:59.999Z")
        } else {
            d.clone()
        };
        path.push_str(&format!("&date_end={full}"));
    }
    if reverse {
        path.push_str("&direction=asc");
    }
    let list: Vec<InstanceListItem> = c.get(&path).await?;
    if json_out {
        print_json(&list);
    } else if list.is_empty() {
        println!(
            "There are no instances in workflow \"{name}\". You can trigger it with \"endure workflows trigger {name}\""
        );
    } else {
        println!("Showing {} instance(s) from page 1:", list.len());
        let rows = list
            .iter()
            .map(|i| {
                vec![
                    i.id.clone(),
                    i.version_id.clone(),
                    i.created_on.clone(),
                    i.modified_on.clone(),
                    status_label(i.status.as_str()).to_string(),
                ]
            })
            .collect();
        println!(
            "{}",
            table(
                &["Instance ID", "Version", "Created", "Modified", "Status"],
                rows
            )
        );
    }
    Ok(ExitCode::SUCCESS)
}
