//! Queues from a Worker project: a producer binding's `send`/`sendBatch` (content types,
//! delays, Cloudflare's limits), the `queue` handler's batches with `ack`/`retry`/`retryAll`,
//! retries on a throw, dead letters, and the seeds' pattern of a workflow created from a queue
//! message, end to end. On the engine's manual clock, over SQLite.

mod common;

use common::*;
use endure_js::Limits;
use serde_json::{Value, json};
use std::time::Duration;

const WRANGLER: &str = r#"{
  "name": "q", "main": "src/index.js",
  "workflows": [{"name": "wf", "binding": "WF", "class_name": "Job"}],
  "queues": {
    "producers": [{"binding": "JOBS", "queue": "jobs"}, {"binding": "LATER", "queue": "jobs", "delivery_delay": 60}],
    "consumers": [
      {"queue": "jobs", "max_batch_size": 10, "max_batch_timeout": 0, "max_retries": 1,
       "retry_delay": 10, "dead_letter_queue": "jobs-dlq"},
      {"queue": "jobs-dlq", "max_batch_timeout": 0}
    ]
  }
}"#;

const INDEX: &str = r#"
import { WorkflowEntrypoint } from 'cloudflare:workers';
export class Job extends WorkflowEntrypoint {
  async run(event, step) {
    return await step.do('work', async () => ({ handled: event.payload }));
  }
}
function describe(b) {
  if (b instanceof ArrayBuffer) return { bytes: Array.from(new Uint8Array(b)) };
  if (typeof b === 'string') return { text: b };
  if (b && b.when instanceof Date) return { kind: b.kind, when: b.when.toISOString(), tags: [...b.tags] };
  return b;
}
export default {
  async fetch(req, env) {
    const path = new URL(req.url).pathname;
    try {
      if (path === '/send') { await env.JOBS.send(await req.json()); return new Response('sent'); }
      if (path === '/later') { await env.LATER.send({ n: 'later' }); return new Response('sent'); }
      if (path === '/delayed') { await env.JOBS.send({ n: 'delayed' }, { delaySeconds: 120 }); return new Response('sent'); }
      if (path === '/types') {
        await env.JOBS.sendBatch([
          { body: { kind: 'v8', when: new Date(0), tags: new Map([['a', 1]]) } },
          { body: { kind: 'json' }, contentType: 'json' },
          { body: 'plain', contentType: 'text' },
          { body: new Uint8Array([1, 2, 3]), contentType: 'bytes' },
        ]);
        return new Response('sent');
      }
      if (path === '/bad') {
        const errors = [];
        const attempt = async (f) => { try { await f(); errors.push(null); } catch (e) { errors.push(`${e.name}: ${e.message}`); } };
        await attempt(() => env.JOBS.send('x', { contentType: 'xml' }));
        await attempt(() => env.JOBS.send(42, { contentType: 'text' }));
        await attempt(() => env.JOBS.send('x'.repeat(128 * 1024 + 1), { contentType: 'text' }));
        await attempt(() => env.JOBS.send('x', { delaySeconds: 43201 }));
        await attempt(() => env.JOBS.sendBatch(Array.from({ length: 101 }, (_, i) => ({ body: i }))));
        await attempt(() => env.JOBS.send(() => 1, { contentType: 'json' }));
        return Response.json(errors);
      }
      return new Response('no', { status: 404 });
    } catch (e) {
      return new Response(String(e.stack || e), { status: 500 });
    }
  },
  async queue(batch, env, ctx) {
    for (const m of batch.messages) {
      const b = m.body;
      // Dead letters are recorded; acknowledged when the handler returns.
      if (batch.queue === 'jobs-dlq') { await env.WF.create({ params: { dead: b, attempts: m.attempts } }); continue; }
      if (b && b.fail === 'retry' && m.attempts < 2) { m.retry({ delaySeconds: 30 }); continue; }
      if (b && b.fail === 'always') { m.retry(); continue; }
      if (b && b.fail === 'throw' && m.attempts === 1) throw new Error('boom');
      await env.WF.create({
        params: { desc: describe(b), attempts: m.attempts, queue: batch.queue, idType: typeof m.id, ts: m.timestamp instanceof Date },
      });
      m.ack();
    }
  },
};
"#;

async fn start() -> Js {
    let dir = files(&[("p/wrangler.jsonc", WRANGLER), ("p/src/index.js", INDEX)]);
    Js::start(dir, "p", vec![], Limits::default()).await
}

