//! Captured RMCP+ exchanges (ipmitool ↔ ipmi_sim / reference BMC) replayed
//! through the wire parsers, RAKP crypto and packet protection
//! (IPMI 2.0 §13.17-§13.32). Format of `tests/data/*.hex`: one datagram per
//! line, `> HEX` client → BMC, `< HEX` BMC → client.

use ipmi_lanplus::crypto::rakp::{self, RakpParams, SessionKeys};
use ipmi_lanplus::crypto::suite::{AuthAlg, CipherSuite, IntegrityAlg};
use ipmi_lanplus::packet::{self, classify, Datagram, SessionCrypto};
use ipmi_lanplus::wire::open_session::{OpenSessionRequest, OpenSessionResponse};
use ipmi_lanplus::wire::rakp::{Rakp1, Rakp2, Rakp3, Rakp4};
use ipmi_lanplus::wire::session_v20::PayloadType;

const PASSWORD: &[u8] = b"secret";
const SIM_GUID: [u8; 16] = [
    0xa1, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xa1, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
];
const REFBMC_GUID: [u8; 16] = [
    0x0b, 0xad, 0xc0, 0xde, 0x0b, 0xad, 0xc0, 0xde, 0x0b, 0xad, 0xc0, 0xde, 0x0b, 0xad, 0xc0, 0xde,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dir {
    ToBmc,
    ToConsole,
}

/// The RAKP inputs of a captured handshake (IPMI 2.0 §13.31).
fn params_of<'a>(
    req: &OpenSessionRequest,
    resp: &OpenSessionResponse,
    r1: &'a Rakp1,
    r2: &Rakp2,
) -> RakpParams<'a> {
    RakpParams {
        console_session_id: req.console_session_id,
        bmc_session_id: resp.bmc_session_id,
        console_random: r1.console_random,
        bmc_random: r2.bmc_random,
        bmc_guid: r2.bmc_guid,
        role: r1.role,
        username: &r1.username,
    }
}

fn unhex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    assert!(s.len() % 2 == 0, "odd hex length");
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).expect("hex digit"))
        .collect()
}

fn load(text: &str) -> Vec<(Dir, Vec<u8>)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (d, hex) = l.split_at(1);
            let dir = match d {
                ">" => Dir::ToBmc,
                "<" => Dir::ToConsole,
                _ => panic!("bad line {l}"),
            };
            (dir, unhex(hex))
        })
        .collect()
}

/// One handshake plus the in-session traffic that follows it.
#[derive(Default)]
struct Capture {
    open_req: Option<Vec<u8>>,
    open_resp: Option<Vec<u8>>,
    rakp: [Option<Vec<u8>>; 4],
    in_session: Vec<(Dir, Vec<u8>)>,
    /// Datagrams after which the session started (RMCP+ pre-session ones).
    presession: Vec<Vec<u8>>,
}

/// Splits a capture at every Open Session Request.
fn sessions(datagrams: &[(Dir, Vec<u8>)]) -> Vec<Capture> {
    let mut out: Vec<Capture> = Vec::new();
    for (dir, d) in datagrams {
        match classify(d).expect("every captured datagram classifies") {
            Datagram::V15(v15) => {
                // Get Channel Authentication Capabilities: checksums ok, and
                // our v1.5 pre-session framing reproduces the request.
                assert_lan_message(v15.payload);
                if *dir == Dir::ToBmc {
                    let mut e = Vec::new();
                    packet::emit_v15_presession(v15.payload, &mut e);
                    assert_eq!(&e, d);
                }
            }
            Datagram::V20 { header, payload } => {
                let ty = header.payload_type;
                if ty == PayloadType::OpenSessionRequest {
                    out.push(Capture::default());
                }
                let cur = out.last_mut().expect("session starts with open session");
                let slot = match ty {
                    PayloadType::OpenSessionRequest => &mut cur.open_req,
                    PayloadType::OpenSessionResponse => &mut cur.open_resp,
                    PayloadType::Rakp1 => &mut cur.rakp[0],
                    PayloadType::Rakp2 => &mut cur.rakp[1],
                    PayloadType::Rakp3 => &mut cur.rakp[2],
                    PayloadType::Rakp4 => &mut cur.rakp[3],
                    PayloadType::Ipmi => {
                        assert_ne!(header.session_id, 0);
                        cur.in_session.push((*dir, d.clone()));
                        continue;
                    }
                    other => panic!("unexpected payload type {other:?}"),
                };
                assert_eq!((header.session_id, header.sequence), (0, 0));
                assert!(!header.encrypted && !header.authenticated);
                assert!(slot.is_none(), "duplicate {ty:?}");
                *slot = Some(payload.to_vec());
                // Our pre-session framing reproduces the datagram.
                let mut e = Vec::new();
                packet::emit_presession(ty, payload, &mut e);
                assert_eq!(&e, d);
                cur.presession.push(d.clone());
            }
            Datagram::Asf(_) => panic!("no ASF in captures"),
        }
    }
    out
}

