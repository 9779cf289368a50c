//! `AsyncLocalStorage` (node:async_hooks) follows a request or a run across `await`, promise
//! callbacks, timers, rejections and CommonJS packages, and never leaks into the next request.

mod common;

use common::{Js, files};
use endure_js::{Limits, Project, RunOptions};
use serde_json::{Value, json};

const WRANGLER: &str = r#"{"name": "p", "main": "src/index.ts", "compatibility_flags": ["nodejs_compat"],
   "workflows": [{"name": "wf", "binding": "WF", "class_name": "MyWorkflow"}]}"#;

const INDEX: &str = r#"
import { WorkflowEntrypoint, WorkflowStep, WorkflowEvent } from 'cloudflare:workers';
import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import { tagged } from 'cjs-lib';

const als = new AsyncLocalStorage<string>();
const other = new AsyncLocalStorage<number>();
const tick = () => new Promise<void>((r) => setTimeout(r, 1));

async function deep(label: string): Promise<string> {
  await tick();
  await Promise.resolve();
  const inner = await (async () => { await tick(); return als.getStore(); })();
  return `${label}:${als.getStore()}:${inner}`;
}
async function failing(): Promise<never> {
  await tick();
  throw new Error('boom');
}

export class MyWorkflow extends WorkflowEntrypoint<any, any> {
  async run(event: WorkflowEvent<any>, step: WorkflowStep) {
    return als.run('run', async () => {
      const a = await step.do('a', async () => 1);
      await step.sleep('nap', '1 second');
      const b = await step.do('b', async () => 2);
      return { a, b, store: als.getStore() };
    });
  }
}

export default {
  async fetch(req: Request): Promise<Response> {
    const out: Record<string, unknown> = {};
    out.outside = als.getStore() ?? null;
    const [a, b] = await Promise.all([als.run('A', () => deep('a')), als.run('B', () => deep('b'))]);
    out.a = a;
    out.b = b;
    out.after = als.getStore() ?? null;
    out.caught = await als.run('C', async () => {
      try { await failing(); return 'not thrown'; } catch { return als.getStore(); }
    });
    out.finally = await als.run('F', async () => {
      let seen;
      try { await failing(); } catch { await tick(); } finally { seen = als.getStore(); }
      return seen;
    });
    out.then = await als.run('T', () => tick().then(() => als.getStore()));
    out.timer = await als.run('E', () => new Promise((r) => setTimeout(() => r(als.getStore()), 1)));
    out.microtask = await als.run('M', () => new Promise((r) => queueMicrotask(() => r(als.getStore()))));
    out.nested = await als.run('N', () => other.run(7, async () => { await tick(); return `${als.getStore()}/${other.getStore()}`; }));
    out.exit = als.run('G', () => als.exit(() => als.getStore() ?? null));
    const bound = als.run('S', () => AsyncLocalStorage.bind(() => als.getStore()));
    out.bound = bound();
    const resource = als.run('R', () => new AsyncResource('job'));
    out.resource = resource.runInAsyncScope(() => als.getStore());
    out.cjs = await als.run('J', () => tagged(() => als.getStore()));
    return Response.json(out);
  },
};
"#;

const CJS_LIB: &str = "const { AsyncLocalStorage } = require('node:async_hooks');\nconst own = new AsyncLocalStorage();\nexports.tagged = function (read) { return own.run('lib', async () => { await new Promise((r) => setTimeout(r, 1)); return own.getStore() + '+' + read(); }); };\n";

fn project(wrangler: &str) -> tempfile::TempDir {
    files(&[
        ("p/wrangler.jsonc", wrangler),
        ("p/src/index.ts", INDEX),
        (
            "p/node_modules/cjs-lib/package.json",
            r#"{"name": "cjs-lib", "main": "index.js"}"#,
        ),
        ("p/node_modules/cjs-lib/index.js", CJS_LIB),
    ])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_follows_awaits_callbacks_and_timers() {
    let js = Js::start(project(WRANGLER), "p", vec![], Limits::default()).await;
    let out = js.get_json("/").await;
    assert_eq!(
        out,
        json!({
            "outside": null, "a": "a:A:A", "b": "b:B:B", "after": null, "caught": "C",
            "finally": "F", "then": "T", "timer": "E", "microtask": "M", "nested": "N/7",
            "exit": null, "bound": "S", "resource": "R", "cjs": "lib+J",
        })
    );
    // The next request starts with no store, whatever the last one resumed last.
    let (_, body) = js.fetch("GET", "/", None).await;
    let again: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(again["outside"], Value::Null);
    assert_eq!(again, out);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_keeps_its_store_across_steps_and_sleeps() {
    let js = Js::start(project(WRANGLER), "p", vec![], Limits::default()).await;
    js.create("wf", "als-1", json!({})).await;
    let doc = js.finish("wf", "als-1", 1000).await;
    assert_eq!(doc["status"], "complete", "{doc}");
    assert_eq!(doc["output"], json!({"a": 1, "b": 2, "store": "run"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_flags_node_async_hooks_is_refused_by_name() {
    let d = project(
        r#"{"name": "p", "main": "src/index.ts",
            "workflows": [{"name": "wf", "binding": "WF", "class_name": "MyWorkflow"}]}"#,
    );
    let e = match Project::load(&d.path().join("p"), RunOptions::default()) {
        Err(e) => e.to_string(),
        Ok(p) => p.check().await.unwrap_err().to_string(),
    };
    assert!(e.contains("node:async_hooks"), "{e}");
    assert!(e.contains("nodejs_compat"), "{e}");
    // `nodejs_als` alone is enough.
    let js = Js::start(
        project(&WRANGLER.replace("nodejs_compat", "nodejs_als")),
        "p",
        vec![],
        Limits::default(),
    )
    .await;
    let (status, body) = js.fetch("GET", "/", None).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"a\":\"a:A:A\""), "{body}");
}
