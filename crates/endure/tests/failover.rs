//! Two nodes on one store (`EngineConfig::shared_store`): a node does not take what a live node
//! runs; when a node dies (no more heartbeats), another takes its instances over once the
//! heartbeat has run out, and they finish there. The attempt that was cut short counts as a
//! failed one, as after a crash. On the memory store, SQLite and PostgreSQL, on a manual clock.

mod common;

use common::*;
use endure::prelude::*;
use endure::{EngineBuilder, EngineConfig, InstanceStatus, ManualClock};
use endure_store::Store;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// The `job` workflow; on a node started with `hang`, its step never finishes.
fn node(store: &Arc<dyn Store>, clock: &Arc<ManualClock>, name: &str, hang: bool) -> EngineBuilder {
    let config = EngineConfig {
        node_id: name.into(),
        shared_store: true,
        ..EngineConfig::default()
    };
    EngineBuilder::new(store.clone())
        .clock(clock.clone())
        .config(config)
        .workflow(
            "job",
            wf(move |_, step| {
                Box::pin(async move {
                    let out: String = step
                        .run("work", move |_| async move {
                            if hang {
                                std::future::pending::<()>().await;
                            }
                            Ok("done".to_string())
                        })
                        .await?;
                    Ok(json!(out))
                })
            }),
        )
        .unwrap()
        .workflow(
            "nap",
            wf(|_, step| {
                Box::pin(async move {
                    step.sleep("nap", "1 minute").await?;
                    Ok(json!("rested"))
                })
            }),
        )
        .unwrap()
}

async fn store_for(backend: Backend, dir: &std::path::Path) -> Arc<dyn Store> {
    match backend {
        Backend::Memory => Arc::new(endure_store::MemoryStore::new()),
        Backend::Sqlite => Arc::new(
            endure_sqlite::SqliteStore::open(endure_sqlite::SqliteConfig::new(
                dir.join("e.sqlite"),
            ))
            .unwrap(),
        ),
        Backend::Postgres => {
            let mut c = endure_postgres::PostgresConfig::new(postgres_url());
            c.schema = Some(format!("failover_{}", uuid_like()));
            Arc::new(endure_postgres::PostgresStore::open(c).await.unwrap())
        }
    }
}

/// Moves the clock `ms` in heartbeat-sized steps, letting the nodes' tasks run between them.
async fn pass(clock: &ManualClock, ms: u64) {
    let mut left = ms;
    while left > 0 {
        let d = left.min(endure::HEARTBEAT_MS);
        clock.advance(d);
        left -= d;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn a_dead_nodes_instances_finish_on_another(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let store = store_for(backend, dir.path()).await;
    let clock = Arc::new(ManualClock::new(T0));
    let a = node(&store, &clock, "node-a", true).start().await.unwrap();
    let b = node(&store, &clock, "node-b", false).start().await.unwrap();
    let h = a
        .workflow("job")
        .unwrap()
        .create(endure::CreateOptions::new().id("x"))
        .await
        .unwrap();
    // A runs it: its attempt starts (durable) and hangs.
    guard(h.wait_for(|s| s == InstanceStatus::Running)).await;
    for _ in 0..500 {
        let d = h.status().await.unwrap();
        if !d.steps.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // While A beats, B leaves it alone.
    pass(&clock, 3 * endure::NODE_TTL_MS).await;
    let row = store.find_instance("job", "x").await.unwrap().unwrap();
    assert_eq!(row.owner.as_deref(), Some("node-a"));
    assert_eq!(row.status, InstanceStatus::Running);
    // A dies. Once its heartbeat has run out, B takes the instance over and finishes it.
    a.shutdown().await;
    pass(&clock, endure::NODE_TTL_MS + 2 * endure::HEARTBEAT_MS).await;
    let hb = b.workflow("job").unwrap().get("x").await.unwrap();
    let done = guard(hb.wait_finished()).await;
    assert_eq!(done.status, InstanceStatus::Complete, "{done:?}");
    assert_eq!(done.output, json!("done"));
    let row = store.find_instance("job", "x").await.unwrap().unwrap();
    assert_eq!(row.owner.as_deref(), Some("node-b"));
    let doc = serde_json::to_value(&done).unwrap();
    let attempts = doc["steps"][0]["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2, "{doc:#}");
    assert_eq!(attempts[0]["error"]["name"], "WorkflowInternalError");
    b.shutdown().await;
}

async fn a_dead_nodes_sleeper_wakes_on_another(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let store = store_for(backend, dir.path()).await;
    let clock = Arc::new(ManualClock::new(T0));
    let a = node(&store, &clock, "node-a", false).start().await.unwrap();
    let b = node(&store, &clock, "node-b", false).start().await.unwrap();
    let h = a
        .workflow("nap")
        .unwrap()
        .create(endure::CreateOptions::new().id("z"))
        .await
        .unwrap();
    guard(h.wait_for(|s| s == InstanceStatus::Waiting)).await;
    a.shutdown().await;
    // B never heard of this timer; its beats look at the store's earliest wake-up again.
    pass(&clock, 60_000 + 2 * endure::HEARTBEAT_MS).await;
    let done = guard(
        b.workflow("nap")
            .unwrap()
            .get("z")
            .await
            .unwrap()
            .wait_finished(),
    )
    .await;
    assert_eq!(done.output, json!("rested"));
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sleeper_memory() {
    a_dead_nodes_sleeper_wakes_on_another(Backend::Memory).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sleeper_sqlite() {
    a_dead_nodes_sleeper_wakes_on_another(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sleeper_postgres() {
    a_dead_nodes_sleeper_wakes_on_another(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failover_memory() {
    a_dead_nodes_instances_finish_on_another(Backend::Memory).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failover_sqlite() {
    a_dead_nodes_instances_finish_on_another(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failover_postgres() {
    a_dead_nodes_instances_finish_on_another(Backend::Postgres).await;
}
