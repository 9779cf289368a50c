//! `endure test`: runs a Worker project's Vitest test files unchanged, on Endure's own
//! runtime. Each file gets a fresh engine on the in-memory store, fresh R2/D1/KV state in a
//! temporary folder, and an isolate of the project (so `SELF` is the Worker's own `fetch`
//! handler and `env` its bindings) in which the file runs as a module. `vitest` and
//! `cloudflare:test` are built-in modules there (`runtime/sections/test.js`); the
//! introspectors reach the engine through [`host`]. Within a file, state carries from test to
//! test, as with vitest-pool-workers. Results come back as typed [`TestEvent`]s for the caller
//! to print.

pub mod discover;
pub mod host;
pub mod mocks;

use crate::isolate::{self, Limits};
use crate::project::{Project, RunOptions};
use endure_engine::{Engine, EngineBuilder, EngineConfig};
use endure_model::WorkflowError;
use serde::Deserialize;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What `toMatchSnapshot` does with a snapshot it does not have (or that differs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SnapshotMode {
    /// Writes new snapshots; a differing one fails (Vitest's default).
    #[default]
    New,
    /// Writes nothing: a missing snapshot fails (Vitest under CI).
    None,
    /// Writes new and differing ones (`-u`).
    All,
}

impl SnapshotMode {
    fn as_str(self) -> &'static str {
        match self {
            SnapshotMode::New => "new",
            SnapshotMode::None => "none",
            SnapshotMode::All => "all",
        }
    }
}

/// How many snapshots a file wrote.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
pub struct SnapshotCounts {
    pub written: u64,
    pub updated: u64,
}

/// How tests run.
#[derive(Debug, Clone, Default)]
pub struct TestOptions {
    /// Only tests whose full name (suites and test, space-separated) matches this regular
    /// expression (`-t`).
    pub pattern: Option<String>,
    /// A test's time limit in ms (Vitest's `testTimeout`, default 5,000).
    pub test_timeout_ms: Option<u64>,
    /// A hook's time limit in ms (Vitest's `hookTimeout`, default 10,000).
    pub hook_timeout_ms: Option<u64>,
    /// Modules run before each test file, in its isolate (Vitest's `setupFiles`).
    pub setup_files: Vec<PathBuf>,
    /// Vitest's API as globals too (`globals: true`).
    pub globals: bool,
    /// Extra plain values in `env` (the pool's `miniflare.bindings`).
    pub bindings: serde_json::Map<String, Value>,
    pub snapshots: SnapshotMode,
    /// Whether `.only` may be used (Vitest refuses it under CI unless `--allowOnly`).
    pub allow_only: bool,
    pub limits: Limits,
}

/// How a test ended.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum TestState {
    Pass,
    Fail,
    Skip,
    Todo,
}

/// A failure: the error thrown, and a diff of expected and received values when the
/// assertion had both.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct TestError {
    pub name: String,
    pub message: String,
    #[serde(default)]
    pub stack: String,
    #[serde(default)]
    pub diff: Option<String>,
}

impl TestError {
    fn new(name: &str, message: impl Into<String>) -> TestError {
        TestError {
            name: name.into(),
            message: message.into(),
            stack: String::new(),
            diff: None,
        }
    }
}

/// One test's outcome: its suites' names then its own, its state, how long it took.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct TestResult {
    pub names: Vec<String>,
    pub state: TestState,
    pub ms: f64,
    #[serde(default)]
    pub errors: Vec<TestError>,
}

/// What happens while a file runs, as it happens.
#[derive(Debug, Clone, PartialEq)]
pub enum TestEvent {
    Started {
        names: Vec<String>,
    },
    Finished(TestResult),
    /// A `beforeAll`/`afterAll` hook of a suite failed.
    SuiteError {
        names: Vec<String>,
        errors: Vec<TestError>,
    },
    /// A console line of the test file or of the Worker's code in its isolate.
    Log {
        level: String,
        text: String,
    },
}

/// A whole file's outcome.
#[derive(Debug, Clone, Default)]
pub struct FileReport {
    pub file: PathBuf,
    pub results: Vec<TestResult>,
    /// Errors outside any test: the file did not load, a suite hook failed, an error nobody
    /// caught, a limit.
    pub errors: Vec<TestError>,
    pub duration: Duration,
    pub snapshots: SnapshotCounts,
}

