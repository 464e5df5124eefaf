//! Wire formats of RMCP / RMCP+ (IPMI 2.0 §13), one module per format.
//!
//! Every `Repr` parses from a byte slice without ever panicking and emits
//! into a `Vec<u8>`; `buffer_len()` gives the emitted length.

pub mod asf;
pub mod open_session;
pub mod rakp;
pub mod rmcp;
pub mod session_v15;
pub mod session_v20;

/// Error returned when a wire format fails to parse (IPMI 2.0 §13).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WireError {
    /// The buffer is shorter than the format requires.
    #[error("{what}: truncated, need {need} bytes, got {got}")]
    Truncated {
        /// Which field or format was being parsed.
        what: &'static str,
        /// Bytes needed.
        need: usize,
        /// Bytes available.
        got: usize,
    },
    /// A field holds a value that is not allowed.
    #[error("{what}: invalid value {value:#x}")]
    Invalid {
        /// Which field.
        what: &'static str,
        /// The offending value.
        value: u32,
    },
    /// A fixed-size format was followed by extra bytes.
    #[error("{what}: {extra} trailing bytes")]
    TrailingBytes {
        /// Which format.
        what: &'static str,
        /// Number of extra bytes.
        extra: usize,
    },
}

/// Fails with [`WireError::Truncated`] unless `buf` holds at least `need` bytes.
pub(crate) fn need(what: &'static str, buf: &[u8], need: usize) -> Result<(), WireError> {
    if buf.len() < need {
        Err(WireError::Truncated {
            what,
            need,
            got: buf.len(),
        })
    } else {
        Ok(())
    }
}

/// Fails with [`WireError::TrailingBytes`] if `buf` is longer than `len`.
pub(crate) fn no_trailing(what: &'static str, buf: &[u8], len: usize) -> Result<(), WireError> {
    if buf.len() > len {
        Err(WireError::TrailingBytes {
            what,
            extra: buf.len() - len,
        })
    } else {
        Ok(())
    }
}

/// Little-endian u32 at `off`; the caller has checked the length.
pub(crate) fn le32(buf: &[u8], off: usize) -> u32 {
    let mut b = [0u8; 4];
    b.copy_from_slice(&buf[off..off + 4]);
    u32::from_le_bytes(b)
}

/// Big-endian u32 at `off`; the caller has checked the length.
pub(crate) fn be32(buf: &[u8], off: usize) -> u32 {
    let mut b = [0u8; 4];
    b.copy_from_slice(&buf[off..off + 4]);
    u32::from_be_bytes(b)
}

/// 16-byte array at `off`; the caller has checked the length.
pub(crate) fn arr16(buf: &[u8], off: usize) -> [u8; 16] {
    let mut b = [0u8; 16];
    b.copy_from_slice(&buf[off..off + 16]);
    b
}

/// Test helpers: the self-computed vectors' inputs, a hex reader and a
/// no-panic loop (the unit tests, and with `test-util` the integration tests).
#[cfg(any(test, feature = "test-util"))]
#[doc(hidden)]
pub mod testutil {
    use crate::crypto::rakp::RakpParams;

    /// Bytes from hex text, spaces ignored ("20 18 C8").
    pub fn h(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len() / 2)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    }

    /// The RAKP inputs of the self-computed vectors (IPMI 2.0 §13.31, §13.32).
    pub fn vector_params() -> RakpParams<'static> {
        RakpParams {
            console_session_id: 0xA0A2A3A4,
            bmc_session_id: 0x12345678,
            console_random: core::array::from_fn(|i| i as u8),
            bmc_random: core::array::from_fn(|i| 0x10 + i as u8),
            bmc_guid: core::array::from_fn(|i| 0x20 + i as u8),
            role: 0x14,
            username: b"admin",
        }
    }

    /// Deterministic xorshift byte generator for no-panic loops.
    #[cfg(test)]
    pub struct Rng(pub u64);
    #[cfg(test)]
    #[allow(clippy::should_implement_trait)] // a test generator, not an iterator
    impl Rng {
        pub fn next(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0 = x;
            x
        }
        pub fn bytes(&mut self, max_len: usize) -> Vec<u8> {
            let len = (self.next() as usize) % (max_len + 1);
            (0..len).map(|_| self.next() as u8).collect()
        }
    }

    /// Random buffers, plus random mutations of `seed`, fed to `f`.
    #[cfg(test)]
    pub fn fuzz(seed: &[u8], mut f: impl FnMut(&[u8])) {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for _ in 0..2000 {
            f(&rng.bytes(80));
        }
        for _ in 0..2000 {
            let mut v = seed.to_vec();
            let flips = 1 + rng.next() % 4;
            for _ in 0..flips {
                if v.is_empty() {
                    break;
                }
                let i = (rng.next() as usize) % v.len();
                v[i] = rng.next() as u8;
            }
            let cut = (rng.next() as usize) % (v.len() + 2);
            v.truncate(cut);
            f(&v);
        }
    }
}
