//! Whole RMCP / RMCP+ datagrams (IPMI 2.0 §13.6, §13.8, §13.28).
//!
//! An in-session RMCP+ datagram is: RMCP header `06 00 FF 07`, the 12-byte
//! session header, the payload (IV ‖ AES-CBC ciphertext when encrypted),
//! and, when authenticated, the session trailer: 0-3 bytes of FFh integrity
//! pad, pad length, next header 07h, AuthCode. The pad makes the bytes from
//! the auth-type byte through the next-header byte a multiple of 4; the
//! AuthCode is the truncated HMAC(K1, those bytes).

use crate::crypto::rakp::SessionKeys;
use crate::crypto::suite::{CipherSuite, ConfAlg, IntegrityAlg};
use crate::crypto::{aes_cbc, integrity, rakp::codes_equal, CryptoError};
use crate::wire::rmcp::{RmcpClass, RmcpHeader};
use crate::wire::session_v15::SessionV15;
use crate::wire::session_v20::{PayloadType, SessionV20Header};
use crate::wire::WireError;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// The next-header byte of the session trailer (IPMI 2.0 §13.6).
pub const NEXT_HEADER: u8 = 0x07;
/// Value of each integrity pad byte (IPMI 2.0 §13.6).
pub const INTEGRITY_PAD_BYTE: u8 = 0xFF;

/// Per-session keys and algorithms for protecting packets (IPMI 2.0 §13.28).
///
/// Holds the suite, K1 and the AES key (K2[0..16]); keys are zeroized on
/// drop and never shown by `Debug`.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SessionCrypto {
    #[zeroize(skip)]
    suite: CipherSuite,
    k1: Vec<u8>,
    aes_key: [u8; 16],
}

impl core::fmt::Debug for SessionCrypto {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SessionCrypto")
            .field("suite", &self.suite)
            .finish_non_exhaustive()
    }
}

/// An unprotected RMCP+ packet: verified, decrypted (IPMI 2.0 §13.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unprotected {
    /// The session header (`payload_len` is the on-wire length).
    pub header: SessionV20Header,
    /// The plaintext payload.
    pub payload: Vec<u8>,
}

