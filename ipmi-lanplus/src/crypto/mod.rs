//! RMCP+ cryptography: cipher suites, RAKP, integrity, AES-CBC (IPMI 2.0 §13.28-§13.32).
//!
//! Only the algorithms of suites 0, 1, 2, 3, 15, 16, 17 are implemented
//! (see [`CipherSuite::is_supported`]). The functions here never panic; for
//! an unsupported algorithm (HMAC-MD5, MD5-128, xRC4) they return an empty
//! code, so callers must check [`CipherSuite::is_supported`] first.

pub mod aes_cbc;
pub mod integrity;
pub mod rakp;
pub mod suite;

pub use suite::{AuthAlg, CipherSuite, ConfAlg, IntegrityAlg};

use hmac::{Hmac, Mac};
use zeroize::Zeroize;

/// Error from a cryptographic operation (IPMI 2.0 §13.29).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// Encrypted payload is not a 16-byte IV plus a non-zero multiple of 16 bytes.
    #[error("encrypted payload length {0} is not IV plus a non-zero multiple of 16")]
    BadLength(usize),
    /// The confidentiality pad is malformed.
    #[error("bad confidentiality pad")]
    BadPad,
}

/// Hash of an HMAC used by RMCP+ (IPMI 2.0 §13.28).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HmacHash {
    Sha1,
    Sha256,
}

/// HMAC over the concatenation of `parts`. Any key length is accepted.
pub(crate) fn hmac(hash: HmacHash, key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    fn run<M: Mac + hmac::digest::KeyInit>(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
        // HMAC takes keys of any length, so this never fails.
        let Ok(mut mac) = <M as hmac::digest::KeyInit>::new_from_slice(key) else {
            return Vec::new();
        };
        for p in parts {
            mac.update(p);
        }
        // The output may be a key (SIK, K1, K2): wipe the temporary copy.
        let mut out = mac.finalize().into_bytes();
        let v = out.to_vec();
        out.as_mut_slice().zeroize();
        v
    }
    match hash {
        HmacHash::Sha1 => run::<Hmac<sha1::Sha1>>(key, parts),
        HmacHash::Sha256 => run::<Hmac<sha2::Sha256>>(key, parts),
    }
}
