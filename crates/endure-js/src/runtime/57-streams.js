// Part of the runtime prelude (see 00-core.js): one function body split into files.
  // ---------------------------------------------------------------- streams
  // ReadableStream's piping and teeing, WritableStream, TransformStream, the text coding
  // streams and CompressionStream / DecompressionStream (gzip, deflate, deflate-raw; the data
  // is compressed when the writable side closes).
  Object.assign(ReadableStream.prototype, {
    tee() {
      const reader = this.getReader();
      let ca, cb;
      const a = new ReadableStream({ start(c) { ca = c; } });
      const b = new ReadableStream({ start(c) { cb = c; } });
      (async () => {
        try {
          for (;;) {
            const { value, done } = await reader.read();
            if (done) { ca.close(); cb.close(); return; }
            ca.enqueue(value); cb.enqueue(value);
          }
        } catch (e) { ca.error(e); cb.error(e); }
      })();
      return [a, b];
    },
    async pipeTo(dest, options) {
      const reader = this.getReader();
      const writer = dest.getWriter();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          await writer.write(value);
        }
        if (!(options && options.preventClose)) await writer.close();
      } catch (e) {
        if (!(options && options.preventAbort)) await writer.abort(e);
        throw e;
      } finally {
        reader.releaseLock();
        writer.releaseLock();
      }
    },
    pipeThrough(pair, options) {
      this.pipeTo(pair.writable, options).catch(() => {});
      return pair.readable;
    },
    async cancel() { this.__closed = true; this.__chunks = []; this.__wake(); },
    values() { return this[Symbol.asyncIterator](); },
  });
  ReadableStream.from = (iterable) => new ReadableStream({
    async start(c) {
      try { for await (const x of iterable) c.enqueue(x); c.close(); } catch (e) { c.error(e); }
    },
  });

  class WritableStream {
    constructor(sink) {
      this.__sink = sink || {};
      this.locked = false;
      this.__closed = false;
      this.__queue = Promise.resolve();
      const controller = { error: (e) => { this.__error = e; }, signal: new AbortController().signal };
      this.__controller = controller;
      this.__started = Promise.resolve(this.__sink.start ? this.__sink.start(controller) : undefined);
    }
    getWriter() {
      if (this.locked) throw new TypeError('WritableStream is locked');
      this.locked = true;
      const s = this;
      const step = (f) => { s.__queue = s.__queue.then(() => s.__started).then(f); return s.__queue; };
      let closed;
      const closedP = new Promise((r) => { closed = r; });
      return {
        get ready() { return s.__queue.then(() => undefined); },
        get closed() { return closedP; },
        get desiredSize() { return s.__closed ? 0 : 1; },
        write(chunk) {
          if (s.__closed) return Promise.reject(new TypeError('The stream is closed'));
          if (s.__error) return Promise.reject(s.__error);
          return step(() => (s.__sink.write ? s.__sink.write(chunk, s.__controller) : undefined));
        },
        close() {
          if (s.__closed) return Promise.reject(new TypeError('The stream is closed'));
          s.__closed = true;
          return step(() => (s.__sink.close ? s.__sink.close() : undefined)).then(() => closed());
        },
        abort(reason) { s.__closed = true; return Promise.resolve(s.__sink.abort ? s.__sink.abort(reason) : undefined); },
        releaseLock() { s.locked = false; },
      };
    }
    close() { return this.getWriter().close(); }
    abort(reason) { return this.getWriter().abort(reason); }
  }

  class TransformStream {
    constructor(transformer) {
      const t = transformer || {};
      let rc;
      this.readable = new ReadableStream({ start(c) { rc = c; } });
      const controller = {
        enqueue: (c) => rc.enqueue(c),
        error: (e) => rc.error(e),
        terminate: () => rc.close(),
        get desiredSize() { return 1; },
      };
      if (t.start) t.start(controller);
      this.writable = new WritableStream({
        write: (chunk) => (t.transform ? t.transform(chunk, controller) : controller.enqueue(chunk)),
        close: async () => { if (t.flush) await t.flush(controller); rc.close(); },
        abort: (e) => rc.error(e),
      });
    }
  }

  class TextEncoderStream extends TransformStream {
    constructor() { super({ transform: (chunk, c) => c.enqueue(utf8encode(String(chunk))) }); this.encoding = 'utf-8'; }
  }
  class TextDecoderStream extends TransformStream {
    constructor(label) {
      const dec = new StringDecoder(label || 'utf8');
      super({
        transform: (chunk, c) => { const s = dec.write(toBytes(chunk)); if (s) c.enqueue(s); },
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
      transform: (chunk) => { parts.push(toBytes(chunk)); },
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
