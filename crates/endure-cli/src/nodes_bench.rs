//! `endure bench --nodes N`: throughput of N `endure serve` processes on one database, the way
//! a user scales out. Each process is a real `endure serve --examples` of this binary on the
//! same database (a fresh PostgreSQL database, or with one process a SQLite file); this process
//! creates the instances over their REST APIs, round robin in batches of 100, and watches the
//! workflow's status counts until every instance is finished. Reported: instances and steps
//! per second, the CPU the processes and the PostgreSQL server (when it runs on this machine)
//! used per step, and how busy that kept the machine's cores.

use anyhow::Context;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// Most processes one run starts.
pub const MAX_NODES: usize = 8;

/// What to run.
pub struct Run<'a> {
    pub nodes: usize,
    pub instances: usize,
    pub steps: u64,
    /// Client tasks creating instances, each with its own connection.
    pub clients: usize,
    /// `postgres://…`, or `None`: a SQLite file in `dir` (one process only).
    pub database: Option<&'a str>,
    pub dir: &'a Path,
}

struct Node {
    child: Child,
    api: String,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `endure serve` on `database`; answers once it listens.
fn start_node(config: &Path, database: &str) -> anyhow::Result<Node> {
    let mut child = Command::new(std::env::current_exe()?)
        .args(["serve", "--examples", "--port", "0", "--config"])
        .arg(config)
        .args(["--database", database])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .context("starting endure serve")?;
    let mut lines = BufReader::new(child.stdout.take().context("its output")?).lines();
    let url = loop {
        let Some(line) = lines.next() else {
            let _ = child.kill();
            anyhow::bail!("endure serve stopped before it listened");
        };
        if let Some(u) = line?.trim().strip_prefix("listening on ") {
            break u.to_string();
        }
    };
    // Keep its output drained.
    std::thread::spawn(move || for _ in lines.map_while(Result::ok) {});
    Ok(Node {
        child,
        api: format!("{url}/client/v4/accounts/bench/workflows/steps"),
    })
}

/// CPU time of every process of this machine named `name` (e.g. the PostgreSQL server's
/// processes), in clock ticks.
fn cpu_ticks_named(name: &str) -> u64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0;
    };
    dir.filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == name)
        })
        .map(|pid| crate::bench::cpu_ticks_of(&pid.to_string()))
        .sum()
}

/// A fresh database beside the one `url` names; its URL. Dropped by [`drop_database`].
#[cfg(feature = "postgres")]
async fn fresh_database(url: &str) -> anyhow::Result<(String, String)> {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .context("connecting to PostgreSQL")?;
    tokio::spawn(conn);
    let name = format!("endure_bench_{}", std::process::id());
    client
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
        .await?;
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .context("creating a database for the run")?;
    let base = url.split('?').next().unwrap_or(url);
    let (server, _) = base.rsplit_once('/').context("a database URL")?;
    Ok((format!("{server}/{name}"), name))
}

#[cfg(not(feature = "postgres"))]
async fn fresh_database(_: &str) -> anyhow::Result<(String, String)> {
    anyhow::bail!("built without PostgreSQL support")
}

#[cfg(feature = "postgres")]
async fn drop_database(url: &str, name: &str) {
    if let Ok((client, conn)) = tokio_postgres::connect(url, tokio_postgres::NoTls).await {
        tokio::spawn(conn);
        let _ = client
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await;
    }
}

/// The workflow's unfinished instances, from its status counts.
async fn unfinished(client: &reqwest::Client, api: &str) -> anyhow::Result<u64> {
    let doc: Value = client.get(api).send().await?.json().await?;
    let counts = &doc["result"]["instances"];
    Ok(
        ["queued", "running", "waiting", "waitingForPause", "paused"]
            .iter()
            .map(|k| counts[k].as_u64().unwrap_or(0))
            .sum(),
    )
}

#[cfg(not(feature = "postgres"))]
async fn drop_database(_: &str, _: &str) {}

pub async fn run(r: Run<'_>) -> anyhow::Result<ExitCode> {
    if r.nodes == 0 || r.nodes > MAX_NODES {
        anyhow::bail!("--nodes takes 1 to {MAX_NODES}");
    }
    std::fs::create_dir_all(r.dir)?;
    let config = r.dir.join(format!("nodes-{}.toml", std::process::id()));
    std::fs::write(&config, "")?;
    let sqlite = r.dir.join(format!("nodes-{}.sqlite", std::process::id()));
    let (database, made) = match r.database {
        Some(url) => {
            let (db, name) = fresh_database(url).await?;
            (db, Some((url.to_string(), name)))
        }
        None if r.nodes == 1 => (sqlite.display().to_string(), None),
        None => anyhow::bail!("several processes share a database: give --database postgres://…"),
    };
    let result = measure(&r, &config, &database).await;
    if let Some((url, name)) = made {
        drop_database(&url, &name).await;
    }
    let _ = std::fs::remove_file(&config);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", sqlite.display()));
    }
    result
}

async fn measure(r: &Run<'_>, config: &Path, database: &str) -> anyhow::Result<ExitCode> {
    let nodes: Vec<Node> = (0..r.nodes)
        .map(|_| start_node(config, database))
        .collect::<anyhow::Result<_>>()?;
    let apis: Vec<String> = nodes.iter().map(|n| n.api.clone()).collect();
    let client = reqwest::Client::new();
    let cpu_before: u64 = nodes
        .iter()
        .map(|n| crate::bench::cpu_ticks_of(&n.child.id().to_string()))
        .sum();
    let pg_before = cpu_ticks_named("postgres");
    let start = Instant::now();
    crate::bench::http_create(&apis, r.clients, r.instances, r.steps).await?;
    let created = start.elapsed();
    while unfinished(&client, &apis[0]).await? > 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let cpu_ms = nodes
        .iter()
        .map(|n| crate::bench::cpu_ticks_of(&n.child.id().to_string()))
        .sum::<u64>()
        .saturating_sub(cpu_before) as f64
        * 10.0;
    let pg_ms = cpu_ticks_named("postgres").saturating_sub(pg_before) as f64 * 10.0;
    let doc: Value = client.get(&apis[0]).send().await?.json().await?;
    let errored = doc["result"]["instances"]["errored"].as_u64().unwrap_or(0);
    let steps = r.instances as u64 * r.steps;
    let db = if r.database.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!(
        "| database | processes | instances | steps each | REST clients | create time | total time | instances/s | steps/s | Endure CPU per step | PostgreSQL CPU per step | CPU busy | errored |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    println!(
        "| {db} | {} | {} | {} | {} | {:.2} s | {:.2} s | {:.0} | {:.0} | {:.0} µs | {} | {:.0} % | {errored} |",
        r.nodes,
        r.instances,
        r.steps,
        r.clients,
        created.as_secs_f64(),
        elapsed,
        r.instances as f64 / elapsed,
        steps as f64 / elapsed,
        cpu_ms * 1000.0 / steps.max(1) as f64,
        if r.database.is_some() {
            format!("{:.0} µs", pg_ms * 1000.0 / steps.max(1) as f64)
        } else {
            "–".into()
        },
        (cpu_ms + pg_ms) / 1000.0 / elapsed / cores * 100.0,
    );
    drop(nodes);
    Ok(if errored == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
