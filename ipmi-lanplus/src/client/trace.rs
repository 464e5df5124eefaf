//! The client's `tracing` vocabulary: the `ipmi_session` span and which
//! dropped datagrams are worth a warning. Never a secret: no password, key,
//! random or authentication code is ever a field.
//!
//! Levels: `debug` for each handshake step (IPMI 2.0 §13.15–§13.23),
//! request, retransmission and ordinary drop (stale, duplicate, another
//! tag); `info` for a cipher suite fallback and a deadline that expired;
//! `warn` for a datagram that failed integrity, replay or checksum checks
//! or did not parse: an attack or a broken BMC (§13.28.3, §13.28.4).

use std::fmt;

use ipmi_core::Request;

/// The span of one session: the console's session ID at once, the cipher
/// suite and the BMC's session ID once Open Session is answered (§13.17),
/// the peer when a driver records it (`host`).
pub(super) fn session_span(console_session_id: u32) -> tracing::Span {
    tracing::debug_span!(
        "ipmi_session",
        host = tracing::field::Empty,
        suite = tracing::field::Empty,
        console_session_id = %Hex(console_session_id),
        bmc_session_id = tracing::field::Empty,
    )
}

/// The span of one in-session request (IPMI 2.0 §13.8): its NetFn,
/// command and request sequence number (rqSeq), inside the session's span.
pub(super) fn request_span(
    session: &tracing::Span,
    request: &Request,
    rq_seq: u8,
) -> tracing::Span {
    tracing::debug_span!(
        parent: session,
        "ipmi_request",
        netfn = %Hex(request.netfn.0),
        cmd = %Hex(request.cmd),
        rq_seq,
    )
}

/// Whether a drop reason hints at an attack or a broken BMC (`warn`),
/// rather than at a late or duplicated answer (`debug`).
pub(super) fn is_suspicious(reason: &str) -> bool {
    reason.starts_with("malformed")
        || reason.contains("integrity")
        || reason.contains("replayed")
        || reason.contains("checksum")
}

/// A number shown as `0x…` hex, as the IPMI specification writes them.
pub(super) struct Hex<T>(pub T);

impl<T: fmt::LowerHex> fmt::Display for Hex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#x}", self.0)
    }
}
