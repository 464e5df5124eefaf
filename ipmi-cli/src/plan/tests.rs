//! Unit tests of the parent module.

use super::*;
use crate::credentials::{TestEnv, PASSWORD_PROMPT};
use crate::families::mc::ResetKind;
use clap::Parser;
use ipmi_core::cmd::{PowerAction, Raw};
use ipmi_core::NetFn;
use std::collections::HashMap;

fn cli(args: &[&str]) -> Cli {
    Cli::try_parse_from(std::iter::once("ipmirs").chain(args.iter().copied())).unwrap()
}

fn resolve_with(
    args: &[&str],
    env: &[(&'static str, &'static str)],
) -> Result<Invocation, CliError> {
    let env: HashMap<&str, &str> = env.iter().copied().collect();
    resolve(&cli(args), &env)
}

fn usage_message<T: std::fmt::Debug>(r: Result<T, CliError>) -> String {
    match r {
        Err(CliError::Usage(m)) => m,
        other => panic!("expected a usage error, got {other:?}"),
    }
}

#[test]
fn host_implies_lan_with_or_without_the_word() {
    for args in [
        &["-H", "bmc", "mc", "info"][..],
        &["-H", "bmc", "lan", "mc", "info"],
        &["lan", "-H", "bmc", "mc", "info"],
    ] {
        let inv = resolve_with(args, &[]).unwrap();
        assert_eq!(inv.lan().host, "bmc");
        assert_eq!(inv.lan().port, 623);
        assert_eq!(inv.action, Action::Mc(crate::families::mc::Action::Info));
    }
}

#[test]
fn ipmitool_interface_option() {
    let inv = resolve_with(
        &[
            "-I", "lanplus", "-H", "h", "-U", "u", "-P", "p", "chassis", "power", "status",
        ],
        &[],
    )
    .unwrap();
    assert_eq!(
        inv.action,
        Action::Chassis(crate::families::chassis::Action::PowerStatus)
    );
    assert_eq!(inv.lan().username, b"u");
    assert_eq!(inv.lan().password.as_slice(), b"p");
    assert_eq!(inv.lan().password_source, PasswordSource::Option);
    // -I lanplus agrees with the word lan.
    assert!(resolve_with(&["-I", "lanplus", "-H", "h", "lan", "mc", "info"], &[]).is_ok());
}

#[test]
fn local_is_the_default_without_host() {
    let local = |args: &[&str]| resolve_with(args, &[]).unwrap().local().clone();
    let plain = LocalSettings {
        device: DeviceChoice::Number(0),
        target: Target::bmc(),
        ignored: vec![],
    };
    // No word, `local`, ipmitool's -I open: all /dev/ipmi0.
    for args in [
        &["mc", "info"][..],
        &["local", "mc", "info"],
        &["-I", "open", "mc", "info"],
        &["-I", "open", "local", "mc", "info"],
    ] {
        assert_eq!(local(args), plain, "{args:?}");
    }
    let inv = resolve_with(
        &[
            "--timeout",
            "1.5",
            "--json",
            "-v",
            "chassis",
            "power",
            "status",
        ],
        &[],
    )
    .unwrap();
    assert_eq!(
        inv.action,
        Action::Chassis(crate::families::chassis::Action::PowerStatus)
    );
    assert_eq!(inv.timeout, Duration::from_millis(1500));
    assert!(inv.json);
    assert_eq!(inv.verbose, 1);
    // The environment's credentials do not make it lan.
    let env = [("IPMI_PASSWORD", "pw"), ("IPMI_USER", "u")];
    assert!(matches!(
        resolve_with(&["mc", "info"], &env).unwrap().link,
        Link::Local(_)
    ));
}

#[test]
fn device_selection_like_ipmitool() {
    let device = |args: &[&str]| {
        resolve_with(&[args, &["mc", "info"][..]].concat(), &[])
            .map(|inv| inv.local().device.clone())
    };
    assert_eq!(device(&[]).unwrap(), DeviceChoice::Number(0));
    // -d N: ipmitool's interface number, read like strtol base 0.
    assert_eq!(device(&["-d", "1"]).unwrap(), DeviceChoice::Number(1));
    assert_eq!(device(&["-d", "0x10"]).unwrap(), DeviceChoice::Number(16));
    assert_eq!(device(&["-d", "010"]).unwrap(), DeviceChoice::Number(8));
    assert_eq!(
        device(&["local", "-d", "3"]).unwrap(),
        DeviceChoice::Number(3)
    );
    assert_eq!(
        device(&["--device", "/dev/ipmi/2"]).unwrap(),
        DeviceChoice::Path("/dev/ipmi/2".into())
    );
    assert_eq!(DeviceChoice::Number(3).to_string(), "/dev/ipmi3");
    assert_eq!(
        DeviceChoice::Path("/dev/ipmi/2".into()).to_string(),
        "/dev/ipmi/2"
    );
    // A device is local: with lan it is refused, not ignored.
    for args in [
        &["-H", "h", "-d", "1", "mc", "info"][..],
        &["-H", "h", "--device", "/dev/ipmi1", "mc", "info"],
        &["-I", "lanplus", "-H", "h", "-d", "0", "mc", "info"],
    ] {
        let m = usage_message(resolve_with(args, &[]));
        assert!(
            m.contains("a local IPMI device, but the interface is lan"),
            "{m}"
        );
    }
}

