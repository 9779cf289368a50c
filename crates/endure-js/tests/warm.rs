//! Fetch requests reuse a warm isolate, as Cloudflare reuses one for many requests: module
//! state carries from one request to the next; concurrent requests get isolates of their own;
//! changed sources retire the warm isolates (and those started ahead of runs); workflow runs
//! never share one.

mod common;

use common::{Js, files};
use endure_js::Limits;
use serde_json::json;

const INDEX: &str = r#"
import { WorkflowEntrypoint } from 'cloudflare:workers';
let requests = 0;
export class MyWorkflow extends WorkflowEntrypoint {
  async run() { requests++; return `v1 ${requests}`; }
}
export default {
  async fetch(req) {
    requests++;
    const seen = requests;
    if (new URL(req.url).pathname === '/slow') await new Promise((r) => setTimeout(r, 200));
    return new Response(`v1 ${seen}`);
  },
};
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_share_a_warm_isolate_and_runs_do_not() {
    let d = files(&[
        (
            "p/wrangler.jsonc",
            r#"{"name": "p", "main": "src/index.js",
                "workflows": [{"name": "wf", "binding": "WF", "class_name": "MyWorkflow"}]}"#,
        ),
        ("p/src/index.js", INDEX),
    ]);
    let js = Js::start(d, "p", vec![], Limits::default()).await;
    // One after another: the same isolate, its module state kept.
    let mut seen = Vec::new();
    for _ in 0..3 {
        seen.push(js.fetch("GET", "/", None).await.1);
    }
    assert_eq!(seen, ["v1 1", "v1 2", "v1 3"]);
    // At the same time: the second request cannot wait for the first's isolate.
    let (a, b) = tokio::join!(js.fetch("GET", "/slow", None), async {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        js.fetch("GET", "/", None).await
    });
    assert_eq!(a.1, "v1 4");
    assert_eq!(b.1, "v1 1", "a fresh isolate for the concurrent request");
    // Workflow runs get fresh isolates: each counts from zero.
    for id in ["r1", "r2"] {
        js.create("wf", id, json!({})).await;
        let doc = js.finish("wf", id, 1000).await;
        assert_eq!(doc["output"], json!("v1 1"), "{doc}");
    }
    // Changed sources: the warm isolates are retired, the new code runs from a clean state.
    let path = js.dir.path().join("p/src/index.js");
    std::fs::write(&path, INDEX.replace("v1 ", "v2 ")).unwrap();
    js.project.reload().await.unwrap();
    assert_eq!(js.fetch("GET", "/", None).await.1, "v2 1");
    // Isolates started ahead of runs were retired too: the next run is the new code's.
    js.create("wf", "r3", json!({})).await;
    let doc = js.finish("wf", "r3", 1000).await;
    assert_eq!(doc["output"], json!("v2 1"), "{doc}");
}
