//! RSA-OAEP encryption and RSA key generation, on RustCrypto's `rsa` (`ring` signs and
//! verifies with RSA but neither encrypts nor generates keys).
//!
//! `rsa` 0.9's decryption is not constant-time (RUSTSEC-2023-0071, the "Marvin" timing attack);
//! an attacker who can time many decryptions on this machine could learn the key. Endure runs
//! the project's own code, so the exposure is the project's decryption oracle, as the README
//! says.

use super::{input, op_error, unsupported};
use rsa::pkcs1::{DecodeRsaPublicKey, EncodeRsaPublicKey};
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use rsa::{BigUint, Oaep, RsaPrivateKey, RsaPublicKey};
use serde_json::Value;

fn oaep(hash: &str, label: &[u8]) -> Result<Oaep, String> {
    let mut o = match hash {
        "SHA-1" => Oaep::new::<sha1::Sha1>(),
        "SHA-256" => Oaep::new::<sha2::Sha256>(),
        "SHA-384" => Oaep::new::<sha2::Sha384>(),
        "SHA-512" => Oaep::new::<sha2::Sha512>(),
        h => return Err(unsupported(&format!("RSA-OAEP with {h}"))),
    };
    if !label.is_empty() {
        o.label = Some(String::from_utf8(label.to_vec()).map_err(|_| {
            unsupported(
                "an RSA-OAEP label that is not UTF-8 (the `rsa` crate keeps labels as text)",
            )
        })?);
    }
    Ok(o)
}

/// inputs: key (PKCS #8 private key to decrypt, `RSAPublicKey` DER to encrypt), data, label.
pub fn oaep_crypt(params: &Value, inputs: &[Vec<u8>]) -> Result<Vec<u8>, String> {
    let key = input(inputs, 0)?;
    let data = input(inputs, 1)?;
    let padding = oaep(
        params["hash"].as_str().unwrap_or("SHA-256"),
        input(inputs, 2)?,
    )?;
    if params["decrypt"] == Value::Bool(true) {
        let private = RsaPrivateKey::from_pkcs8_der(key)
            .map_err(|_| "DataError: not an RSA private key".to_string())?;
        private
            .decrypt(padding, data)
            .map_err(|_| op_error("The ciphertext is not valid for this key"))
    } else {
        let public = RsaPublicKey::from_pkcs1_der(key)
            .map_err(|_| "DataError: not an RSA public key".to_string())?;
        public
            .encrypt(&mut rsa::rand_core::OsRng, padding, data)
            .map_err(|_| op_error("the data is too long for this key and hash"))
    }
}

/// A new RSA private key as PKCS #8: `params.modulusLength` bits (1024 to 8192, a multiple of
/// 8) and `params.publicExponent` (big-endian bytes; 3 or 65537).
pub fn generate(params: &Value) -> Result<Vec<u8>, String> {
    let bits = params["modulusLength"]
        .as_u64()
        .filter(|b| (1024..=8192).contains(b) && b % 8 == 0)
        .ok_or_else(|| op_error("modulusLength must be a multiple of 8 from 1024 to 8192"))?;
    let exponent: Vec<u8> = params["publicExponent"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_u64())
                .map(|v| v as u8)
                .collect()
        })
        .unwrap_or_else(|| vec![1, 0, 1]);
    let e = BigUint::from_bytes_be(&exponent);
    if e != BigUint::from(65537u32) && e != BigUint::from(3u32) {
        return Err(op_error("publicExponent must be 3 or 65537"));
    }
    let key = RsaPrivateKey::new_with_exp(&mut rsa::rand_core::OsRng, bits as usize, &e)
        .map_err(|_| op_error("RSA key generation failed"))?;
    let der = key
        .to_pkcs8_der()
        .map_err(|_| op_error("RSA key generation failed"))?;
    Ok(der.as_bytes().to_vec())
}

