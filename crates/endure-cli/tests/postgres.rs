//! `endure dev --database postgres://…`: the engine's state in a real PostgreSQL database
//! (`ENDURE_TEST_POSTGRES`; `scripts/test` starts one), surviving `kill -9` of the process.

mod common;

use serde_json::{Value, json};
use std::time::Duration;

async fn until(url: &str, status: &str) -> Value {
    let mut doc = Value::Null;
    for _ in 0..2000 {
        doc = common::get_json(url, None).await;
        if doc["result"]["status"] == status {
            return doc;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{url} never became {status}: {doc:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_keeps_its_state_in_postgres_across_kill_9() {
    let db = common::fresh_database("cli").await;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().to_str().unwrap().to_string();
    let args = [
        "dev",
        "--port",
        "0",
        "--state-dir",
        &state,
        "--database",
        &db,
    ];
    let server = common::spawn(&args, &[]);
    let banner = server.banner.join("\n");
    let shown = db.replace(":endure@", "@");
    assert!(
        banner.contains(&format!("state        {shown}")),
        "{banner}"
    );
    assert!(
        !banner.contains(":endure@"),
        "no password in the banner: {banner}"
    );
    let api = format!("{}/client/v4/accounts/local/workflows", server.url);
    let c = reqwest::Client::new();
    let r = c
        .post(format!("{api}/steps/instances"))
        .json(&json!({"instance_id": "s1", "params": {"steps": 3}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let done = until(&format!("{api}/steps/instances/s1"), "complete").await;
    assert_eq!(done["result"]["output"], json!({"steps": 3}));
    // An approval waits for its event; the process dies meanwhile.
    let r = c
        .post(format!("{api}/approval/instances"))
        .json(&json!({"instance_id": "a1", "params": {"request": "laptop"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    until(&format!("{api}/approval/instances/a1"), "waiting").await;
    drop(server); // SIGKILL
    let server = common::spawn(&args, &[]);
    let api = format!("{}/client/v4/accounts/local/workflows", server.url);
    let doc = common::get_json(&format!("{api}/steps/instances/s1"), None).await;
    assert_eq!(doc["result"]["status"], "complete", "{doc:#}");
    let r = c
        .post(format!("{api}/approval/instances/a1/events/approval"))
        .json(&json!({"approved": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "{}", r.text().await.unwrap());
    let done = until(&format!("{api}/approval/instances/a1"), "complete").await;
    assert!(
        done["result"]["output"].to_string().contains("approved"),
        "{done:#}"
    );
}

/// A server that is not there stops the start with exit code 2 and says where it looked.
#[test]
fn an_unreachable_database_is_refused_at_start_up() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_endure"))
        .args([
            "dev",
            "--port",
            "0",
            "--database",
            "postgres://endure:hunter2@127.0.0.1:1/endure",
        ])
        .current_dir(tempfile::tempdir().unwrap().path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("cannot connect to PostgreSQL at 127.0.0.1:1/endure"),
        "{err}"
    );
    assert!(!err.contains("hunter2"), "{err}");
}

/// Two `endure dev` processes on one PostgreSQL database: an instance created through one is
/// read and finished through the other; when the first is killed with SIGKILL mid-run, the
/// second takes its running instance over once its heartbeat has run out, and finishes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_process_takes_over_a_killed_ones_instances() {
    let db = common::fresh_database("cli").await;
    let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let args = |d: &tempfile::TempDir| {
        vec![
            "dev".to_string(),
            "--port".into(),
            "0".into(),
            "--state-dir".into(),
            d.path().to_str().unwrap().into(),
            "--database".into(),
            db.clone(),
        ]
    };
    let a_args = args(&d1);
    let b_args = args(&d2);
    let a = common::spawn(&a_args.iter().map(String::as_str).collect::<Vec<_>>(), &[]);
    let b = common::spawn(&b_args.iter().map(String::as_str).collect::<Vec<_>>(), &[]);
    let api_a = format!("{}/client/v4/accounts/local/workflows", a.url);
    let api_b = format!("{}/client/v4/accounts/local/workflows", b.url);
    let c = reqwest::Client::new();
    // Created on A, seen and finished through B.
    let r = c
        .post(format!("{api_a}/approval/instances"))
        .json(&json!({"instance_id": "ok", "params": {"request": "desk"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    until(&format!("{api_b}/approval/instances/ok"), "waiting").await;
    let r = c
        .post(format!("{api_b}/approval/instances/ok/events/approval"))
        .json(&json!({"approved": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    until(&format!("{api_a}/approval/instances/ok"), "complete").await;
    // A long run on A; A dies in the middle of it.
    let r = c
        .post(format!("{api_a}/steps/instances"))
        .json(&json!({"instance_id": "long", "params": {"steps": 3000}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    until(&format!("{api_a}/steps/instances/long"), "running").await;
    drop(a); // SIGKILL
    let doc = common::get_json(&format!("{api_b}/steps/instances/long"), None).await;
    assert_ne!(
        doc["result"]["status"], "complete",
        "killed mid-run: {doc:#}"
    );
    // B takes it over within the heartbeat's lifetime (10 s) and a scan (2 s), and finishes.
    let mut done = Value::Null;
    for _ in 0..6000 {
        done = common::get_json(&format!("{api_b}/steps/instances/long"), None).await;
        if done["result"]["status"] == "complete" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(done["result"]["status"], "complete", "{done:#}");
    assert_eq!(done["result"]["output"], json!({"steps": 3000}));
    drop(b);
}

/// A Worker project whose fetch handler creates instances, reads them and sends them events
/// through its workflow binding.
const RELAY: &[(&str, &str)] = &[
    (
        "wrangler.jsonc",
        r#"{
  "name": "relay",
  "main": "src/index.js",
  "compatibility_date": "2026-02-14",
  "workflows": [{ "name": "relay", "binding": "RELAY", "class_name": "Relay" }]
}"#,
    ),
    (
        "src/index.js",
        r#"
import { WorkflowEntrypoint } from "cloudflare:workers";

export class Relay extends WorkflowEntrypoint {
  async run(event, step) {
    const doubled = await step.do("double", async () => event.payload.n * 2);
    const go = await step.waitForEvent("wait for go", { type: "go", timeout: "1 hour" });
    await step.sleep("rest", "4 seconds");
    return await step.do("finish", async () => ({ doubled, go: go.payload }));
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const id = url.searchParams.get("id");
    if (request.method === "POST" && url.pathname === "/event") {
      await (await env.RELAY.get(id)).sendEvent({ type: "go", payload: await request.json() });
      return new Response("sent");
    }
    if (request.method === "POST") {
      const body = await request.json();
      const instance = await env.RELAY.create({ id: body.id, params: { n: body.n } });
      return Response.json({ id: instance.id }, { status: 201 });
    }
    return Response.json(await (await env.RELAY.get(id)).status());
  },
};
"#,
    ),
];

/// One Worker project on two `endure serve --project` processes sharing a database: an
/// instance created through one process's fetch handler is read and sent its event through the
/// other's; when the first process is killed during the instance's sleep, the second takes it
/// over and finishes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_project_runs_on_two_serve_processes() {
    let db = common::fresh_database("cli").await;
    let dir = tempfile::tempdir().unwrap();
    let proj = dir.path().join("relay");
    for (p, t) in RELAY {
        let path = proj.join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, t).unwrap();
    }
    let cfg = dir.path().join("endure.toml");
    std::fs::write(&cfg, "").unwrap();
    let args: Vec<String> = [
        "serve",
        "--port",
        "0",
        "--config",
        cfg.to_str().unwrap(),
        "--project",
        proj.to_str().unwrap(),
        "--database",
        &db,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let a = common::spawn_logged(&args, &[], Some(&dir.path().join("a.log")));
    let b = common::spawn_logged(&args, &[], Some(&dir.path().join("b.log")));
    let c = reqwest::Client::new();
    let status = |base: String| {
        let c = c.clone();
        async move {
            c.get(format!("{base}/?id=r1"))
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let r = c
        .post(format!("{}/", a.url))
        .json(&json!({"id": "r1", "n": 21}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let mut st = Value::Null;
    for _ in 0..1000 {
        st = status(b.url.clone()).await;
        if st["status"] == "waiting" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(st["status"], "waiting", "seen through B: {st}");
    let r = c
        .post(format!("{}/event?id=r1", b.url))
        .json(&json!({"from": "b"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.text().await.unwrap(), "sent");
    // The event is stored (sendEvent answered); A dies while the instance goes on to sleep.
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(a); // SIGKILL
    for _ in 0..3000 {
        st = status(b.url.clone()).await;
        if st["status"] == "complete" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(st["status"], "complete", "{st}");
    assert_eq!(st["output"], json!({"doubled": 42, "go": {"from": "b"}}));
    drop(b);
}
