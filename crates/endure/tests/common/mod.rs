//! Test harness: an engine on a manual clock over either store, restartable mid-test.

#![allow(dead_code)]

use endure::{
    Engine, EngineBuilder, EngineConfig, InstanceDetails, InstanceHandle, InstanceStatus,
    ManualClock, Timestamp,
};
use endure::{Workflow, WorkflowError, WorkflowEvent, WorkflowStep};
use endure_engine::BoxFuture;
use endure_store::{MemoryStore, Store};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

pub const T0: Timestamp = Timestamp(1_700_000_000_000);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Memory,
    Sqlite,
    /// A real server (`ENDURE_TEST_POSTGRES`), a schema of its own per harness.
    Postgres,
}

/// How a test runs: which store, and whether `checkpoint()` restarts the engine.
#[derive(Debug, Clone, Copy)]
pub struct Mode {
    pub backend: Backend,
    pub restarts: bool,
}

type Register = Arc<dyn Fn(EngineBuilder) -> EngineBuilder + Send + Sync>;

pub struct Harness {
    pub mode: Mode,
    pub clock: Arc<ManualClock>,
    pub store: Arc<dyn Store>,
    pub engine: Engine,
    pub config: EngineConfig,
    register: Register,
    dir: tempfile::TempDir,
    /// The PostgreSQL schema of this harness's store.
    schema: String,
    pub restarts: usize,
}

/// The PostgreSQL server the tests use; not set is a failure (scripts/test sets it).
pub fn postgres_url() -> String {
    std::env::var("ENDURE_TEST_POSTGRES").unwrap_or_else(|_| {
        panic!("ENDURE_TEST_POSTGRES is not set: run the tests with `bash scripts/test`")
    })
}

pub async fn open_store(backend: Backend, dir: &std::path::Path, schema: &str) -> Arc<dyn Store> {
    match backend {
        Backend::Memory => Arc::new(MemoryStore::new()),
        Backend::Postgres => {
            let mut c = endure_postgres::PostgresConfig::new(postgres_url());
            c.schema = Some(schema.to_string());
            c.pool_size = 2;
            Arc::new(
                endure_postgres::PostgresStore::open(c)
                    .await
                    .expect("open postgres"),
            )
        }
        Backend::Sqlite => Arc::new(
            endure_sqlite::SqliteStore::open(endure_sqlite::SqliteConfig::new(
                dir.join("endure.sqlite"),
            ))
            .expect("open sqlite"),
        ),
    }
}

impl Harness {
    pub async fn new(
        mode: Mode,
        register: impl Fn(EngineBuilder) -> EngineBuilder + Send + Sync + 'static,
    ) -> Harness {
        Harness::with_config(mode, EngineConfig::default(), register).await
    }