/// An IPMI LAN message: ≥ 7 bytes and both two's-complement checksums hold.
fn assert_lan_message(m: &[u8]) {
    assert!(m.len() >= 7, "LAN message too short: {m:02x?}");
    let sum = |b: &[u8]| b.iter().fold(0u8, |a, &x| a.wrapping_add(x));
    assert_eq!(sum(&m[..3]), 0, "checksum 1 of {m:02x?}");
    assert_eq!(sum(&m[3..]), 0, "checksum 2 of {m:02x?}");
}

/// Re-emits a parsed payload and checks it equals the captured bytes.
macro_rules! reemit {
    ($v:expr, $bytes:expr) => {{
        let mut e = Vec::new();
        $v.emit(&mut e);
        assert_eq!(&e, $bytes);
        assert_eq!(e.len(), $v.buffer_len());
    }};
}

struct Handshake {
    suite: CipherSuite,
    keys: SessionKeys,
    console_id: u32,
    bmc_id: u32,
}

/// Checks every RAKP value of one captured session and returns its keys.
fn check_handshake(c: &Capture, guid: [u8; 16]) -> Handshake {
    let req_b = c.open_req.as_ref().unwrap();
    let resp_b = c.open_resp.as_ref().unwrap();
    let req = OpenSessionRequest::parse(req_b).unwrap();
    let resp = OpenSessionResponse::parse(resp_b).unwrap();
    reemit!(req, req_b);
    reemit!(resp, resp_b);
    assert_eq!(resp.status, 0);
    assert_eq!(resp.console_session_id, req.console_session_id);
    assert_eq!(
        (resp.auth, resp.integrity, resp.confidentiality),
        (req.auth, req.integrity, req.confidentiality)
    );
    let suite =
        CipherSuite::from_algorithms(resp.auth, resp.integrity, resp.confidentiality).unwrap();
    assert!(suite.is_supported());

    let r1b = c.rakp[0].as_ref().unwrap();
    let r2b = c.rakp[1].as_ref().unwrap();
    let r3b = c.rakp[2].as_ref().unwrap();
    let r4b = c.rakp[3].as_ref().unwrap();
    let r1 = Rakp1::parse(r1b).unwrap();
    let r2 = Rakp2::parse(r2b).unwrap();
    let r3 = Rakp3::parse(r3b).unwrap();
    let r4 = Rakp4::parse(r4b).unwrap();
    reemit!(r1, r1b);
    reemit!(r2, r2b);
    reemit!(r3, r3b);
    reemit!(r4, r4b);
    assert_eq!((r2.status, r3.status, r4.status), (0, 0, 0));
    assert_eq!(r1.username, b"admin");
    assert_eq!(r1.bmc_session_id, resp.bmc_session_id);
    assert_eq!(r2.console_session_id, req.console_session_id);
    assert_eq!(r3.bmc_session_id, resp.bmc_session_id);
    assert_eq!(r4.console_session_id, req.console_session_id);
    assert_eq!(r2.bmc_guid, guid);

    let p = params_of(&req, &resp, &r1, &r2);
    let a = suite.auth;
    let rakp2 = rakp::rakp2_code(a, PASSWORD, &p);
    assert_eq!(rakp2.len(), a.key_exchange_code_len());
    assert!(
        rakp::codes_equal(&rakp2, &r2.key_exchange_code),
        "RAKP 2 code"
    );
    assert_eq!(
        rakp::rakp3_code(a, PASSWORD, &p),
        r3.key_exchange_code,
        "RAKP 3 code"
    );
    let keys = rakp::derive_keys(a, PASSWORD, &p);
    let icv = rakp::rakp4_icv(a, &keys.sik, &p);
    assert_eq!(icv.len(), a.rakp4_icv_len());
    assert!(rakp::codes_equal(&icv, &r4.integrity_check), "RAKP 4 ICV");
    if a != AuthAlg::None {
        // Non-vacuous: the codes were really present and the keys computed.
        assert!(!r2.key_exchange_code.is_empty() && !r4.integrity_check.is_empty());
        assert_eq!(keys.sik.len(), a.key_exchange_code_len());
    }
    Handshake {
        suite,
        keys,
        console_id: req.console_session_id,
        bmc_id: resp.bmc_session_id,
    }
}

