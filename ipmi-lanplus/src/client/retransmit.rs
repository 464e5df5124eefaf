//! Retransmission timing: a per-try timeout adapted to the round trips
//! measured in the session (RFC 6298 estimator, Karn's rule), or fixed when
//! the caller gave one; a retry limit when the caller gave one, else tries
//! until the operation's deadline, which is above both.

use std::time::{Duration, Instant};

use ipmi_core::Deadline;

/// Per-try timeout before any round trip was measured. RFC 6298 §2.1 says
/// 1 s for TCP across the Internet; the first exchange of a session (Get
/// Channel Authentication Capabilities) is answered by a BMC without any
/// work, over a management LAN whose round trip is a few ms, so half of
/// that is ample, and a lost first datagram costs half as much.
pub(crate) const INITIAL_RTO: Duration = Duration::from_millis(500);
/// Floor of the adapted per-try timeout. A BMC answers from firmware whose
/// time per command varies far more than the network: the handshake's
/// HMACs, a sensor or FRU read on a slow bus take tens of ms to a hundred
/// or two. Below 200 ms a slow command would be resent needlessly (the BMC
/// answers a retry from its cache, but it costs it work); above it, each
/// datagram lost on a lossy path costs more of the budget.
pub(crate) const MIN_RTO: Duration = Duration::from_millis(200);
/// Ceiling of the per-try timeout, backed off or not: the 1 s that ipmitool
/// and FreeIPMI wait per try. A BMC that needs longer still gets its
/// answer through (a late answer to any try is accepted); waiting longer
/// would only spend the deadline's budget on lost datagrams.
pub(crate) const MAX_RTO: Duration = Duration::from_secs(1);
/// Clock granularity term G of RFC 6298 §2.2.
const GRANULARITY: Duration = Duration::from_millis(1);

/// Smoothed round trip and its variation (RFC 6298 §2), fed only with
/// answers to datagrams sent once (Karn's rule: the answer to a resent
/// datagram may answer any of its copies).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct RttEstimator {
    srtt: Option<Duration>,
    rttvar: Duration,
}

impl RttEstimator {
    /// Takes one measured round trip (RFC 6298 §2.2, §2.3: alpha 1/8, beta 1/4).
    pub(crate) fn sample(&mut self, rtt: Duration) {
        match self.srtt {
            None => {
                self.srtt = Some(rtt);
                self.rttvar = rtt / 2;
            }
            Some(srtt) => {
                let delta = srtt.max(rtt) - srtt.min(rtt);
                self.rttvar = (self.rttvar * 3 + delta) / 4;
                self.srtt = Some((srtt * 7 + rtt) / 8);
            }
        }
    }

    /// The smoothed round trip, once one was measured.
    pub(crate) fn srtt(&self) -> Option<Duration> {
        self.srtt
    }

    /// The per-try timeout of a first try: SRTT + max(G, 4 RTTVAR),
    /// between [`MIN_RTO`] and [`MAX_RTO`]; [`INITIAL_RTO`] before any sample.
    pub(crate) fn rto(&self) -> Duration {
        match self.srtt {
            None => INITIAL_RTO,
            Some(srtt) => (srtt + (self.rttvar * 4).max(GRANULARITY)).clamp(MIN_RTO, MAX_RTO),
        }
    }
}

/// How the per-try timeout of an operation is chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pace {
    /// The caller's per-try timeout, every try alike.
    Fixed(Duration),
    /// The session's estimate at the start of each step, a quarter longer
    /// on every resend, at most [`MAX_RTO`]. Loss on a LAN is independent
    /// per datagram, and one session has one datagram in flight: there is
    /// no congestion to back away from, so the growth only has to cover a
    /// BMC slower than measured, not double the wait per try.
    Adaptive,
}

/// Timing state of the datagram an operation is waiting on.
#[derive(Clone, Debug)]
pub(crate) struct Retransmit {
    /// Operation deadline.
    pub(crate) deadline: Deadline,
    /// When the current try is given up and the datagram resent.
    pub(crate) next: Instant,
    /// Datagrams sent so far for this step.
    pub(crate) tries: u32,
    /// When the first datagram of this step was sent.
    sent_at: Instant,
    /// Timeout of the current try.
    current: Duration,
    pace: Pace,
    max_tries: Option<u32>,
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
    /// Timing for a step whose first datagram is sent at `now`, waiting
    /// `first` for it (the estimate; ignored with a fixed pace); `retries`
    /// resends at most, or until the deadline when `None`.
    pub(crate) fn start(
        now: Instant,
        deadline: Deadline,
        pace: Pace,
        first: Duration,
        retries: Option<u32>,
    ) -> Self {
        let mut r = Retransmit {
            deadline,
            next: now,
            tries: 1,
            sent_at: now,
            current: first,
            pace,
            max_tries: retries.map(|r| r.saturating_add(1)),
        };
        r.next_step(now, first);
        r
    }

    /// Restarts the count for the next step of the same operation, whose
    /// first datagram goes out at `now` and waits `first` (see [`Self::start`]).
    pub(crate) fn next_step(&mut self, now: Instant, first: Duration) {
        self.tries = 1;
        self.sent_at = now;
        self.current = match self.pace {
            Pace::Fixed(d) => d,
            Pace::Adaptive => first,
        };
        self.next = now + self.current;
    }

