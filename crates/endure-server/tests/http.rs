//! The REST API over real HTTP on loopback: shapes, status codes, the envelope, and a human
//! approval driven entirely through the API.

use endure_engine::{Engine, EngineBuilder};
use endure_server::{ServerState, router, serve};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

async fn server() -> (String, Engine) {
    let b = EngineBuilder::new(Arc::new(endure_store::MemoryStore::new()));
    let engine = endure_examples::register(b).unwrap().start().await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = ServerState::new(engine.clone(), addr);
    tokio::spawn(serve(listener, router(state)));
    (
        format!("http://{addr}/client/v4/accounts/acct-1/workflows"),
        engine,
    )
}

/// Sends `request` as it is on a new connection and reads the answer until the server closes
/// the connection (bounded: 10 s, so a hang fails instead of blocking CI).
async fn raw(addr: &str, request: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(request.as_bytes()).await.unwrap();
    let mut out = vec![];
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), s.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

async fn call(method: reqwest::Method, url: &str, body: Option<Value>) -> (u16, Value) {
    let client = reqwest::Client::new();
    let mut req = client.request(method, url);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("a JSON body"))
}

async fn get(url: &str) -> (u16, Value) {
    call(reqwest::Method::GET, url, None).await
}

async fn post(url: &str, body: Value) -> (u16, Value) {
    call(reqwest::Method::POST, url, Some(body)).await
}

async fn patch(url: &str, body: Value) -> (u16, Value) {
    call(reqwest::Method::PATCH, url, Some(body)).await
}

/// Polls the instance until `done` holds (bounded: 30 s of 10 ms polls).
async fn until(url: &str, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..3000 {
        let (code, v) = get(url).await;
        assert_eq!(code, 200, "{v}");
        if done(&v["result"]) {
            return v["result"].clone();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{url} never reached the expected state");
}

fn assert_error(code: u16, body: &Value, want_status: u16, want_code: u64) {
    assert_eq!(code, want_status, "{body}");
    assert_eq!(body["success"], false);
    assert_eq!(body["result"], Value::Null);
    assert_eq!(body["errors"][0]["code"], want_code, "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workflows_are_listed_with_counts() {
    let (base, _e) = server().await;
    let (code, v) = get(&base).await;
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["success"], true);
    assert_eq!(v["errors"], json!([]));
    let names: Vec<&str> = v["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["approval", "my-workflow", "steps"]);
    assert_eq!(v["result_info"]["count"], 3);
    post(
        &format!("{base}/steps/instances"),
        json!({"params": {"steps": 1}}),
    )
    .await;
    let (code, v) = get(&format!("{base}/steps")).await;
    assert_eq!(code, 200);
    assert_eq!(v["result"]["name"], "steps");
    let total: u64 = v["result"]["instances"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(total, 1);
    let (code, v) = get(&format!("{base}/nope")).await;
    assert_error(code, &v, 404, 10501);
    let (code, v) = get(&format!("{base}/steps/versions")).await;
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["result"][0]["id"], "1");
    assert_eq!(v["result"][0]["limits"]["steps"], 10_000);
    let (code, v) = get(&format!("{base}/steps/versions/1")).await;
    assert_eq!(code, 200);
    assert_eq!(v["result"]["workflow_id"], "steps");
    let (code, v) = get(&format!("{base}/steps/versions/1/graph")).await;
    assert_eq!(code, 200);
    assert_eq!(v["result"]["graph"], Value::Null);
    let (code, v) = get(&format!("{base}/steps/versions/9")).await;
    assert_error(code, &v, 404, 10501);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_and_follow_an_instance() {
    let (base, _e) = server().await;
    let (code, v) = post(
        &format!("{base}/steps/instances"),
        json!({"instance_id": "run-1", "params": {"steps": 3}}),
    )
    .await;
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["result"]["id"], "run-1");
    assert_eq!(v["result"]["workflow_id"], "steps");
    assert_eq!(v["result"]["status"], "queued");
    let url = format!("{base}/steps/instances/run-1");
    let doc = until(&url, |r| r["status"] == "complete").await;
    assert_eq!(doc["output"], json!({"steps": 3}));
    assert_eq!(doc["params"], json!({"steps": 3}));
    assert_eq!(doc["trigger"]["source"], "api");
    assert_eq!(doc["success"], true);
    assert_eq!(doc["step_count"], 3);
    assert_eq!(doc["steps"][0]["name"], "step-1");
    assert_eq!(doc["steps"][0]["attempts"][0]["success"], true);
    assert!(doc["versionId"].is_string());
    let (_, v) = get(&format!("{url}?order=desc")).await;
    assert_eq!(v["result"]["steps"][0]["name"], "step-3");
    let (_, v) = get(&format!("{url}?simple=true")).await;
    assert!(v["result"].get("steps").is_none());
    assert_eq!(v["result"]["step_count"], 3);
    // a generated id
    let (code, v) = post(&format!("{base}/steps/instances"), json!({})).await;
    assert_eq!(code, 200);
    assert_eq!(v["result"]["id"].as_str().unwrap().len(), 36);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_clear_errors() {
    let (base, _e) = server().await;
    let inst = format!("{base}/steps/instances");
    post(
        &inst,
        json!({"instance_id": "taken", "params": {"steps": 0}}),
    )
    .await;
    let (c, v) = post(&inst, json!({"instance_id": "taken"})).await;
    assert_error(c, &v, 409, 10409);
    let (c, v) = post(&inst, json!({"instance_id": "bad id!"})).await;
    assert_error(c, &v, 400, 10001);
    assert_eq!(
        v["errors"][0]["message"],
        "Workflow instance has invalid id"
    );
    for (body, says) in [
        (
            json!({"instance_retention": {"success_retention": "soon"}}),
            "success_retention",
        ),
        (json!({"instance_retention": {"forever": 1}}), "forever"),
        (json!({"instance_retention": 5}), "must be an object"),
        (json!({"location_hint": "mars"}), "location_hint"),
    ] {
        let (c, v) = post(&inst, body.clone()).await;
        assert_error(c, &v, 400, 10001);
        assert!(
            v["errors"][0]["message"].as_str().unwrap().contains(says),
            "{body} → {v}"
        );
    }
    let (c, v) = post(
        &inst,
        json!({"params": {"steps": 0}, "instance_retention": {"success_retention": "3 days", "error_retention": 60000}, "location_hint": "weur"}),
    )
    .await;
    assert_eq!(c, 200, "{v}");
    let (c, v) = post(&format!("{base}/nope/instances"), json!({})).await;
    assert_error(c, &v, 404, 10501);
    let (c, v) = get(&format!("{inst}/unknown")).await;
    assert_error(c, &v, 404, 10501);
    let (c, v) = get(&format!("{inst}?status=sleepy")).await;
    assert_error(c, &v, 400, 10001);
    let (c, v) = get(&format!("{inst}?per_page=0")).await;
    assert_error(c, &v, 400, 10001);
    let (c, v) = get(&format!("{inst}?cursor=abc")).await;
    assert_error(c, &v, 400, 10001);
    let (c, v) = get(&format!("{base}/steps/instances/taken?order=sideways")).await;
    assert_error(c, &v, 400, 10001);
    let (c, v) = patch(
        &format!("{inst}/taken/status"),
        json!({"status": "explode"}),
    )
    .await;
    assert_error(c, &v, 400, 10001);
    let (c, v) = post(&format!("{inst}/batch"), json!([])).await;
    assert_error(c, &v, 400, 10001);
    // malformed JSON
    let resp = reqwest::Client::new()
        .post(&inst)
        .header("content-type", "application/json")
        .body("{\"instance_id\": ")
        .send()
        .await
        .unwrap();
    let c = resp.status().as_u16();
    let v: Value = resp.json().await.unwrap();
    assert_error(c, &v, 400, 10001);
    // params over 1 MiB, body under the body limit
    let (c, v) = post(
        &inst,
        json!({"params": {"x": "y".repeat(1024 * 1024 + 10)}}),
    )
    .await;
    assert_error(c, &v, 413, 10413);
    // a body over the body limit: refused from its Content-Length, before a byte of it is sent
    let path = inst.split_once("127.0.0.1").unwrap().1;
    let (port, path) = path[1..].split_once('/').unwrap();
    let reply = raw(
        &format!("127.0.0.1:{port}"),
        &format!(
            "POST /{path} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\ncontent-type: application/json\r\n\
             content-length: 3145728\r\n\r\n"
        ),
    )
    .await;
    assert!(reply.starts_with("HTTP/1.1 413"), "{reply}");
    assert!(reply.contains("\"code\":10413"), "{reply}");
    let (c, v) = get(&format!("{base}/steps/instances/taken/nothing-here")).await;
    assert_error(c, &v, 404, 10501);
    // nothing half-written: the failed creates left no instance behind ("taken" and the one
    // with valid retention and location hint are the two)
    let (_, v) = get(&inst).await;
    assert_eq!(v["result"].as_array().unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approval_through_the_api() {
    let (base, _e) = server().await;
    let inst = format!("{base}/approval/instances");
    let (c, _) = post(
        &inst,
        json!({"instance_id": "req-1", "params": {"request": "ship it"}}),
    )
    .await;
    assert_eq!(c, 200);
    let url = format!("{inst}/req-1");
    until(&url, |r| r["status"] == "waiting").await;
    let (c, v) = patch(&format!("{url}/status"), json!({"status": "pause"})).await;
    assert_eq!(c, 200, "{v}");
    assert_eq!(v["result"]["status"], "paused");
    assert!(v["result"]["timestamp"].is_string());
    let (c, _) = post(
        &format!("{url}/events/approval"),
        json!({"approved": true, "by": "grace"}),
    )
    .await;
    assert_eq!(c, 200, "an event to a paused instance is buffered");
    let (c, v) = patch(&format!("{url}/status"), json!({"status": "resume"})).await;
    assert_eq!(c, 200, "{v}");
    let doc = until(&url, |r| r["status"] == "complete").await;
    assert_eq!(doc["output"]["outcome"], "carried out");
    assert_eq!(doc["output"]["by"], "grace");
    let wait = doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["type"] == "waitForEvent")
        .unwrap()
        .clone();
    assert_eq!(wait["event_type"], "approval");
    assert_eq!(wait["output"], json!({"approved": true, "by": "grace"}));
    let (c, v) = patch(&format!("{url}/status"), json!({"status": "terminate"})).await;
    assert_error(c, &v, 409, 10410);
    let (c, v) = post(&format!("{url}/events/approval"), json!({})).await;
    assert_error(c, &v, 409, 10410);
    let (c, v) = patch(
        &format!("{url}/status"),
        json!({"status": "restart", "from": {"name": "no such step"}}),
    )
    .await;
    assert_error(c, &v, 409, 10410);
    let (c, v) = patch(
        &format!("{url}/status"),
        json!({"status": "restart", "from": {"name": "act on decision", "type": "do"}}),
    )
    .await;
    assert_eq!(c, 200, "{v}");
    let doc = until(&url, |r| r["status"] == "complete").await;
    assert_eq!(
        doc["output"]["outcome"], "carried out",
        "earlier steps (and the event) kept"
    );
    let (c, _) = patch(&format!("{url}/status"), json!({"status": "restart"})).await;
    assert_eq!(c, 200);
    until(&url, |r| r["status"] == "waiting").await;
    let (c, v) = patch(&format!("{url}/status"), json!({"status": "terminate"})).await;
    assert_eq!(c, 200, "{v}");
    assert_eq!(v["result"]["status"], "terminated");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_page_by_cursor() {
    let (base, _e) = server().await;
    let inst = format!("{base}/steps/instances");
    let batch: Vec<Value> = (0..5)
        .map(|i| json!({"instance_id": format!("b{i}"), "params": {"steps": 1}}))
        .collect();
    let (c, v) = post(&format!("{inst}/batch"), json!(batch)).await;
    assert_eq!(c, 200, "{v}");
    assert_eq!(v["result"].as_array().unwrap().len(), 5);
    let mut seen = vec![];
    let mut cursor: Option<String> = None;
    let mut first_cursor = String::new();
    for _ in 0..5 {
        let url = match &cursor {
            None => format!("{inst}?per_page=2"),
            Some(c) => format!("{inst}?per_page=2&cursor={c}"),
        };
        let (c, v) = get(&url).await;
        assert_eq!(c, 200, "{v}");
        for item in v["result"].as_array().unwrap() {
            seen.push(item["id"].as_str().unwrap().to_string());
            assert!(item["created_on"].is_string());
        }
        cursor = v["result_info"]["cursor"].as_str().map(String::from);
        if first_cursor.is_empty() {
            first_cursor = cursor.clone().unwrap_or_default();
        }
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(
        seen,
        ["b4", "b3", "b2", "b1", "b0"],
        "newest first, each once"
    );
    let (_, v) = get(&format!("{inst}?direction=asc&per_page=2")).await;
    let asc: Vec<&str> = v["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(asc, ["b0", "b1"], "oldest first");
    let (_, v) = get(&format!(
        "{inst}?direction=asc&per_page=2&cursor={}",
        v["result_info"]["cursor"].as_str().unwrap()
    ))
    .await;
    assert_eq!(v["result"][0]["id"], "b2");
    let (_, v) = get(&format!(
        "{inst}?date_start=2000-01-01T00:00:00Z&date_end=2999-01-01"
    ))
    .await;
    assert_eq!(v["result"].as_array().unwrap().len(), 5);
    let (_, v) = get(&format!("{inst}?date_end=2000-01-01T00:00:00.000Z")).await;
    assert_eq!(v["result"], json!([]));
    let (c, v) = get(&format!("{inst}?date_start=yesterday")).await;
    assert_error(c, &v, 400, 10001);
    let (c, v) = get(&format!("{inst}?date_start=2030-01-01&date_end=2020-01-01")).await;
    assert_error(c, &v, 400, 10001);
    let (c, v) = get(&format!("{inst}?direction=up")).await;
    assert_error(c, &v, 400, 10001);
    until(&format!("{inst}/b0"), |r| r["status"] == "complete").await;
    let (_, v) = get(&format!("{inst}?status=complete")).await;
    assert!(
        v["result"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["status"] == "complete")
    );
    // total_count: how many match the filter, whatever the page size or cursor.
    for i in 0..5 {
        until(&format!("{inst}/b{i}"), |r| r["status"] == "complete").await;
    }
    let (_, v) = get(&format!("{inst}?status=complete&per_page=1")).await;
    assert_eq!(v["result"].as_array().unwrap().len(), 1);
    assert_eq!(v["result_info"]["total_count"], 5, "{v}");
    assert_eq!(v["result_info"]["count"], 1);
    let (_, v) = get(&format!("{inst}?status=errored")).await;
    assert_eq!(v["result_info"]["total_count"], 0, "{v}");
    let (_, v) = get(&format!("{inst}?per_page=2&cursor={}", first_cursor)).await;
    assert_eq!(v["result_info"]["total_count"], 5, "{v}");
    let (_, v) = get(&format!("{inst}?date_end=2000-01-01T00:00:00.000Z")).await;
    assert_eq!(v["result_info"]["total_count"], 0, "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn step_output_and_deletion() {
    let (base, _e) = server().await;
    let inst = format!("{base}/steps/instances");
    post(&inst, json!({"instance_id": "d1", "params": {"steps": 2}})).await;
    until(&format!("{inst}/d1"), |r| r["status"] == "complete").await;
    let (c, v) = get(&format!("{inst}/d1/step?name=step-2-1")).await;
    assert_eq!(c, 200, "{v}");
    assert_eq!(
        v["result"],
        json!({"status": "complete", "error": null, "output": {"i": 2}})
    );
    let (c, v) = get(&format!("{inst}/d1/step?name=step-1-1&attempt=1")).await;
    assert_eq!(c, 200, "{v}");
    assert_eq!(v["result"]["status"], "complete");
    let (c, v) = get(&format!("{inst}/d1/step?name=step-9-1")).await;
    assert_error(c, &v, 404, 10501);
    let (c, v) = get(&format!("{inst}/d1/step?name=nosuffix")).await;
    assert_error(c, &v, 400, 10001);
    let (c, v) = get(&format!("{inst}/d1/step?name=step-1-1&type=sleep")).await;
    assert_error(c, &v, 400, 10001);

    // waitForEvent step output
    let ap = format!("{base}/approval/instances");
    post(&ap, json!({"instance_id": "w1"})).await;
    until(&format!("{ap}/w1"), |r| r["status"] == "waiting").await;
    let (_, v) = get(&format!(
        "{ap}/w1/step?name=wait for approval-1&type=waitForEvent"
    ))
    .await;
    assert_eq!(v["result"]["status"], "waiting");
    assert_eq!(v["result"]["event_type"], "approval");

    // terminate-all: only unfinished ones
    let (c, v) = call(
        reqwest::Method::PUT,
        &format!("{ap}/terminate?status=waiting"),
        None,
    )
    .await;
    assert_eq!(c, 200, "{v}");
    assert_eq!(v["result"]["status"], "ok");
    until(&format!("{ap}/w1"), |r| r["status"] == "terminated").await;
    let (c, v) = call(
        reqwest::Method::PUT,
        &format!("{ap}/terminate?status=complete"),
        None,
    )
    .await;
    assert_error(c, &v, 400, 10001);

    // batch delete: deleted once, unknown ids reported
    let (c, v) = post(
        &format!("{inst}/batch/delete"),
        json!({"instances": ["d1", "d1", "ghost"]}),
    )
    .await;
    assert_eq!(c, 200, "{v}");
    assert_eq!(v["result"]["deleted"], json!([{"id": "d1"}]));
    assert_eq!(v["result"]["errors"][0]["id"], "ghost");
    assert_eq!(v["result"]["errors"][0]["code"], 10501);
    let (c, v) = get(&format!("{inst}/d1")).await;
    assert_error(c, &v, 404, 10501);
    let (c, v) = post(&format!("{inst}/batch/delete"), json!({"instances": []})).await;
    assert_error(c, &v, 400, 10001);
    // the id is free again
    let (c, _) = post(&inst, json!({"instance_id": "d1", "params": {"steps": 0}})).await;
    assert_eq!(c, 200);

    // deleting the workflow deletes its instances
    let (c, v) = call(reqwest::Method::DELETE, &format!("{base}/steps"), None).await;
    assert_eq!(c, 200, "{v}");
    assert_eq!(v["result"], json!({"status": "ok", "success": true}));
    let (_, v) = get(&inst).await;
    assert_eq!(v["result"], json!([]));
}

fn refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "$ref" {
                    out.push(x.as_str().unwrap_or_default().to_string());
                }
                refs(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_matches_the_routes() {
    let (base, _e) = server().await;
    let root = base.split("/client/v4").next().unwrap().to_string();
    let (c, doc) = get(&format!("{root}/openapi.json")).await;
    assert_eq!(c, 200);
    assert_eq!(doc["openapi"], "3.0.3");
    let paths = doc["paths"].as_object().unwrap();
    assert_eq!(paths.len(), 13, "{:?}", paths.keys().collect::<Vec<_>>());
    // The limits the server enforces, and no auth on a server without tokens.
    assert!(doc.get("security").is_none(), "this server has no tokens");
    let list =
        &paths["/client/v4/accounts/{account_id}/workflows/{workflow_name}/instances"]["get"];
    let param = |n: &str| {
        list["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == n)
            .unwrap()["schema"]
            .clone()
    };
    assert_eq!(param("per_page")["maximum"], 100);
    assert!(
        param("status")["enum"]
            .as_array()
            .unwrap()
            .contains(&json!("waitingForPause"))
    );
    let batch = &paths["/client/v4/accounts/{account_id}/workflows/{workflow_name}/instances/batch"]
        ["post"]["requestBody"]["content"]["application/json"]["schema"];
    assert_eq!(batch["maxItems"], 100);
    assert!(endure_server::openapi::document_for(true)["security"].is_array());
    let ops: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(ops, endure_server::openapi::OPERATIONS.len());
    let mut all = vec![];
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for r in &all {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected ref {r}"));
        assert!(
            doc["components"]["schemas"].get(name).is_some(),
            "dangling ref {r}"
        );
    }
    let details =
        paths["/client/v4/accounts/{account_id}/workflows/{workflow_name}/instances/{instance_id}"]
            ["get"]
            .to_string();
    assert!(details.contains("InstanceDetails"), "{details}");
    // Every documented path is served: filled in, it reaches a handler, not the fallback.
    for (path, methods) in paths {
        let url = format!(
            "{root}{}",
            path.replace("{account_id}", "a")
                .replace("{workflow_name}", "steps")
                .replace("{instance_id}", "nope")
                .replace("{event_type}", "t")
                .replace("{version_id}", "1")
        );
        for method in methods.as_object().unwrap().keys() {
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let (_, v) = call(m, &url, Some(json!({}))).await;
            let msg = v["errors"][0]["message"].as_str().unwrap_or("");
            assert_ne!(
                msg, "No route for that path",
                "{method} {path} is documented but not served"
            );
        }
    }
}

async fn put(url: &str, body: Value) -> (u16, Value) {
    call(reqwest::Method::PUT, url, Some(body)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workflows_are_defined_and_changed_with_put() {
    let (base, _e) = server().await;
    let orders = format!("{base}/orders");
    let (code, v) = put(
        &orders,
        json!({
            "class_name": "StepsWorkflow",
            "script_name": "shop",
            "limits": {"steps": 2},
            "default_retention": {"success_retention": "3 days", "error_retention": 60000},
            "schedules": []
        }),
    )
    .await;
    assert_eq!(code, 200, "{v}");
    let r = &v["result"];
    assert_eq!(r["id"], "orders");
    assert_eq!(r["name"], "orders");
    assert_eq!(r["class_name"], "StepsWorkflow");
    assert_eq!(r["script_name"], "shop");
    assert_eq!(r["version_id"], "1");
    assert_eq!(r["is_deleted"], 0);
    assert_eq!(r["terminator_running"], 0);
    let created_on = r["created_on"].clone();

    // It is a workflow like the others: listed, searchable, with its version's settings.
    let (_, list) = get(&format!("{base}?search=ORD")).await;
    let names: Vec<&str> = list["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["orders"]);
    let (_, one) = get(&orders).await;
    assert_eq!(one["result"]["class_name"], "StepsWorkflow");
    assert_eq!(one["result"]["script_name"], "shop");
    let (_, versions) = get(&format!("{orders}/versions")).await;
    let ver = &versions["result"][0];
    assert_eq!(ver["class_name"], "StepsWorkflow");
    assert_eq!(ver["limits"]["steps"], 2);
    assert_eq!(
        ver["default_retention"],
        json!({"success_retention": 259_200_000u64, "error_retention": 60000})
    );

    // Its runs use its step limit: two steps pass, three fail on the third.
    let (code, v) = post(
        &format!("{orders}/instances"),
        json!({"instance_id": "ok", "params": {"steps": 2}}),
    )
    .await;
    assert_eq!(code, 200, "{v}");
    let done = until(&format!("{orders}/instances/ok"), |r| {
        r["status"] == "complete"
    })
    .await;
    assert_eq!(done["output"], json!({"steps": 2}));
    post(
        &format!("{orders}/instances"),
        json!({"instance_id": "over", "params": {"steps": 3}}),
    )
    .await;
    let failed = until(&format!("{orders}/instances/over"), |r| {
        r["status"] == "errored"
    })
    .await;
    assert!(
        failed["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains('2')),
        "{failed}"
    );

    // An update keeps the creation time and changes the settings.
    let (code, v) = put(
        &orders,
        json!({"class_name": "StepsWorkflow", "script_name": "shop-2", "limits": {"steps": 5}}),
    )
    .await;
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["result"]["created_on"], created_on);
    assert_eq!(v["result"]["script_name"], "shop-2");
    let (_, versions) = get(&format!("{orders}/versions")).await;
    assert_eq!(versions["result"][0]["limits"]["steps"], 5);
    assert!(versions["result"][0].get("default_retention").is_none());

    // A code-registered workflow takes new settings but keeps its class.
    let steps = format!("{base}/steps");
    let (code, v) = put(
        &steps,
        json!({"class_name": "StepsWorkflow", "script_name": "x", "limits": {"steps": 7}}),
    )
    .await;
    assert_eq!(code, 200, "{v}");
    let (_, versions) = get(&format!("{steps}/versions")).await;
    assert_eq!(versions["result"][0]["limits"]["steps"], 7);
    let (code, v) = put(
        &steps,
        json!({"class_name": "MyWorkflow", "script_name": "x"}),
    )
    .await;
    assert_error(code, &v, 400, 10001);
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("cannot change")
    );

    // Bad definitions are refused and change nothing.
    let bad = [
        (
            orders.clone(),
            json!({"class_name": "Nope", "script_name": "s"}),
            "StepsWorkflow",
        ),
        (orders.clone(), json!({"script_name": "s"}), "class_name"),
        (
            orders.clone(),
            json!({"class_name": "StepsWorkflow", "script_name": "s", "limits": {"steps": 0}}),
            "at least 1",
        ),
        (
            orders.clone(),
            json!({"class_name": "StepsWorkflow", "script_name": "s", "default_retention": {"success_retention": "soon"}}),
            "success_retention",
        ),
        (
            orders.clone(),
            json!({"class_name": "StepsWorkflow", "script_name": "s", "schedules": [{"cron": "61 * * * *"}]}),
            "schedules[0]: Invalid cron expression \"61 * * * *\"",
        ),
        (
            orders.clone(),
            json!({"class_name": "StepsWorkflow", "script_name": "s", "schedules": [{"cron": "0 * * * *", "timezone": "Mars/Base"}]}),
            "unknown time zone",
        ),
        (
            orders.clone(),
            json!({"class_name": "StepsWorkflow", "script_name": "s", "schedules": [{"cron": "0 * * * *", "every": 2}]}),
            "unknown field \"every\"",
        ),
        (
            orders.clone(),
            json!({"class_name": "StepsWorkflow", "script_name": "s", "schedules": (1..=11).map(|m| format!("{m} * * * *")).collect::<Vec<_>>()}),
            "at most 10",
        ),
        (
            format!("{base}/-bad"),
            json!({"class_name": "StepsWorkflow", "script_name": "s"}),
            "invalid",
        ),
    ];
    for (url, body, says) in bad {
        let (code, v) = put(&url, body.clone()).await;
        assert_error(code, &v, 400, 10001);
        let msg = v["errors"][0]["message"].as_str().unwrap();
        assert!(msg.contains(says), "{body} → {msg}");
    }
    let resp = reqwest::Client::new()
        .put(&orders)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let (_, versions) = get(&format!("{orders}/versions")).await;
    assert_eq!(versions["result"][0]["limits"]["steps"], 5);

    // Deleting: a defined-only workflow is gone; a code-registered one returns to its code's
    // settings.
    let (code, v) = call(reqwest::Method::DELETE, &orders, None).await;
    assert_eq!(code, 200, "{v}");
    let (code, v) = get(&orders).await;
    assert_error(code, &v, 404, 10501);
    let (code, _) = call(reqwest::Method::DELETE, &steps, None).await;
    assert_eq!(code, 200);
    let (_, versions) = get(&format!("{steps}/versions")).await;
    assert_eq!(versions["result"][0]["limits"]["steps"], 10_000);
}

/// Instance ids that are also fixed path segments of the API (`batch`, `terminate`) reach their
/// instance like any other id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ids_that_look_like_sub_paths() {
    let (base, _e) = server().await;
    for id in ["batch", "terminate"] {
        let (code, v) = post(
            &format!("{base}/approval/instances"),
            json!({"instance_id": id}),
        )
        .await;
        assert_eq!(code, 200, "{v}");
        let url = format!("{base}/approval/instances/{id}");
        let doc = until(&url, |r| r["status"] == "waiting").await;
        assert_eq!(doc["id"], id);
        let (code, v) = post(&format!("{url}/events/approval"), json!({"approved": true})).await;
        assert_eq!(code, 200, "{id}: {v}");
        let done = until(&url, |r| r["status"] == "complete").await;
        assert_eq!(done["id"], id);
        let (code, v) = get(&format!("{url}/step?name=act%20on%20decision-1&type=step")).await;
        assert_eq!(code, 200, "{id}: {v}");
        let (code, v) = patch(&format!("{url}/status"), json!({"status": "restart"})).await;
        assert_eq!(code, 200, "{id}: {v}");
    }
}

/// Errors the HTTP layer produces itself answer the envelope with a stable code too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_outside_the_handlers_answer_the_envelope() {
    let (base, _e) = server().await;
    let inst = format!("{base}/steps/instances");
    let resp = reqwest::Client::new().delete(&inst).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 405);
    let allow = resp.headers()["allow"].to_str().unwrap().to_string();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    let v: Value = resp.json().await.unwrap();
    assert_error(405, &v, 405, 10405);
    let (c, v) = get(&format!("{inst}?x={}", "a".repeat(20_000))).await;
    assert_error(c, &v, 414, 10414);
    let (c, v) = get(&format!("{inst}/%ZZ")).await;
    assert_error(c, &v, 400, 10001);
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("percent-encoding")
    );
    let (c, v) = get(&format!("{inst}?status=complete&status=errored")).await;
    assert_error(c, &v, 400, 10001);
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("status")
    );
    // A JSON array is not a create body (it would fill the fields in order).
    let (c, v) = post(&inst, json!(["x", {"params": {}}])).await;
    assert_error(c, &v, 400, 10001);
    let (c, v) = post(&format!("{inst}/batch"), json!([["y", {}]])).await;
    assert_error(c, &v, 400, 10001);
    let (c, _) = get(&format!("{inst}/x")).await;
    assert_eq!(c, 404, "nothing was created");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_creation_rate_limit_says_when_to_retry() {
    let b = EngineBuilder::new(Arc::new(endure_store::MemoryStore::new()));
    let engine = endure_examples::register(b).unwrap().start().await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut state = ServerState::new(engine.clone(), addr);
    state.creation_limit = Some(Arc::new(endure_server::limit::RateLimit::new(0.5, 3)));
    tokio::spawn(serve(listener, router(state)));
    let inst = format!("http://{addr}/client/v4/accounts/a/workflows/steps/instances");
    // A batch larger than the burst can never pass: 400 saying so, not a 429 to retry.
    let batch: Vec<Value> = (0..4).map(|_| json!({"params": {"steps": 0}})).collect();
    let (c, v) = post(&format!("{inst}/batch"), json!(batch)).await;
    assert_error(c, &v, 400, 10001);
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("burst is 3"),
        "{v}"
    );
    for _ in 0..3 {
        let (c, v) = post(&inst, json!({"params": {"steps": 0}})).await;
        assert_eq!(c, 200, "{v}");
    }
    let resp = reqwest::Client::new()
        .post(&inst)
        .json(&json!({"params": {"steps": 0}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 429);
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry), "one token at 0.5/s: {retry}");
    let v: Value = resp.json().await.unwrap();
    assert_error(429, &v, 429, 10429);
}

/// A workflow's schedules through the API: put, shown with their next firing, fired on the
/// engine's clock, and the firing's instance (whose id has spaces) read back by its id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schedules_are_put_shown_and_fire() {
    let t0 = endure_model::Timestamp::parse_iso("2026-12-02T10:20:00Z").unwrap();
    let clock = Arc::new(endure_engine::ManualClock::new(t0));
    let b = EngineBuilder::new(Arc::new(endure_store::MemoryStore::new())).clock(clock.clone());
    let engine = endure_examples::register(b).unwrap().start().await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve(
        listener,
        router(ServerState::new(engine.clone(), addr)),
    ));
    let base = format!("http://{addr}/client/v4/accounts/acct-1/workflows");
    let hourly = format!("{base}/hourly");
    let (code, v) = put(
        &hourly,
        json!({
            "class_name": "StepsWorkflow",
            "script_name": "s",
            "schedules": [
                {"cron": "0 * * * *"},
                "30 9 * * MON-FRI",
                {"cron": "0 9 * * *", "timezone": "Europe/Berlin"}
            ]
        }),
    )
    .await;
    assert_eq!(code, 200, "{v}");
    let (_, one) = get(&hourly).await;
    assert_eq!(
        one["result"]["schedules"],
        json!([
            {"cron": "0 * * * *", "next_instance": "2026-12-02T11:00:00.000Z"},
            {"cron": "30 9 * * MON-FRI", "next_instance": "2026-12-03T09:30:00.000Z"},
            {"cron": "0 9 * * *", "next_instance": "2026-12-03T08:00:00.000Z", "timezone": "Europe/Berlin"}
        ])
    );
    // A workflow without schedules shows none.
    let (_, plain) = get(&format!("{base}/steps")).await;
    assert!(plain["result"].get("schedules").is_none(), "{plain}");

    tokio::time::sleep(Duration::from_millis(20)).await;
    clock.advance(40 * 60_000);
    let at = endure_model::Timestamp::parse_iso("2026-12-02T11:00:00Z").unwrap();
    let id = format!("0 * * * *-{}", at.0);
    let url = format!(
        "{hourly}/instances/{}",
        id.replace(' ', "%20").replace('*', "%2A")
    );
    // The firing happens on the engine's trigger task, soon after the clock moves.
    for _ in 0..3000 {
        if get(&url).await.0 == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let done = until(&url, |r| r["status"] == "complete").await;
    assert_eq!(done["trigger"]["source"], "cron");
    assert_eq!(
        done["schedule"],
        json!({"cron": "0 * * * *", "scheduledTime": at.0})
    );
    let (_, list) = get(&format!("{hourly}/instances")).await;
    assert_eq!(list["result"][0]["id"], id);
    let (_, one) = get(&hourly).await;
    assert_eq!(
        one["result"]["schedules"][0]["next_instance"],
        "2026-12-02T12:00:00.000Z"
    );

    // Removing them: `[]`.
    let (code, _) = put(
        &hourly,
        json!({"class_name": "StepsWorkflow", "script_name": "s", "schedules": []}),
    )
    .await;
    assert_eq!(code, 200);
    let (_, one) = get(&hourly).await;
    assert!(one["result"].get("schedules").is_none(), "{one}");
    engine.shutdown().await;
}

#[tokio::test]
async fn graphql_answers_over_http() {
    let (base, _e) = server().await;
    let (code, _) = post(
        &format!("{base}/steps/instances"),
        json!({"instance_id": "g-1", "params": {"steps": 2}}),
    )
    .await;
    assert_eq!(code, 200);
    until(&format!("{base}/steps/instances/g-1"), |r| {
        r["status"] == "complete"
    })
    .await;
    let graphql = base.replace("/accounts/acct-1/workflows", "/graphql");
    let query = "query($tag: string!, $wf: string) { viewer { accounts(filter: {accountTag: $tag}) {
        workflowsAdaptiveGroups(limit: 100, filter: {workflowName: $wf, eventType: \"STEP_START\"}) {
          count dimensions { workflowName stepName } } } } }";
    let (code, v) = post(
        &graphql,
        json!({"query": query, "variables": {"tag": "acct-1", "wf": "steps"}}),
    )
    .await;
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["errors"], Value::Null, "{v}");
    let groups = &v["data"]["viewer"]["accounts"][0]["workflowsAdaptiveGroups"];
    assert_eq!(
        groups,
        &json!([
            {"count": 1, "dimensions": {"workflowName": "steps", "stepName": "step-1"}},
            {"count": 1, "dimensions": {"workflowName": "steps", "stepName": "step-2"}}
        ])
    );
    // Not a GraphQL request: 400, in GraphQL's shape.
    let (code, v) = post(&graphql, json!({"variables": {}})).await;
    assert_eq!(code, 400);
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("query"),
        "{v}"
    );
    let (code, v) = call(reqwest::Method::POST, &graphql, None).await;
    assert_eq!(code, 400, "{v}");
    // A query GraphQL refuses: 200 with the error.
    let (code, v) = post(&graphql, json!({"query": "{ nothing }"})).await;
    assert_eq!(code, 200);
    assert!(
        v["data"].is_null() && v["errors"][0]["message"].is_string(),
        "{v}"
    );
}
