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
mod tests;
