use endure_engine::{CreateOptions, EngineBuilder};
use endure_js::{Project, RunOptions};
use serde_json::json;
use std::sync::Arc;

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for (p, t) in files {
        let path = d.path().join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, t).unwrap();
    }
    d
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_typescript_workflow_runs() {
    let d = project(&[
        (
            "wrangler.jsonc",
            r#"{"name": "p", "main": "src/index.ts", "vars": {"GREETING": "hi"},
               "workflows": [{"name": "wf", "binding": "WF", "class_name": "MyWorkflow"}]}"#,
        ),
        (
            "src/index.ts",
            r#"
import { WorkflowEntrypoint, WorkflowStep, WorkflowEvent } from 'cloudflare:workers';
type Params = { x: number };
export class MyWorkflow extends WorkflowEntrypoint<{ GREETING: string }, Params> {
  async run(event: WorkflowEvent<Params>, step: WorkflowStep) {
    const a = await step.do('first', async () => ({ n: event.payload.x + 1, when: new Date(0) }));
    const b = await step.do('second', { retries: { limit: 2, delay: 10 } }, async (ctx) => {
      if (ctx.attempt < 2) throw new Error('flaky');
      return a.n * 10;
    });
    return { b, greeting: this.env.GREETING, isDate: a.when instanceof Date, id: event.instanceId };
  }
}
"#,
        ),
    ]);
    let d = check_and_run(
        d.path(),
        CreateOptions::new().id("a").params(json!({"x": 1})),
    )
    .await;
    let doc = serde_json::to_value(&d).unwrap();
    assert_eq!(
        doc["output"],
        json!({"b": 20, "greeting": "hi", "isDate": true, "id": "a"}),
        "{doc:#}"
    );
    assert_eq!(
        doc["steps"][1]["attempts"].as_array().unwrap().len(),
        2,
        "{doc:#}"
    );
}

/// Packages from node_modules: an ES-module package runs; a CommonJS-only one, a missing file
/// and a class the configuration names but the module does not export are start-up errors
/// that say which.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn modules_from_node_modules_and_start_up_checks() {
    let d = project(&[
        (
            "wrangler.json",
            r#"{"name": "p", "main": "src/index.js",
               "workflows": [{"name": "wf", "binding": "WF", "class_name": "W"}]}"#,
        ),
        (
            "src/index.js",
            r#"import { WorkflowEntrypoint } from "cloudflare:workers";
import slugify, { VERSION } from "tiny-slug";
export class W extends WorkflowEntrypoint {
  async run(event, step) { return await step.do("slug", async () => slugify("Hello World") + "@" + VERSION); }
}"#,
        ),
        (
            "node_modules/tiny-slug/package.json",
            r#"{"name": "tiny-slug", "type": "module", "exports": {".": {"import": "./dist/index.js", "require": "./dist/index.cjs"}}}"#,
        ),
        (
            "node_modules/tiny-slug/dist/index.js",
            "import { VERSION } from './version.js';\nexport { VERSION };\nexport default (s) => s.toLowerCase().replace(/\\s+/g, '-');\n",
        ),
        (
            "node_modules/tiny-slug/dist/version.js",
            "export const VERSION = '1.0';\n",
        ),
        (
            "node_modules/old/package.json",
            r#"{"name": "old", "main": "lib/index.js"}"#,
        ),
        (
            "node_modules/old/lib/index.js",
            "var path = require('path');\nvar data = require('./data.json');\nexports.ext = function (f) { return path.extname(f); };\nexports.answer = data.answer;\n",
        ),
        ("node_modules/old/lib/data.json", r#"{"answer": 42}"#),
        (
            "node_modules/needs-fs/package.json",
            r#"{"name": "needs-fs"}"#,
        ),
        (
            "node_modules/needs-fs/index.js",
            "module.exports = require('fs');\n",
        ),
    ]);
    let doc = check_and_run(d.path(), CreateOptions::new()).await;
    assert_eq!(doc.output, json!("hello-world@1.0"));

    let main = d.path().join("src/index.js");
    // CommonJS packages load through `require`: a default export and named ones.
    std::fs::write(
        &main,
        r#"import { WorkflowEntrypoint } from "cloudflare:workers";
import old, { answer } from "old";
import * as ns from "old";
export class W extends WorkflowEntrypoint {
  async run() { return [old.ext("a/b.txt"), answer, ns.answer, typeof ns.default.ext]; }
}"#,
    )
    .unwrap();
    let doc = check_and_run(d.path(), CreateOptions::new()).await;
    assert_eq!(doc.output, json!([".txt", 42, 42, "function"]), "{doc:?}");
    // A Node module Endure does not provide: the error names it and who required it.
    std::fs::write(&main, "import x from 'needs-fs';\nexport class W {}\n").unwrap();
    let e = check_error(d.path()).await;
    assert!(
        e.contains("\"fs\"") && e.contains("needs-fs/index.js"),
        "{e}"
    );
    std::fs::write(&main, "import x from './nowhere.js';\nexport class W {}\n").unwrap();
    let e = check_error(d.path()).await;
    assert!(e.contains("cannot find module \"./nowhere.js\""), "{e}");
    std::fs::write(&main, "export class Other {}\n").unwrap();
    let e = check_error(d.path()).await;
    assert!(
        e.contains("class \"W\" is not exported by src/index.js (it exports: Other)"),
        "{e}"
    );
}

/// Loads and checks the project, runs one instance of `wf` to the end.
/// A project with one workflow, `wf`, of class `MyWorkflow` in `src/index.ts`.
const ONE_WORKFLOW: &str = r#"{"name": "p", "main": "src/index.ts",
   "workflows": [{"name": "wf", "binding": "WF", "class_name": "MyWorkflow"}]}"#;

/// Runs one instance (id `id`) of a one-workflow project whose `src/index.ts` is `src`.
async fn run_source(src: &str, id: &str) -> serde_json::Value {
    let d = project(&[("wrangler.jsonc", ONE_WORKFLOW), ("src/index.ts", src)]);
    doc_in(&d, id).await
}

/// Runs one instance (id `id`) of the project in `d` and returns its status document.
async fn doc_in(d: &tempfile::TempDir, id: &str) -> serde_json::Value {
    serde_json::to_value(check_and_run(d.path(), CreateOptions::new().id(id)).await).unwrap()
}

async fn check_and_run(
    dir: &std::path::Path,
    create: CreateOptions,
) -> endure_model::history::InstanceDetails {
    let p = Project::load(dir, RunOptions::default()).unwrap();
    p.check().await.unwrap();
    let store = Arc::new(endure_store::MemoryStore::new());
    let engine = p
        .register(EngineBuilder::new(store))
        .unwrap()
        .start()
        .await
        .unwrap();
    p.attach(engine.clone());
    let h = engine.workflow("wf").unwrap().create(create).await.unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(30), h.wait_finished())
        .await
        .unwrap()
        .unwrap()
}

