//! A session kept across commands: keepalives while idle, and a new
//! session, transparently, when the BMC dropped the old one (IPMI 2.0
//! §6.12.15, §13.14). Sans-IO like [`Session`], which it wraps.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use ipmi_core::cmd::GetChannelAuthCapabilities;
use ipmi_core::wire::lan_message::{LanMessage, REMOTE_CONSOLE_SWID};
use ipmi_core::{Command, Deadline, NetFn, Request, Target};
use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};

use super::session::{Action, Event, Session};
use crate::crypto::suite::CipherSuite;
use crate::error::Error;
use crate::packet::{self, Datagram};
use crate::ClientConfig;

/// What a driver's wait for an operation ends with when none is pending.
const NOTHING_PENDING: Error = Error::NotActive("nothing is pending");

/// Set Session Privilege Level (IPMI 2.0 §22.18), the keepalive.
const CMD_SET_SESSION_PRIVILEGE: u8 = 0x3b;
/// Probes the BMC must answer, while the request stays unanswered, before
/// its session is presumed dropped (rule 2 of [`Connection`]).
pub const PROBES_TO_PRESUME_DROPPED: u32 = 2;

/// Counters of a [`Connection`], over all its sessions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConnectionStats {
    /// Sessions opened after the first one.
    pub reconnects: u64,
    /// Of those, how many were opened because the session had been silent
    /// too long or had failed (rule 1), not because of probes (rule 2).
    pub reconnects_before_sending: u64,
    /// Keepalives answered.
    pub keepalives: u64,
    /// Keepalives that got no answer.
    pub keepalives_failed: u64,
    /// Probes sent (rule 2).
    pub probes_sent: u64,
    /// Probes answered.
    pub probes_answered: u64,
}

#[derive(Debug)]
enum Task {
    /// Nothing for the caller; keepalives may run.
    Idle,
    /// The caller's first handshake.
    Connect,
    /// The caller's request in the current session.
    Request {
        request: Request,
        deadline: Deadline,
        /// Whether rule 2 may still open a new session for it.
        may_reconnect: bool,
        /// Datagrams the session sent for it so far (1 = first try).
        tries: u32,
        /// rqSeq values of the probes sent for it (bit n: rqSeq n).
        probes: u64,
        /// Probes answered so far.
        answered: u32,
        /// Some other datagram arrived meanwhile (even one dropped as
        /// invalid): the BMC still sends something for this session.
        heard_other: bool,
    },
    /// A new session's handshake, then the caller's request in it.
    Reconnect {
        request: Request,
        deadline: Deadline,
    },
    /// A keepalive (no caller waits for it).
    Keepalive,
    /// The caller's Close Session.
    Close,
}

