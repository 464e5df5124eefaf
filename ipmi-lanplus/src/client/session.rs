//! The client session state machine (IPMI 2.0 §13.14): Get Channel
//! Authentication Capabilities (with Get Channel Cipher Suites when no
//! suite is pinned), Open Session, RAKP 1–4, Set Session Privilege Level,
//! requests, Close Session. One operation at a time, each with its own
//! deadline; datagrams are resent at a pace adapted to the measured round
//! trips until it passes (see `retransmit`).
//!
//! # Never a message the BMC cannot expect
//!
//! Some BMCs fall over on a message their state does not call for, so
//! the handshake only ever answers what arrived:
//!
//! * RAKP 3 with an error status goes out only once a RAKP 2 was
//!   received, when the BMC holds a session that waits for a RAKP 3: in
//!   reply to a RAKP 2 whose code did not verify (0x0F), to a RAKP 4 whose
//!   check value did not (0x0F), or when giving up while RAKP 4 is awaited
//!   (deadline, cancellation, start over: 0x01). Never after silence: a
//!   console that gives up waiting for RAKP 2 sends nothing, since the BMC
//!   may not even have taken RAKP 1 (some ignore RAKP 1 for an unknown
//!   user, and fall over on a RAKP 3 they did not ask for); it frees that
//!   half-open session by its handshake timeout or by evicting the oldest
//!   half-open session when it needs the slot.
//! * Close Session goes out only for a session the BMC activated: one
//!   whose RAKP 4 arrived with status 0 (even if its integrity check then
//!   failed: the BMC activated it all the same), or that answered in it.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use ipmi_core::cmd::{CloseSession, GetChannelAuthCapabilities, SetSessionPrivilegeLevel};
use ipmi_core::wire::lan_message::{LanMessage, REMOTE_CONSOLE_SWID};
use ipmi_core::{
    Command, CompletionCode, Deadline, NetFn, PrivilegeLevel, Request, Response, Target,
};
use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};

use super::bridge::{self, Forwarded};
use super::handshake::{self, Agreed, OpenOutcome, NAME_ONLY_LOOKUP};
use super::negotiate::{self, Negotiation, Reason};
use super::replay::ReplayWindow;
use super::retransmit::{Expiry, Pace, Retransmit, RttEstimator};
use crate::crypto::rakp::SessionKeys;
use crate::crypto::suite::{CipherSuite, IntegrityAlg};
use crate::error::{Error, Stage};
use crate::packet::{self, Datagram, SessionCrypto};
use crate::server::cipher_suites::{CipherSuitesRequest, CHUNK_LEN, CMD_GET_CHANNEL_CIPHER_SUITES};
use crate::wire::open_session::OpenSessionResponse;
use crate::wire::rakp::{Rakp2, Rakp4};
use crate::wire::session_v20::PayloadType;
use crate::ClientConfig;

/// RAKP 3 status by which a console gives up a handshake whose RAKP 4 it
/// no longer waits for: "insufficient resources to create a session"
/// (IPMI 2.0 §13.24). Any non-zero status makes the BMC drop the session.
const RAKP3_GIVE_UP: u8 = 0x01;
/// RAKP 3 status sent when RAKP 2 or RAKP 4 did not verify: "invalid
/// integrity check value" (IPMI 2.0 §13.24).
const RAKP3_CHECK_FAILED: u8 = 0x0f;
/// Tries of RAKP 3 without any answer before the handshake starts over:
/// a BMC that activated the session on the first RAKP 3 (its RAKP 4 was
/// lost) may ignore the copies (ipmi_sim does), so waiting longer is futile.
const RAKP3_TRIES_BEFORE_RESTART: u32 = 2;
/// How many times a handshake may start over from Open Session.
const MAX_RESTARTS: u8 = 4;
/// Get Channel Cipher Suites (NetFn App, IPMI 2.0 §22.15) may use at most
/// this fraction (1/n) of the connect's budget, answered or not.
const SUITES_SHARE_DIVISOR: u32 = 4;
/// After Get Channel Authentication Capabilities was answered (both were
/// sent together), an unanswered Get Channel Cipher Suites is waited for
/// 4 round trips more (as measured by that answer), at least this long: a
/// BMC that implements it answers right after the first, one that ignores
/// it (ipmi_sim does) must not hold the connect up. Waiting too little
/// costs nothing but the fallback (17, then 3); ipmitool waits 10 s.
const SUITES_GRACE_MIN: Duration = Duration::from_millis(20);
/// Largest list index of Get Channel Cipher Suites (IPMI 2.0 §22.15).
const MAX_LIST_INDEX: u8 = 0x3f;

/// What the session reports to its driver.
#[derive(Debug)]
pub enum Event {
    /// The handshake finished: the session is active (IPMI 2.0 §13.23).
    Connected {
        /// The negotiated cipher suite.
        suite: CipherSuite,
        /// The session's privilege level.
        privilege: PrivilegeLevel,
    },
    /// The answer to the pending request.
    Response(Response),
    /// The pending operation failed; the error says at which step.
    Failed(Error),
    /// Close Session was answered; the session is over.
    Closed,
}

/// What a driver must do next (see [`Session::poll`]).
#[derive(Debug)]
pub enum Action {
    /// Send this datagram to the BMC, then poll again.
    Transmit(Vec<u8>),
    /// The pending operation finished, with its event or its error.
    Done(Result<Event, Error>),
    /// Wait for a datagram until this instant at the latest, then poll again.
    WaitUntil(Instant),
    /// Nothing is pending.
    Idle,
}

impl Event {
    /// The response carried by this event, or the error it stands for.
    pub fn into_response(self) -> Result<Response, Error> {
        match self {
            Event::Response(r) => Ok(r),
            Event::Failed(e) => Err(e),
            Event::Connected { .. } => Err(Error::NotActive("unexpected connect event")),
            Event::Closed => Err(Error::NotActive("the session was closed")),
        }
    }
}

