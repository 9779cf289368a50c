//! Worker projects (JavaScript and TypeScript) served by real `endure dev DIR` and
//! `endure serve` processes: the fetch handler beside the REST API, the banner, configuration
//! notes, and durability across `kill -9`.

mod common;

use serde_json::Value;
use std::path::Path;
use std::time::Duration;

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (p, t) in files {
        let path = dir.join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, t).unwrap();
    }
}

const PROJECT: &[(&str, &str)] = &[
    (
        "wrangler.jsonc",
        r#"{
  "name": "naps",
  "main": "src/index.ts",
  "compatibility_date": "2026-02-14",
  "compatibility_flags": ["nodejs_compat", "some_future_flag"],
  "routes": [{ "pattern": "example.com/*" }],
  "vars": { "WHO": "world" },
  "workflows": [{ "name": "naps", "binding": "NAPS", "class_name": "Naps" }]
}"#,
    ),
    (
        "src/index.ts",
        r#"
import { WorkflowEntrypoint, WorkflowStep, WorkflowEvent } from "cloudflare:workers";

export class Naps extends WorkflowEntrypoint<Env, { n: number }> {
  async run(event: WorkflowEvent<{ n: number }>, step: WorkflowStep) {
    const a = await step.do("before", async () => event.payload.n * 2);
    await step.sleep("nap", "2 seconds");
    const b = await step.do("after", async () => `${this.env.WHO} ${a}`);
    return b;
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const id = url.searchParams.get("instanceId");
    if (id) {
      return Response.json(await (await env.NAPS.get(id)).status());
    }
    if (request.method === "POST") {
      const body = await request.json<{ id: string; n: number }>();
      const instance = await env.NAPS.create({ id: body.id, params: { n: body.n } });
      return Response.json({ id: instance.id }, { status: 201 });
    }
    return new Response(`hello from ${url.pathname}`, { headers: { "x-app": "naps" } });
  },
};
"#,
    ),
];

