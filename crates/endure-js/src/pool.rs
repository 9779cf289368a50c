//! Isolates kept ready so that requests and runs do not wait for one to start and load the
//! project: *warm* isolates answered a request and wait for the next (as Cloudflare keeps an
//! isolate for many requests); *ready* isolates wait for workflow runs: started ahead, or kept
//! after a run that ended cleanly or that the engine dropped to hibernate (module state carries
//! over, as on Cloudflare; a run never shares an isolate with another run at the same time). Both are bounded, and both are
//! retired when the project's sources change.

use crate::isolate;
use std::sync::Mutex;

/// Warm isolates kept between requests: at most this many wait at once (each holds a thread
/// and its heap); more concurrent requests get fresh isolates, dropped after their request.
pub const MAX_WARM_ISOLATES: usize = 8;

/// Isolates waiting for workflow runs (started ahead, or kept after a run).
pub const MAX_READY_ISOLATES: usize = 64;

/// A bounded set of idle isolates, with the generation of the sources they run (bumped when
/// the sources change).
pub struct Idle {
    inner: Mutex<(u64, Vec<isolate::Isolate>)>,
    max: usize,
}

impl Idle {
    pub fn new(max: usize) -> Idle {
        Idle {
            inner: Mutex::new((0, Vec::new())),
            max,
        }
    }

    /// An idle isolate, if one waits; and the current generation.
    pub fn take(&self) -> (u64, Option<isolate::Isolate>) {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let iso = g.1.pop();
        (g.0, iso)
    }

    /// How many wait.
    pub fn len(&self) -> usize {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).1.len()
    }

    /// Whether another isolate would be kept.
    pub fn has_room(&self) -> bool {
        let g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        g.1.len() < self.max
    }

    /// Keeps an idle isolate of `generation`, unless the sources changed since it started or
    /// enough are kept already (then it is dropped, which stops it).
    pub fn keep(&self, generation: u64, iso: isolate::Isolate) {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if g.0 == generation && g.1.len() < self.max {
            g.1.push(iso);
        }
    }

    /// Drops every idle isolate (the sources changed); those in use are dropped when done.
    pub fn clear(&self) {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        g.0 += 1;
        g.1.clear();
    }
}