/// Unprotects, checks and re-protects every in-session datagram; returns how many.
fn check_in_session(c: &Capture, hs: &Handshake) -> usize {
    let crypto = SessionCrypto::try_new(hs.suite, &hs.keys).unwrap();
    for (dir, d) in &c.in_session {
        let u = crypto
            .unprotect(d)
            .unwrap_or_else(|e| panic!("unprotect {e}: {d:02x?}"));
        let want_id = match dir {
            Dir::ToBmc => hs.bmc_id,
            Dir::ToConsole => hs.console_id,
        };
        assert_eq!(u.header.session_id, want_id);
        assert_eq!(u.header.payload_type, PayloadType::Ipmi);
        assert_eq!(
            u.header.authenticated,
            hs.suite.integrity != IntegrityAlg::None
        );
        assert_lan_message(&u.payload);
        // Re-protect with the captured IV, sequence and session ID.
        let Datagram::V20 { payload: raw, .. } = classify(d).unwrap() else {
            panic!("not v2.0")
        };
        let mut iv = [0u8; 16];
        if u.header.encrypted {
            iv.copy_from_slice(&raw[..16]);
            assert_ne!(
                &u.payload[..],
                &raw[16..16 + u.payload.len().min(raw.len() - 16)]
            );
        } else {
            assert_eq!(&u.payload[..], raw);
        }
        let mut again = Vec::new();
        crypto.protect(
            u.header.payload_type,
            u.header.session_id,
            u.header.sequence,
            &u.payload,
            &iv,
            &mut again,
        );
        assert_eq!(&again, d, "re-protected datagram differs");
    }
    c.in_session.len()
}

/// With integrity, flipping any single bit must make unprotect fail.
fn check_bit_flips(c: &Capture, hs: &Handshake) {
    let crypto = SessionCrypto::new(hs.suite, &hs.keys);
    for (_, d) in &c.in_session {
        for i in 0..d.len() * 8 {
            let mut m = d.clone();
            m[i / 8] ^= 1 << (i % 8);
            assert!(
                crypto.unprotect(&m).is_err(),
                "bit {i} flip accepted in {d:02x?}"
            );
        }
    }
}

/// Runs every check on a two-session capture of one cipher suite.
fn check_file(text: &str, suite_id: u8, guid: [u8; 16]) {
    let datagrams = load(text);
    let caps = sessions(&datagrams);
    assert_eq!(caps.len(), 2, "two sessions per capture");
    let mut total = 0;
    for c in &caps {
        let hs = check_handshake(c, guid);
        assert_eq!(hs.suite.id, suite_id);
        let n = check_in_session(c, &hs);
        // Set Session Privilege, at least one command, Close Session; each answered.
        assert!(n >= 6 && n % 2 == 0, "{n} in-session datagrams");
        total += n + c.presession.len();
        if hs.suite.integrity != IntegrityAlg::None {
            check_bit_flips(c, &hs);
        }
    }
    // Everything but the two Get Channel Auth Caps exchanges was checked.
    assert_eq!(total + 4, datagrams.len());
}

#[test]
fn cs0() {
    check_file(
        include_str!("data/lanplus-cs0-ipmitool-ipmisim.hex"),
        0,
        SIM_GUID,
    );
}

#[test]
fn cs1() {
    check_file(
        include_str!("data/lanplus-cs1-ipmitool-ipmisim.hex"),
        1,
        SIM_GUID,
    );
}

#[test]
fn cs2() {
    check_file(
        include_str!("data/lanplus-cs2-ipmitool-ipmisim.hex"),
        2,
        SIM_GUID,
    );
}

#[test]
fn cs3() {
    check_file(
        include_str!("data/lanplus-cs3-ipmitool-ipmisim.hex"),
        3,
        SIM_GUID,
    );
}

#[test]
fn cs17() {
    check_file(
        include_str!("data/lanplus-cs17-ipmitool-refbmc.hex"),
        17,
        REFBMC_GUID,
    );
}

