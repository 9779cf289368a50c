// Part of the runtime prelude (see 00-core.js): one function body split into files.
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
      const bytes = value === null || value === undefined ? new Uint8Array(0)
        : value instanceof ReadableStream ? await readAllBytes(value) : bodyBytes(value);
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
  // Workers KV (kv.rs): values travel as base64; `get` converts them to the asked type.
  function kvValue(b64, type) {
    const bytes = b64decode(b64);
    switch (type) {
      case 'text': return utf8decode(bytes);
      case 'json': return JSON.parse(utf8decode(bytes));
      case 'arrayBuffer': return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      case 'stream': return new ReadableStream({ start(c) { c.enqueue(bytes); c.close(); } });
      default: throw new TypeError(`Unknown response type. Possible types are "text", "arrayBuffer", "json", and "stream".`);
    }
  }
  function kvType(options) {
    return typeof options === 'string' ? options : (options && options.type) || 'text';
  }
  class KVNamespace {
    constructor(binding) { this.__b = binding; }
    __call(method, f) { return call('resource', Object.assign({ binding: this.__b, method }, f)); }
    async get(key, options) {
      const type = kvType(options);
      if (Array.isArray(key)) {
        const out = new Map();
        for (const k of key) out.set(k, await this.get(k, type));
        return out;
      }
      const r = await this.__call('get', { key: String(key) });
      return r === null ? null : kvValue(r.value, type);
    }
    async getWithMetadata(key, options) {
      const type = kvType(options);
      const r = await this.__call('get', { key: String(key) });
      if (r === null) return { value: null, metadata: null, cacheStatus: null };
      return { value: kvValue(r.value, type), metadata: r.metadata === undefined ? null : r.metadata, cacheStatus: null };
    }
    async put(key, value, options) {
      const o = options || {};
      if (value instanceof ReadableStream) {
        const parts = [];
        const reader = value.getReader();
        for (;;) { const { value: c, done } = await reader.read(); if (done) break; parts.push(...bodyBytes(c)); }
        value = new Uint8Array(parts);
      }
      if (typeof value !== 'string' && !(value instanceof ArrayBuffer) && !ArrayBuffer.isView(value)) {
        throw new TypeError('KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, and ReadableStreams as values.');
      }
      await this.__call('put', {
        key: String(key), value: b64encode(bodyBytes(value)),
        expiration: o.expiration, expirationTtl: o.expirationTtl, metadata: o.metadata,
      });
    }
    async delete(key) { await this.__call('delete', { key: String(key) }); }
    async list(options) {
      const o = options || {};
      return this.__call('list', { prefix: o.prefix || '', limit: o.limit, cursor: o.cursor });
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
      if (raw instanceof ReadableStream) raw = utf8decode(await readAllBytes(raw));
      await call('resource', { binding: this.__b, from: message.from, to: message.to, raw: String(raw) });
    }
  }

  // ---------------------------------------------------------------- Queues
  // A message body as the host stores it: bytes (base64) in its content type. `v8` (the
  // default) keeps what structured clone keeps (Date, Map, typed arrays, …) in Endure's value
  // encoding; `json` must survive JSON; `text` is a string; `bytes` an ArrayBuffer or a view.
  function queueBody(body, contentType) {
    const type = contentType === undefined ? 'v8' : contentType;
    let bytes;
    switch (type) {
      case 'json': {
        const text = JSON.stringify(body);
        if (text === undefined) throw new TypeError('A message with contentType "json" must be JSON-serializable');
        bytes = utf8encode(text);
        break;
      }
      case 'text':
        if (typeof body !== 'string') throw new TypeError('A message with contentType "text" must be a string');
        bytes = utf8encode(body);
        break;
      case 'bytes':
        if (body instanceof ArrayBuffer) bytes = new Uint8Array(body);
        else if (ArrayBuffer.isView(body)) bytes = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
        else throw new TypeError('A message with contentType "bytes" must be an ArrayBuffer or a view of one');
        break;
      case 'v8':
        bytes = utf8encode(JSON.stringify(encode(body)));
        break;
      default:
        throw new TypeError(`Unknown contentType "${type}": expected json, text, bytes or v8`);
    }
    return { body: b64encode(bytes), contentType: type };
  }
  function queueBodyValue(b64, type) {
    const bytes = b64decode(b64);
    switch (type) {
      case 'json': return JSON.parse(utf8decode(bytes));
      case 'text': return utf8decode(bytes);
      case 'bytes': return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      default: return decode(JSON.parse(utf8decode(bytes)));
    }
  }
  function delayOf(d) {
    if (d === undefined || d === null) return null;
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) throw new TypeError('delaySeconds must be a whole number of seconds');
    return d;
  }
  // `env.QUEUE`: a producer binding.
  class Queue {
    constructor(binding) { this.__b = binding; }
    async send(body, options) {
      const o = options || {};
      const m = Object.assign(queueBody(body, o.contentType), { delaySeconds: delayOf(o.delaySeconds) });
      await call('resource', { binding: this.__b, method: 'send', messages: [m] });
    }
    async sendBatch(messages, options) {
      if (!messages || typeof messages[Symbol.iterator] !== 'function') {
        throw new TypeError('sendBatch takes an iterable of {body, contentType?, delaySeconds?}');
      }
      const o = options || {};
      const list = Array.from(messages, (x) => Object.assign(queueBody(x.body, x.contentType), {
        delaySeconds: delayOf(x.delaySeconds === undefined ? o.delaySeconds : x.delaySeconds),
      }));
      await call('resource', { binding: this.__b, method: 'sendBatch', messages: list });
    }
  }
  // One batch for the default export's `queue(batch, env, ctx)`. Each message is settled by
  // its first `ack()`/`retry()`; otherwise by the batch's first `ackAll()`/`retryAll()`;
  // otherwise acknowledged if the handler succeeds and retried if it throws.
  async function startQueue(m) {
    const answer = (status, verdicts) => post('response', {
      status, headers: [['content-type', 'application/json']],
      body: b64encode(utf8encode(JSON.stringify({ verdicts }))),
    });
    const own = m.messages.map(() => null);
    let all = null;
    const retryVerdict = (o) => ({ retry: true, delaySeconds: delayOf(o && o.delaySeconds) });
    let threw = false;
    try {
      const handler = entrypointOf({});
      let self = handler;
      let fn = handler && handler.queue;
      if (typeof handler === 'function' && handler.prototype && typeof handler.prototype.queue === 'function') {
        self = new handler(executionContext, env);
        fn = self.queue;
      }
      if (typeof fn !== 'function') {
        answer(404, m.messages.map(() => ({ retry: true, delaySeconds: null })));
        return;
      }
      const messages = m.messages.map((x, i) => Object.freeze({
        id: x.id,
        timestamp: new Date(x.timestamp),
        body: queueBodyValue(x.body, x.contentType),
        attempts: x.attempts,
        ack() { if (own[i] === null) own[i] = { retry: false }; },
        retry(o) { if (own[i] === null) own[i] = retryVerdict(o); },
      }));
      const batch = Object.freeze({
        queue: m.queue,
        messages,
        ackAll() { if (all === null) all = { retry: false }; },
        retryAll(o) { if (all === null) all = retryVerdict(o); },
      });
      await fn.call(self, batch, env, executionContext);
    } catch (e) {
      threw = true;
      console.error('queue handler threw:', e);
    }
    answer(200, own.map((v) => v || all || (threw ? { retry: true, delaySeconds: null } : { retry: false })));
  }
