//! Session reuse under a virtual clock: `client::Connection` (keepalives,
//! a new session when the BMC dropped the old one) against the sans-IO
//! responder with a 300 ms idle timeout, datagrams in memory with 1 ms of
//! delay each way. Nothing sleeps: minutes of protocol time cost
//! microseconds, and every timing below is exact.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use ipmi_core::cmd::{GetChassisStatus, GetDeviceId};
use ipmi_core::{Command, Deadline, ErrorClass, Failure, PrivilegeLevel, Request, Response};
use ipmi_lanplus::client::{Action, Connection, Event};
use ipmi_lanplus::server::{CloseReason, Responder, ServerConfig, ServerEvent, SimulatedBmc, User};
use ipmi_lanplus::{ClientConfig, Error, Stage};

const ONE_WAY: Duration = Duration::from_millis(1);
const BMC_IDLE: Duration = Duration::from_millis(300);
const PER_TRY: Duration = Duration::from_millis(100);

fn server_config() -> ServerConfig {
    ServerConfig::new()
        .user(User::new("admin", "secret", PrivilegeLevel::Administrator))
        .idle_timeout(BMC_IDLE)
}

fn client_config() -> ClientConfig {
    ClientConfig::new("admin", "secret")
        .cipher_suite(17)
        .retries(PER_TRY, 8)
        .timeout(Duration::from_secs(2))
}

/// One client connection and one responder on a virtual link.
struct Net {
    now: Instant,
    bmc: Responder<SimulatedBmc>,
    conn: Connection,
    /// (arrival, to the BMC, datagram)
    in_flight: Vec<(Instant, bool, Vec<u8>)>,
    /// Datagrams to the BMC are lost (a frozen BMC).
    frozen: bool,
    events: Vec<ServerEvent>,
    to_bmc: u64,
}

const CLIENT: &str = "10.0.0.2:40000";

impl Net {
    fn new(config: ClientConfig) -> Net {
        let bmc = Responder::new(server_config(), SimulatedBmc::default(), [7; 32]).unwrap();
        Net {
            now: Instant::now(),
            bmc,
            conn: Connection::new(config, [9; 32]),
            in_flight: Vec::new(),
            frozen: false,
            events: Vec::new(),
            to_bmc: 0,
        }
    }

    fn client_addr() -> SocketAddr {
        CLIENT.parse().unwrap()
    }

    /// The BMC restarts: it forgets every session (like a cold reset).
    fn reset_bmc(&mut self) {
        self.bmc = Responder::new(server_config(), SimulatedBmc::default(), [8; 32]).unwrap();
    }

    /// Runs until the caller's operation finishes (`Some`), or until
    /// `until` passes with none pending (`None`).
    fn run(&mut self, until: Option<Instant>) -> Option<Result<Event, Error>> {
        for _ in 0..1_000_000 {
            let wake = loop {
                match self.conn.poll(self.now) {
                    Action::Transmit(d) => {
                        self.to_bmc += 1;
                        if !self.frozen {
                            self.in_flight.push((self.now + ONE_WAY, true, d));
                        }
                    }
                    Action::Done(r) => return Some(r),
                    Action::WaitUntil(t) => break Some(t),
                    Action::Idle => break None,
                }
            };
            while let Some(t) = self.bmc.poll_transmit() {
                assert_eq!(t.destination, Self::client_addr());
                self.in_flight.push((self.now + ONE_WAY, false, t.datagram));
            }
            self.events
                .extend(std::iter::from_fn(|| self.bmc.poll_event()));
            let next = self
                .in_flight
                .iter()
                .map(|f| f.0)
                .chain(wake)
                .chain(self.bmc.poll_timeout())
                .min();
            let next = match (next, until) {
                (Some(n), Some(u)) if n > u => u,
                (Some(n), _) => n,
                (None, Some(u)) => u,
                (None, None) => panic!("nothing pending and no time limit"),
            };
            if until.is_some_and(|u| next >= u) && !self.conn.is_busy() {
                self.now = self.now.max(until.unwrap());
                return None;
            }
            self.now = self.now.max(next);
            let now = self.now;
            let (due, later): (Vec<_>, Vec<_>) = self.in_flight.drain(..).partition(|f| f.0 <= now);
            self.in_flight = later;
            for (_, to_bmc, d) in due {
                if to_bmc {
                    self.bmc.handle_datagram(now, Self::client_addr(), &d);
                } else {
                    self.conn.handle_datagram(now, &d);
                }
            }
            if self.bmc.poll_timeout().is_some_and(|t| t <= now) {
                self.bmc.handle_timeout(now);
            }
        }
        panic!("no progress after a million steps");
    }

    fn connect(&mut self) {
        let deadline = Deadline::after(self.now, Duration::from_secs(2));
        self.conn.connect(self.now, deadline).unwrap();
        match self.run(None) {
            Some(Ok(Event::Connected { .. })) => {}
            other => panic!("connect: {other:?}"),
        }
    }

