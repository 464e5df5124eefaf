//! Deadlines as data: every operation carries the instant by which it must
//! be finished, and sans-IO state machines compare it with the `now` they
//! are handed instead of reading a clock.

use std::time::{Duration, Instant};

/// The deadline of an operation given none: 10 s, ipmitool's (and every
/// ipmirs transport's) default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Close Session (IPMI 2.0 §22.19) gets what is left of the deadline, but
/// at least this long after a successful command...
pub const CLOSE_MIN: Duration = Duration::from_millis(250);
/// ... and at most this long.
pub const CLOSE_MAX: Duration = Duration::from_secs(2);

/// The instant by which an operation must have finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Deadline(Instant);

impl Deadline {
    /// A deadline at an absolute instant.
    pub fn at(instant: Instant) -> Self {
        Deadline(instant)
    }

    /// A deadline `budget` after `now`.
    pub fn after(now: Instant, budget: Duration) -> Self {
        Deadline(
            now.checked_add(budget)
                .unwrap_or(now + Duration::from_secs(86400 * 365)),
        )
    }

    /// A deadline `budget` from the current time (reads the clock; drivers
    /// and applications use this, state machines never do).
    pub fn from_now(budget: Duration) -> Self {
        Self::after(Instant::now(), budget)
    }

    /// The instant itself.
    pub fn instant(self) -> Instant {
        self.0
    }

    /// Time left at `now`, zero once expired.
    pub fn remaining(self, now: Instant) -> Duration {
        self.0.saturating_duration_since(now)
    }

    /// Whether the deadline has passed at `now`.
    pub fn is_expired(self, now: Instant) -> bool {
        now >= self.0
    }

    /// The earlier of two deadlines.
    pub fn min(self, other: Deadline) -> Deadline {
        if other.0 < self.0 {
            other
        } else {
            self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remaining_saturates_and_expires() {
        let t0 = Instant::now();
        let d = Deadline::after(t0, Duration::from_millis(100));
        assert_eq!(d.remaining(t0), Duration::from_millis(100));
        assert!(!d.is_expired(t0));
        let later = t0 + Duration::from_millis(150);
        assert_eq!(d.remaining(later), Duration::ZERO);
        assert!(d.is_expired(later));
        let e = Deadline::after(t0, Duration::from_millis(50));
        assert_eq!(d.min(e), e);
        assert_eq!(e.min(d), e);
    }
}
