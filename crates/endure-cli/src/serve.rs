//! `endure serve --config FILE`: the production server.
//!
//! ```toml
//! ip = "0.0.0.0"              # default 127.0.0.1
//! port = 8787
//! database = "endure.sqlite"  # relative to the config file
//! max_running = 1000
//! api_tokens = ["…"]          # or ENDURE_API_TOKEN; required beyond loopback
//! max_creations_per_second = 100   # off when absent; over it, HTTP 429
//! creation_burst = 100
//! project = "../my-worker"    # a Worker project (wrangler.jsonc/json/toml), relative to the file
//! js_cpu_limit_ms = 30000     # CPU time per turn of JavaScript (a step attempt over it fails)
//! js_memory_limit_mib = 128   # heap per JavaScript isolate
//! live_wait_ms = 5000         # waits up to this long keep a run live; longer ones hibernate
//! max_connections = 512       # past it, new connections get 503 with Retry-After
//! header_timeout_ms = 15000   # request headers (and idle keep-alive) time-out
//! body_timeout_ms = 30000     # request body time-out
//! allowed_hosts = ["workflows.example.com"]   # Host names besides the listening address
//!
//! [[workflows]]
//! name = "orders"
//! binding = "ORDERS"
//! class_name = "StepsWorkflow"   # a bundled class (MyWorkflow, ApprovalWorkflow, StepsWorkflow)
//!                                # or, with `project`, a class the project exports
//! limits = { steps = 500 }
//! ```

