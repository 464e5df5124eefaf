//! The responder's side of the RMCP+ handshake: Open Session, RAKP 1/2 and
//! RAKP 3/4 with their status codes (IPMI 2.0 §13.17–§13.24, §13.31, §13.32).
//!
//! Every step is idempotent: a retransmitted message (same bytes from the
//! same console) gets the datagram that answered it before, so a lost
//! answer costs the console one retry, never a new session.

use std::net::SocketAddr;
use std::time::Instant;

use ipmi_core::PrivilegeLevel;
use rand::RngCore;

use super::event::{CloseReason, HandshakeStep, ServerEvent};
use super::handler::Handler;
use super::responder::Responder;
use super::session::{Active, Handshake, Replay, ServerSession, State};
use crate::config::MAX_USERNAME;
use crate::crypto::rakp::{self, RakpParams};
use crate::crypto::suite::{AuthAlg, CipherSuite, ConfAlg, IntegrityAlg};
use crate::error::RakpStatus;
use crate::packet::{self, SessionCrypto};
use crate::wire::le32;
use crate::wire::open_session::{OpenSessionResponse, RawOpenSessionRequest};
use crate::wire::rakp::{Rakp1, Rakp2, Rakp3, Rakp4};
use crate::wire::session_v20::PayloadType;

/// RMCP+ status codes the responder sends (IPMI 2.0 §13.24, table 13-15).
pub(super) mod status {
    /// Insufficient resources to create a session.
    pub const INSUFFICIENT_RESOURCES: u8 = 0x01;
    /// Invalid session ID.
    pub const INVALID_SESSION_ID: u8 = 0x02;
    /// Invalid authentication algorithm.
    pub const INVALID_AUTH_ALG: u8 = 0x04;
    /// Invalid integrity algorithm.
    pub const INVALID_INTEGRITY_ALG: u8 = 0x05;
    /// Invalid role.
    pub const INVALID_ROLE: u8 = 0x09;
    /// Unauthorized role or privilege level requested.
    pub const UNAUTHORIZED_ROLE: u8 = 0x0a;
    /// Invalid name length.
    pub const INVALID_NAME_LENGTH: u8 = 0x0c;
    /// Unauthorized name.
    pub const UNAUTHORIZED_NAME: u8 = 0x0d;
    /// Invalid integrity check value.
    pub const INVALID_INTEGRITY_CHECK: u8 = 0x0f;
    /// Invalid confidentiality algorithm.
    pub const INVALID_CONF_ALG: u8 = 0x10;
    /// Illegal or unrecognized parameter.
    pub const ILLEGAL_PARAMETER: u8 = 0x12;
}

fn presession(payload_type: PayloadType, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 16);
    packet::emit_presession(payload_type, payload, &mut out);
    out
}

impl<H: Handler> Responder<H> {
    /// Open Session Request (IPMI 2.0 §13.17): picks the offered suite with
    /// exactly these algorithms and allocates a session ID.
    pub(super) fn on_open_session(&mut self, now: Instant, from: SocketAddr, payload: &[u8]) {
        let raw = match RawOpenSessionRequest::parse(payload) {
            Ok(r) => r,
            Err(_) if payload.len() >= 8 => {
                return self.refuse_open(
                    from,
                    payload[0],
                    le32(payload, 4),
                    status::ILLEGAL_PARAMETER,
                    (0, 0, 0),
                );
            }
            Err(_) => return self.drop_packet("malformed Open Session Request"),
        };
        let repeat = self.sessions.values_mut().find(|s| {
            s.peer == from
                && s.console_id == raw.console_session_id
                && s.open_request == payload
                && s.is_unestablished()
        });
        if let Some(s) = repeat {
            s.last_activity = now;
            let d = s.open_response.clone();
            return self.send(from, d);
        }
        let algs = (raw.auth, raw.integrity, raw.confidentiality);
        let (suite, granted) = match self.check_open(&raw) {
            Ok(ok) => ok,
            Err(st) => return self.refuse_open(from, raw.tag, raw.console_session_id, st, algs),
        };
        // A console that starts over abandons its half-open session.
        self.sessions.retain(|_, s| {
            !(s.peer == from && s.console_id == raw.console_session_id && s.is_unestablished())
        });
        let live = self.sessions.values().filter(|s| s.is_live()).count();
        if live >= self.config.max_sessions && !self.evict_oldest_half_open(None) {
            return self.refuse_open(
                from,
                raw.tag,
                raw.console_session_id,
                status::INSUFFICIENT_RESOURCES,
                algs,
            );
        }
        let id = loop {
            let id = self.rng.next_u32();
            if id != 0 && !self.sessions.contains_key(&id) {
                break id;
            }
        };
        let resp = OpenSessionResponse {
            tag: raw.tag,
            status: 0,
            max_privilege: granted as u8,
            console_session_id: raw.console_session_id,
            bmc_session_id: id,
            auth: suite.auth,
            integrity: suite.integrity,
            confidentiality: suite.confidentiality,
        };
        let mut body = Vec::with_capacity(OpenSessionResponse::LEN);
        resp.emit(&mut body);
        let datagram = presession(PayloadType::OpenSessionResponse, &body);
        self.sessions.insert(
            id,
            ServerSession {
                id,
                console_id: raw.console_session_id,
                peer: from,
                suite,
                open_request: payload.to_vec(),
                open_response: datagram.clone(),
                granted,
                last_activity: now,
                state: State::AwaitRakp1,
            },
        );
        self.send(from, datagram);
    }

