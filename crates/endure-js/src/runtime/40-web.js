// Part of the runtime prelude (see 00-core.js): one function body split into files.
  // ---------------------------------------------------------------- encoding
  // UTF-8 and base64 are done by the host (encoding.rs); it answers null for what it leaves to
  // the JavaScript below (a lone surrogate, a value that is not a Uint8Array).
  function utf8encode(s) {
    const r = host.utf8Encode(s);
    return r === null ? utf8encodeSlow(s) : r;
  }
  function utf8decode(bytes) {
    const r = bytes instanceof Uint8Array ? host.utf8Decode(bytes) : null;
    return r === null ? utf8decodeSlow(bytes) : r;
  }
  function utf8encodeSlow(s) {
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
  function utf8decodeSlow(bytes) {
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
    const r = bytes instanceof Uint8Array ? host.b64Encode(bytes) : null;
    return r === null ? b64encodeSlow(bytes) : r;
  }
  function b64encodeSlow(bytes) {
    let s = '';
    for (let i = 0; i < bytes.length; i += 3) {
      const n = (bytes[i] << 16) | ((bytes[i + 1] || 0) << 8) | (bytes[i + 2] || 0);
      s += B64[(n >> 18) & 63] + B64[(n >> 12) & 63] + (i + 1 < bytes.length ? B64[(n >> 6) & 63] : '=') + (i + 2 < bytes.length ? B64[n & 63] : '=');
    }
    return s;
  }
  // Forgiving base64 (the Infra standard), decoded by the host.
  function b64decode(s) {
    const r = host.b64Decode(String(s));
    if (r === null) throw new DOMException('The string to be decoded is not correctly encoded.', 'InvalidCharacterError');
    return r;
  }
  function btoa(s) {
    const str = String(s);
    const bytes = [];
    for (let i = 0; i < str.length; i++) {
      const c = str.charCodeAt(i);
      if (c > 255) throw new DOMException('Invalid character', 'InvalidCharacterError');
      bytes.push(c);
    }
    return b64encode(new Uint8Array(bytes));
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
