//! Session integrity AuthCode (IPMI 2.0 §13.28.4).
//!
//! AuthCode = HMAC(K1, bytes from the auth-type byte through the
//! next-header byte), truncated: 12 bytes for HMAC-SHA1-96, 16 for
//! HMAC-SHA256-128. HMAC-MD5-128 and MD5-128 are not implemented: for them
//! [`auth_code`] returns an empty vector (check
//! [`super::CipherSuite::is_supported`] first).

use super::suite::IntegrityAlg;
use super::{hmac, HmacHash};

/// Computes the truncated AuthCode over `data` with K1 (IPMI 2.0 §13.28.4).
///
/// Empty for [`IntegrityAlg::None`] and the unimplemented MD5 algorithms.
pub fn auth_code(alg: IntegrityAlg, k1: &[u8], data: &[u8]) -> Vec<u8> {
    let hash = match alg {
        IntegrityAlg::HmacSha1_96 => HmacHash::Sha1,
        IntegrityAlg::HmacSha256_128 => HmacHash::Sha256,
        IntegrityAlg::None | IntegrityAlg::HmacMd5_128 | IntegrityAlg::Md5_128 => {
            return Vec::new()
        }
    };
    let mut code = hmac(hash, k1, &[data]);
    code.truncate(alg.auth_code_len());
    code
}

impl IntegrityAlg {
    /// Length of the AuthCode field in the session trailer: 0, 12, 16, 16, 16 (IPMI 2.0 §13.28.4).
    pub fn auth_code_len(self) -> usize {
        match self {
            IntegrityAlg::None => 0,
            IntegrityAlg::HmacSha1_96 => 12,
            IntegrityAlg::HmacMd5_128 | IntegrityAlg::Md5_128 | IntegrityAlg::HmacSha256_128 => 16,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_and_truncation() {
        let full = hmac(HmacHash::Sha1, b"k", &[b"data"]);
        let c = auth_code(IntegrityAlg::HmacSha1_96, b"k", b"data");
        assert_eq!(c.len(), 12);
        assert_eq!(c, full[..12]);
        let full = hmac(HmacHash::Sha256, b"k", &[b"data"]);
        let c = auth_code(IntegrityAlg::HmacSha256_128, b"k", b"data");
        assert_eq!(c, full[..16]);
        assert!(auth_code(IntegrityAlg::None, b"k", b"data").is_empty());
        assert!(auth_code(IntegrityAlg::HmacMd5_128, b"k", b"data").is_empty());
        // RFC 2202 test case 2 (HMAC-SHA1, key "Jefe").
        assert_eq!(
            hmac(
                HmacHash::Sha1,
                b"Jefe",
                &[b"what do ya want ", b"for nothing?"]
            )[..4],
            [0xef, 0xfc, 0xdf, 0x6a]
        );
    }
}
