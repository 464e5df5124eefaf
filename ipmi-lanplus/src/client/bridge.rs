//! Bridging over the LAN session (IPMI 2.0 §6.12.6, Send Message §22.7):
//! a request for a controller behind the BMC travels inside Send Message
//! with tracking; its answer comes back either embedded in the Send Message
//! response or as a separate message carrying the same rqSeq.

use ipmi_core::wire::lan_message::{LanMessage, REMOTE_CONSOLE_SWID};
use ipmi_core::{CompletionCode, NetFn, Request, Response, Target};

/// Send Message (NetFn App, cmd 0x34; IPMI 2.0 §22.7).
pub(crate) const SEND_MESSAGE: u8 = 0x34;
/// Send Message channel byte bit 6: track the request (IPMI 2.0 §22.7).
const TRACK_REQUEST: u8 = 0x40;

/// The IPMI message bytes that carry `request` to its target with `rq_seq`:
/// the request itself for the BMC, else a Send Message wrapping it.
pub(crate) fn frame(request: &Request, rq_seq: u8) -> Vec<u8> {
    let mut message = Vec::with_capacity(request.data.len() + 2 * LanMessage::OVERHEAD + 1);
    if request.target.is_bmc() {
        LanMessage::for_request(request, REMOTE_CONSOLE_SWID, rq_seq).emit(&mut message);
        return message;
    }
    let mut data = vec![TRACK_REQUEST | (request.target.channel & 0x0f)];
    LanMessage::for_request(request, REMOTE_CONSOLE_SWID, rq_seq).emit(&mut data);
    let outer = Request {
        target: Target::bmc(),
        netfn: NetFn::APP,
        cmd: SEND_MESSAGE,
        data,
    };
    LanMessage::for_request(&outer, REMOTE_CONSOLE_SWID, rq_seq).emit(&mut message);
    message
}

/// What a Send Message response means for the bridged request.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Forwarded {
    /// The final answer (embedded in the response, or the BMC's refusal
    /// to forward, reported as the bridged command's completion code).
    Answer(Response),
    /// Forwarded; the answer follows as a separate message.
    Pending,
    /// The embedded answer is not a well-formed answer to the request.
    Malformed,
}

/// Interprets the Send Message `response` to a request for `inner` (NetFn, cmd).
pub(crate) fn on_send_message_response(
    response: &Response,
    rq_seq: u8,
    inner: (NetFn, u8),
) -> Forwarded {
    let (netfn, cmd) = inner;
    if !response.completion.is_success() {
        return Forwarded::Answer(Response {
            netfn: netfn.response(),
            cmd,
            completion: response.completion,
            data: Vec::new(),
        });
    }
    if response.data.is_empty() {
        return Forwarded::Pending;
    }
    match LanMessage::parse(&response.data) {
        Ok(m) if m.seq == rq_seq && m.netfn == netfn.response() && m.cmd == cmd => m
            .to_response()
            .map_or(Forwarded::Malformed, Forwarded::Answer),
        _ => Forwarded::Malformed,
    }
}

/// True when the completion code is one a BMC uses to say it could not
/// deliver a bridged request (IPMI 2.0 §22.7: 0x80–0x83 and 0xD3).
pub fn is_delivery_failure(code: CompletionCode) -> bool {
    matches!(code.0, 0x80..=0x83 | 0xd3)
}

#[cfg(test)]
mod tests;
