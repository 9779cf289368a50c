//! Fetch requests reuse a warm isolate, as Cloudflare reuses one for many requests: module
//! state carries from one request to the next; concurrent requests get isolates of their own;
//! changed sources retire the warm isolates (and those serving runs). Workflow runs share
//! isolates, several at once each, and an isolate stays for later runs, so module state carries
//! over there too; what a run leaves behind (a timer) is forgotten with it. A run that hits a
//! limit retires its isolate without disturbing the other runs in it.

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
export class Leaky extends WorkflowEntrypoint {
  async run() { setTimeout(() => { requests += 100; }, 50); return 'left a timer'; }
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
                "workflows": [{"name": "wf", "binding": "WF", "class_name": "MyWorkflow"},
                              {"name": "leaky", "binding": "LEAKY", "class_name": "Leaky"}]}"#,
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
    // The first run starts an isolate for runs; once it ends the isolate waits for the next
    // run, which finds the module state it left.
    js.create("wf", "r1", json!({})).await;
    assert_eq!(js.finish("wf", "r1", 1000).await["output"], json!("v1 1"));
    ready(&js, 1).await;
    js.create("wf", "r2", json!({})).await;
    assert_eq!(js.finish("wf", "r2", 1000).await["output"], json!("v1 2"));
    ready(&js, 1).await;
    // A run that leaves a timer behind: the timer is forgotten with the run, and the isolate
    // stays for the next run.
    js.create("leaky", "l1", json!({})).await;
    assert_eq!(
        js.finish("leaky", "l1", 1000).await["status"],
        json!("complete")
    );
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    ready(&js, 1).await;
    js.create("wf", "r2b", json!({})).await;
    assert_eq!(js.finish("wf", "r2b", 1000).await["output"], json!("v1 3"));
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

/// A project whose `src/index.js` is `index`, with one workflow (name, binding, class).
async fn one_workflow(workflow: (&str, &str, &str), index: &str) -> Js {
    one_workflow_with(workflow, index, endure_js::RunOptions::default()).await
}

/// [`one_workflow`] with these run options.
async fn one_workflow_with(
    workflow: (&str, &str, &str),
    index: &str,
    options: endure_js::RunOptions,
) -> Js {
    let (name, binding, class) = workflow;
    let config = format!(
        r#"{{"name": "p", "main": "src/index.js",
            "workflows": [{{"name": "{name}", "binding": "{binding}", "class_name": "{class}"}}]}}"#
    );
    let d = files(&[("p/wrangler.jsonc", &config), ("p/src/index.js", index)]);
    Js::start_options(d, "p", options).await
}

/// Run options with `isolates` run isolates of `places` places each.
fn places(isolates: usize, places: usize) -> endure_js::RunOptions {
    endure_js::RunOptions {
        max_run_isolates: isolates,
        runs_per_isolate: places,
        ..Default::default()
    }
}

