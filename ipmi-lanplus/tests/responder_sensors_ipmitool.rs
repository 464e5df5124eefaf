//! ipmitool 1.8.19 and FreeIPMI (clients nobody here wrote) against the
//! simulated BMC's SDR repository, sensors, SEL and FRU over loopback UDP
//! (IPMI 2.0 §31–§35): `sdr list`/`elist`, `sensor list`, `sel list`/
//! `elist` after the sensors raised events, `sel clear` then `sel info`,
//! `fru print`, and `ipmi-sensors` / `ipmi-sel` / `ipmi-fru`.
//!
//! The BMC's clock is the wall clock here (`ipmirs serve`'s tokio driver
//! hands it `now`): FAN2 fails 3 s of powered-on time after `chassis power
//! on`, so the test waits for that event with a bounded poll.

use std::thread::sleep;
use std::time::{Duration, Instant};

use ipmi_core::PrivilegeLevel;
use ipmi_lanplus::server::{ServerConfig, User};
use ipmirs_test_support::program::{freeipmi_lan, ipmitool_lanplus, Run};
use ipmirs_test_support::responder::BackgroundServer;

const LIMIT: Duration = Duration::from_secs(30);
/// How long FAN2's failure may take to show: it happens 3 s after power
/// on; 30 s is 10x that, for a loaded machine.
const FAN2_WAIT: Duration = Duration::from_secs(30);

fn config() -> ServerConfig {
    ServerConfig::new()
        .user(User::new("admin", "secret", PrivilegeLevel::Administrator).session_limit(16))
        .cipher_suites([3, 17])
}

fn ipmitool(port: &str, args: &[&str]) -> String {
    let r = ipmitool_lanplus(port, "admin", "secret", &["-C", "3"], args, LIMIT);
    r.assert_ok(&format!("ipmitool {}", args.join(" ")));
    r.stdout.clone()
}

fn freeipmi(program: &str, port: &str, args: &[&str]) -> Run {
    // A cache of this run's own: FreeIPMI keys its cache by host and port.
    let cache = std::env::temp_dir().join(format!("ipmirs-vbmc-sdr-{port}"));
    std::fs::create_dir_all(&cache).unwrap();
    let cache = cache.to_string_lossy().to_string();
    let mut v = vec!["--quiet-cache", "--sdr-cache-directory", &cache];
    v.extend_from_slice(args);
    freeipmi_lan(program, port, &v, LIMIT)
}

fn has(text: &str, lines: &[&str], what: &str) {
    for line in lines {
        assert!(text.contains(line), "{what} lacks {line:?}:\n{text}");
    }
}

