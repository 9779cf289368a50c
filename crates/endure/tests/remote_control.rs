//! Control operations across nodes: on a shared store, an operation asked of one node on an
//! instance that another node runs is applied by that node, as if asked there (a pause lets the
//! running step finish; an event reaches the run waiting in memory). If the owner does not
//! answer (it died), the asking node applies the operation itself after
//! `FORWARD_TIMEOUT_MS` (at once where the store knows the owner stopped), fencing the owner
//! out. On the memory store, SQLite and PostgreSQL
//! (two engines on one store), on a manual clock.

mod common;

use common::*;
use endure::prelude::*;
use endure::{Engine, EngineBuilder, EngineConfig, InstanceStatus, ManualClock, WaitForEvent};
use endure_store::Store;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Semaphore;

/// What the test controls and counts: the `work` step waits for a permit of `gate`.
#[derive(Clone)]
struct Probe {
    gate: Arc<Semaphore>,
    runs: Arc<AtomicUsize>,
}

impl Probe {
    fn new() -> Probe {
        Probe {
            gate: Arc::new(Semaphore::new(0)),
            runs: Arc::new(AtomicUsize::new(0)),
        }
    }
}

/// `gated`: step `work` (counted, held at the gate), then an event `go` (a wait that stays live
/// in memory), output both.
fn node(store: &Arc<dyn Store>, clock: &Arc<ManualClock>, name: &str, p: &Probe) -> EngineBuilder {
    let config = EngineConfig {
        node_id: name.into(),
        shared_store: true,
        // The event's wait stays live in memory however the test moves the clock.
        live_wait_ms: 3_600_000,
        ..EngineConfig::default()
    };
    let p = p.clone();
    EngineBuilder::new(store.clone())
        .clock(clock.clone())
        .config(config)
        .workflow(
            "gated",
            wf(move |_, step| {
                let p = p.clone();
                Box::pin(async move {
                    let worked: String = step
                        .run("work", move |_| {
                            let p = p.clone();
                            async move {
                                p.runs.fetch_add(1, Ordering::SeqCst);
                                let permit = p.gate.acquire().await.unwrap();
                                permit.forget();
                                Ok("worked".to_string())
                            }
                        })
                        .await?;
                    let go = step
                        .wait_for_event::<serde_json::Value>(
                            "go",
                            WaitForEvent::new("go").timeout("10 minutes"),
                        )
                        .await?;
                    Ok(json!({"worked": worked, "go": go.payload}))
                })
            }),
        )
        .unwrap()
}

struct Pair {
    store: Arc<dyn Store>,
    clock: Arc<ManualClock>,
    a: Engine,
    b: Engine,
    probe: Probe,
    _dir: tempfile::TempDir,
}

async fn pair(backend: Backend) -> Pair {
    let dir = tempfile::tempdir().unwrap();
    let schema = format!("remote_{}", uuid_like());
    let store = open_store(backend, dir.path(), &schema).await;
    let clock = Arc::new(ManualClock::new(T0));
    let probe = Probe::new();
    let a = node(&store, &clock, "node-a", &probe)
        .start()
        .await
        .unwrap();
    let b = node(&store, &clock, "node-b", &probe)
        .start()
        .await
        .unwrap();
    Pair {
        store,
        clock,
        a,
        b,
        probe,
        _dir: dir,
    }
}

/// Creates `id` on node A and waits until its `work` step runs there.
async fn running_on_a(p: &Pair, id: &str) {
    p.a.workflow("gated")
        .unwrap()
        .create(endure::CreateOptions::new().id(id))
        .await
        .unwrap();
    for _ in 0..2_000 {
        if p.probe.runs.load(Ordering::SeqCst) == 1 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("the work step never started on node A");
}

/// Polls B's view of `id` (B does not run it: nothing on B announces A's changes) until `done`.
async fn until(
    p: &Pair,
    id: &str,
    done: impl Fn(&endure::InstanceDetails) -> bool,
) -> endure::InstanceDetails {
    let h = p.b.workflow("gated").unwrap().get(id).await.unwrap();
    for _ in 0..3_000 {
        let d = h.status().await.unwrap();
        if done(&d) {
            return d;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{id} never got there: {:?}", h.status().await.unwrap());
}

async fn owner(p: &Pair, id: &str) -> Option<String> {
    p.store
        .find_instance("gated", id)
        .await
        .unwrap()
        .unwrap()
        .owner
}

async fn pause_on_b_waits_for_the_step_on_a(backend: Backend) {
    let p = pair(backend).await;
    running_on_a(&p, "x").await;
    let hb = p.b.workflow("gated").unwrap().get("x").await.unwrap();
    // Asked of B, applied by A: the running step goes on, the instance waits for it to end.
    guard(hb.pause()).await;
    assert_eq!(
        hb.status().await.unwrap().status,
        InstanceStatus::WaitingForPause
    );
    p.probe.gate.add_permits(1);
    until(&p, "x", |d| d.status == InstanceStatus::Paused).await;
    let d = serde_json::to_value(hb.status().await.unwrap()).unwrap();
    assert_eq!(d["steps"][0]["output"], json!("worked"), "{d:#}");
    // The step's result from A was kept: resuming (asked of B) does not run it again.
    guard(hb.resume()).await;
    until(&p, "x", |d| d.status == InstanceStatus::Waiting).await;
    guard(hb.send_event("go", json!(7))).await;
    let done = until(&p, "x", |d| d.status.is_finished()).await;
    assert_eq!(done.status, InstanceStatus::Complete, "{done:?}");
    assert_eq!(done.output, json!({"worked": "worked", "go": 7}));
    assert_eq!(p.probe.runs.load(Ordering::SeqCst), 1, "the step ran again");
    p.a.shutdown().await;
    p.b.shutdown().await;
}

async fn event_on_b_reaches_the_live_wait_on_a(backend: Backend) {
    let p = pair(backend).await;
    running_on_a(&p, "y").await;
    p.probe.gate.add_permits(1);
    let hb = p.b.workflow("gated").unwrap().get("y").await.unwrap();
    until(&p, "y", |d| d.status == InstanceStatus::Waiting).await;
    guard(hb.send_event("go", json!({"from": "b"}))).await;
    let done = until(&p, "y", |d| d.status.is_finished()).await;
    assert_eq!(
        done.output,
        json!({"worked": "worked", "go": {"from": "b"}})
    );
    // A finished it: the lease never moved to B.
    assert_eq!(owner(&p, "y").await.as_deref(), Some("node-a"));
    p.a.shutdown().await;
    p.b.shutdown().await;
}

async fn restart_on_b_restarts_the_run_on_a(backend: Backend) {
    let p = pair(backend).await;
    running_on_a(&p, "r").await;
    let hb = p.b.workflow("gated").unwrap().get("r").await.unwrap();
    guard(hb.restart()).await;
    // A ran it again from the start (the cut-off step too), and still holds it.
    for _ in 0..2_000 {
        if p.probe.runs.load(Ordering::SeqCst) == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(p.probe.runs.load(Ordering::SeqCst), 2, "the restarted run");
    assert_eq!(owner(&p, "r").await.as_deref(), Some("node-a"));
    p.probe.gate.add_permits(1);
    until(&p, "r", |d| d.status == InstanceStatus::Waiting).await;
    guard(hb.send_event("go", json!("again"))).await;
    let done = until(&p, "r", |d| d.status.is_finished()).await;
    assert_eq!(done.output, json!({"worked": "worked", "go": "again"}));
    assert_eq!(owner(&p, "r").await.as_deref(), Some("node-a"));
    p.a.shutdown().await;
    p.b.shutdown().await;
}

async fn a_dead_owner_is_fenced_out_after_the_timeout(backend: Backend) {
    let p = pair(backend).await;
    running_on_a(&p, "z").await;
    p.a.shutdown().await;
    let hb = p.b.workflow("gated").unwrap().get("z").await.unwrap();
    let terminate = tokio::spawn(async move { hb.terminate().await });
    // In one process the store knows A stopped: B goes ahead at once. PostgreSQL cannot tell
    // that nobody listens: B waits out the time-out (the clock runs past it), then applies it.
    for _ in 0..50 {
        if terminate.is_finished() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let mut passed = 0;
    while !terminate.is_finished() {
        assert!(
            passed <= 4 * endure::FORWARD_TIMEOUT_MS,
            "the terminate never completed"
        );
        p.clock.advance(endure::HEARTBEAT_MS);
        passed += endure::HEARTBEAT_MS;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    if backend == Backend::Postgres {
        assert!(
            passed >= endure::FORWARD_TIMEOUT_MS,
            "answered after {passed} ms"
        );
    } else {
        assert_eq!(passed, 0, "B waited for a node known to be gone");
    }
    terminate.await.unwrap().unwrap();
    let hb = p.b.workflow("gated").unwrap().get("z").await.unwrap();
    assert_eq!(
        hb.status().await.unwrap().status,
        InstanceStatus::Terminated
    );
    p.b.shutdown().await;
}

/// A pause pending on a node that then died, and a resume asked of another node before anyone
/// took the instance over: the resume cancels the pause and the instance runs to the end.
async fn resume_cancels_a_pause_left_pending_by_a_dead_owner(backend: Backend) {
    let p = pair(backend).await;
    running_on_a(&p, "w").await;
    let hb = p.b.workflow("gated").unwrap().get("w").await.unwrap();
    guard(hb.pause()).await;
    assert_eq!(
        hb.status().await.unwrap().status,
        InstanceStatus::WaitingForPause
    );
    p.a.shutdown().await;
    // In one process the store knows A stopped listening: B applies the resume itself.
    guard(hb.resume()).await;
    assert_eq!(hb.status().await.unwrap().status, InstanceStatus::Running);
    p.probe.gate.add_permits(1);
    until(&p, "w", |d| d.status == InstanceStatus::Waiting).await;
    guard(hb.send_event("go", json!(1))).await;
    let done = until(&p, "w", |d| d.status.is_finished()).await;
    assert_eq!(done.output, json!({"worked": "worked", "go": 1}));
    assert_eq!(owner(&p, "w").await.as_deref(), Some("node-b"));
    p.b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_after_a_dead_owner_memory() {
    resume_cancels_a_pause_left_pending_by_a_dead_owner(Backend::Memory).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_after_a_dead_owner_sqlite() {
    resume_cancels_a_pause_left_pending_by_a_dead_owner(Backend::Sqlite).await;
}

macro_rules! on_every_store {
    ($($name:ident => $f:ident),* $(,)?) => {
        $(
            mod $name {
                use super::*;
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn memory() {
                    $f(Backend::Memory).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    $f(Backend::Sqlite).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    $f(Backend::Postgres).await;
                }
            }
        )*
    };
}

on_every_store! {
    pause => pause_on_b_waits_for_the_step_on_a,
    event => event_on_b_reaches_the_live_wait_on_a,
    restart => restart_on_b_restarts_the_run_on_a,
    dead_owner => a_dead_owner_is_fenced_out_after_the_timeout,
}
