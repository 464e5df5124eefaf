//! A deterministic in-memory network for the sans-IO client and responder:
//! datagrams travel through a queue under a virtual clock (an `Instant`
//! base plus offsets), with seeded loss, duplication and reordering (by
//! random delay). Nothing sleeps and nothing touches a socket, so a minute
//! of protocol time costs microseconds and every run of a seed is the same.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use ipmi_core::{Command, CommandError, Deadline, Request, Response};
use ipmi_lanplus::client::{Event, Session};
use ipmi_lanplus::server::{Handler, Responder, ServerConfig, ServerEvent, SimulatedBmc, Transmit};
use ipmi_lanplus::{ClientConfig, Error};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The responder's address on the virtual network.
pub const BMC_ADDR: &str = "10.0.0.1:623";

/// How the virtual link treats each datagram, both ways.
#[derive(Clone, Copy, Debug)]
pub struct Link {
    /// Probability that a datagram is lost.
    pub loss: f64,
    /// Probability that a (delivered) datagram arrives twice.
    pub duplicate: f64,
    /// Fixed one-way delay.
    pub delay: Duration,
    /// Extra random delay in [0, jitter): datagrams overtake each other.
    pub jitter: Duration,
}

impl Link {
    /// No loss, no duplication, 1 ms each way.
    pub fn perfect() -> Self {
        Link {
            loss: 0.0,
            duplicate: 0.0,
            delay: Duration::from_millis(1),
            jitter: Duration::ZERO,
        }
    }

    /// `loss` both ways, 1–6 ms delay.
    pub fn lossy(loss: f64) -> Self {
        Link {
            loss,
            duplicate: 0.0,
            delay: Duration::from_millis(1),
            jitter: Duration::from_millis(5),
        }
    }

    /// No loss; `duplicate` of the datagrams doubled; delays spread over 0–200 ms
    /// so that datagrams (and their copies) arrive out of order.
    pub fn chaotic(duplicate: f64) -> Self {
        Link {
            loss: 0.0,
            duplicate,
            delay: Duration::from_millis(1),
            jitter: Duration::from_millis(200),
        }
    }
}

struct InFlight {
    at: Instant,
    order: u64,
    to_bmc: bool,
    /// Source for datagrams to the BMC, destination for datagrams to a client.
    peer: SocketAddr,
    data: Vec<u8>,
}

/// Client sessions and one responder on a virtual network.
pub struct Net<H: Handler = SimulatedBmc> {
    /// The virtual clock.
    pub now: Instant,
    /// The responder under test.
    pub responder: Responder<H>,
    /// Client sessions with their addresses.
    pub clients: Vec<(SocketAddr, Session)>,
    /// Everything the responder reported.
    pub server_events: Vec<ServerEvent>,
    /// When set, every datagram to the BMC is lost (a BMC that never answers).
    pub bmc_silent: bool,
    /// Datagrams delivered each way: (to the BMC, to clients).
    pub delivered: (u64, u64),
    link: Link,
    rng: StdRng,
    in_flight: Vec<InFlight>,
    order: u64,
    seed: u64,
}

impl Net<SimulatedBmc> {
    /// A network around a simulated BMC serving `config`.
    pub fn new(config: ServerConfig, link: Link, seed: u64) -> Self {
        Self::with_handler(config, SimulatedBmc::default(), link, seed)
    }
}

fn seed32(seed: u64, salt: u8) -> [u8; 32] {
    let mut s = [salt; 32];
    s[..8].copy_from_slice(&seed.to_le_bytes());
    s
}

impl<H: Handler> Net<H> {
    /// A network around `handler` serving `config`; `seed` drives the link and both ends.
    pub fn with_handler(config: ServerConfig, handler: H, link: Link, seed: u64) -> Self {
        let responder =
            Responder::new(config, handler, seed32(seed, 0xB0)).expect("valid server config");
        Net {
            now: Instant::now(),
            responder,
            clients: Vec::new(),
            server_events: Vec::new(),
            bmc_silent: false,
            delivered: (0, 0),
            link,
            rng: StdRng::seed_from_u64(seed ^ 0x5EED),
            in_flight: Vec::new(),
            order: 0,
            seed,
        }
    }

    /// Changes the link from now on.
    pub fn set_link(&mut self, link: Link) {
        self.link = link;
    }

    /// Adds a client session at 10.0.0.<n+2>:<40000+n>; returns its index.
    pub fn add_client(&mut self, config: ClientConfig) -> usize {
        let n = self.clients.len();
        let addr: SocketAddr = format!("10.0.0.{}:{}", 2 + n % 200, 40000 + n)
            .parse()
            .unwrap();
        let session = Session::new(config, seed32(self.seed, 0xC0 + n as u8));
        self.clients.push((addr, session));
        n
    }

    /// The client session `c`.
    pub fn client(&self, c: usize) -> &Session {
        &self.clients[c].1
    }

    /// Opens the session of client `c`, waiting at most `budget` of virtual time.
    pub fn connect(&mut self, c: usize, budget: Duration) -> Result<(), Error> {
        let deadline = Deadline::after(self.now, budget);
        self.clients[c].1.connect(self.now, deadline)?;
        match self.run_until_event(c) {
            Event::Connected { .. } => Ok(()),
            Event::Failed(e) => Err(e),
            other => panic!("unexpected event {other:?}"),
        }
    }

    /// Sends `request` in client `c`'s session and waits for the answer.
    pub fn request(
        &mut self,
        c: usize,
        request: &Request,
        budget: Duration,
    ) -> Result<Response, Error> {
        let deadline = Deadline::after(self.now, budget);
        self.clients[c].1.request(self.now, request, deadline)?;
        match self.run_until_event(c) {
            Event::Response(r) => Ok(r),
            Event::Failed(e) => Err(e),
            other => panic!("unexpected event {other:?}"),
        }
    }

