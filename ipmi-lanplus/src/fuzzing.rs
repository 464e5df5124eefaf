//! Entry points of the fuzz targets in `fuzz/` and of the corpus replay
//! test (`tests/hostile_corpus.rs`): each `fn(&[u8])` here takes any bytes
//! and must never panic, hang or accept what it must not. The fuzz targets
//! are one-liners calling them (see [`TARGETS`]).
//!
//! Covered: every wire parser (RMCP, ASF, IPMI 1.5 and 2.0 session
//! headers, Open Session, RAKP 1–4), IPMI LAN message framing, every
//! command decoder of `ipmi_core::cmd`, packet protection with known keys,
//! the client session's receive path in each handshake phase and in an
//! active session, and the responder's receive path before and inside a
//! session. The sessions come from an in-memory handshake between a
//! [`Session`] and a [`Responder`] with fixed seeds, built once per cipher
//! suite and copied for every input, so each input starts from the same
//! state and every crash replays.
//!
//! Structured inputs (the session targets) are a selector byte or two,
//! then records `kind, len (u16 LE), body`: a raw datagram, or a body the
//! harness wraps the way the peer would (pre-session header, IPMI 1.5
//! header, or protected with the session's real keys) so that fuzzing
//! reaches the code behind the integrity check, or a step of time.
//!
//! Not an API: hidden from the documentation, for fuzzing and tests.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::str::FromStr;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use ipmi_core::cmd::{
    ChassisControl, CloseSession, ColdReset, GetChannelAuthCapabilities, GetChassisStatus,
    GetDeviceId, PowerAction, Raw, SetSessionPrivilegeLevel, WarmReset,
};
use ipmi_core::wire::lan_message::{checksum, LanMessage, REMOTE_CONSOLE_SWID};
use ipmi_core::{
    Command, CompletionCode, Deadline, ErrorClass, Failure, NetFn, PrivilegeLevel, Request,
    Response, Target,
};

use crate::client::{is_delivery_failure, Action, Event, Session};
use crate::crypto::aes_cbc;
use crate::crypto::integrity;
use crate::crypto::rakp::{derive_keys, RakpParams, SessionKeys};
use crate::crypto::suite::{AuthAlg, CipherSuite};
use crate::packet::{self, classify, Datagram, SessionCrypto, INTEGRITY_PAD_BYTE, NEXT_HEADER};
use crate::server::cipher_suites::{self, CipherSuitesRequest};
use crate::server::{self, Responder, ServerConfig, SimulatedBmc, User};
use crate::wire::asf::{AsfPing, AsfPong};
use crate::wire::open_session::{OpenSessionRequest, OpenSessionResponse, RawOpenSessionRequest};
use crate::wire::rakp::{Rakp1, Rakp2, Rakp3, Rakp4};
use crate::wire::rmcp::{RmcpClass, RmcpHeader};
use crate::wire::session_v15::SessionV15;
use crate::wire::session_v20::{PayloadType, SessionV20Header};
use crate::ClientConfig;

/// A fuzz target's entry point.
pub type Entry = fn(&[u8]);

/// Every fuzz target: its name (the file in `fuzz/fuzz_targets/` and the
/// directory in `fuzz/corpus/`) and its entry point.
pub const TARGETS: &[(&str, Entry)] = &[
    ("rmcp_packet", rmcp_packet),
    ("rmcp_header", rmcp_header),
    ("asf", asf),
    ("session_v15", session_v15),
    ("session_v20", session_v20),
    ("open_session", open_session),
    ("rakp", rakp),
    ("lan_message", lan_message),
    ("command_response", command_response),
    ("text_parsers", text_parsers),
    ("unprotect", unprotect),
    ("client_handshake", client_handshake),
    ("client_session", client_session),
    ("responder_presession", responder_presession),
    ("responder_session", responder_session),
];

/// The entry point of the target called `name`.
pub fn target(name: &str) -> Option<Entry> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

// ----- wire parsers ---------------------------------------------------------

macro_rules! round_trip {
    ($t:ty, $buf:expr) => {
        if let Ok(v) = <$t>::parse($buf) {
            let mut out = Vec::new();
            v.emit(&mut out);
            assert_eq!(out.len(), v.buffer_len(), "{}: buffer_len", stringify!($t));
            assert_eq!(
                <$t>::parse(&out).ok(),
                Some(v),
                "{}: emit then parse",
                stringify!($t)
            );
        }
    };
}

fn payload_parsers(b: &[u8]) {
    round_trip!(AsfPing, b);
    round_trip!(AsfPong, b);
    round_trip!(RawOpenSessionRequest, b);
    round_trip!(OpenSessionRequest, b);
    round_trip!(OpenSessionResponse, b);
    round_trip!(Rakp1, b);
    round_trip!(Rakp2, b);
    round_trip!(Rakp3, b);
    round_trip!(Rakp4, b);
    let _ = SessionV15::parse(b);
    let _ = SessionV20Header::parse(b);
    let _ = LanMessage::parse(b);
}

/// A whole datagram: classified without keys, every parser run on it and
/// on the bytes after its headers (IPMI 2.0 §13.1.3, §13.6).
pub fn rmcp_packet(data: &[u8]) {
    let _ = RmcpHeader::parse(data);
    payload_parsers(data);
    match classify(data) {
        Ok(Datagram::V20 { header, payload }) => {
            assert_eq!(payload.len(), usize::from(header.payload_len));
            payload_parsers(payload);
        }
        Ok(Datagram::V15(s)) => payload_parsers(s.payload),
        Ok(Datagram::Asf(b)) => payload_parsers(b),
        Err(_) => {}
    }
    if let Some(rest) = data.get(RmcpHeader::LEN..) {
        payload_parsers(rest);
    }
}

/// The RMCP header (IPMI 2.0 §13.1.3): parse, emit, parse again.
pub fn rmcp_header(data: &[u8]) {
    let Ok((h, rest)) = RmcpHeader::parse(data) else {
        return;
    };
    assert_eq!(rest, &data[RmcpHeader::LEN..]);
    let mut out = Vec::new();
    h.emit(&mut out);
    assert_eq!(out, data[..RmcpHeader::LEN], "reserved bits are refused");
    assert_eq!(RmcpClass::from_u8(h.class.to_u8()), h.class);
    let _ = classify(data);
}