#[test]
fn local_refuses_what_could_reach_another_bmc() {
    // -H with an explicit local interface: ipmitool would talk to the
    // local BMC and ignore the host.
    for args in [
        &["-H", "h", "local", "mc", "info"][..],
        &["-I", "open", "-H", "h", "mc", "reset", "cold"],
    ] {
        let m = usage_message(resolve_with(args, &[]));
        assert!(
            m.starts_with("-H h names a remote BMC, but the interface is local"),
            "{m}"
        );
    }
    // Session options without -H (and without naming the local
    // interface): most likely a forgotten -H.
    let m = usage_message(resolve_with(
        &["-U", "admin", "-P", "pw", "chassis", "power", "off"],
        &[],
    ));
    assert!(
        m.starts_with("-U, -P are options of the lan interface, but no -H was given"),
        "{m}"
    );
    assert!(
        m.contains("give -H BMC") && m.contains("say `local`"),
        "{m}"
    );
    let m = usage_message(resolve_with(&["-E", "mc", "info"], &[]));
    assert!(m.starts_with("-E is an option of the lan interface"), "{m}");
    for flag in [
        &["-p", "624"][..],
        &["-C", "3"],
        &["-L", "USER"],
        &["-k", "k"],
        &["-y", "00"],
        &["-K"],
        &["-N", "1"],
        &["-R", "1"],
        &["--allow-insecure"],
        &["-f", "/nonexistent"],
    ] {
        let m = usage_message(resolve_with(&[flag, &["mc", "info"][..]].concat(), &[]));
        assert!(m.contains("of the lan interface"), "{flag:?}: {m}");
    }
    // Named, the local interface takes them and ignores them (as
    // ipmitool -I open does), without reading a file or the environment.
    let inv = resolve_with(
        &["-I", "open", "-U", "admin", "-E", "-y", "zz", "mc", "info"],
        &[],
    )
    .unwrap();
    assert_eq!(inv.local().ignored, ["-U", "-E", "-y"]);
    let inv = resolve_with(&["local", "-f", "/nonexistent", "mc", "info"], &[]).unwrap();
    assert_eq!(inv.local().ignored, ["-f"]);
    let inv = resolve_with(&["local", "-N", "2", "-R", "1", "mc", "info"], &[]).unwrap();
    assert_eq!(inv.local().ignored, ["-N", "-R"]);
    // Options of both interfaces are not "ignored".
    let inv = resolve_with(
        &[
            "local",
            "-v",
            "--json",
            "--timeout",
            "2",
            "-t",
            "0x40",
            "mc",
            "info",
        ],
        &[],
    )
    .unwrap();
    assert!(inv.local().ignored.is_empty());
}

#[test]
fn kcs_interface_and_its_flags() {
    let plain = KcsSettings {
        address: None,
        backend: Backend::Auto,
        force: false,
        root: PathBuf::from("/"),
        ignored: vec![],
    };
    for args in [
        &["kcs", "mc", "info"][..],
        &["-I", "kcs", "mc", "info"],
        &["-I", "kcs", "kcs", "mc", "info"],
        &["mc", "info", "-I", "kcs"],
    ] {
        let inv = resolve_with(args, &[]).unwrap();
        assert_eq!(inv.kcs(), &plain, "{args:?}");
        assert_eq!(inv.action, Action::Mc(crate::families::mc::Action::Info));
    }
    let inv = resolve_with(
        &[
            "kcs",
            "--kcs-addr",
            "0xca8:4",
            "--kcs-backend",
            "devport",
            "--kcs-force",
            "--timeout",
            "2",
            "--json",
            "chassis",
            "power",
            "status",
        ],
        &[],
    )
    .unwrap();
    assert_eq!(
        inv.kcs(),
        &KcsSettings {
            address: Some(KcsAddress {
                base: 0xca8,
                spacing: 4
            }),
            backend: Backend::DevPort,
            force: true,
            ..plain.clone()
        }
    );
    assert_eq!(
        inv.action,
        Action::Chassis(crate::families::chassis::Action::PowerStatus)
    );
    assert_eq!((inv.timeout, inv.json), (Duration::from_secs(2), true));
    assert_eq!(
        resolve_with(&["--kcs-backend", "ioport", "kcs", "mc", "info"], &[])
            .unwrap()
            .kcs()
            .backend,
        Backend::IoPort
    );
    // The options of a LAN session are ignored, as in-band (named).
    let inv = resolve_with(&["-U", "admin", "-E", "kcs", "mc", "reset", "cold"], &[]).unwrap();
    assert_eq!(inv.kcs().ignored, ["-U", "-E"]);
    assert_eq!(
        inv.action,
        Action::Mc(crate::families::mc::Action::Reset(ResetKind::Cold))
    );
    // Refused: another BMC, the kernel driver's device file.
    let m = usage_message(resolve_with(&["-H", "h", "kcs", "mc", "info"], &[]));
    assert!(
        m.starts_with("-H h names a remote BMC, but the interface is kcs"),
        "{m}"
    );
    for args in [
        &["-d", "1", "kcs", "mc", "info"][..],
        &["--device", "/dev/ipmi0", "-I", "kcs", "mc", "info"],
    ] {
        let m = usage_message(resolve_with(args, &[]));
        assert!(
            m.contains("a device file of the kernel's IPMI driver, but the kcs interface"),
            "{args:?}: {m}"
        );
    }
    // kcs flags belong to kcs: with another interface they are refused.
    for (args, interface) in [
        (&["--kcs-addr", "0xca2", "mc", "info"][..], "local"),
        (&["local", "--kcs-force", "mc", "info"], "local"),
        (
            &["-I", "open", "--kcs-backend", "devport", "mc", "info"],
            "local",
        ),
        (&["-H", "h", "--kcs-addr", "0xca2", "mc", "info"], "lan"),
    ] {
        let m = usage_message(resolve_with(args, &[]));
        assert!(
            m.contains("of the kcs interface, but the interface is ")
                && m.contains(interface)
                && m.contains("say `kcs`"),
            "{args:?}: {m}"
        );
    }
    // -I and the word must agree.
    assert!(
        usage_message(resolve_with(&["-I", "open", "kcs", "mc", "info"], &[]))
            .contains("conflicting")
    );
}

