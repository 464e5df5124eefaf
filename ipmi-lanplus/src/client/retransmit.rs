//! Retransmission timing: a per-try timeout that backs off, a retry limit,
//! and the operation's deadline above both.

use std::time::{Duration, Instant};

use ipmi_core::Deadline;

/// Timing state of the datagram an operation is waiting on.
#[derive(Clone, Debug)]
pub(crate) struct Retransmit {
    /// Operation deadline.
    pub(crate) deadline: Deadline,
    /// When the current try is given up and the datagram resent.
    pub(crate) next: Instant,
    /// Datagrams sent so far for this step.
    pub(crate) tries: u32,
    per_try: Duration,
    max_tries: u32,
}

/// What a timeout means for the waiting operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Expiry {
    /// Nothing to do yet.
    Wait,
    /// Send the datagram again.
    Resend,
    /// Give up: deadline passed or tries exhausted.
    GiveUp,
}

impl Retransmit {
    /// Timing for a step whose first datagram is sent at `now`.
    pub(crate) fn start(now: Instant, deadline: Deadline, per_try: Duration, retries: u32) -> Self {
        Retransmit {
            deadline,
            next: now + per_try,
            tries: 1,
            per_try,
            max_tries: retries.saturating_add(1),
        }
    }

    /// Restarts the count for the next step of the same operation.
    pub(crate) fn next_step(&mut self, now: Instant) {
        self.tries = 1;
        self.next = now + self.per_try;
    }

    /// The earliest instant at which `on_timeout` has something to do.
    pub(crate) fn wake_at(&self) -> Instant {
        self.next.min(self.deadline.instant())
    }

    /// Decides what happens at `now`; on `Resend` the next try is scheduled
    /// with a backoff of +50 % per try (capped at 4x the per-try timeout).
    pub(crate) fn on_timeout(&mut self, now: Instant) -> Expiry {
        if self.deadline.is_expired(now) {
            return Expiry::GiveUp;
        }
        if now < self.next {
            return Expiry::Wait;
        }
        if self.tries >= self.max_tries {
            return Expiry::GiveUp;
        }
        let factor = (2 + self.tries).min(8); // 1.5x, 2x, 2.5x ... 4x
        self.next = now + self.per_try * factor / 2;
        self.tries += 1;
        Expiry::Resend
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backs_off_and_gives_up() {
        let t0 = Instant::now();
        let dl = Deadline::after(t0, Duration::from_secs(100));
        let mut r = Retransmit::start(t0, dl, Duration::from_secs(1), 2);
        assert_eq!(r.on_timeout(t0), Expiry::Wait);
        let t1 = t0 + Duration::from_secs(1);
        assert_eq!(r.on_timeout(t1), Expiry::Resend);
        assert_eq!(r.next, t1 + Duration::from_millis(1500));
        let t2 = r.next;
        assert_eq!(r.on_timeout(t2), Expiry::Resend);
        assert_eq!(r.tries, 3);
        assert_eq!(r.on_timeout(r.next), Expiry::GiveUp);
    }

    #[test]
    fn deadline_wins() {
        let t0 = Instant::now();
        let dl = Deadline::after(t0, Duration::from_millis(300));
        let r = Retransmit::start(t0, dl, Duration::from_secs(1), 4);
        assert_eq!(r.wake_at(), dl.instant());
        let mut r = r;
        assert_eq!(r.on_timeout(dl.instant()), Expiry::GiveUp);
    }
}
