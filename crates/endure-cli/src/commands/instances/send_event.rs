//! `endure workflows instances send-event`.

use crate::commands::client::*;
use serde_json::{Value, json};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    pub name: String,
    pub id: String,
    #[arg(long = "type")]
    pub event_type: String,
    #[arg(long)]
    pub payload: Option<String>,
}

pub(crate) async fn run(c: &Client, args: Args, json_out: bool) -> Result<ExitCode, Failure> {
    let Args {
        name,
        id,
        event_type,
        payload,
    } = args;
    let payload = match payload.as_deref() {
        None => json!({}),
        Some(raw) => parse_json("event payload", raw)?,
    };
    let id = c.resolve(&name, &id).await?;
    c.call::<Value>(
        reqwest::Method::POST,
        &format!("/{name}/instances/{id}/events/{event_type}"),
        Some(payload.clone()),
    )
    .await?;
    if json_out {
        print_json(&json!({"name": name, "id": id, "type": event_type, "success": true}));
    } else if payload == json!({}) {
        println!(
            "📤 The event with type \"{event_type}\" was sent to the instance \"{id}\" from {name}"
        );
    } else {
        println!(
            "📤 The event with type \"{event_type}\" and payload \"{payload}\" was sent to the instance \"{id}\" from {name}"
        );
    }
    Ok(ExitCode::SUCCESS)
}