#[test]
fn interfaces_unsupported() {
    assert!(
        usage_message(resolve_with(&["-I", "lan", "-H", "h", "mc", "info"], &[]))
            .contains("IPMI 1.5")
    );
    assert!(
        usage_message(resolve_with(&["-I", "bmc", "-H", "h", "mc", "info"], &[]))
            .contains("unknown interface")
    );
    assert!(usage_message(resolve_with(
        &["-I", "open", "-H", "h", "lan", "mc", "info"],
        &[]
    ))
    .contains("conflicting"));
    assert!(
        usage_message(resolve_with(&["-I", "open", "lan", "mc", "info"], &[]))
            .contains("conflicting")
    );
    assert!(usage_message(resolve_with(&["lan", "mc", "info"], &[])).contains("-H HOST"));
}

#[test]
fn bridging_targets_like_ipmitool() {
    let target = |args: &[&str]| {
        resolve_with(&[&["-H", "h"][..], args, &["mc", "info"]].concat(), &[])
            .map(|inv| inv.lan().target)
    };
    assert_eq!(target(&[]).unwrap(), Target::bmc());
    assert_eq!(
        target(&["-b", "6", "-t", "0x2c"]).unwrap(),
        Target::ipmb(6, 0x2c)
    );
    // -t alone: channel 0; numbers in ipmitool's forms (strtoul base 0).
    assert_eq!(target(&["-t", "0x30"]).unwrap(), Target::ipmb(0, 0x30));
    assert_eq!(target(&["-t", "48"]).unwrap(), Target::ipmb(0, 0x30));
    assert_eq!(target(&["-t", "060"]).unwrap(), Target::ipmb(0, 0x30));
    assert_eq!(
        target(&["-b", "0x0f", "-t", "0x82"]).unwrap(),
        Target::ipmb(15, 0x82)
    );
    // The BMC's own address on channel 0 is no bridging.
    for bmc in [
        &["-b", "0", "-t", "0x20"][..],
        &["-t", "0x20"],
        &["-t", "32"],
    ] {
        assert!(target(bmc).unwrap().is_bmc(), "{bmc:?}");
    }
    // On another channel 0x20 is another controller.
    assert!(!target(&["-b", "7", "-t", "0x20"]).unwrap().is_bmc());
    // Refused: ipmitool would silently talk to the BMC, or IPMB cannot carry it.
    assert!(usage_message(target(&["-b", "6"])).contains("-b 6 needs -t ADDRESS"));
    assert!(usage_message(target(&["-t", "0"])).contains("not an IPMB slave address"));
    assert!(usage_message(target(&["-t", "0x31"])).contains("-t 0x31 is not an IPMB"));
    assert!(usage_message(target(&["-b", "16", "-t", "0x30"])).contains("0-15"));
    // The same rules in-band, where the kernel does the bridging.
    let local = |args: &[&str]| {
        resolve_with(&[args, &["local", "mc", "info"][..]].concat(), &[])
            .map(|inv| inv.local().target)
    };
    assert_eq!(local(&[]).unwrap(), Target::bmc());
    assert_eq!(
        local(&["-b", "0", "-t", "0x40"]).unwrap(),
        Target::ipmb(0, 0x40)
    );
    assert_eq!(local(&["-t", "64"]).unwrap(), Target::ipmb(0, 0x40));
    assert_eq!(
        local(&["-b", "7", "-t", "0x20"]).unwrap(),
        Target::ipmb(7, 0x20)
    );
    assert!(local(&["-t", "0x20"]).unwrap().is_bmc());
    assert!(usage_message(local(&["-b", "6"])).contains("-b 6 needs -t ADDRESS"));
    assert!(usage_message(local(&["-t", "0"])).contains("not an IPMB slave address"));
    assert!(usage_message(local(&["-t", "0x41"])).contains("-t 0x41 is not an IPMB"));
    assert!(usage_message(local(&["-b", "16", "-t", "0x40"])).contains("0-15"));
    // Without the word too.
    assert_eq!(
        resolve_with(&["-b", "0", "-t", "0x40", "mc", "info"], &[])
            .unwrap()
            .local()
            .target,
        Target::ipmb(0, 0x40)
    );
    // KCS carries requests to the BMC only: bridging is refused, the
    // BMC's own address is no bridging.
    for bridged in [
        &["-t", "0x30", "kcs", "mc", "info"][..],
        &["-b", "0", "-t", "0x40", "-I", "kcs", "raw", "6", "1"],
        &["kcs", "-b", "7", "-t", "0x20", "mc", "info"],
    ] {
        let m = usage_message(resolve_with(bridged, &[]));
        assert!(
            m.starts_with("bridging (-b/-t) is not possible over kcs") && m.contains("use `local`"),
            "{bridged:?}: {m}"
        );
    }
    assert!(resolve_with(&["-t", "0x20", "kcs", "mc", "info"], &[])
        .unwrap()
        .kcs()
        .ignored
        .is_empty());
    assert!(
        usage_message(resolve_with(&["-b", "1", "kcs", "mc", "info"], &[]))
            .contains("-b 1 needs -t ADDRESS")
    );
}

