// Part of the runtime prelude (see 00-core.js): one function body split into files.
  // ---------------------------------------------------------------- Web Crypto (SubtleCrypto)
  // Built on first use from a section compiled apart (sections/subtle.js).
  let subtleCache = null;
  function subtleLib() {
    if (!subtleCache) subtleCache = host.section('subtle')({ host, randomBytes, node: nodeLib() });
    return subtleCache;
  }
  for (const name of ['importKey', 'exportKey', 'generateKey', 'sign', 'verify', 'deriveBits', 'deriveKey', 'encrypt', 'decrypt', 'wrapKey', 'unwrapKey']) {
    Object.defineProperty(crypto.subtle, name, { get: () => subtleLib()[name], enumerable: true, configurable: true });
  }