/// ASF presence ping and pong (IPMI 2.0 §13.2.3, §13.2.4).
pub fn asf(data: &[u8]) {
    round_trip!(AsfPing, data);
    round_trip!(AsfPong, data);
    if let Ok(Datagram::Asf(b)) = classify(data) {
        round_trip!(AsfPing, b);
        round_trip!(AsfPong, b);
    }
}

/// The IPMI 1.5 session header (IPMI 2.0 §13.6).
pub fn session_v15(data: &[u8]) {
    for b in [data, data.get(RmcpHeader::LEN..).unwrap_or(&[])] {
        if let Ok(s) = SessionV15::parse(b) {
            let mut out = Vec::new();
            s.emit(&mut out);
            assert_eq!(out.len(), s.buffer_len());
            assert_eq!(SessionV15::parse(&out), Ok(s));
            let _ = LanMessage::parse(s.payload);
        }
    }
}

/// The RMCP+ session header (IPMI 2.0 §13.6).
pub fn session_v20(data: &[u8]) {
    for b in [data, data.get(RmcpHeader::LEN..).unwrap_or(&[])] {
        if let Ok((h, rest)) = SessionV20Header::parse(b) {
            assert!(rest.len() >= usize::from(h.payload_len), "length checked");
            assert_eq!(PayloadType::from_u8(h.payload_type.to_u8()), h.payload_type);
            let mut out = Vec::new();
            h.emit(&mut out);
            assert_eq!(out.len(), h.buffer_len());
            out.extend_from_slice(rest);
            assert_eq!(SessionV20Header::parse(&out), Ok((h, rest)));
        }
    }
    let _ = classify(data);
}

/// Open Session Request and Response (IPMI 2.0 §13.17, §13.18).
pub fn open_session(data: &[u8]) {
    round_trip!(RawOpenSessionRequest, data);
    round_trip!(OpenSessionRequest, data);
    round_trip!(OpenSessionResponse, data);
    if let Ok(raw) = RawOpenSessionRequest::parse(data) {
        if let Ok(typed) = raw.to_typed() {
            assert_eq!(RawOpenSessionRequest::from(typed), raw);
        }
    }
}

/// RAKP messages 1–4 (IPMI 2.0 §13.20–§13.23).
pub fn rakp(data: &[u8]) {
    round_trip!(Rakp1, data);
    round_trip!(Rakp2, data);
    round_trip!(Rakp3, data);
    round_trip!(Rakp4, data);
}

/// IPMI LAN message framing with its two checksums (IPMI 2.0 §13.8).
pub fn lan_message(data: &[u8]) {
    if let Ok(m) = LanMessage::parse(data) {
        let mut out = Vec::new();
        m.emit(&mut out);
        assert_eq!(out, data, "a message that verifies re-emits byte for byte");
        assert_eq!(m.buffer_len(), data.len());
        assert_eq!(checksum(&data[..3]), 0);
        if let Some(r) = m.to_response() {
            assert_eq!(Some(r.completion.0), m.body.first().copied());
        }
    }
    // Framing a request and parsing it back.
    if let [addr, netfn, seq, cmd, body @ ..] = data {
        let request = Request {
            target: Target::ipmb(0, *addr),
            netfn: NetFn(netfn & 0x3f),
            cmd: *cmd,
            data: body.to_vec(),
        };
        let mut out = Vec::new();
        LanMessage::for_request(&request, REMOTE_CONSOLE_SWID, *seq).emit(&mut out);
        let back = LanMessage::parse(&out).expect("own framing verifies");
        assert_eq!(
            (back.dst_addr, back.netfn, back.seq, back.cmd, back.body),
            (*addr, request.netfn, seq & 0x3f, *cmd, body)
        );
        let _ = Response::from_body(back.netfn, back.cmd, back.body).map(|r| r.answers(&request));
    }
}

// ----- command decoders -----------------------------------------------------

/// Decodes `body` as the response of `cmd` with completion code `cc`;
/// `flags` bit 0 gives it another NetFn, bit 1 another command byte.
/// Checks that a decoded response matched and, unless `any_code`, succeeded.
fn decode<C: Command>(c: &C, cc: u8, flags: u8, body: &[u8], any_code: bool) -> Option<C::Output> {
    let netfn = if flags & 1 != 0 {
        NetFn(flags >> 2)
    } else {
        c.netfn().response()
    };
    let cmd = if flags & 2 != 0 {
        body.first().copied().unwrap_or(0xff)
    } else {
        c.cmd()
    };
    let r = Response {
        netfn,
        cmd,
        completion: CompletionCode(cc),
        data: body.to_vec(),
    };
    match c.decode(&r) {
        Ok(out) => {
            assert!(
                netfn == c.netfn().response() && cmd == c.cmd(),
                "{}: decoded another command's response",
                c.name()
            );
            assert!(any_code || cc == 0, "{}: decoded a refusal", c.name());
            Some(out)
        }
        Err(e) => {
            let _ = e.to_string();
            let class = e.class();
            assert!(matches!(class, ErrorClass::Bmc | ErrorClass::Protocol));
            assert_eq!(
                class == ErrorClass::Bmc,
                cc != 0 && netfn == c.netfn().response() && cmd == c.cmd()
            );
            None
        }
    }
}