/// Why the project does not start: its load error, or else its start-up check's.
async fn load_error(dir: &std::path::Path) -> String {
    match Project::load(dir, RunOptions::default()) {
        Err(e) => e.to_string(),
        Ok(p) => p.check().await.unwrap_err().to_string(),
    }
}

/// The start-up check's error for the project.
async fn check_error(dir: &std::path::Path) -> String {
    Project::load(dir, RunOptions::default())
        .unwrap()
        .check()
        .await
        .unwrap_err()
        .to_string()
}

/// Changed sources are taken into use by `reload`; sources that do not load are refused and the
/// old ones stay in use.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_takes_changed_sources() {
    let code = |v: &str| {
        format!(
            "import {{ WorkflowEntrypoint }} from 'cloudflare:workers';\nexport class W extends WorkflowEntrypoint {{ async run() {{ return '{v}'; }} }}\n"
        )
    };
    let d = project(&[
        (
            "wrangler.json",
            r#"{"name": "p", "main": "index.js", "workflows": [{"name": "wf", "binding": "WF", "class_name": "W"}]}"#,
        ),
        ("index.js", &code("v1")),
    ]);
    let p = Project::load(d.path(), RunOptions::default()).unwrap();
    let engine = p
        .register(EngineBuilder::new(Arc::new(
            endure_store::MemoryStore::new(),
        )))
        .unwrap()
        .start()
        .await
        .unwrap();
    p.attach(engine.clone());
    let run = |id: &'static str| {
        let engine = engine.clone();
        async move {
            let h = engine
                .workflow("wf")
                .unwrap()
                .create(CreateOptions::new().id(id))
                .await
                .unwrap();
            h.wait_finished().await.unwrap().output
        }
    };
    assert_eq!(run("a").await, json!("v1"));
    std::fs::write(d.path().join("index.js"), code("v2")).unwrap();
    p.reload().await.unwrap();
    assert_eq!(run("b").await, json!("v2"));
    std::fs::write(d.path().join("index.js"), "export class W {\n").unwrap();
    let e = p.reload().await.unwrap_err().to_string();
    assert!(e.contains("index.js"), "{e}");
    assert_eq!(run("c").await, json!("v2"), "the broken edit is not used");
}

/// tsconfig.json drives the compiler: JSX with `jsxImportSource` (a package's `jsx-runtime`,
/// as hono's JSX is used) and TypeScript's legacy decorators with `experimentalDecorators`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tsconfig_jsx_and_legacy_decorators() {
    let files = [
        ("wrangler.jsonc", ONE_WORKFLOW),
        (
            "tsconfig.json",
            r#"{
  // as a hono project writes it
  "compilerOptions": {
    "jsx": "react-jsx",
    "jsxImportSource": "tiny-jsx",
    "experimentalDecorators": true,
  },
}"#,
        ),
        (
            "node_modules/tiny-jsx/package.json",
            r#"{"name": "tiny-jsx", "type": "module", "exports": {"./jsx-runtime": "./runtime.js"}}"#,
        ),
        (
            "node_modules/tiny-jsx/runtime.js",
            r#"
const render = (t, p) => {
  const kids = [].concat(p.children ?? []).map((c) => (typeof c === 'string' ? c : c.html)).join('');
  return { html: typeof t === 'function' ? t(p).html : `<${t}>${kids}</${t}>` };
};
export const jsx = render;
export const jsxs = render;
export const Fragment = (p) => ({ html: [].concat(p.children).map((c) => c.html ?? c).join('') });
"#,
        ),
        (
            "src/page.tsx",
            "export const Page = (p: { name: string }) => <main><h1>hi {p.name}</h1></main>;\n",
        ),
        (
            "src/index.ts",
            r#"
import { WorkflowEntrypoint, WorkflowStep, WorkflowEvent } from 'cloudflare:workers';
import { Page } from './page';
function upper(target: any, key: string, d: PropertyDescriptor) {
  const f = d.value;
  d.value = function (...a: any[]) { return String(f.apply(this, a)).toUpperCase(); };
}
class Greeter {
  @upper
  greet(n: string) { return `hello ${n}`; }
}
export class MyWorkflow extends WorkflowEntrypoint {
  async run(event: WorkflowEvent<{}>, step: WorkflowStep) {
    return await step.do('render', async () => ({
      html: Page({ name: 'ada' }).html,
      greeting: new Greeter().greet('ada'),
    }));
  }
}
"#,
        ),
    ];
    let d = project(&files);
    let doc = doc_in(&d, "j").await;
    assert_eq!(
        doc["output"],
        json!({"html": "<main><h1>hi ada</h1></main>", "greeting": "HELLO ADA"}),
        "{doc:#}"
    );
    // Without experimentalDecorators decorators are standard ones (as TypeScript 5 compiles
    // them): this legacy-style decorator gets (method, context) and fails where it reads its
    // third argument; the start-up check names the file, line and column.
    let d = project(&files);
    std::fs::write(
        d.path().join("tsconfig.json"),
        r#"{"compilerOptions": {"jsxImportSource": "tiny-jsx"}}"#,
    )
    .unwrap();
    let e = load_error(d.path()).await;
    assert!(e.contains("TypeError"), "{e}");
    assert!(e.contains("src/index.ts:4:"), "{e}");
}

/// `package.json` as bundlers read it: `exports` subpath patterns (`"./*"`) with conditions in
/// the package's order, and the project's own `imports` (`#name`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_patterns_and_imports_maps() {
    let d = project(&[
        ("wrangler.jsonc", ONE_WORKFLOW),
        (
            "package.json",
            r##"{"name": "app", "type": "module", "imports": {"#config": {"workerd": "./src/config.worker.ts", "default": "./src/config.ts"}}}"##,
        ),
        ("src/config.worker.ts", "export const where = 'workerd';\n"),
        ("src/config.ts", "export const where = 'default';\n"),
        (
            "node_modules/kit/package.json",
            r#"{"name": "kit", "type": "module", "exports": {
                 ".": {"types": "./index.d.ts", "default": "./dist/index.js"},
                 "./*": {"workerd": "./dist/*.worker.js", "default": "./dist/*.js"},
                 "./private/*": null}}"#,
        ),
        (
            "node_modules/kit/dist/index.js",
            "export const root = 'kit';\n",
        ),
        (
            "node_modules/kit/dist/date/format.worker.js",
            "export const fmt = (d) => 'worker ' + d.toISOString();\n",
        ),
        (
            "node_modules/kit/dist/date/format.js",
            "export const fmt = () => 'node';\n",
        ),
        (
            "node_modules/kit/dist/private/secret.js",
            "export const s = 1;\n",
        ),
        (
            "src/index.ts",
            r#"
import { WorkflowEntrypoint, WorkflowStep, WorkflowEvent } from 'cloudflare:workers';
import { root } from 'kit';
import { fmt } from 'kit/date/format';
import { where } from '#config';
export class MyWorkflow extends WorkflowEntrypoint {
  async run(event: WorkflowEvent<{}>, step: WorkflowStep) {
    return { root, formatted: fmt(new Date(0)), where };
  }
}
"#,
        ),
    ]);
    let doc = doc_in(&d, "e").await;
    assert_eq!(
        doc["output"],
        json!({"root": "kit", "formatted": "worker 1970-01-01T00:00:00.000Z", "where": "workerd"}),
        "{doc:#}"
    );
    // A subpath the package hides is a start-up error naming it.
    std::fs::write(
        d.path().join("src/index.ts"),
        "import { s } from 'kit/private/secret';\nexport default { fetch() { return new Response(String(s)); } };\n",
    )
    .unwrap();
    let e = load_error(d.path()).await;
    assert!(e.contains("kit") && e.contains("./private/secret"), "{e}");
}

/// `nodejs_compat` modules, checked against published values (SHA-256 of "abc" from FIPS
/// 180-2, HMAC-SHA-256 test case 2 of RFC 4231, MD5 of "" from RFC 1321), from ES modules and
/// from a CommonJS package's `require`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_modules_of_nodejs_compat() {
    let d = project(&[
        (
            "wrangler.jsonc",
            r#"{"name": "p", "main": "src/index.ts", "compatibility_flags": ["nodejs_compat"],
               "workflows": [{"name": "wf", "binding": "WF", "class_name": "MyWorkflow"}]}"#,
        ),
        (
            "node_modules/old-emitter/package.json",
            r#"{"name": "old-emitter", "main": "index.js"}"#,
        ),
        (
            "node_modules/old-emitter/index.js",
            "const { EventEmitter } = require('events');\nconst util = require('node:util');\nclass Bell extends EventEmitter {}\nmodule.exports = { ring() { const b = new Bell(); let n = 0; b.on('ring', (k) => { n += k; }); b.emit('ring', 2); b.emit('ring', 3); return util.format('%s rang %d', 'bell', n); } };\n",
        ),
        (
            "src/index.ts",
            r#"
import { WorkflowEntrypoint, WorkflowStep, WorkflowEvent } from 'cloudflare:workers';
import { Buffer } from 'node:buffer';
import { EventEmitter, once } from 'node:events';
import { createHash, createHmac, timingSafeEqual, randomBytes } from 'node:crypto';
import * as util from 'node:util';
import assert from 'node:assert';
import { StringDecoder } from 'node:string_decoder';
import { ring } from 'old-emitter';
export class MyWorkflow extends WorkflowEntrypoint {
  async run(event: WorkflowEvent<{}>, step: WorkflowStep) {
    return await step.do('node', async () => {
      const e = new EventEmitter();
      const seen: string[] = [];
      e.once('x', (v: string) => seen.push('once ' + v));
      e.on('x', (v: string) => seen.push('on ' + v));
      e.emit('x', 'a'); e.emit('x', 'b');
      setTimeout(() => e.emit('later', 42), 1);
      const [later] = await once(e, 'later');
      let assertion = 'none';
      try { assert.deepStrictEqual({ a: [1] }, { a: ['1'] }); } catch (err: any) { assertion = err.name + ' ' + err.code; }
      const dec = new StringDecoder('utf8');
      const euro = Buffer.from('€');
      const split = dec.write(euro.subarray(0, 2)) + '|' + dec.write(euro.subarray(2));
      const sleep = util.promisify((ms: number, cb: (e: null, v: string) => void) => setTimeout(() => cb(null, 'slept'), ms));
      return {
        sha256: createHash('sha256').update('abc').digest('hex'),
        hmac: createHmac('sha256', 'Jefe').update('what do ya want for nothing?').digest('hex'),
        md5: createHash('md5').update('').digest('base64'),
        safe: [timingSafeEqual(Buffer.from('ab'), Buffer.from('ab')), timingSafeEqual(Buffer.from('ab'), Buffer.from('ac'))],
        subtleSafe: crypto.subtle.timingSafeEqual(new Uint8Array([1]), new Uint8Array([1])),
        random: randomBytes(8).length,
        hex: Buffer.from('héllo').toString('hex'),
        b64: Buffer.from('héllo', 'utf8').toString('base64'),
        b64url: Buffer.from([0xfb, 0xff]).toString('base64url'),
        fromHex: Buffer.from('68c3a96c6c6f', 'hex').toString(),
        concat: Buffer.concat([Buffer.from('a'), Buffer.from('bc')]).toString(),
        int: Buffer.from([1, 2, 3, 4]).readUInt32BE(0),
        isBuffer: Buffer.isBuffer(Buffer.alloc(2)) && !Buffer.isBuffer(new Uint8Array(2)),
        global: typeof globalThis.Buffer === 'function',
        seen, later, assertion, split,
        format: util.format('%s:%d %j', 'n', 7, { k: 1 }),
        inspect: util.inspect({ a: [1, 'x'], m: new Map([[1, 2]]) }),
        slept: await sleep(1),
        cjs: ring(),
      };
    });
  }
}
"#,
        ),
    ]);
    let doc = doc_in(&d, "n").await;
    let o = &doc["output"];
    assert_eq!(
        o["sha256"], "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "{doc:#}"
    );
    assert_eq!(
        o["hmac"],
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
    assert_eq!(o["md5"], "1B2M2Y8AsgTpgAmY7PhCfg==");
    assert_eq!(o["safe"], json!([true, false]));
    assert_eq!(o["subtleSafe"], true);
    assert_eq!(o["random"], 8);
    assert_eq!(o["hex"], "68c3a96c6c6f");
    assert_eq!(o["b64"], "aMOpbGxv");
    assert_eq!(o["b64url"], "-_8");
    assert_eq!(o["fromHex"], "héllo");
    assert_eq!(o["concat"], "abc");
    assert_eq!(o["int"], 16909060);
    assert_eq!(o["isBuffer"], true);
    assert_eq!(o["global"], true);
    assert_eq!(o["seen"], json!(["once a", "on a", "on b"]));
    assert_eq!(o["later"], 42);
    assert_eq!(o["assertion"], "AssertionError ERR_ASSERTION");
    assert_eq!(o["split"], "|€");
    assert_eq!(o["format"], "n:7 {\"k\":1}");
    assert_eq!(o["inspect"], "{ a: [ 1, 'x' ], m: Map(1) { 1 => 2 } }");
    assert_eq!(o["slept"], "slept");
    assert_eq!(o["cjs"], "bell rang 5");
}

/// Web Crypto HMAC, with RFC 4231's test case 2 and a JWK round trip, and a clear error for
/// algorithms Endure does not offer yet.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_crypto_hmac() {
    let d = project(&[
        ("wrangler.jsonc", ONE_WORKFLOW),
        (
            "src/index.ts",
            r#"
import { WorkflowEntrypoint, WorkflowStep, WorkflowEvent } from 'cloudflare:workers';
const hex = (b: ArrayBuffer) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, '0')).join('');
export class MyWorkflow extends WorkflowEntrypoint {
  async run(event: WorkflowEvent<{}>, step: WorkflowStep) {
    return await step.do('hmac', async () => {
      const enc = new TextEncoder();
      const key = await crypto.subtle.importKey('raw', enc.encode('Jefe'), { name: 'HMAC', hash: 'SHA-256' }, true, ['sign', 'verify']);
      const data = enc.encode('what do ya want for nothing?');
      const sig = await crypto.subtle.sign('HMAC', key, data);
      const ok = await crypto.subtle.verify('HMAC', key, sig, data);
      const bad = await crypto.subtle.verify('HMAC', key, sig, enc.encode('tampered'));
      const jwk: any = await crypto.subtle.exportKey('jwk', key);
      const again = await crypto.subtle.importKey('jwk', jwk, { name: 'HMAC', hash: { name: 'SHA-256' } }, false, ['sign']);
      const gen = await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-512' }, true, ['sign']);
      let unsupported = 'none';
      try { await crypto.subtle.importKey('raw', enc.encode('k'), { name: 'RSA-OAEP' }, false, ['encrypt']); } catch (e: any) { unsupported = e.name; }
      return {
        sig: hex(sig), ok, bad, jwk: [jwk.kty, jwk.alg, jwk.k],
        again: hex(await crypto.subtle.sign('HMAC', again, data)) === hex(sig),
        genBits: (gen as any).algorithm.length, isKey: key instanceof CryptoKey, unsupported,
      };
    });
  }
}
"#,
        ),
    ]);
    let doc = doc_in(&d, "h").await;
    assert_eq!(
        doc["output"],
        json!({
            "sig": "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            "ok": true, "bad": false, "jwk": ["oct", "HS256", "SmVmZQ"], "again": true,
            "genBits": 1024, "isKey": true, "unsupported": "NotSupportedError"
        }),
        "{doc:#}"
    );
}

/// UTF-8 and base64 as the Web platform defines them (done by the host, with the prelude's
/// JavaScript for what the host leaves to it): lone surrogates become U+FFFD, invalid UTF-8
/// decodes to U+FFFD per maximal invalid sequence, `atob` is forgiving base64 and throws
/// `InvalidCharacterError` for what is not base64, and bodies of every size survive a round trip.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_and_base64_conversions() {
    let d = project(&[
        ("wrangler.jsonc", ONE_WORKFLOW),
        (
            "src/index.ts",
            r#"
import { WorkflowEntrypoint, WorkflowStep, WorkflowEvent } from 'cloudflare:workers';
const bytes = (u: Uint8Array) => Array.from(u);
export class MyWorkflow extends WorkflowEntrypoint {
  async run(event: WorkflowEvent<{}>, step: WorkflowStep) {
    return await step.do('codec', async () => {
      const enc = new TextEncoder(), dec = new TextDecoder();
      const big = 'é€😀x'.repeat(5000);
      const bad: string[] = [];
      for (const s of ['Zm9v$g==', 'Zg===', 'Zm9vY', 'Z=m9']) {
        try { atob(s); bad.push('accepted'); } catch (e: any) { bad.push(e.name); }
      }
      const blob = new Uint8Array(70000).map((_, i) => (i * 7) & 255);
      const viaResponse = new Uint8Array(await new Response(blob).arrayBuffer());
      return {
        ascii: bytes(enc.encode('hi')),
        astral: bytes(enc.encode('€😀')),
        lone: bytes(enc.encode('a\uD800b\uDC00')),
        invalid: dec.decode(new Uint8Array([0x61, 0xff, 0xe2, 0x82, 0x62, 0xf0, 0x9f, 0x98])),
        sub: dec.decode(new Uint8Array([0x78, 0xe2, 0x82, 0xac, 0x79]).subarray(1, 4)),
        bigRoundTrip: dec.decode(enc.encode(big)) === big,
        btoa: btoa('\u00ff\u0000hello'),
        atob: atob(' aGVs\nbG8= '),
        bad,
        bodyRoundTrip: viaResponse.length === blob.length && viaResponse.every((b, i) => b === blob[i]),
        text: await new Response(big).text() === big,
      };
    });
  }
}
"#,
        ),
    ]);
    let doc = doc_in(&d, "h").await;
    assert_eq!(
        doc["output"],
        json!({
            "ascii": [104, 105],
            "astral": [226, 130, 172, 240, 159, 152, 128],
            "lone": [97, 239, 191, 189, 98, 239, 191, 189],
            "invalid": "a\u{fffd}\u{fffd}b\u{fffd}",
            "sub": "\u{20ac}",
            "bigRoundTrip": true,
            "btoa": "/wBoZWxsbw==",
            "atob": "hello",
            "bad": ["InvalidCharacterError", "InvalidCharacterError", "InvalidCharacterError", "InvalidCharacterError"],
            "bodyRoundTrip": true,
            "text": true,
        }),
        "{doc:#}"
    );
}