/// Error while classifying or unprotecting a datagram (IPMI 2.0 §13.6).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PacketError {
    /// Malformed wire format.
    #[error(transparent)]
    Wire(#[from] WireError),
    /// Not an RMCP+ (IPMI 2.0) packet: IPMI 1.5, ASF, OEM class, RMCP ACK.
    #[error("not an RMCP+ packet")]
    NotRmcpPlus,
    /// The AuthCode did not verify.
    #[error("integrity check failed")]
    IntegrityMismatch,
    /// The suite has integrity but the packet is not authenticated.
    #[error("packet lacks required integrity")]
    MissingIntegrity,
    /// The packet claims authentication but the suite has no integrity.
    #[error("unexpected authentication")]
    UnexpectedAuthentication,
    /// The packet claims encryption but the suite has no confidentiality.
    #[error("unexpected encryption")]
    UnexpectedEncryption,
    /// The suite encrypts but the packet is not encrypted.
    #[error("packet lacks required encryption")]
    MissingEncryption,
    /// The suite uses an algorithm ipmirs does not implement.
    #[error("unsupported cipher suite {0}")]
    UnsupportedSuite(u8),
    /// Decryption failed (length or confidentiality pad).
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

impl SessionCrypto {
    /// Builds from an agreed suite and derived keys (IPMI 2.0 §13.32).
    ///
    /// The AES key is K2[0..16] (zeros if K2 is shorter, which only
    /// happens for suites without confidentiality). With an unsupported
    /// suite (see [`CipherSuite::is_supported`]) [`Self::protect`] emits
    /// nothing and [`Self::unprotect`] fails; [`Self::try_new`] refuses it.
    pub fn new(suite: CipherSuite, keys: &SessionKeys) -> Self {
        let mut aes_key = [0u8; 16];
        if let Some(k) = keys.k2.get(..16) {
            aes_key.copy_from_slice(k);
        }
        SessionCrypto {
            suite,
            k1: keys.k1.clone(),
            aes_key,
        }
    }

    /// Like [`Self::new`] but refuses unsupported suites and keys too short
    /// for the suite (IPMI 2.0 §13.32).
    pub fn try_new(suite: CipherSuite, keys: &SessionKeys) -> Result<Self, PacketError> {
        let k1_ok = suite.integrity == IntegrityAlg::None || !keys.k1.is_empty();
        let k2_ok = suite.confidentiality == ConfAlg::None || keys.k2.len() >= 16;
        if !suite.is_supported() || !k1_ok || !k2_ok {
            return Err(PacketError::UnsupportedSuite(suite.id));
        }
        Ok(Self::new(suite, keys))
    }

    /// No integrity, no confidentiality (pre-session / suite 0) (IPMI 2.0 §13.6).
    pub fn none() -> Self {
        SessionCrypto {
            suite: CipherSuite {
                id: 0,
                auth: crate::crypto::suite::AuthAlg::None,
                integrity: IntegrityAlg::None,
                confidentiality: ConfAlg::None,
            },
            k1: Vec::new(),
            aes_key: [0; 16],
        }
    }

    /// The cipher suite in use (IPMI 2.0 §22.15.2).
    pub fn suite(&self) -> CipherSuite {
        self.suite
    }

    fn encrypts(&self) -> bool {
        self.suite.confidentiality != ConfAlg::None
    }

    fn authenticates(&self) -> bool {
        self.suite.integrity != IntegrityAlg::None
    }

    /// Appends a complete datagram (RMCP header, v2.0 session header, payload (encrypted with `iv` if the suite encrypts), integrity trailer if the suite authenticates) to `out` (IPMI 2.0 §13.6).
    ///
    /// Appends nothing if the suite is unsupported or the protected payload
    /// would exceed 65535 bytes (both caller bugs, debug-asserted).
    pub fn protect(
        &self,
        payload_type: PayloadType,
        session_id: u32,
        sequence: u32,
        payload: &[u8],
        iv: &[u8; 16],
        out: &mut Vec<u8>,
    ) {
        debug_assert!(self.suite.is_supported(), "protect with unsupported suite");
        if !self.suite.is_supported() {
            return;
        }
        let wire_len = if self.encrypts() {
            aes_cbc::encrypted_len(payload.len())
        } else {
            payload.len()
        };
        let Ok(payload_len) = u16::try_from(wire_len) else {
            debug_assert!(false, "payload too long");
            return;
        };
        RmcpHeader::ipmi().emit(out);
        let start = out.len();
        SessionV20Header {
            encrypted: self.encrypts(),
            authenticated: self.authenticates(),
            payload_type,
            session_id,
            sequence,
            payload_len,
        }
        .emit(out);
        if self.encrypts() {
            aes_cbc::encrypt(&self.aes_key, iv, payload, out);
        } else {
            out.extend_from_slice(payload);
        }
        if self.authenticates() {
            let pad = (4 - (out.len() - start + 2) % 4) % 4;
            out.resize(out.len() + pad, INTEGRITY_PAD_BYTE);
            out.extend_from_slice(&[pad as u8, NEXT_HEADER]);
            let code = integrity::auth_code(self.suite.integrity, &self.k1, &out[start..]);
            out.extend_from_slice(&code);
        }
    }

    /// Parses a whole datagram, verifies the AuthCode (when the authenticated bit is set; it MUST be set when the suite has integrity, and a packet claiming encryption/authentication the suite lacks is an error), decrypts, and returns header + plaintext payload (IPMI 2.0 §13.6, §13.28).
    ///
    /// The RMCP header must be exactly `06 00 FF 07` (the only bytes the
    /// AuthCode does not cover). The AuthCode is checked before the
    /// trailer layout (pad bytes FFh, pad length, next header 07h) and
    /// before decryption. An unauthenticated packet must end with its payload.
    pub fn unprotect(&self, datagram: &[u8]) -> Result<Unprotected, PacketError> {
        if !self.suite.is_supported() {
            return Err(PacketError::UnsupportedSuite(self.suite.id));
        }
        let (rmcp, rest) = RmcpHeader::parse(datagram)?;
        if rmcp.class != RmcpClass::Ipmi || rmcp.ack {
            return Err(PacketError::NotRmcpPlus);
        }
        if rmcp.sequence != RmcpHeader::NO_ACK_SEQUENCE {
            return Err(WireError::Invalid {
                what: "rmcp sequence for ipmi",
                value: rmcp.sequence.into(),
            }
            .into());
        }
        match rest.first() {
            Some(&SessionV20Header::AUTH_TYPE) => {}
            Some(_) => return Err(PacketError::NotRmcpPlus),
            None => {
                return Err(WireError::Truncated {
                    what: "rmcp+ session header",
                    need: 1,
                    got: 0,
                }
                .into())
            }
        }
        let (header, after) = SessionV20Header::parse(rest)?;
        let (payload, trailer) = after.split_at(usize::from(header.payload_len));

        match (header.authenticated, self.authenticates()) {
            (true, false) => return Err(PacketError::UnexpectedAuthentication),
            (false, true) => return Err(PacketError::MissingIntegrity),
            _ => {}
        }
        match (header.encrypted, self.encrypts()) {
            (true, false) => return Err(PacketError::UnexpectedEncryption),
            (false, true) => return Err(PacketError::MissingEncryption),
            _ => {}
        }

        if header.authenticated {
            let n = self.suite.integrity.auth_code_len();
            if trailer.len() < n + 2 {
                return Err(WireError::Truncated {
                    what: "rmcp+ session trailer",
                    need: n + 2,
                    got: trailer.len(),
                }
                .into());
            }
            let covered = &rest[..rest.len() - n];
            let expected = integrity::auth_code(self.suite.integrity, &self.k1, covered);
            if !codes_equal(&expected, &trailer[trailer.len() - n..]) {
                return Err(PacketError::IntegrityMismatch);
            }
            let t = &trailer[..trailer.len() - n];
            let (pad, tail) = t.split_at(t.len() - 2);
            if tail[1] != NEXT_HEADER {
                return Err(WireError::Invalid {
                    what: "rmcp+ next header",
                    value: tail[1].into(),
                }
                .into());
            }
            if usize::from(tail[0]) != pad.len() || pad.iter().any(|&b| b != INTEGRITY_PAD_BYTE) {
                return Err(WireError::Invalid {
                    what: "rmcp+ integrity pad",
                    value: tail[0].into(),
                }
                .into());
            }
        } else if !trailer.is_empty() {
            return Err(WireError::TrailingBytes {
                what: "unauthenticated rmcp+ packet",
                extra: trailer.len(),
            }
            .into());
        }

        let payload = if header.encrypted {
            aes_cbc::decrypt(&self.aes_key, payload)?
        } else {
            payload.to_vec()
        };
        Ok(Unprotected { header, payload })
    }
}

/// Pre-session (unauthenticated, session id 0, seq 0) RMCP+ datagram: Open Session and RAKP (IPMI 2.0 §13.6).
///
/// A payload over 65535 bytes is a caller bug: nothing is appended.
pub fn emit_presession(payload_type: PayloadType, payload: &[u8], out: &mut Vec<u8>) {
    let Ok(payload_len) = u16::try_from(payload.len()) else {
        debug_assert!(false, "payload too long");
        return;
    };
    RmcpHeader::ipmi().emit(out);
    SessionV20Header {
        encrypted: false,
        authenticated: false,
        payload_type,
        session_id: 0,
        sequence: 0,
        payload_len,
    }
    .emit(out);
    out.extend_from_slice(payload);
}

/// IPMI 1.5 pre-session datagram (auth type none, seq 0, id 0) around an IPMI LAN message — used for Get Channel Authentication Capabilities (IPMI 2.0 §13.6, §22.13).
pub fn emit_v15_presession(ipmi_message: &[u8], out: &mut Vec<u8>) {
    RmcpHeader::ipmi().emit(out);
    SessionV15 {
        auth_type: 0,
        sequence: 0,
        session_id: 0,
        auth_code: None,
        payload: ipmi_message,
    }
    .emit(out);
}

/// A received datagram classified without keys (IPMI 2.0 §13.1.3, §13.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Datagram<'a> {
    /// IPMI 1.5 session (class IPMI, auth type != 06h).
    V15(SessionV15<'a>),
    /// IPMI 2.0 / RMCP+ session with its raw (possibly encrypted) payload;
    /// any session trailer is not included or checked.
    V20 {
        /// Session header.
        header: SessionV20Header,
        /// Raw payload, exactly `header.payload_len` bytes.
        payload: &'a [u8],
    },
    /// ASF message (after the RMCP header); parse with [`crate::wire::asf`].
    Asf(&'a [u8]),
}

/// Classifies and parses any received datagram without keys (IPMI 2.0 §13.1.3, §13.6).
///
/// RMCP ACKs and classes other than ASF and IPMI are [`PacketError::NotRmcpPlus`].
pub fn classify(datagram: &[u8]) -> Result<Datagram<'_>, PacketError> {
    let (rmcp, rest) = RmcpHeader::parse(datagram)?;
    if rmcp.ack {
        return Err(PacketError::NotRmcpPlus);
    }
    match rmcp.class {
        RmcpClass::Asf => Ok(Datagram::Asf(rest)),
        RmcpClass::Ipmi => {
            if rest.first() == Some(&SessionV20Header::AUTH_TYPE) {
                let (header, after) = SessionV20Header::parse(rest)?;
                Ok(Datagram::V20 {
                    header,
                    payload: &after[..usize::from(header.payload_len)],
                })
            } else {
                Ok(Datagram::V15(SessionV15::parse(rest)?))
            }
        }
        RmcpClass::Oem | RmcpClass::Other(_) => Err(PacketError::NotRmcpPlus),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::rakp::derive_keys;
    use crate::crypto::suite::AuthAlg;
    use crate::wire::testutil::{fuzz, h, vector_params};

    fn keys(auth: AuthAlg) -> SessionKeys {
        derive_keys(auth, b"password", &vector_params())
    }

    fn crypto(id: u8) -> SessionCrypto {
        let s = CipherSuite::from_id(id).unwrap();
        SessionCrypto::try_new(s, &keys(s.auth)).unwrap()
    }

    #[test]
    fn protocol_section14_datagram() {
        let c = crypto(3);
        let mut out = Vec::new();
        c.protect(
            PayloadType::Ipmi,
            0x12345678,
            1,
            &[0x20, 0x18, 0xC8, 0x81, 0x04, 0x01, 0x7A],
            &[0xAA; 16],
            &mut out,
        );
        let expect = h("06 00 FF 07 06 C0 78 56 34 12 01 00 00 00 20 00
            AA AA AA AA AA AA AA AA AA AA AA AA AA AA AA AA
            AE F3 73 50 4A D8 E4 BD B6 9A EA 0D C3 4B 96 BC FF FF 02 07
            87 92 51 F7 32 4C 84 44 AD 55 AA 4C");
        assert_eq!(out, expect);
        let u = c.unprotect(&out).unwrap();
        assert_eq!(u.payload, [0x20, 0x18, 0xC8, 0x81, 0x04, 0x01, 0x7A]);
        assert_eq!(u.header.sequence, 1);
    }

    #[test]
    fn round_trip_all_supported_suites_and_lengths() {
        for id in [0, 1, 2, 3, 15, 16, 17] {
            let c = crypto(id);
            for len in 0..40 {
                let pl: Vec<u8> = (0..len as u8).map(|b| b ^ 0x5C).collect();
                let mut out = Vec::new();
                c.protect(PayloadType::Sol, 7, 9, &pl, &[len as u8; 16], &mut out);
                let n = c.suite().integrity.auth_code_len();
                if n > 0 {
                    // Auth type .. next header is a multiple of 4.
                    assert_eq!((out.len() - 4 - n) % 4, 0);
                }
                let u = c.unprotect(&out).unwrap();
                assert_eq!(u.payload, pl, "suite {id} len {len}");
                assert_eq!(u.header.payload_type, PayloadType::Sol);
                assert_eq!((u.header.session_id, u.header.sequence), (7, 9));
            }
        }
    }

    #[test]
    fn suite_mismatches() {
        let mut s3 = Vec::new();
        crypto(3).protect(PayloadType::Ipmi, 1, 1, b"abc", &[0; 16], &mut s3);
        let mut s0 = Vec::new();
        SessionCrypto::none().protect(PayloadType::Ipmi, 1, 1, b"abc", &[0; 16], &mut s0);
        let mut s2 = Vec::new();
        crypto(2).protect(PayloadType::Ipmi, 1, 1, b"abc", &[0; 16], &mut s2);
        assert_eq!(crypto(3).unprotect(&s0), Err(PacketError::MissingIntegrity));
        assert_eq!(
            SessionCrypto::none().unprotect(&s3),
            Err(PacketError::UnexpectedAuthentication)
        );
        assert_eq!(
            crypto(2).unprotect(&s3),
            Err(PacketError::UnexpectedEncryption)
        );
        assert_eq!(
            crypto(3).unprotect(&s2),
            Err(PacketError::MissingEncryption)
        );
        // Wrong keys (suite 17 keys vs suite 3 keys differ in K1).
        assert_eq!(crypto(2).unprotect(&s2).unwrap().payload, b"abc");
        let other = SessionCrypto::new(
            CipherSuite::from_id(2).unwrap(),
            &SessionKeys {
                sik: vec![],
                k1: vec![1; 20],
                k2: vec![],
            },
        );
        assert_eq!(other.unprotect(&s2), Err(PacketError::IntegrityMismatch));
        // Unsupported suites.
        let md5 = CipherSuite::from_id(8).unwrap();
        assert!(SessionCrypto::try_new(md5, &keys(AuthAlg::HmacSha1)).is_err());
        assert_eq!(
            SessionCrypto::new(md5, &keys(AuthAlg::HmacSha1)).unprotect(&s3),
            Err(PacketError::UnsupportedSuite(8))
        );
        // Trailing garbage after an unauthenticated packet.
        s0.push(0);
        assert!(matches!(
            SessionCrypto::none().unprotect(&s0),
            Err(PacketError::Wire(WireError::TrailingBytes { .. }))
        ));
    }

    #[test]
    fn presession_and_classify() {
        let mut d = Vec::new();
        emit_v15_presession(&h("20 18 C8 81 00 38 8E 04 B5"), &mut d);
        assert_eq!(
            d,
            h("06 00 FF 07 00 00 00 00 00 00 00 00 00 09 20 18 C8 81 00 38 8E 04 B5")
        );
        match classify(&d).unwrap() {
            Datagram::V15(s) => assert_eq!(s.payload, h("20 18 C8 81 00 38 8E 04 B5")),
            other => panic!("{other:?}"),
        }
        let mut d = Vec::new();
        emit_presession(PayloadType::Rakp4, &[1, 2, 3], &mut d);
        assert_eq!(d, h("06 00 FF 07 06 15 00000000 00000000 0300 010203"));
        match classify(&d).unwrap() {
            Datagram::V20 { header, payload } => {
                assert_eq!(header.payload_type, PayloadType::Rakp4);
                assert_eq!(payload, [1, 2, 3]);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            SessionCrypto::none().unprotect(&d).unwrap().payload,
            [1, 2, 3]
        );
        let ping = h("06 00 FF 06 00 00 11 BE 80 00 00 00");
        assert_eq!(classify(&ping).unwrap(), Datagram::Asf(&ping[4..]));
        assert_eq!(
            classify(&h("06 00 FF 08 00")),
            Err(PacketError::NotRmcpPlus)
        );
        assert_eq!(classify(&h("06 00 05 86")), Err(PacketError::NotRmcpPlus));
        assert_eq!(
            SessionCrypto::none().unprotect(&ping),
            Err(PacketError::NotRmcpPlus)
        );
    }

    #[test]
    fn debug_hides_keys() {
        let c = crypto(3);
        let s = format!("{c:?}");
        assert!(s.contains("SessionCrypto") && !s.contains("k1") && !s.contains("aes"));
    }

    #[test]
    fn no_panic() {
        for id in [0, 3, 17] {
            let c = crypto(id);
            let mut seed = Vec::new();
            c.protect(PayloadType::Ipmi, 1, 2, b"hello world", &[3; 16], &mut seed);
            fuzz(&seed, |b| {
                let _ = c.unprotect(b);
                let _ = classify(b);
            });
        }
    }
}