/// The params of every `wf` instance, oldest first.
async fn handled(js: &Js) -> Vec<Value> {
    js.engine
        .store()
        .list_instances(&endure_store::ListQuery {
            workflow: "wf".into(),
            ascending: true,
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.params)
        .collect()
}

async fn until_handled(js: &Js, n: usize) -> Vec<Value> {
    for _ in 0..10_000 {
        let h = handled(js).await;
        if h.len() >= n {
            return h;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    panic!("never {n} handled messages: {:?}", handled(js).await);
}

async fn settle(js: &Js, n: usize) -> Vec<Value> {
    tokio::time::sleep(Duration::from_millis(60)).await;
    let h = handled(js).await;
    assert_eq!(h.len(), n, "{h:#?}");
    h
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workflow_is_created_from_each_queue_message() {
    let js = start().await;
    let (status, body) = js.fetch("POST", "/send", Some(r#"{"order": 7}"#)).await;
    assert_eq!((status, body.as_str()), (200, "sent"));
    let h = until_handled(&js, 1).await;
    assert_eq!(
        h[0],
        json!({"desc": {"order": 7}, "attempts": 1, "queue": "jobs", "idType": "string", "ts": true})
    );
    // The workflow the message started runs to the end.
    let rows = js
        .engine
        .store()
        .list_instances(&endure_store::ListQuery {
            workflow: "wf".into(),
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    let doc = js.finish("wf", &rows[0].id, 1_000).await;
    assert_eq!(doc["output"]["handled"]["desc"], json!({"order": 7}));
    let depth = js.engine.store().queue_depth("jobs").await.unwrap();
    assert_eq!(depth, 0, "acknowledged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_keep_their_content_type() {
    let js = start().await;
    assert_eq!(js.fetch("POST", "/types", None).await.0, 200);
    let mut got: Vec<Value> = until_handled(&js, 4)
        .await
        .into_iter()
        .map(|p| p["desc"].clone())
        .collect();
    got.sort_by_key(|v| v.to_string());
    assert_eq!(
        got,
        [
            json!({"bytes": [1, 2, 3]}),
            json!({"kind": "json"}),
            json!({"kind": "v8", "when": "1970-01-01T00:00:00.000Z", "tags": [["a", 1]]}),
            json!({"text": "plain"}),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delays_retries_throws_and_dead_letters() {
    let js = start().await;
    // Delayed by the send, and by the producer's delivery_delay.
    js.fetch("POST", "/delayed", None).await;
    js.fetch("POST", "/later", None).await;
    settle(&js, 0).await;
    js.clock.advance(60_000);
    assert_eq!(
        until_handled(&js, 1).await[0]["desc"],
        json!({"n": "later"})
    );
    js.clock.advance(60_000);
    assert_eq!(
        until_handled(&js, 2).await[1]["desc"],
        json!({"n": "delayed"})
    );

    // retry({delaySeconds: 30}): delivered again 30 s later, counted.
    js.fetch("POST", "/send", Some(r#"{"fail": "retry"}"#))
        .await;
    settle(&js, 2).await;
    js.clock.advance(29_000);
    settle(&js, 2).await;
    js.clock.advance(1_000);
    let h = until_handled(&js, 3).await;
    assert_eq!(h[2]["attempts"], 2);

    // A throw retries the batch after the consumer's retry_delay (10 s).
    js.fetch("POST", "/send", Some(r#"{"fail": "throw"}"#))
        .await;
    settle(&js, 3).await;
    js.clock.advance(10_000);
    let h = until_handled(&js, 4).await;
    assert_eq!(
        (h[3]["desc"]["fail"].clone(), h[3]["attempts"].clone()),
        (json!("throw"), json!(2))
    );

    // Retried every time: after max_retries (1) it goes to the dead-letter queue, whose
    // consumer gets it as a first delivery.
    js.fetch("POST", "/send", Some(r#"{"fail": "always", "n": 1}"#))
        .await;
    settle(&js, 4).await;
    js.clock.advance(10_000);
    let h = until_handled(&js, 5).await;
    assert_eq!(
        h[4],
        json!({"dead": {"fail": "always", "n": 1}, "attempts": 1})
    );
    settle(&js, 5).await;
    for q in ["jobs", "jobs-dlq"] {
        assert_eq!(js.engine.store().queue_depth(q).await.unwrap(), 0, "{q}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_sends_throw_with_the_reason() {
    let js = start().await;
    let errors = js.get_json("/bad").await;
    let texts: Vec<String> = errors
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap_or("(no error)").to_string())
        .collect();
    let wants = [
        "Unknown contentType \"xml\"",
        "contentType \"text\" must be a string",
        "the limit is 131072 bytes",
        "delaySeconds must be a whole number from 0 to 43200",
        "sendBatch takes at most 100 messages, got 101",
        "must be JSON-serializable",
    ];
    assert_eq!(texts.len(), wants.len(), "{texts:?}");
    for (t, want) in texts.iter().zip(wants) {
        assert!(
            t.starts_with("TypeError: ") && t.contains(want),
            "{t} / {want}"
        );
    }
    settle(&js, 0).await;
    assert_eq!(
        js.engine.store().queue_depth("jobs").await.unwrap(),
        0,
        "nothing half-sent"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_without_a_queue_handler_is_a_start_up_error() {
    let dir = files(&[
        ("p/wrangler.jsonc", WRANGLER),
        (
            "p/src/index.js",
            "export default { async fetch() { return new Response('x'); } };\nexport class Job {}",
        ),
    ]);
    let p = endure_js::Project::load(&dir.path().join("p"), Default::default()).unwrap();
    let e = p.check().await.unwrap_err().to_string();
    assert!(
        e.contains("queues.consumers is set") && e.contains("no queue() handler"),
        "{e}"
    );
}
