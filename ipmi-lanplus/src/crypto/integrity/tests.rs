//! Unit tests of `integrity`.

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
