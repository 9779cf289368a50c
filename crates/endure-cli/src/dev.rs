//! `endure dev [DIR]`: a Worker project (a directory with `wrangler.jsonc`, `wrangler.json` or
//! `wrangler.toml`), or without one the bundled examples, served on loopback with state in a
//! local folder.

use endure_server::{ServerState, guide, router_with_app};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// A Worker project's directory (default: the current directory if it holds a wrangler
    /// configuration; otherwise the bundled examples are served).
    dir: Option<PathBuf>,
    /// Address to listen on: loopback only (`endure serve` is for anything else).
    #[arg(long, default_value = "127.0.0.1")]
    ip: IpAddr,
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8787)]
    port: u16,
    /// Where state lives (default `.endure` in the project directory, or in the current one).
    #[arg(long)]
    state_dir: Option<PathBuf>,
    /// CPU time one turn of JavaScript may use before it is interrupted (a step attempt that
    /// runs over fails and is retried by its policy).
    #[arg(long, default_value_t = 30_000)]
    js_cpu_ms: u64,
    /// Heap limit of each JavaScript isolate.
    #[arg(long, default_value_t = 128)]
    js_memory_mib: usize,
    /// Waits (retry back-offs, sleeps, event waits) up to this many milliseconds keep a run
    /// live, with the variables of its `run`; longer ones hibernate.
    #[arg(long, default_value_t = endure::DEFAULT_LIVE_WAIT_MS)]
    live_wait_ms: u64,
    /// Serve wrangler's test route for cron triggers: `GET /__scheduled?cron=<expression>`
    /// (also `/cdn-cgi/handler/scheduled`) runs the `scheduled` handler once, now.
    #[arg(long)]
    test_scheduled: bool,
    /// Where the engine's state is: `postgres://user:password@host/database` to share it with
    /// other processes (a PostgreSQL database), or a SQLite file (default
    /// `<state-dir>/endure.sqlite`). A project's local R2, D1 and KV data stay in the state
    /// directory either way.
    #[arg(long)]
    database: Option<String>,
}

impl Args {
    fn engine_config(&self) -> endure::EngineConfig {
        endure::EngineConfig {
            live_wait_ms: self.live_wait_ms,
            ..endure::EngineConfig::default()
        }
    }
}

/// What `endure dev` serves.
struct Served {
    engine: endure::Engine,
    db: crate::state::Database,
    app: axum::Router,
    /// Banner lines about the app and the workflows.
    lines: Vec<String>,
}

async fn examples(
    db: crate::state::Database,
    config: endure::EngineConfig,
) -> anyhow::Result<Served> {
    let engine = crate::examples_engine(&db, db.engine_config(config)).await?;
    let app = guide::routes(engine.workflow(endure_examples::starter::NAME)?);
    let mut lines = vec![format!(
        "  app routes   / (the seed guide's handler for {})",
        endure_examples::starter::NAME
    )];
    for n in engine.workflow_names() {
        lines.push(format!("  workflow     {n} (binding {})", binding_name(&n)));
    }
    Ok(Served {
        engine,
        db,
        app,
        lines,
    })
}

#[cfg(feature = "js")]
async fn project(
    dir: &std::path::Path,
    state_dir: &std::path::Path,
    limits: endure_js::Limits,
    config: endure::EngineConfig,
    test_scheduled: bool,
    db: crate::state::Database,
) -> anyhow::Result<Served> {
    // The state directory is this process's before anything in it is touched (with
    // PostgreSQL, several processes share the engine's state; each keeps its own directory).
    crate::state::lock(&state_dir.join("endure.sqlite"))?;
    let (p, _) = crate::project::load(dir, limits, state_dir).await?;
    let store = db.open().await?;
    let config = db.engine_config(config);
    let engine = p
        .register(
            endure::EngineBuilder::new(store)
                .config(config)
                .telemetry(crate::telemetry::observer()?),
        )?
        .start()
        .await?;
    p.attach(engine.clone());
    tokio::spawn(watch(p.clone()));
    let mut lines = vec![
        format!(
            "  project      {} ({})",
            p.config.name,
            p.config.path.display()
        ),
        format!(
            "  app routes   / (the fetch handler of {})",
            p.config.main.display()
        ),
    ];
    for (binding, name, class) in p.bindings() {
        lines.push(format!(
            "  workflow     {name} (binding {binding}, class {class})"
        ));
    }
    for w in &p.config.workflows {
        for c in &w.schedules {
            lines.push(format!("  schedule     {} ({c})", w.name));
        }
    }
    for c in &p.config.crons {
        lines.push(format!("  cron         {c} (scheduled handler)"));
    }
    for c in &p.config.queue_consumers {
        lines.push(format!(
            "  queue        {} (queue handler, batches of up to {})",
            c.queue, c.max_batch_size
        ));
    }
    if test_scheduled {
        lines.push(
            "  cron test    /__scheduled?cron=<expression> runs the scheduled handler".into(),
        );
    }
    Ok(Served {
        engine,
        db,
        app: crate::project::app(p, test_scheduled),
        lines,
    })
}

