// A section of the runtime prelude loaded on first use (see bytecode.rs): events, Blob, File,
// FormData (multipart both ways), the Cache API, and the streams beyond ReadableStream's basics
// (tee, pipes, WritableStream, TransformStream, text coding and compression streams).
export default function (rt) {
  const { host, call, utf8encode, utf8decode, b64encode, b64decode, nodeLib } = rt;
  // ---------------------------------------------------------------- events, Blob, FormData
  class Event {
    constructor(type, init) {
      const i = init || {};
      this.type = String(type);
      this.bubbles = !!i.bubbles; this.cancelable = !!i.cancelable; this.composed = !!i.composed;
      this.defaultPrevented = false; this.target = null; this.currentTarget = null;
      this.timeStamp = Date.now(); this.isTrusted = false;
      this.__stop = false;
    }
    preventDefault() { if (this.cancelable) this.defaultPrevented = true; }
    stopImmediatePropagation() { this.__stop = true; }
    stopPropagation() {}
  }
  class CustomEvent extends Event {
    constructor(type, init) { super(type, init); this.detail = init && init.detail !== undefined ? init.detail : null; }
  }
  class EventTarget {
    constructor() { Object.defineProperty(this, '__listeners', { value: new Map() }); }
    addEventListener(type, fn, opts) {
      if (!fn) return;
      const once = typeof opts === 'object' && opts !== null && !!opts.once;
      const l = this.__listeners.get(type) || [];
      if (l.some((x) => x.fn === fn)) return;
      l.push({ fn, once });
      this.__listeners.set(type, l);
      const signal = typeof opts === 'object' && opts !== null ? opts.signal : undefined;
      if (signal) signal.addEventListener('abort', () => this.removeEventListener(type, fn));
    }
    removeEventListener(type, fn) {
      const l = this.__listeners.get(type);
      if (l) this.__listeners.set(type, l.filter((x) => x.fn !== fn));
    }
    dispatchEvent(event) {
      event.target = this; event.currentTarget = this;
      for (const x of [...(this.__listeners.get(event.type) || [])]) {
        if (x.once) this.removeEventListener(event.type, x.fn);
        if (typeof x.fn === 'function') x.fn.call(this, event); else x.fn.handleEvent(event);
        if (event.__stop) break;
      }
      return !event.defaultPrevented;
    }
  }

  class Blob {
    constructor(parts, options) {
      const o = options || {};
      const chunks = [];
      for (const p of parts || []) {
        if (p instanceof Blob) chunks.push(p.__data);
        else if (typeof p === 'string') chunks.push(utf8encode(p));
        else if (p instanceof ArrayBuffer) chunks.push(new Uint8Array(p));
        else if (ArrayBuffer.isView(p)) chunks.push(new Uint8Array(p.buffer, p.byteOffset, p.byteLength));
        else chunks.push(utf8encode(String(p)));
      }
      const n = chunks.reduce((s, c) => s + c.length, 0);
      const data = new Uint8Array(n);
      let at = 0;
      for (const c of chunks) { data.set(c, at); at += c.length; }
      Object.defineProperty(this, '__data', { value: data });
      this.type = o.type ? String(o.type).toLowerCase() : '';
    }
    get size() { return this.__data.length; }
    slice(start, end, type) { return new Blob([this.__data.slice(start, end)], { type }); }
    async arrayBuffer() { return this.__data.slice().buffer; }
    async bytes() { return this.__data.slice(); }
    async text() { return utf8decode(this.__data); }
    stream() { const d = this.__data; return new ReadableStream({ start(c) { c.enqueue(d.slice()); c.close(); } }); }
  }
  class File extends Blob {
    constructor(parts, name, options) {
      super(parts, options);
      this.name = String(name);
      this.lastModified = options && options.lastModified !== undefined ? Number(options.lastModified) : Date.now();
    }
  }

  class FormData {
    constructor() { Object.defineProperty(this, '__list', { value: [] }); }
    __value(v, filename) {
      if (v instanceof Blob) {
        const name = filename !== undefined ? String(filename) : v instanceof File ? v.name : 'blob';
        return v instanceof File && filename === undefined ? v : new File([v], name, { type: v.type });
      }
      return String(v);
    }
    append(k, v, filename) { this.__list.push([String(k), this.__value(v, filename)]); }
    set(k, v, filename) {
      const key = String(k);
      const i = this.__list.findIndex((e) => e[0] === key);
      const entry = [key, this.__value(v, filename)];
      if (i < 0) { this.__list.push(entry); return; }
      this.__list.splice(i, 1, entry);
      for (let j = this.__list.length - 1; j > i; j--) if (this.__list[j][0] === key) this.__list.splice(j, 1);
    }
    get(k) { const e = this.__list.find((x) => x[0] === String(k)); return e ? e[1] : null; }
    getAll(k) { return this.__list.filter((x) => x[0] === String(k)).map((x) => x[1]); }
    has(k) { return this.__list.some((x) => x[0] === String(k)); }
    delete(k) { for (let i = this.__list.length - 1; i >= 0; i--) if (this.__list[i][0] === String(k)) this.__list.splice(i, 1); }
    forEach(fn, self) { for (const [k, v] of this.__list) fn.call(self, v, k, this); }
    keys() { return this.__list.map((e) => e[0])[Symbol.iterator](); }
    values() { return this.__list.map((e) => e[1])[Symbol.iterator](); }
    entries() { return this.__list.map((e) => [e[0], e[1]])[Symbol.iterator](); }
    [Symbol.iterator]() { return this.entries(); }
  }
  // multipart/form-data: written with a fresh boundary, read back by `formData()`.
  function encodeMultipart(fd) {
    const boundary = '----EndureFormBoundary' + crypto.randomUUID().replace(/-/g, '');
    const parts = [];
    const esc = (s) => s.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
    for (const [k, v] of fd.__list) {
      let head = `--${boundary}\r\nContent-Disposition: form-data; name="${esc(k)}"`;
      if (v instanceof File) {
        head += `; filename="${esc(v.name)}"\r\nContent-Type: ${v.type || 'application/octet-stream'}\r\n\r\n`;
        parts.push(utf8encode(head), v.__data, utf8encode('\r\n'));
      } else {
        parts.push(utf8encode(head + '\r\n\r\n' + v + '\r\n'));
      }
    }
    parts.push(utf8encode(`--${boundary}--\r\n`));
    return { bytes: new Blob(parts).__data, type: `multipart/form-data; boundary=${boundary}` };
  }
  function indexOfBytes(hay, needle, from) {
    outer: for (let i = from; i + needle.length <= hay.length; i++) {
      for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
      return i;
    }
    return -1;
  }
  function parseMultipart(bytes, contentType) {
    const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
    if (!m) throw new TypeError('multipart/form-data without a boundary');
    const delim = utf8encode('--' + (m[1] || m[2]).trim());
    const fd = new FormData();
    let at = indexOfBytes(bytes, delim, 0);
    while (at >= 0) {
      let start = at + delim.length;
      if (bytes[start] === 45 && bytes[start + 1] === 45) break; // closing --
      start += 2; // CRLF
      const headEnd = indexOfBytes(bytes, utf8encode('\r\n\r\n'), start);
      if (headEnd < 0) throw new TypeError('malformed multipart/form-data body');
      const head = utf8decode(bytes.subarray(start, headEnd));
      const next = indexOfBytes(bytes, delim, headEnd + 4);
      if (next < 0) throw new TypeError('malformed multipart/form-data body');
      const body = bytes.subarray(headEnd + 4, next - 2);
      const name = /name="([^"]*)"/i.exec(head);
      const filename = /filename="([^"]*)"/i.exec(head);
      const type = /content-type:\s*([^\r\n]+)/i.exec(head);
      if (name) {
        const unesc = (s) => s.replace(/%22/g, '"').replace(/%0D/g, '\r').replace(/%0A/g, '\n');
        const key = unesc(name[1]);
        if (filename) fd.append(key, new File([body.slice()], unesc(filename[1]), { type: type ? type[1].trim() : '' }));
        else fd.append(key, utf8decode(body));
      }
      at = next;
    }
    return fd;
  }
  function parseFormBody(bytes, contentType) {
    const ct = String(contentType || '').toLowerCase();
    if (ct.startsWith('multipart/form-data')) return parseMultipart(bytes, contentType);
    if (ct.startsWith('application/x-www-form-urlencoded')) {
      const fd = new FormData();
      for (const [k, v] of new URLSearchParams(utf8decode(bytes))) fd.append(k, v);
      return fd;
    }
    throw new TypeError(`Unrecognized Content-Type header value. FormData can only parse the following MIME types: multipart/form-data, application/x-www-form-urlencoded`);
  }


  // ---------------------------------------------------------------- Cache API (cache.rs)
  class Cache {
    constructor(name) { Object.defineProperty(this, '__name', { value: name }); }
    __request(req) { return req instanceof Request ? req : new Request(req); }
    async put(request, response) {
      const req = this.__request(request);
      if (req.method !== 'GET') throw new TypeError('Cannot cache response to non-GET request.');
      if (!(response instanceof Response)) throw new TypeError('Cache.put() expects a Response');
      if (response.status === 206) throw new TypeError('Cannot cache response to a range request (206 Partial Content).');
      if ((response.headers.get('vary') || '').includes('*')) throw new TypeError('Cannot cache response with \'Vary: *\' header.');
      const body = await response.clone().arrayBuffer();
      await call('cache', {
        method: 'put', cache: this.__name, url: req.url, status: response.status,
        headers: Array.from(response.headers), body: b64encode(new Uint8Array(body)),
      });
    }
    async match(request, options) {
      const req = this.__request(request);
      if (req.method !== 'GET' && !(options && options.ignoreMethod)) return undefined;
      const r = await call('cache', { method: 'match', cache: this.__name, url: req.url });
      if (r === null) return undefined;
      const res = new Response(b64decode(r.body), { status: r.status, headers: r.headers });
      res.headers.set('cf-cache-status', 'HIT');
      return res;
    }
    async delete(request, options) {
      const req = this.__request(request);
      if (req.method !== 'GET' && !(options && options.ignoreMethod)) return false;
      return call('cache', { method: 'delete', cache: this.__name, url: req.url });
    }
  }
  const caches = {
    default: new Cache('default'),
    async open(name) { return new Cache('named:' + String(name)); },
  };
  // ---------------------------------------------------------------- streams
  // ReadableStream's piping and teeing, WritableStream, TransformStream, the text coding
  // streams and CompressionStream / DecompressionStream (gzip, deflate, deflate-raw; the data
  // is compressed when the writable side closes).
  const deferred = () => {
    let resolve, reject;
    const promise = new Promise((a, b) => { resolve = a; reject = b; });
    promise.catch(() => {});
    return { promise, resolve, reject };
  };
  const streamMethods = {
    // Both branches read from one reader, when either wants more (the slower one buffers).
    tee() {
      const reader = this.getReader();
      const controllers = [];
      const canceled = [false, false];
      const reasons = [];
      let reading = false;
      let cancelDone = null;
      const pull = async () => {
        if (reading) return;
        reading = true;
        let r;
        try { r = await reader.read(); } catch (e) { controllers.forEach((c) => c.error(e)); return; } finally { reading = false; }
        controllers.forEach((c, i) => {
          if (canceled[i]) return;
          if (r.done) c.close(); else c.enqueue(r.value);
        });
      };
      const branch = (i) => new ReadableStream({
        start(c) { controllers[i] = c; },
        pull,
        cancel(reason) {
          canceled[i] = true;
          reasons[i] = reason;
          if (canceled[0] && canceled[1]) cancelDone = cancelDone || reader.cancel(reasons);
          return cancelDone || undefined;
        },
      });
      return [branch(0), branch(1)];
    },
    // Reads only while the destination is ready (backpressure); errors, closing and an abort
    // signal travel as the standard says (preventClose, preventAbort, preventCancel).
    async pipeTo(dest, options) {
      const o = options || {};
      if (this.locked) throw new TypeError('The source stream is locked');
      if (dest.locked) throw new TypeError('The destination stream is locked');
      const reader = this.getReader();
      const writer = dest.getWriter();
      let onAbort = null;
      const aborted = new Promise((_, reject) => {
        if (!o.signal) return;
        onAbort = () => reject(Object.assign(new Error('aborted'), { __abort: true }));
        if (o.signal.aborted) onAbort(); else o.signal.addEventListener('abort', onAbort);
      });
      aborted.catch(() => {});
      let last = Promise.resolve();
      try {
        for (;;) {
          try { await Promise.race([writer.ready, aborted]); } catch (e) { throw e.__abort ? e : { __dest: e }; }
          let r;
          try { r = await Promise.race([reader.read(), aborted]); } catch (e) { throw e.__abort ? e : { __source: e }; }
          if (r.done) break;
          last = writer.write(r.value);
          last.catch(() => {});
        }
        try { await last; } catch (e) { throw { __dest: e }; }
        if (!o.preventClose) {
          try { await writer.close(); } catch (e) { throw { __dest: e }; }
        }
      } catch (e) {
        if (e && e.__abort) {
          const reason = o.signal.reason;
          await Promise.all([
            o.preventAbort ? null : writer.abort(reason).catch(() => {}),
            o.preventCancel ? null : reader.cancel(reason).catch(() => {}),
          ]);
          throw reason;
        }
        if (e && '__source' in e) {
          if (!o.preventAbort) await writer.abort(e.__source).catch(() => {});
          throw e.__source;
        }
        if (e && '__dest' in e) {
          if (!o.preventCancel) await reader.cancel(e.__dest).catch(() => {});
          throw e.__dest;
        }
        throw e;
      } finally {
        if (onAbort && o.signal) o.signal.removeEventListener('abort', onAbort);
        reader.releaseLock();
        writer.releaseLock();
      }
    },
    pipeThrough(pair, options) {
      if (!pair || !pair.writable || !pair.readable) throw new TypeError('pipeThrough needs a { writable, readable } pair');
      this.pipeTo(pair.writable, options).catch(() => {});
      return pair.readable;
    },
  };
  // ReadableStream.from: an async or sync iterable, pulled one value at a time.
  const readableFrom = (iterable) => {
    const it = iterable[Symbol.asyncIterator] ? iterable[Symbol.asyncIterator]() : iterable[Symbol.iterator]();
    return new ReadableStream({
      async pull(c) {
        const { value, done } = await it.next();
        if (done) c.close(); else c.enqueue(await value);
      },
      async cancel(reason) { if (it.return) await it.return(reason); },
    }, { highWaterMark: 0 });
  };

  // WritableStream: writes queue (bounded by the strategy) and go to the sink one at a time;
  // the writer's `ready` waits while the queue is full.
  class WritableStreamDefaultController {
    constructor(stream) { this.__w = stream; this.__ac = new AbortController(); }
    get signal() { return this.__ac.signal; }
    error(e) { this.__w.__fail(e); }
  }
  class WritableStream {
    constructor(sink, strategy) {
      const st = strategy || {};
      this.__sink = sink || {};
      this.__state = 'writable';
      this.__queue = [];
      this.__queueSize = 0;
      this.__inFlight = false;
      this.__closeRequest = null;
      this.__writer = null;
      this.__started = false;
      this.__hwm = st.highWaterMark === undefined ? 1 : Number(st.highWaterMark);
      if (Number.isNaN(this.__hwm) || this.__hwm < 0) throw new RangeError('highWaterMark must be a non-negative number');
      this.__size = st.size;
      this.__controller = new WritableStreamDefaultController(this);
      const started = this.__sink.start ? this.__sink.start(this.__controller) : undefined;
      Promise.resolve(started).then(() => { this.__started = true; this.__advance(); }, (e) => this.__fail(e));
    }
    get locked() { return this.__writer !== null; }
    __desired() { return this.__state === 'errored' ? null : this.__state === 'closed' ? 0 : this.__hwm - this.__queueSize; }
    __write(chunk) {
      if (this.__state === 'errored') return Promise.reject(this.__error);
      if (this.__state !== 'writable' || this.__closeRequest) return Promise.reject(new TypeError('The stream is closed or closing'));
      let n = 1;
      if (this.__size) {
        try { n = Number(this.__size(chunk)); } catch (e) { this.__fail(e); return Promise.reject(e); }
      }
      const d = deferred();
      this.__queue.push({ chunk, n, d });
      this.__queueSize += n;
      if (this.__writer) this.__writer.__backpressure();
      this.__advance();
      return d.promise;
    }
    __advance() {
      if (!this.__started || this.__inFlight || this.__state !== 'writable') return;
      if (this.__queue.length) {
        const w = this.__queue[0];
        this.__inFlight = true;
        Promise.resolve().then(() => (this.__sink.write ? this.__sink.write(w.chunk, this.__controller) : undefined)).then(() => {
          this.__inFlight = false;
          this.__queue.shift();
          this.__queueSize -= w.n;
          w.d.resolve();
          if (this.__writer) this.__writer.__backpressure();
          this.__advance();
        }, (e) => { this.__inFlight = false; w.d.reject(e); this.__fail(e); });
      } else if (this.__closeRequest) {
        this.__inFlight = true;
        const done = this.__closeRequest;
        Promise.resolve().then(() => (this.__sink.close ? this.__sink.close() : undefined)).then(() => {
          this.__inFlight = false;
          this.__state = 'closed';
          done.resolve();
          if (this.__writer) this.__writer.__settle();
        }, (e) => { this.__inFlight = false; done.reject(e); this.__fail(e); });
      }
    }
    __close() {
      if (this.__state === 'errored') return Promise.reject(this.__error);
      if (this.__state !== 'writable' || this.__closeRequest) return Promise.reject(new TypeError('The stream is closed or closing'));
      this.__closeRequest = deferred();
      this.__advance();
      return this.__closeRequest.promise;
    }
    async __abort(reason) {
      if (this.__state !== 'writable') return;
      this.__controller.__ac.abort(reason);
      this.__fail(reason);
      if (this.__sink.abort) await this.__sink.abort(reason);
    }
    __fail(e) {
      if (this.__state !== 'writable') return;
      this.__state = 'errored';
      this.__error = e;
      for (const w of this.__queue.splice(this.__inFlight ? 1 : 0)) w.d.reject(e);
      this.__queueSize = 0;
      if (this.__closeRequest && !this.__inFlight) this.__closeRequest.reject(e);
      if (this.__writer) this.__writer.__settle();
    }
    getWriter() { return new WritableStreamDefaultWriter(this); }
    close() { return this.locked ? Promise.reject(new TypeError('WritableStream is locked')) : this.__close(); }
    abort(reason) { return this.locked ? Promise.reject(new TypeError('WritableStream is locked')) : this.__abort(reason); }
  }
  class WritableStreamDefaultWriter {
    constructor(stream) {
      if (!(stream instanceof WritableStream)) throw new TypeError('not a WritableStream');
      if (stream.locked) throw new TypeError('WritableStream is locked');
      stream.__writer = this;
      this.__w = stream;
      this.__closed = deferred();
      this.__ready = deferred();
      this.__ready.resolve();
      this.__readyPending = false;
      this.__backpressure();
      this.__settle();
    }
    // `ready` is pending while the queue is full, and resolves when it has room.
    __backpressure() {
      const d = this.__w.__desired();
      if (d !== null && d <= 0 && this.__w.__state === 'writable' && !this.__readyPending) {
        this.__ready = deferred();
        this.__readyPending = true;
      } else if ((d === null || d > 0) && this.__readyPending) {
        this.__readyPending = false;
        this.__ready.resolve();
      }
    }
    __settle() {
      const w = this.__w;
      if (!w) return;
      if (w.__state === 'closed') { this.__closed.resolve(); if (this.__readyPending) { this.__readyPending = false; this.__ready.resolve(); } }
      if (w.__state === 'errored') {
        this.__closed.reject(w.__error);
        if (this.__readyPending) { this.__readyPending = false; this.__ready.reject(w.__error); } else { this.__ready = deferred(); this.__ready.reject(w.__error); }
      }
    }
    get ready() { return this.__ready.promise; }
    get closed() { return this.__closed.promise; }
    get desiredSize() {
      if (!this.__w) throw new TypeError('This writer has released its lock');
      return this.__w.__desired();
    }
    write(chunk) { return this.__w ? this.__w.__write(chunk) : Promise.reject(new TypeError('This writer has released its lock')); }
    close() { return this.__w ? this.__w.__close() : Promise.reject(new TypeError('This writer has released its lock')); }
    abort(reason) { return this.__w ? this.__w.__abort(reason) : Promise.reject(new TypeError('This writer has released its lock')); }
    releaseLock() {
      if (!this.__w) return;
      this.__w.__writer = null;
      this.__w = null;
    }
  }

  // TransformStream: the writable side waits while the readable side is full (backpressure);
  // an identity transform when no `transform` is given.
  class TransformStream {
    constructor(transformer, writableStrategy, readableStrategy) {
      const t = transformer || {};
      const rs = readableStrategy || {};
      let rc;
      let backpressure = true;
      let change = deferred();
      const setBackpressure = (b) => {
        if (b === backpressure) return;
        backpressure = b;
        if (!b) { change.resolve(); change = deferred(); }
      };
      let writable;
      const controller = {
        enqueue: (chunk) => {
          rc.enqueue(chunk);
          setBackpressure(!(rc.desiredSize > 0));
        },
        error: (e) => { rc.error(e); writable.__fail(e); },
        terminate: () => {
          try { rc.close(); } catch { /* already closed */ }
          writable.__fail(new TypeError('The transform stream was terminated'));
        },
        get desiredSize() { return rc.desiredSize; },
      };
      this.readable = new ReadableStream({
        start(c) { rc = c; },
        pull() { setBackpressure(false); },
        cancel(reason) {
          writable.__fail(reason);
          return t.cancel ? t.cancel(reason) : undefined;
        },
      }, { highWaterMark: rs.highWaterMark === undefined ? 0 : rs.highWaterMark, size: rs.size });
      const started = Promise.resolve(t.start ? t.start(controller) : undefined);
      writable = new WritableStream({
        start: () => started,
        write: async (chunk) => {
          while (backpressure) await change.promise;
          if (t.transform) await t.transform(chunk, controller); else controller.enqueue(chunk);
        },
        close: async () => {
          if (t.flush) await t.flush(controller);
          try { rc.close(); } catch { /* closed by terminate() */ }
        },
        abort: (reason) => { rc.error(reason); },
      }, writableStrategy);
      this.writable = writable;
    }
  }
  class ByteLengthQueuingStrategy {
    constructor(o) { this.highWaterMark = Number(o && o.highWaterMark); }
    size(chunk) { return chunk.byteLength; }
  }
  class CountQueuingStrategy {
    constructor(o) { this.highWaterMark = Number(o && o.highWaterMark); }
    size() { return 1; }
  }

  class TextEncoderStream extends TransformStream {
    constructor() { super({ transform: (chunk, c) => c.enqueue(utf8encode(String(chunk))) }); this.encoding = 'utf-8'; }
  }
  class TextDecoderStream extends TransformStream {
    constructor(label) {
      const dec = new (nodeLib().StringDecoder)(label || 'utf8');
      super({
        transform: (chunk, c) => { const s = dec.write(nodeLib().toBytes(chunk)); if (s) c.enqueue(s); },
        flush: (c) => { const s = dec.end(); if (s) c.enqueue(s); },
      });
      this.encoding = 'utf-8';
    }
  }

  function codingStream(format, decompress) {
    const f = String(format);
    if (!['gzip', 'deflate', 'deflate-raw'].includes(f)) throw new TypeError(`Unsupported compression format: '${f}'`);
    const parts = [];
    return {
      transform: (chunk) => { parts.push(nodeLib().toBytes(chunk)); },
      flush: (c) => {
        const n = parts.reduce((s, p) => s + p.length, 0);
        const all = new Uint8Array(n);
        let at = 0;
        for (const p of parts) { all.set(p, at); at += p.length; }
        let out;
        try { out = host.compress(f, decompress, Array.from(all)); } catch (e) { c.error(new TypeError(String(e.message).replace(/^TypeError: /, ''))); return; }
        c.enqueue(Uint8Array.from(out));
      },
    };
  }
  class CompressionStream extends TransformStream { constructor(format) { super(codingStream(format, false)); } }
  class DecompressionStream extends TransformStream { constructor(format) { super(codingStream(format, true)); } }

  // ---------------------------------------------------------------- URLPattern
  // Each component (protocol, username, password, hostname, port, pathname, search, hash) is a
  // pattern compiled to a regular expression: literal text, `:name` (one segment: up to the
  // next `/` in pathname, `.` in hostname, anything elsewhere), `*` (anything, numbered groups),
  // `(regexp)`, `{…}` groups, and the modifiers `?`, `+`, `*` after a part.
  const URL_PARTS = ['protocol', 'username', 'password', 'hostname', 'port', 'pathname', 'search', 'hash'];
  function compilePart(pattern, part) {
    const segment = part === 'pathname' ? '[^/]+?' : part === 'hostname' ? '[^.]+?' : '.+?';
    const names = [];
    let wild = 0;
    let i = 0;
    const esc = (c) => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    function parse(stopAt) {
      let out = '';
      while (i < pattern.length && pattern[i] !== stopAt) {
        const c = pattern[i];
        let piece;
        let capture = true;
        if (c === '\\') { piece = esc(pattern[i + 1] || ''); i += 2; capture = false; }
        else if (c === ':') {
          const m = /^:([A-Za-z_$][\w$]*)/.exec(pattern.slice(i));
          if (!m) throw new TypeError(`Invalid URLPattern: a name is expected after ':' in ${pattern}`);
          i += m[0].length;
          names.push(m[1]);
          let re = segment;
          if (pattern[i] === '(') { const end = matchParen(i); re = pattern.slice(i + 1, end); i = end + 1; }
          piece = `(${re})`;
        } else if (c === '(') {
          const end = matchParen(i);
          names.push(String(wild++));
          piece = `(${pattern.slice(i + 1, end)})`;
          i = end + 1;
        } else if (c === '*') { names.push(String(wild++)); piece = '(.*)'; i += 1; }
        else if (c === '{') { i += 1; piece = `(?:${parse('}')})`; i += 1; capture = false; }
        else { piece = esc(c); i += 1; capture = false; }
        const mod = pattern[i];
        if (mod === '?' || mod === '+' || (mod === '*' && (capture || piece.startsWith('(?:')))) {
          i += 1;
          // An optional segment takes its leading '/' with it, as the spec's segment prefix does.
          if (part === 'pathname' && out.endsWith('\\/') && piece.startsWith('(')) {
            out = out.slice(0, -2);
            piece = `(?:\\/${piece})`;
          }
          piece += mod;
        }
        out += piece;
      }
      return out;
    }
    function matchParen(start) {
      let depth = 0;
      for (let j = start; j < pattern.length; j++) {
        if (pattern[j] === '\\') { j++; continue; }
        if (pattern[j] === '(') depth++;
        else if (pattern[j] === ')' && --depth === 0) return j;
      }
      throw new TypeError(`Invalid URLPattern: unbalanced parentheses in ${pattern}`);
    }
    const source = parse(undefined);
    const flags = part === 'protocol' || part === 'hostname' ? 'i' : '';
    return { re: new RegExp(`^${source}$`, flags), names, pattern };
  }
  class URLPattern {
    constructor(input, baseURL) {
      let init = {};
      if (typeof input === 'string') {
        // `protocol://host[:port]/path?search#hash`, split by hand: the parts are patterns.
        const m = /^([^:/?#]+):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/.exec(input);
        if (m) {
          const host = /^(.*?)(?::(\d+))?$/.exec(m[2]);
          init = { protocol: m[1], hostname: host[1], port: host[2] || '', pathname: m[3] || '/', search: m[4] === undefined ? '*' : m[4], hash: m[5] === undefined ? '*' : m[5] };
        } else if (baseURL) {
          const b = new URL(baseURL);
          init = { protocol: b.protocol.slice(0, -1), hostname: b.hostname, port: b.port, pathname: input };
        } else {
          init = { pathname: input };
        }
      } else if (input && typeof input === 'object') {
        init = Object.assign({}, input);
        if (init.baseURL) {
          const b = new URL(init.baseURL);
          for (const p of ['protocol', 'hostname', 'port']) if (init[p] === undefined) init[p] = p === 'protocol' ? b.protocol.slice(0, -1) : b[p];
        }
      }
      this.__parts = {};
      for (const p of URL_PARTS) {
        const pat = init[p] === undefined ? '*' : String(init[p]);
        this[p] = pat;
        this.__parts[p] = compilePart(pat, p);
      }
    }
    __components(input, baseURL) {
      if (input && typeof input === 'object' && !(input instanceof URL)) {
        const c = {};
        for (const p of URL_PARTS) c[p] = input[p] === undefined ? '' : String(input[p]);
        return c;
      }
      let u;
      try { u = new URL(String(input), baseURL); } catch { return null; }
      return {
        protocol: u.protocol.slice(0, -1), username: u.username, password: u.password, hostname: u.hostname,
        port: u.port, pathname: u.pathname, search: u.search.slice(1), hash: u.hash.slice(1),
      };
    }
    test(input, baseURL) { return this.exec(input, baseURL) !== null; }
    exec(input, baseURL) {
      const c = this.__components(input, baseURL);
      if (!c) return null;
      const out = { inputs: [input] };
      for (const p of URL_PARTS) {
        const { re, names } = this.__parts[p];
        const m = re.exec(c[p]);
        if (!m) return null;
        const groups = {};
        names.forEach((n, k) => { groups[n] = m[k + 1]; });
        out[p] = { input: c[p], groups };
      }
      return out;
    }
  }
  return {
    URLPattern, Event, CustomEvent, EventTarget, Blob, File, FormData, encodeMultipart, parseFormBody,
    caches, Cache, WritableStream, TransformStream, TextEncoderStream, TextDecoderStream,
    CompressionStream, DecompressionStream, streamMethods, readableFrom, WritableStreamDefaultWriter,
    ByteLengthQueuingStrategy, CountQueuingStrategy,
  };
}
