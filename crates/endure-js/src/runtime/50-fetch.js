// Part of the runtime prelude (see 00-core.js): one function body split into files.
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
    if (webLibCache && body instanceof webLibCache.Blob) return body.__data.slice();
    return utf8encode(String(body));
  }
  function contentTypeFor(body) {
    if (typeof body === 'string') return 'text/plain;charset=UTF-8';
    if (body instanceof URLSearchParams) return 'application/x-www-form-urlencoded;charset=UTF-8';
    if (webLibCache && body instanceof webLibCache.Blob && body.type) return body.type;
    return null;
  }
  class Body {
    __init(body, headers) {
      this.headers = new Headers(headers);
      if (webLibCache && body instanceof webLibCache.FormData) {
        const m = webLibCache.encodeMultipart(body);
        if (!this.headers.has('content-type')) this.headers.set('content-type', m.type);
        body = m.bytes;
      }
      // A stream body is read when the body is taken (its chunks may not exist yet).
      if (body instanceof ReadableStream) {
        this.__stream = body;
        this.__bytes = null;
        this.bodyUsed = false;
        return;
      }
      this.__stream = null;
      const ct = contentTypeFor(body);
      if (ct && !this.headers.has('content-type')) this.headers.set('content-type', ct);
      this.__bytes = bodyBytes(body);
      this.bodyUsed = false;
    }
    __take() {
      if (this.bodyUsed) return Promise.reject(new TypeError('Body has already been used'));
      this.bodyUsed = true;
      if (this.__stream) return readAllBytes(this.__stream);
      return Promise.resolve(this.__bytes || new Uint8Array(0));
    }
    // The body's bytes without taking it (a stream body is read and kept).
    async __peek() {
      if (this.__stream) { this.__bytes = await readAllBytes(this.__stream); this.__stream = null; }
      return this.__bytes;
    }
    get body() {
      if (this.__stream) return this.__stream;
      return this.__bytes === null ? null : new ReadableStream({ start: (c) => { c.enqueue(this.__bytes); c.close(); } });
    }
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
      let body = i.body !== undefined ? i.body : from ? from.__bytes : null;
      if (i.body === undefined && from && from.__stream) { const [a, b] = from.__stream.tee(); from.__stream = a; body = b; }
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
    clone() {
      let body = this.__bytes;
      if (this.__stream) { const [a, b] = this.__stream.tee(); this.__stream = a; body = b; }
      const r = new Response(body, { status: this.status, statusText: this.statusText, headers: this.headers });
      r.url = this.url;
      return r;
    }
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
    const bytes = await req.__peek();
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
  // Every chunk of a stream, joined (strings as UTF-8).
  async function readAllBytes(stream) {
    const parts = [];
    const reader = stream.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parts.push(typeof value === 'string' ? utf8encode(value) : value instanceof ArrayBuffer ? new Uint8Array(value) : ArrayBuffer.isView(value) ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : utf8encode(String(value)));
    }
    reader.releaseLock();
    const n = parts.reduce((a, p) => a + p.length, 0);
    const out = new Uint8Array(n);
    let o = 0;
    for (const p of parts) { out.set(p, o); o += p.length; }
    return out;
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
