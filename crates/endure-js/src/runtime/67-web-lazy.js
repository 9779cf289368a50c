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
  for (const m of ['tee', 'pipeTo', 'pipeThrough', 'cancel', 'values']) {
    ReadableStream.prototype[m] = function (...args) { return webLib().streamMethods[m].apply(this, args); };
  }
  ReadableStream.from = (iterable) => webLib().readableFrom(iterable);
  // WebAssembly (sections/wasm.js), when this build has it (the `wasm` cargo feature).
  let wasmLibCache = null;
  function wasmLib() {
    if (!host.wasm) throw new Error('this build of Endure has no WebAssembly (cargo feature "wasm")');
    if (!wasmLibCache) wasmLibCache = host.section('wasm')({ host });
    return wasmLibCache;
  }
  const WEB_GLOBALS = [
    'Event', 'CustomEvent', 'EventTarget', 'Blob', 'File', 'FormData', 'caches', 'Cache', 'WritableStream',
    'TransformStream', 'TextEncoderStream', 'TextDecoderStream', 'CompressionStream', 'DecompressionStream',
    'URLPattern',
  ];
  const navigator = { userAgent: 'Cloudflare-Workers', language: 'en', hardwareConcurrency: 1 };
  // `scheduler.wait(ms)`: a promise that resolves after `ms` (Workers' scheduler API).
  const scheduler = { wait: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };
