//! A malicious BMC: a UDP server that runs the real responder for what
//! must be right and mangles its answers before they leave: truncated
//! datagrams, length fields past the end, bad integrity or confidentiality
//! pads under a valid AuthCode, wrong session IDs, replayed and
//! out-of-window sequence numbers, a RAKP 2 made with another password (a
//! spoofed BMC), a wrong RAKP 4 check, downgraded algorithms, oversized
//! and stale answers. Every case ends in a clear error of the right class
//! (what the CLI turns into exit 1 for `Bmc`/`Protocol` and exit 3 for
//! `Timeout`), or the bad datagram is dropped and the operation times out
//! at its deadline, never later, never with a panic or a wrong answer.
//!
//! The mangler learns the session keys from the handshake it relays (it
//! knows the password, like a compromised BMC would), so it can forge
//! datagrams that pass the integrity check and reach the code behind it.

use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ipmi_core::cmd::{GetChassisStatus, GetDeviceId, Raw};
use ipmi_core::wire::lan_message::LanMessage;
use ipmi_core::{
    CommandError, CompletionCode, Deadline, ErrorClass, Failure, NetFn, PrivilegeLevel, Target,
    Transport,
};
use ipmi_lanplus::crypto::integrity;
use ipmi_lanplus::crypto::rakp::SessionKeys;
use ipmi_lanplus::crypto::suite::CipherSuite;
use ipmi_lanplus::fuzzing::KeyTap;
use ipmi_lanplus::packet::{self, classify, Datagram, SessionCrypto, Unprotected};
use ipmi_lanplus::server::cipher_suites::{self, CipherSuitesRequest};
use ipmi_lanplus::server::{Quirks, Responder, ServerConfig, SessionState, SimulatedBmc, User};
use ipmi_lanplus::wire::open_session::OpenSessionResponse;
use ipmi_lanplus::wire::rakp::{Rakp2, Rakp3, Rakp4};
use ipmi_lanplus::wire::session_v15::SessionV15;
use ipmi_lanplus::wire::session_v20::PayloadType;
use ipmi_lanplus::{Client, ClientConfig, Error, Stage};

const PASSWORD: &str = "secret";
/// Deadline of an operation that is expected to time out.
const SHORT: Duration = Duration::from_millis(500);
/// How late past its deadline an operation may return: it wakes at its
/// deadline, so the expected overshoot is a scheduling delay of a few ms;
/// 300 ms is more than 30 times that, for a loaded machine.
const SLACK: Duration = Duration::from_millis(300);

// ----- the mangling BMC --------------------------------------------------------

/// What a mutation knows and can do: the session's keys (learnt from the
/// relayed handshake), counters, and its own sequence numbers (every
/// in-session answer is re-protected with them, so forged ones never
/// collide with genuine ones).
struct Mangler {
    tap: KeyTap,
    /// The BMC's Kg if it has one, else the password: what keys derive from.
    password: Vec<u8>,
    /// Answers that went out before this one: pre-session, in-session.
    presession: usize,
    in_session: usize,
    /// The last sequence number used towards the console.
    seq: u32,
    /// Anything a mutation wants to keep from one answer to the next.
    held: Option<Vec<u8>>,
}

impl Mangler {
    fn keys(&self) -> (CipherSuite, SessionKeys) {
        self.tap.keys(&self.password).expect("handshake seen")
    }

    fn crypto(&self) -> SessionCrypto {
        self.tap.crypto(&self.password).expect("handshake seen")
    }

    fn console_id(&self) -> u32 {
        self.tap.console_session_id.expect("handshake seen")
    }

    /// Header and plaintext of an in-session answer.
    fn open(&self, d: &[u8]) -> Unprotected {
        self.crypto()
            .unprotect(d)
            .expect("an answer of the session")
    }

    /// `msg` protected as an answer in the session, with `session_id` and `seq`.
    fn seal_with(&self, session_id: u32, seq: u32, msg: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let iv = [seq as u8; 16];
        self.crypto()
            .protect(PayloadType::Ipmi, session_id, seq, msg, &iv, &mut out);
        out
    }

    /// `msg` protected as the next answer in the session.
    fn seal(&mut self, msg: &[u8]) -> Vec<u8> {
        self.seq += 1;
        self.seal_with(self.console_id(), self.seq, msg)
    }

    /// Recomputes the AuthCode of `d` after a change it covers.
    fn remac(&self, d: &mut [u8]) {
        let (suite, keys) = self.keys();
        let n = suite.integrity.auth_code_len();
        let end = d.len() - n;
        let code = integrity::auth_code(suite.integrity, &keys.k1, &d[4..end]);
        d[end..].copy_from_slice(&code);
    }
}

type Mutate = Box<dyn FnMut(&mut Mangler, Vec<u8>) -> Vec<Vec<u8>> + Send>;
/// Decides whether a datagram from the client reaches the responder.
type Admit = Box<dyn FnMut(&[u8]) -> bool + Send>;

/// Passes everything through.
fn honest() -> Mutate {
    Box::new(|_, d| vec![d])
}

struct Shared {
    responder: Responder<SimulatedBmc>,
    from_client: Vec<Vec<u8>>,
}

