//! The client state machine against the responder on a virtual network
//! (ipmirs_test_support::inmemory): every suite, a 30 % lossy link, duplicated
//! and reordered datagrams, a BMC that never answers, session limits, idle
//! expiry, privileges and RAKP status codes. No sockets, no sleeping.

use std::net::SocketAddr;
use std::time::Duration;

use inmemory::{Link, Net};
use ipmi_core::cmd::{
    ChassisControl, CloseSession, ColdReset, DeviceId, GetChannelAuthCapabilities,
    GetChassisStatus, GetDeviceId, PowerAction, Raw, SetSessionPrivilegeLevel, WarmReset,
};
use ipmi_core::wire::lan_message::LanMessage;
use ipmi_core::{Command, CommandError, CompletionCode, NetFn, PrivilegeLevel, Request};
use ipmi_core::{ErrorClass, Failure};
use ipmi_lanplus::client::{Event, Reason};
use ipmi_lanplus::crypto::suite::{AuthAlg, CipherSuite};
use ipmi_lanplus::packet::{self, classify, Datagram};
use ipmi_lanplus::server::cipher_suites::{parse_suite_records, CipherSuitesRequest};
use ipmi_lanplus::server::{
    CipherSuitesQuirk, CloseReason, HandshakeStep, Quirks, ServerConfig, ServerEvent, SessionState,
    SimulatedBmc, User,
};
use ipmi_lanplus::wire::open_session::{OpenSessionRequest, OpenSessionResponse};
use ipmi_lanplus::wire::rakp::{Rakp1, Rakp2, Rakp3, Rakp4};
use ipmi_lanplus::wire::session_v20::PayloadType;
use ipmi_lanplus::{ClientConfig, Error, RakpStatus, Stage};
use ipmirs_test_support::inmemory;

const SECOND: Duration = Duration::from_secs(1);
const ALL_SUITES: [u8; 7] = [0, 1, 2, 3, 15, 16, 17];

fn server() -> ServerConfig {
    ServerConfig::new()
        .user(User::new("admin", "secret", PrivilegeLevel::Administrator))
        .user(User::new("oper", "operpw", PrivilegeLevel::Operator))
        .user(User::new("user", "userpw", PrivilegeLevel::User))
        .cipher_suites(ALL_SUITES)
}

fn client(suite: u8) -> ClientConfig {
    ClientConfig::new("admin", "secret")
        .cipher_suite(suite)
        .allow_insecure(suite == 0)
}

fn cc_of(r: Result<impl std::fmt::Debug, Error>) -> u8 {
    match r {
        Err(Error::Command(CommandError::Completion { code, .. })) => code.0,
        other => panic!("expected a completion code error, got {other:?}"),
    }
}

