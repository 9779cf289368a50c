//! The Web Crypto operations JavaScript cannot do itself. On `ring` (already linked for TLS):
//! AES-GCM, PBKDF2, HKDF, ECDSA (P-256, P-384), Ed25519 and RSA (PKCS#1 v1.5 and PSS)
//! signatures, and key generation for ECDSA/ECDH and Ed25519. On RustCrypto, what `ring` lacks:
//! AES-CBC, AES-CTR and AES-KW ([`ciphers`]), ECDH with kept keys and X25519 ([`agreement`]),
//! RSA-OAEP and RSA key generation ([`rsa_keys`]). The prelude's SubtleCrypto section
//! (`runtime/sections/subtle.js`) keeps keys and formats; it calls `host.subtle(op, params,
//! inputs)` with byte arrays.
//!
//! Errors are `Name: message` strings, the name being the `DOMException` the prelude throws.

mod agreement;
mod ciphers;
mod rsa_keys;

use ring::{aead, hkdf, pbkdf2, rand, signature};
use serde_json::Value;
use std::num::NonZeroU32;

fn op_error(message: &str) -> String {
    format!("OperationError: {message}")
}

fn unsupported(what: &str) -> String {
    format!("NotSupportedError: {what} is not supported by Endure yet")
}

fn input(inputs: &[Vec<u8>], i: usize) -> Result<&[u8], String> {
    inputs
        .get(i)
        .map(Vec::as_slice)
        .ok_or_else(|| op_error("missing input"))
}

/// One operation: see the module documentation for `op` and the prelude for `params`.
pub fn run(op: &str, params: &Value, inputs: &[Vec<u8>]) -> Result<Vec<u8>, String> {
    let hash = params["hash"].as_str().unwrap_or("SHA-256");
    match op {
        "aesGcm" => aes_gcm(params, inputs),
        "aesCbc" => ciphers::cbc(params, inputs),
        "aesCtr" => ciphers::ctr(params, inputs),
        "aesKw" => ciphers::kw(params, inputs),
        "ecdh" => agreement::ecdh(params, inputs),
        "x25519" => agreement::x25519(inputs),
        "rsaOaep" => rsa_keys::oaep_crypt(params, inputs),
        "pbkdf2" => {
            let alg = match hash {
                "SHA-1" => pbkdf2::PBKDF2_HMAC_SHA1,
                "SHA-256" => pbkdf2::PBKDF2_HMAC_SHA256,
                "SHA-384" => pbkdf2::PBKDF2_HMAC_SHA384,
                "SHA-512" => pbkdf2::PBKDF2_HMAC_SHA512,
                h => return Err(unsupported(&format!("PBKDF2 with {h}"))),
            };
            let iterations = params["iterations"]
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .and_then(NonZeroU32::new)
                .ok_or_else(|| op_error("PBKDF2 iterations must be a positive integer"))?;
            let mut out = vec![0u8; bits_to_bytes(params)?];
            pbkdf2::derive(
                alg,
                iterations,
                input(inputs, 1)?,
                input(inputs, 0)?,
                &mut out,
            );
            Ok(out)
        }
        "hkdf" => {
            let alg = match hash {
                "SHA-256" => hkdf::HKDF_SHA256,
                "SHA-384" => hkdf::HKDF_SHA384,
                "SHA-512" => hkdf::HKDF_SHA512,
                h => return Err(unsupported(&format!("HKDF with {h}"))),
            };
            let len = bits_to_bytes(params)?;
            let prk = hkdf::Salt::new(alg, input(inputs, 1)?).extract(input(inputs, 0)?);
            let info = [input(inputs, 2)?];
            struct Len(usize);
            impl hkdf::KeyType for Len {
                fn len(&self) -> usize {
                    self.0
                }
            }
            let okm = prk
                .expand(&info, Len(len))
                .map_err(|_| op_error("HKDF cannot derive that many bits"))?;
            let mut out = vec![0u8; len];
            okm.fill(&mut out)
                .map_err(|_| op_error("HKDF cannot derive that many bits"))?;
            Ok(out)
        }
        "generate" => generate(params),
        "sign" => sign(params, inputs),
        "verify" => verify(params, inputs).map(|ok| vec![u8::from(ok)]),
        "publicOf" => public_of(params, inputs),
        other => Err(unsupported(other)),
    }
}

fn bits_to_bytes(params: &Value) -> Result<usize, String> {
    let bits = params["length"]
        .as_u64()
        .ok_or_else(|| op_error("length (bits) is required"))?;
    if bits == 0 || bits % 8 != 0 {
        return Err(op_error("length must be a positive multiple of 8"));
    }
    Ok((bits / 8) as usize)
}

/// inputs: key, iv, additional data, data. `params.decrypt` for decryption.
fn aes_gcm(params: &Value, inputs: &[Vec<u8>]) -> Result<Vec<u8>, String> {
    let key = input(inputs, 0)?;
    let alg = match key.len() {
        16 => &aead::AES_128_GCM,
        32 => &aead::AES_256_GCM,
        24 => return Err(unsupported("AES-GCM with a 192-bit key")),
        _ => return Err("DataError: AES keys are 128, 192 or 256 bits".into()),
    };
    if params["tagLength"].as_u64().unwrap_or(128) != 128 {
        return Err(unsupported("an AES-GCM tag shorter than 128 bits"));
    }
    let iv: [u8; 12] = input(inputs, 1)?
        .try_into()
        .map_err(|_| unsupported("an AES-GCM iv that is not 96 bits"))?;
    let key = aead::LessSafeKey::new(
        aead::UnboundKey::new(alg, key).map_err(|_| op_error("bad AES key"))?,
    );
    let aad = aead::Aad::from(input(inputs, 2)?);
    let nonce = aead::Nonce::assume_unique_for_key(iv);
    let mut data = input(inputs, 3)?.to_vec();
    if params["decrypt"] == Value::Bool(true) {
        let plain = key
            .open_in_place(nonce, aad, &mut data)
            .map_err(|_| op_error("The ciphertext or its tag is not valid for this key"))?;
        Ok(plain.to_vec())
    } else {
        key.seal_in_place_append_tag(nonce, aad, &mut data)
            .map_err(|_| op_error("AES-GCM encryption failed"))?;
        Ok(data)
    }
}

fn ecdsa_signing(
    curve: &str,
    hash: &str,
) -> Result<&'static signature::EcdsaSigningAlgorithm, String> {
    Ok(match (curve, hash) {
        ("P-256", "SHA-256") => &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        ("P-384", "SHA-384") => &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
        (c, h) => return Err(unsupported(&format!("ECDSA on {c} with {h}"))),
    })
}

fn ecdsa_verifying(
    curve: &str,
    hash: &str,
) -> Result<&'static signature::EcdsaVerificationAlgorithm, String> {
    Ok(match (curve, hash) {
        ("P-256", "SHA-256") => &signature::ECDSA_P256_SHA256_FIXED,
        ("P-384", "SHA-384") => &signature::ECDSA_P384_SHA384_FIXED,
        (c, h) => return Err(unsupported(&format!("ECDSA on {c} with {h}"))),
    })
}

/// A new private key as PKCS#8.
fn generate(params: &Value) -> Result<Vec<u8>, String> {
    let rng = rand::SystemRandom::new();
    let doc = match params["name"].as_str().unwrap_or("") {
        "RSASSA-PKCS1-v1_5" | "RSA-PSS" | "RSA-OAEP" => return rsa_keys::generate(params),
        "X25519" => return agreement::x25519_generate(),
        // An ECDH key is an EC key like an ECDSA one (the same PKCS #8).
        "ECDSA" | "ECDH" => signature::EcdsaKeyPair::generate_pkcs8(
            ecdsa_signing(
                params["namedCurve"].as_str().unwrap_or(""),
                match params["namedCurve"].as_str() {
                    Some("P-384") => "SHA-384",
                    _ => "SHA-256",
                },
            )?,
            &rng,
        ),
        "Ed25519" => signature::Ed25519KeyPair::generate_pkcs8(&rng),
        other => return Err(unsupported(&format!("generating {other} keys"))),
    }
    .map_err(|_| op_error("key generation failed"))?;
    Ok(doc.as_ref().to_vec())
}