/// The malicious BMC: a socket on 127.0.0.1, a responder, a mutation.
struct Mitm {
    addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

fn server(password: &str) -> ServerConfig {
    ServerConfig::new()
        .user(User::new("admin", password, PrivilegeLevel::Administrator).session_limit(4))
        .cipher_suites([1, 2, 3, 17])
}

impl Mitm {
    /// A BMC whose admin password is `password` (the client uses PASSWORD).
    fn start(password: &str, mutate: Mutate) -> Mitm {
        Self::start_with(server(password), Box::new(|_| true), mutate)
    }

    /// A BMC serving `config`, seeing only what `admit` lets through.
    fn start_with(config: ServerConfig, mut admit: Admit, mut mutate: Mutate) -> Mitm {
        let key = match config.nonzero_kg() {
            Some(kg) => kg.to_vec(),
            None => config.users[0].password.to_vec(),
        };
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket
            .set_read_timeout(Some(Duration::from_millis(2)))
            .unwrap();
        let addr = socket.local_addr().unwrap();
        let responder = Responder::new(config, SimulatedBmc::default(), [0x5E; 32]).unwrap();
        let shared = Arc::new(Mutex::new(Shared {
            responder,
            from_client: Vec::new(),
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let (sh, st) = (shared.clone(), stop.clone());
        let mut m = Mangler {
            tap: KeyTap::default(),
            password: key,
            presession: 0,
            in_session: 0,
            seq: 0,
            held: None,
        };
        let thread = std::thread::spawn(move || {
            let mut buf = vec![0u8; 70000];
            while !st.load(Ordering::Relaxed) {
                let outs = match socket.recv_from(&mut buf) {
                    Ok((n, from)) => {
                        let d = buf[..n].to_vec();
                        if !admit(&d) {
                            continue;
                        }
                        m.tap.observe(true, &d);
                        let mut s = sh.lock().unwrap();
                        s.from_client.push(d.clone());
                        s.responder.handle_datagram(Instant::now(), from, &d);
                        let mut outs = Vec::new();
                        while let Some(t) = s.responder.poll_transmit() {
                            outs.push(t);
                        }
                        while s.responder.poll_event().is_some() {}
                        outs
                    }
                    Err(_) => {
                        let mut s = sh.lock().unwrap();
                        let now = Instant::now();
                        if s.responder.poll_timeout().is_some_and(|t| t <= now) {
                            s.responder.handle_timeout(now);
                        }
                        continue;
                    }
                };
                for t in outs {
                    let mut d = t.datagram;
                    m.tap.observe(false, &d);
                    let in_session = in_session(&d);
                    if in_session {
                        // Re-protect with the mangler's own numbering.
                        let u = m.open(&d);
                        d = m.seal(&u.payload);
                    }
                    for out in mutate(&mut m, d) {
                        let _ = socket.send_to(&out, t.destination);
                    }
                    if in_session {
                        m.in_session += 1;
                    } else {
                        m.presession += 1;
                    }
                }
            }
        });
        Mitm {
            addr,
            shared,
            stop,
            thread: Some(thread),
        }
    }

    /// Every datagram the client sent.
    fn client_datagrams(&self) -> Vec<Vec<u8>> {
        self.shared.lock().unwrap().from_client.clone()
    }

    /// Sessions the responder still holds a slot for (not closed).
    fn live_sessions(&self) -> Vec<SessionState> {
        let s = self.shared.lock().unwrap();
        s.responder
            .sessions()
            .into_iter()
            .map(|i| i.state)
            .filter(|st| *st != SessionState::Closed)
            .collect()
    }

    /// Waits (bounded) until the responder holds no live session.
    fn wait_no_live_session(&self) -> Vec<SessionState> {
        let t0 = Instant::now();
        loop {
            let live = self.live_sessions();
            if live.is_empty() || t0.elapsed() > Duration::from_secs(2) {
                return live;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for Mitm {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn is_v15(d: &[u8]) -> bool {
    matches!(classify(d), Ok(Datagram::V15(_)))
}

fn in_session(d: &[u8]) -> bool {
    matches!(classify(d), Ok(Datagram::V20 { header, .. }) if header.session_id != 0)
}

/// The payload type of a pre-session RMCP+ datagram.
fn presession_type(d: &[u8]) -> Option<PayloadType> {
    match classify(d) {
        Ok(Datagram::V20 { header, .. }) if header.session_id == 0 => Some(header.payload_type),
        _ => None,
    }
}

/// `d` (pre-session RMCP+) with its payload changed by `f`, re-framed.
fn repayload(d: &[u8], f: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let Ok(Datagram::V20 { header, payload }) = classify(d) else {
        panic!("not RMCP+")
    };
    let mut p = payload.to_vec();
    f(&mut p);
    let mut out = Vec::new();
    packet::emit_presession(header.payload_type, &p, &mut out);
    out
}

/// Applies `f` to the answers of type `ty` only.
fn on_presession(
    ty: PayloadType,
    mut f: impl FnMut(&mut Mangler, Vec<u8>) -> Vec<Vec<u8>> + Send + 'static,
) -> Mutate {
    Box::new(move |m, d| {
        if presession_type(&d) == Some(ty) {
            f(m, d)
        } else {
            vec![d]
        }
    })
}

/// Applies `f` to in-session answers after the first (Set Session
/// Privilege Level's): the answers to commands.
fn on_commands(
    mut f: impl FnMut(&mut Mangler, Vec<u8>) -> Vec<Vec<u8>> + Send + 'static,
) -> Mutate {
    Box::new(move |m, d| {
        if in_session(&d) && m.in_session >= 1 {
            f(m, d)
        } else {
            vec![d]
        }
    })
}

// ----- the client side ---------------------------------------------------------

fn client(suite: u8) -> ClientConfig {
    ClientConfig::new("admin", PASSWORD)
        .cipher_suite(suite)
        .retries(Duration::from_millis(50), 30)
        .timeout(SHORT)
}

/// Connects within `SHORT`; checks it returned by its deadline.
fn connect(m: &Mitm, suite: u8) -> Result<Client, Error> {
    let t0 = Instant::now();
    let r = Client::connect_by(m.addr, client(suite), Deadline::after(t0, SHORT));
    assert!(
        t0.elapsed() < SHORT + SLACK,
        "connect took {:?}",
        t0.elapsed()
    );
    r
}

/// Runs Get Device ID within `SHORT`; checks it returned by its deadline.
fn device_id(c: &mut Client) -> Result<ipmi_core::cmd::DeviceId, Error> {
    let t0 = Instant::now();
    let r = c.execute_by(&GetDeviceId, Deadline::after(t0, SHORT));
    assert!(
        t0.elapsed() < SHORT + SLACK,
        "request took {:?}",
        t0.elapsed()
    );
    r
}

/// The error, checked against its class (and so the CLI's exit code).
fn failed<T: std::fmt::Debug>(r: Result<T, Error>, class: ErrorClass) -> Error {
    let e = r.expect_err("must fail");
    assert_eq!(e.class(), class, "{e}");
    assert!(!e.to_string().is_empty());
    e
}

/// A timeout of `stage`: the bad answers were dropped.
fn timed_out<T: std::fmt::Debug>(r: Result<T, Error>, stage: Stage) {
    match failed(r, ErrorClass::Timeout) {
        Error::Timeout { stage: s, tries } => {
            assert_eq!(s, stage);
            assert!(tries > 1, "it kept trying");
        }
        other => panic!("{other:?}"),
    }
}

const GET_DEVICE_ID: Stage = Stage::Request {
    netfn: NetFn::APP,
    cmd: 0x01,
};

/// Connects, then Get Device ID must time out with the answers dropped
/// for `reason`.
fn command_answers_dropped(suite: u8, mutate: Mutate, reason: &str) {
    let m = Mitm::start(PASSWORD, mutate);
    let mut c = connect(&m, suite).expect("the handshake is left alone");
    timed_out(device_id(&mut c), GET_DEVICE_ID);
    let stats = c.session().stats();
    assert!(stats.dropped > 1, "{stats:?}");
    assert_eq!(stats.last_drop, Some(reason), "{stats:?}");
}

// ----- handshake ---------------------------------------------------------------

#[test]
fn honest_bmc_works() {
    for suite in [1, 2, 3, 17] {
        let m = Mitm::start(PASSWORD, honest());
        let mut c = connect(&m, suite).unwrap();
        assert_eq!(device_id(&mut c).unwrap().device_id, 0x20);
        c.close().unwrap();
        assert!(m.wait_no_live_session().is_empty());
    }
}

#[test]
fn truncated_capabilities_answer_is_dropped() {
    let m = Mitm::start(
        PASSWORD,
        Box::new(|_, d| {
            if is_v15(&d) {
                vec![d[..d.len() / 2].to_vec(), d[..d.len() - 1].to_vec()]
            } else {
                vec![d]
            }
        }),
    );
    timed_out(connect(&m, 3), Stage::ChannelAuthCapabilities);
}

#[test]
fn message_length_past_the_datagram_is_dropped() {
    // The IPMI 1.5 length byte of the capabilities answer says 40 more bytes.
    let m = Mitm::start(
        PASSWORD,
        Box::new(|_, mut d| {
            if is_v15(&d) {
                let s = SessionV15::parse(&d[4..]).unwrap();
                assert_eq!(s.auth_type, 0);
                d[13] = d[13].wrapping_add(40);
            }
            vec![d]
        }),
    );
    timed_out(connect(&m, 3), Stage::ChannelAuthCapabilities);
}

#[test]
fn rmcp_plus_payload_length_past_the_datagram_is_dropped() {
    let m = Mitm::start(
        PASSWORD,
        on_presession(PayloadType::OpenSessionResponse, |_, mut d| {
            d[14] = d[14].wrapping_add(1);
            vec![d]
        }),
    );
    timed_out(connect(&m, 17), Stage::OpenSession);
}

#[test]
fn truncated_open_session_response_is_dropped() {
    let m = Mitm::start(
        PASSWORD,
        on_presession(PayloadType::OpenSessionResponse, |_, d| {
            vec![repayload(&d, |p| p.truncate(20))]
        }),
    );
    timed_out(connect(&m, 17), Stage::OpenSession);
}

#[test]
fn downgraded_algorithms_are_refused() {
    // The BMC "accepts" suite 17 but answers with suite 0's algorithms.
    let m = Mitm::start(
        PASSWORD,
        on_presession(PayloadType::OpenSessionResponse, |_, d| {
            vec![repayload(&d, |p| {
                let mut r = OpenSessionResponse::parse(p).unwrap();
                r.auth = ipmi_lanplus::crypto::AuthAlg::None;
                r.integrity = ipmi_lanplus::crypto::IntegrityAlg::None;
                r.confidentiality = ipmi_lanplus::crypto::ConfAlg::None;
                p.clear();
                r.emit(p);
            })]
        }),
    );
    let e = failed(connect(&m, 17), ErrorClass::Protocol);
    assert!(
        matches!(e, Error::AlgorithmMismatch { got: (0, 0, 0), .. }),
        "{e:?}"
    );
    assert_eq!(e.stage(), Some(Stage::OpenSession));
}

#[test]
fn open_session_with_session_id_zero_is_refused() {
    let m = Mitm::start(
        PASSWORD,
        on_presession(PayloadType::OpenSessionResponse, |_, d| {
            vec![repayload(&d, |p| p[8..12].copy_from_slice(&[0; 4]))]
        }),
    );
    let e = failed(connect(&m, 3), ErrorClass::Bmc);
    assert!(
        matches!(e, Error::Rejected { stage: Stage::OpenSession, status } if status.0 == 0x02),
        "{e:?}"
    );
}

#[test]
fn spoofed_bmc_fails_rakp2_and_is_told_to_drop_the_session() {
    // The BMC does not know the password: its RAKP 2 code cannot verify.
    let m = Mitm::start("not-the-password", honest());
    let e = failed(connect(&m, 3), ErrorClass::Bmc);
    assert!(matches!(e, Error::Rakp2Mismatch), "{e:?}");
    assert_eq!(e.stage(), Some(Stage::Rakp2));
    // The client answered with RAKP 3 status 0x0F, and the BMC freed the slot.
    assert_eq!(m.wait_no_live_session(), vec![]);
    let rakp3: Vec<Rakp3> = m
        .client_datagrams()
        .iter()
        .filter(|d| presession_type(d) == Some(PayloadType::Rakp3))
        .map(|d| match classify(d) {
            Ok(Datagram::V20 { payload, .. }) => Rakp3::parse(payload).unwrap(),
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(rakp3.len(), 1, "{rakp3:?}");
    assert_eq!(rakp3[0].status, 0x0f);
    assert!(
        rakp3[0].key_exchange_code.is_empty(),
        "no code for a spoofer"
    );
}

#[test]
fn malformed_or_foreign_rakp2_is_dropped() {
    for (what, f) in [
        (
            "odd code length",
            Box::new(|p: &mut Vec<u8>| {
                p.pop();
            }) as Box<dyn FnOnce(&mut Vec<u8>) + Send>,
        ),
        ("another console", Box::new(|p: &mut Vec<u8>| p[4] ^= 1)),
        ("truncated", Box::new(|p: &mut Vec<u8>| p.truncate(30))),
        ("another tag", Box::new(|p: &mut Vec<u8>| p[0] ^= 0x20)),
    ] {
        let mut f = Some(f);
        let m = Mitm::start(
            PASSWORD,
            on_presession(PayloadType::Rakp2, move |_, d| match f.take() {
                Some(f) => vec![repayload(&d, f)],
                None => vec![],
            }),
        );
        let t0 = Instant::now();
        let r = connect(&m, 17);
        assert!(t0.elapsed() >= SHORT, "{what}: gave up early");
        timed_out(r, Stage::Rakp2);
    }
}

#[test]
fn rakp2_refusal_is_a_bmc_error() {
    let m = Mitm::start(
        PASSWORD,
        on_presession(PayloadType::Rakp2, |_, d| {
            vec![repayload(&d, |p| {
                let mut r = Rakp2::parse(p).unwrap();
                r.status = 0x0d;
                p.clear();
                r.emit(p);
            })]
        }),
    );
    let e = failed(connect(&m, 3), ErrorClass::Bmc);
    assert!(matches!(e, Error::Rejected { stage: Stage::Rakp2, status } if status.0 == 0x0d));
    assert!(e.to_string().contains("unauthorized name"), "{e}");
}

#[test]
fn wrong_rakp4_check_fails_and_the_bmc_frees_the_session() {
    let m = Mitm::start(
        PASSWORD,
        on_presession(PayloadType::Rakp4, |_, d| {
            vec![repayload(&d, |p| {
                let last = p.len() - 1;
                p[last] ^= 0x80;
            })]
        }),
    );
    let e = failed(connect(&m, 17), ErrorClass::Bmc);
    assert!(matches!(e, Error::Rakp4Mismatch), "{e:?}");
    assert_eq!(e.stage(), Some(Stage::Rakp4));
    // RAKP 3 with status 0x0F: the BMC closes the session it had activated.
    assert_eq!(m.wait_no_live_session(), vec![]);
}

#[test]
fn rakp4_refusal_is_a_bmc_error() {
    let m = Mitm::start(
        PASSWORD,
        on_presession(PayloadType::Rakp4, |_, d| {
            vec![repayload(&d, |p| {
                let mut r = Rakp4::parse(p).unwrap();
                r.status = 0x02;
                r.integrity_check.clear();
                p.clear();
                r.emit(p);
            })]
        }),
    );
    let e = failed(connect(&m, 3), ErrorClass::Bmc);
    assert!(
        matches!(
            e,
            Error::Rejected {
                stage: Stage::Rakp4,
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn not_rmcp_plus_capable_is_a_bmc_error() {
    let m = Mitm::start(
        PASSWORD,
        Box::new(|_, d| {
            if !is_v15(&d) {
                return vec![d];
            }
            // Clear "IPMI v2.0 supported" and re-frame the message.
            let s = SessionV15::parse(&d[4..]).unwrap();
            let msg = LanMessage::parse(s.payload).unwrap();
            let mut body = msg.body.to_vec();
            body[4] &= !0x02;
            let mut framed = Vec::new();
            LanMessage { body: &body, ..msg }.emit(&mut framed);
            let mut out = Vec::new();
            packet::emit_v15_presession(&framed, &mut out);
            vec![out]
        }),
    );
    let e = failed(connect(&m, 3), ErrorClass::Bmc);
    assert!(matches!(e, Error::NotRmcpPlus), "{e:?}");
}

#[test]
fn oversized_handshake_answer_is_dropped() {
    let m = Mitm::start(
        PASSWORD,
        on_presession(PayloadType::Rakp2, |_, d| {
            vec![repayload(&d, |p| p.resize(60_000, 0xAB))]
        }),
    );
    timed_out(connect(&m, 3), Stage::Rakp2);
}

#[test]
fn set_privilege_answered_with_an_invalid_level_is_a_protocol_error() {
    let m = Mitm::start(
        PASSWORD,
        Box::new(|m, d| {
            if !in_session(&d) || m.in_session > 0 {
                return vec![d];
            }
            let u = m.open(&d);
            let msg = LanMessage::parse(&u.payload).unwrap();
            let mut framed = Vec::new();
            LanMessage {
                body: &[0x00, 0x07],
                ..msg
            }
            .emit(&mut framed);
            let seq = m.seq;
            vec![m.seal_with(m.console_id(), seq, &framed)]
        }),
    );
    let e = failed(connect(&m, 17), ErrorClass::Protocol);
    assert!(
        matches!(
            e,
            Error::Command(CommandError::InvalidField { value: 7, .. })
        ),
        "{e:?}"
    );
    // The session was active: dropping the client closed it.
    assert_eq!(m.wait_no_live_session(), vec![]);
}

// ----- inside the session ------------------------------------------------------

#[test]
fn truncated_session_answers_are_dropped() {
    command_answers_dropped(
        17,
        on_commands(|_, d| vec![d[..d.len() - 5].to_vec(), d[..20].to_vec()]),
        "integrity or decryption check failed",
    );
}

#[test]
fn session_payload_length_past_the_datagram_is_dropped() {
    command_answers_dropped(
        3,
        on_commands(|_, mut d| {
            d[14] = d[14].wrapping_add(16);
            vec![d]
        }),
        "integrity or decryption check failed",
    );
}

#[test]
fn bad_integrity_pad_under_a_valid_auth_code_is_dropped() {
    for suite in [2, 3, 17] {
        command_answers_dropped(
            suite,
            on_commands(|m, mut d| {
                let n = m.keys().0.integrity.auth_code_len();
                let pad_len_at = d.len() - n - 2;
                let pad = usize::from(d[pad_len_at]);
                if pad > 0 {
                    d[pad_len_at - 1] = 0x00; // a pad byte that is not FFh
                } else {
                    d[pad_len_at] = 4; // claims four pad bytes, there are none
                }
                m.remac(&mut d);
                vec![d]
            }),
            "integrity or decryption check failed",
        );
    }
}

#[test]
fn bad_next_header_under_a_valid_auth_code_is_dropped() {
    command_answers_dropped(
        3,
        on_commands(|m, mut d| {
            let n = m.keys().0.integrity.auth_code_len();
            let at = d.len() - n - 1;
            d[at] = 0x08;
            m.remac(&mut d);
            vec![d]
        }),
        "integrity or decryption check failed",
    );
}

#[test]
fn bad_confidentiality_pad_under_a_valid_auth_code_is_dropped() {
    for (suite, xor) in [(3, 0x80u8), (17, 0x20), (17, 0x01)] {
        command_answers_dropped(
            suite,
            on_commands(move |m, mut d| {
                // CBC: flipping a bit of the second-to-last ciphertext block
                // (or the IV) flips the same bit of the pad length byte.
                let payload_len = usize::from(u16::from_le_bytes([d[14], d[15]]));
                let end = 16 + payload_len;
                d[end - 17] ^= xor;
                m.remac(&mut d);
                vec![d]
            }),
            "integrity or decryption check failed",
        );
    }
}

#[test]
fn answers_for_another_session_id_are_dropped() {
    command_answers_dropped(
        17,
        on_commands(|m, d| {
            let u = m.open(&d);
            let seq = u.header.sequence;
            vec![m.seal_with(m.console_id() ^ 1, seq, &u.payload)]
        }),
        "another session's packet",
    );
}

#[test]
fn replayed_sequence_numbers_are_dropped() {
    // The right answer, but with the number of an earlier one (Set Session
    // Privilege Level's, which the client accepted).
    command_answers_dropped(
        3,
        on_commands(|m, d| {
            let u = m.open(&d);
            vec![m.seal_with(m.console_id(), 1, &u.payload)]
        }),
        "replayed or too old session sequence number",
    );
}

#[test]
fn sequence_number_zero_is_dropped() {
    command_answers_dropped(
        17,
        on_commands(|m, d| {
            let u = m.open(&d);
            vec![m.seal_with(m.console_id(), 0, &u.payload)]
        }),
        "replayed or too old session sequence number",
    );
}

#[test]
fn sequence_numbers_out_of_the_window_are_dropped() {
    // The first answer jumps 1000 ahead (accepted), the later ones come
    // 40 behind it: too old.
    let m = Mitm::start(
        PASSWORD,
        on_commands(|m, d| {
            let u = m.open(&d);
            let seq = match &m.held {
                None => {
                    let jump = m.seq + 1000;
                    m.held = Some(jump.to_le_bytes().to_vec());
                    jump
                }
                Some(b) => u32::from_le_bytes([b[0], b[1], b[2], b[3]]) - 40,
            };
            vec![m.seal_with(m.console_id(), seq, &u.payload)]
        }),
    );
    let mut c = connect(&m, 3).unwrap();
    assert_eq!(device_id(&mut c).unwrap().device_id, 0x20);
    timed_out(device_id(&mut c), GET_DEVICE_ID);
    assert_eq!(
        c.session().stats().last_drop,
        Some("replayed or too old session sequence number")
    );
}

#[test]
fn oversized_session_answers_are_dropped() {
    command_answers_dropped(
        17,
        on_commands(|m, d| {
            // A genuine, well-protected answer with 1400 bytes of data,
            // and the genuine one with 3000 bytes of trailing garbage.
            let u = m.open(&d);
            let msg = LanMessage::parse(&u.payload).unwrap();
            let body = vec![0u8; 1400];
            let mut framed = Vec::new();
            LanMessage { body: &body, ..msg }.emit(&mut framed);
            let mut long = d.clone();
            long.resize(3000, 0x55);
            vec![m.seal(&framed), long]
        }),
        "integrity or decryption check failed",
    );
}

#[test]
fn stale_answers_are_never_taken_for_the_current_one() {
    // Every answer is preceded by the previous request's answer, freshly
    // numbered and protected: only rqSeq and command tell them apart.
    let m = Mitm::start(
        PASSWORD,
        on_commands(|m, d| {
            let u = m.open(&d);
            let mut out = Vec::new();
            if let Some(prev) = m.held.replace(u.payload.clone()) {
                out.push(m.seal(&prev));
            }
            out.push(m.seal(&u.payload));
            out
        }),
    );
    let mut c = connect(&m, 17).unwrap();
    let config = server(PASSWORD);
    // The same command with different data, twice in a row, then others.
    for index in [0x80u8, 0x80, 0x81, 0x00, 0x00, 0x80] {
        let req = CipherSuitesRequest::parse(&[0x0e, 0x00, index]).unwrap();
        let want = cipher_suites::response_data(&req, config.channel, &config.suites());
        let raw = Raw {
            netfn: NetFn::APP,
            cmd: cipher_suites::CMD_GET_CHANNEL_CIPHER_SUITES,
            data: vec![0x0e, 0x00, index],
        };
        let r = c.execute_by(&raw, Deadline::from_now(SHORT)).unwrap();
        assert_eq!(r.data, want, "list index {index:#x}");
    }
    assert_eq!(device_id(&mut c).unwrap().product_id, 1);
    assert!(!c.execute(&GetChassisStatus).unwrap().power_on());
    // Seven stale answers were dropped (the first request had none before it).
    let stats = c.session().stats();
    assert!(stats.dropped >= 7, "{stats:?}");
}

#[test]
fn duplicate_request_code_is_not_an_answer() {
    // 0xCF ("cannot execute duplicated request") answers a retransmission:
    // the answer to the first copy is still to come.
    command_answers_dropped(
        3,
        on_commands(|m, d| {
            let u = m.open(&d);
            let msg = LanMessage::parse(&u.payload).unwrap();
            let mut framed = Vec::new();
            LanMessage {
                body: &[CompletionCode::DUPLICATE_REQUEST.0],
                ..msg
            }
            .emit(&mut framed);
            let seq = u.header.sequence;
            vec![m.seal_with(m.console_id(), seq, &framed)]
        }),
        "duplicate-request reply (0xCF)",
    );
}

#[test]
fn short_answer_is_a_protocol_error() {
    let m = Mitm::start(
        PASSWORD,
        on_commands(|m, d| {
            let u = m.open(&d);
            let msg = LanMessage::parse(&u.payload).unwrap();
            let mut framed = Vec::new();
            LanMessage {
                body: &msg.body[..4],
                ..msg
            }
            .emit(&mut framed);
            let seq = u.header.sequence;
            vec![m.seal_with(m.console_id(), seq, &framed)]
        }),
    );
    let mut c = connect(&m, 17).unwrap();
    let e = failed(device_id(&mut c), ErrorClass::Protocol);
    assert!(
        matches!(
            e,
            Error::Command(CommandError::ShortResponse {
                need: 11,
                got: 3,
                ..
            })
        ),
        "{e:?}"
    );
    // The session survives a bad answer.
    let e = failed(device_id(&mut c), ErrorClass::Protocol);
    assert!(matches!(e, Error::Command(_)));
}

#[test]
fn malformed_bridged_answer_is_a_protocol_error() {
    // Send Message "succeeds" with an embedded answer that does not parse.
    let m = Mitm::start(
        PASSWORD,
        on_commands(|m, d| {
            let u = m.open(&d);
            let msg = LanMessage::parse(&u.payload).unwrap();
            assert_eq!(msg.cmd, 0x34, "Send Message");
            let mut framed = Vec::new();
            LanMessage {
                body: &[0x00, 0x81, 0x1c, 0x63],
                ..msg
            }
            .emit(&mut framed);
            let seq = u.header.sequence;
            vec![m.seal_with(m.console_id(), seq, &framed)]
        }),
    );
    let config = client(3).target(Target::ipmb(0, 0x30));
    let mut c = Client::connect_by(m.addr, config, Deadline::from_now(SHORT)).unwrap();
    let e = failed(device_id(&mut c), ErrorClass::Protocol);
    assert!(matches!(e, Error::Bridge(_)), "{e:?}");
}

#[test]
fn garbage_floods_do_not_stop_good_answers() {
    let mut n = 0u32;
    let m = Mitm::start(
        PASSWORD,
        Box::new(move |_, d| {
            // Session answers: copies with a byte changed (the AuthCode
            // catches them). Handshake answers, which nothing protects:
            // cut copies and junk (a changed byte there could be believed).
            let protected = in_session(&d);
            let mut out = Vec::new();
            for i in 0..12 {
                n = n.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                let mut g = d.clone();
                if protected {
                    let at = (n as usize) % g.len();
                    g[at] ^= (n >> 8) as u8 | 1;
                } else if i % 2 == 0 {
                    g.truncate(g.len() - 1 - i % 5);
                } else {
                    g = (0..(n % 64) as u8)
                        .map(|b| b.wrapping_mul(n as u8))
                        .collect();
                }
                out.push(g);
            }
            out.push(vec![0x06, 0x00, 0xff, 0x07]);
            out.push(Vec::new());
            out.push(d);
            out
        }),
    );
    for suite in [3, 17] {
        let mut c = connect(&m, suite).unwrap();
        assert_eq!(device_id(&mut c).unwrap().manufacturer_id, 0);
        assert!(c.session().stats().dropped >= 12);
        c.close().unwrap();
    }
}

// ----- slots the client gives back -------------------------------------------------

fn rakp_tag(d: &[u8]) -> Option<u8> {
    match classify(d) {
        Ok(Datagram::V20 { header, payload }) if header.session_id == 0 => {
            payload.first().copied().filter(|_| {
                matches!(
                    header.payload_type,
                    PayloadType::Rakp1
                        | PayloadType::Rakp2
                        | PayloadType::Rakp3
                        | PayloadType::Rakp4
                )
            })
        }
        _ => None,
    }
}

#[test]
fn kg_mismatch_fails_rakp4_and_the_bmc_still_frees_the_session() {
    // Different BMC keys: the BMC activates the session, the client cannot
    // verify RAKP 4 and cannot protect a Close Session the BMC would
    // accept. Its RAKP 3 with status 0x0F is what frees the slot.
    let config = server(PASSWORD).kg("the-bmc-key");
    let m = Mitm::start_with(config, Box::new(|_| true), honest());
    let t0 = Instant::now();
    let r = Client::connect_by(
        m.addr,
        client(17).kg("another-key"),
        Deadline::from_now(SHORT),
    );
    assert!(t0.elapsed() < SHORT + SLACK);
    let e = failed(r, ErrorClass::Bmc);
    assert!(matches!(e, Error::Rakp4Mismatch), "{e:?}");
    assert!(e.to_string().contains("Kg"), "{e}");
    assert_eq!(m.wait_no_live_session(), vec![]);
}

/// How many RAKP 3 messages the client sent.
fn rakp3_sent(m: &Mitm) -> usize {
    m.client_datagrams()
        .iter()
        .filter(|d| presession_type(d) == Some(PayloadType::Rakp3))
        .count()
}

#[test]
fn lost_rakp2_timeout_sends_nothing_and_the_bmc_evicts_the_half_open_session() {
    // While `lose` is set every RAKP 2 is lost: the BMC waits for RAKP 3
    // when the client gives up, and the client, which heard nothing,
    // sends no RAKP 3. The table holds 3 sessions: after 5 such connects
    // a good one still succeeds, because the BMC evicts the oldest
    // half-open session instead of refusing.
    let lose = Arc::new(AtomicBool::new(true));
    let l = lose.clone();
    let m = Mitm::start_with(
        server(PASSWORD).max_sessions(3),
        Box::new(|_| true),
        on_presession(PayloadType::Rakp2, move |_, d| {
            if l.load(Ordering::Relaxed) {
                vec![]
            } else {
                vec![d]
            }
        }),
    );
    for _ in 0..5 {
        timed_out(connect(&m, 3), Stage::Rakp2);
    }
    served_despite_half_open_sessions(&m, &lose, 3, vec![SessionState::AwaitingRakp3; 3]);
}

/// No RAKP 3 was sent, the BMC holds `half_open`; once `lose` is cleared a
/// connect with `suite` gets a slot (by eviction) and a working session.
fn served_despite_half_open_sessions(
    m: &Mitm,
    lose: &AtomicBool,
    suite: u8,
    half_open: Vec<SessionState>,
) {
    assert_eq!(rakp3_sent(m), 0, "a RAKP 3 after silence");
    assert_eq!(m.live_sessions(), half_open);
    lose.store(false, Ordering::Relaxed);
    let mut c = connect(m, suite).expect("a slot despite the half-open sessions");
    assert_eq!(device_id(&mut c).unwrap().device_id, 0x20);
    c.close().unwrap();
    let stats = m.shared.lock().unwrap().responder.stats();
    assert_eq!(stats.unexpected_rakp3, 0);
}

#[test]
fn lost_rakp1_timeout_sends_nothing_and_the_bmc_evicts_the_half_open_session() {
    // While `lose` is set every RAKP 1 is lost: the BMC still waits for it
    // when the client gives up, and the client sends no RAKP 3. With a
    // table of 2 sessions, a good connect after 3 such ones succeeds: the
    // BMC evicts the oldest session waiting for RAKP 1.
    let lose = Arc::new(AtomicBool::new(true));
    let l = lose.clone();
    let admit = Box::new(move |d: &[u8]| {
        !(l.load(Ordering::Relaxed) && presession_type(d) == Some(PayloadType::Rakp1))
    });
    let m = Mitm::start_with(server(PASSWORD).max_sessions(2), admit, honest());
    for _ in 0..3 {
        timed_out(connect(&m, 17), Stage::Rakp2);
    }
    served_despite_half_open_sessions(&m, &lose, 17, vec![SessionState::AwaitingRakp1; 2]);
}

#[test]
fn lost_rakp4_from_a_bmc_that_ignores_rakp3_copies_restarts_the_handshake() {
    // The first RAKP 4 is lost after the BMC activated the session, and,
    // like ipmi_sim, the BMC never answers a copy of that RAKP 3. The
    // client starts over (once two RAKP 3 went unanswered), frees the
    // first session, and gets a working one.
    let mut first_tag = None;
    let m = Mitm::start(
        PASSWORD,
        on_presession(PayloadType::Rakp4, move |_, d| {
            let tag = rakp_tag(&d);
            if first_tag.is_none() {
                first_tag = tag;
            }
            if tag == first_tag {
                vec![]
            } else {
                vec![d]
            }
        }),
    );
    let mut c = connect(&m, 17).expect("a restarted handshake");
    assert_eq!(device_id(&mut c).unwrap().device_id, 0x20);
    let live = m.live_sessions();
    assert_eq!(
        live,
        vec![SessionState::Active],
        "the first session was freed"
    );
    let sent = m.client_datagrams();
    let tags: Vec<u8> = sent
        .iter()
        .filter(|d| presession_type(d) == Some(PayloadType::OpenSessionRequest))
        .map(|d| d[16])
        .collect();
    assert_eq!(tags.len(), 2, "one restart");
    assert_ne!(
        tags[0], tags[1],
        "a late answer to the first try cannot pass for the second"
    );
    c.close().unwrap();
    assert_eq!(m.wait_no_live_session(), vec![]);
}

/// A connect future dropped half way (a caller's `timeout` or `select!`)
/// drops its client: the half-open session must still be freed.
async fn cancelled_connect_frees_the_session(mutate: Mutate, suite: u8) {
    let m = Mitm::start(PASSWORD, mutate);
    let config = client(suite).timeout(Duration::from_secs(5));
    let connect = ipmi_lanplus::AsyncClient::connect(m.addr, config);
    let r = tokio::time::timeout(Duration::from_millis(300), connect).await;
    assert!(r.is_err(), "the connect cannot finish");
    assert_eq!(m.wait_no_live_session(), vec![]);
}

#[tokio::test(flavor = "current_thread")]
async fn cancelled_connect_waiting_for_rakp2_sends_nothing() {
    // The client never heard RAKP 2: a RAKP 3 would be unasked for. The
    // half-open session stays for the BMC to evict (see above).
    let m = Mitm::start(PASSWORD, on_presession(PayloadType::Rakp2, |_, _| vec![]));
    let config = client(3).timeout(Duration::from_secs(5));
    let connect = ipmi_lanplus::AsyncClient::connect(m.addr, config);
    let r = tokio::time::timeout(Duration::from_millis(300), connect).await;
    assert!(r.is_err(), "the connect cannot finish");
    // Bounded wait for anything the dropped client might still send.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(rakp3_sent(&m), 0, "a RAKP 3 after silence");
    assert_eq!(m.live_sessions(), vec![SessionState::AwaitingRakp3]);
}

#[tokio::test(flavor = "current_thread")]
async fn cancelled_connect_waiting_for_rakp4_frees_the_session() {
    // The BMC activated the session; the client never hears of it.
    let never_rakp4 = on_presession(PayloadType::Rakp4, |_, _| vec![]);
    cancelled_connect_frees_the_session(never_rakp4, 17).await;
}

#[test]
fn a_mistyped_user_name_over_udp_leaves_the_fragile_bmc_standing() {
    // The BMC of issue 10.2 over loopback: it never answers RAKP 1 for an
    // unknown user and falls over on a RAKP 3 nobody asked for. The
    // blocking client times out waiting for RAKP 2 and, dropped, sends
    // nothing more; the BMC still serves the right user.
    let quirks = Quirks {
        silent_on_unknown_user: true,
        crash_on_unexpected_rakp3: true,
        ..Quirks::default()
    };
    let m = Mitm::start_with(
        server(PASSWORD).quirks(quirks),
        Box::new(|_| true),
        honest(),
    );
    for suite in [None, Some(3)] {
        let mut config = ClientConfig::new("admn", PASSWORD)
            .retries(Duration::from_millis(50), 30)
            .timeout(SHORT);
        config.cipher_suite = suite;
        let r = Client::connect_by(m.addr, config, Deadline::from_now(SHORT));
        timed_out(r, Stage::Rakp2);
    }
    assert_eq!(rakp3_sent(&m), 0, "a RAKP 3 after silence");
    let stats = m.shared.lock().unwrap().responder.stats();
    assert_eq!((stats.unexpected_rakp3, stats.crashed), (0, false));
    let mut c = connect(&m, 17).expect("the BMC still serves");
    assert_eq!(device_id(&mut c).unwrap().device_id, 0x20);
    c.close().unwrap();
}
