//! The blocking KCS client (IPMI 2.0 §9) over the software BMC model with
//! the real clock, and its refusal to race the kernel's ipmi_si driver
//! (checked in a fake /proc tree).

use std::fs;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use ipmi_core::cmd::{ColdReset, GetChassisStatus, GetDeviceId};
use ipmi_core::{Deadline, ErrorClass, Failure, Target, Transport};
use ipmi_kcs::kcs::model::{Faults, KcsModel, SharedModel};
use ipmi_kcs::kcs::{Backend, Error, KcsAddress, KcsClient, KcsConfig, KcsOptions};

fn client(model: KcsModel) -> (KcsClient, SharedModel) {
    let shared = SharedModel::new(model);
    let c = KcsClient::with_ports(Box::new(shared.clone()), KcsAddress::STANDARD);
    (c, shared)
}

#[test]
fn typed_commands_through_the_transport() {
    let (mut c, shared) = client(KcsModel::new());
    let id = c.execute(&GetDeviceId).unwrap();
    assert_eq!(
        (id.device_id, id.ipmi_version_parts(), id.manufacturer_id),
        (0x20, (2, 0), 0)
    );
    assert!(c.execute(&GetChassisStatus).unwrap().power_on());
    c.execute(&ColdReset).unwrap();
    let s = c.stats();
    assert_eq!(
        (s.transfers, s.answered, s.failed, s.error_exits),
        (3, 3, 0, 0)
    );
    assert_eq!(shared.0.lock().unwrap().requests.len(), 3);
    assert_eq!(c.default_target(), Target::bmc());
    assert!(c.describe().contains("model"));
}

#[test]
fn hung_bmc_ends_at_the_deadline_without_burning_cpu() {
    let (mut c, _shared) = client(KcsModel::with_faults(Faults {
        never_respond: true,
        ..Faults::default()
    }));
    let t0 = Instant::now();
    let e = c
        .execute_by(&GetDeviceId, Deadline::from_now(Duration::from_millis(300)))
        .unwrap_err();
    let took = t0.elapsed();
    assert_eq!(e.class(), ErrorClass::Timeout);
    let text = e.to_string();
    assert!(
        text.starts_with(
            "KCS interface at 0xca2/0xca3: KCS read phase: BMC never set OBF for response byte 1"
        ),
        "{text}"
    );
    // The model never answers (deterministically), so the deadline must
    // expire: never before 300 ms. The upper bound is only "ends near its
    // deadline": 5x the expected 300 ms, so a loaded machine's late
    // wake-ups cannot fail it.
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_millis(1500),
        "{took:?}"
    );
    // Without burning CPU: apart from the first polls of each wait (a
    // counted spin of 16, and the transfer has a handful of waits), every
    // status read follows a sleep, whatever the load; and sleeps of up to
    // 1 ms allow at most about one read per millisecond (a loaded machine
    // reads less, never more).
    let s = c.stats();
    let spins = u64::from(KcsConfig::default().spin_polls);
    assert!(s.sleeps > 0, "{s:?}");
    assert!(
        s.status_reads.saturating_sub(s.sleeps) <= 4 * spins,
        "{s:?}"
    );
    assert!(s.status_reads < 700, "{s:?}");
}

#[test]
fn a_command_error_passes_through() {
    let (mut c, _s) = client(KcsModel::with_responder(Box::new(|req: &[u8]| {
        vec![req[0] | 0x04, req[1], 0xd4]
    })));
    let e = c.execute(&ColdReset).unwrap_err();
    assert!(matches!(e, Error::Command(_)), "{e:?}");
    assert_eq!(e.class(), ErrorClass::Bmc);
}

struct FakeRoot(PathBuf);

