//! The CPU cost of a whole RMCP+ handshake (IPMI 2.0 §13.14–§13.23):
//! Get Channel Authentication Capabilities, Open Session, RAKP 1–4 and Set
//! Session Privilege Level, then Close Session, between a client
//! `Session` and a `Responder` exchanging datagrams in memory (no sockets,
//! no sleeping: a virtual clock), both ends counted. Also one command in
//! an open session, both ends.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use ipmi_core::cmd::GetDeviceId;
use ipmi_core::{Command, Deadline, PrivilegeLevel};
use ipmi_lanplus::client::{Action, Event, Session};
use ipmi_lanplus::server::{Responder, ServerConfig, SimulatedBmc, User};
use ipmi_lanplus::ClientConfig;

const PEER: &str = "10.0.0.2:40000";

fn responder() -> Responder<SimulatedBmc> {
    let config = ServerConfig::new()
        .user(User::new("admin", "secret", PrivilegeLevel::Administrator).session_limit(32))
        .cipher_suites([3, 17]);
    Responder::new(config, SimulatedBmc::default(), [5; 32]).expect("valid config")
}

/// Exchanges datagrams until the client's pending operation finishes.
fn run(s: &mut Session, r: &mut Responder<SimulatedBmc>, now: Instant, peer: SocketAddr) -> Event {
    for _ in 0..64 {
        match s.poll(now) {
            Action::Transmit(d) => {
                r.handle_datagram(now, peer, &d);
                while let Some(t) = r.poll_transmit() {
                    s.handle_datagram(now, &t.datagram);
                }
                while r.poll_event().is_some() {}
            }
            Action::Done(result) => return result.expect("in-memory exchange"),
            other => panic!("unexpected {other:?}"),
        }
    }
    panic!("no result after 64 steps");
}

fn bench(c: &mut Criterion) {
    let peer: SocketAddr = PEER.parse().unwrap();
    let now = Instant::now();
    let deadline = Deadline::after(now, Duration::from_secs(10));
    let mut g = c.benchmark_group("handshake");
    for suite in [3u8, 17] {
        let mut r = responder();
        let config = ClientConfig::new("admin", "secret").cipher_suite(suite);
        let mut n = 0u64;
        g.bench_function(format!("open_and_close_suite{suite}"), |b| {
            b.iter(|| {
                n += 1;
                let mut seed = [1u8; 32];
                seed[..8].copy_from_slice(&n.to_le_bytes());
                let mut s = Session::new(config.clone(), seed);
                s.connect(now, deadline).unwrap();
                assert!(matches!(
                    run(&mut s, &mut r, now, peer),
                    Event::Connected { .. }
                ));
                assert!(s.close(now, deadline));
                assert!(matches!(run(&mut s, &mut r, now, peer), Event::Closed));
                black_box(s.stats().sent)
            })
        });
        let mut s = Session::new(config.clone(), [2; 32]);
        s.connect(now, deadline).unwrap();
        run(&mut s, &mut r, now, peer);
        let request = GetDeviceId.request();
        g.bench_function(format!("command_in_session_suite{suite}"), |b| {
            b.iter(|| {
                s.request(now, black_box(&request), deadline).unwrap();
                match run(&mut s, &mut r, now, peer) {
                    Event::Response(resp) => black_box(GetDeviceId.decode(&resp).unwrap()),
                    other => panic!("{other:?}"),
                }
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
