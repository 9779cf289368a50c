//! Web Crypto beyond signatures, as a Worker meets it: AES-CBC, AES-CTR and AES-KW with
//! published vectors, X25519 with RFC 7748's keys as JWKs, ECDH and RSA-OAEP with generated
//! keys, RSA signing keys generated, JWK export of private keys, and wrapKey/unwrapKey.

mod common;

use common::{ANSWER_RUN, Js, one_module};
use endure_js::Limits;
use serde_json::json;

const INDEX: &str = r#"
const s = crypto.subtle;
const hex = (b: ArrayBuffer) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, '0')).join('');
const unhex = (h: string) => Uint8Array.from(h.match(/../g)!.map((x) => parseInt(x, 16)));
const b64url = (h: string) => btoa(String.fromCharCode(...unhex(h))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const K = '2b7e151628aed2a6abf7158809cf4f3c';
const P = '6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710';

async function run(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  // NIST SP 800-38A F.2.1 and F.5.1.
  const cbcKey = await s.importKey('raw', unhex(K), 'AES-CBC', true, ['encrypt', 'decrypt']);
  const iv = unhex('000102030405060708090a0b0c0d0e0f');
  const cbc = await s.encrypt({ name: 'AES-CBC', iv }, cbcKey, unhex(P));
  out.cbc = hex(cbc).slice(0, 128);
  out.cbcBack = hex(await s.decrypt({ name: 'AES-CBC', iv }, cbcKey, cbc)) === P;
  out.cbcJwk = (await s.exportKey('jwk', cbcKey) as JsonWebKey).alg;
  const ctrKey = await s.importKey('raw', unhex(K), { name: 'AES-CTR' }, false, ['encrypt']);
  out.ctr = hex(await s.encrypt({ name: 'AES-CTR', counter: unhex('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff'), length: 64 }, ctrKey, unhex(P)));
  try { await s.encrypt({ name: 'AES-CBC', iv }, ctrKey, unhex(P)); } catch (e) { out.wrongAlg = (e as Error).name; }
  // RFC 3394 §4.1 through wrapKey / unwrapKey.
  const kek = await s.importKey('raw', unhex('000102030405060708090a0b0c0d0e0f'), 'AES-KW', false, ['wrapKey', 'unwrapKey']);
  const inner = await s.importKey('raw', unhex('00112233445566778899aabbccddeeff'), 'AES-GCM', true, ['encrypt', 'decrypt']);
  const wrapped = await s.wrapKey('raw', inner, kek, 'AES-KW');
  out.kw = hex(wrapped);
  const unwrapped = await s.unwrapKey('raw', wrapped, kek, 'AES-KW', 'AES-GCM', true, ['decrypt']);
  out.kwBack = hex(await s.exportKey('raw', unwrapped));
  // RFC 7748 §6.1 with JWKs.
  const alice = await s.importKey('jwk', { kty: 'OKP', crv: 'X25519', d: b64url('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'), x: b64url('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a') }, 'X25519', true, ['deriveBits']);
  const bob = await s.importKey('raw', unhex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f'), 'X25519', true, []);
  out.x25519 = hex(await s.deriveBits({ name: 'X25519', public: bob }, alice, 256));
  out.x25519Jwk = await s.exportKey('jwk', alice);
  // ECDH: two generated P-256 pairs agree; a derived AES key decrypts what the other side sealed.
  const e1 = await s.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits', 'deriveKey']) as CryptoKeyPair;
  const e2 = await s.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits', 'deriveKey']) as CryptoKeyPair;
  const ab = hex(await s.deriveBits({ name: 'ECDH', public: e2.publicKey }, e1.privateKey, 256));
  const ba = hex(await s.deriveBits({ name: 'ECDH', public: e1.publicKey }, e2.privateKey, 256));
  out.ecdhAgrees = ab === ba && ab.length === 64;
  out.ecdhTruncated = hex(await s.deriveBits({ name: 'ECDH', public: e2.publicKey }, e1.privateKey, 12)) === ab.slice(0, 2) + (parseInt(ab.slice(2, 4), 16) & 0xf0).toString(16).padStart(2, '0');
  const k1 = await s.deriveKey({ name: 'ECDH', public: e2.publicKey }, e1.privateKey, { name: 'AES-GCM', length: 256 }, false, ['encrypt']);
  const k2 = await s.deriveKey({ name: 'ECDH', public: e1.publicKey }, e2.privateKey, { name: 'AES-GCM', length: 256 }, false, ['decrypt']);
  const gcmIv = new Uint8Array(12);
  const sealed = await s.encrypt({ name: 'AES-GCM', iv: gcmIv }, k1, new TextEncoder().encode('between us'));
  out.ecdhMessage = new TextDecoder().decode(await s.decrypt({ name: 'AES-GCM', iv: gcmIv }, k2, sealed));
  // The private ECDH key as a JWK, imported back, agrees the same way.
  const jwk = await s.exportKey('jwk', e1.privateKey) as JsonWebKey;
  const again = await s.importKey('jwk', jwk, { name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
  out.ecdhJwk = [jwk.kty, jwk.crv, typeof jwk.d, hex(await s.deriveBits({ name: 'ECDH', public: e2.publicKey }, again, 256)) === ab];
  // RSA-OAEP: a generated key, its algorithm members, a round trip through JWK.
  const rsa = await s.generateKey({ name: 'RSA-OAEP', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['encrypt', 'decrypt', 'wrapKey', 'unwrapKey']) as CryptoKeyPair;
  const alg = rsa.publicKey.algorithm as RsaHashedKeyAlgorithm;
  out.rsaAlgorithm = [alg.name, alg.modulusLength, hex(alg.publicExponent), alg.hash.name, rsa.privateKey.usages, rsa.publicKey.usages];
  const secret = await s.encrypt({ name: 'RSA-OAEP', label: new TextEncoder().encode('l') }, rsa.publicKey, new TextEncoder().encode('oaep!'));
  const privJwk = await s.exportKey('jwk', rsa.privateKey) as JsonWebKey;
  out.rsaJwk = [privJwk.kty, privJwk.alg, ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'].every((k) => typeof (privJwk as any)[k] === 'string')];
  const imported = await s.importKey('jwk', privJwk, { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['decrypt']);
  out.rsaMessage = new TextDecoder().decode(await s.decrypt({ name: 'RSA-OAEP', label: new TextEncoder().encode('l') }, imported, secret));
  try { await s.decrypt({ name: 'RSA-OAEP' }, imported, secret); } catch (e) { out.rsaWrongLabel = (e as Error).name; }
  // wrapKey as JWK under RSA-OAEP... too long for 1024 bits; under AES-GCM it fits.
  const wrapper = await s.generateKey({ name: 'AES-GCM', length: 128 }, false, ['wrapKey', 'unwrapKey']) as CryptoKey;
  const wrappedJwk = await s.wrapKey('jwk', e1.privateKey, wrapper, { name: 'AES-GCM', iv: gcmIv });
  const back = await s.unwrapKey('jwk', wrappedJwk, wrapper, { name: 'AES-GCM', iv: gcmIv }, { name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
  out.wrappedJwk = hex(await s.deriveBits({ name: 'ECDH', public: e2.publicKey }, back, 256)) === ab;
  // RSASSA-PKCS1-v1_5 with a generated 2048-bit key signs, and verifies only the signed text.
  const signer = await s.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, false, ['sign', 'verify']) as CryptoKeyPair;
  const sig = await s.sign('RSASSA-PKCS1-v1_5', signer.privateKey, new TextEncoder().encode('signed'));
  out.rsaSign = [sig.byteLength, await s.verify('RSASSA-PKCS1-v1_5', signer.publicKey, sig, new TextEncoder().encode('signed')), await s.verify('RSASSA-PKCS1-v1_5', signer.publicKey, sig, new TextEncoder().encode('signeD'))];
  return out;
}

"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ciphers_agreement_and_wrapping_in_a_worker() {
    let js = Js::start(
        one_module(&[INDEX, ANSWER_RUN].concat()),
        "p",
        vec![],
        Limits::default(),
    )
    .await;
    let out = js.get_json("/").await;
    assert_eq!(
        out["cbc"],
        "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b273bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7"
    );
    assert_eq!(out["cbcBack"], true);
    assert_eq!(out["cbcJwk"], "A128CBC");
    assert_eq!(
        out["ctr"],
        "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee"
    );
    assert_eq!(out["wrongAlg"], "InvalidAccessError");
    assert_eq!(
        out["kw"],
        "1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5"
    );
    assert_eq!(out["kwBack"], "00112233445566778899aabbccddeeff");
    assert_eq!(
        out["x25519"],
        "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
    );
    assert_eq!(out["x25519Jwk"]["crv"], "X25519");
    assert_eq!(
        out["x25519Jwk"]["d"],
        "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo"
    );
    assert_eq!(out["ecdhAgrees"], true);
    assert_eq!(out["ecdhTruncated"], true);
    assert_eq!(out["ecdhMessage"], "between us");
    assert_eq!(out["ecdhJwk"], json!(["EC", "P-256", "string", true]));
    assert_eq!(
        out["rsaAlgorithm"],
        json!([
            "RSA-OAEP",
            1024,
            "010001",
            "SHA-256",
            ["decrypt", "unwrapKey"],
            ["encrypt", "wrapKey"]
        ])
    );
    assert_eq!(out["rsaJwk"], json!(["RSA", "RSA-OAEP-256", true]));
    assert_eq!(out["rsaMessage"], "oaep!");
    assert_eq!(out["rsaWrongLabel"], "OperationError");
    assert_eq!(out["wrappedJwk"], true);
    assert_eq!(out["rsaSign"], json!([256, true, false]));
}
