//! The seeds' code samples, unchanged, on Endure: each project under tests/projects runs its
//! workflows to the end on a manual clock, with stand-ins on loopback for outside services.

mod common;

use common::Js;
use serde_json::{Value, json};

const CIDRS: &str = r#"{"result": {"ipv4_cidrs": ["173.245.48.0/20", "103.21.244.0/22", "103.22.200.0/22"]}, "success": true}"#;

async fn cloudflare_stub() -> Vec<(String, String)> {
    let url = common::stub(|_, path, _| {
        if path == "/client/v4/ips" {
            (200, CIDRS.to_string())
        } else {
            (404, "{}".to_string())
        }
    })
    .await;
    vec![("https://api.cloudflare.com".to_string(), url)]
}

/// The starter template: a fetch handler that creates instances and reads their status, and a
/// workflow with a fetch, a one-minute sleep and a step that fails at random half the time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_starter_template() {
    let js = Js::fixture("starter", cloudflare_stub().await).await;
    let (status, body) = js
        .fetch(
            "POST",
            "/",
            Some(r#"{"email": "ada@example.com", "metadata": {"k": "v"}}"#),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let created: Value = serde_json::from_str(&body).unwrap();
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 36, "a random UUID: {id}");
    assert!(created["details"]["status"].is_string(), "{created}");
    let doc = js.finish("workflows-starter", &id, 5_000).await;
    let steps = doc["steps"].as_array().unwrap();
    assert_eq!(steps[0]["name"], "fetch files");
    assert_eq!(steps[0]["output"]["files"].as_array().unwrap().len(), 3);
    assert_eq!(
        steps[1]["output"]["result"]["ipv4_cidrs"][0], "173.245.48.0/20",
        "the API call went to the stand-in: {doc:#}"
    );
    assert_eq!(steps[2]["type"], "sleep");
    assert_eq!(steps[2]["name"], "wait on something");
    let write = &steps[3];
    assert_eq!(write["name"], "write to storage");
    let attempts = write["attempts"].as_array().unwrap();
    // Math.random() > 0.5 throws: each attempt fails with probability 1/2, 6 attempts at most.
    match doc["status"].as_str().unwrap() {
        "complete" => {
            assert_eq!(write["success"], true);
            for a in &attempts[..attempts.len() - 1] {
                assert_eq!(a["error"]["message"], "Simulated failure - will retry");
            }
        }
        "errored" => {
            assert_eq!(attempts.len(), 6, "{doc:#}");
            assert_eq!(doc["error"]["message"], "Simulated failure - will retry");
        }
        other => panic!("{other}: {doc:#}"),
    }
    // The handler reads the status back.
    let (status, body) = js.fetch("GET", &format!("/?instanceId={id}"), None).await;
    assert_eq!(status, 200);
    let read: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(read["status"]["status"], doc["status"], "{read}");
    let (status, _) = js.fetch("GET", "/favicon.ico", None).await;
    assert_eq!(status, 404);
}

/// The get-started guide: workflow.ts and an index.ts that re-exports it, `response.json<T>()`,
/// a 20-second sleep, a linear retry policy, `satisfies`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guide() {
    let js = Js::fixture("guide", cloudflare_stub().await).await;
    let (status, body) = js.fetch("GET", "/", None).await;
    assert_eq!(status, 200, "{body}");
    let id = serde_json::from_str::<Value>(&body).unwrap()["instanceId"]
        .as_str()
        .unwrap()
        .to_string();
    let doc = js.finish("my-workflow", &id, 5_000).await;
    assert_eq!(doc["status"], "complete", "{doc:#}");
    // `create()` without params: event.payload is {} so `name` is undefined and disappears.
    assert_eq!(doc["output"], json!({"ipCount": 3}), "{doc:#}");
    let (_, body) = js.fetch("GET", &format!("/?instanceId={id}"), None).await;
    let status: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(status["status"], "complete", "{status}");
    assert_eq!(status["output"]["ipCount"], 3);
}

