// A section of the runtime prelude loaded on first use (see bytecode.rs): SubtleCrypto.
// Keys and their formats live here; the cryptography is the host's (`host.subtle`, on ring:
// webcrypto/) or, for HMAC, the HMAC of sections/node.js. Algorithms: HMAC, AES-GCM, AES-CBC,
// AES-CTR, AES-KW, PBKDF2, HKDF, ECDSA and ECDH (P-256, P-384), Ed25519, X25519,
// RSASSA-PKCS1-v1_5, RSA-PSS and RSA-OAEP. Formats: raw, jwk, spki, pkcs8 as each allows;
// wrapKey/unwrapKey with any encrypting algorithm or AES-KW.
export default function (rt) {
  const { host, randomBytes, node } = rt;
  const { toBytes, bytesFromString, stringFromBytes, Hmac, timingSafeEqual } = node;
  class CryptoKey {
    constructor(type, extractable, algorithm, usages, material) {
      this.type = type; this.extractable = extractable; this.algorithm = algorithm; this.usages = usages;
      Object.defineProperty(this, '__m', { value: material, enumerable: false });
    }
  }
  function cryptoError(name, message) { return new DOMException(message, name); }
  function hostSubtle(op, params, inputs) {
    try {
      return Uint8Array.from(host.subtle(op, JSON.stringify(params), inputs.map((x) => Array.from(x))));
    } catch (e) {
      const m = /^(\w+Error): (.*)$/s.exec(String(e && e.message));
      throw m ? cryptoError(m[1], m[2]) : e;
    }
  }
  function hashName(h) {
    const n = String(typeof h === 'string' ? h : h && h.name || '').toUpperCase();
    if (!['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'].includes(n)) throw cryptoError('NotSupportedError', `Unrecognized hash: ${n || h}`);
    return n;
  }
  const ALGORITHMS = ['HMAC', 'AES-GCM', 'AES-CBC', 'AES-CTR', 'AES-KW', 'PBKDF2', 'HKDF', 'ECDSA', 'ECDH', 'Ed25519', 'X25519', 'RSASSA-PKCS1-v1_5', 'RSA-PSS', 'RSA-OAEP'];
  const AES = ['AES-GCM', 'AES-CBC', 'AES-CTR', 'AES-KW'];
  const RSA = ['RSASSA-PKCS1-v1_5', 'RSA-PSS', 'RSA-OAEP'];
  const EC = ['ECDSA', 'ECDH'];
  const OKP = ['Ed25519', 'X25519'];
  function normalize(alg) {
    const a = typeof alg === 'string' ? { name: alg } : Object.assign({}, alg || {});
    const canon = ALGORITHMS.find((n) => n.toUpperCase() === String(a.name).toUpperCase());
    if (!canon) throw cryptoError('NotSupportedError', `Unrecognized or unsupported algorithm: ${a.name} (Endure offers ${ALGORITHMS.join(', ')}, and digest)`);
    a.name = canon;
    if (a.hash !== undefined) a.hash = { name: hashName(a.hash) };
    return a;
  }
  const b64url = (b) => stringFromBytes(b, 'base64url');
  const unb64url = (s) => bytesFromString(String(s || ''), 'base64url');
  function check(key, usage, name) {
    if (!(key instanceof CryptoKey)) throw new TypeError('key must be a CryptoKey');
    if (name && key.algorithm.name !== name) throw cryptoError('InvalidAccessError', `The key is for ${key.algorithm.name}, not ${name}`);
    if (!key.usages.includes(usage)) throw cryptoError('InvalidAccessError', `The key does not allow ${usage}`);
    return key;
  }

  // ---- a little DER, for spki and pkcs8
  function derLen(n) {
    if (n < 128) return [n];
    const out = [];
    while (n > 0) { out.unshift(n & 0xff); n >>= 8; }
    return [0x80 | out.length, ...out];
  }
  function der(tag, ...parts) {
    const body = [];
    for (const p of parts) body.push(...p);
    return Uint8Array.from([tag, ...derLen(body.length), ...body]);
  }
  const derInt = (bytes) => { let b = Array.from(bytes); while (b.length > 1 && b[0] === 0 && b[1] < 128) b.shift(); if (b[0] >= 128) b.unshift(0); return der(0x02, b); };
  const derOid = (hex) => der(0x06, bytesFromString(hex, 'hex'));
  function derRead(b, at) { // → [tag, start of contents, end]
    const tag = b[at];
    let len = b[at + 1]; let start = at + 2;
    if (len & 0x80) { const n = len & 0x7f; len = 0; for (let i = 0; i < n; i++) len = len * 256 + b[start + i]; start += n; }
    return [tag, start, start + len];
  }
  function derChildren(b, start, end) {
    const out = [];
    for (let at = start; at < end;) { const [tag, s, e] = derRead(b, at); out.push([tag, s, e]); at = e; }
    return out;
  }
  const OID = {
    ec: '2a8648ce3d0201', 'P-256': '2a8648ce3d030107', 'P-384': '2b81040022',
    Ed25519: '2b6570', X25519: '2b656e', rsa: '2a864886f70d010101',
  };
  const POINT_BYTES = { 'P-256': 65, 'P-384': 97 };
  // The key inside a SubjectPublicKeyInfo (the BIT STRING's contents).
  function spkiKey(bytes) {
    const b = toBytes(bytes);
    const [, s, e] = derRead(b, 0);
    const kids = derChildren(b, s, e);
    if (kids.length !== 2 || kids[1][0] !== 0x03) throw cryptoError('DataError', 'not a SubjectPublicKeyInfo');
    return b.slice(kids[1][1] + 1, kids[1][2]);
  }
  function spkiOf(alg, key) {
    const id = EC.includes(alg.name) ? der(0x30, derOid(OID.ec), derOid(OID[alg.namedCurve]))
      : OKP.includes(alg.name) ? der(0x30, derOid(OID[alg.name]))
        : der(0x30, derOid(OID.rsa), [0x05, 0x00]);
    return der(0x30, id, der(0x03, [0], key));
  }
  // RSAPublicKey DER ↔ {n, e}.
  function rsaParts(pub) {
    const [, s, e] = derRead(pub, 0);
    const [n, x] = derChildren(pub, s, e).map(([, a, b]) => { let v = pub.slice(a, b); while (v.length > 1 && v[0] === 0) v = v.slice(1); return v; });
    return { n, e: x };
  }
  function ecPkcs8(curve, d, point) {
    const ecPrivate = der(0x30, derInt([1]), der(0x04, d), der(0xa1, der(0x03, [0], point)));
    return der(0x30, derInt([0]), der(0x30, derOid(OID.ec), derOid(OID[curve])), der(0x04, ecPrivate));
  }
  function okpPkcs8(name, seed) { return der(0x30, derInt([0]), der(0x30, derOid(OID[name])), der(0x04, der(0x04, seed))); }
  // The private key inside PKCS #8 (the contents of its OCTET STRING), as DER children.
  function pkcs8Inner(p) {
    const [, s, e] = derRead(p, 0);
    const kids = derChildren(p, s, e);
    const [, a, b] = kids[2];
    return p.slice(a, b);
  }
  const unsigned = (v) => { let x = v; while (x.length > 1 && x[0] === 0) x = x.slice(1); return x; };
  // A private key's JWK members from its PKCS #8.
  function privateJwk(a, p) {
    const inner = pkcs8Inner(p);
    if (RSA.includes(a.name)) {
      const [, s, e] = derRead(inner, 0);
      const ints = derChildren(inner, s, e).slice(1, 9).map(([, x, y]) => b64url(unsigned(inner.slice(x, y))));
      const [n, ee, d, pp, q, dp, dq, qi] = ints;
      return { n, e: ee, d, p: pp, q, dp, dq, qi };
    }
    if (EC.includes(a.name)) {
      const [, s, e] = derRead(inner, 0);
      const [, x, y] = derChildren(inner, s, e)[1];
      return { d: b64url(inner.slice(x, y)) };
    }
    const [, x, y] = derRead(inner, 0);
    return { d: b64url(inner.slice(x, y)) };
  }
  function bitLength(bytes) {
    const b = unsigned(bytes);
    return (b.length - 1) * 8 + (32 - Math.clz32(b[0]));
  }
  // RSA keys' algorithm members, from the public key.
  function rsaAlgorithm(a, pub) {
    const { n, e } = rsaParts(pub);
    a.modulusLength = bitLength(n);
    a.publicExponent = Uint8Array.from(e);
    return a;
  }
  const JWK_ALG = {
    'RSASSA-PKCS1-v1_5': (h) => `RS${h.slice(4)}`, 'RSA-PSS': (h) => `PS${h.slice(4)}`,
    'RSA-OAEP': (h) => (h === 'SHA-1' ? 'RSA-OAEP' : `RSA-OAEP-${h.slice(4)}`),
  };
  function rsaPkcs8(j) {
    const f = ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'].map((k) => { if (!j[k]) throw cryptoError('DataError', `JWK RSA private key without "${k}"`); return derInt(unb64url(j[k])); });
    return der(0x30, derInt([0]), der(0x30, derOid(OID.rsa), [0x05, 0x00]), der(0x04, der(0x30, derInt([0]), ...f)));
  }

  // An asymmetric key from its binary forms: `raw` (a public point or Ed25519 key, when
  // `rawAllowed`), `spki` (public) or `pkcs8` (private; its public half comes from the host).
  function binaryKey(format, keyData, a, extractable, u, rawAllowed) {
    if (format === 'raw' && rawAllowed) return new CryptoKey('public', true, a, u, { public: toBytes(keyData).slice() });
    if (format === 'spki') {
      const pub = spkiKey(keyData);
      if (RSA.includes(a.name)) rsaAlgorithm(a, pub);
      return new CryptoKey('public', true, a, u, { public: pub });
    }
    if (format === 'pkcs8') {
      const pkcs8 = toBytes(keyData).slice();
      const pub = hostSubtle('publicOf', a, [pkcs8]);
      if (RSA.includes(a.name)) rsaAlgorithm(a, pub);
      return new CryptoKey('private', !!extractable, a, u, { pkcs8, public: pub });
    }
    throw cryptoError('NotSupportedError', `${a.name} keys cannot be imported as ${format}`);
  }

  async function importKey(format, keyData, alg, extractable, usages) {
    const a = normalize(alg);
    const u = [...usages];
    const secret = (bytes) => new CryptoKey('secret', !!extractable, a, u, { bytes });
    switch (a.name) {
      case 'HMAC': case 'AES-GCM': case 'AES-CBC': case 'AES-CTR': case 'AES-KW': case 'PBKDF2': case 'HKDF': {
        let bytes;
        if (format === 'raw') bytes = toBytes(keyData).slice();
        else if (format === 'jwk' && (a.name === 'HMAC' || AES.includes(a.name))) bytes = unb64url(keyData.k);
        else throw cryptoError('NotSupportedError', `${a.name} keys cannot be imported as ${format}`);
        if (a.name === 'HMAC') { if (!bytes.length) throw cryptoError('DataError', 'HMAC keys must not be empty'); a.length = bytes.length * 8; }
        if (AES.includes(a.name)) { if (![16, 24, 32].includes(bytes.length)) throw cryptoError('DataError', 'AES keys are 128, 192 or 256 bits'); a.length = bytes.length * 8; }
        return secret(bytes);
      }
      case 'ECDSA': case 'ECDH': {
        if (!POINT_BYTES[a.namedCurve]) throw cryptoError('NotSupportedError', `Unsupported curve: ${a.namedCurve}`);
        if (format !== 'jwk') return binaryKey(format, keyData, a, extractable, u, true);
        if (format === 'jwk') {
          const point = Uint8Array.from([4, ...unb64url(keyData.x), ...unb64url(keyData.y)]);
          if (!keyData.d) return new CryptoKey('public', true, a, u, { public: point });
          const pkcs8 = ecPkcs8(a.namedCurve, unb64url(keyData.d), point);
          return new CryptoKey('private', !!extractable, a, u, { pkcs8, public: point });
        }
        break;
      }
      case 'Ed25519': case 'X25519': {
        if (format !== 'jwk') return binaryKey(format, keyData, a, extractable, u, true);
        if (format === 'jwk') {
          if (keyData.crv !== undefined && keyData.crv !== a.name) throw cryptoError('DataError', `The JWK is for ${keyData.crv}, not ${a.name}`);
          const pub = unb64url(keyData.x);
          if (!keyData.d) return new CryptoKey('public', true, a, u, { public: pub });
          return new CryptoKey('private', !!extractable, a, u, { pkcs8: okpPkcs8(a.name, unb64url(keyData.d)), public: pub });
        }
        break;
      }
      case 'RSASSA-PKCS1-v1_5': case 'RSA-PSS': case 'RSA-OAEP': {
        if (format !== 'jwk') return binaryKey(format, keyData, a, extractable, u, false);
        if (format === 'jwk') {
          const pub = der(0x30, derInt(unb64url(keyData.n)), derInt(unb64url(keyData.e)));
          rsaAlgorithm(a, pub);
          if (!keyData.d) return new CryptoKey('public', true, a, u, { public: pub });
          return new CryptoKey('private', !!extractable, a, u, { pkcs8: rsaPkcs8(keyData), public: pub });
        }
        break;
      }
    }
    throw cryptoError('NotSupportedError', `${a.name} keys cannot be imported as ${format}`);
  }

  async function exportKey(format, key) {
    if (!(key instanceof CryptoKey)) throw new TypeError('key must be a CryptoKey');
    if (!key.extractable) throw cryptoError('InvalidAccessError', 'The key is not extractable');
    const a = key.algorithm; const m = key.__m;
    if (m.bytes) {
      if (format === 'raw') return m.bytes.slice().buffer;
      if (format === 'jwk') {
        const alg = a.name === 'HMAC' ? `HS${a.hash.name.slice(4)}` : `A${m.bytes.length * 8}${a.name.slice(4)}`;
        return { kty: 'oct', k: b64url(m.bytes), alg, ext: true, key_ops: key.usages };
      }
    } else if (format === 'pkcs8' && m.pkcs8) {
      return m.pkcs8.slice().buffer;
    } else if (format === 'jwk' && m.pkcs8) {
      const pub = await exportKey('jwk', new CryptoKey('public', true, a, key.usages, { public: m.public }));
      return Object.assign(pub, privateJwk(a, m.pkcs8), { ext: true, key_ops: key.usages });
    } else if (key.type === 'public') {
      if (format === 'spki') return spkiOf(a, m.public).buffer;
      if (format === 'raw' && !RSA.includes(a.name)) return m.public.slice().buffer;
      if (format === 'jwk') {
        if (EC.includes(a.name)) { const c = (m.public.length - 1) / 2; return { kty: 'EC', crv: a.namedCurve, x: b64url(m.public.slice(1, 1 + c)), y: b64url(m.public.slice(1 + c)), ext: true, key_ops: key.usages }; }
        if (OKP.includes(a.name)) return { kty: 'OKP', crv: a.name, x: b64url(m.public), ext: true, key_ops: key.usages };
        const { n, e } = rsaParts(m.public);
        return { kty: 'RSA', n: b64url(n), e: b64url(e), alg: JWK_ALG[a.name](a.hash.name), ext: true, key_ops: key.usages };
      }
    }
    throw cryptoError('NotSupportedError', `A ${a.name} ${key.type} key cannot be exported as ${format}`);
  }

  async function generateKey(alg, extractable, usages) {
    const a = normalize(alg);
    const u = [...usages];
    if (a.name === 'HMAC') {
      const bits = a.length || (a.hash.name === 'SHA-384' || a.hash.name === 'SHA-512' ? 1024 : 512);
      a.length = bits;
      return new CryptoKey('secret', !!extractable, a, u, { bytes: Uint8Array.from(randomBytes(bits / 8)) });
    }
    if (AES.includes(a.name)) {
      if (![128, 192, 256].includes(a.length)) throw cryptoError('OperationError', 'AES key length must be 128, 192 or 256 bits');
      return new CryptoKey('secret', !!extractable, a, u, { bytes: Uint8Array.from(randomBytes(a.length / 8)) });
    }
    if (EC.includes(a.name) || OKP.includes(a.name) || RSA.includes(a.name)) {
      const params = Object.assign({}, a, a.publicExponent ? { publicExponent: Array.from(toBytes(a.publicExponent)) } : {});
      const pkcs8 = hostSubtle('generate', params, []);
      const pub = hostSubtle('publicOf', a, [pkcs8]);
      if (RSA.includes(a.name)) rsaAlgorithm(a, pub);
      const isPrivate = (x) => ['sign', 'decrypt', 'unwrapKey', 'deriveKey', 'deriveBits'].includes(x);
      return {
        privateKey: new CryptoKey('private', !!extractable, a, u.filter(isPrivate), { pkcs8, public: pub }),
        publicKey: new CryptoKey('public', true, a, u.filter((x) => !isPrivate(x)), { public: pub }),
      };
    }
    throw cryptoError('NotSupportedError', `Generating ${a.name} keys is not supported by Endure yet`);
  }

  function signParams(alg, key) {
    const a = normalize(alg);
    return Object.assign({ name: a.name, namedCurve: key.algorithm.namedCurve, hash: (a.hash || key.algorithm.hash || { name: 'SHA-256' }).name });
  }
  async function sign(alg, key, data) {
    check(key, 'sign');
    const a = normalize(alg);
    if (a.name === 'HMAC') return Uint8Array.from(new Hmac(HASHES_BY_WEB[key.algorithm.hash.name], key.__m.bytes).update(toBytes(data)).digest()).buffer;
    return hostSubtle('sign', signParams(alg, key), [key.__m.pkcs8, toBytes(data)]).buffer;
  }
  async function verify(alg, key, signature, data) {
    check(key, 'verify');
    const a = normalize(alg);
    if (a.name === 'HMAC') {
      const mac = new Hmac(HASHES_BY_WEB[key.algorithm.hash.name], key.__m.bytes).update(toBytes(data)).digest();
      const sig = toBytes(signature);
      return sig.length === mac.length && timingSafeEqual(sig, mac);
    }
    return hostSubtle('verify', signParams(alg, key), [key.__m.public, toBytes(signature), toBytes(data)])[0] === 1;
  }
  const HASHES_BY_WEB = { 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

  // encrypt/decrypt; `usage` is wrapKey/unwrapKey when wrapping.
  function crypt(decrypt, alg, key, data, usage) {
    const a = normalize(alg);
    check(key, usage || (decrypt ? 'decrypt' : 'encrypt'), a.name);
    const bytes = toBytes(data);
    switch (a.name) {
      case 'AES-GCM':
        return hostSubtle('aesGcm', { decrypt, tagLength: a.tagLength || 128 }, [
          key.__m.bytes, toBytes(a.iv), a.additionalData ? toBytes(a.additionalData) : new Uint8Array(0), bytes,
        ]).buffer;
      case 'AES-CBC': return hostSubtle('aesCbc', { decrypt }, [key.__m.bytes, toBytes(a.iv), bytes]).buffer;
      case 'AES-CTR': return hostSubtle('aesCtr', { decrypt, length: a.length }, [key.__m.bytes, toBytes(a.counter), bytes]).buffer;
      case 'RSA-OAEP':
        return hostSubtle('rsaOaep', { decrypt, hash: key.algorithm.hash.name }, [
          decrypt ? key.__m.pkcs8 : key.__m.public, bytes, a.label ? toBytes(a.label) : new Uint8Array(0),
        ]).buffer;
      default: throw cryptoError('NotSupportedError', `${a.name} does not encrypt`);
    }
  }
  async function wrapKey(format, key, wrappingKey, alg) {
    const a = normalize(alg);
    const exported = await exportKey(format, key);
    const bytes = format === 'jwk' ? bytesFromString(JSON.stringify(exported), 'utf8') : new Uint8Array(exported);
    if (a.name === 'AES-KW') {
      check(wrappingKey, 'wrapKey', 'AES-KW');
      return hostSubtle('aesKw', {}, [wrappingKey.__m.bytes, bytes]).buffer;
    }
    return crypt(false, a, wrappingKey, bytes, 'wrapKey');
  }
  async function unwrapKey(format, wrapped, unwrappingKey, alg, keyAlg, extractable, usages) {
    const a = normalize(alg);
    let bytes;
    if (a.name === 'AES-KW') {
      check(unwrappingKey, 'unwrapKey', 'AES-KW');
      bytes = hostSubtle('aesKw', { decrypt: true }, [unwrappingKey.__m.bytes, toBytes(wrapped)]);
    } else {
      bytes = new Uint8Array(crypt(true, a, unwrappingKey, wrapped, 'unwrapKey'));
    }
    let keyData = bytes;
    if (format === 'jwk') {
      try { keyData = JSON.parse(stringFromBytes(bytes, 'utf8')); } catch { throw cryptoError('DataError', 'The unwrapped key is not a JWK'); }
    }
    return importKey(format, keyData, keyAlg, extractable, usages);
  }
  async function deriveBits(alg, key, length) {
    const a = normalize(alg);
    check(key, 'deriveBits', a.name);
    if (a.name === 'PBKDF2') return hostSubtle('pbkdf2', { hash: a.hash.name, iterations: a.iterations, length }, [key.__m.bytes, toBytes(a.salt)]).buffer;
    if (a.name === 'HKDF') return hostSubtle('hkdf', { hash: a.hash.name, length }, [key.__m.bytes, toBytes(a.salt), toBytes(a.info)]).buffer;
    if (a.name === 'ECDH' || a.name === 'X25519') {
      const peer = a.public;
      if (!(peer instanceof CryptoKey) || peer.type !== 'public' || peer.algorithm.name !== a.name) throw cryptoError('InvalidAccessError', `algorithm.public must be a ${a.name} public key`);
      if (a.name === 'ECDH' && peer.algorithm.namedCurve !== key.algorithm.namedCurve) throw cryptoError('InvalidAccessError', 'The keys are on different curves');
      const secret = a.name === 'ECDH'
        ? hostSubtle('ecdh', { namedCurve: key.algorithm.namedCurve }, [key.__m.pkcs8, peer.__m.public])
        : hostSubtle('x25519', {}, [key.__m.pkcs8, peer.__m.public]);
      if (length === null || length === undefined) return secret.buffer;
      if (length > secret.length * 8) throw cryptoError('OperationError', `The shared secret has ${secret.length * 8} bits, fewer than ${length}`);
      const out = secret.slice(0, Math.ceil(length / 8));
      if (length % 8) out[out.length - 1] &= 0xff << (8 - (length % 8));
      return out.buffer;
    }
    throw cryptoError('NotSupportedError', `deriveBits with ${a.name} is not supported by Endure yet`);
  }
  async function deriveKey(alg, key, derived, extractable, usages) {
    const a = normalize(alg);
    check(key, 'deriveKey', a.name);
    const d = normalize(derived);
    const length = d.length || (d.name === 'HMAC' ? ({ 'SHA-384': 1024, 'SHA-512': 1024 })[d.hash.name] || 512 : 0);
    if (!length) throw cryptoError('OperationError', 'the derived key needs a length');
    const bits = await deriveBits(a, new CryptoKey('secret', false, key.algorithm, ['deriveBits'], key.__m), length);
    return importKey('raw', bits, d, extractable, usages);
  }

  return {
    CryptoKey, importKey, exportKey, generateKey, sign, verify, deriveBits, deriveKey,
    encrypt: async (alg, key, data) => crypt(false, alg, key, data),
    decrypt: async (alg, key, data) => crypt(true, alg, key, data),
    wrapKey, unwrapKey,
  };
}
