//! One server-side session: its handshake record, keys, inbound sequence
//! window, privilege, answers kept for retransmissions, and idle timer
//! (IPMI 2.0 §6.12, §13.14–§13.23).

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Instant;

use ipmi_core::PrivilegeLevel;

use super::config::ServerConfig;
use crate::crypto::suite::CipherSuite;
use crate::packet::SessionCrypto;

/// How far ahead of the highest accepted inbound sequence number a packet
/// may be (IPMI 2.0 §6.12.13; the OpenIPMI BMC uses the same +15).
pub(crate) const WINDOW_AHEAD: u32 = 15;
/// How far behind it a packet not yet seen may be (IPMI 2.0 §6.12.13).
pub(crate) const WINDOW_BEHIND: u32 = 16;
/// Answers kept per session to replay for retransmitted requests.
pub(crate) const CACHED_ANSWERS: usize = 8;

/// The inbound session sequence window: drops replays and packets too far
/// from the highest accepted number (IPMI 2.0 §6.12.13).
///
/// The first packet may carry any non-zero number (ipmitool continues its
/// handshake count, FreeIPMI starts at 1); 0 is never valid in a session.
#[derive(Clone, Debug, Default)]
pub(crate) struct SequenceWindow {
    highest: Option<u32>,
    /// Bit n set: `highest - n` was accepted.
    seen: u32,
}

impl SequenceWindow {
    /// Accepts and records `seq`, or refuses it (replayed, too old, too far ahead).
    pub(crate) fn accept(&mut self, seq: u32) -> bool {
        if seq == 0 {
            return false;
        }
        let Some(h) = self.highest else {
            self.highest = Some(seq);
            self.seen = 1;
            return true;
        };
        let ahead = seq.wrapping_sub(h);
        if (1..=WINDOW_AHEAD).contains(&ahead) {
            self.seen = (self.seen << ahead) | 1;
            self.highest = Some(seq);
            return true;
        }
        let behind = h.wrapping_sub(seq);
        if (1..=WINDOW_BEHIND).contains(&behind) && self.seen & (1 << behind) == 0 {
            self.seen |= 1 << behind;
            return true;
        }
        false
    }
}

/// The last few (request message, response message) pairs of a session, so
/// that a retransmitted request is answered again, not executed twice.
#[derive(Clone, Debug, Default)]
pub(crate) struct AnswerCache {
    entries: VecDeque<(Vec<u8>, Vec<u8>)>,
}

impl AnswerCache {
    /// The response message sent for this exact request message (same rqSeq, command and data).
    pub(crate) fn get(&self, request: &[u8]) -> Option<&[u8]> {
        self.entries
            .iter()
            .find(|(q, _)| q == request)
            .map(|(_, r)| r.as_slice())
    }

    /// Remembers an answer, forgetting the oldest beyond [`CACHED_ANSWERS`].
    pub(crate) fn put(&mut self, request: Vec<u8>, response: Vec<u8>) {
        if self.entries.len() == CACHED_ANSWERS {
            self.entries.pop_front();
        }
        self.entries.push_back((request, response));
    }
}

/// What RAKP 1 settled: the user and both random numbers (IPMI 2.0 §13.20, §13.21).
#[derive(Clone, Debug)]
pub(crate) struct Handshake {
    /// The RAKP 1 payload answered, to recognise retransmissions.
    pub(crate) rakp1: Vec<u8>,
    /// The RAKP 2 datagram sent.
    pub(crate) rakp2: Vec<u8>,
    /// Index in the user table.
    pub(crate) user: usize,
    /// The user name as sent.
    pub(crate) username: Vec<u8>,
    /// The whole RAKP 1 role byte.
    pub(crate) role: u8,
    /// The highest level this session may reach (the RAKP 1 role's level).
    pub(crate) max_privilege: PrivilegeLevel,
    /// Rm.
    pub(crate) console_random: [u8; 16],
    /// Rc.
    pub(crate) bmc_random: [u8; 16],
}

/// An active session (IPMI 2.0 §13.23 onwards).
#[derive(Clone)]
pub(crate) struct Active {
    pub(crate) handshake: Handshake,
    /// The RAKP 3 payload answered and the RAKP 4 datagram sent.
    pub(crate) rakp3: Vec<u8>,
    pub(crate) rakp4: Vec<u8>,
    pub(crate) crypto: SessionCrypto,
    /// Current privilege level.
    pub(crate) privilege: PrivilegeLevel,
    /// A valid in-session packet arrived: the handshake can no longer be redone.
    pub(crate) established: bool,
    pub(crate) window: SequenceWindow,
    /// Last outbound session sequence number.
    pub(crate) out_seq: u32,
    pub(crate) answers: AnswerCache,
}

/// What a finished session still answers while it lingers.
#[derive(Clone)]
pub(crate) enum Replay {
    /// A refused handshake step: this request payload gets this datagram again.
    Handshake { request: Vec<u8>, response: Vec<u8> },
    /// A closed session: cached answers (its Close Session) are replayed.
    Session(Box<Active>),
}

/// Where a session is in its life (IPMI 2.0 §13.14).
#[derive(Clone)]
pub(crate) enum State {
    /// Open Session answered, waiting for RAKP 1.
    AwaitRakp1,
    /// RAKP 2 sent, waiting for RAKP 3.
    AwaitRakp3(Box<Handshake>),
    /// RAKP 4 sent.
    Active(Box<Active>),
    /// Ended; kept a short while to answer retransmissions, counts for no limit.
    Lingering { until: Instant, replay: Replay },
}

