//! One isolate: a QuickJS runtime and context on a thread of its own, loaded with the runtime
//! prelude (`src/runtime/*.js`) and the project's main module, driven by messages.
//!
//! An isolate serves a fetch request at a time, or several workflow runs at once (pool.rs), and
//! many one after another: module state carries over, as in a Worker isolate. A thread per
//! isolate means an endless loop stalls only the runs it serves, until the CPU limit
//! interrupts it. A workflow run's messages are typed in protocol.rs.
//!
//! Each run's messages carry its number; the thread keeps a route per run (`protocol::In::Open`)
//! and sends what JavaScript sends for the run, and the end of each turn that handled its
//! messages, to the run's own channel; everything else (the isolate's `ready`, a fetch request's
//! messages, a call made outside any run) goes to [`Isolate::from_js`].
//!
//! Messages to JavaScript: as JSON text `env`, `fetch`, `test` (`__endure_rt.receive`) and a
//! run's `start` and `delay` (`__endure_rt.runMessage`); as fields (`protocol::In`) settling a
//! call (`__endure_rt.settle`), an attempt (`__endure_rt.attempt`) and forgetting a run
//! (`__endure_rt.forget`). Messages from JavaScript, each with its run (0: none): as JSON text
//! (`host.send`) `sleep`, `sleepUntil`, `waitForEvent`, `binding`, `fetch`, `response`, `log`;
//! as fields (`channel.rs`) `do`, `attemptDone`, `done`; and from this thread itself `ready`
//! (the main module loaded; its export names), a turn's end (`protocol::Out::Turn`: every
//! message received so far is handled), `limit` (the CPU or memory limit cut a turn short,
//! sent to the run whose turn it was) and `fatal` (the isolate could not start).

use crate::loader::{ProjectLoader, ProjectResolver};
use crate::modules::Sources;
use crate::protocol::{In, Out};
use crate::routes::{Route, Routes, SharedRoutes};
use rquickjs::{Context, Ctx, Function, Object, Runtime, Value};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// Bounds on one isolate.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// CPU time one turn of JavaScript may take (a callback, a resolved promise and the jobs it
    /// queues): the reference allows 30 s per step invocation.
    pub cpu: Duration,
    /// Heap of the isolate.
    pub memory_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            cpu: Duration::from_secs(30),
            memory_bytes: 128 * 1024 * 1024,
        }
    }
}

/// A running isolate: its [`Handle`] and what it sends that is not for a run.
pub struct Isolate {
    handle: Handle,
    pub from_js: tokio::sync::mpsc::Receiver<Out>,
}

/// Sends to a running isolate. Dropping it stops the isolate.
pub struct Handle {
    to_js: ToJs,
    stop: Arc<AtomicBool>,
}

/// Sends one run's messages (or the isolate's own, as run 0) to an isolate and counts them,
/// so the host can tell (from the `turn` acknowledgements the run receives) whether JavaScript
/// still has work of the run queued.
#[derive(Clone)]
pub struct ToJs {
    tx: mpsc::Sender<In>,
    run: u64,
    sent: Arc<std::sync::atomic::AtomicU64>,
}

impl ToJs {
    /// Sends a run message (settling and attempts go as fields, the rest as JSON text).
    pub fn send_msg(&self, msg: crate::protocol::ToJs) {
        self.send_in(msg.into_in(self.run));
    }

    fn send_in(&self, m: In) {
        self.sent.fetch_add(1, Ordering::SeqCst);
        let _ = self.tx.send(m);
    }

    /// Messages sent so far.
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::SeqCst)
    }
}

impl Handle {
    /// Sends a message of the isolate's own as JSON text (ignored once it has stopped).
    pub fn send(&self, msg: &serde_json::Value) {
        self.to_js.send_in(In::Text(msg.to_string()));
    }

    /// Sends a message of the isolate's own (run 0).
    pub fn send_msg(&self, msg: crate::protocol::ToJs) {
        self.to_js.send_msg(msg);
    }

    /// A sender of the isolate's own messages that outlives borrows of the handle.
    pub fn sender(&self) -> ToJs {
        self.to_js.clone()
    }

    /// Opens run `run` (a number no other run of this isolate has, not 0): what JavaScript
    /// sends for it goes to `route`; the returned sender sends and counts its messages.
    pub fn open(&self, run: u64, route: tokio::sync::mpsc::Sender<Out>) -> ToJs {
        let _ = self.to_js.tx.send(In::Open { run, route });
        ToJs {
            tx: self.to_js.tx.clone(),
            run,
            sent: Arc::default(),
        }
    }

