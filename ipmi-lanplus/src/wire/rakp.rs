//! RAKP messages 1-4 (IPMI 2.0 §13.20-§13.23).
//!
//! Messages 2-4 carry an RMCP+ status code in byte 1. With status 00h the
//! whole message is required and the code / check value length must be
//! one a known algorithm produces (RAKP 2/3: 0, 16, 20, 32; RAKP 4: 0, 12,
//! 16). With a non-zero status only tag and status (2 bytes) are required:
//! absent or partial fields read as zeros / empty and the code length is
//! not checked. Emission always writes the full layout.

use super::{arr16, le32, need, no_trailing, WireError};
use crate::config::MAX_USERNAME;

/// RAKP Message 1, 28 + ULEN bytes (IPMI 2.0 §13.20).
///
/// Parsing also accepts the 44-byte variant that always carries a 16-byte
/// name field (trailing bytes beyond ULEN are ignored there).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Rakp1 {
    /// Message tag.
    pub tag: u8,
    /// Managed system session ID.
    pub bmc_session_id: u32,
    /// Remote console random number Rm.
    pub console_random: [u8; 16],
    /// Requested role byte: privilege (bits 3:0) plus the 10h name-only lookup bit.
    pub role: u8,
    /// User name (at most 16 bytes).
    pub username: Vec<u8>,
}

/// RAKP Message 2, 40 + N bytes (IPMI 2.0 §13.21).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Rakp2 {
    /// Message tag.
    pub tag: u8,
    /// RMCP+ status code.
    pub status: u8,
    /// Remote console session ID.
    pub console_session_id: u32,
    /// Managed system random number Rc.
    pub bmc_random: [u8; 16],
    /// Managed system GUID.
    pub bmc_guid: [u8; 16],
    /// Key exchange authentication code (full HMAC digest; empty for RAKP-none).
    pub key_exchange_code: Vec<u8>,
}

/// RAKP Message 3, 8 + N bytes (IPMI 2.0 §13.22).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Rakp3 {
    /// Message tag.
    pub tag: u8,
    /// RMCP+ status code.
    pub status: u8,
    /// Managed system session ID.
    pub bmc_session_id: u32,
    /// Key exchange authentication code (full HMAC digest; empty for RAKP-none).
    pub key_exchange_code: Vec<u8>,
}

/// RAKP Message 4, 8 + N bytes (IPMI 2.0 §13.23).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Rakp4 {
    /// Message tag.
    pub tag: u8,
    /// RMCP+ status code.
    pub status: u8,
    /// Remote console session ID.
    pub console_session_id: u32,
    /// Integrity check value (truncated HMAC; empty for RAKP-none).
    pub integrity_check: Vec<u8>,
}

fn check_code_len(what: &'static str, len: usize, allowed: &[usize]) -> Result<(), WireError> {
    if allowed.contains(&len) {
        Ok(())
    } else {
        Err(WireError::Invalid {
            what,
            value: len as u32,
        })
    }
}

/// Reads the LE u32 at offset 4 if present, else 0.
fn id_at_4(buf: &[u8]) -> u32 {
    if buf.len() >= 8 {
        le32(buf, 4)
    } else {
        0
    }
}

impl Rakp1 {
    /// Length without the user name (IPMI 2.0 §13.20).
    pub const FIXED_LEN: usize = 28;

    /// Parses the payload (IPMI 2.0 §13.20).
    pub fn parse(buf: &[u8]) -> Result<Self, WireError> {
        need("rakp1", buf, Self::FIXED_LEN)?;
        let ulen = usize::from(buf[27]);
        if ulen > MAX_USERNAME {
            return Err(WireError::Invalid {
                what: "rakp1 user name length",
                value: ulen as u32,
            });
        }
        need("rakp1", buf, Self::FIXED_LEN + ulen)?;
        if buf.len() != Self::FIXED_LEN + MAX_USERNAME {
            no_trailing("rakp1", buf, Self::FIXED_LEN + ulen)?;
        }
        Ok(Rakp1 {
            tag: buf[0],
            bmc_session_id: le32(buf, 4),
            console_random: arr16(buf, 8),
            role: buf[24],
            username: buf[28..28 + ulen].to_vec(),
        })
    }

    /// Appends the payload (IPMI 2.0 §13.20). A user name over 16 bytes is
    /// cut to 16 (a caller bug, caught by a debug assertion).
    pub fn emit(&self, out: &mut Vec<u8>) {
        debug_assert!(self.username.len() <= MAX_USERNAME);
        let name = &self.username[..self.username.len().min(MAX_USERNAME)];
        out.extend_from_slice(&[self.tag, 0, 0, 0]);
        out.extend_from_slice(&self.bmc_session_id.to_le_bytes());
        out.extend_from_slice(&self.console_random);
        out.extend_from_slice(&[self.role, 0, 0, name.len() as u8]);
        out.extend_from_slice(name);
    }

    /// Length of the emitted payload (IPMI 2.0 §13.20).
    pub fn buffer_len(&self) -> usize {
        Self::FIXED_LEN + self.username.len().min(MAX_USERNAME)
    }
}

impl Rakp2 {
    /// Length without the key exchange code (IPMI 2.0 §13.21).
    pub const FIXED_LEN: usize = 40;

    /// Parses the payload (IPMI 2.0 §13.21); see the module docs for error statuses.
    pub fn parse(buf: &[u8]) -> Result<Self, WireError> {
        need("rakp2", buf, 2)?;
        let (tag, status) = (buf[0], buf[1]);
        if status == 0 {
            need("rakp2", buf, Self::FIXED_LEN)?;
            check_code_len(
                "rakp2 key exchange code length",
                buf.len() - Self::FIXED_LEN,
                &[0, 16, 20, 32],
            )?;
        }
        let full = buf.len() >= Self::FIXED_LEN;
        Ok(Rakp2 {
            tag,
            status,
            console_session_id: id_at_4(buf),
            bmc_random: if full { arr16(buf, 8) } else { [0; 16] },
            bmc_guid: if full { arr16(buf, 24) } else { [0; 16] },
            key_exchange_code: buf.get(Self::FIXED_LEN..).unwrap_or(&[]).to_vec(),
        })
    }

    /// Appends the payload (IPMI 2.0 §13.21).
    pub fn emit(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[self.tag, self.status, 0, 0]);
        out.extend_from_slice(&self.console_session_id.to_le_bytes());
        out.extend_from_slice(&self.bmc_random);
        out.extend_from_slice(&self.bmc_guid);
        out.extend_from_slice(&self.key_exchange_code);
    }

    /// Length of the emitted payload (IPMI 2.0 §13.21).
    pub fn buffer_len(&self) -> usize {
        Self::FIXED_LEN + self.key_exchange_code.len()
    }
}

impl Rakp3 {
    /// Length without the key exchange code (IPMI 2.0 §13.22).
    pub const FIXED_LEN: usize = 8;

    /// Parses the payload (IPMI 2.0 §13.22); see the module docs for error statuses.
    pub fn parse(buf: &[u8]) -> Result<Self, WireError> {
        need("rakp3", buf, 2)?;
        let (tag, status) = (buf[0], buf[1]);
        if status == 0 {
            need("rakp3", buf, Self::FIXED_LEN)?;
            check_code_len(
                "rakp3 key exchange code length",
                buf.len() - Self::FIXED_LEN,
                &[0, 16, 20, 32],
            )?;
        }
        Ok(Rakp3 {
            tag,
            status,
            bmc_session_id: id_at_4(buf),
            key_exchange_code: buf.get(Self::FIXED_LEN..).unwrap_or(&[]).to_vec(),
        })
    }

    /// Appends the payload (IPMI 2.0 §13.22).
    pub fn emit(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[self.tag, self.status, 0, 0]);
        out.extend_from_slice(&self.bmc_session_id.to_le_bytes());
        out.extend_from_slice(&self.key_exchange_code);
    }

    /// Length of the emitted payload (IPMI 2.0 §13.22).
    pub fn buffer_len(&self) -> usize {
        Self::FIXED_LEN + self.key_exchange_code.len()
    }
}

impl Rakp4 {
    /// Length without the integrity check value (IPMI 2.0 §13.23).
    pub const FIXED_LEN: usize = 8;

    /// Parses the payload (IPMI 2.0 §13.23); see the module docs for error statuses.
    pub fn parse(buf: &[u8]) -> Result<Self, WireError> {
        need("rakp4", buf, 2)?;
        let (tag, status) = (buf[0], buf[1]);
        if status == 0 {
            need("rakp4", buf, Self::FIXED_LEN)?;
            check_code_len(
                "rakp4 integrity check value length",
                buf.len() - Self::FIXED_LEN,
                &[0, 12, 16],
            )?;
        }
        Ok(Rakp4 {
            tag,
            status,
            console_session_id: id_at_4(buf),
            integrity_check: buf.get(Self::FIXED_LEN..).unwrap_or(&[]).to_vec(),
        })
    }

