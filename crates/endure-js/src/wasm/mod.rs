//! WebAssembly for the prelude's `WebAssembly` namespace (`runtime/sections/wasm.js`), on
//! wasmi, an interpreter kept by the Wasm community that builds in under a minute here.
//!
//! One wasmi store per isolate holds every module, instance, memory, table and global its code
//! makes; JavaScript names them by number. Calls are *resumable*: a Wasm function that calls a
//! JavaScript import stops there and returns to JavaScript, which calls the import and resumes
//! it (`call` → `[1, …]`, `resume`), so JavaScript never runs inside a Wasm call and no Rust
//! code holds the QuickJS context across one. A memory's `buffer` is an `ArrayBuffer` over
//! the Wasm memory itself (no copies, [`view`]); when a call grows the memory, its result names
//! the memory and the prelude detaches the old buffer before any JavaScript runs.
//!
//! Wasm runs on fuel in slices: between slices the isolate's CPU limit is checked, so a Wasm
//! loop is stopped like a JavaScript one. Memories and tables are bounded by the isolate's
//! memory limit.

mod values;
mod view;

use rquickjs::{Array, ArrayBuffer, Ctx, Exception, Function, Object, Value};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::{Arc, OnceLock};
use values::{Raw, js_of, raw_of, ref_of, type_name, val_of};
use wasmi::{
    Engine, Extern, ExternType, Func, FuncType, Global, Instance, Memory, MemoryType, Module,
    Mutability, ResumableCall, ResumableCallHostTrap, Store, StoreLimits, StoreLimitsBuilder,
    Table, TableType, Val, ValType,
};

/// Instructions a Wasm call runs between two checks of the isolate's CPU limit.
const FUEL_SLICE: u64 = 20_000_000;
/// Wasm calls waiting for a JavaScript import at once (nested calls from imports).
const MAX_SUSPENDED: usize = 1_000;

/// What the store keeps beside the Wasm objects.
pub(crate) struct Host {
    /// Functions JavaScript can name (exports, table and global values): id = index + 1.
    funcs: Vec<Func>,
    /// Each function's id, so that one function is one JavaScript function object. wasmi's
    /// handles have no public identity but their `Debug` form names their slot in the store.
    func_ids: std::collections::HashMap<String, u32>,
    limits: StoreLimits,
}

/// A JavaScript import called by Wasm: the call stops with this as its host error.
#[derive(Debug)]
struct ImportCall {
    slot: u32,
    args: Vec<Raw>,
}

impl std::fmt::Display for ImportCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "JavaScript import {} called", self.slot)
    }
}

impl wasmi::errors::HostError for ImportCall {}

/// A Wasm call stopped at a JavaScript import.
struct Suspended {
    invocation: ResumableCallHostTrap,
    /// The results of the function JavaScript called (not of the import).
    results: Vec<ValType>,
}

pub(crate) type SharedStore = Rc<RefCell<Store<Host>>>;

struct State {
    store: SharedStore,
    modules: Vec<Module>,
    /// Memories, and the (address, length) of the buffer last given to JavaScript.
    memories: Vec<(Memory, Option<(usize, usize)>)>,
    tables: Vec<Table>,
    globals: Vec<Global>,
    suspended: Vec<Suspended>,
    next_slot: u32,
    cpu_exceeded: Arc<dyn Fn() -> bool + Send + Sync>,
}

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut config = wasmi::Config::default();
        config.consume_fuel(true);
        Engine::new(&config)
    })
}

/// `Name: message` errors become the prelude's `WebAssembly.<Name>` (or a plain Error).
fn throw(ctx: &Ctx<'_>, name: &str, message: impl std::fmt::Display) -> rquickjs::Error {
    Exception::throw_message(ctx, &format!("{name}: {message}"))
}

fn bytes_of<'js>(ctx: &Ctx<'js>, v: &Value<'js>) -> rquickjs::Result<Vec<u8>> {
    crate::encoding::copy_bytes(v).ok_or_else(|| {
        throw(
            ctx,
            "TypeError",
            "expected the module's bytes (an ArrayBuffer or a typed array)",
        )
    })
}

