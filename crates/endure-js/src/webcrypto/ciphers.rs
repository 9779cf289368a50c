//! AES in CBC (PKCS #7 padding), CTR (Web Crypto's counter of `length` bits) and Key Wrap
//! (RFC 3394) modes, on RustCrypto's `aes` block cipher and its `cbc` and `aes-kw` crates.

use super::{input, op_error};
use aes::cipher::{BlockDecryptMut, BlockEncrypt, BlockEncryptMut, KeyInit, KeyIvInit};
use serde_json::Value;

fn bad_key() -> String {
    "DataError: AES keys are 128, 192 or 256 bits".into()
}

fn decrypting(params: &Value) -> bool {
    params["decrypt"] == Value::Bool(true)
}

/// inputs: key, iv (16 bytes), data.
pub fn cbc(params: &Value, inputs: &[Vec<u8>]) -> Result<Vec<u8>, String> {
    use aes::cipher::block_padding::Pkcs7;
    let key = input(inputs, 0)?;
    let iv = input(inputs, 1)?;
    let data = input(inputs, 2)?;
    if iv.len() != 16 {
        return Err(op_error("the AES-CBC iv must be 16 bytes"));
    }
    let bad_padding = |_| op_error("The ciphertext is not valid for this key (bad padding)");
    macro_rules! mode {
        ($aes:ty) => {
            if decrypting(params) {
                cbc::Decryptor::<$aes>::new_from_slices(key, iv)
                    .map_err(|_| bad_key())?
                    .decrypt_padded_vec_mut::<Pkcs7>(data)
                    .map_err(bad_padding)
            } else {
                Ok(cbc::Encryptor::<$aes>::new_from_slices(key, iv)
                    .map_err(|_| bad_key())?
                    .encrypt_padded_vec_mut::<Pkcs7>(data))
            }
        };
    }
    match key.len() {
        16 => mode!(aes::Aes128),
        24 => mode!(aes::Aes192),
        32 => mode!(aes::Aes256),
        _ => Err(bad_key()),
    }
}

/// inputs: key, counter block (16 bytes), data. `params.length`: how many of the counter
/// block's rightmost bits count up (and wrap); the rest stays.
pub fn ctr(params: &Value, inputs: &[Vec<u8>]) -> Result<Vec<u8>, String> {
    let key = input(inputs, 0)?;
    let counter: [u8; 16] = input(inputs, 1)?
        .try_into()
        .map_err(|_| op_error("the AES-CTR counter must be 16 bytes"))?;
    let data = input(inputs, 2)?;
    let bits = params["length"]
        .as_u64()
        .filter(|b| (1..=128).contains(b))
        .ok_or_else(|| op_error("the AES-CTR length must be between 1 and 128 bits"))?
        as u32;
    // A counter of `bits` bits has 2^bits blocks before it repeats.
    let blocks = data.len().div_ceil(16) as u128;
    if bits < 128 && blocks > 1u128 << bits {
        return Err(op_error(
            "the data is longer than the AES-CTR counter can count",
        ));
    }
    match key.len() {
        16 => Ok(ctr_with(
            &aes::Aes128::new_from_slice(key).map_err(|_| bad_key())?,
            counter,
            bits,
            data,
        )),
        24 => Ok(ctr_with(
            &aes::Aes192::new_from_slice(key).map_err(|_| bad_key())?,
            counter,
            bits,
            data,
        )),
        32 => Ok(ctr_with(
            &aes::Aes256::new_from_slice(key).map_err(|_| bad_key())?,
            counter,
            bits,
            data,
        )),
        _ => Err(bad_key()),
    }
}

fn ctr_with<C>(cipher: &C, counter: [u8; 16], bits: u32, data: &[u8]) -> Vec<u8>
where
    C: BlockEncrypt + aes::cipher::BlockSizeUser<BlockSize = aes::cipher::consts::U16>,
{
    let start = u128::from_be_bytes(counter);
    let mask = if bits == 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    };
    let mut out = Vec::with_capacity(data.len());
    for (i, chunk) in data.chunks(16).enumerate() {
        let low = (start & mask).wrapping_add(i as u128) & mask;
        let block = (start & !mask) | low;
        let mut ks = aes::Block::from(block.to_be_bytes());
        cipher.encrypt_block(&mut ks);
        out.extend(chunk.iter().zip(ks.iter()).map(|(d, k)| d ^ k));
    }
    out
}