/// What bundlers do before a Worker runs: tsconfig `paths` and `baseUrl`, wrangler's `alias`,
/// `define` and module `rules` (Text and Data, the defaults and the project's own).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paths_alias_define_and_module_rules() {
    let d = project(&[
        (
            "wrangler.jsonc",
            r#"{"name": "p", "main": "src/index.ts",
               "alias": {"greeter": "./src/lib/greeter.ts"},
               "define": {"__VERSION__": "\"1.2.3\"", "process.env.MODE": "\"test\""},
               "rules": [{"type": "Text", "globs": ["**/*.md"]}],
               "workflows": [{"name": "wf", "binding": "WF", "class_name": "MyWorkflow"}]}"#,
        ),
        (
            "tsconfig.json",
            r#"{"compilerOptions": {"baseUrl": ".", "paths": {"@/*": ["./src/*"]}}}"#,
        ),
        (
            "src/lib/greeter.ts",
            "export const greet = (n: string) => `hi ${n}`;\n",
        ),
        (
            "src/util/math.ts",
            "export const double = (n: number) => n * 2;\n",
        ),
        ("shared/consts.ts", "export const answer = 42;\n"),
        ("src/page.html", "<p>hello</p>\n"),
        ("src/notes.md", "# notes\n"),
        ("src/data.bin", "\u{1}\u{2}\u{3}"),
        (
            "src/index.ts",
            r#"
import { WorkflowEntrypoint, WorkflowStep, WorkflowEvent } from 'cloudflare:workers';
import { greet } from 'greeter';
import { double } from '@/util/math';
import { answer } from 'shared/consts';
import page from './page.html';
import notes from './notes.md';
import data from './data.bin';
declare const __VERSION__: string;
export class MyWorkflow extends WorkflowEntrypoint {
  async run(event: WorkflowEvent<{}>, step: WorkflowStep) {
    return {
      greet: greet('ada'), double: double(21), answer, page, notes,
      data: Array.from(new Uint8Array(data as ArrayBuffer)), isBuffer: data instanceof ArrayBuffer,
      version: __VERSION__, mode: process.env.MODE,
    };
  }
}
"#,
        ),
    ]);
    let doc = doc_in(&d, "m").await;
    assert_eq!(
        doc["output"],
        json!({"greet": "hi ada", "double": 42, "answer": 42, "page": "<p>hello</p>\n",
               "notes": "# notes\n", "data": [1, 2, 3], "isBuffer": true,
               "version": "1.2.3", "mode": "test"}),
        "{doc:#}"
    );
    // A broken WebAssembly import is a start-up error that names the file (tests/wasm.rs has
    // working ones).
    std::fs::write(d.path().join("src/m.wasm"), [0u8, 97, 115, 109]).unwrap();
    std::fs::write(
        d.path().join("src/index.ts"),
        "import m from './m.wasm';\nexport default { fetch() { return new Response(String(m)); } };\n",
    )
    .unwrap();
    let e = load_error(d.path()).await;
    assert!(e.contains("m.wasm") && e.contains("CompileError"), "{e}");
}

/// Web APIs beyond fetch: Event and EventTarget, Blob and File, FormData with multipart bodies
/// both ways, `navigator.userAgent`, `scheduler.wait`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_blobs_and_form_data() {
    let d = project(&[
        ("wrangler.jsonc", ONE_WORKFLOW),
        (
            "src/index.ts",
            r#"
import { WorkflowEntrypoint, WorkflowStep, WorkflowEvent } from 'cloudflare:workers';
export class MyWorkflow extends WorkflowEntrypoint {
  async run(event: WorkflowEvent<{}>, step: WorkflowStep) {
    return await step.do('web', async () => {
      const t = new EventTarget();
      const got: string[] = [];
      t.addEventListener('ping', (e: any) => got.push(e.type + ':' + e.detail), { once: true });
      t.dispatchEvent(new CustomEvent('ping', { detail: 1 }));
      t.dispatchEvent(new CustomEvent('ping', { detail: 2 }));
      const blob = new Blob(['ab', new Uint8Array([99])], { type: 'text/plain' });
      const fd = new FormData();
      fd.append('name', 'ada "the first"');
      fd.append('upload', new File(['file body\r\n--tricky'], 'a.txt', { type: 'text/plain' }));
      const req = new Request('http://x/', { method: 'POST', body: fd });
      const back = await req.formData();
      const file = back.get('upload') as File;
      const urlenc = await new Request('http://x/', { method: 'POST', body: new URLSearchParams({ a: '1', b: 'two' }) }).formData();
      const t0 = Date.now();
      await scheduler.wait(5);
      return {
        got, size: blob.size, text: await blob.text(), sliced: await blob.slice(1).text(),
        multipart: (req.headers.get('content-type') || '').startsWith('multipart/form-data; boundary='),
        name: back.get('name'), file: [file.name, file.type, await file.text()],
        urlenc: [...urlenc.entries()],
        ua: navigator.userAgent, waited: Date.now() - t0 >= 0,
        blobBody: await new Response(blob).text(),
        blobType: new Response(blob).headers.get('content-type'),
      };
    });
  }
}
"#,
        ),
    ]);
    let doc = doc_in(&d, "w").await;
    assert_eq!(
        doc["output"],
        json!({
            "got": ["ping:1"], "size": 3, "text": "abc", "sliced": "bc", "multipart": true,
            "name": "ada \"the first\"", "file": ["a.txt", "text/plain", "file body\r\n--tricky"],
            "urlenc": [["a", "1"], ["b", "two"]], "ua": "Cloudflare-Workers", "waited": true,
            "blobBody": "abc", "blobType": "text/plain"
        }),
        "{doc:#}"
    );
}

/// The Cache API: put, match (a HIT header), delete, separate named caches, the refusals, and
/// lifetimes from Cache-Control on the engine's clock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cache_api() {
    let d = project(&[
        ("wrangler.jsonc", ONE_WORKFLOW),
        (
            "src/index.ts",
            r#"
import { WorkflowEntrypoint, WorkflowStep, WorkflowEvent } from 'cloudflare:workers';
export class MyWorkflow extends WorkflowEntrypoint {
  async run(event: WorkflowEvent<{}>, step: WorkflowStep) {
    return await step.do('cache', async () => {
      const c = caches.default;
      const url = 'https://example.com/data';
      await c.put(url, new Response('cached body', { headers: { 'cache-control': 'max-age=300', 'x-a': '1' } }));
      await c.put('https://example.com/nostore', new Response('x', { headers: { 'cache-control': 'no-store' } }));
      const hit = await c.match(url);
      const mine = await caches.open('mine');
      const errors: string[] = [];
      for (const bad of [
        () => c.put(new Request(url, { method: 'POST', body: 'x' }), new Response('y')),
        () => c.put(url, new Response('y', { status: 206 })),
      ]) {
        try { await bad(); errors.push('none'); } catch (e: any) { errors.push(e.message); }
      }
      return {
        hit: hit ? [await hit.text(), hit.headers.get('x-a'), hit.headers.get('cf-cache-status')] : null,
        noStore: (await c.match('https://example.com/nostore')) === undefined,
        otherCache: (await mine.match(url)) === undefined,
        post: (await c.match(new Request(url, { method: 'POST', body: 'x' }))) === undefined,
        errors,
        deleted: [await c.delete(url), await c.delete(url)],
      };
    });
  }
}
"#,
        ),
    ]);
    let doc = doc_in(&d, "c").await;
    assert_eq!(
        doc["output"],
        json!({
            "hit": ["cached body", "1", "HIT"], "noStore": true, "otherCache": true, "post": true,
            "errors": ["Cannot cache response to non-GET request.", "Cannot cache response to a range request (206 Partial Content)."],
            "deleted": [true, false]
        }),
        "{doc:#}"
    );
}

