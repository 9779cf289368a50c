// A section of the runtime prelude loaded on first use (see bytecode.rs): the WebAssembly
// JavaScript API on the host's wasmi store (wasm/mod.rs). Wasm objects are numbers on the host
// side; this file keeps their JavaScript faces, converts values at the boundary (ToInt32,
// ToBigInt64, externref ids, exported functions), calls JavaScript imports when a Wasm call
// stops at one, and detaches a memory's buffer as soon as the memory has moved.
export default function (rt) {
  const w = rt.host.wasm;
  class CompileError extends Error { constructor(m) { super(m); this.name = 'CompileError'; } }
  class LinkError extends Error { constructor(m) { super(m); this.name = 'LinkError'; } }
  class RuntimeError extends Error { constructor(m) { super(m); this.name = 'RuntimeError'; } }
  const ERRORS = { CompileError, LinkError, RuntimeError, TypeError, RangeError };
  // Host errors come as `Name: message`.
  function translate(e) {
    const m = /^(\w+): ([\s\S]*)$/.exec(String(e && e.message));
    const C = m && ERRORS[m[1]];
    return C ? new C(m[2]) : e;
  }
  function host(f, ...args) {
    try { return f(...args); } catch (e) { throw translate(e); }
  }
  const TOKEN = Symbol('internal');
  const FUNC_ID = Symbol('wasm function');
  const toIndex = (v, what) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0 || n > 0xffffffff) throw new TypeError(`${what} must be a non-negative integer`);
    return Math.floor(n);
  };

  // ---- values at the boundary
  const externs = [null];
  const externIds = new Map();
  function externId(v) {
    if (v === null) return 0;
    let id = externIds.get(v);
    if (id === undefined) { id = externs.length; externs.push(v); externIds.set(v, id); }
    return id;
  }
  function funcId(v) {
    if (v === null) return 0;
    const id = typeof v === 'function' ? v[FUNC_ID] : undefined;
    if (!id) throw new TypeError('a funcref must be null or a function exported by WebAssembly');
    return id;
  }
  function toWasm(v, t) {
    switch (t) {
      case 'i32': return Number(v) | 0;
      case 'i64': return BigInt.asIntN(64, typeof v === 'bigint' ? v : BigInt(v));
      case 'f32': return Math.fround(Number(v));
      case 'f64': return Number(v);
      case 'externref': return externId(v);
      case 'anyfunc': case 'funcref': return funcId(v);
      default: throw new TypeError(`${t} values cannot cross into JavaScript`);
    }
  }
  function fromWasm(v, t) {
    if (t === 'externref') return v === 0 ? null : externs[v];
    if (t === 'anyfunc' || t === 'funcref') return v === 0 ? null : exportedFunction(v);
    return v;
  }
  const defaultOf = (t) => (t === 'i64' ? 0n : t === 'externref' ? undefined : t === 'anyfunc' || t === 'funcref' ? null : 0);

  // ---- calls
  const imports = []; // slot → { fn, params, results }
  const memories = new Map(); // id → Memory
  // `[kind, moved…, -1, rest…]`: detach the moved memories' buffers, return where rest starts.
  function settle(r) {
    let i = 1;
    for (; r[i] !== -1; i++) { const m = memories.get(r[i]); if (m) m[TOKEN](); }
    return i + 1;
  }
  function settleAfterError() {
    for (const id of w.moved()) { const m = memories.get(id); if (m) m[TOKEN](); }
  }
  function callWasm(id, ty, args) {
    if (ty.params.includes('v128') || ty.results.includes('v128')) throw new TypeError('functions with v128 values cannot be called from JavaScript');
    const inputs = ty.params.map((t, i) => toWasm(args[i], t));
    let r;
    try { r = w.call(id, inputs); } catch (e) { settleAfterError(); throw translate(e); }
    for (;;) {
      const at = settle(r);
      if (r[0] === 0) {
        const vals = r.slice(at).map((v, i) => fromWasm(v, ty.results[i]));
        return ty.results.length === 0 ? undefined : ty.results.length === 1 ? vals[0] : vals;
      }
      const imp = imports[r[at]];
      let out;
      try {
        const res = imp.fn(...r.slice(at + 1).map((v, i) => fromWasm(v, imp.params[i])));
        out = imp.results.length === 0 ? []
          : imp.results.length === 1 ? [toWasm(res, imp.results[0])]
            : Array.from(res).map((v, i) => toWasm(v, imp.results[i]));
      } catch (e) {
        w.abandon();
        throw e;
      }
      try { r = w.resume(out); } catch (e) { settleAfterError(); throw translate(e); }
    }
  }
  const functions = new Map();
  function exportedFunction(id) {
    let f = functions.get(id);
    if (f) return f;
    const ty = JSON.parse(w.funcType(id));
    f = function (...args) { return callWasm(id, ty, args); };
    Object.defineProperty(f, 'name', { value: String(id - 1) });
    Object.defineProperty(f, 'length', { value: ty.params.length });
    Object.defineProperty(f, FUNC_ID, { value: id });
    functions.set(id, f);
    return f;
  }

  // ---- objects
  class Module {
    #id;
    constructor(bytes, token, id) {
      this.#id = token === TOKEN ? id : host(w.compile, bytes);
    }
    static imports(m) { return JSON.parse(w.imports(moduleId(m))).map(({ module, name, kind }) => ({ module, name, kind })); }
    static exports(m) { return JSON.parse(w.exports(moduleId(m))).map(({ name, kind }) => ({ name, kind })); }
    static customSections(m) { moduleId(m); return []; }
    static [TOKEN](m) { return m.#id; }
    get [Symbol.toStringTag]() { return 'WebAssembly.Module'; }
  }
  function moduleId(m) {
    if (!(m instanceof Module)) throw new TypeError('not a WebAssembly.Module');
    return Module[TOKEN](m);
  }

  class Memory {
    #id; #buffer = null;
    constructor(desc, token) {
      if (token === TOKEN) { this.#id = desc; } else {
        if (!desc || typeof desc !== 'object') throw new TypeError('WebAssembly.Memory needs a descriptor');
        if (desc.shared) throw new TypeError('shared memories are not supported');
        const initial = toIndex(desc.initial ?? desc.minimum ?? 0, 'initial');
        const maximum = desc.maximum === undefined ? -1 : toIndex(desc.maximum, 'maximum');
        if (maximum >= 0 && maximum < initial) throw new RangeError('maximum is smaller than initial');
        this.#id = host(w.memNew, initial, maximum);
      }
      memories.set(this.#id, this);
    }
    get buffer() {
      if (this.#buffer === null) this.#buffer = w.memBuffer(this.#id);
      return this.#buffer;
    }
    grow(delta) {
      const old = host(w.memGrow, this.#id, toIndex(delta, 'delta'));
      this[TOKEN]();
      return old;
    }
    // The memory moved or grew: its buffer is detached (its views read as empty).
    [TOKEN]() {
      if (this.#buffer !== null) { w.detach(this.#buffer); this.#buffer = null; }
    }
    static id(m) { return m.#id; }
    get [Symbol.toStringTag]() { return 'WebAssembly.Memory'; }
  }
  const memoryIdOf = Memory.id;
  delete Memory.id;

  class Table {
    #id; #element;
    constructor(desc, value, token, id) {
      if (token === TOKEN) { this.#id = id; this.#element = desc; return; }
      if (!desc || typeof desc !== 'object') throw new TypeError('WebAssembly.Table needs a descriptor');
      const element = desc.element === 'funcref' ? 'anyfunc' : desc.element;
      if (element !== 'anyfunc' && element !== 'externref') throw new TypeError('element must be "anyfunc" or "externref"');
      const initial = toIndex(desc.initial ?? desc.minimum ?? 0, 'initial');
      const maximum = desc.maximum === undefined ? -1 : toIndex(desc.maximum, 'maximum');
      this.#element = element;
      this.#id = host(w.tableNew, element, initial, maximum, toWasm(value === undefined ? defaultOf(element) : value, element));
    }
    get length() { return w.tableLength(this.#id); }
    get(i) { return fromWasm(host(w.tableGet, this.#id, toIndex(i, 'index')), this.#element); }
    set(i, v) { host(w.tableSet, this.#id, toIndex(i, 'index'), toWasm(v === undefined ? defaultOf(this.#element) : v, this.#element)); }
    grow(delta, v) { return host(w.tableGrow, this.#id, toIndex(delta, 'delta'), toWasm(v === undefined ? defaultOf(this.#element) : v, this.#element)); }
    static id(t) { return t.#id; }
    get [Symbol.toStringTag]() { return 'WebAssembly.Table'; }
  }
  const tableIdOf = Table.id;
  delete Table.id;

  class Global {
    #id; #type;
    constructor(desc, value, token, id) {
      if (token === TOKEN) { this.#id = id; this.#type = JSON.parse(w.globalType(id)); return; }
      if (!desc || typeof desc !== 'object') throw new TypeError('WebAssembly.Global needs a descriptor');
      const t = desc.value === 'funcref' ? 'anyfunc' : desc.value;
      this.#type = { value: t, mutable: !!desc.mutable };
      this.#id = host(w.globalNew, t, !!desc.mutable, toWasm(value === undefined ? defaultOf(t) : value, t));
    }
    get value() { return fromWasm(w.globalGet(this.#id), this.#type.value); }
    set value(v) {
      if (!this.#type.mutable) throw new TypeError('the global is immutable');
      host(w.globalSet, this.#id, toWasm(v, this.#type.value));
    }
    valueOf() { return this.value; }
    static id(g) { return g.#id; }
    get [Symbol.toStringTag]() { return 'WebAssembly.Global'; }
  }
  const globalIdOf = Global.id;
  delete Global.id;

  class Instance {
    constructor(module, importObject) {
      const mid = moduleId(module);
      const wanted = JSON.parse(w.imports(mid));
      if (wanted.length && (importObject === undefined || importObject === null || typeof importObject !== 'object')) throw new TypeError('the module has imports: an import object is required');
      const given = [];
      const js = [];
      for (const d of wanted) {
        const ns = importObject[d.module];
        if (ns === null || (typeof ns !== 'object' && typeof ns !== 'function')) throw new TypeError(`import object field "${d.module}" is not an object`);
        const v = ns[d.name];
        const where = `${d.module}.${d.name}`;
        switch (d.kind) {
          case 'function':
            if (typeof v !== 'function') throw new LinkError(`import ${where} must be callable`);
            if (v[FUNC_ID]) given.push(['function', v[FUNC_ID]]);
            else { given.push(['js']); js.push({ fn: v, params: d.params, results: d.results }); }
            break;
          case 'memory':
            if (!(v instanceof Memory)) throw new LinkError(`import ${where} must be a WebAssembly.Memory`);
            given.push(['memory', memoryIdOf(v)]);
            break;
          case 'table':
            if (!(v instanceof Table)) throw new LinkError(`import ${where} must be a WebAssembly.Table`);
            given.push(['table', tableIdOf(v)]);
            break;
          case 'global': {
            let g = v;
            if (!(g instanceof Global)) {
              if (d.mutable || (typeof v !== 'number' && typeof v !== 'bigint')) throw new LinkError(`import ${where} must be a WebAssembly.Global or a number`);
              g = new Global({ value: d.value, mutable: false }, v);
            }
            given.push(['global', globalIdOf(g)]);
            break;
          }
          default: throw new LinkError(`import ${where}: unknown kind ${d.kind}`);
        }
      }
      const done = JSON.parse(host(w.instantiate, mid, given));
      done.slots.forEach((slot, i) => { imports[slot] = js[i]; });
      const types = new Map(JSON.parse(w.exports(mid)).map((e) => [e.name, e]));
      const exports = Object.create(null);
      for (const [name, kind, id] of done.exports) {
        exports[name] = kind === 'function' ? exportedFunction(id)
          : kind === 'memory' ? (memories.get(id) || new Memory(id, TOKEN))
            : kind === 'table' ? new Table(types.get(name).element, undefined, TOKEN, id)
              : new Global(undefined, undefined, TOKEN, id);
      }
      Object.defineProperty(this, 'exports', { value: Object.freeze(exports), enumerable: true });
    }
    get [Symbol.toStringTag]() { return 'WebAssembly.Instance'; }
  }

  const bytesOf = async (source) => {
    const r = await source;
    if (r && typeof r.arrayBuffer === 'function') return r.arrayBuffer();
    throw new TypeError('expected a Response or a promise of one');
  };
  const WebAssembly = {
    Module, Instance, Memory, Table, Global, CompileError, LinkError, RuntimeError,
    validate: (bytes) => host(w.validate, bytes),
    compile: async (bytes) => new Module(bytes),
    async instantiate(source, importObject) {
      if (source instanceof Module) return new Instance(source, importObject);
      const module = new Module(source);
      return { module, instance: new Instance(module, importObject) };
    },
    compileStreaming: async (source) => new Module(await bytesOf(source)),
    async instantiateStreaming(source, importObject) {
      const module = new Module(await bytesOf(source));
      return { module, instance: new Instance(module, importObject) };
    },
  };
  Object.defineProperty(WebAssembly, Symbol.toStringTag, { value: 'WebAssembly' });
  // A CompiledWasm module (an imported .wasm file), compiled once per process by the host.
  const fromFile = (path) => new Module(undefined, TOKEN, host(w.compileFile, path));
  return { WebAssembly, fromFile };
}