/// Every response decoder of `ipmi_core::cmd` on `cc, flags, data...`, the
/// typed results' accessors, the request encoders, and the Get Channel
/// Cipher Suites records (IPMI 2.0 §20, §22, §28).
pub fn command_response(data: &[u8]) {
    let (cc, flags, body) = match data {
        [cc, flags, body @ ..] => (*cc, *flags, body),
        [cc] => (*cc, 0, &[][..]),
        [] => return,
    };
    let code = CompletionCode(cc);
    let _ = (
        code.to_string(),
        code.description(),
        is_delivery_failure(code),
    );

    if let Some(id) = decode(&GetDeviceId, cc, flags, body, false) {
        let _ = (id.supported().count(), id.ipmi_version_parts());
        assert!(id.manufacturer_id <= 0x0f_ffff);
        assert_eq!(id.aux_firmware.is_some(), body.len() >= 15);
    }
    decode(&ColdReset, cc, flags, body, false);
    decode(&WarmReset, cc, flags, body, false);
    if let Some(s) = decode(&GetChassisStatus, cc, flags, body, false) {
        let _ = (
            s.power_on(),
            s.power_overload(),
            s.power_interlock(),
            s.main_power_fault(),
            s.power_control_fault(),
            s.restore_policy().name(),
            s.intrusion(),
            s.front_panel_lockout(),
            s.drive_fault(),
            s.cooling_fault(),
        );
    }
    let action = match flags % 6 {
        0 => PowerAction::Down,
        1 => PowerAction::Up,
        2 => PowerAction::Cycle,
        3 => PowerAction::HardReset,
        4 => PowerAction::Diag,
        _ => PowerAction::Soft,
    };
    assert_eq!(action.word().parse::<PowerAction>(), Ok(action));
    let _ = (action.description(), action.to_string());
    decode(&ChassisControl(action), cc, flags, body, false);
    let raw = Raw {
        netfn: NetFn((flags >> 2) & 0x3e),
        cmd: body.first().copied().unwrap_or(0),
        data: body.to_vec(),
    };
    if let Some(r) = decode(&raw, cc, flags, body, true) {
        assert_eq!((r.completion, &r.data[..]), (code, body));
    }
    let privilege = PrivilegeLevel::from_u8(flags).unwrap_or(PrivilegeLevel::User);
    let caps = GetChannelAuthCapabilities {
        channel: flags,
        privilege,
        ipmi_v2: flags & 0x80 != 0,
    };
    if let Some(c) = decode(&caps, cc, flags, body, false) {
        let _ = (c.supports_v2(), c.kg_set());
    }
    if let Some(p) = decode(&SetSessionPrivilegeLevel(privilege), cc, flags, body, false) {
        assert_eq!(PrivilegeLevel::from_u8(p as u8), Some(p));
        let _ = p.to_string().parse::<PrivilegeLevel>();
    }
    let close = CloseSession {
        session_id: u32::from_le_bytes(core::array::from_fn(|i| body.get(i).copied().unwrap_or(0))),
    };
    decode(&close, cc, flags, body, false);
    // Request encoders frame and parse back.
    for request in [
        caps.request(),
        close.request(),
        ChassisControl(action).request(),
        raw.request(),
    ] {
        let mut out = Vec::new();
        LanMessage::for_request(&request, REMOTE_CONSOLE_SWID, cc).emit(&mut out);
        let back = LanMessage::parse(&out).expect("own framing verifies");
        assert_eq!(back.body, &request.data[..]);
    }
    // Get Channel Cipher Suites (IPMI 2.0 §22.15), as both ends read it.
    let _ = cipher_suites::parse_suite_records(body);
    if let Ok(req) = CipherSuitesRequest::parse(body) {
        let mut enc = Vec::new();
        req.encode(&mut enc);
        assert_eq!(CipherSuitesRequest::parse(&enc), Ok(req));
        let suites: Vec<CipherSuite> = (0..=19).filter_map(CipherSuite::from_id).collect();
        let answer = cipher_suites::response_data(&req, flags & 0x0f, &suites);
        assert!(answer.len() <= 1 + cipher_suites::CHUNK_LEN);
    }
}

/// The command-line and configuration parsers (user specs, listen
/// addresses, suite lists, privilege and power words) on any text.
pub fn text_parsers(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = PrivilegeLevel::from_str(&text);
    let _ = PowerAction::from_str(&text);
    if let Ok(u) = User::from_str(&text) {
        assert!(u.validate().is_ok());
        let _ = format!("{u:?}");
    }
    let _ = server::parse_cipher_suites(&text);
    if let Ok(addrs) = server::parse_listen(&text) {
        assert!(!addrs.is_empty() && addrs.len() <= 65536);
    }
}

// ----- packet protection ------------------------------------------------------

/// Keys of the first session of the suite-3 and suite-17 captures (user
/// admin, password secret), so captured datagrams are valid seeds; the
/// other suites get the suite-3 parameters.
fn capture_crypto(id: u8) -> SessionCrypto {
    fn hex16(s: &str) -> [u8; 16] {
        core::array::from_fn(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap_or(0))
    }
    let suite = CipherSuite::from_id(id).expect("standard suite");
    let (bmc_session_id, rm, rc, guid) = match suite.auth {
        AuthAlg::HmacSha256 => (
            0x0BAD_BEEF,
            "7c5491d8c226a6f93fb43311f6dbe361",
            "28b738c3453a2f9480f03ea0e5650e87",
            "0badc0de0badc0de0badc0de0badc0de",
        ),
        _ => (
            0x0000_0A02,
            "029711fc187cde95f27a84c019911ba6",
            "40583eaf47ed85d56b7248a3a9558694",
            "a123456789abcdefa123456789abcdef",
        ),
    };
    let p = RakpParams {
        console_session_id: 0xA0A2A3A4,
        bmc_session_id,
        console_random: hex16(rm),
        bmc_random: hex16(rc),
        bmc_guid: hex16(guid),
        role: 0x14,
        username: b"admin",
    };
    SessionCrypto::try_new(suite, &derive_keys(suite.auth, b"secret", &p)).expect("supported suite")
}

static CAPTURE_SUITES: OnceLock<Vec<SessionCrypto>> = OnceLock::new();