/// The public key of a PKCS#8 private key: an uncompressed point (ECDSA) or 32 bytes
/// (Ed25519); for RSA, the public key as DER (`RSAPublicKey`).
fn public_of(params: &Value, inputs: &[Vec<u8>]) -> Result<Vec<u8>, String> {
    use signature::KeyPair;
    let pkcs8 = input(inputs, 0)?;
    let bad =
        |_| "DataError: the key is not a valid PKCS #8 private key for this algorithm".to_string();
    Ok(match params["name"].as_str().unwrap_or("") {
        "ECDSA" | "ECDH" => {
            let curve = params["namedCurve"].as_str().unwrap_or("");
            let hash = if curve == "P-384" {
                "SHA-384"
            } else {
                "SHA-256"
            };
            signature::EcdsaKeyPair::from_pkcs8(
                ecdsa_signing(curve, hash)?,
                pkcs8,
                &rand::SystemRandom::new(),
            )
            .map_err(bad)?
            .public_key()
            .as_ref()
            .to_vec()
        }
        "Ed25519" => signature::Ed25519KeyPair::from_pkcs8_maybe_unchecked(pkcs8)
            .map_err(bad)?
            .public_key()
            .as_ref()
            .to_vec(),
        "X25519" => agreement::x25519_public(pkcs8)?,
        "RSA-OAEP" => rsa_keys::public_of(pkcs8)?,
        "RSASSA-PKCS1-v1_5" | "RSA-PSS" => signature::RsaKeyPair::from_pkcs8(pkcs8)
            .map_err(bad)?
            .public_key()
            .as_ref()
            .to_vec(),
        other => return Err(unsupported(&format!("{other} keys"))),
    })
}

/// inputs: PKCS#8 private key, data.
fn sign(params: &Value, inputs: &[Vec<u8>]) -> Result<Vec<u8>, String> {
    let pkcs8 = input(inputs, 0)?;
    let data = input(inputs, 1)?;
    let rng = rand::SystemRandom::new();
    let hash = params["hash"].as_str().unwrap_or("SHA-256");
    let bad = |_| "InvalidAccessError: the key cannot sign with this algorithm".to_string();
    match params["name"].as_str().unwrap_or("") {
        "ECDSA" => {
            let curve = params["namedCurve"].as_str().unwrap_or("");
            let key = signature::EcdsaKeyPair::from_pkcs8(ecdsa_signing(curve, hash)?, pkcs8, &rng)
                .map_err(bad)?;
            key.sign(&rng, data)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| op_error("signing failed"))
        }
        "Ed25519" => Ok(signature::Ed25519KeyPair::from_pkcs8_maybe_unchecked(pkcs8)
            .map_err(bad)?
            .sign(data)
            .as_ref()
            .to_vec()),
        name @ ("RSASSA-PKCS1-v1_5" | "RSA-PSS") => {
            let key = signature::RsaKeyPair::from_pkcs8(pkcs8).map_err(bad)?;
            let pss = name == "RSA-PSS";
            let padding: &dyn signature::RsaEncoding = match (pss, hash) {
                (false, "SHA-256") => &signature::RSA_PKCS1_SHA256,
                (false, "SHA-384") => &signature::RSA_PKCS1_SHA384,
                (false, "SHA-512") => &signature::RSA_PKCS1_SHA512,
                (true, "SHA-256") => &signature::RSA_PSS_SHA256,
                (true, "SHA-384") => &signature::RSA_PSS_SHA384,
                (true, "SHA-512") => &signature::RSA_PSS_SHA512,
                (_, h) => return Err(unsupported(&format!("{name} with {h}"))),
            };
            let mut sig = vec![0u8; key.public().modulus_len()];
            key.sign(padding, &rng, data, &mut sig)
                .map_err(|_| op_error("signing failed"))?;
            Ok(sig)
        }
        other => Err(unsupported(&format!("signing with {other}"))),
    }
}

