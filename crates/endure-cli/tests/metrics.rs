//! `GET /metrics` of a real `endure serve`: the text is read by the official Prometheus Python
//! client's strict OpenMetrics parser (`prometheus_client`, which `scripts/test` installs), and
//! the figures match what the instances did. Behind the API's token.

mod common;

use serde_json::json;
use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::Duration;

const CONFIG: &str = r#"
database = "state/endure.sqlite"
api_tokens = ["t0ken"]
"#;

/// Parses `text` with the Python client's OpenMetrics parser: every sample as
/// `name{k=v,...}` → value, labels sorted.
fn parse(text: &str) -> BTreeMap<String, f64> {
    let script = r#"
import json, sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
out = {}
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
        out[f"{s.name}{{{labels}}}"] = s.value
print(json.dumps(out))
"#;
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the OpenMetrics parser refused the text: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_parse_and_count_what_ran() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("endure.toml");
    std::fs::write(&cfg, CONFIG).unwrap();
    let server = common::spawn(
        &[
            "serve",
            "--port",
            "0",
            "--examples",
            "--config",
            cfg.to_str().unwrap(),
        ],
        &[],
    );
    assert!(
        server
            .banner
            .iter()
            .any(|l| l.contains("metrics      http://") && l.ends_with("/_endure/metrics")),
        "{:?}",
        server.banner
    );
    let c = reqwest::Client::new();
    let api = format!("{}/client/v4/accounts/a/workflows", server.url);
    for n in 0..3 {
        let r = c
            .post(format!("{api}/steps/instances"))
            .bearer_auth("t0ken")
            .json(&json!({"instance_id": format!("s{n}"), "params": {"steps": 2}}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
    }
    let r = c
        .post(format!("{api}/approval/instances"))
        .bearer_auth("t0ken")
        .json(&json!({"instance_id": "a", "params": {"request": "x"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // Without the token: refused, like the API.
    let r = c
        .get(format!("{}/metrics", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let get = |path: &'static str| {
        let c = c.clone();
        let url = format!("{}{path}", server.url);
        async move {
            let r = c.get(url).bearer_auth("t0ken").send().await.unwrap();
            assert_eq!(r.status().as_u16(), 200);
            assert!(
                r.headers()["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with("application/openmetrics-text")
            );
            r.text().await.unwrap()
        }
    };
    // Until everything has run: three complete, the approval waiting.
    let mut m = BTreeMap::new();
    for _ in 0..500 {
        m = parse(&get("/metrics").await);
        // The ends are observed (telemetry, analytics) just after they are durable, so
        // wait for the observations too, not only the rows.
        let done = m.get("endure_instances{status=complete,workflow=steps}") == Some(&3.0)
            && m.get("endure_instances{status=waiting,workflow=approval}") == Some(&1.0)
            && m.get("endure_instance_duration_seconds_count{status=complete,workflow=steps}")
                == Some(&3.0);
        if done {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let at = |k: &str| -> f64 {
        *m.get(k)
            .unwrap_or_else(|| panic!("{k} missing from {:#?}", m.keys().collect::<Vec<_>>()))
    };
    assert_eq!(at("endure_instances{status=complete,workflow=steps}"), 3.0);
    assert_eq!(
        at("endure_instances{status=waiting,workflow=approval}"),
        1.0
    );
    assert_eq!(
        at("endure_events_total{event=WORKFLOW_QUEUED,workflow=steps}"),
        3.0
    );
    assert_eq!(
        at("endure_events_total{event=WORKFLOW_SUCCESS,workflow=steps}"),
        3.0
    );
    assert_eq!(
        at("endure_events_total{event=STEP_START,workflow=steps}"),
        6.0
    );
    assert_eq!(
        at("endure_events_total{event=WAIT_START,workflow=approval}"),
        1.0
    );
    assert_eq!(
        at("endure_step_duration_seconds_count{outcome=success,workflow=steps}"),
        6.0
    );
    assert_eq!(
        at("endure_instance_duration_seconds_count{status=complete,workflow=steps}"),
        3.0
    );
    assert_eq!(at("endure_running_instances{}"), 0.0);
    // The store's writer: every transaction timed and sized (creates, commits, leases).
    let batches = at("endure_store_batch_operations_count{}");
    assert!(batches >= 4.0, "{batches} batches");
    assert_eq!(batches, at("endure_store_commit_seconds_count{}"));
    assert!(at("endure_store_batch_operations_sum{}") >= batches);
    // The same at /_endure/metrics (the path a Worker project cannot shadow).
    let again = parse(&get("/_endure/metrics").await);
    assert_eq!(
        again.get("endure_events_total{event=STEP_START,workflow=steps}"),
        Some(&6.0)
    );
    // The GraphQL dataset counts the same events, behind the same token.
    let graphql = format!("{}/client/v4/graphql", server.url);
    let query = json!({"query": "{ viewer { accounts(filter: {accountTag: \"a\"}) {
        workflowsAdaptiveGroups(limit: 100, filter: {workflowName: \"steps\"},
          orderBy: [eventType_ASC]) { count dimensions { eventType } } } } }"});
    let r = c.post(&graphql).json(&query).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let r = c
        .post(&graphql)
        .bearer_auth("t0ken")
        .json(&query)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    let groups = v["data"]["viewer"]["accounts"][0]["workflowsAdaptiveGroups"]
        .as_array()
        .unwrap_or_else(|| panic!("{v}"))
        .clone();
    let count = |e: &str| {
        groups
            .iter()
            .find(|g| g["dimensions"]["eventType"] == e)
            .map(|g| g["count"].as_u64().unwrap())
    };
    assert_eq!(count("STEP_START"), Some(6), "{v}");
    assert_eq!(count("WORKFLOW_SUCCESS"), Some(3), "{v}");
    assert_eq!(count("WORKFLOW_QUEUED"), Some(3), "{v}");
}
