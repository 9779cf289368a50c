//! The isolate's outgoing queue is bounded (`FROM_JS_QUEUE`): JavaScript that sends more
//! messages in one turn than the queue holds waits for the host to read them, and nothing is
//! lost or reordered.

mod common;

use common::{Js, files};
use endure_js::Limits;
use serde_json::json;

const INDEX: &str = r#"
import { WorkflowEntrypoint } from "cloudflare:workers";
export class Many extends WorkflowEntrypoint {
  async run(event, step) {
    const n = event.payload.n;
    // All the step calls are sent in one turn, before the host answers any of them.
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) => step.do("s", async () => i)),
    );
    let sum = 0;
    for (const r of results) sum += r;
    return { count: results.length, sum, inOrder: results.every((r, i) => r === i) };
  }
}
export default { async fetch() { return new Response("ok"); } };
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_messages_than_the_queue_holds_all_arrive_in_order() {
    let n = 3 * endure_js::FROM_JS_QUEUE;
    let dir = files(&[
        (
            "p/wrangler.jsonc",
            r#"{"name": "p", "main": "src/index.js",
                "workflows": [{"name": "many", "binding": "MANY", "class_name": "Many"}]}"#,
        ),
        ("p/src/index.js", INDEX),
    ]);
    let js = Js::start(dir, "p", vec![], Limits::default()).await;
    js.create("many", "i", json!({"n": n})).await;
    let doc = js.finish("many", "i", 1_000).await;
    assert_eq!(doc["status"], "complete", "{doc}");
    assert_eq!(
        doc["output"],
        json!({"count": n, "sum": n * (n - 1) / 2, "inOrder": true})
    );
}
