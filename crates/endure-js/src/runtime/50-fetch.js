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
  // ReadableStream (WHATWG Streams): a queue, bounded by the strategy's highWaterMark and
  // size, that the source fills through its controller; `pull` is called while the queue
  // wants more or a read waits; readers take chunks in order. Piping, teeing and the writable
  // side are in sections/web.js.
  class ReadableStreamDefaultController {
    constructor(stream, hwm, size) { this.__s = stream; this.__hwm = hwm; this.__size = size; }
    get desiredSize() {
      const s = this.__s;
      return s.__state === 'errored' ? null : s.__state === 'closed' ? 0 : this.__hwm - s.__queueSize;
    }
    enqueue(chunk) {
      const s = this.__s;
      if (s.__closeRequested || s.__state !== 'readable') throw new TypeError('Cannot enqueue a chunk into a stream that is closed or closing');
      if (s.__reads.length) {
        s.__reads.shift().resolve({ value: chunk, done: false });
      } else {
        let n = 1;
        if (this.__size) {
          try { n = Number(this.__size(chunk)); } catch (e) { s.__fail(e); throw e; }
          if (!(n >= 0) || n === Infinity) { const e = new RangeError('The chunk size must be a finite, non-negative number'); s.__fail(e); throw e; }
        }
        s.__queue.push([chunk, n]);
        s.__queueSize += n;
      }
      s.__pullIfNeeded();
    }
    close() {
      const s = this.__s;
      if (s.__closeRequested || s.__state !== 'readable') throw new TypeError('The stream is closed or closing');
      s.__closeRequested = true;
      if (!s.__queue.length) s.__finish();
    }
    error(e) { this.__s.__fail(e); }
  }
  class ReadableStream {
    constructor(source, strategy) {
      const src = source || {};
      const st = strategy || {};
      this.__state = 'readable';
      this.__queue = [];
      this.__queueSize = 0;
      this.__reads = [];
      this.__reader = null;
      this.__closeRequested = false;
      this.__pulling = false;
      this.__pullAgain = false;
      this.__started = false;
      this.__source = src;
      const hwm = st.highWaterMark === undefined ? (src.type === 'bytes' ? 0 : 1) : Number(st.highWaterMark);
      if (Number.isNaN(hwm) || hwm < 0) throw new RangeError('highWaterMark must be a non-negative number');
      const c = new ReadableStreamDefaultController(this, hwm, src.type === 'bytes' ? (b) => b.byteLength : st.size);
      this.__controller = c;
      const started = src.start ? src.start(c) : undefined;
      Promise.resolve(started).then(() => { this.__started = true; this.__pullIfNeeded(); }, (e) => this.__fail(e));
    }
    get locked() { return this.__reader !== null; }
    __pullIfNeeded() {
      if (!this.__started || this.__state !== 'readable' || this.__closeRequested || !this.__source.pull) return;
      if (!(this.__reads.length > 0 || this.__controller.desiredSize > 0)) return;
      if (this.__pulling) { this.__pullAgain = true; return; }
      this.__pulling = true;
      let p;
      try { p = this.__source.pull(this.__controller); } catch (e) { this.__fail(e); return; }
      Promise.resolve(p).then(() => {
        this.__pulling = false;
        if (this.__pullAgain) { this.__pullAgain = false; this.__pullIfNeeded(); }
      }, (e) => this.__fail(e));
    }
    __read() {
      if (this.__state === 'errored') return Promise.reject(this.__error);
      if (this.__queue.length) {
        const [value, n] = this.__queue.shift();
        this.__queueSize -= n;
        if (this.__closeRequested && !this.__queue.length) this.__finish(); else this.__pullIfNeeded();
        return Promise.resolve({ value, done: false });
      }
      if (this.__state === 'closed') return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve, reject) => { this.__reads.push({ resolve, reject }); this.__pullIfNeeded(); });
    }
    // A chunk put back at the front (what a BYOB read did not take).
    __unshift(chunk) { this.__queue.unshift([chunk, chunk.byteLength || 1]); this.__queueSize += chunk.byteLength || 1; }
    __finish() {
      this.__state = 'closed';
      for (const r of this.__reads.splice(0)) r.resolve({ value: undefined, done: true });
      if (this.__reader) this.__reader.__settle();
    }
    __fail(e) {
      if (this.__state !== 'readable') return;
      this.__state = 'errored';
      this.__error = e;
      this.__queue = [];
      this.__queueSize = 0;
      for (const r of this.__reads.splice(0)) r.reject(e);
      if (this.__reader) this.__reader.__settle();
    }
    async __cancel(reason) {
      if (this.__state === 'closed') return;
      if (this.__state === 'errored') throw this.__error;
      this.__queue = [];
      this.__queueSize = 0;
      this.__finish();
      if (this.__source.cancel) await this.__source.cancel(reason);
    }
    cancel(reason) {
      if (this.locked) return Promise.reject(new TypeError('Cannot cancel a locked stream'));
      return this.__cancel(reason);
    }
    getReader(options) {
      if (this.locked) throw new TypeError('ReadableStream is locked');
      return options && options.mode === 'byob' ? new ReadableStreamBYOBReader(this) : new ReadableStreamDefaultReader(this);
    }
    async *[Symbol.asyncIterator](options) {
      const reader = this.getReader();
      let finished = false;
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) { finished = true; return; }
          yield value;
        }
      } finally {
        if (!finished && !(options && options.preventCancel)) await reader.cancel();
        reader.releaseLock();
      }
    }
    values(options) { return this[Symbol.asyncIterator](options); }
  }
  class ReadableStreamDefaultReader {
    constructor(stream) {
      if (!(stream instanceof ReadableStream)) throw new TypeError('not a ReadableStream');
      if (stream.locked) throw new TypeError('ReadableStream is locked');
      stream.__reader = this;
      this.__stream = stream;
      this.__closed = new Promise((resolve, reject) => { this.__onClosed = [resolve, reject]; });
      this.__closed.catch(() => {});
      this.__settle();
    }
    __settle() {
      const s = this.__stream;
      if (s && s.__state === 'closed') this.__onClosed[0]();
      else if (s && s.__state === 'errored') this.__onClosed[1](s.__error);
    }
    get closed() { return this.__closed; }
    read() {
      if (!this.__stream) return Promise.reject(new TypeError('This reader has released its lock'));
      return this.__stream.__read();
    }
    cancel(reason) {
      if (!this.__stream) return Promise.reject(new TypeError('This reader has released its lock'));
      return this.__stream.__cancel(reason);
    }
    releaseLock() {
      const s = this.__stream;
      if (!s) return;
      for (const r of s.__reads.splice(0)) r.reject(new TypeError('The reader released its lock'));
      if (s.__state === 'readable') this.__onClosed[1](new TypeError('The reader released its lock'));
      s.__reader = null;
      this.__stream = null;
    }
  }
  // Reads into the caller's buffer; what does not fit stays queued for the next read.
  class ReadableStreamBYOBReader extends ReadableStreamDefaultReader {
    async read(view) {
      if (!ArrayBuffer.isView(view) || view.byteLength === 0) throw new TypeError('read() needs a non-empty ArrayBufferView');
      const Ctor = view.constructor;
      const per = Ctor.BYTES_PER_ELEMENT || 1;
      const r = await super.read();
      if (r.done) return { value: new Ctor(view.buffer, view.byteOffset, 0), done: true };
      const c = r.value;
      const bytes = c instanceof Uint8Array ? c : ArrayBuffer.isView(c) ? new Uint8Array(c.buffer, c.byteOffset, c.byteLength) : new Uint8Array(c);
      const fits = Math.min(view.byteLength, bytes.length);
      const n = fits - (fits % per);
      new Uint8Array(view.buffer, view.byteOffset, n).set(bytes.subarray(0, n));
      if (n < bytes.length) this.__stream.__unshift(bytes.slice(n));
      return { value: new Ctor(view.buffer, view.byteOffset, n / per), done: false };
    }
  }