    /// Frees the slot of the half-open session that has waited longest,
    /// if any (IPMI 2.0 §13.17, §13.21): one waiting for its RAKP 1 first,
    /// else one waiting for its RAKP 3; with `user`, only one of that
    /// user's waiting for its RAKP 3 (to make room under its limit).
    /// Nothing authenticated the first kind yet, and a console that gave
    /// up on either may not free it: one that heard nothing back must not
    /// send a RAKP 3 nobody asked for. Without this, a burst of
    /// handshakes cut short (consoles whose deadline passed, or anyone who
    /// can send datagrams) would lock everyone out until the handshake
    /// timeout.
    fn evict_oldest_half_open(&mut self, user: Option<usize>) -> bool {
        let oldest = |want_rakp1: bool| {
            self.sessions
                .values()
                .filter(|s| match &s.state {
                    State::AwaitRakp1 => want_rakp1 && user.is_none(),
                    State::AwaitRakp3(h) => !want_rakp1 && user.map_or(true, |u| u == h.user),
                    _ => false,
                })
                .min_by_key(|s| (s.last_activity, s.id))
                .map(|s| s.id)
        };
        let oldest = oldest(true).or_else(|| oldest(false));
        let Some(s) = oldest.and_then(|id| self.sessions.remove(&id)) else {
            return false;
        };
        self.events.push_back(ServerEvent::HandshakeExpired {
            session_id: s.id,
            peer: s.peer,
            username: s.username().map(<[u8]>::to_vec),
        });
        true
    }

    /// The suite and the granted maximum privilege, or the status code (IPMI 2.0 §13.17, §13.18).
    fn check_open(&self, raw: &RawOpenSessionRequest) -> Result<(CipherSuite, PrivilegeLevel), u8> {
        if raw.console_session_id == 0 {
            return Err(status::ILLEGAL_PARAMETER);
        }
        let limit = self.config.channel_privilege_limit;
        let granted = match raw.max_privilege {
            0 => limit,
            p => PrivilegeLevel::from_u8(p).ok_or(status::INVALID_ROLE)?,
        };
        if granted > limit {
            return Err(status::UNAUTHORIZED_ROLE);
        }
        if let Some(suite) = self.config.quirks.open_session_suite {
            // Quirk: this suite, whatever was offered (validated in config).
            let suite = CipherSuite::from_id(suite).ok_or(status::INVALID_AUTH_ALG)?;
            return Ok((suite, granted));
        }
        let suites = &self.suites;
        if !suites.iter().any(|s| s.auth as u8 == raw.auth) {
            return Err(status::INVALID_AUTH_ALG);
        }
        if !suites
            .iter()
            .any(|s| s.auth as u8 == raw.auth && s.integrity as u8 == raw.integrity)
        {
            return Err(status::INVALID_INTEGRITY_ALG);
        }
        let suite = suites
            .iter()
            .find(|s| {
                (s.auth as u8, s.integrity as u8, s.confidentiality as u8)
                    == (raw.auth, raw.integrity, raw.confidentiality)
            })
            .ok_or(status::INVALID_CONF_ALG)?;
        Ok((*suite, granted))
    }