/// Unprotects any datagram with known keys for every supported suite
/// (IPMI 2.0 §13.6, §13.28, §13.29); whatever is accepted re-protects to a
/// datagram that unprotects to the same header and plaintext. Also runs
/// the AES-CBC decryption and pad check alone.
pub fn unprotect(data: &[u8]) {
    let suites = CAPTURE_SUITES.get_or_init(|| {
        [0, 1, 2, 3, 15, 16, 17]
            .iter()
            .map(|&id| capture_crypto(id))
            .collect()
    });
    for sc in suites {
        let Ok(u) = sc.unprotect(data) else {
            continue;
        };
        if u.payload.len() > 4096 {
            continue;
        }
        let iv: [u8; 16] = data
            .get(16..32)
            .and_then(|b| b.try_into().ok())
            .unwrap_or([0; 16]);
        let h = u.header;
        let mut again = Vec::new();
        sc.protect(
            h.payload_type,
            h.session_id,
            h.sequence,
            &u.payload,
            &iv,
            &mut again,
        );
        let back = sc.unprotect(&again).expect("own protection verifies");
        assert_eq!(back.payload, u.payload);
        assert_eq!(
            (
                back.header.payload_type,
                back.header.session_id,
                back.header.sequence
            ),
            (h.payload_type, h.session_id, h.sequence)
        );
    }
    const KEY: [u8; 16] = *b"0123456789abcdef";
    if let Ok(pt) = aes_cbc::decrypt(&KEY, data) {
        assert!(pt.len() < data.len() - aes_cbc::BLOCK);
        let iv: [u8; 16] = data[..16].try_into().expect("checked length");
        let mut again = Vec::new();
        aes_cbc::encrypt(&KEY, &iv, &pt, &mut again);
        assert_eq!(aes_cbc::decrypt(&KEY, &again), Ok(pt));
    }
}

// ----- the session harness ------------------------------------------------------

/// User, password and cipher suites of the harness BMC.
const USER: &[u8] = b"admin";
const PASSWORD: &[u8] = b"secret";
/// The suites the session targets pick from (the first selector byte).
pub const SUITES: [u8; 7] = [0, 1, 2, 3, 15, 16, 17];
/// How far in the future every harness operation's deadline is.
const DEADLINE: Duration = Duration::from_secs(10);
/// Records fed per input at most.
const MAX_RECORDS: usize = 24;
/// Largest message the harness protects (keeps it far from 64 KiB).
const MAX_MESSAGE: usize = 2048;

fn addr(last: u8, port: u16) -> SocketAddr {
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::new(10, 0, 0, last), port))
}

/// The console whose session becomes active, and two that stop half way.
fn console_a() -> SocketAddr {
    addr(2, 40000)
}
fn console_b() -> SocketAddr {
    addr(3, 40001)
}
fn console_c() -> SocketAddr {
    addr(4, 40002)
}
fn stranger() -> SocketAddr {
    addr(9, 623)
}

/// Learns a session's keys from the handshake datagrams it sees, as
/// anyone who knows the password could (IPMI 2.0 §13.31, §13.32): the
/// console's ID, random number, role and name from Open Session and RAKP 1,
/// the BMC's ID, random number and GUID from the answers.
#[derive(Clone, Debug, Default)]
pub struct KeyTap {
    /// The algorithms the BMC accepted.
    pub suite: Option<CipherSuite>,
    /// SIDm.
    pub console_session_id: Option<u32>,
    /// SIDc.
    pub bmc_session_id: Option<u32>,
    console_random: Option<[u8; 16]>,
    role: u8,
    username: Vec<u8>,
    bmc_random: Option<[u8; 16]>,
    bmc_guid: [u8; 16],
}

impl KeyTap {
    /// Looks at one datagram; `to_bmc` says which way it went.
    pub fn observe(&mut self, to_bmc: bool, datagram: &[u8]) {
        let Ok(Datagram::V20 { header, payload }) = classify(datagram) else {
            return;
        };
        if header.session_id != 0 || header.authenticated || header.encrypted {
            return;
        }
        match (to_bmc, header.payload_type) {
            (true, PayloadType::OpenSessionRequest) => {
                if let Ok(r) = RawOpenSessionRequest::parse(payload) {
                    self.console_session_id = Some(r.console_session_id);
                }
            }
            (false, PayloadType::OpenSessionResponse) => {
                if let Ok(r) = OpenSessionResponse::parse(payload) {
                    if r.status == 0 {
                        self.bmc_session_id = Some(r.bmc_session_id);
                        self.suite =
                            CipherSuite::from_algorithms(r.auth, r.integrity, r.confidentiality);
                    }
                }
            }
            (true, PayloadType::Rakp1) => {
                if let Ok(r) = Rakp1::parse(payload) {
                    self.console_random = Some(r.console_random);
                    self.role = r.role;
                    self.username = r.username;
                }
            }
            (false, PayloadType::Rakp2) => {
                if let Ok(r) = Rakp2::parse(payload) {
                    if r.status == 0 {
                        self.bmc_random = Some(r.bmc_random);
                        self.bmc_guid = r.bmc_guid;
                    }
                }
            }
            _ => {}
        }
    }

    /// SIK, K1 and K2 from `key` (Kg, or the password), once RAKP 2 was seen.
    pub fn keys(&self, key: &[u8]) -> Option<(CipherSuite, SessionKeys)> {
        let suite = self.suite?;
        let p = RakpParams {
            console_session_id: self.console_session_id?,
            bmc_session_id: self.bmc_session_id?,
            console_random: self.console_random?,
            bmc_random: self.bmc_random?,
            bmc_guid: self.bmc_guid,
            role: self.role,
            username: &self.username,
        };
        Some((suite, derive_keys(suite.auth, key, &p)))
    }

    /// The packet protection of the session, once RAKP 2 was seen.
    pub fn crypto(&self, key: &[u8]) -> Option<SessionCrypto> {
        let (suite, keys) = self.keys(key)?;
        SessionCrypto::try_new(suite, &keys).ok()
    }
}

/// What a client snapshot waits for: the rqSeq, NetFn and command of the
/// IPMI message that answers it, when it waits for one.
#[derive(Clone, Copy, Debug)]
struct Awaited {
    rq_seq: u8,
    netfn: NetFn,
    cmd: u8,
}

/// A client session frozen at one point, with what answers it.
struct Snapshot {
    session: Session,
    /// The request whose answer is pending, for the matching oracle.
    request: Option<Request>,
    awaited: Option<Awaited>,
    /// The inner request of a bridged request (answered separately).
    inner: Option<Awaited>,
    /// The genuine answer the BMC gave (a seed).
    genuine: Vec<u8>,
}