fn plan_with(args: &[&str]) -> Result<Plan, CliError> {
    let env: HashMap<&str, &str> = HashMap::new();
    plan(&cli(args), &env)
}

fn serve_with(args: &[&str]) -> Result<ServeSettings, CliError> {
    match plan_with(&[&["serve"][..], args].concat())? {
        Plan::Serve(s) => Ok(s),
        other => panic!("{other:?}"),
    }
}

#[test]
fn serve_defaults() {
    let s = serve_with(&[]).unwrap();
    assert_eq!(s.listen, ["127.0.0.1:6230".parse::<SocketAddr>().unwrap()]);
    assert!(s.default_user);
    assert_eq!(s.config.users.len(), 1);
    let u = &s.config.users[0];
    assert_eq!(
        (u.name.as_slice(), u.password.as_slice(), u.privilege),
        (&b"admin"[..], &b"admin"[..], PrivilegeLevel::Administrator)
    );
    // Suite 0 is not offered unless listed.
    assert_eq!(s.config.cipher_suites, [1, 2, 3, 15, 16, 17]);
    assert_eq!(
        s.config.idle_timeout,
        ipmi_lanplus::server::DEFAULT_IDLE_TIMEOUT
    );
}

#[test]
fn serve_flags() {
    let s = serve_with(&[
        "--listen",
        "127.0.0.1:7000-7002",
        "--listen",
        "[::1]:7000",
        "--user",
        "admin:s3:cr:et",
        "--user",
        "op:pw:operator",
        "--cipher-suites",
        "0,3, 17",
        "--idle-timeout",
        "0.5",
    ])
    .unwrap();
    assert_eq!(s.listen.len(), 4);
    assert_eq!(s.listen[3], "[::1]:7000".parse::<SocketAddr>().unwrap());
    assert!(!s.default_user);
    let users: Vec<(&[u8], &[u8], PrivilegeLevel)> = s
        .config
        .users
        .iter()
        .map(|u| (u.name.as_slice(), u.password.as_slice(), u.privilege))
        .collect();
    assert_eq!(
        users,
        [
            (
                &b"admin"[..],
                &b"s3:cr:et"[..],
                PrivilegeLevel::Administrator
            ),
            (&b"op"[..], &b"pw"[..], PrivilegeLevel::Operator)
        ]
    );
    assert_eq!(s.config.cipher_suites, [0, 3, 17]);
    assert_eq!(s.config.idle_timeout, Duration::from_millis(500));
    // Any address with users of one's own; port 0 picks a free port.
    let s = serve_with(&["--listen", "0.0.0.0:0", "--user", "a:b"]).unwrap();
    assert_eq!(s.listen[0].port(), 0);
}

#[test]
fn serve_refusals_are_usage_errors() {
    for (args, what) in [
        (
            &["--listen", "nowhere"][..],
            "--listen: invalid listen address 'nowhere'",
        ),
        (&["--listen", "127.0.0.1:99999"], "--listen"),
        (&["--listen", "127.0.0.1:7001-7000"], "--listen"),
        (
            &[
                "--listen",
                "127.0.0.1:7000",
                "--listen",
                "127.0.0.1:6999-7000",
            ],
            "given twice",
        ),
        (
            &["--listen", "0.0.0.0"],
            "not a loopback address: give --user",
        ),
        (
            &["--user", "nopassword"],
            "--user: invalid user 'nopassword'",
        ),
        (
            &["--user", "a:b", "--user", "a:c"],
            "user 'a' is given twice",
        ),
        (&["--user", "x:123456789012345678901"], "at most 20"),
        (&["--cipher-suites", "4"], "cipher suite 4 is not supported"),
        (
            &["--cipher-suites", "3,,17"],
            "--cipher-suites: invalid cipher suite list",
        ),
        (&["--cipher-suites", "three"], "--cipher-suites"),
        (
            &["-H", "bmc"],
            "serve: the option -H belongs to the client commands",
        ),
        (
            &["-U", "u", "-P", "p", "-v"],
            "the options -U, -P, -v belong",
        ),
        (&["--json"], "--json"),
        (&["-t", "0x30"], "-t"),
    ] {
        let m = usage_message(serve_with(args));
        assert!(m.starts_with("serve: "), "{args:?}: {m}");
        assert!(m.contains(what), "{args:?}: {m}");
    }
    // A refused password never shows in the message.
    let m = usage_message(serve_with(&[
        "--user",
        "x:sekrit-but-far-too-long-for-ipmi",
    ]));
    assert!(!m.contains("sekrit"), "{m}");
}

