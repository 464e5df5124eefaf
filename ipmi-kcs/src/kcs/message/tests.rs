use super::*;
use ipmi_core::cmd::{GetChassisStatus, GetDeviceId, Raw};
use ipmi_core::{Command, CompletionCode, Target};

#[test]
fn request_bytes() {
    assert_eq!(
        encode_request(&GetDeviceId.request(), 272).unwrap(),
        [0x18, 0x01]
    );
    assert_eq!(
        encode_request(&GetChassisStatus.request(), 272).unwrap(),
        [0x00, 0x01]
    );
    let raw = Raw {
        netfn: NetFn(0x2e),
        cmd: 0x40,
        data: vec![1, 2, 3],
    };
    let mut req = raw.request();
    req.target.lun = 2;
    assert_eq!(encode_request(&req, 272).unwrap(), [0xba, 0x40, 1, 2, 3]);
}

#[test]
fn request_refusals() {
    let bridged = GetDeviceId.request_to(Target::ipmb(0, 0x40));
    assert!(matches!(
        encode_request(&bridged, 272),
        Err(KcsError::Bridged { .. })
    ));
    let odd = Raw {
        netfn: NetFn(7),
        cmd: 1,
        data: vec![],
    };
    assert!(matches!(
        encode_request(&odd.request(), 272),
        Err(KcsError::NotARequest { .. })
    ));
    let long = Raw {
        netfn: NetFn(6),
        cmd: 1,
        data: vec![0; 271],
    };
    assert_eq!(
        encode_request(&long.request(), 272),
        Err(KcsError::RequestTooLong { len: 273, max: 272 })
    );
}

#[test]
fn response_bytes() {
    let req = GetDeviceId.request();
    let r = decode_response(&[0x1c, 0x01, 0x00, 0x20, 0x00], &req).unwrap();
    assert_eq!(r.netfn, NetFn(7));
    assert_eq!(r.completion, CompletionCode(0));
    assert_eq!(r.data, [0x20, 0x00]);
    assert_eq!(
        decode_response(&[0x1c, 0x01], &req),
        Err(KcsError::ResponseTooShort { len: 2 })
    );
    assert!(matches!(
        decode_response(&[0x04, 0x01, 0x00], &req),
        Err(KcsError::ResponseMismatch { .. })
    ));
}
