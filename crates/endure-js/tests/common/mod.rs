//! Running a Worker project's workflows in-process on a manual clock: the project is copied to a
//! temporary directory, its workflows registered on an engine over SQLite, and time advanced
//! whenever every instance waits.

#![allow(dead_code)]

use endure_engine::{Engine, EngineBuilder, InstanceHandle, ManualClock};
use endure_js::{HttpRequest, Limits, Project, RunOptions};
use endure_model::Timestamp;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub const T0: Timestamp = Timestamp(1_700_000_000_000);

pub struct Js {
    pub engine: Engine,
    pub clock: Arc<ManualClock>,
    pub project: Arc<Project>,
    pub dir: tempfile::TempDir,
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/projects")
        .join(name)
}

/// A project from files (path, text).
pub fn files(list: &[(&str, &str)]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for (p, t) in list {
        let path = d.path().join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, t).unwrap();
    }
    d
}

/// The end of a test Worker whose `run()` gathers its findings: its fetch handler answers
/// them as JSON (or the error's stack with a 500).
pub const ANSWER_RUN: &str = "\nexport default {\n  async fetch(): Promise<Response> {\n    try { return Response.json(await run()); } catch (e) { return new Response(String((e as Error).stack || e), { status: 500 }); }\n  },\n};\n";

/// A project (in `p/`) whose only module is `src/index.ts`, without bindings.
pub fn one_module(index: &str) -> tempfile::TempDir {
    files(&[
        (
            "p/wrangler.jsonc",
            r#"{"name": "p", "main": "src/index.ts"}"#,
        ),
        ("p/src/index.ts", index),
    ])
}

