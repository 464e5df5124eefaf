//! RMCP+ Open Session Request / Response (IPMI 2.0 §13.17, §13.18).
//!
//! Both carry three 8-byte algorithm payload records: record type (00h
//! auth, 01h integrity, 02h confidentiality), 2 reserved bytes, record
//! length 08h, algorithm number (bits 5:0), 3 reserved bytes.

use super::{le32, need, no_trailing, WireError};
use crate::crypto::suite::{AuthAlg, ConfAlg, IntegrityAlg};

/// Open Session Request with the algorithm numbers kept raw (IPMI 2.0 §13.17).
///
/// A responder parses this first so that it can still answer a request
/// naming an unknown algorithm with the right status code (04h, 05h, 10h).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RawOpenSessionRequest {
    /// Message tag.
    pub tag: u8,
    /// Requested maximum privilege level (bits 3:0; 0 = highest matching).
    pub max_privilege: u8,
    /// Remote console session ID.
    pub console_session_id: u32,
    /// Authentication algorithm number (bits 5:0).
    pub auth: u8,
    /// Integrity algorithm number (bits 5:0).
    pub integrity: u8,
    /// Confidentiality algorithm number (bits 5:0).
    pub confidentiality: u8,
}

/// RMCP+ Open Session Request, 32 bytes (IPMI 2.0 §13.17).
///
/// [`OpenSessionRequest::parse`] fails with [`WireError::Invalid`] on an
/// unknown algorithm number; use [`RawOpenSessionRequest`] to see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OpenSessionRequest {
    /// Message tag.
    pub tag: u8,
    /// Requested maximum privilege level (bits 3:0; 0 = highest matching).
    pub max_privilege: u8,
    /// Remote console session ID.
    pub console_session_id: u32,
    /// Authentication algorithm.
    pub auth: AuthAlg,
    /// Integrity algorithm.
    pub integrity: IntegrityAlg,
    /// Confidentiality algorithm.
    pub confidentiality: ConfAlg,
}

/// RMCP+ Open Session Response, 36 bytes (IPMI 2.0 §13.18).
///
/// With `status == 0` the full 36 bytes with known algorithms are required.
/// With `status != 0` only tag and status (2 bytes) are required; fields
/// that are absent or only partly present read as 0 / `None`, and unknown
/// algorithm numbers read as `None`. Emission always writes 36 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OpenSessionResponse {
    /// Message tag.
    pub tag: u8,
    /// RMCP+ status code (IPMI 2.0 §13.24).
    pub status: u8,
    /// Maximum privilege level granted (bits 3:0).
    pub max_privilege: u8,
    /// Remote console session ID.
    pub console_session_id: u32,
    /// Managed system session ID (0 is invalid; not checked here).
    pub bmc_session_id: u32,
    /// Authentication algorithm.
    pub auth: AuthAlg,
    /// Integrity algorithm.
    pub integrity: IntegrityAlg,
    /// Confidentiality algorithm.
    pub confidentiality: ConfAlg,
}

const REC_AUTH: u8 = 0x00;
const REC_INTEGRITY: u8 = 0x01;
const REC_CONF: u8 = 0x02;
const REC_LEN: u8 = 0x08;

/// Validates an 8-byte algorithm record and returns its algorithm number.
fn parse_record(rec: &[u8], ty: u8) -> Result<u8, WireError> {
    if rec[0] != ty {
        return Err(WireError::Invalid {
            what: "open session algorithm record type",
            value: rec[0].into(),
        });
    }
    if rec[3] != REC_LEN {
        return Err(WireError::Invalid {
            what: "open session algorithm record length",
            value: rec[3].into(),
        });
    }
    Ok(rec[4] & 0x3F)
}

fn emit_record(out: &mut Vec<u8>, ty: u8, alg: u8) {
    out.extend_from_slice(&[ty, 0, 0, REC_LEN, alg & 0x3F, 0, 0, 0]);
}

