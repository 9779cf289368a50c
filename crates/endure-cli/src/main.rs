//! `endure`: the command line. Glue only: argument parsing, then the engine.
//!
//! Exit codes: 0 success (the instance completed); 1 the instance errored or was terminated;
//! 2 bad usage or input; 3 a storage or engine failure; 4 the server cannot be reached;
//! 5 the server answered with an error.

mod analytics_bench;
mod bench;
mod commands;
mod crash_child;
#[cfg(feature = "js")]
mod data;
mod describe;
mod dev;
mod logs;
mod nodes_bench;
#[cfg(feature = "js")]
mod project;
mod run;
mod serve;
mod state;
mod suite;
mod telemetry;
#[cfg(feature = "js")]
mod test_report;
#[cfg(feature = "js")]
mod testing;
mod wake;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "endure",
    version,
    about = "Endure: durable workflows, self-hosted"
)]
struct Cli {
    /// How runtime logs are written to standard error: `text`, or `json` (one object per line,
    /// with request, instance and step ids).
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "text",
        env = "ENDURE_LOG_FORMAT"
    )]
    log_format: logs::LogFormat,
    /// The least severe log level written: error, warn, info, debug or trace (default: warn
    /// for text, info for json).
    #[arg(long, global = true, env = "ENDURE_LOG_LEVEL")]
    log_level: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve a Worker project (JavaScript or TypeScript with a wrangler configuration), or the
    /// bundled example workflows, on 127.0.0.1:8787: the REST API (Cloudflare's v4 Workflows
    /// paths) and the app's fetch handler at `/`, state in `.endure`.
    Dev(dev::Args),
    /// The production server: configured from a TOML file, API tokens required beyond
    /// loopback, state in SQLite.
    Serve(serve::Args),
    /// The client: manage workflows and instances on an Endure server (like `wrangler workflows`).
    Workflows(commands::Args),
    /// Run a bundled example workflow to the end on the embedded SQLite store and print its
    /// final status document. Instances left unfinished in the same state folder (say, by a
    /// killed earlier run) carry on too.
    Run(run::Args),
    /// Measure durable step throughput and memory with the `steps` workflow.
    Bench(bench::Args),
    /// Run a Worker project's Vitest test files (`cloudflare:test`, workflow introspection)
    /// on Endure's runtime, each file on a fresh engine; exit code 1 when a test fails.
    #[cfg(feature = "js")]
    Test(testing::Args),
    /// A Worker project's local D1 databases: execute SQL, list and apply migrations.
    #[cfg(feature = "js")]
    D1(data::D1Args),
    /// A Worker project's local KV namespaces: put, get, list and delete keys.
    #[cfg(feature = "js")]
    Kv(data::KvArgs),
    /// A Worker project's local R2 buckets: put, get and delete objects.
    #[cfg(feature = "js")]
    R2(data::R2Args),
    /// Internal: the child process of the crash test.
    #[command(hide = true)]
    CrashChild(crash_child::Args),
}

/// Where state lives by default: `./.endure`.
pub(crate) fn default_state_dir() -> PathBuf {
    PathBuf::from(".endure")
}

/// The bundled examples on the SQLite file `DIR/endure.sqlite`, started.
pub(crate) async fn examples_engine(
    db: &state::Database,
    config: endure::EngineConfig,
) -> anyhow::Result<endure::Engine> {
    let store = db.open().await?;
    let builder = endure::EngineBuilder::new(store)
        .config(config)
        .telemetry(telemetry::observer()?);
    Ok(endure_examples::register(builder)?.start().await?)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = logs::init(cli.log_format, cli.log_level.as_deref()) {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(3);
        }
    };
    let result = rt.block_on(async {
        match cli.command {
            Command::Dev(a) => dev::run(a).await,
            Command::Serve(a) => serve::run(a).await,
            Command::Workflows(a) => commands::run(a).await,
            Command::Run(a) => run::run(a).await,
            Command::Bench(a) => bench::run(a).await,
            #[cfg(feature = "js")]
            Command::Test(a) => testing::run(a).await,
            #[cfg(feature = "js")]
            Command::D1(a) => Ok(data::d1(a)),
            #[cfg(feature = "js")]
            Command::Kv(a) => Ok(data::kv(a)),
            #[cfg(feature = "js")]
            Command::R2(a) => Ok(data::r2(a)),
            Command::CrashChild(a) => crash_child::run(a).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            if e.downcast_ref::<state::Refusal>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::from(3)
            }
        }
    }
}
