//! The crash test's child: runs instances of a workflow that logs every attempt it starts to a
//! side file (`ID K ATTEMPT [GENERATION]`), until killed (or until done with
//! `--exit-when-done`).

use endure::prelude::*;
use endure::{EngineBuilder, InstanceStatus, WaitForEvent};
use serde_json::{Value, json};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(clap::Args)]
pub struct Args {
    /// A SQLite file, or `postgres://…` (several children may then share it).
    #[arg(long)]
    db: String,
    #[arg(long)]
    side_log: PathBuf,
    #[arg(long, default_value_t = 10)]
    instances: usize,
    #[arg(long, default_value_t = 10)]
    steps: u64,
    #[arg(long)]
    exit_when_done: bool,
    /// Run the JavaScript `crashy` workflow of this Worker project instead of the Rust one. Its
    /// attempts are logged through `fetch("http://side-log/ID/K/ATTEMPT")`, which this process
    /// serves and appends to the side log.
    #[arg(long)]
    project: Option<PathBuf>,
    /// Serve the REST API on a free loopback port and write `http://ADDR` to this file (for a
    /// test that sends events, pauses and resumes through any node).
    #[arg(long)]
    http: Option<PathBuf>,
    /// Half-way through, wait for a `go` event (the Rust workflow only); the output then
    /// carries its payload.
    #[arg(long)]
    mixed: bool,
}

/// A loopback server that appends `ID K ATTEMPT` to the side log for each `POST /ID/K/ATTEMPT`,
/// before it answers.
#[cfg(feature = "js")]
async fn side_log_server(path: PathBuf) -> anyhow::Result<String> {
    use axum::extract::Path as UrlPath;
    let app = axum::Router::new().route(
        "/{id}/{k}/{attempt}",
        axum::routing::post(move |UrlPath((id, k, a)): UrlPath<(String, u64, u32)>| {
            let path = path.clone();
            async move {
                let mut f = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&path)
                    .map_err(|_| axum::http::StatusCode::INTERNAL_SERVER_ERROR)?;
                f.write_all(format!("{id} {k} {a}\n").as_bytes())
                    .map_err(|_| axum::http::StatusCode::INTERNAL_SERVER_ERROR)?;
                Ok::<_, axum::http::StatusCode>("ok")
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(url)
}

struct Crashy {
    side_log: PathBuf,
    mixed: bool,
}

fn jitter_ms(a: &str, b: u64, c: u32) -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    (u64::from(nanos) ^ (a.len() as u64 * 31 + b * 7 + u64::from(c))) % 3
}

impl Workflow for Crashy {
    type Params = Value;
    type Output = Value;

    async fn run(
        &self,
        event: WorkflowEvent<Value>,
        step: WorkflowStep,
    ) -> Result<Value, WorkflowError> {
        let n = event.payload["steps"].as_u64().unwrap_or(10);
        let id = &event.instance_id;
        let log = &self.side_log;
        let mut go = None;
        // Mixed load: a restart from scratch runs the steps again; each life of the instance
        // draws a generation first, and the side log tells the lives apart by it.
        let generation: u64 = if self.mixed {
            step.run("generation", |_| async {
                let nanos = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(0);
                Ok(nanos ^ u64::from(std::process::id()).rotate_left(40))
            })
            .await?
        } else {
            0
        };
        for k in 1..=n {
            let cfg = StepConfig::new()
                .retries(30u32, 20u64)
                .backoff(Backoff::Constant);
            let _: Value = step
                .run_with(format!("step-{k}"), cfg, move |ctx| async move {
                    // Record the attempt before doing anything else: the test compares this
                    // with what the engine persisted.
                    let mut f = std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(log)?;
                    f.write_all(format!("{id} {k} {} {generation}\n", ctx.attempt).as_bytes())?;
                    drop(f);
                    tokio::time::sleep(Duration::from_millis(jitter_ms(id, k, ctx.attempt))).await;
                    if k == 3 && ctx.attempt == 1 {
                        return Err(WorkflowError::msg("deliberate first-attempt failure"));
                    }
                    Ok(json!({"i": k}))
                })
                .await?;
            if k == 5 {
                step.sleep("nap", 30u64).await?;
            }
            if self.mixed && k == n / 2 {
                let e = step
                    .wait_for_event::<Value>("signal", WaitForEvent::new("go").timeout("1 day"))
                    .await?;
                go = Some(e.payload);
            }
        }
        Ok(match go {
            Some(go) => json!({"steps": n, "go": go}),
            None => json!({"steps": n}),
        })
    }
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let db = crate::state::Database::parse(&args.db, std::path::Path::new("."));
    let store = db.open().await?;
    let config = db.engine_config(endure::EngineConfig::default());
    let engine = match &args.project {
        None => {
            EngineBuilder::new(store.clone())
                .config(config)
                .workflow(
                    "crashy",
                    Crashy {
                        side_log: args.side_log.clone(),
                        mixed: args.mixed,
                    },
                )?
                .start()
                .await?
        }
        #[cfg(feature = "js")]
        Some(dir) => {
            let url = side_log_server(args.side_log.clone()).await?;
            let p = endure_js::Project::load(
                dir,
                endure_js::RunOptions {
                    outbound: vec![("http://side-log".into(), url)],
                    state_dir: match &db {
                        crate::state::Database::Sqlite(p) => p.parent().map(PathBuf::from),
                        crate::state::Database::Postgres(_) => {
                            Some(args.side_log.with_extension("state"))
                        }
                    },
                    ..Default::default()
                },
            )?;
            let engine = p
                .register(EngineBuilder::new(store.clone()).config(config))?
                .start()
                .await?;
            p.attach(engine.clone());
            engine
        }
        #[cfg(not(feature = "js"))]
        Some(_) => anyhow::bail!("built without JavaScript support"),
    };
    if let Some(file) = &args.http {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let state = endure_server::ServerState::new(engine.clone(), addr);
        tokio::spawn(endure_server::serve(listener, endure_server::router(state)));
        // Written whole, then renamed: a reader never sees half an address.
        let tmp = file.with_extension("tmp");
        std::fs::write(&tmp, format!("http://{addr}"))?;
        std::fs::rename(&tmp, file)?;
    }
    let w = engine.workflow("crashy")?;
    for i in 0..args.instances {
        let id = format!("c{i}");
        if w.get(&id).await.is_err() {
            let made = w
                .create(
                    CreateOptions::new()
                        .id(id)
                        .params(json!({"steps": args.steps})),
                )
                .await;
            // Another child on the same database may have created it meanwhile.
            match made {
                Ok(_) => {}
                Err(e) if e.code == endure::ErrorCode::AlreadyExists => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    let open = [
        InstanceStatus::Queued,
        InstanceStatus::Running,
        InstanceStatus::Waiting,
        InstanceStatus::WaitingForPause,
    ];
    loop {
        let left = endure_store::Store::instances_in(&*store, &open)
            .await?
            .len();
        if left == 0 && args.exit_when_done {
            return Ok(ExitCode::SUCCESS);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
