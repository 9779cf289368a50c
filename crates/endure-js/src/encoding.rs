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
        Some(Ok(s)) => crate::base64::forgiving_decode(&s),
        _ => None,
    };
    match decoded {
        Some(b) => bytes_value(ctx, b),
        None => Ok(Value::new_null(ctx)),
    }
}

/// Puts the four functions on the prelude's `host` object.
pub fn install<'js>(ctx: &Ctx<'js>, host: &Object<'js>) -> rquickjs::Result<()> {
    host.set("utf8Encode", Function::new(ctx.clone(), utf8_encode)?)?;
    host.set("utf8Decode", Function::new(ctx.clone(), utf8_decode)?)?;
    host.set("b64Encode", Function::new(ctx.clone(), b64_encode)?)?;
    host.set("b64Decode", Function::new(ctx.clone(), b64_decode)?)?;
    Ok(())
}
