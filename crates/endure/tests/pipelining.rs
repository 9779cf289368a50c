//! One durable commit per step: a step's result goes into the run's next commit (the next
//! step's start, a wait, the end), the run's start goes into its first, and nothing starts
//! before what came before it is durable. Counted on a real
//! store (SQLite, or the memory store) seen through a wrapper that counts submitted commits.

mod common;

use async_trait::async_trait;
use common::*;
use endure::prelude::*;
use endure::{EngineBuilder, InstanceStatus, ManualClock};
use endure_model::{LogEntry, LogEvent, Timestamp};
use endure_store::{
    Commit, Fence, FiringClaim, InstanceRef, InstanceRow, ListQuery, Message, NewInstance,
    NewMessage, Settlement, Store, StoreError, Ticket, WorkflowRecord,
};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A store that counts the commits submitted to it and passes everything on.
struct Counting {
    inner: Arc<dyn Store>,
    commits: AtomicUsize,
}

#[async_trait]
impl Store for Counting {
    async fn create_instances(&self, b: Vec<NewInstance>) -> Result<Vec<InstanceRef>, StoreError> {
        self.inner.create_instances(b).await
    }
    async fn find_instance(&self, w: &str, id: &str) -> Result<Option<InstanceRow>, StoreError> {
        self.inner.find_instance(w, id).await
    }
    async fn get_instance(&self, i: InstanceRef) -> Result<Option<InstanceRow>, StoreError> {
        self.inner.get_instance(i).await
    }
    async fn read_log(&self, i: InstanceRef) -> Result<Vec<LogEntry>, StoreError> {
        self.inner.read_log(i).await
    }
    async fn read_instance(
        &self,
        i: InstanceRef,
    ) -> Result<Option<(InstanceRow, Vec<LogEntry>)>, StoreError> {
        self.inner.read_instance(i).await
    }
    fn submit(&self, c: Commit) -> Ticket {
        self.commits.fetch_add(1, Ordering::SeqCst);
        self.inner.submit(c)
    }
    async fn acquire_lease(&self, i: InstanceRef, owner: &str) -> Result<Fence, StoreError> {
        self.inner.acquire_lease(i, owner).await
    }
    async fn due_wakeups(
        &self,
        node: &str,
        now: Timestamp,
        n: usize,
    ) -> Result<Vec<InstanceRef>, StoreError> {
        self.inner.due_wakeups(node, now, n).await
    }
    async fn next_wakeup(
        &self,
        node: &str,
        now: Timestamp,
    ) -> Result<Option<Timestamp>, StoreError> {
        self.inner.next_wakeup(node, now).await
    }
    async fn instances_in(&self, s: &[InstanceStatus]) -> Result<Vec<InstanceRow>, StoreError> {
        self.inner.instances_in(s).await
    }
    async fn list_instances(&self, q: &ListQuery) -> Result<Vec<InstanceRow>, StoreError> {
        self.inner.list_instances(q).await
    }
    async fn count_instances(&self, q: &ListQuery) -> Result<u64, StoreError> {
        self.inner.count_instances(q).await
    }
    async fn count_by_status(&self, w: &str) -> Result<Vec<(InstanceStatus, u64)>, StoreError> {
        self.inner.count_by_status(w).await
    }
    async fn delete_instance(&self, i: InstanceRef) -> Result<bool, StoreError> {
        self.inner.delete_instance(i).await
    }
    async fn put_workflow(&self, r: WorkflowRecord) -> Result<WorkflowRecord, StoreError> {
        self.inner.put_workflow(r).await
    }
    async fn workflows(&self) -> Result<Vec<WorkflowRecord>, StoreError> {
        self.inner.workflows().await
    }
    async fn delete_workflow(&self, name: &str) -> Result<bool, StoreError> {
        self.inner.delete_workflow(name).await
    }
    async fn claim_firing(&self, c: FiringClaim) -> Result<Option<Vec<InstanceRef>>, StoreError> {
        self.inner.claim_firing(c).await
    }
    async fn last_firing(&self, trigger: &str) -> Result<Option<Timestamp>, StoreError> {
        self.inner.last_firing(trigger).await
    }
    async fn send_messages(&self, b: Vec<NewMessage>) -> Result<(), StoreError> {
        self.inner.send_messages(b).await
    }
    async fn take_messages(
        &self,
        queue: &str,
        max: usize,
        now: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<Message>, StoreError> {
        self.inner.take_messages(queue, max, now, until).await
    }
    async fn settle_messages(&self, b: Vec<Settlement>) -> Result<usize, StoreError> {
        self.inner.settle_messages(b).await
    }
    async fn next_message_at(&self, queue: &str) -> Result<Option<Timestamp>, StoreError> {
        self.inner.next_message_at(queue).await
    }
    async fn queue_depth(&self, queue: &str) -> Result<u64, StoreError> {
        self.inner.queue_depth(queue).await
    }
    async fn heartbeat(&self, node: &str, until: Timestamp) -> Result<(), StoreError> {
        self.inner.heartbeat(node, until).await
    }
    async fn take_orphans(
        &self,
        node: &str,
        now: Timestamp,
        limit: usize,
        own: bool,
    ) -> Result<Vec<InstanceRow>, StoreError> {
        self.inner.take_orphans(node, now, limit, own).await
    }
    async fn release_message_leases(&self) -> Result<u64, StoreError> {
        self.inner.release_message_leases().await
    }
    async fn add_rollups(&self, rows: Vec<endure_store::Rollup>) -> Result<(), StoreError> {
        self.inner.add_rollups(rows).await
    }
    async fn query_rollups(
        &self,
        q: &endure_store::RollupQuery,
    ) -> Result<Vec<endure_store::Rollup>, StoreError> {
        self.inner.query_rollups(q).await
    }
    async fn prune_rollups(&self, before: Timestamp) -> Result<u64, StoreError> {
        self.inner.prune_rollups(before).await
    }
    async fn claim_slots(
        &self,
        c: endure_store::SlotClaim,
    ) -> Result<endure_store::SlotGrant, StoreError> {
        self.inner.claim_slots(c).await
    }
    async fn listen(
        &self,
        node: &str,
    ) -> Result<Option<tokio::sync::mpsc::Receiver<endure_store::Notice>>, StoreError> {
        self.inner.listen(node).await
    }
    async fn notify(&self, node: &str, payload: String) -> Result<(), StoreError> {
        self.inner.notify(node, payload).await
    }
}

fn stores(dir: &std::path::Path) -> Vec<Arc<dyn Store>> {
    vec![
        Arc::new(endure_store::MemoryStore::new()),
        Arc::new(
            endure_sqlite::SqliteStore::open(endure_sqlite::SqliteConfig::new(
                dir.join("endure.sqlite"),
            ))
            .unwrap(),
        ),
    ]
}

/// An engine on `store` (manual clock) running `workflow` as `name`, and its instance `a`.
async fn start_one<W: endure::Workflow>(
    store: Arc<dyn Store>,
    name: &str,
    workflow: W,
) -> (endure::Engine, endure::InstanceHandle) {
    let engine = EngineBuilder::new(store)
        .clock(Arc::new(ManualClock::new(T0)))
        .workflow(name, workflow)
        .unwrap()
        .start()
        .await
        .unwrap();
    let h = engine
        .workflow(name)
        .unwrap()
        .create(endure::CreateOptions::new().id("a"))
        .await
        .unwrap();
    (engine, h)
}

fn codes(log: &[LogEntry]) -> Vec<u16> {
    log.iter().map(|e| e.event.code()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_step_is_one_commit() {
    let dir = tempfile::tempdir().unwrap();
    for inner in stores(dir.path()) {
        let store = Arc::new(Counting {
            inner: inner.clone(),
            commits: AtomicUsize::new(0),
        });
        let (engine, h) = start_one(
            store.clone() as Arc<dyn Store>,
            "three",
            wf(move |_, step| {
                Box::pin(async move {
                    let mut last = 0;
                    for k in 0..3 {
                        last = step
                            .run(format!("s{k}"), move |_| async move { Ok(k) })
                            .await?;
                    }
                    Ok(json!(last))
                })
            }),
        )
        .await;
        let d = guard(h.wait_for(|s| s == InstanceStatus::Complete)).await;
        assert_eq!(d.output, json!(2));
        let row = inner.find_instance("three", "a").await.unwrap().unwrap();
        let log = inner.read_log(row.instance).await.unwrap();
        // QUEUED, START, then per step STEP_START, ATTEMPT_START, ATTEMPT_SUCCESS, STEP_SUCCESS,
        // then WORKFLOW_SUCCESS: the log is what it was with two commits per step.
        let step = [5, 10, 11, 6];
        let mut want = vec![0, 1];
        for _ in 0..3 {
            want.extend(step);
        }
        want.push(2);
        assert_eq!(codes(&log), want);
        // One per step (the first carrying the run's start and taking the lease, each later
        // one the result of the step before), and the end (with the last step's result).
        assert_eq!(store.commits.load(Ordering::SeqCst), 4);
        engine.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_callback_sees_the_results_before_it_in_the_store() {
    let dir = tempfile::tempdir().unwrap();
    for store in stores(dir.path()) {
        let seen: Arc<std::sync::Mutex<Vec<usize>>> = Arc::default();
        let (seen2, reader) = (seen.clone(), store.clone());
        let (engine, h) = start_one(
            store.clone(),
            "three",
            wf(move |e, step| {
                let (seen, reader) = (seen2.clone(), reader.clone());
                Box::pin(async move {
                    let id = e.instance_id.clone();
                    for k in 0..3 {
                        let (seen, reader, id) = (seen.clone(), reader.clone(), id.clone());
                        step.run(format!("s{k}"), move |_| {
                            let (seen, reader, id) = (seen.clone(), reader.clone(), id.clone());
                            async move {
                                let row = reader.find_instance("three", &id).await.unwrap();
                                let log = reader.read_log(row.unwrap().instance).await.unwrap();
                                let done = log
                                    .iter()
                                    .filter(|e| matches!(e.event, LogEvent::StepSuccess { .. }))
                                    .count();
                                seen.lock().unwrap().push(done);
                                Ok(k)
                            }
                        })
                        .await?;
                    }
                    Ok(json!(null))
                })
            }),
        )
        .await;
        guard(h.wait_for(|s| s == InstanceStatus::Complete)).await;
        assert_eq!(*seen.lock().unwrap(), vec![0, 1, 2]);
        engine.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_result_is_committed_when_the_run_works_outside_any_step() {
    let dir = tempfile::tempdir().unwrap();
    for store in stores(dir.path()) {
        let (tx, rx) = tokio::sync::watch::channel(false);
        let (engine, h) = start_one(
            store.clone(),
            "outside",
            wf(move |_, step| {
                let mut rx = rx.clone();
                Box::pin(async move {
                    let v: i64 = step.run("first", |_| async { Ok(7) }).await?;
                    // Not a step: the engine cannot know how long this lasts.
                    let _ = rx.wait_for(|go| *go).await;
                    Ok(json!(v))
                })
            }),
        )
        .await;
        // The step's success becomes visible (durable) while `run` is still blocked.
        let d = guard(h.wait_until(|d| {
            d.steps.iter().any(|s| {
                matches!(
                    s,
                    endure::StepDoc::Step {
                        success: Some(true),
                        ..
                    }
                )
            })
        }))
        .await;
        assert_eq!(d.status, InstanceStatus::Running);
        tx.send(true).unwrap();
        let d = guard(h.wait_for(|s| s == InstanceStatus::Complete)).await;
        assert_eq!(d.output, json!(7));
        engine.shutdown().await;
    }
}