/// inputs: public key (uncompressed point, 32 bytes, or `RSAPublicKey` DER), signature, data.
fn verify(params: &Value, inputs: &[Vec<u8>]) -> Result<bool, String> {
    let public = input(inputs, 0)?;
    let sig = input(inputs, 1)?;
    let data = input(inputs, 2)?;
    let hash = params["hash"].as_str().unwrap_or("SHA-256");
    let alg: &dyn signature::VerificationAlgorithm = match params["name"].as_str().unwrap_or("") {
        "ECDSA" => ecdsa_verifying(params["namedCurve"].as_str().unwrap_or(""), hash)?,
        "Ed25519" => &signature::ED25519,
        name @ ("RSASSA-PKCS1-v1_5" | "RSA-PSS") => match (name == "RSA-PSS", hash) {
            (false, "SHA-256") => &signature::RSA_PKCS1_2048_8192_SHA256,
            (false, "SHA-384") => &signature::RSA_PKCS1_2048_8192_SHA384,
            (false, "SHA-512") => &signature::RSA_PKCS1_2048_8192_SHA512,
            (true, "SHA-256") => &signature::RSA_PSS_2048_8192_SHA256,
            (true, "SHA-384") => &signature::RSA_PSS_2048_8192_SHA384,
            (true, "SHA-512") => &signature::RSA_PSS_2048_8192_SHA512,
            (_, h) => return Err(unsupported(&format!("{name} with {h}"))),
        },
        other => return Err(unsupported(&format!("verifying with {other}"))),
    };
    Ok(signature::UnparsedPublicKey::new(alg, public)
        .verify(data, sig)
        .is_ok())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    pub fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn published_vectors() {
        // RFC 5869, test case 1 (HKDF-SHA-256).
        let okm = run(
            "hkdf",
            &json!({"hash": "SHA-256", "length": 42 * 8}),
            &[
                hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"),
                hex("000102030405060708090a0b0c"),
                hex("f0f1f2f3f4f5f6f7f8f9"),
            ],
        )
        .unwrap();
        assert_eq!(
            okm,
            hex(
                "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
            )
        );
        // RFC 7914 §11 (PBKDF2-HMAC-SHA-256, "passwd"/"salt", 1 iteration, 64 bytes).
        let dk = run(
            "pbkdf2",
            &json!({"hash": "SHA-256", "iterations": 1, "length": 64 * 8}),
            &[b"passwd".to_vec(), b"salt".to_vec()],
        )
        .unwrap();
        assert_eq!(
            dk,
            hex(
                "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783"
            )
        );
        // The AES-GCM test case 3 of McGrew and Viega's GCM specification (AES-128).
        let key = hex("feffe9928665731c6d6a8f9467308308");
        let iv = hex("cafebabefacedbaddecaf888");
        let pt = hex(
            "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
        );
        let ct = run(
            "aesGcm",
            &json!({}),
            &[key.clone(), iv.clone(), vec![], pt.clone()],
        )
        .unwrap();
        assert_eq!(
            ct,
            hex(
                "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f59854d5c2af327cd64a62cf35abd2ba6fab4"
            )
        );
        let back = run(
            "aesGcm",
            &json!({"decrypt": true}),
            &[key.clone(), iv.clone(), vec![], ct.clone()],
        )
        .unwrap();
        assert_eq!(back, pt);
        let mut tampered = ct;
        tampered[0] ^= 1;
        assert!(
            run(
                "aesGcm",
                &json!({"decrypt": true}),
                &[key, iv, vec![], tampered]
            )
            .unwrap_err()
            .starts_with("OperationError")
        );
        // RFC 8032 §7.1 test 1: Ed25519 verifies the published signature of the empty message.
        let ok = run(
            "verify",
            &json!({"name": "Ed25519"}),
            &[
                hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"),
                hex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
                vec![],
            ],
        )
        .unwrap();
        assert_eq!(ok, vec![1]);
    }

    #[test]
    fn generated_keys_sign_and_verify() {
        for (name, curve) in [("ECDSA", "P-256"), ("ECDSA", "P-384"), ("Ed25519", "")] {
            let p = json!({"name": name, "namedCurve": curve, "hash": if curve == "P-384" { "SHA-384" } else { "SHA-256" }});
            let pkcs8 = run("generate", &p, &[]).unwrap();
            let public = run("publicOf", &p, std::slice::from_ref(&pkcs8)).unwrap();
            let sig = run("sign", &p, &[pkcs8, b"hello".to_vec()]).unwrap();
            assert_eq!(
                run(
                    "verify",
                    &p,
                    &[public.clone(), sig.clone(), b"hello".to_vec()]
                )
                .unwrap(),
                vec![1],
                "{name} {curve}"
            );
            assert_eq!(
                run("verify", &p, &[public, sig, b"hellO".to_vec()]).unwrap(),
                vec![0]
            );
        }
        assert!(
            run("generate", &json!({"name": "DSA"}), &[])
                .unwrap_err()
                .starts_with("NotSupportedError")
        );
    }
}
