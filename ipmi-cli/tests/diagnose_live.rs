//! `ipmirs diagnose` on this machine's real /proc while an `ipmirs serve`
//! child runs with a password on its command line: the server is listed
//! under the IPMI daemons (never as a possibly stuck tool), its password
//! redacted in the text and in the JSON (issue 18).

mod common;

use common::serve::Serve;
use common::{args, ipmirs};

#[test]
fn a_running_serve_is_a_daemon_and_its_password_is_hidden() {
    let bmc = Serve::start(&["--user", "a:LiveSecret42:ADMINISTRATOR"]);
    let pid = bmc.child.id();
    let shown = format!(
        "serve --listen 127.0.0.1:{} --user a:***:ADMINISTRATOR",
        bmc.port
    );

    // `--root /`: this machine's /proc, and never a probe of its KCS ports.
    let r = ipmirs(&args(&["diagnose", "--root", "/", "--json"]), &[]);
    assert!(matches!(r.code, 0 | 1), "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).expect("one JSON object");
    let daemons = v["daemons"]["processes"].as_array().expect("daemons");
    let ours = daemons
        .iter()
        .find(|d| d["pid"] == pid)
        .unwrap_or_else(|| panic!("pid {pid} not among the daemons: {daemons:?}"));
    assert_eq!(ours["tool"], "ipmirs");
    assert_eq!(ours["kind"], "daemon");
    assert_eq!(ours["stuck"], false);
    let command = ours["command"].as_str().unwrap();
    assert!(command.ends_with(&shown), "{command}");
    let tools = v["tools"]["processes"].as_array().expect("tools");
    assert!(
        tools.iter().all(|t| t["pid"] != pid),
        "serve listed as a tool: {tools:?}"
    );
    let stdout = r.stdout_str();
    assert!(!stdout.contains("LiveSecret42"), "{stdout}");

    let r = ipmirs(&args(&["diagnose", "--root", "/"]), &[]);
    let text = r.stdout_str();
    assert!(!text.contains("LiveSecret42"), "{text}");
    let line = text
        .lines()
        .find(|l| l.contains(&format!("pid {pid} ")))
        .unwrap_or_else(|| panic!("pid {pid} not shown:\n{text}"));
    assert!(line.contains(&shown), "{line}");
    // It sits in the daemons' block, after its heading and before the probes.
    let daemons_at = text.find("IPMI daemons").expect("IPMI daemons line");
    let probes_at = text.find("\nProbes").expect("Probes line");
    let line_at = text.find(line).unwrap();
    assert!(daemons_at < line_at && line_at < probes_at, "{text}");
}