/// The public key (`RSAPublicKey` DER) of a PKCS #8 private key, of any size `rsa` reads
/// (`ring` wants 2048 bits or more).
pub fn public_of(pkcs8: &[u8]) -> Result<Vec<u8>, String> {
    let private = RsaPrivateKey::from_pkcs8_der(pkcs8)
        .map_err(|_| "DataError: not an RSA private key".to_string())?;
    let der = private
        .to_public_key()
        .to_pkcs1_der()
        .map_err(|_| op_error("cannot encode the public key"))?;
    Ok(der.as_bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webcrypto::tests::hex;
    use serde_json::json;

    /// A 1024-bit key and an OAEP (SHA-256, label "label") ciphertext of "hello oaep", both made
    /// by OpenSSL 3 (`openssl genpkey`, `openssl pkeyutl -encrypt`).
    const OPENSSL_KEY: &str = "30820277020100300d06092a864886f70d0101010500048202613082025d02010002818100baa2b685956cf67441521ca30a9fe53834aa6dd1bef6ed177cb23dd0211c956ed1e48c825bd8654010970e2c2fb9026b4497dd7032275d7ef2c5f98b8a6f16f6a2034bc8b8a297808f43ccc6f38ead9a169226df94e864530e3115ea806ba35d7361cb7cea871e77e7d720829e0442e5c6400fa4395332c726ad93ee96b818d902030100010281801bf2032c6b5c5e66b7e5289e8d17b605bd750b6e8d8e819fb3af28ac4258fa5316a0871d79cd2413fca7f19a5226fca2bd2994219990e561fdce00f890e8e36216c3b6d08896aba6c57493cb6e8e6cf6652bbe1e83ed37786518717bef32d9933e36e0b0ded09f7e46f051da2180b45dc629778b8b35b81d2f903129cc748981024100f1bbe9cac075799a24fc5a968a9a1ad2e8f74730b77d559f4aa08fa0344ce2a18e64e137f178921e785c55373d6be7184524440458ae0317e0d79886a292cab1024100c5a6612d4842b615c305553b3a2eff20225b8660adaf36f09604f730451bae2ede7d2a59056f88e88ac72f4db09c612a13888984848c5e47afb770b92cd36aa9024100ba845a7cf588eefdcfc1e307bb03f2e47f9aa494634fd2abe8c20070054ab9a71c1e9c6434edea189697efac82b8ea03a0fdbd79790f3315ce87ab895e9152d102407fd224c0531e0981b358ac911c04aeab8a6ca44fbba337a5896f76a8b9d8b7e1c9b32a82ddb80ed34c849a3be4fe8cfbd81c11cb28a95a8383c8df5671fddbd9024100d2248fbfbf8ed4f0164176bf7cce4d77c11ff52863787ae6132278a75279b60da1045ee32a93fef09237489c175498f4138cc27e77cb2b2a573ba4d2f91158e4";
    const OPENSSL_CIPHERTEXT: &str = "1489402d297be711492fa2be46dded6c4dc06851af2a49fd0375e0167a5f82180a411573d442b68faccbd771db858d8a48d5bdac352755f4679d16e6570262a5b6c94080c1577fa78e7e4d1dd6392b130792c53bab073b50d8ff990ceba8c44a10a78b0ed876bec0efe3d2efda446d23c23c538956bfd7dc24a49c5ac767fa35";

    #[test]
    fn decrypts_what_openssl_encrypted_and_round_trips() {
        let key = hex(OPENSSL_KEY);
        let p = json!({"decrypt": true, "hash": "SHA-256"});
        let plain = oaep_crypt(
            &p,
            &[key.clone(), hex(OPENSSL_CIPHERTEXT), b"label".to_vec()],
        )
        .unwrap();
        assert_eq!(plain, b"hello oaep");
        // A wrong label fails as a bad ciphertext does.
        let e = oaep_crypt(
            &p,
            &[key.clone(), hex(OPENSSL_CIPHERTEXT), b"other".to_vec()],
        )
        .unwrap_err();
        assert!(e.starts_with("OperationError"), "{e}");
        let public = public_of(&key).unwrap();
        let enc = json!({"hash": "SHA-1"});
        let c = oaep_crypt(&enc, &[public, b"again".to_vec(), vec![]]).unwrap();
        assert_eq!(c.len(), 128);
        let dec = json!({"decrypt": true, "hash": "SHA-1"});
        assert_eq!(oaep_crypt(&dec, &[key, c, vec![]]).unwrap(), b"again");
    }

    #[test]
    fn generated_keys_have_the_asked_size_and_exponent() {
        let der = generate(&json!({"modulusLength": 1024, "publicExponent": [1, 0, 1]})).unwrap();
        let k = RsaPrivateKey::from_pkcs8_der(&der).unwrap();
        assert_eq!(rsa::traits::PublicKeyParts::size(&k), 128);
        assert_eq!(*rsa::traits::PublicKeyParts::e(&k), BigUint::from(65537u32));
        assert!(
            generate(&json!({"modulusLength": 1000}))
                .unwrap_err()
                .starts_with("OperationError")
        );
        assert!(generate(&json!({"modulusLength": 1024, "publicExponent": [5]})).is_err());
    }
}
