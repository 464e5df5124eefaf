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
mod tests {
    use super::*;
    use ipmi_core::cmd::{GetChassisStatus, GetDeviceId, Raw};
    use ipmi_core::{Command, CompletionCode, Target};

    #[test]
    fn request_bytes() {
        assert_eq!(
            encode_request(&GetDeviceId.request(), 272).unwrap(),
            [0x18, 0x01]
        );
        assert_eq!(
            encode_request(&GetChassisStatus.request(), 272).unwrap(),
            [0x00, 0x01]
        );
        let raw = Raw {
            netfn: NetFn(0x2e),
            cmd: 0x40,
            data: vec![1, 2, 3],
        };
        let mut req = raw.request();
        req.target.lun = 2;
        assert_eq!(encode_request(&req, 272).unwrap(), [0xba, 0x40, 1, 2, 3]);
    }

    #[test]
    fn request_refusals() {
        let bridged = GetDeviceId.request_to(Target::ipmb(0, 0x40));
        assert!(matches!(
            encode_request(&bridged, 272),
            Err(KcsError::Bridged { .. })
        ));
        let odd = Raw {
            netfn: NetFn(7),
            cmd: 1,
            data: vec![],
        };
        assert!(matches!(
            encode_request(&odd.request(), 272),
            Err(KcsError::NotARequest { .. })
        ));
        let long = Raw {
            netfn: NetFn(6),
            cmd: 1,
            data: vec![0; 271],
        };
        assert_eq!(
            encode_request(&long.request(), 272),
            Err(KcsError::RequestTooLong { len: 273, max: 272 })
        );
    }

    #[test]
    fn response_bytes() {
        let req = GetDeviceId.request();
        let r = decode_response(&[0x1c, 0x01, 0x00, 0x20, 0x00], &req).unwrap();
        assert_eq!(r.netfn, NetFn(7));
        assert_eq!(r.completion, CompletionCode(0));
        assert_eq!(r.data, [0x20, 0x00]);
        assert_eq!(
            decode_response(&[0x1c, 0x01], &req),
            Err(KcsError::ResponseTooShort { len: 2 })
        );
        assert!(matches!(
            decode_response(&[0x04, 0x01, 0x00], &req),
            Err(KcsError::ResponseMismatch { .. })
        ));
    }
}
