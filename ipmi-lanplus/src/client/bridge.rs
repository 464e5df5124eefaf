//! Bridging over the LAN session (IPMI 2.0 §6.12.6, Send Message §22.7):
//! the Send Message encoder and decoder live in `ipmi_core::cmd::bridge`;
//! here the request, wrapped or not, is framed for the session.

use ipmi_core::wire::lan_message::{LanMessage, REMOTE_CONSOLE_SWID};
use ipmi_core::Request;

pub use ipmi_core::cmd::bridge::is_delivery_failure;
pub(crate) use ipmi_core::cmd::bridge::{on_send_message_response, Forwarded, SEND_MESSAGE};

/// The IPMI message bytes that carry `request` to its target with `rq_seq`:
/// the request itself for the BMC, else a Send Message wrapping it.
pub(crate) fn frame(request: &Request, rq_seq: u8) -> Vec<u8> {
    let mut message = Vec::with_capacity(request.data.len() + 2 * LanMessage::OVERHEAD + 1);
    if request.target.is_bmc() {
        LanMessage::for_request(request, REMOTE_CONSOLE_SWID, rq_seq).emit(&mut message);
        return message;
    }
    let outer = ipmi_core::cmd::bridge::send_message(request, REMOTE_CONSOLE_SWID, 0, rq_seq, true);
    LanMessage::for_request(&outer, REMOTE_CONSOLE_SWID, rq_seq).emit(&mut message);
    message
}

#[cfg(test)]
mod tests;
