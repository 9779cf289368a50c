//! The runtime prelude compiled once per process: parsing its 40 KB took ~4 ms of every
//! isolate's start (measured: 4.0 ms of 4.2 ms from spawn to ready). The first isolate compiles
//! it as a module and keeps the bytecode; later isolates load that.

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
    include_str!("runtime/55-web-extra.js"),
    include_str!("runtime/57-streams.js"),
    include_str!("runtime/60-node.js"),
    include_str!("runtime/65-node-modules.js"),
    include_str!("runtime/66-subtle.js"),
    include_str!("runtime/90-host.js"),
);
const NAME: &str = "endure:runtime";

static BYTECODE: OnceLock<Vec<u8>> = OnceLock::new();

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
    // SAFETY: `bytes` is the output of `Module::write` for the prelude, made by this same
    // QuickJS build in this same process, and never changed (a `OnceLock`); it is `'static`, as
    // QuickJS keeps referring to it (it is read as ROM data) for as long as the module lives.
    unsafe { Module::load(ctx.clone(), bytes) }
}
