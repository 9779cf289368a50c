// The runtime every Endure JavaScript context starts with. Evaluated as a script before the
// project's modules. It talks to the host (Rust) with JSON messages: `host.send(text)` out, and
// `__endure_rt.receive(text)` in. See isolate.rs for the other side and the message list.
(function () {
  'use strict';
  const host = globalThis.__endure_host;
  delete globalThis.__endure_host;

  // ---------------------------------------------------------------- messages
  let nextId = 1;
  const calls = new Map();
  function call(op, fields) {
    const id = nextId++;
    const p = new Promise((resolve, reject) => calls.set(id, { resolve, reject }));
    host.send(JSON.stringify(Object.assign({}, fields, { op, id })));
    return p;
  }
  function post(op, fields) {
    host.send(JSON.stringify(Object.assign({}, fields, { op })));
  }

  // ---------------------------------------------------------------- values
  // Step results, params and payloads are stored as JSON; values JSON cannot hold are tagged
  // objects `{"$endure": kind, ...}` (plain objects that have that key are wrapped too).
  const TAG = '$endure';
  class NotSerialisable extends Error {}
  const TYPED = ['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array',
    'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array'];
  function encode(v, seen) {
    switch (typeof v) {
      case 'undefined': return { [TAG]: 'undefined' };
      case 'boolean': case 'string': return v;
      case 'number':
        if (Number.isFinite(v) && !Object.is(v, -0)) return v;
        return { [TAG]: 'number', v: Object.is(v, -0) ? '-0' : String(v) };
      case 'bigint': return { [TAG]: 'bigint', v: v.toString() };
      case 'function': case 'symbol': throw new NotSerialisable(typeof v);
    }
    if (v === null) return null;
    seen = seen || new Set();
    if (seen.has(v)) throw new NotSerialisable('a circular reference');
    seen.add(v);
    try {
      if (v instanceof Date) return { [TAG]: 'Date', v: isNaN(v.getTime()) ? null : v.toISOString() };
      if (v instanceof Map) return { [TAG]: 'Map', v: Array.from(v, ([k, x]) => [encode(k, seen), encode(x, seen)]) };
      if (v instanceof Set) return { [TAG]: 'Set', v: Array.from(v, (x) => encode(x, seen)) };
      if (v instanceof RegExp) return { [TAG]: 'RegExp', source: v.source, flags: v.flags };
      if (v instanceof ArrayBuffer) return { [TAG]: 'ArrayBuffer', v: Array.from(new Uint8Array(v)) };
      if (ArrayBuffer.isView(v)) {
        const kind = v.constructor.name;
        if (kind === 'DataView') return { [TAG]: 'DataView', v: Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)) };
        return { [TAG]: kind, v: Array.from(v, (x) => (typeof x === 'bigint' ? x.toString() : x)) };
      }
      if (v instanceof Error) {
        return { [TAG]: 'Error', name: v.name, message: v.message };
      }
      if (Array.isArray(v)) {
        for (const k of Object.keys(v)) {
          if (!/^\d+$/.test(k) && typeof v[k] === 'function') throw new NotSerialisable('a function property');
        }
        const out = [];
        for (let i = 0; i < v.length; i++) out.push(encode(v[i], seen));
        return out;
      }
      const out = {};
      for (const k of Object.keys(v)) out[k] = encode(v[k], seen);
      return Object.prototype.hasOwnProperty.call(v, TAG) ? { [TAG]: 'object', v: out } : out;
    } finally {
      seen.delete(v);
    }
  }
  function decode(v) {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map(decode);
    const kind = v[TAG];
    if (kind === undefined) {
      const out = {};
      for (const k of Object.keys(v)) out[k] = decode(v[k]);
      return out;
    }
    switch (kind) {
      case 'undefined': return undefined;
      case 'number': return v.v === '-0' ? -0 : Number(v.v);
      case 'bigint': return BigInt(v.v);
      case 'Date': return new Date(v.v === null ? NaN : v.v);
      case 'Map': return new Map(v.v.map(([k, x]) => [decode(k), decode(x)]));
      case 'Set': return new Set(v.v.map(decode));
      case 'RegExp': return new RegExp(v.source, v.flags);
      case 'ArrayBuffer': return new Uint8Array(v.v).buffer;
      case 'DataView': return new DataView(new Uint8Array(v.v).buffer);
      case 'ReadableStream': { const b = new Uint8Array(v.v); return new ReadableStream({ start(c) { c.enqueue(b); c.close(); } }); }
      case 'Error': { const e = new Error(v.message); e.name = v.name; return e; }
      case 'object': { const out = {}; for (const k of Object.keys(v.v)) out[k] = decode(v.v[k]); return out; }
      default:
        if (TYPED.includes(kind)) {
          const C = globalThis[kind];
          return C.from(v.v, (x) => (kind.startsWith('Big') ? BigInt(x) : x));
        }
        return v;
    }
  }
  function structuredClone(v) {
    try {
      return decode(encode(v));
    } catch (e) {
      if (e instanceof NotSerialisable) throw new DOMException(`could not be cloned: ${e.message}`, 'DataCloneError');
      throw e;
    }
  }

  // ---------------------------------------------------------------- errors
  class NonRetryableError extends Error {
    constructor(message, name) {
      super(message);
      this.name = name === undefined ? 'NonRetryableError' : name;
    }
  }
  class DOMException extends Error {
    constructor(message, name) { super(message); this.name = name || 'Error'; }
  }
  function errorInfo(e) {
    if (e instanceof Error || (e && typeof e === 'object' && 'message' in e)) {
      return { name: String(e.name || 'Error'), message: String(e.message) };
    }
    return { name: 'Error', message: String(e) };
  }
  function toError(info) {
    const e = info.name === 'NonRetryableError' ? new NonRetryableError(info.message) : new Error(info.message);
    e.name = info.name;
    return e;
  }

  // ---------------------------------------------------------------- steps
  const callbacks = new Map();
  function durationArg(d) {
    return typeof d === 'number' || typeof d === 'string' ? d : String(d);
  }
  class WorkflowStep {
    do(name, a, b) {
      let config = null;
      let cb = a;
      if (typeof a !== 'function') { config = a === undefined ? null : a; cb = b; }
      if (typeof cb !== 'function') {
        const e = new Error(`Step "${name}" requires a callback function`);
        e.name = 'WorkflowFatalError';
        return Promise.reject(e);
      }
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
        resolve: (v) => { callbacks.delete(id); delayFns.delete(id); resolve(decode(v)); },
        reject: (e) => { callbacks.delete(id); delayFns.delete(id); reject(e); },
      }));
      host.send(JSON.stringify({ op: 'do', id, name: String(name), config, dynamic }));
      return p;
    }
    sleep(name, duration) {
      return call('sleep', { name: String(name), duration: durationArg(duration) }).then(() => undefined);
    }
    sleepUntil(name, at) {
      const ms = at instanceof Date ? at.getTime() : Number(at);
      return call('sleepUntil', { name: String(name), at: ms }).then(() => undefined);
    }
    waitForEvent(name, options) {
      const o = options || {};
      return call('waitForEvent', {
        name: String(name), type: o.type, timeout: o.timeout === undefined ? null : durationArg(o.timeout),
      }).then((ev) => ({ payload: decode(ev.payload), timestamp: new Date(ev.timestamp), type: ev.type }));
    }
  }

  // Delay functions of steps in flight, by call id.
  const delayFns = new Map();
  async function runDelay(m) {
    const f = delayFns.get(m.step);
    try {
      if (!f) throw new Error('the delay function is gone');
      const v = await f({ ctx: m.ctx, error: toError(m.error) });
      const value = typeof v === 'number' ? { number: String(v) } : typeof v === 'string' ? { text: v } : { invalid: true };
      post('delayDone', { delay: m.delay, ok: true, value });
    } catch (e) {
      post('delayDone', { delay: m.delay, ok: false, error: errorInfo(e) });
    }
  }

  // Steps whose attempt is executing now: console lines name them.
  const executing = new Map();
  async function runAttempt(m) {
    executing.set(m.attempt, m.ctx.step.name);
    try {
      await attemptBody(m);
    } finally {
      executing.delete(m.attempt);
    }
  }
  async function attemptBody(m) {
    const cb = callbacks.get(m.step);
    if (!cb) {
      post('attemptDone', { attempt: m.attempt, ok: false, error: { name: 'Error', message: 'step callback is gone' } });
      return;
    }
    let value;
    try {
      value = await cb(m.ctx);
    } catch (e) {
      post('attemptDone', { attempt: m.attempt, ok: false, error: errorInfo(e) });
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
        post('attemptDone', { attempt: m.attempt, ok: false, fatal: true, error: errorInfo(e) });
        return;
      }
      post('attemptDone', {
        attempt: m.attempt, ok: false, fatal: true,
        error: { name: 'WorkflowFatalError', message: `Value returned from step "${m.ctx.step.name}" is not serialisable` },
      });
      return;
    }
    post('attemptDone', { attempt: m.attempt, ok: true, value: encoded });
  }

  // ---------------------------------------------------------------- bindings
  class WorkflowInstance {
    constructor(workflow, id) { this.__workflow = workflow; Object.defineProperty(this, 'id', { value: id, enumerable: true }); }
    __do(method, args) { return call('binding', { workflow: this.__workflow, method, instance: this.id, args: args || {} }); }
    async status() { const s = await this.__do('status'); return s; }
    async pause() { await this.__do('pause'); }
    async resume() { await this.__do('resume'); }
    async terminate() { await this.__do('terminate'); }
    async restart() { await this.__do('restart'); }
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
      const r = await call('binding', { workflow: this.__name, method: 'get', instance: String(id), args: {} });
      return new WorkflowInstance(this.__name, r.id);
    }
  }

  // ---------------------------------------------------------------- R2, D1, email
  // Kept by the host in the state directory (resources.rs).
  class R2Object {
    constructor(o) {
      this.key = o.key; this.size = o.size; this.etag = o.etag; this.httpEtag = o.httpEtag;
      this.version = o.etag; this.uploaded = new Date(o.uploaded);
      this.httpMetadata = o.httpMetadata || {}; this.customMetadata = o.customMetadata || {};
      this.checksums = {};
    }
    writeHttpMetadata(headers) {
      for (const k of Object.keys(this.httpMetadata)) {
        headers.set(k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase()), this.httpMetadata[k]);
      }
    }
  }
  class R2ObjectBody extends R2Object {
    constructor(o) { super(o); this.__data = b64decode(o.body); this.bodyUsed = false; }
    get body() { const b = this.__data; return new ReadableStream({ start(c) { c.enqueue(b); c.close(); } }); }
    async arrayBuffer() { this.bodyUsed = true; return this.__data.buffer.slice(0); }
    async bytes() { this.bodyUsed = true; return new Uint8Array(this.__data); }
    async text() { this.bodyUsed = true; return utf8decode(this.__data); }
    async json() { return JSON.parse(await this.text()); }
  }
  class R2Bucket {
    constructor(binding) { this.__b = binding; }
    __call(method, f) { return call('resource', Object.assign({ binding: this.__b, method }, f)); }
    async put(key, value, options) {
      const o = options || {};
      const bytes = value === null || value === undefined ? new Uint8Array(0) : bodyBytes(value);
      const meta = o.httpMetadata instanceof Headers ? Object.fromEntries(o.httpMetadata) : o.httpMetadata || {};
      return new R2Object(await this.__call('put', { key: String(key), body: b64encode(bytes), httpMetadata: meta, customMetadata: o.customMetadata || {} }));
    }
    async get(key) { const r = await this.__call('get', { key: String(key) }); return r === null ? null : new R2ObjectBody(r); }
    async head(key) { const r = await this.__call('head', { key: String(key) }); return r === null ? null : new R2Object(r); }
    async delete(keys) { await this.__call('delete', Array.isArray(keys) ? { keys: keys.map(String) } : { key: String(keys) }); }
    async list(options) {
      const o = options || {};
      const r = await this.__call('list', { prefix: o.prefix || '', limit: o.limit, cursor: o.cursor });
      const out = { objects: r.objects.map((x) => new R2Object(x)), truncated: r.truncated, delimitedPrefixes: [] };
      if (r.cursor) out.cursor = r.cursor;
      return out;
    }
  }
  function d1Value(v) {
    if (v === undefined) throw new Error("D1_TYPE_ERROR: Type 'undefined' not supported for value 'undefined'");
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (typeof v === 'bigint') return Number(v);
    if (v instanceof ArrayBuffer) return Array.from(new Uint8Array(v));
    if (ArrayBuffer.isView(v)) return Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    if (v !== null && typeof v === 'object') return JSON.stringify(v);
    return v;
  }
  class D1PreparedStatement {
    constructor(db, sql, params) { this.__db = db; this.__sql = sql; this.__params = params; }
    bind(...values) { return new D1PreparedStatement(this.__db, this.__sql, values.map(d1Value)); }
    async __one(method) { const [r] = await this.__db.__run(method, [this]); return r; }
    async all() { const r = await this.__one('all'); return { results: r.results, success: true, meta: r.meta }; }
    async run() { const r = await this.__one('run'); return { results: r.results, success: true, meta: r.meta }; }
    async first(column) {
      const r = await this.__one('all');
      const row = r.results[0];
      if (row === undefined) return null;
      if (column === undefined) return row;
      if (!(column in row)) throw new Error(`D1_COLUMN_NOTFOUND: Column not found (${column})`);
      return row[column];
    }
    async raw(options) {
      const r = await this.__one('raw');
      return options && options.columnNames ? [r.columns, ...r.results] : r.results;
    }
  }
  class D1Database {
    constructor(binding) { this.__b = binding; }
    prepare(sql) { return new D1PreparedStatement(this, String(sql), []); }
    __run(method, statements) {
      return call('resource', { binding: this.__b, method, statements: statements.map((s) => ({ sql: s.__sql, params: s.__params })) });
    }
    async batch(statements) {
      const rs = await this.__run('batch', statements);
      return rs.map((r) => ({ results: r.results, success: true, meta: r.meta }));
    }
    exec(sql) { return call('resource', { binding: this.__b, method: 'exec', sql: String(sql) }); }
  }
  class EmailMessage {
    constructor(from, to, raw) { this.from = from; this.to = to; this.raw = raw; }
  }
  class SendEmail {
    constructor(binding) { this.__b = binding; }
    async send(message) {
      let raw = message.raw;
      if (raw instanceof ReadableStream) raw = utf8decode(raw.__bytes());
      await call('resource', { binding: this.__b, from: message.from, to: message.to, raw: String(raw) });
    }
  }

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
    const kinds = { r2: R2Bucket, d1: D1Database, email: SendEmail };
    for (const r of m.resources || []) env[r.binding] = new kinds[r.kind](r.binding);
  }

  async function startWorkflow(m) {
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
      const out = await instance.run(event, new WorkflowStep());
      let encoded;
      try { encoded = encode(out); } catch (e) {
        if (!(e instanceof NotSerialisable)) throw e;
        throw Object.assign(new Error('The value returned by run() is not serialisable'), { name: 'WorkflowFatalError' });
      }
      post('done', { ok: true, value: encoded });
    } catch (e) {
      post('done', { ok: false, error: errorInfo(e) });
    }
  }

  async function startFetch(m) {
    try {
      const main = globalThis.__endure_main || {};
      const handler = main.default;
      let fetchFn = handler && handler.fetch;
      let self = handler;
      if (typeof handler === 'function' && handler.prototype && typeof handler.prototype.fetch === 'function') {
        self = new handler(executionContext, env);
        fetchFn = self.fetch;
      }
      if (typeof fetchFn !== 'function') {
        post('response', { status: 404, headers: [['content-type', 'text/plain']], body: b64encode(utf8encode('This project has no fetch handler\n')) });
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

  // ---------------------------------------------------------------- timers
  const timers = new Map();
  let timerSeq = 1;
  function setTimeout(fn, ms, ...args) {
    const id = timerSeq++;
    timers.set(id, { at: Date.now() + Math.max(0, Number(ms) || 0), fn, args, every: null });
    return id;
  }
  function setInterval(fn, ms, ...args) {
    const id = timerSeq++;
    const every = Math.max(1, Number(ms) || 0);
    timers.set(id, { at: Date.now() + every, fn, args, every });
    return id;
  }
  function clearTimeout(id) { timers.delete(id); }
  function nextTimer() {
    let at = -1;
    for (const t of timers.values()) if (at < 0 || t.at < at) at = t.at;
    return at;
  }
  function fireTimers() {
    const now = Date.now();
    const due = [];
    for (const [id, t] of timers) if (t.at <= now) due.push([id, t]);
    due.sort((a, b) => a[1].at - b[1].at || a[0] - b[0]);
    for (const [id, t] of due) {
      if (t.every) t.at = now + t.every; else timers.delete(id);
      if (typeof t.fn === 'function') {
        try { t.fn(...t.args); } catch (e) { console.error('Uncaught (in timer)', e); }
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
    return (...args) => post('log', { level, text: args.map(show).join(' '), steps: Array.from(new Set(executing.values())) });
  }
  const console = {
    log: logger('info'), info: logger('info'), debug: logger('debug'), warn: logger('warn'),
    error: logger('error'), trace: logger('debug'),
  };

  // ---------------------------------------------------------------- encoding
  function utf8encode(s) {
    const out = [];
    for (let i = 0; i < s.length; i++) {
      let c = s.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) { c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00); i++; } else c = 0xfffd;
      } else if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
      if (c < 0x80) out.push(c);
      else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
    return new Uint8Array(out);
  }
  function utf8decode(bytes) {
    let s = '';
    for (let i = 0; i < bytes.length;) {
      const b = bytes[i];
      let c = 0xfffd;
      let n = 1;
      if (b < 0x80) c = b;
      else if (b >= 0xc2 && b < 0xe0 && i + 1 < bytes.length) { c = ((b & 31) << 6) | (bytes[i + 1] & 63); n = 2; }
      else if (b >= 0xe0 && b < 0xf0 && i + 2 < bytes.length) { c = ((b & 15) << 12) | ((bytes[i + 1] & 63) << 6) | (bytes[i + 2] & 63); n = 3; }
      else if (b >= 0xf0 && b < 0xf5 && i + 3 < bytes.length) { c = ((b & 7) << 18) | ((bytes[i + 1] & 63) << 12) | ((bytes[i + 2] & 63) << 6) | (bytes[i + 3] & 63); n = 4; }
      s += String.fromCodePoint(c);
      i += n;
    }
    return s;
  }
  class TextEncoder {
    get encoding() { return 'utf-8'; }
    encode(s) { return utf8encode(String(s === undefined ? '' : s)); }
  }
  class TextDecoder {
    constructor(label) {
      const l = String(label || 'utf-8').toLowerCase();
      if (l !== 'utf-8' && l !== 'utf8') throw new RangeError(`TextDecoder: unsupported encoding ${label}`);
    }
    get encoding() { return 'utf-8'; }
    decode(b) {
      if (b === undefined) return '';
      const bytes = b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
      return utf8decode(bytes);
    }
  }
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  function b64encode(bytes) {
    let s = '';
    for (let i = 0; i < bytes.length; i += 3) {
      const n = (bytes[i] << 16) | ((bytes[i + 1] || 0) << 8) | (bytes[i + 2] || 0);
      s += B64[(n >> 18) & 63] + B64[(n >> 12) & 63] + (i + 1 < bytes.length ? B64[(n >> 6) & 63] : '=') + (i + 2 < bytes.length ? B64[n & 63] : '=');
    }
    return s;
  }
  function b64decode(s) {
    const clean = String(s).replace(/[\t\n\f\r ]/g, '');
    if (clean.length % 4 === 1 || /[^A-Za-z0-9+/=]/.test(clean)) {
      throw new DOMException('The string to be decoded is not correctly encoded.', 'InvalidCharacterError');
    }
    const out = [];
    let buf = 0;
    let bits = 0;
    for (const ch of clean.replace(/=+$/, '')) {
      buf = (buf << 6) | B64.indexOf(ch);
      bits += 6;
      if (bits >= 8) { bits -= 8; out.push((buf >> bits) & 255); }
    }
    return new Uint8Array(out);
  }
  function btoa(s) {
    const str = String(s);
    const bytes = [];
    for (let i = 0; i < str.length; i++) {
      const c = str.charCodeAt(i);
      if (c > 255) throw new DOMException('Invalid character', 'InvalidCharacterError');
      bytes.push(c);
    }
    return b64encode(bytes);
  }
  function atob(s) {
    return String.fromCharCode(...b64decode(s));
  }

  // ---------------------------------------------------------------- crypto
  function randomBytes(n) { return host.random(n); }
  const crypto = {
    randomUUID() {
      const b = randomBytes(16);
      b[6] = (b[6] & 0x0f) | 0x40;
      b[8] = (b[8] & 0x3f) | 0x80;
      const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    },
    getRandomValues(arr) {
      if (!ArrayBuffer.isView(arr) || arr instanceof Float32Array || arr instanceof Float64Array) {
        throw new TypeError('getRandomValues expects an integer typed array');
      }
      if (arr.byteLength > 65536) throw new DOMException('The ArrayBufferView byte length exceeds 65536', 'QuotaExceededError');
      new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength).set(randomBytes(arr.byteLength));
      return arr;
    },
    subtle: {
      async digest(alg, data) {
        const name = (typeof alg === 'string' ? alg : alg.name).toUpperCase();
        const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
        const hex = host.digest(name, Array.from(bytes));
        return new Uint8Array(hex).buffer;
      },
    },
  };

  // ---------------------------------------------------------------- URL
  const SPECIAL_PORTS = { 'http:': '80', 'https:': '443', 'ws:': '80', 'wss:': '443', 'ftp:': '21' };
  function encodeQuery(s) {
    return encodeURIComponent(s).replace(/%20/g, '+').replace(/[!'()~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  }
  function decodeQuery(s) {
    try { return decodeURIComponent(s.replace(/\+/g, ' ')); } catch (e) { return s; }
  }
  class URLSearchParams {
    constructor(init) {
      this.__list = [];
      this.__url = null;
      if (init === undefined || init === null) return;
      if (typeof init === 'string') this.__parse(init);
      else if (init instanceof URLSearchParams) this.__list = init.__list.map((p) => p.slice());
      else if (Array.isArray(init) || typeof init[Symbol.iterator] === 'function') for (const [k, v] of init) this.__list.push([String(k), String(v)]);
      else for (const k of Object.keys(init)) this.__list.push([k, String(init[k])]);
    }
    __parse(s) {
      this.__list = [];
      const q = s.startsWith('?') ? s.slice(1) : s;
      if (!q) return;
      for (const part of q.split('&')) {
        if (!part) continue;
        const i = part.indexOf('=');
        this.__list.push(i < 0 ? [decodeQuery(part), ''] : [decodeQuery(part.slice(0, i)), decodeQuery(part.slice(i + 1))]);
      }
    }
    __update() { if (this.__url) { const s = this.toString(); this.__url.__search = s ? '?' + s : ''; } }
    get size() { return this.__list.length; }
    append(k, v) { this.__list.push([String(k), String(v)]); this.__update(); }
    delete(k) { this.__list = this.__list.filter(([x]) => x !== String(k)); this.__update(); }
    get(k) { const p = this.__list.find(([x]) => x === String(k)); return p ? p[1] : null; }
    getAll(k) { return this.__list.filter(([x]) => x === String(k)).map((p) => p[1]); }
    has(k) { return this.__list.some(([x]) => x === String(k)); }
    set(k, v) {
      const key = String(k);
      const i = this.__list.findIndex(([x]) => x === key);
      if (i < 0) this.__list.push([key, String(v)]);
      else { this.__list[i][1] = String(v); this.__list = this.__list.filter(([x], j) => x !== key || j === i); }
      this.__update();
    }
    sort() { this.__list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)); this.__update(); }
    forEach(fn, self) { for (const [k, v] of this.__list) fn.call(self, v, k, this); }
    keys() { return this.__list.map((p) => p[0])[Symbol.iterator](); }
    values() { return this.__list.map((p) => p[1])[Symbol.iterator](); }
    entries() { return this.__list.map((p) => p.slice())[Symbol.iterator](); }
    [Symbol.iterator]() { return this.entries(); }
    toString() { return this.__list.map(([k, v]) => encodeQuery(k) + '=' + encodeQuery(v)).join('&'); }
  }
  class URL {
    constructor(input, base) {
      let s = String(input).trim();
      const m = /^([a-zA-Z][a-zA-Z0-9+.-]*:)(.*)$/.exec(s);
      if (!m) {
        if (base === undefined) throw new TypeError(`Invalid URL: ${s}`);
        const b = new URL(base);
        if (s.startsWith('//')) s = b.protocol + s;
        else if (s.startsWith('/')) s = b.origin + s;
        else if (s.startsWith('?')) s = b.origin + b.pathname + s;
        else if (s.startsWith('#')) s = b.origin + b.pathname + b.search + s;
        else s = b.origin + b.pathname.replace(/[^/]*$/, '') + s;
        return new URL(s);
      }
      this.__protocol = m[1].toLowerCase();
      let rest = m[2];
      let hash = '';
      const h = rest.indexOf('#');
      if (h >= 0) { hash = rest.slice(h); rest = rest.slice(0, h); }
      let search = '';
      const q = rest.indexOf('?');
      if (q >= 0) { search = rest.slice(q); rest = rest.slice(0, q); }
      this.__username = '';
      this.__password = '';
      this.__hostname = '';
      this.__port = '';
      if (rest.startsWith('//')) {
        rest = rest.slice(2);
        const slash = rest.indexOf('/');
        let authority = slash < 0 ? rest : rest.slice(0, slash);
        rest = slash < 0 ? '' : rest.slice(slash);
        const at = authority.lastIndexOf('@');
        if (at >= 0) {
          const cred = authority.slice(0, at);
          authority = authority.slice(at + 1);
          const c = cred.indexOf(':');
          this.__username = c < 0 ? cred : cred.slice(0, c);
          this.__password = c < 0 ? '' : cred.slice(c + 1);
        }
        const pm = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(authority);
        if (!pm) throw new TypeError(`Invalid URL: ${input}`);
        this.__hostname = pm[1].toLowerCase();
        this.__port = pm[2] || '';
        if (this.__port === SPECIAL_PORTS[this.__protocol]) this.__port = '';
        if (!this.__hostname && SPECIAL_PORTS[this.__protocol]) throw new TypeError(`Invalid URL: ${input}`);
        if (rest === '' && SPECIAL_PORTS[this.__protocol]) rest = '/';
      }
      const segs = [];
      for (const seg of rest.split('/')) {
        if (seg === '..') { if (segs.length > 1) segs.pop(); } else if (seg !== '.') segs.push(seg);
      }
      this.__pathname = rest.startsWith('/') || !rest ? segs.join('/') || (rest ? '/' : '') : rest;
      if (rest.endsWith('/..') || rest.endsWith('/.')) this.__pathname += '/';
      this.__pathname = this.__pathname.replace(/ /g, '%20');
      this.__search = search === '?' ? '' : search;
      this.__hash = hash === '#' ? '' : hash;
      this.__params = new URLSearchParams(this.__search);
      this.__params.__url = this;
    }
    get protocol() { return this.__protocol; }
    set protocol(v) { this.__protocol = String(v).replace(/:?$/, ':'); }
    get username() { return this.__username; }
    get password() { return this.__password; }
    get hostname() { return this.__hostname; }
    set hostname(v) { this.__hostname = String(v); }
    get port() { return this.__port; }
    set port(v) { this.__port = String(v); }
    get host() { return this.__hostname + (this.__port ? ':' + this.__port : ''); }
    get origin() { return this.__hostname ? this.__protocol + '//' + this.host : 'null'; }
    get pathname() { return this.__pathname; }
    set pathname(v) { const p = String(v); this.__pathname = p.startsWith('/') ? p : '/' + p; }
    get search() { return this.__search; }
    set search(v) { const s = String(v); this.__search = s && !s.startsWith('?') ? '?' + s : s === '?' ? '' : s; this.__params.__parse(this.__search); }
    get searchParams() { return this.__params; }
    get hash() { return this.__hash; }
    set hash(v) { const s = String(v); this.__hash = s && !s.startsWith('#') ? '#' + s : s; }
    get href() {
      const cred = this.__username ? this.__username + (this.__password ? ':' + this.__password : '') + '@' : '';
      const auth = this.__hostname || SPECIAL_PORTS[this.__protocol] ? '//' + cred + this.host : '';
      return this.__protocol + auth + this.__pathname + this.__search + this.__hash;
    }
    toString() { return this.href; }
    toJSON() { return this.href; }
    static canParse(u, b) { try { new URL(u, b); return true; } catch (e) { return false; } }
  }

  // ---------------------------------------------------------------- fetch API
  class Headers {
    constructor(init) {
      this.__map = new Map();
      if (!init) return;
      if (init instanceof Headers) for (const [k, v] of init) this.append(k, v);
      else if (Array.isArray(init)) for (const [k, v] of init) this.append(k, v);
      else for (const k of Object.keys(init)) this.append(k, init[k]);
    }
    append(k, v) {
      const key = String(k).toLowerCase();
      const old = this.__map.get(key);
      this.__map.set(key, old === undefined ? String(v) : old + ', ' + String(v));
    }
    set(k, v) { this.__map.set(String(k).toLowerCase(), String(v)); }
    get(k) { const v = this.__map.get(String(k).toLowerCase()); return v === undefined ? null : v; }
    has(k) { return this.__map.has(String(k).toLowerCase()); }
    delete(k) { this.__map.delete(String(k).toLowerCase()); }
    forEach(fn, self) { for (const [k, v] of this) fn.call(self, v, k, this); }
    keys() { return Array.from(this, (p) => p[0])[Symbol.iterator](); }
    values() { return Array.from(this, (p) => p[1])[Symbol.iterator](); }
    entries() { return this[Symbol.iterator](); }
    [Symbol.iterator]() { return Array.from(this.__map).sort((a, b) => (a[0] < b[0] ? -1 : 1))[Symbol.iterator](); }
  }
  function bodyBytes(body) {
    if (body === null || body === undefined) return null;
    if (typeof body === 'string') return utf8encode(body);
    if (body instanceof ArrayBuffer) return new Uint8Array(body.slice(0));
    if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
    if (body instanceof URLSearchParams) return utf8encode(body.toString());
    if (body instanceof ReadableStream) return body.__bytes();
    return utf8encode(String(body));
  }
  function contentTypeFor(body) {
    if (typeof body === 'string') return 'text/plain;charset=UTF-8';
    if (body instanceof URLSearchParams) return 'application/x-www-form-urlencoded;charset=UTF-8';
    return null;
  }
  class Body {
    __init(body, headers) {
      this.headers = new Headers(headers);
      const ct = contentTypeFor(body);
      if (ct && !this.headers.has('content-type')) this.headers.set('content-type', ct);
      this.__bytes = bodyBytes(body);
      this.bodyUsed = false;
    }
    __take() {
      if (this.bodyUsed) return Promise.reject(new TypeError('Body has already been used'));
      this.bodyUsed = true;
      return Promise.resolve(this.__bytes || new Uint8Array(0));
    }
    get body() { return this.__bytes === null ? null : new ReadableStream({ start: (c) => { c.enqueue(this.__bytes); c.close(); } }); }
    async arrayBuffer() { const b = await this.__take(); return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength); }
    async bytes() { return new Uint8Array(await this.arrayBuffer()); }
    async text() { return utf8decode(await this.__take()); }
    async json() { return JSON.parse(await this.text()); }
    async formData() { throw new TypeError('formData() is not supported by Endure'); }
    async blob() { throw new TypeError('blob() is not supported by Endure'); }
  }
  class Request extends Body {
    constructor(input, init) {
      super();
      const i = init || {};
      const from = input instanceof Request ? input : null;
      this.url = from ? from.url : new URL(String(input)).href;
      this.method = String(i.method || (from ? from.method : 'GET')).toUpperCase();
      const body = i.body !== undefined ? i.body : from ? from.__bytes : null;
      if (body !== null && body !== undefined && (this.method === 'GET' || this.method === 'HEAD')) {
        throw new TypeError('Request with GET/HEAD method cannot have body.');
      }
      this.__init(body, i.headers || (from ? from.headers : undefined));
      this.signal = i.signal || (from ? from.signal : new AbortController().signal);
      this.redirect = i.redirect || 'follow';
      this.cf = i.cf;
    }
    clone() { return new Request(this); }
  }
  const STATUS_TEXT = { 200: 'OK', 201: 'Created', 204: 'No Content', 301: 'Moved Permanently', 302: 'Found', 304: 'Not Modified', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict', 429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable' };
  class Response extends Body {
    constructor(body, init) {
      super();
      const i = init || {};
      this.status = i.status === undefined ? 200 : Number(i.status);
      if (!(this.status >= 200 && this.status <= 599) && this.status !== 101) throw new RangeError(`Invalid status ${i.status}`);
      this.statusText = i.statusText !== undefined ? String(i.statusText) : STATUS_TEXT[this.status] || '';
      this.__init(body === undefined ? null : body, i.headers);
      this.url = '';
      this.redirected = false;
      this.type = 'default';
    }
    get ok() { return this.status >= 200 && this.status < 300; }
    clone() { const r = new Response(this.__bytes, { status: this.status, statusText: this.statusText, headers: this.headers }); r.url = this.url; return r; }
    static json(data, init) {
      const i = Object.assign({}, init || {});
      const headers = new Headers(i.headers);
      if (!headers.has('content-type')) headers.set('content-type', 'application/json');
      i.headers = headers;
      return new Response(JSON.stringify(data), i);
    }
    static redirect(url, status) {
      return new Response(null, { status: status || 302, headers: { location: new URL(url).href } });
    }
    static error() { const r = new Response(null, { status: 200 }); r.status = 0; r.type = 'error'; return r; }
  }
  async function fetch(input, init) {
    const req = input instanceof Request && init === undefined ? input : new Request(input, init);
    if (req.signal && req.signal.aborted) throw req.signal.reason;
    const bytes = req.__bytes;
    const r = await call('fetch', {
      url: req.url, method: req.method, headers: Array.from(req.headers),
      body: bytes === null ? null : b64encode(bytes), redirect: req.redirect,
    });
    const res = new Response(r.status === 204 || r.status === 304 ? null : b64decode(r.body), { status: r.status, statusText: r.statusText, headers: r.headers });
    res.url = r.url;
    res.redirected = r.redirected;
    return res;
  }

  // ---------------------------------------------------------------- abort, streams
  class AbortSignal {
    constructor() { this.aborted = false; this.reason = undefined; this.__listeners = []; this.onabort = null; }
    addEventListener(type, fn) { if (type === 'abort') this.__listeners.push(fn); }
    removeEventListener(type, fn) { this.__listeners = this.__listeners.filter((f) => f !== fn); }
    throwIfAborted() { if (this.aborted) throw this.reason; }
    __abort(reason) {
      if (this.aborted) return;
      this.aborted = true;
      this.reason = reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
      const ev = { type: 'abort', target: this };
      if (typeof this.onabort === 'function') this.onabort(ev);
      for (const f of this.__listeners) f(ev);
    }
    static abort(reason) { const s = new AbortSignal(); s.__abort(reason); return s; }
    static timeout(ms) { const s = new AbortSignal(); setTimeout(() => s.__abort(new DOMException('The operation timed out.', 'TimeoutError')), ms); return s; }
  }
  class AbortController {
    constructor() { this.signal = new AbortSignal(); }
    abort(reason) { this.signal.__abort(reason); }
  }
  class ReadableStream {
    constructor(source) {
      this.__chunks = [];
      this.__closed = false;
      this.__waiters = [];
      this.locked = false;
      const controller = {
        enqueue: (c) => { this.__chunks.push(c); this.__wake(); },
        close: () => { this.__closed = true; this.__wake(); },
        error: (e) => { this.__error = e; this.__wake(); },
      };
      this.__pull = source && source.pull ? () => source.pull(controller) : null;
      if (source && source.start) source.start(controller);
    }
    __wake() { const w = this.__waiters; this.__waiters = []; for (const f of w) f(); }
    getReader() {
      if (this.locked) throw new TypeError('ReadableStream is locked');
      this.locked = true;
      const stream = this;
      return {
        async read() {
          for (;;) {
            if (stream.__error) throw stream.__error;
            if (stream.__chunks.length) return { value: stream.__chunks.shift(), done: false };
            if (stream.__closed) return { value: undefined, done: true };
            if (stream.__pull) await stream.__pull();
            else await new Promise((r) => stream.__waiters.push(r));
          }
        },
        releaseLock() { stream.locked = false; },
        cancel() { stream.__closed = true; stream.__chunks = []; return Promise.resolve(); },
        get closed() { return new Promise((r) => { if (stream.__closed) r(); else stream.__waiters.push(r); }); },
      };
    }
    async *[Symbol.asyncIterator]() {
      const r = this.getReader();
      for (;;) { const { value, done } = await r.read(); if (done) return; yield value; }
    }
    __bytes() {
      const parts = this.__chunks.map((c) => (typeof c === 'string' ? utf8encode(c) : c instanceof Uint8Array ? c : ArrayBuffer.isView(c) ? new Uint8Array(c.buffer, c.byteOffset, c.byteLength) : new Uint8Array(c)));
      const n = parts.reduce((a, p) => a + p.length, 0);
      const out = new Uint8Array(n);
      let o = 0;
      for (const p of parts) { out.set(p, o); o += p.length; }
      return out;
    }
  }

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

  function queueMicrotask(fn) {
    Promise.resolve().then(fn).catch((e) => console.error('Uncaught (in microtask)', e));
  }

  // ---------------------------------------------------------------- the host's entry points
  function receive(text) {
    const m = JSON.parse(text);
    switch (m.op) {
      case 'resolve': {
        const c = calls.get(m.id);
        if (!c) return;
        calls.delete(m.id);
        if (m.ok) c.resolve(m.value); else c.reject(toError(m.error));
        return;
      }
      case 'attempt': runAttempt(m); return;
      case 'delay': runDelay(m); return;
      case 'env': setupEnv(m); return;
      case 'start': startWorkflow(m); return;
      case 'fetch': startFetch(m); return;
      default: throw new Error(`unknown message ${m.op}`);
    }
  }

  const globals = {
    console, setTimeout, setInterval, clearTimeout, clearInterval: clearTimeout, queueMicrotask,
    structuredClone, TextEncoder, TextDecoder, atob, btoa, crypto, URL, URLSearchParams, Headers,
    Request, Response, fetch, AbortController, AbortSignal, ReadableStream, DOMException,
    NonRetryableError, process,
  };
  for (const k of Object.keys(globals)) {
    Object.defineProperty(globalThis, k, { value: globals[k], writable: true, configurable: true, enumerable: false });
  }
  globalThis.self = globalThis;
  Object.defineProperty(globalThis, '__endure_rt', {
    value: Object.freeze({
      receive, fireTimers, idleState: () => [nextTimer(), waitingUntil + calls.size], WorkflowEntrypoint, WorkerEntrypoint, DurableObject,
      NonRetryableError, EmailMessage, env, encode, decode, requireFile, cjsNames,
      node: { os: nodeOs, path: nodePath },
    }),
  });
})();
