//! The place the WebAssembly support needs `unsafe`: a Wasm memory's bytes as a JavaScript
//! `ArrayBuffer` without copying ([`buffer`]). (A module's bytes are copied out of JavaScript by
//! `encoding::copy_bytes`.)
//!
//! Why it is sound: the buffer keeps the store (and so the memory's bytes) alive for as long as
//! QuickJS keeps the buffer. The bytes move only when the memory grows; growth happens inside a
//! Wasm call or in `Memory.prototype.grow`, and in both cases the prelude detaches the buffer
//! (`host.wasm.detach`) before any JavaScript runs again, so no JavaScript reads bytes that
//! moved. QuickJS never reads a buffer's bytes by itself (only JavaScript and host functions
//! do), and detaching drops the view without touching them.

use super::SharedStore;
use rquickjs::{ArrayBuffer, ArrayBufferSource, Ctx};
use wasmi::Memory;

struct MemoryView {
    _store: SharedStore,
    ptr: *mut u8,
    len: usize,
}

// SAFETY: `ptr` is the start of the memory's `len` bytes, owned by the store that `_store`
// keeps alive; see the module documentation for why the bytes do not move while JavaScript can
// reach them.
#[allow(unsafe_code)]
unsafe impl ArrayBufferSource for MemoryView {
    fn as_ptr(&self) -> *mut u8 {
        self.ptr
    }
    fn len(&self) -> usize {
        self.len
    }
}

/// A new `ArrayBuffer` over memory `m`'s bytes as they are now.
pub fn buffer<'js>(
    ctx: &Ctx<'js>,
    store: SharedStore,
    m: Memory,
) -> rquickjs::Result<ArrayBuffer<'js>> {
    let (ptr, len) = {
        let s = store.borrow();
        (m.data_ptr(&*s), m.data_size(&*s))
    };
    ArrayBuffer::from_source(
        ctx.clone(),
        MemoryView {
            _store: store,
            ptr,
            len,
        },
    )
}
