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

    /// Most creations one request may ask for (the bucket's size).
    pub fn burst(&self) -> u64 {
        self.burst as u64
    }

    /// Takes `n` tokens if there are that many; otherwise how long until there will be
    /// (`None`: never, `n` is larger than the burst).
    pub fn take(&self, n: usize) -> Result<(), Option<std::time::Duration>> {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let refill = now.duration_since(st.1).as_secs_f64() * self.per_second;
        st.0 = (st.0 + refill).min(self.burst);
        st.1 = now;
        let n = n as f64;
        if st.0 >= n {
            st.0 -= n;
            return Ok(());
        }
        if n > self.burst || self.per_second <= 0.0 {
            return Err(None);
        }
        Err(Some(std::time::Duration::from_secs_f64(
            (n - st.0) / self.per_second,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::RateLimit;

    #[test]
    fn burst_then_refuse() {
        let r = RateLimit::new(0.0001, 2);
        assert!(r.take(1).is_ok());
        assert!(r.take(1).is_ok());
        assert!(r.take(1).is_err());
        assert!(
            RateLimit::new(0.0001, 5).take(6).is_err(),
            "a batch larger than the burst is refused whole"
        );
        assert_eq!(RateLimit::new(1.0, 5).take(6), Err(None), "never");
        let r = RateLimit::new(10.0, 1);
        assert!(r.take(1).is_ok());
        let wait = r.take(1).unwrap_err().unwrap();
        assert!(wait <= std::time::Duration::from_millis(100), "{wait:?}");
    }
}
