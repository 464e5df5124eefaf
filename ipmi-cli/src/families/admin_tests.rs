//! The admin commands' renderers and request sequences over a scripted
//! transport, with answers built by ipmi-core's encoders (the ones the
//! virtual BMC uses), against ipmitool 1.8.19's output formats. These
//! cover the answers ipmi_sim cannot give (it refuses restart cause, POH,
//! self test, system info, DCMI, policy).

use ipmi_core::cmd::boot::{BootDevice, BootFlags, BootOptions};
use ipmi_core::cmd::chassis_ops::{PohCounter, RestartCause, SystemRestartCause};
use ipmi_core::cmd::dcmi::{DcmiCapabilities, McIdChunk, PowerReading, DCMI_NETFN};
use ipmi_core::cmd::mc::{Guid, SelfTestResult};
use ipmi_core::cmd::sysinfo::{string_sets, SystemInfoParam};
use ipmi_core::cmd::watchdog::WatchdogTimer;
use ipmi_core::{NetFn, Request};

use super::tests::{answer, go, MockError};
use super::*;

type Answer = Result<Response, MockError>;

fn text(action: Action, answers: Vec<Answer>) -> (String, Vec<Request>) {
    let (r, reqs) = go(&action, answers);
    let out = r.unwrap_or_else(|e| panic!("{action:?}: {e:?}"));
    (
        String::from_utf8(out.render(false, &[]).bytes).unwrap(),
        reqs,
    )
}

fn encoded(f: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut v = Vec::new();
    f(&mut v);
    v
}

#[test]
fn restart_cause_poh_selftest() {
    let data = encoded(|o| {
        SystemRestartCause {
            cause: RestartCause(1),
            channel: 1,
        }
        .encode(o)
    });
    let (t, _) = text(
        Action::Chassis(chassis::Action::RestartCause),
        vec![answer(NetFn::CHASSIS, 0x07, 0, &data)],
    );
    assert_eq!(t, "System restart cause: chassis power control command\n");

    for (mpc, count, said) in [
        (60, 100, "POH Counter  : 4 days, 4 hours\n"),
        (1, 1500, "POH Counter  : 1 days, 1 hours, 0 minutes\n"),
        (1, 61, "POH Counter  : 0 days, 1 hours, 1 minutes\n"),
    ] {
        let data = encoded(|o| {
            PohCounter {
                minutes_per_count: mpc,
                count,
            }
            .encode(o)
        });
        let (t, _) = text(
            Action::Chassis(chassis::Action::Poh),
            vec![answer(NetFn::CHASSIS, 0x0f, 0, &data)],
        );
        assert_eq!(t, said);
    }

    for (code, detail, chassis_says, mc_says) in [
        (0x55, 0, "Self Test Results    : passed\n", "Selftest: passed\n"),
        (
            0x57,
            0x81,
            "Self Test Results    : device error\n                       [firmware corrupted]\n                       [cannot access SEL Device]\n",
            "Selftest: device corrupted\n -> SEL device not accessible\ncontroller operational firmware corrupted\n",
        ),
        (
            0x58,
            0x12,
            "Self Test Results    : Fatal hardware error: 12h\n",
            "Selftest     : fatal error\nFailure code : 12\n",
        ),
    ] {
        let data = encoded(|o| SelfTestResult { code, detail }.encode(o));
        let (t, _) = text(
            Action::Chassis(chassis::Action::Selftest),
            vec![answer(NetFn::APP, 0x04, 0, &data)],
        );
        assert_eq!(t, chassis_says);
        let (t, _) = text(
            Action::Mc(mc::Action::Selftest),
            vec![answer(NetFn::APP, 0x04, 0, &data)],
        );
        assert_eq!(t, mc_says);
    }
}