    fn refuse_open(
        &mut self,
        from: SocketAddr,
        tag: u8,
        console_session_id: u32,
        st: u8,
        algs: (u8, u8, u8),
    ) {
        let resp = OpenSessionResponse {
            tag,
            status: st,
            max_privilege: 0,
            console_session_id,
            bmc_session_id: 0,
            auth: AuthAlg::from_u8(algs.0).unwrap_or(AuthAlg::None),
            integrity: IntegrityAlg::from_u8(algs.1).unwrap_or(IntegrityAlg::None),
            confidentiality: ConfAlg::from_u8(algs.2).unwrap_or(ConfAlg::None),
        };
        let mut body = Vec::with_capacity(OpenSessionResponse::LEN);
        resp.emit(&mut body);
        self.events.push_back(ServerEvent::HandshakeRefused {
            peer: from,
            username: None,
            step: HandshakeStep::OpenSession,
            status: RakpStatus(st),
        });
        self.send(from, presession(PayloadType::OpenSessionResponse, &body));
    }

    /// RAKP Message 1 (IPMI 2.0 §13.20): looks the user up, checks role and
    /// limits, answers RAKP 2 with Rc, the GUID and the key exchange code.
    pub(super) fn on_rakp1(&mut self, now: Instant, from: SocketAddr, payload: &[u8]) {
        if payload.len() < 8 {
            return self.drop_packet("malformed RAKP 1");
        }
        let (tag, sid) = (payload[0], le32(payload, 4));
        let Some(s) = self
            .sessions
            .get_mut(&sid)
            .filter(|s| s.peer.ip() == from.ip())
        else {
            self.send_rakp2_error(from, tag, 0, status::INVALID_SESSION_ID);
            return;
        };
        let console_id = s.console_id;
        let resend = match &s.state {
            State::AwaitRakp1 => None,
            State::AwaitRakp3(h) if h.rakp1 == payload => Some(h.rakp2.clone()),
            State::Active(a) if !a.established && a.handshake.rakp1 == payload => {
                Some(a.handshake.rakp2.clone())
            }
            State::AwaitRakp3(_) => None,
            State::Active(a) if !a.established => None,
            State::Lingering {
                replay: Replay::Handshake { request, response },
                ..
            } if request == payload => Some(response.clone()),
            _ => return self.drop_packet("RAKP 1 for an established session"),
        };
        if let Some(d) = resend {
            s.last_activity = now;
            return self.send(from, d);
        }
        let msg = match Rakp1::parse(payload) {
            Ok(m) => m,
            Err(_) => {
                let st = if payload.len() >= 28 && usize::from(payload[27]) > MAX_USERNAME {
                    status::INVALID_NAME_LENGTH
                } else {
                    status::ILLEGAL_PARAMETER
                };
                self.send_rakp2_error(from, tag, console_id, st);
                return;
            }
        };
        let mut checked = self.check_rakp1(sid, &msg);
        if checked == Err(status::INSUFFICIENT_RESOURCES) {
            // The user's limit is reached: the user's oldest session still
            // waiting for its RAKP 3 makes room (its console may have
            // given up without a word, as it must when RAKP 2 never came).
            let user = self
                .config
                .users
                .iter()
                .position(|u| u.name == msg.username);
            if user.is_some_and(|u| self.evict_oldest_half_open(Some(u))) {
                checked = self.check_rakp1(sid, &msg);
            }
        }
        let (user, max_privilege) = match checked {
            Err(status::UNAUTHORIZED_NAME) if self.config.quirks.silent_on_unknown_user => {
                return self.drop_packet("RAKP 1 for an unknown user (quirk: never answered)");
            }
            Ok(ok) => ok,
            Err(st) => {
                let d = self.send_rakp2_error(from, tag, console_id, st);
                self.events.push_back(ServerEvent::HandshakeRefused {
                    peer: from,
                    username: Some(msg.username.clone()),
                    step: HandshakeStep::Rakp1,
                    status: RakpStatus(st),
                });
                return self.linger_refused(now, sid, payload, d);
            }
        };
        let mut bmc_random = [0u8; 16];
        self.rng.fill_bytes(&mut bmc_random);
        let Some(s) = self.sessions.get_mut(&sid) else {
            return;
        };
        let params = RakpParams {
            console_session_id: console_id,
            bmc_session_id: sid,
            console_random: msg.console_random,
            bmc_random,
            bmc_guid: self.config.guid,
            role: msg.role,
            username: &msg.username,
        };
        let code = rakp::rakp2_code(s.suite.auth, &self.config.users[user].password, &params);
        let reply = Rakp2 {
            tag,
            status: 0,
            console_session_id: console_id,
            bmc_random,
            bmc_guid: self.config.guid,
            key_exchange_code: code,
        };
        let mut body = Vec::with_capacity(reply.buffer_len());
        reply.emit(&mut body);
        let datagram = presession(PayloadType::Rakp2, &body);
        s.state = State::AwaitRakp3(Box::new(Handshake {
            rakp1: payload.to_vec(),
            rakp2: datagram.clone(),
            user,
            username: msg.username,
            role: msg.role,
            max_privilege,
            console_random: msg.console_random,
            bmc_random,
        }));
        s.last_activity = now;
        self.send(from, datagram);
    }

