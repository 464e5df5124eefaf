//! The `/dev/ipmi0` transport against a real Linux kernel: a Debian kernel
//! booted under QEMU (TCG) with an emulated BMC behind an ISA KCS
//! interface, the kernel's own ipmi_msghandler / ipmi_devintf / ipmi_si,
//! and tests/guest/inband.rs (built statically) as the guest program.
//!
//! Three boots, several checks each:
//! - `qemu_bmc_sim`: QEMU's `ipmi-bmc-sim` — Get Device ID, Get Chassis
//!   Status, raw 0x06 0x01, the async client, bridging to the controller
//!   QEMU emulates at IPMB 0x40, a bridged request nobody acknowledges
//!   (the kernel's 0xC3 within our retry budget), kernel EINVAL/EMSGSIZE,
//!   Cold Reset, and EACCES for a non-root user;
//! - `qemu_no_device_file`: the modules are not loaded;
//! - `qemu_frozen_bmc`: `ipmi-bmc-extern` wired to OpenIPMI's ipmi_sim,
//!   which the test freezes with SIGSTOP and thaws with SIGCONT while the
//!   guest waits on the console.
//!
//! Needs `bash scripts/qemu/setup.sh` once per machine (the tests run it;
//! it needs root and the Debian mirror the first time).

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use ipmirs_test_support::qemu;
use ipmirs_test_support::vmsim;
use qemu::{ok, one_boot_at_a_time, Bmc, GuestRun, GuestSpec};

fn guest_program() -> &'static PathBuf {
    static PROG: OnceLock<PathBuf> = OnceLock::new();
    PROG.get_or_init(|| {
        qemu::prepare();
        qemu::static_guest("ipmi-kcs", "inband")
    })
}

fn report(run: &GuestRun) {
    eprintln!(
        "qemu `{}`: wall {:.2} s, first marker after {:.2} s, guest uptime {:?} s at /init, {:?} s at exit (kernel {})",
        run.name,
        run.wall.as_secs_f64(),
        run.boot_marker_at.map(|d| d.as_secs_f64()).unwrap_or(-1.0),
        run.boot_uptime,
        run.exit_uptime,
        qemu::prepare().kernel_package
    );
    for m in run.markers() {
        eprintln!("  {m}");
    }
}

