// Part of the runtime prelude (see 00-core.js): one function body split into files.
  // ---------------------------------------------------------------- Node compatibility
  // `nodejs_compat` basics: `node:os`, `node:path`, a `process`, and CommonJS `require` for
  // packages that ship CommonJS (run through `new Function`, cached per file).
  function normalizePath(p) {
    const abs = p.startsWith('/');
    const out = [];
    for (const seg of p.split('/')) {
      if (seg === '' || seg === '.') continue;
      if (seg === '..') { if (out.length && out[out.length - 1] !== '..') out.pop(); else if (!abs) out.push('..'); } else out.push(seg);
    }
    const s = (abs ? '/' : '') + out.join('/');
    return s || (abs ? '/' : '.') ;
  }
  const nodePath = {
    sep: '/', delimiter: ':',
    normalize: (p) => { const n = normalizePath(String(p)); return String(p).endsWith('/') && n !== '/' ? n + '/' : n; },
    join: (...parts) => normalizePath(parts.filter((x) => x !== '').join('/') || '.'),
    resolve: (...parts) => { let r = ''; for (const p of parts) r = String(p).startsWith('/') ? String(p) : r + '/' + p; return normalizePath(r.startsWith('/') ? r : '/' + r); },
    isAbsolute: (p) => String(p).startsWith('/'),
    dirname: (p) => { const s = String(p).replace(/\/+$/, ''); const i = s.lastIndexOf('/'); return i < 0 ? '.' : i === 0 ? '/' : s.slice(0, i); },
    basename: (p, ext) => { let b = String(p).replace(/\/+$/, ''); b = b.slice(b.lastIndexOf('/') + 1); return ext && b.endsWith(ext) && b !== ext ? b.slice(0, -ext.length) : b; },
    extname: (p) => { const b = nodePath.basename(p); const i = b.lastIndexOf('.'); return i <= 0 ? '' : b.slice(i); },
    relative: (from, to) => {
      const a = nodePath.resolve(from).split('/').filter(Boolean);
      const b = nodePath.resolve(to).split('/').filter(Boolean);
      let i = 0;
      while (i < a.length && i < b.length && a[i] === b[i]) i++;
      return [...a.slice(i).map(() => '..'), ...b.slice(i)].join('/');
    },
    parse: (p) => { const base = nodePath.basename(p); const ext = nodePath.extname(p); return { root: String(p).startsWith('/') ? '/' : '', dir: nodePath.dirname(p), base, ext, name: ext ? base.slice(0, -ext.length) : base }; },
    format: (o) => (o.dir ? o.dir + '/' : o.root || '') + (o.base || (o.name || '') + (o.ext || '')),
  };
  nodePath.posix = nodePath;
  const nodeOs = {
    EOL: '\n', platform: () => 'linux', arch: () => 'x64', tmpdir: () => '/tmp', homedir: () => '/',
    hostname: () => 'localhost', type: () => 'Linux', release: () => '', endianness: () => 'LE', cpus: () => [],
  };
  const process = {
    env: {}, argv: [], version: 'v20.0.0', versions: { node: '20.0.0' }, platform: 'linux', browser: false,
    cwd: () => '/', nextTick: (f, ...a) => queueMicrotask(() => f(...a)), emitWarning: () => {},
  };
  const nodeBuiltins = { os: nodeOs, path: nodePath };
  const cjsCache = new Map();
  function requireFrom(base) {
    const req = (spec) => {
      const s = String(spec);
      const bare = s.startsWith('node:') ? s.slice(5) : s;
      if (bare === 'async_hooks' && !host.asyncContext) throw new Error(`module "${s}" needs the "nodejs_compat" or "nodejs_als" compatibility flag (required from ${base})`);
      if (Object.prototype.hasOwnProperty.call(nodeBuiltins, bare)) return nodeBuiltins[bare];
      if (s.startsWith('node:')) throw new Error(`module "${s}" is not available in Endure (required from ${base})`);
      return requireFile(host.resolveRequire(base, s));
    };
    req.resolve = (spec) => host.resolveRequire(base, String(spec));
    req.cache = {};
    return req;
  }
  function requireFile(name) {
    const cached = cjsCache.get(name);
    if (cached) return cached.exports;
    const module = { exports: {}, id: name, filename: name, loaded: false, children: [], paths: [] };
    cjsCache.set(name, module);
    const src = host.raw(name);
    if (name.endsWith('.json')) {
      module.exports = JSON.parse(src);
    } else {
      const dirname = name.slice(0, name.lastIndexOf('/')) || '/';
      const fn = new Function('exports', 'require', 'module', '__filename', '__dirname', src);
      fn.call(module.exports, module.exports, requireFrom(name), module, name, dirname);
    }
    module.loaded = true;
    return module.exports;
  }
  const RESERVED = new Set(['break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else', 'enum', 'export', 'extends', 'false', 'finally', 'for', 'function', 'if', 'import', 'in', 'instanceof', 'new', 'null', 'return', 'super', 'switch', 'this', 'throw', 'true', 'try', 'typeof', 'var', 'void', 'while', 'with', 'yield', 'let', 'static', 'implements', 'interface', 'package', 'private', 'protected', 'public', 'await', 'arguments', 'eval', 'm']);
  function cjsNames(name) {
    const m = requireFile(name);
    if (m === null || (typeof m !== 'object' && typeof m !== 'function')) return [];
    return Object.keys(m).filter((k) => /^[A-Za-z_$][\w$]*$/.test(k) && !RESERVED.has(k));
  }

  // node:async_hooks: AsyncLocalStorage on the context above (30-entrypoints.js). Loading it
  // makes promise callbacks run in the context `then` was called in.
  let asyncHooks = null;
  function asyncHooksModule() {
    if (asyncHooks) return asyncHooks;
    const then = Promise.prototype.then;
    const bind = (f, k) => (typeof f === 'function' ? function (v) { return inContext(k, f, this, [v]); } : f);
    Object.defineProperty(Promise.prototype, 'then', {
      value: function then_(onFulfilled, onRejected) {
        const k = asyncCtx;
        return then.call(this, bind(onFulfilled, k), bind(onRejected, k));
      },
      writable: true, configurable: true, enumerable: false,
    });
    const withStore = (als, store, keep) => {
      const m = new Map(asyncCtx);
      if (keep) m.set(als, store); else m.delete(als);
      return m.size ? m : undefined;
    };
    class AsyncLocalStorage {
      run(store, fn, ...args) { return inContext(withStore(this, store, true), fn, undefined, args); }
      exit(fn, ...args) { return inContext(withStore(this, undefined, false), fn, undefined, args); }
      getStore() { return asyncCtx === undefined ? undefined : asyncCtx.get(this); }
      enterWith(store) { asyncCtx = withStore(this, store, true); }
      disable() { asyncCtx = withStore(this, undefined, false); }
      static bind(fn) { const k = asyncCtx; return function (...a) { return inContext(k, fn, this, a); }; }
      static snapshot() { const k = asyncCtx; return (fn, ...a) => inContext(k, fn, undefined, a); }
    }
    class AsyncResource {
      constructor(type) { this.type = type; this.ctx = asyncCtx; }
      runInAsyncScope(fn, self, ...args) { return inContext(this.ctx, fn, self, args); }
      bind(fn, self) { const r = this; return function (...a) { return r.runInAsyncScope(fn, self === undefined ? this : self, ...a); }; }
      emitDestroy() { return this; }
      asyncId() { return 1; }
      triggerAsyncId() { return 0; }
      static bind(fn, type, self) { return new AsyncResource(type || 'bound-anonymous-fn').bind(fn, self); }
    }
    // Async hooks themselves are not offered (nor by workerd): these do nothing.
    const createHook = () => ({ enable() { return this; }, disable() { return this; } });
    asyncHooks = { AsyncLocalStorage, AsyncResource, createHook, executionAsyncId: () => 1, triggerAsyncId: () => 0, executionAsyncResource: () => ({}) };
    return asyncHooks;
  }
  Object.defineProperty(nodeBuiltins, 'async_hooks', { get: asyncHooksModule, enumerable: true, configurable: true });

  function queueMicrotask(fn) {
    Promise.resolve().then(fn).catch((e) => console.error('Uncaught (in microtask)', e));
  }
