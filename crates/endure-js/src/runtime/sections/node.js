// A section of the runtime prelude loaded on first use (see bytecode.rs): the `node:` modules
// that `nodejs_compat` code imports most — `node:buffer`, `node:events`, `node:util`,
// `node:crypto` (hashes, HMAC, random, timingSafeEqual), `node:string_decoder`, `node:assert`,
// `node:url`. Written for Endure; behaviour follows Node's documentation for the parts listed
// in the README's compatibility table. `rt` carries what it needs of the prelude.
export default function (rt) {
  const { host, utf8encode, utf8decode, b64encode, b64decode, randomBytes, crypto } = rt;
  // ------------------------------------------------ Buffer
  const HEX = '0123456789abcdef';
  function normEncoding(enc) {
    const e = String(enc === undefined ? 'utf8' : enc).toLowerCase();
    switch (e) {
      case 'utf8': case 'utf-8': return 'utf8';
      case 'hex': return 'hex';
      case 'base64': return 'base64';
      case 'base64url': return 'base64url';
      case 'latin1': case 'binary': return 'latin1';
      case 'ascii': return 'ascii';
      case 'ucs2': case 'ucs-2': case 'utf16le': case 'utf-16le': return 'utf16le';
      default: throw new TypeError(`Unknown encoding: ${enc}`);
    }
  }
  function bytesFromString(s, enc) {
    switch (normEncoding(enc)) {
      case 'utf8': return utf8encode(s);
      case 'hex': {
        const n = s.length >> 1;
        const out = new Uint8Array(n);
        let k = 0;
        for (; k < n; k++) {
          const v = parseInt(s.substr(k * 2, 2), 16);
          if (Number.isNaN(v)) break;
          out[k] = v;
        }
        return out.subarray(0, k);
      }
      case 'base64': case 'base64url': {
        let t = s.replace(/[^A-Za-z0-9+/\-_]/g, '').replace(/-/g, '+').replace(/_/g, '/');
        while (t.length % 4) t += '=';
        return b64decode(t);
      }
      case 'latin1': case 'ascii': {
        const out = new Uint8Array(s.length);
        for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
        return out;
      }
      case 'utf16le': {
        const out = new Uint8Array(s.length * 2);
        for (let i = 0; i < s.length; i++) { const c = s.charCodeAt(i); out[2 * i] = c & 0xff; out[2 * i + 1] = c >> 8; }
        return out;
      }
    }
  }
  function stringFromBytes(b, enc) {
    switch (normEncoding(enc)) {
      case 'utf8': return utf8decode(b);
      case 'hex': { let s = ''; for (let i = 0; i < b.length; i++) s += HEX[b[i] >> 4] + HEX[b[i] & 15]; return s; }
      case 'base64': return b64encode(b);
      case 'base64url': return b64encode(b).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
      case 'latin1': { let s = ''; for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]); return s; }
      case 'ascii': { let s = ''; for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i] & 0x7f); return s; }
      case 'utf16le': { let s = ''; for (let i = 0; i + 1 < b.length; i += 2) s += String.fromCharCode(b[i] | (b[i + 1] << 8)); return s; }
    }
  }
  class Buffer extends Uint8Array {
    static from(value, encOrOffset, length) {
      if (typeof value === 'string') return Buffer.__wrap(bytesFromString(value, encOrOffset));
      if (value instanceof ArrayBuffer) {
        const off = encOrOffset || 0;
        return new Buffer(value, off, length === undefined ? value.byteLength - off : length);
      }
      if (ArrayBuffer.isView(value)) return Buffer.__wrap(new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice());
      if (Array.isArray(value)) return Buffer.__wrap(Uint8Array.from(value, (x) => x & 0xff));
      if (value && value.type === 'Buffer' && Array.isArray(value.data)) return Buffer.from(value.data);
      if (value && typeof value.valueOf === 'function' && value.valueOf() !== value) return Buffer.from(value.valueOf(), encOrOffset, length);
      throw new TypeError('The first argument must be of type string, Buffer, ArrayBuffer, Array, or Array-like Object');
    }
    static __wrap(u8) { return new Buffer(u8.buffer, u8.byteOffset, u8.byteLength); }
    static alloc(n, fill, enc) { const b = new Buffer(n); if (fill !== undefined) b.fill(fill, 0, n, enc); return b; }
    static allocUnsafe(n) { return new Buffer(n); }
    static allocUnsafeSlow(n) { return new Buffer(n); }
    static isBuffer(b) { return b instanceof Buffer; }
    static isEncoding(e) { try { normEncoding(e); return true; } catch { return false; } }
    static byteLength(v, enc) {
      if (typeof v === 'string') return bytesFromString(v, enc).length;
      return v.byteLength;
    }
    static concat(list, total) {
      const len = total === undefined ? list.reduce((n, b) => n + b.length, 0) : total;
      const out = Buffer.alloc(len);
      let at = 0;
      for (const b of list) { if (at >= len) break; out.set(b.subarray(0, len - at), at); at += b.length; }
      return out;
    }
    static compare(a, b) { return a.compare(b); }
    toString(enc, start, end) {
      const s = start === undefined ? 0 : start;
      const e = end === undefined ? this.length : end;
      return stringFromBytes(this.subarray(s, e), enc);
    }
    toJSON() { return { type: 'Buffer', data: Array.from(this) }; }
    equals(o) { return this.compare(o) === 0; }
    compare(o) {
      const n = Math.min(this.length, o.length);
      for (let i = 0; i < n; i++) if (this[i] !== o[i]) return this[i] < o[i] ? -1 : 1;
      return this.length === o.length ? 0 : this.length < o.length ? -1 : 1;
    }
    write(s, offset, length, enc) {
      if (typeof offset === 'string') { enc = offset; offset = 0; length = undefined; }
      else if (typeof length === 'string') { enc = length; length = undefined; }
      const b = bytesFromString(s, enc);
      const at = offset || 0;
      const n = Math.min(b.length, this.length - at, length === undefined ? Infinity : length);
      this.set(b.subarray(0, n), at);
      return n;
    }
    fill(v, start, end, enc) {
      if (typeof v === 'string' && v.length !== 1) {
        const b = bytesFromString(v, enc);
        const s = start || 0; const e = end === undefined ? this.length : end;
        for (let i = s; i < e; i++) this[i] = b[(i - s) % b.length];
        return this;
      }
      return super.fill(typeof v === 'string' ? v.charCodeAt(0) : v, start, end);
    }
    slice(start, end) { return this.subarray(start, end); }
    subarray(start, end) { const u = Uint8Array.prototype.subarray.call(this, start, end); return new Buffer(u.buffer, u.byteOffset, u.byteLength); }
    copy(target, targetStart, sourceStart, sourceEnd) {
      const s = this.subarray(sourceStart || 0, sourceEnd === undefined ? this.length : sourceEnd);
      const n = Math.min(s.length, target.length - (targetStart || 0));
      target.set(s.subarray(0, n), targetStart || 0);
      return n;
    }
    indexOf(v, from, enc) {
      const needle = typeof v === 'number' ? Uint8Array.of(v) : typeof v === 'string' ? bytesFromString(v, enc) : v;
      outer: for (let i = from || 0; i + needle.length <= this.length; i++) {
        for (let j = 0; j < needle.length; j++) if (this[i + j] !== needle[j]) continue outer;
        return i;
      }
      return -1;
    }
    includes(v, from, enc) { return this.indexOf(v, from, enc) !== -1; }
    __view() { return new DataView(this.buffer, this.byteOffset, this.byteLength); }
    readUInt8(o = 0) { return this.__view().getUint8(o); }
    readInt8(o = 0) { return this.__view().getInt8(o); }
    readUInt16LE(o = 0) { return this.__view().getUint16(o, true); }
    readUInt16BE(o = 0) { return this.__view().getUint16(o, false); }
    readInt16LE(o = 0) { return this.__view().getInt16(o, true); }
    readInt16BE(o = 0) { return this.__view().getInt16(o, false); }
    readUInt32LE(o = 0) { return this.__view().getUint32(o, true); }
    readUInt32BE(o = 0) { return this.__view().getUint32(o, false); }
    readInt32LE(o = 0) { return this.__view().getInt32(o, true); }
    readInt32BE(o = 0) { return this.__view().getInt32(o, false); }
    readBigUInt64LE(o = 0) { return this.__view().getBigUint64(o, true); }
    readBigUInt64BE(o = 0) { return this.__view().getBigUint64(o, false); }
    readFloatLE(o = 0) { return this.__view().getFloat32(o, true); }
    readDoubleLE(o = 0) { return this.__view().getFloat64(o, true); }
    writeUInt8(v, o = 0) { this.__view().setUint8(o, v); return o + 1; }
    writeUInt16LE(v, o = 0) { this.__view().setUint16(o, v, true); return o + 2; }
    writeUInt16BE(v, o = 0) { this.__view().setUint16(o, v, false); return o + 2; }
    writeUInt32LE(v, o = 0) { this.__view().setUint32(o, v, true); return o + 4; }
    writeUInt32BE(v, o = 0) { this.__view().setUint32(o, v, false); return o + 4; }
    writeInt32LE(v, o = 0) { this.__view().setInt32(o, v, true); return o + 4; }
    writeInt32BE(v, o = 0) { this.__view().setInt32(o, v, false); return o + 4; }
    writeBigUInt64LE(v, o = 0) { this.__view().setBigUint64(o, v, true); return o + 8; }
    writeDoubleLE(v, o = 0) { this.__view().setFloat64(o, v, true); return o + 8; }
  }
  Buffer.poolSize = 8192;
  for (const a of ['readUInt8', 'readUInt16LE', 'readUInt16BE', 'readUInt32LE', 'readUInt32BE', 'writeUInt8', 'writeUInt16LE', 'writeUInt16BE', 'writeUInt32LE', 'writeUInt32BE']) {
    Buffer.prototype[a.replace('UInt', 'Uint')] = Buffer.prototype[a];
  }
  const nodeBuffer = { Buffer, constants: { MAX_LENGTH: 2 ** 31 - 1 }, kMaxLength: 2 ** 31 - 1, atob: (s) => atob(s), btoa: (s) => btoa(s) };

  // ------------------------------------------------ events
  class EventEmitter {
    constructor() { this.__events = new Map(); this.__max = EventEmitter.defaultMaxListeners; }
    __list(name) { let l = this.__events.get(name); if (!l) { l = []; this.__events.set(name, l); } return l; }
    on(name, fn) {
      if (this.__events.has('newListener') && name !== 'newListener') this.emit('newListener', name, fn);
      this.__list(name).push({ fn, once: false });
      return this;
    }
    addListener(name, fn) { return this.on(name, fn); }
    prependListener(name, fn) { this.__list(name).unshift({ fn, once: false }); return this; }
    once(name, fn) { this.__list(name).push({ fn, once: true }); return this; }
    prependOnceListener(name, fn) { this.__list(name).unshift({ fn, once: true }); return this; }
    off(name, fn) {
      const l = this.__events.get(name);
      if (!l) return this;
      const i = l.findIndex((e) => e.fn === fn || e.fn.listener === fn);
      if (i >= 0) l.splice(i, 1);
      if (!l.length) this.__events.delete(name);
      return this;
    }
    removeListener(name, fn) { return this.off(name, fn); }
    removeAllListeners(name) { if (name === undefined) this.__events.clear(); else this.__events.delete(name); return this; }
    emit(name, ...args) {
      const l = this.__events.get(name);
      if (!l || !l.length) {
        if (name === 'error') throw args[0] instanceof Error ? args[0] : new Error(`Unhandled error. (${args[0]})`);
        return false;
      }
      for (const e of [...l]) {
        if (e.once) this.off(name, e.fn);
        e.fn.apply(this, args);
      }
      return true;
    }
    listeners(name) { return (this.__events.get(name) || []).map((e) => e.fn); }
    rawListeners(name) { return this.listeners(name); }
    listenerCount(name) { return (this.__events.get(name) || []).length; }
    eventNames() { return [...this.__events.keys()]; }
    setMaxListeners(n) { this.__max = n; return this; }
    getMaxListeners() { return this.__max; }
  }
  EventEmitter.defaultMaxListeners = 10;
  EventEmitter.EventEmitter = EventEmitter;
  EventEmitter.once = (emitter, name) => new Promise((resolve, reject) => {
    const ok = (...a) => { emitter.off('error', bad); resolve(a); };
    const bad = (e) => { emitter.off(name, ok); reject(e); };
    emitter.once(name, ok);
    if (name !== 'error') emitter.once('error', bad);
  });

  // ------------------------------------------------ util
  function inspect(v, opts) {
    const seen = new Set();
    const depth = opts && opts.depth !== undefined ? opts.depth : 2;
    const go = (x, d) => {
      if (typeof x === 'string') return d === 0 ? x : `'${x}'`;
      if (typeof x === 'bigint') return `${x}n`;
      if (typeof x === 'function') return `[Function: ${x.name || '(anonymous)'}]`;
      if (typeof x === 'symbol') return x.toString();
      if (x === null || typeof x !== 'object') return String(x);
      if (seen.has(x)) return '[Circular *1]';
      if (x instanceof Error) return x.stack || `${x.name}: ${x.message}`;
      if (x instanceof Date) return x.toISOString();
      if (d > depth) return Array.isArray(x) ? '[Array]' : '[Object]';
      seen.add(x);
      let out;
      if (Array.isArray(x)) out = `[ ${x.map((y) => go(y, d + 1)).join(', ')} ]`;
      else if (x instanceof Map) out = `Map(${x.size}) { ${[...x].map(([k, y]) => `${go(k, d + 1)} => ${go(y, d + 1)}`).join(', ')} }`;
      else if (x instanceof Set) out = `Set(${x.size}) { ${[...x].map((y) => go(y, d + 1)).join(', ')} }`;
      else {
        const keys = Object.keys(x);
        out = keys.length ? `{ ${keys.map((k) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : `'${k}'`}: ${go(x[k], d + 1)}`).join(', ')} }` : '{}';
      }
      seen.delete(x);
      return out;
    };
    return go(v, 1);
  }
  function format(f, ...args) {
    if (typeof f !== 'string') return [f, ...args].map((x) => (typeof x === 'string' ? x : inspect(x))).join(' ');
    let i = 0;
    let s = f.replace(/%[sdifjoO%]/g, (m) => {
      if (m === '%%') return '%';
      if (i >= args.length) return m;
      const a = args[i++];
      switch (m) {
        case '%s': return typeof a === 'string' ? a : typeof a === 'bigint' ? `${a}n` : inspect(a, { depth: 0 }).replace(/^'|'$/g, '');
        case '%d': case '%i': return typeof a === 'bigint' ? `${a}n` : String(m === '%i' ? parseInt(a, 10) : Number(a));
        case '%f': return String(parseFloat(a));
        case '%j': try { return JSON.stringify(a); } catch { return '[Circular]'; }
        default: return inspect(a);
      }
    });
    for (; i < args.length; i++) s += ' ' + (typeof args[i] === 'string' ? args[i] : inspect(args[i]));
    return s;
  }
  function promisify(fn) {
    if (typeof fn !== 'function') throw new TypeError('The "original" argument must be of type function');
    if (fn[promisify.custom]) return fn[promisify.custom];
    return function (...args) {
      return new Promise((resolve, reject) => fn.call(this, ...args, (err, ...values) => (err ? reject(err) : resolve(values.length > 1 ? values : values[0]))));
    };
  }
  promisify.custom = Symbol.for('nodejs.util.promisify.custom');
  function deepEqual(a, b, strict) {
    if (strict ? Object.is(a, b) : a == b) return true; // eslint-disable-line eqeqeq
    if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
    if (strict && Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
    if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
    if (a instanceof Map && b instanceof Map) return a.size === b.size && [...a].every(([k, v]) => b.has(k) && deepEqual(v, b.get(k), strict));
    if (a instanceof Set && b instanceof Set) return a.size === b.size && [...a].every((v) => b.has(v));
    if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) return a.length === b.length && Array.prototype.every.call(a, (x, i) => x === b[i]);
    const ka = Object.keys(a); const kb = Object.keys(b);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k], strict));
  }
  const types = {
    isDate: (x) => x instanceof Date, isRegExp: (x) => x instanceof RegExp, isPromise: (x) => x instanceof Promise,
    isMap: (x) => x instanceof Map, isSet: (x) => x instanceof Set, isTypedArray: (x) => ArrayBuffer.isView(x) && !(x instanceof DataView),
    isUint8Array: (x) => x instanceof Uint8Array, isArrayBuffer: (x) => x instanceof ArrayBuffer, isAnyArrayBuffer: (x) => x instanceof ArrayBuffer,
    isAsyncFunction: (x) => typeof x === 'function' && x.constructor && x.constructor.name === 'AsyncFunction',
    isNativeError: (x) => x instanceof Error, isBoxedPrimitive: () => false, isGeneratorFunction: (x) => typeof x === 'function' && /^(async )?function\*/.test(Function.prototype.toString.call(x)),
  };
  const nodeUtil = {
    format, inspect, promisify, types,
    inherits(ctor, superCtor) { Object.setPrototypeOf(ctor.prototype, superCtor.prototype); Object.setPrototypeOf(ctor, superCtor); ctor.super_ = superCtor; },
    deprecate(fn, msg) { let warned = false; return function (...a) { if (!warned) { warned = true; console.warn(`DeprecationWarning: ${msg}`); } return fn.apply(this, a); }; },
    isDeepStrictEqual: (a, b) => deepEqual(a, b, true),
    callbackify(fn) { return (...args) => { const cb = args.pop(); fn(...args).then((v) => cb(null, v), (e) => cb(e)); }; },
    isArray: Array.isArray, TextEncoder, TextDecoder,
    debuglog: () => () => {},
  };
  inspect.custom = Symbol.for('nodejs.util.inspect.custom');

  // ------------------------------------------------ crypto
  const HASHES = { sha1: ['SHA-1', 64], sha256: ['SHA-256', 64], sha384: ['SHA-384', 128], sha512: ['SHA-512', 128], md5: ['MD5', 64] };
  function hashSpec(alg) {
    const h = HASHES[String(alg).toLowerCase().replace('-', '')];
    if (!h) throw new Error(`Digest method not supported: ${alg}`);
    return h;
  }
  function toBytes(data, enc) {
    if (typeof data === 'string') return bytesFromString(data, enc);
    if (data instanceof ArrayBuffer) return new Uint8Array(data);
    if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    throw new TypeError('The "data" argument must be of type string or an instance of Buffer, TypedArray, or DataView.');
  }
  function digestBytes(name, bytes) { return Uint8Array.from(host.digest(name, Array.from(bytes))); }
  function output(bytes, enc) { const b = Buffer.__wrap(bytes); return enc === undefined ? b : b.toString(enc); }
  class Hash {
    constructor(alg) { this.__spec = hashSpec(alg); this.__parts = []; this.__done = false; }
    update(data, enc) { if (this.__done) throw new Error('Digest already called'); this.__parts.push(toBytes(data, enc)); return this; }
    __all() { const n = this.__parts.reduce((s, p) => s + p.length, 0); const out = new Uint8Array(n); let at = 0; for (const p of this.__parts) { out.set(p, at); at += p.length; } return out; }
    digest(enc) { if (this.__done) throw new Error('Digest already called'); this.__done = true; return output(digestBytes(this.__spec[0], this.__all()), enc); }
    copy() { const h = new Hash('sha1'); h.__spec = this.__spec; h.__parts = [...this.__parts]; return h; }
  }
  class Hmac extends Hash {
    constructor(alg, key) {
      super(alg);
      let k = toBytes(key);
      const block = this.__spec[1];
      if (k.length > block) k = digestBytes(this.__spec[0], k);
      this.__key = new Uint8Array(block); this.__key.set(k);
    }
    digest(enc) {
      if (this.__done) throw new Error('Digest already called');
      this.__done = true;
      const block = this.__spec[1];
      const inner = new Uint8Array(block); const outer = new Uint8Array(block);
      for (let i = 0; i < block; i++) { inner[i] = this.__key[i] ^ 0x36; outer[i] = this.__key[i] ^ 0x5c; }
      const msg = this.__all();
      const a = new Uint8Array(block + msg.length); a.set(inner); a.set(msg, block);
      const ih = digestBytes(this.__spec[0], a);
      const b = new Uint8Array(block + ih.length); b.set(outer); b.set(ih, block);
      return output(digestBytes(this.__spec[0], b), enc);
    }
  }
  function timingSafeEqual(a, b) {
    const x = toBytes(a); const y = toBytes(b);
    if (x.length !== y.length) throw new RangeError('Input buffers must have the same byte length');
    let d = 0;
    for (let i = 0; i < x.length; i++) d |= x[i] ^ y[i];
    return d === 0;
  }
  const nodeCrypto = {
    createHash: (alg) => new Hash(alg),
    createHmac: (alg, key) => new Hmac(alg, key),
    hash: (alg, data, enc = 'hex') => new Hash(alg).update(data).digest(enc),
    randomBytes(n, cb) { const b = Buffer.__wrap(Uint8Array.from(randomBytes(n))); if (cb) { queueMicrotask(() => cb(null, b)); return undefined; } return b; },
    randomUUID: () => crypto.randomUUID(),
    randomInt(min, max) { if (max === undefined) { max = min; min = 0; } const r = new Uint32Array(Uint8Array.from(randomBytes(4)).buffer)[0]; return min + (r % (max - min)); },
    getRandomValues: (a) => crypto.getRandomValues(a),
    timingSafeEqual,
    getHashes: () => Object.keys(HASHES),
    webcrypto: crypto, subtle: crypto.subtle,
  };


  // ------------------------------------------------ stream
  // Node's streams in the forms packages use: Readable (flowing through 'data' or pipe, paused
  // through read(), async iteration, Readable.from), Writable (_write with a callback, 'finish'),
  // Duplex, Transform (_transform, _flush), PassThrough, pipeline and finished (callback and
  // promise forms). No highWaterMark backpressure: writes are accepted as they come.
  class Stream extends EventEmitter {
    constructor(opts) { super(); this.destroyed = false; this.__opts = opts || {}; }
    destroy(err) {
      if (this.destroyed) return this;
      this.destroyed = true;
      queueMicrotask(() => { if (err) this.emit('error', err); this.emit('close'); });
      return this;
    }
    pipe(dest, opts) {
      this.on('data', (c) => dest.write(c));
      if (!(opts && opts.end === false)) this.once('end', () => dest.end());
      this.on('error', (e) => dest.destroy ? dest.destroy(e) : dest.emit('error', e));
      if (this.resume) this.resume();
      return dest;
    }
  }
  class Readable extends Stream {
    constructor(opts) {
      super(opts);
      const o = this.__opts;
      if (typeof o.read === 'function') this._read = o.read;
      if (typeof o.destroy === 'function') this._destroy = o.destroy;
      this.__buf = []; this.__ended = false; this.__endEmitted = false; this.__flowing = null;
      this.__encoding = null; this.readable = true; this.objectMode = !!(o.objectMode || o.readableObjectMode);
      this.__reading = false;
    }
    _read() {}
    push(chunk, encoding) {
      if (chunk === null) { this.__ended = true; this.__maybeEnd(); return false; }
      let c = chunk;
      if (!this.objectMode && typeof c === 'string') c = Buffer.from(c, encoding);
      else if (!this.objectMode && c instanceof Uint8Array && !(c instanceof Buffer)) c = Buffer.from(c);
      this.__buf.push(c);
      if (this.__flowing) queueMicrotask(() => this.__flow());
      else this.emit('readable');
      return true;
    }
    unshift(chunk) { this.__buf.unshift(chunk); }
    __decode(c) { return this.__encoding && c instanceof Uint8Array ? Buffer.from(c).toString(this.__encoding) : c; }
    __flow() {
      while (this.__flowing && this.__buf.length) this.emit('data', this.__decode(this.__buf.shift()));
      if (this.__flowing && !this.__ended && !this.__reading) { this.__reading = true; queueMicrotask(() => { this.__reading = false; if (!this.__ended) this._read(); }); }
      this.__maybeEnd();
    }
    __maybeEnd() {
      if (this.__ended && !this.__buf.length && !this.__endEmitted && this.__flowing !== false) {
        this.__endEmitted = true; this.readable = false;
        queueMicrotask(() => { this.emit('end'); this.emit('close'); });
      }
    }
    read() {
      if (!this.__buf.length) { if (!this.__ended) this._read(); if (!this.__buf.length) { this.__maybeEnd(); return null; } }
      const c = this.__buf.shift();
      this.__maybeEnd();
      return this.__decode(c);
    }
    on(name, fn) {
      super.on(name, fn);
      if (name === 'data' && this.__flowing !== false) this.resume();
      if (name === 'end' && this.__ended && !this.__buf.length && !this.__endEmitted) this.__maybeEnd();
      return this;
    }
    resume() { this.__flowing = true; queueMicrotask(() => this.__flow()); return this; }
    pause() { this.__flowing = false; return this; }
    isPaused() { return this.__flowing === false; }
    setEncoding(enc) { this.__encoding = enc; return this; }
    async *[Symbol.asyncIterator]() {
      for (;;) {
        if (this.__buf.length) { yield this.__decode(this.__buf.shift()); continue; }
        if (this.__ended) return;
        await new Promise((resolve, reject) => {
          const done = () => { this.off('readable', done); this.off('end', done); this.off('error', fail); resolve(); };
          const fail = (e) => { this.off('readable', done); this.off('end', done); reject(e); };
          this.once('readable', done); this.once('end', done); this.once('error', fail);
          this._read();
        });
      }
    }
    static from(iterable, opts) {
      const r = new Readable(Object.assign({ objectMode: true }, opts));
      (async () => {
        try { for await (const x of iterable) r.push(x); r.push(null); } catch (e) { r.destroy(e); }
      })();
      return r;
    }
  }
  class Writable extends Stream {
    constructor(opts) {
      super(opts);
      const o = this.__opts;
      if (typeof o.write === 'function') this._write = o.write;
      if (typeof o.final === 'function') this._final = o.final;
      this.writable = true; this.writableEnded = false; this.writableFinished = false;
      this.__queue = Promise.resolve();
      this.objectMode = !!(o.objectMode || o.writableObjectMode);
    }
    _write(chunk, encoding, cb) { cb(); }
    write(chunk, encoding, cb) {
      if (typeof encoding === 'function') { cb = encoding; encoding = undefined; }
      if (this.writableEnded) { const e = new Error('write after end'); queueMicrotask(() => this.emit('error', e)); return false; }
      const c = !this.objectMode && typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk;
      this.__queue = this.__queue.then(() => new Promise((resolve) => {
        this._write(c, encoding || 'buffer', (err) => { if (err) this.emit('error', err); if (cb) cb(err); resolve(); });
      }));
      return true;
    }
    end(chunk, encoding, cb) {
      if (typeof chunk === 'function') { cb = chunk; chunk = undefined; }
      if (typeof encoding === 'function') { cb = encoding; encoding = undefined; }
      if (chunk !== undefined && chunk !== null) this.write(chunk, encoding);
      this.writableEnded = true;
      this.__queue = this.__queue.then(() => new Promise((resolve) => (this._final ? this._final((e) => { if (e) this.emit('error', e); resolve(); }) : resolve())))
        .then(() => { this.writableFinished = true; this.emit('finish'); this.emit('close'); if (cb) cb(); });
      return this;
    }
  }
  class Duplex extends Readable {
    constructor(opts) {
      super(opts);
      const w = new Writable(opts);
      w._write = (c, e, cb) => this._write(c, e, cb);
      w._final = (cb) => (this._final ? this._final(cb) : cb());
      w.on('finish', () => this.emit('finish'));
      this.__w = w;
      const o = this.__opts;
      if (typeof o.write === 'function') this._write = o.write;
      if (typeof o.final === 'function') this._final = o.final;
      this.writable = true;
    }
    _write(chunk, encoding, cb) { cb(); }
    write(c, e, cb) { return this.__w.write(c, e, cb); }
    end(c, e, cb) { this.__w.end(c, e, cb); return this; }
    get writableEnded() { return this.__w.writableEnded; }
  }
  class Transform extends Duplex {
    constructor(opts) {
      super(opts);
      const o = this.__opts;
      if (typeof o.transform === 'function') this._transform = o.transform;
      if (typeof o.flush === 'function') this._flush = o.flush;
    }
    _transform(chunk, encoding, cb) { cb(null, chunk); }
    _write(chunk, encoding, cb) {
      this._transform(chunk, encoding, (err, out) => { if (out !== undefined && out !== null) this.push(out); cb(err); });
    }
    _final(cb) {
      const done = (err, out) => { if (out !== undefined && out !== null) this.push(out); this.push(null); cb(err); };
      if (this._flush) this._flush(done); else done();
    }
  }
  class PassThrough extends Transform {}
  function finished(stream, cb) {
    let called = false;
    const done = (e) => { if (!called) { called = true; cb(e); } };
    stream.once('error', done);
    stream.once('end', () => done());
    stream.once('finish', () => done());
    stream.once('close', () => done());
    return () => {};
  }
  function pipeline(...args) {
    const cb = typeof args[args.length - 1] === 'function' ? args.pop() : null;
    const streams = args.flat();
    let last = streams[0];
    for (const s of streams.slice(1)) last = last.pipe(s);
    const p = new Promise((resolve, reject) => {
      for (const s of streams) s.once('error', reject);
      finished(last, (e) => (e ? reject(e) : resolve()));
    });
    if (cb) { p.then(() => cb(), cb); return last; }
    return p;
  }
  const nodeStream = Object.assign(Stream, {
    Stream, Readable, Writable, Duplex, Transform, PassThrough, pipeline, finished,
    promises: { pipeline: (...a) => pipeline(...a), finished: (s) => new Promise((res, rej) => finished(s, (e) => (e ? rej(e) : res()))) },
  });
  // ------------------------------------------------ string_decoder, assert, url, process
  class StringDecoder {
    constructor(enc) { this.encoding = normEncoding(enc); this.__rest = new Uint8Array(0); }
    write(buf) {
      const b = new Uint8Array(this.__rest.length + buf.length); b.set(this.__rest); b.set(buf, this.__rest.length);
      if (this.encoding !== 'utf8') { this.__rest = new Uint8Array(0); return stringFromBytes(b, this.encoding); }
      // Keep an unfinished UTF-8 sequence for the next write.
      let cut = b.length;
      for (let i = Math.max(0, b.length - 3); i < b.length; i++) {
        const c = b[i];
        const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
        if (need > 1 && i + need > b.length) { cut = i; break; }
      }
      this.__rest = b.slice(cut);
      return utf8decode(b.subarray(0, cut));
    }
    end(buf) { const s = buf ? this.write(buf) : ''; const r = this.__rest.length ? utf8decode(this.__rest) : ''; this.__rest = new Uint8Array(0); return s + r; }
  }
  class AssertionError extends Error {
    constructor(o) { super(o.message); this.name = 'AssertionError'; this.code = 'ERR_ASSERTION'; this.actual = o.actual; this.expected = o.expected; this.operator = o.operator; }
  }
  function fail(message, actual, expected, operator) {
    if (message instanceof Error) throw message;
    throw new AssertionError({ message: message || `${inspect(actual)} ${operator} ${inspect(expected)}`, actual, expected, operator });
  }
  function assert(v, message) { if (!v) fail(message || 'The expression evaluated to a falsy value', v, true, '=='); }
  Object.assign(assert, {
    ok: assert, AssertionError, fail: (m) => fail(m || 'Failed', undefined, undefined, 'fail'),
    equal: (a, b, m) => { if (a != b) fail(m, a, b, '=='); }, // eslint-disable-line eqeqeq
    notEqual: (a, b, m) => { if (a == b) fail(m, a, b, '!='); }, // eslint-disable-line eqeqeq
    strictEqual: (a, b, m) => { if (!Object.is(a, b)) fail(m, a, b, 'strictEqual'); },
    notStrictEqual: (a, b, m) => { if (Object.is(a, b)) fail(m, a, b, 'notStrictEqual'); },
    deepEqual: (a, b, m) => { if (!deepEqual(a, b, false)) fail(m, a, b, 'deepEqual'); },
    deepStrictEqual: (a, b, m) => { if (!deepEqual(a, b, true)) fail(m, a, b, 'deepStrictEqual'); },
    notDeepStrictEqual: (a, b, m) => { if (deepEqual(a, b, true)) fail(m, a, b, 'notDeepStrictEqual'); },
    throws(fn, expected, m) {
      try { fn(); } catch (e) { if (typeof expected === 'function' && expected.prototype !== undefined && !(e instanceof expected)) throw e; return; }
      fail(typeof expected === 'string' ? expected : m || 'Missing expected exception.', undefined, expected, 'throws');
    },
    async rejects(p, expected, m) {
      try { await (typeof p === 'function' ? p() : p); } catch (e) { if (typeof expected === 'function' && expected.prototype !== undefined && !(e instanceof expected)) throw e; return; }
      fail(typeof expected === 'string' ? expected : m || 'Missing expected rejection.', undefined, expected, 'rejects');
    },
    match: (s, re, m) => { if (!re.test(s)) fail(m, s, re, 'match'); },
  });
  assert.strict = assert;
  const nodeUrl = {
    URL, URLSearchParams,
    parse(s) { const u = new URL(s); return { protocol: u.protocol, host: u.host, hostname: u.hostname, port: u.port, pathname: u.pathname, search: u.search, query: u.search.slice(1), hash: u.hash, href: u.href, path: u.pathname + u.search, auth: u.username ? `${u.username}:${u.password}` : null }; },
    format(u) { return u instanceof URL ? u.href : `${u.protocol || 'http:'}//${u.host || u.hostname + (u.port ? ':' + u.port : '')}${u.pathname || '/'}${u.search || ''}${u.hash || ''}`; },
    fileURLToPath(u) { const x = typeof u === 'string' ? new URL(u) : u; if (x.protocol !== 'file:') throw new TypeError('The URL must be of scheme file'); return decodeURIComponent(x.pathname); },
    pathToFileURL(p) { return new URL('file://' + encodeURI(p)); },
  };
  return {
    Buffer, nodeBuffer, EventEmitter, nodeUtil, nodeCrypto, StringDecoder, assert, nodeUrl, nodeStream,
    toBytes, bytesFromString, stringFromBytes, Hmac, timingSafeEqual, randomBytes,
  };
}
