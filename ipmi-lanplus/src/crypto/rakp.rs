//! RAKP key exchange codes and session key derivation (IPMI 2.0 §13.31, §13.32).
//!
//! HMAC inputs (IDs little-endian as on the wire, ROLEm = whole RAKP 1 role
//! byte, ULEN = user name length):
//! * RAKP 2 code = HMAC(Kuid, SIDm ‖ SIDc ‖ Rm ‖ Rc ‖ GUIDc ‖ ROLEm ‖ ULEN ‖ UNAME)
//! * RAKP 3 code = HMAC(Kuid, Rc ‖ SIDm ‖ ROLEm ‖ ULEN ‖ UNAME)
//! * SIK = HMAC(Kg or Kuid, Rm ‖ Rc ‖ ROLEm ‖ ULEN ‖ UNAME)
//! * K1 = HMAC(SIK, 01h × 20), K2 = HMAC(SIK, 02h × 20) — 20-byte constants
//!   for SHA-256 too, as every surveyed implementation does
//! * RAKP 4 ICV = HMAC(SIK, Rm ‖ SIDc ‖ GUIDc), truncated to 12 (SHA1) / 16 (SHA256)
//!
//! RAKP-HMAC-MD5 is not implemented: every function returns an empty
//! vector for [`AuthAlg::HmacMd5`] (as for [`AuthAlg::None`]), so callers
//! must check [`super::CipherSuite::is_supported`] before relying on them.
//! `username` must be at most 16 bytes (it is on the wire).

use super::suite::AuthAlg;
use super::{hmac, HmacHash};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Inputs shared by all RAKP computations (IPMI 2.0 §13.31).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RakpParams<'a> {
    /// Remote console session ID (SIDm).
    pub console_session_id: u32,
    /// Managed system session ID (SIDc).
    pub bmc_session_id: u32,
    /// Remote console random number (Rm).
    pub console_random: [u8; 16],
    /// Managed system random number (Rc).
    pub bmc_random: [u8; 16],
    /// Managed system GUID, as received in RAKP 2.
    pub bmc_guid: [u8; 16],
    /// Role byte exactly as sent in RAKP 1 (including the 10h name-only bit).
    pub role: u8,
    /// User name (at most 16 bytes).
    pub username: &'a [u8],
}

/// Session keys SIK, K1, K2 (IPMI 2.0 §13.32); zeroized on drop, `Debug` hides them.
///
/// All three are empty for RAKP-none (and the unimplemented HMAC-MD5).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SessionKeys {
    /// Session Integrity Key.
    pub sik: Vec<u8>,
    /// K1 (integrity key).
    pub k1: Vec<u8>,
    /// K2 (its first 16 bytes are the AES-CBC-128 key).
    pub k2: Vec<u8>,
}

impl core::fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SessionKeys")
            .field("sik_len", &self.sik.len())
            .field("k1_len", &self.k1.len())
            .field("k2_len", &self.k2.len())
            .finish_non_exhaustive()
    }
}

/// The HMAC hash of an authentication algorithm, if implemented (IPMI 2.0 §13.28).
fn hash_of(auth: AuthAlg) -> Option<HmacHash> {
    match auth {
        AuthAlg::HmacSha1 => Some(HmacHash::Sha1),
        AuthAlg::HmacSha256 => Some(HmacHash::Sha256),
        AuthAlg::None | AuthAlg::HmacMd5 => None,
    }
}

/// Single ROLEm ‖ ULEN bytes.
fn role_ulen(p: &RakpParams) -> [u8; 2] {
    [p.role, p.username.len() as u8]
}

/// RAKP 2 key exchange authentication code, full digest (IPMI 2.0 §13.31).
///
/// Empty for RAKP-none and HMAC-MD5.
pub fn rakp2_code(auth: AuthAlg, kuid: &[u8], p: &RakpParams) -> Vec<u8> {
    let Some(h) = hash_of(auth) else {
        return Vec::new();
    };
    hmac(
        h,
        kuid,
        &[
            &p.console_session_id.to_le_bytes(),
            &p.bmc_session_id.to_le_bytes(),
            &p.console_random,
            &p.bmc_random,
            &p.bmc_guid,
            &role_ulen(p),
            p.username,
        ],
    )
}

/// RAKP 3 key exchange authentication code, full digest (IPMI 2.0 §13.31).
///
/// Empty for RAKP-none and HMAC-MD5.
pub fn rakp3_code(auth: AuthAlg, kuid: &[u8], p: &RakpParams) -> Vec<u8> {
    let Some(h) = hash_of(auth) else {
        return Vec::new();
    };
    hmac(
        h,
        kuid,
        &[
            &p.bmc_random,
            &p.console_session_id.to_le_bytes(),
            &role_ulen(p),
            p.username,
        ],
    )
}

/// Derives SIK, K1 = HMAC(SIK, 01h×20), K2 = HMAC(SIK, 02h×20) (IPMI 2.0 §13.32).
///
/// `kg_or_kuid` is the BMC key Kg when a non-zero one is configured, else
/// the user password Kuid. All keys are empty for RAKP-none and HMAC-MD5.
pub fn derive_keys(auth: AuthAlg, kg_or_kuid: &[u8], p: &RakpParams) -> SessionKeys {
    let Some(h) = hash_of(auth) else {
        return SessionKeys {
            sik: Vec::new(),
            k1: Vec::new(),
            k2: Vec::new(),
        };
    };
    let sik = hmac(
        h,
        kg_or_kuid,
        &[&p.console_random, &p.bmc_random, &role_ulen(p), p.username],
    );
    let k1 = hmac(h, &sik, &[&[0x01; 20]]);
    let k2 = hmac(h, &sik, &[&[0x02; 20]]);
    SessionKeys { sik, k1, k2 }
}

/// RAKP 4 integrity check value: HMAC(SIK, Rm ‖ SIDc ‖ GUIDc) truncated (IPMI 2.0 §13.31).
///
/// 12 bytes for HMAC-SHA1, 16 for HMAC-SHA256, empty for RAKP-none and HMAC-MD5.
pub fn rakp4_icv(auth: AuthAlg, sik: &[u8], p: &RakpParams) -> Vec<u8> {
    let Some(h) = hash_of(auth) else {
        return Vec::new();
    };
    let mut icv = hmac(
        h,
        sik,
        &[
            &p.console_random,
            &p.bmc_session_id.to_le_bytes(),
            &p.bmc_guid,
        ],
    );
    icv.truncate(auth.rakp4_icv_len());
    icv
}

/// Constant-time comparison of two authentication codes (IPMI 2.0 §13.31).
///
/// Codes of different lengths are unequal; two empty codes are equal (as
/// RAKP-none's are), which is why unsupported algorithms must be refused first.
pub fn codes_equal(expected: &[u8], got: &[u8]) -> bool {
    expected.ct_eq(got).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::testutil::{h, vector_params};

    #[test]
    fn protocol_section14_sha1() {
        let p = vector_params();
        let a = AuthAlg::HmacSha1;
        assert_eq!(
            rakp2_code(a, b"password", &p),
            h("95 08 51 8B FB 43 67 3D 0E B8 4D 93 5A C2 54 39 B0 6A 7A B8")
        );
        // A zero-padded 20-byte Kuid gives the same HMAC.
        let mut kuid20 = b"password".to_vec();
        kuid20.resize(20, 0);
        assert_eq!(rakp2_code(a, &kuid20, &p), rakp2_code(a, b"password", &p));
        assert_eq!(
            rakp3_code(a, b"password", &p),
            h("4A B4 20 25 87 75 81 4F 12 06 82 C8 AB 92 75 C2 99 97 EF FD")
        );
        let k = derive_keys(a, b"password", &p);
        assert_eq!(
            k.sik,
            h("12 2C 77 C4 B1 1C CD 93 25 1C BA E6 C3 4A 9C B6 31 0D A1 54")
        );
        assert_eq!(
            k.k1,
            h("E4 47 2B E7 8F 9A 81 FA 68 29 7A AB 69 6A 7B E8 C9 7F C9 F8")
        );
        assert_eq!(
            k.k2,
            h("2B 65 52 01 2A 25 17 CB 3B 57 13 90 1D 75 7A 6E FC 7D 83 01")
        );
        assert_eq!(
            rakp4_icv(a, &k.sik, &p),
            h("5A CA 95 57 89 10 9A 61 97 4A D7 A1")
        );
    }

    #[test]
    fn protocol_section14_sha256() {
        let p = vector_params();
        let a = AuthAlg::HmacSha256;
        assert_eq!(
            rakp2_code(a, b"password", &p),
            h("79 B0 7C F9 9F 6F D0 74 69 12 06 CA 7D 16 D7 DD 4F 38 39 26 5F B5 0A 77 33 76 36 94 54 92 9E 88")
        );
        assert_eq!(
            rakp3_code(a, b"password", &p),
            h("72 A8 45 29 0E 05 04 67 3B 21 77 D9 3A 8D D8 44 95 47 78 F3 FE 6B 04 76 B2 E7 05 5A 21 66 35 86")
        );
        let k = derive_keys(a, b"password", &p);
        assert_eq!(
            k.sik,
            h("E5 93 5F 71 99 86 5A D9 61 06 34 77 B0 66 26 84 E2 CE 9B 1D A8 F2 B8 D4 1C 5C E1 27 D3 7E 9B CF")
        );
        assert_eq!(
            k.k1,
            h("DC 4F E7 3D 07 53 06 F6 89 71 15 DD 63 25 73 85 E8 45 C1 04 04 FA 1D 73 99 17 90 C6 A1 01 BE C2")
        );
        assert_eq!(
            k.k2,
            h("2A 4F 96 9E A6 DF A8 30 66 F3 66 74 FD C2 FE A2 89 FA 1A 21 DA 90 30 3E 9B 52 69 B5 4E C5 AD B5")
        );
        assert_eq!(
            rakp4_icv(a, &k.sik, &p),
            h("F9 79 4E EB A2 55 F4 75 85 1D 0D C1 95 7E FD A9")
        );
    }

    #[test]
    fn none_and_md5_are_empty() {
        let p = vector_params();
        for a in [AuthAlg::None, AuthAlg::HmacMd5] {
            assert!(rakp2_code(a, b"x", &p).is_empty());
            assert!(rakp3_code(a, b"x", &p).is_empty());
            assert!(rakp4_icv(a, b"x", &p).is_empty());
            let k = derive_keys(a, b"x", &p);
            assert!(k.sik.is_empty() && k.k1.is_empty() && k.k2.is_empty());
        }
    }

    #[test]
    fn compare_and_debug() {
        assert!(codes_equal(&[1, 2, 3], &[1, 2, 3]));
        assert!(!codes_equal(&[1, 2, 3], &[1, 2, 4]));
        assert!(!codes_equal(&[1, 2, 3], &[1, 2]));
        let k = derive_keys(AuthAlg::HmacSha1, b"password", &vector_params());
        let dbg = format!("{k:?}");
        assert!(!dbg.contains("18"), "{dbg}"); // SIK starts 0x12 = 18
        assert!(dbg.contains("sik_len: 20"));
    }
}
