//! Inbound session sequence window (IPMI 2.0 §6.12.13, §13.7): drops
//! replayed and very old authenticated packets.

/// Remembers the highest sequence number accepted and which of the 32
/// below it were seen.
#[derive(Clone, Debug, Default)]
pub(crate) struct ReplayWindow {
    highest: Option<u32>,
    seen: u32,
}

/// How far below the highest sequence number a packet may still arrive.
const WINDOW: u32 = 32;

impl ReplayWindow {
    /// True when `seq` is new and not too old; does not record it.
    pub(crate) fn check(&self, seq: u32) -> bool {
        if seq == 0 {
            return false;
        }
        match self.highest {
            None => true,
            Some(h) if seq > h => true,
            Some(h) => {
                let back = h - seq;
                back < WINDOW && back != 0 && self.seen & (1 << back) == 0
            }
        }
    }

    /// Records `seq` as accepted (call after its integrity verified).
    pub(crate) fn record(&mut self, seq: u32) {
        match self.highest {
            None => {
                self.highest = Some(seq);
                self.seen = 1;
            }
            Some(h) if seq > h => {
                let shift = seq - h;
                self.seen = if shift >= WINDOW {
                    1
                } else {
                    (self.seen << shift) | 1
                };
                self.highest = Some(seq);
            }
            Some(h) => {
                let back = h - seq;
                if back < WINDOW {
                    self.seen |= 1 << back;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_duplicates_and_old() {
        let mut w = ReplayWindow::default();
        assert!(!w.check(0));
        assert!(w.check(5));
        w.record(5);
        assert!(!w.check(5));
        assert!(w.check(3));
        w.record(3);
        assert!(!w.check(3));
        assert!(w.check(4));
        w.record(40);
        assert!(!w.check(5), "too old");
        assert!(w.check(39));
        assert!(!w.check(40));
    }
}