    /// Ends run `run`: JavaScript forgets it, and its route is closed.
    pub fn forget(&self, run: u64) {
        let _ = self.to_js.tx.send(In::Forget { run });
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.to_js.tx.send(In::Stop);
    }
}

impl std::ops::Deref for Isolate {
    type Target = Handle;
    fn deref(&self) -> &Handle {
        &self.handle
    }
}

impl Isolate {
    /// The handle and the receiver apart (an isolate shared by runs: pool.rs).
    pub fn split(self) -> (Handle, tokio::sync::mpsc::Receiver<Out>) {
        (self.handle, self.from_js)
    }
}

/// Messages from an isolate waiting for the host at most: JavaScript that sends faster than
/// the host reads waits in `host.send` (its turn's CPU clock runs meanwhile).
pub const FROM_JS_QUEUE: usize = 1024;

/// Isolates started by this process so far (a figure for benchmarks).
static STARTED: AtomicU64 = AtomicU64::new(0);

/// How many isolates this process has started.
pub fn started() -> u64 {
    STARTED.load(Ordering::Relaxed)
}

/// Isolates alive in this process now (their threads have not ended).
static LIVE: AtomicU64 = AtomicU64::new(0);

/// How many isolates are alive in this process.
pub fn live() -> u64 {
    LIVE.load(Ordering::Relaxed)
}

/// Counts an isolate's thread as alive until it ends.
struct Alive;

impl Alive {
    fn new() -> Alive {
        LIVE.fetch_add(1, Ordering::Relaxed);
        Alive
    }
}