    /// The user-table index and the session's maximum privilege, or the
    /// status code (IPMI 2.0 §13.20, §13.21): role bits 7:5 set or a level
    /// outside 1..=5 is 09h; no user with this name (and, with the 10h bit
    /// clear, exactly this privilege limit) is 0Dh; a level above the
    /// user's, the channel's or the Open Session limit is 0Ah; the user's
    /// session limit reached is 01h.
    fn check_rakp1(&self, sid: u32, msg: &Rakp1) -> Result<(usize, PrivilegeLevel), u8> {
        if msg.role & 0xe0 != 0 {
            return Err(status::INVALID_ROLE);
        }
        let level = PrivilegeLevel::from_u8(msg.role & 0x0f).ok_or(status::INVALID_ROLE)?;
        let name_only = msg.role & 0x10 != 0;
        let users = &self.config.users;
        let user = users
            .iter()
            .position(|u| {
                u.may_open_session()
                    && u.name == msg.username
                    && (name_only || u.privilege == level)
            })
            .ok_or(status::UNAUTHORIZED_NAME)?;
        let granted = self
            .sessions
            .get(&sid)
            .map_or(PrivilegeLevel::Callback, |s| s.granted);
        if level > users[user].privilege
            || level > self.config.channel_privilege_limit
            || level > granted
        {
            return Err(status::UNAUTHORIZED_ROLE);
        }
        let held = self
            .sessions
            .values()
            .filter(|s| s.id != sid && s.is_live() && s.user() == Some(user))
            .count();
        if held >= users[user].session_limit {
            return Err(status::INSUFFICIENT_RESOURCES);
        }
        Ok((user, level))
    }

    /// Queues a RAKP 2 with an error status and returns the datagram (IPMI 2.0 §13.21).
    fn send_rakp2_error(
        &mut self,
        from: SocketAddr,
        tag: u8,
        console_session_id: u32,
        st: u8,
    ) -> Vec<u8> {
        let reply = Rakp2 {
            tag,
            status: st,
            console_session_id,
            bmc_random: [0; 16],
            bmc_guid: [0; 16],
            key_exchange_code: Vec::new(),
        };
        let mut body = Vec::with_capacity(reply.buffer_len());
        reply.emit(&mut body);
        let d = presession(PayloadType::Rakp2, &body);
        self.send(from, d.clone());
        d
    }

    /// A refused session frees its slot and answers retransmissions of the refused message a while.
    fn linger_refused(&mut self, now: Instant, sid: u32, request: &[u8], response: Vec<u8>) {
        let until = now + self.config.handshake_timeout;
        if let Some(s) = self.sessions.get_mut(&sid) {
            s.state = State::Lingering {
                until,
                replay: Replay::Handshake {
                    request: request.to_vec(),
                    response,
                },
            };
        }
        self.trim_lingering();
    }

