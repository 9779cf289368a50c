// A section of the runtime prelude loaded on first use (see bytecode.rs): what `endure test`
// gives a test file. `vitest` (suites, tests, hooks, and `expect` and `vi` from the
// test-expect and test-vi sections) and `cloudflare:test` (`env`, `SELF`, the workflow
// introspectors). Written for Endure after Vitest's and Cloudflare's documented APIs; messages
// follow theirs where tests read them. The host side is endure_js::testing: `host.test(text)`
// answers synchronous calls (modifiers, sessions, snapshot files), `call('introspect', …)` the
// ones that wait on the engine.
export default function (rt) {
  const { host, call, post, env, encode, decode, entrypointOf } = rt;
  const realSetTimeout = globalThis.setTimeout;
  const realClearTimeout = globalThis.clearTimeout;
  const RealDate = globalThis.Date;
  const realNow = RealDate.now;

  function sync(op, fields) {
    if (typeof host.test !== 'function') throw new Error('cloudflare:test is only available under `endure test`');
    const r = JSON.parse(host.test(JSON.stringify(Object.assign({}, fields, { op }))));
    if (!r.ok) throw new Error(r.error);
    return r.value;
  }
  function introspect(method, fields) {
    return call('introspect', Object.assign({}, fields, { method }));
  }

  const shared = { state: null };
  const expectLib = host.section('test-expect')({ sync, realNow, realSetTimeout, RealDate, shared });
  const { expect, assert, AssertionError, inspect, diff, isObj, isMock, snap, formatSnap } = expectLib;
  const viLib = host.section('test-vi')({ realNow, realSetTimeout, RealDate, isObj, isMock, inspect });
  const { vi, registerMock, mockModule } = viLib;

  // ---------------------------------------------------------------- suites and tests
  function newSuite(name, parent, mode, fn) {
    return { kind: 'suite', name, parent, mode, fn, children: [], beforeAll: [], afterAll: [], beforeEach: [], afterEach: [], options: {} };
  }
  let root = newSuite('', null, 'run', null);
  let current = root;
  function splitArgs(a, b) {
    // (name, fn, timeout|options) or (name, options, fn)
    if (typeof a === 'function' || a === undefined) return { fn: a, options: typeof b === 'number' ? { timeout: b } : b || {} };
    return { fn: b, options: typeof a === 'number' ? { timeout: a } : a || {} };
  }
  function nameOf(n) { return typeof n === 'function' ? n.name || '<anonymous>' : String(n); }
  function modeOf(base, options) {
    if (options.skip) return 'skip';
    if (options.only) return 'only';
    if (options.todo) return 'todo';
    return base;
  }
  function addTest(mode, name, a, b, extra) {
    const { fn: body, options } = splitArgs(a, b);
    const t = { kind: 'test', name: nameOf(name), parent: current, mode: modeOf(body ? mode : 'todo', options), fn: body, options: Object.assign({}, options, extra || {}) };
    current.children.push(t);
  }
  function addSuite(mode, name, a, b) {
    const { fn: body, options } = splitArgs(a, b);
    const s = newSuite(nameOf(name), current, modeOf(body ? mode : 'todo', options), body);
    s.options = options;
    current.children.push(s);
  }
  function format(template, args, index) {
    let i = 0;
    let out = String(template).replace(/%[sdifjoOc#%]/g, (m) => {
      if (m === '%%') return '%';
      if (m === '%#') return String(index);
      const v = args[i++];
      switch (m) {
        case '%s': return typeof v === 'string' ? v : inspect(v);
        case '%d': case '%i': return String(m === '%i' ? Math.trunc(Number(v)) : Number(v));
        case '%f': return String(Number(v));
        case '%j': return JSON.stringify(v);
        default: return inspect(v);
      }
    });
    if (args.length === 1 && isObj(args[0]) && !Array.isArray(args[0])) {
      out = out.replace(/\$([\w.]+)/g, (m, path) => {
        let v = args[0];
        for (const p of path.split('.')) v = v === null || v === undefined ? undefined : v[p];
        return v === undefined && !(path.split('.')[0] in args[0]) ? m : (typeof v === 'string' ? v : inspect(v));
      });
    }
    return out.replace(/\$#/g, String(index));
  }
  function each(register) {
    return (table, ...rest) => {
      let rows = table;
      if (Array.isArray(table) && table.raw) {
        // Tagged template: a header row, then values.
        const header = table.join('').split('|').map((s) => s.trim()).filter(Boolean);
        rows = [];
        for (let i = 0; i < rest.length; i += header.length) {
          const row = {};
          header.forEach((h, j) => { row[h] = rest[i + j]; });
          rows.push(row);
        }
      }
      return (name, a, b) => {
        const { fn: body, options } = splitArgs(a, b);
        Array.from(rows).forEach((row, index) => {
          const args = Array.isArray(row) ? row : [row];
          register(format(name, args, index), body && (() => body(...args)), options);
        });
      };
    };
  }
  function makeApi(kind, mode) {
    const reg = (m) => (name, a, b) => (kind === 'test' ? addTest(m, name, a, b) : addSuite(m, name, a, b));
    const api = reg(mode);
    api.skip = reg('skip');
    api.only = reg('only');
    api.todo = (name) => (kind === 'test' ? addTest('todo', name) : addSuite('todo', name));
    api.skipIf = (cond) => reg(cond ? 'skip' : mode);
    api.runIf = (cond) => reg(cond ? mode : 'skip');
    api.concurrent = reg(mode);
    api.sequential = reg(mode);
    api.shuffle = reg(mode);
    api.each = each((n, f, o) => (kind === 'test' ? addTest(mode, n, f, o) : addSuite(mode, n, f, o)));
    api.for = (rows) => (name, a, b) => {
      const { fn: body, options } = splitArgs(a, b);
      Array.from(rows).forEach((row, index) => {
        const args = Array.isArray(row) ? row : [row];
        const f = body && (kind === 'test' ? (ctx) => body(row, ctx) : () => body(row));
        if (kind === 'test') addTest(mode, format(name, args, index), f, options);
        else addSuite(mode, format(name, args, index), f, options);
      });
    };
    api.skip.each = each((n, f, o) => (kind === 'test' ? addTest('skip', n, f, o) : addSuite('skip', n, f, o)));
    api.only.each = each((n, f, o) => (kind === 'test' ? addTest('only', n, f, o) : addSuite('only', n, f, o)));
    if (kind === 'test') {
      api.fails = (name, a, b) => {
        const { fn: body, options } = splitArgs(a, b);
        addTest(mode, name, body, options, { fails: true });
      };
      api.extend = () => api;
    }
    return api;
  }
  const it = makeApi('test', 'run');
  const describe = makeApi('suite', 'run');
  function hook(kind) {
    return (f, timeout) => { current[kind].push({ fn: f, timeout }); };
  }
  let currentTest = null;
  const vitest = {
    describe, suite: describe, it, test: it, expect, assert, vi, vitest: vi,
    beforeAll: hook('beforeAll'), afterAll: hook('afterAll'), beforeEach: hook('beforeEach'), afterEach: hook('afterEach'),
    onTestFinished: (f) => { if (currentTest) currentTest.finished.push(f); },
    onTestFailed: (f) => { if (currentTest) currentTest.failed.push(f); },
    expectTypeOf: () => new Proxy(function () {}, { get: (_t, p) => (p === 'then' ? undefined : vitest.expectTypeOf()), apply: () => vitest.expectTypeOf() }),
    assertType: () => {},
  };

  // Collecting runs each suite's function with it as the current suite, in order.
  async function collect(suite) {
    for (let i = 0; i < suite.children.length; i++) {
      const c = suite.children[i];
      if (c.kind !== 'suite' || !c.fn) continue;
      const prev = current;
      current = c;
      try {
        await c.fn();
      } catch (e) {
        c.collectError = e;
      } finally {
        current = prev;
      }
      await collect(c);
    }
  }
  function hasOnly(node) {
    return node.children.some((c) => c.mode === 'only' || (c.kind === 'suite' && hasOnly(c)));
  }
  // Which tests run: `.only` narrows (within its file), skip/todo suites skip all they hold,
  // and a name pattern (`-t`) selects by full name.
  function plan(node, onlyMode, inOnly, skipped, pattern, path) {
    for (const c of node.children) {
      const names = path.concat([c.name]);
      const mine = c.mode === 'only' || inOnly || (c.kind === 'suite' && onlyMode && hasOnly(c));
      const skip = skipped || c.mode === 'skip' || c.mode === 'todo' || (onlyMode && !mine);
      if (c.kind === 'suite') {
        c.skip = skip && !(c.kind === 'suite' && hasOnly(c) && !skipped && c.mode !== 'skip');
        plan(c, onlyMode, inOnly || c.mode === 'only', skipped || c.mode === 'skip' || c.mode === 'todo', pattern, names);
      } else {
        c.fullName = names.join(' > ');
        c.names = names;
        c.run = !skip && (!pattern || pattern.test(names.join(' ')));
        c.state = c.run ? null : c.mode === 'todo' || (skipped && c.parent.mode === 'todo') ? 'todo' : 'skip';
      }
    }
  }
  function runs(node) {
    return node.children.some((c) => (c.kind === 'test' ? c.run : runs(c)));
  }
  function errorReport(e) {
    // `await using`: the test's own error, with what disposing threw besides.
    if (e && e.name === 'SuppressedError' && 'error' in e) {
      const r = errorReport(e.error);
      r.message += `\n(and while disposing: ${errorReport(e.suppressed).message})`;
      return r;
    }
    if (e && typeof e === 'object') {
      const r = { name: String(e.name || 'Error'), message: String(e.message === undefined ? e : e.message), stack: typeof e.stack === 'string' ? e.stack : '' };
      if (e.showDiff && ('expected' in e || 'actual' in e)) r.diff = diff(e.expected, e.actual, e.textDiff);
      return r;
    }
    return { name: 'Error', message: String(e), stack: '' };
  }
  function withTimeout(promise, ms, what) {
    if (!ms || ms <= 0 || ms === Infinity) return promise;
    let timer;
    const limit = new Promise((_, reject) => {
      timer = realSetTimeout(() => reject(new Error(`${what} timed out in ${ms}ms.\nIf this is a long-running ${what === 'Test' ? 'test' : 'hook'}, pass a timeout value as the last argument or configure it globally with "${what === 'Test' ? 'testTimeout' : 'hookTimeout'}".`)), ms);
    });
    return Promise.race([Promise.resolve(promise), limit]).finally(() => realClearTimeout(timer));
  }
  class SkipSignal extends Error {}
  let settings = { testTimeout: 5000, hookTimeout: 10000, allowOnly: true };

  async function runHooks(list, arg, timeout, errors) {
    const cleanups = [];
    for (const h of list) {
      try {
        const r = await withTimeout(h.fn(arg), h.timeout || timeout, 'Hook');
        if (typeof r === 'function') cleanups.push(r);
      } catch (e) {
        errors.push(e);
      }
    }
    return cleanups;
  }
  async function runTest(t, file) {
    if (!t.run) {
      post('testResult', { file, names: t.names, state: t.state, ms: 0, errors: [] });
      return;
    }
    post('testStart', { file, names: t.names });
    const started = realNow();
    const errors = [];
    let skipped = false;
    shared.state = { assertions: 0, expected: null, soft: [], softly: false, fullName: t.fullName };
    const task = { name: t.name, fullName: t.fullName, suite: { name: t.parent.name }, mode: 'run' };
    const ctx = {
      expect, task,
      skip: (note) => { throw new SkipSignal(note || ''); },
      onTestFinished: (f) => currentTest.finished.push(f),
      onTestFailed: (f) => currentTest.failed.push(f),
      signal: new AbortController().signal,
    };
    currentTest = { finished: [], failed: [] };
    let only = t.mode === 'only';
    for (let s = t.parent; s; s = s.parent) if (s.mode === 'only') only = true;
    if (only && !settings.allowOnly) {
      errors.push(new Error('[Vitest] Unexpected .only modifier. Remove it or pass --allowOnly argument to bypass this error'));
    }
    // beforeEach hooks, outermost suite first; afterEach innermost first.
    const chain = [];
    for (let s = t.parent; s; s = s.parent) chain.unshift(s);
    const cleanups = [];
    for (const s of chain) {
      if (errors.length) break;
      cleanups.push(...await runHooks(s.beforeEach, ctx, settings.hookTimeout, errors));
    }
    if (!errors.length) {
      try {
        await withTimeout(t.fn(ctx), t.options.timeout || settings.testTimeout, 'Test');
        if (t.options.fails) errors.push(new AssertionError('Expect test to fail'));
      } catch (e) {
        if (e instanceof SkipSignal) skipped = true;
        else if (!t.options.fails) errors.push(e);
      }
    }
    // afterEach hooks (innermost suite first), then what beforeEach hooks returned.
    for (const s of chain.slice().reverse()) await runHooks(s.afterEach, ctx, settings.hookTimeout, errors);
    for (const c of cleanups.reverse()) {
      try { await c(); } catch (e) { errors.push(e); }
    }
    errors.push(...shared.state.soft);
    if (!errors.length && shared.state.expected !== null) {
      if (shared.state.expected === -1 && shared.state.assertions === 0) errors.push(new AssertionError('expected any number of assertion, but got none'));
      else if (shared.state.expected >= 0 && shared.state.assertions !== shared.state.expected) errors.push(new AssertionError(`expected number of assertions to be ${shared.state.expected}, but got ${shared.state.assertions}`));
    }
    for (const f of errors.length ? currentTest.failed : []) { try { await f(ctx); } catch (e) { errors.push(e); } }
    for (const f of currentTest.finished.reverse()) { try { await f(ctx); } catch (e) { errors.push(e); } }
    viLib.restoreTimers();
    shared.state = null;
    currentTest = null;
    post('testResult', {
      file, names: t.names, state: skipped ? 'skip' : errors.length ? 'fail' : 'pass',
      ms: realNow() - started, errors: errors.map(errorReport),
    });
  }
  function skipAll(node, file, error) {
    for (const c of node.children) {
      if (c.kind === 'suite') { skipAll(c, file, error); continue; }
      if (!c.run) { post('testResult', { file, names: c.names, state: c.state, ms: 0, errors: [] }); continue; }
      post('testResult', { file, names: c.names, state: error ? 'fail' : 'skip', ms: 0, errors: error ? [errorReport(error)] : [] });
    }
  }
  async function runSuite(suite, file) {
    if (suite.collectError) { skipAll(suite, file, suite.collectError); return; }
    if (!runs(suite)) { skipAll(suite, file, null); return; }
    const setup = [];
    const cleanups = await runHooks(suite.beforeAll, suite, settings.hookTimeout, setup);
    // A failed `beforeAll` fails the suite's tests (reported with them, not again).
    const errors = [];
    if (setup.length) {
      skipAll(suite, file, setup[0]);
    } else {
      for (const c of suite.children) {
        if (c.kind === 'test') await runTest(c, file);
        else await runSuite(c, file);
      }
    }
    for (const c of cleanups.reverse()) { try { await c(); } catch (e) { errors.push(e); } }
    await runHooks(suite.afterAll, suite, settings.hookTimeout, errors);
    if (errors.length) post('suiteError', { file, names: suite.name ? [suite.name] : [], errors: errors.map(errorReport) });
  }

  // `endure test` sends `{op: 'test', file, pattern, testTimeout}`: the file is imported, its
  // suites collected, and every test run in order; results go back as they come.
  async function run(m) {
    root = newSuite('', null, 'run', null);
    current = root;
    mainPath = m.main;
    const slash = m.file.lastIndexOf('/');
    snap.path = `${m.file.slice(0, slash)}/__snapshots__/${m.file.slice(slash + 1)}.snap`;
    snap.mode = m.snapshots || 'new';
    if (m.testTimeout) settings.testTimeout = m.testTimeout;
    if (m.hookTimeout) settings.hookTimeout = m.hookTimeout;
    settings.allowOnly = m.allowOnly !== false;
    if (m.globals) {
      for (const k of ['describe', 'suite', 'it', 'test', 'expect', 'assert', 'vi', 'vitest', 'beforeAll', 'afterAll', 'beforeEach', 'afterEach', 'onTestFinished', 'onTestFailed']) {
        Object.defineProperty(globalThis, k, { value: vitest[k], writable: true, configurable: true, enumerable: false });
      }
    }
    try {
      for (const f of m.setupFiles || []) await import(f);
      await import(m.file);
      await collect(root);
    } catch (e) {
      post('testsDone', { file: m.file, error: errorReport(e) });
      return;
    }
    const pattern = m.pattern ? new RegExp(m.pattern) : null;
    plan(root, hasOnly(root), false, false, pattern, []);
    await runSuite(root, m.file);
    let snapshotError = null;
    if (snap.dirty) {
      try {
        sync('writeSnapshot', { path: snap.path, text: formatSnap(snap.entries) });
      } catch (e) {
        snapshotError = errorReport(e);
      }
    }
    post('testsDone', { file: m.file, error: snapshotError, snapshots: { written: snap.written, updated: snap.updated } });
  }

  // ---------------------------------------------------------------- cloudflare:test
  function executionContext() {
    const promises = [];
    return {
      waitUntil(p) { promises.push(Promise.resolve(p)); },
      passThroughOnException() {},
      props: {},
      __promises: promises,
    };
  }
  async function waitOnExecutionContext(ctx) {
    if (!ctx || !Array.isArray(ctx.__promises)) throw new TypeError('Failed to execute \'waitOnExecutionContext\': parameter 1 is not of type \'ExecutionContext\'.');
    let seen = 0;
    while (seen < ctx.__promises.length) {
      const batch = ctx.__promises.slice(seen);
      seen = ctx.__promises.length;
      await Promise.allSettled(batch);
    }
  }
  // The Worker's main module, loaded on first use: after the test file, so that its
  // `vi.mock` calls reach the Worker's imports too.
  let mainPath = null;
  let mainLoaded = null;
  function workerMain() {
    if (!mainLoaded) mainLoaded = import(mainPath).then((ns) => { globalThis.__endure_main = ns; });
    return mainLoaded;
  }
  // The Worker's own handlers, called in this isolate (as `SELF` reaches the Worker under test).
  function handler(name) {
    const h = entrypointOf({});
    const c = executionContext();
    if (typeof h === 'function' && h.prototype && typeof h.prototype[name] === 'function') {
      const self = new h(c, env);
      return [self[name].bind(self), c];
    }
    if (!h || typeof h[name] !== 'function') throw new TypeError(`The Worker's default export has no ${name}() handler`);
    return [h[name].bind(h), c];
  }
  const SELF = {
    async fetch(input, init) {
      const req = input instanceof Request && init === undefined ? input : new Request(input, init);
      await workerMain();
      const [f, c] = handler('fetch');
      const res = await f(req, env, c);
      return res instanceof Response ? res : new Response(String(res));
    },
    async scheduled(options) {
      const o = options || {};
      await workerMain();
      const [f, c] = handler('scheduled');
      await f({ type: 'scheduled', cron: o.cron || '', scheduledTime: o.scheduledTime instanceof RealDate ? o.scheduledTime.getTime() : o.scheduledTime || realNow(), noRetry() {} }, env, c);
      await waitOnExecutionContext(c);
      return { outcome: 'ok', noRetry: false };
    },
  };

  const STATUSES = ['queued', 'running', 'paused', 'errored', 'terminated', 'complete', 'waiting', 'waitingForPause'];
  function workflowOf(binding, what) {
    if (!binding || typeof binding.__name !== 'string') throw new TypeError(`${what}: the first argument must be a Workflow binding (env.MY_WORKFLOW)`);
    return binding.__name;
  }
  function bindingName(binding) {
    return Object.keys(env).find((k) => env[k] === binding) || binding.__name;
  }
  function stepRef(s, what) {
    if (!s || typeof s.name !== 'string') throw new TypeError(`${what}: the step must be {name, index?}`);
    return { name: s.name, index: s.index === undefined ? 1 : s.index };
  }
  function stepList(steps, what) {
    if (steps === undefined) return undefined;
    return Array.from(steps).map((s) => stepRef(s, what));
  }
  // The modifier a `modify`/`modifyAll` callback gets: each call is one operation.
  function modifier(apply) {
    const op = (o) => { try { apply(o); return Promise.resolve(); } catch (e) { return Promise.reject(e); } };
    return {
      disableSleeps: (steps) => op({ op: 'disableSleeps', steps: stepList(steps, 'disableSleeps') }),
      disableRetryDelays: (steps) => op({ op: 'disableRetryDelays', steps: stepList(steps, 'disableRetryDelays') }),
      // A stream is read to its end and kept as its bytes, as a step's stream result is.
      mockStepResult: (step, value) => {
        const ref = stepRef(step, 'mockStepResult');
        if (!(value instanceof ReadableStream)) return op({ op: 'mockStepResult', step: ref, value: encode(value) });
        return new Response(value).arrayBuffer().then((b) => op({
          op: 'mockStepResult', step: ref, value: { $endure: 'ReadableStream', v: Array.from(new Uint8Array(b)) },
        }));
      },
      mockStepError: (step, error, times) => op({
        op: 'mockStepError', step: stepRef(step, 'mockStepError'),
        error: { name: String((error && error.name) || 'Error'), message: String(error && error.message !== undefined ? error.message : error) },
        times,
      }),
      forceStepTimeout: (step, times) => op({ op: 'forceStepTimeout', step: stepRef(step, 'forceStepTimeout'), times }),
      mockEvent: (event) => op({ op: 'mockEvent', type: String((event || {}).type), payload: encode((event || {}).payload === undefined ? {} : event.payload) }),
      forceEventTimeout: (step) => op({ op: 'forceEventTimeout', step: stepRef(step, 'forceEventTimeout') }),
    };
  }
  function instanceIntrospector(workflow, id) {
    const who = { workflow, instance: id };
    let disposed = false;
    const live = () => { if (disposed) throw new Error('Workflow instance introspector has been disposed.'); };
    const self = {
      async modify(fn) {
        live();
        await fn(modifier((o) => sync('modify', { workflow, id, ops: [o] })));
        await introspect('deliver', who);
        return self;
      },
      async waitForStepResult(step) {
        live();
        // The recorded result JSON round-tripped, as the reference answers it; a stream stays
        // a stream.
        const v = decode(await introspect('waitForStepResult', Object.assign({ step: stepRef(step, 'waitForStepResult') }, who)));
        if (v === undefined || v instanceof ReadableStream) return v;
        try { return JSON.parse(JSON.stringify(v)); } catch (e) { return v; }
      },
      async waitForStatus(status) {
        live();
        if (status === 'unknown') throw new Error('unknown cannot be parsed into a InstanceStatus');
        if (!STATUSES.includes(status)) throw new Error(`${status} was not handled because it's not a valid InstanceStatus`);
        await introspect('waitForStatus', Object.assign({ status }, who));
      },
      async getOutput() {
        live();
        return decode(await introspect('getOutput', who));
      },
      async getError() {
        live();
        return introspect('getError', who);
      },
      async dispose() {
        if (disposed) return;
        disposed = true;
        await introspect('dispose', who);
      },
      [Symbol.asyncDispose]() { return self.dispose(); },
    };
    return self;
  }
  async function introspectWorkflowInstance(binding, id) {
    const workflow = workflowOf(binding, 'introspectWorkflowInstance');
    if (typeof id !== 'string' || id === '') throw new TypeError('introspectWorkflowInstance: the instance id must be a non-empty string');
    return instanceIntrospector(workflow, id);
  }
  async function introspectWorkflow(binding) {
    const workflow = workflowOf(binding, 'introspectWorkflow');
    sync('openSession', { workflow, binding: bindingName(binding) });
    let open = true;
    const introspectors = new Map();
    const live = () => {
      if (!open) throw new Error(`Workflow "${workflow}" does not have an active introspection session for this introspector.`);
    };
    const self = {
      async modifyAll(fn) {
        live();
        const ops = [];
        await fn(modifier((o) => ops.push(o)));
        sync('modifyAll', { workflow, ops });
      },
      // An array that can also be awaited: current versions of cloudflare:test answer a
      // promise, earlier ones (and Cloudflare's first examples) the array itself.
      get() {
        live();
        const list = sync('sessionIds', { workflow }).map((id) => {
          if (!introspectors.has(id)) introspectors.set(id, instanceIntrospector(workflow, id));
          return introspectors.get(id);
        });
        Object.defineProperty(list, 'then', {
          value: (resolve, reject) => Promise.resolve(list.slice()).then(resolve, reject),
          enumerable: false,
        });
        return list;
      },
      async dispose() {
        if (!open) return;
        open = false;
        await introspect('disposeSession', { workflow });
      },
      [Symbol.asyncDispose]() { return self.dispose(); },
    };
    return self;
  }
  function unsupported(name) {
    return () => { throw new Error(`cloudflare:test's ${name}() is not supported by endure test`); };
  }
  const cloudflareTest = {
    env, SELF, introspectWorkflowInstance, introspectWorkflow,
    createExecutionContext: executionContext, waitOnExecutionContext,
    createScheduledController: (o) => ({ type: 'scheduled', cron: (o || {}).cron || '', scheduledTime: (o || {}).scheduledTime || realNow(), noRetry() {} }),
    createMessageBatch: unsupported('createMessageBatch'), getQueueResult: unsupported('getQueueResult'),
    fetchMock: undefined, runInDurableObject: unsupported('runInDurableObject'),
    listDurableObjectIds: unsupported('listDurableObjectIds'), applyD1Migrations: unsupported('applyD1Migrations'),
  };
  return { vitest, cloudflareTest, run, registerMock, mockModule };
}