/// One entry of the session table.
#[derive(Clone)]
pub(crate) struct ServerSession {
    /// Managed system session ID (SIDc).
    pub(crate) id: u32,
    /// Remote console session ID (SIDm).
    pub(crate) console_id: u32,
    pub(crate) peer: SocketAddr,
    pub(crate) suite: CipherSuite,
    /// The Open Session Request payload and the response datagram.
    pub(crate) open_request: Vec<u8>,
    pub(crate) open_response: Vec<u8>,
    /// Level granted in the Open Session Response.
    pub(crate) granted: PrivilegeLevel,
    pub(crate) last_activity: Instant,
    pub(crate) state: State,
}

impl ServerSession {
    /// When this session is dropped unless something arrives first.
    pub(crate) fn expires_at(&self, config: &ServerConfig) -> Instant {
        match &self.state {
            State::Lingering { until, .. } => *until,
            State::Active(_) => self.last_activity + config.idle_timeout,
            State::AwaitRakp1 | State::AwaitRakp3(_) => {
                self.last_activity + config.handshake_timeout
            }
        }
    }

    /// Counts towards the session table and user limits (not lingering).
    pub(crate) fn is_live(&self) -> bool {
        !matches!(self.state, State::Lingering { .. })
    }

    /// The user-table index this session is bound to, once RAKP 1 was accepted.
    pub(crate) fn user(&self) -> Option<usize> {
        match &self.state {
            State::AwaitRakp3(h) => Some(h.user),
            State::Active(a) => Some(a.handshake.user),
            _ => None,
        }
    }

    /// The user name, once RAKP 1 was accepted.
    pub(crate) fn username(&self) -> Option<&[u8]> {
        match &self.state {
            State::AwaitRakp3(h) => Some(&h.username),
            State::Active(a) => Some(&a.handshake.username),
            State::Lingering {
                replay: Replay::Session(a),
                ..
            } => Some(&a.handshake.username),
            _ => None,
        }
    }

    /// True until the first valid in-session packet: the console may still redo the handshake.
    pub(crate) fn is_unestablished(&self) -> bool {
        match &self.state {
            State::AwaitRakp1 | State::AwaitRakp3(_) => true,
            State::Active(a) => !a.established,
            State::Lingering { .. } => false,
        }
    }

    /// A public snapshot.
    pub(crate) fn info(&self) -> SessionInfo {
        let (state, privilege) = match &self.state {
            State::AwaitRakp1 => (SessionState::AwaitingRakp1, None),
            State::AwaitRakp3(_) => (SessionState::AwaitingRakp3, None),
            State::Active(a) => (SessionState::Active, Some(a.privilege)),
            State::Lingering { .. } => (SessionState::Closed, None),
        };
        SessionInfo {
            session_id: self.id,
            console_session_id: self.console_id,
            peer: self.peer,
            username: self.username().map(<[u8]>::to_vec),
            suite: self.suite.id,
            privilege,
            state,
        }
    }
}

/// Where a session is, as [`super::Responder::sessions`] reports it (IPMI 2.0 §13.14).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SessionState {
    /// Open Session answered, RAKP 1 expected (IPMI 2.0 §13.18).
    AwaitingRakp1,
    /// RAKP 2 sent, RAKP 3 expected (IPMI 2.0 §13.21).
    AwaitingRakp3,
    /// RAKP 4 sent: the session carries requests (IPMI 2.0 §13.23).
    Active,
    /// Closed or refused, kept briefly to answer retransmissions; holds no slot.
    Closed,
}

/// A snapshot of one session-table entry (IPMI 2.0 §6.12).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionInfo {
    /// Managed system session ID.
    pub session_id: u32,
    /// Remote console session ID.
    pub console_session_id: u32,
    /// Remote console address.
    pub peer: SocketAddr,
    /// User name, once RAKP 1 was accepted.
    pub username: Option<Vec<u8>>,
    /// Cipher suite ID.
    pub suite: u8,
    /// Current privilege level of an active session.
    pub privilege: Option<PrivilegeLevel>,
    /// Where it is.
    pub state: SessionState,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window() {
        let mut w = SequenceWindow::default();
        assert!(!w.accept(0));
        assert!(w.accept(3), "first packet: any non-zero number");
        assert!(!w.accept(3), "replay");
        assert!(w.accept(5));
        assert!(w.accept(4), "late but new");
        assert!(!w.accept(4));
        assert!(w.accept(20), "15 ahead");
        assert!(!w.accept(36), "16 ahead");
        assert!(w.accept(6), "14 behind, unseen");
        assert!(w.accept(35));
        assert!(w.accept(19), "16 behind");
        assert!(!w.accept(18), "17 behind");
        assert!(!w.accept(20), "replay within window");
        // Wrap-around.
        let mut w = SequenceWindow::default();
        assert!(w.accept(u32::MAX - 1));
        assert!(w.accept(u32::MAX));
        assert!(w.accept(2));
        assert!(!w.accept(u32::MAX));
        assert!(w.accept(1));
    }

    #[test]
    fn cache() {
        let mut c = AnswerCache::default();
        for i in 0..10u8 {
            c.put(vec![i], vec![i, i]);
        }
        assert_eq!(c.get(&[9]), Some(&[9u8, 9][..]));
        assert_eq!(c.get(&[2]), Some(&[2u8, 2][..]));
        assert_eq!(c.get(&[1]), None, "evicted");
    }
}