/// Everything built once per cipher suite.
struct World {
    t0: Instant,
    suite: CipherSuite,
    keys: SessionKeys,
    crypto: SessionCrypto,
    console_id: u32,
    bmc_id: u32,
    /// Client snapshots before each handshake answer: capabilities, Open
    /// Session, RAKP 2, RAKP 4, Set Session Privilege Level.
    handshake: Vec<Snapshot>,
    /// Active sessions with a request pending: Get Device ID, a bridged
    /// Get Device ID, a raw request with data.
    pending: Vec<Snapshot>,
    /// The responder with console A active, B waiting for RAKP 1 and C for RAKP 3.
    responder: Responder<SimulatedBmc>,
    /// Session IDs on the responder: A, B, C.
    bmc_ids: [u32; 3],
    /// Console A's datagrams to the BMC during its handshake (seeds).
    console_datagrams: Vec<Vec<u8>>,
}

fn server_config() -> ServerConfig {
    ServerConfig::new()
        .user(User::new(USER, PASSWORD, PrivilegeLevel::Administrator))
        .user(User::new("op", "oppw", PrivilegeLevel::Operator))
        .cipher_suites(SUITES)
}

fn client_config(suite: u8) -> ClientConfig {
    ClientConfig::new(USER, PASSWORD)
        .cipher_suite(suite)
        .allow_insecure(true)
}

/// The rqSeq, NetFn and command of the IPMI message in a client datagram.
fn request_of(datagram: &[u8], crypto: Option<&SessionCrypto>) -> Option<Awaited> {
    let message = match classify(datagram).ok()? {
        Datagram::V15(s) => s.payload.to_vec(),
        Datagram::V20 { .. } => crypto?.unprotect(datagram).ok()?.payload,
        Datagram::Asf(_) => return None,
    };
    let m = LanMessage::parse(&message).ok()?;
    Some(Awaited {
        rq_seq: m.seq,
        netfn: m.netfn,
        cmd: m.cmd,
    })
}

/// Runs one client's handshake against `bmc` for `steps` request/answer
/// pairs, at `t0`, without loss; returns the snapshots taken before each
/// answer and the client's datagrams.
fn handshake_steps(
    s: &mut Session,
    bmc: &mut Responder<SimulatedBmc>,
    t0: Instant,
    from: SocketAddr,
    steps: usize,
    tap: &mut KeyTap,
) -> (Vec<Snapshot>, Vec<Vec<u8>>) {
    let mut snaps = Vec::new();
    let mut sent = Vec::new();
    for _ in 0..steps {
        let d = s
            .poll_transmit()
            .expect("the client sends one datagram per step");
        tap.observe(true, &d);
        let crypto = tap.crypto(PASSWORD);
        let awaited = request_of(&d, crypto.as_ref());
        bmc.handle_datagram(t0, from, &d);
        let reply = bmc
            .poll_transmit()
            .expect("the BMC answers every step")
            .datagram;
        while bmc.poll_event().is_some() {}
        tap.observe(false, &reply);
        snaps.push(Snapshot {
            session: s.fork(),
            request: None,
            awaited,
            inner: None,
            genuine: reply.clone(),
        });
        sent.push(d);
        s.handle_datagram(t0, &reply);
    }
    (snaps, sent)
}

fn build_world(suite_id: u8) -> World {
    let t0 = Instant::now();
    let deadline = Deadline::after(t0, DEADLINE);
    let mut bmc = Responder::new(server_config(), SimulatedBmc::default(), [0xB0; 32])
        .expect("valid harness configuration");
    let mut s = Session::new(client_config(suite_id), [0xC0; 32]);
    s.connect(t0, deadline).expect("valid client configuration");
    let mut tap = KeyTap::default();
    let (handshake, console_datagrams) =
        handshake_steps(&mut s, &mut bmc, t0, console_a(), 5, &mut tap);
    match s.poll_event() {
        Some(Event::Connected { .. }) => {}
        other => panic!("harness handshake, suite {suite_id}: {other:?}"),
    }
    let (suite, keys) = tap.keys(PASSWORD).expect("handshake seen");
    let crypto = SessionCrypto::try_new(suite, &keys).expect("supported suite");
    let console_id = tap.console_session_id.expect("seen");
    let bmc_id = tap.bmc_session_id.expect("seen");

    let requests = [
        GetDeviceId.request(),
        GetDeviceId.request_to(Target::ipmb(0, 0x30)),
        Raw {
            netfn: NetFn::APP,
            cmd: 0x54,
            data: vec![0x0e, 0x00, 0x80],
        }
        .request(),
    ];
    let mut pending = Vec::new();
    for request in requests {
        let mut p = s.fork();
        p.request(t0, &request, deadline).expect("session active");
        let d = p.poll_transmit().expect("request sent");
        let awaited = request_of(&d, Some(&crypto));
        let mut b = bmc.fork();
        b.handle_datagram(t0, console_a(), &d);
        let genuine = b.poll_transmit().map(|t| t.datagram).unwrap_or_default();
        let inner = (!request.target.is_bmc()).then(|| Awaited {
            rq_seq: awaited.map_or(0, |a| a.rq_seq),
            netfn: request.netfn.response(),
            cmd: request.cmd,
        });
        pending.push(Snapshot {
            session: p,
            request: Some(request),
            awaited,
            inner,
            genuine,
        });
    }

    // Console B stops after Open Session, console C after RAKP 1.
    let mut ids = [bmc_id, 0, 0];
    for (i, (from, steps)) in [(console_b(), 2), (console_c(), 3)].into_iter().enumerate() {
        let mut other = Session::new(client_config(suite_id), [0xC1 + i as u8; 32]);
        other
            .connect(t0, deadline)
            .expect("valid client configuration");
        let mut t = KeyTap::default();
        let _ = handshake_steps(&mut other, &mut bmc, t0, from, steps, &mut t);
        ids[i + 1] = t.bmc_session_id.unwrap_or(0);
    }
    World {
        t0,
        suite,
        keys,
        crypto,
        console_id,
        bmc_id,
        handshake,
        pending,
        responder: bmc,
        bmc_ids: ids,
        console_datagrams,
    }
}

static WORLDS: OnceLock<Vec<World>> = OnceLock::new();

fn world(selector: u8) -> &'static World {
    let worlds = WORLDS.get_or_init(|| SUITES.iter().map(|&id| build_world(id)).collect());
    &worlds[usize::from(selector) % worlds.len()]
}

/// Splits `kind, len lo, len hi, body...` records; a length past the end
/// takes the rest.
struct Records<'a>(&'a [u8]);

