//! What a hostile BMC can put in a response never panics the command
//! layer and never decodes into a success it is not: every decoder of
//! `ipmi_core::cmd` under every completion code and data of every length
//! up to past its need, answers to other commands, and the LAN message
//! framing under every single-byte change (always caught) and truncation
//! (caught unless the cut lands on a byte that happens to checksum: the
//! 8-bit checksums cannot do better) (IPMI 2.0 §5.2, §13.8).

use ipmi_core::cmd::{
    ChassisControl, CloseSession, ColdReset, GetChannelAuthCapabilities, GetChassisStatus,
    GetDeviceId, PowerAction, Raw, SetSessionPrivilegeLevel, WarmReset,
};
use ipmi_core::wire::lan_message::{checksum, LanMessage, REMOTE_CONSOLE_SWID};
use ipmi_core::{
    Command, CommandError, CompletionCode, ErrorClass, Failure, NetFn, PrivilegeLevel, Request,
    Response, Target,
};

mod common;

use common::Rng;

/// Checks `cmd`'s decoder against every completion code and data lengths
/// 0..=need+4, with random data and with the wrong NetFn and command.
fn hostile<C: Command>(cmd: &C, need: usize, rng: &mut Rng) -> usize {
    let mut decoded = 0;
    for cc in 0..=255u8 {
        for len in 0..=need + 4 {
            let data = rng.bytes(len);
            let r = Response {
                netfn: cmd.netfn().response(),
                cmd: cmd.cmd(),
                completion: CompletionCode(cc),
                data: data.clone(),
            };
            match cmd.decode(&r) {
                Ok(_) => {
                    assert_eq!(cc, 0, "{}: decoded code {cc:#x}", cmd.name());
                    assert!(len >= need, "{}: decoded {len} bytes", cmd.name());
                    decoded += 1;
                }
                Err(CommandError::Completion { code, .. }) => assert_eq!(code.0, cc),
                Err(CommandError::ShortResponse { need: n, got, .. }) => {
                    assert_eq!((cc, n, got), (0, need, len), "{}", cmd.name());
                }
                Err(e @ CommandError::InvalidField { .. }) => {
                    assert_eq!(cc, 0, "{e}");
                    assert_eq!(e.class(), ErrorClass::Protocol);
                }
                Err(e) => panic!("{}: {e}", cmd.name()),
            }
            // The same bytes as the answer to another command or NetFn.
            for (netfn, c) in [
                (cmd.netfn(), cmd.cmd()),
                (NetFn(cmd.netfn().0 ^ 2).response(), cmd.cmd()),
                (cmd.netfn().response(), cmd.cmd() ^ 1),
            ] {
                let other = Response {
                    netfn,
                    cmd: c,
                    ..r.clone()
                };
                let Err(e) = cmd.decode(&other) else {
                    panic!("{}: decoded another command's answer", cmd.name());
                };
                assert!(matches!(e, CommandError::Mismatch { .. }), "{e}");
                assert_eq!(e.class(), ErrorClass::Protocol);
                assert!(e.to_string().starts_with(cmd.name()));
            }
        }
    }
    decoded
}

#[test]
fn every_decoder_under_every_completion_code_and_length() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    assert!(hostile(&GetDeviceId, 11, &mut rng) > 0);
    assert!(hostile(&ColdReset, 0, &mut rng) > 0);
    assert!(hostile(&WarmReset, 0, &mut rng) > 0);
    assert!(hostile(&GetChassisStatus, 3, &mut rng) > 0);
    assert!(hostile(&ChassisControl(PowerAction::Cycle), 0, &mut rng) > 0);
    let caps = GetChannelAuthCapabilities {
        channel: 0x0e,
        privilege: PrivilegeLevel::Administrator,
        ipmi_v2: true,
    };
    assert!(hostile(&caps, 8, &mut rng) > 0);
    assert!(
        hostile(
            &SetSessionPrivilegeLevel(PrivilegeLevel::Operator),
            1,
            &mut rng
        ) > 0
    );
    assert!(hostile(&CloseSession { session_id: 7 }, 0, &mut rng) > 0);
}

#[test]
fn fru_and_sel_decoders_under_every_completion_code_and_length() {
    use ipmi_core::cmd::{fru, sel};
    let mut rng = Rng(0xF00D);
    assert!(hostile(&fru::GetFruInventoryAreaInfo { device_id: 0 }, 3, &mut rng) > 0);
    let read = fru::ReadFruData {
        device_id: 0,
        offset: 0,
        count: 2,
    };
    // Random count bytes rarely match the bytes after them: refused as
    // InvalidField, which `hostile` accepts.
    hostile(&read, 1, &mut rng);
    let write = fru::WriteFruData {
        device_id: 0,
        offset: 0,
        data: vec![1],
    };
    assert!(hostile(&write, 1, &mut rng) > 0);
    assert!(hostile(&sel::GetSelInfo, 14, &mut rng) > 0);
    assert!(hostile(&sel::GetSelAllocationInfo, 9, &mut rng) > 0);
    assert!(hostile(&sel::ReserveSel, 2, &mut rng) > 0);
    assert!(hostile(&sel::GetSelEntry::whole(0), 2, &mut rng) > 0);
    assert!(
        hostile(
            &sel::DeleteSelEntry {
                reservation: 1,
                record_id: 2
            },
            2,
            &mut rng
        ) > 0
    );
    let clear = sel::ClearSel {
        reservation: 1,
        action: sel::ClearAction::GetStatus,
    };
    assert!(hostile(&clear, 1, &mut rng) > 0);
    assert!(hostile(&sel::GetSelTime, 4, &mut rng) > 0);
    assert!(hostile(&sel::SetSelTime { time: 0 }, 0, &mut rng) > 0);
}