/// Counters for diagnostics (`-v`) and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Datagrams handed out by `poll_transmit`.
    pub sent: u64,
    /// Datagrams handed in by `handle_datagram`.
    pub received: u64,
    /// Received datagrams dropped (not ours, stale, replayed, unverifiable).
    pub dropped: u64,
    /// Of the sent datagrams, how many were retransmissions.
    pub retransmits: u64,
    /// The reason the last datagram was dropped.
    pub last_drop: Option<&'static str>,
}

#[derive(Clone, Debug)]
enum Phase {
    Idle,
    AuthCaps {
        rq_seq: u8,
    },
    /// Get Channel Authentication Capabilities was answered; the cipher
    /// suite list is still awaited (see [`SuiteQuery`]).
    CipherSuites,
    OpenSession(Agreed),
    Rakp2(Agreed),
    Rakp4 {
        agreed: Agreed,
        keys: SessionKeys,
        resent: bool,
    },
    Active(Active),
    Closed,
    Failed,
}

/// Get Channel Cipher Suites in progress: sent with Get Channel
/// Authentication Capabilities, page after page (IPMI 2.0 §22.15).
#[derive(Clone, Debug)]
struct SuiteQuery {
    rq_seq: u8,
    index: u8,
    records: Vec<u8>,
    outcome: Option<Result<(), &'static str>>,
    /// The end of its share of the connect's budget.
    share_end: Instant,
    /// When it is given up: the share's end, or sooner once Get Channel
    /// Authentication Capabilities was answered and page 0 was not.
    give_up_at: Instant,
}

#[derive(Clone)]
struct Active {
    suite: CipherSuite,
    bmc_session_id: u32,
    crypto: SessionCrypto,
    privilege: PrivilegeLevel,
}

impl std::fmt::Debug for Active {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Active")
            .field("suite", &self.suite.id)
            .field("bmc_session_id", &self.bmc_session_id)
            .field("privilege", &self.privilege)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OpKind {
    Connect,
    Request,
    Close,
}

#[derive(Clone, Debug)]
enum Outgoing {
    /// A pre-session datagram, resent as is.
    Fixed(Vec<u8>),
    /// An IPMI message inside the session, protected anew on every send.
    InSession(Vec<u8>),
    /// Nothing to resend: the request was delivered and forwarded, only
    /// its answer is awaited.
    Nothing,
}

#[derive(Clone, Copy, Debug)]
struct Awaiting {
    rq_seq: u8,
    netfn: NetFn,
    cmd: u8,
    /// For a bridged request awaiting its Send Message response: the
    /// NetFn and command of the request inside.
    bridged: Option<(NetFn, u8)>,
}

#[derive(Clone, Debug)]
struct Op {
    kind: OpKind,
    stage: Stage,
    timer: Retransmit,
    outgoing: Outgoing,
    awaiting: Option<Awaiting>,
    /// The `ipmi_request` span of an in-session request, else none.
    span: tracing::Span,
}

/// The client side of one RMCP+ session, as a sans-IO state machine.
///
/// Drive it with [`Session::handle_datagram`] and [`Session::handle_timeout`];
/// drain [`Session::poll_transmit`] and [`Session::poll_event`]; sleep until
/// [`Session::poll_timeout`].
pub struct Session {
    config: ClientConfig,
    suites: Vec<CipherSuite>,
    suite_index: usize,
    rng: StdRng,
    phase: Phase,
    op: Option<Op>,
    transmit: VecDeque<Vec<u8>>,
    events: VecDeque<Event>,
    console_session_id: u32,
    rq_seq: u8,
    out_seq: u32,
    window: ReplayWindow,
    stats: Stats,
    restarts_left: u8,
    rtt: RttEstimator,
    query: Option<SuiteQuery>,
    negotiation: Option<Negotiation>,
    reason: Option<Reason>,
    /// `ipmi_session` span (see [`super::trace`]): every event of this
    /// session is recorded inside it.
    span: tracing::Span,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("phase", &self.phase)
            .field("op", &self.op)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// A session that will use `config`; `seed` seeds the random numbers
    /// (session IDs, RAKP randoms, IVs): give it 32 bytes from the OS.
    pub fn new(config: ClientConfig, seed: [u8; 32]) -> Self {
        let mut rng = StdRng::from_seed(seed);
        let console_session_id = loop {
            let id = rng.next_u32();
            if id != 0 {
                break id;
            }
        };
        let rq_seq = (rng.next_u32() % 63) as u8 + 1;
        Session {
            config,
            suites: Vec::new(),
            suite_index: 0,
            rng,
            phase: Phase::Idle,
            op: None,
            transmit: VecDeque::new(),
            events: VecDeque::new(),
            console_session_id,
            rq_seq,
            out_seq: 0,
            window: ReplayWindow::default(),
            stats: Stats::default(),
            restarts_left: MAX_RESTARTS,
            rtt: RttEstimator::default(),
            query: None,
            negotiation: None,
            reason: None,
            span: super::trace::session_span(console_session_id),
        }
    }

    /// An independent copy of this session in its current state, for the
    /// fuzzing harness only: both copies would draw the same IVs, so a
    /// copy must never talk to a real BMC. Events not yet polled are not
    /// copied.
    #[cfg(feature = "fuzzing")]
    pub(crate) fn fork(&self) -> Session {
        Session {
            config: self.config.clone(),
            suites: self.suites.clone(),
            suite_index: self.suite_index,
            rng: self.rng.clone(),
            phase: self.phase.clone(),
            op: self.op.clone(),
            transmit: self.transmit.clone(),
            events: VecDeque::new(),
            console_session_id: self.console_session_id,
            rq_seq: self.rq_seq,
            out_seq: self.out_seq,
            window: self.window.clone(),
            stats: self.stats,
            restarts_left: self.restarts_left,
            rtt: self.rtt,
            query: self.query.clone(),
            negotiation: self.negotiation.clone(),
            reason: self.reason.clone(),
            span: self.span.clone(),
        }
    }

    /// Names the BMC in this session's `ipmi_session` span.
    pub(crate) fn record_host(&self, host: &str) {
        self.span.record("host", host);
    }