    /// The round trip of the step's datagram answered at `now`, when it was
    /// sent only once (Karn's rule); `None` after a resend.
    pub(crate) fn sample(&self, now: Instant) -> Option<Duration> {
        (self.tries == 1).then(|| now.saturating_duration_since(self.sent_at))
    }

    /// The earliest instant at which `on_timeout` has something to do.
    pub(crate) fn wake_at(&self) -> Instant {
        self.next.min(self.deadline.instant())
    }

    /// Decides what happens at `now`. On `Resend` the next try is
    /// scheduled: the same timeout with a fixed pace, a quarter longer
    /// (at most [`MAX_RTO`]) with an adaptive one. A step whose tries are
    /// used up gives up when its last try times out, not at the deadline.
    pub(crate) fn on_timeout(&mut self, now: Instant) -> Expiry {
        if self.deadline.is_expired(now) {
            return Expiry::GiveUp;
        }
        if now < self.next {
            return Expiry::Wait;
        }
        if self.max_tries.is_some_and(|m| self.tries >= m) {
            return Expiry::GiveUp;
        }
        if self.pace == Pace::Adaptive {
            self.current = (self.current * 5 / 4).min(MAX_RTO);
        }
        self.next = now + self.current;
        self.tries += 1;
        Expiry::Resend
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn fixed_pace_honours_the_callers_timeout_and_retries_exactly() {
        let t0 = Instant::now();
        let dl = Deadline::after(t0, Duration::from_secs(100));
        let mut r = Retransmit::start(t0, dl, Pace::Fixed(Duration::from_secs(1)), MS, Some(2));
        assert_eq!(r.on_timeout(t0), Expiry::Wait);
        let t1 = t0 + Duration::from_secs(1);
        assert_eq!(r.on_timeout(t1), Expiry::Resend);
        assert_eq!(r.next, t1 + Duration::from_secs(1));
        let t2 = r.next;
        assert_eq!(r.on_timeout(t2), Expiry::Resend);
        assert_eq!(r.tries, 3);
        // Tries used up: gives up when the last one times out, long
        // before the deadline.
        let t3 = r.next;
        assert_eq!(t3, t0 + Duration::from_secs(3));
        assert_eq!(r.on_timeout(t3), Expiry::GiveUp);
    }

    #[test]
    fn deadline_wins() {
        let t0 = Instant::now();
        let dl = Deadline::after(t0, Duration::from_millis(300));
        let r = Retransmit::start(t0, dl, Pace::Fixed(Duration::from_secs(1)), MS, Some(4));
        assert_eq!(r.wake_at(), dl.instant());
        let mut r = r;
        assert_eq!(r.on_timeout(dl.instant()), Expiry::GiveUp);
    }

    #[test]
    fn adaptive_pace_tries_until_the_deadline_growing_to_the_ceiling() {
        let t0 = Instant::now();
        let dl = Deadline::after(t0, Duration::from_secs(15));
        let mut r = Retransmit::start(t0, dl, Pace::Adaptive, MIN_RTO, None);
        let mut now = t0;
        let mut waits = Vec::new();
        loop {
            let at = r.wake_at();
            waits.push(at - now);
            now = at;
            if r.on_timeout(now) == Expiry::GiveUp {
                break;
            }
        }
        assert_eq!(waits[0], MIN_RTO);
        assert_eq!(waits[1], MIN_RTO * 5 / 4);
        assert!(waits.windows(2).all(|w| w[1] >= w[0] || w[1] < MAX_RTO));
        assert!(waits.iter().all(|&w| w <= MAX_RTO));
        // 15 s at no more than 1 s per try: well over a dozen tries, and
        // the last wait ends exactly at the deadline.
        assert!(r.tries >= 15, "{} tries", r.tries);
        assert_eq!(now, dl.instant());
    }

    #[test]
    fn estimator_follows_rfc6298_with_floor_ceiling_and_karn() {
        let mut e = RttEstimator::default();
        assert_eq!(e.rto(), INITIAL_RTO);
        // Loopback-fast answers: the floor.
        e.sample(MS);
        assert_eq!(e.srtt(), Some(MS));
        assert_eq!(e.rto(), MIN_RTO);
        // A BMC that answers in 300 ms: SRTT moves an eighth of the way.
        let mut slow = RttEstimator::default();
        slow.sample(300 * MS);
        // RTTVAR 150 ms; RTO = 300 + 600 = 900 ms.
        assert_eq!(slow.rto(), 900 * MS);
        slow.sample(300 * MS);
        // RTTVAR 3/4 * 150 = 112.5 ms; RTO = 300 + 450 = 750 ms.
        assert_eq!(slow.rto(), 750 * MS);
        let mut huge = RttEstimator::default();
        huge.sample(Duration::from_secs(3));
        assert_eq!(huge.rto(), MAX_RTO);
        // Karn: a resent step yields no sample.
        let t0 = Instant::now();
        let dl = Deadline::after(t0, Duration::from_secs(10));
        let mut r = Retransmit::start(t0, dl, Pace::Adaptive, MIN_RTO, None);
        assert_eq!(r.sample(t0 + 5 * MS), Some(5 * MS));
        assert_eq!(r.on_timeout(r.next), Expiry::Resend);
        assert_eq!(r.sample(t0 + 300 * MS), None);
        r.next_step(t0 + 300 * MS, MIN_RTO);
        assert_eq!(r.sample(t0 + 301 * MS), Some(MS));
    }
}
