//! Bridging (IPMI 2.0 §6.12.6): a request for a controller behind the BMC
//! travels inside Send Message (App 34h, §22.7) with tracking, as an IPMB
//! frame with its two checksums; the answer comes back embedded in the Send
//! Message response or as a separate message carrying the same rqSeq. One
//! encoder and decoder for every transport.

use crate::wire::LanMessage;
use crate::{CompletionCode, NetFn, Request, Response, Target};

/// Send Message (NetFn App, cmd 34h; IPMI 2.0 §22.7).
pub const SEND_MESSAGE: u8 = 0x34;
/// Send Message channel byte bit 6: track the request (IPMI 2.0 §22.7).
const TRACK_REQUEST: u8 = 0x40;

/// The Send Message request carrying `request` to its target as an IPMB
/// frame from `rq_addr`/`rq_lun` with sequence `rq_seq` (IPMI 2.0 §22.7);
/// `track`: the BMC tracks the request (sessions, LAN); a system interface
/// sends untracked and reads the answer from the receive queue.
pub fn send_message(
    request: &Request,
    rq_addr: u8,
    rq_lun: u8,
    rq_seq: u8,
    track: bool,
) -> Request {
    let mut data = Vec::with_capacity(1 + request.data.len() + LanMessage::OVERHEAD);
    let tracking = if track { TRACK_REQUEST } else { 0 };
    data.push(tracking | (request.target.channel & 0x0f));
    LanMessage {
        src_lun: rq_lun & 3,
        ..LanMessage::for_request(request, rq_addr, rq_seq)
    }
    .emit(&mut data);
    Request {
        target: Target::bmc(),
        netfn: NetFn::APP,
        cmd: SEND_MESSAGE,
        data,
    }
}

/// What a Send Message response means for the bridged request.
#[derive(Debug, PartialEq, Eq)]
pub enum Forwarded {
    /// The final answer (embedded in the response, or the BMC's refusal
    /// to forward, reported as the bridged command's completion code).
    Answer(Response),
    /// Forwarded; the answer follows as a separate message.
    Pending,
    /// The embedded answer is not a well-formed answer to the request.
    Malformed,
}

/// Interprets the Send Message `response` to a request for `inner` (NetFn,
/// cmd) sent with `rq_seq` (IPMI 2.0 §22.7).
pub fn on_send_message_response(response: &Response, rq_seq: u8, inner: (NetFn, u8)) -> Forwarded {
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
    answer_in(&response.data, rq_seq, inner).map_or(Forwarded::Malformed, Forwarded::Answer)
}

/// The answer to `inner` sent with `rq_seq` when the IPMB frame `message`
/// is one (checksums verified); `None` for anything else.
pub fn answer_in(message: &[u8], rq_seq: u8, inner: (NetFn, u8)) -> Option<Response> {
    let (netfn, cmd) = inner;
    match LanMessage::parse(message) {
        Ok(m) if m.seq == rq_seq & 0x3f && m.netfn == netfn.response() && m.cmd == cmd => {
            m.to_response()
        }
        _ => None,
    }
}

/// True when the completion code is one a BMC uses to say it could not
/// deliver a bridged request (IPMI 2.0 §22.7: 0x80–0x83 and 0xD3).
pub fn is_delivery_failure(code: CompletionCode) -> bool {
    matches!(code.0, 0x80..=0x83 | 0xd3)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bridged() -> Request {
        Request {
            target: Target::ipmb(0, 0x30),
            netfn: NetFn::SENSOR_EVENT,
            cmd: 0x2d,
            data: vec![0xbe],
        }
    }

    #[test]
    fn send_message_wraps_an_ipmb_frame_with_tracking() {
        let r = send_message(&bridged(), 0x20, 2, 5, true);
        assert_eq!(
            (r.netfn, r.cmd, r.target),
            (NetFn::APP, SEND_MESSAGE, Target::bmc())
        );
        assert_eq!(r.data[0], 0x40);
        let m = LanMessage::parse(&r.data[1..]).unwrap();
        assert_eq!(
            (m.dst_addr, m.netfn, m.src_addr, m.src_lun, m.seq, m.cmd, m.body),
            (0x30, NetFn::SENSOR_EVENT, 0x20, 2, 5, 0x2d, &[0xbe][..])
        );
    }

    #[test]
    fn answers_are_matched_by_sequence_and_command() {
        let answer = |seq: u8| {
            let mut out = Vec::new();
            LanMessage {
                dst_addr: 0x20,
                netfn: NetFn::SENSOR_EVENT.response(),
                dst_lun: 2,
                src_addr: 0x30,
                seq,
                src_lun: 0,
                cmd: 0x2d,
                body: &[0x00, 0x32, 0xc0, 0x00],
            }
            .emit(&mut out);
            out
        };
        let inner = (NetFn::SENSOR_EVENT, 0x2d);
        let r = answer_in(&answer(5), 5, inner).unwrap();
        assert_eq!(r.data, [0x32, 0xc0, 0x00]);
        assert_eq!(answer_in(&answer(6), 5, inner), None);
        let mut bad = answer(5);
        *bad.last_mut().unwrap() ^= 1;
        assert_eq!(answer_in(&bad, 5, inner), None);
        let refused = Response {
            netfn: NetFn::APP.response(),
            cmd: SEND_MESSAGE,
            completion: CompletionCode(0x83),
            data: vec![],
        };
        match on_send_message_response(&refused, 5, inner) {
            Forwarded::Answer(r) => assert!(is_delivery_failure(r.completion)),
            other => panic!("{other:?}"),
        }
    }
}