#[test]
fn ipmitool_and_freeipmi_read_sensors_events_and_inventory() {
    let server = BackgroundServer::start(config());
    let port = server.port();

    // Power off: CPU at 30 °C, fans and the main rails unread, 3.3 V standby.
    let sdr = ipmitool(&port, &["sdr", "list"]);
    has(
        &sdr,
        &[
            "CPU Temp         | 30 degrees C      | ok\n",
            "Inlet Temp       | 22 degrees C      | ok\n",
            "FAN1             | no reading        | ns\n",
            "FAN2             | no reading        | ns\n",
            "12V              | no reading        | ns\n",
            "PS1 Status       | 0x01              | ok\n",
            "Intrusion        | 0x00              | ok\n",
        ],
        "sdr list",
    );
    assert!(sdr.contains("3.3V             | 3.") && sdr.contains(" Volts        | ok\n"));
    assert_eq!(sdr.lines().count(), 9, "{sdr}");
    let sensors = ipmitool(&port, &["sensor", "list"]);
    has(
        &sensors,
        &[
            "CPU Temp         | 30.000     | degrees C  | ok    | na        | na        | na        | 80.000    | 90.000    | 95.000    \n",
            "FAN2             | na         | RPM        | na    | na        | 1000.000  | 1500.000  | na        | na        | na        \n",
        ],
        "sensor list",
    );
    // "SEL has no entries" goes to stderr.
    assert_eq!(
        ipmitool(&port, &["sel", "list"]),
        "",
        "nothing happened yet"
    );

    // Power on: FAN2 fails 3 s later, below both its thresholds.
    ipmitool(&port, &["chassis", "power", "on"]);
    let start = Instant::now();
    let elist = loop {
        let text = ipmitool(&port, &["sel", "elist"]);
        if text.lines().count() >= 2 || start.elapsed() > FAN2_WAIT {
            break text;
        }
        sleep(Duration::from_millis(250));
    };
    let lines: Vec<&str> = elist.lines().collect();
    assert_eq!(lines.len(), 2, "{elist}");
    assert!(lines[0].starts_with("   1 | 01/01/26 | 00:00:0"), "{elist}");
    assert!(lines[0].ends_with(
        " UTC | Fan FAN2 | Lower Non-critical going low  | Asserted | Reading 0 < Threshold 1500 RPM"
    ));
    assert!(lines[1].ends_with(
        " UTC | Fan FAN2 | Lower Critical going low  | Asserted | Reading 0 < Threshold 1000 RPM"
    ));
    let list = ipmitool(&port, &["sel", "list"]);
    assert!(
        list.contains(" | Fan #0x11 | Lower Critical going low  | Asserted\n"),
        "{list}"
    );
    let elist = ipmitool(&port, &["sdr", "elist"]);
    has(
        &elist,
        &[
            "FAN2             | 11h | lcr | 29.2 | 0 RPM\n",
            // The rails ripple by one count a second.
            "12V              | 20h | ok  |  7.1 | 1",
            "PS1 Status       | 30h | ok  | 10.1 | Presence detected\n",
        ],
        "sdr elist",
    );
    assert!(
        elist.contains("FAN1             | 10h | ok  | 29.1 | 6"),
        "{elist}"
    );

    // FreeIPMI reads the same sensors and events.
    let s = freeipmi("ipmi-sensors", &port, &[]);
    s.assert_ok("ipmi-sensors");
    has(
        &s.stdout,
        &[
            "| FAN2       | Fan               | 0.00       | RPM   | 'At or Below (<=) Lower Critical Threshold'\n",
            "| PS1 Status | Power Supply      | N/A        | N/A   | 'Presence detected'\n",
        ],
        "ipmi-sensors",
    );
    let e = freeipmi("ipmi-sel", &port, &[]);
    e.assert_ok("ipmi-sel");
    has(
        &e.stdout,
        &["| FAN2       | Fan               | Lower Critical - going low ; Sensor Reading = 0.00 RPM ; Threshold = 1000.00 RPM\n"],
        "ipmi-sel",
    );

    // Clear, then nothing is left.
    let clear = ipmitool(&port, &["sel", "clear"]);
    assert!(clear.starts_with("Clearing SEL."), "{clear}");
    let info = ipmitool(&port, &["sel", "info"]);
    has(
        &info,
        &[
            "Entries          : 0\n",
            "Free Space       : 8192 bytes \n",
            "Supported Cmds   : 'Delete' 'Reserve' 'Get Alloc Info' \n",
        ],
        "sel info",
    );
    assert!(!info.contains("Last Del Time    : Not Available"), "{info}");
    assert_eq!(ipmitool(&port, &["sel", "list"]), "");

    // FRU: the machine's image, then the power supply's through its locator.
    let fru = ipmitool(&port, &["fru", "print"]);
    has(
        &fru,
        &[
            "FRU Device Description : Builtin FRU Device (ID 0)\n",
            " Chassis Type          : Rack Mount Chassis\n",
            " Chassis Serial        : VCH0001\n",
            " Board Mfg Date        : Thu Jan  1 00:00:00 2026 UTC\n",
            " Board Product         : Virtual Mainboard\n",
            " Product Name          : ipmirs virtual machine\n",
            " Product Asset Tag     : ASSET-0001\n",
            "FRU Device Description : PS1 FRU (ID 1)\n",
            " Product Name          : Virtual PSU 800W\n",
        ],
        "fru print",
    );
    let f = freeipmi("ipmi-fru", &port, &[]);
    f.assert_ok("ipmi-fru");
    has(
        &f.stdout,
        &[
            "FRU Product Name: ipmirs virtual machine",
            "FRU Inventory Device: PS1 FRU (ID 01h)",
        ],
        "ipmi-fru",
    );
}