    /// Starts the handshake; `Event::Connected` or `Event::Failed` follows.
    pub fn connect(&mut self, now: Instant, deadline: Deadline) -> Result<(), Error> {
        let span = self.span.clone();
        let _entered = span.enter();
        if !matches!(self.phase, Phase::Idle) {
            return Err(Error::Busy);
        }
        self.config.validate()?;
        self.suites = self.config.suites_to_offer()?;
        let rq_seq = self.next_rq_seq();
        let caps = GetChannelAuthCapabilities {
            channel: 0x0e,
            privilege: self.config.privilege,
            ipmi_v2: true,
        };
        let request = caps.request();
        let mut message = Vec::with_capacity(16);
        LanMessage::for_request(&request, REMOTE_CONSOLE_SWID, rq_seq).emit(&mut message);
        let mut datagram = Vec::with_capacity(32);
        packet::emit_v15_presession(&message, &mut datagram);
        self.phase = Phase::AuthCaps { rq_seq };
        self.start_op(
            now,
            deadline,
            OpKind::Connect,
            Stage::ChannelAuthCapabilities,
            Outgoing::Fixed(datagram),
        );
        self.query = None;
        if self.config.cipher_suite.is_none() {
            let share = deadline.remaining(now) / SUITES_SHARE_DIVISOR;
            let rq_seq = self.next_rq_seq();
            self.query = Some(SuiteQuery {
                rq_seq,
                index: 0,
                records: Vec::new(),
                outcome: None,
                share_end: now + share,
                give_up_at: now + share,
            });
            self.send_suites_page();
        }
        Ok(())
    }

    /// Sends `request` in the active session; `Event::Response` or
    /// `Event::Failed` follows.
    pub fn request(
        &mut self,
        now: Instant,
        request: &Request,
        deadline: Deadline,
    ) -> Result<(), Error> {
        if !matches!(self.phase, Phase::Active(_)) {
            return Err(Error::NotActive("no request can be sent"));
        }
        if self.op.is_some() {
            return Err(Error::Busy);
        }
        let stage = Stage::Request {
            netfn: request.netfn,
            cmd: request.cmd,
        };
        let span = self.span.clone();
        let _entered = span.enter();
        self.start_in_session(now, deadline, OpKind::Request, stage, request);
        Ok(())
    }

    /// Sends Close Session (IPMI 2.0 §22.19), abandoning any pending
    /// operation; `Event::Closed` or `Event::Failed` follows. Does nothing
    /// and returns `false` when the session is not active.
    pub fn close(&mut self, now: Instant, deadline: Deadline) -> bool {
        let Phase::Active(active) = &self.phase else {
            return false;
        };
        let span = self.span.clone();
        let _entered = span.enter();
        let request = CloseSession {
            session_id: active.bmc_session_id,
        }
        .request();
        self.op = None;
        self.start_in_session(now, deadline, OpKind::Close, Stage::CloseSession, &request);
        true
    }

    /// Abandons the pending request, if the pending operation is one (not
    /// a handshake, not Close Session): no event follows it, and its
    /// answer, should it still come, is dropped as stale. Returns whether
    /// a request was abandoned. For a driver whose caller went away
    /// mid-request, and for [`super::Connection`]'s keepalives.
    pub fn cancel_request(&mut self) -> bool {
        if self.op.as_ref().map(|op| op.kind) != Some(OpKind::Request) {
            return false;
        }
        self.op = None;
        true
    }

    /// Gives up a handshake in progress at once, without an event: queues
    /// a RAKP 3 with a non-zero status when the BMC waits for one (a RAKP
    /// 2 was received), nothing otherwise (see the module documentation).
    /// For a driver dropped in the middle of a connect (a cancelled
    /// future). Returns whether a handshake was given up; an active
    /// session is for [`Self::close`].
    pub fn give_up(&mut self) -> bool {
        if self.op.as_ref().map(|op| op.kind) != Some(OpKind::Connect)
            || matches!(self.phase, Phase::Active(_))
        {
            return false;
        }
        self.rakp3_error(RAKP3_GIVE_UP);
        self.op = None;
        self.phase = Phase::Failed;
        true
    }

    /// True once the handshake has produced session keys and until the
    /// session is closed: Close Session must be sent before dropping it.
    pub fn is_active(&self) -> bool {
        matches!(self.phase, Phase::Active(_))
    }

    /// True while an operation waits for an answer.
    pub fn is_busy(&self) -> bool {
        self.op.is_some()
    }

    /// How the cipher suite was chosen and why, once Open Session was
    /// accepted (IPMI 2.0 §13.17, §22.15); for `-v`.
    pub fn negotiation(&self) -> Option<&Negotiation> {
        self.negotiation.as_ref()
    }

    /// The smoothed round trip measured in this session (RFC 6298), once
    /// an answer to a datagram sent only once arrived; for `-v`.
    pub fn smoothed_rtt(&self) -> Option<Duration> {
        self.rtt.srtt()
    }

    /// The negotiated cipher suite, once active.
    pub fn suite(&self) -> Option<CipherSuite> {
        match &self.phase {
            Phase::Active(a) => Some(a.suite),
            _ => None,
        }
    }

    /// The BMC's ID of the session (the managed system session ID of Open
    /// Session, IPMI 2.0 §13.18), once active: what Close Session of
    /// another session names.
    pub fn bmc_session_id(&self) -> Option<u32> {
        match &self.phase {
            Phase::Active(a) => Some(a.bmc_session_id),
            _ => None,
        }
    }

    /// The session's privilege level, once active.
    pub fn privilege(&self) -> Option<PrivilegeLevel> {
        match &self.phase {
            Phase::Active(a) => Some(a.privilege),
            _ => None,
        }
    }

    /// Diagnostic counters.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// The next datagram to send, if any.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        let d = self.transmit.pop_front()?;
        self.stats.sent += 1;
        Some(d)
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When `handle_timeout` must next be called; `None` when nothing waits.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let wake = self.op.as_ref().map(|op| op.timer.wake_at())?;
        match (&self.phase, &self.query) {
            (Phase::CipherSuites, Some(q)) => Some(wake.min(q.give_up_at)),
            _ => Some(wake),
        }
    }