    fn request(&mut self, request: &Request, budget: Duration) -> Result<Response, Error> {
        let deadline = Deadline::after(self.now, budget);
        self.conn.request(self.now, request, deadline)?;
        match self.run(None) {
            Some(r) => r?.into_response(),
            None => panic!("request reported nothing"),
        }
    }

    fn execute<C: Command>(&mut self, cmd: &C) -> Result<C::Output, Error> {
        let r = self.request(&cmd.request(), Duration::from_secs(2))?;
        Ok(cmd.decode(&r)?)
    }

    /// Lets `d` pass with the connection idle (keepalives run).
    fn idle(&mut self, d: Duration) {
        let until = self.now + d;
        assert!(self.run(Some(until)).is_none());
    }

    fn idle_closes(&self) -> usize {
        self.events
            .iter()
            .filter(|e| {
                matches!(
                    e,
                    ServerEvent::SessionClosed {
                        reason: CloseReason::IdleTimeout,
                        ..
                    }
                )
            })
            .count()
    }

    fn opened(&self) -> usize {
        self.events
            .iter()
            .filter(|e| matches!(e, ServerEvent::SessionOpened { .. }))
            .count()
    }
}

#[test]
fn keepalives_keep_an_idle_session_past_the_bmc_idle_timeout() {
    let mut net = Net::new(
        client_config()
            .keepalive(Some(Duration::from_millis(100)))
            .bmc_idle_timeout(BMC_IDLE),
    );
    net.connect();
    net.execute(&GetDeviceId).unwrap();
    let before = net.to_bmc;
    net.idle(Duration::from_secs(60));
    let s = net.conn.stats();
    // One keepalive per 100 ms (+ 2 ms round trip) for a minute.
    assert!((580..=600).contains(&s.keepalives), "{s:?}");
    assert_eq!(net.to_bmc - before, s.keepalives, "one datagram each");
    assert_eq!(net.idle_closes(), 0, "{:?}", net.events);
    let t0 = net.now;
    assert!(!net.execute(&GetChassisStatus).unwrap().power_on());
    assert_eq!(net.now - t0, 2 * ONE_WAY, "one round trip, same session");
    assert_eq!((net.opened(), s.reconnects, s.keepalives_failed), (1, 0, 0));
    assert_eq!(net.bmc.active_sessions(), 1);
}

#[test]
fn a_session_silent_longer_than_the_bmc_idle_timeout_is_replaced_before_sending() {
    let mut net = Net::new(client_config().bmc_idle_timeout(BMC_IDLE));
    net.connect();
    net.execute(&GetDeviceId).unwrap();
    net.idle(Duration::from_secs(1));
    assert_eq!(net.idle_closes(), 1, "the BMC dropped it");
    assert!(net.conn.is_presumed_dropped(net.now));
    let t0 = net.now;
    net.execute(&GetDeviceId).unwrap();
    // A new handshake (auth caps, open session, RAKP 1, RAKP 3, set
    // privilege) and the request: six round trips, no waiting.
    assert_eq!(net.now - t0, 12 * ONE_WAY);
    let s = net.conn.stats();
    assert_eq!((s.reconnects, s.reconnects_before_sending), (1, 1));
    assert_eq!((s.probes_sent, net.opened()), (0, 2));
    assert_eq!(net.bmc.active_sessions(), 1);
}

#[test]
fn a_dropped_session_is_found_by_probes_and_replaced_inside_the_deadline() {
    // The client believes the BMC keeps sessions for 60 s; it keeps them 300 ms.
    let mut net = Net::new(client_config());
    net.connect();
    net.execute(&GetDeviceId).unwrap();
    net.idle(Duration::from_secs(1));
    assert_eq!(net.idle_closes(), 1);
    assert!(!net.conn.is_presumed_dropped(net.now));
    let t0 = net.now;
    let id = net.execute(&GetDeviceId).unwrap();
    assert_eq!(id.device_id, 0x20);
    // Try 1 at 0, try 2 + probe 1 at 100 ms, try 3 + probe 2 at 200 ms
    // (the caller's per-try timeout, every try alike), its answer 2 ms
    // later; then the handshake and the request.
    assert_eq!(
        net.now - t0,
        Duration::from_millis(200) + 2 * ONE_WAY + 12 * ONE_WAY
    );
    let s = net.conn.stats();
    assert_eq!((s.reconnects, s.reconnects_before_sending), (1, 0));
    assert_eq!((s.probes_sent, s.probes_answered), (2, 2));
    // The next request goes straight into the new session.
    let t1 = net.now;
    net.execute(&GetDeviceId).unwrap();
    assert_eq!(net.now - t1, 2 * ONE_WAY);
}

