//! The responder: a sans-IO RMCP+ endpoint for one BMC identity (IPMI 2.0
//! §13). Fed datagrams with their source address and `now`; asked what to
//! send to whom and when it next needs waking. It owns no socket, reads no
//! clock, and draws every random number from the seeded generator it was
//! built with.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::Instant;

use ipmi_core::wire::lan_message::LanMessage;
use ipmi_core::{CompletionCode, NetFn, PrivilegeLevel, Request, Target};
use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};

use super::channel::{
    self, Answer, CMD_CLOSE_SESSION, CMD_GET_CHANNEL_INFO, CMD_SET_SESSION_PRIVILEGE,
};
use super::cipher_suites::CMD_GET_CHANNEL_CIPHER_SUITES;
use super::config::{ConfigError, ServerConfig};
use super::event::{CloseReason, ServerEvent};
use super::handler::{Handler, RequestContext};
use super::quirks::CipherSuitesQuirk;
use super::session::{Replay, ServerSession, SessionInfo, State};
use crate::crypto::suite::CipherSuite;
use crate::packet::{self, Datagram};
use crate::wire::asf::{AsfPing, AsfPong, ASF_IANA};
use crate::wire::rmcp::RmcpHeader;
use crate::wire::session_v15::SessionV15;
use crate::wire::session_v20::{PayloadType, SessionV20Header};

/// Close Session completion code: invalid session ID in request (IPMI 2.0 §22.19).
const CC_INVALID_SESSION_ID: CompletionCode = CompletionCode(0x87);
/// Set Session Privilege Level: level not available for this session (IPMI 2.0 §22.18).
const CC_LEVEL_NOT_AVAILABLE: CompletionCode = CompletionCode(0x80);
/// Set Session Privilege Level: level exceeds the user or channel limit (IPMI 2.0 §22.18).
const CC_LEVEL_EXCEEDS_LIMIT: CompletionCode = CompletionCode(0x81);
/// Closed or refused entries kept per session-table slot (see `trim_lingering`).
const MAX_LINGERING_PER_SLOT: usize = 4;

/// A datagram to send (IPMI 2.0 §13.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transmit {
    /// Where it goes: the address the request came from.
    pub destination: SocketAddr,
    /// The whole UDP payload.
    pub datagram: Vec<u8>,
}

/// Counters of a responder, for diagnostics and tests (IPMI 2.0 §13.6).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ResponderStats {
    /// Datagrams handed in.
    pub received: u64,
    /// Datagrams handed out by [`Responder::poll_transmit`].
    pub sent: u64,
    /// Datagrams ignored (malformed, unverifiable, replayed, unknown session).
    pub dropped: u64,
    /// Why the last one was ignored.
    pub last_drop: Option<&'static str>,
    /// Retransmitted requests answered from the cache instead of run again.
    pub replayed_answers: u64,
    /// RAKP 3 messages for a session no RAKP 2 was sent for (unknown, or
    /// still waiting for RAKP 1): what a console must never send (IPMI 2.0 §13.22).
    pub unexpected_rakp3: u64,
    /// Set once a RAKP 3 arrived unasked with
    /// [`super::Quirks::crash_on_unexpected_rakp3`]: nothing is answered since.
    pub crashed: bool,
}

/// What follows an in-session answer.
pub(super) enum After {
    Nothing,
    /// Close Session for the session itself.
    CloseSelf,
    /// Close Session for another session.
    CloseOther(u32),
}

/// An RMCP+ responder for one BMC identity: pre-session commands, the RAKP
/// handshake, and a session table whose requests go to `H` (IPMI 2.0 §13).
///
/// Drive it with [`Responder::handle_datagram`] and
/// [`Responder::handle_timeout`]; drain [`Responder::poll_transmit`] and
/// [`Responder::poll_event`]; wake it at [`Responder::poll_timeout`].
pub struct Responder<H> {
    pub(super) config: ServerConfig,
    pub(super) suites: Vec<CipherSuite>,
    pub(super) handler: H,
    pub(super) rng: StdRng,
    pub(super) sessions: HashMap<u32, ServerSession>,
    pub(super) transmit: VecDeque<Transmit>,
    pub(super) events: VecDeque<ServerEvent>,
    pub(super) stats: ResponderStats,
}

