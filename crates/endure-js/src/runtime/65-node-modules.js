// Part of the runtime prelude (see 00-core.js): one function body split into files.
  // ---------------------------------------------------------------- Node modules
  // What `nodejs_compat` gives the packages Workers import most: `node:buffer`, `node:events`,
  // `node:util`, `node:crypto` (hashes, HMAC, random, timingSafeEqual), `node:string_decoder`,
  // `node:assert`, `node:url`, `node:process`. Written for Endure; behaviour follows Node's
  // documentation for the parts listed in the README's compatibility table.

  // Built on first use from a section compiled apart (sections/node.js): most isolates never
  // touch these, and every isolate loads the prelude's bytecode, so they stay out of it.
  let nodeLibCache = null;
  function nodeLib() {
    if (!nodeLibCache) {
      nodeLibCache = host.section('node')({ host, utf8encode, utf8decode, b64encode, b64decode, randomBytes, crypto });
    }
    return nodeLibCache;
  }
  const lazyNode = {
    buffer: () => nodeLib().nodeBuffer, events: () => nodeLib().EventEmitter, util: () => nodeLib().nodeUtil,
    crypto: () => nodeLib().nodeCrypto, string_decoder: () => ({ StringDecoder: nodeLib().StringDecoder }),
    assert: () => nodeLib().assert, 'assert/strict': () => nodeLib().assert, url: () => nodeLib().nodeUrl,
    stream: () => nodeLib().nodeStream, 'stream/promises': () => nodeLib().nodeStream.promises,
    'stream/web': () => ({ ReadableStream, WritableStream: globalThis.WritableStream, TransformStream: globalThis.TransformStream }),
  };
  for (const [name, get] of Object.entries(lazyNode)) {
    Object.defineProperty(nodeBuiltins, name, { get, enumerable: true, configurable: true });
  }
  nodeBuiltins.process = process;
  // workerd's extension of Web Crypto.
  Object.defineProperty(crypto.subtle, 'timingSafeEqual', { get: () => nodeLib().timingSafeEqual, enumerable: true, configurable: true });