impl State {
    fn new(memory_bytes: usize, cpu_exceeded: Arc<dyn Fn() -> bool + Send + Sync>) -> State {
        let limits = StoreLimitsBuilder::new()
            .memory_size(memory_bytes)
            .table_elements(memory_bytes / 8)
            .build();
        let mut store = Store::new(
            engine(),
            Host {
                funcs: Vec::new(),
                func_ids: Default::default(),
                limits,
            },
        );
        store.limiter(|h| &mut h.limits);
        State {
            store: Rc::new(RefCell::new(store)),
            modules: Vec::new(),
            memories: Vec::new(),
            tables: Vec::new(),
            globals: Vec::new(),
            suspended: Vec::new(),
            next_slot: 0,
            cpu_exceeded,
        }
    }

    fn module(&self, ctx: &Ctx<'_>, id: u32) -> rquickjs::Result<&Module> {
        self.modules
            .get(id as usize)
            .ok_or_else(|| throw(ctx, "TypeError", "not a WebAssembly.Module"))
    }

    fn func(&self, ctx: &Ctx<'_>, id: u32) -> rquickjs::Result<Func> {
        id.checked_sub(1)
            .and_then(|i| self.store.borrow().data().funcs.get(i as usize).copied())
            .ok_or_else(|| throw(ctx, "TypeError", "not a WebAssembly function"))
    }

    fn memory(&self, ctx: &Ctx<'_>, id: u32) -> rquickjs::Result<Memory> {
        self.memories
            .get(id as usize)
            .map(|m| m.0)
            .ok_or_else(|| throw(ctx, "TypeError", "not a WebAssembly.Memory"))
    }

    fn table(&self, ctx: &Ctx<'_>, id: u32) -> rquickjs::Result<Table> {
        self.tables
            .get(id as usize)
            .copied()
            .ok_or_else(|| throw(ctx, "TypeError", "not a WebAssembly.Table"))
    }

    fn global(&self, ctx: &Ctx<'_>, id: u32) -> rquickjs::Result<Global> {
        self.globals
            .get(id as usize)
            .copied()
            .ok_or_else(|| throw(ctx, "TypeError", "not a WebAssembly.Global"))
    }

    /// Memories whose buffer no longer matches the Wasm memory (grown): forgotten here, named
    /// for the prelude to detach.
    fn moved_memories(&mut self) -> Vec<u32> {
        let store = self.store.borrow();
        let mut moved = Vec::new();
        for (i, (m, issued)) in self.memories.iter_mut().enumerate() {
            if let Some(at) = *issued
                && at != (m.data_ptr(&*store) as usize, m.data_size(&*store))
            {
                *issued = None;
                moved.push(i as u32);
            }
        }
        moved
    }

    /// Runs a call (or a resumed one) to its end or to the next JavaScript import, refuelling
    /// between slices while the CPU limit allows. `[0, moved…, -1, results…]` when it ended,
    /// `[1, moved…, -1, slot, args…]` when it called an import.
    fn drive<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        mut step: Result<ResumableCall, wasmi::Error>,
        mut outputs: Vec<Val>,
        results: Vec<ValType>,
    ) -> rquickjs::Result<Array<'js>> {
        loop {
            match step {
                Err(e) => {
                    // The prelude asks `moved` next and detaches what moved.
                    if (self.cpu_exceeded)() {
                        return Err(throw(
                            ctx,
                            "RuntimeError",
                            "the CPU time limit was exceeded",
                        ));
                    }
                    return Err(throw(ctx, "RuntimeError", e));
                }
                Ok(ResumableCall::OutOfFuel(more)) => {
                    if (self.cpu_exceeded)() {
                        return Err(throw(
                            ctx,
                            "RuntimeError",
                            "the CPU time limit was exceeded",
                        ));
                    }
                    let mut store = self.store.borrow_mut();
                    let _ = store.set_fuel(FUEL_SLICE);
                    step = more.resume(&mut *store, &mut outputs);
                }
                Ok(ResumableCall::Finished) => {
                    let out = Array::new(ctx.clone())?;
                    out.set(0, 0)?;
                    self.push_moved(ctx, &out)?;
                    let mut store = self.store.borrow_mut();
                    for v in &outputs {
                        let raw = raw_of(&mut *store, v);
                        out.set(out.len(), js_of(ctx, raw)?)?;
                    }
                    return Ok(out);
                }
                Ok(ResumableCall::HostTrap(invocation)) => {
                    let Some(call) = invocation.host_error().downcast_ref::<ImportCall>() else {
                        return Err(throw(ctx, "RuntimeError", invocation.host_error()));
                    };
                    let out = Array::new(ctx.clone())?;
                    out.set(0, 1)?;
                    self.push_moved(ctx, &out)?;
                    out.set(out.len(), call.slot)?;
                    for a in &call.args {
                        out.set(out.len(), js_of(ctx, *a)?)?;
                    }
                    if self.suspended.len() >= MAX_SUSPENDED {
                        return Err(throw(
                            ctx,
                            "RangeError",
                            "too many nested WebAssembly calls",
                        ));
                    }
                    self.suspended.push(Suspended {
                        invocation,
                        results,
                    });
                    return Ok(out);
                }
            }
        }
    }

    fn push_moved<'js>(&mut self, _ctx: &Ctx<'js>, out: &Array<'js>) -> rquickjs::Result<()> {
        for id in self.moved_memories() {
            out.set(out.len(), id)?;
        }
        out.set(out.len(), -1)
    }
}

/// A `.wasm` file imported as a CompiledWasm module: compiled once per process (and again when
/// the file changes).
fn compile_file(path: &str) -> Result<Module, String> {
    type Cache =
        std::sync::Mutex<std::collections::HashMap<String, (u64, std::time::SystemTime, Module)>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let meta = std::fs::metadata(path).map_err(|e| format!("{path}: {e}"))?;
    let stamp = (meta.len(), meta.modified().unwrap_or(std::time::UNIX_EPOCH));
    let cache = CACHE.get_or_init(Default::default);
    if let Some((len, at, m)) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(path)
        && (*len, *at) == stamp
    {
        return Ok(m.clone());
    }
    let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    let module = Module::new(engine(), &bytes).map_err(|e| format!("{path}: {e}"))?;
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(path.to_string(), (stamp.0, stamp.1, module.clone()));
    Ok(module)
}

/// The type of an import or export, as the prelude reads it (JSON).
fn extern_type(ty: &ExternType) -> serde_json::Value {
    use serde_json::json;
    match ty {
        ExternType::Func(f) => json!({"kind": "function",
            "params": f.params().iter().map(|t| type_name(*t)).collect::<Vec<_>>(),
            "results": f.results().iter().map(|t| type_name(*t)).collect::<Vec<_>>()}),
        ExternType::Memory(m) => {
            json!({"kind": "memory", "minimum": m.minimum(), "maximum": m.maximum()})
        }
        ExternType::Table(t) => json!({"kind": "table",
            "element": if t.element() == wasmi::RefType::Func { "anyfunc" } else { "externref" },
            "minimum": t.minimum(), "maximum": t.maximum()}),
        ExternType::Global(g) => json!({"kind": "global", "value": type_name(g.content()),
            "mutable": g.mutability() == Mutability::Var}),
    }
}

fn func_type_json(ty: &FuncType) -> String {
    extern_type(&ExternType::Func(ty.clone())).to_string()
}

/// Installs `host.wasmHost()`, which makes the object `runtime/sections/wasm.js` calls the first
/// time the isolate's code uses WebAssembly (most isolates never do, and each made here would
/// cost every run), in an isolate whose heap limit is `memory_bytes`; `cpu_exceeded` says
/// whether the current turn is over its CPU limit.
pub fn install<'js>(
    ctx: &Ctx<'js>,
    host: &Object<'js>,
    memory_bytes: usize,
    cpu_exceeded: Arc<dyn Fn() -> bool + Send + Sync>,
) -> rquickjs::Result<()> {
    let make = Function::new(ctx.clone(), move |ctx: Ctx<'js>| {
        host_object(&ctx, memory_bytes, cpu_exceeded.clone())
    })?;
    host.set("wasmHost", make)
}

/// The host side of WebAssembly for one isolate.
fn host_object<'js>(
    ctx: &Ctx<'js>,
    memory_bytes: usize,
    cpu_exceeded: Arc<dyn Fn() -> bool + Send + Sync>,
) -> rquickjs::Result<Object<'js>> {
    let state = Rc::new(RefCell::new(State::new(memory_bytes, cpu_exceeded)));
    let wasm = Object::new(ctx.clone())?;
    macro_rules! def {
        ($name:literal, $f:expr) => {{
            let s = state.clone();
            #[allow(clippy::redundant_closure_call)]
            let f = Function::new(ctx.clone(), $f(s))?;
            wasm.set($name, f)?;
        }};
    }

    def!("validate", |_s: Rc<RefCell<State>>| {
        move |ctx: Ctx<'js>, b: Value<'js>| {
            let bytes = bytes_of(&ctx, &b)?;
            Ok::<_, rquickjs::Error>(Module::validate(engine(), &bytes).is_ok())
        }
    });
    def!("compile", |s: Rc<RefCell<State>>| {
        move |ctx: Ctx<'js>, b: Value<'js>| {
            let bytes = bytes_of(&ctx, &b)?;
            let module =
                Module::new(engine(), &bytes).map_err(|e| throw(&ctx, "CompileError", e))?;
            let mut st = s.borrow_mut();
            st.modules.push(module);
            Ok::<_, rquickjs::Error>((st.modules.len() - 1) as u32)
        }
    });
    def!("imports", |s: Rc<RefCell<State>>| {
        move |ctx: Ctx<'js>, id: u32| {
            let st = s.borrow();
            let m = st.module(&ctx, id)?;
            let list: Vec<serde_json::Value> = m
                .imports()
                .map(|i| {
                    let mut t = extern_type(i.ty());
                    t["module"] = i.module().into();
                    t["name"] = i.name().into();
                    t
                })
                .collect();
            Ok::<_, rquickjs::Error>(serde_json::Value::from(list).to_string())
        }
    });
    def!("exports", |s: Rc<RefCell<State>>| {
        move |ctx: Ctx<'js>, id: u32| {
            let st = s.borrow();
            let m = st.module(&ctx, id)?;
            let list: Vec<serde_json::Value> = m
                .exports()
                .map(|e| {
                    let mut t = extern_type(e.ty());
                    t["name"] = e.name().into();
                    t
                })
                .collect();
            Ok::<_, rquickjs::Error>(serde_json::Value::from(list).to_string())
        }
    });
    def!("instantiate", |s: Rc<RefCell<State>>| {
        move |ctx: Ctx<'js>, id: u32, given: Array<'js>| instantiate(&ctx, &s, id, &given)
    });
    def!("funcType", |s: Rc<RefCell<State>>| {
        move |ctx: Ctx<'js>, id: u32| {
            let st = s.borrow();
            let f = st.func(&ctx, id)?;
            let ty = f.ty(&*st.store.borrow());
            Ok::<_, rquickjs::Error>(func_type_json(&ty))
        }
    });
    def!("call", |s: Rc<RefCell<State>>| {
        move |ctx: Ctx<'js>, id: u32, args: Array<'js>| {
            let mut st = s.borrow_mut();
            let f = st.func(&ctx, id)?;
            let store_rc = st.store.clone();
            let (step, outputs, results) = {
                let mut store = store_rc.borrow_mut();
                let ty = f.ty(&*store);
                let mut inputs = Vec::with_capacity(ty.params().len());
                for (i, t) in ty.params().iter().enumerate() {
                    let v: Value = args
                        .get(i)
                        .unwrap_or_else(|_| Value::new_undefined(ctx.clone()));
                    inputs.push(val_of(&ctx, &mut *store, v, *t)?);
                }
                let mut outputs: Vec<Val> = ty
                    .results()
                    .iter()
                    .map(|t| Val::default_for_ty(*t))
                    .collect();
                let _ = store.set_fuel(FUEL_SLICE);
                let step = f.call_resumable(&mut *store, &inputs, &mut outputs);
                (step, outputs, ty.results().to_vec())
            };
            st.drive(&ctx, step, outputs, results)
        }
    });
    def!("resume", |s: Rc<RefCell<State>>| {
        move |ctx: Ctx<'js>, values: Array<'js>| {
            let mut st = s.borrow_mut();
            let Some(Suspended {
                invocation,
                results,
            }) = st.suspended.pop()
            else {
                return Err(throw(&ctx, "Error", "no WebAssembly call is waiting"));
            };
            let store_rc = st.store.clone();
            let (step, outputs) = {
                let mut store = store_rc.borrow_mut();
                let import_ty = invocation.host_func().ty(&*store);
                let mut inputs = Vec::new();
                for (i, t) in import_ty.results().iter().enumerate() {
                    let v: Value = values
                        .get(i)
                        .unwrap_or_else(|_| Value::new_undefined(ctx.clone()));
                    inputs.push(val_of(&ctx, &mut *store, v, *t)?);
                }
                let mut outputs: Vec<Val> =
                    results.iter().map(|t| Val::default_for_ty(*t)).collect();
                let _ = store.set_fuel(FUEL_SLICE);
                let step = invocation.resume(&mut *store, &inputs, &mut outputs);
                (step, outputs)
            };
            st.drive(&ctx, step, outputs, results)
        }
    });
    def!("abandon", |s: Rc<RefCell<State>>| move || {
        // The import threw: the Wasm frames above it are dropped, the error goes on.
        s.borrow_mut().suspended.pop();
    });
    def!("memNew", |s: Rc<RefCell<State>>| {
        move |ctx: Ctx<'js>, initial: f64, maximum: f64| {
            let mut st = s.borrow_mut();
            let mut b = MemoryType::builder();
            b.min(initial as u64);
            if maximum >= 0.0 {
                b.max(Some(maximum as u64));
            }
            let ty = b.build().map_err(|e| throw(&ctx, "RangeError", e))?;
            let m = Memory::new(&mut *st.store.borrow_mut(), ty)
                .map_err(|e| throw(&ctx, "RangeError", e))?;
            st.memories.push((m, None));
            Ok::<_, rquickjs::Error>((st.memories.len() - 1) as u32)
        }
    });
    def!("memPages", |s: Rc<RefCell<State>>| {
        move |ctx: Ctx<'js>, id: u32| {
            let st = s.borrow();
            let m = st.memory(&ctx, id)?;
            Ok::<_, rquickjs::Error>(m.size(&*st.store.borrow()) as f64)
        }
    });
    def!("memGrow", |s: Rc<RefCell<State>>| {
        move |ctx: Ctx<'js>, id: u32, delta: f64| {
            let mut st = s.borrow_mut();
            let m = st.memory(&ctx, id)?;
            let old = m
                .grow(&mut *st.store.borrow_mut(), delta as u64)
                .map_err(|e| throw(&ctx, "RangeError", e))?;
            // Growing always detaches the old buffer (the prelude does it on return).
            st.memories[id as usize].1 = None;
            Ok::<_, rquickjs::Error>(old as f64)
        }
    });
    def!("memBuffer", |s: Rc<RefCell<State>>| {
        move |ctx: Ctx<'js>, id: u32| {
            let mut st = s.borrow_mut();
            let m = st.memory(&ctx, id)?;
            let store = st.store.clone();
            let buffer = view::buffer(&ctx, store, m)?;
            let at = {
                let s = st.store.borrow();
                (m.data_ptr(&*s) as usize, m.data_size(&*s))
            };
            st.memories[id as usize].1 = Some(at);
            Ok::<_, rquickjs::Error>(buffer)
        }
    });
    def!("moved", |s: Rc<RefCell<State>>| move || s
        .borrow_mut()
        .moved_memories());
    def!("compileFile", |s: Rc<RefCell<State>>| {
        move |ctx: Ctx<'js>, path: String| {
            let module = compile_file(&path).map_err(|e| throw(&ctx, "CompileError", e))?;
            let mut st = s.borrow_mut();
            st.modules.push(module);
            Ok::<_, rquickjs::Error>((st.modules.len() - 1) as u32)
        }
    });
    def!("detach", |_s: Rc<RefCell<State>>| move |b: ArrayBuffer<
        'js,
    >| {
        let mut b = b;
        b.detach();
    });
    def!("tableNew", |s: Rc<RefCell<State>>| {
        move |ctx: Ctx<'js>, element: String, initial: f64, maximum: f64, init: Value<'js>| {
            let mut st = s.borrow_mut();
            let rt = if element == "externref" {
                wasmi::RefType::Extern
            } else {
                wasmi::RefType::Func
            };
            let max = (maximum >= 0.0).then_some(maximum as u64);
            let ty = TableType::new64(rt, initial as u64, max);
            let store_rc = st.store.clone();
            let mut store = store_rc.borrow_mut();
            let r = ref_of(&ctx, &mut *store, init, rt)?;
            let t = Table::new(&mut *store, ty, r).map_err(|e| throw(&ctx, "RangeError", e))?;
            drop(store);
            st.tables.push(t);
            Ok::<_, rquickjs::Error>((st.tables.len() - 1) as u32)
        }
    });
    def!("tableLength", |s: Rc<RefCell<State>>| {
        move |ctx: Ctx<'js>, id: u32| {
            let st = s.borrow();
            let t = st.table(&ctx, id)?;
            Ok::<_, rquickjs::Error>(t.size(&*st.store.borrow()) as f64)
        }
    });
    def!("tableGet", |s: Rc<RefCell<State>>| {
        move |ctx: Ctx<'js>, id: u32, i: f64| {
            let st = s.borrow();
            let t = st.table(&ctx, id)?;
            let mut store = st.store.borrow_mut();
            let r = t
                .get(&*store, i as u64)
                .ok_or_else(|| throw(&ctx, "RangeError", "table index out of bounds"))?;
            let raw = raw_of(&mut *store, &Val::from(r));
            js_of(&ctx, raw)
        }
    });
    def!("tableSet", |s: Rc<RefCell<State>>| {
        move |ctx: Ctx<'js>, id: u32, i: f64, v: Value<'js>| {
            let st = s.borrow();
            let t = st.table(&ctx, id)?;
            let mut store = st.store.borrow_mut();
            let rt = t.ty(&*store).element();
            let r = ref_of(&ctx, &mut *store, v, rt)?;
            t.set(&mut *store, i as u64, r)
                .map_err(|e| throw(&ctx, "RangeError", e))
        }
    });
    def!("tableGrow", |s: Rc<RefCell<State>>| {
        move |ctx: Ctx<'js>, id: u32, delta: f64, v: Value<'js>| {
            let st = s.borrow();
            let t = st.table(&ctx, id)?;
            let mut store = st.store.borrow_mut();
            let rt = t.ty(&*store).element();
            let r = ref_of(&ctx, &mut *store, v, rt)?;
            t.grow(&mut *store, delta as u64, r)
                .map(|old| old as f64)
                .map_err(|e| throw(&ctx, "RangeError", e))
        }
    });
    def!("globalNew", |s: Rc<RefCell<State>>| {
        move |ctx: Ctx<'js>, ty: String, mutable: bool, v: Value<'js>| {
            let mut st = s.borrow_mut();
            let t = values::parse_type(&ty)
                .ok_or_else(|| throw(&ctx, "TypeError", format!("unknown value type {ty}")))?;
            let store_rc = st.store.clone();
            let mut store = store_rc.borrow_mut();
            let val = val_of(&ctx, &mut *store, v, t)?;
            let m = if mutable {
                Mutability::Var
            } else {
                Mutability::Const
            };
            let g = Global::new(&mut *store, val, m);
            drop(store);
            st.globals.push(g);
            Ok::<_, rquickjs::Error>((st.globals.len() - 1) as u32)
        }
    });
    def!("globalType", |s: Rc<RefCell<State>>| {
        move |ctx: Ctx<'js>, id: u32| {
            let st = s.borrow();
            let g = st.global(&ctx, id)?;
            let ty = g.ty(&*st.store.borrow());
            Ok::<_, rquickjs::Error>(extern_type(&ExternType::Global(ty)).to_string())
        }
    });
    def!("globalGet", |s: Rc<RefCell<State>>| {
        move |ctx: Ctx<'js>, id: u32| {
            let st = s.borrow();
            let g = st.global(&ctx, id)?;
            let mut store = st.store.borrow_mut();
            let v = g.get(&*store);
            let raw = raw_of(&mut *store, &v);
            js_of(&ctx, raw)
        }
    });
    def!("globalSet", |s: Rc<RefCell<State>>| {
        move |ctx: Ctx<'js>, id: u32, v: Value<'js>| {
            let st = s.borrow();
            let g = st.global(&ctx, id)?;
            let mut store = st.store.borrow_mut();
            let t = g.ty(&*store).content();
            let val = val_of(&ctx, &mut *store, v, t)?;
            g.set(&mut *store, val)
                .map_err(|e| throw(&ctx, "TypeError", e))
        }
    });
    Ok(wasm)
}