/// Load errors of plain JavaScript name the file, line and column QuickJS reports.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn javascript_load_errors_name_the_place() {
    for (index, lib, says) in [
        (
            "export default {\n  fetch() {\n    return new Response('x' +);\n  }\n};\n",
            "",
            "src/index.js:3:",
        ),
        (
            "import './lib.js';\nexport default {};\n",
            "export const y = 1;\nnull.x;\n",
            "src/lib.js:2:",
        ),
    ] {
        let d = project(&[
            ("wrangler.json", r#"{"name": "p", "main": "src/index.js"}"#),
            ("src/index.js", index),
            ("src/lib.js", lib),
        ]);
        let e = load_error(d.path()).await;
        assert!(e.contains(says), "{e}");
    }
}

/// Web Crypto beyond HMAC, against published vectors where they exist: AES-GCM (test case 3
/// of McGrew and Viega's GCM specification), PBKDF2-SHA-256 (RFC 7914 §11), HKDF-SHA-256
/// (RFC 5869 test 1), Ed25519 (RFC 8032 §7.1 test 1: the signature is deterministic), ECDSA
/// P-256 key pairs through jwk and spki, and RSASSA-PKCS1-v1_5 with a key and a signature
/// made by OpenSSL for this test.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_crypto_with_published_vectors() {
    let src = r#"
import { WorkflowEntrypoint, WorkflowStep, WorkflowEvent } from 'cloudflare:workers';
const hex = (b: ArrayBuffer) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, '0')).join('');
const unhex = (s: string) => new Uint8Array(s.match(/../g)!.map((x) => parseInt(x, 16)));
const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const S = crypto.subtle;
export class MyWorkflow extends WorkflowEntrypoint {
  async run(event: WorkflowEvent<{}>, step: WorkflowStep) {
    return await step.do('crypto', async () => {
      const aesKey = await S.importKey('raw', unhex('feffe9928665731c6d6a8f9467308308'), 'AES-GCM', true, ['encrypt', 'decrypt']);
      const iv = unhex('cafebabefacedbaddecaf888');
      const pt = unhex('d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255');
      const ct = await S.encrypt({ name: 'AES-GCM', iv }, aesKey, pt);
      const back = await S.decrypt({ name: 'AES-GCM', iv }, aesKey, ct);
      let tamper = 'none';
      const bad = new Uint8Array(ct.slice(0)); bad[0] ^= 1;
      try { await S.decrypt({ name: 'AES-GCM', iv }, aesKey, bad); } catch (e: any) { tamper = e.name; }
      const pw = await S.importKey('raw', new TextEncoder().encode('passwd'), 'PBKDF2', false, ['deriveBits', 'deriveKey']);
      const pbkdf2 = await S.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: new TextEncoder().encode('salt'), iterations: 1 }, pw, 512);
      const derived = await S.deriveKey({ name: 'PBKDF2', hash: 'SHA-256', salt: new TextEncoder().encode('salt'), iterations: 1 }, pw, { name: 'AES-GCM', length: 256 }, true, ['encrypt']);
      const ikm = await S.importKey('raw', unhex('0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b'), 'HKDF', false, ['deriveBits']);
      const hkdf = await S.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: unhex('000102030405060708090a0b0c'), info: unhex('f0f1f2f3f4f5f6f7f8f9') }, ikm, 42 * 8);
      const b64u = (h: string) => btoa(String.fromCharCode(...unhex(h))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
      const edPriv = await S.importKey('jwk', { kty: 'OKP', crv: 'Ed25519', d: b64u('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'), x: b64u('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a') }, 'Ed25519', false, ['sign']);
      const edSig = await S.sign('Ed25519', edPriv, new Uint8Array(0));
      const edPub = await S.importKey('raw', unhex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'), 'Ed25519', true, ['verify']);
      const ec: any = await S.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
      const data = new TextEncoder().encode('hello');
      const ecSig = await S.sign({ name: 'ECDSA', hash: 'SHA-256' }, ec.privateKey, data);
      const jwk: any = await S.exportKey('jwk', ec.publicKey);
      const viaJwk = await S.importKey('jwk', jwk, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']);
      const spki = await S.exportKey('spki', viaJwk);
      const viaSpki = await S.importKey('spki', spki, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']);
      const rsaPriv = await S.importKey('pkcs8', unb64('MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQCb5IVJk5rzP0EGP6IsK8o8pBBydyiKPYEET4sC7DQe13GFw8OZrgmG9RAZEI++BDdGC7YZo0YXMLMDYnYsQwV0X4Qq91g9Knc/mAGVd4gNmrwyMRINGfYelyKbGxrbQ6ZHFX+W7qs6jYyy+sykH96ROQ5QctI96fovBIsh9XrwaP8n4EFyAiiPaeegocFFQolQpoDxwd8QwHP+kV9lJzPP0Kr/d25x2kpEqN7qmfyJ3522D1I9K7fKTQ1A0tfiRI/ghB/PcoMheJhn0wdkIk6OHb+zTo+vcWt2KNVi1QlfSmQhT+CrVwXTOWUgiLRySvC8Xei28kVjVDsDeTKGok77AgMBAAECggEAGwtqiiimzYNQOw7ICiSwqZOG3OzKJi1kWASap6+lnSIgKiYbpWoZcgXKvKZwYXUmx6qZdVorezNyIuiueqBH7nfxnGibsMTQukIbKDx76GxLMOPtb0NtPMJYeRMbNiXGz3ct0tfl8bsDyTsUTHbQ7F27G37H9YDFa+m8X3BQWyt+jyKZkVIpqEi4irlPqdi2vdmQJWz1YB3uYP/EplLS1QUPI0g+qpCgwOArdCuhg7L0++UqeqOuVHprsdNBQpNdM4IXX+r0toGyf6bavvAi2A1kXekGbxR3Q1CVR6uZuJjgjabsyojWL/u/iVQBRyLzSvWFMW4LE+xlmQMb4sHUKQKBgQDRse1MK7tNY08FXkmuO8x5wdC6v+u7uG4yFlIN+WEeHFB52CvSHoLCvL7NitxLCKTexqooYJWJ5YvX9gQhv5uEHSowlejRcCgXnX76ZeNbY18ddDeJN01MKil8grSUJS3bQzwubh2NODBcXhrOrN9SK6RfMZ/qotGwFagIJ8pMEwKBgQC+USR3kT1pN9PZOziN0LM8XTaeA7KzppqXZ0ru4yI6xERC1/vqQlAaZNjHdNB9inNZECczhoxF0yzPYKZFJunDV48NogdpUIeiY2AfMOkQ6CiNesLC320ObP+pBzIF7JAV14Zw5cSbKTpJ0aB9TaDLHbQ7LRjhmnUzhb3fC4F+eQKBgQCHk0YdLVkYG9EHY4K3x6nYPts5IsTCxedZMt0yc726vgu5+225mEhqp6WlNtZfHOObtU5mdKu6UFMt+b2KJFvj+wdACmxQnPcO7aEfO6jXeVQRswYFDWBIkinoeolODwuq67mJO2CX4XBDCATFAzgP5G+NrIP8K/Duq9HMFA3TSQKBgQCtfQ5/KJkQt2GZHxEYxez91AMb3Eck2XUHG5QFXGwxogSP4o+0JqsaxF+Qwv3j0zf/Mmhp4fcxF6Y7jOFFHInwFntDdDbJXC2obGqNRGrRjLCa+BNezYl+owITtYl2OQXHw2a8t9eXkeeer0dbsk4nmnZXk26hCcpZI0vIbZaoEQKBgEpPpqNs73LQs89MT3J0/nglnVA2wrZ1OAyZMlAgv6Zcl48eEIP8i1xYu9WZcMQdSTdookdS99RdLRSKlxP8fgHm7QBRmfv9vHyY3r+kYHTPE8zo4JLpQi5dk/WOdYdMsqDUivIWUbC1XPV/9Un+ZTm36JJqI7DbFg3pvyjRnTFM'), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
      const rsaPub = await S.importKey('spki', unb64('MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAm+SFSZOa8z9BBj+iLCvKPKQQcncoij2BBE+LAuw0HtdxhcPDma4JhvUQGRCPvgQ3Rgu2GaNGFzCzA2J2LEMFdF+EKvdYPSp3P5gBlXeIDZq8MjESDRn2Hpcimxsa20OmRxV/lu6rOo2MsvrMpB/ekTkOUHLSPen6LwSLIfV68Gj/J+BBcgIoj2nnoKHBRUKJUKaA8cHfEMBz/pFfZSczz9Cq/3ducdpKRKje6pn8id+dtg9SPSu3yk0NQNLX4kSP4IQfz3KDIXiYZ9MHZCJOjh2/s06Pr3FrdijVYtUJX0pkIU/gq1cF0zllIIi0ckrwvF3otvJFY1Q7A3kyhqJO+wIDAQAB'), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, ['verify']);
      const rsaSig = await S.sign('RSASSA-PKCS1-v1_5', rsaPriv, data);
      const rsaJwk: any = await S.exportKey('jwk', rsaPub);
      const rsaFromJwk = await S.importKey('jwk', rsaJwk, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, ['verify']);
      return {
        ct: hex(ct), roundTrip: hex(back) === hex(pt.buffer), tamper,
        pbkdf2: hex(pbkdf2), derivedBits: (derived as any).algorithm.length, hkdf: hex(hkdf),
        ed: hex(edSig), edOk: await S.verify('Ed25519', edPub, edSig, new Uint8Array(0)),
        ec: [await S.verify({ name: 'ECDSA', hash: 'SHA-256' }, ec.publicKey, ecSig, data), await S.verify({ name: 'ECDSA', hash: 'SHA-256' }, viaSpki, ecSig, data), await S.verify({ name: 'ECDSA', hash: 'SHA-256' }, viaJwk, ecSig, new TextEncoder().encode('hellO')), jwk.kty, jwk.crv],
        rsa: [hex(rsaSig) === hex(unb64('LZrjWnCj2rrE6lFJcDO7SFmI6UCzjZaE0l8hOBVAB2A3+oL0LN50KmJbCdXSphLblIFORnEbAfM17j3nsgYjfFU4d5UHmYwxiAPPaPwoLI0cmxdD7/lvBeIwN8NHOc4DpOObrF8nl0x8Wuc3wvyiOjU+thB3Z9+U1B3PeL9xHYMtc0hlw13LqnNAarlC9HEtt37DgYwFjaaWQZSgebtkbP5PXsMmplNcAOnCuGmR4AsH+5sa5Tj0vc7XyKBeL3t3baLWiA33OIeQPxWRbvXymJZZ4Wf0Xi6kIAvaFUqMJCwApZiPQ8S1kI3fN53NRpVG25mxV2jFpvUycDoaWSq3lQ==').buffer), await S.verify('RSASSA-PKCS1-v1_5', rsaFromJwk, rsaSig, data), rsaJwk.e],
      };
    });
  }
}
"#;
    let doc = run_source(src, "wc").await;
    assert_eq!(
        doc["output"],
        json!({
            "ct": "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f59854d5c2af327cd64a62cf35abd2ba6fab4",
            "roundTrip": true, "tamper": "OperationError",
            "pbkdf2": "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783",
            "derivedBits": 256,
            "hkdf": "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
            "ed": "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
            "edOk": true,
            "ec": [true, true, false, "EC", "P-256"],
            "rsa": [true, true, "AQAB"]
        }),
        "{doc:#}"
    );
}

