//! AES-CBC-128 payload confidentiality (IPMI 2.0 §13.29).
//!
//! Encrypted payload = IV (16) ‖ AES-CBC-128(K2[0..16], IV; plaintext ‖
//! 01h 02h .. Nh ‖ N), with N the smallest value making the whole a
//! multiple of 16 (0..=15). No PKCS#7.
//!
//! [`decrypt`] accepts pad lengths 0..=16: 16 is what some BMCs (OpenBMC's
//! phosphor-net-ipmid) send when N = 0 would do; the pad bytes must still
//! read 1..N (IPMI 2.0 §13.29).

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
mod tests;
