//! `endure bench`: durable steps per second with the `steps` workflow on SQLite, in Rust or
//! (`--js`) as a JavaScript Worker project; create-to-complete latency (`--latency N`); memory
//! of hibernating instances (`--waiting N`).

use anyhow::Context;
use endure::{CreateOptions, EngineBuilder, EngineConfig, InstanceStatus};
use endure_sqlite::{SqliteConfig, SqliteStore};
use serde_json::json;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct Args {
    /// Instances to run.
    #[arg(long, default_value_t = 1000)]
    instances: usize,
    /// Steps per instance.
    #[arg(long, default_value_t = 10)]
    steps: u64,
    /// Most instances running at once.
    #[arg(long, default_value_t = 1000)]
    max_running: usize,
    /// Instead: create this many `approval` instances (in JavaScript with `--js`), which all
    /// wait for an event, and report the memory held once they all hibernate.
    #[arg(long)]
    waiting: Option<usize>,
    /// Where the database goes (a fresh file is made in it).
    #[arg(long, default_value = "target/bench")]
    dir: PathBuf,
    /// Run the `steps` workflow written in JavaScript (a Worker project written to DIR/js).
    #[arg(long)]
    js: bool,
    /// Instead: run N instances one after another and report create-to-complete latency.
    #[arg(long)]
    latency: Option<usize>,
    /// With `--waiting`: then send the event to this many of the waiting instances, one after
    /// another, and report the time from `sendEvent` to the instance's end (one more step).
    #[arg(long, default_value_t = 0)]
    event_latency: usize,
    /// Instead: N instances that all sleep until one moment (`--wake-in` seconds after the
    /// start), and how late each resumes.
    #[arg(long)]
    wake: Option<usize>,
    /// With `--wake`: how far ahead the moment is (creating them all must fit before it).
    #[arg(long, default_value_t = 30)]
    wake_in: u64,
    /// Instead: create N three-step instances, stop the engine at once (as a crash would) while
    /// they are queued and running, start a new one on the file and report how long until the
    /// first and the last of them finished.
    #[arg(long)]
    recovery: Option<usize>,
    /// Create the instances over the REST API (a server on loopback in this process) from
    /// this many client tasks, each with its own connection, in batches of 100; with
    /// `--latency`, each instance is created with one `POST …/instances`.
    #[arg(long)]
    http: Option<usize>,
    /// Instead: start the engine with nothing to do and report the CPU it uses in this many
    /// seconds.
    #[arg(long)]
    idle: Option<u64>,
    /// Instead: run the whole suite (each figure in its own process, repeated) and write the
    /// report between the suite markers of `--out`.
    #[arg(long)]
    suite: bool,
    /// With `--suite`: small sizes and one repetition, to check the tool works (CI).
    #[arg(long)]
    quick: bool,
    /// With `--suite`: the Markdown file whose suite section is (re)written.
    #[arg(long, default_value = "BENCHMARKS.md")]
    out: PathBuf,
    /// With `--suite`: also run `../shared/peers/compare.sh` (Cloudflare's local engine,
    /// Restate and Endure on one Worker project) and include its table.
    #[arg(long)]
    peers: bool,
    /// Run on PostgreSQL instead of a SQLite file: a fresh schema in this database
    /// (`postgres://…`; throughput and latency only).
    #[arg(long)]
    database: Option<String>,
    /// Instead: run this many `endure serve` processes on one database (a fresh database of
    /// `--database`, or a SQLite file with one process) and create the instances over their
    /// REST APIs (`--http` clients, default 4), round robin.
    #[arg(long)]
    nodes: Option<usize>,
    /// Instead: fill a fresh store with this many days of a busy server's analytics rollups
    /// and time GraphQL queries over them.
    #[arg(long)]
    analytics: Option<u64>,
    /// Run the engine without its analytics rollups (to measure what they cost).
    #[arg(long)]
    no_analytics: bool,
}