/// One BMC's session kept across commands: keepalives, and a new session
/// when the BMC dropped the old one.
///
/// Driven like [`Session`]: [`Connection::poll`] says what to send, when
/// to wake up and when an operation finished; [`Connection::handle_datagram`]
/// takes what arrived. It owns no socket and reads no clock.
///
/// # Keepalive
///
/// With [`ClientConfig::keepalive`] set to `Some(k)`, once nothing has been
/// heard from the BMC in the session for `k` (no answer to any request),
/// [`Connection::poll`] starts a keepalive by itself when the connection is
/// otherwise idle, and reports when the next one is due through
/// [`Action::WaitUntil`] and [`Connection::poll_timeout`]. The keepalive is
/// **Set Session Privilege Level with "no change"** (request byte 00h,
/// IPMI 2.0 §22.18): the session layer answers it with the current level,
/// it changes nothing, its request and answer are one and two bytes, and a
/// session of any privilege (CALLBACK included) may send it, where Get
/// Device ID needs USER. Any answer inside the session counts, whatever its
/// completion code: the BMC heard the session, so its inactivity timer
/// restarted. A keepalive that gets no answer marks the session as
/// presumed dropped (the next request opens a new one first); a keepalive
/// never opens a session by itself, so a dead BMC costs nothing while idle.
/// A request made while a keepalive is in flight abandons the keepalive.
///
/// A driver can only send keepalives while it runs: the blocking
/// [`crate::Client`] while the caller is inside one of its calls (call
/// [`crate::Client::keepalive_if_due`] from time to time), the tokio
/// [`crate::AsyncClient`] also while [`crate::AsyncClient::keep_alive`] is
/// being awaited. A session left silent anyway is handled by the first rule
/// below.
///
/// # When the session is presumed dropped
///
/// A BMC silently discards packets of a session it no longer knows
/// (IPMI 2.0 §13.6): it cannot sign an "unknown session" answer with keys it
/// has forgotten, and an unsigned answer could come from anyone on the
/// path, so no reply is taken as proof. (Neither ipmi_sim nor our
/// responder sends one.) With [`ClientConfig::reconnect`] (the default),
/// exactly these cases open a new session:
///
/// 1. **Before sending** a request: the session has been silent (nothing
///    heard in it) for 9/10 of [`ClientConfig::bmc_idle_timeout`] or longer
///    (the BMC's timer started when it received our last packet, a little
///    before we heard its answer: hence the margin), or its last keepalive
///    or request got no answer. Then a Close Session for the old session is
///    sent without waiting (it frees the slot if the BMC still has it), a
///    new session is opened, and the request goes into it. No time is lost
///    waiting for an answer that cannot come.
/// 2. **While waiting** for the answer to a request in a session: after
///    each retransmission of the request (from the second try on) a
///    session-less Get Channel Authentication Capabilities goes to the BMC
///    as a probe (the same IPMI message path as in-session requests, unlike
///    an ASF ping, which a NIC may answer on its own). When the BMC has
///    answered **two** probes while nothing else at all arrived since the
///    request was sent (no answer, not even one that failed its checks: a
///    BMC that forgot the session sends nothing for it, while a garbled
///    answer means the session is still known), the session is presumed
///    dropped: the request is abandoned in the old
///    session (with a Close Session sent for it without waiting), a new
///    session is opened, and the request is sent again in it. A BMC that
///    answers nothing (frozen, unreachable) answers no probe either: the
///    request simply times out at its deadline, as without this rule.
///
/// Either way it happens at most once per request, and the new handshake
/// and the resent request share the request's deadline: an error then says
/// which step of the new session stalled. A request that times out in a
/// session marks it as presumed dropped for the next request (rule 1).
///
/// Rule 2 can be fooled by loss: on a path that loses every try of the
/// request or its answer but lets two probes and their answers through,
/// the request is sent again in a new session, and runs twice if one of
/// the earlier tries did reach the BMC. With independent loss `p` on each
/// datagram, that takes at least three failed exchanges and two good ones:
/// at `p` = 30 % both ways (the hostile tests' proxy) it happens to a few
/// percent of requests, at 1 % to about one in 100 000. Reads do not mind;
/// set [`ClientConfig::reconnect`] to `false` for a session that sends
/// commands which must never run twice (e.g. Chassis Control cycle) over
/// such a path.
pub struct Connection {
    config: ClientConfig,
    rng: StdRng,
    session: Session,
    task: Task,
    /// Datagrams of our own (probes, closes of abandoned sessions), sent
    /// before the session's.
    transmit: VecDeque<Vec<u8>>,
    /// When the current session last answered anything (or got active).
    last_heard: Option<Instant>,
    /// The current session is presumed dropped (rule 1).
    presumed_dropped: bool,
    /// The caller closed the connection.
    closed: bool,
    probe_seq: u8,
    /// Why the last keepalive failed, until taken.
    keepalive_error: Option<Error>,
    /// An error that ends the caller's operation at the next poll.
    pending_error: Option<Error>,
    /// The first handshake succeeded.
    connected_once: bool,
    stats: ConnectionStats,
    /// The BMC's address, for the sessions' `host` span field (tracing).
    peer: Option<String>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("session", &self.session)
            .field("task", &self.task)
            .field("last_heard", &self.last_heard)
            .field("presumed_dropped", &self.presumed_dropped)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// A connection that will use `config`; `seed` seeds the random numbers
    /// of this and every later session: give it 32 bytes from the OS.
    pub fn new(config: ClientConfig, seed: [u8; 32]) -> Self {
        let mut rng = StdRng::from_seed(seed);
        let session = Session::new(config.clone(), next_seed(&mut rng));
        let probe_seq = (rng.next_u32() & 0x3f) as u8;
        Connection {
            config,
            rng,
            session,
            task: Task::Idle,
            transmit: VecDeque::new(),
            last_heard: None,
            presumed_dropped: false,
            closed: false,
            probe_seq,
            keepalive_error: None,
            pending_error: None,
            connected_once: false,
            stats: ConnectionStats::default(),
            peer: None,
        }
    }

