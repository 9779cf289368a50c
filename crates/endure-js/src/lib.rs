//! Runs Cloudflare Workflows JavaScript and TypeScript, unchanged, on Endure's engine.
//!
//! A Worker project (a directory with `wrangler.jsonc`, `wrangler.json` or `wrangler.toml`) is
//! loaded with [`Project::load`]; [`Project::register`] registers each `[[workflows]]` entry's
//! exported `WorkflowEntrypoint` class as engine code; [`fetch::handle`] serves its default
//! export's `fetch` handler. JavaScript runs in QuickJS (rquickjs), isolates that serve runs and
//! requests one at a time and many one after another (pool.rs), each on its own thread, bounded in CPU time per turn and in memory
//! ([`isolate::Limits`]). TypeScript is stripped with oxc.
//!
//! | Cloudflare (JavaScript) | Endure |
//! |---|---|
//! | `class X extends WorkflowEntrypoint` (`cloudflare:workers`) | [`workflow::JsWorkflow`], an [`endure_engine::WorkflowCode`] |
//! | `step.do`, `step.sleep`, `step.sleepUntil`, `step.waitForEvent` | `Step::do_step`, `sleep`, `sleep_until`, `wait_for_event` |
//! | `env.BINDING.create / createBatch / get` | `WorkflowBinding::create / create_batch / get` |
//! | `instance.status / pause / resume / terminate / restart / sendEvent` | `InstanceHandle::…` |
//! | `NonRetryableError` (`cloudflare:workflows`) | `WorkflowError::non_retryable` |

pub mod assets;
pub mod async_context;
mod base64;
mod bridge;
mod bytecode;
pub mod cache;
mod channel;
pub mod config;
pub mod decorators;
mod encoding;
pub mod fetch;
pub mod host;
pub mod http;
#[cfg(feature = "intl")]
mod intl;
pub mod isolate;
pub mod kv;
mod loader;
pub mod local;
pub mod modules;
pub mod package;
mod pool;
pub mod project;
pub mod protocol;
pub mod queue_config;
pub mod queues;
pub mod resources;
mod routes;
pub mod scheduled;
pub mod testing;
pub mod transpile;
#[cfg(feature = "wasm")]
mod wasm;
pub mod webcrypto;
pub mod workflow;

pub use bridge::set_structured_logs;
pub use fetch::{HttpRequest, HttpResponse};
pub use isolate::{FROM_JS_QUEUE, Limits};
pub use project::{
    DEFAULT_RUNS_PER_ISOLATE, Project, ProjectError, RunOptions, default_run_isolates,
};