    pub async fn with_config(
        mode: Mode,
        config: EngineConfig,
        register: impl Fn(EngineBuilder) -> EngineBuilder + Send + Sync + 'static,
    ) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::new(T0));
        let schema = format!("h_{}", uuid_like());
        let store = open_store(mode.backend, dir.path(), &schema).await;
        let register: Register = Arc::new(register);
        let engine = start(&store, &clock, &config, &register).await;
        Harness {
            mode,
            clock,
            store,
            engine,
            config,
            register,
            dir,
            schema,
            restarts: 0,
        }
    }

    /// Kills the engine (no more writes) and starts a new one on the same data.
    pub async fn restart(&mut self) {
        self.engine.shutdown().await;
        tokio::task::yield_now().await;
        if self.mode.backend != Backend::Memory {
            self.store = open_store(self.mode.backend, self.dir.path(), &self.schema).await;
        }
        self.engine = start(&self.store, &self.clock, &self.config, &self.register).await;
        self.restarts += 1;
    }

    /// In restart mode, restarts the engine here; a test calls it wherever the behaviour
    /// must hold again after a restart.
    pub async fn checkpoint(&mut self) {
        if self.mode.restarts {
            self.restart().await;
        }
    }

    pub fn advance(&self, ms: u64) {
        self.clock.advance(ms);
    }

    pub fn now(&self) -> Timestamp {
        endure::Clock::now(&*self.clock)
    }

    pub async fn create(&self, workflow: &str, id: &str, params: Value) -> InstanceHandle {
        self.engine
            .workflow(workflow)
            .unwrap()
            .create(endure::CreateOptions::new().id(id).params(params))
            .await
            .expect("create")
    }

    /// A fresh handle (handles do not survive an engine restart).
    pub async fn get(&self, workflow: &str, id: &str) -> InstanceHandle {
        self.engine
            .workflow(workflow)
            .unwrap()
            .get(id)
            .await
            .expect("get")
    }

    pub async fn wait_status(
        &self,
        workflow: &str,
        id: &str,
        status: InstanceStatus,
    ) -> InstanceDetails {
        let h = self.get(workflow, id).await;
        guard(h.wait_for(|s| s == status)).await
    }

    pub async fn wait_until(
        &self,
        workflow: &str,
        id: &str,
        done: impl Fn(&InstanceDetails) -> bool,
    ) -> InstanceDetails {
        let h = self.get(workflow, id).await;
        match tokio::time::timeout(Duration::from_secs(60), h.wait_until(done)).await {
            Ok(r) => r.expect("engine error"),
            Err(_) => {
                let d = h.status().await.unwrap();
                panic!(
                    "the engine stopped making progress; clock at {}, running {}, instance: {}",
                    self.now().0,
                    self.engine.running(),
                    serde_json::to_string_pretty(&d).unwrap()
                )
            }
        }
    }

    /// Waits until the instance waits (hibernated) with `n` entries in its step history.
    pub async fn wait_waiting_with(&self, workflow: &str, id: &str, n: usize) -> InstanceDetails {
        self.wait_until(workflow, id, |d| {
            d.status == InstanceStatus::Waiting && d.steps.len() == n
        })
        .await
    }

    /// Waits until the instance is complete, errored or terminated (on a hang: panics with the
    /// instance's status document).
    pub async fn wait_finished(&self, workflow: &str, id: &str) -> InstanceDetails {
        self.wait_until(workflow, id, |d| {
            matches!(
                d.status,
                InstanceStatus::Complete | InstanceStatus::Errored | InstanceStatus::Terminated
            )
        })
        .await
    }
}

/// Hang protection only (a deadlock fails the test instead of hanging CI): never an assertion
/// about speed.
pub async fn guard<T>(f: impl std::future::Future<Output = Result<T, endure::ApiError>>) -> T {
    tokio::time::timeout(Duration::from_secs(60), f)
        .await
        .expect("the engine stopped making progress")
        .expect("engine error")
}

async fn start(
    store: &Arc<dyn Store>,
    clock: &Arc<ManualClock>,
    config: &EngineConfig,
    register: &Register,
) -> Engine {
    let b = EngineBuilder::new(store.clone())
        .clock(clock.clone())
        .config(config.clone());
    register(b).start().await.expect("engine start")
}

/// A workflow written as a closure over `serde_json::Value`.
pub struct FnWorkflow<F>(pub F);

impl<F> Workflow for FnWorkflow<F>
where
    F: Fn(WorkflowEvent<Value>, WorkflowStep) -> BoxFuture<'static, Result<Value, WorkflowError>>
        + Send
        + Sync
        + 'static,
{
    type Params = Value;
    type Output = Value;
    fn run(
        &self,
        event: WorkflowEvent<Value>,
        step: WorkflowStep,
    ) -> impl Future<Output = Result<Value, WorkflowError>> + Send {
        (self.0)(event, step)
    }
}

pub fn wf<F>(f: F) -> FnWorkflow<F>
where
    F: Fn(WorkflowEvent<Value>, WorkflowStep) -> BoxFuture<'static, Result<Value, WorkflowError>>
        + Send
        + Sync
        + 'static,
{
    FnWorkflow(f)
}

/// Runs a test body in the six modes: {memory, sqlite, postgres} × {no restarts, restarts}.
#[macro_export]
macro_rules! matrix {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use super::common::{Backend, Mode};
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn memory() { super::$name(Mode { backend: Backend::Memory, restarts: false }).await }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn memory_restarts() { super::$name(Mode { backend: Backend::Memory, restarts: true }).await }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() { super::$name(Mode { backend: Backend::Sqlite, restarts: false }).await }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite_restarts() { super::$name(Mode { backend: Backend::Sqlite, restarts: true }).await }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() { super::$name(Mode { backend: Backend::Postgres, restarts: false }).await }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres_restarts() { super::$name(Mode { backend: Backend::Postgres, restarts: true }).await }
        }
    )*};
}

