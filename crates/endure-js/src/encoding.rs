//! The prelude's UTF-8 and base64 conversions done in Rust: `TextEncoder`, `TextDecoder`,
//! `atob`/`btoa`'s byte work, and every request and response body (bodies cross between the
//! host and an isolate as base64). In JavaScript they cost about 120 µs per kilobyte, a large
//! part of a small request's whole cost; here, a copy.
//!
//! Each host function answers `null` where it does not apply (a string with a lone surrogate,
//! which `TextEncoder` turns into U+FFFD and Rust strings cannot hold; something that is not a
//! `Uint8Array`), and the prelude then takes its JavaScript path; invalid base64 is `null` too,
//! and the prelude throws the `DOMException` the Web platform defines.

use rquickjs::{ArrayBuffer, Ctx, Function, Object, TypedArray, Value};

/// A copy of the bytes of an `ArrayBuffer` or a `Uint8Array` (`None` for anything else).
#[allow(unsafe_code)]
pub fn copy_bytes(v: &Value<'_>) -> Option<Vec<u8>> {
    // SAFETY: rquickjs marks these reads unsafe because JavaScript could detach or resize the
    // buffer while the slice lives; the slice is copied at once, and no JavaScript runs here.
    if let Some(b) = v
        .as_object()
        .and_then(|o| ArrayBuffer::from_object(o.clone()))
    {
        return unsafe { b.as_bytes() }.map(<[u8]>::to_vec);
    }
    let t = TypedArray::<u8>::from_value(v.clone()).ok()?;
    unsafe { t.as_bytes() }.map(<[u8]>::to_vec)
}

fn bytes_value<'js>(ctx: Ctx<'js>, bytes: Vec<u8>) -> rquickjs::Result<Value<'js>> {
    Ok(TypedArray::<u8>::new(ctx, bytes)?.into_value())
}

/// `host.utf8Encode(string)`: its UTF-8 bytes as a `Uint8Array`.
fn utf8_encode<'js>(ctx: Ctx<'js>, v: Value<'js>) -> rquickjs::Result<Value<'js>> {
    match v.as_string().map(|s| s.to_string()) {
        Some(Ok(s)) => bytes_value(ctx, s.into_bytes()),
        _ => Ok(Value::new_null(ctx)),
    }
}

/// `host.utf8Decode(bytes)`: the text, with U+FFFD for each maximal invalid sequence (as the
/// Encoding standard's decoder does).
fn utf8_decode<'js>(ctx: Ctx<'js>, v: Value<'js>) -> rquickjs::Result<Value<'js>> {
    match copy_bytes(&v) {
        Some(b) => {
            let s = String::from_utf8_lossy(&b);
            Ok(rquickjs::String::from_str(ctx, &s)?.into_value())
        }
        None => Ok(Value::new_null(ctx)),
    }
}

/// `host.b64Encode(bytes)`: standard base64 with padding.
fn b64_encode<'js>(ctx: Ctx<'js>, v: Value<'js>) -> rquickjs::Result<Value<'js>> {
    match copy_bytes(&v) {
        Some(b) => Ok(rquickjs::String::from_str(ctx, &crate::base64::encode(&b))?.into_value()),
        None => Ok(Value::new_null(ctx)),
    }
}

/// `host.b64Decode(text)`: the bytes of forgiving base64, or `null` if it is not valid.
fn b64_decode<'js>(ctx: Ctx<'js>, v: Value<'js>) -> rquickjs::Result<Value<'js>> {
    let decoded = match v.as_string().map(|s| s.to_string()) {
        Some(Ok(s)) => forgiving_decode(&s),
        _ => None,
    };
    match decoded {
        Some(b) => bytes_value(ctx, b),
        None => Ok(Value::new_null(ctx)),
    }
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
    let mut out = Vec::with_capacity(clean.len() / 4 * 3 + 2);
    let (mut buf, mut bits) = (0u32, 0u32);
    for c in clean {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        buf = (buf << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
    }
    Some(out)
}

/// Puts the four functions on the prelude's `host` object.
pub fn install<'js>(ctx: &Ctx<'js>, host: &Object<'js>) -> rquickjs::Result<()> {
    host.set("utf8Encode", Function::new(ctx.clone(), utf8_encode)?)?;
    host.set("utf8Decode", Function::new(ctx.clone(), utf8_decode)?)?;
    host.set("b64Encode", Function::new(ctx.clone(), b64_encode)?)?;
    host.set("b64Decode", Function::new(ctx.clone(), b64_decode)?)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::forgiving_decode;

    #[test]
    fn forgiving_base64_as_the_infra_standard_defines_it() {
        assert_eq!(forgiving_decode("Zm9vYmFy").unwrap(), b"foobar");
        assert_eq!(forgiving_decode(" Zm9v\nYg== ").unwrap(), b"foob");
        assert_eq!(forgiving_decode("Zm9vYg").unwrap(), b"foob");
        assert_eq!(forgiving_decode("").unwrap(), b"");
        // A length of 1 modulo 4, a character outside the alphabet, `=` in the middle or
        // more than two at the end: invalid.
        assert!(forgiving_decode("Zm9vY").is_none());
        assert!(forgiving_decode("Zm9v$g==").is_none());
        assert!(forgiving_decode("Zm=vYg==").is_none());
        assert!(forgiving_decode("Zg===").is_none());
        assert!(forgiving_decode("Z===").is_none());
    }
}