#[test]
fn qemu_bmc_sim() {
    let prog = guest_program();
    let _one = one_boot_at_a_time();
    let big: Vec<String> = (0..264).map(|_| "0".to_string()).collect();
    let huge: Vec<String> = (0..300).map(|_| "0".to_string()).collect();
    let run = GuestSpec::new("bmc-sim", prog)
        .bmc(Bmc::Sim)
        .args([
            "name=devid mc-info".to_string(),
            "name=chassis chassis-status".to_string(),
            "name=raw raw 0x06 0x01".to_string(),
            "name=async api=async mc-info".to_string(),
            "name=async-chassis api=async chassis-status".to_string(),
            // QEMU's BMC answers Send Message to IPMB 0x40 on channel 0 itself
            // (a built-in satellite: Get Device ID only, IPMI 1.5, all zeros).
            "name=bridged target=0:0x40 mc-info".to_string(),
            "name=bridged-async api=async target=0:0x40 mc-info".to_string(),
            "name=bridged-other target=0:0x40 raw 0x06 0x04".to_string(),
            // No controller at 0x42: the BMC NAKs each Send Message and the
            // kernel retries, within the budget we gave it, then says 0xC3.
            "name=bridged-nak timeout=5000 target=0:0x42 mc-info".to_string(),
            "name=bridged-nak-short client=fresh timeout=1500 target=0:0x42 mc-info".to_string(),
            "name=bad-channel target=9:0x40 mc-info".to_string(),
            "name=send-message raw 0x06 0x34 0x00 0x40 0x18".to_string(),
            "name=odd-netfn raw 0x07 0x01".to_string(),
            format!("name=too-long raw 0x06 0x01 {}", huge.join(" ")),
            format!(
                "name=kernel-emsgsize target=0:0x40 raw 0x06 0x01 {}",
                big.join(" ")
            ),
            "name=cold mc-reset-cold".to_string(),
            "name=after-cold mc-info".to_string(),
            "name=stats stats".to_string(),
            "setuid 65534".to_string(),
            "name=eacces client=fresh mc-info".to_string(),
        ])
        .boot()
        .finish();
    report(&run);
    assert_eq!(run.exit_rc, 0, "{}", run.transcript());

    // QEMU's ipmi-bmc-sim: device id 0x20, IPMI 2.0, manufacturer 0, power on.
    let dev = "device_id=0x20 revision=0 firmware=0.00 ipmi=2.0 manufacturer=0 product=0x0000 support=0x07 available=true";
    assert_eq!(ok(&run, "devid").out, dev);
    assert_eq!(ok(&run, "async").out, dev);
    assert_eq!(ok(&run, "after-cold").out, dev);
    let chassis = "power_on=true state=0x61 last_event=0x00 misc=0x00";
    assert_eq!(ok(&run, "chassis").out, chassis);
    assert_eq!(ok(&run, "async-chassis").out, chassis);
    assert_eq!(
        ok(&run, "raw").out,
        "cc=0x00 data=20 00 00 00 02 07 00 00 00 00 00"
    );
    assert_eq!(ok(&run, "cold").out, "ok");

    // Bridging: the answer of the controller at 0x40, not the BMC's.
    let sat = "device_id=0x00 revision=0 firmware=0.00 ipmi=1.5 manufacturer=0 product=0x0000 support=0x00 available=true";
    assert_eq!(ok(&run, "bridged").out, sat);
    assert_eq!(ok(&run, "bridged-async").out, sat);
    assert_eq!(ok(&run, "bridged-other").out, "cc=0xc1 data=");

    // Nobody at 0x42: the kernel's own timeout, inside our 5 s deadline
    // (2 tries of 2 s from SETTIME; its default 5 tries of 2 s would take ~10 s).
    let nak = run.result("bridged-nak");
    assert_eq!((nak.rc, nak.class.as_str()), (1, "bmc"), "{}", nak.line);
    assert!(
        nak.out.contains("completion code 0xc3 (Timeout)"),
        "{}",
        nak.line
    );
    assert!(
        nak.out.contains("kernel IPMI driver reports it"),
        "{}",
        nak.line
    );
    // The kernel's 2 tries end between 1 s and 4 s (its 1 s timer tick);
    // the upper bound is our 5 s deadline itself: a later end would be our
    // timeout, and the class is asserted `bmc` above, so no margin under
    // load is needed here.
    let ms = nak.ms.expect("timed");
    assert!(
        (1000.0..5000.0).contains(&ms),
        "bridged 0xC3 after {ms} ms: {}",
        nak.line
    );
    // With 1.5 s: bounded by the deadline either way (our timeout, or the
    // kernel's single 2 s try ending early on its 1 s timer tick).
    let short = run.result("bridged-nak-short");
    assert!(
        (short.rc == 3 && short.class == "timeout") || short.out.contains("0xc3"),
        "{}",
        short.line
    );
    // Bounded, not fast: 5x the 1.5 s deadline, so a loaded host's late
    // wake-ups in the guest cannot fail it (the kernel alone ends it by 2 s).
    assert!(short.ms.expect("timed") < 7500.0, "{}", short.line);

    // Refusals by the kernel, mapped to usage errors with the reason.
    let r = run.result("bad-channel");
    assert_eq!((r.rc, r.class.as_str()), (2, "usage"), "{}", r.line);
    assert!(
        r.out.contains("(EINVAL)") && r.out.contains("IPMB channel"),
        "{}",
        r.line
    );
    let r = run.result("send-message");
    assert_eq!(r.rc, 2, "{}", r.line);
    assert!(r.out.contains("Send Message"), "{}", r.line);
    let r = run.result("odd-netfn");
    assert_eq!(r.rc, 2, "{}", r.line);
    assert!(r.out.contains("odd NetFns are responses"), "{}", r.line);
    let r = run.result("too-long");
    assert_eq!(r.rc, 2, "{}", r.line);
    assert!(r.out.contains("300 data bytes are more than"), "{}", r.line);
    let r = run.result("kernel-emsgsize");
    assert_eq!(r.rc, 2, "{}", r.line);
    assert!(r.out.contains("264 data bytes are more than"), "{}", r.line);

    let stats = ok(&run, "stats").out;
    assert!(stats.contains("blocking_timeouts=0"), "{stats}");

    // Not root: the device file is root's, mode 0600.
    let r = run.result("eacces");
    assert_eq!((r.rc, r.class.as_str()), (1, "io"), "{}", r.line);
    assert!(
        r.out.contains("/dev/ipmi0: permission denied: run as root"),
        "{}",
        r.line
    );
    assert!(r.out.contains("gid 0, mode 0600"), "{}", r.line);
}

#[test]
fn qemu_no_device_file() {
    let prog = guest_program();
    let _one = one_boot_at_a_time();
    let run = GuestSpec::new("no-modules", prog)
        .without_modules()
        .args([
            "name=nodev mc-info",
            "name=nodev-async api=async mc-info",
            "name=nodev-number device=3 mc-info",
            "name=not-ipmi device=/dev/null mc-info",
        ])
        .boot()
        .finish();
    report(&run);
    assert_eq!(run.exit_rc, 0, "{}", run.transcript());
    for name in ["nodev", "nodev-async"] {
        let r = run.result(name);
        assert_eq!((r.rc, r.class.as_str()), (1, "io"), "{}", r.line);
        assert!(
            r.out
                .starts_with("no IPMI device file (tried /dev/ipmi0, /dev/ipmi/0, /dev/ipmidev/0)"),
            "{}",
            r.line
        );
        assert!(
            r.out
                .contains("modprobe ipmi_msghandler ipmi_devintf ipmi_si"),
            "{}",
            r.line
        );
        assert!(
            r.out.contains("`ipmirs -H BMC lan mc reset cold`"),
            "{}",
            r.line
        );
    }
    let r = run.result("nodev-number");
    assert!(
        r.out
            .contains("tried /dev/ipmi3, /dev/ipmi/3, /dev/ipmidev/3"),
        "{}",
        r.line
    );
    let r = run.result("not-ipmi");
    assert_eq!((r.rc, r.class.as_str()), (2, "usage"), "{}", r.line);
    assert!(r.out.contains("not an IPMI device file"), "{}", r.line);
}

