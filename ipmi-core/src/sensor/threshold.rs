//! The six thresholds and the one bit layout every threshold mask shares
//! (readable/settable masks, comparison status; IPMI 2.0 §35.9, §35.14,
//! §43.1 bytes 19–20).

use std::fmt;

/// A sensor threshold; the discriminant is its bit in a [`ThresholdMask`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Threshold {
    /// Lower non-critical.
    LowerNonCritical = 0,
    /// Lower critical.
    LowerCritical = 1,
    /// Lower non-recoverable.
    LowerNonRecoverable = 2,
    /// Upper non-critical.
    UpperNonCritical = 3,
    /// Upper critical.
    UpperCritical = 4,
    /// Upper non-recoverable.
    UpperNonRecoverable = 5,
}

impl Threshold {
    /// All six in bit order (the order of Get Sensor Thresholds' data).
    pub const ALL: [Threshold; 6] = [
        Threshold::LowerNonCritical,
        Threshold::LowerCritical,
        Threshold::LowerNonRecoverable,
        Threshold::UpperNonCritical,
        Threshold::UpperCritical,
        Threshold::UpperNonRecoverable,
    ];

    /// Status precedence as ipmitool reports a comparison: worst first.
    const BY_SEVERITY: [Threshold; 6] = [
        Threshold::LowerNonRecoverable,
        Threshold::UpperNonRecoverable,
        Threshold::LowerCritical,
        Threshold::UpperCritical,
        Threshold::LowerNonCritical,
        Threshold::UpperNonCritical,
    ];

    /// ipmitool's short word ("nc", "cr", "nr").
    pub fn word(self) -> &'static str {
        match self {
            Threshold::LowerNonCritical | Threshold::UpperNonCritical => "nc",
            Threshold::LowerCritical | Threshold::UpperCritical => "cr",
            Threshold::LowerNonRecoverable | Threshold::UpperNonRecoverable => "nr",
        }
    }

    /// ipmitool's abbreviation ("lnc", "ucr", ...), as in `sdr elist -v`-less extended lists.
    pub fn abbreviation(self) -> &'static str {
        ["lnc", "lcr", "lnr", "unc", "ucr", "unr"][self as usize]
    }

    /// The full name ("Lower Non-Critical", ...).
    pub fn long_name(self) -> &'static str {
        [
            "Lower Non-Critical",
            "Lower Critical",
            "Lower Non-Recoverable",
            "Upper Non-Critical",
            "Upper Critical",
            "Upper Non-Recoverable",
        ][self as usize]
    }
}

/// ipmitool's word for threshold event offset `offset` (generic
/// event/reading type 01h, IPMI 2.0 table 42-2): "lnc-" (going low),
/// "lnc+" (going high), ... "unr+"; `None` past 11.
pub fn threshold_event_word(offset: u8) -> Option<&'static str> {
    [
        "lnc-", "lnc+", "lcr-", "lcr+", "lnr-", "lnr+", "unc-", "unc+", "ucr-", "ucr+", "unr-",
        "unr+",
    ]
    .get(usize::from(offset))
    .copied()
}

/// Six threshold bits: LNC bit 0 … UNR bit 5 (IPMI 2.0 §35.9, §35.14).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ThresholdMask(pub u8);

impl ThresholdMask {
    /// True when `t`'s bit is set.
    pub fn contains(self, t: Threshold) -> bool {
        self.0 & (1 << t as u8) != 0
    }

    /// The most severe threshold crossed (ipmitool's order: lnr, unr, lcr,
    /// ucr, lnc, unc), `None` when none is.
    pub fn worst(self) -> Option<Threshold> {
        Threshold::BY_SEVERITY
            .into_iter()
            .find(|&t| self.contains(t))
    }

    /// ipmitool's status word for this comparison: "ok", "nc", "cr" or "nr".
    pub fn word(self) -> &'static str {
        self.worst().map_or("ok", Threshold::word)
    }
}

impl fmt::Display for ThresholdMask {
    /// The status word ("ok", "nc", "cr", "nr").
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_words() {
        assert_eq!(ThresholdMask(0).word(), "ok");
        assert_eq!(ThresholdMask(0x01).word(), "nc");
        assert_eq!(ThresholdMask(0x08).word(), "nc");
        assert_eq!(ThresholdMask(0x09 | 0x10).word(), "cr");
        assert_eq!(
            ThresholdMask(0x3f).worst(),
            Some(Threshold::LowerNonRecoverable)
        );
        assert_eq!(
            ThresholdMask(0x38).worst(),
            Some(Threshold::UpperNonRecoverable)
        );
        assert_eq!(Threshold::UpperCritical.abbreviation(), "ucr");
        assert_eq!(ThresholdMask(0x40).word(), "ok");
        assert_eq!(threshold_event_word(0), Some("lnc-"));
        assert_eq!(threshold_event_word(11), Some("unr+"));
        assert_eq!(threshold_event_word(12), None);
    }
}
