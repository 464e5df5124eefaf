//! The KCS message format (IPMI 2.0 §9.2, figures 9-1 and 9-2): request
//! `NetFn<<2 | LUN, cmd, data...`, response `(NetFn|1)<<2 | LUN, cmd,
//! completion code, data...`; no addresses, checksums or sequence numbers.

use ipmi_core::{NetFn, Request, Response};

use super::error::KcsError;

/// The largest KCS message this crate sends or accepts by default, in bytes
/// (the Linux driver's `IPMI_MAX_MSG_LENGTH`, kernel uapi `linux/ipmi.h`).
pub const MAX_MESSAGE_LEN: usize = 272;

/// Encodes `request` as KCS bytes, refusing bridged targets, response
/// NetFns and requests over `max_len` bytes (IPMI 2.0 §9.2).
pub fn encode_request(request: &Request, max_len: usize) -> Result<Vec<u8>, KcsError> {
    if !request.target.is_bmc() {
        return Err(KcsError::Bridged {
            target: request.target,
        });
    }
    if !request.netfn.is_request() || request.netfn.0 > 0x3e {
        return Err(KcsError::NotARequest {
            netfn: request.netfn,
        });
    }
    let len = 2 + request.data.len();
    if len > max_len {
        return Err(KcsError::RequestTooLong { len, max: max_len });
    }
    let mut out = Vec::with_capacity(len);
    out.push(request.netfn.0 << 2 | (request.target.lun & 0x03));
    out.push(request.cmd);
    out.extend_from_slice(&request.data);
    Ok(out)
}

/// Decodes the KCS response bytes to `request` (IPMI 2.0 §9.2): at least
/// NetFn/LUN, command and completion code, for the request's NetFn | 1 and command.
pub fn decode_response(bytes: &[u8], request: &Request) -> Result<Response, KcsError> {
    if bytes.len() < 3 {
        return Err(KcsError::ResponseTooShort { len: bytes.len() });
    }
    let netfn = NetFn(bytes[0] >> 2);
    let cmd = bytes[1];
    let response = Response::from_body(netfn, cmd, &bytes[2..])
        .ok_or(KcsError::ResponseTooShort { len: bytes.len() })?;
    if !response.answers(request) {
        return Err(KcsError::ResponseMismatch {
            netfn: request.netfn,
            cmd: request.cmd,
            got_netfn: netfn,
            got_cmd: cmd,
        });
    }
    Ok(response)
}

#[cfg(test)]
mod tests;