/// Registers `workflow`: a `do` step named `step` (answers 1), then a sleep named `nap` for
/// `sleep`; its output is the step's result.
pub fn step_then_sleep(
    b: EngineBuilder,
    workflow: &'static str,
    step: &'static str,
    nap: &'static str,
    sleep: &'static str,
) -> EngineBuilder {
    use endure::{EngineBuilderExt, WorkflowError};
    b.workflow(
        workflow,
        wf(move |_, s| {
            Box::pin(async move {
                let v: u32 = s
                    .run(step, |_| async { Ok::<u32, WorkflowError>(1) })
                    .await?;
                s.sleep(nap, sleep).await?;
                Ok(serde_json::json!(v))
            })
        }),
    )
    .unwrap()
}

impl Harness {
    /// Creates `{prefix}0..{prefix}{n-1}` of `workflow`, waits until all sleep, moves the clock
    /// by `sleep_ms` and waits until all finish.
    pub async fn run_sleepers(&self, workflow: &str, prefix: &str, n: usize, sleep_ms: u64) {
        let ids: Vec<String> = (0..n).map(|i| format!("{prefix}{i}")).collect();
        for id in &ids {
            self.create(workflow, id, serde_json::json!({})).await;
        }
        for id in &ids {
            self.wait_status(workflow, id, InstanceStatus::Waiting)
                .await;
        }
        self.advance(sleep_ms);
        for id in &ids {
            self.wait_finished(workflow, id).await;
        }
        self.rollups_counted(workflow, n as u64).await;
    }

    /// Waits (hang protection only) until the analytics rollups count `successes` ends of
    /// `workflow`: an instance's last observation is counted just after its end is durable,
    /// which is when the harness sees it complete, so on a loaded machine it comes a moment
    /// later than that.
    pub async fn rollups_counted(&self, workflow: &str, successes: u64) {
        let q = endure_store::RollupQuery {
            granularity: endure_model::analytics::Granularity::Minute,
            from: endure::Timestamp(0),
            to: endure::Timestamp(u64::MAX / 2),
            workflows: vec![workflow.to_string()],
            event_types: vec!["WORKFLOW_SUCCESS".into()],
            limit: 10_000,
        };
        for _ in 0..500 {
            let rows = self.engine.rollups(&q).await.unwrap_or_default();
            if rows.iter().map(|r| r.count).sum::<u64>() >= successes {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }
}

/// The `step` entry of a status document with this name and count.
pub fn step_entry<'a>(d: &'a InstanceDetails, name: &str, count: u32) -> &'a endure::StepDoc {
    d.steps
        .iter()
        .find(|s| match s {
            endure::StepDoc::Step {
                name: n, count: c, ..
            }
            | endure::StepDoc::Sleep {
                name: n, count: c, ..
            }
            | endure::StepDoc::WaitForEvent {
                name: n, count: c, ..
            } => n == name && *c == count,
            endure::StepDoc::Termination { .. } => false,
        })
        .unwrap_or_else(|| panic!("no step {name}-{count} in {:#?}", d.steps))
}

/// Attempts of a `do` step: (success, error message, retry delay).
pub fn attempts(
    d: &InstanceDetails,
    name: &str,
    count: u32,
) -> Vec<(Option<bool>, Option<String>, Option<u64>)> {
    match step_entry(d, name, count) {
        endure::StepDoc::Step { attempts, .. } => attempts
            .iter()
            .map(|a| {
                (
                    a.success,
                    a.error
                        .as_ref()
                        .map(|e| format!("{}: {}", e.name, e.message)),
                    a.retry_delay_ms,
                )
            })
            .collect(),
        other => panic!("not a do step: {other:?}"),
    }
}

/// A counter shared by a test and its workflow (survives engine restarts in-process).
#[derive(Clone, Default)]
pub struct Counter(pub Arc<std::sync::atomic::AtomicU32>);

impl Counter {
    pub fn hit(&self) -> u32 {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1
    }
    pub fn get(&self) -> u32 {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// A unique name part (the process id and a counter: schemas of parallel tests never clash).
/// A name no other store of this test run has (PostgreSQL schemas).
pub fn uuid_like() -> String {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    format!("{}_{n}_{}", std::process::id(), t % 1_000_000_000)
}
