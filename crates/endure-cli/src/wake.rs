//! `endure bench --wake N`: N instances that all sleep until the same moment, and how late
//! each resumes after it (the "wake-up lateness" when many come due at once).

use endure::prelude::*;
use endure::{CreateOptions, Engine, EngineBuilder, EngineBuilderExt, InstanceStatus, Timestamp};
use serde::Deserialize;
use serde_json::json;
use std::time::{Duration, Instant};

pub const NAME: &str = "wake";

#[derive(Deserialize)]
pub struct Params {
    /// When to wake (epoch milliseconds on the engine's clock).
    pub at: u64,
}

/// Sleeps until `at`; the step after the sleep records how late the run resumed.
pub struct WakeWorkflow;

impl Workflow for WakeWorkflow {
    type Params = Params;
    type Output = u64;

    async fn run(
        &self,
        event: WorkflowEvent<Params>,
        step: WorkflowStep,
    ) -> Result<u64, WorkflowError> {
        let at = Timestamp(event.payload.at);
        step.sleep_until("until due", at).await?;
        let late = step.now().0.saturating_sub(at.0);
        step.run("woke", move |_| async move { Ok(late) }).await
    }
}

pub fn register(builder: EngineBuilder) -> Result<EngineBuilder, endure::ApiError> {
    builder.workflow(NAME, WakeWorkflow)
}

/// Creates `n` instances due `lead` after the start, waits for them all, and prints the
/// lateness of a sample (every instance up to 2 000, else an even spread of 2 000).
pub async fn bench(engine: &Engine, n: usize, lead: Duration) -> anyhow::Result<bool> {
    let w = engine.workflow(NAME)?;
    let start = Instant::now();
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let due = now_ms + lead.as_millis() as u64;
    let every = (n / 2000).max(1);
    let mut sample = Vec::new();
    let mut made = 0usize;
    while made < n {
        let k = (n - made).min(100);
        let batch = (0..k)
            .map(|_| CreateOptions::new().params(json!({"at": due})))
            .collect();
        for (i, h) in w.create_batch(batch).await?.into_iter().enumerate() {
            if (made + i).is_multiple_of(every) {
                sample.push(h);
            }
        }
        made += k;
    }
    let created = start.elapsed();
    let mut late = Vec::with_capacity(sample.len());
    for h in &sample {
        let d = h.wait_finished().await?;
        let v = d.output.as_u64();
        match (d.status, v) {
            (InstanceStatus::Complete, Some(ms)) => late.push(ms as f64),
            (s, _) => anyhow::bail!("an instance ended {s}"),
        }
    }
    let all_done = start.elapsed();
    let sampled = late.len();
    let [p50, p90, p99, max] = crate::bench::percentiles(late);
    println!(
        "| instances | due after | created in | sampled | lateness p50 | p90 | p99 | max | last sampled done |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {n} | {:.1} s | {:.1} s | {} | {:.0} ms | {:.0} ms | {:.0} ms | {:.0} ms | {:.1} s after due |",
        lead.as_secs_f64(),
        created.as_secs_f64(),
        sampled,
        p50,
        p90,
        p99,
        max,
        (all_done.as_secs_f64() - lead.as_secs_f64()).max(0.0)
    );
    Ok(created < lead)
}