/// Streams: a TransformStream piped through, streamed response bodies read later, tee,
/// text coding streams, and gzip/deflate round trips (gzip checked against the known header).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_and_compression() {
    let src = r#"
import { WorkflowEntrypoint, WorkflowStep, WorkflowEvent } from 'cloudflare:workers';
export class MyWorkflow extends WorkflowEntrypoint {
  async run(event: WorkflowEvent<{}>, step: WorkflowStep) {
    return await step.do('streams', async () => {
      const upper = new TransformStream({ transform(chunk, c) { c.enqueue(String(chunk).toUpperCase()); } });
      const source = ReadableStream.from(['a', 'b', 'c']);
      const piped = await new Response(source.pipeThrough(upper)).text();
      // A body whose chunks come later, after the Response was made.
      let ctrl: any;
      const later = new ReadableStream({ start(c) { ctrl = c; } });
      const res = new Response(later);
      setTimeout(() => { ctrl.enqueue(new TextEncoder().encode('late ')); ctrl.enqueue(new TextEncoder().encode('body')); ctrl.close(); }, 1);
      const copy = res.clone();
      const [t1, t2] = [await res.text(), await copy.text()];
      const text = 'hello hello hello hello';
      const gz = await new Response(new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer();
      const head = Array.from(new Uint8Array(gz).slice(0, 2));
      const back = await new Response(new Response(gz).body!.pipeThrough(new DecompressionStream('gzip'))).text();
      const df = await new Response(new Blob([text]).stream().pipeThrough(new CompressionStream('deflate-raw'))).arrayBuffer();
      const dfBack = await new Response(new Response(df).body!.pipeThrough(new DecompressionStream('deflate-raw'))).text();
      const decoded = await new Response(new Blob([new Uint8Array([0xe2, 0x82, 0xac])]).stream().pipeThrough(new TextDecoderStream()).pipeThrough(new TextEncoderStream())).text();
      const chunks: string[] = [];
      const sink = new WritableStream({ write(c) { chunks.push(String(c)); } });
      await ReadableStream.from(['x', 'y']).pipeTo(sink);
      let bad = 'none';
      try { new CompressionStream('brotli' as any); } catch (e: any) { bad = e.name; }
      return { piped, t1, t2, head, back, dfBack, decoded, chunks, bad, smaller: gz.byteLength > 0 };
    });
  }
}
"#;
    let doc = run_source(src, "s").await;
    assert_eq!(
        doc["output"],
        json!({
            "piped": "ABC", "t1": "late body", "t2": "late body", "head": [31, 139],
            "back": "hello hello hello hello", "dfBack": "hello hello hello hello",
            "decoded": "€", "chunks": ["x", "y"], "bad": "TypeError", "smaller": true
        }),
        "{doc:#}"
    );
}