/// Events and parameters: the handler passes `{url, createdTimestamp}` as params; the workflow
/// sees them on `event.payload`, with `event.timestamp` a Date and `event.instanceId` set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_and_parameters() {
    let js = Js::fixture("events", vec![]).await;
    let (status, body) = js.fetch("GET", "/some/path?x=1", None).await;
    assert_eq!(status, 200, "{body}");
    let created: Value = serde_json::from_str(&body).unwrap();
    let id = created["id"].as_str().unwrap().to_string();
    let doc = js.finish("workflows-starter", &id, 1_000).await;
    assert_eq!(doc["status"], "complete", "{doc:#}");
    let out = &doc["output"];
    assert_eq!(out["url"], "http://127.0.0.1:8787/some/path?x=1");
    assert!(out["createdTimestamp"].as_f64().unwrap() > 1.7e12);
    assert_eq!(out["eventTimestampIsDate"], true);
    assert_eq!(out["instanceId"], id.as_str());
    assert_eq!(doc["params"]["url"], "http://127.0.0.1:8787/some/path?x=1");
}

/// Parent and child: the parent creates the child from a step with a derived id and carries on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parent_starts_child() {
    let js = Js::fixture("parent-child", vec![]).await;
    js.engine
        .workflow("parent")
        .unwrap()
        .create(endure_engine::CreateOptions::new().id("p1"))
        .await
        .unwrap();
    let parent = js.finish("parent", "p1", 1_000).await;
    assert_eq!(parent["status"], "complete", "{parent:#}");
    assert_eq!(parent["steps"][1]["output"]["id"], "child-p1", "{parent:#}");
    let child = js.finish("child", "child-p1", 1_000).await;
    assert_eq!(child["status"], "complete", "{child:#}");
    assert_eq!(child["output"], json!({"processed": "output.pdf"}));
    assert_eq!(child["trigger"]["source"], "binding");
}

