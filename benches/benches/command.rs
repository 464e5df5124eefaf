//! Command encode/decode without crypto: Get Device ID's request framed as
//! an IPMI LAN message (IPMI 2.0 §13.8: addresses, NetFn/LUN, checksums),
//! and its response parsed (checksums verified) and decoded into the typed
//! `DeviceId` (IPMI 2.0 §20.1).

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use ipmi_core::cmd::GetDeviceId;
use ipmi_core::wire::lan_message::{LanMessage, REMOTE_CONSOLE_SWID};
use ipmi_core::Command;

/// A Get Device ID answer as a BMC frames it: rqSeq 5, 15 data bytes.
fn answer() -> Vec<u8> {
    let body = [
        0x00, 0x20, 0x01, 0x03, 0x30, 0x02, 0xbf, 0xa2, 0x02, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
        0x00,
    ];
    let msg = LanMessage {
        dst_addr: REMOTE_CONSOLE_SWID,
        netfn: GetDeviceId.netfn().response(),
        dst_lun: 0,
        src_addr: 0x20,
        seq: 5,
        src_lun: 0,
        cmd: GetDeviceId.cmd(),
        body: &body,
    };
    let mut out = Vec::new();
    msg.emit(&mut out);
    out
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("command");
    let mut buf = Vec::with_capacity(64);
    g.bench_function("get_device_id_request_frame", |b| {
        b.iter(|| {
            let request = black_box(&GetDeviceId).request();
            buf.clear();
            LanMessage::for_request(&request, REMOTE_CONSOLE_SWID, black_box(5)).emit(&mut buf);
            black_box(buf.len())
        })
    });
    let wire = answer();
    g.bench_function("get_device_id_response_decode", |b| {
        b.iter(|| {
            let msg = LanMessage::parse(black_box(&wire)).expect("valid frame");
            let response = msg.to_response().expect("has a completion code");
            black_box(GetDeviceId.decode(&response).expect("valid answer"))
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
