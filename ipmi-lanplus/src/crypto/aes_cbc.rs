//! AES-CBC-128 payload confidentiality (IPMI 2.0 §13.29).
//!
//! Encrypted payload = IV (16) ‖ AES-CBC-128(K2[0..16], IV; plaintext ‖
//! 01h 02h .. Nh ‖ N), with N the smallest value making the whole a
//! multiple of 16 (0..=15). No PKCS#7.
//!
//! [`decrypt`] accepts pad lengths 0..=16: 16 is what some BMCs (OpenBMC,
//! per PROTOCOL.md §15.9) send when N = 0 would do; the pad bytes must
//! still read 1..N.

use super::CryptoError;
use aes::cipher::generic_array::GenericArray;
use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};

type Enc = cbc::Encryptor<aes::Aes128>;
type Dec = cbc::Decryptor<aes::Aes128>;

/// AES block and IV length (IPMI 2.0 §13.29).
pub const BLOCK: usize = 16;
/// Largest confidentiality pad length [`decrypt`] accepts (IPMI 2.0 §13.29).
pub const MAX_PAD: usize = 16;

/// Length of the encrypted payload field for a plaintext length (IPMI 2.0 §13.29).
pub fn encrypted_len(plain_len: usize) -> usize {
    BLOCK + (plain_len + 1).div_ceil(BLOCK) * BLOCK
}

/// Appends IV ‖ AES-CBC-128(plaintext ‖ IPMI pad) to `out` (IPMI 2.0 §13.29).
pub fn encrypt(key: &[u8; 16], iv: &[u8; 16], plaintext: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(iv);
    let start = out.len();
    out.extend_from_slice(plaintext);
    let n = (BLOCK - (plaintext.len() + 1) % BLOCK) % BLOCK;
    out.extend((1..=n as u8).chain([n as u8]));
    let mut enc = Enc::new(key.into(), iv.into());
    for block in out[start..].chunks_exact_mut(BLOCK) {
        enc.encrypt_block_mut(GenericArray::from_mut_slice(block));
    }
}

/// Decrypts IV ‖ ciphertext and strips the IPMI pad (IPMI 2.0 §13.29).
pub fn decrypt(key: &[u8; 16], payload: &[u8]) -> Result<Vec<u8>, CryptoError> {
    if payload.len() < 2 * BLOCK || payload.len() % BLOCK != 0 {
        return Err(CryptoError::BadLength(payload.len()));
    }
    let (iv, ct) = payload.split_at(BLOCK);
    let mut dec = Dec::new(key.into(), GenericArray::from_slice(iv));
    let mut pt = ct.to_vec();
    for block in pt.chunks_exact_mut(BLOCK) {
        dec.decrypt_block_mut(GenericArray::from_mut_slice(block));
    }
    let n = usize::from(pt[pt.len() - 1]);
    if n > MAX_PAD || n + 1 > pt.len() {
        return Err(CryptoError::BadPad);
    }
    let body = pt.len() - 1 - n;
    let pad_ok = pt[body..pt.len() - 1]
        .iter()
        .zip(1u8..)
        .all(|(&b, want)| b == want);
    if !pad_ok {
        return Err(CryptoError::BadPad);
    }
    pt.truncate(body);
    Ok(pt)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 16] = [
        0x2B, 0x65, 0x52, 0x01, 0x2A, 0x25, 0x17, 0xCB, 0x3B, 0x57, 0x13, 0x90, 0x1D, 0x75, 0x7A,
        0x6E,
    ];

    #[test]
    fn protocol_section14_block() {
        let mut out = Vec::new();
        encrypt(
            &KEY,
            &[0xAA; 16],
            &[0x20, 0x18, 0xC8, 0x81, 0x04, 0x01, 0x7A],
            &mut out,
        );
        assert_eq!(&out[..16], &[0xAA; 16]);
        assert_eq!(
            &out[16..],
            &[
                0xAE, 0xF3, 0x73, 0x50, 0x4A, 0xD8, 0xE4, 0xBD, 0xB6, 0x9A, 0xEA, 0x0D, 0xC3, 0x4B,
                0x96, 0xBC
            ]
        );
    }

    #[test]
    fn round_trip_all_lengths() {
        for len in 0..70 {
            let pt: Vec<u8> = (0..len as u8).collect();
            let mut out = vec![0xEE];
            encrypt(&KEY, &[len as u8; 16], &pt, &mut out);
            assert_eq!(out.len() - 1, encrypted_len(len));
            assert_eq!(decrypt(&KEY, &out[1..]).unwrap(), pt);
        }
    }

    /// Encrypts an already padded buffer with no IPMI pad logic.
    fn raw_encrypt(padded: &[u8]) -> Vec<u8> {
        let mut out = vec![0x55; 16];
        let mut enc = Enc::new((&KEY).into(), (&[0x55; 16]).into());
        let mut body = padded.to_vec();
        for b in body.chunks_exact_mut(16) {
            enc.encrypt_block_mut(GenericArray::from_mut_slice(b));
        }
        out.extend(body);
        out
    }

    #[test]
    fn pad_rules() {
        // Pad length 16 with 1..16 (OpenBMC style) is accepted.
        let mut p = vec![0x42; 15];
        p.extend(1..=16u8);
        p.push(16);
        assert_eq!(decrypt(&KEY, &raw_encrypt(&p)).unwrap(), vec![0x42; 15]);
        // Wrong pad byte values are refused.
        let mut p = vec![0x42; 12];
        p.extend([1, 2, 4, 3]);
        assert_eq!(decrypt(&KEY, &raw_encrypt(&p)), Err(CryptoError::BadPad));
        // Pad length 17 is refused.
        let mut p = vec![0u8; 31];
        p.push(17);
        assert_eq!(decrypt(&KEY, &raw_encrypt(&p)), Err(CryptoError::BadPad));
        // Pad length longer than the data.
        let mut p = vec![1u8; 15];
        p.push(16);
        assert_eq!(decrypt(&KEY, &raw_encrypt(&p)), Err(CryptoError::BadPad));
    }

    #[test]
    fn bad_lengths_never_panic() {
        for len in 0..80 {
            let buf = vec![0x5A; len];
            let r = decrypt(&KEY, &buf);
            if len < 32 || len % 16 != 0 {
                assert_eq!(r, Err(CryptoError::BadLength(len)));
            }
        }
    }
}