fn auth_alg(v: u8) -> Result<AuthAlg, WireError> {
    AuthAlg::from_u8(v).ok_or(WireError::Invalid {
        what: "authentication algorithm",
        value: v.into(),
    })
}

fn integrity_alg(v: u8) -> Result<IntegrityAlg, WireError> {
    IntegrityAlg::from_u8(v).ok_or(WireError::Invalid {
        what: "integrity algorithm",
        value: v.into(),
    })
}

fn conf_alg(v: u8) -> Result<ConfAlg, WireError> {
    ConfAlg::from_u8(v).ok_or(WireError::Invalid {
        what: "confidentiality algorithm",
        value: v.into(),
    })
}

impl RawOpenSessionRequest {
    /// Emitted length (IPMI 2.0 §13.17).
    pub const LEN: usize = 32;

    /// Parses the request payload, checking record types and lengths only (IPMI 2.0 §13.17).
    pub fn parse(buf: &[u8]) -> Result<Self, WireError> {
        need("open session request", buf, Self::LEN)?;
        no_trailing("open session request", buf, Self::LEN)?;
        Ok(RawOpenSessionRequest {
            tag: buf[0],
            max_privilege: buf[1] & 0x0F,
            console_session_id: le32(buf, 4),
            auth: parse_record(&buf[8..16], REC_AUTH)?,
            integrity: parse_record(&buf[16..24], REC_INTEGRITY)?,
            confidentiality: parse_record(&buf[24..32], REC_CONF)?,
        })
    }

    /// Appends the 32-byte payload (IPMI 2.0 §13.17).
    pub fn emit(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[self.tag, self.max_privilege & 0x0F, 0, 0]);
        out.extend_from_slice(&self.console_session_id.to_le_bytes());
        emit_record(out, REC_AUTH, self.auth);
        emit_record(out, REC_INTEGRITY, self.integrity);
        emit_record(out, REC_CONF, self.confidentiality);
    }

    /// Emitted length (IPMI 2.0 §13.17).
    pub fn buffer_len(&self) -> usize {
        Self::LEN
    }

    /// Decodes the algorithm numbers; unknown ones are [`WireError::Invalid`] (IPMI 2.0 §13.28).
    pub fn to_typed(self) -> Result<OpenSessionRequest, WireError> {
        Ok(OpenSessionRequest {
            tag: self.tag,
            max_privilege: self.max_privilege,
            console_session_id: self.console_session_id,
            auth: auth_alg(self.auth)?,
            integrity: integrity_alg(self.integrity)?,
            confidentiality: conf_alg(self.confidentiality)?,
        })
    }
}

impl From<OpenSessionRequest> for RawOpenSessionRequest {
    fn from(r: OpenSessionRequest) -> Self {
        RawOpenSessionRequest {
            tag: r.tag,
            max_privilege: r.max_privilege,
            console_session_id: r.console_session_id,
            auth: r.auth as u8,
            integrity: r.integrity as u8,
            confidentiality: r.confidentiality as u8,
        }
    }
}

impl OpenSessionRequest {
    /// Emitted length (IPMI 2.0 §13.17).
    pub const LEN: usize = 32;

    /// Parses the request payload; unknown algorithms are [`WireError::Invalid`] (IPMI 2.0 §13.17).
    pub fn parse(buf: &[u8]) -> Result<Self, WireError> {
        RawOpenSessionRequest::parse(buf)?.to_typed()
    }

    /// Appends the 32-byte payload (IPMI 2.0 §13.17).
    pub fn emit(&self, out: &mut Vec<u8>) {
        RawOpenSessionRequest::from(*self).emit(out)
    }

    /// Length of the emitted payload (IPMI 2.0 §13.17).
    pub fn buffer_len(&self) -> usize {
        Self::LEN
    }
}

impl OpenSessionResponse {
    /// Length of a full response (IPMI 2.0 §13.18).
    pub const LEN: usize = 36;

