//! Time, injected. The engine reads time and sleeps only through a [`Clock`], so tests drive
//! time with a [`ManualClock`] instead of waiting.

use endure_model::Timestamp;
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use tokio::sync::oneshot;

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The source of time.
pub trait Clock: Send + Sync + 'static {
    /// Now, in milliseconds since the epoch.
    fn now(&self) -> Timestamp;
    /// Resolves at or after `deadline`.
    fn sleep_until(&self, deadline: Timestamp) -> BoxFuture<'static, ()>;
}

/// The real clock: the system time and tokio's timer.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp(d.as_millis() as u64)
    }

    fn sleep_until(&self, deadline: Timestamp) -> BoxFuture<'static, ()> {
        let wait = deadline.since(self.now());
        Box::pin(async move {
            if wait > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
            }
        })
    }
}

/// A clock that moves only when told to. Sleepers wake when [`ManualClock::advance`] passes
/// their deadline.
#[derive(Debug)]
pub struct ManualClock {
    state: Mutex<ManualState>,
}

#[derive(Debug)]
struct ManualState {
    now: Timestamp,
    next_id: u64,
    sleepers: BTreeMap<(Timestamp, u64), oneshot::Sender<()>>,
}

impl ManualClock {
    pub fn new(start: Timestamp) -> ManualClock {
        ManualClock {
            state: Mutex::new(ManualState {
                now: start,
                next_id: 0,
                sleepers: BTreeMap::new(),
            }),
        }
    }

    /// Moves time forward by `ms` and wakes every sleeper whose deadline has come.
    pub fn advance(&self, ms: u64) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        st.now = st.now.plus_ms(ms);
        let now = st.now;
        let later = st
            .sleepers
            .split_off(&(Timestamp(now.0.saturating_add(1)), 0));
        let due = std::mem::replace(&mut st.sleepers, later);
        drop(st);
        for (_, tx) in due {
            let _ = tx.send(());
        }
    }

    /// How many sleepers are waiting (for tests that want to know a timer is armed).
    pub fn sleepers(&self) -> usize {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        st.sleepers.retain(|_, tx| !tx.is_closed());
        st.sleepers.len()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).now
    }

    fn sleep_until(&self, deadline: Timestamp) -> BoxFuture<'static, ()> {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if deadline <= st.now {
            return Box::pin(async {});
        }
        if st.sleepers.len() > 1024 {
            st.sleepers.retain(|_, tx| !tx.is_closed());
        }
        let (tx, rx) = oneshot::channel();
        st.next_id += 1;
        let id = st.next_id;
        st.sleepers.insert((deadline, id), tx);
        Box::pin(async move {
            let _ = rx.await;
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn manual_clock_wakes_sleepers_in_order() {
        let c = std::sync::Arc::new(ManualClock::new(Timestamp(0)));
        let a = tokio::spawn(c.sleep_until(Timestamp(100)));
        let b = tokio::spawn(c.sleep_until(Timestamp(600_000)));
        tokio::task::yield_now().await;
        c.advance(100);
        a.await.unwrap();
        assert!(!b.is_finished());
        c.advance(600_000);
        b.await.unwrap();
        assert_eq!(c.now(), Timestamp(600_100));
        c.sleep_until(Timestamp(5)).await; // past deadlines resolve at once
    }
}
