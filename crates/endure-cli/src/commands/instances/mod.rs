//! `endure workflows instances <verb>`: the instance commands.

use crate::commands::client::{Client, Failure};
use endure_api::{Envelope, StatusChanged};
use serde_json::Value;

pub mod delete;
pub mod describe;
pub mod list;
pub mod restart;
pub mod send_event;
pub mod status;

/// `PATCH …/instances/{id}/status` with `body` (pause, resume, terminate, restart).
pub(crate) async fn change(
    c: &Client,
    name: &str,
    id: &str,
    body: Value,
) -> Result<Envelope<StatusChanged>, Failure> {
    let path = format!("/{name}/instances/{id}/status");
    c.call::<StatusChanged>(reqwest::Method::PATCH, &path, Some(body))
        .await
}