    /// The next thing a driver must do at `now`: datagrams first, then a
    /// finished operation, then how long to wait. Handles due timeouts.
    pub fn poll(&mut self, now: Instant) -> Action {
        loop {
            if let Some(d) = self.poll_transmit() {
                return Action::Transmit(d);
            }
            if let Some(event) = self.poll_event() {
                return Action::Done(match event {
                    Event::Failed(e) => Err(e),
                    other => Ok(other),
                });
            }
            match self.poll_timeout() {
                None => return Action::Idle,
                Some(t) if t > now => return Action::WaitUntil(t),
                Some(_) => self.handle_timeout(now),
            }
        }
    }

    /// Resends or gives up, depending on the time.
    pub fn handle_timeout(&mut self, now: Instant) {
        let span = self.span.clone();
        let _entered = span.enter();
        let op_span = self.op_span();
        let _op_entered = op_span.enter();
        if matches!(self.phase, Phase::CipherSuites)
            && self.query.as_ref().is_some_and(|q| now >= q.give_up_at)
        {
            return self.suites_known(now, None, "no answer in its share of the deadline");
        }
        let Some(op) = self.op.as_mut() else {
            return;
        };
        match op.timer.on_timeout(now) {
            Expiry::Wait => {}
            Expiry::Resend => {
                let rakp3_unanswered = matches!(self.phase, Phase::Rakp4 { .. })
                    && op.timer.tries > RAKP3_TRIES_BEFORE_RESTART;
                if rakp3_unanswered && self.restarts_left > 0 {
                    // Neither RAKP 3 got an answer: its RAKP 4 may have
                    // been lost after the BMC activated the session, and
                    // some BMCs ignore RAKP 3 from then on. Tell it to
                    // drop that session (it sent RAKP 2: RAKP 3 is what it
                    // expects) and start over.
                    self.restarts_left -= 1;
                    self.stats.retransmits += 1;
                    tracing::info!(stage = %op.stage, "no RAKP 4: telling the BMC to drop the session, starting over");
                    self.rakp3_error(RAKP3_GIVE_UP);
                    return self.start_open_session(now);
                }
                let caps_with_suites = matches!(self.phase, Phase::AuthCaps { .. })
                    && self.query.as_ref().is_some_and(|q| q.outcome.is_none());
                match &op.outgoing {
                    Outgoing::Fixed(d) if caps_with_suites => {
                        // The cipher suite request went with the first
                        // try: it goes with every try.
                        self.transmit.push_back(d.clone());
                        self.send_suites_page();
                    }
                    Outgoing::Fixed(d) => self.transmit.push_back(d.clone()),
                    Outgoing::InSession(m) => {
                        let m = m.clone();
                        self.send_in_session(&m);
                    }
                    Outgoing::Nothing => return,
                }
                self.stats.retransmits += 1;
                if let Some(op) = self.op.as_ref() {
                    tracing::debug!(stage = %op.stage, tries = op.timer.tries, "retransmitted");
                }
                if let Phase::Rakp4 { resent, .. } = &mut self.phase {
                    *resent = true;
                }
            }
            Expiry::GiveUp => {
                tracing::info!(stage = %op.stage, tries = op.timer.tries, "deadline expired");
                let err = Error::Timeout {
                    stage: op.stage,
                    tries: op.timer.tries,
                };
                self.fail(err);
            }
        }
    }

    /// Feeds one received datagram; anything not for the pending operation
    /// (stale, duplicated, unverifiable, malformed) is dropped and counted.
    pub fn handle_datagram(&mut self, now: Instant, datagram: &[u8]) {
        let span = self.span.clone();
        let _entered = span.enter();
        let op_span = self.op_span();
        let _op_entered = op_span.enter();
        self.stats.received += 1;
        if self.op.is_none() {
            return self.drop_packet("no operation is waiting");
        }
        match self.phase {
            Phase::AuthCaps { .. } | Phase::CipherSuites if self.is_suites_answer(datagram) => {
                self.on_suites_page(now, datagram)
            }
            Phase::AuthCaps { rq_seq } => self.on_auth_caps(now, datagram, rq_seq),
            Phase::CipherSuites => self.drop_packet("expected a Get Channel Cipher Suites reply"),
            Phase::OpenSession(_) => self.on_open_session(now, datagram),
            Phase::Rakp2(_) => self.on_rakp2(now, datagram),
            Phase::Rakp4 { .. } => self.on_rakp4(now, datagram),
            Phase::Active(_) => self.on_in_session(now, datagram),
            Phase::Idle | Phase::Closed | Phase::Failed => self.drop_packet("session not open"),
        }
    }

    // ----- handshake steps -------------------------------------------------

    fn on_auth_caps(&mut self, now: Instant, datagram: &[u8], rq_seq: u8) {
        let Ok(Datagram::V15(v15)) = packet::classify(datagram) else {
            return self.drop_packet("expected an IPMI 1.5 reply");
        };
        let Ok(msg) = LanMessage::parse(v15.payload) else {
            return self.drop_packet("malformed IPMI message");
        };
        let caps = GetChannelAuthCapabilities {
            channel: 0x0e,
            privilege: self.config.privilege,
            ipmi_v2: true,
        };
        if msg.seq != rq_seq || msg.netfn != caps.netfn().response() || msg.cmd != caps.cmd() {
            return self.drop_packet("not the capabilities reply");
        }
        let Some(response) = msg.to_response() else {
            return self.drop_packet("reply without completion code");
        };
        self.step_answered(now);
        match caps.decode(&response) {
            Ok(c) if !c.supports_v2() => self.fail(Error::NotRmcpPlus),
            Ok(_) => self.after_auth_caps(now),
            Err(e) => self.fail(Error::Command(e)),
        }
    }

