//! `endure serve` as a real process: the config file, bearer tokens, and its refusals.

mod common;

use std::process::Command;

fn start(config: &std::path::Path, env_token: Option<&str>) -> (common::Server, String) {
    let env: Vec<(&str, &str)> = env_token
        .map(|t| ("ENDURE_API_TOKEN", t))
        .into_iter()
        .collect();
    let server = common::spawn(
        &["serve", "--port", "0", "--config", config.to_str().unwrap()],
        &env,
    );
    let api = format!("{}/client/v4/accounts/a/workflows", server.url);
    (server, api)
}

const CONFIG: &str = r#"
port = 8787
database = "state/endure.sqlite"
max_running = 10
api_tokens = ["file-token"]

[[workflows]]
name = "orders"
binding = "ORDERS"
class_name = "StepsWorkflow"
limits = { steps = 2 }
"#;

/// Polls an instance (bounded: 30 s) until it has `status`; returns the last document.
async fn until_status(url: &str, token: Option<&str>, status: &str) -> serde_json::Value {
    let mut doc = serde_json::Value::Null;
    for _ in 0..3000 {
        let mut req = reqwest::Client::new().get(url);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        doc = req.send().await.unwrap().json().await.unwrap();
        if doc["result"]["status"] == status {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    doc
}

async fn status(url: &str, token: Option<&str>) -> u16 {
    let mut req = reqwest::Client::new().get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap().status().as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_required_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("endure.toml");
    std::fs::write(&cfg, CONFIG).unwrap();
    let (_server, api) = start(&cfg, Some("env-token"));
    assert_eq!(status(&api, None).await, 401);
    assert_eq!(status(&api, Some("wrong")).await, 403);
    assert_eq!(status(&api, Some("file-token")).await, 200);
    assert_eq!(status(&api, Some("env-token")).await, 200);
    let body: serde_json::Value = reqwest::Client::new()
        .get(&api)
        .bearer_auth("file-token")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = body["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["orders"]);
    let r = reqwest::Client::new().get(&api).send().await.unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["success"], false);
    assert_eq!(v["errors"][0]["code"], 10000);
    assert!(
        dir.path().join("state/endure.sqlite").exists(),
        "database relative to the config file"
    );
    // limits.steps from the config applies
    let c = reqwest::Client::new();
    c.post(format!("{api}/orders/instances"))
        .bearer_auth("file-token")
        .json(&serde_json::json!({"instance_id": "o1", "params": {"steps": 3}}))
        .send()
        .await
        .unwrap();
    let doc = until_status(
        &format!("{api}/orders/instances/o1"),
        Some("file-token"),
        "errored",
    )
    .await;
    assert_eq!(
        doc["result"]["error"]["name"], "WorkflowFatalError",
        "{doc}"
    );
}

#[test]
fn refusals() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str], cfg: &str| {
        let path = dir.path().join("c.toml");
        std::fs::write(&path, cfg).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_endure"))
            .args(["serve", "--config"])
            .arg(&path)
            .args(args)
            .env_remove("ENDURE_API_TOKEN")
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (code, err) = run(&["--ip", "0.0.0.0", "--port", "0"], "");
    assert_eq!(code, Some(2));
    assert!(err.contains("without an API token"), "{err}");
    let (code, err) = run(&[], "port = \"eighty\"");
    assert_eq!(code, Some(2));
    assert!(err.contains("invalid config"), "{err}");
    let (code, err) = run(&[], "colour = 1");
    assert_eq!(code, Some(2));
    assert!(err.contains("unknown field"), "{err}");
    let (code, err) = run(&[], "[[workflows]]\nname = \"x\"\nclass_name = \"Nope\"");
    assert_eq!(code, Some(2));
    assert!(err.contains("unknown class_name"), "{err}");
    let (code, err) = run(
        &["--examples"],
        "[[workflows]]\nname = \"steps\"\nclass_name = \"StepsWorkflow\"",
    );
    assert_eq!(code, Some(2));
    assert!(err.contains("registered twice"), "{err}");
    let (code, err) = run(
        &[],
        "[[workflows]]\nname = \"bad name!\"\nclass_name = \"StepsWorkflow\"",
    );
    assert_eq!(code, Some(2));
    assert!(err.contains("invalid"), "{err}");
    let (code, err) = run(
        &[],
        "[[workflows]]\nname = \"x\"\nclass_name = \"StepsWorkflow\"\nschedules = [\"0 * * * *\", \"0 24 * * *\"]",
    );
    assert_eq!(code, Some(2));
    assert!(
        err.contains("workflow \"x\": schedules[1]: Invalid cron expression \"0 24 * * *\""),
        "{err}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_endure"))
        .args(["serve", "--config", "/nonexistent/x.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creations_over_the_rate_limit_get_429() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("endure.toml");
    std::fs::write(
        &cfg,
        "max_creations_per_second = 0.0001\ncreation_burst = 2\n[[workflows]]\nname = \"s\"\nclass_name = \"StepsWorkflow\"\n",
    )
    .unwrap();
    let (_server, api) = start(&cfg, None);
    let c = reqwest::Client::new();
    let create = |id: &'static str| {
        c.post(format!("{api}/s/instances"))
            .json(&serde_json::json!({"instance_id": id, "params": {"steps": 0}}))
            .send()
    };
    assert_eq!(create("a").await.unwrap().status().as_u16(), 200);
    assert_eq!(create("b").await.unwrap().status().as_u16(), 200);
    let r = create("c").await.unwrap();
    assert_eq!(r.status().as_u16(), 429);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["errors"][0]["code"], 10429);
    let r = c.get(format!("{api}/s/instances/c")).send().await.unwrap();
    assert_eq!(
        r.status().as_u16(),
        404,
        "a refused creation creates nothing"
    );
}

