//! What the isolates ask of the host that JavaScript cannot do itself (secure random bytes,
//! digests, compression), and the `host` object that hands the prelude every host function.

use sha2::Digest;

/// `n` bytes from the operating system's generator (via v4 UUIDs, 16 random bytes each minus
/// the version bits: the bytes are drawn from whole fresh UUIDs' random parts).
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n + 16);
    while out.len() < n {
        let mut buf = [0u8; 32];
        if getrandom::fill(&mut buf).is_err() {
            // No OS randomness: fall back to UUIDs (which use the same source).
            buf[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        }
        out.extend_from_slice(&buf);
    }
    out.truncate(n);
    out
}

/// `crypto.subtle.digest`.
pub fn digest(alg: &str, data: &[u8]) -> Result<Vec<u8>, String> {
    Ok(match alg.to_ascii_uppercase().as_str() {
        "SHA-1" => sha1::Sha1::digest(data).to_vec(),
        "SHA-256" => sha2::Sha256::digest(data).to_vec(),
        "SHA-384" => sha2::Sha384::digest(data).to_vec(),
        "SHA-512" => sha2::Sha512::digest(data).to_vec(),
        // For `node:crypto`'s createHash("md5") (not offered by Web Crypto).
        "MD5" => md5::Md5::digest(data).to_vec(),
        other => return Err(format!("Unrecognized algorithm name: {other}")),
    })
}

/// `CompressionStream` / `DecompressionStream`: `gzip`, `deflate` (zlib) or `deflate-raw`.
pub fn compress(format: &str, decompress: bool, data: &[u8]) -> Result<Vec<u8>, String> {
    use std::io::{Read, Write};
    let mut out = Vec::new();
    let io = |e: std::io::Error| format!("TypeError: the {format} data is not valid: {e}");
    if decompress {
        match format {
            "gzip" => flate2::read::MultiGzDecoder::new(data).read_to_end(&mut out),
            "deflate" => flate2::read::ZlibDecoder::new(data).read_to_end(&mut out),
            "deflate-raw" => flate2::read::DeflateDecoder::new(data).read_to_end(&mut out),
            other => {
                return Err(format!(
                    "TypeError: Unsupported compression format: '{other}'"
                ));
            }
        }
        .map_err(io)?;
        return Ok(out);
    }
    let level = flate2::Compression::default();
    match format {
        "gzip" => {
            let mut e = flate2::write::GzEncoder::new(&mut out, level);
            e.write_all(data).and_then(|_| e.finish().map(|_| ()))
        }
        "deflate" => {
            let mut e = flate2::write::ZlibEncoder::new(&mut out, level);
            e.write_all(data).and_then(|_| e.finish().map(|_| ()))
        }
        "deflate-raw" => {
            let mut e = flate2::write::DeflateEncoder::new(&mut out, level);
            e.write_all(data).and_then(|_| e.finish().map(|_| ()))
        }
        other => {
            return Err(format!(
                "TypeError: Unsupported compression format: '{other}'"
            ));
        }
    }
    .map_err(io)?;
    Ok(out)
}

