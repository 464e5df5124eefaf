//! Our own blocking and async clients against the responder's tokio driver
//! over loopback UDP: suites 0 (allow_insecure), 1, 2, 3, 15, 16 and 17, the
//! user session limit, idle expiry driven by the driver's timers, and many
//! BMC identities served by one task or a few.

use std::time::{Duration, Instant};

use ipmi_core::cmd::{
    ChassisControl, ColdReset, GetChassisStatus, GetDeviceId, PowerAction, Raw, WarmReset,
};
use ipmi_core::transport::AsyncTransport;
use ipmi_core::{CompletionCode, NetFn, PrivilegeLevel, Transport};
use ipmi_lanplus::server::{Quirks, ServerConfig, User};
use ipmi_lanplus::{AsyncClient, Client, ClientConfig, Error, Stage};
use ipmirs_test_support::responder::BackgroundServer;

const SUITES: [u8; 7] = [0, 1, 2, 3, 15, 16, 17];

fn config() -> ServerConfig {
    ServerConfig::new()
        .user(User::new("admin", "secret", PrivilegeLevel::Administrator).session_limit(32))
        .cipher_suites(SUITES)
}

fn client(suite: u8) -> ClientConfig {
    ClientConfig::new("admin", "secret")
        .cipher_suite(suite)
        .allow_insecure(suite == 0)
        .timeout(Duration::from_secs(5))
}

#[test]
fn blocking_client_every_suite() {
    let server = BackgroundServer::start(config());
    for suite in SUITES {
        let mut c = Client::connect(server.addr(), client(suite))
            .unwrap_or_else(|e| panic!("suite {suite}: {e}"));
        assert_eq!(c.suite().unwrap().id, suite);
        let id = c.execute(&GetDeviceId).unwrap();
        assert_eq!(
            (id.device_id, id.firmware_major, id.ipmi_version_parts()),
            (0x20, 1, (2, 0))
        );
        let on = suite % 2 == 0;
        c.execute(&ChassisControl(if on {
            PowerAction::Up
        } else {
            PowerAction::Down
        }))
        .unwrap();
        assert_eq!(c.execute(&GetChassisStatus).unwrap().power_on(), on);
        let raw = c
            .execute(&Raw {
                netfn: NetFn::APP,
                cmd: 0x04,
                data: vec![],
            })
            .unwrap();
        assert_eq!(raw.data, [0x55, 0x00]);
        c.execute(&WarmReset).unwrap();
        c.execute(&ColdReset).unwrap();
        c.close().unwrap();
    }
    let closed = || {
        server
            .log()
            .iter()
            .filter(|l| l.ends_with(" closed"))
            .count()
    };
    let t0 = Instant::now();
    while closed() < SUITES.len() && t0.elapsed() < Duration::from_secs(2) {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(closed(), SUITES.len(), "{:#?}", server.log());
    assert!(server.log()[0].contains("cipher suite 0,"));
}

#[test]
fn async_client_every_suite() {
    let server = BackgroundServer::start(config());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        for suite in SUITES {
            let mut c = AsyncClient::connect(server.addr(), client(suite))
                .await
                .unwrap();
            assert_eq!(c.suite().unwrap().id, suite);
            let id = c.execute(&GetDeviceId).await.unwrap();
            assert_eq!(id.device_id, 0x20);
            c.execute(&ChassisControl(PowerAction::Up)).await.unwrap();
            assert!(c.execute(&GetChassisStatus).await.unwrap().power_on());
            c.execute(&ChassisControl(PowerAction::Cycle))
                .await
                .unwrap();
            c.execute(&ChassisControl(PowerAction::Down)).await.unwrap();
            let unknown = c
                .execute(&Raw {
                    netfn: NetFn(0x30),
                    cmd: 0x01,
                    data: vec![],
                })
                .await
                .unwrap();
            assert_eq!(unknown.completion, CompletionCode::INVALID_COMMAND);
            c.close().await.unwrap();
        }
        // Many concurrent sessions on one responder.
        let mut tasks = Vec::new();
        for i in 0..16u8 {
            let addr = server.addr();
            tasks.push(tokio::spawn(async move {
                let mut c = AsyncClient::connect(addr, client([3, 17][usize::from(i % 2)]))
                    .await
                    .unwrap();
                for _ in 0..5 {
                    c.execute(&GetDeviceId).await.unwrap();
                }
                c.close().await.unwrap();
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
    });
}

#[test]
fn session_limit_over_udp() {
    let server = BackgroundServer::start(
        ServerConfig::new()
            .user(User::new("admin", "secret", PrivilegeLevel::Administrator).session_limit(2)),
    );
    let a = Client::connect(server.addr(), client(17)).unwrap();
    let b = Client::connect(server.addr(), client(3)).unwrap();
    match Client::connect(server.addr(), client(17)) {
        Err(Error::Rejected {
            stage: Stage::Rakp2,
            status,
        }) => assert_eq!(status.0, 0x01),
        other => panic!("{other:?}"),
    }
    a.close().unwrap();
    let c = Client::connect(server.addr(), client(17)).unwrap();
    b.close().unwrap();
    c.close().unwrap();
    // A dropped client sends Close Session without waiting: its slot comes back.
    let closed = || {
        server
            .log()
            .iter()
            .filter(|l| l.ends_with(" closed"))
            .count()
    };
    for i in 0..5 {
        drop(Client::connect(server.addr(), client(17)).unwrap());
        let t0 = Instant::now();
        while closed() < 4 + i && t0.elapsed() < Duration::from_secs(2) {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(closed(), 4 + i, "{:#?}", server.log());
    }
    let _x = Client::connect(server.addr(), client(17)).unwrap();
    let _y = Client::connect(server.addr(), client(17)).unwrap();
}

#[test]
fn idle_sessions_expire_through_the_driver_timers() {
    let server = BackgroundServer::start(config().idle_timeout(Duration::from_millis(300)));
    // Without reconnecting: the client would otherwise open a new session
    // (tests/reuse_*.rs), and this test is about the BMC's side.
    let mut c = Client::connect(
        server.addr(),
        client(17)
            .retries(Duration::from_millis(100), 3)
            .reconnect(false),
    )
    .unwrap();
    c.execute(&GetDeviceId).unwrap();
    assert!(
        server.wait_for_log("expired (idle timeout)", Duration::from_secs(3)),
        "{:#?}",
        server.log()
    );
    let t0 = Instant::now();
    assert!(
        matches!(c.execute(&GetDeviceId), Err(Error::Timeout { .. })),
        "an expired session answers nothing"
    );
    assert!(t0.elapsed() < Duration::from_secs(3));
}

#[test]
fn many_identities_from_a_few_tasks() {
    for (endpoints, tasks) in [(40usize, 1usize), (300, 2)] {
        let server = BackgroundServer::start_many(config(), endpoints, tasks);
        assert_eq!(server.addrs.len(), endpoints);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let guids = rt.block_on(async {
            let mut tasks = Vec::new();
            for &addr in &server.addrs {
                tasks.push(tokio::spawn(async move {
                    let mut c =
                        AsyncClient::connect(addr, client(17).timeout(Duration::from_secs(20)))
                            .await
                            .unwrap();
                    c.execute(&ChassisControl(PowerAction::Up)).await.unwrap();
                    let guid = c
                        .execute(&Raw {
                            netfn: NetFn::APP,
                            cmd: 0x37,
                            data: vec![],
                        })
                        .await
                        .unwrap();
                    c.close().await.unwrap();
                    guid.data
                }));
            }
            let mut guids = Vec::new();
            for t in tasks {
                guids.push(t.await.unwrap());
            }
            guids
        });
        let distinct: std::collections::BTreeSet<_> = guids.iter().collect();
        assert_eq!(distinct.len(), endpoints, "each identity has its own GUID");
        assert!(guids.iter().all(|g| g.len() == 16));
        // Each identity keeps the power state set through it.
        let mut c = Client::connect(server.addrs[endpoints - 1], client(3)).unwrap();
        assert!(c.execute(&GetChassisStatus).unwrap().power_on());
        c.close().unwrap();
    }
    let server = BackgroundServer::start_many(config(), 2, 1);
    let mut c = Client::connect(server.addrs[1], client(3)).unwrap();
    c.execute(&ChassisControl(PowerAction::Up)).unwrap();
    c.close().unwrap();
    let mut c = Client::connect(server.addrs[0], client(3)).unwrap();
    assert!(
        !c.execute(&GetChassisStatus).unwrap().power_on(),
        "identity 0 did not see identity 1's power on"
    );
    c.close().unwrap();
}

#[test]
fn default_clients_negotiate_over_udp_with_plain_and_quirky_bmcs() {
    // A BMC that lists its suites: the strongest, asked for once. Over
    // loopback its list can in principle come after the client's grace on
    // a very busy machine; the fallback then lands on 17 all the same.
    let server = BackgroundServer::start(config().cipher_suites([1, 2, 3, 17]));
    let mut c = Client::connect(server.addr(), ClientConfig::new("admin", "secret")).unwrap();
    assert_eq!(c.suite().unwrap().id, 17);
    c.execute(&GetDeviceId).unwrap();
    c.close().unwrap();
    // The field BMC (Get Channel Cipher Suites unanswered, every Open
    // Session answered with suite 3): followed without -C, a clear error
    // with -C 17, through the blocking and the async driver.
    let server = BackgroundServer::start(config().quirks(Quirks::suite3_only()));
    let mut c = Client::connect(server.addr(), ClientConfig::new("admin", "secret")).unwrap();
    let n = c.session().negotiation().unwrap().clone();
    assert_eq!((n.suite, n.offered), (3, 17), "{n}");
    c.execute(&GetDeviceId).unwrap();
    c.close().unwrap();
    let e = Client::connect(server.addr(), client(17)).unwrap_err();
    assert!(
        matches!(
            e,
            Error::AlgorithmMismatch {
                asked: 17,
                answered: Some(3),
                ..
            }
        ),
        "{e}"
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut c = AsyncClient::connect(server.addr(), ClientConfig::new("admin", "secret"))
            .await
            .unwrap();
        assert_eq!(c.suite().unwrap().id, 3);
        c.execute(&GetDeviceId).await.unwrap();
        c.close().await.unwrap();
    });
}
