//! The instance-creation rate limit: a token bucket, off unless configured. Over the limit,
//! creations get HTTP 429 and nothing is created.

use std::sync::Mutex;
use std::time::Instant;

/// Creations per second, with a burst.
#[derive(Debug)]
pub struct RateLimit {
    per_second: f64,
    burst: f64,
    state: Mutex<(f64, Instant)>,
}

impl RateLimit {
    pub fn new(per_second: f64, burst: u32) -> RateLimit {
        let burst = f64::from(burst.max(1));
        RateLimit {
            per_second: per_second.max(0.0),
            burst,
            state: Mutex::new((burst, Instant::now())),
        }
    }

    /// Takes `n` tokens if there are that many.
    pub fn try_take(&self, n: usize) -> bool {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let refill = now.duration_since(st.1).as_secs_f64() * self.per_second;
        st.0 = (st.0 + refill).min(self.burst);
        st.1 = now;
        if st.0 >= n as f64 {
            st.0 -= n as f64;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RateLimit;

    #[test]
    fn burst_then_refuse() {
        let r = RateLimit::new(0.0001, 2);
        assert!(r.try_take(1));
        assert!(r.try_take(1));
        assert!(!r.try_take(1));
        assert!(
            !RateLimit::new(0.0001, 5).try_take(6),
            "a batch larger than the burst is refused whole"
        );
    }
}