#[test]
fn try_takes_only_output_options() {
    let Plan::Try(t) = plan_with(&["try", "-v", "--json", "--timeout", "3"]).unwrap() else {
        panic!()
    };
    assert_eq!(
        t,
        TrySettings {
            timeout: Duration::from_secs(3),
            json: true,
            verbose: 1
        }
    );
    let Plan::Try(t) = plan_with(&["try"]).unwrap() else {
        panic!()
    };
    assert_eq!(t.timeout, Duration::from_secs(10));
    for bad in [
        &["-H", "h"][..],
        &["-C", "3"],
        &["-p", "623"],
        &["-b", "0", "-t", "0x30"],
    ] {
        let m = usage_message(plan_with(&[&["try"][..], bad].concat()));
        assert!(m.starts_with("try: the option"), "{bad:?}: {m}");
    }
    // Client commands still resolve through plan().
    assert!(matches!(
        plan_with(&["-H", "h", "mc", "info"]).unwrap(),
        Plan::Client(_)
    ));
}

fn diagnose_with(args: &[&str]) -> Result<DiagnoseSettings, CliError> {
    match plan_with(&[&["diagnose"][..], args].concat())? {
        Plan::Diagnose(d) => Ok(d),
        other => panic!("{other:?}"),
    }
}

#[test]
fn diagnose_settings() {
    let d = diagnose_with(&[]).unwrap();
    assert_eq!(
        d,
        DiagnoseSettings {
            root: PathBuf::from("/"),
            probe_kcs: true,
            kcs_address: None,
            kcs_backend: Backend::Auto,
            timeout: Duration::from_secs(10),
            probe_timeout: Duration::from_secs(2),
            json: false,
        }
    );
    let d = diagnose_with(&[
        "--json",
        "--timeout",
        "3",
        "--kcs-addr",
        "0xca8",
        "--kcs-backend",
        "devport",
        "--root",
        "/tmp/fake",
    ])
    .unwrap();
    assert!(d.json);
    assert_eq!(d.root, PathBuf::from("/tmp/fake"));
    // Another machine's tree: its /proc says nothing about our ports.
    assert!(!d.probe_kcs);
    assert_eq!(d.kcs_address, Some(KcsAddress::parse("0xca8").unwrap()));
    assert_eq!(d.kcs_backend, Backend::DevPort);
    // A short --timeout shortens the probes: both fit.
    assert_eq!(d.timeout, Duration::from_secs(3));
    assert_eq!(d.probe_timeout, Duration::from_secs(1));
    // Options before the word too.
    let Plan::Diagnose(d) = plan_with(&["--json", "diagnose"]).unwrap() else {
        panic!()
    };
    assert!(d.json);
}

#[test]
fn diagnose_refuses_client_options() {
    for (bad, what) in [
        (&["-H", "h"][..], "-H"),
        (&["--kcs-force"], "--kcs-force"),
        (&["-v"], "-v"),
        (&["-d", "1"], "-d"),
        (&["-U", "u", "-P", "p"], "-U, -P"),
    ] {
        let m = usage_message(diagnose_with(bad));
        assert!(
            m.starts_with("diagnose: the option") && m.contains(what),
            "{bad:?}: {m}"
        );
        assert!(m.contains("takes --json, --timeout"), "{m}");
    }
}

#[test]
fn password_sources_and_env_fallbacks() {
    let env = [("IPMI_PASSWORD", "envpw"), ("IPMI_USER", "envuser")];
    // No option: IPMI_PASSWORD and IPMI_USER.
    let inv = resolve_with(&["-H", "h", "mc", "reset", "cold"], &env).unwrap();
    assert_eq!(
        (inv.lan().username.as_slice(), inv.lan().password.as_slice()),
        (&b"envuser"[..], &b"envpw"[..])
    );
    assert_eq!(inv.lan().password_source, PasswordSource::Env);
    assert_eq!(
        inv.action,
        Action::Mc(crate::families::mc::Action::Reset(ResetKind::Cold))
    );
    // -U and -P win over the environment.
    let inv = resolve_with(&["-H", "h", "-U", "u", "-P", "p", "mc", "info"], &env).unwrap();
    assert_eq!(
        (inv.lan().username.as_slice(), inv.lan().password.as_slice()),
        (&b"u"[..], &b"p"[..])
    );
    // -E: IPMITOOL_PASSWORD first, then IPMI_PASSWORD (ipmitool's order).
    let inv = resolve_with(&["-H", "h", "-E", "mc", "info"], &env).unwrap();
    assert_eq!(inv.lan().password.as_slice(), b"envpw");
    assert_eq!(
        inv.lan().password_source,
        PasswordSource::EnvOption("IPMI_PASSWORD")
    );
    let both = [("IPMI_PASSWORD", "a"), ("IPMITOOL_PASSWORD", "b")];
    assert_eq!(
        resolve_with(&["-H", "h", "-E", "mc", "info"], &both)
            .unwrap()
            .lan()
            .password
            .as_slice(),
        b"b"
    );
    // Without any option, only IPMI_PASSWORD is read.
    let inv = resolve_with(&["-H", "h", "mc", "info"], &[("IPMITOOL_PASSWORD", "b")]).unwrap();
    assert_eq!(inv.lan().password_source, PasswordSource::Empty);
    // -E with nothing set is an error, not a silent empty password.
    assert!(usage_message(resolve_with(&["-H", "h", "-E", "mc", "info"], &[])).contains("-E"));
    // Nothing anywhere: null user, empty password.
    let inv = resolve_with(&["-H", "h", "mc", "info"], &[]).unwrap();
    assert!(inv.lan().username.is_empty() && inv.lan().password.is_empty());
    assert_eq!(inv.lan().password_source, PasswordSource::Empty);
}

