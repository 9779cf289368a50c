//! A Worker project: its configuration, its sources, and what it registers with the engine.

use crate::config::{self, ProjectConfig};
use crate::isolate::Limits;
use crate::modules::Sources;
use endure_engine::{Engine, EngineBuilder, WorkflowOptions};
use endure_model::ApiError;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// A project that cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    #[error("no wrangler.jsonc, wrangler.json or wrangler.toml in {0}")]
    NoConfig(String),
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error("{0}")]
    Module(String),
    #[error(
        "workflow \"{name}\": script_name \"{script}\" names another Worker; Endure runs the classes of this project only"
    )]
    OtherScript { name: String, script: String },
}

/// Settings of how a project runs.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub limits: Limits,
    /// Outbound `fetch` URL prefixes to rewrite (`from`, `to`): lets a project that calls
    /// outside services run against local stand-ins, unchanged.
    pub outbound: Vec<(String, String)>,
    /// Where R2 buckets, D1 databases and sent mail are kept (default: `.endure` in the
    /// project).
    pub state_dir: Option<PathBuf>,
    /// CA certificates (DER) trusted by outbound `fetch` beside Mozilla's roots.
    pub extra_ca_certs: Vec<Vec<u8>>,
    /// Most isolates serving workflow runs (0: [`default_run_isolates`]). Isolates are threads:
    /// past one or two per core they share the CPU without adding throughput (BENCHMARKS.md).
    pub max_run_isolates: usize,
    /// Most runs one isolate serves at once (0: [`DEFAULT_RUNS_PER_ISOLATE`]); runs beyond
    /// `max_run_isolates × runs_per_isolate` wait for a place (their instances say `running`).
    pub runs_per_isolate: usize,
    /// Whether test files can import `vitest` and `cloudflare:test` (`endure test`).
    pub testing: bool,
}