/// inputs: key-encryption key, data (the key to wrap, or the wrapped key).
pub fn kw(params: &Value, inputs: &[Vec<u8>]) -> Result<Vec<u8>, String> {
    let kek = input(inputs, 0)?;
    let data = input(inputs, 1)?;
    if decrypting(params) {
        if data.len() < 24 || data.len() % 8 != 0 {
            return Err(op_error(
                "a wrapped key is a multiple of 8 bytes, at least 24",
            ));
        }
    } else if data.len() < 16 || data.len() % 8 != 0 {
        return Err(op_error(
            "AES-KW wraps keys of a multiple of 8 bytes, at least 16",
        ));
    }
    let unwrap_failed = |_| op_error("The wrapped key is not valid for this key");
    macro_rules! mode {
        ($kek:ty) => {{
            let k = <$kek>::try_from(kek).map_err(|_| bad_key())?;
            if decrypting(params) {
                let mut out = vec![0u8; data.len() - 8];
                k.unwrap(data, &mut out).map_err(unwrap_failed)?;
                Ok(out)
            } else {
                let mut out = vec![0u8; data.len() + 8];
                k.wrap(data, &mut out)
                    .map_err(|_| op_error("AES-KW wrapping failed"))?;
                Ok(out)
            }
        }};
    }
    match kek.len() {
        16 => mode!(aes_kw::KekAes128),
        24 => mode!(aes_kw::KekAes192),
        32 => mode!(aes_kw::KekAes256),
        _ => Err(bad_key()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webcrypto::tests::hex;
    use serde_json::json;

    const NIST_KEY: &str = "2b7e151628aed2a6abf7158809cf4f3c";
    const NIST_PLAIN: &str = "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";

    #[test]
    fn cbc_matches_nist_sp_800_38a() {
        // F.2.1 CBC-AES128.Encrypt; Web Crypto then adds a block of PKCS #7 padding.
        let out = cbc(
            &json!({}),
            &[
                hex(NIST_KEY),
                hex("000102030405060708090a0b0c0d0e0f"),
                hex(NIST_PLAIN),
            ],
        )
        .unwrap();
        assert_eq!(
            out[..64],
            hex(
                "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b273bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7"
            )[..]
        );
        assert_eq!(out.len(), 80);
        let back = cbc(
            &json!({"decrypt": true}),
            &[
                hex(NIST_KEY),
                hex("000102030405060708090a0b0c0d0e0f"),
                out.clone(),
            ],
        )
        .unwrap();
        assert_eq!(back, hex(NIST_PLAIN));
        let mut bad = out;
        let last = bad.len() - 1;
        bad[last] ^= 0x55;
        assert!(
            cbc(
                &json!({"decrypt": true}),
                &[hex(NIST_KEY), hex("000102030405060708090a0b0c0d0e0f"), bad]
            )
            .unwrap_err()
            .starts_with("OperationError")
        );
    }

    #[test]
    fn ctr_matches_nist_sp_800_38a_and_wraps_its_counter() {
        // F.5.1 CTR-AES128.Encrypt.
        let counter = hex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
        let out = ctr(
            &json!({"length": 128}),
            &[hex(NIST_KEY), counter.clone(), hex(NIST_PLAIN)],
        )
        .unwrap();
        assert_eq!(
            out,
            hex(
                "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee"
            )
        );
        // With an 8-bit counter, ...ff wraps to ...00 and the other bytes stay.
        let two = ctr(
            &json!({"length": 8}),
            &[hex(NIST_KEY), counter.clone(), vec![0; 32]],
        )
        .unwrap();
        let wrapped = ctr(
            &json!({"length": 128}),
            &[
                hex(NIST_KEY),
                hex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfe00"),
                vec![0; 16],
            ],
        )
        .unwrap();
        assert_eq!(two[16..], wrapped[..]);
        // An 8-bit counter counts 256 blocks; more is refused.
        assert!(
            ctr(
                &json!({"length": 8}),
                &[hex(NIST_KEY), counter, vec![0; 16 * 257]]
            )
            .is_err()
        );
    }

    #[test]
    fn key_wrap_matches_rfc_3394() {
        // RFC 3394 §4.1: 128-bit key data with a 128-bit KEK.
        let kek = hex("000102030405060708090a0b0c0d0e0f");
        let wrapped = kw(
            &json!({}),
            &[kek.clone(), hex("00112233445566778899aabbccddeeff")],
        )
        .unwrap();
        assert_eq!(
            wrapped,
            hex("1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5")
        );
        let back = kw(&json!({"decrypt": true}), &[kek.clone(), wrapped.clone()]).unwrap();
        assert_eq!(back, hex("00112233445566778899aabbccddeeff"));
        let mut bad = wrapped;
        bad[3] ^= 1;
        assert!(
            kw(&json!({"decrypt": true}), &[kek, bad])
                .unwrap_err()
                .starts_with("OperationError")
        );
    }
}
