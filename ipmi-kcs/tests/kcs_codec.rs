//! The sans-IO KCS codec (IPMI 2.0 §9.15) against the software BMC model,
//! on a virtual clock: the happy path and every fault ends in the right
//! result within the deadline, with no real sleeping.

use std::time::{Duration, Instant};

use ipmi_core::cmd::{ColdReset, GetChassisStatus, GetDeviceId, Raw};
use ipmi_core::{Command, CompletionCode, Deadline, ErrorClass, Failure, NetFn, Request, Target};
use ipmi_kcs::kcs::model::{drive_virtual, Driven, Faults, KcsModel};
use ipmi_kcs::kcs::{Action, KcsConfig, KcsError, KcsTransfer, Phase, ProblemKind, State};

const IO: Duration = Duration::from_micros(1);

fn run_with(
    model: &mut KcsModel,
    request: &Request,
    budget: Duration,
    config: KcsConfig,
) -> Driven {
    let t0 = Instant::now();
    let mut t =
        KcsTransfer::new(request, Deadline::after(t0, budget), config, t0).expect("valid request");
    drive_virtual(&mut t, model, t0, IO, 5_000_000).expect("the transfer ends (no livelock)")
}

fn run(model: &mut KcsModel, request: &Request, budget: Duration) -> Driven {
    run_with(model, request, budget, KcsConfig::default())
}

/// A 7-byte request: NetFn/LUN, command, 5 data bytes.
fn seven_bytes() -> Request {
    Raw {
        netfn: NetFn::APP,
        cmd: 0x01,
        data: vec![1, 2, 3, 4, 5],
    }
    .request()
}

#[test]
fn get_device_id_happy_path() {
    let mut m = KcsModel::new();
    let d = run(&mut m, &GetDeviceId.request(), Duration::from_secs(2));
    let r = d.result.expect("answered");
    assert_eq!(m.requests, [vec![0x18, 0x01]]);
    let id = GetDeviceId.decode(&r).unwrap();
    assert_eq!(id.device_id, 0x20);
    assert_eq!(id.ipmi_version_parts(), (2, 0));
    assert_eq!(id.manufacturer_id, 0);
    assert_eq!(m.transfers, 1);
    assert_eq!(m.aborts, 0);
    // 2 request bytes + 14 response bytes: a few hundred microseconds of port I/O.
    assert!(d.elapsed < Duration::from_millis(1), "{:?}", d.elapsed);
}

#[test]
fn other_commands_and_longer_requests() {
    let mut m = KcsModel::new();
    let r = run(&mut m, &GetChassisStatus.request(), Duration::from_secs(2))
        .result
        .unwrap();
    assert!(GetChassisStatus.decode(&r).unwrap().power_on());
    let r = run(&mut m, &ColdReset.request(), Duration::from_secs(2))
        .result
        .unwrap();
    assert_eq!(ColdReset.decode(&r), Ok(()));
    let r = run(&mut m, &seven_bytes(), Duration::from_secs(2))
        .result
        .unwrap();
    assert_eq!(r.completion, CompletionCode(0x00));
    assert_eq!(m.requests.last().unwrap(), &vec![0x18, 0x01, 1, 2, 3, 4, 5]);
    let unknown = Raw {
        netfn: NetFn(0x2e),
        cmd: 0x99,
        data: vec![],
    };
    let r = run(&mut m, &unknown.request(), Duration::from_secs(2))
        .result
        .unwrap();
    assert_eq!(r.completion, CompletionCode::INVALID_COMMAND);
}

#[test]
fn slow_bmc_is_polled_with_backoff_not_spun() {
    let mut m = KcsModel::with_faults(Faults {
        ibf_latency: Duration::from_micros(200),
        response_latency: Duration::from_millis(500),
        ..Faults::default()
    });
    let d = run(&mut m, &GetDeviceId.request(), Duration::from_secs(2));
    assert!(d.result.is_ok(), "{:?}", d.result);
    assert!(d.elapsed >= Duration::from_millis(500));
    // 0.5 s of waiting costs about 500 polls at the 1 ms back-off ceiling,
    // not the ~500,000 a busy loop of 1 µs reads would make.
    assert!(d.stats.status_reads < 1200, "{:?}", d.stats);
    assert!(d.stats.waits > 400, "{:?}", d.stats);
}