#[test]
fn a_bmc_reset_that_forgot_the_session_is_survived() {
    let mut net = Net::new(client_config());
    net.connect();
    net.execute(&GetDeviceId).unwrap();
    net.reset_bmc();
    let id = net.execute(&GetDeviceId).unwrap();
    assert_eq!(id.device_id, 0x20);
    assert_eq!(net.conn.stats().reconnects, 1);
}

#[test]
fn a_frozen_bmc_times_out_at_the_deadline_and_is_not_reconnected_to() {
    // No retry count: tries go on until the deadline.
    let mut config = client_config();
    config.retries = None;
    let mut net = Net::new(config);
    net.connect();
    net.execute(&GetDeviceId).unwrap();
    net.frozen = true;
    let t0 = net.now;
    let budget = Duration::from_millis(1500);
    let e = net.request(&GetDeviceId.request(), budget).unwrap_err();
    assert_eq!(net.now - t0, budget, "at the deadline exactly");
    assert_eq!(e.class(), ErrorClass::Timeout);
    assert!(
        matches!(
            e,
            Error::Timeout {
                stage: Stage::Request { .. },
                ..
            }
        ),
        "{e}"
    );
    let s = net.conn.stats();
    assert!(s.probes_sent >= 3, "{s:?}");
    assert_eq!((s.probes_answered, s.reconnects), (0, 0));
    // Thawed: the session that timed out is replaced before sending.
    net.frozen = false;
    net.execute(&GetDeviceId).unwrap();
    let s = net.conn.stats();
    assert_eq!((s.reconnects, s.reconnects_before_sending), (1, 1));
}

#[test]
fn a_failed_reconnect_reports_the_handshake_step_and_the_next_request_tries_again() {
    let mut net = Net::new(client_config().bmc_idle_timeout(BMC_IDLE));
    net.connect();
    net.idle(Duration::from_secs(1));
    net.frozen = true;
    let t0 = net.now;
    let e = net
        .request(&GetDeviceId.request(), Duration::from_millis(700))
        .unwrap_err();
    assert_eq!(net.now - t0, Duration::from_millis(700));
    assert!(
        matches!(
            e,
            Error::Timeout {
                stage: Stage::ChannelAuthCapabilities,
                ..
            }
        ),
        "{e}"
    );
    net.frozen = false;
    net.execute(&GetDeviceId).unwrap();
    assert_eq!(net.conn.stats().reconnects, 2);
}

#[test]
fn without_reconnect_a_dropped_session_times_out() {
    let mut net = Net::new(client_config().bmc_idle_timeout(BMC_IDLE).reconnect(false));
    net.connect();
    net.idle(Duration::from_secs(1));
    let e = net
        .request(&GetDeviceId.request(), Duration::from_millis(500))
        .unwrap_err();
    assert_eq!(e.class(), ErrorClass::Timeout);
    let s = net.conn.stats();
    assert_eq!((s.reconnects, s.probes_sent), (0, 0));
}

#[test]
fn an_unanswered_keepalive_makes_the_next_request_open_a_new_session() {
    let mut net = Net::new(client_config().keepalive(Some(Duration::from_millis(100))));
    net.connect();
    net.frozen = true;
    net.idle(Duration::from_secs(5));
    let s = net.conn.stats();
    assert_eq!(
        (s.keepalives, s.keepalives_failed),
        (0, 1),
        "one, then none"
    );
    assert!(net.conn.take_keepalive_error().is_some());
    assert_eq!(net.conn.keepalive_due(), None);
    net.frozen = false;
    net.execute(&GetDeviceId).unwrap();
    let s = net.conn.stats();
    assert_eq!((s.reconnects, s.reconnects_before_sending), (1, 1));
    assert!(net.conn.keepalive_due().is_some(), "keepalives resume");
}

#[test]
fn a_request_while_a_keepalive_is_in_flight_abandons_the_keepalive() {
    let mut net = Net::new(client_config().keepalive(Some(Duration::from_millis(100))));
    net.connect();
    // Let the keepalive go out, not its answer come back.
    let due = net.conn.keepalive_due().unwrap();
    net.now = due;
    assert!(matches!(net.conn.poll(net.now), Action::Transmit(_)));
    assert!(net.conn.is_busy());
    let t0 = net.now;
    net.execute(&GetDeviceId).unwrap();
    assert_eq!(net.now - t0, 2 * ONE_WAY);
    assert_eq!(net.conn.stats().keepalives, 0);
}

#[test]
fn no_request_after_close() {
    let mut net = Net::new(client_config().keepalive(Some(Duration::from_millis(100))));
    net.connect();
    assert!(net
        .conn
        .close(net.now, Deadline::after(net.now, Duration::from_secs(1))));
    assert!(matches!(net.run(None), Some(Ok(Event::Closed))));
    assert_eq!(net.conn.keepalive_due(), None);
    let e = net
        .conn
        .request(
            net.now,
            &GetDeviceId.request(),
            Deadline::after(net.now, PER_TRY),
        )
        .unwrap_err();
    assert!(matches!(e, Error::NotActive(_)), "{e}");
}
