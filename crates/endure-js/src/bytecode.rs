//! The runtime prelude compiled once per process: parsing its 40 KB took ~4 ms of every
//! isolate's start (measured: 4.0 ms of 4.2 ms from spawn to ready). The first isolate compiles
//! it as a module and keeps the bytecode; later isolates load that. Loading bytecode still
//! costs in proportion to its size (all of it is read, whatever runs), so the parts most runs
//! never touch — the Node modules, SubtleCrypto, and the web APIs beyond fetch — are
//! *sections*: modules compiled apart and loaded into an isolate the first time its code uses
//! them (measured on the 1 000 × 10-step JavaScript bench: 204 instances/s with all of it in
//! the prelude, 312/s with the sections apart). The project's own ES modules are kept as
//! bytecode too, by name and source hash (a Hono app's request: 17–19.5 ms → 13.7 ms at the
//! median, BENCHMARKS.md).

use rquickjs::module::{Declared, WriteOptions};
use rquickjs::{Ctx, Module};
use std::sync::OnceLock;

/// The prelude: one function body, kept in several files by topic (src/runtime/).
const RUNTIME_JS: &str = concat!(
    include_str!("runtime/00-core.js"),
    include_str!("runtime/10-steps.js"),
    include_str!("runtime/20-resources.js"),
    include_str!("runtime/30-entrypoints.js"),
    include_str!("runtime/40-web.js"),
    include_str!("runtime/50-fetch.js"),
    include_str!("runtime/60-node.js"),
    include_str!("runtime/65-node-modules.js"),
    include_str!("runtime/66-subtle.js"),
    include_str!("runtime/67-web-lazy.js"),
    include_str!("runtime/90-host.js"),
);
const NAME: &str = "endure:runtime";

static BYTECODE: OnceLock<Vec<u8>> = OnceLock::new();

/// Parts of the prelude an isolate loads only when its code first uses them (loading
/// bytecode costs in proportion to its size, so what most runs never touch stays out of the
/// prelude): (name, module source). Each module's default export is a function of what it
/// needs of the prelude.
const SECTIONS: [(&str, &str); 9] = [
    ("decorators", include_str!("runtime/sections/decorators.js")),
    ("intl", include_str!("runtime/sections/intl.js")),
    ("wasm", include_str!("runtime/sections/wasm.js")),
    ("node", include_str!("runtime/sections/node.js")),
    ("subtle", include_str!("runtime/sections/subtle.js")),
    ("web", include_str!("runtime/sections/web.js")),
    ("test", include_str!("runtime/sections/test.js")),
    (
        "test-expect",
        include_str!("runtime/sections/test-expect.js"),
    ),
    ("test-vi", include_str!("runtime/sections/test-vi.js")),
];

static SECTION_BYTECODE: OnceLock<
    std::sync::Mutex<std::collections::HashMap<&'static str, &'static [u8]>>,
> = OnceLock::new();

/// Section `name`'s default export, loaded and evaluated in `ctx` (compiled once per process).
pub fn section<'js>(ctx: &Ctx<'js>, name: &str) -> rquickjs::Result<rquickjs::Value<'js>> {
    let Some((key, source)) = SECTIONS.iter().find(|(n, _)| *n == name) else {
        return Err(rquickjs::Exception::throw_message(
            ctx,
            &format!("no prelude section {name}"),
        ));
    };
    let module_name = format!("endure:section:{key}");
    let cache = SECTION_BYTECODE.get_or_init(Default::default);
    let cached = cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(key)
        .copied();
    let module = match cached {
        Some(bytes) => load(ctx, bytes)?,
        None => {
            let m = Module::declare(ctx.clone(), module_name, *source)?;
            if let Ok(bytes) = m.write(WriteOptions::default()) {
                // Kept for the life of the process: QuickJS reads loaded bytecode in place.
                let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
                cache
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(key, bytes);
            }
            m
        }
    };
    let (module, _done) = module.eval()?;
    module.namespace()?.get("default")
}

/// Bytecode of the project's ES modules, by name and a hash of their source: parsing a
/// module is most of what loading it costs, and every run and request loads the project
/// afresh (a new isolate each). An edited module has another hash, so it is compiled again.
static PROJECT_BYTECODE: OnceLock<std::sync::Mutex<ModuleBytecode>> = OnceLock::new();

/// Compiled modules by (name, source hash).
type ModuleBytecode = std::collections::HashMap<(String, u64), &'static [u8]>;

/// Project module `name` (JavaScript `source`, whose hash is `key`), ready to evaluate:
/// compiled from its source the first time in this process, loaded from bytecode after.
pub fn project_module<'js>(
    ctx: &Ctx<'js>,
    name: &str,
    source: &str,
    key: u64,
) -> rquickjs::Result<Module<'js, Declared>> {
    let cache = PROJECT_BYTECODE.get_or_init(Default::default);
    let cached = cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&(name.to_string(), key))
        .copied();
    if let Some(bytes) = cached {
        return load(ctx, bytes);
    }
    let m = Module::declare(ctx.clone(), name, source)?;
    if let Ok(bytes) = m.write(WriteOptions::default()) {
        // Kept for the life of the process, as the prelude's: QuickJS reads it in place.
        let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
        cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((name.to_string(), key), bytes);
    }
    Ok(m)
}

/// The prelude as a module, ready to evaluate.
pub fn prelude<'js>(ctx: &Ctx<'js>) -> rquickjs::Result<Module<'js, Declared>> {
    if let Some(bytes) = BYTECODE.get() {
        return load(ctx, bytes);
    }
    let module = Module::declare(ctx.clone(), NAME, RUNTIME_JS)?;
    if let Ok(bytes) = module.write(WriteOptions::default()) {
        let _ = BYTECODE.set(bytes);
    }
    Ok(module)
}

/// Loads bytecode that `Module::write` produced in this process.
#[allow(unsafe_code)]
fn load<'js>(ctx: &Ctx<'js>, bytes: &'static [u8]) -> rquickjs::Result<Module<'js, Declared>> {
    // SAFETY: `bytes` is the output of `Module::write` for the prelude or one of its sections,
    // made by this same QuickJS build in this same process, and never changed (kept in a
    // `OnceLock`, or leaked once and only read); it is `'static`, as QuickJS keeps referring to
    // it (it is read as ROM data) for as long as the module lives.
    unsafe { Module::load(ctx.clone(), bytes) }
}