impl FileReport {
    /// Whether everything in the file passed (or was skipped).
    pub fn passed(&self) -> bool {
        self.errors.is_empty() && self.results.iter().all(|r| r.state != TestState::Fail)
    }
}

/// Messages of the test runner in the isolate.
#[derive(Debug, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase")]
enum FromRunner {
    TestStart {
        names: Vec<String>,
    },
    TestResult(TestResult),
    SuiteError {
        names: Vec<String>,
        errors: Vec<TestError>,
    },
    TestsDone {
        error: Option<TestError>,
        #[serde(default)]
        snapshots: SnapshotCounts,
    },
}

static STATE_DIRS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// A fresh folder for a file's R2, D1 and KV state; removed when dropped.
struct StateDir(PathBuf);

impl StateDir {
    fn new() -> std::io::Result<StateDir> {
        let n = STATE_DIRS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let d = std::env::temp_dir().join(format!("endure-test-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d)?;
        Ok(StateDir(d))
    }
}

impl Drop for StateDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The project in `dir` with an engine of its own on the in-memory store.
async fn start(dir: &Path, state: &Path, limits: Limits) -> Result<(Arc<Project>, Engine), String> {
    let project = Project::load(
        dir,
        RunOptions {
            limits,
            state_dir: Some(state.to_path_buf()),
            testing: true,
            ..RunOptions::default()
        },
    )
    .map_err(|e| e.to_string())?;
    let store = Arc::new(endure_store::MemoryStore::new());
    let config = EngineConfig {
        analytics: false,
        ..EngineConfig::default()
    };
    let builder = project
        .register(EngineBuilder::new(store).config(config))
        .map_err(|e| e.to_string())?;
    let engine = builder.start().await.map_err(|e| e.to_string())?;
    project.attach(engine.clone());
    Ok((project, engine))
}

/// Runs the test file `file` of the project in `dir`; `on` sees each event as it happens.
pub async fn run_file(
    dir: &Path,
    file: &Path,
    options: &TestOptions,
    on: &mut (dyn FnMut(TestEvent) + Send),
) -> FileReport {
    let began = Instant::now();
    let mut report = FileReport {
        file: file.to_path_buf(),
        ..FileReport::default()
    };
    let state = match StateDir::new() {
        Ok(s) => s,
        Err(e) => {
            report.errors.push(TestError::new(
                "Error",
                format!("cannot make a state folder: {e}"),
            ));
            return report;
        }
    };
    let (project, engine) = match start(dir, &state.0, options.limits).await {
        Ok(x) => x,
        Err(e) => {
            report.errors.push(TestError::new("Error", e));
            report.duration = began.elapsed();
            return report;
        }
    };
    drive(&project, &engine, file, options, on, &mut report).await;
    engine.shutdown().await;
    report.duration = began.elapsed();
    report
}

async fn drive(
    project: &Arc<Project>,
    engine: &Engine,
    file: &Path,
    options: &TestOptions,
    on: &mut (dyn FnMut(TestEvent) + Send),
    report: &mut FileReport,
) {
    use futures_util::StreamExt;
    let hook_engine = engine.clone();
    let hook: isolate::SyncHook = Arc::new(move |text: &str| host::sync_call(&hook_engine, text));
    let mut iso = match isolate::spawn_with(
        project.sources.clone(),
        "endure:test-main".to_string(),
        options.limits,
        isolate::Hooks {
            test: Some(hook),
            now: None,
        },
    ) {
        Ok(i) => i,
        Err(e) => {
            report.errors.push(TestError::new(
                "Error",
                format!("cannot start a JavaScript isolate: {e}"),
            ));
            return;
        }
    };
    let mut env = project.env_message();
    if let Some(vars) = env["vars"].as_object_mut() {
        vars.extend(options.bindings.clone());
    } else {
        env["vars"] = Value::Object(options.bindings.clone());
    }
    iso.send(&env);
    iso.send(&json!({
        "op": "test",
        "file": file.display().to_string(),
        "main": project.main.clone(),
        "pattern": options.pattern,
        "testTimeout": options.test_timeout_ms,
        "hookTimeout": options.hook_timeout_ms,
        "setupFiles": options.setup_files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>(),
        "globals": options.globals,
        "snapshots": options.snapshots.as_str(),
        "allowOnly": options.allow_only,
    }));
    // The test running now (between its start and its result).
    let mut running: Option<Vec<String>> = None;
    let mut done = false;
    let mut pending: futures_util::stream::FuturesUnordered<
        endure_engine::BoxFuture<'static, (u64, Result<Value, WorkflowError>)>,
    > = futures_util::stream::FuturesUnordered::new();
    loop {
        tokio::select! {
            msg = iso.from_js.recv() => {
                let Some(out) = msg else {
                    report.errors.push(TestError::new("Error", "the test isolate stopped"));
                    return;
                };
                let Some(m) = out.into_json() else { continue };
                if let Some(call) = crate::bridge::host_call(project, &m) {
                    let id = m["id"].as_u64().unwrap_or(0);
                    pending.push(Box::pin(async move { (id, call.await) }));
                    continue;
                }
                let op = m["op"].as_str().unwrap_or("");
                match op {
                    "introspect" => {
                        let id = m["id"].as_u64().unwrap_or(0);
                        let f = host::introspect(engine.clone(), m);
                        pending.push(Box::pin(async move { (id, f.await) }));
                    }
                    "testStart" | "testResult" | "suiteError" | "testsDone" => {
                        match serde_json::from_value::<FromRunner>(m) {
                            Ok(FromRunner::TestStart { names }) => {
                                running = Some(names.clone());
                                on(TestEvent::Started { names });
                            }
                            Ok(FromRunner::TestResult(r)) => {
                                running = None;
                                on(TestEvent::Finished(r.clone()));
                                report.results.push(r);
                            }
                            Ok(FromRunner::SuiteError { names, errors }) => {
                                report.errors.extend(errors.iter().cloned());
                                on(TestEvent::SuiteError { names, errors });
                            }
                            Ok(FromRunner::TestsDone { error, snapshots }) => {
                                report.errors.extend(error);
                                report.snapshots = snapshots;
                                // What the rest of this turn reports (a rejection nobody
                                // handled) still counts: the file ends at the turn's end.
                                done = true;
                            }
                            Err(e) => report.errors.push(TestError::new(
                                "Error",
                                format!("endure test: a malformed message from the runner: {e}"),
                            )),
                        }
                    }
                    "turn" if done => return,
                    "log" => on(TestEvent::Log {
                        level: m["level"].as_str().unwrap_or("info").to_string(),
                        text: m["text"].as_str().unwrap_or("").to_string(),
                    }),
                    "limit" => {
                        let text = m["text"].as_str().map(String::from).unwrap_or_else(|| match m["kind"].as_str() {
                            Some("cpu") => format!(
                                "the test ran {} ms of CPU time without giving the isolate back (its CPU limit): the tests after it in this file did not run",
                                m["ms"].as_u64().unwrap_or(0)
                            ),
                            kind => format!("the test exceeded the isolate's {} limit", kind.unwrap_or("")),
                        });
                        if m["kind"] == "uncaught" {
                            // Vitest's names for errors no test caught.
                            let e = match text.strip_prefix("Unhandled Rejection: ") {
                                Some(t) => TestError::new("Unhandled Rejection", t),
                                None => TestError::new("Unhandled Error", text),
                            };
                            report.errors.push(e);
                        } else {
                            let e = TestError::new("Error", text);
                            // The test that was running fails with it.
                            match running.take() {
                                Some(names) => {
                                    let r = TestResult { names, state: TestState::Fail, ms: 0.0, errors: vec![e] };
                                    on(TestEvent::Finished(r.clone()));
                                    report.results.push(r);
                                }
                                None => report.errors.push(e),
                            }
                            return;
                        }
                    }
                    "fatal" => {
                        report.errors.push(TestError::new(
                            "Error",
                            m["message"].as_str().unwrap_or("the test isolate failed").to_string(),
                        ));
                        return;
                    }
                    _ => {}
                }
            }
            Some((id, reply)) = pending.next(), if !pending.is_empty() => {
                iso.send_msg(crate::protocol::ToJs::settle(id, reply));
            }
        }
    }
}