#[test]
fn qemu_frozen_bmc() {
    let prog = guest_program();
    let _one = one_boot_at_a_time();
    let sim = vmsim::VmSim::start();
    let mut guest = GuestSpec::new("frozen-bmc", prog)
        .bmc(Bmc::Extern { port: sim.port() })
        .args([
            "name=ext-devid mc-info",
            "name=ext-chassis chassis-status",
            // ipmi_sim routes Send Message to its satellite controller at 0x40.
            "name=ext-bridged target=0:0x40 mc-info",
            "wait freeze",
            // How long the stack below us takes with a hung BMC: a fresh
            // descriptor and a generous deadline.
            "name=kernel-wait client=fresh timeout=15000 mc-info",
            // Ours: 1 s.
            "name=frozen timeout=1000 mc-info",
            "name=frozen-async api=async timeout=1000 mc-info",
            "wait thaw",
            // Same descriptors: the late Get Device ID answers arrive first
            // and must be dropped; each call returns its own answer.
            "name=after chassis-status",
            "name=after-async api=async chassis-status",
            "name=after-devid mc-info",
            "name=stats stats",
        ])
        .wall_limit(Duration::from_secs(90))
        .boot();
    guest.expect("IPMIRS-WAIT name=freeze");
    sim.freeze();
    guest.send_line("go");
    guest.expect("IPMIRS-WAIT name=thaw");
    sim.thaw();
    guest.send_line("go");
    let run = guest.finish();
    report(&run);
    assert_eq!(
        run.exit_rc,
        0,
        "{}\n--- ipmi_sim ---\n{}",
        run.transcript(),
        sim.log()
    );

    let ext = "device_id=0x00 revision=3 firmware=9.08 ipmi=2.0 manufacturer=4753 product=0x0f02 support=0x9f available=true";
    assert_eq!(ok(&run, "ext-devid").out, ext);
    let chassis = ok(&run, "ext-chassis").out;
    assert!(chassis.starts_with("power_on="), "{chassis}");
    assert_eq!(
        ok(&run, "ext-bridged").out,
        "device_id=0x55 revision=1 firmware=1.02 ipmi=2.0 manufacturer=4753 product=0x0440 support=0x01 available=true"
    );

    // Without our deadline, the request waits for what is below the kernel:
    // here QEMU's ipmi-bmc-extern, which gives up on the external BMC after
    // 4 s and answers 0xC3 itself (the KCS driver on real hardware waits
    // 5 s per step and restarts up to ten times before its own 0xFF).
    let kw = run.result("kernel-wait");
    assert_eq!((kw.rc, kw.class.as_str()), (1, "bmc"), "{}", kw.line);
    assert!(kw.out.contains("0xc3"), "{}", kw.line);
    // About 4 s; the upper bound is our 15 s deadline (a later end would be
    // our timeout, and the class is asserted `bmc` above).
    let kernel_ms = kw.ms.expect("timed");
    assert!(
        (3000.0..15000.0).contains(&kernel_ms),
        "kernel waited {kernel_ms} ms"
    );

    // Ours: the Timeout error at the 1 s deadline. The stopped ipmi_sim
    // (SIGSTOP) holds the answer, so the deadline must expire: never
    // before 1 s; the upper bound is 5x the expected 1 s, for a loaded
    // host (ipmi-bmc-extern's own 0xC3 at 4 s would be class `bmc`).
    for name in ["frozen", "frozen-async"] {
        let r = run.result(name);
        assert_eq!((r.rc, r.class.as_str()), (3, "timeout"), "{}", r.line);
        let ms = r.ms.expect("timed");
        assert!(
            (1000.0..5000.0).contains(&ms),
            "{name}: {ms} ms: {}",
            r.line
        );
        assert!(
            r.out
                .starts_with("Get Device ID (netfn 0x06 cmd 0x01) to the BMC: no answer within "),
            "{}",
            r.line
        );
    }

    // After SIGCONT: each request gets its own answer (a chassis status,
    // not the late device id), and the late answers were dropped.
    assert_eq!(ok(&run, "after").out, chassis);
    assert_eq!(ok(&run, "after-async").out, chassis);
    assert_eq!(ok(&run, "after-devid").out, ext);
    let stats = ok(&run, "stats").out;
    assert!(stats.contains("blocking_stale=1 "), "{stats}");
    assert!(stats.contains("async_stale=1 "), "{stats}");
    assert!(stats.contains("blocking_timeouts=1 "), "{stats}");
}
