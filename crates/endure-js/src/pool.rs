//! Isolates kept so that requests and runs do not wait for one to start and load the project:
//! *warm* isolates answered a request and wait for the next (as Cloudflare keeps an isolate for
//! many requests; [`Idle`]); workflow runs share isolates, several at once each ([`Runs`]).
//! Both are bounded, and both are retired when the project's sources change.

use crate::isolate;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Warm isolates kept between requests: at most this many wait at once (each holds a thread
/// and its heap); more concurrent requests get fresh isolates, dropped after their request.
pub const MAX_WARM_ISOLATES: usize = 8;

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

/// Isolates that serve workflow runs, several at once each (as a Worker isolate serves
/// concurrent requests): a run goes to an idle isolate if one waits, else to a new one while
/// fewer than `max_isolates` run, else to the least busy. At most `max_isolates × per_isolate`
/// runs hold an isolate at once; more wait for a place (their instances say `running`).
/// Isolates stay between runs (module state carries over, as on Cloudflare) until the sources
/// change or one is retired (a limit was hit, an error escaped, it could not start): a retired
/// isolate takes no new run and stops when its last run leaves.
pub struct Runs {
    state: Mutex<RunsState>,
    permits: Arc<tokio::sync::Semaphore>,
    max_isolates: usize,
    per_isolate: usize,
}

struct RunsState {
    isolates: Vec<Arc<RunIsolate>>,
}

/// An isolate that serves runs.
pub struct RunIsolate {
    pub handle: isolate::Handle,
    /// Runs it serves now.
    runs: AtomicUsize,
    retired: Arc<AtomicBool>,
}

impl RunIsolate {
    pub fn new(handle: isolate::Handle) -> RunIsolate {
        RunIsolate {
            handle,
            runs: AtomicUsize::new(0),
            retired: Arc::default(),
        }
    }

    /// The flag [`RunIsolate::retire`] sets, for whoever watches the isolate from outside.
    pub fn retired_flag(&self) -> Arc<AtomicBool> {
        self.retired.clone()
    }

    /// Takes no new run from now on.
    pub fn retire(&self) {
        self.retired.store(true, Ordering::SeqCst);
    }
}

/// A run's place in an isolate; dropping it frees the place.
pub struct RunPlace {
    pub isolate: Arc<RunIsolate>,
    _permit: tokio::sync::OwnedSemaphorePermit,
}

impl Drop for RunPlace {
    fn drop(&mut self) {
        self.isolate.runs.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Runs {
    pub fn new(max_isolates: usize, per_isolate: usize) -> Runs {
        let max_isolates = max_isolates.max(1);
        let per_isolate = per_isolate.max(1);
        Runs {
            state: Mutex::new(RunsState {
                isolates: Vec::new(),
            }),
            permits: Arc::new(tokio::sync::Semaphore::new(max_isolates * per_isolate)),
            max_isolates,
            per_isolate,
        }
    }

    /// A place for a run, waiting while every place is taken; `start` starts an isolate when
    /// one is needed.
    pub async fn place(
        &self,
        start: impl FnOnce() -> std::io::Result<RunIsolate>,
    ) -> std::io::Result<RunPlace> {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(std::io::Error::other)?;
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        st.isolates.retain(|i| !i.retired.load(Ordering::SeqCst));
        let least = st
            .isolates
            .iter()
            .min_by_key(|i| i.runs.load(Ordering::SeqCst))
            .cloned();
        let busy = |i: &Arc<RunIsolate>| i.runs.load(Ordering::SeqCst);
        let isolate = match least {
            Some(i) if busy(&i) == 0 => i,
            Some(i) if st.isolates.len() >= self.max_isolates && busy(&i) < self.per_isolate => i,
            // None waits, or all are busy and there is room for another; or (retired isolates
            // still hold places) all are full.
            _ => {
                let i = Arc::new(start()?);
                st.isolates.push(i.clone());
                i
            }
        };
        isolate.runs.fetch_add(1, Ordering::SeqCst);
        Ok(RunPlace {
            isolate,
            _permit: permit,
        })
    }

    /// How many isolates serve runs or wait for one (retired ones not counted).
    pub fn isolates(&self) -> usize {
        let st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        st.isolates
            .iter()
            .filter(|i| !i.retired.load(Ordering::SeqCst))
            .count()
    }

    /// The sources changed: later runs go to new isolates; those in use stop when their last
    /// run leaves.
    pub fn clear(&self) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        for i in st.isolates.drain(..) {
            i.retire();
        }
    }
}