    /// Names the BMC in the `host` field of this connection's session spans
    /// (`tracing`); a driver calls it once, before connecting.
    pub(crate) fn set_peer(&mut self, peer: impl std::fmt::Display) {
        let peer = peer.to_string();
        self.session.record_host(&peer);
        self.peer = Some(peer);
    }

    /// Opens the first session; `Event::Connected` or an error follows.
    pub fn connect(&mut self, now: Instant, deadline: Deadline) -> Result<(), Error> {
        self.session.connect(now, deadline)?;
        self.task = Task::Connect;
        Ok(())
    }

    /// Sends `request`, in the current session or in a new one (rule 1);
    /// `Event::Response` or an error follows. A keepalive in flight is
    /// abandoned, and so is an earlier request whose caller went away
    /// without waiting for it (its outcome is never reported).
    pub fn request(
        &mut self,
        now: Instant,
        request: &Request,
        deadline: Deadline,
    ) -> Result<(), Error> {
        if self.closed {
            return Err(Error::NotActive("the session was closed"));
        }
        match self.task {
            Task::Idle => {}
            Task::Keepalive | Task::Request { .. } => {
                self.session.cancel_request();
            }
            Task::Reconnect { .. } => {
                // Abandoned mid-handshake: free that half-open session on
                // the BMC and start over below.
                self.give_up();
                self.presumed_dropped = true;
            }
            Task::Connect | Task::Close => return Err(Error::Busy),
        }
        self.task = Task::Idle;
        if !self.connected_once {
            return Err(Error::NotActive("no request can be sent"));
        }
        if self.config.reconnect
            && (self.presumed_dropped || !self.session.is_active() || self.idle_expired(now))
        {
            self.stats.reconnects_before_sending += 1;
            return self.reconnect(now, request.clone(), deadline);
        }
        self.session.request(now, request, deadline)?;
        self.task = Task::Request {
            request: request.clone(),
            deadline,
            may_reconnect: self.config.reconnect,
            tries: 0,
            probes: 0,
            answered: 0,
            heard_other: false,
        };
        Ok(())
    }

    /// Sends Close Session, abandoning anything pending; `Event::Closed` or
    /// an error follows. Returns `false` (and does nothing) when no session
    /// is active. No keepalive or new session follows a close.
    pub fn close(&mut self, now: Instant, deadline: Deadline) -> bool {
        self.closed = true;
        if !self.session.close(now, deadline) {
            self.task = Task::Idle;
            return false;
        }
        self.task = Task::Close;
        true
    }

    /// The next thing the driver must do at `now`: our own datagrams and
    /// the session's first, then a finished operation of the caller's, then
    /// how long to wait. Starts a keepalive when one is due and nothing
    /// else is pending; [`Action::WaitUntil`] with nothing pending (see
    /// [`Connection::is_busy`]) is when the next keepalive is due.
    pub fn poll(&mut self, now: Instant) -> Action {
        loop {
            if let Some(d) = self.transmit.pop_front() {
                return Action::Transmit(d);
            }
            if let Some(e) = self.pending_error.take() {
                return Action::Done(Err(e));
            }
            match self.session.poll(now) {
                Action::Transmit(d) => {
                    self.after_session_transmit();
                    return Action::Transmit(d);
                }
                Action::Done(result) => {
                    if let Some(done) = self.on_done(now, result) {
                        return Action::Done(done);
                    }
                }
                Action::WaitUntil(t) => return Action::WaitUntil(t),
                Action::Idle => match self.keepalive_due() {
                    Some(due) if due <= now => self.start_keepalive(now),
                    Some(due) => return Action::WaitUntil(due),
                    None => return Action::Idle,
                },
            }
        }
    }