impl<'a> Iterator for Records<'a> {
    type Item = (u8, &'a [u8]);

    fn next(&mut self) -> Option<(u8, &'a [u8])> {
        let (&kind, rest) = self.0.split_first()?;
        let (len, rest) = match rest {
            [lo, hi, rest @ ..] => (usize::from(u16::from_le_bytes([*lo, *hi])), rest),
            _ => (rest.len(), &[][..]),
        };
        let (body, rest) = rest.split_at(len.min(rest.len()));
        self.0 = rest;
        Some((kind, body))
    }
}

/// Appends one record to `out` (the format [`Records`] reads).
fn record(out: &mut Vec<u8>, kind: u8, body: &[u8]) {
    let len = u16::try_from(body.len()).unwrap_or(u16::MAX);
    out.push(kind);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&body[..usize::from(len)]);
}

fn le32_at(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes(core::array::from_fn(|i| {
        b.get(off + i).copied().unwrap_or(0)
    }))
}

/// A datagram with `body` protected by `crypto`: payload type, session ID
/// and sequence number as given, a fixed IV (IPMI 2.0 §13.6).
fn seal(
    crypto: &SessionCrypto,
    ty: PayloadType,
    session_id: u32,
    seq: u32,
    body: &[u8],
) -> Vec<u8> {
    let body = &body[..body.len().min(MAX_MESSAGE)];
    let mut out = Vec::with_capacity(body.len() + 64);
    crypto.protect(ty, session_id, seq, body, &[0x5A; 16], &mut out);
    out
}

/// A datagram around arbitrary payload bytes with a valid AuthCode over a
/// trailer of the fuzzer's making: `spec` = flags (bit 7 encrypted, bit 6
/// authenticated, bits 5:0 payload type), sequence (4), pad count (1), pad
/// byte (1), pad length byte (1), next header (1), then the payload. So
/// the integrity check passes and what is behind it (trailer layout,
/// decryption, confidentiality pad) gets the bytes (IPMI 2.0 §13.6, §13.28).
fn forge(keys: &SessionKeys, suite: CipherSuite, session_id: u32, spec: &[u8]) -> Vec<u8> {
    let flags = spec.first().copied().unwrap_or(0xC0);
    let seq = le32_at(spec, 1);
    let pad_count = usize::from(spec.get(5).copied().unwrap_or(0) % 8);
    let pad_byte = spec.get(6).copied().unwrap_or(INTEGRITY_PAD_BYTE);
    let pad_len = spec.get(7).copied().unwrap_or(pad_count as u8);
    let next = spec.get(8).copied().unwrap_or(NEXT_HEADER);
    let payload = spec.get(9..).unwrap_or(&[]);
    let payload = &payload[..payload.len().min(MAX_MESSAGE)];
    let mut out = Vec::with_capacity(payload.len() + 64);
    RmcpHeader::ipmi().emit(&mut out);
    out.extend_from_slice(&[SessionV20Header::AUTH_TYPE, flags]);
    out.extend_from_slice(&session_id.to_le_bytes());
    out.extend_from_slice(&seq.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u16).to_le_bytes());
    out.extend_from_slice(payload);
    if flags & 0x40 != 0 {
        out.resize(out.len() + pad_count, pad_byte);
        out.extend_from_slice(&[pad_len, next]);
        let code = integrity::auth_code(suite.integrity, &keys.k1, &out[RmcpHeader::LEN..]);
        out.extend_from_slice(&code);
    }
    out
}

/// An IPMI response message built from `spec` = flags, rqSeq, NetFn,
/// command, completion code, data: flags bit 0 takes the awaited rqSeq,
/// bit 1 the awaited NetFn and command (bit 2: those of the bridged
/// request inside), instead of the spec's bytes (IPMI 2.0 §13.8).
fn response_message(spec: &[u8], awaited: Option<Awaited>, inner: Option<Awaited>) -> Vec<u8> {
    let [flags, rq_seq, netfn, cmd, cc, data @ ..] = spec else {
        return spec.to_vec();
    };
    let a = if flags & 4 != 0 {
        inner.or(awaited)
    } else {
        awaited
    };
    let (mut seq, mut nf, mut c) = (*rq_seq, NetFn(netfn & 0x3f), *cmd);
    if let Some(a) = a {
        if flags & 1 != 0 {
            seq = a.rq_seq;
        }
        if flags & 2 != 0 {
            (nf, c) = (a.netfn.response(), a.cmd);
        }
    }
    let mut body = vec![*cc];
    body.extend_from_slice(&data[..data.len().min(MAX_MESSAGE)]);
    let mut out = Vec::new();
    LanMessage {
        dst_addr: REMOTE_CONSOLE_SWID,
        netfn: nf,
        dst_lun: flags >> 6,
        src_addr: 0x20,
        seq,
        src_lun: 0,
        cmd: c,
        body: &body,
    }
    .emit(&mut out);
    out
}

/// Polls the client until it waits, checking that it never loops, never
/// reports more than one outcome per operation, and that any answer is
/// for the pending request.
fn drain_client(s: &mut Session, now: Instant, request: Option<&Request>, done: &mut u32) {
    for _ in 0..64 {
        match s.poll(now) {
            Action::Transmit(d) => assert!(!d.is_empty(), "empty datagram"),
            Action::Done(result) => {
                *done += 1;
                assert!(*done <= 1, "two outcomes for one operation");
                match result {
                    Ok(Event::Response(r)) => {
                        let req = request.expect("a response without a request");
                        assert!(
                            r.netfn == req.netfn.response() && r.cmd == req.cmd,
                            "an answer for another request: {r:?} for {req:?}"
                        );
                    }
                    Ok(_) => {}
                    Err(e) => {
                        let _ = (e.to_string(), e.stage(), e.class());
                    }
                }
            }
            Action::WaitUntil(t) => {
                assert!(t > now, "asks to wait until the past");
                return;
            }
            Action::Idle => return,
        }
    }
    panic!("the session never stops asking to act");
}

