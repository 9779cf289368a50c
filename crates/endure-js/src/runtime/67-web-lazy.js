// Part of the runtime prelude (see 00-core.js): one function body split into files.
  // ---------------------------------------------------------------- web APIs built on first use
  // Events, Blob, File, FormData, the Cache API and the streams beyond the basics live in a
  // section compiled apart (sections/web.js), loaded the first time code touches one of them.
  let webLibCache = null;
  function webLib() {
    if (!webLibCache) {
      webLibCache = host.section('web')({ host, call, utf8encode, utf8decode, b64encode, b64decode, nodeLib });
    }
    return webLibCache;
  }
  Body.prototype.formData = async function () { return webLib().parseFormBody(await this.__take(), this.headers.get('content-type')); };
  Body.prototype.blob = async function () { return new (webLib().Blob)([await this.__take()], { type: this.headers.get('content-type') || '' }); };
  for (const m of ['tee', 'pipeTo', 'pipeThrough']) {
    ReadableStream.prototype[m] = function (...args) { return webLib().streamMethods[m].apply(this, args); };
  }
  ReadableStream.from = (iterable) => webLib().readableFrom(iterable);
  // WebAssembly (sections/wasm.js), when this build has it (the `wasm` cargo feature).
  let wasmLibCache = null;
  function wasmLib() {
    if (!host.wasmHost) throw new Error('this build of Endure has no WebAssembly (cargo feature "wasm")');
    if (!wasmLibCache) wasmLibCache = host.section('wasm')({ host: { wasm: host.wasmHost() } });
    return wasmLibCache;
  }
  // Intl (sections/intl.js), when this build has it (the `intl` cargo feature): the global, and
  // the built-ins' locale methods, which QuickJS alone formats without locale data.
  let intlLibCache = null;
  function intlLib() {
    if (!host.intlHost) throw new Error('this build of Endure has no Intl (cargo feature "intl")');
    if (!intlLibCache) intlLibCache = host.section('intl')({ host: { intl: host.intlHost() } });
    return intlLibCache;
  }
  if (host.intlHost) {
    const lm = () => intlLib().localeMethods;
    const getTime = Date.prototype.getTime;
    const numberValue = Number.prototype.valueOf;
    const bigintValue = BigInt.prototype.valueOf;
    const method = (proto, name, fn) => Object.defineProperty(proto, name, { value: fn, writable: true, configurable: true, enumerable: false });
    method(Date.prototype, 'toLocaleString', function toLocaleString(l, o) { return lm().date(getTime.call(this), l, o, 'all'); });
    method(Date.prototype, 'toLocaleDateString', function toLocaleDateString(l, o) { return lm().date(getTime.call(this), l, o, 'date'); });
    method(Date.prototype, 'toLocaleTimeString', function toLocaleTimeString(l, o) { return lm().date(getTime.call(this), l, o, 'time'); });
    method(Number.prototype, 'toLocaleString', function toLocaleString(l, o) { return lm().number(numberValue.call(this), l, o); });
    method(BigInt.prototype, 'toLocaleString', function toLocaleString(l, o) { return lm().number(bigintValue.call(this), l, o); });
    method(String.prototype, 'localeCompare', function localeCompare(that, l, o) {
      if (this === null || this === undefined) throw new TypeError('String.prototype.localeCompare called on null or undefined');
      return lm().compare(String(this), String(that), l, o);
    });
  }
  // TC39 decorators (sections/decorators.js): what classes rewritten by decorators.rs call.
  let decorateCache = null;
  Object.defineProperty(globalThis, '__endure_dcl', {
    value: (...args) => {
      if (!decorateCache) decorateCache = host.section('decorators')();
      return decorateCache(...args);
    },
  });
  const WEB_GLOBALS = [
    'Event', 'CustomEvent', 'EventTarget', 'Blob', 'File', 'FormData', 'caches', 'Cache', 'WritableStream',
    'TransformStream', 'TextEncoderStream', 'TextDecoderStream', 'CompressionStream', 'DecompressionStream',
    'URLPattern', 'WritableStreamDefaultWriter', 'ByteLengthQueuingStrategy', 'CountQueuingStrategy',
  ];
  const navigator = { userAgent: 'Cloudflare-Workers', language: 'en', hardwareConcurrency: 1 };
  // `scheduler.wait(ms)`: a promise that resolves after `ms` (Workers' scheduler API).
  const scheduler = { wait: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };
