//! Session hygiene against our responder over loopback UDP: clients that
//! give up (deadlines that cut a connect or a command short) must not
//! leave BMC session slots behind. A user with a limit of 10 sessions runs
//! 1000 commands, one in three cut short, and no connect may ever be
//! refused for lack of slots.
//!
//! The cut-short ones go through one of six proxies, the n-th of which
//! loses exactly the n-th datagram to the BMC of every client (n = 1..6:
//! Get Channel Authentication Capabilities, Open Session, RAKP 1, RAKP 3,
//! Set Session Privilege Level, Get Device ID) and nothing else. Their
//! deadline (1–150 ms) is shorter than the per-try timeout (200 ms), so no
//! resend can fill the hole: each of them must time out, at the step the
//! hole is in (or earlier on a slow machine), whatever the machine's
//! speed. What the client sends after giving up goes through. The others
//! go straight to the BMC.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use ipmi_core::cmd::GetDeviceId;
use ipmi_core::{Deadline, ErrorClass, Failure, PrivilegeLevel, Transport};
use ipmi_lanplus::server::{ServerConfig, User};
use ipmi_lanplus::{Client, ClientConfig, Error};
use ipmirs_test_support::proxy;
use ipmirs_test_support::responder::BackgroundServer;
use proxy::{Faults, Proxy};

#[test]
fn thousand_commands_with_a_third_cut_short_never_run_out_of_slots() {
    let server = BackgroundServer::start(
        ServerConfig::new()
            .user(User::new("admin", "secret", PrivilegeLevel::Administrator).session_limit(10))
            .cipher_suites([3, 17]),
    );
    let proxies: Vec<Proxy> = (1..=6)
        .map(|n| {
            let hole = Faults {
                drop_nth: Some(n),
                ..Faults::none()
            };
            Proxy::start_asymmetric(server.addr(), hole, Faults::none(), 7)
        })
        .collect();
    let t0 = Instant::now();
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    let mut cut_short = 0;
    for i in 0..1000 {
        let suite = [17, 3][i % 2];
        let config = ClientConfig::new("admin", "secret")
            .cipher_suite(suite)
            .retries(Duration::from_millis(200), 3);
        let tiny = i % 3 == 0;
        let budget = if tiny {
            // 1-11 ms, and 150 ms (which still ends before any resend) so
            // that every hole is reached: 75 times the ~2 ms the five
            // loopback round trips before the last hole take.
            match (i as u64 / 3) % 7 {
                6 => Duration::from_millis(150),
                k => Duration::from_millis(1 + 2 * k),
            }
        } else {
            Duration::from_secs(2)
        };
        let deadline = Deadline::from_now(budget);
        let addr = if tiny {
            proxies[(i / 3) % proxies.len()].addr()
        } else {
            server.addr()
        };
        let result = Client::connect_by(addr, config, deadline)
            .and_then(|mut c| c.execute_by(&GetDeviceId, deadline).map(|id| (c, id)));
        let key = match result {
            Ok((c, id)) => {
                assert_eq!(id.device_id, 0x20);
                // Half the sessions close and wait for the answer, half are
                // dropped (Close Session sent, not awaited).
                if i % 2 == 0 {
                    c.close()
                        .unwrap_or_else(|e| panic!("command {i}: close: {e}"));
                }
                "ok".to_string()
            }
            Err(e) => {
                assert!(
                    tiny && e.class() == ErrorClass::Timeout,
                    "command {i} ({budget:?}): {e} ({:?})",
                    e.class()
                );
                cut_short += 1;
                match e {
                    Error::Timeout { stage, .. } => format!("timeout: {stage}"),
                    other => format!("{other}"),
                }
            }
        };
        *outcomes.entry(key).or_default() += 1;
    }
    let elapsed = t0.elapsed();
    eprintln!("1000 commands in {elapsed:?}: {outcomes:#?}");
    // The BMC refused nothing (a RAKP 3 "refused" line is a console giving up).
    let refusals: Vec<String> = server
        .log()
        .into_iter()
        .filter(|l| l.contains("refused") && !l.starts_with("RAKP 3"))
        .collect();
    assert!(refusals.is_empty(), "refused: {refusals:#?}");
    assert_eq!(cut_short, 334, "every command through a hole was cut short");
    // Each stage of the handshake and the command were cut at least once
    // (the 150 ms budgets reach every hole).
    for stage in [
        "Get Channel Authentication Capabilities",
        "Open Session",
        "RAKP 1",
        "RAKP 3",
        "Set Session Privilege Level",
        "request netfn",
    ] {
        assert!(
            outcomes.keys().any(|k| k.contains(stage)),
            "{stage}: {outcomes:#?}"
        );
    }
    // The session hygiene holds however long it took; this bound only
    // catches a client that waits out the per-try timeout or the 2 s
    // budgets: expected about 15 s on a busy machine, the bound is 8
    // times that.
    assert!(elapsed < Duration::from_secs(120), "{elapsed:?}");
}