    /// Get Channel Authentication Capabilities was answered: open the
    /// session now if the suite list is in (or not asked for), else wait
    /// a little for it.
    fn after_auth_caps(&mut self, now: Instant) {
        let Some(q) = self.query.as_mut() else {
            return self.suites_known(now, None, "");
        };
        match q.outcome {
            Some(Ok(())) => {
                let records = std::mem::take(&mut q.records);
                self.suites_known(now, Some(&records), "")
            }
            Some(Err(why)) => self.suites_known(now, None, why),
            None => {
                if q.index == 0 {
                    let rtt = self.rtt.srtt().unwrap_or(SUITES_GRACE_MIN);
                    q.give_up_at = q.share_end.min(now + (rtt * 4).max(SUITES_GRACE_MIN));
                }
                self.phase = Phase::CipherSuites;
                let page = self.suites_page_datagram();
                if let Some(op) = self.op.as_mut() {
                    op.stage = Stage::CipherSuites;
                    op.timer.next_step(now, self.rtt.rto());
                    op.outgoing = Outgoing::Fixed(page);
                }
            }
        }
    }

    /// The Get Channel Cipher Suites request for the query's page, framed
    /// as an RMCP+ session-less IPMI message (IPMI 2.0 §13.6, §22.15).
    fn suites_page_datagram(&self) -> Vec<u8> {
        let Some(q) = &self.query else {
            return Vec::new();
        };
        let mut data = Vec::with_capacity(3);
        CipherSuitesRequest {
            channel: 0x0e,
            payload_type: 0,
            by_suite: true,
            list_index: q.index,
        }
        .encode(&mut data);
        let request = Request {
            target: Target::bmc(),
            netfn: NetFn::APP,
            cmd: CMD_GET_CHANNEL_CIPHER_SUITES,
            data,
        };
        let mut message = Vec::with_capacity(16);
        LanMessage::for_request(&request, REMOTE_CONSOLE_SWID, q.rq_seq).emit(&mut message);
        let mut d = Vec::with_capacity(32);
        packet::emit_presession(PayloadType::Ipmi, &message, &mut d);
        d
    }

    fn send_suites_page(&mut self) {
        let d = self.suites_page_datagram();
        self.transmit.push_back(d);
    }

    fn is_suites_answer(&self, datagram: &[u8]) -> bool {
        let Some(q) = &self.query else { return false };
        presession_payload(datagram, PayloadType::Ipmi)
            .and_then(|p| LanMessage::parse(p).ok())
            .is_some_and(|m| {
                m.seq == q.rq_seq
                    && m.netfn == NetFn::APP.response()
                    && m.cmd == CMD_GET_CHANNEL_CIPHER_SUITES
            })
    }

    /// A page of the cipher suite list (or a refusal: 0xC1 not
    /// implemented, 0xC9 out of range, any other completion code).
    fn on_suites_page(&mut self, now: Instant, datagram: &[u8]) {
        let response = presession_payload(datagram, PayloadType::Ipmi)
            .and_then(|p| LanMessage::parse(p).ok())
            .and_then(|m| m.to_response());
        let Some(response) = response else {
            return self.drop_packet("reply without completion code");
        };
        let waiting = matches!(self.phase, Phase::CipherSuites);
        if waiting {
            self.step_answered(now);
        }
        let next_seq = self.next_rq_seq();
        let Some(q) = self.query.as_mut() else { return };
        if q.outcome.is_some() {
            return self.drop_packet("cipher suite list already complete");
        }
        if response.completion != CompletionCode::SUCCESS || response.data.is_empty() {
            q.outcome = Some(Err("it refused Get Channel Cipher Suites"));
        } else {
            let chunk = &response.data[1..];
            q.records.extend_from_slice(chunk);
            if chunk.len() < CHUNK_LEN || q.index >= MAX_LIST_INDEX {
                q.outcome = Some(Ok(()));
            } else {
                q.index += 1;
                q.rq_seq = next_seq;
                q.give_up_at = q.share_end;
                self.send_suites_page();
                if waiting {
                    let page = self.suites_page_datagram();
                    if let Some(op) = self.op.as_mut() {
                        op.timer.next_step(now, self.rtt.rto());
                        op.outgoing = Outgoing::Fixed(page);
                    }
                }
                return;
            }
        }
        if waiting {
            self.after_auth_caps(now);
        }
    }

    /// The suite list is in (`records`), or will not be (`why`): choose
    /// what to offer, then open the session.
    fn suites_known(&mut self, now: Instant, records: Option<&[u8]>, why: &'static str) {
        self.query = None;
        match negotiate::choose(&self.config, records, why) {
            Ok((suites, reason)) => {
                self.suites = suites;
                self.suite_index = 0;
                self.reason = Some(reason);
                self.start_open_session(now);
            }
            Err(e) => self.fail(e),
        }
    }

    fn start_open_session(&mut self, now: Instant) {
        let suite = self.suites[self.suite_index];
        // A new tag on every attempt, so that a late answer to an earlier
        // attempt is never taken for one to this attempt.
        let tag = match &self.phase {
            Phase::OpenSession(a) | Phase::Rakp2(a) | Phase::Rakp4 { agreed: a, .. } => {
                (a.tag + 1 + (self.rng.next_u32() % 63) as u8) & 0x3f
            }
            _ => (self.rng.next_u32() & 0x3f) as u8,
        };
        let mut console_random = [0u8; 16];
        self.rng.fill_bytes(&mut console_random);
        let agreed = Agreed {
            suite,
            tag,
            console_session_id: self.console_session_id,
            bmc_session_id: 0,
            console_random,
            bmc_random: [0; 16],
            bmc_guid: [0; 16],
            role: self.config.privilege as u8 | NAME_ONLY_LOOKUP,
        };
        let payload = handshake::open_session_request(&agreed, self.config.privilege);
        self.phase = Phase::OpenSession(agreed);
        self.next_step(
            now,
            Stage::OpenSession,
            PayloadType::OpenSessionRequest,
            &payload,
        );
    }

