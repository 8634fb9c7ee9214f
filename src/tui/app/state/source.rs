//! The freshness of one data source: loading, loaded, or failed with its own backoff.

use std::time::Duration;

use crate::aws::ApiError;

/// How fresh one data source is (identity, profiles, and per region the
/// instances and the associations): each has its own request, failure and
/// backoff, so one failing read never hides or clears another's.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Source {
    /// A request is out.
    pub in_flight: bool,
    /// Data from a successful read is present (it may be old: see `error`).
    pub loaded: bool,
    /// When the last successful read arrived.
    pub last_ok: Option<Duration>,
    /// Why the last attempt failed; cleared only when this source succeeds.
    pub error: Option<ApiError>,
    /// Consecutive failures (drives the backoff).
    pub failures: u32,
    /// When the next attempt is due.
    pub next_at: Duration,
}

/// The longest wait between retries after errors.
pub const MAX_BACKOFF: Duration = Duration::from_secs(60);

impl Source {
    /// Marks a request as sent.
    pub fn start(&mut self) {
        self.in_flight = true;
    }

    /// True when no request is out and the next one is due.
    pub fn due(&self, now: Duration) -> bool {
        !self.in_flight && now >= self.next_at
    }

    /// A read arrived; the next one is due after `next_in`.
    pub fn succeed(&mut self, now: Duration, next_in: Duration) {
        self.in_flight = false;
        self.loaded = true;
        self.last_ok = Some(now);
        self.error = None;
        self.failures = 0;
        self.next_at = now.saturating_add(next_in);
    }

    /// A read failed: keep what was loaded, remember why, back off.
    pub fn fail(&mut self, now: Duration, error: ApiError) {
        self.in_flight = false;
        self.failures += 1;
        self.error = Some(error);
        self.next_at = now + backoff(self.failures);
    }

    /// A request's answer was dropped as stale: ask again now.
    pub fn discard(&mut self, now: Duration) {
        self.in_flight = false;
        self.next_at = now;
    }

    /// What the screen may claim about this source's data.
    pub fn knowledge(&self) -> Knowledge<'_> {
        match (self.loaded, &self.error) {
            (true, _) => Knowledge::Known,
            (false, Some(e)) => Knowledge::Unknown(e),
            (false, None) => Knowledge::Loading,
        }
    }
}

/// 2 s, 4 s, … up to [`MAX_BACKOFF`].
pub fn backoff(failures: u32) -> Duration {
    let secs = 1u64 << failures.clamp(1, 6);
    Duration::from_secs(secs).min(MAX_BACKOFF)
}

/// What is known about a source's data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Knowledge<'a> {
    Known,
    /// Not loaded yet; a request is out or about to be.
    Loading,
    /// Never loaded: the read failed with this.
    Unknown(&'a ApiError),
}
