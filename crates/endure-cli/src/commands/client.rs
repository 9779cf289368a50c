//! What every `endure workflows` command shares: the REST client, failures with their exit
//! codes, JSON arguments and output, tables.

use crate::describe::Progress;
use endure_api::{Envelope, InstanceListItem};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::time::Duration;

/// Exit codes of the client.
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_UNREACHABLE: u8 = 4;
pub const EXIT_API_ERROR: u8 = 5;

pub(crate) struct Client {
    pub http: reqwest::Client,
    pub api: String,
    pub token: Option<String>,
    pub timeout: Duration,
}

/// Why a command failed, with its exit code.
pub(crate) struct Failure(pub u8, pub String);

impl Client {
    pub async fn call<T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Envelope<T>, Failure> {
        let mut req = self.http.request(method, format!("{}{path}", self.api));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let timed_out = |e: &reqwest::Error| {
            e.is_timeout().then(|| {
                Failure(
                    EXIT_UNREACHABLE,
                    format!(
                        "the Endure server at {} did not answer within {} s (--timeout)",
                        self.api,
                        self.timeout.as_secs_f64()
                    ),
                )
            })
        };
        let resp = req.send().await.map_err(|e| {
            timed_out(&e).unwrap_or_else(|| {
                Failure(
                    EXIT_UNREACHABLE,
                    format!(
                        "cannot reach the Endure server at {}: {}",
                        self.api,
                        e.without_url()
                    ),
                )
            })
        })?;
        let status = resp.status();
        let text = resp.text().await.map_err(|e| {
            timed_out(&e).unwrap_or_else(|| {
                Failure(
                    EXIT_UNREACHABLE,
                    format!("the server's answer was cut short: {e}"),
                )
            })
        })?;
        let env: Envelope<T> = serde_json::from_str(&text).map_err(|_| {
            Failure(
                EXIT_API_ERROR,
                format!("the server answered {status} with a body that is not the API's envelope"),
            )
        })?;
        if !env.success {
            let msg = env
                .errors
                .first()
                .map(|e| format!("{} (code {})", e.message, e.code))
                .unwrap_or_else(|| status.to_string());
            return Err(Failure(EXIT_API_ERROR, msg));
        }
        Ok(env)
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, Failure> {
        self.call(reqwest::Method::GET, path, None)
            .await?
            .result
            .ok_or_else(|| Failure(EXIT_API_ERROR, "empty result".into()))
    }

    /// `latest` means the newest instance.
    pub async fn resolve(&self, name: &str, id: &str) -> Result<String, Failure> {
        if id != "latest" {
            return Ok(id.to_string());
        }
        let list: Vec<InstanceListItem> =
            self.get(&format!("/{name}/instances?per_page=1")).await?;
        list.into_iter().next().map(|i| i.id).ok_or_else(|| {
            Failure(
                EXIT_API_ERROR,
                format!("There are no instances in workflow \"{name}\""),
            )
        })
    }
}

pub(crate) fn parse_json(what: &str, raw: &str) -> Result<Value, Failure> {
    serde_json::from_str(raw).map_err(|e| {
        Failure(
            EXIT_USAGE,
            format!("Error while parsing {what}: \"{raw}\" with {e}"),
        )
    })
}

pub(crate) fn table(headers: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<w$}", w = widths[i]))
            .collect::<Vec<_>>()
            .join(" │ ")
    };
    let mut out = vec![line(headers.iter().map(|h| h.to_string()).collect())];
    out.push(
        widths
            .iter()
            .map(|w| "─".repeat(*w))
            .collect::<Vec<_>>()
            .join("─┼─"),
    );
    out.extend(rows.into_iter().map(line));
    out.join("\n")
}

pub(crate) async fn follow(c: &Client, name: &str, id: &str) -> Result<Value, Failure> {
    let mut progress = Progress::default();
    loop {
        let doc: Value = c.get(&format!("/{name}/instances/{id}")).await?;
        for line in progress.update(&doc, now()) {
            println!("{line}");
        }
        if matches!(
            doc["status"].as_str(),
            Some("complete" | "errored" | "terminated")
        ) {
            return Ok(doc);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

pub(crate) fn now() -> endure_model::Timestamp {
    endure_model::Timestamp(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0),
    )
}

pub(crate) fn print_json<T: serde::Serialize>(v: &T) {
    println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
}