/// `MY_WORKFLOW` for `my-workflow`: the binding names the banner shows.
fn binding_name(workflow: &str) -> String {
    workflow.to_uppercase().replace('-', "_")
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    use std::fmt::Write as _;
    if !args.ip.is_loopback() {
        eprintln!(
            "error: endure dev listens on loopback only (127.0.0.1 or ::1), not {}",
            args.ip
        );
        return Ok(ExitCode::from(2));
    }
    let project_dir = match &args.dir {
        Some(d) => {
            if !d.is_dir() || !has_config(d) {
                eprintln!(
                    "error: {} is not a Worker project (no wrangler.jsonc, wrangler.json or wrangler.toml)",
                    d.display()
                );
                return Ok(ExitCode::from(2));
            }
            Some(d.clone())
        }
        None => has_config(std::path::Path::new(".")).then(|| PathBuf::from(".")),
    };
    let state_dir = args
        .state_dir
        .clone()
        .unwrap_or_else(|| match &project_dir {
            Some(d) => d.join(crate::default_state_dir()),
            None => crate::default_state_dir(),
        });
    let db = match &args.database {
        Some(d) => crate::state::Database::parse(d, std::path::Path::new(".")),
        None => crate::state::Database::Sqlite(state_dir.join("endure.sqlite")),
    };
    let served = match &project_dir {
        None => match examples(db, args.engine_config()).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e:#}");
                return Ok(ExitCode::from(2));
            }
        },
        Some(d) => match serve_project(d, &state_dir, &args, db).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e:#}");
                return Ok(ExitCode::from(2));
            }
        },
    };
    let Served {
        engine,
        db,
        app,
        lines,
    } = served;
    let listener = match tokio::net::TcpListener::bind(SocketAddr::new(args.ip, args.port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on {}:{}: {e}", args.ip, args.port);
            return Ok(ExitCode::from(2));
        }
    };
    let addr = listener.local_addr()?;
    let mut state = ServerState::new(engine.clone(), addr);
    crate::telemetry::serve_metrics(&mut state);
    let app = router_with_app(state, Some(app));
    let mut banner = String::from("endure dev\n");
    let _ = writeln!(banner, "  listening on http://{addr}");
    let _ = writeln!(
        banner,
        "  REST API     http://{addr}/client/v4/accounts/local/workflows"
    );
    let _ = writeln!(banner, "  dashboard    http://{addr}/_endure/");
    let _ = writeln!(banner, "  metrics      http://{addr}/_endure/metrics");
    let _ = writeln!(banner, "  GraphQL      http://{addr}/client/v4/graphql");
    if let Some(url) = crate::telemetry::traces_url() {
        let _ = writeln!(banner, "  traces       OTLP to {url}");
    }
    let _ = writeln!(banner, "  state        {}", db.display());
    for l in lines {
        let _ = writeln!(banner, "{l}");
    }
    // One write, and never fatal: a closed stdout (say `endure dev | head -1`) must not stop the
    // server.
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(banner.as_bytes()).and_then(|_| out.flush());
    drop(out);
    endure_server::serve(listener, app).await?;
    Ok(ExitCode::SUCCESS)
}

/// Reloads the project's sources when they change (polled twice a second). A change to the
/// wrangler configuration needs a restart.
#[cfg(feature = "js")]
async fn watch(p: std::sync::Arc<endure_js::Project>) {
    let mut stamp = p.sources_stamp();
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let now = p.sources_stamp();
        if now == stamp {
            continue;
        }
        stamp = now;
        match p.reload().await {
            Ok(_) => eprintln!("[info] sources changed: reloaded"),
            Err(e) => {
                eprintln!("[error] sources changed, but: {e} (runs keep failing until it is fixed)")
            }
        }
    }
}

fn has_config(dir: &std::path::Path) -> bool {
    ["wrangler.jsonc", "wrangler.json", "wrangler.toml"]
        .iter()
        .any(|f| dir.join(f).is_file())
}

#[cfg(feature = "js")]
async fn serve_project(
    dir: &std::path::Path,
    state_dir: &std::path::Path,
    args: &Args,
    db: crate::state::Database,
) -> anyhow::Result<Served> {
    let limits = endure_js::Limits {
        cpu: std::time::Duration::from_millis(args.js_cpu_ms.max(1)),
        memory_bytes: args.js_memory_mib.max(1) * 1024 * 1024,
    };
    project(
        dir,
        state_dir,
        limits,
        args.engine_config(),
        args.test_scheduled,
        db,
    )
    .await
}

#[cfg(not(feature = "js"))]
async fn serve_project(
    _dir: &std::path::Path,
    _state_dir: &std::path::Path,
    _args: &Args,
    _db: crate::state::Database,
) -> anyhow::Result<Served> {
    anyhow::bail!("this endure was built without JavaScript support (cargo feature `js`)")
}