#[test]
fn identify_and_policy_words_and_requests() {
    use ipmi_core::cmd::chassis_ops::{ChassisIdentify, SetPowerRestorePolicy};
    for (identify, data, said) in [
        (ChassisIdentify::default(), &[][..], "default (15 seconds)"),
        (
            ChassisIdentify {
                interval: Some(0),
                force: false,
            },
            &[0][..],
            "off",
        ),
        (
            ChassisIdentify {
                interval: Some(20),
                force: false,
            },
            &[20][..],
            "20 seconds",
        ),
        (
            ChassisIdentify {
                interval: None,
                force: true,
            },
            &[0, 1][..],
            "indefinite",
        ),
    ] {
        let (t, reqs) = text(
            Action::Chassis(chassis::Action::Identify(identify)),
            vec![answer(NetFn::CHASSIS, 0x04, 0, &[])],
        );
        assert_eq!(t, format!("Chassis identify interval: {said}\n"));
        assert_eq!(reqs[0].data, data);
    }
    let (t, reqs) = text(
        Action::Chassis(chassis::Action::Policy(
            SetPowerRestorePolicy::from_word("list").unwrap(),
        )),
        vec![answer(NetFn::CHASSIS, 0x06, 0, &[0x07])],
    );
    assert_eq!(
        t,
        "Supported chassis power policy:  always-off always-on previous\n"
    );
    assert_eq!(reqs[0].data, [3]);
    let (t, reqs) = text(
        Action::Chassis(chassis::Action::Policy(
            SetPowerRestorePolicy::from_word("previous").unwrap(),
        )),
        vec![answer(NetFn::CHASSIS, 0x06, 0, &[0x07])],
    );
    assert_eq!(t, "Set chassis power restore policy to previous\n");
    assert_eq!(reqs[0].data, [1]);
}

#[test]
fn bootdev_sends_the_core_sequence_and_a_refused_write_is_an_error() {
    let mut flags = BootFlags::boot_once(BootDevice::Pxe);
    flags.apply_option("persistent");
    let action = Action::Chassis(chassis::Action::Bootdev("pxe".into(), flags));
    let ok = || answer(NetFn::CHASSIS, 0x08, 0, &[]);
    let (t, reqs) = text(action.clone(), vec![ok(), ok(), ok(), ok(), ok()]);
    assert_eq!(t, "Set Boot Device to pxe\n");
    let sent: Vec<&[u8]> = reqs.iter().map(|r| r.data.as_slice()).collect();
    assert_eq!(
        sent,
        [
            &[0x00, 0x01][..],
            &[0x04, 0x01, 0x01],
            &[0x05, 0xc0, 0x04, 0, 0, 0],
            &[0x00, 0x02],
            &[0x00, 0x00],
        ]
    );
    // The flags refused: exit 1, and the lock is still given back.
    let refused = || answer(NetFn::CHASSIS, 0x08, 0xcc, &[]);
    let (r, reqs) = go(&action, vec![ok(), ok(), refused(), ok()]);
    assert!(matches!(r, Err(CliError::Completion { .. })), "{r:?}");
    assert_eq!(reqs.last().unwrap().data, [0x00, 0x00]);
    // No parameter 0: no lock steps.
    let (r, reqs) = go(&action, vec![refused(), ok(), ok()]);
    assert!(r.is_ok());
    assert_eq!(reqs.len(), 3);
}

#[test]
fn bootparam_get_5_prints_the_flags() {
    let mut flags = BootFlags::boot_once(BootDevice::Cdrom);
    flags.apply_option("persistent");
    flags.apply_option("efiboot");
    flags.apply_option("clear-cmos");
    let data = encoded(|o| {
        BootOptions {
            version: 1,
            invalid: false,
            selector: 5,
            data: flags.0.to_vec(),
        }
        .encode(o)
    });
    let (t, _) = text(
        Action::Chassis(chassis::Action::Bootparam(5)),
        vec![answer(NetFn::CHASSIS, 0x09, 0, &data)],
    );
    assert_eq!(
        t,
        "Boot parameter version: 1\n\
         Boot parameter 5 is valid/unlocked\n\
         Boot parameter data: e094000000\n \
         Boot Flags :\n   \
         - Boot Flag Valid\n   \
         - Options apply to all future boots\n   \
         - BIOS EFI boot \n   \
         - CMOS Clear\n   \
         - Boot Device Selector : Force Boot from CD/DVD\n   \
         - BIOS verbosity : System Default\n   \
         - Console Redirection control : Console redirection occurs per BIOS configuration setting (default)\n   \
         - BIOS Mux Control Override : BIOS uses recommended setting of the mux at the end of POST\n"
    );
}

