//! Protect + unprotect of a 64-byte IPMI payload with suites 3 and 17
//! (IPMI 2.0 §13.6, §13.28).

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use ipmi_lanplus::crypto::rakp::{derive_keys, RakpParams};
use ipmi_lanplus::crypto::suite::CipherSuite;
use ipmi_lanplus::packet::SessionCrypto;
use ipmi_lanplus::wire::session_v20::PayloadType;

fn crypto(id: u8) -> SessionCrypto {
    let suite = CipherSuite::from_id(id).expect("standard suite");
    let p = RakpParams {
        console_session_id: 0xA0A2A3A4,
        bmc_session_id: 0x12345678,
        console_random: [0x11; 16],
        bmc_random: [0x22; 16],
        bmc_guid: [0x33; 16],
        role: 0x14,
        username: b"admin",
    };
    let keys = derive_keys(suite.auth, b"password", &p);
    SessionCrypto::try_new(suite, &keys).expect("supported suite")
}

fn bench(c: &mut Criterion) {
    let payload: Vec<u8> = (0..64u8).collect();
    let iv = [0xAA; 16];
    let mut g = c.benchmark_group("packet");
    g.throughput(Throughput::Bytes(payload.len() as u64));
    for id in [3u8, 17] {
        let sc = crypto(id);
        let mut datagram = Vec::new();
        sc.protect(
            PayloadType::Ipmi,
            0x12345678,
            1,
            &payload,
            &iv,
            &mut datagram,
        );
        let mut out = Vec::with_capacity(256);
        g.bench_function(format!("protect_64B_suite{id}"), |b| {
            b.iter(|| {
                out.clear();
                sc.protect(
                    PayloadType::Ipmi,
                    black_box(0x12345678),
                    black_box(1),
                    black_box(&payload),
                    &iv,
                    &mut out,
                );
                black_box(out.len())
            })
        });
        g.bench_function(format!("unprotect_64B_suite{id}"), |b| {
            b.iter(|| sc.unprotect(black_box(&datagram)).expect("valid datagram"))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