use endure::{EngineBuilder, EngineBuilderExt, EngineConfig, WorkflowOptions};
use endure_server::{ServerState, router_with_app};
use serde::Deserialize;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(clap::Args)]
pub struct Args {
    /// The configuration file (TOML).
    #[arg(long)]
    config: PathBuf,
    /// Overrides `ip` from the file.
    #[arg(long)]
    ip: Option<IpAddr>,
    /// Overrides `port` from the file (0 picks a free one).
    #[arg(long)]
    port: Option<u16>,
    /// Also serve the bundled example workflows.
    #[arg(long)]
    examples: bool,
    /// Serve a Worker project (overrides `project` from the file).
    #[arg(long)]
    project: Option<PathBuf>,
    /// Overrides `database` from the file: a SQLite file, or `postgres://…` to share the
    /// state with other processes.
    #[arg(long)]
    database: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    ip: Option<IpAddr>,
    port: Option<u16>,
    database: Option<String>,
    max_running: Option<usize>,
    #[serde(default)]
    api_tokens: Vec<String>,
    /// Instance creations allowed per second (off when absent); over it, HTTP 429.
    max_creations_per_second: Option<f64>,
    /// How many creations may come at once before the rate applies (default 100).
    creation_burst: Option<u32>,
    #[serde(default)]
    workflows: Vec<WorkflowEntry>,
    /// A Worker project directory, relative to the config file.
    project: Option<PathBuf>,
    js_cpu_limit_ms: Option<u64>,
    js_memory_limit_mib: Option<usize>,
    /// Waits (retry back-offs, sleeps, event waits) up to this long keep a run live.
    live_wait_ms: Option<u64>,
    /// Connections open at once; past it new ones get 503.
    max_connections: Option<usize>,
    /// Time for a request's headers (and an idle keep-alive connection), in milliseconds.
    header_timeout_ms: Option<u64>,
    /// Time for a request's body, in milliseconds.
    body_timeout_ms: Option<u64>,
    /// Host names the server answers to besides its own address (behind a proxy or a DNS
    /// name, when it listens on loopback).
    #[serde(default)]
    allowed_hosts: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkflowEntry {
    name: String,
    binding: Option<String>,
    class_name: String,
    limits: Option<WorkflowLimits>,
    /// Accepted for the retention issue; not applied yet.
    retention: Option<toml::Value>,
    /// Cron schedules: `"0 * * * *"` or `{ cron = "…", timezone = "Europe/Berlin" }`.
    #[serde(default)]
    schedules: Vec<ScheduleEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ScheduleEntry {
    Cron(String),
    Zoned {
        cron: String,
        timezone: Option<String>,
    },
}

impl WorkflowEntry {
    /// The entry's schedules, parsed; a bad one is an error naming the workflow.
    fn schedules(&self) -> anyhow::Result<Vec<endure_model::cron::CronSchedule>> {
        use endure_model::cron::{CronSchedule, MAX_SCHEDULES};
        if self.schedules.len() > MAX_SCHEDULES {
            anyhow::bail!(
                "workflow {:?}: at most {MAX_SCHEDULES} schedules, got {}",
                self.name,
                self.schedules.len()
            );
        }
        let mut out: Vec<CronSchedule> = vec![];
        for (i, e) in self.schedules.iter().enumerate() {
            let (cron, tz) = match e {
                ScheduleEntry::Cron(c) => (c, None),
                ScheduleEntry::Zoned { cron, timezone } => (cron, timezone.as_deref()),
            };
            let s = CronSchedule::parse(cron, tz)
                .map_err(|e| anyhow::anyhow!("workflow {:?}: schedules[{i}]: {e}", self.name))?;
            if !out.contains(&s) {
                out.push(s);
            }
        }
        Ok(out)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkflowLimits {
    steps: Option<u64>,
}

const CLASSES: [&str; 3] = ["MyWorkflow", "ApprovalWorkflow", "StepsWorkflow"];

/// A `[[workflows]]` entry: a bundled Rust class, or an exported class of the served project.
fn register(
    b: EngineBuilder,
    w: &WorkflowEntry,
    #[cfg(feature = "js")] project: Option<&std::sync::Arc<endure_js::Project>>,
) -> anyhow::Result<EngineBuilder> {
    let mut opts = WorkflowOptions {
        schedules: w.schedules()?,
        ..WorkflowOptions::default()
    };
    let steps = w.limits.as_ref().and_then(|l| l.steps);
    if let Some(steps) = steps {
        opts.step_limit = steps;
    }
    #[cfg(feature = "js")]
    if let Some(p) = project
        && !CLASSES.contains(&w.class_name.as_str())
    {
        return Ok(p.register_class(b, &w.name, &w.class_name, steps, opts.schedules)?);
    }
    Ok(match w.class_name.as_str() {
        "MyWorkflow" => b.workflow_with(&w.name, endure_examples::starter::MyWorkflow, opts)?,
        "ApprovalWorkflow" => {
            b.workflow_with(&w.name, endure_examples::approval::ApprovalWorkflow, opts)?
        }
        "StepsWorkflow" => b.workflow_with(&w.name, endure_examples::steps::StepsWorkflow, opts)?,
        other => anyhow::bail!(
            "workflow {:?}: unknown class_name {other:?} (known: {}, or a class of the `project`)",
            w.name,
            CLASSES.join(", ")
        ),
    })
}

fn usage_error(msg: String) -> anyhow::Result<ExitCode> {
    eprintln!("error: {msg}");
    Ok(ExitCode::from(2))
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    use std::fmt::Write as _;
    let text = match std::fs::read_to_string(&args.config) {
        Ok(t) => t,
        Err(e) => return usage_error(format!("cannot read {}: {e}", args.config.display())),
    };
    let config: Config = match toml::from_str(&text) {
        Ok(c) => c,
        Err(e) => return usage_error(format!("invalid config {}: {e}", args.config.display())),
    };
    let mut tokens = config.api_tokens.clone();
    if let Ok(t) = std::env::var("ENDURE_API_TOKEN")
        && !t.is_empty()
    {
        tokens.push(t);
    }
    if let Some(i) = tokens.iter().position(|t| t.trim().is_empty()) {
        return usage_error(format!(
            "api_tokens[{i}] is empty or only whitespace: every token must be a real secret"
        ));
    }
    if let Some(i) = tokens
        .iter()
        .position(|t| t.trim() != t || t.chars().any(char::is_control))
    {
        return usage_error(format!(
            "api_tokens[{i}] has leading or trailing whitespace or control characters"
        ));
    }
    let defaults = endure_server::ConnLimits::default();
    let limits = endure_server::ConnLimits {
        max_connections: config
            .max_connections
            .unwrap_or(defaults.max_connections)
            .max(1),
        header_timeout: config
            .header_timeout_ms
            .map_or(defaults.header_timeout, |ms| {
                std::time::Duration::from_millis(ms.max(1))
            }),
        body_timeout: config.body_timeout_ms.map_or(defaults.body_timeout, |ms| {
            std::time::Duration::from_millis(ms.max(1))
        }),
    };
    let ip = args
        .ip
        .or(config.ip)
        .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let port = args.port.or(config.port).unwrap_or(8787);
    if !ip.is_loopback() && tokens.is_empty() {
        return usage_error(format!(
            "refusing to listen on {ip} without an API token: set api_tokens in the config or ENDURE_API_TOKEN"
        ));
    }
    let base = args.config.parent().map(PathBuf::from).unwrap_or_default();
    let db = match (&args.database, &config.database) {
        (Some(d), _) => crate::state::Database::parse(d, std::path::Path::new(".")),
        (None, Some(d)) => crate::state::Database::parse(d, &base),
        (None, None) => crate::state::Database::Sqlite(base.join("endure.sqlite")),
    };
    let store = match db.open().await {
        Ok(s) => s,
        Err(e) => return usage_error(e.to_string()),
    };
    let engine_config = EngineConfig {
        max_running: config.max_running.unwrap_or(1000),
        live_wait_ms: config.live_wait_ms.unwrap_or(endure::DEFAULT_LIVE_WAIT_MS),
        ..EngineConfig::default()
    };
    let mut builder = EngineBuilder::new(store)
        .config(db.engine_config(engine_config))
        .telemetry(crate::telemetry::observer()?);
    if args.examples {
        builder = endure_examples::register(builder)?;
    }
    let project_dir = args
        .project
        .clone()
        .or_else(|| config.project.as_ref().map(|p| base.join(p)));
    #[cfg(feature = "js")]
    let project = match &project_dir {
        None => None,
        Some(d) => match crate::project::load(
            d,
            endure_js::Limits {
                cpu: std::time::Duration::from_millis(
                    config.js_cpu_limit_ms.unwrap_or(30_000).max(1),
                ),
                memory_bytes: config.js_memory_limit_mib.unwrap_or(128).max(1) * 1024 * 1024,
            },
            &match &db {
                crate::state::Database::Sqlite(p) => p.parent().unwrap_or(&base).to_path_buf(),
                crate::state::Database::Postgres(_) => base.clone(),
            },
        )
        .await
        {
            Ok((p, exports)) => {
                for w in &config.workflows {
                    if !CLASSES.contains(&w.class_name.as_str()) && !exports.contains(&w.class_name)
                    {
                        return usage_error(format!(
                            "workflow {:?}: class_name {:?} is neither a bundled class ({}) nor exported by the project",
                            w.name,
                            w.class_name,
                            CLASSES.join(", ")
                        ));
                    }
                }
                builder = p.register(builder)?;
                Some(p)
            }
            Err(e) => return usage_error(format!("{e:#}")),
        },
    };
    #[cfg(not(feature = "js"))]
    if project_dir.is_some() {
        return usage_error(
            "this endure was built without JavaScript support (cargo feature `js`)".into(),
        );
    }
    for w in &config.workflows {
        if w.retention.is_some() {
            eprintln!(
                "note: workflow {:?}: retention is accepted but not applied yet",
                w.name
            );
        }
        builder = match register(
            builder,
            w,
            #[cfg(feature = "js")]
            project.as_ref(),
        ) {
            Ok(b) => b,
            Err(e) => return usage_error(e.to_string()),
        };
    }
    let engine = builder.start().await?;
    #[cfg(feature = "js")]
    if let Some(p) = &project {
        p.attach(engine.clone());
    }
    let listener = match tokio::net::TcpListener::bind(SocketAddr::new(ip, port)).await {
        Ok(l) => l,
        Err(e) => return usage_error(format!("cannot listen on {ip}:{port}: {e}")),
    };
    let addr = listener.local_addr()?;
    let mut state = ServerState::new(engine.clone(), addr);
    crate::telemetry::serve_metrics(&mut state);
    state.tokens = Arc::new(tokens);
    state.creation_limit = config.max_creations_per_second.map(|r| {
        Arc::new(endure_server::limit::RateLimit::new(
            r,
            config.creation_burst.unwrap_or(100),
        ))
    });
    state.access.allowed_hosts = config.allowed_hosts.clone();
    state.limits = limits;
    let mut banner = String::from("endure serve\n");
    let _ = writeln!(banner, "  listening on http://{addr}");
    let _ = writeln!(banner, "  database     {}", db.display());
    let _ = writeln!(banner, "  dashboard    http://{addr}/_endure/");
    let _ = writeln!(banner, "  metrics      http://{addr}/_endure/metrics");
    let _ = writeln!(banner, "  GraphQL      http://{addr}/client/v4/graphql");
    if let Some(url) = crate::telemetry::traces_url() {
        let _ = writeln!(banner, "  traces       OTLP to {url}");
    }
    let _ = writeln!(
        banner,
        "  auth         {}",
        if state.tokens.is_empty() {
            "none (loopback only)"
        } else {
            "bearer token"
        }
    );
    #[cfg(feature = "js")]
    if let Some(p) = &project {
        let _ = writeln!(
            banner,
            "  project      {} ({})",
            p.config.name,
            p.config.path.display()
        );
        for (binding, name, class) in p.bindings() {
            let _ = writeln!(
                banner,
                "  workflow     {name} (binding {binding}, class {class})"
            );
        }
    }
    for w in &config.workflows {
        let _ = writeln!(
            banner,
            "  workflow     {} (binding {})",
            w.name,
            w.binding
                .clone()
                .unwrap_or_else(|| w.name.to_uppercase().replace('-', "_"))
        );
    }
    // One write, and never fatal: a closed stdout (say `endure dev | head -1`) must not stop the
    // server.
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(banner.as_bytes()).and_then(|_| out.flush());
    drop(out);
    #[cfg(feature = "js")]
    let app = project.map(|p| crate::project::app(p, false));
    #[cfg(not(feature = "js"))]
    let app = None;
    endure_server::listener::serve(listener, router_with_app(state, app), limits).await?;
    Ok(ExitCode::SUCCESS)
}