/// Waits (hang protection only) until `n` isolates serve runs or wait for one.
async fn ready(js: &Js, n: usize) {
    for _ in 0..2_000 {
        if js.project.run_isolates() == n {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    panic!("{} isolates for runs, not {n}", js.project.run_isolates());
}

const SLEEPY: &str = r#"
import { WorkflowEntrypoint } from 'cloudflare:workers';
let started = 0;
export class Sleepy extends WorkflowEntrypoint {
  async run(event, step) {
    const n = await step.do('n', async () => ++started);
    await step.sleep('nap', '2 seconds');
    return n;
  }
}
export default { async fetch() { return new Response('ok'); } };
"#;

/// How many of `ids` have recorded their sleep, and how many are complete.
async fn progress(js: &Js, ids: &[&str]) -> (usize, usize) {
    let mut slept = 0;
    let mut done = 0;
    for id in ids {
        let doc = js.doc("sleepy", id).await;
        if doc["steps"].as_array().is_some_and(|s| s.len() == 2) {
            slept += 1;
        }
        if doc["status"] == "complete" {
            done += 1;
        }
    }
    (slept, done)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_share_an_isolate_and_those_beyond_its_places_wait() {
    let js = one_workflow_with(("sleepy", "SLEEPY", "Sleepy"), SLEEPY, places(1, 2)).await;
    let ids = ["a", "b", "c", "d"];
    for id in ids {
        js.create("sleepy", id, json!({})).await;
    }
    // Two runs hold the isolate's two places in their (short, so live) sleep; the others wait.
    let mut seen = (0, 0);
    for _ in 0..2_000 {
        seen = progress(&js, &ids).await;
        if seen.0 == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert_eq!(seen, (2, 0));
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(
        progress(&js, &ids).await,
        (2, 0),
        "no third run got a place"
    );
    // Time passes: the two that sleep (whichever got the places) finish and hand their places
    // on, then the others run.
    let mut order = vec![];
    for id in ids {
        let doc = js.doc("sleepy", id).await;
        if doc["steps"].as_array().is_some_and(|s| s.len() == 2) {
            order.push(id);
        }
    }
    order.extend(
        ids.iter()
            .filter(|id| !order.contains(id))
            .collect::<Vec<_>>(),
    );
    // All ran in the one isolate, at the same time two by two: they counted on one module
    // state.
    let mut seen = vec![];
    for id in order {
        let doc = js.finish("sleepy", id, 1_000).await;
        seen.push(doc["output"].as_u64().unwrap_or_else(|| panic!("{doc}")));
    }
    seen.sort();
    assert_eq!(seen, [1, 2, 3, 4]);
    assert_eq!(js.project.run_isolates(), 1);
}

const WAITER: &str = r#"
import { WorkflowEntrypoint } from 'cloudflare:workers';
let runs = 0;
export class Waiter extends WorkflowEntrypoint {
  async run(event, step) {
    runs++;
    const seen = await step.do('seen', async () => runs);
    const ev = await step.waitForEvent('go', { type: 'go', timeout: '1 day' });
    return { seen, got: ev.payload };
  }
}
export default { async fetch() { return new Response('ok'); } };
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_that_hibernates_hands_its_isolate_on() {
    let js = one_workflow(("waiter", "WAITER", "Waiter"), WAITER).await;
    // The first run starts an isolate. When it waits for its event (a day: not kept live),
    // the engine drops the run; its isolate forgets it and is idle again.
    js.create("waiter", "w1", json!({})).await;
    js.until("waiter", "w1", |d| d["status"] == "waiting").await;
    ready(&js, 1).await;
    // The next run takes that idle isolate: its module state is there.
    js.create("waiter", "w2", json!({})).await;
    js.until("waiter", "w2", |d| d["status"] == "waiting").await;
    ready(&js, 1).await;
    let seen = |d: &serde_json::Value| d["steps"][0]["output"].clone();
    assert_eq!(seen(&js.doc("waiter", "w2").await), json!(2));
    // The first one's event: it is replayed (its recorded step is not run again) and ends.
    js.handle("waiter", "w1")
        .await
        .send_event("go", json!({"n": 1}))
        .await
        .unwrap();
    let doc = js
        .until("waiter", "w1", |d| d["status"] == "complete")
        .await;
    assert_eq!(doc["output"], json!({"seen": 1, "got": {"n": 1}}), "{doc}");
}

const READS: &str = r#"
import { WorkflowEntrypoint } from 'cloudflare:workers';
export class MyWorkflow extends WorkflowEntrypoint {
  async run() { return 'done'; }
}
export default {
  async fetch(req, env) {
    const id = new URL(req.url).searchParams.get('id');
    const seen = {};
    // Settled within the turn that asked: no microtask gives the host a chance to answer a
    // message, so only a read answered on the isolate's own thread can be here in time.
    env.WF.get(id).then((h) => { seen.get = h.id; return h.status(); })
      .then((s) => { seen.status = s.status; seen.output = s.output; });
    env.WF.get('nobody').catch((e) => { seen.missing = e.message; });
    for (let i = 0; i < 20; i++) await null;
    const early = { ...seen };
    const late = await (await env.WF.get(id)).status();
    return Response.json({ early, late: late.status });
  },
};
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binding_reads_of_a_local_store_answer_at_once() {
    let js = one_workflow(("wf", "WF", "MyWorkflow"), READS).await;
    js.create("wf", "r1", json!({})).await;
    assert_eq!(js.finish("wf", "r1", 1000).await["status"], "complete");
    let (status, body) = js.fetch("GET", "/?id=r1", None).await;
    assert_eq!(status, 200, "{body}");
    let out: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        out,
        json!({
            "early": {"get": "r1", "status": "complete", "output": "done",
                     "missing": "instance.not_found"},
            "late": "complete",
        })
    );
}

const NOISY: &str = r#"
import { WorkflowEntrypoint } from 'cloudflare:workers';
export class Noisy extends WorkflowEntrypoint {
  async run(event, step) {
    if (event.payload.spin) {
      await step.do('spin', { retries: { limit: 0, delay: 1 } }, async () => { for (;;) {} });
    }
    await step.sleep('nap', '2 seconds');
    return 'rested';
  }
}
export default { async fetch() { return new Response('ok'); } };
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_limit_fails_its_own_run_and_retires_the_isolate_not_the_runs_beside_it() {
    let options = endure_js::RunOptions {
        limits: Limits {
            cpu: std::time::Duration::from_millis(300),
            ..Limits::default()
        },
        ..places(1, 4)
    };
    let js = one_workflow_with(("noisy", "NOISY", "Noisy"), NOISY, options).await;
    // A quiet run sleeps (live) in the isolate; then one beside it loops without end.
    js.create("noisy", "quiet", json!({})).await;
    js.until("noisy", "quiet", |d| {
        d["steps"].as_array().is_some_and(|s| !s.is_empty())
    })
    .await;
    js.create("noisy", "loud", json!({"spin": true})).await;
    let loud = js.finish("noisy", "loud", 1_000).await;
    assert_eq!(loud["status"], "errored", "{loud:#}");
    assert!(
        loud["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("exceeded CPU time limit")),
        "{loud:#}"
    );
    // The isolate takes no new run; the quiet run in it carries on to its end.
    assert_eq!(js.project.run_isolates(), 0);
    let quiet = js.finish("noisy", "quiet", 1_000).await;
    assert_eq!(quiet["output"], "rested", "{quiet:#}");
    // The next run gets a fresh isolate.
    js.create("noisy", "next", json!({})).await;
    assert_eq!(js.finish("noisy", "next", 1_000).await["output"], "rested");
    assert_eq!(js.project.run_isolates(), 1);
}

const MIXED: &str = r#"
import { WorkflowEntrypoint } from 'cloudflare:workers';
const tries = new Map();
export class Mixed extends WorkflowEntrypoint {
  async run(event, step) {
    const me = event.payload.n;
    const a = await step.do('a', async () => me * 10);
    // Fails once for each run, then succeeds: attempts of many runs interleave.
    const b = await step.do('b', { retries: { limit: 2, delay: 1 } }, async () => {
      const t = (tries.get(me) || 0) + 1;
      tries.set(me, t);
      if (t === 1) throw new Error(`first try of ${me}`);
      return a + 1;
    });
    await step.sleep('nap', '1 second');
    const c = await step.do('c', async () => `${event.instanceId}:${b}`);
    return { me, a, b, c };
  }
}
export default { async fetch() { return new Response('ok'); } };
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_in_one_isolate_at_once_keep_to_their_own_steps() {
    let js = one_workflow_with(("mixed", "MIXED", "Mixed"), MIXED, places(1, 64)).await;
    let n = 40;
    for i in 0..n {
        js.create("mixed", &format!("m{i}"), json!({"n": i})).await;
    }
    for i in 0..n {
        let doc = js.finish("mixed", &format!("m{i}"), 500).await;
        assert_eq!(
            doc["output"],
            json!({"me": i, "a": i * 10, "b": i * 10 + 1, "c": format!("m{i}:{}", i * 10 + 1)}),
            "{doc:#}"
        );
        // Its own two attempts of `b`, the first failed with its own error.
        let b = &doc["steps"][1];
        assert_eq!(b["attempts"].as_array().map(Vec::len), Some(2), "{doc:#}");
        assert_eq!(
            b["attempts"][0]["error"]["message"],
            json!(format!("first try of {i}")),
            "{doc:#}"
        );
    }
    assert_eq!(js.project.run_isolates(), 1);
}

const SHARE: &str = r#"
import { WorkflowEntrypoint } from 'cloudflare:workers';
let shared = null;
export class Share extends WorkflowEntrypoint {
  async run(event, step) {
    const base = event.payload.base;
    // The first run's fetch, awaited by both: it settles in the first run's turn, which then
    // continues the second run's code too, and makes its next fetch.
    if (!shared) shared = fetch(`${base}/shared`).then((r) => r.text());
    const first = await shared;
    const second = await (await fetch(`${base}/${event.payload.who}`)).text();
    return await step.do('done', async () => `${first}/${second}`);
  }
}
export default { async fetch() { return new Response('ok'); } };
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_call_made_in_another_runs_turn_is_answered_after_that_run_ends() {
    use std::time::Duration;
    // /shared answers after 100 ms, /a at once, /b after 500 ms: the first run ends while the
    // second's fetch, made in the first's turn, is still in flight.
    let app = axum::Router::new().fallback(|req: axum::extract::Request| async move {
        let path = req.uri().path().to_string();
        let wait = match path.as_str() {
            "/shared" => 100,
            "/b" => 500,
            _ => 0,
        };
        tokio::time::sleep(Duration::from_millis(wait)).await;
        path.trim_start_matches('/').to_string()
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let js = one_workflow_with(("share", "SHARE", "Share"), SHARE, places(1, 8)).await;
    js.create("share", "a", json!({"base": base, "who": "a"}))
        .await;
    tokio::time::sleep(Duration::from_millis(30)).await;
    js.create("share", "b", json!({"base": base, "who": "b"}))
        .await;
    let a = js.until("share", "a", |d| d["status"] == "complete").await;
    assert_eq!(a["output"], "shared/a", "{a:#}");
    assert_eq!(js.doc("share", "b").await["status"], "running");
    let b = js.until("share", "b", |d| d["status"] == "complete").await;
    assert_eq!(b["output"], "shared/b", "{b:#}");
}
