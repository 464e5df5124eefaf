//! Unit tests of `bridge`.

use super::*;
use ipmi_core::{CompletionCode, NetFn, Response, Target};

fn bridged() -> Request {
    Request {
        target: Target::ipmb(0, 0x30),
        netfn: NetFn::APP,
        cmd: 0x01,
        data: vec![],
    }
}

#[test]
fn local_requests_are_not_wrapped() {
    let r = Request {
        target: Target::bmc(),
        netfn: NetFn::APP,
        cmd: 0x01,
        data: vec![],
    };
    assert_eq!(frame(&r, 1), [0x20, 0x18, 0xC8, 0x81, 0x04, 0x01, 0x7A]);
}

#[test]
fn bridged_requests_ride_in_send_message() {
    let bytes = frame(&bridged(), 5);
    let outer = LanMessage::parse(&bytes).unwrap();
    assert_eq!(
        (outer.dst_addr, outer.netfn, outer.cmd, outer.seq),
        (0x20, NetFn::APP, SEND_MESSAGE, 5)
    );
    assert_eq!(outer.body[0], 0x40);
    let inner = LanMessage::parse(&outer.body[1..]).unwrap();
    assert_eq!(
        (inner.dst_addr, inner.netfn, inner.cmd, inner.seq),
        (0x30, NetFn::APP, 0x01, 5)
    );
}

#[test]
fn send_message_responses() {
    let inner = (NetFn::APP, 0x01);
    let ok = |data: Vec<u8>| Response {
        netfn: NetFn(7),
        cmd: SEND_MESSAGE,
        completion: CompletionCode(0),
        data,
    };
    assert_eq!(
        on_send_message_response(&ok(vec![]), 5, inner),
        Forwarded::Pending
    );
    let refused = Response {
        completion: CompletionCode(0x83),
        ..ok(vec![])
    };
    match on_send_message_response(&refused, 5, inner) {
        Forwarded::Answer(r) => assert_eq!((r.cmd, r.completion), (0x01, CompletionCode(0x83))),
        other => panic!("{other:?}"),
    }
    let answer = LanMessage {
        dst_addr: 0x81,
        netfn: NetFn(7),
        dst_lun: 0,
        src_addr: 0x30,
        seq: 5,
        src_lun: 0,
        cmd: 1,
        body: &[0, 0x42],
    };
    let mut embedded = Vec::new();
    answer.emit(&mut embedded);
    match on_send_message_response(&ok(embedded.clone()), 5, inner) {
        Forwarded::Answer(r) => assert_eq!(r.data, [0x42]),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        on_send_message_response(&ok(embedded), 6, inner),
        Forwarded::Malformed
    );
    assert_eq!(
        on_send_message_response(&ok(vec![1, 2, 3]), 5, inner),
        Forwarded::Malformed
    );
}