    /// [`Connection::poll`] for a driver running the caller's operation
    /// (connect, request, close) to its end: with nothing pending, the end
    /// is the error [`Error::NotActive`], not a wait for a keepalive.
    pub fn poll_operation(&mut self, now: Instant) -> Action {
        match self.poll(now) {
            Action::WaitUntil(_) if !self.is_busy() => Action::Done(Err(NOTHING_PENDING)),
            Action::Idle => Action::Done(Err(NOTHING_PENDING)),
            action => action,
        }
    }

    /// [`Connection::poll`] for a driver keeping the session alive between
    /// the caller's operations (the BMC drops a silent session, IPMI 2.0
    /// §6.12.15): keepalives that are due start and run. The idle work ends
    /// with [`Action::Idle`] — once none is in flight, or with `forever`
    /// once nothing is left to keep alive (no keepalive configured, session
    /// closed or presumed dropped) — or with [`Action::Done`] carrying the
    /// error of a keepalive that got no answer (the next request then opens
    /// a new session).
    pub fn poll_idle(&mut self, now: Instant, forever: bool) -> Action {
        match self.poll(now) {
            Action::Transmit(d) => Action::Transmit(d),
            Action::WaitUntil(t) if self.is_busy() => Action::WaitUntil(t),
            Action::WaitUntil(t) if forever && self.keepalive_due().is_some() => {
                Action::WaitUntil(t)
            }
            Action::WaitUntil(_) | Action::Done(_) | Action::Idle => {
                match self.keepalive_error.take() {
                    Some(e) => Action::Done(Err(e)),
                    None => Action::Idle,
                }
            }
        }
    }

    /// Whether a keepalive is due at `now` (see [`Connection::keepalive_due`]).
    pub fn keepalive_is_due(&self, now: Instant) -> bool {
        self.keepalive_due().is_some_and(|due| due <= now)
    }

    /// For a driver being dropped: sends Close Session without waiting if a
    /// session is active, or gives up a handshake in progress (IPMI 2.0
    /// §22.19). `true` when datagrams are to go out, from
    /// [`Connection::poll_transmit`].
    pub fn abandon(&mut self, now: Instant) -> bool {
        let closing = self.close(now, Deadline::after(now, Duration::from_millis(1)));
        closing || self.give_up()
    }

    /// Feeds one received datagram: a probe's answer is ours, anything
    /// else goes to the session.
    pub fn handle_datagram(&mut self, now: Instant, datagram: &[u8]) {
        if let Task::Request {
            probes,
            answered,
            heard_other,
            ..
        } = &mut self.task
        {
            match probe_answer(datagram) {
                Some(seq) if *probes != 0 => {
                    if *probes & (1u64 << seq) != 0 {
                        *probes &= !(1u64 << seq);
                        *answered += 1;
                        self.stats.probes_answered += 1;
                        if *answered >= PROBES_TO_PRESUME_DROPPED && !*heard_other {
                            self.on_presumed_dropped(now);
                        }
                    }
                    return;
                }
                _ => *heard_other = true,
            }
        }
        self.session.handle_datagram(now, datagram);
    }

    /// Gives up a handshake in progress at once, without an event (see
    /// [`Session::give_up`]); its datagrams come from
    /// [`Connection::poll_transmit`]. For a driver dropped in the middle of
    /// a connect or of a new session's handshake.
    pub fn give_up(&mut self) -> bool {
        if !self.session.give_up() {
            return false;
        }
        while let Some(d) = self.session.poll_transmit() {
            self.transmit.push_back(d);
        }
        self.task = Task::Idle;
        true
    }

