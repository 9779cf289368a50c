//! `endure workflows …`: the command-line client of the REST API, modelled on `wrangler
//! workflows …` (commands, messages, tables), against any Endure server.

use crate::describe::{OutputOptions, Progress, describe_instance, status_label};
use endure_api::{Envelope, InstanceCreated, InstanceListItem, StatusChanged, WorkflowItem};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::process::ExitCode;
use std::time::Duration;

/// Exit codes of the client.
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_UNREACHABLE: u8 = 4;
pub const EXIT_API_ERROR: u8 = 5;

#[derive(clap::Args)]
pub struct Args {
    /// The server (default http://127.0.0.1:8787).
    #[arg(
        long,
        env = "ENDURE_URL",
        default_value = "http://127.0.0.1:8787",
        global = true
    )]
    url: String,
    /// API token, sent as `Authorization: Bearer`.
    #[arg(long, env = "ENDURE_API_TOKEN", hide_env_values = true, global = true)]
    token: Option<String>,
    /// Print the API's result as JSON.
    #[arg(long, global = true)]
    json: bool,
    /// Seconds to wait for the server's answer to each request before giving up (exit 4).
    #[arg(long, env = "ENDURE_TIMEOUT", default_value_t = 30.0, global = true)]
    timeout: f64,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(clap::Subcommand)]
enum Cmd {
    /// List workflows.
    List {
        #[arg(long, default_value_t = 1)]
        page: usize,
        #[arg(long, default_value_t = 50)]
        per_page: usize,
    },
    /// Show one workflow and its instance counts.
    Describe { name: String },
    /// Create an instance.
    Trigger {
        name: String,
        /// Params as JSON.
        params: Option<String>,
        #[arg(long)]
        id: Option<String>,
        /// Follow the instance step by step until it finishes.
        #[arg(long)]
        wait: bool,
    },
    /// Delete a workflow's instances.
    Delete { name: String },
    /// Manage instances.
    Instances {
        #[command(subcommand)]
        command: InstanceCmd,
    },
}

#[derive(clap::Subcommand)]
enum InstanceCmd {
    /// List instances, newest first.
    List {
        name: String,
        #[arg(long)]
        status: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// Only instances created at or after this ISO-8601 date or time (UTC).
        #[arg(long)]
        date_start: Option<String>,
        /// Only instances created at or before this ISO-8601 date or time (a date means its end).
        #[arg(long)]
        date_end: Option<String>,
        /// Oldest first.
        #[arg(long)]
        reverse: bool,
    },
    /// Show an instance with its steps, attempts, sleeps and waits.
    Describe {
        name: String,
        /// An instance id, or `latest`.
        #[arg(default_value = "latest")]
        id: String,
        /// Show step outputs and event payloads (`--step-output=false` hides them).
        #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
        step_output: bool,
        /// Cut outputs after this many characters.
        #[arg(long, default_value_t = 5000)]
        truncate_output_limit: usize,
    },
    Pause {
        name: String,
        id: String,
    },
    Resume {
        name: String,
        id: String,
    },
    Terminate {
        name: String,
        id: String,
    },
    Restart {
        name: String,
        id: String,
        #[arg(long)]
        from_step: Option<String>,
        #[arg(long)]
        count: Option<u32>,
        #[arg(long = "type")]
        step_type: Option<String>,
    },
    /// Delete instances (1 to 100 ids, `latest` allowed).
    Delete {
        name: String,
        #[arg(required = true)]
        ids: Vec<String>,
    },
    /// Send an event to an instance.
    SendEvent {
        name: String,
        id: String,
        #[arg(long = "type")]
        event_type: String,
        #[arg(long)]
        payload: Option<String>,
    },
}

struct Client {
    http: reqwest::Client,
    api: String,
    token: Option<String>,
    timeout: Duration,
}

/// Why a command failed, with its exit code.
struct Failure(u8, String);