impl Drop for Alive {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A synchronous call JavaScript makes to the host (`host.test(text)`, `endure test`'s
/// modifiers and sessions): a JSON request in, a JSON answer out.
pub type SyncHook = Arc<dyn Fn(&str) -> String + Send + Sync>;

/// A call the host may answer on the isolate's own thread (`host.callNow(text)`): the answer
/// (`{ok, value | error}` as JSON), or `None` when it cannot be had at once (then JavaScript
/// sends the call as a message, as any other).
pub type NowHook = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// The synchronous calls an isolate can make to its host.
#[derive(Clone, Default)]
pub struct Hooks {
    /// `host.test(text)`: the test runner's requests (a test isolate).
    pub test: Option<SyncHook>,
    /// `host.callNow(text)`.
    pub now: Option<NowHook>,
}

/// Starts an isolate for the project whose main module is `main` (a module name from
/// [`Sources::resolve`]).
pub fn spawn(sources: Arc<Sources>, main: String, limits: Limits) -> std::io::Result<Isolate> {
    spawn_with(sources, main, limits, Hooks::default())
}

/// [`spawn`], with synchronous host calls.
pub fn spawn_with(
    sources: Arc<Sources>,
    main: String,
    limits: Limits,
    hooks: Hooks,
) -> std::io::Result<Isolate> {
    STARTED.fetch_add(1, Ordering::Relaxed);
    let (to_js, rx) = mpsc::channel::<In>();
    let (tx, from_js) = tokio::sync::mpsc::channel::<Out>(FROM_JS_QUEUE);
    let stop = Arc::new(AtomicBool::new(false));
    let thread_stop = stop.clone();
    std::thread::Builder::new()
        .name("endure-js".into())
        .stack_size(16 * 1024 * 1024)
        .spawn(move || {
            let _alive = Alive::new();
            let out = tx.clone();
            if let Err(e) = run(sources, &main, limits, &rx, tx, thread_stop, hooks) {
                let fatal = serde_json::json!({"op": "fatal", "message": e}).to_string();
                // Runs already handed to this isolate learn why it stopped.
                while let Ok(m) = rx.try_recv() {
                    if let In::Open { route, .. } = m {
                        let _ = route.blocking_send(Out::Text(fatal.clone()));
                    }
                }
                let _ = out.blocking_send(Out::Text(fatal));
            }
        })?;
    Ok(Isolate {
        handle: Handle {
            to_js: ToJs {
                tx: to_js,
                run: 0,
                sent: Arc::default(),
            },
            stop,
        },
        from_js,
    })
}

/// Why a turn stopped early.
#[derive(Default)]
struct Watch {
    deadline: Mutex<Option<Instant>>,
    cpu_exceeded: AtomicBool,
}

/// A thrown or rejected value, as a line: `Name: message` for errors.
fn describe_value(v: &Value<'_>) -> String {
    if let Some(o) = v.as_object() {
        let name: String = o.get("name").unwrap_or_else(|_| "Error".into());
        let message: String = o.get("message").unwrap_or_default();
        return format!("{name}: {message}");
    }
    v.as_string()
        .and_then(|s| s.to_string().ok())
        .unwrap_or_else(|| format!("{v:?}"))
}

fn exception_text(ctx: &Ctx<'_>) -> String {
    let v: Value = ctx.catch();
    if let Some(o) = v.as_object() {
        let name: String = o.get("name").unwrap_or_else(|_| "Error".into());
        let message: String = o.get("message").unwrap_or_default();
        let stack: String = o.get("stack").unwrap_or_default();
        return format!("{name}: {message}\n{stack}").trim_end().to_string();
    }
    v.as_string()
        .and_then(|s| s.to_string().ok())
        .unwrap_or_else(|| format!("{v:?}"))
}

fn run(
    sources: Arc<Sources>,
    main: &str,
    limits: Limits,
    rx: &mpsc::Receiver<In>,
    tx: tokio::sync::mpsc::Sender<Out>,
    stop: Arc<AtomicBool>,
    hooks: Hooks,
) -> Result<(), String> {
    let routes: SharedRoutes = std::rc::Rc::new(std::cell::RefCell::new(Routes {
        default: tx.clone(),
        received: 0,
        touched: false,
        runs: Default::default(),
    }));
    let rt = Runtime::new().map_err(|e| e.to_string())?;
    rt.set_memory_limit(limits.memory_bytes);
    rt.set_max_stack_size(4 * 1024 * 1024);
    let mocks = sources
        .testing()
        .then(|| Arc::new(crate::testing::mocks::MockTable::default()));
    rt.set_loader(
        ProjectResolver(sources.clone(), mocks.clone()),
        ProjectLoader(sources.clone(), mocks),
    );
    let watch = Arc::new(Watch::default());
    // Whether the turn must stop (stopped, or over its CPU time): asked by QuickJS's interrupt
    // handler and between slices of a WebAssembly call.
    let must_stop: Arc<dyn Fn() -> bool + Send + Sync> = {
        let watch = watch.clone();
        let stop = stop.clone();
        Arc::new(move || {
            if stop.load(Ordering::Relaxed) {
                return true;
            }
            let d = *watch.deadline.lock().unwrap_or_else(|e| e.into_inner());
            if d.is_some_and(|d| Instant::now() > d) {
                watch.cpu_exceeded.store(true, Ordering::SeqCst);
                return true;
            }
            false
        })
    };
    {
        let must_stop = must_stop.clone();
        rt.set_interrupt_handler(Some(Box::new(move || must_stop())));
    }
    // In a test isolate, promises rejected with nobody to handle them by the end of a turn
    // are reported (the runner counts them as errors, as Vitest does).
    type Rejected = Vec<(rquickjs::Persistent<Value<'static>>, String)>;
    let rejected: std::rc::Rc<std::cell::RefCell<Rejected>> = Default::default();
    if hooks.test.is_some() {
        let rejected = rejected.clone();
        rt.set_host_promise_rejection_tracker(Some(Box::new(
            move |ctx: Ctx<'_>, promise: Value<'_>, reason: Value<'_>, handled: bool| {
                let mut list = rejected.borrow_mut();
                if handled {
                    list.retain(|(p, _)| p.clone().restore(&ctx).ok().as_ref() != Some(&promise));
                } else {
                    let text = describe_value(&reason);
                    list.push((rquickjs::Persistent::save(&ctx, promise), text));
                }
            },
        )));
    }
    let ctx = Context::full(&rt).map_err(|e| e.to_string())?;
    let main_js = serde_json::to_string(main).unwrap_or_default();
    ctx.with(|ctx| -> Result<(), String> {
        let host = crate::host::object(
            &ctx,
            &routes,
            &sources,
            &hooks,
            limits.memory_bytes,
            must_stop.clone(),
        )
        .map_err(|e| e.to_string())?;
        ctx.globals()
            .set("__endure_host", host)
            .map_err(|e| e.to_string())?;
        crate::bytecode::prelude(&ctx)
            .and_then(|m| m.eval())
            .map_err(|_| format!("the runtime prelude failed: {}", exception_text(&ctx)))?;
        // wrangler's `define`: the names exist before any module of the project runs.
        let defines = sources.define_script();
        if !defines.is_empty() {
            ctx.eval::<(), _>(defines)
                .map_err(|_| format!("define: {}", exception_text(&ctx)))?;
        }
        ctx.eval::<(), _>(format!(
            "import({main_js}).then((ns) => {{ globalThis.__endure_main = ns; }}, \
             (e) => {{ globalThis.__endure_load_error = globalThis.__endure_rt.describeLoadError(e); }});"
        ))
        .map_err(|_| exception_text(&ctx))?;
        Ok(())
    })?;
    // The runtime's entry points, looked up once.
    let entry = |name: &str| -> Result<rquickjs::Persistent<Function<'static>>, String> {
        ctx.with(|ctx| {
            let rt: Object = ctx
                .globals()
                .get("__endure_rt")
                .map_err(|e| e.to_string())?;
            let f: Function = rt.get(name).map_err(|e| e.to_string())?;
            Ok(rquickjs::Persistent::save(&ctx, f))
        })
    };
    let receive = entry("receive")?;
    let run_message = entry("runMessage")?;
    let settle = entry("settle")?;
    let attempt = entry("attempt")?;
    let forget = entry("forget")?;
    let fire_timers = entry("fireTimers")?;
    let idle_state = entry("idleState")?;
    let current_run = entry("currentRun")?;
    // The run a turn works for (0: the isolate, or a timer's, which JavaScript tells after).
    let current = std::cell::Cell::new(0u64);
    let turn = |run: u64, timers: bool, f: &dyn Fn()| {
        current.set(run);
        *watch.deadline.lock().unwrap_or_else(|e| e.into_inner()) =
            Some(Instant::now() + limits.cpu);
        f();
        loop {
            match rt.execute_pending_job() {
                Ok(true) => continue,
                Ok(false) => break,
                Err(e) => {
                    let text = e.0.with(|c| exception_text(&c));
                    report_uncaught(&routes.borrow(), current.get(), &watch, &text);
                }
            }
        }
        *watch.deadline.lock().unwrap_or_else(|e| e.into_inner()) = None;
        if timers {
            // The run whose timer ran last.
            let run: Option<f64> = ctx.with(|ctx| {
                current_run
                    .clone()
                    .restore(&ctx)
                    .and_then(|f| f.call::<_, f64>(()))
                    .ok()
            });
            current.set(run.unwrap_or(0.0) as u64);
        }
        let unhandled: Vec<String> = rejected.borrow_mut().drain(..).map(|(_, t)| t).collect();
        for text in unhandled {
            routes.borrow().emit(current.get(), Out::Text(
                serde_json::json!({"op": "limit", "kind": "uncaught", "text": format!("Unhandled Rejection: {text}")})
                    .to_string(),
            ));
        }
        if watch.cpu_exceeded.swap(false, Ordering::SeqCst) {
            routes.borrow().emit(current.get(), Out::Text(
                serde_json::json!({"op": "limit", "kind": "cpu", "ms": limits.cpu.as_millis() as u64})
                    .to_string(),
            ));
        }
    };
    // Load the main module.
    turn(0, false, &|| {});
    let load_error: Option<String> = ctx.with(|ctx| ctx.globals().get("__endure_load_error").ok());
    if let Some(e) = load_error {
        return Err(format!("loading {main}: {e}"));
    }
    let exports: Vec<String> = ctx.with(|ctx| {
        ctx.eval::<Vec<String>, _>("Object.keys(globalThis.__endure_main || {})")
            .unwrap_or_default()
    });
    // Which handlers the default export has (an object's methods or a class's).
    let handlers: Vec<String> = ctx.with(|ctx| {
        ctx.eval::<Vec<String>, _>(
            "(() => { const d = (globalThis.__endure_main || {}).default; if (!d) return []; \
             const t = typeof d === 'function' && d.prototype ? d.prototype : d; \
             return ['fetch', 'scheduled', 'queue'].filter((k) => typeof t[k] === 'function'); })()",
        )
        .unwrap_or_default()
    });
    let _ = tx.blocking_send(Out::Text(
        serde_json::json!({"op": "ready", "exports": exports, "handlers": handlers}).to_string(),
    ));
    // What a call into JavaScript threw goes to the host as uncaught.
    let reported = |ctx: &Ctx<'_>, r: rquickjs::Result<()>| {
        if r.is_err() {
            report_uncaught(
                &routes.borrow(),
                current.get(),
                &watch,
                &exception_text(ctx),
            );
        }
    };
    let call =
        |f: &rquickjs::Persistent<Function<'static>>, run: Option<u64>, arg: Option<&str>| {
            ctx.with(|ctx| {
                let r = f.clone().restore(&ctx).and_then(|f| match (run, arg) {
                    (Some(run), Some(a)) => f.call::<_, ()>((run as f64, a)),
                    (Some(run), None) => f.call::<_, ()>((run as f64,)),
                    (None, Some(a)) => f.call::<_, ()>((a,)),
                    (None, None) => f.call::<_, ()>(()),
                });
                reported(&ctx, r);
            })
        };
    // A message from the host, to the entry point that takes it.
    let deliver =
        |m: &In| match m {
            In::Text(text) => call(&receive, None, Some(text)),
            In::RunText { run, text } => call(&run_message, Some(*run), Some(text)),
            In::Settle {
                id,
                ok,
                value,
                error,
                ..
            } => ctx.with(|ctx| {
                let (name, message) = match error {
                    Some(e) => (Some(e.name.as_str()), Some(e.message.as_str())),
                    None => (None, None),
                };
                let r = settle.clone().restore(&ctx).and_then(|f| {
                    f.call::<_, ()>((*id as f64, *ok, value.as_deref(), name, message))
                });
                reported(&ctx, r);
            }),
            In::Attempt {
                run,
                step,
                attempt: a,
                ctx: c,
            } => ctx.with(|ctx| {
                let r = attempt.clone().restore(&ctx).and_then(|f| {
                    f.call::<_, ()>((*run as f64, *step as f64, *a as f64, c.as_str()))
                });
                reported(&ctx, r);
            }),
            In::Forget { run } => call(&forget, Some(*run), None),
            In::Open { .. } | In::Stop => {}
        };
    // A message: routes opened and closed here, the rest handled in a turn and counted.
    let handle = |m: In| {
        match m {
            In::Stop => return,
            In::Open { run, route } => {
                routes.borrow_mut().runs.insert(
                    run,
                    Route {
                        tx: route,
                        received: 0,
                        touched: false,
                        timers: false,
                    },
                );
                return;
            }
            In::Forget { run } => {
                routes.borrow_mut().runs.remove(&run);
            }
            _ => {
                let mut r = routes.borrow_mut();
                let run = m.run();
                if run == 0 {
                    r.received += 1;
                    r.touched = true;
                } else if let Some(route) = r.runs.get_mut(&run) {
                    route.received += 1;
                    route.touched = true;
                }
            }
        }
        turn(m.run(), false, &|| deliver(&m));
    };
    while !stop.load(Ordering::SeqCst) {
        // Everything received so far has been handled and its jobs drained. `next`: the
        // earliest timer (or -1); `pending`: calls to the host awaiting an answer plus
        // `waitUntil` promises not settled; then the runs that have timers.
        let state: Vec<f64> = ctx.with(|ctx| {
            idle_state
                .clone()
                .restore(&ctx)
                .and_then(|f| f.call::<_, Vec<f64>>(()))
                .unwrap_or_default()
        });
        let next = state.first().copied().unwrap_or(-1.0);
        let pending = state.get(1).copied().unwrap_or(0.0);
        let timed = state.get(2..).unwrap_or_default();
        {
            let mut r = routes.borrow_mut();
            for (run, route) in r.runs.iter_mut() {
                let timers = timed.contains(&(*run as f64));
                if route.touched || route.timers != timers {
                    route.touched = false;
                    route.timers = timers;
                    let _ = route.tx.blocking_send(Out::Turn {
                        received: route.received,
                        timers,
                        pending: 0.0,
                    });
                }
            }
            if r.touched || r.runs.is_empty() {
                r.touched = false;
                let _ = r.default.blocking_send(Out::Turn {
                    received: r.received,
                    timers: next >= 0.0,
                    pending,
                });
            }
        }
        let msg = if next >= 0.0 {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as f64)
                .unwrap_or(0.0);
            let wait = Duration::from_millis((next - now).max(0.0) as u64);
            match rx.recv_timeout(wait) {
                Ok(m) => Some(m),
                Err(mpsc::RecvTimeoutError::Timeout) => None,
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        } else {
            match rx.recv() {
                Ok(m) => Some(m),
                Err(_) => break,
            }
        };
        match msg {
            Some(m) => {
                handle(m);
                // Whatever else has arrived meanwhile, before reporting back.
                while let Ok(m) = rx.try_recv() {
                    handle(m);
                }
            }
            None => turn(0, true, &|| call(&fire_timers, None, None)),
        }
    }
    Ok(())
}

/// Reports what a turn threw to the run whose turn it was (the isolate's own: 0).
fn report_uncaught(routes: &Routes, run: u64, watch: &Watch, text: &str) {
    if watch.cpu_exceeded.load(Ordering::SeqCst) {
        return;
    }
    let kind = if text.contains("out of memory") {
        "memory"
    } else {
        "uncaught"
    };
    routes.emit(
        run,
        Out::Text(serde_json::json!({"op": "limit", "kind": kind, "text": text}).to_string()),
    );
}
