//! Session hygiene against our responder over loopback UDP: clients that
//! give up (tiny deadlines that cut a connect or a command short) must
//! not leave BMC session slots behind. A user with a limit of 10 sessions
//! runs 1000 commands, one in three with a deadline of 1–13 ms for the
//! whole connect-and-command, and no connect may ever be refused for lack
//! of slots. The cut-short ones go through the test proxy, whose datagrams
//! to the BMC take about 1 ms, so their deadlines cut every step of the
//! handshake and the command itself; the others go straight to the BMC.

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
    let slow = Faults {
        delay: Duration::from_millis(1),
        ..Faults::none()
    };
    let proxy = Proxy::start_asymmetric(server.addr(), slow, Faults::none(), 7);
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
            Duration::from_millis(1 + 2 * ((i as u64 / 3) % 7))
        } else {
            Duration::from_secs(2)
        };
        let deadline = Deadline::from_now(budget);
        let addr = if tiny { proxy.addr() } else { server.addr() };
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
    assert!(cut_short >= 300, "only {cut_short} commands were cut short");
    assert!(elapsed < Duration::from_secs(30), "{elapsed:?}");
}