#[test]
fn a_missing_password_is_asked_for_on_a_terminal_only() {
    let lan = ["-H", "h", "-U", "admin", "mc", "info"];
    let with = |args: &[&str], env: &TestEnv| resolve(&cli(args), env);
    // stdin a terminal, no password anywhere: the prompt, like ipmitool.
    let tty = TestEnv {
        stdin_tty: true,
        typed: Some("typed-pw"),
        ..TestEnv::default()
    };
    let inv = with(&lan, &tty).unwrap();
    assert_eq!(inv.lan().password.as_slice(), b"typed-pw");
    assert_eq!(inv.lan().password_source, PasswordSource::Prompt);
    assert_eq!(*tty.prompts.borrow(), [PASSWORD_PROMPT]);
    assert_eq!(PASSWORD_PROMPT, "Password: ");
    // Not a terminal (a script, cron): the empty password, no prompt.
    let script = TestEnv {
        typed: Some("never-read"),
        ..TestEnv::default()
    };
    let inv = with(&lan, &script).unwrap();
    assert_eq!(inv.lan().password.as_slice(), b"");
    assert_eq!(inv.lan().password_source, PasswordSource::Empty);
    assert!(script.prompts.borrow().is_empty());
    // -a forces the prompt, terminal or not, $IPMI_PASSWORD or not.
    let forced = TestEnv {
        vars: [("IPMI_PASSWORD", "from-env")].into_iter().collect(),
        typed: Some("typed-pw"),
        ..TestEnv::default()
    };
    let inv = with(&["-a", "-H", "h", "mc", "info"], &forced).unwrap();
    assert_eq!(inv.lan().password.as_slice(), b"typed-pw");
    assert_eq!(forced.prompts.borrow().len(), 1);
    // Without -a the variable wins over the terminal.
    let env_tty = TestEnv {
        vars: [("IPMI_PASSWORD", "from-env")].into_iter().collect(),
        stdin_tty: true,
        typed: Some("typed-pw"),
        ..TestEnv::default()
    };
    let inv = with(&lan, &env_tty).unwrap();
    assert_eq!(inv.lan().password.as_slice(), b"from-env");
    assert!(env_tty.prompts.borrow().is_empty());
    // -P on a terminal: no prompt.
    let inv = with(&["-H", "h", "-P", "given", "mc", "info"], &tty).unwrap();
    assert_eq!(inv.lan().password_source, PasswordSource::Option);
    assert_eq!(tty.prompts.borrow().len(), 1);
    // The local interface needs no password: no prompt there.
    with(&["mc", "info"], &tty).unwrap();
    assert_eq!(tty.prompts.borrow().len(), 1);
    // A prompt that cannot be read is a usage error naming the other ways.
    let broken = TestEnv::default();
    let m = usage_message(with(&["-a", "-H", "h", "mc", "info"], &broken));
    assert!(
        m.contains("cannot read the password from the terminal"),
        "{m}"
    );
    // -a with another password option: clap refuses the pair.
    for pair in [&["-a", "-P", "x"][..], &["-a", "-E"], &["-a", "-f", "/x"]] {
        let line: Vec<&str> = pair
            .iter()
            .chain(&["-H", "h", "mc", "info"])
            .copied()
            .collect();
        let e = Cli::try_parse_from(std::iter::once("ipmirs").chain(line)).unwrap_err();
        assert_eq!(e.exit_code(), 2);
    }
}