#[test]
fn raw_keeps_any_code_but_never_another_commands_answer() {
    let raw = Raw {
        netfn: NetFn::APP,
        cmd: 0x38,
        data: vec![0x8e, 0x04],
    };
    let mut rng = Rng(7);
    for cc in 0..=255u8 {
        let data = rng.bytes(usize::from(cc) % 40);
        let r = Response {
            netfn: NetFn::APP.response(),
            cmd: 0x38,
            completion: CompletionCode(cc),
            data: data.clone(),
        };
        let out = raw.decode(&r).unwrap();
        assert_eq!((out.completion.0, out.data), (cc, data));
        let other = Response {
            cmd: 0x39,
            ..r.clone()
        };
        assert!(matches!(
            raw.decode(&other),
            Err(CommandError::Mismatch { .. })
        ));
    }
}

#[test]
fn invalid_privilege_levels_are_refused() {
    for level in 0..=255u8 {
        let r = Response {
            netfn: NetFn::APP.response(),
            cmd: 0x3b,
            completion: CompletionCode::SUCCESS,
            data: vec![level],
        };
        let got = SetSessionPrivilegeLevel(PrivilegeLevel::User).decode(&r);
        match PrivilegeLevel::from_u8(level) {
            Some(p) => assert_eq!(got, Ok(p)),
            None => assert!(matches!(got, Err(CommandError::InvalidField { .. }))),
        }
    }
}

#[test]
fn every_completion_code_has_words() {
    for cc in 0..=255u8 {
        let c = CompletionCode(cc);
        let text = c.to_string();
        assert!(!text.is_empty());
        assert_eq!(c.description().is_some(), !text.starts_with("Unknown ("));
    }
}

fn framed(body: &[u8], seq: u8) -> Vec<u8> {
    let request = Request {
        target: Target::ipmb(0, 0x20),
        netfn: NetFn::CHASSIS,
        cmd: 0x02,
        data: body.to_vec(),
    };
    let mut out = Vec::new();
    LanMessage::for_request(&request, REMOTE_CONSOLE_SWID, seq).emit(&mut out);
    out
}

#[test]
fn every_single_byte_change_and_truncation_of_a_message_is_caught() {
    let mut rng = Rng(11);
    let (mut truncations, mut truncations_accepted) = (0, 0);
    for len in 0..40 {
        let good = framed(&rng.bytes(len), len as u8);
        let m = LanMessage::parse(&good).unwrap();
        assert_eq!(m.body.len(), len);
        for i in 0..good.len() {
            for x in 1..=255u8 {
                let mut bad = good.clone();
                bad[i] ^= x;
                assert!(
                    LanMessage::parse(&bad).is_err(),
                    "byte {i} ^ {x:#x} of a {len}-byte body accepted"
                );
            }
        }
        // A cut message parses only when its new last byte happens to be
        // the checksum of what precedes it (about 1 in 256): a shorter
        // message, never the original one.
        for n in 0..good.len() {
            if let Ok(cut) = LanMessage::parse(&good[..n]) {
                assert!(cut.body.len() < len, "cut at {n}");
                truncations_accepted += 1;
            }
            truncations += 1;
        }
    }
    assert!(
        truncations_accepted * 50 < truncations,
        "{truncations_accepted} of {truncations} cuts parsed"
    );
}

#[test]
fn random_buffers_never_panic_and_what_parses_re_emits() {
    let mut rng = Rng(0xDEAD_BEEF);
    let mut parsed = 0;
    for i in 0..200_000 {
        let len = (rng.next() % 48) as usize;
        let mut b = rng.bytes(len);
        if i % 2 == 0 && b.len() >= 7 {
            // Make both checksums right so framing parses; the rest is random.
            b[2] = checksum(&b[..2]);
            let last = b.len() - 1;
            b[last] = checksum(&b[3..last]);
        }
        if let Ok(m) = LanMessage::parse(&b) {
            parsed += 1;
            let mut out = Vec::new();
            m.emit(&mut out);
            assert_eq!(out, b);
            match m.to_response() {
                Some(r) => assert_eq!(Some(r.completion.0), m.body.first().copied()),
                None => assert!(m.body.is_empty()),
            }
        }
    }
    assert!(parsed > 50_000, "{parsed}");
}