    fn on_open_session(&mut self, now: Instant, datagram: &[u8]) {
        let Some(payload) = presession_payload(datagram, PayloadType::OpenSessionResponse) else {
            return self.drop_packet("expected an Open Session Response");
        };
        let Ok(resp) = OpenSessionResponse::parse(payload) else {
            return self.drop_packet("malformed Open Session Response");
        };
        let Phase::OpenSession(agreed) = &mut self.phase else {
            return;
        };
        let outcome = handshake::check_open_session(agreed, &resp);
        if !matches!(outcome, Ok(OpenOutcome::Ignore)) {
            self.step_answered(now);
        }
        let Phase::OpenSession(agreed) = &mut self.phase else {
            return;
        };
        match outcome {
            Ok(OpenOutcome::Ignore) => self.drop_packet("Open Session Response for another tag"),
            Ok(OpenOutcome::AlgorithmsRefused(status)) => {
                if self.suite_index + 1 < self.suites.len() {
                    tracing::info!(
                        refused = self.suites[self.suite_index].id,
                        next = self.suites[self.suite_index + 1].id,
                        status = ?status,
                        "cipher suite refused, falling back"
                    );
                    self.suite_index += 1;
                    self.start_open_session(now);
                } else {
                    self.fail(Error::Rejected {
                        stage: Stage::OpenSession,
                        status,
                    });
                }
            }
            Ok(OpenOutcome::Accepted(bmc_session_id, got)) => {
                let offered = agreed.suite;
                match negotiate::accept_answer(&self.config, offered, got) {
                    Ok(suite) => agreed.suite = suite,
                    Err(e) => return self.fail(e),
                }
                self.negotiation = Some(Negotiation {
                    suite: agreed.suite.id,
                    offered: offered.id,
                    reason: self.reason.clone().unwrap_or(Reason::Pinned),
                });
                let Phase::OpenSession(agreed) = &mut self.phase else {
                    return;
                };
                agreed.bmc_session_id = bmc_session_id;
                self.span.record("suite", agreed.suite.id);
                self.span.record(
                    "bmc_session_id",
                    tracing::field::display(super::trace::Hex(bmc_session_id)),
                );
                let payload = handshake::rakp1(agreed, &self.config.username);
                let agreed = agreed.clone();
                self.phase = Phase::Rakp2(agreed);
                self.next_step(now, Stage::Rakp2, PayloadType::Rakp1, &payload);
            }
            Err(e) => self.fail(e),
        }
    }

    fn on_rakp2(&mut self, now: Instant, datagram: &[u8]) {
        let Some(payload) = presession_payload(datagram, PayloadType::Rakp2) else {
            return self.drop_packet("expected RAKP 2");
        };
        let Ok(msg) = Rakp2::parse(payload) else {
            return self.drop_packet("malformed RAKP 2");
        };
        let Phase::Rakp2(agreed) = &mut self.phase else {
            return;
        };
        let username = &self.config.username;
        match handshake::check_rakp2(agreed, &msg, username, &self.config.password) {
            Ok(false) => self.drop_packet("RAKP 2 for another session"),
            Ok(true) => {
                if let Some(rtt) = self.op.as_ref().and_then(|op| op.timer.sample(now)) {
                    self.rtt.sample(rtt);
                }
                let Phase::Rakp2(agreed) = &mut self.phase else {
                    return;
                };
                let username = &self.config.username;
                let payload = handshake::rakp3(agreed, username, &self.config.password, 0);
                let keys = handshake::keys(
                    agreed,
                    username,
                    &self.config.password,
                    self.config.kg.as_deref().map(|k| &k[..]),
                );
                let agreed = agreed.clone();
                self.phase = Phase::Rakp4 {
                    agreed,
                    keys,
                    resent: false,
                };
                self.next_step(now, Stage::Rakp4, PayloadType::Rakp3, &payload);
            }
            // A code that did not verify is answered with RAKP 3 0x0f (fail).
            Err(e) => self.fail(e),
        }
    }

    fn on_rakp4(&mut self, now: Instant, datagram: &[u8]) {
        let Phase::Rakp4 {
            agreed,
            keys,
            resent,
        } = &self.phase
        else {
            return;
        };
        let protected;
        let payload = match presession_payload(datagram, PayloadType::Rakp4) {
            Some(p) => p,
            None => {
                // A BMC that activated the session on our first RAKP 3 may
                // answer a copy of it inside the session, protected with
                // the session keys (ipmi_sim does): as good a RAKP 4, once
                // it verifies.
                let in_session = SessionCrypto::try_new(agreed.suite, keys)
                    .ok()
                    .and_then(|c| c.unprotect(datagram).ok())
                    .filter(|u| {
                        u.header.payload_type == PayloadType::Rakp4
                            && u.header.session_id == agreed.console_session_id
                    });
                match in_session {
                    Some(u) => {
                        protected = u.payload;
                        &protected[..]
                    }
                    None => return self.drop_packet("expected RAKP 4"),
                }
            }
        };
        let Ok(msg) = Rakp4::parse(payload) else {
            return self.drop_packet("malformed RAKP 4");
        };
        match handshake::check_rakp4(agreed, &msg, &self.config.username, keys) {
            Ok(false) => self.drop_packet("RAKP 4 for another session"),
            Ok(true) => {
                if let Some(rtt) = self.op.as_ref().and_then(|op| op.timer.sample(now)) {
                    self.rtt.sample(rtt);
                }
                let active = Active {
                    suite: agreed.suite,
                    bmc_session_id: agreed.bmc_session_id,
                    crypto: SessionCrypto::new(agreed.suite, keys),
                    privilege: PrivilegeLevel::User.min(self.config.privilege),
                };
                self.phase = Phase::Active(active);
                self.activated(now);
            }
            Err(Error::Rejected { status, .. })
                if *resent && self.restarts_left > 0 && status.0 != 0x0f =>
            {
                // Our first RAKP 3 got through and its RAKP 4 was lost: the
                // BMC no longer knows the exchange (its RAKP 4 says so), so
                // there is nothing to free: start over.
                self.restarts_left -= 1;
                self.start_open_session(now);
            }
            Err(e) => self.fail(e),
        }
    }

    /// Keys are in place: raise the privilege if needed, else report success.
    fn activated(&mut self, now: Instant) {
        let wanted = self.config.privilege;
        if wanted > PrivilegeLevel::User {
            let request = SetSessionPrivilegeLevel(wanted).request();
            let rto = self.rtt.rto();
            let Some(op) = self.op.as_mut() else { return };
            op.stage = Stage::SetPrivilege;
            tracing::debug!(stage = %Stage::SetPrivilege, "handshake step");
            op.timer.next_step(now, rto);
            self.send_request_message(&request);
        } else {
            self.connected();
        }
    }

