//! WebAssembly as a Worker meets it: a `.wasm` file imported as a CompiledWasm module and
//! instantiated with JavaScript imports, values of every number type, memory shared without
//! copies (and detached when it grows), tables, globals, traps, imports that call back into
//! Wasm or throw, `WebAssembly.instantiate` from bytes, and the CPU limit stopping a Wasm loop;
//! and two npm packages that ship Wasm (tests/projects/wasm-app, installed by scripts/test).

mod common;

use common::{Js, files};
use endure_js::Limits;
use serde_json::json;
use std::time::Duration;

const WAT: &str = r#"
(module
  (import "env" "log" (func $log (param i32)))
  (import "env" "twice" (func $twice (param i32) (result i32)))
  (memory (export "memory") 1 10)
  (global $g (export "counter") (mut i32) (i32.const 5))
  (global (export "pi") f64 (f64.const 3.25))
  (table (export "table") 2 funcref)
  (elem (i32.const 0) $add $sub)
  (func $add (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func $sub (param i32 i32) (result i32) local.get 0 local.get 1 i32.sub)
  (func (export "mul64") (param i64 i64) (result i64) local.get 0 local.get 1 i64.mul)
  (func (export "half") (param f32) (result f32) local.get 0 f32.const 0.5 f32.mul)
  (func (export "callTwice") (param i32) (result i32) local.get 0 call $twice i32.const 1 i32.add)
  (func (export "logUpTo") (param $n i32) (local $i i32)
    (block (loop
      (br_if 1 (i32.ge_u (local.get $i) (local.get $n)))
      (call $log (local.get $i))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br 0))))
  (func (export "sum") (param $p i32) (param $n i32) (result i32) (local $s i32)
    (block (loop
      (br_if 1 (i32.eqz (local.get $n)))
      (local.set $s (i32.add (local.get $s) (i32.load8_u (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br 0)))
    (local.get $s))
  (func (export "store") (param i32 i32) local.get 0 local.get 1 i32.store8)
  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
  (func (export "trap") unreachable)
  (func (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
  (func (export "bump") (global.set $g (i32.add (global.get $g) (i32.const 1))))
  (func (export "spin") (loop (br 0)))
  (func (export "pair") (result i32 i64) i32.const 7 i64.const 8)
)
"#;

const INDEX: &str = r#"
import compiled from './math.wasm';
import raw from './math.bin';
import again from './math.wasm?module';

async function run(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const logged: number[] = [];
  let inst: WebAssembly.Instance;
  const env = {
    log: (x: number) => { logged.push(x); },
    // An import that calls back into the instance while the outer call waits.
    twice: (x: number) => (inst.exports.add as Function)(x, x),
  };
  out.isModule = compiled instanceof WebAssembly.Module && again instanceof WebAssembly.Module;
  out.imports = WebAssembly.Module.imports(compiled);
  out.exportKinds = WebAssembly.Module.exports(compiled).map((e) => `${e.name}:${e.kind}`);
  inst = new WebAssembly.Instance(compiled, { env });
  const x = inst.exports as any;
  out.add = x.add(2, 40);
  out.addWraps = x.add(0x7fffffff, 1);
  out.mul64 = String(x.mul64(3000000000n, 7n));
  out.half = x.half(3);
  const [seven, eight] = x.pair();
  out.pair = [seven, String(eight)];
  out.callTwice = x.callTwice(20);
  x.logUpTo(4);
  out.logged = logged;
  // Memory: JavaScript and Wasm see the same bytes, without copies.
  const mem = x.memory as WebAssembly.Memory;
  out.sameMemory = mem === x.memory && mem.buffer === mem.buffer;
  const view = new Uint8Array(mem.buffer);
  view.set([1, 2, 3], 100);
  out.sum = x.sum(100, 3);
  x.store(200, 42);
  out.seenFromJs = view[200];
  // Growth from Wasm detaches the old buffer before JavaScript can read it.
  out.grow = x.grow(1);
  out.oldView = view.byteLength;
  out.newBuffer = mem.buffer.byteLength;
  out.keptBytes = new Uint8Array(mem.buffer)[200];
  out.jsGrow = mem.grow(1);
  out.pages = mem.buffer.byteLength / 65536;
  out.growTooFar = x.grow(100);
  // Globals and tables.
  const counter = x.counter as WebAssembly.Global;
  x.bump();
  out.counter = counter.value;
  counter.value = 10;
  x.bump();
  out.counterAfterSet = counter.value;
  out.pi = (x.pi as WebAssembly.Global).value;
  try { (x.pi as any).value = 1; } catch (e) { out.immutable = (e as Error).name; }
  const table = x.table as WebAssembly.Table;
  out.tableLength = table.length;
  out.fromTable = table.get(1)(10, 4);
  out.tableSameFunction = table.get(0) === table.get(0) && table.get(0) === x.add;
  // Traps and errors.
  try { x.trap(); } catch (e) { out.trap = [(e as Error).name, e instanceof WebAssembly.RuntimeError]; }
  try { x.div(1, 0); } catch (e) { out.divByZero = (e as Error).name; }
  const failing = new WebAssembly.Instance(compiled, { env: { log: () => { throw new Error('from the import'); }, twice: env.twice } });
  try { (failing.exports as any).logUpTo(3); } catch (e) { out.importThrew = (e as Error).message; }
  out.stillUsable = (failing.exports as any).add(1, 1);
  try { new WebAssembly.Instance(compiled, { env: { log: env.log } }); } catch (e) { out.link = (e as Error).name; }
  try { new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 9, 9])); } catch (e) { out.compile = (e as Error).name; }
  out.validate = [WebAssembly.validate(new Uint8Array(raw)), WebAssembly.validate(new Uint8Array([1, 2, 3]))];
  // From bytes (a Data module here), as libraries that embed their Wasm do.
  const made = await WebAssembly.instantiate(raw, { env });
  out.fromBytes = (made.instance.exports as any).add(5, 6);
  const mem2 = new WebAssembly.Memory({ initial: 1, maximum: 2 });
  out.memory2 = [mem2.buffer.byteLength, mem2.grow(1), mem2.buffer.byteLength];
  try { mem2.grow(1); } catch (e) { out.memory2Limit = (e as Error).name; }
  const g = new WebAssembly.Global({ value: 'i64', mutable: true }, 5n);
  g.value = 1n << 40n;
  out.global64 = String(g.value);
  return out;
}

export default {
  async fetch(req: Request): Promise<Response> {
    if (new URL(req.url).pathname === '/spin') {
      const inst = new WebAssembly.Instance(compiled, { env: { log() {}, twice: (x: number) => x } });
      (inst.exports as any).spin();
      return new Response('unreachable');
    }
    try { return Response.json(await run()); } catch (e) { return new Response(String((e as Error).stack || e), { status: 500 }); }
  },
};
"#;

fn project() -> tempfile::TempDir {
    let wasm = wat::parse_str(WAT).unwrap();
    let d = files(&[
        (
            "p/wrangler.jsonc",
            r#"{"name": "p", "main": "src/index.ts"}"#,
        ),
        ("p/src/index.ts", INDEX),
    ]);
    std::fs::write(d.path().join("p/src/math.wasm"), &wasm).unwrap();
    std::fs::write(d.path().join("p/src/math.bin"), &wasm).unwrap();
    d
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wasm_modules_memory_tables_globals_and_traps() {
    let js = Js::start(project(), "p", vec![], Limits::default()).await;
    let out = js.get_json("/").await;
    let expect = json!({
        "isModule": true,
        "imports": [{"module": "env", "name": "log", "kind": "function"}, {"module": "env", "name": "twice", "kind": "function"}],
        "add": 42, "addWraps": -2147483648, "mul64": "21000000000", "half": 1.5, "pair": [7, "8"], "callTwice": 41,
        "logged": [0, 1, 2, 3],
        "sameMemory": true, "sum": 6, "seenFromJs": 42,
        "grow": 1, "oldView": 0, "newBuffer": 131072, "keptBytes": 42, "jsGrow": 2, "pages": 3,
        "growTooFar": -1,
        "counter": 6, "counterAfterSet": 11, "pi": 3.25, "immutable": "TypeError",
        "tableLength": 2, "fromTable": 6, "tableSameFunction": true,
        "trap": ["RuntimeError", true], "divByZero": "RuntimeError",
        "importThrew": "from the import", "stillUsable": 2,
        "link": "LinkError", "compile": "CompileError", "validate": [true, false],
        "fromBytes": 11, "memory2": [65536, 1, 131072], "memory2Limit": "RangeError",
        "global64": "1099511627776",
    });
    for (k, v) in expect.as_object().unwrap() {
        assert_eq!(&out[k], v, "{k} in {out:#}");
    }
    let mut kinds: Vec<String> = serde_json::from_value(out["exportKinds"].clone()).unwrap();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            "add:function",
            "bump:function",
            "callTwice:function",
            "counter:global",
            "div:function",
            "grow:function",
            "half:function",
            "logUpTo:function",
            "memory:memory",
            "mul64:function",
            "pair:function",
            "pi:global",
            "spin:function",
            "store:function",
            "sum:function",
            "table:table",
            "trap:function"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cpu_limit_stops_a_wasm_loop() {
    let limits = Limits {
        cpu: Duration::from_millis(300),
        ..Limits::default()
    };
    let js = Js::start(project(), "p", vec![], limits).await;
    let started = std::time::Instant::now();
    let (status, body) = js.fetch("GET", "/spin", None).await;
    assert_eq!(status, 500, "{body}");
    assert!(started.elapsed() < Duration::from_secs(20));
    // The isolate is gone; the next request gets a fresh one and works.
    let (status, body) = js.fetch("GET", "/", None).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn npm_packages_that_ship_wasm() {
    let js = Js::fixture("wasm-app", vec![]).await;
    let out = js.get_json("/").await;
    // FIPS 180-2 and RFC 1321 digests of "abc"; BLAKE3's own test value; argon2id as
    // libargon2 (argon2-cffi) computes it for the same parameters.
    assert_eq!(
        out,
        json!({
            "sha256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            "md5": "900150983cd24fb0d6963f7d28e17f72",
            "argon2": "1c9e63eede6f04554114f3424b97daa5",
            "blake3": "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85",
            "png": ["PNG", 4, 3, true],
        })
    );
}
