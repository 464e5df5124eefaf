//! Deviations from IPMI 2.0 seen in deployed BMCs, switchable on a
//! [`super::Responder`] so that tests can meet them without the BMC: the
//! peers that cipher suite negotiation (§22.15, §13.17) and a console's
//! handshake manners (§13.20–§13.22) must cope with. All off by default.

/// How Get Channel Cipher Suites (IPMI 2.0 §22.15) is treated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CipherSuitesQuirk {
    /// Answered, as the specification says.
    #[default]
    Answer,
    /// Never answered, not even with an error (ipmi_sim does this).
    Silent,
    /// Answered with completion code C1h, invalid command (IPMI 2.0 §5.2).
    NotImplemented,
}

/// The quirks a responder shows (IPMI 2.0 §13.17–§13.22, §22.15).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Quirks {
    /// Accept every Open Session Request (status 00h) and answer it with
    /// the algorithms of this suite, whatever was offered; the handshake
    /// then runs with this suite (IPMI 2.0 §13.18).
    pub open_session_suite: Option<u8>,
    /// How Get Channel Cipher Suites is treated (IPMI 2.0 §22.15).
    pub cipher_suites: CipherSuitesQuirk,
    /// Leave a RAKP 1 that names an unknown user unanswered, instead of a
    /// RAKP 2 with status 0Dh (IPMI 2.0 §13.21).
    pub silent_on_unknown_user: bool,
    /// Fall over on a RAKP 3 for a session no RAKP 2 was sent for (IPMI
    /// 2.0 §13.22): from then on the responder answers nothing at all,
    /// to anyone (see [`super::ResponderStats::crashed`]).
    pub crash_on_unexpected_rakp3: bool,
}

impl Quirks {
    /// A BMC seen in the field: Open Session always answered with suite
    /// 3's algorithms, Get Channel Cipher Suites never answered.
    pub fn suite3_only() -> Self {
        Quirks {
            open_session_suite: Some(3),
            cipher_suites: CipherSuitesQuirk::Silent,
            ..Quirks::default()
        }
    }
}