/// Instantiates module `id` with `given` (one `[kind, id]` per import, in the module's order:
/// `["js"]` for a JavaScript function, `["function", funcId]`, `["memory", id]`, `["table",
/// id]`, `["global", id]`). Returns JSON: the slot of each JavaScript import, and each export
/// as `[name, kind, id]`.
fn instantiate<'js>(
    ctx: &Ctx<'js>,
    s: &Rc<RefCell<State>>,
    id: u32,
    given: &Array<'js>,
) -> rquickjs::Result<String> {
    let mut st = s.borrow_mut();
    let module = st.module(ctx, id)?.clone();
    let store_rc = st.store.clone();
    let mut externs = Vec::new();
    let mut slots = Vec::new();
    let link = |m: &str| throw(ctx, "LinkError", m);
    for (i, import) in module.imports().enumerate() {
        let entry: Array = given.get(i).map_err(|_| {
            link(&format!(
                "import {}.{} is missing",
                import.module(),
                import.name()
            ))
        })?;
        let kind: String = entry.get(0)?;
        let n: u32 = entry.get(1).unwrap_or(0);
        let wrong = || {
            link(&format!(
                "import {}.{} must be a {}",
                import.module(),
                import.name(),
                extern_type(import.ty())["kind"].as_str().unwrap_or("value")
            ))
        };
        let e = match (import.ty(), kind.as_str()) {
            (ExternType::Func(ty), "js") => {
                let slot = st.next_slot;
                st.next_slot += 1;
                slots.push(slot);
                let f = Func::new(
                    &mut *store_rc.borrow_mut(),
                    ty.clone(),
                    move |mut caller, params, _results| {
                        let args = params
                            .iter()
                            .map(|v| raw_of(&mut caller, v))
                            .collect::<Vec<_>>();
                        Err(wasmi::Error::host(ImportCall { slot, args }))
                    },
                );
                Extern::Func(f)
            }
            (ExternType::Func(ty), "function") => {
                let f = st.func(ctx, n)?;
                if f.ty(&*store_rc.borrow()) != *ty {
                    return Err(link(&format!(
                        "import {}.{}: the function's signature does not match",
                        import.module(),
                        import.name()
                    )));
                }
                Extern::Func(f)
            }
            (ExternType::Memory(_), "memory") => Extern::Memory(st.memory(ctx, n)?),
            (ExternType::Table(_), "table") => Extern::Table(st.table(ctx, n)?),
            (ExternType::Global(_), "global") => Extern::Global(st.global(ctx, n)?),
            _ => return Err(wrong()),
        };
        externs.push(e);
    }
    let instance = {
        let mut store = store_rc.borrow_mut();
        let _ = store.set_fuel(FUEL_SLICE * 50);
        Instance::new(&mut *store, &module, &externs).map_err(|e| {
            let text = e.to_string();
            if text.contains("JavaScript import") {
                throw(
                    ctx,
                    "LinkError",
                    "the module's start function calls a JavaScript import, which Endure does \
                     not run during instantiation",
                )
            } else if e.as_trap_code().is_some() {
                throw(ctx, "RuntimeError", text)
            } else {
                throw(ctx, "LinkError", text)
            }
        })?
    };
    let mut exports = Vec::new();
    for e in module.exports() {
        let ext = instance
            .get_export(&*store_rc.borrow(), e.name())
            .ok_or_else(|| link("an export vanished"))?;
        let (kind, id) = match ext {
            Extern::Func(f) => ("function", values::func_id(&mut *store_rc.borrow_mut(), f)),
            Extern::Memory(m) => {
                st.memories.push((m, None));
                ("memory", (st.memories.len() - 1) as u32)
            }
            Extern::Table(t) => {
                st.tables.push(t);
                ("table", (st.tables.len() - 1) as u32)
            }
            Extern::Global(g) => {
                st.globals.push(g);
                ("global", (st.globals.len() - 1) as u32)
            }
        };
        exports.push(serde_json::json!([e.name(), kind, id]));
    }
    Ok(serde_json::json!({"slots": slots, "exports": exports}).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_engine_meters_fuel() {
        // A module that loops forever runs out of fuel instead of hanging.
        let wasm = wat_loop();
        let module = Module::new(engine(), &wasm).unwrap();
        let mut store = Store::new(
            engine(),
            Host {
                funcs: vec![],
                func_ids: Default::default(),
                limits: StoreLimitsBuilder::new().build(),
            },
        );
        store.set_fuel(1_000).unwrap();
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let f = instance.get_func(&store, "spin").unwrap();
        let r = f.call_resumable(&mut store, &[], &mut []).unwrap();
        assert!(matches!(r, ResumableCall::OutOfFuel(_)));
    }

    /// `(module (func (export "spin") (loop (br 0))))`, assembled by hand.
    fn wat_loop() -> Vec<u8> {
        vec![
            0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
            0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type section: () -> ()
            0x03, 0x02, 0x01, 0x00, // function section
            0x07, 0x08, 0x01, 0x04, b's', b'p', b'i', b'n', 0x00, 0x00, // export "spin"
            0x0a, 0x09, 0x01, 0x07, 0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b, // code
        ]
    }
}