    /// Runs a typed command in client `c`'s session.
    pub fn execute<C: Command>(
        &mut self,
        c: usize,
        cmd: &C,
        budget: Duration,
    ) -> Result<C::Output, Error> {
        let response = self.request(c, &cmd.request(), budget)?;
        cmd.decode(&response)
            .map_err(|e: CommandError| Error::Command(e))
    }

    /// Closes client `c`'s session.
    pub fn close(&mut self, c: usize, budget: Duration) -> Result<(), Error> {
        let deadline = Deadline::after(self.now, budget);
        if !self.clients[c].1.close(self.now, deadline) {
            return Ok(());
        }
        match self.run_until_event(c) {
            Event::Closed => Ok(()),
            Event::Failed(e) => Err(e),
            other => panic!("unexpected event {other:?}"),
        }
    }

    /// Hands `datagram` from `from` straight to the responder at `now`;
    /// returns what it answers (bypassing the link).
    pub fn poke(&mut self, from: SocketAddr, datagram: &[u8]) -> Vec<Transmit> {
        self.responder.handle_datagram(self.now, from, datagram);
        let mut out = Vec::new();
        while let Some(t) = self.responder.poll_transmit() {
            out.push(t);
        }
        while let Some(e) = self.responder.poll_event() {
            self.server_events.push(e);
        }
        out
    }

    /// Lets `d` of virtual time pass, delivering and timing out as it goes.
    pub fn advance(&mut self, d: Duration) {
        let end = self.now + d;
        let mut guard = 0u32;
        loop {
            self.pump();
            match self.next_wake() {
                Some(t) if t <= end => self.step_to(t),
                _ => break,
            }
            guard += 1;
            assert!(guard < 1_000_000, "advance: no progress");
        }
        self.now = end;
        self.fire_timeouts();
        self.pump();
    }

    /// Moves time forward until client `c` reports an event.
    pub fn run_until_event(&mut self, c: usize) -> Event {
        for _ in 0..1_000_000 {
            self.pump();
            if let Some(e) = self.clients[c].1.poll_event() {
                return e;
            }
            let Some(t) = self.next_wake() else {
                panic!("client {c} waits for nothing: no datagram in flight, no timer");
            };
            self.step_to(t);
        }
        panic!("client {c}: no event after a million steps");
    }

    /// Collects everything queued by both ends into the link.
    fn pump(&mut self) {
        let mut out = Vec::new();
        for (addr, s) in &mut self.clients {
            while let Some(d) = s.poll_transmit() {
                out.push((true, *addr, d));
            }
        }
        while let Some(t) = self.responder.poll_transmit() {
            out.push((false, t.destination, t.datagram));
        }
        while let Some(e) = self.responder.poll_event() {
            self.server_events.push(e);
        }
        for (to_bmc, peer, data) in out {
            self.schedule(to_bmc, peer, data);
        }
    }

    fn schedule(&mut self, to_bmc: bool, peer: SocketAddr, data: Vec<u8>) {
        if to_bmc && self.bmc_silent {
            return;
        }
        if self.link.loss > 0.0 && self.rng.gen_bool(self.link.loss) {
            return;
        }
        let copies = if self.link.duplicate > 0.0 && self.rng.gen_bool(self.link.duplicate) {
            2
        } else {
            1
        };
        for _ in 0..copies {
            let jitter = self.link.jitter.mul_f64(self.rng.gen::<f64>());
            self.order += 1;
            let at = self.now + self.link.delay + jitter;
            self.in_flight.push(InFlight {
                at,
                order: self.order,
                to_bmc,
                peer,
                data: data.clone(),
            });
        }
    }

    fn next_wake(&self) -> Option<Instant> {
        let flights = self.in_flight.iter().map(|f| f.at);
        let clients = self.clients.iter().filter_map(|(_, s)| s.poll_timeout());
        flights
            .chain(clients)
            .chain(self.responder.poll_timeout())
            .min()
    }

    /// Sets the clock to `t` (never backwards), delivers what is due, fires due timers.
    fn step_to(&mut self, t: Instant) {
        if t > self.now {
            self.now = t;
        }
        let now = self.now;
        let mut due: Vec<InFlight> = Vec::new();
        let mut i = 0;
        while i < self.in_flight.len() {
            if self.in_flight[i].at <= now {
                due.push(self.in_flight.swap_remove(i));
            } else {
                i += 1;
            }
        }
        due.sort_by_key(|f| (f.at, f.order));
        for f in due {
            if f.to_bmc {
                self.delivered.0 += 1;
                self.responder.handle_datagram(now, f.peer, &f.data);
            } else if let Some((_, s)) = self.clients.iter_mut().find(|(a, _)| *a == f.peer) {
                self.delivered.1 += 1;
                s.handle_datagram(now, &f.data);
            }
        }
        self.fire_timeouts();
    }

    fn fire_timeouts(&mut self) {
        let now = self.now;
        for (_, s) in &mut self.clients {
            if s.poll_timeout().is_some_and(|t| t <= now) {
                s.handle_timeout(now);
            }
        }
        if self.responder.poll_timeout().is_some_and(|t| t <= now) {
            self.responder.handle_timeout(now);
        }
    }
}

/// The completion code of a command the BMC refused; panics on anything
/// else (tests expecting a refusal).
pub fn cc<T: std::fmt::Debug>(r: Result<T, Error>) -> u8 {
    match r {
        Err(Error::Command(CommandError::Completion { code, .. })) => code.0,
        other => panic!("expected a completion code, got {other:?}"),
    }
}
