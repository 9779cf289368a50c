//! Cron triggers: `triggers.crons` runs the default export's `scheduled` handler at each
//! firing (controller.cron, scheduledTime, noRetry, ctx.waitUntil), retried when it throws,
//! once per occurrence; workflow `schedules` from wrangler create instances with
//! `event.schedule`; the seeds' "Export and save D1 database" runs from its cron trigger.
//! All on the engine's manual clock.

mod common;

use common::*;
use endure_js::Limits;
use endure_model::Timestamp;
use serde_json::{Value, json};
use std::time::Duration;

const HOUR: u64 = 3_600_000;

fn now(js: &Js) -> Timestamp {
    endure_engine::Clock::now(&*js.clock)
}

/// The first `minute` past an hour after `t`.
fn next_at_minute(t: Timestamp, minute: u64) -> Timestamp {
    let base = (t.0 / HOUR) * HOUR + minute * 60_000;
    Timestamp(if base > t.0 { base } else { base + HOUR })
}

/// Every instance of `workflow`, oldest first, with its params.
async fn instances(js: &Js, workflow: &str) -> Vec<endure_store::InstanceRow> {
    js.engine
        .store()
        .list_instances(&endure_store::ListQuery {
            workflow: workflow.into(),
            ascending: true,
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
}

/// The instances of `wf` that the firings of `cron` created.
async fn of_cron(js: &Js, cron: &str) -> Vec<endure_store::InstanceRow> {
    let mut rows = instances(js, "wf").await;
    rows.retain(|r| r.params["cron"] == cron);
    rows
}

/// Waits (hang protection only) until the firings of `cron` made at least `n` instances.
async fn until_cron(js: &Js, cron: &str, n: usize) -> Vec<endure_store::InstanceRow> {
    for _ in 0..10_000 {
        let rows = of_cron(js, cron).await;
        if rows.len() >= n {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    panic!("{cron}: never {n} instances");
}

/// Waits (hang protection only) until `workflow` has at least `n` instances.
async fn until_count(js: &Js, workflow: &str, n: usize) -> Vec<endure_store::InstanceRow> {
    for _ in 0..10_000 {
        let rows = instances(js, workflow).await;
        if rows.len() >= n {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    panic!("{workflow}: never {n} instances");
}

const SCHEDULED: &str = r#"
import { WorkflowEntrypoint } from 'cloudflare:workers';
export class Echo extends WorkflowEntrypoint {
  async run(event, step) {
    return { payload: event.payload, schedule: event.schedule ?? null, ts: event.timestamp.getTime() };
  }
}
export default {
  async fetch() { return new Response('ok'); },
  async scheduled(controller, env, ctx) {
    const params = { cron: controller.cron, at: controller.scheduledTime, type: controller.type };
    // Work handed to waitUntil finishes too.
    ctx.waitUntil(env.WF.create({ params: { ...params, via: 'waitUntil' } }));
    await env.WF.create({ params });
    if (controller.cron === '30 * * * *') throw new Error('always fails');
    if (controller.cron === '45 * * * *') { controller.noRetry(); throw new Error('fails once'); }
  },
};
"#;

async fn scheduled_project() -> Js {
    let dir = files(&[
        (
            "p/wrangler.jsonc",
            r#"{"name": "p", "main": "src/index.js",
               "workflows": [
                 {"name": "wf", "binding": "WF", "class_name": "Echo"},
                 {"name": "hourly", "binding": "HOURLY", "class_name": "Echo", "schedules": ["0 * * * *"]}
               ],
               "triggers": {"crons": ["0 * * * *", "30 * * * *", "45 * * * *"]}}"#,
        ),
        ("p/src/index.js", SCHEDULED),
    ]);
    Js::start(dir, "p", vec![], Limits::default()).await
}

fn params_of(rows: &[endure_store::InstanceRow]) -> Vec<Value> {
    rows.iter().map(|r| r.params.clone()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scheduled_handler_runs_at_each_firing() {
    let js = scheduled_project().await;
    let top = next_at_minute(now(&js), 0);
    js.clock.advance(top.since(now(&js)));
    until_cron(&js, "0 * * * *", 2).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut got = params_of(&of_cron(&js, "0 * * * *").await);
    got.sort_by_key(|v| v.to_string());
    assert_eq!(
        got,
        [
            json!({"cron": "0 * * * *", "at": top.0, "type": "scheduled", "via": "waitUntil"}),
            json!({"cron": "0 * * * *", "at": top.0, "type": "scheduled"}),
        ]
    );
    // The workflow's own schedule fired too, at the same moment, with event.schedule.
    let hourly = until_count(&js, "hourly", 1).await;
    assert_eq!(hourly[0].id, format!("0 * * * *-{}", top.0));
    let doc = js.finish("hourly", &hourly[0].id, 1_000).await;
    assert_eq!(
        doc["output"],
        json!({"payload": {}, "schedule": {"cron": "0 * * * *", "scheduledTime": top.0}, "ts": top.0})
    );
    assert_eq!(doc["trigger"]["source"], "cron");
    // The next hour fires again; nothing in between.
    js.clock.advance(10 * 60_000);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(of_cron(&js, "0 * * * *").await.len(), 2);
    js.clock.advance(50 * 60_000);
    until_cron(&js, "0 * * * *", 4).await;
    assert_eq!(until_count(&js, "hourly", 2).await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throwing_handler_is_retried_unless_it_called_no_retry() {
    let js = scheduled_project().await;
    let half = next_at_minute(now(&js), 30);
    js.clock.advance(half.since(now(&js)));
    let thirty = "30 * * * *";
    until_cron(&js, thirty, 2).await;
    // Retried a minute later, three times in all after the first run.
    for n in 2..=4 {
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert_eq!(
            of_cron(&js, thirty).await.len(),
            2 * (n - 1),
            "not before the delay"
        );
        js.clock.advance(endure_js::scheduled::CRON_RETRY_DELAY_MS);
        until_cron(&js, thirty, 2 * n).await;
    }
    js.clock
        .advance(10 * endure_js::scheduled::CRON_RETRY_DELAY_MS);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let rows = of_cron(&js, thirty).await;
    assert_eq!(rows.len(), 8, "one run and three retries");
    assert!(rows.iter().all(|r| r.params["at"] == half.0));
    // noRetry: the 45-minute firing runs once although it throws.
    let quarter = next_at_minute(now(&js), 45);
    js.clock.advance(quarter.since(now(&js)));
    until_cron(&js, "45 * * * *", 2).await;
    js.clock
        .advance(10 * endure_js::scheduled::CRON_RETRY_DELAY_MS);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        of_cron(&js, "45 * * * *").await.len(),
        2,
        "noRetry: run once (two instances: one awaited, one in waitUntil)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn triggers_without_a_scheduled_handler_are_a_start_up_error() {
    let dir = files(&[
        (
            "p/wrangler.jsonc",
            r#"{"name": "p", "main": "src/index.js", "triggers": {"crons": ["0 0 * * *"]}}"#,
        ),
        (
            "p/src/index.js",
            "export default { async fetch() { return new Response('ok'); } };",
        ),
    ]);
    let p = endure_js::Project::load(&dir.path().join("p"), Default::default()).unwrap();
    let e = p.check().await.unwrap_err().to_string();
    assert!(
        e.contains("triggers.crons is set") && e.contains("no scheduled() handler"),
        "{e}"
    );
    // A class-based default export with a scheduled method counts.
    std::fs::write(
        dir.path().join("p/src/index.js"),
        "import { WorkerEntrypoint } from 'cloudflare:workers';\nexport default class extends WorkerEntrypoint { async scheduled() {} };",
    )
    .unwrap();
    let p = endure_js::Project::load(&dir.path().join("p"), Default::default()).unwrap();
    p.check().await.unwrap();
}

/// The seeds' "Export and save D1 database", unchanged: its cron trigger (`0 0 * * *`) runs
/// `scheduled`, which creates the backup workflow, which exports through the REST API (a
/// stand-in) and stores the dump in R2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_d1_backup_sample_runs_from_its_cron_trigger() {
    use std::sync::{Arc, Mutex};
    let base = Arc::new(Mutex::new(String::new()));
    let b2 = base.clone();
    let url = common::stub(move |method, path, _body| {
        if method == "GET" && path == "/dump.sql" {
            return (200, "CREATE TABLE t (x);\n".into());
        }
        assert!(path.ends_with("/export"), "{path}");
        let signed = format!("{}/dump.sql", b2.lock().unwrap());
        (
            200,
            json!({"result": {"at_bookmark": "bm", "signed_url": signed, "filename": "nightly.sql"}})
                .to_string(),
        )
    })
    .await;
    *base.lock().unwrap() = url.clone();
    let js = Js::fixture(
        "backup-d1",
        vec![("https://api.cloudflare.com".into(), url)],
    )
    .await;
    let midnight = Timestamp((now(&js).0 / (24 * HOUR) + 1) * 24 * HOUR);
    js.clock.advance(midnight.since(now(&js)));
    let rows = until_count(&js, "backup-workflow", 1).await;
    assert_eq!(rows[0].trigger, endure_model::TriggerSource::Binding);
    assert_eq!(
        rows[0].params,
        json!({"accountId": "{accountId}", "databaseId": "{databaseId}"})
    );
    let doc = js.finish("backup-workflow", &rows[0].id, 5_000).await;
    assert_eq!(doc["status"], "complete", "{doc:#}");
    let stored =
        std::fs::read_to_string(js.dir.path().join("state/r2/d1-backups/nightly%2Esql.data"))
            .unwrap();
    assert_eq!(stored, "CREATE TABLE t (x);\n");
}
