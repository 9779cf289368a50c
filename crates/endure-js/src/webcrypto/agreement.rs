//! Key agreement: ECDH on P-256 and P-384 (RustCrypto's `p256`, `p384`) and X25519
//! (`x25519-dalek`). `ring` offers these only for one-use keys, and Web Crypto imports and keeps
//! private keys.

use super::{input, op_error};
use serde_json::Value;

fn bad_private() -> String {
    "DataError: the key is not a valid PKCS #8 private key for this algorithm".into()
}

fn bad_public() -> String {
    "DataError: the public key is not a valid point for this curve".into()
}

/// inputs: private key (PKCS #8), the peer's public key (an uncompressed point).
pub fn ecdh(params: &Value, inputs: &[Vec<u8>]) -> Result<Vec<u8>, String> {
    use p256::pkcs8::DecodePrivateKey;
    let pkcs8 = input(inputs, 0)?;
    let peer = input(inputs, 1)?;
    macro_rules! agree {
        ($curve:ident) => {{
            let secret = $curve::SecretKey::from_pkcs8_der(pkcs8).map_err(|_| bad_private())?;
            let public = $curve::PublicKey::from_sec1_bytes(peer).map_err(|_| bad_public())?;
            let shared =
                $curve::ecdh::diffie_hellman(secret.to_nonzero_scalar(), public.as_affine());
            Ok(shared.raw_secret_bytes().to_vec())
        }};
    }
    match params["namedCurve"].as_str().unwrap_or("") {
        "P-256" => agree!(p256),
        "P-384" => agree!(p384),
        c => Err(super::unsupported(&format!("ECDH on {c}"))),
    }
}

/// The 32-byte secret inside an X25519 PKCS #8 key (`OCTET STRING { OCTET STRING (32) }`).
fn x25519_secret(pkcs8: &[u8]) -> Result<[u8; 32], String> {
    let info = pkcs8::PrivateKeyInfo::try_from(pkcs8).map_err(|_| bad_private())?;
    if info.algorithm.oid != X25519_OID {
        return Err(bad_private());
    }
    match info.private_key {
        [0x04, 32, rest @ ..] => rest.try_into().map_err(|_| bad_private()),
        _ => Err(bad_private()),
    }
}

const X25519_OID: pkcs8::ObjectIdentifier = pkcs8::ObjectIdentifier::new_unwrap("1.3.101.110");

/// inputs: private key (PKCS #8), the peer's public key (32 bytes).
pub fn x25519(inputs: &[Vec<u8>]) -> Result<Vec<u8>, String> {
    let secret = x25519_dalek::StaticSecret::from(x25519_secret(input(inputs, 0)?)?);
    let peer: [u8; 32] = input(inputs, 1)?.try_into().map_err(|_| bad_public())?;
    let shared = secret.diffie_hellman(&x25519_dalek::PublicKey::from(peer));
    if !shared.was_contributory() {
        return Err(op_error(
            "the peer's X25519 public key is a small-order point",
        ));
    }
    Ok(shared.as_bytes().to_vec())
}

/// A new X25519 private key as PKCS #8.
pub fn x25519_generate() -> Result<Vec<u8>, String> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|_| op_error("no randomness"))?;
    let mut der = vec![
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04,
        0x20,
    ];
    der.extend_from_slice(&seed);
    Ok(der)
}

/// The public key (32 bytes) of an X25519 PKCS #8 key.
pub fn x25519_public(pkcs8: &[u8]) -> Result<Vec<u8>, String> {
    let secret = x25519_dalek::StaticSecret::from(x25519_secret(pkcs8)?);
    Ok(x25519_dalek::PublicKey::from(&secret).as_bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webcrypto::tests::hex;
    use serde_json::json;

    #[test]
    fn x25519_matches_rfc_7748() {
        // RFC 7748 §6.1: Alice's and Bob's keys and their shared secret.
        let alice = hex(
            "302e020100300506032b656e0422042077076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
        );
        let bob_public = hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
        assert_eq!(
            x25519_public(&alice).unwrap(),
            hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
        );
        assert_eq!(
            x25519(&[alice.clone(), bob_public]).unwrap(),
            hex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742")
        );
        // The all-zero point gives no shared secret.
        assert!(x25519(&[alice, vec![0; 32]]).is_err());
        let fresh = x25519_generate().unwrap();
        assert_eq!(x25519_public(&fresh).unwrap().len(), 32);
    }

    #[test]
    fn ecdh_matches_openssl() {
        // A P-256 key and a peer's public point, and the secret `openssl pkeyutl -derive` gave.
        let key = hex(
            "308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b0201010420adf388c830a1b6897e09d945c96817325e32fc37cc729f8245f0fb98e2ca4d71a14403420004dabcdcb756c83734ab85d2ce359999136502573324294780b64d514fd0fce21c15bb04e4ba6f17f8a6925b8473850f0b67bdca250e8a5d93168b1f2fd90ad9f5",
        );
        let peer = hex(
            "04b78c530c1504be6ebe9cc3c4f1cb16a7c58f003ea60325eef7fcdb31f6c3b6f7c9236ecaf7c4b651a6c649f88b05db7014cf9f44b1099fbfbef75d8507df13f8",
        );
        let p = json!({"namedCurve": "P-256"});
        assert_eq!(
            ecdh(&p, &[key.clone(), peer.clone()]).unwrap(),
            hex("f1615cec301adbeb82f892dab0f53f5914359cf4805d085a1e092a73108d612e")
        );
        let mut off_curve = peer;
        off_curve[5] ^= 1;
        assert!(
            ecdh(&p, &[key, off_curve])
                .unwrap_err()
                .starts_with("DataError")
        );
    }
}
