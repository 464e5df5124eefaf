//! Cipher suites and algorithm numbers (IPMI 2.0 §13.28, §22.15.2 Table 22-20).

/// Authentication (RAKP) algorithm numbers (IPMI 2.0 §13.28, Table 13-17).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum AuthAlg {
    /// RAKP-none.
    None = 0,
    /// RAKP-HMAC-SHA1.
    HmacSha1 = 1,
    /// RAKP-HMAC-MD5 (not implemented by ipmirs).
    HmacMd5 = 2,
    /// RAKP-HMAC-SHA256.
    HmacSha256 = 3,
}

/// Integrity algorithm numbers (IPMI 2.0 §13.28.4, Table 13-18).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum IntegrityAlg {
    /// No integrity.
    None = 0,
    /// HMAC-SHA1-96.
    HmacSha1_96 = 1,
    /// HMAC-MD5-128 (not implemented by ipmirs).
    HmacMd5_128 = 2,
    /// MD5-128 (not implemented by ipmirs).
    Md5_128 = 3,
    /// HMAC-SHA256-128.
    HmacSha256_128 = 4,
}

/// Confidentiality algorithm numbers (IPMI 2.0 §13.28.5, Table 13-19).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ConfAlg {
    /// No confidentiality.
    None = 0,
    /// AES-CBC-128.
    AesCbc128 = 1,
    /// xRC4-128 (not implemented by ipmirs).
    Xrc4_128 = 2,
    /// xRC4-40 (not implemented by ipmirs).
    Xrc4_40 = 3,
}

impl AuthAlg {
    /// Decodes an algorithm number (bits 5:0) (IPMI 2.0 §13.28).
    pub fn from_u8(v: u8) -> Option<Self> {
        Some(match v {
            0 => AuthAlg::None,
            1 => AuthAlg::HmacSha1,
            2 => AuthAlg::HmacMd5,
            3 => AuthAlg::HmacSha256,
            _ => return None,
        })
    }

    /// Length of the RAKP 2/3 key exchange codes and of SIK, K1, K2: the full
    /// HMAC digest (IPMI 2.0 §13.31).
    pub fn key_exchange_code_len(self) -> usize {
        match self {
            AuthAlg::None => 0,
            AuthAlg::HmacSha1 => 20,
            AuthAlg::HmacMd5 => 16,
            AuthAlg::HmacSha256 => 32,
        }
    }

    /// Length of the RAKP 4 integrity check value: 12 (SHA1-96), 16 (MD5),
    /// 16 (SHA256-128), 0 (none) (IPMI 2.0 §13.31).
    pub fn rakp4_icv_len(self) -> usize {
        match self {
            AuthAlg::None => 0,
            AuthAlg::HmacSha1 => 12,
            AuthAlg::HmacMd5 | AuthAlg::HmacSha256 => 16,
        }
    }

    /// Whether ipmirs implements this algorithm (all but HMAC-MD5) (IPMI 2.0 §13.28).
    pub fn is_supported(self) -> bool {
        !matches!(self, AuthAlg::HmacMd5)
    }
}

impl IntegrityAlg {
    /// Decodes an algorithm number (bits 5:0) (IPMI 2.0 §13.28.4).
    pub fn from_u8(v: u8) -> Option<Self> {
        Some(match v {
            0 => IntegrityAlg::None,
            1 => IntegrityAlg::HmacSha1_96,
            2 => IntegrityAlg::HmacMd5_128,
            3 => IntegrityAlg::Md5_128,
            4 => IntegrityAlg::HmacSha256_128,
            _ => return None,
        })
    }

    /// Whether ipmirs implements this algorithm (none, SHA1-96, SHA256-128) (IPMI 2.0 §13.28.4).
    pub fn is_supported(self) -> bool {
        matches!(
            self,
            IntegrityAlg::None | IntegrityAlg::HmacSha1_96 | IntegrityAlg::HmacSha256_128
        )
    }
}

impl ConfAlg {
    /// Decodes an algorithm number (bits 5:0) (IPMI 2.0 §13.28.5).
    pub fn from_u8(v: u8) -> Option<Self> {
        Some(match v {
            0 => ConfAlg::None,
            1 => ConfAlg::AesCbc128,
            2 => ConfAlg::Xrc4_128,
            3 => ConfAlg::Xrc4_40,
            _ => return None,
        })
    }

    /// Whether ipmirs implements this algorithm (none, AES-CBC-128) (IPMI 2.0 §13.28.5).
    pub fn is_supported(self) -> bool {
        matches!(self, ConfAlg::None | ConfAlg::AesCbc128)
    }
}

/// A cipher suite: ID plus its three algorithms (IPMI 2.0 §22.15.2 Table 22-20).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CipherSuite {
    /// Cipher suite ID.
    pub id: u8,
    /// Authentication algorithm.
    pub auth: AuthAlg,
    /// Integrity algorithm.
    pub integrity: IntegrityAlg,
    /// Confidentiality algorithm.
    pub confidentiality: ConfAlg,
}

