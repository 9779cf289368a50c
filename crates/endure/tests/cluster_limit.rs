//! `max_running` on a shared store is the cluster's limit: two nodes with a limit of 2 never run
//! more than 2 instances at once between them, and every instance still finishes (slots a node
//! no longer needs go to the other at its next heartbeat). On the memory store, SQLite and
//! PostgreSQL (two engines on one store), on a manual clock.

mod common;

use common::*;
use endure::prelude::*;
use endure::{Engine, EngineBuilder, EngineConfig, InstanceStatus, ManualClock};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Semaphore;

#[derive(Clone, Default)]
struct Gauge {
    now: Arc<AtomicUsize>,
    max: Arc<AtomicUsize>,
    started: Arc<AtomicUsize>,
}

fn node(
    store: &Arc<dyn endure_store::Store>,
    clock: &Arc<ManualClock>,
    name: &str,
    gate: &Arc<Semaphore>,
    g: &Gauge,
) -> EngineBuilder {
    let config = EngineConfig {
        node_id: name.into(),
        shared_store: true,
        max_running: 2,
        ..EngineConfig::default()
    };
    let (gate, g) = (gate.clone(), g.clone());
    EngineBuilder::new(store.clone())
        .clock(clock.clone())
        .config(config)
        .workflow(
            "slow",
            wf(move |_, step| {
                let (gate, g) = (gate.clone(), g.clone());
                Box::pin(async move {
                    let out: u32 = step
                        .run("work", move |_| {
                            let (gate, g) = (gate.clone(), g.clone());
                            async move {
                                g.started.fetch_add(1, Ordering::SeqCst);
                                let n = g.now.fetch_add(1, Ordering::SeqCst) + 1;
                                g.max.fetch_max(n, Ordering::SeqCst);
                                gate.acquire().await.unwrap().forget();
                                g.now.fetch_sub(1, Ordering::SeqCst);
                                Ok(1)
                            }
                        })
                        .await?;
                    Ok(json!(out))
                })
            }),
        )
        .unwrap()
}

async fn two_nodes_share_one_limit(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let schema = format!("limit_{}", uuid_like());
    let store = open_store(backend, dir.path(), &schema).await;
    let clock = Arc::new(ManualClock::new(T0));
    let gate = Arc::new(Semaphore::new(0));
    let g = Gauge::default();
    let a = node(&store, &clock, "node-a", &gate, &g)
        .start()
        .await
        .unwrap();
    let b = node(&store, &clock, "node-b", &gate, &g)
        .start()
        .await
        .unwrap();
    let create = |e: &Engine, id: String| {
        let e = e.clone();
        async move {
            e.workflow("slow")
                .unwrap()
                .create(endure::CreateOptions::new().id(id))
                .await
                .unwrap()
        }
    };
    for k in 0..3 {
        create(&a, format!("a{k}")).await;
        create(&b, format!("b{k}")).await;
    }
    // Let both nodes start all they may: two steps in the cluster, not four. (Under load the
    // second may take a while to start: wait for it, then give both time to overreach.)
    for _ in 0..1_000 {
        if g.now.load(Ordering::SeqCst) >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(g.now.load(Ordering::SeqCst), 2, "running at once");
    assert_eq!(g.max.load(Ordering::SeqCst), 2, "never more than the limit");
    // Finish them one at a time; heartbeats move slots to whichever node still has work.
    for _ in 0..6 {
        let before = g.started.load(Ordering::SeqCst);
        gate.add_permits(1);
        for _ in 0..200 {
            if g.now.load(Ordering::SeqCst) == 2 || g.started.load(Ordering::SeqCst) == 6 {
                break;
            }
            clock.advance(endure::HEARTBEAT_MS);
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(g.started.load(Ordering::SeqCst) >= before.min(6));
    }
    for k in 0..3 {
        for (e, p) in [(&a, "a"), (&b, "b")] {
            let h = e
                .workflow("slow")
                .unwrap()
                .get(&format!("{p}{k}"))
                .await
                .unwrap();
            let mut done = None;
            for _ in 0..500 {
                let d = h.status().await.unwrap();
                if d.status == InstanceStatus::Complete {
                    done = Some(d);
                    break;
                }
                clock.advance(endure::HEARTBEAT_MS);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            assert!(done.is_some(), "{p}{k} never finished");
        }
    }
    assert_eq!(g.started.load(Ordering::SeqCst), 6);
    assert_eq!(
        g.max.load(Ordering::SeqCst),
        2,
        "the cluster ran more than its limit"
    );
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory() {
    two_nodes_share_one_limit(Backend::Memory).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite() {
    two_nodes_share_one_limit(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    two_nodes_share_one_limit(Backend::Postgres).await;
}
