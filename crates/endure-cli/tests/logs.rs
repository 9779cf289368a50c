//! `--log-format json`: real processes write one JSON object per line on standard error: each
//! request with its `request_id` (the client's `x-request-id`, answered back), what a request
//! caused (a termination) inside that request's span, and a Worker's `console.log` with its
//! workflow, instance and step.

mod common;

use serde_json::{Value, json};
use std::time::Duration;

fn lines(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

async fn until_logged(path: &std::path::Path, found: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..500 {
        if let Some(v) = lines(path).into_iter().find(&found) {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!(
        "never logged; the log was:\n{}",
        std::fs::read_to_string(path).unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_logs_requests_and_what_they_caused_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("endure.toml");
    std::fs::write(&cfg, "database = \"state/endure.sqlite\"\n").unwrap();
    let log = dir.path().join("stderr.log");
    let args = [
        "serve",
        "--log-format",
        "json",
        "--port",
        "0",
        "--examples",
        "--config",
        cfg.to_str().unwrap(),
    ];
    let server = common::spawn_logged(&args, &[], Some(&log));
    let api = format!("{}/client/v4/accounts/a/workflows", server.url);
    let c = reqwest::Client::new();
    let r = c
        .post(format!("{api}/approval/instances"))
        .header("x-request-id", "create-1")
        .json(&json!({"instance_id": "ap", "params": {"request": "x"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["x-request-id"], "create-1");
    let line = until_logged(&log, |v| v["span"]["request_id"] == "create-1").await;
    assert_eq!(line["message"], "request");
    assert_eq!(line["level"], "INFO");
    assert_eq!(line["method"], "POST");
    assert_eq!(line["status"], 200);
    assert_eq!(
        line["path"],
        "/client/v4/accounts/a/workflows/approval/instances"
    );
    // Without an id of its own, a request gets one, answered and logged.
    let r = c.get(format!("{api}/approval")).send().await.unwrap();
    let id = r.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    until_logged(&log, |v| v["span"]["request_id"] == id.as_str()).await;
    // What a request causes is logged inside its span.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let r = c
        .patch(format!("{api}/approval/instances/ap/status"))
        .header("x-request-id", "stop-2")
        .json(&json!({"status": "terminate"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let line = until_logged(&log, |v| v["message"] == "instance terminated").await;
    assert_eq!(line["workflow"], "approval");
    assert_eq!(line["instance_id"], "ap");
    assert_eq!(line["span"]["request_id"], "stop-2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workers_console_and_failures_are_logged_with_instance_and_step() {
    let dir = tempfile::tempdir().unwrap();
    let proj = dir.path().join("talky");
    std::fs::create_dir_all(proj.join("src")).unwrap();
    std::fs::write(
        proj.join("wrangler.jsonc"),
        r#"{"name": "talky", "main": "src/index.js", "compatibility_date": "2026-02-14",
            "workflows": [{"name": "talky", "binding": "TALKY", "class_name": "Talky"}]}"#,
    )
    .unwrap();
    std::fs::write(
        proj.join("src/index.js"),
        r#"import { WorkflowEntrypoint } from "cloudflare:workers";
export class Talky extends WorkflowEntrypoint {
  async run(event, step) {
    await step.do("greet", async () => { console.log("hello from the step"); return 1; });
    await step.do("fail", { retries: { limit: 0, delay: 1 } }, async () => {
      throw new Error("no luck");
    });
  }
}
export default {
  async fetch(req, env) {
    const i = await env.TALKY.create({ id: "t1" });
    return new Response(i.id);
  },
};
"#,
    )
    .unwrap();
    let log = dir.path().join("stderr.log");
    let args = [
        "dev",
        proj.to_str().unwrap(),
        "--port",
        "0",
        "--log-format",
        "json",
    ];
    let server = common::spawn_logged(&args, &[], Some(&log));
    let r = reqwest::get(format!("{}/", server.url)).await.unwrap();
    assert_eq!(r.text().await.unwrap(), "t1");
    let line = until_logged(&log, |v| v["target"] == "endure::console").await;
    assert_eq!(line["message"], "hello from the step");
    assert_eq!(line["workflow"], "talky");
    assert_eq!(line["instance_id"], "t1");
    assert_eq!(line["steps"], "greet");
    let line = until_logged(&log, |v| v["message"] == "instance errored").await;
    assert_eq!(line["level"], "WARN");
    assert_eq!(line["instance_id"], "t1");
    assert!(
        line["error"].as_str().unwrap().contains("no luck"),
        "{line}"
    );
    let line = until_logged(&log, |v| v["message"] == "attempt failed").await;
    assert_eq!(line["step"], "fail");
    assert_eq!(line["attempt"], 1);
}