#[test]
fn guid_encodings() {
    // The GUID of TESTBED.md's ipmi_sim: IPMI order, version 2 (ipmitool
    // printed this against ipmi_sim).
    let g = Guid([
        0xa1, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xa1, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd,
        0xef,
    ]);
    let data = encoded(|o| g.encode(o));
    let (t, _) = text(
        Action::Mc(mc::Action::Guid),
        vec![answer(NetFn::APP, 0x37, 0, &data)],
    );
    assert_eq!(
        t,
        "System GUID   : efcdab89-6745-23a1-efcd-ab89674523a1\nGUID Encoding : IPMI\nGUID Version  : DCE Security with POSIX UIDs (not for IPMI)\n"
    );
    // No byte order gives a version: the bytes dumped.
    let g = Guid([0; 16]);
    let (t, _) = text(
        Action::Mc(mc::Action::Guid),
        vec![answer(NetFn::APP, 0x37, 0, &[0; 16])],
    );
    assert_eq!(t, format!("System GUID   : {}\n", "00".repeat(16)));
    let _ = g;
}

#[test]
fn getsysinfo_reads_the_announced_sets() {
    let name = b"a-rather-long-host-name.example"; // 31 bytes: 3 sets
    let sets = string_sets(0, name, 4);
    assert_eq!(sets.len(), 3);
    let answers: Vec<Answer> = sets
        .iter()
        .map(|s| {
            let data = encoded(|o| {
                SystemInfoParam {
                    revision: 0x11,
                    data: s.clone(),
                }
                .encode(o)
            });
            answer(NetFn::APP, 0x59, 0, &data)
        })
        .collect();
    let (t, reqs) = text(Action::Mc(mc::Action::Getsysinfo(2)), answers);
    assert_eq!(t, "a-rather-long-host-name.example\n");
    assert_eq!(reqs.len(), 3);
    let (r, _) = go(
        &Action::Mc(mc::Action::Getsysinfo(2)),
        vec![answer(NetFn::APP, 0x59, 0x80, &[])],
    );
    assert!(matches!(r, Err(CliError::Completion { .. })), "{r:?}");
}

#[test]
fn watchdog_with_expired_flags() {
    let w = WatchdogTimer {
        use_byte: 0x44,
        actions_byte: 0x11,
        pre_timeout: 5,
        expiration_flags: 0x12,
        initial_countdown: 3000,
        present_countdown: Some(2995),
    };
    let data = encoded(|o| w.encode(o));
    let (t, _) = text(
        Action::Mc(mc::Action::Watchdog(mc::WatchdogWord::Get)),
        vec![answer(NetFn::APP, 0x25, 0, &data)],
    );
    assert_eq!(
        t,
        "Watchdog Timer Use:     SMS/OS (0x44)\n\
         Watchdog Timer Is:      Started/Running\n\
         Watchdog Timer Logging: On\n\
         Watchdog Timer Action:  Hard Reset (0x11)\n\
         Pre-timeout interrupt:  SMI\n\
         Pre-timeout interval:   5 seconds\n\
         Timer Expiration Flags: (0x12)\n\
         \x20                       * BIOS FRB2\n\
         \x20                       * SMS/OS\n\
         Initial Countdown:      300.0 sec\n\
         Present Countdown:      299.5 sec\n"
    );
}