    /// Parses the response payload (IPMI 2.0 §13.18); see the type docs for
    /// the short form accepted when `status != 0`.
    pub fn parse(buf: &[u8]) -> Result<Self, WireError> {
        need("open session response", buf, 2)?;
        no_trailing("open session response", buf, Self::LEN)?;
        let (tag, status) = (buf[0], buf[1]);
        if status != 0 {
            let full = buf.len() == Self::LEN;
            let alg = |off: usize| if full { buf[off] & 0x3F } else { 0 };
            return Ok(OpenSessionResponse {
                tag,
                status,
                max_privilege: buf.get(2).map_or(0, |b| b & 0x0F),
                console_session_id: if buf.len() >= 8 { le32(buf, 4) } else { 0 },
                bmc_session_id: if buf.len() >= 12 { le32(buf, 8) } else { 0 },
                auth: AuthAlg::from_u8(alg(16)).unwrap_or(AuthAlg::None),
                integrity: IntegrityAlg::from_u8(alg(24)).unwrap_or(IntegrityAlg::None),
                confidentiality: ConfAlg::from_u8(alg(32)).unwrap_or(ConfAlg::None),
            });
        }
        need("open session response", buf, Self::LEN)?;
        Ok(OpenSessionResponse {
            tag,
            status,
            max_privilege: buf[2] & 0x0F,
            console_session_id: le32(buf, 4),
            bmc_session_id: le32(buf, 8),
            auth: auth_alg(parse_record(&buf[12..20], REC_AUTH)?)?,
            integrity: integrity_alg(parse_record(&buf[20..28], REC_INTEGRITY)?)?,
            confidentiality: conf_alg(parse_record(&buf[28..36], REC_CONF)?)?,
        })
    }

