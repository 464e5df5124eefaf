//! IPMI v1.5 LAN session header (IPMI 2.0 §13.6, §22.12 of IPMI 1.5).
//!
//! Layout after the RMCP header: auth type (1), sequence (LE u32), session
//! ID (LE u32), AuthCode (16, only when auth type != 0), message length (1),
//! message. RMCP+ clients use it only pre-session, for Get Channel
//! Authentication Capabilities.

use super::{arr16, le32, need, WireError};

/// Authentication type "none" (IPMI 2.0 §13.6).
pub const AUTH_TYPE_NONE: u8 = 0x00;
/// Authentication type of the RMCP+ format, which is not a v1.5 session (IPMI 2.0 §13.6).
pub const AUTH_TYPE_RMCP_PLUS: u8 = 0x06;

/// IPMI v1.5 session header and payload (IPMI 2.0 §13.6).
///
/// Parsing accepts auth types 0 (none), 1 (MD2), 2 (MD5), 4 (straight
/// password) and 5 (OEM). After the message it tolerates exactly one 00h
/// byte (the legacy pad some v1.5 senders add); any other trailing byte is
/// [`WireError::TrailingBytes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SessionV15<'a> {
    /// Authentication type (0 = none).
    pub auth_type: u8,
    /// Session sequence number.
    pub sequence: u32,
    /// Session ID.
    pub session_id: u32,
    /// 16-byte AuthCode, present on the wire iff `auth_type != 0`.
    pub auth_code: Option<[u8; 16]>,
    /// The IPMI message (at most 255 bytes).
    pub payload: &'a [u8],
}

impl<'a> SessionV15<'a> {
    /// Parses a v1.5 session (after the RMCP header) (IPMI 2.0 §13.6).
    pub fn parse(buf: &'a [u8]) -> Result<Self, WireError> {
        need("v1.5 session header", buf, 1)?;
        let auth_type = buf[0];
        if !matches!(auth_type, 0 | 1 | 2 | 4 | 5) {
            return Err(WireError::Invalid {
                what: "v1.5 auth type",
                value: auth_type.into(),
            });
        }
        let code_len = if auth_type == AUTH_TYPE_NONE { 0 } else { 16 };
        let hdr_len = 1 + 4 + 4 + code_len + 1;
        need("v1.5 session header", buf, hdr_len)?;
        let auth_code = (code_len != 0).then(|| arr16(buf, 9));
        let len = usize::from(buf[hdr_len - 1]);
        need("v1.5 session payload", buf, hdr_len + len)?;
        let rest = &buf[hdr_len + len..];
        match rest {
            [] | [0] => {}
            _ => {
                return Err(WireError::TrailingBytes {
                    what: "v1.5 session",
                    extra: rest.len(),
                })
            }
        }
        Ok(SessionV15 {
            auth_type,
            sequence: le32(buf, 1),
            session_id: le32(buf, 5),
            auth_code,
            payload: &buf[hdr_len..hdr_len + len],
        })
    }

    /// Appends header, length byte and payload to `out` (IPMI 2.0 §13.6).
    ///
    /// The AuthCode is written iff `auth_type != 0` (zeros if `auth_code` is
    /// `None`). A payload over 255 bytes cannot be represented: only its
    /// first 255 bytes are written (a caller bug, caught by a debug assertion).
    pub fn emit(&self, out: &mut Vec<u8>) {
        debug_assert!(self.payload.len() <= 255, "v1.5 payload over 255 bytes");
        let len = self.payload.len().min(255);
        out.push(self.auth_type);
        out.extend_from_slice(&self.sequence.to_le_bytes());
        out.extend_from_slice(&self.session_id.to_le_bytes());
        if self.auth_type != AUTH_TYPE_NONE {
            out.extend_from_slice(&self.auth_code.unwrap_or([0; 16]));
        }
        out.push(len as u8);
        out.extend_from_slice(&self.payload[..len]);
    }

    /// Emitted length (IPMI 2.0 §13.6).
    pub fn buffer_len(&self) -> usize {
        let code = if self.auth_type != AUTH_TYPE_NONE {
            16
        } else {
            0
        };
        10 + code + self.payload.len().min(255)
    }
}

#[cfg(test)]
mod tests;