    /// RAKP Message 3 (IPMI 2.0 §13.22): verifies the console's key exchange
    /// code, derives SIK, K1, K2 and answers RAKP 4; the session is active.
    pub(super) fn on_rakp3(&mut self, now: Instant, from: SocketAddr, payload: &[u8]) {
        if payload.len() < 8 {
            return self.drop_packet("malformed RAKP 3");
        }
        let (tag, sid) = (payload[0], le32(payload, 4));
        let unasked = match self.sessions.get(&sid) {
            None => true,
            Some(s) => matches!(s.state, State::AwaitRakp1),
        };
        if unasked {
            // No RAKP 2 was sent for this session: nothing asked for it.
            self.stats.unexpected_rakp3 += 1;
            if self.config.quirks.crash_on_unexpected_rakp3 {
                self.stats.crashed = true;
                return self.drop_packet("unexpected RAKP 3 (quirk: crashed)");
            }
        }
        let Some(s) = self
            .sessions
            .get_mut(&sid)
            .filter(|s| s.peer.ip() == from.ip())
        else {
            self.send_rakp4(from, tag, 0, status::INVALID_SESSION_ID, Vec::new());
            return;
        };
        let console_id = s.console_id;
        let gives_up = payload[1] != 0;
        match &s.state {
            State::AwaitRakp3(_) => {}
            State::Active(a) if a.rakp3 == payload => {
                let d = a.rakp4.clone();
                s.last_activity = now;
                return self.send(from, d);
            }
            // The console gives up a session that it never used: its RAKP
            // 1 was lost (or it never got RAKP 2), or its RAKP 4 was lost
            // (the session is active, but no packet came in it).
            State::Active(_) if gives_up && s.is_unestablished() => {
                return self.close_session(now, sid, CloseReason::ClosedByClient);
            }
            State::AwaitRakp1 if gives_up => {
                self.sessions.remove(&sid);
                self.events.push_back(ServerEvent::HandshakeRefused {
                    peer: from,
                    username: None,
                    step: HandshakeStep::Rakp3,
                    status: RakpStatus(payload[1]),
                });
                return;
            }
            State::Lingering {
                replay: Replay::Handshake { request, response },
                ..
            } if request == payload => {
                let d = response.clone();
                return self.send(from, d);
            }
            _ => return self.drop_packet("RAKP 3 out of sequence"),
        }
        let Ok(msg) = Rakp3::parse(payload) else {
            self.send_rakp4(from, tag, console_id, status::ILLEGAL_PARAMETER, Vec::new());
            return;
        };
        let suite = s.suite;
        let State::AwaitRakp3(h) = std::mem::replace(&mut s.state, State::AwaitRakp1) else {
            return;
        };
        if msg.status != 0 {
            // The console gives up (e.g. its password did not verify RAKP 2).
            self.sessions.remove(&sid);
            self.events.push_back(ServerEvent::HandshakeRefused {
                peer: from,
                username: Some(h.username.clone()),
                step: HandshakeStep::Rakp3,
                status: RakpStatus(msg.status),
            });
            return;
        }
        let user = &self.config.users[h.user];
        let params = RakpParams {
            console_session_id: console_id,
            bmc_session_id: sid,
            console_random: h.console_random,
            bmc_random: h.bmc_random,
            bmc_guid: self.config.guid,
            role: h.role,
            username: &h.username,
        };
        let expected = rakp::rakp3_code(suite.auth, &user.password, &params);
        if !rakp::codes_equal(&expected, &msg.key_exchange_code) {
            let d = self.send_rakp4(
                from,
                tag,
                console_id,
                status::INVALID_INTEGRITY_CHECK,
                Vec::new(),
            );
            self.events.push_back(ServerEvent::HandshakeRefused {
                peer: from,
                username: Some(h.username.clone()),
                step: HandshakeStep::Rakp3,
                status: RakpStatus(status::INVALID_INTEGRITY_CHECK),
            });
            return self.linger_refused(now, sid, payload, d);
        }
        let key = self.config.nonzero_kg().unwrap_or(&user.password);
        let keys = rakp::derive_keys(suite.auth, key, &params);
        let icv = rakp::rakp4_icv(suite.auth, &keys.sik, &params);
        let Ok(crypto) = SessionCrypto::try_new(suite, &keys) else {
            self.sessions.remove(&sid);
            self.send_rakp4(
                from,
                tag,
                console_id,
                status::INSUFFICIENT_RESOURCES,
                Vec::new(),
            );
            return;
        };
        let rakp4 = self.send_rakp4(from, tag, console_id, 0, icv);
        let privilege = PrivilegeLevel::User.min(h.max_privilege);
        self.events.push_back(ServerEvent::SessionOpened {
            session_id: sid,
            peer: from,
            username: h.username.clone(),
            suite: suite.id,
            privilege,
        });
        if let Some(s) = self.sessions.get_mut(&sid) {
            s.last_activity = now;
            s.state = State::Active(Box::new(Active {
                handshake: *h,
                rakp3: payload.to_vec(),
                rakp4,
                crypto,
                privilege,
                established: false,
                window: Default::default(),
                out_seq: 0,
                answers: Default::default(),
            }));
        }
    }

    /// Queues a RAKP 4 and returns the datagram (IPMI 2.0 §13.23).
    fn send_rakp4(
        &mut self,
        from: SocketAddr,
        tag: u8,
        console_session_id: u32,
        st: u8,
        icv: Vec<u8>,
    ) -> Vec<u8> {
        let reply = Rakp4 {
            tag,
            status: st,
            console_session_id,
            integrity_check: icv,
        };
        let mut body = Vec::with_capacity(reply.buffer_len());
        reply.emit(&mut body);
        let d = presession(PayloadType::Rakp4, &body);
        self.send(from, d.clone());
        d
    }
}
