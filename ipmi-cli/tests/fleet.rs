//! Several hosts in one invocation (`-H h1,h2`, port ranges,
//! `--hosts-file`) against twenty virtual BMCs of one `ipmirs serve`.

mod common;

use std::io::{BufRead, BufReader};
use std::net::UdpSocket;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{args, ipmirs};

/// BMCs served.
const N: u16 = 20;

/// `ipmirs serve --listen 127.0.0.1:P-P+19 --user admin:secret`; killed on drop.
struct Fleet {
    child: Child,
    base: u16,
}

impl Drop for Fleet {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A base port whose N UDP ports were all free a moment ago.
fn free_range() -> u16 {
    for _ in 0..50 {
        let probe = UdpSocket::bind("127.0.0.1:0").unwrap();
        let base = probe.local_addr().unwrap().port();
        drop(probe);
        if base > 65535 - N {
            continue;
        }
        let all: Vec<_> = (base..base + N)
            .map(|p| UdpSocket::bind(("127.0.0.1", p)))
            .collect();
        if all.iter().all(Result::is_ok) {
            return base;
        }
    }
    panic!("no {N} free consecutive UDP ports");
}

fn start() -> Fleet {
    for _ in 0..5 {
        let base = free_range();
        let listen = format!("127.0.0.1:{base}-{}", base + N - 1);
        let mut child = Command::new(env!("CARGO_BIN_EXE_ipmirs"))
            .args(["serve", "--listen", &listen, "--user", "admin:secret"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start ipmirs serve");
        let log = Arc::new(Mutex::new(String::new()));
        let pipe = child.stderr.take().unwrap();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                let mut s = sink.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
        let fleet = Fleet { child, base };
        let t0 = Instant::now();
        let mut fleet = fleet;
        loop {
            let started = log.lock().unwrap().matches("virtual BMC on").count();
            if started == N as usize {
                return fleet;
            }
            if fleet.child.try_wait().unwrap().is_some() {
                break; // a port got taken in between: another range
            }
            // A watchdog against a hang, not a measurement.
            assert!(
                t0.elapsed() < Duration::from_secs(30),
                "serve did not start: {}",
                log.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    panic!("ipmirs serve did not start on a port range");
}

#[test]
fn a_port_range_gets_one_line_per_host() {
    let f = start();
    let range = format!("127.0.0.1:{}-{}", f.base, f.base + N - 1);
    let r = ipmirs(
        &args(&[
            "-H", &range, "-U", "admin", "-P", "secret", "chassis", "power", "status",
        ]),
        &[],
    );
    r.expect_code(0);
    let out = r.stdout_str();
    let mut lines: Vec<&str> = out.lines().collect();
    lines.sort();
    let mut want: Vec<String> = (f.base..f.base + N)
        .map(|p| format!("127.0.0.1:{p}: Chassis Power is off"))
        .collect();
    want.sort();
    assert_eq!(lines, want);
    assert_eq!(
        r.messages(),
        format!("ipmirs: {N} hosts: {N} ok, 0 error, 0 no answer\n")
    );
}

#[test]
fn multi_line_output_prefixes_every_line() {
    let f = start();
    let list = format!("127.0.0.1:{},127.0.0.1:{}", f.base, f.base + 1);
    let r = ipmirs(
        &args(&["-H", &list, "-U", "admin", "mc", "info"]),
        &[("IPMI_PASSWORD", "secret")],
    );
    r.expect_code(0);
    let out = r.stdout_str();
    for p in [f.base, f.base + 1] {
        let prefix = format!("127.0.0.1:{p}: ");
        let mine: Vec<&str> = out.lines().filter(|l| l.starts_with(&prefix)).collect();
        assert!(mine.len() > 10, "{out}");
        assert!(mine[0].ends_with("Device ID                 : 32"), "{out}");
    }
    assert!(out.lines().all(|l| l.starts_with("127.0.0.1:")), "{out}");
}

#[test]
fn hosts_file_with_an_unreachable_host() {
    let f = start();
    // A port with nothing listening: bound and released.
    let dead = {
        let s = UdpSocket::bind("127.0.0.1:0").unwrap();
        s.local_addr().unwrap().port()
    };
    let dir = std::env::temp_dir().join(format!("ipmirs-fleet-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("hosts");
    std::fs::write(
        &file,
        format!(
            "# lab\n127.0.0.1:{}\n\n127.0.0.1:{dead}\n127.0.0.1:{} admin secret\n",
            f.base,
            f.base + 1
        ),
    )
    .unwrap();
    let t0 = Instant::now();
    let r = ipmirs(
        &args(&[
            "--hosts-file",
            file.to_str().unwrap(),
            "-U",
            "admin",
            "-E",
            "--timeout",
            "1",
            "chassis",
            "power",
            "status",
        ]),
        &[("IPMI_PASSWORD", "secret")],
    );
    assert!(t0.elapsed() < Duration::from_secs(5), "{:?}", t0.elapsed());
    r.expect_code(3);
    let out = r.stdout_str();
    assert!(
        out.contains(&format!("127.0.0.1:{}: Chassis Power is off", f.base)),
        "{out}"
    );
    assert!(
        out.contains(&format!("127.0.0.1:{}: Chassis Power is off", f.base + 1)),
        "{out}"
    );
    assert!(!out.contains(&dead.to_string()), "{out}");
    assert!(
        r.stderr.contains(&format!("127.0.0.1:{dead}: ")),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("ipmirs: 3 hosts: 2 ok, 0 error, 1 no answer\n"),
        "{}",
        r.stderr
    );

    // A wrong password on one line is an error: exit 1.
    std::fs::write(
        &file,
        format!(
            "127.0.0.1:{}\n127.0.0.1:{} admin wrong\n127.0.0.1:{dead}\n",
            f.base,
            f.base + 1
        ),
    )
    .unwrap();
    let r = ipmirs(
        &args(&[
            "--hosts-file",
            file.to_str().unwrap(),
            "-U",
            "admin",
            "-E",
            "--timeout",
            "1",
            "mc",
            "info",
        ]),
        &[("IPMI_PASSWORD", "secret")],
    );
    r.expect_code(1);
    assert!(
        r.stderr
            .contains("ipmirs: 3 hosts: 1 ok, 1 error, 1 no answer\n"),
        "{}",
        r.stderr
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn json_lines_name_their_host() {
    let f = start();
    let list = format!("127.0.0.1:{}-{}", f.base, f.base + 4);
    let r = ipmirs(
        &args(&[
            "-H", &list, "-U", "admin", "-P", "secret", "--json", "--fanout", "2", "chassis",
            "status",
        ]),
        &[],
    );
    r.expect_code(0);
    let mut hosts: Vec<String> = r
        .stdout_str()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect(l);
            v["host"].as_str().expect(l).to_string()
        })
        .collect();
    hosts.sort();
    let want: Vec<String> = (f.base..f.base + 5)
        .map(|p| format!("127.0.0.1:{p}"))
        .collect();
    assert_eq!(hosts, want);
}

#[test]
fn one_host_is_unchanged_and_bad_lists_are_usage_errors() {
    let f = start();
    let port = f.base.to_string();
    let r = ipmirs(
        &args(&[
            "-H",
            "127.0.0.1",
            "-p",
            &port,
            "-U",
            "admin",
            "-P",
            "secret",
            "power",
            "status",
        ]),
        &[],
    );
    r.expect_code(0);
    assert_eq!(r.stdout_str(), "Chassis Power is off\n");
    assert_eq!(r.messages(), "");
    for bad in [
        &["-H", "a,,b"][..],
        &["--hosts-file", "/nonexistent/hosts"],
        &["-H", "a,b", "local"],
    ] {
        let r = ipmirs(&args(&[bad, &["mc", "info"]].concat()), &[]);
        r.expect_code(2);
    }
}

/// Commands that take several exchanges (`user list`, `lan print`,
/// `chassis bootdev`...) are refused for a fleet before any host is asked;
/// one-exchange admin commands (`chassis restart_cause`) run on each host.
#[test]
fn several_exchange_commands_run_on_one_host_at_a_time() {
    let f = start();
    let hosts = format!("127.0.0.1:{}-{}", f.base, f.base + 1);
    for words in [
        &["user", "list", "1"][..],
        &["lan", "print", "1"],
        &["chassis", "bootdev", "pxe"],
    ] {
        let mut a = args(&["-H", &hosts, "-U", "admin", "-P", "secret"]);
        a.extend(args(words));
        let r = ipmirs(&a, &[]);
        r.expect_code(2);
        assert!(
            r.messages().contains("run it on one host at a time"),
            "{words:?}: {}",
            r.stderr
        );
        assert!(r.stdout.is_empty());
    }
    // One exchange: asked of every host (answered or refused, never a usage error).
    let r = ipmirs(
        &args(&[
            "-H",
            &hosts,
            "-U",
            "admin",
            "-P",
            "secret",
            "chassis",
            "restart_cause",
        ]),
        &[],
    );
    assert_ne!(r.code, 2, "{}", r.stderr);
    assert!(r.messages().contains("2 hosts: "), "{}", r.stderr);
}
