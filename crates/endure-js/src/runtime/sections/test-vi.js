// A section of the runtime prelude loaded on first use (see bytecode.rs), by `endure test`'s
// runner (sections/test.js): Vitest's `vi` (mock functions, spies, fake timers, waiting,
// stubs) and the module mocks that testing/mocks.rs hoists (`registerMock`, `mockModule`).
export default function (kit) {
  const { realNow, realSetTimeout, RealDate, isObj, isMock, inspect } = kit;
  // ---------------------------------------------------------------- vi: mocks
  const allMocks = new Set();
  function fn(impl) {
    let implementation = impl;
    let once = [];
    let name = 'spy';
    let restore = null;
    const mock = { calls: [], results: [], settledResults: [], instances: [], contexts: [], invocationCallOrder: [], lastCall: undefined };
    const f = function (...args) {
      mock.calls.push(args);
      mock.lastCall = args;
      mock.contexts.push(this);
      mock.instances.push(new.target ? this : undefined);
      mock.invocationCallOrder.push(++callOrder);
      const result = { type: 'incomplete', value: undefined };
      mock.results.push(result);
      const run = once.length ? once.shift() : implementation;
      try {
        const value = run ? (new.target ? Reflect.construct(run, args, new.target) : run.apply(this, args)) : undefined;
        result.type = 'return';
        result.value = value;
        if (value && typeof value.then === 'function') {
          const settled = { type: 'incomplete', value: undefined };
          mock.settledResults.push(settled);
          value.then((v) => { settled.type = 'fulfilled'; settled.value = v; }, (e) => { settled.type = 'rejected'; settled.value = e; });
        } else {
          mock.settledResults.push({ type: 'fulfilled', value });
        }
        return value;
      } catch (e) {
        result.type = 'throw';
        result.value = e;
        throw e;
      }
    };
    Object.defineProperty(f, '_isMockFunction', { value: true });
    f.mock = mock;
    f.getMockName = () => name;
    f.mockName = (n) => { name = n; return f; };
    f.getMockImplementation = () => implementation;
    f.mockImplementation = (g) => { implementation = g; return f; };
    f.mockImplementationOnce = (g) => { once.push(g); return f; };
    f.mockReturnValue = (v) => f.mockImplementation(() => v);
    f.mockReturnValueOnce = (v) => f.mockImplementationOnce(() => v);
    f.mockResolvedValue = (v) => f.mockImplementation(() => Promise.resolve(v));
    f.mockResolvedValueOnce = (v) => f.mockImplementationOnce(() => Promise.resolve(v));
    f.mockRejectedValue = (v) => f.mockImplementation(() => Promise.reject(v));
    f.mockRejectedValueOnce = (v) => f.mockImplementationOnce(() => Promise.reject(v));
    f.mockReturnThis = () => f.mockImplementation(function () { return this; });
    f.withImplementation = (g, cb) => {
      const prev = implementation;
      implementation = g;
      const r = cb();
      if (r && typeof r.then === 'function') return r.finally(() => { implementation = prev; });
      implementation = prev;
      return r;
    };
    f.mockClear = () => {
      for (const k of ['calls', 'results', 'settledResults', 'instances', 'contexts', 'invocationCallOrder']) mock[k] = [];
      mock.lastCall = undefined;
      return f;
    };
    f.mockReset = () => { f.mockClear(); implementation = restore ? restore.original : undefined; once = []; return f; };
    f.mockRestore = () => { f.mockReset(); if (restore) restore.undo(); return f; };
    Object.defineProperty(f, '__restore', { set(r) { restore = r; implementation = implementation || r.original; } });
    allMocks.add(f);
    return f;
  }
  let callOrder = 0;
  function spyOn(obj, key, access) {
    if (!isObj(obj) && typeof obj !== 'function') throw new TypeError(`cannot spy on ${inspect(obj)}`);
    if (access === 'get' || access === 'set') {
      const d = Object.getOwnPropertyDescriptor(obj, key) || Object.getOwnPropertyDescriptor(Object.getPrototypeOf(obj), key) || {};
      const original = d[access];
      const spy = fn(original);
      Object.defineProperty(obj, key, Object.assign({}, d, { [access]: spy, configurable: true }));
      spy.__restore = { original, undo: () => Object.defineProperty(obj, key, d) };
      return spy;
    }
    const original = obj[key];
    if (typeof original !== 'function') throw new TypeError(`${String(key)} is not a function`);
    if (isMock(original)) return original;
    const own = Object.prototype.hasOwnProperty.call(obj, key);
    const spy = fn(original);
    spy.mockName(String(key));
    obj[key] = spy;
    spy.__restore = { original, undo: () => { if (own) obj[key] = original; else delete obj[key]; } };
    return spy;
  }

  // ---------------------------------------------------------------- vi: fake timers
  let fake = null;
  function installFakeTimers(opts) {
    if (fake) return;
    let now = opts && opts.now !== undefined ? Number(opts.now instanceof RealDate ? opts.now.getTime() : opts.now) : realNow();
    const timers = new Map();
    let seq = 1;
    const add = (cb, ms, args, every) => {
      const id = seq++;
      timers.set(id, { at: now + Math.max(0, Number(ms) || 0), cb, args, every: every ? Math.max(1, Number(ms) || 0) : 0, order: id });
      return id;
    };
    const saved = {};
    const names = ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'Date'];
    for (const k of names) saved[k] = globalThis[k];
    class FakeDate extends RealDate {
      constructor(...args) { if (args.length === 0) super(now); else super(...args); }
      static now() { return now; }
    }
    const set = (k, v) => Object.defineProperty(globalThis, k, { value: v, writable: true, configurable: true, enumerable: false });
    set('setTimeout', (cb, ms, ...args) => add(cb, ms, args, false));
    set('setInterval', (cb, ms, ...args) => add(cb, ms, args, true));
    set('setImmediate', (cb, ...args) => add(cb, 0, args, false));
    set('clearTimeout', (id) => { timers.delete(id); });
    set('clearInterval', (id) => { timers.delete(id); });
    set('clearImmediate', (id) => { timers.delete(id); });
    set('Date', FakeDate);
    const next = () => {
      let best = null;
      for (const [id, t] of timers) if (!best || t.at < best[1].at || (t.at === best[1].at && t.order < best[1].order)) best = [id, t];
      return best;
    };
    const fire = ([id, t]) => {
      now = Math.max(now, t.at);
      if (t.every) { t.at = now + t.every; t.order = seq++; } else timers.delete(id);
      if (typeof t.cb === 'function') t.cb(...t.args);
    };
    fake = {
      restore() { for (const k of names) set(k, saved[k]); fake = null; },
      advance(ms) {
        const until = now + Math.max(0, Number(ms) || 0);
        for (let b = next(); b && b[1].at <= until; b = next()) fire(b);
        now = until;
      },
      async advanceAsync(ms) {
        const until = now + Math.max(0, Number(ms) || 0);
        for (let b = next(); b && b[1].at <= until; b = next()) { fire(b); await flushMicrotasks(); }
        now = until;
      },
      runAll() {
        for (let i = 0; i < 10000; i++) { const b = next(); if (!b) return; fire(b); }
        throw new Error('Aborting after running 10000 timers, assuming an infinite loop!');
      },
      async runAllAsync() {
        for (let i = 0; i < 10000; i++) { await flushMicrotasks(); const b = next(); if (!b) return; fire(b); }
        throw new Error('Aborting after running 10000 timers, assuming an infinite loop!');
      },
      runPending() {
        const pending = Array.from(timers.keys());
        for (const id of pending) {
          const t = timers.get(id);
          if (t) fire([id, t]);
        }
      },
      toNext() { const b = next(); if (b) fire(b); },
      count: () => timers.size,
      clear: () => timers.clear(),
      setNow: (t) => { now = Number(t instanceof RealDate ? t.getTime() : t); },
      now: () => now,
    };
  }
  async function flushMicrotasks() { for (let i = 0; i < 20; i++) await Promise.resolve(); }
  function needFake() {
    if (!fake) throw new Error('Timers are not mocked. Try calling "vi.useFakeTimers()" first.');
    return fake;
  }

  // ---------------------------------------------------------------- vi
  async function waitFor(cb, opts) {
    const o = typeof opts === 'number' ? { timeout: opts } : opts || {};
    const timeout = o.timeout === undefined ? 1000 : o.timeout;
    const interval = o.interval === undefined ? 50 : o.interval;
    const start = realNow();
    let last;
    for (;;) {
      try { return await cb(); } catch (e) { last = e; }
      if (realNow() - start >= timeout) throw last;
      await new Promise((r) => realSetTimeout(r, interval));
    }
  }
  async function waitUntil(cb, opts) {
    const o = typeof opts === 'number' ? { timeout: opts } : opts || {};
    const timeout = o.timeout === undefined ? 1000 : o.timeout;
    const interval = o.interval === undefined ? 50 : o.interval;
    const start = realNow();
    for (;;) {
      const v = await cb();
      if (v) return v;
      if (realNow() - start >= timeout) throw new Error('Timed out in waitUntil!');
      await new Promise((r) => realSetTimeout(r, interval));
    }
  }
  const stubbedGlobals = new Map();
  const stubbedEnvs = new Map();
  const vi = {
    fn, spyOn, waitFor, waitUntil,
    isMockFunction: isMock,
    mocked: (x) => x,
    clearAllMocks() { for (const m of allMocks) m.mockClear(); return vi; },
    resetAllMocks() { for (const m of allMocks) m.mockReset(); return vi; },
    restoreAllMocks() { for (const m of allMocks) m.mockRestore(); return vi; },
    useFakeTimers(opts) { installFakeTimers(opts); return vi; },
    useRealTimers() { if (fake) fake.restore(); return vi; },
    isFakeTimers: () => fake !== null,
    advanceTimersByTime(ms) { needFake().advance(ms); return vi; },
    async advanceTimersByTimeAsync(ms) { await needFake().advanceAsync(ms); return vi; },
    advanceTimersToNextTimer() { needFake().toNext(); return vi; },
    runAllTimers() { needFake().runAll(); return vi; },
    async runAllTimersAsync() { await needFake().runAllAsync(); return vi; },
    runOnlyPendingTimers() { needFake().runPending(); return vi; },
    async runOnlyPendingTimersAsync() { needFake().runPending(); await flushMicrotasks(); return vi; },
    getTimerCount: () => needFake().count(),
    clearAllTimers() { if (fake) fake.clear(); return vi; },
    setSystemTime(t) { needFake().setNow(t); return vi; },
    getMockedSystemTime: () => (fake ? new RealDate(fake.now()) : null),
    getRealSystemTime: () => realNow(),
    stubGlobal(name, value) {
      if (!stubbedGlobals.has(name)) stubbedGlobals.set(name, Object.getOwnPropertyDescriptor(globalThis, name));
      Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: true });
      return vi;
    },
    unstubAllGlobals() {
      for (const [name, d] of stubbedGlobals) { if (d) Object.defineProperty(globalThis, name, d); else delete globalThis[name]; }
      stubbedGlobals.clear();
      return vi;
    },
    stubEnv(name, value) {
      const penv = globalThis.process && globalThis.process.env;
      if (!penv) return vi;
      if (!stubbedEnvs.has(name)) stubbedEnvs.set(name, penv[name]);
      penv[name] = value;
      return vi;
    },
    unstubAllEnvs() {
      const penv = globalThis.process && globalThis.process.env;
      for (const [name, v] of stubbedEnvs) { if (v === undefined) delete penv[name]; else penv[name] = v; }
      stubbedEnvs.clear();
      return vi;
    },
    hoisted: (factory) => factory(),
    // `vi.mock` calls at the top level of a file are hoisted when it loads (testing/mocks.rs);
    // one that gets here was made elsewhere.
    mock(path) { throw new Error(`vi.mock(${inspect(path)}) must be called at the top level of the test file (endure test hoists only those)`); },
    doMock() { throw new Error('vi.doMock() is not supported by endure test: use vi.mock at the top level of the file'); },
    unmock() {},
    resetModules() { return vi; },
  };

  // ---------------------------------------------------------------- module mocks
  const mocks = new Map();
  function registerMock(path, factory) {
    mocks.set(path, { factory, promise: null });
  }
  // Without a factory: the real module, its functions replaced by mocks returning undefined.
  function automock(real) {
    const out = {};
    for (const k of Object.keys(real)) {
      const v = real[k];
      if (typeof v === 'function') out[k] = fn().mockName(k);
      else if (isObj(v) && !Array.isArray(v)) {
        const o = {};
        for (const j of Object.keys(v)) o[j] = typeof v[j] === 'function' ? fn().mockName(j) : v[j];
        out[k] = o;
      } else out[k] = v;
    }
    return out;
  }
  function mockModule(path) {
    const m = mocks.get(path);
    if (!m) return Promise.reject(new Error(`no mock registered for ${path}`));
    if (!m.promise) {
      const original = () => import('endure:real:' + path);
      m.promise = (async () => {
        if (typeof m.factory !== 'function') return automock(await original());
        const r = await m.factory(original);
        if (!isObj(r)) throw new Error(`[vitest] vi.mock("${path}", factory?) is not returning an object. Did you mean to return an object with a "default" key?`);
        return r;
      })();
    }
    return m.promise;
  }

  function restoreTimers() { if (fake) fake.restore(); }
  return { vi, registerMock, mockModule, restoreTimers };
}