impl Js {
    /// The fixture project `name` (under tests/projects).
    pub async fn fixture(name: &str, outbound: Vec<(String, String)>) -> Js {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&fixture(name), &dir.path().join("p"));
        Js::start(dir, "p", outbound, Limits::default()).await
    }

    /// The fixture project `name` with limits.
    pub async fn fixture_with(name: &str, outbound: Vec<(String, String)>, limits: Limits) -> Js {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&fixture(name), &dir.path().join("p"));
        Js::start(dir, "p", outbound, limits).await
    }

    /// Creates an instance.
    pub async fn create(&self, workflow: &str, id: &str, params: Value) -> InstanceHandle {
        self.engine
            .workflow(workflow)
            .unwrap()
            .create(endure_engine::CreateOptions::new().id(id).params(params))
            .await
            .unwrap()
    }

    /// The project in `dir/sub`.
    pub async fn start(
        dir: tempfile::TempDir,
        sub: &str,
        outbound: Vec<(String, String)>,
        limits: Limits,
    ) -> Js {
        Js::start_with(dir, sub, outbound, limits, vec![]).await
    }

    /// [`Js::start`] trusting extra CA certificates (DER) in outbound `fetch`.
    pub async fn start_with(
        dir: tempfile::TempDir,
        sub: &str,
        outbound: Vec<(String, String)>,
        limits: Limits,
        extra_ca_certs: Vec<Vec<u8>>,
    ) -> Js {
        let options = RunOptions {
            limits,
            outbound,
            state_dir: Some(dir.path().join("state")),
            extra_ca_certs,
            ..Default::default()
        };
        Js::start_options(dir, sub, options).await
    }

    /// The project in `dir/sub` with these run options.
    pub async fn start_options(dir: tempfile::TempDir, sub: &str, options: RunOptions) -> Js {
        let project =
            Project::load(&dir.path().join(sub), options).unwrap_or_else(|e| panic!("load: {e}"));
        let clock = Arc::new(ManualClock::new(T0));
        let store = endure_sqlite::SqliteStore::open(endure_sqlite::SqliteConfig::new(
            dir.path().join("endure.sqlite"),
        ))
        .unwrap();
        let engine = project
            .register(EngineBuilder::new(Arc::new(store)).clock(clock.clone()))
            .unwrap()
            .start()
            .await
            .unwrap();
        project.attach(engine.clone());
        Js {
            engine,
            clock,
            project,
            dir,
        }
    }

    /// Calls the project's fetch handler.
    pub async fn fetch(&self, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
        let r = endure_js::fetch::handle(
            self.project.clone(),
            HttpRequest {
                method: method.into(),
                url: format!("http://127.0.0.1:8787{path}"),
                headers: vec![("content-type".into(), "application/json".into())],
                body: body.map(|b| b.as_bytes().to_vec()),
            },
        )
        .await;
        (r.status, String::from_utf8_lossy(&r.body).into_owned())
    }

    /// GETs `path` from the fetch handler: it must answer 200 with JSON, which is returned.
    pub async fn get_json(&self, path: &str) -> Value {
        let (status, body) = self.fetch("GET", path, None).await;
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"))
    }

    pub async fn handle(&self, workflow: &str, id: &str) -> InstanceHandle {
        self.engine
            .workflow(workflow)
            .unwrap()
            .get(id)
            .await
            .unwrap()
    }

    /// The status document, as JSON.
    pub async fn doc(&self, workflow: &str, id: &str) -> Value {
        let h = self.handle(workflow, id).await;
        serde_json::to_value(h.status().await.unwrap()).unwrap()
    }

    /// Runs an instance to the end: whenever it waits (sleep, back-off), time jumps `step_ms`.
    /// Panics with the status document if it does not finish within 20 000 rounds.
    ///
    /// Time moves only while the instance waits for a moment still ahead: once its wake-up
    /// time has come, the row says `waiting` until the woken run's first commit, and moving
    /// the clock then would eat into the time-out of the attempt that commit starts.
    pub async fn finish(&self, workflow: &str, id: &str, step_ms: u64) -> Value {
        let mut doc = Value::Null;
        for _ in 0..20_000 {
            doc = self.doc(workflow, id).await;
            match doc["status"].as_str() {
                Some("complete" | "errored" | "terminated") => return doc,
                Some("waiting") if self.waits_ahead(workflow, id).await => {
                    self.clock.advance(step_ms)
                }
                _ => tokio::time::sleep(Duration::from_millis(2)).await,
            }
        }
        panic!("{workflow}/{id} did not finish: {doc:#}");
    }

    /// Whether the instance's wake-up time is still ahead of the clock.
    async fn waits_ahead(&self, workflow: &str, id: &str) -> bool {
        let now = endure_engine::Clock::now(&*self.clock);
        match self.engine.store().find_instance(workflow, id).await {
            Ok(Some(row)) => row.wake_at.is_some_and(|w| w > now),
            _ => false,
        }
    }

    /// Waits (real time) until `check` holds for the document.
    pub async fn until(&self, workflow: &str, id: &str, check: impl Fn(&Value) -> bool) -> Value {
        let mut doc = Value::Null;
        for _ in 0..5_000 {
            doc = self.doc(workflow, id).await;
            if check(&doc) {
                return doc;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        panic!("{workflow}/{id} never reached the state: {doc:#}");
    }
}

/// A stand-in for an outside HTTP service on loopback: answers every request with `reply`.
pub async fn stub(
    reply: impl Fn(&str, &str, &str) -> (u16, String) + Send + Sync + 'static,
) -> String {
    use axum::extract::Request;
    let reply = Arc::new(reply);
    let app = axum::Router::new().fallback(move |req: Request| {
        let reply = reply.clone();
        async move {
            let method = req.method().to_string();
            let path = req.uri().to_string();
            let body = axum::body::to_bytes(req.into_body(), 1 << 20)
                .await
                .unwrap_or_default();
            let (status, text) = reply(&method, &path, &String::from_utf8_lossy(&body));
            axum::response::Response::builder()
                .status(status)
                .header("content-type", "application/json")
                .body(axum::body::Body::from(text))
                .unwrap()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}