async fn status(base: &str, id: &str) -> Value {
    reqwest::get(format!("{base}/?instanceId={id}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_serves_a_project_and_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let proj = dir.path().join("naps");
    write(&proj, PROJECT);
    let errlog = dir.path().join("stderr.log");
    let args = ["dev", proj.to_str().unwrap(), "--port", "0"];
    let server = common::spawn_logged(&args, &[], Some(&errlog));
    let banner = server.banner.join("\n");
    assert!(banner.contains("project      naps"), "{banner}");
    assert!(
        banner.contains("workflow     naps (binding NAPS, class Naps)"),
        "{banner}"
    );
    assert!(
        proj.join(".endure/endure.sqlite").exists(),
        "state in the project"
    );
    let base = server.url.clone();
    let c = reqwest::Client::new();
    // The app's own routes.
    let r = c.get(format!("{base}/some/where")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["x-app"], "naps");
    assert_eq!(r.text().await.unwrap(), "hello from /some/where");
    let r = c
        .post(format!("{base}/"))
        .body(r#"{"id": "n1", "n": 21}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    // The REST API beside them sees the same instance.
    let api = format!("{base}/client/v4/accounts/local/workflows/naps/instances/n1");
    let mut doc = Value::Null;
    for _ in 0..500 {
        doc = common::get_json(&api, None).await;
        if doc["result"]["status"] == "waiting" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(doc["result"]["status"], "waiting", "{doc:#}");
    // kill -9 during the sleep, start again: the instance wakes and finishes.
    drop(server);
    let server = common::spawn_logged(&args, &[], Some(&dir.path().join("stderr2.log")));
    let mut st = Value::Null;
    for _ in 0..1000 {
        st = status(&server.url, "n1").await;
        if st["status"] == "complete" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(st["status"], "complete", "{st}");
    assert_eq!(st["output"], "world 42");
    let notes = std::fs::read_to_string(&errlog).unwrap();
    assert_eq!(
        notes.matches("key \"routes\" is not supported").count(),
        1,
        "reported once: {notes}"
    );
    assert!(
        notes.contains("compatibility flag \"some_future_flag\""),
        "{notes}"
    );
}

/// `endure dev DIR` that must refuse to start: its exit code and standard error.
fn dev_refusal(dir: &Path) -> (Option<i32>, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_endure"))
        .args(["dev", dir.to_str().unwrap(), "--port", "0"])
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn dev_refuses_a_directory_without_a_project() {
    let dir = tempfile::tempdir().unwrap();
    let (code, err) = dev_refusal(dir.path());
    assert_eq!(code, Some(2));
    assert!(err.contains("is not a Worker project"), "{err}");
    // A project whose main module does not parse: a clear error naming the file and line.
    write(
        dir.path(),
        &[
            ("wrangler.json", r#"{"name": "x", "main": "index.ts"}"#),
            ("index.ts", "export const a = ;\n"),
        ],
    );
    let (code, err) = dev_refusal(dir.path());
    assert_eq!(code, Some(2));
    assert!(err.contains("index.ts") && err.contains("line 1"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_runs_a_project_with_the_api_behind_a_token() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("naps"), PROJECT);
    let cfg = dir.path().join("endure.toml");
    std::fs::write(
        &cfg,
        "api_tokens = [\"t\"]\nproject = \"naps\"\n[[workflows]]\nname = \"naps-2\"\nclass_name = \"Naps\"\nlimits = { steps = 5 }\n",
    )
    .unwrap();
    let server = common::spawn(
        &["serve", "--port", "0", "--config", cfg.to_str().unwrap()],
        &[],
    );
    let banner = server.banner.join("\n");
    assert!(banner.contains("project      naps"), "{banner}");
    let c = reqwest::Client::new();
    // The app is public (it is the Worker's own routes); the API needs the token.
    let r = c
        .post(format!("{}/", server.url))
        .body(r#"{"id": "s1", "n": 1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let api = format!("{}/client/v4/accounts/a/workflows/naps", server.url);
    assert_eq!(c.get(&api).send().await.unwrap().status().as_u16(), 401);
    let v: Value = common::get_json(&api, Some("t")).await;
    assert_eq!(v["result"]["class_name"], "Naps", "{v}");
    // The server's own [[workflows]] entry runs the project's class under another name.
    let v: Value = common::get_json(&format!("{api}-2/versions"), Some("t")).await;
    assert_eq!(v["result"][0]["class_name"], "Naps", "{v}");
    assert_eq!(v["result"][0]["limits"]["steps"], 5, "{v}");
    assert_eq!(v["result"][0]["language"], "javascript", "{v}");
    drop(server);
    // A class the project does not export is refused at start-up.
    std::fs::write(
        &cfg,
        "project = \"naps\"\n[[workflows]]\nname = \"x\"\nclass_name = \"Nope\"\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_endure"))
        .args(["serve", "--port", "0", "--config", cfg.to_str().unwrap()])
        .env_remove("ENDURE_API_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("\"Nope\" is neither a bundled class"), "{err}");
}

/// `endure dev` takes edited sources into use without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_reloads_changed_sources() {
    let dir = tempfile::tempdir().unwrap();
    let proj = dir.path().join("naps");
    write(&proj, PROJECT);
    let server = common::spawn_logged(
        &["dev", proj.to_str().unwrap(), "--port", "0"],
        &[],
        Some(&dir.path().join("stderr.log")),
    );
    let get = |url: String| async move { reqwest::get(url).await.unwrap().text().await.unwrap() };
    assert_eq!(get(format!("{}/x", server.url)).await, "hello from /x");
    edit_and_see(&server.url, &proj.join("src/index.ts")).await;
}

/// Edits the project's greeting a second later (so the modification time surely moves) and
/// waits until `endure dev` serves the new one.
async fn edit_and_see(url: &str, src: &std::path::Path) {
    let text = std::fs::read_to_string(src).unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    std::fs::write(src, text.replace("hello from", "howdy from")).unwrap();
    let mut body = String::new();
    for _ in 0..100 {
        body = reqwest::get(format!("{url}/x"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if body == "howdy from /x" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(body, "howdy from /x");
}

/// `endure dev` watches the files the project is made of, not everything in its directory: a
/// log written inside the project (as `endure dev DIR 2>DIR/dev.log` does) reloads nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_ignores_files_that_are_not_sources() {
    let dir = tempfile::tempdir().unwrap();
    let proj = dir.path().join("naps");
    write(&proj, PROJECT);
    std::fs::write(proj.join("notes.txt"), "notes").unwrap();
    let log = proj.join("dev.log");
    let server = common::spawn_logged(
        &["dev", proj.to_str().unwrap(), "--port", "0"],
        &[],
        Some(&log),
    );
    let get = |url: String| async move { reqwest::get(url).await.unwrap().text().await.unwrap() };
    assert_eq!(get(format!("{}/x", server.url)).await, "hello from /x");
    // The watcher looks twice a second; the log and a file that is not a source change
    // meanwhile (a new file would count: it may be one a failed import was missing).
    for n in 0..4 {
        std::fs::write(proj.join("notes.txt"), format!("note {n}")).unwrap();
        assert_eq!(get(format!("{}/x", server.url)).await, "hello from /x");
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.contains("reloaded"), "{text}");
    // An edited module still reloads, once.
    edit_and_see(&server.url, &proj.join("src/index.ts")).await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(text.matches("reloaded").count(), 1, "{text}");
}

/// `endure dev --test-scheduled`: `/__scheduled?cron=…` runs the `scheduled` handler now (as
/// wrangler's test route does); without the flag the path goes to the fetch handler.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_fires_the_scheduled_handler_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let proj = dir.path().join("cronny");
    write(
        &proj,
        &[
            (
                "wrangler.jsonc",
                r#"{"name": "cronny", "main": "src/index.js",
                   "workflows": [{"name": "nightly", "binding": "NIGHTLY", "class_name": "Nightly"}],
                   "triggers": {"crons": ["0 3 * * *"]}}"#,
            ),
            (
                "src/index.js",
                r#"import { WorkflowEntrypoint } from "cloudflare:workers";
export class Nightly extends WorkflowEntrypoint {
  async run(event) { return event.payload; }
}
export default {
  async fetch(req) { return new Response("fetch " + new URL(req.url).pathname); },
  async scheduled(controller, env) {
    if (controller.cron === "boom") throw new Error("exploded on purpose");
    await env.NIGHTLY.create({ id: "by-hand", params: { cron: controller.cron, at: controller.scheduledTime } });
  },
};
"#,
            ),
        ],
    );
    let args = [
        "dev",
        proj.to_str().unwrap(),
        "--port",
        "0",
        "--test-scheduled",
    ];
    let server = common::spawn_logged(&args, &[], Some(&dir.path().join("err.log")));
    assert!(
        server.banner.join("\n").contains("/__scheduled?cron="),
        "{:?}",
        server.banner
    );
    let r = reqwest::get(format!(
        "{}/__scheduled?cron=0+3+*+*+*&time=1700000000000",
        server.url
    ))
    .await
    .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.text().await.unwrap().trim(), "Ran scheduled event");
    let api = format!(
        "{}/client/v4/accounts/local/workflows/nightly/instances/by-hand",
        server.url
    );
    let doc = common::get_json(&api, None).await;
    assert_eq!(
        doc["result"]["params"],
        serde_json::json!({"cron": "0 3 * * *", "at": 1700000000000u64})
    );
    let r = reqwest::get(format!("{}/__scheduled?cron=boom", server.url))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 500);
    assert!(r.text().await.unwrap().contains("exploded on purpose"));
    drop(server);
    // Without the flag, the path is the app's.
    let server = common::spawn_logged(&args[..4], &[], Some(&dir.path().join("err2.log")));
    let r = reqwest::get(format!("{}/__scheduled?cron=x", server.url))
        .await
        .unwrap();
    assert_eq!(r.text().await.unwrap(), "fetch /__scheduled");
}

/// Queues in a real `endure dev` process: a message sent through the fetch handler with a
/// delay is in the store before the send returns; the process is killed with SIGKILL before
/// the message is due; the next process delivers it to the `queue` handler, which starts a
/// workflow.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queued_message_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let proj = dir.path().join("qq");
    write(
        &proj,
        &[
            (
                "wrangler.jsonc",
                r#"{"name": "qq", "main": "src/index.js",
                   "workflows": [{"name": "orders", "binding": "ORDERS", "class_name": "Order"}],
                   "queues": {"producers": [{"binding": "INBOX", "queue": "inbox"}],
                              "consumers": [{"queue": "inbox", "max_batch_timeout": 0}]}}"#,
            ),
            (
                "src/index.js",
                r#"import { WorkflowEntrypoint } from "cloudflare:workers";
export class Order extends WorkflowEntrypoint {
  async run(event, step) { return await step.do("ship", async () => "shipped " + event.payload.order); }
}
export default {
  async fetch(req, env) {
    await env.INBOX.send(await req.json(), { delaySeconds: 2 });
    return new Response("queued");
  },
  async queue(batch, env) {
    for (const m of batch.messages) await env.ORDERS.create({ id: "order-" + m.body.order, params: m.body });
  },
};
"#,
            ),
        ],
    );
    let args = ["dev", proj.to_str().unwrap(), "--port", "0"];
    let server = common::spawn_logged(&args, &[], Some(&dir.path().join("err.log")));
    assert!(
        server
            .banner
            .join("\n")
            .contains("queue        inbox (queue handler"),
        "{:?}",
        server.banner
    );
    let r = reqwest::Client::new()
        .post(&server.url)
        .body(r#"{"order": 42}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.text().await.unwrap(), "queued");
    drop(server); // SIGKILL, before the message is due
    let server = common::spawn_logged(&args, &[], Some(&dir.path().join("err2.log")));
    let api = format!(
        "{}/client/v4/accounts/local/workflows/orders/instances/order-42",
        server.url
    );
    let mut doc = Value::Null;
    for _ in 0..1000 {
        doc = common::get_json(&api, None).await;
        if doc["result"]["status"] == "complete" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(doc["result"]["output"], "shipped 42", "{doc:#}");
}