/// The `host` object the runtime prelude takes its host functions from: sending messages
/// (`send`, and the typed senders of channel.rs) through `routes`, randomness, digests, Web
/// Crypto, compression, prelude sections, module resolution for `require`, encodings, the
/// synchronous hooks, and `Intl` and WebAssembly when built in.
#[allow(unused_variables)] // `memory_bytes` and `must_stop` serve the `wasm` feature only.
pub(crate) fn object<'js>(
    ctx: &rquickjs::Ctx<'js>,
    routes: &crate::routes::SharedRoutes,
    sources: &std::sync::Arc<crate::modules::Sources>,
    hooks: &crate::isolate::Hooks,
    memory_bytes: usize,
    must_stop: std::sync::Arc<dyn Fn() -> bool + Send + Sync>,
) -> rquickjs::Result<rquickjs::Object<'js>> {
    use crate::protocol::Out;
    use rquickjs::{Ctx, Function, Object};
    let ctx = ctx.clone();
    let host = Object::new(ctx.clone())?;
    let out = routes.clone();
    let send = Function::new(ctx.clone(), move |run: f64, s: String| {
        out.borrow().emit(run as u64, Out::Text(s));
    })?;
    host.set("send", send)?;
    crate::channel::install(&ctx, &host, routes)?;
    let random = Function::new(ctx.clone(), |n: usize| crate::host::random_bytes(n))?;
    host.set("random", random)?;
    let digest = Function::new(
        ctx.clone(),
        |ctx: Ctx<'_>, alg: String, bytes: Vec<u8>| -> rquickjs::Result<Vec<u8>> {
            crate::host::digest(&alg, &bytes).map_err(|m| rquickjs::Exception::throw_type(&ctx, &m))
        },
    )?;
    host.set("digest", digest)?;
    let subtle = Function::new(
        ctx.clone(),
        |ctx: Ctx<'_>,
         op: String,
         params: String,
         inputs: Vec<Vec<u8>>|
         -> rquickjs::Result<Vec<u8>> {
            let params: serde_json::Value =
                serde_json::from_str(&params).unwrap_or(serde_json::Value::Null);
            crate::webcrypto::run(&op, &params, &inputs)
                .map_err(|m| rquickjs::Exception::throw_message(&ctx, &m))
        },
    )?;
    host.set("subtle", subtle)?;
    let compress = Function::new(
        ctx.clone(),
        |ctx: Ctx<'_>,
         format: String,
         decompress: bool,
         data: Vec<u8>|
         -> rquickjs::Result<Vec<u8>> {
            crate::host::compress(&format, decompress, &data)
                .map_err(|m| rquickjs::Exception::throw_message(&ctx, &m))
        },
    )?;
    host.set("compress", compress)?;
    let section = Function::new(ctx.clone(), load_section)?;
    host.set("section", section)?;
    let src = sources.clone();
    let resolve_require = Function::new(
        ctx.clone(),
        move |ctx: Ctx<'_>, base: String, spec: String| -> rquickjs::Result<String> {
            src.resolve_require(&base, &spec)
                .map_err(|m| rquickjs::Exception::throw_message(&ctx, &m))
        },
    )?;
    host.set("resolveRequire", resolve_require)?;
    let src = sources.clone();
    let raw = Function::new(
        ctx.clone(),
        move |ctx: Ctx<'_>, name: String| -> rquickjs::Result<String> {
            src.raw(&name)
                .map_err(|m| rquickjs::Exception::throw_message(&ctx, &m))
        },
    )?;
    host.set("raw", raw)?;
    crate::encoding::install(&ctx, &host)?;
    host.set("asyncContext", sources.async_context())?;
    if let Some(hook) = hooks.test.clone() {
        let test = Function::new(ctx.clone(), move |s: String| hook(&s))?;
        host.set("test", test)?;
    }
    if let Some(hook) = hooks.now.clone() {
        let now = Function::new(ctx.clone(), move |s: String| hook(&s))?;
        host.set("callNow", now)?;
    }
    #[cfg(feature = "intl")]
    crate::intl::install(&ctx, &host)?;
    #[cfg(feature = "wasm")]
    crate::wasm::install(&ctx, &host, memory_bytes, must_stop.clone())?;
    Ok(host)
}

/// `host.section(name)`: a part of the prelude loaded on first use (bytecode.rs).
fn load_section<'js>(
    ctx: rquickjs::Ctx<'js>,
    name: String,
) -> rquickjs::Result<rquickjs::Value<'js>> {
    crate::bytecode::section(&ctx, &name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_match_known_values() {
        let hex = |b: Vec<u8>| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        assert_eq!(
            hex(digest("SHA-256", b"abc").unwrap()),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(digest("sha-1", b"abc").unwrap()),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        // MD5 (RFC 1321's value for ""), which workerd also offers beside the standard ones.
        assert_eq!(
            hex(digest("MD5", b"").unwrap()),
            "d41d8cd98f00b204e9800998ecf8427e"
        );
        assert!(digest("SHA-3", b"").is_err());
        for f in ["gzip", "deflate", "deflate-raw"] {
            let z = compress(f, false, b"hello hello hello").unwrap();
            assert_eq!(compress(f, true, &z).unwrap(), b"hello hello hello", "{f}");
        }
        assert!(compress("gzip", true, b"not gzip").is_err());
        assert!(compress("brotli", false, b"").is_err());
        let a = random_bytes(40);
        assert_eq!(a.len(), 40);
        assert_ne!(a, random_bytes(40));
    }
}