    fn connected(&mut self) {
        self.op = None;
        if let Phase::Active(a) = &self.phase {
            tracing::debug!(suite = a.suite.id, privilege = ?a.privilege, "session active");
            self.events.push_back(Event::Connected {
                suite: a.suite,
                privilege: a.privilege,
            });
        }
    }

    // ----- inside the session ----------------------------------------------

    fn start_in_session(
        &mut self,
        now: Instant,
        deadline: Deadline,
        kind: OpKind,
        stage: Stage,
        request: &Request,
    ) {
        self.start_op(now, deadline, kind, stage, Outgoing::InSession(Vec::new()));
        self.send_request_message(request);
    }

    /// Frames `request` with a fresh rqSeq (inside Send Message when it is
    /// for a bridged target), records what answers it, sends it.
    fn send_request_message(&mut self, request: &Request) {
        let rq_seq = self.next_rq_seq();
        let span = super::trace::request_span(&self.span, request, rq_seq);
        span.in_scope(|| tracing::debug!("request sent"));
        let message = bridge::frame(request, rq_seq);
        self.send_in_session(&message);
        let awaiting = if request.target.is_bmc() {
            Awaiting {
                rq_seq,
                netfn: request.netfn,
                cmd: request.cmd,
                bridged: None,
            }
        } else {
            Awaiting {
                rq_seq,
                netfn: NetFn::APP,
                cmd: bridge::SEND_MESSAGE,
                bridged: Some((request.netfn, request.cmd)),
            }
        };
        if let Some(op) = self.op.as_mut() {
            op.awaiting = Some(awaiting);
            op.outgoing = Outgoing::InSession(message);
            op.span = span;
        }
    }

    fn send_in_session(&mut self, message: &[u8]) {
        self.out_seq = self.out_seq.wrapping_add(1).max(1);
        let seq = self.out_seq;
        let mut iv = [0u8; 16];
        self.rng.fill_bytes(&mut iv);
        let Phase::Active(a) = &self.phase else {
            return;
        };
        let mut out = Vec::with_capacity(message.len() + 64);
        a.crypto.protect(
            PayloadType::Ipmi,
            a.bmc_session_id,
            seq,
            message,
            &iv,
            &mut out,
        );
        self.transmit.push_back(out);
    }

    fn on_in_session(&mut self, now: Instant, datagram: &[u8]) {
        let Phase::Active(active) = &self.phase else {
            return;
        };
        let unprotected = match active.crypto.unprotect(datagram) {
            Ok(u) => u,
            Err(_) => return self.drop_packet("integrity or decryption check failed"),
        };
        let header = unprotected.header;
        if header.session_id != self.console_session_id {
            return self.drop_packet("another session's packet");
        }
        if header.payload_type != PayloadType::Ipmi {
            return self.drop_packet("not an IPMI message payload");
        }
        let authenticated = active.suite.integrity != IntegrityAlg::None;
        if authenticated {
            if !self.window.check(header.sequence) {
                return self.drop_packet("replayed or too old session sequence number");
            }
            self.window.record(header.sequence);
        }
        let Ok(msg) = LanMessage::parse(&unprotected.payload) else {
            return self.drop_packet("IPMI message checksum mismatch");
        };
        let Some(awaiting) = self.op.as_ref().and_then(|op| op.awaiting) else {
            return self.drop_packet("no request is waiting");
        };
        if msg.seq != awaiting.rq_seq
            || msg.netfn != awaiting.netfn.response()
            || msg.cmd != awaiting.cmd
        {
            return self.drop_packet("stale reply (rqSeq, netfn or cmd differ)");
        }
        let Some(response) = msg.to_response() else {
            return self.drop_packet("reply without completion code");
        };
        if response.completion == CompletionCode::DUPLICATE_REQUEST {
            return self.drop_packet("duplicate-request reply (0xCF)");
        }
        let response = match awaiting.bridged {
            None => response,
            Some(inner) => {
                match bridge::on_send_message_response(&response, awaiting.rq_seq, inner) {
                    Forwarded::Answer(r) => r,
                    Forwarded::Pending => {
                        if let Some(op) = self.op.as_mut() {
                            let (netfn, cmd) = inner;
                            op.awaiting = Some(Awaiting {
                                rq_seq: awaiting.rq_seq,
                                netfn,
                                cmd,
                                bridged: None,
                            });
                            op.outgoing = Outgoing::Nothing;
                        }
                        return;
                    }
                    Forwarded::Malformed => {
                        return self.fail(Error::Bridge(
                            "the embedded answer to the bridged request is malformed",
                        ))
                    }
                }
            }
        };
        self.complete_in_session(now, response);
    }

    fn complete_in_session(&mut self, now: Instant, response: Response) {
        self.step_answered(now);
        tracing::debug!(completion_code = %super::trace::Hex(response.completion.0), "response");
        let Some(op) = self.op.as_ref() else { return };
        match (op.kind, op.stage) {
            (OpKind::Connect, _) => {
                let wanted = self.config.privilege;
                match SetSessionPrivilegeLevel(wanted).decode(&response) {
                    Ok(granted) if granted >= wanted => {
                        if let Phase::Active(a) = &mut self.phase {
                            a.privilege = granted;
                        }
                        self.connected();
                    }
                    Ok(granted) => self.fail(Error::PrivilegeNotGranted {
                        requested: wanted,
                        granted,
                    }),
                    Err(e) => self.fail(Error::Command(e)),
                }
            }
            (OpKind::Request, _) => {
                self.op = None;
                self.events.push_back(Event::Response(response));
            }
            (OpKind::Close, _) => {
                self.op = None;
                self.phase = Phase::Closed;
                self.events.push_back(Event::Closed);
            }
        }
    }

    // ----- plumbing --------------------------------------------------------

