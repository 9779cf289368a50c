//! Base64 on the `base64` crate: bodies cross between the host and the isolates as standard
//! base64 ([`encode`], [`decode`]), and the prelude's `atob` takes the Infra standard's
//! forgiving base64 ([`forgiving_decode`]).

use base64::Engine;
use base64::alphabet::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// Standard alphabet, padding written, and read whether present or not (trailing bits that
/// are not zero dropped, as Endure always read them).
const PADDED: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Standard alphabet, no padding (stripped beforehand), trailing bits dropped: the forgiving
/// decode's last stage.
const FORGIVING: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(true),
);

/// Standard base64 with padding.
pub fn encode(bytes: &[u8]) -> String {
    PADDED.encode(bytes)
}

/// Standard base64, padded or not.
pub fn decode(text: &str) -> Result<Vec<u8>, String> {
    PADDED
        .decode(text)
        .map_err(|e| format!("invalid base64: {e}"))
}

/// The Infra standard's forgiving-base64 decode: ASCII whitespace is ignored, up to two `=` end
/// it when the length is a multiple of four, and a length of 1 modulo 4 or any other character
/// makes it invalid (`None`).
pub fn forgiving_decode(text: &str) -> Option<Vec<u8>> {
    let mut clean: Vec<u8> = text
        .bytes()
        .filter(|b| !matches!(b, b'\t' | b'\n' | b'\x0c' | b'\r' | b' '))
        .collect();
    if clean.len().is_multiple_of(4) {
        for _ in 0..2 {
            if clean.last() == Some(&b'=') {
                clean.pop();
            }
        }
    }
    if clean.len() % 4 == 1 {
        return None;
    }
    FORGIVING.decode(&clean).ok()
}

#[cfg(test)]
mod tests {
    use super::{decode, encode, forgiving_decode};

    #[test]
    fn round_trips() {
        for s in [&b""[..], b"f", b"fo", b"foo", b"foob", b"\x00\xff\x10"] {
            assert_eq!(decode(&encode(s)).unwrap(), s);
        }
        assert_eq!(encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(decode("Zm9vYg").unwrap(), b"foob");
        assert!(decode("a$").is_err());
    }

    #[test]
    fn forgiving_base64_as_the_infra_standard_defines_it() {
        assert_eq!(forgiving_decode("Zm9vYmFy").unwrap(), b"foobar");
        assert_eq!(forgiving_decode(" Zm9v\nYg== ").unwrap(), b"foob");
        assert_eq!(forgiving_decode("Zm9vYg").unwrap(), b"foob");
        assert_eq!(forgiving_decode("").unwrap(), b"");
        // Trailing bits that are not zero are dropped, not refused.
        assert_eq!(forgiving_decode("Zh==").unwrap(), b"f");
        // A length of 1 modulo 4, a character outside the alphabet, `=` in the middle or
        // more than two at the end: invalid.
        assert!(forgiving_decode("Zm9vY").is_none());
        assert!(forgiving_decode("Zm9v$g==").is_none());
        assert!(forgiving_decode("Zm=vYg==").is_none());
        assert!(forgiving_decode("Zg===").is_none());
        assert!(forgiving_decode("Z===").is_none());
    }
}