impl Client {
    async fn call<T: DeserializeOwned>(
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

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, Failure> {
        self.call(reqwest::Method::GET, path, None)
            .await?
            .result
            .ok_or_else(|| Failure(EXIT_API_ERROR, "empty result".into()))
    }

    /// `latest` means the newest instance.
    async fn resolve(&self, name: &str, id: &str) -> Result<String, Failure> {
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

fn parse_json(what: &str, raw: &str) -> Result<Value, Failure> {
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

async fn follow(c: &Client, name: &str, id: &str) -> Result<Value, Failure> {
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

fn now() -> endure_model::Timestamp {
    endure_model::Timestamp(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0),
    )
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let url = args.url.trim_end_matches('/').to_string();
    let valid = reqwest::Url::parse(&url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
    if valid.is_none() {
        eprintln!(
            "✘ --url {:?} is not a URL: give the server's address, like http://127.0.0.1:8787",
            args.url
        );
        return Ok(ExitCode::from(EXIT_USAGE));
    }
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        eprintln!(
            "✘ --timeout {} is not a positive number of seconds",
            args.timeout
        );
        return Ok(ExitCode::from(EXIT_USAGE));
    }
    let timeout = Duration::from_secs_f64(args.timeout);
    let http = match reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .build()
    {
        Ok(h) => h,
        Err(e) => {
            eprintln!("✘ cannot set up the HTTP client: {e}");
            return Ok(ExitCode::from(EXIT_UNREACHABLE));
        }
    };
    let client = Client {
        http,
        api: format!("{url}/client/v4/accounts/local/workflows"),
        token: args.token.clone(),
        timeout,
    };
    match execute(&client, args.command, args.json).await {
        Ok(code) => Ok(code),
        Err(Failure(code, msg)) => {
            eprintln!("✘ {msg}");
            Ok(ExitCode::from(code))
        }
    }
}

fn print_json<T: serde::Serialize>(v: &T) {
    println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
}

async fn execute(c: &Client, cmd: Cmd, json_out: bool) -> Result<ExitCode, Failure> {
    match cmd {
        Cmd::List { page, per_page } => {
            let list: Vec<WorkflowItem> =
                c.get(&format!("?page={page}&per_page={per_page}")).await?;
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
        }
        Cmd::Describe { name } => {
            let w: WorkflowItem = c.get(&format!("/{name}")).await?;
            if json_out {
                print_json(&w);
            } else {
                println!("{}", crate::describe::describe_workflow(&w));
            }
        }
        Cmd::Trigger {
            name,
            params,
            id,
            wait,
        } => {
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
        }
        Cmd::Delete { name } => {
            let r = c
                .call::<Value>(reqwest::Method::DELETE, &format!("/{name}"), None)
                .await?;
            if json_out {
                print_json(&json!({"name": name, "success": true, "result": r.result}));
            } else {
                println!("✅ Workflow \"{name}\" removed successfully.");
            }
        }
        Cmd::Instances { command } => return instances(c, command, json_out).await,
    }
    Ok(ExitCode::SUCCESS)
}

async fn instances(c: &Client, cmd: InstanceCmd, json_out: bool) -> Result<ExitCode, Failure> {
    let change = |name: &str, id: &str, body: Value| {
        let path = format!("/{name}/instances/{id}/status");
        async move {
            c.call::<StatusChanged>(reqwest::Method::PATCH, &path, Some(body))
                .await
        }
    };
    match cmd {
        InstanceCmd::List {
            name,
            status,
            limit,
            date_start,
            date_end,
            reverse,
        } => {
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
        }
        InstanceCmd::Describe {
            name,
            id,
            step_output,
            truncate_output_limit,
        } => {
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
        }
        InstanceCmd::Pause { name, id } => {
            let id = c.resolve(&name, &id).await?;
            let r = change(&name, &id, json!({"status": "pause"})).await?;
            if json_out {
                print_json(&json!({"name": name, "id": id, "success": true, "result": r.result}))
            } else {
                println!("⏸️ The instance \"{id}\" from {name} was paused successfully")
            }
        }
        InstanceCmd::Resume { name, id } => {
            let id = c.resolve(&name, &id).await?;
            let r = change(&name, &id, json!({"status": "resume"})).await?;
            if json_out {
                print_json(&json!({"name": name, "id": id, "success": true, "result": r.result}))
            } else {
                println!("🔄 The instance \"{id}\" from {name} was resumed successfully")
            }
        }
        InstanceCmd::Terminate { name, id } => {
            let id = c.resolve(&name, &id).await?;
            let r = change(&name, &id, json!({"status": "terminate"})).await?;
            if json_out {
                print_json(&json!({"name": name, "id": id, "success": true, "result": r.result}))
            } else {
                println!("🥷 The instance \"{id}\" from {name} was terminated successfully")
            }
        }
        InstanceCmd::Restart {
            name,
            id,
            from_step,
            count,
            step_type,
        } => {
            if from_step.is_none() && (count.is_some() || step_type.is_some()) {
                return Err(Failure(
                    EXIT_USAGE,
                    "--from-step is required when using --count or --type".into(),
                ));
            }
            if count == Some(0) {
                return Err(Failure(
                    EXIT_USAGE,
                    "--count must be a positive integer".into(),
                ));
            }
            let id = c.resolve(&name, &id).await?;
            let body = match from_step {
                None => json!({"status": "restart"}),
                Some(step) => {
                    json!({"status": "restart", "from": {"name": step, "count": count, "type": step_type}})
                }
            };
            let r = change(&name, &id, body).await?;
            if json_out {
                print_json(&json!({"name": name, "id": id, "success": true, "result": r.result}))
            } else {
                println!("🥷 The instance \"{id}\" from {name} was restarted successfully")
            }
        }
        InstanceCmd::Delete { name, ids } => {
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
        }
        InstanceCmd::SendEvent {
            name,
            id,
            event_type,
            payload,
        } => {
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
        }
    }
    Ok(ExitCode::SUCCESS)
}