impl<H> std::fmt::Debug for Responder<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Responder")
            .field(
                "suites",
                &self.suites.iter().map(|s| s.id).collect::<Vec<_>>(),
            )
            .field("sessions", &self.sessions.len())
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl<H: Handler> Responder<H> {
    /// A responder serving `config` with `handler`; `seed` seeds session IDs,
    /// Rc and IVs: give it 32 bytes from the OS (IPMI 2.0 §13.14).
    pub fn new(config: ServerConfig, mut handler: H, seed: [u8; 32]) -> Result<Self, ConfigError> {
        config.validate()?;
        handler.configure(&config);
        let suites = config.suites();
        Ok(Responder {
            config,
            suites,
            handler,
            rng: StdRng::from_seed(seed),
            sessions: HashMap::new(),
            transmit: VecDeque::new(),
            events: VecDeque::new(),
            stats: ResponderStats::default(),
        })
    }

    /// An independent copy in the current state, for the fuzzing harness
    /// only: both copies would draw the same session IDs and IVs.
    #[cfg(feature = "fuzzing")]
    pub(crate) fn fork(&self) -> Self
    where
        H: Clone,
    {
        Responder {
            config: self.config.clone(),
            suites: self.suites.clone(),
            handler: self.handler.clone(),
            rng: self.rng.clone(),
            sessions: self.sessions.clone(),
            transmit: self.transmit.clone(),
            events: self.events.clone(),
            stats: self.stats,
        }
    }

    /// The configuration served (IPMI 2.0 §13.14).
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// The request handler.
    pub fn handler(&self) -> &H {
        &self.handler
    }

    /// The request handler, mutably (e.g. to change a simulated power state).
    pub fn handler_mut(&mut self) -> &mut H {
        &mut self.handler
    }

    /// Counters.
    pub fn stats(&self) -> ResponderStats {
        self.stats
    }

    /// Snapshots of the session table, lingering closed entries included (IPMI 2.0 §6.12).
    pub fn sessions(&self) -> Vec<SessionInfo> {
        let mut v: Vec<SessionInfo> = self.sessions.values().map(ServerSession::info).collect();
        v.sort_by_key(|s| s.session_id);
        v
    }

    /// Number of active sessions (RAKP 4 sent, not closed) (IPMI 2.0 §6.12).
    pub fn active_sessions(&self) -> usize {
        self.sessions
            .values()
            .filter(|s| matches!(s.state, State::Active(_)))
            .count()
    }

    /// The next datagram to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        let t = self.transmit.pop_front()?;
        self.stats.sent += 1;
        Some(t)
    }

    /// The next log event.
    pub fn poll_event(&mut self) -> Option<ServerEvent> {
        self.events.pop_front()
    }

    /// When [`Self::handle_timeout`] must next be called: the earliest
    /// session expiry; `None` with an empty session table (IPMI 2.0 §6.12.15).
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.sessions
            .values()
            .map(|s| s.expires_at(&self.config))
            .min()
    }

    /// Drops sessions that stayed silent too long (IPMI 2.0 §6.12.15).
    pub fn handle_timeout(&mut self, now: Instant) {
        let expired: Vec<u32> = self
            .sessions
            .values()
            .filter(|s| s.expires_at(&self.config) <= now)
            .map(|s| s.id)
            .collect();
        for id in expired {
            let Some(s) = self.sessions.remove(&id) else {
                continue;
            };
            match &s.state {
                State::Active(a) => self.events.push_back(ServerEvent::SessionClosed {
                    session_id: s.id,
                    peer: s.peer,
                    username: a.handshake.username.clone(),
                    reason: CloseReason::IdleTimeout,
                }),
                State::AwaitRakp1 | State::AwaitRakp3(_) => {
                    self.events.push_back(ServerEvent::HandshakeExpired {
                        session_id: s.id,
                        peer: s.peer,
                        username: s.username().map(<[u8]>::to_vec),
                    })
                }
                State::Lingering { .. } => {}
            }
        }
    }

    /// Feeds one datagram received from `from`; anything unusable is
    /// dropped and counted (IPMI 2.0 §13.1.3, §13.6).
    pub fn handle_datagram(&mut self, now: Instant, from: SocketAddr, datagram: &[u8]) {
        self.stats.received += 1;
        if self.stats.crashed {
            return self.drop_packet("crashed (quirk: an unexpected RAKP 3)");
        }
        match packet::classify(datagram) {
            Err(_) => self.drop_packet("malformed datagram"),
            Ok(Datagram::Asf(body)) => self.on_asf(from, body),
            Ok(Datagram::V15(v15)) => self.on_v15(from, &v15),
            Ok(Datagram::V20 { header, payload }) if header.session_id == 0 => {
                if header.encrypted || header.authenticated {
                    return self.drop_packet("protected packet outside a session");
                }
                match header.payload_type {
                    PayloadType::OpenSessionRequest => self.on_open_session(now, from, payload),
                    PayloadType::Rakp1 => self.on_rakp1(now, from, payload),
                    PayloadType::Rakp3 => self.on_rakp3(now, from, payload),
                    PayloadType::Ipmi => self.on_v20_presession(from, payload),
                    _ => self.drop_packet("unexpected payload type outside a session"),
                }
            }
            Ok(Datagram::V20 { header, .. }) => self.on_in_session(now, from, header, datagram),
        }
    }

    // ----- pre-session -----------------------------------------------------

    /// ASF presence ping: answered with a pong saying "IPMI supported" (IPMI 2.0 §13.2.4).
    fn on_asf(&mut self, from: SocketAddr, body: &[u8]) {
        let Ok(ping) = AsfPing::parse(body) else {
            return self.drop_packet("not an ASF presence ping");
        };
        let pong = AsfPong {
            tag: ping.tag,
            iana: ASF_IANA,
            oem: 0,
            supported_entities: 0x81,
            supported_interactions: 0,
        };
        let mut out = Vec::with_capacity(RmcpHeader::LEN + AsfPong::LEN);
        RmcpHeader::asf().emit(&mut out);
        pong.emit(&mut out);
        self.send(from, out);
    }

    /// IPMI 1.5 session-less message: the channel commands (IPMI 2.0 §22.13).
    fn on_v15(&mut self, from: SocketAddr, v15: &SessionV15<'_>) {
        if v15.session_id != 0 || v15.auth_type != 0 {
            return self.drop_packet("IPMI 1.5 sessions are not offered");
        }
        let Some((msg, answer)) = self.presession_answer(v15.payload) else {
            return;
        };
        let mut message = Vec::with_capacity(answer.1.len() + 8);
        reply_message(&msg, &answer, &mut message);
        let mut out = Vec::with_capacity(message.len() + 14);
        packet::emit_v15_presession(&message, &mut out);
        self.send(from, out);
    }

    /// RMCP+ session-less IPMI message (session ID 0): the channel commands (IPMI 2.0 §13.6).
    fn on_v20_presession(&mut self, from: SocketAddr, payload: &[u8]) {
        let Some((msg, answer)) = self.presession_answer(payload) else {
            return;
        };
        let mut message = Vec::with_capacity(answer.1.len() + 8);
        reply_message(&msg, &answer, &mut message);
        let mut out = Vec::with_capacity(message.len() + 16);
        packet::emit_presession(PayloadType::Ipmi, &message, &mut out);
        self.send(from, out);
    }

    fn presession_answer<'a>(&mut self, payload: &'a [u8]) -> Option<(LanMessage<'a>, Answer)> {
        let Ok(msg) = LanMessage::parse(payload) else {
            self.drop_packet("malformed IPMI message");
            return None;
        };
        if !msg.netfn.is_request() {
            self.drop_packet("IPMI response sent to the BMC");
            return None;
        }
        if (msg.netfn, msg.cmd) == (NetFn::APP, CMD_GET_CHANNEL_CIPHER_SUITES) {
            match self.config.quirks.cipher_suites {
                CipherSuitesQuirk::Answer => {}
                CipherSuitesQuirk::Silent => {
                    self.drop_packet("Get Channel Cipher Suites (quirk: never answered)");
                    return None;
                }
                CipherSuitesQuirk::NotImplemented => {
                    return Some((msg, (CompletionCode::INVALID_COMMAND, Vec::new())));
                }
            }
        }
        let answer = channel::answer(&self.config, &self.suites, msg.netfn, msg.cmd, msg.body)
            .unwrap_or_else(|| channel::refuse_presession(msg.netfn, msg.cmd));
        Some((msg, answer))
    }

    // ----- inside a session ------------------------------------------------

    fn on_in_session(
        &mut self,
        now: Instant,
        from: SocketAddr,
        header: SessionV20Header,
        datagram: &[u8],
    ) {
        let sid = header.session_id;
        let Some(session) = self.sessions.get_mut(&sid) else {
            return self.drop_packet("unknown session ID");
        };
        if session.peer.ip() != from.ip() {
            return self.drop_packet("session packet from another host");
        }
        let lingering = matches!(session.state, State::Lingering { .. });
        let active = match &mut session.state {
            State::Active(a) => a,
            State::Lingering {
                replay: Replay::Session(a),
                ..
            } => a,
            _ => return self.drop_packet("session not active"),
        };
        let Ok(unprotected) = active.crypto.unprotect(datagram) else {
            return self.drop_packet("integrity or decryption check failed");
        };
        if unprotected.header.payload_type != PayloadType::Ipmi {
            return self.drop_packet("only IPMI message payloads are served");
        }
        if !active.window.accept(unprotected.header.sequence) {
            return self.drop_packet("replayed or out-of-window session sequence number");
        }
        if !lingering {
            active.established = true;
            session.last_activity = now;
        }
        let message = unprotected.payload;
        if let Some(cached) = active.answers.get(&message).map(<[u8]>::to_vec) {
            self.stats.replayed_answers += 1;
            return self.send_in_session(sid, from, &cached);
        }
        if lingering {
            return self.drop_packet("session closed");
        }
        let Ok(msg) = LanMessage::parse(&message) else {
            return self.drop_packet("malformed IPMI message");
        };
        if !msg.netfn.is_request() {
            return self.drop_packet("IPMI response sent to the BMC");
        }
        let (answer, after) = self.answer_in_session(now, sid, from, &msg);
        let mut reply = Vec::with_capacity(answer.1.len() + 8);
        reply_message(&msg, &answer, &mut reply);
        if let Some(a) = self.active_mut(sid) {
            a.answers.put(message.clone(), reply.clone());
        }
        self.send_in_session(sid, from, &reply);
        match after {
            After::Nothing => {}
            After::CloseSelf => self.close_session(now, sid, CloseReason::ClosedByClient),
            After::CloseOther(other) => {
                self.close_session(now, other, CloseReason::ClosedByOtherSession(sid))
            }
        }
    }

    fn active_mut(&mut self, sid: u32) -> Option<&mut super::session::Active> {
        match &mut self.sessions.get_mut(&sid)?.state {
            State::Active(a) => Some(a),
            State::Lingering {
                replay: Replay::Session(a),
                ..
            } => Some(a),
            _ => None,
        }
    }

    /// The answer to a request in active session `sid` (IPMI 2.0 §6.12, §22.18, §22.19).
    fn answer_in_session(
        &mut self,
        now: Instant,
        sid: u32,
        from: SocketAddr,
        msg: &LanMessage<'_>,
    ) -> (Answer, After) {
        if let Some(answer) =
            channel::answer(&self.config, &self.suites, msg.netfn, msg.cmd, msg.body)
        {
            return (answer, After::Nothing);
        }
        match (msg.netfn, msg.cmd) {
            (NetFn::APP, CMD_SET_SESSION_PRIVILEGE) => {
                return (self.set_privilege(sid, msg.body), After::Nothing)
            }
            (NetFn::APP, CMD_CLOSE_SESSION) => return self.close_request(sid, msg.body),
            (NetFn::APP, CMD_GET_CHANNEL_INFO) => {
                let answer = channel::channel_info(&self.config, self.active_sessions(), msg.body);
                return (answer, After::Nothing);
            }
            _ => {}
        }
        let Some(State::Active(active)) = self.sessions.get(&sid).map(|s| &s.state) else {
            return ((CompletionCode::UNSPECIFIED, vec![]), After::Nothing);
        };
        let privilege = active.privilege;
        let username = active.handshake.username.clone();
        if let Some(answer) = self.answer_owned(sid, privilege, msg) {
            return (answer, After::Nothing);
        }
        if let Some(needed) = self.handler.required_privilege(msg.netfn, msg.cmd) {
            if privilege < needed {
                return (
                    (CompletionCode::INSUFFICIENT_PRIVILEGE, vec![]),
                    After::Nothing,
                );
            }
        }
        let request = Request {
            target: Target {
                channel: 0,
                slave_addr: msg.dst_addr,
                lun: msg.dst_lun,
            },
            netfn: msg.netfn,
            cmd: msg.cmd,
            data: msg.body.to_vec(),
        };
        let ctx = RequestContext {
            session_id: sid,
            username: &username,
            privilege,
            peer: from,
            channel: self.config.channel,
            now,
        };
        let response = self.handler.handle(&request, &ctx);
        ((response.completion, response.data), After::Nothing)
    }

    /// Set Session Privilege Level (IPMI 2.0 §22.18): 0 reads the level;
    /// above the user's or channel's limit is 81h; above what RAKP 1 asked
    /// for is 80h.
    fn set_privilege(&mut self, sid: u32, data: &[u8]) -> Answer {
        let [byte] = *data else {
            return (CompletionCode::REQUEST_LENGTH_INVALID, vec![]);
        };
        let limit = self
            .sessions
            .get(&sid)
            .and_then(|s| s.user())
            .map(|u| self.config.users[u].privilege);
        let channel_limit = self.config.channel_privilege_limit;
        let Some(State::Active(active)) = self.sessions.get_mut(&sid).map(|s| &mut s.state) else {
            return (CompletionCode::UNSPECIFIED, vec![]);
        };
        if byte & 0x0f == 0 {
            return (CompletionCode::SUCCESS, vec![active.privilege as u8]);
        }
        let Some(level) = PrivilegeLevel::from_u8(byte) else {
            return (CompletionCode::INVALID_DATA_FIELD, vec![]);
        };
        if byte & 0xf0 != 0 {
            return (CompletionCode::INVALID_DATA_FIELD, vec![]);
        }
        let within_limits = matches!(limit, Some(l) if level <= l) && level <= channel_limit;
        if !within_limits {
            return (CC_LEVEL_EXCEEDS_LIMIT, vec![]);
        }
        if level > active.handshake.max_privilege {
            return (CC_LEVEL_NOT_AVAILABLE, vec![]);
        }
        if active.privilege != level {
            active.privilege = level;
            self.events.push_back(ServerEvent::PrivilegeChanged {
                session_id: sid,
                privilege: level,
            });
        }
        (CompletionCode::SUCCESS, vec![level as u8])
    }

    /// Close Session (IPMI 2.0 §22.19): its own ID closes the session after
    /// the answer; another session's ID needs ADMINISTRATOR; unknown is 87h.
    fn close_request(&mut self, sid: u32, data: &[u8]) -> (Answer, After) {
        let none = After::Nothing;
        if data.len() != 4 && data.len() != 5 {
            return ((CompletionCode::REQUEST_LENGTH_INVALID, vec![]), none);
        }
        let target = u32::from_le_bytes([data[0], data[1], data[2], data[3]]);
        if target == sid {
            return ((CompletionCode::SUCCESS, vec![]), After::CloseSelf);
        }
        let own = match self.sessions.get(&sid).map(|s| &s.state) {
            Some(State::Active(a)) => a.privilege,
            _ => return ((CompletionCode::UNSPECIFIED, vec![]), none),
        };
        match self.sessions.get(&target) {
            Some(s) if s.is_live() && target != 0 => {
                if own < PrivilegeLevel::Administrator {
                    ((CompletionCode::INSUFFICIENT_PRIVILEGE, vec![]), none)
                } else {
                    ((CompletionCode::SUCCESS, vec![]), After::CloseOther(target))
                }
            }
            _ => ((CC_INVALID_SESSION_ID, vec![]), none),
        }
    }

    /// Ends session `sid`: it frees its slot at once and lingers a while to
    /// answer a retransmitted Close Session (IPMI 2.0 §22.19).
    pub(super) fn close_session(&mut self, now: Instant, sid: u32, reason: CloseReason) {
        let until = now + self.config.handshake_timeout;
        let Some(s) = self.sessions.get_mut(&sid) else {
            return;
        };
        let state = std::mem::replace(&mut s.state, State::AwaitRakp1);
        match state {
            State::Active(a) => {
                self.events.push_back(ServerEvent::SessionClosed {
                    session_id: sid,
                    peer: s.peer,
                    username: a.handshake.username.clone(),
                    reason,
                });
                s.state = State::Lingering {
                    until,
                    replay: Replay::Session(a),
                };
                self.trim_lingering();
            }
            State::Lingering { until, replay } => s.state = State::Lingering { until, replay },
            State::AwaitRakp1 | State::AwaitRakp3(_) => {
                self.sessions.remove(&sid);
            }
        }
    }

    /// Protects `message` for session `sid` with a fresh IV and sequence number and queues it (IPMI 2.0 §13.6).
    fn send_in_session(&mut self, sid: u32, to: SocketAddr, message: &[u8]) {
        let mut iv = [0u8; 16];
        self.rng.fill_bytes(&mut iv);
        let Some(session) = self.sessions.get_mut(&sid) else {
            return;
        };
        let console_id = session.console_id;
        let active = match &mut session.state {
            State::Active(a) => a,
            State::Lingering {
                replay: Replay::Session(a),
                ..
            } => a,
            _ => return,
        };
        active.out_seq = active.out_seq.wrapping_add(1).max(1);
        let mut out = Vec::with_capacity(message.len() + 64);
        active.crypto.protect(
            PayloadType::Ipmi,
            console_id,
            active.out_seq,
            message,
            &iv,
            &mut out,
        );
        self.send(to, out);
    }

    // ----- plumbing --------------------------------------------------------

    /// Keeps at most `MAX_LINGERING_PER_SLOT` × `max_sessions` closed or
    /// refused entries, forgetting the oldest first, so that a flood of
    /// refused handshakes cannot grow the table.
    pub(super) fn trim_lingering(&mut self) {
        let cap = self
            .config
            .max_sessions
            .saturating_mul(MAX_LINGERING_PER_SLOT);
        let mut lingering: Vec<(Instant, u32)> = self
            .sessions
            .values()
            .filter_map(|s| match s.state {
                State::Lingering { until, .. } => Some((until, s.id)),
                _ => None,
            })
            .collect();
        if lingering.len() <= cap {
            return;
        }
        lingering.sort_unstable();
        let excess = lingering.len() - cap;
        for (_, id) in lingering.into_iter().take(excess) {
            self.sessions.remove(&id);
        }
    }

    pub(super) fn send(&mut self, to: SocketAddr, datagram: Vec<u8>) {
        self.transmit.push_back(Transmit {
            destination: to,
            datagram,
        });
    }

    pub(super) fn drop_packet(&mut self, reason: &'static str) {
        self.stats.dropped += 1;
        self.stats.last_drop = Some(reason);
        tracing::debug!(reason, "responder dropped a datagram");
    }
}

/// Frames the response to `req`: addresses, LUNs swapped, NetFn | 1, rqSeq
/// and command echoed, completion code then data (IPMI 2.0 §13.8).
pub(super) fn reply_message(req: &LanMessage<'_>, (cc, data): &Answer, out: &mut Vec<u8>) {
    let mut body = Vec::with_capacity(1 + data.len());
    body.push(cc.0);
    body.extend_from_slice(data);
    LanMessage {
        dst_addr: req.src_addr,
        netfn: req.netfn.response(),
        dst_lun: req.src_lun,
        src_addr: req.dst_addr,
        seq: req.seq,
        src_lun: req.dst_lun,
        cmd: req.cmd,
        body: &body,
    }
    .emit(out);
}