/// Export and save a D1 database: a workflow that starts an export through Cloudflare's REST API
/// (a stand-in here), polls until the dump is ready (the step throws to retry), downloads it and
/// streams it into an R2 bucket (kept by Endure in the state directory). `.dev.vars` holds the
/// API token, as with `wrangler dev`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_and_save_a_d1_database() {
    use std::sync::{Arc, Mutex};
    let polls = Arc::new(Mutex::new(0));
    let p2 = polls.clone();
    let base = Arc::new(Mutex::new(String::new()));
    let b2 = base.clone();
    let url = common::stub(move |method, path, body| {
        if method == "GET" && path == "/dump.sql" {
            return (
                200,
                "CREATE TABLE t (x);\nINSERT INTO t VALUES (1);\n".into(),
            );
        }
        assert_eq!(path, "/client/v4/accounts/acc-1/d1/database/db-9/export");
        let v: Value = serde_json::from_str(body).unwrap();
        if v["output_format"] == "polling" {
            return (200, r#"{"result": {"at_bookmark": "bm-1"}}"#.into());
        }
        assert_eq!(v["current_bookmark"], "bm-1");
        let mut n = p2.lock().unwrap();
        *n += 1;
        if *n < 3 {
            // Not ready yet: the step throws and is retried.
            return (200, r#"{"result": {}}"#.into());
        }
        let signed = format!("{}/dump.sql", b2.lock().unwrap());
        (
            200,
            json!({"result": {"signed_url": signed, "filename": "backup-db-9.sql"}}).to_string(),
        )
    })
    .await;
    *base.lock().unwrap() = url.clone();
    let js = Js::fixture(
        "backup-d1",
        vec![("https://api.cloudflare.com".into(), url)],
    )
    .await;
    js.create(
        "backup-workflow",
        "b1",
        json!({"accountId": "acc-1", "databaseId": "db-9"}),
    )
    .await;
    let doc = js.finish("backup-workflow", "b1", 5_000).await;
    assert_eq!(doc["status"], "complete", "{doc:#}");
    assert_eq!(doc["steps"][0]["output"], "bm-1");
    assert_eq!(
        doc["steps"][1]["attempts"].as_array().unwrap().len(),
        3,
        "two polls before the dump was ready: {doc:#}"
    );
    let stored = std::fs::read_to_string(
        js.dir
            .path()
            .join("state/r2/d1-backups/backup-db-9%2Esql.data"),
    )
    .unwrap();
    assert!(stored.starts_with("CREATE TABLE t"), "{stored}");
}

/// Pay cart and send invoice: a D1 cart database (Endure keeps it as a SQLite file), a payment
/// processor (a stand-in on loopback), and an invoice mailed through a `send_email` binding with
/// the `mimetext` package from npm (ES module, with CommonJS dependencies and `node:os`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pay_cart_and_send_invoice() {
    use std::sync::{Arc, Mutex};
    let fixture = common::fixture("pay-cart");
    assert!(
        fixture.join("node_modules/mimetext").is_dir(),
        "run `npm install` in {} (scripts/test does)",
        fixture.display()
    );
    let paid = Arc::new(Mutex::new(Vec::<String>::new()));
    let p2 = paid.clone();
    let stub = common::stub(move |method, _, body| {
        assert_eq!(method, "POST");
        p2.lock().unwrap().push(body.to_string());
        (200, "{}".into())
    })
    .await;
    let js = Js::fixture(
        "pay-cart",
        vec![("https://payment-processor.example.com".into(), stub)],
    )
    .await;
    let db = js.dir.path().join("state/d1");
    std::fs::create_dir_all(&db).unwrap();
    let c = rusqlite::Connection::open(db.join("carts.sqlite")).unwrap();
    c.execute_batch(
        "CREATE TABLE cart (id TEXT PRIMARY KEY, checkedOut INTEGER, amount INTEGER, account TEXT);
         INSERT INTO cart VALUES ('123', 1, 250, '{\"email\": \"ada@example.com\"}');",
    )
    .unwrap();
    drop(c);
    let (status, body) = js.fetch("GET", "/", None).await;
    assert_eq!(status, 200);
    assert_eq!(body, "new instance or add ?instanceId=...");
    let (status, body) = js.fetch("GET", "/new", None).await;
    assert_eq!(status, 200, "{body}");
    let id = serde_json::from_str::<Value>(&body).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let doc = js.finish("cart-invoices-workflow", &id, 60_000).await;
    let steps = doc["steps"].as_array().unwrap();
    assert_eq!(steps[0]["type"], "sleep", "{doc:#}");
    assert_eq!(steps[1]["name"], "retrieve cart");
    assert_eq!(
        steps[1]["output"],
        json!({"id": "123", "checkedOut": 1, "amount": 250, "account": "{\"email\": \"ada@example.com\"}"})
    );
    assert_eq!(steps[2]["output"], json!({"success": true, "amount": 250}));
    assert_eq!(*paid.lock().unwrap(), vec![r#"{"amount":250}"#.to_string()]);
    // The sample reads `cart.account.email`, but a D1 row holds text, not an object (on
    // Cloudflare too): mimetext refuses the undefined recipient, inside the step, on each of its
    // 11 attempts five minutes apart, and the instance ends with mimetext's own error.
    let invoice = &steps[3];
    assert_eq!(invoice["name"], "send invoice");
    assert_eq!(invoice["attempts"].as_array().unwrap().len(), 11, "{doc:#}");
    let mimetext_error =
        json!({"name": "MIMETEXT_INVALID_MAILBOX", "message": "Couldn't recognize the input."});
    assert_eq!(invoice["error"], mimetext_error);
    assert_eq!(doc["status"], "errored");
    assert_eq!(doc["error"], mimetext_error);
}