/// Default [`RunOptions::max_run_isolates`]: two per core (4 on a 2-core machine, where 2 and 4
/// measured the same and 1 or 8 less: BENCHMARKS.md, session 12).
pub fn default_run_isolates() -> usize {
    2 * std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// Default [`RunOptions::runs_per_isolate`].
pub const DEFAULT_RUNS_PER_ISOLATE: usize = 64;

/// A loaded Worker project.
pub struct Project {
    pub config: ProjectConfig,
    pub dir: PathBuf,
    pub(crate) sources: Arc<Sources>,
    pub(crate) main: String,
    pub(crate) options: RunOptions,
    engine: OnceLock<Engine>,
    http: crate::http::Client,
    pub(crate) resources: crate::resources::Resources,
    pub(crate) kv: crate::kv::Kv,
    pub(crate) caches: crate::cache::Caches,
    /// Isolates that answered a request and wait for the next one (pool.rs).
    pub(crate) warm: crate::pool::Idle,
    /// Isolates serving workflow runs, several at once each (pool.rs).
    pub(crate) runs: crate::pool::Runs,
    /// This project, for its isolates' synchronous calls (weak: isolates must not keep it).
    me: std::sync::Weak<Project>,
}

impl Project {
    /// Loads the project in `dir`: reads its configuration and compiles its main module (so
    /// syntax and import errors show at start-up).
    pub fn load(dir: &Path, options: RunOptions) -> Result<Arc<Project>, ProjectError> {
        let dir = dir
            .canonicalize()
            .map_err(|_| ProjectError::NoConfig(dir.display().to_string()))?;
        let path =
            config::find(&dir).ok_or_else(|| ProjectError::NoConfig(dir.display().to_string()))?;
        let config = config::load(&path)?;
        for w in &config.workflows {
            if let Some(s) = &w.script_name
                && s != &config.name
            {
                return Err(ProjectError::OtherScript {
                    name: w.name.clone(),
                    script: s.clone(),
                });
            }
        }
        let mut load = config.load.clone();
        load.testing = options.testing;
        let sources = Arc::new(Sources::with(&dir, load));
        let main_path = dir.join(&config.main);
        let main = main_path.display().to_string();
        if !main_path.is_file() {
            return Err(ProjectError::Module(format!(
                "main module {} does not exist",
                main_path.display()
            )));
        }
        sources.load(&main).map_err(ProjectError::Module)?;
        let http =
            crate::http::Client::new(&options.extra_ca_certs).map_err(ProjectError::Module)?;
        let state_dir = options
            .state_dir
            .clone()
            .unwrap_or_else(|| dir.join(".endure"));
        let run_isolates = match options.max_run_isolates {
            0 => default_run_isolates(),
            n => n,
        };
        let per_isolate = match options.runs_per_isolate {
            0 => DEFAULT_RUNS_PER_ISOLATE,
            n => n,
        };
        Ok(Arc::new_cyclic(|me| Project {
            me: me.clone(),
            config,
            dir,
            sources,
            main,
            options,
            engine: OnceLock::new(),
            http,
            resources: crate::resources::Resources::new(&state_dir),
            kv: crate::kv::Kv::new(&state_dir),
            caches: crate::cache::Caches::new(&state_dir),
            warm: crate::pool::Idle::new(crate::pool::MAX_WARM_ISOLATES),
            runs: crate::pool::Runs::new(run_isolates, per_isolate),
        }))
    }

    /// Loads the whole module graph once in an isolate and checks that every configured
    /// `class_name` is exported, so import errors (a missing file or package, a Node module
    /// Endure lacks) and misnamed classes show at start-up rather than on the first run.
    /// Returns the names the main module exports.
    pub async fn check(&self) -> Result<Vec<String>, ProjectError> {
        self.check_with(self.sources.clone()).await
    }

    async fn check_with(&self, sources: Arc<Sources>) -> Result<Vec<String>, ProjectError> {
        let mut iso = crate::isolate::spawn(sources, self.main.clone(), self.options.limits)
            .map_err(|e| ProjectError::Module(format!("cannot start a JavaScript isolate: {e}")))?;
        let exports = loop {
            let Some(out) = iso.from_js.recv().await else {
                return Err(ProjectError::Module(
                    "the JavaScript isolate stopped".into(),
                ));
            };
            let crate::protocol::Out::Text(text) = out else {
                continue;
            };
            let m: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            match m["op"].as_str() {
                Some("ready") => break (m["exports"].clone(), m["handlers"].clone()),
                Some("fatal") => {
                    return Err(ProjectError::Module(
                        m["message"].as_str().unwrap_or("").to_string(),
                    ));
                }
                _ => {}
            }
        };
        let (exports, handlers) = exports;
        let has_handler = |name: &str| {
            handlers
                .as_array()
                .is_some_and(|h| h.iter().any(|x| x == name))
        };
        if !self.config.queue_consumers.is_empty() && !has_handler("queue") {
            return Err(ProjectError::Module(format!(
                "queues.consumers is set in {}, but the default export of {} has no queue() handler to run",
                self.config.path.display(),
                self.config.main.display()
            )));
        }
        if !self.config.crons.is_empty() && !has_handler("scheduled") {
            return Err(ProjectError::Module(format!(
                "triggers.crons is set in {}, but the default export of {} has no scheduled() handler to run",
                self.config.path.display(),
                self.config.main.display()
            )));
        }
        let exported: Vec<&str> = exports
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        for w in &self.config.workflows {
            if !exported.contains(&w.class_name.as_str()) {
                return Err(ProjectError::Module(format!(
                    "workflow \"{}\": class \"{}\" is not exported by {} (it exports: {})",
                    w.name,
                    w.class_name,
                    self.config.main.display(),
                    exported.join(", ")
                )));
            }
        }
        Ok(exported.iter().map(|s| s.to_string()).collect())
    }

    /// What `endure dev` compares to see whether the sources changed: the newest
    /// modification time of the files the project was loaded from (modules, Text/Data files,
    /// `package.json`s, `tsconfig.json`), and a hash of the names of all files in the project
    /// (hidden ones and `node_modules` aside), so that a file created for an import that was
    /// missing is seen too. Other files written in the project's directory (a log, a database)
    /// do not count.
    pub fn sources_stamp(&self) -> (Option<std::time::SystemTime>, u64) {
        use std::hash::{Hash, Hasher};
        fn walk(dir: &Path, names: &mut Vec<PathBuf>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for e in entries.flatten() {
                let name = e.file_name();
                let name = name.to_string_lossy();
                if name.starts_with('.') || name == "node_modules" {
                    continue;
                }
                let path = e.path();
                if path.is_dir() {
                    walk(&path, names);
                } else {
                    names.push(path);
                }
            }
        }
        let mut files = self.sources.files_read();
        files.push(self.dir.join("tsconfig.json"));
        let newest = files
            .iter()
            .filter_map(|f| std::fs::metadata(f).and_then(|m| m.modified()).ok())
            .max();
        let mut names = vec![];
        walk(&self.dir, &mut names);
        names.sort();
        let mut h = std::collections::hash_map::DefaultHasher::new();
        names.hash(&mut h);
        (newest, h.finish())
    }

    /// Takes changed sources into use: later runs and requests load them afresh. Instances already waiting replay with the new code when they
    /// wake, as with `wrangler dev`.
    /// The new sources are loaded and checked on the side first: if they do not load (a
    /// syntax error while editing), runs keep the sources they had.
    pub async fn reload(&self) -> Result<Vec<String>, ProjectError> {
        let mut load = self.config.load.clone();
        load.testing = self.options.testing;
        let staged = Arc::new(Sources::with(&self.dir, load));
        staged.load(&self.main).map_err(ProjectError::Module)?;
        let exports = self.check_with(staged.clone()).await?;
        self.sources.replace_with(&staged);
        // Kept isolates run the old code: requests and runs from now on get the new.
        self.warm.clear();
        self.runs.clear();
        Ok(exports)
    }

    /// Whether `dir` holds a Worker project.
    pub fn is_project(dir: &Path) -> bool {
        config::find(dir).is_some()
    }

    /// Registers the project's workflows (`[[workflows]]`) with the engine being built.
    pub fn register(
        self: &Arc<Self>,
        mut builder: EngineBuilder,
    ) -> Result<EngineBuilder, ApiError> {
        for w in &self.config.workflows {
            let mut opts = WorkflowOptions {
                class_name: w.class_name.clone(),
                language: "javascript".into(),
                // Under `endure test` nothing fires on its own (as with vitest-pool-workers):
                // a test calls `SELF.scheduled` or creates the instance itself.
                schedules: if self.options.testing {
                    vec![]
                } else {
                    w.schedules.clone()
                },
                ..WorkflowOptions::default()
            };
            if let Some(n) = w.step_limit {
                opts.step_limit = n;
            }
            let code = crate::workflow::JsWorkflow {
                project: self.clone(),
                class: w.class_name.clone(),
            };
            builder = builder.register(&w.name, Arc::new(code), opts)?;
        }
        for c in &self.config.queue_consumers {
            builder = builder.consumer(
                crate::queues::consumer_config(c),
                Arc::new(crate::queues::QueueHandler {
                    project: self.clone(),
                }),
            )?;
        }
        if !self.config.crons.is_empty() && !self.options.testing {
            for c in &self.config.crons {
                builder = builder.cron_trigger(c.clone(), crate::scheduled::SCHEDULED_QUEUE);
            }
            builder = builder.consumer(
                crate::scheduled::consumer_config(),
                Arc::new(crate::scheduled::ScheduledHandler {
                    project: self.clone(),
                }),
            )?;
        }
        Ok(builder)
    }

    /// Registers one more workflow name for an exported class of this project (a server's own
    /// `[[workflows]]` entry naming a project class).
    pub fn register_class(
        self: &Arc<Self>,
        builder: EngineBuilder,
        name: &str,
        class_name: &str,
        step_limit: Option<u64>,
        schedules: Vec<endure_model::cron::CronSchedule>,
    ) -> Result<EngineBuilder, ApiError> {
        let mut opts = WorkflowOptions {
            class_name: class_name.to_string(),
            language: "javascript".into(),
            schedules,
            ..WorkflowOptions::default()
        };
        if let Some(n) = step_limit {
            opts.step_limit = n;
        }
        let code = crate::workflow::JsWorkflow {
            project: self.clone(),
            class: class_name.to_string(),
        };
        builder.register(name, Arc::new(code), opts)
    }

    /// Gives the project the started engine (its bindings need it).
    pub fn attach(&self, engine: Engine) {
        let _ = self.engine.set(engine);
    }

    /// Now, by the attached engine's clock (the system clock before one is attached).
    pub fn now(&self) -> endure_model::Timestamp {
        match self.engine.get() {
            Some(e) => e.now(),
            None => endure_engine::Clock::now(&endure_engine::SystemClock),
        }
    }

    pub(crate) fn engine(&self) -> Option<&Engine> {
        self.engine.get()
    }

    pub(crate) fn http(&self) -> &crate::http::Client {
        &self.http
    }

    pub(crate) fn outbound_url(&self, url: &str) -> String {
        for (from, to) in &self.options.outbound {
            if let Some(rest) = url.strip_prefix(from.as_str()) {
                return format!("{to}{rest}");
            }
        }
        url.to_string()
    }

    /// A place for a workflow run in an isolate (pool.rs), waiting while every place is
    /// taken.
    pub(crate) async fn run_place(&self) -> std::io::Result<crate::pool::RunPlace> {
        self.runs.place(|| self.start_run_isolate()).await
    }

    /// A new isolate for workflow runs. What it sends outside any run (a call made by a timer
    /// that module scope set, the `ready` message) is served here; a limit hit or an error
    /// escaped outside any run, or an isolate that could not start, retires it.
    fn start_run_isolate(&self) -> std::io::Result<crate::pool::RunIsolate> {
        let (handle, mut from_js) = self.start_isolate()?.split();
        let shared = crate::pool::RunIsolate::new(handle);
        let to_js = shared.handle.sender();
        let retired = shared.retired_flag();
        let me = self.me.clone();
        tokio::spawn(async move {
            while let Some(out) = from_js.recv().await {
                let Ok(m) = crate::protocol::read(out) else {
                    continue;
                };
                match m {
                    crate::protocol::Message::HostCall { id, call } => {
                        let Some(p) = me.upgrade() else { return };
                        if let Some(call) = crate::bridge::host_call(&p, &call) {
                            let to_js = to_js.clone();
                            tokio::spawn(async move {
                                to_js.send_msg(crate::protocol::ToJs::settle(id, call.await));
                            });
                        }
                    }
                    crate::protocol::Message::Run(crate::protocol::FromJs::Log {
                        level,
                        text,
                        steps,
                    }) => {
                        crate::bridge::log_line("workflow isolate", level.as_deref(), &text, &steps)
                    }
                    crate::protocol::Message::Run(crate::protocol::FromJs::Limit {
                        text, ..
                    }) => {
                        eprintln!("[error] workflow isolate: {text}");
                        retired.store(true, std::sync::atomic::Ordering::SeqCst);
                    }
                    crate::protocol::Message::Run(crate::protocol::FromJs::Fatal { .. }) => {
                        retired.store(true, std::sync::atomic::Ordering::SeqCst);
                    }
                    _ => {}
                }
            }
        });
        Ok(shared)
    }

    /// How many isolates serve workflow runs or wait for one.
    pub fn run_isolates(&self) -> usize {
        self.runs.isolates()
    }

    /// A new isolate of the current sources, with `env` sent.
    pub(crate) fn start_isolate(&self) -> std::io::Result<crate::isolate::Isolate> {
        let iso = crate::isolate::spawn_with(
            self.sources.clone(),
            self.main.clone(),
            self.options.limits,
            crate::isolate::Hooks {
                test: None,
                now: self.now_hook(),
            },
        )?;
        iso.send(&self.env_message());
        Ok(iso)
    }

    /// Binding reads answered on the isolate's thread (`bridge::call_now`), when this runs in
    /// a runtime to enter.
    fn now_hook(&self) -> Option<crate::isolate::NowHook> {
        let rt = tokio::runtime::Handle::try_current().ok()?;
        let me = self.me.clone();
        Some(Arc::new(move |text: &str| {
            let p = me.upgrade()?;
            // A panic must not cross QuickJS's C frames: the read goes as a message instead.
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let _in_runtime = rt.enter();
                crate::bridge::call_now(&p, text)
            }))
            .ok()
            .flatten()
        }))
    }

    /// The `env` message: `vars` and one binding per `[[workflows]]` entry.
    pub(crate) fn env_message(&self) -> Value {
        let bindings: Vec<Value> = self
            .config
            .workflows
            .iter()
            .map(|w| json!({"binding": w.binding, "workflow": w.name}))
            .collect();
        let resources: Vec<Value> = self
            .config
            .resources
            .iter()
            .filter_map(|r| {
                let kind = match r {
                    crate::config::ResourceBinding::R2 { .. } => "r2",
                    crate::config::ResourceBinding::D1 { .. } => "d1",
                    crate::config::ResourceBinding::Kv { .. } => "kv",
                    crate::config::ResourceBinding::Service { .. } => return None,
                    crate::config::ResourceBinding::SendEmail { .. } => "email",
                    crate::config::ResourceBinding::Queue { .. } => "queue",
                };
                Some(json!({"binding": r.binding(), "kind": kind}))
            })
            .collect();
        let unserved: Vec<Value> = self
            .config
            .unserved
            .iter()
            .map(|u| json!({"binding": u.binding, "kind": u.kind, "why": u.why}))
            .collect();
        let services: Vec<Value> = self
            .config
            .resources
            .iter()
            .filter_map(|r| match r {
                crate::config::ResourceBinding::Service { binding, .. } => {
                    Some(json!({"binding": binding}))
                }
                _ => None,
            })
            .collect();
        let assets = self.config.assets.as_ref().and_then(|a| a.binding.clone());
        json!({"op": "env", "vars": self.config.vars, "bindings": bindings, "resources": resources, "unserved": unserved, "assets": assets, "services": services})
    }

    /// The bindings, for a banner: (binding, workflow, class).
    pub fn bindings(&self) -> Vec<(String, String, String)> {
        self.config
            .workflows
            .iter()
            .map(|w| (w.binding.clone(), w.name.clone(), w.class_name.clone()))
            .collect()
    }
}
