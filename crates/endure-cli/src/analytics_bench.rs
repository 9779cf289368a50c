//! `endure bench --analytics DAYS`: how fast the GraphQL dataset answers over a month of a busy
//! server. Fills a fresh store with DAYS of minute rollups (three workflows, each with its
//! instance events and three steps' events every minute, as a server that never idles would
//! record them), then times the seeds' hourly query over the whole range, a per-minute query over
//! the last day, and a month grouped by event type.

use endure::{EngineBuilder, EngineConfig};
use endure_model::Timestamp;
use endure_model::analytics::{MINUTE_MS, Rollup};
use endure_store::Store;
use serde_json::{Value, json};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

const WORKFLOWS: [&str; 3] = ["orders", "billing", "emails"];
const STEPS: [&str; 3] = ["load", "charge", "notify"];
const RUN_EVENTS: [&str; 4] = [
    "WORKFLOW_QUEUED",
    "WORKFLOW_START",
    "WORKFLOW_SUCCESS",
    "WORKFLOW_FAILURE",
];
const STEP_EVENTS: [&str; 4] = [
    "STEP_START",
    "STEP_SUCCESS",
    "ATTEMPT_START",
    "ATTEMPT_SUCCESS",
];
/// Minutes added to the store per call.
const MINUTES_PER_ADD: u64 = 240;

/// One minute of a busy server: every group, with counts that vary by minute.
fn minute(at: u64) -> Vec<Rollup> {
    let mut out = vec![];
    let n = 50 + (at / MINUTE_MS) % 50;
    for w in WORKFLOWS {
        for e in RUN_EVENTS {
            out.push(Rollup {
                bucket: Timestamp(at),
                workflow: w.into(),
                event_type: e.into(),
                step_name: String::new(),
                step_count: 0,
                count: if e == "WORKFLOW_FAILURE" { n / 25 } else { n },
                wall_ms: if e == "WORKFLOW_SUCCESS" { n * 120 } else { 0 },
            });
        }
        for (i, s) in STEPS.iter().enumerate() {
            for e in STEP_EVENTS {
                out.push(Rollup {
                    bucket: Timestamp(at),
                    workflow: w.into(),
                    event_type: e.into(),
                    step_name: s.to_string(),
                    step_count: i as u32 + 1,
                    count: n,
                    wall_ms: if e.ends_with("SUCCESS") { n * 40 } else { 0 },
                });
            }
        }
    }
    out
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Runs `query` `times` times; the median time and the last answer.
async fn timed(engine: &endure::Engine, query: &str, vars: Value, times: usize) -> (f64, Value) {
    let mut took = vec![];
    let mut last = Value::Null;
    for _ in 0..times {
        let req = endure_graphql::Request::from_json(&json!({"query": query, "variables": vars}))
            .expect("a valid request");
        let t = Instant::now();
        last = endure_graphql::execute(engine, req).await;
        took.push(ms(t.elapsed()));
    }
    took.sort_by(f64::total_cmp);
    (took[took.len() / 2], last)
}

fn groups(v: &Value, field: &str) -> usize {
    v["data"]["viewer"]["accounts"][0][field]
        .as_array()
        .map_or(0, Vec::len)
}

pub async fn run(store: Arc<dyn Store>, days: u64) -> anyhow::Result<ExitCode> {
    let engine = endure_examples::register(
        EngineBuilder::new(store.clone()).config(EngineConfig::default()),
    )?
    .start()
    .await?;
    let now = engine.now().0;
    let end = now - now % MINUTE_MS;
    let start = end - days * 1440 * MINUTE_MS;
    let t = Instant::now();
    let mut rows = 0usize;
    let mut at = start;
    while at < end {
        let mut batch = vec![];
        for k in 0..MINUTES_PER_ADD {
            let m = at + k * MINUTE_MS;
            if m >= end {
                break;
            }
            batch.extend(minute(m));
        }
        rows += batch.len();
        store.add_rollups(batch).await?;
        at += MINUTES_PER_ADD * MINUTE_MS;
    }
    let fill = t.elapsed();
    println!(
        "filled {days} days: {rows} minute rollups ({} groups a minute) in {:.1} s ({:.0} rows/s)",
        rows as u64 / (days * 1440),
        fill.as_secs_f64(),
        rows as f64 / fill.as_secs_f64()
    );
    let iso = |ms: u64| endure_graphql::dims::time_string(Timestamp(ms));
    let hour = 3_600_000;
    let seeds = "{ viewer { accounts(filter: {accountTag: $accountTag}) {
        wallTime: workflowsAdaptiveGroups(limit: 10000,
          filter: {datetimeHour_geq: $datetimeStart, datetimeHour_leq: $datetimeEnd, workflowName: $workflowName},
          orderBy: [count_DESC]) { count sum { wallTime } dimensions { date: datetimeHour } } } } }";
    let vars = json!({"accountTag": "a", "datetimeStart": iso(start - start % hour),
                      "datetimeEnd": iso(end - end % hour), "workflowName": "orders"});
    let (t1, a1) = timed(&engine, seeds, vars, 5).await;
    println!(
        "the seeds' hourly query, {days} days of one workflow: {} groups, median {t1:.1} ms",
        groups(&a1, "wallTime")
    );
    let minutes = "query($from: Time, $to: Time) { viewer { accounts(filter: {accountTag: \"a\"}) {
        workflowsAdaptiveGroups(limit: 10000, filter: {datetimeMinute_geq: $from, datetimeMinute_leq: $to,
          workflowName: \"billing\", eventType: \"STEP_START\"}) { count dimensions { datetimeMinute stepName } } } } }";
    let vars = json!({"from": iso(end - 1440 * MINUTE_MS), "to": iso(end)});
    let (t2, a2) = timed(&engine, minutes, vars, 5).await;
    println!(
        "per minute and step over the last day, one workflow and event type: {} groups, median {t2:.1} ms",
        groups(&a2, "workflowsAdaptiveGroups")
    );
    let month = "{ viewer { accounts(filter: {accountTag: \"a\"}) {
        workflowsAdaptiveGroups(limit: 100, orderBy: [count_DESC]) { count sum { wallTime } dimensions { eventType } } } } }";
    let (t3, a3) = timed(&engine, month, json!({}), 5).await;
    println!(
        "everything retained, by event type (all workflows): {} groups, median {t3:.1} ms",
        groups(&a3, "workflowsAdaptiveGroups")
    );
    if let Some(e) = [&a1, &a2, &a3].iter().find(|a| !a["errors"].is_null()) {
        anyhow::bail!("a query failed: {}", e["errors"]);
    }
    engine.shutdown().await;
    Ok(ExitCode::SUCCESS)
}