#[test]
fn ibf_stuck_names_the_byte_within_the_deadline() {
    let mut m = KcsModel::with_faults(Faults {
        freeze_at_byte: Some(3),
        ..Faults::default()
    });
    let d = run(&mut m, &seven_bytes(), Duration::from_secs(2));
    let e = d.result.unwrap_err();
    let text = e.to_string();
    assert!(
        text.starts_with("KCS write phase: IBF stayed set after byte 3 of 7"),
        "{text}"
    );
    assert!(text.contains("deadline reached 2.000 s"), "{text}");
    assert_eq!(e.class(), ErrorClass::Timeout);
    assert!(d.elapsed >= Duration::from_secs(2) && d.elapsed < Duration::from_millis(2010));
    assert!(d.stats.status_reads < 2500, "{:?}", d.stats);
}

#[test]
fn ibf_stuck_with_short_wait_limit_runs_bounded_error_exits() {
    let mut m = KcsModel::with_faults(Faults {
        freeze_at_byte: Some(3),
        ..Faults::default()
    });
    let config = KcsConfig {
        wait_limit: Duration::from_millis(500),
        max_error_exits: 2,
        ..KcsConfig::default()
    };
    let d = run_with(&mut m, &seven_bytes(), Duration::from_secs(10), config);
    let e = d.result.unwrap_err();
    match &e {
        KcsError::Failed {
            first,
            last,
            error_exits,
            ..
        } => {
            assert_eq!(first.phase, Phase::AfterByte { byte: 3, of: 7 });
            assert_eq!(first.kind, ProblemKind::IbfStuck);
            assert_eq!(last.phase, Phase::AfterAbort);
            assert_eq!(*error_exits, 2);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(e.class(), ErrorClass::Timeout);
    let text = e.to_string();
    assert!(text.contains("gave up after 2 error exit(s)"), "{text}");
    assert!(
        text.contains("KCS error exit: IBF stayed set after GET_STATUS/ABORT"),
        "{text}"
    );
    // Three waits of 0.5 s, well inside the 10 s deadline.
    assert!(d.elapsed < Duration::from_millis(1600), "{:?}", d.elapsed);
}

#[test]
fn bmc_start_frozen_before_write_start() {
    let mut m = KcsModel::with_faults(Faults {
        freeze_at_start: true,
        ..Faults::default()
    });
    let e = run(&mut m, &GetDeviceId.request(), Duration::from_millis(300))
        .result
        .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("KCS write phase: IBF stayed set after WRITE_START"),
        "{e}"
    );
}

#[test]
fn obf_never_set_is_a_read_phase_timeout() {
    let mut m = KcsModel::with_faults(Faults {
        never_respond: true,
        ..Faults::default()
    });
    let d = run(&mut m, &GetDeviceId.request(), Duration::from_secs(2));
    let e = d.result.unwrap_err();
    assert!(
        e.to_string()
            .starts_with("KCS read phase: BMC never set OBF for response byte 1"),
        "{e}"
    );
    assert_eq!(e.class(), ErrorClass::Timeout);
    assert!(d.elapsed < Duration::from_millis(2010));
}

#[test]
fn one_error_state_is_recovered_by_the_error_exit() {
    let mut m = KcsModel::with_faults(Faults {
        error_at_byte: Some((2, 0x06)),
        error_times: 1,
        ..Faults::default()
    });
    let t0 = Instant::now();
    let mut t = KcsTransfer::new(
        &GetDeviceId.request(),
        Deadline::after(t0, Duration::from_secs(2)),
        KcsConfig::default(),
        t0,
    )
    .unwrap();
    let d = drive_virtual(&mut t, &mut m, t0, IO, 1_000_000).unwrap();
    assert!(d.result.is_ok(), "{:?}", d.result);
    assert_eq!((t.error_exits(), t.attempts()), (1, 2));
    assert_eq!((m.aborts, m.transfers), (1, 2));
}

#[test]
fn persistent_error_state_reports_the_interface_status() {
    let mut m = KcsModel::with_faults(Faults {
        error_at_byte: Some((2, 0x06)),
        ..Faults::default()
    });
    let d = run(&mut m, &GetDeviceId.request(), Duration::from_secs(2));
    let e = d.result.unwrap_err();
    match &e {
        KcsError::Failed {
            first,
            error_exits,
            interface_status,
            ..
        } => {
            assert_eq!(
                first.kind,
                ProblemKind::UnexpectedState {
                    expected: State::Read
                }
            );
            // The ERROR state shows in the wait after the last byte.
            assert_eq!(first.phase, Phase::AfterByte { byte: 2, of: 2 });
            assert_eq!(*error_exits, KcsConfig::default().max_error_exits);
            assert_eq!(*interface_status, Some(0x06));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(e.class(), ErrorClass::Protocol);
    let text = e.to_string();
    assert!(
        text.contains("BMC in ERROR state after byte 2 of 2 (the last), expected READ"),
        "{text}"
    );
    assert!(
        text.contains("interface status after the last error exit: 0x06 (length error)"),
        "{text}"
    );
    assert_eq!(m.aborts, 3);
}

#[test]
fn unexpected_idle_in_the_middle_of_a_write() {
    let mut m = KcsModel::with_faults(Faults {
        idle_at_byte: Some(2),
        ..Faults::default()
    });
    let e = run(&mut m, &seven_bytes(), Duration::from_secs(2))
        .result
        .unwrap_err();
    let text = e.to_string();
    assert!(
        text.starts_with("KCS write phase: BMC in IDLE state after byte 2 of 7, expected WRITE"),
        "{text}"
    );
    // The model's error exits succeed (status 0x01, aborted), the retries fail the same way.
    assert!(text.contains("0x01 (aborted by command)"), "{text}");
}

#[test]
fn bmc_that_never_leaves_write_state() {
    let mut m = KcsModel::with_faults(Faults {
        stay_in_write: true,
        ..Faults::default()
    });
    let d = run(&mut m, &seven_bytes(), Duration::from_secs(2));
    let e = d.result.unwrap_err();
    let text = e.to_string();
    assert!(
        text.starts_with(
            "KCS write phase: BMC in WRITE state after byte 7 of 7 (the last), expected READ"
        ),
        "{text}"
    );
    assert_eq!(e.class(), ErrorClass::Protocol);
    assert_eq!(m.aborts, KcsConfig::default().max_error_exits);
    assert!(d.elapsed < Duration::from_millis(50), "{:?}", d.elapsed);
}

#[test]
fn failing_error_exit_is_bounded() {
    let mut m = KcsModel::with_faults(Faults {
        error_at_byte: Some((1, 0x02)),
        abort_fails: true,
        ..Faults::default()
    });
    let d = run(&mut m, &GetDeviceId.request(), Duration::from_secs(2));
    let e = d.result.unwrap_err();
    match &e {
        KcsError::Failed { last, .. } => {
            assert_eq!(last.phase, Phase::AbortStatusRequest);
            assert_eq!(
                last.kind,
                ProblemKind::UnexpectedState {
                    expected: State::Read
                }
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(d.elapsed < Duration::from_millis(10));
}

#[test]
fn missing_dummy_byte_is_accepted() {
    let mut m = KcsModel::with_faults(Faults {
        no_dummy: true,
        ..Faults::default()
    });
    let d = run(&mut m, &GetDeviceId.request(), Duration::from_secs(2));
    assert!(d.result.is_ok(), "{:?}", d.result);
    let dummy = KcsConfig::default().dummy_wait;
    assert!(d.elapsed >= dummy && d.elapsed < dummy + Duration::from_millis(2));
    // And the next transfer works too.
    assert!(
        run(&mut m, &GetChassisStatus.request(), Duration::from_secs(2))
            .result
            .is_ok()
    );
}

#[test]
fn stale_obf_is_cleared_first() {
    let mut m = KcsModel::with_faults(Faults {
        stale_obf: true,
        ..Faults::default()
    });
    let r = run(&mut m, &GetDeviceId.request(), Duration::from_secs(2))
        .result
        .unwrap();
    assert_eq!(GetDeviceId.decode(&r).unwrap().device_id, 0x20);
}

#[test]
fn over_long_and_mismatched_responses() {
    let mut m = KcsModel::with_responder(Box::new(|_req: &[u8]| {
        let mut v = vec![0x1c, 0x01, 0x00];
        v.resize(400, 0x55);
        v
    }));
    let e = run(&mut m, &GetDeviceId.request(), Duration::from_secs(2))
        .result
        .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("KCS read phase: response longer than 272 bytes"),
        "{e}"
    );
    let mut m = KcsModel::with_responder(Box::new(|_req: &[u8]| vec![0x1c, 0x02, 0x00]));
    let e = run(&mut m, &GetDeviceId.request(), Duration::from_secs(2))
        .result
        .unwrap_err();
    assert!(
        matches!(e, KcsError::ResponseMismatch { got_cmd: 2, .. }),
        "{e:?}"
    );
    let mut m = KcsModel::with_responder(Box::new(|_req: &[u8]| vec![0x1c]));
    let e = run(&mut m, &GetDeviceId.request(), Duration::from_secs(2))
        .result
        .unwrap_err();
    assert_eq!(e, KcsError::ResponseTooShort { len: 1 });
}

#[test]
fn nothing_at_the_address() {
    let t0 = Instant::now();
    let mut t = KcsTransfer::new(
        &GetDeviceId.request(),
        Deadline::after(t0, Duration::from_secs(2)),
        KcsConfig::default(),
        t0,
    )
    .unwrap();
    assert_eq!(t.poll(t0), Action::ReadStatus);
    t.status(0xff, t0);
    match t.poll(t0) {
        Action::Done(Err(e)) => {
            assert_eq!(e, KcsError::NoInterface);
            assert_eq!(e.class(), ErrorClass::Io);
        }
        other => panic!("{other:?}"),
    }
    // Nothing was written.
    assert_eq!(t.stats().writes, 0);
}

#[test]
fn requests_kcs_cannot_carry() {
    let t0 = Instant::now();
    let d = Deadline::after(t0, Duration::from_secs(1));
    let bridged = GetDeviceId.request_to(Target::ipmb(0, 0x40));
    let e = KcsTransfer::new(&bridged, d, KcsConfig::default(), t0).unwrap_err();
    assert_eq!(e.class(), ErrorClass::Usage);
    assert!(e.to_string().contains("needs bridging"), "{e}");
    let long = Raw {
        netfn: NetFn::APP,
        cmd: 1,
        data: vec![0; 300],
    };
    let e = KcsTransfer::new(&long.request(), d, KcsConfig::default(), t0).unwrap_err();
    assert_eq!(e, KcsError::RequestTooLong { len: 302, max: 272 });
}

#[test]
fn protocol_trace_of_a_get_device_id() {
    // The exact register traffic of IPMI 2.0 §9.15's write and read phases.
    let mut m = KcsModel::new();
    let t0 = Instant::now();
    let mut t = KcsTransfer::new(
        &GetDeviceId.request(),
        Deadline::after(t0, Duration::from_secs(1)),
        KcsConfig::default(),
        t0,
    )
    .unwrap();
    let mut writes = Vec::new();
    let mut now = t0;
    loop {
        now += IO;
        match t.poll(now) {
            Action::ReadStatus => {
                let v = m.read_status(now);
                t.status(v, now)
            }
            Action::ReadData => {
                let v = m.read_data(now);
                t.data(v, now)
            }
            Action::WriteCommand(v) => {
                writes.push(format!("C{v:02x}"));
                m.write_command(v, now)
            }
            Action::WriteData(v) => {
                writes.push(format!("D{v:02x}"));
                m.write_data(v, now)
            }
            Action::Wait(at) => now = at,
            Action::Done(r) => {
                r.unwrap();
                break;
            }
        }
    }
    // WRITE_START, byte 1, WRITE_END, last byte, then one READ after each
    // of the 14 response bytes (NetFn/LUN, cmd, cc, 11 data bytes).
    let mut expect = vec!["C61", "D18", "C62", "D01"];
    expect.extend(std::iter::repeat("D68").take(14));
    assert_eq!(writes, expect);
}
