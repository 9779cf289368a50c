// Part of the runtime prelude (see 00-core.js): one function body split into files.
  // ---------------------------------------------------------------- entrypoints
  class WorkflowEntrypoint {
    constructor(ctx, env) { this.ctx = ctx; this.env = env; }
  }
  class WorkerEntrypoint {
    constructor(ctx, env) { this.ctx = ctx; this.env = env; }
  }
  class DurableObject {
    constructor(ctx, env) { this.ctx = ctx; this.env = env; }
  }
  const env = {};
  // Promises handed to `ctx.waitUntil` still running: the host keeps a fetch handler's isolate
  // alive (up to 30 s after the response) until they settle.
  let waitingUntil = 0;
  const executionContext = {
    waitUntil(p) {
      waitingUntil++;
      Promise.resolve(p)
        .catch((e) => console.error('waitUntil:', e))
        .finally(() => { waitingUntil--; });
    },
    passThroughOnException() {},
  };
  function setupEnv(m) {
    for (const k of Object.keys(env)) delete env[k];
    Object.assign(env, m.vars || {});
    for (const b of m.bindings || []) env[b.binding] = new Workflow(b.workflow);
    const kinds = { r2: R2Bucket, d1: D1Database, email: SendEmail, kv: KVNamespace, queue: Queue };
    for (const r of m.resources || []) env[r.binding] = new kinds[r.kind](r.binding);
    for (const u of m.unserved || []) env[u.binding] = unserved(u);
    if (m.assets) env[m.assets] = new AssetsBinding(m.assets);
    for (const s of m.services || []) env[s.binding] = serviceBinding(s);
  }
  // A service binding to one of this project's entrypoints: `fetch`, and RPC for any other
  // method (arguments and results as structured clone keeps them; no stubs or callbacks).
  function serviceBinding(s) {
    const target = { binding: s.binding };
    return new Proxy(target, {
      get(_t, p) {
        if (typeof p === 'symbol' || p === 'then') return undefined;
        if (p === 'fetch') {
          return async (input, init) => {
            const req = input instanceof Request && init === undefined ? input : new Request(input, init);
            const r = await call('service', {
              binding: s.binding, method: 'fetch', url: req.url, httpMethod: req.method,
              headers: Array.from(req.headers), body: (await req.__peek()) === null ? null : b64encode(req.__bytes),
            });
            return new Response(r.status === 204 || r.status === 304 ? null : b64decode(r.body), { status: r.status, headers: r.headers });
          };
        }
        return async (...args) => {
          const r = await call('service', { binding: s.binding, method: String(p), args: encode(args) });
          if (!r.ok) throw toError(r.error);
          return decode(r.value);
        };
      },
    });
  }
  // `env.ASSETS`: the project's static assets, as the platform serves them.
  class AssetsBinding {
    constructor(binding) { this.__b = binding; }
    async fetch(input, init) {
      const req = input instanceof Request && init === undefined ? input : new Request(input, init);
      const r = await call('resource', {
        binding: this.__b, url: req.url, method: req.method, ifNoneMatch: req.headers.get('if-none-match'),
      });
      const body = r.status === 304 || r.status === 307 || req.method === 'HEAD' ? null : b64decode(r.body);
      return new Response(body, { status: r.status, headers: r.headers });
    }
  }
  // A binding Endure does not serve: present on env, and any use of it throws, naming it.
  function unserved(u) {
    const fail = () => {
      const e = new Error(`env.${u.binding} is a ${u.kind} binding: ${u.why}`);
      e.name = 'UnsupportedBindingError';
      throw e;
    };
    const tag = `[${u.kind} binding ${u.binding}: not served by Endure]`;
    return new Proxy(function () {}, {
      get(_t, p) {
        // Probes that are not uses: awaiting it, printing it, converting it.
        if (p === 'then' || typeof p === 'symbol') return undefined;
        if (p === 'toString' || p === 'toJSON') return () => tag;
        return fail();
      },
      set: fail, apply: fail, construct: fail, has: () => false,
    });
  }

  async function startWorkflow(m) {
    const run = m.run;
    liveRuns.add(run);
    try {
      const Cls = (globalThis.__endure_main || {})[m.class];
      if (typeof Cls !== 'function') {
        throw new Error(`The class "${m.class}" is not exported by the project's main module`);
      }
      const instance = new Cls(executionContext, env);
      if (typeof instance.run !== 'function') throw new Error(`"${m.class}" has no run method`);
      const event = {
        payload: decode(m.event.payload),
        timestamp: new Date(m.event.timestamp),
        instanceId: m.event.instanceId,
        workflowName: m.event.workflowName,
      };
      if (m.event.schedule) event.schedule = m.event.schedule;
      const out = await instance.run(event, new WorkflowStep(run));
      let encoded;
      try { encoded = encode(out); } catch (e) {
        if (!(e instanceof NotSerialisable)) throw e;
        throw Object.assign(new Error('The value returned by run() is not serialisable'), { name: 'WorkflowFatalError' });
      }
      host.runDone(run, true, JSON.stringify(encoded), null, null);
    } catch (e) {
      const info = errorInfo(e);
      host.runDone(run, false, null, info.name, info.message);
    }
  }

  // The default export, or a named `WorkerEntrypoint` (service bindings' `entrypoint`).
  function entrypointOf(m) {
    const main = globalThis.__endure_main || {};
    const name = m.entrypoint || 'default';
    const handler = main[name];
    if (handler === undefined) throw new Error(`The entrypoint "${name}" is not exported by the project's main module`);
    return handler;
  }
  // `env.SERVICE.method(...args)` on the project's own entrypoint: the result (structured-clone
  // values) comes back as the response body.
  async function startRpc(m) {
    let out;
    try {
      const handler = entrypointOf(m);
      const self = typeof handler === 'function' && handler.prototype ? new handler(executionContext, env) : handler;
      const fn = self && self[m.method];
      if (typeof fn !== 'function') throw new TypeError(`The RPC receiver does not implement the method "${m.method}".`);
      const value = await fn.apply(self, decode(m.args));
      out = { ok: true, value: encode(value) };
    } catch (e) {
      out = { ok: false, error: errorInfo(e) };
    }
    post('response', { status: 200, headers: [], body: b64encode(utf8encode(JSON.stringify(out))) });
  }

  async function startFetch(m) {
    try {
      const handler = entrypointOf(m);
      let fetchFn = handler && handler.fetch;
      let self = handler;
      if (typeof handler === 'function' && handler.prototype && typeof handler.prototype.fetch === 'function') {
        self = new handler(executionContext, env);
        fetchFn = self.fetch;
      }
      if (typeof fetchFn !== 'function') {
        post('response', { status: 404, headers: [['content-type', 'text/plain']], body: b64encode(utf8encode('This project has no fetch handler\n')), noHandler: true });
        return;
      }
      const req = new Request(m.url, { method: m.method, headers: m.headers, body: m.body === null ? null : b64decode(m.body) });
      let res = await fetchFn.call(self, req, env, executionContext);
      if (!(res instanceof Response)) res = new Response(String(res));
      const body = new Uint8Array(await res.arrayBuffer());
      post('response', { status: res.status, headers: Array.from(res.headers), body: b64encode(body) });
    } catch (e) {
      console.error('fetch handler threw:', e);
      post('response', { status: 500, headers: [['content-type', 'text/plain']], body: b64encode(utf8encode('Internal Server Error\n')) });
    }
  }

  // The default export's `scheduled(controller, env, ctx)` for one cron firing. The answer
  // (as a response body): `{ok}` or `{ok: false, noRetry, error}`; 404 without a handler.
  async function startScheduled(m) {
    let noRetry = false;
    const answer = (status, v) => post('response', {
      status, headers: [['content-type', 'application/json']], body: b64encode(utf8encode(JSON.stringify(v))),
    });
    try {
      const handler = entrypointOf({});
      let self = handler;
      let fn = handler && handler.scheduled;
      if (typeof handler === 'function' && handler.prototype && typeof handler.prototype.scheduled === 'function') {
        self = new handler(executionContext, env);
        fn = self.scheduled;
      }
      if (typeof fn !== 'function') {
        answer(404, { ok: false, noRetry: true, error: { name: 'Error', message: 'The default export has no scheduled() handler' } });
        return;
      }
      const controller = Object.freeze({
        type: 'scheduled',
        cron: m.cron,
        scheduledTime: m.scheduledTime,
        noRetry() { noRetry = true; },
      });
      await fn.call(self, controller, env, executionContext);
      answer(200, { ok: true });
    } catch (e) {
      console.error('scheduled handler threw:', e);
      const err = e instanceof Error ? { name: e.name, message: e.message } : { name: 'Error', message: String(e) };
      answer(500, { ok: false, noRetry, error: err });
    }
  }

  // ---------------------------------------------------------------- async context
  // What `AsyncLocalStorage` reads (node:async_hooks, in 60-node.js): an immutable Map from each
  // storage to its store, or undefined. Sources rewritten by async_context.rs capture it at the
  // start of each async function and put it back where the function resumes (`__endure_ac`);
  // timers, and promise callbacks once node:async_hooks is loaded, run in the context they were
  // scheduled in; each call from the host starts with none.
  let asyncCtx;
  const asyncContextApi = Object.freeze({
    c: () => asyncCtx,
    r: (k, v) => { asyncCtx = k; return v; },
    s: (k) => { asyncCtx = k; },
  });
  function inContext(k, fn, self, args) {
    const prev = asyncCtx;
    asyncCtx = k;
    try { return fn.apply(self, args); } finally { asyncCtx = prev; }
  }

  // ---------------------------------------------------------------- timers
  const timers = new Map();
  let timerSeq = 1;
  // Taken now: a test's fake timers (`vi.useFakeTimers`) replace `Date`, not the isolate's clock.
  const dateNow = Date.now;
  function setTimeout(fn, ms, ...args) {
    const id = timerSeq++;
    timers.set(id, { at: dateNow() + Math.max(0, Number(ms) || 0), fn, args, every: null, ctx: asyncCtx, run: currentRun });
    return id;
  }
  function setInterval(fn, ms, ...args) {
    const id = timerSeq++;
    const every = Math.max(1, Number(ms) || 0);
    timers.set(id, { at: dateNow() + every, fn, args, every, ctx: asyncCtx, run: currentRun });
    return id;
  }
  function clearTimeout(id) { timers.delete(id); }
  // nodejs_compat's `setImmediate`: after the current jobs, before later timers.
  function setImmediate(fn, ...args) { return setTimeout(fn, 0, ...args); }
  // Workers' `reportError`: the error is logged, nothing is thrown.
  function reportError(e) { console.error('Uncaught', e); }
  function nextTimer() {
    let at = -1;
    for (const t of timers.values()) if (at < 0 || t.at < at) at = t.at;
    return at;
  }
  function fireTimers() {
    const now = dateNow();
    const due = [];
    for (const [id, t] of timers) if (t.at <= now) due.push([id, t]);
    due.sort((a, b) => a[1].at - b[1].at || a[0] - b[0]);
    for (const [id, t] of due) {
      if (t.every) t.at = now + t.every; else timers.delete(id);
      currentRun = t.run;
      if (typeof t.fn === 'function') {
        try { inContext(t.ctx, t.fn, undefined, t.args); } catch (e) { console.error('Uncaught (in timer)', e); }
      }
    }
  }

  // ---------------------------------------------------------------- console
  function show(v) {
    if (typeof v === 'string') return v;
    if (v instanceof Error) return v.stack ? `${v.name}: ${v.message}\n${v.stack}`.trimEnd() : `${v.name}: ${v.message}`;
    if (typeof v === 'function') return `[Function ${v.name || 'anonymous'}]`;
    if (typeof v === 'bigint') return `${v}n`;
    if (v === undefined) return 'undefined';
    try {
      const s = JSON.stringify(v, (k, x) => (typeof x === 'bigint' ? `${x}n` : x instanceof Map ? Object.fromEntries(x) : x instanceof Set ? Array.from(x) : x));
      return s === undefined ? String(v) : s;
    } catch (e) {
      return String(v);
    }
  }
  function logger(level) {
    return (...args) => {
      const run = currentRun;
      const steps = new Set();
      for (const e of executing.values()) if (e.run === run) steps.add(e.name);
      post('log', { level, text: args.map(show).join(' '), steps: Array.from(steps) });
    };
  }
  const console = {
    log: logger('info'), info: logger('info'), debug: logger('debug'), warn: logger('warn'),
    error: logger('error'), trace: logger('debug'),
  };
