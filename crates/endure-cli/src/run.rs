//! `endure run WORKFLOW [PARAMS]`.

use endure::{CreateOptions, InstanceStatus, StepDoc};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// A bundled workflow: my-workflow, approval or steps.
    workflow: String,
    /// The instance's params, as JSON (default `{}`).
    params: Option<String>,
    /// The instance id (default: a random UUID). If it exists, follow it instead of creating it.
    #[arg(long)]
    id: Option<String>,
    /// Where the SQLite database lives.
    #[arg(long, default_value_os_t = crate::default_state_dir())]
    state_dir: PathBuf,
    /// Print only the final status document, as JSON.
    #[arg(long)]
    json: bool,
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    if !endure_examples::NAMES.contains(&args.workflow.as_str()) {
        eprintln!(
            "error: unknown workflow {:?}; the bundled ones are {}",
            args.workflow,
            endure_examples::NAMES.join(", ")
        );
        return Ok(ExitCode::from(2));
    }
    let params = match &args.params {
        None => None,
        Some(p) => match serde_json::from_str(p) {
            Ok(v) => Some(v),
            Err(e) => {
                eprintln!("error: params are not valid JSON: {e}");
                return Ok(ExitCode::from(2));
            }
        },
    };
    let db = crate::state::Database::Sqlite(args.state_dir.join("endure.sqlite"));
    let engine = crate::examples_engine(&db, endure::EngineConfig::default()).await?;
    let binding = engine.workflow(&args.workflow)?;
    let existing = match &args.id {
        Some(id) => binding.get(id).await.ok(),
        None => None,
    };
    let handle = match existing {
        Some(h) => h,
        None => {
            let mut opts = CreateOptions::new();
            opts.id = args.id.clone();
            opts.params = params;
            match binding.create(opts).await {
                Ok(h) => h,
                Err(e) => {
                    eprintln!("error: {e}");
                    return Ok(ExitCode::from(2));
                }
            }
        }
    };
    if !args.json {
        eprintln!(
            "instance {} of {} (state in {})",
            handle.id(),
            args.workflow,
            db.display()
        );
    }
    let mut shown: Vec<String> = vec![];
    let mut last_status = None;
    let done = loop {
        let d = handle
            .wait_until(|d| {
                d.status.is_finished()
                    || Some(d.status) != last_status
                    || d.steps.iter().map(describe).collect::<Vec<_>>() != shown
            })
            .await?;
        let now: Vec<String> = d.steps.iter().map(describe).collect();
        if !args.json {
            if Some(d.status) != last_status {
                eprintln!("  status: {}", d.status);
            }
            for (i, line) in now.iter().enumerate() {
                if shown.get(i) != Some(line) {
                    eprintln!("  {line}");
                }
            }
        }
        shown = now;
        last_status = Some(d.status);
        if d.status.is_finished() {
            break d;
        }
    };
    println!("{}", serde_json::to_string_pretty(&done)?);
    engine.shutdown().await;
    Ok(if done.status == InstanceStatus::Complete {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn describe(s: &StepDoc) -> String {
    match s {
        StepDoc::Step {
            name,
            count,
            success,
            attempts,
            ..
        } => {
            let state = match success {
                Some(true) => "complete",
                Some(false) => "errored",
                None => "running",
            };
            format!(
                "step  {name} #{count}: {state} after {} attempt(s)",
                attempts.len()
            )
        }
        StepDoc::Sleep {
            name,
            end,
            finished,
            ..
        } => {
            format!(
                "sleep {name}: {} {}",
                if *finished { "woke at" } else { "until" },
                end.to_iso()
            )
        }
        StepDoc::WaitForEvent {
            name,
            event_type,
            finished,
            ..
        } => {
            format!(
                "wait  {name} for '{event_type}': {}",
                if *finished { "done" } else { "waiting" }
            )
        }
        StepDoc::Termination { .. } => "terminated".into(),
    }
}