/// The globals `nodejs_compat` code expects besides the modules: `global`, `setImmediate`,
/// `clearImmediate`; and Workers' `reportError`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_style_globals() {
    let src = r#"
import { WorkflowEntrypoint, WorkflowStep, WorkflowEvent } from 'cloudflare:workers';
export class MyWorkflow extends WorkflowEntrypoint {
  async run(event: WorkflowEvent<{}>, step: WorkflowStep) {
    return await step.do('globals', async () => {
      const order: string[] = [];
      await new Promise<void>((resolve) => {
        const cancelled = setImmediate(() => order.push('cancelled'));
        clearImmediate(cancelled);
        setImmediate((x: string) => { order.push(x); resolve(); }, 'immediate');
        order.push('sync');
      });
      reportError(new Error('reported, not thrown'));
      return { global: (globalThis as any).global === globalThis, order };
    });
  }
}
"#;
    let doc = run_source(src, "g").await;
    assert_eq!(
        doc["output"],
        json!({"global": true, "order": ["sync", "immediate"]}),
        "{doc:#}"
    );
}

/// `node:stream` as packages use it: Readable.from and push, 'data' flow, async iteration,
/// Transform, Writable, pipeline (callback and promise), from ES modules and `require`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_streams() {
    let src = r#"
import { WorkflowEntrypoint, WorkflowStep, WorkflowEvent } from 'cloudflare:workers';
import { Readable, Writable, Transform, pipeline } from 'node:stream';
import { pipeline as pipelineP } from 'node:stream/promises';
import { collect } from 'cjs-collect';
export class MyWorkflow extends WorkflowEntrypoint {
  async run(event: WorkflowEvent<{}>, step: WorkflowStep) {
    return await step.do('streams', async () => {
      const upper = () => new Transform({ transform(chunk: any, _e: any, cb: any) { cb(null, String(chunk).toUpperCase()); } });
      const out: string[] = [];
      const sink = () => new Writable({ write(chunk: any, _e: any, cb: any) { out.push(String(chunk)); cb(); } });
      await pipelineP(Readable.from(['a', 'b']), upper(), sink());
      const viaCallback = await new Promise((resolve) => pipeline(Readable.from(['c']), upper(), sink(), (e?: Error) => resolve(e ? e.message : 'ok')));
      const r = new Readable({ read() {} });
      r.push('x'); r.push('y'); r.push(null);
      const data: string[] = [];
      await new Promise<void>((resolve) => { r.on('data', (c: any) => data.push(String(c))); r.on('end', () => resolve()); });
      const iterated: string[] = [];
      for await (const c of Readable.from(['p', 'q'])) iterated.push(c as string);
      return { out, viaCallback, data, iterated, cjs: await collect() };
    });
  }
}
"#;
    let d = project(&[
        ("wrangler.jsonc", ONE_WORKFLOW),
        ("src/index.ts", src),
        (
            "node_modules/cjs-collect/package.json",
            r#"{"name": "cjs-collect", "main": "index.js"}"#,
        ),
        (
            "node_modules/cjs-collect/index.js",
            "const { Readable, PassThrough } = require('stream');\nexports.collect = () => new Promise((resolve) => { const parts = []; const p = new PassThrough(); p.on('data', (c) => parts.push(c.toString())); p.on('end', () => resolve(parts.join('+'))); Readable.from(['m', 'n']).pipe(p); });\n",
        ),
    ]);
    let doc = doc_in(&d, "st").await;
    assert_eq!(
        doc["output"],
        json!({"out": ["A", "B", "C"], "viaCallback": "ok", "data": ["x", "y"], "iterated": ["p", "q"], "cjs": "m+n"}),
        "{doc:#}"
    );
}

/// URLPattern as routers use it: named groups, wildcards, optional segments, custom regular
/// expressions, full-URL patterns and component objects.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn url_patterns() {
    let src = r#"
import { WorkflowEntrypoint, WorkflowStep, WorkflowEvent } from 'cloudflare:workers';
export class MyWorkflow extends WorkflowEntrypoint {
  async run(event: WorkflowEvent<{}>, step: WorkflowStep) {
    return await step.do('patterns', async () => {
      const books = new URLPattern({ pathname: '/books/:id' });
      const opt = new URLPattern({ pathname: '/docs/:section?' });
      const num = new URLPattern({ pathname: '/items/:id(\\d+)' });
      const wild = new URLPattern({ pathname: '/files/*' });
      const full = new URLPattern('https://:sub.example.com/api/:version/*');
      const m = books.exec('https://x.dev/books/42?q=1');
      return {
        id: m && m.pathname.groups.id,
        noMatch: books.test('https://x.dev/books/42/pages'),
        opt: [opt.test('https://x/docs'), opt.test('https://x/docs/intro'), opt.exec('https://x/docs/intro')!.pathname.groups.section],
        num: [num.test('https://x/items/7'), num.test('https://x/items/seven')],
        wild: wild.exec('https://x/files/a/b.txt')!.pathname.groups['0'],
        full: (() => { const r = full.exec('https://eu.example.com/api/v2/users/9'); return r && [r.hostname.groups.sub, r.pathname.groups.version, r.pathname.groups['0']]; })(),
        fullMiss: full.test('http://eu.example.com/api/v2/x'),
        pathnameProp: books.pathname,
      };
    });
  }
}
"#;
    let doc = run_source(src, "u").await;
    assert_eq!(
        doc["output"],
        json!({
            "id": "42", "noMatch": false, "opt": [true, true, "intro"], "num": [true, false],
            "wild": "a/b.txt", "full": ["eu", "v2", "users/9"], "fullMiss": false,
            "pathnameProp": "/books/:id"
        }),
        "{doc:#}"
    );
}