/// Feeds the records of `data` to `snap`'s session (a fresh copy):
/// kind 0 a raw datagram; 1 a pre-session RMCP+ payload (first body byte
/// the payload type); 2 an IPMI 1.5 session-less message; 3 a step of
/// time (body byte × 8 ms); 4 an IPMI response built by
/// [`response_message`], sent the way the phase expects; 5 a message
/// protected with the session keys (payload type, session ID choice,
/// sequence, message); 6 a forged datagram (see [`forge`]). Then time
/// runs past the deadline: the operation must have ended.
fn run_client(w: &World, snap: &Snapshot, data: &[u8]) {
    let mut s = snap.session.fork();
    let mut now = w.t0;
    let mut done = 0;
    let request = snap.request.as_ref();
    let mut fresh_seq = 2u32;
    drain_client(&mut s, now, request, &mut done);
    for (kind, body) in Records(data).take(MAX_RECORDS) {
        let datagram = match kind % 7 {
            0 => body.to_vec(),
            1 => {
                let (ty, payload) = body.split_first().unwrap_or((&0x11, &[]));
                let mut d = Vec::new();
                packet::emit_presession(PayloadType::from_u8(*ty), payload, &mut d);
                d
            }
            2 => {
                let mut d = Vec::new();
                packet::emit_v15_presession(&body[..body.len().min(255)], &mut d);
                d
            }
            3 => {
                now += Duration::from_millis(8 * u64::from(body.first().copied().unwrap_or(1)));
                s.handle_timeout(now);
                drain_client(&mut s, now, request, &mut done);
                continue;
            }
            4 => {
                let m = response_message(body, snap.awaited, snap.inner);
                if s.is_active() {
                    fresh_seq += 1;
                    seal(&w.crypto, PayloadType::Ipmi, w.console_id, fresh_seq, &m)
                } else {
                    let mut d = Vec::new();
                    packet::emit_v15_presession(&m[..m.len().min(255)], &mut d);
                    d
                }
            }
            5 => {
                let ty = PayloadType::from_u8(body.first().copied().unwrap_or(0));
                let sid = match body.get(1).copied().unwrap_or(0) % 4 {
                    0 => w.console_id,
                    1 => w.bmc_id,
                    2 => 0,
                    _ => le32_at(body, 6),
                };
                let seq = le32_at(body, 2);
                seal(&w.crypto, ty, sid, seq, body.get(6..).unwrap_or(&[]))
            }
            _ => forge(&w.keys, w.suite, w.console_id, body),
        };
        s.handle_datagram(now, &datagram);
        drain_client(&mut s, now, request, &mut done);
    }
    let end = w.t0 + DEADLINE + Duration::from_secs(1);
    drain_client(&mut s, end, request, &mut done);
    assert!(
        !s.is_busy(),
        "an operation outlived its deadline: {:?}",
        s.stats()
    );
}

/// The client's receive path during the handshake: `data[0]` picks the
/// cipher suite, `data[1]` the phase (waiting for the capabilities, the
/// Open Session Response, RAKP 2, RAKP 4, or the Set Session Privilege
/// Level answer), then records (see `run_client`).
pub fn client_handshake(data: &[u8]) {
    let [suite, phase, rest @ ..] = data else {
        return;
    };
    let w = world(*suite);
    let snap = &w.handshake[usize::from(*phase) % w.handshake.len()];
    run_client(w, snap, rest);
}

/// The client's receive path in an active session with known keys:
/// `data[0]` picks the cipher suite, `data[1]` the pending request (Get
/// Device ID, bridged Get Device ID, raw), then records (see
/// `run_client`): verification, decryption, unpadding, framing, replay
/// window and request matching.
pub fn client_session(data: &[u8]) {
    let [suite, which, rest @ ..] = data else {
        return;
    };
    let w = world(*suite);
    let snap = &w.pending[usize::from(*which) % w.pending.len()];
    run_client(w, snap, rest);
}

/// Drains the responder, checking that what it sends is well formed and,
/// for console A's session, protected with its keys around an IPMI message.
fn drain_responder(w: &World, r: &mut Responder<SimulatedBmc>) {
    for _ in 0..256 {
        let Some(t) = r.poll_transmit() else {
            break;
        };
        let d = &t.datagram;
        match classify(d).expect("the responder sends well-formed datagrams") {
            Datagram::V20 { header, .. } if header.session_id == w.console_id => {
                assert_eq!(t.destination, console_a());
                let u = w
                    .crypto
                    .unprotect(d)
                    .expect("console A's datagrams carry its keys");
                LanMessage::parse(&u.payload).expect("an IPMI message with good checksums");
            }
            _ => {}
        }
    }
    while let Some(e) = r.poll_event() {
        let _ = e.to_string();
    }
    let _ = (r.sessions(), r.active_sessions(), r.poll_timeout());
}

/// A request message from `spec` = rqSeq, NetFn, command, LUNs, data (IPMI 2.0 §13.8).
fn request_message(spec: &[u8]) -> Vec<u8> {
    let [seq, netfn, cmd, luns, data @ ..] = spec else {
        return spec.to_vec();
    };
    let mut out = Vec::new();
    LanMessage {
        dst_addr: 0x20,
        netfn: NetFn(netfn & 0x3f),
        dst_lun: luns & 3,
        src_addr: REMOTE_CONSOLE_SWID,
        seq: seq & 0x3f,
        src_lun: (luns >> 2) & 3,
        cmd: *cmd,
        body: &data[..data.len().min(MAX_MESSAGE)],
    }
    .emit(&mut out);
    out
}

