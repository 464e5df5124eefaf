//! Unit tests of `aes_cbc`.

use super::*;

const KEY: [u8; 16] = [
    0x2B, 0x65, 0x52, 0x01, 0x2A, 0x25, 0x17, 0xCB, 0x3B, 0x57, 0x13, 0x90, 0x1D, 0x75, 0x7A, 0x6E,
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