    /// Appends the full 36-byte payload (IPMI 2.0 §13.18).
    pub fn emit(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[self.tag, self.status, self.max_privilege & 0x0F, 0]);
        out.extend_from_slice(&self.console_session_id.to_le_bytes());
        out.extend_from_slice(&self.bmc_session_id.to_le_bytes());
        emit_record(out, REC_AUTH, self.auth as u8);
        emit_record(out, REC_INTEGRITY, self.integrity as u8);
        emit_record(out, REC_CONF, self.confidentiality as u8);
    }

    /// Length of the emitted payload (IPMI 2.0 §13.18).
    pub fn buffer_len(&self) -> usize {
        Self::LEN
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::testutil::fuzz;

    fn req() -> OpenSessionRequest {
        OpenSessionRequest {
            tag: 0,
            max_privilege: 0,
            console_session_id: 0xA0A2A3A4,
            auth: AuthAlg::HmacSha1,
            integrity: IntegrityAlg::HmacSha1_96,
            confidentiality: ConfAlg::AesCbc128,
        }
    }

    fn resp() -> OpenSessionResponse {
        OpenSessionResponse {
            tag: 0,
            status: 0,
            max_privilege: 4,
            console_session_id: 0xA0A2A3A4,
            bmc_session_id: 0x0BADBEEF,
            auth: AuthAlg::HmacSha256,
            integrity: IntegrityAlg::HmacSha256_128,
            confidentiality: ConfAlg::AesCbc128,
        }
    }

    #[test]
    fn request_bytes_suite3() {
        // A suite-3 Open Session Request (IPMI 2.0 §13.17, table 13-9): the
        // payload part of the 48-byte datagram of tests/vectors.rs.
        let expect = [
            0x00, 0x00, 0x00, 0x00, 0xA4, 0xA3, 0xA2, 0xA0, 0x00, 0x00, 0x00, 0x08, 0x01, 0x00,
            0x00, 0x00, 0x01, 0x00, 0x00, 0x08, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x08,
            0x01, 0x00, 0x00, 0x00,
        ];
        let mut v = Vec::new();
        req().emit(&mut v);
        assert_eq!(v, expect);
        assert_eq!(v.len(), req().buffer_len());
        assert_eq!(OpenSessionRequest::parse(&v).unwrap(), req());
    }

    #[test]
    fn request_truncated_trailing_unknown() {
        let mut v = Vec::new();
        req().emit(&mut v);
        for n in 0..v.len() {
            assert!(matches!(
                OpenSessionRequest::parse(&v[..n]),
                Err(WireError::Truncated { .. })
            ));
        }
        let mut t = v.clone();
        t.push(0);
        assert!(matches!(
            OpenSessionRequest::parse(&t),
            Err(WireError::TrailingBytes { .. })
        ));
        let mut u = v.clone();
        u[12] = 0x09;
        assert_eq!(
            OpenSessionRequest::parse(&u),
            Err(WireError::Invalid {
                what: "authentication algorithm",
                value: 9
            })
        );
        let raw = RawOpenSessionRequest::parse(&u).unwrap();
        assert_eq!(raw.auth, 9);
        assert_eq!(raw.console_session_id, 0xA0A2A3A4);
        let mut bad_rec = v.clone();
        bad_rec[16] = 0x02;
        assert!(matches!(
            OpenSessionRequest::parse(&bad_rec),
            Err(WireError::Invalid { .. })
        ));
    }

    #[test]
    fn response_round_trip() {
        let mut v = Vec::new();
        resp().emit(&mut v);
        assert_eq!(v.len(), resp().buffer_len());
        assert_eq!(OpenSessionResponse::parse(&v).unwrap(), resp());
        for n in 0..v.len() {
            assert!(matches!(
                OpenSessionResponse::parse(&v[..n]),
                Err(WireError::Truncated { .. })
            ));
        }
        v.push(0);
        assert!(matches!(
            OpenSessionResponse::parse(&v),
            Err(WireError::TrailingBytes { .. })
        ));
    }

    #[test]
    fn response_error_forms() {
        // Short error response: tag, status, priv, reserved, console id.
        let short = [0x05, 0x11, 0x00, 0x00, 0xA4, 0xA3, 0xA2, 0xA0];
        let r = OpenSessionResponse::parse(&short).unwrap();
        assert_eq!(r.status, 0x11);
        assert_eq!(r.tag, 5);
        assert_eq!(r.console_session_id, 0xA0A2A3A4);
        assert_eq!(r.bmc_session_id, 0);
        assert_eq!(r.auth, AuthAlg::None);
        // Just tag + status.
        let r = OpenSessionResponse::parse(&[1, 0x01]).unwrap();
        assert_eq!((r.tag, r.status, r.console_session_id), (1, 1, 0));
        // Full-length error response with unknown algorithms still parses.
        let mut v = Vec::new();
        OpenSessionResponse {
            status: 0x04,
            ..resp()
        }
        .emit(&mut v);
        v[16] = 0x3F;
        v[24] = 0x3F;
        v[32] = 0x3F;
        let r = OpenSessionResponse::parse(&v).unwrap();
        assert_eq!(r.status, 4);
        assert_eq!(r.bmc_session_id, 0x0BADBEEF);
        assert_eq!(
            (r.auth, r.integrity, r.confidentiality),
            (AuthAlg::None, IntegrityAlg::None, ConfAlg::None)
        );
        // ...but not with status 0.
        v[1] = 0;
        assert!(matches!(
            OpenSessionResponse::parse(&v),
            Err(WireError::Invalid { .. })
        ));
    }

    #[test]
    fn no_panic() {
        let mut v = Vec::new();
        resp().emit(&mut v);
        fuzz(&v, |b| {
            let _ = OpenSessionResponse::parse(b);
            let _ = OpenSessionRequest::parse(b);
            let _ = RawOpenSessionRequest::parse(b);
        });
        let mut v = Vec::new();
        req().emit(&mut v);
        fuzz(&v, |b| {
            let _ = OpenSessionRequest::parse(b);
        });
    }
}