    fn start_op(
        &mut self,
        now: Instant,
        deadline: Deadline,
        kind: OpKind,
        stage: Stage,
        outgoing: Outgoing,
    ) {
        if let Outgoing::Fixed(d) = &outgoing {
            self.transmit.push_back(d.clone());
        }
        let pace = match self.config.per_try_timeout {
            Some(d) => Pace::Fixed(d),
            None => Pace::Adaptive,
        };
        let timer = Retransmit::start(now, deadline, pace, self.rtt.rto(), self.config.retries);
        if !matches!(outgoing, Outgoing::InSession(_)) {
            tracing::debug!(%stage, "handshake step");
        }
        self.op = Some(Op {
            kind,
            stage,
            timer,
            outgoing,
            awaiting: None,
            span: tracing::Span::none(),
        });
    }

    /// Moves the connect operation to its next pre-session step.
    fn next_step(&mut self, now: Instant, stage: Stage, payload_type: PayloadType, payload: &[u8]) {
        tracing::debug!(%stage, "handshake step");
        let mut d = Vec::with_capacity(payload.len() + 16);
        packet::emit_presession(payload_type, payload, &mut d);
        self.transmit.push_back(d.clone());
        let rto = self.rtt.rto();
        if let Some(op) = self.op.as_mut() {
            op.stage = stage;
            op.timer.next_step(now, rto);
            op.outgoing = Outgoing::Fixed(d);
        }
    }

    /// The pending step's datagram was answered at `now`: a round trip for
    /// the estimator, unless it was resent (Karn's rule).
    fn step_answered(&mut self, now: Instant) {
        if let Some(rtt) = self.op.as_ref().and_then(|op| op.timer.sample(now)) {
            self.rtt.sample(rtt);
        }
    }

    /// The pending request's span, or none.
    fn op_span(&self) -> tracing::Span {
        self.op
            .as_ref()
            .map_or_else(tracing::Span::none, |op| op.span.clone())
    }

    fn next_rq_seq(&mut self) -> u8 {
        self.rq_seq = (self.rq_seq + 1) & 0x3f;
        self.rq_seq
    }

    fn drop_packet(&mut self, reason: &'static str) {
        self.stats.dropped += 1;
        self.stats.last_drop = Some(reason);
        if super::trace::is_suspicious(reason) {
            tracing::warn!(reason, "dropped datagram");
        } else {
            tracing::debug!(reason, "dropped datagram");
        }
    }

    /// Ends the pending operation with `err`. A failed connect before
    /// activation leaves the session failed; after activation (privilege
    /// refused) it stays active so that it can still be closed. A failed
    /// close ends the session all the same.
    ///
    /// A handshake that fails frees the BMC's session only with messages
    /// the BMC can expect (see the module documentation): RAKP 3 0x0F for
    /// a RAKP 2 or RAKP 4 that did not verify (and Close Session for the
    /// latter: the BMC activated it), RAKP 3 0x01 for a deadline that
    /// passes while RAKP 4 is awaited, nothing while RAKP 2 is.
    fn fail(&mut self, err: Error) {
        tracing::debug!(error = %err, "failed");
        let kind = self.op.take().map(|op| op.kind);
        match (kind, &self.phase) {
            (Some(OpKind::Close), _) => self.phase = Phase::Closed,
            (_, Phase::Active(_)) => {}
            _ => {
                match err {
                    Error::Rakp2Mismatch => self.rakp3_error(RAKP3_CHECK_FAILED),
                    Error::Rakp4Mismatch => {
                        self.rakp3_error(RAKP3_CHECK_FAILED);
                        self.close_activated();
                    }
                    Error::Timeout { .. } => self.rakp3_error(RAKP3_GIVE_UP),
                    _ => {}
                }
                self.phase = Phase::Failed;
            }
        }
        self.events.push_back(Event::Failed(err));
    }

    /// Queues a RAKP 3 with the error `status` (IPMI 2.0 §13.22), which
    /// makes the BMC drop the session, only when a RAKP 2 was received:
    /// in phase RAKP 4, or in phase RAKP 2 for the 0x0F that answers a
    /// RAKP 2 that did not verify. Nothing otherwise.
    fn rakp3_error(&mut self, status: u8) {
        let agreed = match &self.phase {
            Phase::Rakp2(a) if status == RAKP3_CHECK_FAILED => a,
            Phase::Rakp4 { agreed, .. } => agreed,
            _ => return,
        };
        let username = &self.config.username;
        let payload = handshake::rakp3(agreed, username, &self.config.password, status);
        let mut d = Vec::with_capacity(payload.len() + 16);
        packet::emit_presession(PayloadType::Rakp3, &payload, &mut d);
        self.transmit.push_back(d);
    }

    /// Closes a session the BMC activated (its RAKP 4 arrived with status
    /// 0) although the handshake failed on our side (IPMI 2.0 §22.19),
    /// protected with the keys we derived.
    fn close_activated(&mut self) {
        let Phase::Rakp4 { agreed, keys, .. } = &self.phase else {
            return;
        };
        let Ok(crypto) = SessionCrypto::try_new(agreed.suite, keys) else {
            return;
        };
        let bmc_session_id = agreed.bmc_session_id;
        let request = CloseSession {
            session_id: bmc_session_id,
        }
        .request();
        let rq_seq = self.next_rq_seq();
        let mut message = Vec::with_capacity(16);
        LanMessage::for_request(&request, REMOTE_CONSOLE_SWID, rq_seq).emit(&mut message);
        let mut iv = [0u8; 16];
        self.rng.fill_bytes(&mut iv);
        let mut out = Vec::with_capacity(message.len() + 64);
        // The first (and only) packet of that session: sequence number 1.
        crypto.protect(
            PayloadType::Ipmi,
            bmc_session_id,
            1,
            &message,
            &iv,
            &mut out,
        );
        self.transmit.push_back(out);
    }
}

/// The payload of an unauthenticated pre-session RMCP+ datagram of `kind`.
fn presession_payload(datagram: &[u8], kind: PayloadType) -> Option<&[u8]> {
    match packet::classify(datagram).ok()? {
        Datagram::V20 { header, payload }
            if header.payload_type == kind
                && !header.encrypted
                && !header.authenticated
                && header.session_id == 0 =>
        {
            Some(payload)
        }
        _ => None,
    }
}
