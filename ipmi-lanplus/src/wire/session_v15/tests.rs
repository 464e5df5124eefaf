//! Unit tests of `session_v15`.

use super::*;
use crate::wire::testutil::fuzz;

const GCAC: [u8; 9] = [0x20, 0x18, 0xC8, 0x81, 0x00, 0x38, 0x8E, 0x04, 0xB5];

#[test]
fn presession_bytes() {
    let s = SessionV15 {
        auth_type: 0,
        sequence: 0,
        session_id: 0,
        auth_code: None,
        payload: &GCAC,
    };
    let mut v = Vec::new();
    s.emit(&mut v);
    assert_eq!(v.len(), s.buffer_len());
    assert_eq!(&v[..10], &[0, 0, 0, 0, 0, 0, 0, 0, 0, 9]);
    assert_eq!(SessionV15::parse(&v).unwrap(), s);
    // Legacy pad byte tolerated, anything else is not.
    v.push(0);
    assert_eq!(SessionV15::parse(&v).unwrap(), s);
    v.push(0);
    assert!(matches!(
        SessionV15::parse(&v),
        Err(WireError::TrailingBytes { .. })
    ));
}

#[test]
fn round_trip_with_auth_code() {
    let s = SessionV15 {
        auth_type: 2,
        sequence: 0x01020304,
        session_id: 0xA0B0C0D0,
        auth_code: Some([0x5A; 16]),
        payload: &GCAC,
    };
    let mut v = Vec::new();
    s.emit(&mut v);
    assert_eq!(v.len(), s.buffer_len());
    assert_eq!(v.len(), 26 + GCAC.len());
    assert_eq!(SessionV15::parse(&v).unwrap(), s);
    for n in 0..v.len() {
        assert!(matches!(
            SessionV15::parse(&v[..n]),
            Err(WireError::Truncated { .. })
        ));
    }
}

#[test]
fn rejects_rmcp_plus() {
    assert!(matches!(
        SessionV15::parse(&[6, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
        Err(WireError::Invalid { .. })
    ));
}

#[test]
fn no_panic() {
    let mut v = Vec::new();
    SessionV15 {
        auth_type: 0,
        sequence: 0,
        session_id: 0,
        auth_code: None,
        payload: &GCAC,
    }
    .emit(&mut v);
    fuzz(&v, |b| {
        let _ = SessionV15::parse(b);
    });
}