#[test]
fn ipmitool_words_not_implemented_get_one_line() {
    let refused = |args: &[&str]| {
        let env: HashMap<&str, &str> = HashMap::new();
        usage_message(plan(&cli(args), &env))
    };
    for (line, said) in [
        (&["pef"][..], "'pef' is not implemented yet"),
        (
            &["sol", "activate"],
            "'sol activate' is not implemented yet",
        ),
        (
            &["-H", "h", "sdr", "fill", "sensors"],
            "'sdr fill' is not implemented yet",
        ),
        (&["pef", "list"], "'pef list' is not implemented yet"),
        (
            &["-H", "h", "lan", "alert", "print"],
            "'lan alert' is not implemented yet",
        ),
        (
            &["lan", "stats", "get"],
            "'lan stats' is not implemented yet",
        ),
        (&["lan", "pef", "list"], "'pef list' is not implemented yet"),
        (
            &["local", "sol", "info", "1"],
            "'sol info' is not implemented yet",
        ),
        (
            &["chassis", "setbootparam", "5", "x"],
            "'chassis setbootparam' is not implemented yet",
        ),
        (
            &["mc", "setsysinfo", "system_name", "x"],
            "'mc setsysinfo' is not implemented yet",
        ),
        (&["nm", "discover"], "'nm discover' is not implemented yet"),
        (
            &["-H", "h", "mc", "setenables", "oem0=on"],
            "'mc setenables' is not implemented yet",
        ),
        (
            &["sensor", "thresh", "CPU1 Temp", "ucr", "90"],
            "'sensor thresh' is not implemented yet",
        ),
        (&["frobnicate"], "'frobnicate' is not an ipmirs command"),
        (
            &["lan", "frobnicate"],
            "'frobnicate' is not an ipmirs command",
        ),
        (&["mc", "bogus"], "'mc bogus' is not an ipmirs command"),
    ] {
        assert_eq!(refused(line).lines().count(), 1, "{line:?}");
        assert!(
            refused(line).starts_with(said),
            "{line:?}: {}",
            refused(line)
        );
    }
    // `lan` before a command is still the interface word.
    let env: HashMap<&str, &str> = HashMap::new();
    assert!(matches!(
        plan(&cli(&["-H", "h", "lan", "mc", "info"]), &env),
        Ok(Plan::Client(_))
    ));
    // ipmitool's `bmc` is `mc`.
    assert_eq!(
        resolve_with(&["-H", "h", "bmc", "info"], &[])
            .unwrap()
            .action,
        Action::Mc(crate::families::mc::Action::Info)
    );
}

#[test]
fn ipmitool_output_and_session_options() {
    let env: HashMap<&str, &str> = HashMap::new();
    // -c (CSV) is accepted: mc, chassis and raw print the same.
    let inv = resolve_with(&["-c", "-H", "h", "chassis", "status"], &[]).unwrap();
    assert_eq!(
        inv.action,
        Action::Chassis(crate::families::chassis::Action::Status)
    );
    for (line, flag) in [
        (
            &["-o", "supermicro", "-H", "h", "mc", "info"][..],
            "-o supermicro",
        ),
        (&["-H", "h", "-m", "0x82", "mc", "info"], "-m 0x82"),
        (&["-H", "h", "-l", "1", "raw", "6", "1"], "-l 1"),
    ] {
        let m = usage_message(plan(&cli(line), &env));
        assert!(m.starts_with(flag), "{line:?}: {m}");
        assert!(m.contains("not supported"), "{m}");
    }
}

#[test]
fn password_file() {
    let dir = std::env::temp_dir().join(format!("ipmirs-pw-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, content: &[u8]| {
        let p = dir.join(name);
        std::fs::write(&p, content).unwrap();
        p
    };
    let cases: [(&str, &[u8], &[u8]); 5] = [
        ("plain", b"secret\n", b"secret"),
        ("crlf", b"secret\r\nsecond line\n", b"secret"),
        ("tab", b"sec\tret\n", b"sec"),
        ("no-newline", b"secret", b"secret"),
        ("empty-line", b"\nsecond\n", b""),
    ];
    for (name, content, want) in cases {
        let p = write(name, content);
        let inv = resolve_with(
            &["-H", "h", "-f", p.to_str().unwrap(), "mc", "info"],
            &[("IPMI_PASSWORD", "env")],
        )
        .unwrap();
        assert_eq!(inv.lan().password.as_slice(), want, "{name}");
        assert_eq!(inv.lan().password_source, PasswordSource::File);
    }
    let empty = write("empty", b"");
    assert!(usage_message(resolve_with(
        &["-H", "h", "-f", empty.to_str().unwrap(), "mc", "info"],
        &[]
    ))
    .contains("empty"));
    let missing = dir.join("missing");
    assert!(usage_message(resolve_with(
        &["-H", "h", "-f", missing.to_str().unwrap(), "mc", "info"],
        &[]
    ))
    .contains("cannot read"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn kg_forms() {
    let inv = resolve_with(&["-H", "h", "-k", "key", "mc", "info"], &[]).unwrap();
    assert_eq!(
        inv.lan().kg.as_ref().map(|k| k.as_slice()),
        Some(&b"key"[..])
    );
    let inv = resolve_with(&["-H", "h", "-y", "0a0B", "mc", "info"], &[]).unwrap();
    assert_eq!(
        inv.lan().kg.as_ref().map(|k| k.as_slice()),
        Some(&[0x0a, 0x0b][..])
    );
    let inv = resolve_with(&["-H", "h", "-y", "0000", "mc", "info"], &[]).unwrap();
    assert_eq!(inv.lan().kg, None);
    let inv = resolve_with(
        &["-H", "h", "-K", "mc", "info"],
        &[("IPMI_KGKEY", "envkey")],
    )
    .unwrap();
    assert_eq!(
        inv.lan().kg.as_ref().map(|k| k.as_slice()),
        Some(&b"envkey"[..])
    );
    assert_eq!(
        resolve_with(&["-H", "h", "mc", "info"], &[])
            .unwrap()
            .lan()
            .kg,
        None
    );
    let forty = "ab".repeat(20);
    assert_eq!(
        resolve_with(&["-H", "h", "-y", &forty, "mc", "info"], &[])
            .unwrap()
            .lan()
            .kg
            .as_ref()
            .unwrap()
            .len(),
        20
    );
    let long = "ab".repeat(21);
    for bad in [
        &["-y", "abc"][..],
        &["-y", "zz"],
        &["-y", "0x00"],
        &["-y", &long],
        &["-k", "123456789012345678901"],
        &["-K"],
    ] {
        let mut args = vec!["-H", "h"];
        args.extend_from_slice(bad);
        args.extend(["mc", "info"]);
        usage_message(resolve_with(&args, &[]));
    }
}

#[test]
fn actions() {
    let a = |args: &[&str]| {
        resolve_with(&[&["-H", "h"][..], args].concat(), &[])
            .unwrap()
            .action
    };
    assert_eq!(
        a(&["chassis", "status"]),
        Action::Chassis(crate::families::chassis::Action::Status)
    );
    for (word, action) in [
        ("on", PowerAction::Up),
        ("up", PowerAction::Up),
        ("off", PowerAction::Down),
        ("down", PowerAction::Down),
        ("cycle", PowerAction::Cycle),
        ("reset", PowerAction::HardReset),
        ("diag", PowerAction::Diag),
        ("soft", PowerAction::Soft),
    ] {
        assert_eq!(
            a(&["chassis", "power", word]),
            Action::Chassis(crate::families::chassis::Action::PowerControl(action)),
            "{word}"
        );
    }
    assert_eq!(
        a(&["power", "status"]),
        Action::Chassis(crate::families::chassis::Action::PowerStatus)
    );
    assert_eq!(
        a(&["mc", "reset", "warm"]),
        Action::Mc(crate::families::mc::Action::Reset(ResetKind::Warm))
    );
    assert_eq!(
        a(&["raw", "6", "1"]),
        Action::Raw(Raw {
            netfn: NetFn(6),
            cmd: 1,
            data: vec![]
        })
    );
    assert_eq!(
        a(&["raw", "0x2e", "0x10", "10", "010", "0x10"]),
        Action::Raw(Raw {
            netfn: NetFn(0x2e),
            cmd: 0x10,
            data: vec![10, 8, 16]
        })
    );
    let many: Vec<String> = std::iter::repeat("0".to_string())
        .take(crate::families::raw::MAX_RAW_DATA + 1)
        .collect();
    let mut args = vec!["-H", "h", "raw", "6", "1"];
    args.extend(many.iter().map(String::as_str));
    assert!(usage_message(resolve_with(&args, &[])).contains("at most 254"));
}

#[test]
fn timeouts_and_output_options() {
    let inv = resolve_with(
        &[
            "-H",
            "h",
            "-N",
            "0.5",
            "-R",
            "1",
            "--timeout",
            "2",
            "--json",
            "-vv",
            "mc",
            "info",
        ],
        &[],
    )
    .unwrap();
    assert_eq!(inv.lan().per_try_timeout, Some(Duration::from_millis(500)));
    assert_eq!(inv.lan().retries, Some(1));
    assert_eq!(inv.timeout, Duration::from_secs(2));
    assert!(inv.json);
    assert_eq!(inv.verbose, 2);
}

#[test]
fn debug_never_shows_secrets() {
    let inv = resolve_with(
        &["-H", "h", "-P", "hunter2", "-k", "kgsecret", "mc", "info"],
        &[],
    )
    .unwrap();
    let shown = format!("{inv:?}");
    assert!(
        !shown.contains("hunter2") && !shown.contains("kgsecret"),
        "{shown}"
    );
}

#[test]
fn several_hosts_make_a_fleet() {
    let fleet = |args: &[&str]| match plan_with(args).unwrap() {
        Plan::Fleet(f) => f,
        other => panic!("{other:?}"),
    };
    let f = fleet(&[
        "-H",
        "a,b:624,[::1]",
        "-p",
        "6230",
        "-U",
        "u",
        "-P",
        "p",
        "mc",
        "info",
    ]);
    let hosts: Vec<(&str, Option<u16>)> =
        f.hosts.iter().map(|h| (h.host.as_str(), h.port)).collect();
    assert_eq!(hosts, [("a", None), ("b", Some(624)), ("::1", None)]);
    assert_eq!(f.lan.port, 6230);
    assert_eq!(f.lan.username, b"u");
    assert_eq!(f.fanout, DEFAULT_FANOUT);
    assert_eq!(
        f.invocation.action,
        Action::Mc(crate::families::mc::Action::Info)
    );
    let f = fleet(&["-H", "h:7000-7009", "--fanout", "3", "power", "status"]);
    assert_eq!(f.hosts.len(), 10);
    assert_eq!(f.fanout, 3);
    // One host, even with a port, stays a single-host invocation.
    for one in ["h", "h:624", "fe80::1", "[::1]:623"] {
        assert!(
            matches!(
                plan_with(&["-H", one, "mc", "info"]).unwrap(),
                Plan::Client(_)
            ),
            "{one}"
        );
    }
    let m = usage_message(plan_with(&["-H", "a,b", "kcs", "mc", "info"]));
    assert!(m.contains("need the lan interface"), "{m}");
    let m = usage_message(plan_with(&["-H", "a,:x", "mc", "info"]));
    assert!(m.starts_with("-H: "), "{m}");
    let m = usage_message(plan_with(&["--fanout", "2", "serve"]));
    assert!(m.contains("--fanout"), "{m}");
}