    /// Appends the payload (IPMI 2.0 §13.23).
    pub fn emit(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[self.tag, self.status, 0, 0]);
        out.extend_from_slice(&self.console_session_id.to_le_bytes());
        out.extend_from_slice(&self.integrity_check);
    }

    /// Length of the emitted payload (IPMI 2.0 §13.23).
    pub fn buffer_len(&self) -> usize {
        Self::FIXED_LEN + self.integrity_check.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::testutil::fuzz;

    fn r1() -> Rakp1 {
        Rakp1 {
            tag: 0,
            bmc_session_id: 0x0A02,
            console_random: core::array::from_fn(|i| i as u8),
            role: 0x14,
            username: b"admin".to_vec(),
        }
    }
    fn r2() -> Rakp2 {
        Rakp2 {
            tag: 0,
            status: 0,
            console_session_id: 0xA0A2A3A4,
            bmc_random: [0x11; 16],
            bmc_guid: [0x22; 16],
            key_exchange_code: vec![0x33; 20],
        }
    }
    fn r3() -> Rakp3 {
        Rakp3 {
            tag: 0,
            status: 0,
            bmc_session_id: 0x0A02,
            key_exchange_code: vec![0x44; 32],
        }
    }
    fn r4() -> Rakp4 {
        Rakp4 {
            tag: 0,
            status: 0,
            console_session_id: 0xA0A2A3A4,
            integrity_check: vec![0x55; 12],
        }
    }

    /// Round trip plus a truncation error for every proper prefix.
    macro_rules! check {
        ($t:ty, $v:expr) => {{
            let m = $v;
            let mut b = Vec::new();
            m.emit(&mut b);
            assert_eq!(b.len(), m.buffer_len());
            assert_eq!(<$t>::parse(&b).unwrap(), m);
            for n in 0..b.len() {
                match <$t>::parse(&b[..n]) {
                    Err(WireError::Truncated { .. }) => {}
                    // A cut inside the trailing code can land on another
                    // valid code length; it must never read as the original.
                    Ok(p) if n >= <$t>::FIXED_LEN => assert_ne!(p, m),
                    Err(WireError::Invalid { .. }) if n >= <$t>::FIXED_LEN => {}
                    r => panic!("prefix {n}: {r:?}"),
                }
            }
            b
        }};
    }

    #[test]
    fn rakp1() {
        check!(Rakp1, r1());
        // Captured RAKP 1 payload from lanplus-cs3 (prefixed by one dummy byte).
        let cap = hex("ff00000000020a0000029711fc187cde95f27a84c019911ba61400000561646d696e");
        let p = Rakp1::parse(&cap[1..]).unwrap();
        assert_eq!(p.role, 0x14);
        assert_eq!(p.username, b"admin");
        assert_eq!(p.bmc_session_id, 0x0A02);
        // Trailing byte rejected; ULEN > 16 rejected; 44-byte form accepted.
        let mut t = cap[1..].to_vec();
        t.push(0);
        assert!(matches!(
            Rakp1::parse(&t),
            Err(WireError::TrailingBytes { .. })
        ));
        let mut long = cap[1..].to_vec();
        long[27] = 17;
        long.resize(28 + 17, b'x');
        assert!(matches!(
            Rakp1::parse(&long),
            Err(WireError::Invalid { .. })
        ));
        let mut padded = cap[1..].to_vec();
        padded.resize(44, 0);
        assert_eq!(Rakp1::parse(&padded).unwrap(), p);
        for n in 0..Rakp1::FIXED_LEN + 5 {
            assert!(matches!(
                Rakp1::parse(&cap[1..1 + n]),
                Err(WireError::Truncated { .. })
            ));
        }
    }

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len() / 2)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn rakp2_3_4() {
        check!(Rakp2, r2());
        check!(
            Rakp2,
            Rakp2 {
                key_exchange_code: vec![],
                ..r2()
            }
        );
        check!(Rakp3, r3());
        check!(
            Rakp3,
            Rakp3 {
                key_exchange_code: vec![1; 20],
                ..r3()
            }
        );
        check!(Rakp4, r4());
        check!(
            Rakp4,
            Rakp4 {
                integrity_check: vec![9; 16],
                ..r4()
            }
        );
        // Odd code lengths are invalid with status 0.
        let mut b = Vec::new();
        Rakp4 {
            integrity_check: vec![1; 13],
            ..r4()
        }
        .emit(&mut b);
        assert!(matches!(Rakp4::parse(&b), Err(WireError::Invalid { .. })));
    }

    #[test]
    fn error_status_short_forms() {
        let r = Rakp2::parse(&[7, 0x0D, 0, 0, 0xA4, 0xA3, 0xA2, 0xA0]).unwrap();
        assert_eq!(r.status, 0x0D);
        assert_eq!(r.console_session_id, 0xA0A2A3A4);
        assert_eq!(r.bmc_random, [0; 16]);
        assert!(r.key_exchange_code.is_empty());
        let r = Rakp2::parse(&[7, 0x12]).unwrap();
        assert_eq!((r.tag, r.status, r.console_session_id), (7, 0x12, 0));
        let r = Rakp4::parse(&[0, 0x0F, 0, 0, 1, 0, 0, 0]).unwrap();
        assert_eq!((r.status, r.console_session_id), (0x0F, 1));
        assert!(r.integrity_check.is_empty());
        let r = Rakp3::parse(&[0, 0x0F, 0, 0, 2, 0, 0, 0]).unwrap();
        assert_eq!((r.status, r.bmc_session_id), (0x0F, 2));
        assert!(Rakp3::parse(&[0]).is_err());
        assert!(Rakp4::parse(&[]).is_err());
    }

    #[test]
    fn no_panic() {
        let mut seeds = Vec::new();
        for f in [
            &mut |b: &mut Vec<u8>| r1().emit(b) as (),
            &mut |b: &mut Vec<u8>| r2().emit(b),
            &mut |b: &mut Vec<u8>| r3().emit(b),
            &mut |b: &mut Vec<u8>| r4().emit(b),
        ] as [&mut dyn FnMut(&mut Vec<u8>); 4]
        {
            let mut b = Vec::new();
            f(&mut b);
            seeds.push(b);
        }
        for s in &seeds {
            fuzz(s, |b| {
                let _ = Rakp1::parse(b);
                let _ = Rakp2::parse(b);
                let _ = Rakp3::parse(b);
                let _ = Rakp4::parse(b);
            });
        }
    }
}