impl FakeRoot {
    fn new(name: &str) -> FakeRoot {
        let p = std::env::temp_dir().join(format!("ipmirs-kcs-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&p);
        fs::create_dir_all(p.join("proc")).unwrap();
        FakeRoot(p)
    }
    fn file(&self, rel: &str, text: &str) {
        let p = self.0.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }
    fn options(&self) -> KcsOptions {
        KcsOptions {
            root: self.0.clone(),
            backend: Backend::DevPort,
            ..KcsOptions::default()
        }
    }
}

impl Drop for FakeRoot {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

#[test]
fn refuses_while_ipmi_si_is_loaded() {
    let root = FakeRoot::new("si-loaded");
    root.file(
        "proc/modules",
        "ipmi_si 86016 0 - Live 0x0\nipmi_devintf 20480 0 - Live 0x0\nipmi_msghandler 122880 2 ipmi_devintf,ipmi_si, Live 0x0\n",
    );
    let e = KcsClient::open(&root.options()).unwrap_err();
    assert_eq!(e.class(), ErrorClass::Usage);
    let text = e.to_string();
    assert!(
        text.starts_with(
            "refusing to use the KCS ports 0xca2/0xca3 directly: the ipmi_si module is loaded"
        ),
        "{text}"
    );
    assert!(text.contains("rmmod ipmi_si"), "{text}");
    assert!(text.contains("--kcs-force"), "{text}");
    // Forced: the guard is skipped (the backend may or may not open here).
    let forced = KcsOptions {
        force: true,
        ..root.options()
    };
    if let Err(e) = KcsClient::open(&forced) {
        assert!(
            !matches!(e, Error::DriverLoaded { .. } | Error::DriverUnknown { .. }),
            "{e}"
        );
    }
}

#[test]
fn refuses_a_built_in_driver_and_claimed_ports() {
    let root = FakeRoot::new("si-builtin");
    root.file("proc/modules", "");
    fs::create_dir_all(root.0.join("sys/module/ipmi_si/parameters")).unwrap();
    let e = KcsClient::open(&root.options()).unwrap_err();
    assert!(
        e.to_string()
            .contains("in the kernel (/sys/module/ipmi_si)"),
        "{e}"
    );

    let root = FakeRoot::new("si-ioports");
    root.file("proc/modules", "e1000 1 0 - Live 0x0\n");
    root.file(
        "proc/ioports",
        "0000-0cf7 : PCI Bus 0000:00\n  0ca2-0ca3 : ipmi_si\n",
    );
    let e = KcsClient::open(&root.options()).unwrap_err();
    assert!(
        e.to_string()
            .contains("claimed ports 0ca2-0ca3 for `ipmi_si`"),
        "{e}"
    );
    // The firmware's ACPI reservation alone (seen in the QEMU guest without
    // ipmi_si) is no driver.
    let acpi = FakeRoot::new("acpi-reservation");
    acpi.file("proc/modules", "e1000 1 0 - Live 0x0\n");
    acpi.file(
        "proc/ioports",
        "0000-0cf7 : PCI Bus 0000:00\n  0ca2-0ca2 : IPMI Address 1\n  0ca3-0ca3 : IPMI Address 2\n",
    );
    let sys = ipmi_kcs::diagnose::RootFs::at(&acpi.0);
    assert_eq!(
        ipmi_kcs::kcs::port_owner(&sys, KcsAddress::STANDARD),
        Ok(None)
    );
    // With the driver, its claims nest inside the reservation.
    acpi.file(
        "proc/ioports",
        "0000-0cf7 : PCI Bus 0000:00\n  0ca2-0ca2 : IPMI Address 1\n    0ca2-0ca2 : ipmi_si\n  0ca3-0ca3 : IPMI Address 2\n    0ca3-0ca3 : ipmi_si\n",
    );
    assert!(ipmi_kcs::kcs::port_owner(&sys, KcsAddress::STANDARD)
        .unwrap()
        .unwrap()
        .contains("0ca2-0ca2 for `ipmi_si`"));
    // Another address is not claimed.
    let other = KcsOptions {
        address: Some(KcsAddress::parse("0xca8").unwrap()),
        ..root.options()
    };
    if let Err(e) = KcsClient::open(&other) {
        assert!(!matches!(e, Error::DriverLoaded { .. }), "{e}");
    }
}

#[test]
fn unknown_driver_state_is_refused() {
    let root = FakeRoot::new("no-proc");
    let e = KcsClient::open(&root.options()).unwrap_err();
    assert!(matches!(e, Error::DriverUnknown { .. }), "{e}");
    assert!(e.to_string().contains("/proc/modules"), "{e}");
}

#[test]
fn address_comes_from_smbios() {
    let root = FakeRoot::new("smbios");
    root.file("proc/modules", "");
    // One type 38 record: KCS at 0xca8 (I/O), spacing 4, then end-of-table.
    let mut t = vec![38u8, 0x12, 0x26, 0x00, 0x01, 0x20, 0x20, 0xff];
    t.extend_from_slice(&0xca9u64.to_le_bytes());
    t.extend_from_slice(&[0x40, 0x00, 0x00, 0x00, 127, 4, 0xff, 0xff, 0, 0]);
    let dir = root.0.join("sys/firmware/dmi/tables");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("DMI"), &t).unwrap();
    let sys = ipmi_kcs::diagnose::RootFs::at(&root.0);
    let (addr, src) = ipmi_kcs::kcs::resolve_address(None, &sys);
    assert_eq!(
        addr,
        KcsAddress {
            base: 0xca8,
            spacing: 4
        }
    );
    assert_eq!(src, ipmi_kcs::kcs::AddressSource::Smbios);
    let (addr, _) = ipmi_kcs::kcs::resolve_address(Some(KcsAddress::STANDARD), &sys);
    assert_eq!(addr, KcsAddress::STANDARD);
}