/// The `steps` and `approval` workflows as a JavaScript Worker project.
const JS_STEPS: &str = r#"import { WorkflowEntrypoint } from "cloudflare:workers";
export class StepsWorkflow extends WorkflowEntrypoint {
  async run(event, step) {
    const n = event.payload.steps ?? 0;
    for (let k = 1; k <= n; k++) {
      await step.do(`step-${k}`, async () => ({ i: k }));
    }
    return { steps: n };
  }
}
export class ApprovalWorkflow extends WorkflowEntrypoint {
  async run(event, step) {
    const request = await step.do("record request", async () => ({ at: Date.now() }));
    const decision = await step.waitForEvent("wait for approval", { type: "approval", timeout: "1 day" });
    return { request, approved: decision.payload.approved === true };
  }
}
"#;

#[cfg(feature = "js")]
fn js_project(
    dir: &std::path::Path,
    builder: EngineBuilder,
) -> anyhow::Result<(EngineBuilder, std::sync::Arc<endure_js::Project>)> {
    let p = dir.join("js");
    std::fs::create_dir_all(&p)?;
    std::fs::write(
        p.join("wrangler.json"),
        r#"{"name": "bench", "main": "index.js", "workflows": [
            {"name": "steps", "binding": "STEPS", "class_name": "StepsWorkflow"},
            {"name": "approval", "binding": "APPROVAL", "class_name": "ApprovalWorkflow"}]}"#,
    )?;
    std::fs::write(p.join("index.js"), JS_STEPS)?;
    // The isolate settings `endure serve` takes from the environment, for trying others.
    let options = endure_js::RunOptions {
        max_run_isolates: crate::project::positive_env("ENDURE_MAX_RUN_ISOLATES")?.unwrap_or(0),
        runs_per_isolate: crate::project::positive_env("ENDURE_RUNS_PER_ISOLATE")?.unwrap_or(0),
        ..Default::default()
    };
    let project = endure_js::Project::load(&p, options)?;
    Ok((project.register(builder)?, project))
}

