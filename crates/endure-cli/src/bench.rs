//! `endure bench`: durable steps per second with the `steps` workflow on SQLite.

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
    /// Instead: create this many `approval` instances, which all wait for an event, and report
    /// the memory held once they all hibernate.
    #[arg(long)]
    waiting: Option<usize>,
    /// Where the database goes (a fresh file is made in it).
    #[arg(long, default_value = "target/bench")]
    dir: PathBuf,
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
    db: &std::path::Path,
) -> anyhow::Result<ExitCode> {
    let rss_before = proc_status_kib("VmRSS:").unwrap_or(0);
    let w = engine.workflow("approval")?;
    let start = Instant::now();
    let mut left = n;
    while left > 0 {
        let k = left.min(100);
        w.create_batch((0..k).map(|_| CreateOptions::new()).collect())
            .await?;
        left -= k;
    }
    let busy = [InstanceStatus::Queued, InstanceStatus::Running];
    loop {
        if endure_store::Store::instances_in(&*store, &busy)
            .await?
            .is_empty()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let waiting = endure_store::Store::instances_in(&*store, &[InstanceStatus::Waiting])
        .await?
        .len();
    let rss_after = proc_status_kib("VmRSS:").unwrap_or(0);
    println!(
        "| waiting instances | time to hibernate all | runs live | RSS before | RSS with all waiting | peak RSS |"
    );
    println!("|---|---|---|---|---|---|");
    println!(
        "| {waiting} | {elapsed:.2} s | {} | {} MiB | {} MiB | {} MiB |",
        engine.running(),
        rss_before / 1024,
        rss_after / 1024,
        peak_rss_kib().unwrap_or(0) / 1024
    );
    engine.shutdown().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    Ok(if waiting == n {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(&args.dir)?;
    let db = args
        .dir
        .join(format!("bench-{}.sqlite", std::process::id()));
    let store = Arc::new(
        SqliteStore::open(SqliteConfig::new(&db))
            .with_context(|| format!("opening {}", db.display()))?,
    );
    let config = EngineConfig {
        max_running: args.max_running,
        ..EngineConfig::default()
    };
    let engine = endure_examples::register(EngineBuilder::new(store.clone()).config(config))?
        .start()
        .await?;
    if let Some(n) = args.waiting {
        return waiting(store, engine, n, &db).await;
    }
    let w = engine.workflow("steps")?;
    let start = Instant::now();
    let mut left = args.instances;
    while left > 0 {
        let n = left.min(100);
        let batch = (0..n)
            .map(|_| CreateOptions::new().params(json!({"steps": args.steps})))
            .collect();
        w.create_batch(batch).await?;
        left -= n;
    }
    let created = start.elapsed();
    let unfinished = [
        InstanceStatus::Queued,
        InstanceStatus::Running,
        InstanceStatus::Waiting,
    ];
    loop {
        let open = endure_store::Store::instances_in(&*store, &unfinished).await?;
        if open.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = start.elapsed().as_secs_f64();
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
        "| instances | steps each | max running | create time | total time | steps/s | instances/s | peak RSS | db size | errored |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {} | {} | {} | {:.2} s | {:.2} s | {:.0} | {:.0} | {} MiB | {:.1} MiB | {} |",
        args.instances,
        args.steps,
        args.max_running,
        created.as_secs_f64(),
        elapsed,
        steps as f64 / elapsed,
        args.instances as f64 / elapsed,
        peak_rss_kib().map_or("?".into(), |k| (k / 1024).to_string()),
        size_mib,
        errored
    );
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    Ok(if errored == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