/// Feeds records to a copy of the suite's responder: kind 0 a raw
/// datagram (first body byte picks the sender); 1 a pre-session RMCP+
/// payload (sender, payload type, payload); 2 a session-less IPMI 1.5
/// request (sender, then [`request_message`]'s spec); 3 a step of time
/// (body byte × 64 ms); 4 a request from console A protected with its
/// keys and the next sequence number; 5 a message protected with A's keys
/// (payload type, session choice, sequence, message); 6 a forged datagram
/// to A's session (see [`forge`]).
fn run_responder(w: &World, data: &[u8]) {
    let mut r = w.responder.fork();
    let mut now = w.t0;
    let mut seq = 1u32;
    let senders = [console_a(), console_b(), console_c(), stranger()];
    for (kind, body) in Records(data).take(MAX_RECORDS) {
        let from = senders[usize::from(body.first().copied().unwrap_or(0)) % senders.len()];
        let rest = body.get(1..).unwrap_or(&[]);
        let (from, datagram) = match kind % 7 {
            0 => (from, rest.to_vec()),
            1 => {
                let (ty, payload) = rest.split_first().unwrap_or((&0x10, &[]));
                let mut d = Vec::new();
                packet::emit_presession(PayloadType::from_u8(*ty), payload, &mut d);
                (from, d)
            }
            2 => {
                let m = request_message(rest);
                let mut d = Vec::new();
                packet::emit_v15_presession(&m[..m.len().min(255)], &mut d);
                (from, d)
            }
            3 => {
                now += Duration::from_millis(64 * u64::from(body.first().copied().unwrap_or(1)));
                r.handle_timeout(now);
                drain_responder(w, &mut r);
                continue;
            }
            4 => {
                seq += 1;
                let m = request_message(body);
                (
                    console_a(),
                    seal(&w.crypto, PayloadType::Ipmi, w.bmc_id, seq, &m),
                )
            }
            5 => {
                let ty = PayloadType::from_u8(rest.first().copied().unwrap_or(0));
                let sid = w.bmc_ids[usize::from(rest.get(1).copied().unwrap_or(0)) % 3];
                let s = le32_at(rest, 2);
                (
                    from,
                    seal(&w.crypto, ty, sid, s, rest.get(6..).unwrap_or(&[])),
                )
            }
            _ => (from, forge(&w.keys, w.suite, w.bmc_id, rest)),
        };
        r.handle_datagram(now, from, &datagram);
        drain_responder(w, &mut r);
    }
    // Time passes: every session, live or lingering, goes.
    let end = now + Duration::from_secs(3600);
    r.handle_timeout(end);
    drain_responder(w, &mut r);
    assert!(r.sessions().is_empty(), "sessions outlived every timeout");
}

/// The responder's receive path before sessions: `data[0]` picks the
/// cipher suite of console A (whose session is active; B waits for RAKP 1,
/// C for RAKP 3), then records (see `run_responder`); Open Session, RAKP
/// 1 and 3 for the half-open sessions, the channel commands, ASF ping.
pub fn responder_presession(data: &[u8]) {
    let [suite, rest @ ..] = data else {
        return;
    };
    run_responder(world(*suite), rest);
}

/// The responder's receive path inside console A's session with known
/// keys: `data[0]` picks the suite, then records (see `run_responder`):
/// verification, decryption, sequence window, answer cache, privileges,
/// Close Session, the handler.
pub fn responder_session(data: &[u8]) {
    let [suite, rest @ ..] = data else {
        return;
    };
    run_responder(world(*suite), rest);
}

// ----- seeds ------------------------------------------------------------------

/// Seed inputs for the structured targets, built from the harness's own
/// genuine exchanges: `(target, input)` pairs. (The parser targets are
/// seeded from the captures in `tests/data`.)
pub fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    let mut out = Vec::new();
    for (i, _) in SUITES.iter().enumerate() {
        let sel = i as u8;
        let w = world(sel);
        for (phase, snap) in w.handshake.iter().enumerate() {
            let mut input = vec![sel, phase as u8];
            record(&mut input, 0, &snap.genuine);
            out.push(("client_handshake", input));
            let mut input = vec![sel, phase as u8];
            record(&mut input, 4, &[3, 0, 0, 0, 0xc1]);
            record(&mut input, 3, &[200]);
            out.push(("client_handshake", input));
        }
        for (which, snap) in w.pending.iter().enumerate() {
            let mut input = vec![sel, which as u8];
            record(&mut input, 0, &snap.genuine);
            out.push(("client_session", input));
            for spec in [
                &[3u8, 0, 0, 0, 0x00, 0x20, 0x01, 0x00][..],
                &[7, 0, 0, 0, 0x00, 0x20, 0x81, 0x02, 0x00, 0x02, 0x00][..],
                &[3, 0, 0, 0, 0x00][..],
                &[1, 0, 0x07, 0x34, 0x00][..],
                &[3, 0, 0, 0, 0xcf][..],
            ] {
                let mut input = vec![sel, which as u8];
                record(&mut input, 4, spec);
                record(&mut input, 4, spec);
                out.push(("client_session", input));
            }
            let mut input = vec![sel, which as u8];
            record(
                &mut input,
                6,
                &[0xC0, 9, 0, 0, 0, 2, 0xff, 2, 7, 1, 2, 3, 4],
            );
            out.push(("client_session", input));
        }
        for (n, d) in w.console_datagrams.iter().enumerate() {
            let mut body = vec![0];
            body.extend_from_slice(d);
            let mut input = vec![sel];
            record(&mut input, 0, &body);
            out.push((
                if n < 3 {
                    "responder_presession"
                } else {
                    "responder_session"
                },
                input,
            ));
        }
        let mut input = vec![sel];
        record(&mut input, 2, &[1, 1, 0x06, 0x38, 0, 0x8e, 0x04]);
        record(&mut input, 2, &[1, 2, 0x06, 0x54, 0, 0x0e, 0x00, 0x80]);
        record(
            &mut input,
            0,
            &[3, 0x06, 0, 0xff, 0x06, 0, 0, 0x11, 0xbe, 0x80, 0, 0, 0],
        );
        out.push(("responder_presession", input));
        let mut input = vec![sel];
        for spec in [
            &[2u8, 0x06, 0x01, 0][..],
            &[3, 0x00, 0x01, 0][..],
            &[4, 0x00, 0x02, 0, 0x01][..],
            &[5, 0x06, 0x3b, 0, 0x03][..],
            &[6, 0x06, 0x42, 0, 0x0e][..],
            &[7, 0x06, 0x37, 0][..],
            &[8, 0x06, 0x3c, 0, 0, 0, 0, 0][..],
        ] {
            record(&mut input, 4, spec);
        }
        out.push(("responder_session", input));
        let mut input = vec![sel];
        let mut close = vec![9, 0x06, 0x3c, 0];
        close.extend_from_slice(&w.bmc_id.to_le_bytes());
        record(&mut input, 4, &close);
        record(&mut input, 4, &close);
        record(&mut input, 3, &[255]);
        out.push(("responder_session", input));
    }
    out
}