#[test]
fn dcmi_answers() {
    let caps = |selector: u8, data: &[u8]| {
        let d = encoded(|o| {
            DcmiCapabilities {
                major: 1,
                minor: 5,
                revision: 2,
                data: data.to_vec(),
            }
            .encode(o)
        });
        let _ = selector;
        answer(DCMI_NETFN, 0x01, 0, &d)
    };
    let (t, reqs) = text(
        Action::Dcmi(dcmi::Action::Discover),
        vec![
            caps(1, &[0x0f, 0x01, 0x09]),
            caps(2, &[0x00, 0x82, 0x01, 0x01]),
            caps(3, &[0x40, 0x00]),
            caps(4, &[0x01, 0xff, 0xff]),
            caps(5, &[0x02, 0x05, 0x41]),
        ],
    );
    assert_eq!(reqs.len(), 5);
    assert!(t.starts_with(
        "    Supported DCMI capabilities:\n\n         Mandatory platform capabilities\n        Identification support available\n"
    ), "{t}");
    assert!(t.contains("\n               512 SEL entries\n"), "{t}");
    assert!(t.contains("SEL automatic rollover is enabled"), "{t}");
    assert!(
        t.contains("         Primary LAN channel number: 1 is available\n"),
        "{t}"
    );
    assert!(
        t.contains("         Sample time options:  5_sec  1_min "),
        "{t}"
    );

    let r = PowerReading {
        current: 120,
        minimum: 100,
        maximum: 150,
        average: 125,
        timestamp: 1_700_000_000,
        period_ms: 60_000,
        state: 0x40,
    };
    let d = encoded(|o| r.encode(o));
    let (t, _) = text(
        Action::Dcmi(dcmi::Action::PowerReading),
        vec![answer(DCMI_NETFN, 0x02, 0, &d)],
    );
    assert_eq!(
        t,
        "\n    Instantaneous power reading:                   120 Watts\n    \
         Minimum during sampling period:                100 Watts\n    \
         Maximum during sampling period:                150 Watts\n    \
         Average power reading over sample period:      125 Watts\n    \
         IPMI timestamp:                           11/14/2023 22:13:20\n    \
         Sampling period:                          00000060 Seconds.\n    \
         Power reading state is:                   activated\n\n"
    );

    let id = b"bmc-0123456789-rack-7";
    let chunk = |o: u8, n: u8| {
        let d = encoded(|out| {
            McIdChunk::for_request(
                id,
                &ipmi_core::cmd::dcmi::GetMcIdString {
                    offset: o,
                    count: n,
                },
            )
            .encode(out)
        });
        answer(DCMI_NETFN, 0x09, 0, &d)
    };
    let (t, reqs) = text(
        Action::Dcmi(dcmi::Action::McIdString),
        vec![chunk(0, 1), chunk(0, 16), chunk(16, 5)],
    );
    assert_eq!(
        t,
        "\n Get Management Controller Identifier String: bmc-0123456789-rack-7\n"
    );
    assert_eq!(reqs.len(), 3);
    // No DCMI: C1h, said so.
    let (r, _) = go(
        &Action::Dcmi(dcmi::Action::PowerReading),
        vec![answer(DCMI_NETFN, 0x02, 0xc1, &[])],
    );
    match r {
        Err(e @ CliError::Completion { .. }) => {
            assert!(e.to_string().contains("does not implement DCMI"), "{e}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn user_password_prompt_and_sizes() {
    use crate::credentials::TestEnv;
    let tty = TestEnv {
        stdin_tty: true,
        typed: Some("s3cret"),
        ..TestEnv::default()
    };
    let p = user::password_of(5, None, None, &tty).unwrap();
    assert_eq!(&p.bytes()[..6], b"s3cret");
    assert_eq!(p.bytes().len(), 16);
    // Asked twice (typed the same), like ipmitool.
    assert_eq!(
        *tty.prompts.borrow(),
        ["Password for user 5: ", "Password for user 5: "]
    );
    // No terminal: a usage error, no prompt.
    let none = TestEnv::default();
    assert!(matches!(
        user::password_of(5, None, None, &none),
        Err(CliError::Usage(_))
    ));
    assert!(none.prompts.borrow().is_empty());
    // Longer than 16: stored as 20; 16 asked for: refused; more than 20: refused.
    let p = user::password_of(5, Some("0123456789abcdefg"), None, &none).unwrap();
    assert!(p.is_twenty());
    assert!(user::password_of(5, Some("0123456789abcdefg"), Some(16), &none).is_err());
    assert!(user::password_of(5, Some("0123456789abcdefghijk"), None, &none).is_err());
    assert!(user::password_of(5, Some("x"), Some(18), &none).is_err());
    // The request carries the 20-byte flag and the padded password;
    // `loggable` (what -vv shows) keeps neither.
    let action = Action::User(user::Action::Password(
        ipmi_core::cmd::user::SetUserPassword {
            user_id: 5,
            op: ipmi_core::cmd::user::PasswordOp::Set(p),
        },
    ));
    let request = action.request(Target::bmc());
    assert_eq!(&request.data[..2], &[0x85, 0x02]);
    assert_eq!(request.data.len(), 22);
    assert_eq!(loggable(&request).data, [0x85, 0x02]);
    assert!(!format!("{action:?}").contains("0123"));
}
