//! `endure dev` as a real process: the banner, the REST API and the seed guide's handler over
//! loopback HTTP, state kept across a SIGKILL, and loopback-only listening.

mod common;

use serde_json::Value;
use std::process::Command;
use std::time::Duration;

fn start(state: &std::path::Path) -> common::Server {
    let dev = common::dev(state);
    let text = dev.banner.join("\n");
    assert!(
        text.contains("workflow     my-workflow (binding MY_WORKFLOW)"),
        "{text}"
    );
    assert!(text.contains("state        "), "{text}");
    dev
}

async fn get(url: &str) -> (u16, Value) {
    let r = reqwest::get(url).await.expect("request");
    (r.status().as_u16(), r.json().await.expect("JSON"))
}

/// The guide's handler at `/` creates an instance and answers its id.
async fn create_through_the_guide(url: &str) -> String {
    let (code, created) = get(&format!("{url}/")).await;
    assert_eq!(code, 200, "{created}");
    created["instanceId"]
        .as_str()
        .expect("instanceId")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_serves_the_api_and_the_guide_handler() {
    let dir = tempfile::tempdir().unwrap();
    let dev = start(dir.path());
    // The seed guide's flow: create through the app's handler, read the status back.
    let id = create_through_the_guide(&dev.url).await;
    let (code, status) = get(&format!("{}/?instanceId={id}", dev.url)).await;
    assert_eq!(code, 200, "{status}");
    assert!(
        ["queued", "running", "waiting"].contains(&status["status"].as_str().unwrap()),
        "{status}"
    );
    // The REST API beside it.
    let api = format!("{}/client/v4/accounts/local/workflows", dev.url);
    let client = reqwest::Client::new();
    let r = client
        .post(format!("{api}/steps/instances"))
        .json(&serde_json::json!({"instance_id": "s1", "params": {"steps": 2}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let mut done = Value::Null;
    for _ in 0..3000 {
        let (_, v) = get(&format!("{api}/steps/instances/s1")).await;
        if v["result"]["status"] == "complete" {
            done = v;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(done["result"]["output"], serde_json::json!({"steps": 2}));
    // Killed and started again on the same folder: the instances are still there.
    drop(dev);
    let dev = start(dir.path());
    let (code, v) = get(&format!("{}/?instanceId={id}", dev.url)).await;
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["id"], id.as_str());
    let (code, v) = get(&format!(
        "{}/client/v4/accounts/local/workflows/steps/instances/s1",
        dev.url
    ))
    .await;
    assert_eq!(code, 200);
    assert_eq!(v["result"]["status"], "complete");
    let (code, v) = get(&format!("{}/?instanceId=nope", dev.url)).await;
    assert_eq!(code, 404, "{v}");
}

/// The README's flow, in real time: `endure dev`, create an instance of the seeds' starter
/// through the guide's handler, read its status until it completes (a real 20-second sleep and a
/// retry 5 seconds after a failed attempt).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_guide_flow_completes() {
    let dir = tempfile::tempdir().unwrap();
    let dev = start(dir.path());
    let id = create_through_the_guide(&dev.url).await;
    let mut seen = vec![];
    let mut last = Value::Null;
    for _ in 0..600 {
        let (code, v) = get(&format!("{}/?instanceId={id}", dev.url)).await;
        assert_eq!(code, 200, "{v}");
        let status = v["status"].as_str().unwrap_or("").to_string();
        if seen.last() != Some(&status) {
            seen.push(status.clone());
        }
        last = v;
        if status == "complete" || status == "errored" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(last["status"], "complete", "{last}");
    assert!(seen.contains(&"waiting".to_string()), "{seen:?}");
    assert_eq!(last["output"]["ipCount"], 5, "{last}");
}

#[test]
fn dev_refuses_a_public_address() {
    let out = Command::new(env!("CARGO_BIN_EXE_endure"))
        .args(["dev", "--ip", "0.0.0.0", "--port", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("loopback only"));
}
