//! `endure workflows …`: the command-line client of the REST API, modelled on `wrangler
//! workflows …` (commands, messages, tables), against any Endure server. One module per
//! command: `workflows/<verb>.rs` and `instances/<verb>.rs`; `client` has what they share.

pub mod client;
pub mod instances;
pub mod workflows;

use client::{Client, EXIT_UNREACHABLE, EXIT_USAGE, Failure};
use instances::status::Change;
use std::process::ExitCode;
use std::time::Duration;

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
    List(workflows::list::Args),
    /// Show one workflow and its instance counts.
    Describe(workflows::describe::Args),
    /// Create an instance.
    Trigger(workflows::trigger::Args),
    /// Delete a workflow's instances.
    Delete(workflows::delete::Args),
    /// Manage instances.
    Instances {
        #[command(subcommand)]
        command: InstanceCmd,
    },
}

#[derive(clap::Subcommand)]
enum InstanceCmd {
    /// List instances, newest first.
    List(instances::list::Args),
    /// Show an instance with its steps, attempts, sleeps and waits.
    Describe(instances::describe::Args),
    /// Pause an instance (a running step finishes first).
    Pause(instances::status::Args),
    /// Resume a paused instance.
    Resume(instances::status::Args),
    /// Terminate an instance.
    Terminate(instances::status::Args),
    /// Restart an instance from the start, or from a step (`--from-step`).
    Restart(instances::restart::Args),
    /// Delete instances (1 to 100 ids, `latest` allowed).
    Delete(instances::delete::Args),
    /// Send an event to an instance.
    SendEvent(instances::send_event::Args),
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

async fn execute(c: &Client, cmd: Cmd, json_out: bool) -> Result<ExitCode, Failure> {
    match cmd {
        Cmd::List(a) => workflows::list::run(c, a, json_out).await,
        Cmd::Describe(a) => workflows::describe::run(c, a, json_out).await,
        Cmd::Trigger(a) => workflows::trigger::run(c, a, json_out).await,
        Cmd::Delete(a) => workflows::delete::run(c, a, json_out).await,
        Cmd::Instances { command } => match command {
            InstanceCmd::List(a) => instances::list::run(c, a, json_out).await,
            InstanceCmd::Describe(a) => instances::describe::run(c, a, json_out).await,
            InstanceCmd::Pause(a) => instances::status::run(c, a, json_out, Change::Pause).await,
            InstanceCmd::Resume(a) => instances::status::run(c, a, json_out, Change::Resume).await,
            InstanceCmd::Terminate(a) => {
                instances::status::run(c, a, json_out, Change::Terminate).await
            }
            InstanceCmd::Restart(a) => instances::restart::run(c, a, json_out).await,
            InstanceCmd::Delete(a) => instances::delete::run(c, a, json_out).await,
            InstanceCmd::SendEvent(a) => instances::send_event::run(c, a, json_out).await,
        },
    }
}