async fn latency(
    engine: endure::Engine,
    n: usize,
    steps: u64,
    lang: &str,
) -> anyhow::Result<ExitCode> {
    let w = engine.workflow("steps")?;
    let mut ms = Vec::with_capacity(n);
    for _ in 0..n {
        let start = Instant::now();
        let h = w
            .create(CreateOptions::new().params(json!({"steps": steps})))
            .await?;
        ms.push(finished_ms(h, start).await?);
    }
    latency_table(lang, steps, ms);
    engine.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

/// Waits for `h` to end complete; the milliseconds since `start`.
async fn finished_ms(h: endure::InstanceHandle, start: Instant) -> anyhow::Result<f64> {
    let d = h.wait_finished().await?;
    if d.status != InstanceStatus::Complete {
        anyhow::bail!("an instance ended {}", d.status);
    }
    Ok(start.elapsed().as_secs_f64() * 1000.0)
}

/// Prints the latency table of `ms` (one sample per instance).
fn latency_table(label: &str, steps: u64, ms: Vec<f64>) {
    let n = ms.len();
    let [p50, p90, p99, max] = percentiles(ms);
    println!("| workflow | steps each | instances | p50 | p90 | p99 | max |");
    println!("|---|---|---|---|---|---|---|");
    println!("| {label} | {steps} | {n} | {p50:.2} ms | {p90:.2} ms | {p99:.2} ms | {max:.2} ms |");
}

/// A PostgreSQL store in a fresh schema of the database at `url`.
async fn postgres_store(url: &str) -> anyhow::Result<Arc<dyn endure_store::Store>> {
    #[cfg(feature = "postgres")]
    {
        let mut c = endure_postgres::PostgresConfig::new(url);
        c.schema = Some(format!("bench_{}", std::process::id()));
        Ok(Arc::new(endure_postgres::PostgresStore::open(c).await?))
    }
    #[cfg(not(feature = "postgres"))]
    {
        let _ = url;
        anyhow::bail!("built without PostgreSQL support")
    }
}

/// How many instances of `workflow` are in one of `statuses` (an index range count each).
async fn count(
    store: &dyn endure_store::Store,
    workflow: &str,
    statuses: &[InstanceStatus],
) -> anyhow::Result<u64> {
    let mut n = 0;
    for s in statuses {
        let q = endure_store::ListQuery {
            workflow: workflow.to_string(),
            status: Some(*s),
            ..Default::default()
        };
        n += store.count_instances(&q).await?;
    }
    Ok(n)
}

/// p50, p90, p99 and the maximum of samples (at least one).
pub fn percentiles(mut ms: Vec<f64>) -> [f64; 4] {
    ms.sort_by(f64::total_cmp);
    let pct = |p: f64| ms[((ms.len() as f64 - 1.0) * p).round() as usize];
    [pct(0.5), pct(0.9), pct(0.99), ms[ms.len() - 1]]
}

fn proc_status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn peak_rss_kib() -> Option<u64> {
    proc_status_kib("VmHWM:")
}

async fn waiting(
    store: Arc<SqliteStore>,
    engine: endure::Engine,
    n: usize,
    event_latency: usize,
    db: &std::path::Path,
    lang: &str,
) -> anyhow::Result<ExitCode> {
    let rss_before = proc_status_kib("VmRSS:").unwrap_or(0);
    let w = engine.workflow("approval")?;
    let start = Instant::now();
    let mut left = n;
    // Instances to send events to afterwards: spread over all of them.
    let every = n.checked_div(event_latency).unwrap_or(usize::MAX).max(1);
    let mut sample = Vec::new();
    while left > 0 {
        let k = left.min(100);
        let made = w
            .create_batch((0..k).map(|_| CreateOptions::new()).collect())
            .await?;
        for (i, h) in made.into_iter().enumerate() {
            if (n - left + i).is_multiple_of(every) && sample.len() < event_latency {
                sample.push(h);
            }
        }
        left -= k;
    }
    // Counted from the (workflow, status) index, not read row by row: a million rows read at
    // the end would be the harness's memory, not the engine's.
    while count(
        &*store,
        "approval",
        &[InstanceStatus::Queued, InstanceStatus::Running],
    )
    .await?
        > 0
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let waiting = count(&*store, "approval", &[InstanceStatus::Waiting]).await?;
    let rss_after = proc_status_kib("VmRSS:").unwrap_or(0);
    println!(
        "| workflow | waiting instances | time to hibernate all | runs live | threads | RSS before | RSS with all waiting | peak RSS |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let threads = std::fs::read_dir("/proc/self/task").map_or(0, |d| d.count());
    println!(
        "| {lang} | {waiting} | {elapsed:.2} s | {} | {threads} | {} MiB | {} MiB | {} MiB |",
        engine.running(),
        rss_before / 1024,
        rss_after / 1024,
        peak_rss_kib().unwrap_or(0) / 1024
    );
    #[cfg(feature = "js")]
    if lang == "JavaScript" {
        eprintln!("isolates started: {}", endure_js::isolate::started());
    }
    if !sample.is_empty() {
        let mut ms = Vec::with_capacity(sample.len());
        for h in &sample {
            let start = Instant::now();
            h.send_event("approval", json!({"approved": true})).await?;
            let d = h.wait_finished().await?;
            if d.status != InstanceStatus::Complete {
                anyhow::bail!("an instance ended {}", d.status);
            }
            ms.push(start.elapsed().as_secs_f64() * 1000.0);
        }
        let sent = ms.len();
        let [p50, p90, p99, max] = percentiles(ms);
        println!();
        println!("| workflow | waiting | events sent | sendEvent→end p50 | p90 | p99 | max |");
        println!("|---|---|---|---|---|---|---|");
        println!(
            "| {lang} | {waiting} | {sent} | {p50:.2} ms | {p90:.2} ms | {p99:.2} ms | {max:.2} ms |"
        );
    }
    engine.shutdown().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    Ok(if waiting == n as u64 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Serves the REST API for `engine` on a loopback port; answers the API's base URL.
async fn serve_api(engine: &endure::Engine) -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let state = endure_server::ServerState::new(engine.clone(), addr);
    tokio::spawn(endure_server::serve(listener, endure_server::router(state)));
    Ok(format!(
        "http://{addr}/client/v4/accounts/bench/workflows/steps"
    ))
}

/// Creates `n` instances of the `steps` workflow over REST from `clients` tasks, batches of 100
/// each, round robin over `bases` (each a workflow's API URL).
pub(crate) async fn http_create(
    bases: &[String],
    clients: usize,
    n: usize,
    steps: u64,
) -> anyhow::Result<()> {
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let urls: Arc<Vec<String>> = Arc::new(
        bases
            .iter()
            .map(|b| format!("{b}/instances/batch"))
            .collect(),
    );
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..clients.max(1) {
        let (next, urls) = (next.clone(), urls.clone());
        tasks.spawn(async move {
            let client = reqwest::Client::new();
            loop {
                let from = next.fetch_add(100, std::sync::atomic::Ordering::SeqCst);
                if from >= n {
                    return anyhow::Ok(());
                }
                let url = &urls[(from / 100) % urls.len()];
                let k = (n - from).min(100);
                let body: Vec<_> = (0..k)
                    .map(|_| json!({"params": {"steps": steps}}))
                    .collect();
                let r = client.post(url).json(&body).send().await?;
                if !r.status().is_success() {
                    anyhow::bail!("batch create answered {}: {}", r.status(), r.text().await?);
                }
            }
        });
    }
    while let Some(r) = tasks.join_next().await {
        r??;
    }
    Ok(())
}

/// [`latency`] with each instance created by `POST …/instances` over loopback HTTP (its end
/// is seen in process, the moment the engine records it).
async fn http_latency(
    engine: endure::Engine,
    base: &str,
    n: usize,
    steps: u64,
    lang: &str,
) -> anyhow::Result<ExitCode> {
    let w = engine.workflow("steps")?;
    let client = reqwest::Client::new();
    let url = format!("{base}/instances");
    let mut ms = Vec::with_capacity(n);
    for i in 0..n {
        let id = format!("h{i}");
        let start = Instant::now();
        let r = client
            .post(&url)
            .json(&json!({"instance_id": id, "params": {"steps": steps}}))
            .send()
            .await?;
        if !r.status().is_success() {
            anyhow::bail!("create answered {}: {}", r.status(), r.text().await?);
        }
        ms.push(finished_ms(w.get(&id).await?, start).await?);
    }
    latency_table(&format!("{lang}, REST"), steps, ms);
    engine.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

/// This process's CPU time (user + system) in clock ticks (10 ms).
fn cpu_ticks() -> u64 {
    cpu_ticks_of("self")
}

/// CPU time (user + system) process `pid` (or `self`) has used, in clock ticks (10 ms).
pub(crate) fn cpu_ticks_of(pid: &str) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at the last ')'.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name.
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    tick(11) + tick(12)
}

/// Bytes this process has caused to be written to storage.
fn written_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/io")
        .ok()
        .and_then(|io| {
            io.lines()
                .find_map(|l| l.strip_prefix("write_bytes: "))
                .and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(0)
}

fn remove_db(db: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}

async fn recovery(
    store: Arc<SqliteStore>,
    engine: endure::Engine,
    n: usize,
    db: &std::path::Path,
    lang: &str,
) -> anyhow::Result<ExitCode> {
    // Accepted (durable) but not yet run: written straight to the store, as a server that
    // accepted them and died would leave them. Then the engine runs for a moment, so some
    // are running and the rest queued, and stops.
    engine.shutdown().await;
    let now = endure_model::Timestamp(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64),
    );
    let mut made = 0;
    while made < n {
        let k = (n - made).min(1000);
        let batch = (made..made + k)
            .map(|i| endure_store::NewInstance {
                workflow: "steps".into(),
                id: format!("r{i}"),
                params: json!({"steps": 3}),
                trigger: endure_model::TriggerSource::Api,
                version_id: "1".into(),
                created_at: now,
                schedule: None,
                owner: None,
            })
            .collect();
        endure_store::Store::create_instances(&*store, batch).await?;
        made += k;
    }
    let engine = endure_examples::register(EngineBuilder::new(store.clone()))?
        .start()
        .await?;
    while count(&*store, "steps", &[InstanceStatus::Complete]).await? < (n as u64 / 100).max(1) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let w = engine.workflow("steps")?;
    // Stop at once, as a crash would: whatever was queued or running stays so in the file.
    engine.shutdown().await;
    drop(w);
    drop(engine);
    let in_flight = count(
        &*store,
        "steps",
        &[InstanceStatus::Queued, InstanceStatus::Running],
    )
    .await?;
    drop(store);
    let store = Arc::new(SqliteStore::open(SqliteConfig::new(db))?);
    let restart = Instant::now();
    let engine = endure_examples::register(EngineBuilder::new(store.clone()))?
        .start()
        .await?;
    let started = restart.elapsed();
    let mut first = None;
    loop {
        let done = count(&*store, "steps", &[InstanceStatus::Complete]).await?;
        let open = count(
            &*store,
            "steps",
            &[InstanceStatus::Queued, InstanceStatus::Running],
        )
        .await?;
        if first.is_none() && done > 0 {
            first = Some(restart.elapsed());
        }
        if open == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let last = restart.elapsed();
    let errored = count(&*store, "steps", &[InstanceStatus::Errored]).await?;
    println!(
        "| workflow | instances | in flight at the stop | engine start | first finished | last finished | errored |"
    );
    println!("|---|---|---|---|---|---|---|");
    println!(
        "| {lang} | {n} | {in_flight} | {:.1} ms | {:.1} ms | {:.2} s | {errored} |",
        started.as_secs_f64() * 1000.0,
        first.unwrap_or(last).as_secs_f64() * 1000.0,
        last.as_secs_f64()
    );
    engine.shutdown().await;
    remove_db(db);
    Ok(if errored == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.suite {
        return crate::suite::run(
            &args.dir,
            &args.out,
            args.quick,
            args.peers,
            args.database.as_deref(),
        )
        .await;
    }
    if let Some(nodes) = args.nodes {
        return crate::nodes_bench::run(crate::nodes_bench::Run {
            nodes,
            instances: args.instances,
            steps: args.steps,
            clients: args.http.unwrap_or(4),
            database: args.database.as_deref(),
            dir: &args.dir,
        })
        .await;
    }
    std::fs::create_dir_all(&args.dir)?;
    let db = args
        .dir
        .join(format!("bench-{}.sqlite", std::process::id()));
    let sqlite = match &args.database {
        Some(_) => None,
        None => Some(Arc::new(
            SqliteStore::open(SqliteConfig::new(&db))
                .with_context(|| format!("opening {}", db.display()))?,
        )),
    };
    let store: Arc<dyn endure_store::Store> = match (&sqlite, &args.database) {
        (Some(s), _) => s.clone(),
        (None, Some(url)) => postgres_store(url).await?,
        (None, None) => unreachable!("a SQLite store without --database"),
    };
    if let Some(days) = args.analytics {
        return crate::analytics_bench::run(store, days).await;
    }
    if sqlite.is_none()
        && (args.wake.is_some()
            || args.waiting.is_some()
            || args.recovery.is_some()
            || args.idle.is_some())
    {
        anyhow::bail!("--database runs the throughput and latency benchmarks only");
    }
    let config = EngineConfig {
        max_running: args.max_running,
        analytics: !args.no_analytics,
        ..EngineConfig::default()
    };
    let builder = EngineBuilder::new(store.clone()).config(config);
    #[cfg(feature = "js")]
    let (engine, _project) = if args.js {
        let (b, p) = js_project(&args.dir, builder)?;
        let engine = b.start().await?;
        p.attach(engine.clone());
        (engine, Some(p))
    } else {
        (
            crate::wake::register(endure_examples::register(builder)?)?
                .start()
                .await?,
            None,
        )
    };
    #[cfg(not(feature = "js"))]
    let engine = if args.js {
        anyhow::bail!("built without JavaScript support")
    } else {
        crate::wake::register(endure_examples::register(builder)?)?
            .start()
            .await?
    };
    let lang = match (args.js, &args.database) {
        (true, None) => "JavaScript",
        (false, None) => "Rust",
        (true, Some(_)) => "JavaScript, PostgreSQL",
        (false, Some(_)) => "Rust, PostgreSQL",
    };
    if let Some(n) = args.wake {
        if args.js {
            anyhow::bail!("--wake runs in Rust only");
        }
        let in_time =
            crate::wake::bench(&engine, n.max(1), Duration::from_secs(args.wake_in)).await?;
        engine.shutdown().await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
        if !in_time {
            eprintln!("creating them took longer than --wake-in: raise it");
            return Ok(ExitCode::from(1));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let http = match args.http {
        Some(clients) => Some((serve_api(&engine).await?, clients.max(1))),
        None => None,
    };
    if let Some(n) = args.latency {
        let code = match &http {
            Some((base, _)) => http_latency(engine, base, n.max(1), args.steps, lang).await?,
            None => latency(engine, n.max(1), args.steps, lang).await?,
        };
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
        return Ok(code);
    }
    if let (Some(n), Some(store)) = (args.waiting, &sqlite) {
        return waiting(store.clone(), engine, n, args.event_latency, &db, lang).await;
    }
    if let Some(n) = args.recovery {
        if args.js {
            anyhow::bail!("--recovery runs in Rust only");
        }
        if let Some(store) = sqlite {
            return recovery(store, engine, n, &db, lang).await;
        }
    }
    if let Some(secs) = args.idle {
        let before = cpu_ticks();
        tokio::time::sleep(Duration::from_secs(secs)).await;
        let used = cpu_ticks().saturating_sub(before);
        println!("| workflow | seconds idle | CPU used | CPU share |");
        println!("|---|---|---|---|");
        println!(
            "| {lang} | {secs} | {} ms | {:.2} % |",
            used * 10,
            used as f64 * 10.0 / (secs as f64 * 10.0)
        );
        engine.shutdown().await;
        remove_db(&db);
        return Ok(ExitCode::SUCCESS);
    }
    let w = engine.workflow("steps")?;
    let (cpu_before, written_before) = (cpu_ticks(), written_bytes());
    let start = Instant::now();
    match &http {
        Some((base, clients)) => {
            http_create(
                std::slice::from_ref(base),
                *clients,
                args.instances,
                args.steps,
            )
            .await?
        }
        None => {
            let mut left = args.instances;
            while left > 0 {
                let n = left.min(100);
                let batch = (0..n)
                    .map(|_| CreateOptions::new().params(json!({"steps": args.steps})))
                    .collect();
                w.create_batch(batch).await?;
                left -= n;
            }
        }
    }
    let created = start.elapsed();
    let lang = match &http {
        Some((_, clients)) => format!("{lang}, REST ×{clients}"),
        None => lang.to_string(),
    };
    let unfinished = [
        InstanceStatus::Queued,
        InstanceStatus::Running,
        InstanceStatus::Waiting,
    ];
    // Counted from the (workflow, status) index, not read row by row: the harness should not
    // compete with the engine it measures (reading 10 000 rows every 20 ms took ~7 % of the
    // CPU of a Rust run).
    while count(&*store, "steps", &unfinished).await? > 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let cpu_ms = cpu_ticks().saturating_sub(cpu_before) as f64 * 10.0;
    let written = written_bytes().saturating_sub(written_before) as f64;
    let steps = args.instances as u64 * args.steps;
    let errored = endure_store::Store::instances_in(&*store, &[InstanceStatus::Errored])
        .await?
        .len();
    engine.shutdown().await;
    let size_mib = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0) as f64 / 1_048_576.0
        + std::fs::metadata(db.with_extension("sqlite-wal"))
            .map(|m| m.len())
            .unwrap_or(0) as f64
            / 1_048_576.0;
    println!(
        "| workflow | instances | steps each | max running | create time | total time | steps/s | instances/s | CPU per step | written per step | peak RSS | db size | errored |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {lang} | {} | {} | {} | {:.2} s | {:.2} s | {:.0} | {:.0} | {:.0} µs | {:.1} KB | {} MiB | {:.1} MiB | {} |",
        args.instances,
        args.steps,
        args.max_running,
        created.as_secs_f64(),
        elapsed,
        steps as f64 / elapsed,
        args.instances as f64 / elapsed,
        cpu_ms * 1000.0 / steps.max(1) as f64,
        written / 1000.0 / steps.max(1) as f64,
        peak_rss_kib().map_or("?".into(), |k| (k / 1024).to_string()),
        size_mib,
        errored
    );
    #[cfg(feature = "js")]
    if args.js {
        eprintln!("isolates started: {}", endure_js::isolate::started());
    }
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    Ok(if errored == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