/// A workflow defined with `PUT …/workflows/{name}` is stored: after the server is killed
/// (SIGKILL) and started again it is still there with its settings, and its instances run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workflows_defined_by_put_survive_a_kill() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("endure.toml");
    std::fs::write(
        &cfg,
        "[[workflows]]\nname = \"orders\"\nclass_name = \"StepsWorkflow\"\n",
    )
    .unwrap();
    let c = reqwest::Client::new();
    {
        let (_server, api) = start(&cfg, None);
        let r = c
            .put(format!("{api}/invoices"))
            .json(&serde_json::json!({
                "class_name": "StepsWorkflow",
                "script_name": "billing",
                "limits": {"steps": 3},
                "default_retention": {"success_retention": "1 day"}
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        // _server is dropped here: SIGKILL.
    }
    let (_server, api) = start(&cfg, None);
    let v: serde_json::Value = common::get_json(&format!("{api}/invoices/versions"), None).await;
    assert_eq!(v["result"][0]["class_name"], "StepsWorkflow", "{v}");
    assert_eq!(v["result"][0]["limits"]["steps"], 3);
    assert_eq!(
        v["result"][0]["default_retention"]["success_retention"],
        86_400_000u64
    );
    let v: serde_json::Value = common::get_json(&format!("{api}/invoices"), None).await;
    assert_eq!(v["result"]["script_name"], "billing", "{v}");
    c.post(format!("{api}/invoices/instances"))
        .json(&serde_json::json!({"instance_id": "i1", "params": {"steps": 3}}))
        .send()
        .await
        .unwrap();
    let doc = until_status(&format!("{api}/invoices/instances/i1"), None, "complete").await;
    assert_eq!(
        doc["result"]["output"],
        serde_json::json!({"steps": 3}),
        "{doc}"
    );
}

/// `schedules` in `[[workflows]]` are applied: the API and `endure workflows describe` show
/// each with its next firing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configured_schedules_are_shown_with_their_next_firing() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("endure.toml");
    std::fs::write(
        &cfg,
        format!(
            "database = \"{}\"\n[[workflows]]\nname = \"nightly\"\nclass_name = \"StepsWorkflow\"\n\
             schedules = [\"@daily\", {{ cron = \"30 9 * * MON-FRI\", timezone = \"Europe/Berlin\" }}]\n",
            dir.path().join("e.sqlite").display()
        ),
    )
    .unwrap();
    let (server, api) = start(&cfg, None);
    let one: serde_json::Value = reqwest::get(format!("{api}/nightly"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let schedules = one["result"]["schedules"].as_array().unwrap().clone();
    assert_eq!(schedules.len(), 2, "{one}");
    assert_eq!(schedules[0]["cron"], "@daily");
    let next = schedules[0]["next_instance"].as_str().unwrap();
    assert!(next.ends_with("T00:00:00.000Z"), "{next}");
    assert_eq!(schedules[1]["timezone"], "Europe/Berlin");
    let out = Command::new(env!("CARGO_BIN_EXE_endure"))
        .args(["workflows", "describe", "nightly", "--url", &server.url])
        .env_remove("ENDURE_API_TOKEN")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains(&format!("  @daily  next: {next}")), "{text}");
    assert!(
        text.contains("  30 9 * * MON-FRI (Europe/Berlin)  next: "),
        "{text}"
    );
}