/// The standard suites 0..=19 (IPMI 2.0 §22.15.2 Table 22-20).
const TABLE: [(AuthAlg, IntegrityAlg, ConfAlg); 20] = {
    use AuthAlg as A;
    use ConfAlg as C;
    use IntegrityAlg as I;
    [
        (A::None, I::None, C::None),
        (A::HmacSha1, I::None, C::None),
        (A::HmacSha1, I::HmacSha1_96, C::None),
        (A::HmacSha1, I::HmacSha1_96, C::AesCbc128),
        (A::HmacSha1, I::HmacSha1_96, C::Xrc4_128),
        (A::HmacSha1, I::HmacSha1_96, C::Xrc4_40),
        (A::HmacMd5, I::None, C::None),
        (A::HmacMd5, I::HmacMd5_128, C::None),
        (A::HmacMd5, I::HmacMd5_128, C::AesCbc128),
        (A::HmacMd5, I::HmacMd5_128, C::Xrc4_128),
        (A::HmacMd5, I::HmacMd5_128, C::Xrc4_40),
        (A::HmacMd5, I::Md5_128, C::None),
        (A::HmacMd5, I::Md5_128, C::AesCbc128),
        (A::HmacMd5, I::Md5_128, C::Xrc4_128),
        (A::HmacMd5, I::Md5_128, C::Xrc4_40),
        (A::HmacSha256, I::None, C::None),
        (A::HmacSha256, I::HmacSha256_128, C::None),
        (A::HmacSha256, I::HmacSha256_128, C::AesCbc128),
        (A::HmacSha256, I::HmacSha256_128, C::Xrc4_128),
        (A::HmacSha256, I::HmacSha256_128, C::Xrc4_40),
    ]
};

impl CipherSuite {
    /// Looks up a standard cipher suite 0..=19 (IPMI 2.0 §22.15.2 Table 22-20).
    pub fn from_id(id: u8) -> Option<Self> {
        let &(auth, integrity, confidentiality) = TABLE.get(usize::from(id))?;
        Some(CipherSuite {
            id,
            auth,
            integrity,
            confidentiality,
        })
    }

    /// Whether ipmirs implements all three algorithms: suites 0, 1, 2, 3, 15,
    /// 16, 17 (IPMI 2.0 §22.15.2). Check this before using the crypto functions.
    pub fn is_supported(&self) -> bool {
        self.auth.is_supported()
            && self.integrity.is_supported()
            && self.confidentiality.is_supported()
    }

    /// Finds the standard suite with these algorithms (IPMI 2.0 §22.15.2 Table 22-20).
    pub fn from_algorithms(
        auth: AuthAlg,
        integrity: IntegrityAlg,
        confidentiality: ConfAlg,
    ) -> Option<Self> {
        let id = TABLE
            .iter()
            .position(|&t| t == (auth, integrity, confidentiality))?;
        Self::from_id(id as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn algorithm_numbers_round_trip() {
        for v in 0..=255u8 {
            if let Some(a) = AuthAlg::from_u8(v) {
                assert_eq!(a as u8, v);
            }
            if let Some(a) = IntegrityAlg::from_u8(v) {
                assert_eq!(a as u8, v);
            }
            if let Some(a) = ConfAlg::from_u8(v) {
                assert_eq!(a as u8, v);
            }
        }
        assert_eq!(AuthAlg::from_u8(4), None);
        assert_eq!(IntegrityAlg::from_u8(5), None);
        assert_eq!(ConfAlg::from_u8(4), None);
    }

    #[test]
    fn suites() {
        let supported: Vec<u8> = (0..=30)
            .filter_map(CipherSuite::from_id)
            .filter(|s| s.is_supported())
            .map(|s| s.id)
            .collect();
        assert_eq!(supported, [0, 1, 2, 3, 15, 16, 17]);
        assert_eq!(CipherSuite::from_id(20), None);
        for id in 0..=19 {
            let s = CipherSuite::from_id(id).unwrap();
            assert_eq!(
                CipherSuite::from_algorithms(s.auth, s.integrity, s.confidentiality),
                Some(s)
            );
        }
        let s17 = CipherSuite::from_id(17).unwrap();
        assert_eq!(
            (s17.auth, s17.integrity, s17.confidentiality),
            (
                AuthAlg::HmacSha256,
                IntegrityAlg::HmacSha256_128,
                ConfAlg::AesCbc128
            )
        );
        assert_eq!(
            CipherSuite::from_algorithms(
                AuthAlg::HmacSha1,
                IntegrityAlg::HmacSha256_128,
                ConfAlg::None
            ),
            None
        );
    }
}