#[test]
fn cs3_bad_credentials() {
    let datagrams = load(include_str!("data/lanplus-cs3-bad-credentials.hex"));
    let caps = sessions(&datagrams);
    assert_eq!(caps.len(), 2);

    // 1: user admin, password "wrong": the BMC's code does not verify with
    // "wrong" (it was made with the real password), and no RAKP 3 follows.
    let c = &caps[0];
    let req = OpenSessionRequest::parse(c.open_req.as_ref().unwrap()).unwrap();
    let resp = OpenSessionResponse::parse(c.open_resp.as_ref().unwrap()).unwrap();
    let r1 = Rakp1::parse(c.rakp[0].as_ref().unwrap()).unwrap();
    let r2 = Rakp2::parse(c.rakp[1].as_ref().unwrap()).unwrap();
    assert!(c.rakp[2].is_none() && c.rakp[3].is_none() && c.in_session.is_empty());
    assert_eq!(r2.status, 0);
    assert_eq!(r1.username, b"admin");
    let suite =
        CipherSuite::from_algorithms(resp.auth, resp.integrity, resp.confidentiality).unwrap();
    assert_eq!(suite.id, 3);
    let p = params_of(&req, &resp, &r1, &r2);
    let wrong = rakp::rakp2_code(suite.auth, b"wrong", &p);
    assert_eq!(wrong.len(), 20);
    assert!(!rakp::codes_equal(&wrong, &r2.key_exchange_code));
    let right = rakp::rakp2_code(suite.auth, PASSWORD, &p);
    assert!(rakp::codes_equal(&right, &r2.key_exchange_code));

    // 2: unknown user "nosuch": RAKP 2 status 0Dh (unauthorized name).
    let c = &caps[1];
    let r1 = Rakp1::parse(c.rakp[0].as_ref().unwrap()).unwrap();
    let r2 = Rakp2::parse(c.rakp[1].as_ref().unwrap()).unwrap();
    assert_eq!(r1.username, b"nosuch");
    assert_eq!(r2.status, 0x0D);
    assert!(c.rakp[2].is_none() && c.rakp[3].is_none());
}

/// A self-computed suite-3 Get Device ID datagram (IPMI 2.0 §13.6, §13.28, §13.29).
#[test]
fn protocol_section14_suite3_datagram() {
    let p = ipmi_lanplus::wire::testutil::vector_params();
    let suite = CipherSuite::from_id(3).unwrap();
    let keys = rakp::derive_keys(suite.auth, b"password", &p);
    let crypto = SessionCrypto::try_new(suite, &keys).unwrap();
    let msg = unhex("20 18 C8 81 04 01 7A");
    assert_lan_message(&msg);
    let mut out = Vec::new();
    crypto.protect(
        PayloadType::Ipmi,
        0x12345678,
        1,
        &msg,
        &[0xAA; 16],
        &mut out,
    );
    let want = unhex(
        "06 00 FF 07 06 C0 78 56 34 12 01 00 00 00 20 00
         AA AA AA AA AA AA AA AA AA AA AA AA AA AA AA AA
         AE F3 73 50 4A D8 E4 BD B6 9A EA 0D C3 4B 96 BC FF FF 02 07
         87 92 51 F7 32 4C 84 44 AD 55 AA 4C",
    );
    assert_eq!(out, want);
    assert_eq!(crypto.unprotect(&want).unwrap().payload, msg);
}

/// A self-computed Open Session Request datagram (IPMI 2.0 §13.17) and ASF ping (§13.2.3).
#[test]
fn protocol_section14_presession() {
    let req = OpenSessionRequest {
        tag: 0,
        max_privilege: 0,
        console_session_id: 0xA0A2A3A4,
        auth: AuthAlg::HmacSha1,
        integrity: IntegrityAlg::HmacSha1_96,
        confidentiality: ipmi_lanplus::crypto::suite::ConfAlg::AesCbc128,
    };
    let mut payload = Vec::new();
    req.emit(&mut payload);
    let mut d = Vec::new();
    packet::emit_presession(PayloadType::OpenSessionRequest, &payload, &mut d);
    assert_eq!(
        d,
        unhex(
            "06 00 FF 07 06 10 00 00 00 00 00 00 00 00 20 00 00 00 00 00 A4 A3 A2 A0
             00 00 00 08 01 00 00 00 01 00 00 08 01 00 00 00 02 00 00 08 01 00 00 00"
        )
    );
    let mut ping = Vec::new();
    ipmi_lanplus::wire::rmcp::RmcpHeader::asf().emit(&mut ping);
    ipmi_lanplus::wire::asf::AsfPing { tag: 0 }.emit(&mut ping);
    assert_eq!(ping, unhex("06 00 FF 06 00 00 11 BE 80 00 00 00"));
}