    /// When [`Connection::poll`] must next be called if no datagram
    /// arrives: the session's timer, else when the next keepalive is due.
    /// (A driver polls after every call and every datagram anyway.)
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.session.poll_timeout().or_else(|| self.keepalive_due())
    }

    /// The next datagram to send, ours first (for a driver's `Drop`, which
    /// cannot wait for [`Connection::poll`]).
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.transmit
            .pop_front()
            .or_else(|| self.session.poll_transmit())
    }

    /// When the next keepalive is due: `None` without keepalives, without
    /// an active session, while something else is pending, or when the
    /// session is presumed dropped (the next request replaces it).
    pub fn keepalive_due(&self) -> Option<Instant> {
        let every = self.config.keepalive?;
        if self.closed
            || self.presumed_dropped
            || !matches!(self.task, Task::Idle)
            || !self.session.is_active()
        {
            return None;
        }
        Some(self.last_heard? + every)
    }

    /// True while an operation (the caller's or a keepalive) is in flight.
    pub fn is_busy(&self) -> bool {
        !matches!(self.task, Task::Idle)
    }

    /// True while a session is active and not presumed dropped.
    pub fn is_active(&self) -> bool {
        self.session.is_active() && !self.presumed_dropped
    }

    /// Whether the next request will open a new session first (rule 1).
    pub fn is_presumed_dropped(&self, now: Instant) -> bool {
        self.presumed_dropped || self.idle_expired(now)
    }

    /// Why the last keepalive failed, once (drivers report it).
    pub fn take_keepalive_error(&mut self) -> Option<Error> {
        self.keepalive_error.take()
    }

    /// The current session (its counters start again with each session).
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The negotiated cipher suite of the current session.
    pub fn suite(&self) -> Option<CipherSuite> {
        self.session.suite()
    }

    /// Counters over all sessions.
    pub fn stats(&self) -> ConnectionStats {
        self.stats
    }

    /// When the current session last answered, if it ever did.
    pub fn last_heard(&self) -> Option<Instant> {
        self.last_heard
    }

    // ----- internals -------------------------------------------------------

    fn idle_expired(&self, now: Instant) -> bool {
        let limit = self.config.bmc_idle_timeout.mul_f64(0.9);
        self.last_heard
            .is_some_and(|t| now.saturating_duration_since(t) >= limit)
    }

    /// A datagram of the session's is going out: from the second try of a
    /// request on, a probe follows it (rule 2).
    fn after_session_transmit(&mut self) {
        let Task::Request {
            may_reconnect: true,
            tries,
            probes,
            ..
        } = &mut self.task
        else {
            return;
        };
        *tries += 1;
        if *tries < 2 {
            return;
        }
        self.probe_seq = (self.probe_seq + 1) & 0x3f;
        let seq = self.probe_seq;
        *probes |= 1u64 << seq;
        let caps = GetChannelAuthCapabilities {
            channel: 0x0e,
            privilege: self.config.privilege,
            ipmi_v2: true,
        };
        let request = caps.request();
        let mut message = Vec::with_capacity(16);
        LanMessage::for_request(&request, REMOTE_CONSOLE_SWID, seq).emit(&mut message);
        let mut datagram = Vec::with_capacity(32);
        packet::emit_v15_presession(&message, &mut datagram);
        self.transmit.push_back(datagram);
        self.stats.probes_sent += 1;
    }

    /// Rule 2 decided: abandon the request in this session, open another.
    fn on_presumed_dropped(&mut self, now: Instant) {
        let Task::Request {
            request, deadline, ..
        } = std::mem::replace(&mut self.task, Task::Idle)
        else {
            return;
        };
        // An error here (none is expected: the configuration was checked
        // by the first connect) ends the request with it at the next poll.
        if let Err(e) = self.reconnect(now, request, deadline) {
            self.fail_later(e);
        }
    }

    /// Replaces the session: Close Session for the old one without
    /// waiting, a handshake for the new one, then `request` in it.
    fn reconnect(
        &mut self,
        now: Instant,
        request: Request,
        deadline: Deadline,
    ) -> Result<(), Error> {
        let seed = next_seed(&mut self.rng);
        let mut old = std::mem::replace(&mut self.session, Session::new(self.config.clone(), seed));
        tracing::info!("the BMC presumably dropped the session: opening a new one");
        if let Some(peer) = &self.peer {
            self.session.record_host(peer);
        }
        if old.close(now, Deadline::after(now, Duration::from_millis(1))) {
            while let Some(d) = old.poll_transmit() {
                self.transmit.push_back(d);
            }
        }
        self.last_heard = None;
        self.presumed_dropped = false;
        self.stats.reconnects += 1;
        self.session.connect(now, deadline)?;
        self.task = Task::Reconnect { request, deadline };
        Ok(())
    }

    /// Ends the caller's operation with `err` at the next poll.
    fn fail_later(&mut self, err: Error) {
        self.task = Task::Idle;
        self.presumed_dropped = true;
        self.pending_error = Some(err);
    }

    fn start_keepalive(&mut self, now: Instant) {
        let request = Request {
            target: Target::bmc(),
            netfn: NetFn::APP,
            cmd: CMD_SET_SESSION_PRIVILEGE,
            data: vec![0x00],
        };
        let deadline = Deadline::after(now, self.config.timeout);
        match self.session.request(now, &request, deadline) {
            Ok(()) => self.task = Task::Keepalive,
            Err(e) => {
                self.presumed_dropped = true;
                self.keepalive_error = Some(e);
            }
        }
    }

    /// A session operation finished: what the caller learns, if anything.
    fn on_done(
        &mut self,
        now: Instant,
        result: Result<Event, Error>,
    ) -> Option<Result<Event, Error>> {
        match std::mem::replace(&mut self.task, Task::Idle) {
            Task::Idle => None,
            Task::Connect => {
                if result.is_ok() {
                    self.last_heard = Some(now);
                    self.connected_once = true;
                }
                Some(result)
            }
            Task::Request { .. } => {
                match &result {
                    Ok(_) => self.last_heard = Some(now),
                    Err(Error::Timeout { .. }) => self.presumed_dropped = self.config.reconnect,
                    Err(_) => {}
                }
                Some(result)
            }
            Task::Reconnect { request, deadline } => match result {
                Ok(_) => {
                    self.last_heard = Some(now);
                    if let Err(e) = self.session.request(now, &request, deadline) {
                        return Some(Err(e));
                    }
                    self.task = Task::Request {
                        request,
                        deadline,
                        may_reconnect: false,
                        tries: 0,
                        probes: 0,
                        answered: 0,
                        heard_other: false,
                    };
                    None
                }
                Err(e) => {
                    // The next request tries a new session again.
                    self.presumed_dropped = true;
                    Some(Err(e))
                }
            },
            Task::Keepalive => {
                match result {
                    Ok(_) => {
                        self.last_heard = Some(now);
                        self.stats.keepalives += 1;
                    }
                    Err(e) => {
                        self.presumed_dropped = true;
                        self.stats.keepalives_failed += 1;
                        self.keepalive_error = Some(e);
                    }
                }
                None
            }
            Task::Close => Some(result),
        }
    }
}

/// 32 bytes for a new session's generator.
fn next_seed(rng: &mut StdRng) -> [u8; 32] {
    let mut seed = [0u8; 32];
    rng.fill_bytes(&mut seed);
    seed
}

/// The rqSeq of a Get Channel Authentication Capabilities answer outside
/// any session (a probe's answer), if `datagram` is one.
fn probe_answer(datagram: &[u8]) -> Option<u8> {
    let Ok(Datagram::V15(v15)) = packet::classify(datagram) else {
        return None;
    };
    let msg = LanMessage::parse(v15.payload).ok()?;
    let caps = GetChannelAuthCapabilities {
        channel: 0x0e,
        privilege: ipmi_core::PrivilegeLevel::User,
        ipmi_v2: true,
    };
    (v15.session_id == 0 && msg.netfn == caps.netfn().response() && msg.cmd == caps.cmd())
        .then_some(msg.seq & 0x3f)
}
