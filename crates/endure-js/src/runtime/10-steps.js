// Part of the runtime prelude (see 00-core.js): one function body split into files.
  // ---------------------------------------------------------------- steps
  const callbacks = new Map();
  function durationArg(d) {
    return typeof d === 'number' || typeof d === 'string' ? d : String(d);
  }
  // A step config as JSON text. `retries.limit: Infinity` (unlimited) travels as "unlimited";
  // any other value JSON cannot carry (NaN, ±Infinity elsewhere, a BigInt, a cycle) would be
  // silently changed by JSON.stringify, so the config is sent as invalid and the engine answers
  // with the reference's "invalid format" error.
  const INVALID_CONFIG = '{"$invalid":true}';
  function wireConfig(config) {
    if (config === null || config === undefined) return null;
    let bad = false;
    let text;
    try {
      text = JSON.stringify(config, function (key, v) {
        if (typeof v === 'bigint' || typeof v === 'symbol') { bad = true; return null; }
        if (typeof v === 'number' && !Number.isFinite(v)) {
          if (key === 'limit' && v === Infinity && this === config.retries) return 'unlimited';
          bad = true;
          return null;
        }
        return v;
      });
    } catch (e) {
      return INVALID_CONFIG;
    }
    return bad || text === undefined ? INVALID_CONFIG : text;
  }
  // The resolved config as the callback sees it: unlimited retries are `Infinity` again.
  function contextConfig(ctx) {
    const r = ctx && ctx.config && ctx.config.retries;
    if (r && r.limit === 'unlimited') r.limit = Infinity;
    return ctx;
  }
  class WorkflowStep {
    #run;
    constructor(run) { this.#run = run; }
    do(name, a, b) {
      let config = null;
      let cb = a;
      if (typeof a !== 'function') { config = a === undefined ? null : a; cb = b; }
      if (typeof cb !== 'function') {
        const e = new Error(`Step "${name}" requires a callback function`);
        e.name = 'WorkflowFatalError';
        return Promise.reject(e);
      }
      const run = this.#run;
      if (!liveRuns.has(run)) return new Promise(() => {});
      const id = nextId++;
      let dynamic = false;
      if (config && config.retries && typeof config.retries.delay === 'function') {
        // Asked after each failed attempt (`delay` messages); persisted as "[dynamic]".
        delayFns.set(id, config.retries.delay);
        config = Object.assign({}, config, { retries: Object.assign({}, config.retries, { delay: '[dynamic]' }) });
        dynamic = true;
      }
      callbacks.set(id, cb);
      const p = new Promise((resolve, reject) => calls.set(id, {
        run,
        step: true,
        resolve: (v) => { callbacks.delete(id); delayFns.delete(id); resolve(decode(v)); },
        reject: (e) => { callbacks.delete(id); delayFns.delete(id); reject(e); },
      }));
      host.stepDo(run, id, String(name), wireConfig(config), dynamic);
      return p;
    }
    sleep(name, duration) {
      return callAs(this.#run, 'sleep', { name: String(name), duration: durationArg(duration) }, true).then(() => undefined);
    }
    sleepUntil(name, at) {
      const ms = at instanceof Date ? at.getTime() : Number(at);
      return callAs(this.#run, 'sleepUntil', { name: String(name), at: ms }, true).then(() => undefined);
    }
    waitForEvent(name, options) {
      const o = options || {};
      return callAs(this.#run, 'waitForEvent', {
        name: String(name), type: o.type, timeout: o.timeout === undefined ? null : durationArg(o.timeout),
      }, true).then((ev) => ({ payload: decode(ev.payload), timestamp: new Date(ev.timestamp), type: ev.type }));
    }
  }

  // Delay functions of steps in flight, by call id.
  const delayFns = new Map();
  async function runDelay(m) {
    const f = delayFns.get(m.step);
    try {
      if (!f) throw new Error('the delay function is gone');
      const v = await f({ ctx: contextConfig(m.ctx), error: toError(m.error) });
      const value = typeof v === 'number' ? { number: String(v) } : typeof v === 'string' ? { text: v } : { invalid: true };
      postAs(m.run, 'delayDone', { delay: m.delay, ok: true, value });
    } catch (e) {
      postAs(m.run, 'delayDone', { delay: m.delay, ok: false, error: errorInfo(e) });
    }
  }

  // Steps whose attempt is executing now, by attempt (a host-wide number): console lines name
  // those of their run.
  const executing = new Map();
  async function runAttempt(m) {
    executing.set(m.attempt, { name: m.ctx.step.name, run: m.run });
    try {
      await attemptBody(m);
    } finally {
      executing.delete(m.attempt);
    }
  }
  async function attemptBody(m) {
    const cb = callbacks.get(m.step);
    if (!cb) {
      attemptFailed(m, { name: 'Error', message: 'step callback is gone' }, false);
      return;
    }
    let value;
    try {
      value = await cb(contextConfig(m.ctx));
    } catch (e) {
      attemptFailed(m, errorInfo(e), false);
      return;
    }
    let encoded;
    try {
      // A stream result is read to the end and kept as its bytes; replays get a new stream.
      if (value instanceof ReadableStream) {
        const parts = [];
        const reader = value.getReader();
        for (;;) {
          const { value: chunk, done } = await reader.read();
          if (done) break;
          if (!(chunk instanceof Uint8Array) && !(chunk instanceof ArrayBuffer)) {
            throw Object.assign(new Error(`Step "${m.ctx.step.name}" returned a stream with a chunk that is not bytes`), { name: 'UnsupportedStreamChunkError' });
          }
          parts.push(...new Uint8Array(chunk instanceof ArrayBuffer ? chunk : chunk.buffer.slice(chunk.byteOffset, chunk.byteOffset + chunk.byteLength)));
        }
        encoded = { [TAG]: 'ReadableStream', v: parts };
      } else {
        encoded = encode(value);
      }
    } catch (e) {
      if (!(e instanceof NotSerialisable)) {
        attemptFailed(m, errorInfo(e), true);
        return;
      }
      attemptFailed(m, { name: 'WorkflowFatalError', message: `Value returned from step "${m.ctx.step.name}" is not serialisable` }, true);
      return;
    }
    host.attemptDone(m.run, m.attempt, true, JSON.stringify(encoded), null, null, false);
  }
  function attemptFailed(m, error, fatal) {
    host.attemptDone(m.run, m.attempt, false, null, error.name, error.message, fatal);
  }

  // ---------------------------------------------------------------- bindings
  class WorkflowInstance {
    constructor(workflow, id) { this.__workflow = workflow; Object.defineProperty(this, 'id', { value: id, enumerable: true }); }
    __do(method, args) { return call('binding', { workflow: this.__workflow, method, instance: this.id, args: args || {} }); }
    async status() { return callNow('binding', { workflow: this.__workflow, method: 'status', instance: this.id, args: {} }); }
    async pause() { await this.__do('pause'); }
    async resume() { await this.__do('resume'); }
    async terminate() { await this.__do('terminate'); }
    async restart(options) {
      const from = options && options.from;
      if (from === undefined || from === null) return void await this.__do('restart');
      if (typeof from !== 'object') throw new TypeError('restart: "from" must be an object {name, count?, type?}');
      await this.__do('restart', { from: { name: from.name, count: from.count, type: from.type } });
    }
    async sendEvent(ev) {
      const e = ev || {};
      await this.__do('sendEvent', { type: e.type, payload: encode(e.payload === undefined ? {} : e.payload) });
    }
  }
  class Workflow {
    constructor(name) { this.__name = name; }
    async create(options) {
      const o = options || {};
      const r = await call('binding', {
        workflow: this.__name, method: 'create',
        args: { id: o.id, params: o.params === undefined ? undefined : encode(o.params) },
      });
      return new WorkflowInstance(this.__name, r.id);
    }
    async createBatch(list) {
      if (!Array.isArray(list)) throw new TypeError('createBatch expects an array');
      const r = await call('binding', {
        workflow: this.__name, method: 'createBatch',
        args: { instances: list.map((o) => ({ id: (o || {}).id, params: (o || {}).params === undefined ? undefined : encode(o.params) })) },
      });
      return r.ids.map((id) => new WorkflowInstance(this.__name, id));
    }
    async get(id) {
      const r = await callNow('binding', { workflow: this.__name, method: 'get', instance: String(id), args: {} });
      return new WorkflowInstance(this.__name, r.id);
    }
  }
