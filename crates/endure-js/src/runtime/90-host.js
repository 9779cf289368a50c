// Part of the runtime prelude (see 00-core.js): one function body split into files.
  // ---------------------------------------------------------------- the host's entry points
  // A call to the host answered: its value as JSON text, or its error's name and message.
  function settle(id, ok, value, errorName, errorMessage) {
    asyncCtx = undefined;
    const c = calls.get(id);
    if (!c) return;
    currentRun = c.run;
    calls.delete(id);
    if (ok) c.resolve(value === null || value === undefined ? undefined : JSON.parse(value));
    else c.reject(toError({ name: errorName, message: errorMessage }));
  }
  // Run an attempt of run `run`'s step call `step`'s callback; `ctx` as JSON text.
  function attempt(run, step, attempt, ctx) {
    asyncCtx = undefined;
    currentRun = run;
    runAttempt({ run, step, attempt, ctx: JSON.parse(ctx) });
  }
  // A message of workflow run `run`, as JSON text.
  function runMessage(run, text) {
    asyncCtx = undefined;
    currentRun = run;
    const m = JSON.parse(text);
    m.run = run;
    switch (m.op) {
      case 'delay': runDelay(m); return;
      case 'start': startWorkflow(m); return;
      default: throw new Error(`unknown run message ${m.op}`);
    }
  }
  // Run `run` is over (it ended, or the engine dropped it: it will be replayed if it ever
  // resumes): its step calls in flight, step callbacks, delay functions and timers are
  // forgotten, so nothing refers to it any more, and the steps it still asks for are never
  // answered. Its host calls in flight (a fetch...) are still answered: code continued by a
  // promise runs share may be another run's.
  function forget(run) {
    currentRun = 0;
    liveRuns.delete(run);
    for (const [id, c] of calls) {
      if (c.run === run && c.step) { calls.delete(id); callbacks.delete(id); delayFns.delete(id); }
    }
    for (const [id, e] of executing) if (e.run === run) executing.delete(id);
    for (const [id, t] of timers) if (t.run === run) timers.delete(id);
  }
  // What the host learns at the end of each turn: the earliest timer (-1: none), the calls
  // and `waitUntil` work pending, then the runs that have timers.
  function idleState() {
    const out = [nextTimer(), waitingUntil + calls.size];
    if (timers.size) {
      const seen = new Set();
      for (const t of timers.values()) if (t.run !== 0 && !seen.has(t.run)) { seen.add(t.run); out.push(t.run); }
    }
    return out;
  }
  function receive(text) {
    asyncCtx = undefined;
    currentRun = 0;
    const m = JSON.parse(text);
    switch (m.op) {
      case 'env': setupEnv(m); return;
      case 'fetch': startFetch(m); return;
      case 'rpc': startRpc(m); return;
      case 'scheduled': startScheduled(m); return;
      case 'queue': startQueue(m); return;
      case 'test': {
        // Whatever goes wrong in the runner itself ends the file with it.
        const done = (e) => post('testsDone', { file: m.file, error: errorInfo(e) });
        try { testLib().run(m).catch(done); } catch (e) { done(e); }
        return;
      }
      default: throw new Error(`unknown message ${m.op}`);
    }
  }

  // `endure test`'s `vitest` and `cloudflare:test` (sections/test.js), built on first use.
  let testLibCache = null;
  function testLib() {
    if (!testLibCache) testLibCache = host.section('test')({ host, call, post, env, encode, decode, entrypointOf });
    return testLibCache;
  }

  // Helpers that compiled TypeScript calls (transpile.rs sets oxc's helpers to this global):
  // legacy decorators, as TypeScript's experimentalDecorators define them.
  const babelHelpers = {
    // decorators are applied last to first; each may return a replacement (a class, or a
    // property descriptor), which the next one gets.
    decorate(decorators, target, key, descriptor) {
      const onClass = arguments.length < 3;
      let current = onClass ? target
        : descriptor === null ? Object.getOwnPropertyDescriptor(target, key) : descriptor;
      for (let i = decorators.length - 1; i >= 0; i--) {
        const d = decorators[i];
        if (!d) continue;
        const out = onClass ? d(current) : arguments.length > 3 ? d(target, key, current) : d(target, key);
        if (out) current = out;
      }
      if (!onClass && arguments.length > 3 && current) Object.defineProperty(target, key, current);
      return current;
    },
    decorateParam(index, decorator) {
      return (target, key) => decorator(target, key, index);
    },
    decorateMetadata(key, value) {
      if (typeof Reflect === 'object' && typeof Reflect.metadata === 'function') return Reflect.metadata(key, value);
      return undefined;
    },
  };
  const globals = {
    babelHelpers,
    console, setTimeout, setInterval, clearTimeout, clearInterval: clearTimeout, queueMicrotask,
    setImmediate, clearImmediate: clearTimeout, reportError, global: globalThis,
    structuredClone, TextEncoder, TextDecoder, atob, btoa, crypto, URL, URLSearchParams, Headers,
    Request, Response, fetch, AbortController, AbortSignal, ReadableStream, ReadableStreamDefaultReader, ReadableStreamBYOBReader, DOMException,
    NonRetryableError, process, navigator, scheduler,
  };
  for (const k of Object.keys(globals)) {
    Object.defineProperty(globalThis, k, { value: globals[k], writable: true, configurable: true, enumerable: false });
  }
  // Globals built on first use (see nodeLib in 65-node-modules.js); assignable like the others.
  const lazyGlobals = [['Buffer', () => nodeLib().Buffer], ['CryptoKey', () => subtleLib().CryptoKey], ['WebAssembly', () => wasmLib().WebAssembly], ['Intl', () => intlLib().Intl]]
    .concat(WEB_GLOBALS.map((n) => [n, () => webLib()[n]]));
  for (const [name, get] of lazyGlobals) {
    Object.defineProperty(globalThis, name, {
      get, enumerable: false, configurable: true,
      set(v) { Object.defineProperty(globalThis, name, { value: v, writable: true, configurable: true, enumerable: false }); },
    });
  }
  globalThis.self = globalThis;
  Object.defineProperty(globalThis, '__endure_ac', { value: asyncContextApi });
  Object.defineProperty(globalThis, '__endure_rt', {
    value: Object.freeze({
      receive, runMessage, settle, attempt, forget, fireTimers, idleState, currentRun: () => currentRun, WorkflowEntrypoint, WorkerEntrypoint, DurableObject,
      NonRetryableError, EmailMessage, env, encode, decode, requireFile, cjsNames,
      wasmModule: (path) => wasmLib().fromFile(path),
      testing: () => testLib(),
      node: nodeBuiltins,
      // A module that fails to load: its error with the place QuickJS gives (file:line:col).
      describeLoadError: (e) => {
        if (!e || !e.name) return String(e);
        const at = typeof e.fileName === 'string' && e.lineNumber
          ? ` (at ${e.fileName}:${e.lineNumber}${e.columnNumber ? ':' + e.columnNumber : ''})`
          : (String(e.stack || '').match(/\(([^()]+:\d+(?::\d+)?)\)|at ([^\s]+:\d+(?::\d+)?)/) || []).slice(1).filter(Boolean).map((x) => ` (at ${x})`)[0] || '';
        return `${e.name}: ${e.message}${at}`;
      },
      // A Data module's default export (wrangler's module rules).
      dataModule: (b64) => { const b = b64decode(b64); return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength); },
    }),
  });
})();
