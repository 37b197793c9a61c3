//! Work that costs CPU rather than waiting: compiling and verifying policy bundles, replay
//! folds. It never runs on the async threads (a long computation there stalls every request
//! sharing the thread); [`Cpu::run`] moves it to the blocking pool, at most as many at once as
//! there are cores, so a burst of heavy requests queues instead of starving the machine.
//!
//! [`Throttle`] bounds how often one caller may ask for such work at all.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use crate::error::{Error, Result};

pub struct Cpu {
    permits: Arc<Semaphore>,
}

impl Default for Cpu {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        Self { permits: Arc::new(Semaphore::new(cores)) }
    }
}

impl Cpu {
    /// Runs `f` on the blocking pool once a core is free.
    pub async fn run<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let _permit = self.permits.acquire().await.map_err(|e| Error::internal(format!("CPU pool closed: {e}")))?;
        tokio::task::spawn_blocking(f).await.map_err(|e| Error::internal(format!("CPU task failed: {e}")))
    }
}

/// At most `limit` calls per key in any `window` (a sliding window, in memory: it protects
/// this process, it is not a governance limit).
pub struct Throttle {
    limit: usize,
    window: Duration,
    hits: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Throttle {
    pub fn new(limit: usize, window: Duration) -> Self {
        Self { limit, window, hits: Mutex::new(HashMap::new()) }
    }

    /// Counts a call by `key`, or answers RATE_LIMITED with when to try again.
    pub fn admit(&self, key: &str, what: &str) -> Result<()> {
        let now = Instant::now();
        let Ok(mut hits) = self.hits.lock() else {
            return Ok(());
        };
        if hits.len() > 10_000 {
            hits.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < self.window));
        }
        let q = hits.entry(key.to_string()).or_default();
        while q.front().is_some_and(|t| now.duration_since(*t) >= self.window) {
            q.pop_front();
        }
        if q.len() >= self.limit {
            let oldest = q.front().copied().unwrap_or(now);
            let retry = self.window.saturating_sub(now.duration_since(oldest)).as_secs().max(1);
            return Err(Error::RateLimited {
                message: format!(
                    "at most {} {what} per {} s; try again in {retry} s",
                    self.limit,
                    self.window.as_secs()
                ),
                retry_after_seconds: retry,
            });
        }
        q.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_throttle_admits_up_to_its_limit_per_key() {
        let t = Throttle::new(2, Duration::from_secs(60));
        assert!(t.admit("a", "x").is_ok());
        assert!(t.admit("a", "x").is_ok());
        let refused = t.admit("a", "x").unwrap_err();
        assert_eq!(refused.code(), "RATE_LIMITED");
        assert!(t.admit("b", "x").is_ok());
    }

    #[tokio::test]
    async fn cpu_work_runs_off_the_async_threads() {
        // The test's runtime runs on this thread alone; the work must run elsewhere.
        let cpu = Cpu::default();
        let here = std::thread::current().id();
        let there = cpu.run(|| std::thread::current().id()).await.unwrap();
        assert_ne!(here, there);
    }
}
