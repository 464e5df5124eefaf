//! Session hygiene against our responder over loopback UDP: clients that
//! give up (deadlines that cut a connect or a command short) must not
//! leave BMC session slots behind. A user with a limit of 10 sessions runs
//! 1000 commands, one in three cut short, and no connect may ever be
//! refused for lack of slots.
//!
//! The cut-short ones go through one of six proxies, each of which holds
//! the datagrams to the BMC at a fixed step of every client (Get Channel
//! Authentication Capabilities, Open Session, RAKP 1, RAKP 3, Set Session
//! Privilege Level, Get Device ID: the n-th datagram), so that each must
//! time out, at that step or earlier, whatever the machine's speed: its
//! deadline is shorter than the 200 ms per-try timeout, so no resend can
//! get past the hole.
//!
//! * The first four holes swallow everything from the n-th datagram on:
//!   the BMC never gets further than a half-open session, and the client
//!   (which heard no RAKP 2, or whose RAKP 3 was lost) cannot free it, so
//!   the BMC's eviction of half-open sessions must. Deadlines 1–13 ms.
//! * The last two swallow the n-th datagram only: the BMC activated the
//!   session, and what the client sends after giving up (Close Session)
//!   must free it. Deadline 100 ms, 50 times the ~2 ms the round trips
//!   before the hole take, so that the hole (not a slow machine) cuts the
//!   command, and the clean-up is never what falls into it.
//!
//! The others go straight to the BMC.

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
            let hole = if n <= 4 {
                Faults {
                    drop_from_nth: Some(n),
                    ..Faults::none()
                }
            } else {
                Faults {
                    drop_nth: Some(n),
                    ..Faults::none()
                }
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
        let hole = (i / 3) % proxies.len();
        let budget = if tiny && hole >= 4 {
            Duration::from_millis(100)
        } else if tiny {
            Duration::from_millis(1 + 2 * ((i as u64 / 3) % 7))
        } else {
            Duration::from_secs(2)
        };
        let deadline = Deadline::from_now(budget);
        let addr = if tiny {
            proxies[hole].addr()
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
    // The first hole and the last two decide the stage (before the first
    // there is nothing; the last two are reached in time): each was cut.
    for stage in [
        "Get Channel Authentication Capabilities",
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