fn status_of(r: Result<(), Error>) -> (Stage, u8) {
    match r {
        Err(Error::Rejected { stage, status }) => (stage, status.0),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn every_suite_handshake_and_commands() {
    for suite in ALL_SUITES {
        let mut net = Net::new(server(), Link::perfect(), u64::from(suite));
        let c = net.add_client(client(suite));
        net.connect(c, 5 * SECOND)
            .unwrap_or_else(|e| panic!("suite {suite}: {e}"));
        assert_eq!(net.client(c).suite().unwrap().id, suite);
        assert_eq!(
            net.client(c).privilege(),
            Some(PrivilegeLevel::Administrator)
        );
        let id = net.execute(c, &GetDeviceId, SECOND).unwrap();
        assert_eq!(
            (id.device_id, id.manufacturer_id, id.product_id),
            (0x20, 0, 1)
        );
        assert!(!net
            .execute(c, &GetChassisStatus, SECOND)
            .unwrap()
            .power_on());
        net.execute(c, &ChassisControl(PowerAction::Up), SECOND)
            .unwrap();
        assert!(net
            .execute(c, &GetChassisStatus, SECOND)
            .unwrap()
            .power_on());
        let st = net
            .execute(
                c,
                &Raw {
                    netfn: NetFn::APP,
                    cmd: 0x04,
                    data: vec![],
                },
                SECOND,
            )
            .unwrap();
        assert_eq!(
            (st.completion, st.data.as_slice()),
            (CompletionCode::SUCCESS, &[0x55, 0x00][..])
        );
        let unknown = net
            .execute(
                c,
                &Raw {
                    netfn: NetFn(0x2c),
                    cmd: 0x00,
                    data: vec![0],
                },
                SECOND,
            )
            .unwrap();
        assert_eq!(unknown.completion, CompletionCode::INVALID_COMMAND);
        net.execute(c, &WarmReset, SECOND).unwrap();
        net.execute(c, &ColdReset, SECOND).unwrap();
        assert_eq!(net.responder.handler().cold_resets(), 1);
        assert_eq!(net.responder.active_sessions(), 1);
        net.close(c, SECOND).unwrap();
        assert_eq!(net.responder.active_sessions(), 0);
        let ev = &net.server_events;
        assert!(
            matches!(&ev[0], ServerEvent::SessionOpened { suite: s, privilege: PrivilegeLevel::User, username, .. }
                if *s == suite && username == b"admin"),
            "a session starts at USER: {ev:?}"
        );
        assert!(matches!(
            ev[1],
            ServerEvent::PrivilegeChanged {
                privilege: PrivilegeLevel::Administrator,
                ..
            }
        ));
        assert!(matches!(
            ev[2],
            ServerEvent::SessionClosed {
                reason: CloseReason::ClosedByClient,
                ..
            }
        ));
    }
}

#[test]
fn default_client_asks_the_bmc_and_picks_the_strongest_listed_suite() {
    for (offered, want) in [(&ALL_SUITES[..], 17), (&[1, 2, 3][..], 3), (&[1, 2][..], 2)] {
        let mut net = Net::new(server().cipher_suites(offered), Link::perfect(), 1);
        let c = net.add_client(ClientConfig::new("admin", "secret"));
        net.connect(c, 5 * SECOND).unwrap();
        assert_eq!(net.client(c).suite().unwrap().id, want, "{offered:?}");
        let n = net.client(c).negotiation().unwrap().clone();
        assert_eq!(n.reason, Reason::Listed(offered.to_vec()));
        assert_eq!((n.suite, n.offered), (want, want));
        // Asked first: the one Open Session offered was accepted.
        let refused = net.server_events.iter().any(|e| {
            matches!(
                e,
                ServerEvent::HandshakeRefused {
                    step: HandshakeStep::OpenSession,
                    ..
                }
            )
        });
        assert!(!refused, "{:?}", net.server_events);
    }
}

#[test]
fn default_client_falls_back_to_17_then_3_when_the_bmc_does_not_list_its_suites() {
    // Silent (like ipmi_sim) and C1h (not implemented): offered 17, refused
    // with 0x04, then 3. The silence costs its grace, not a 10 s stall:
    // the whole connect takes less than a second of virtual time.
    for (quirk, why) in [
        (
            CipherSuitesQuirk::Silent,
            "no answer in its share of the deadline",
        ),
        (
            CipherSuitesQuirk::NotImplemented,
            "it refused Get Channel Cipher Suites",
        ),
    ] {
        let quirks = Quirks {
            cipher_suites: quirk,
            ..Quirks::default()
        };
        let config = server().cipher_suites([3]).quirks(quirks);
        let mut net = Net::new(config, Link::perfect(), 2);
        let c = net.add_client(ClientConfig::new("admin", "secret"));
        let t0 = net.now;
        net.connect(c, 15 * SECOND).unwrap();
        assert!(net.now - t0 < SECOND, "{quirk:?}: {:?}", net.now - t0);
        assert_eq!(net.client(c).suite().unwrap().id, 3);
        let n = net.client(c).negotiation().unwrap();
        assert_eq!(n.reason, Reason::NotListed(why));
        assert!(net.server_events.iter().any(|e| matches!(
            e,
            ServerEvent::HandshakeRefused {
                step: HandshakeStep::OpenSession,
                status: RakpStatus(0x04),
                ..
            }
        )));
    }
}

#[test]
fn a_bmc_that_answers_every_open_session_with_suite_3_is_followed_unless_pinned() {
    // The field BMC: Open Session always accepted with suite 3's
    // algorithms, Get Channel Cipher Suites never answered.
    let config = server().quirks(Quirks::suite3_only());
    let mut net = Net::new(config.clone(), Link::perfect(), 3);
    let c = net.add_client(ClientConfig::new("admin", "secret"));
    net.connect(c, 15 * SECOND).unwrap();
    assert_eq!(net.client(c).suite().unwrap().id, 3);
    let n = net.client(c).negotiation().unwrap();
    assert_eq!((n.suite, n.offered), (3, 17));
    assert!(n.to_string().contains("with suite 3's algorithms"), "{n}");
    net.execute(c, &GetDeviceId, SECOND).unwrap();
    // Pinned to 17: the BMC must honour it; the error names both.
    let mut net = Net::new(config.clone(), Link::perfect(), 4);
    let c = net.add_client(client(17));
    let e = net.connect(c, 15 * SECOND).unwrap_err();
    assert!(
        matches!(
            e,
            Error::AlgorithmMismatch {
                asked: 17,
                answered: Some(3),
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(e.class(), ErrorClass::Protocol);
    assert!(
        e.to_string().contains("cipher suite 17") && e.to_string().contains("suite 3's"),
        "{e}"
    );
    // Pinned to 3: what it answers anyway.
    let mut net = Net::new(config, Link::perfect(), 5);
    let c = net.add_client(client(3));
    net.connect(c, 15 * SECOND).unwrap();
    assert_eq!(net.client(c).negotiation().unwrap().reason, Reason::Pinned);
}

#[test]
fn a_bmc_answering_suite_0_is_refused_without_allow_insecure() {
    let quirks = Quirks {
        open_session_suite: Some(0),
        ..Quirks::default()
    };
    let config = server().quirks(quirks);
    let mut net = Net::new(config.clone(), Link::perfect(), 6);
    // It lists 17 (and 0): 17 is offered, answered with suite 0's algorithms.
    let c = net.add_client(ClientConfig::new("admin", "secret"));
    let e = net.connect(c, 5 * SECOND).unwrap_err();
    assert!(
        matches!(
            e,
            Error::AlgorithmMismatch {
                asked: 17,
                answered: Some(0),
                ..
            }
        ),
        "{e:?}"
    );
    let mut net = Net::new(config, Link::perfect(), 7);
    let c = net.add_client(ClientConfig::new("admin", "secret").allow_insecure(true));
    net.connect(c, 5 * SECOND).unwrap();
    assert_eq!(net.client(c).suite().unwrap().id, 0);
}

#[test]
fn a_bmc_listing_no_usable_suite_gets_a_clear_error() {
    let mut net = Net::new(server().cipher_suites([0, 15, 16]), Link::perfect(), 8);
    let c = net.add_client(ClientConfig::new("admin", "secret"));
    let e = net.connect(c, 5 * SECOND).unwrap_err();
    assert!(
        matches!(&e, Error::NoCommonSuite { listed } if listed == &[0, 15, 16]),
        "{e:?}"
    );
    assert!(e.to_string().contains("-C"), "{e}");
}

#[test]
fn a_long_suite_list_is_read_page_by_page() {
    // 7 suites = 35 bytes of records: three pages of Get Channel Cipher Suites.
    let list = [1, 2, 3, 15, 16, 17, 0];
    let mut net = Net::new(server().cipher_suites(list), Link::perfect(), 9);
    let c = net.add_client(ClientConfig::new("admin", "secret"));
    net.connect(c, 5 * SECOND).unwrap();
    let n = net.client(c).negotiation().unwrap();
    assert_eq!(n.reason, Reason::Listed(list.to_vec()));
    assert_eq!(n.suite, 17);
}

#[test]
fn refused_algorithms_get_their_status_codes() {
    for (offered, asked, status) in [
        ([3u8], 17u8, 0x04u8),
        ([2], 3, 0x10),
        ([2], 1, 0x05),
        ([17], 0, 0x04),
    ] {
        let mut net = Net::new(server().cipher_suites(offered), Link::perfect(), 3);
        let c = net.add_client(client(asked));
        assert_eq!(
            status_of(net.connect(c, SECOND)),
            (Stage::OpenSession, status),
            "{offered:?} / {asked}"
        );
    }
}

/// The whole life of a session on a link that loses `loss` of the datagrams.
fn lossy_run(seed: u64, loss: f64) -> Result<(), String> {
    let mut net = Net::new(server(), Link::lossy(loss), seed);
    let config = client(17)
        .retries(Duration::from_millis(500), 60)
        .timeout(Duration::from_secs(120));
    let c = net.add_client(config);
    let budget = Duration::from_secs(120);
    net.connect(c, budget)
        .map_err(|e| format!("connect: {e}"))?;
    for i in 0..3 {
        let id = net
            .execute(c, &GetDeviceId, budget)
            .map_err(|e| format!("get device id {i}: {e}"))?;
        assert_eq!(id.device_id, 0x20);
        let on = i % 2 == 0;
        let action = if on {
            PowerAction::Up
        } else {
            PowerAction::Down
        };
        net.execute(c, &ChassisControl(action), budget)
            .map_err(|e| format!("control {i}: {e}"))?;
        let st = net
            .execute(c, &GetChassisStatus, budget)
            .map_err(|e| format!("status {i}: {e}"))?;
        assert_eq!(
            st.power_on(),
            on,
            "seed {seed}: status must follow the last control"
        );
    }
    net.close(c, budget).map_err(|e| format!("close: {e}"))?;
    // Each Chassis Control ran once, however often it was retransmitted.
    assert_eq!(net.responder.handler().power_actions(), 3, "seed {seed}");
    Ok(())
}

#[test]
fn thirty_percent_loss_both_ways_200_seeds() {
    let mut failures = Vec::new();
    for seed in 0..200 {
        if let Err(e) = lossy_run(seed, 0.3) {
            failures.push(format!("seed {seed}: {e}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of 200 runs failed: {failures:#?}",
        failures.len()
    );
}

#[test]
fn duplicated_and_reordered_datagrams_never_give_a_wrong_answer() {
    for seed in 0..60 {
        let mut net = Net::new(server(), Link::chaotic(0.5), 1000 + seed);
        let config = client(17).retries(Duration::from_millis(150), 40);
        let c = net.add_client(config);
        net.connect(c, 30 * SECOND)
            .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        let mut power = false;
        for i in 0..12 {
            match i % 3 {
                0 => {
                    let id = net.execute(c, &GetDeviceId, 30 * SECOND).unwrap();
                    assert_eq!(
                        (id.device_id, id.product_id),
                        (0x20, 1),
                        "seed {seed} step {i}"
                    );
                }
                1 => {
                    power = !power;
                    let a = if power {
                        PowerAction::Up
                    } else {
                        PowerAction::Down
                    };
                    net.execute(c, &ChassisControl(a), 30 * SECOND).unwrap();
                }
                _ => {
                    let st = net.execute(c, &GetChassisStatus, 30 * SECOND).unwrap();
                    assert_eq!(st.power_on(), power, "seed {seed} step {i}");
                }
            }
        }
        net.close(c, 30 * SECOND).unwrap();
        assert_eq!(
            net.responder.handler().power_actions(),
            4,
            "seed {seed}: a control ran twice"
        );
    }
}

#[test]
fn silent_bmc_fails_exactly_at_the_deadline() {
    let mut net = Net::new(server(), Link::perfect(), 9);
    net.bmc_silent = true;
    let c = net.add_client(client(17).retries(SECOND, 1000));
    let t0 = net.now;
    match net.connect(c, Duration::from_secs(10)) {
        Err(Error::Timeout {
            stage: Stage::ChannelAuthCapabilities,
            tries,
        }) => assert!(tries > 3),
        other => panic!("{other:?}"),
    }
    assert_eq!(net.now, t0 + Duration::from_secs(10));
    // Same inside an active session.
    let mut net = Net::new(server(), Link::perfect(), 10);
    let c = net.add_client(client(3).retries(Duration::from_millis(300), 1000));
    net.connect(c, SECOND).unwrap();
    net.bmc_silent = true;
    let t0 = net.now;
    match net.execute(c, &GetDeviceId, Duration::from_millis(4500)) {
        Err(Error::Timeout {
            stage: Stage::Request { .. },
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(net.now, t0 + Duration::from_millis(4500));
}

#[test]
fn user_session_limit_close_and_idle_expiry_free_slots() {
    let config =
        server().user(User::new("lim", "limpw", PrivilegeLevel::Operator).session_limit(2));
    let mut net = Net::new(config, Link::perfect(), 11);
    let lim = || {
        ClientConfig::new("lim", "limpw")
            .privilege(PrivilegeLevel::Operator)
            .cipher_suite(17)
    };
    let a = net.add_client(lim());
    let b = net.add_client(lim());
    let c = net.add_client(lim());
    net.connect(a, SECOND).unwrap();
    net.connect(b, SECOND).unwrap();
    assert_eq!(
        status_of(net.connect(c, SECOND)),
        (Stage::Rakp2, 0x01),
        "third session of a user limited to 2"
    );
    // Other users are not affected.
    let admin = net.add_client(client(17));
    net.connect(admin, SECOND).unwrap();
    // Close Session frees a slot at once.
    net.close(a, SECOND).unwrap();
    let d = net.add_client(lim());
    net.connect(d, SECOND).unwrap();
    let e = net.add_client(lim());
    assert_eq!(status_of(net.connect(e, SECOND)), (Stage::Rakp2, 0x01));
    // Idle expiry frees the others after 60 s of silence (virtual time).
    net.advance(Duration::from_secs(59));
    let f = net.add_client(lim());
    assert_eq!(
        status_of(net.connect(f, SECOND)),
        (Stage::Rakp2, 0x01),
        "not yet expired"
    );
    net.advance(Duration::from_secs(2));
    let expired = net
        .server_events
        .iter()
        .filter(|e| {
            matches!(
                e,
                ServerEvent::SessionClosed {
                    reason: CloseReason::IdleTimeout,
                    ..
                }
            )
        })
        .count();
    assert_eq!(expired, 3, "b, d and admin expired");
    assert_eq!(net.responder.active_sessions(), 0);
    let g = net.add_client(lim());
    net.connect(g, SECOND).unwrap();
    // The expired session no longer answers: its console times out.
    assert!(matches!(
        net.execute(b, &GetDeviceId, SECOND),
        Err(Error::Timeout { .. })
    ));
}

#[test]
fn activity_keeps_a_session_alive_and_the_timeout_is_configurable() {
    let mut net = Net::new(
        server().idle_timeout(Duration::from_secs(5)),
        Link::perfect(),
        12,
    );
    let c = net.add_client(client(3));
    net.connect(c, SECOND).unwrap();
    for _ in 0..10 {
        net.advance(Duration::from_secs(4));
        net.execute(c, &GetDeviceId, SECOND).unwrap();
    }
    net.advance(Duration::from_secs(6));
    assert_eq!(net.responder.active_sessions(), 0);
}

#[test]
fn session_table_limit_refuses_open_session() {
    let mut net = Net::new(server().max_sessions(2), Link::perfect(), 13);
    let a = net.add_client(client(17));
    let b = net.add_client(client(3));
    let c = net.add_client(client(17));
    net.connect(a, SECOND).unwrap();
    net.connect(b, SECOND).unwrap();
    assert_eq!(
        status_of(net.connect(c, SECOND)),
        (Stage::OpenSession, 0x01)
    );
    net.close(b, SECOND).unwrap();
    let d = net.add_client(client(17));
    net.connect(d, SECOND).unwrap();
}

#[test]
fn privileges_are_enforced_per_session() {
    let mut net = Net::new(server(), Link::perfect(), 14);
    let as_level = |name: &str, pw: &str, level| {
        ClientConfig::new(name, pw)
            .privilege(level)
            .cipher_suite(17)
    };
    // USER: reads, but no control, no reset.
    let u = net.add_client(as_level("user", "userpw", PrivilegeLevel::User));
    net.connect(u, SECOND).unwrap();
    net.execute(u, &GetDeviceId, SECOND).unwrap();
    net.execute(u, &GetChassisStatus, SECOND).unwrap();
    assert_eq!(
        cc_of(net.execute(u, &ChassisControl(PowerAction::Up), SECOND)),
        0xd4
    );
    assert_eq!(cc_of(net.execute(u, &ColdReset, SECOND)), 0xd4);
    assert_eq!(
        cc_of(net.execute(
            u,
            &SetSessionPrivilegeLevel(PrivilegeLevel::Operator),
            SECOND
        )),
        0x81
    );
    assert!(!net.responder.handler().power_on());
    // OPERATOR: control yes, resets no; ADMINISTRATOR is above its limit.
    let o = net.add_client(as_level("oper", "operpw", PrivilegeLevel::Operator));
    net.connect(o, SECOND).unwrap();
    net.execute(o, &ChassisControl(PowerAction::Up), SECOND)
        .unwrap();
    assert_eq!(cc_of(net.execute(o, &WarmReset, SECOND)), 0xd4);
    assert_eq!(
        cc_of(net.execute(
            o,
            &SetSessionPrivilegeLevel(PrivilegeLevel::Administrator),
            SECOND
        )),
        0x81
    );
    // An administrator who asked RAKP 1 for USER stays at USER: 80h above it.
    let a = net.add_client(as_level("admin", "secret", PrivilegeLevel::User));
    net.connect(a, SECOND).unwrap();
    assert_eq!(
        cc_of(net.execute(a, &ChassisControl(PowerAction::Down), SECOND)),
        0xd4
    );
    assert_eq!(
        cc_of(net.execute(
            a,
            &SetSessionPrivilegeLevel(PrivilegeLevel::Operator),
            SECOND
        )),
        0x80
    );
    // Lowering is allowed, and 0 reads the level.
    let b = net.add_client(client(17));
    net.connect(b, SECOND).unwrap();
    let lvl = net
        .execute(
            b,
            &SetSessionPrivilegeLevel(PrivilegeLevel::Operator),
            SECOND,
        )
        .unwrap();
    assert_eq!(lvl, PrivilegeLevel::Operator);
    assert_eq!(cc_of(net.execute(b, &ColdReset, SECOND)), 0xd4);
    let raw = net
        .execute(
            b,
            &Raw {
                netfn: NetFn::APP,
                cmd: 0x3b,
                data: vec![0],
            },
            SECOND,
        )
        .unwrap();
    assert_eq!(raw.data, [PrivilegeLevel::Operator as u8]);
    // A user limited to USER asking for ADMINISTRATOR in RAKP 1: 0Ah.
    let bad = net.add_client(as_level("user", "userpw", PrivilegeLevel::Administrator));
    assert_eq!(status_of(net.connect(bad, SECOND)), (Stage::Rakp2, 0x0a));
}

#[test]
fn unknown_user_and_wrong_password_are_refused() {
    let mut net = Net::new(server(), Link::perfect(), 15);
    let unknown = net.add_client(ClientConfig::new("nosuch", "secret").cipher_suite(17));
    assert_eq!(
        status_of(net.connect(unknown, SECOND)),
        (Stage::Rakp2, 0x0d)
    );
    let wrong = net.add_client(ClientConfig::new("admin", "wrong").cipher_suite(17));
    assert!(matches!(
        net.connect(wrong, SECOND),
        Err(Error::Rakp2Mismatch)
    ));
    net.advance(SECOND);
    // Our client told the BMC (RAKP 3 status 0Fh): the half-open session is gone.
    assert!(net
        .responder
        .sessions()
        .iter()
        .all(|s| s.state == SessionState::Closed));
    assert!(net.server_events.iter().any(|e| matches!(
        e,
        ServerEvent::HandshakeRefused {
            step: HandshakeStep::Rakp3,
            status: RakpStatus(0x0f),
            ..
        }
    )));
    // Suite 0 cannot tell a wrong password (nothing is authenticated), which is why it is off by default.
    let mut net = Net::new(server(), Link::perfect(), 16);
    let c = net.add_client(
        ClientConfig::new("admin", "wrong")
            .cipher_suite(0)
            .allow_insecure(true),
    );
    net.connect(c, SECOND).unwrap();
    let mut net = Net::new(
        ServerConfig::new().user(User::new("admin", "secret", PrivilegeLevel::Administrator)),
        Link::perfect(),
        17,
    );
    let c = net.add_client(client(0));
    assert_eq!(
        status_of(net.connect(c, SECOND)),
        (Stage::OpenSession, 0x04),
        "suite 0 off by default"
    );
}

#[test]
fn bmc_key_kg() {
    let mut net = Net::new(server().kg(*b"bmckey"), Link::perfect(), 18);
    let c = net.add_client(client(17).kg(*b"bmckey"));
    net.connect(c, SECOND).unwrap();
    net.execute(c, &GetDeviceId, SECOND).unwrap();
    let caps = GetChannelAuthCapabilities {
        channel: 0x0e,
        privilege: PrivilegeLevel::Administrator,
        ipmi_v2: true,
    };
    assert!(
        net.execute(c, &caps, SECOND).unwrap().kg_set(),
        "in-session Get Channel Auth Caps"
    );
    let wrong = net.add_client(client(17).kg(*b"other"));
    assert!(matches!(
        net.connect(wrong, SECOND),
        Err(Error::Rakp4Mismatch)
    ));
}

#[test]
fn close_session_of_another_session() {
    let mut net = Net::new(server(), Link::perfect(), 19);
    let victim = net.add_client(client(3));
    net.connect(victim, SECOND).unwrap();
    let victim_id = net
        .responder
        .sessions()
        .iter()
        .find(|s| s.state == SessionState::Active)
        .unwrap()
        .session_id;
    let op = net.add_client(
        ClientConfig::new("oper", "operpw")
            .privilege(PrivilegeLevel::Operator)
            .cipher_suite(3),
    );
    net.connect(op, SECOND).unwrap();
    assert_eq!(
        cc_of(net.execute(
            op,
            &CloseSession {
                session_id: victim_id
            },
            SECOND
        )),
        0xd4
    );
    let admin = net.add_client(client(17));
    net.connect(admin, SECOND).unwrap();
    assert_eq!(
        cc_of(net.execute(
            admin,
            &CloseSession {
                session_id: 0x0bad_f00d
            },
            SECOND
        )),
        0x87
    );
    net.execute(
        admin,
        &CloseSession {
            session_id: victim_id,
        },
        SECOND,
    )
    .unwrap();
    assert!(net.server_events.iter().any(|e| matches!(
        e,
        ServerEvent::SessionClosed { session_id, reason: CloseReason::ClosedByOtherSession(_), .. } if *session_id == victim_id
    )));
    assert!(matches!(
        net.execute(victim, &GetDeviceId, SECOND),
        Err(Error::Timeout { .. })
    ));
    net.execute(admin, &GetDeviceId, SECOND).unwrap();
}

// ----- hand-made datagrams -------------------------------------------------

fn console() -> SocketAddr {
    "10.9.9.9:777".parse().unwrap()
}

fn lan_request(netfn: NetFn, cmd: u8, data: &[u8]) -> Vec<u8> {
    let req = Request {
        target: Default::default(),
        netfn,
        cmd,
        data: data.to_vec(),
    };
    let mut m = Vec::new();
    LanMessage::for_request(&req, 0x81, 5).emit(&mut m);
    m
}

/// Parses a session-less answer (IPMI 1.5 or RMCP+ with session ID 0) into (cc, data).
fn presession_answer(datagram: &[u8]) -> (u8, Vec<u8>) {
    let payload = match classify(datagram).unwrap() {
        Datagram::V15(v) => v.payload.to_vec(),
        Datagram::V20 { header, payload } => {
            assert_eq!(
                (header.session_id, header.payload_type),
                (0, PayloadType::Ipmi)
            );
            payload.to_vec()
        }
        other => panic!("{other:?}"),
    };
    let msg = LanMessage::parse(&payload).unwrap();
    assert_eq!((msg.dst_addr, msg.src_addr), (0x81, 0x20));
    (msg.body[0], msg.body[1..].to_vec())
}

#[test]
fn get_channel_cipher_suites_before_a_session() {
    let mut net = Net::new(server().cipher_suites([1, 2, 3, 17]), Link::perfect(), 20);
    let mut records = Vec::new();
    for index in 0..4u8 {
        let mut data = Vec::new();
        CipherSuitesRequest {
            channel: 0x0e,
            payload_type: 0,
            by_suite: true,
            list_index: index,
        }
        .encode(&mut data);
        let mut d = Vec::new();
        packet::emit_v15_presession(&lan_request(NetFn::APP, 0x54, &data), &mut d);
        let out = net.poke(console(), &d);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].destination, console());
        let (cc, body) = presession_answer(&out[0].datagram);
        assert_eq!((cc, body[0]), (0, 1));
        records.extend_from_slice(&body[1..]);
        if body.len() < 17 {
            assert_eq!(
                (index, body.len() - 1),
                (1, 4),
                "4 suites = 20 bytes = 16 + 4"
            );
            break;
        }
    }
    assert_eq!(
        parse_suite_records(&records),
        [(1, 1, 0, 0), (2, 1, 1, 0), (3, 1, 1, 1), (17, 3, 4, 1)]
    );
    // The same over RMCP+ session-less framing.
    let mut d = Vec::new();
    packet::emit_presession(
        PayloadType::Ipmi,
        &lan_request(NetFn::APP, 0x54, &[0x0e, 0, 0x80]),
        &mut d,
    );
    let out = net.poke(console(), &d);
    let (cc, body) = presession_answer(&out[0].datagram);
    assert_eq!((cc, &body[..3]), (0, &[1, 0xc0, 0x01][..]));
    // Other commands need a session.
    let mut d = Vec::new();
    packet::emit_v15_presession(&lan_request(NetFn::CHASSIS, 0x02, &[1]), &mut d);
    assert_eq!(
        presession_answer(&net.poke(console(), &d)[0].datagram).0,
        0xd4
    );
    assert!(!net.responder.handler().power_on());
    // Get Channel Authentication Capabilities, as ipmitool sends it.
    let caps = hex("0600ff07000000000000000000092018c88100388e04b5");
    let (cc, body) = presession_answer(&net.poke(console(), &caps)[0].datagram);
    assert_eq!(
        (cc, body.as_slice()),
        (0, &[1, 0x80, 0x04, 0x02, 0, 0, 0, 0][..])
    );
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

fn presession_payload(datagram: &[u8], kind: PayloadType) -> Vec<u8> {
    match classify(datagram).unwrap() {
        Datagram::V20 { header, payload } if header.payload_type == kind => payload.to_vec(),
        other => panic!("expected {kind:?}, got {other:?}"),
    }
}

/// Opens a suite-17 session by hand; returns the BMC session ID.
fn open(net: &mut Net, from: SocketAddr, console_id: u32) -> u32 {
    let s = CipherSuite::from_id(17).unwrap();
    let req = OpenSessionRequest {
        tag: 7,
        max_privilege: 0,
        console_session_id: console_id,
        auth: s.auth,
        integrity: s.integrity,
        confidentiality: s.confidentiality,
    };
    let mut p = Vec::new();
    req.emit(&mut p);
    let mut d = Vec::new();
    packet::emit_presession(PayloadType::OpenSessionRequest, &p, &mut d);
    let out = net.poke(from, &d);
    let resp = OpenSessionResponse::parse(&presession_payload(
        &out[0].datagram,
        PayloadType::OpenSessionResponse,
    ))
    .unwrap();
    assert_eq!(
        (resp.status, resp.tag, resp.console_session_id),
        (0, 7, console_id)
    );
    assert_eq!(resp.max_privilege, PrivilegeLevel::Administrator as u8);
    // A retransmitted Open Session gets the same answer, not a new session.
    let again = net.poke(from, &d);
    assert_eq!(again[0].datagram, out[0].datagram);
    resp.bmc_session_id
}

fn rakp1(net: &mut Net, from: SocketAddr, sid: u32, role: u8, name: &[u8]) -> Rakp2 {
    let m = Rakp1 {
        tag: 9,
        bmc_session_id: sid,
        console_random: [0x42; 16],
        role,
        username: name.to_vec(),
    };
    let mut p = Vec::new();
    m.emit(&mut p);
    let mut d = Vec::new();
    packet::emit_presession(PayloadType::Rakp1, &p, &mut d);
    let out = net.poke(from, &d);
    Rakp2::parse(&presession_payload(&out[0].datagram, PayloadType::Rakp2)).unwrap()
}

#[test]
fn rakp1_lookup_and_role_status_codes() {
    let mut net = Net::new(server(), Link::perfect(), 21);
    let from = console();
    let cases: [(u8, &[u8], u8); 9] = [
        (0x14, b"admin", 0x00), // name-only, ADMINISTRATOR
        (0x04, b"admin", 0x00), // name + privilege: admin's limit is ADMINISTRATOR
        (0x03, b"admin", 0x0d), // name + privilege: no admin entry at OPERATOR
        (0x13, b"admin", 0x00), // name-only, OPERATOR
        (0x13, b"oper", 0x00),
        (0x14, b"oper", 0x0a), // above the user's limit
        (0x14, b"nobody", 0x0d),
        (0x10, b"admin", 0x09), // no level
        (0x34, b"admin", 0x09), // reserved role bits
    ];
    for (i, (role, name, want)) in cases.into_iter().enumerate() {
        let sid = open(&mut net, from, 0x100 + i as u32);
        let r2 = rakp1(&mut net, from, sid, role, name);
        assert_eq!(
            (r2.status, r2.tag),
            (want, 9),
            "role {role:#x} {:?}",
            String::from_utf8_lossy(name)
        );
        assert_eq!(r2.console_session_id, 0x100 + i as u32);
        if want == 0 {
            assert_eq!(r2.key_exchange_code.len(), 32);
        }
    }
    // A RAKP 1 for a session that does not exist: 02h.
    assert_eq!(
        rakp1(&mut net, from, 0x1234_5678, 0x14, b"admin").status,
        0x02
    );
    // ...nor for a session of another host.
    let sid = open(&mut net, from, 0x999);
    assert_eq!(
        rakp1(
            &mut net,
            "10.1.1.1:777".parse().unwrap(),
            sid,
            0x14,
            b"admin"
        )
        .status,
        0x02
    );
}

#[test]
fn rakp3_with_a_wrong_code_gets_0f_and_a_retransmitted_rakp3_the_same_rakp4() {
    let mut net = Net::new(server(), Link::perfect(), 22);
    let from = console();
    let sid = open(&mut net, from, 0x77);
    assert_eq!(rakp1(&mut net, from, sid, 0x14, b"admin").status, 0);
    let bad = Rakp3 {
        tag: 9,
        status: 0,
        bmc_session_id: sid,
        key_exchange_code: vec![0xAA; 32],
    };
    let mut p = Vec::new();
    bad.emit(&mut p);
    let mut d = Vec::new();
    packet::emit_presession(PayloadType::Rakp3, &p, &mut d);
    let out = net.poke(from, &d);
    let r4 = Rakp4::parse(&presession_payload(&out[0].datagram, PayloadType::Rakp4)).unwrap();
    assert_eq!((r4.status, r4.console_session_id), (0x0f, 0x77));
    assert_eq!(
        net.poke(from, &d)[0].datagram,
        out[0].datagram,
        "retransmission answered alike"
    );
    assert_eq!(net.responder.active_sessions(), 0);
    assert!(net.server_events.iter().any(|e| matches!(
        e,
        ServerEvent::HandshakeRefused {
            step: HandshakeStep::Rakp3,
            status: RakpStatus(0x0f),
            ..
        }
    )));
    // A correct exchange through the client: a RAKP 3 retransmitted after
    // RAKP 4 is answered with the same RAKP 4, and the session stays one.
    let mut net = Net::new(server(), Link::perfect(), 23);
    let c = net.add_client(client(17).retries(SECOND, 5));
    let deadline = ipmi_core::Deadline::after(net.now, 10 * SECOND);
    let now = net.now;
    net.clients[c].1.connect(now, deadline).unwrap();
    let addr = net.clients[c].0;
    let mut rakp3 = None;
    for _ in 0..4 {
        let d = net.clients[c].1.poll_transmit().unwrap();
        if let Ok(Datagram::V20 { header, .. }) = classify(&d) {
            if header.payload_type == PayloadType::Rakp3 {
                rakp3 = Some(d.clone());
            }
        }
        for t in net.poke(addr, &d) {
            net.clients[c].1.handle_datagram(now, &t.datagram);
        }
    }
    let rakp3 = rakp3.expect("the client sent RAKP 3");
    let first = net.poke(addr, &rakp3);
    let second = net.poke(addr, &rakp3);
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].datagram, second[0].datagram);
    assert_eq!(net.responder.active_sessions(), 1);
    let r4 = Rakp4::parse(&presession_payload(&first[0].datagram, PayloadType::Rakp4)).unwrap();
    assert_eq!(
        (r4.status, r4.integrity_check.len()),
        (0, AuthAlg::HmacSha256.rakp4_icv_len())
    );
}

#[test]
fn replayed_datagram_is_dropped_and_a_retransmitted_request_is_answered_from_the_cache() {
    let mut net = Net::new(server(), Link::perfect(), 24);
    let c = net.add_client(client(17).retries(SECOND, 5));
    net.connect(c, SECOND).unwrap();
    let addr = net.clients[c].0;
    let now = net.now;
    let deadline = ipmi_core::Deadline::after(now, 10 * SECOND);
    net.clients[c]
        .1
        .request(now, &ChassisControl(PowerAction::Up).request(), deadline)
        .unwrap();
    let first = net.clients[c].1.poll_transmit().unwrap();
    // The client gives up waiting and resends: same rqSeq, new session sequence number.
    net.clients[c].1.handle_timeout(now + SECOND);
    let resent = net.clients[c].1.poll_transmit().unwrap();
    assert_ne!(first, resent);
    assert_eq!(net.poke(addr, &first).len(), 1);
    let dropped = net.responder.stats().dropped;
    assert!(
        net.poke(addr, &first).is_empty(),
        "an identical datagram is a replay"
    );
    assert_eq!(net.responder.stats().dropped, dropped + 1);
    let again = net.poke(addr, &resent);
    assert_eq!(again.len(), 1);
    assert_eq!(net.responder.stats().replayed_answers, 1);
    assert_eq!(net.responder.handler().power_actions(), 1, "executed once");
    net.clients[c]
        .1
        .handle_datagram(now + SECOND, &again[0].datagram);
    match net.clients[c].1.poll_event() {
        Some(Event::Response(r)) => assert_eq!(r.completion, CompletionCode::SUCCESS),
        other => panic!("{other:?}"),
    }
    // A tampered datagram is dropped.
    net.clients[c]
        .1
        .request(now, &GetDeviceId.request(), deadline)
        .unwrap();
    let mut d = net.clients[c].1.poll_transmit().unwrap();
    let last = d.len() - 1;
    d[last] ^= 1;
    assert!(net.poke(addr, &d).is_empty());
    assert_eq!(
        net.responder.stats().last_drop,
        Some("integrity or decryption check failed")
    );
}

#[test]
fn custom_identity_and_handler_state() {
    let identity = DeviceId {
        device_id: 7,
        manufacturer_id: 0x1234,
        product_id: 0x4321,
        ..Default::default()
    };
    let mut net = Net::with_handler(
        server(),
        SimulatedBmc::new(identity).with_power(true),
        Link::perfect(),
        25,
    );
    let c = net.add_client(client(2));
    net.connect(c, SECOND).unwrap();
    let id = net.execute(c, &GetDeviceId, SECOND).unwrap();
    assert_eq!(
        (id.device_id, id.manufacturer_id, id.product_id),
        (7, 0x1234, 0x4321)
    );
    assert!(net
        .execute(c, &GetChassisStatus, SECOND)
        .unwrap()
        .power_on());
    net.execute(c, &ChassisControl(PowerAction::Soft), SECOND)
        .unwrap();
    assert!(!net.responder.handler().power_on());
    assert_eq!(
        cc_of(net.execute(c, &ChassisControl(PowerAction::Cycle), SECOND)),
        0xd5,
        "cycle while off"
    );
}

#[test]
fn a_flood_of_refused_handshakes_stays_bounded() {
    let mut net = Net::new(server().max_sessions(4), Link::perfect(), 26);
    for i in 0..200u32 {
        let sid = open(&mut net, console(), 0x1000 + i);
        assert_eq!(
            rakp1(&mut net, console(), sid, 0x14, b"intruder").status,
            0x0d
        );
    }
    assert!(
        net.responder.sessions().len() <= 16,
        "{}",
        net.responder.sessions().len()
    );
    let c = net.add_client(client(17));
    net.connect(c, SECOND).unwrap();
}

#[test]
fn a_half_open_session_gives_way_to_a_new_handshake_of_its_user() {
    let config = server()
        .user(User::new("lim", "limpw", PrivilegeLevel::Administrator).session_limit(1))
        .handshake_timeout(Duration::from_secs(20));
    let mut net = Net::new(config, Link::perfect(), 27);
    // Like ipmitool with a wrong password: RAKP 1, then silence. It holds
    // the user's only slot, but a console that never got RAKP 2 must not
    // (and ipmitool does not) say it gave up: the next handshake of that
    // user evicts it at once instead of being refused for 20 s.
    let sid = open(&mut net, console(), 0x55);
    assert_eq!(rakp1(&mut net, console(), sid, 0x14, b"lim").status, 0);
    let lim = ClientConfig::new("lim", "limpw").cipher_suite(17);
    let a = net.add_client(lim.clone());
    let t0 = net.now;
    net.connect(a, SECOND).unwrap();
    assert!(net.now - t0 < SECOND / 10, "no wait: {:?}", net.now - t0);
    assert!(net.server_events.iter().any(|e| matches!(
        e,
        ServerEvent::HandshakeExpired { session_id, .. } if *session_id == sid
    )));
    // An active session is never evicted: the user's limit holds.
    let b = net.add_client(lim);
    assert_eq!(status_of(net.connect(b, SECOND)), (Stage::Rakp2, 0x01));
}

/// Client → BMC datagrams of a captured ipmitool session (tests/data).
fn captured_requests(file: &str) -> Vec<Vec<u8>> {
    let path = format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .filter_map(|l| l.trim().strip_prefix('>'))
        .map(|h| hex(h.trim()))
        .collect()
}

#[test]
fn garbage_and_mutated_datagrams_never_panic_the_responder() {
    use rand::{Rng, SeedableRng};
    let mut net = Net::new(server(), Link::perfect(), 28);
    let c = net.add_client(client(17));
    net.connect(c, SECOND).unwrap();
    let mut seeds = captured_requests("lanplus-cs17-ipmitool-refbmc.hex");
    seeds.extend(captured_requests("lanplus-cs3-ipmitool-ipmisim.hex"));
    // Live datagrams of the session above, so that mutations hit a real session ID.
    let addr = net.clients[c].0;
    let now = net.now;
    let deadline = ipmi_core::Deadline::after(now, 10 * SECOND);
    net.clients[c]
        .1
        .request(now, &GetDeviceId.request(), deadline)
        .unwrap();
    seeds.push(net.clients[c].1.poll_transmit().unwrap());
    let mut rng = rand::rngs::StdRng::seed_from_u64(29);
    for i in 0..30_000 {
        let mut d = seeds[i % seeds.len()].clone();
        for _ in 0..rng.gen_range(1..4) {
            let at = rng.gen_range(0..d.len());
            d[at] = rng.gen();
        }
        if rng.gen_bool(0.2) {
            d.truncate(rng.gen_range(0..=d.len()));
        }
        if rng.gen_bool(0.05) {
            d = (0..rng.gen_range(0..64)).map(|_| rng.gen()).collect();
        }
        let from = if rng.gen_bool(0.5) { addr } else { console() };
        net.poke(from, &d);
    }
    // Mutated Open Session requests fill the table with half-open sessions
    // (an unauthenticated flood, as on any BMC); they expire, and the
    // established session was never disturbed.
    net.advance(Duration::from_secs(21));
    assert!(net
        .responder
        .sessions()
        .iter()
        .all(|s| s.state != SessionState::AwaitingRakp1));
    let d = net.add_client(client(3));
    net.connect(d, SECOND).unwrap();
    net.execute(d, &GetDeviceId, SECOND).unwrap();
}

#[test]
fn asf_presence_ping_gets_a_pong() {
    use ipmi_lanplus::wire::asf::AsfPong;
    let mut net = Net::new(server(), Link::perfect(), 30);
    let out = net.poke(console(), &hex("0600ff06000011be80070000"));
    let Ok(Datagram::Asf(body)) = classify(&out[0].datagram) else {
        panic!("{out:?}")
    };
    let pong = AsfPong::parse(body).unwrap();
    assert_eq!(
        (pong.tag, pong.supported_entities),
        (7, 0x81),
        "IPMI supported"
    );
}

/// The BMC of issue 10.2: silent on RAKP 1 for an unknown user, and falls
/// over on a RAKP 3 that no RAKP 2 asked for.
fn fragile() -> ServerConfig {
    server().quirks(Quirks {
        silent_on_unknown_user: true,
        crash_on_unexpected_rakp3: true,
        ..Quirks::default()
    })
}

#[test]
fn the_fragile_bmc_model_falls_over_on_an_unasked_rakp3() {
    // The model itself: a RAKP 3 (status 0x01) for a session still
    // waiting for RAKP 1 takes it down for everyone. What the client
    // used to send when its deadline passed after silence.
    let mut net = Net::new(fragile(), Link::perfect(), 40);
    let from = console();
    let sid = open(&mut net, from, 0x77);
    let r3 = Rakp3 {
        tag: 7,
        status: 0x01,
        bmc_session_id: sid,
        key_exchange_code: Vec::new(),
    };
    let mut p = Vec::new();
    r3.emit(&mut p);
    let mut d = Vec::new();
    packet::emit_presession(PayloadType::Rakp3, &p, &mut d);
    assert!(net.poke(from, &d).is_empty());
    assert_eq!(net.responder.stats().unexpected_rakp3, 1);
    assert!(net.responder.stats().crashed);
    let c = net.add_client(client(3));
    assert!(matches!(
        net.connect(c, SECOND),
        Err(Error::Timeout {
            stage: Stage::ChannelAuthCapabilities,
            ..
        })
    ));
}

#[test]
fn a_mistyped_user_name_sends_nothing_unasked_and_the_fragile_bmc_survives() {
    let mut net = Net::new(fragile(), Link::perfect(), 41);
    for config in [
        ClientConfig::new("admn", "secret"),
        ClientConfig::new("admn", "secret").cipher_suite(3),
        ClientConfig::new("admn", "secret").retries(Duration::from_millis(200), 2),
    ] {
        let c = net.add_client(config);
        let e = net.connect(c, 2 * SECOND).unwrap_err();
        assert!(
            matches!(
                e,
                Error::Timeout {
                    stage: Stage::Rakp2,
                    ..
                }
            ),
            "{e:?}"
        );
        // Whatever the client does after giving up arrives here too.
        net.advance(5 * SECOND);
    }
    let stats = net.responder.stats();
    assert_eq!((stats.unexpected_rakp3, stats.crashed), (0, false));
    let c = net.add_client(ClientConfig::new("admin", "secret"));
    net.connect(c, 2 * SECOND).unwrap();
    net.execute(c, &GetDeviceId, SECOND).unwrap();
}

// ----- retransmission (issue 10.5), on the virtual clock -------------------------

/// A link with `one_way` delay each way, nothing lost.
fn slow_link(one_way: Duration) -> Link {
    Link {
        delay: one_way,
        ..Link::perfect()
    }
}

/// Connects `config` to a silent BMC with `budget`: how many tries, and
/// how long (virtual time) until the error.
fn against_a_silent_bmc(config: ClientConfig, budget: Duration, seed: u64) -> (u32, Duration) {
    let mut net = Net::new(server(), Link::perfect(), seed);
    net.bmc_silent = true;
    let c = net.add_client(config);
    let t0 = net.now;
    match net.connect(c, budget) {
        Err(Error::Timeout { tries, .. }) => {
            assert_eq!(u64::from(tries), net.client(c).stats().sent);
            (tries, net.now - t0)
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn retry_count_and_per_try_timeout_are_honoured_exactly_when_given() {
    // -N 0.3 -R 2: three tries 300 ms apart, then the error at 900 ms,
    // long before the 10 s deadline.
    let config = client(3).retries(Duration::from_millis(300), 2);
    let r = against_a_silent_bmc(config, 10 * SECOND, 50);
    assert_eq!(r, (3, Duration::from_millis(900)));
    // -N alone: that per-try timeout, tries until the deadline.
    let mut config = client(3);
    config.per_try_timeout = Some(Duration::from_millis(250));
    assert_eq!(
        against_a_silent_bmc(config, 2 * SECOND, 51),
        (8, 2 * SECOND)
    );
}

#[test]
fn defaults_try_until_the_deadline_at_an_adaptive_pace() {
    // No -N, no -R: the first try waits the initial 500 ms, then a quarter
    // longer each time, at most 1 s, until the deadline: 500, 625, 781,
    // 976, then 1000 ms each; 15 s is 17 tries.
    let r = against_a_silent_bmc(client(3), 15 * SECOND, 52);
    assert_eq!(r, (17, 15 * SECOND));
}

#[test]
fn the_per_try_timeout_follows_the_measured_round_trip() {
    // 150 ms each way: a round trip of 300 ms, more than the 200 ms floor.
    // After the handshake the estimate is 300 ms + 4 x its variation: the
    // lost request is resent after that, not after the 200 ms floor (which
    // would resend needlessly) nor the 1 s ceiling.
    let mut net = Net::new(server(), slow_link(Duration::from_millis(150)), 53);
    let c = net.add_client(client(3));
    net.connect(c, 15 * SECOND).unwrap();
    let srtt = net.client(c).smoothed_rtt().unwrap();
    assert_eq!(srtt, Duration::from_millis(300));
    assert_eq!(net.client(c).stats().retransmits, 0, "no spurious resend");
    net.execute(c, &GetDeviceId, 5 * SECOND).unwrap();
    assert_eq!(net.client(c).stats().retransmits, 0, "no spurious resend");
    // Now a BMC that stopped answering: the first resend comes after the
    // estimate, 300 ms + 4 RTTVAR (150 ms decayed by 3/4 over the five
    // later samples: 36 ms), 442 ms: not yet within 400 ms, within 500.
    net.bmc_silent = true;
    for (budget, want) in [(400, 1), (500, 2)] {
        let sent = net.client(c).stats().sent;
        let t0 = net.now;
        net.request(c, &GetDeviceId.request(), Duration::from_millis(budget))
            .unwrap_err();
        assert_eq!(net.now - t0, Duration::from_millis(budget));
        assert_eq!(net.client(c).stats().sent - sent, want, "in {budget} ms");
    }
}

#[test]
fn karn_no_round_trip_is_measured_from_a_resent_datagram() {
    // Loopback-fast BMC whose capabilities answer is lost once: the
    // answer to the resend (at 500 ms) is not a 500 ms round trip.
    let mut net = Net::new(server(), Link::perfect(), 54);
    net.bmc_silent = true;
    let c = net.add_client(client(3));
    let deadline = ipmi_core::Deadline::after(net.now, 5 * SECOND);
    let now = net.now;
    net.clients[c].1.connect(now, deadline).unwrap();
    net.advance(Duration::from_millis(100));
    net.bmc_silent = false;
    match net.run_until_event(c) {
        Event::Connected { .. } => {}
        other => panic!("{other:?}"),
    }
    assert!(net.client(c).stats().retransmits >= 1);
    // Only the first tries after the resend were measured: 2 ms each.
    assert_eq!(net.client(c).smoothed_rtt(), Some(Duration::from_millis(2)));
}
