//! `ipmirs -v/-vv` print the library's tracing spans and events on
//! standard error (issue 16): `ipmirs try` runs a real RMCP+ session over
//! loopback UDP against its in-process virtual BMC, so the handshake's
//! steps must show at -vv, none of them at -v, and nothing without -v.

use std::process::Command;

fn try_with(flag: Option<&str>) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ipmirs"));
    cmd.arg("try");
    if let Some(flag) = flag {
        cmd.arg(flag);
    }
    let out = cmd.output().expect("run ipmirs try");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stderr).expect("UTF-8 stderr")
}

/// The positions of `needles` in `hay`, each found after the previous one.
fn in_order(hay: &str, needles: &[&str]) {
    let mut from = 0;
    for n in needles {
        match hay[from..].find(n) {
            Some(at) => from += at + n.len(),
            None => panic!("{n:?} missing (or out of order) after byte {from} of:\n{hay}"),
        }
    }
}

#[test]
fn vv_shows_the_handshake_step_by_step_inside_the_session_span() {
    let err = try_with(Some("-vv"));
    in_order(
        &err,
        &[
            "handshake step stage=Get Channel Authentication Capabilities",
            "handshake step stage=Open Session",
            "suite=17 bmc_session_id=0x",
            "handshake step stage=RAKP 1 (waiting for RAKP 2)",
            "handshake step stage=RAKP 3 (waiting for RAKP 4)",
            "handshake step stage=Set Session Privilege Level",
            "session active suite=17",
            "ipmi_request{netfn=0x6 cmd=0x1 rq_seq=",
            "request sent",
            "response completion_code=0x0",
        ],
    );
    assert!(err.contains("ipmi_session{console_session_id=0x"), "{err}");
    assert!(err.contains("host=\"127.0.0.1:"), "{err}");
}

#[test]
fn v_shows_no_debug_events_and_no_flag_shows_none_at_all() {
    let v = try_with(Some("-v"));
    assert!(!v.contains("DEBUG"), "{v}");
    assert!(!v.contains("handshake step"), "{v}");
    let quiet = try_with(None);
    assert!(!quiet.contains("ipmi_session"), "{quiet}");
    assert!(!quiet.contains("handshake step"), "{quiet}");
}
