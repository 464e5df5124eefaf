//! The blocking driver: runs a [`Session`] over a `std::net::UdpSocket`,
//! sleeping only until the session's next timeout, so no call outlives its
//! deadline.

use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ipmi_core::{Deadline, Request, Response, Target, Transport};

use crate::client::{Action, Connection, Event, Session};
use crate::crypto::suite::CipherSuite;
use crate::udp::{is_transient, local_for, os_seed, sent, MAX_DATAGRAM};
use crate::{resolve, ClientConfig, Error};

/// A blocking RMCP+ client: one session with one BMC, kept across
/// commands and opened anew when the BMC dropped it (see
/// [`Connection`]). Keepalives ([`ClientConfig::keepalive`]) can only be
/// sent while the caller is inside a call: call
/// [`Client::keepalive_if_due`] from time to time, else a session left
/// silent longer than [`ClientConfig::bmc_idle_timeout`] is replaced
/// before the next request.
///
/// ```
/// use ipmi_core::cmd::{ChassisControl, GetChassisStatus, PowerAction};
/// use ipmi_core::Transport;
/// use ipmi_lanplus::{Client, ClientConfig};
///
/// let addr = "bmc1.example.net:623";
/// # let vbmc = ipmirs_test_support::responder::BackgroundServer::start(ipmi_lanplus::server::ServerConfig::new().user(ipmi_lanplus::server::User::new("admin", "secret", ipmi_core::PrivilegeLevel::Administrator)));
/// # let addr = vbmc.addr();
/// let mut bmc = Client::connect(addr, ClientConfig::new("admin", "secret"))?;
/// bmc.execute(&ChassisControl(PowerAction::Up))?;
/// assert!(bmc.execute(&GetChassisStatus)?.power_on());
/// bmc.close()?;
/// # Ok::<(), ipmi_lanplus::Error>(())
/// ```
#[derive(Debug)]
pub struct Client {
    socket: UdpSocket,
    conn: Connection,
    interrupt: Option<Arc<AtomicBool>>,
    timeout: Duration,
    target: Target,
    buf: Vec<u8>,
}

/// Longest a wait for a datagram lasts before the interrupt flag
/// ([`ClientConfig::interrupt`]) is looked at again.
pub const INTERRUPT_POLL: Duration = Duration::from_millis(50);

impl Client {
    /// Opens a session with `config.timeout` as deadline.
    pub fn connect<A: ToSocketAddrs>(addr: A, config: ClientConfig) -> Result<Client, Error> {
        let deadline = Deadline::from_now(config.timeout);
        Self::connect_by(addr, config, deadline)
    }

    /// Opens a session (IPMI 2.0 §13.14) with the BMC at `addr`, finishing
    /// by `deadline`. Resolving a name through `ToSocketAddrs` is not
    /// bounded by the deadline: use [`Client::connect_host`] for names.
    pub fn connect_by<A: ToSocketAddrs>(
        addr: A,
        config: ClientConfig,
        deadline: Deadline,
    ) -> Result<Client, Error> {
        let peer = resolve::first_address(addr.to_socket_addrs())?;
        Self::open(peer, config, deadline)
    }

    /// Opens a session with the BMC `host` (name or IP literal) on `port`,
    /// name resolution included in `deadline`.
    pub fn connect_host(
        host: &str,
        port: u16,
        config: ClientConfig,
        deadline: Deadline,
    ) -> Result<Client, Error> {
        config.validate()?;
        let peer = resolve::resolve(host, port, deadline)?;
        Self::open(peer, config, deadline)
    }

    fn open(peer: SocketAddr, config: ClientConfig, deadline: Deadline) -> Result<Client, Error> {
        config.validate()?;
        let socket = UdpSocket::bind(local_for(peer))?;
        socket.connect(peer)?;
        let timeout = config.timeout;
        let target = config.target;
        let interrupt = config.interrupt.clone();
        if interrupt.as_ref().is_some_and(|f| f.load(Ordering::SeqCst)) {
            return Err(Error::Interrupted); // nothing sent yet
        }
        let mut conn = Connection::new(config, os_seed());
        conn.set_peer(peer);
        conn.connect(Instant::now(), deadline)?;
        let mut client = Client {
            socket,
            conn,
            interrupt,
            timeout,
            target,
            buf: vec![0; MAX_DATAGRAM],
        };
        // On failure, Drop sends Close Session if keys were established.
        client.operation()?;
        Ok(client)
    }

    /// The negotiated cipher suite.
    pub fn suite(&self) -> Option<CipherSuite> {
        self.conn.suite()
    }

    /// The current session's state machine (for statistics; they start
    /// again with every new session).
    pub fn session(&self) -> &Session {
        self.conn.session()
    }

    /// The connection: keepalive and reconnection counters.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Sends a keepalive if one is due ([`ClientConfig::keepalive`]) and
    /// waits for its answer (within the configured timeout). `Ok(true)`:
    /// one was sent and answered; `Ok(false)`: none was due; an error: it
    /// got no answer, and the next request opens a new session first.
    pub fn keepalive_if_due(&mut self) -> Result<bool, Error> {
        if !self.conn.keepalive_is_due(Instant::now()) {
            return Ok(false);
        }
        // Keepalives are not the caller's operation: no interruption.
        self.drive(false, |conn, now| conn.poll_idle(now, false))
            .map(|_| true)
    }

    fn interrupted(&self) -> bool {
        self.interrupt
            .as_ref()
            .is_some_and(|f| f.load(Ordering::SeqCst))
    }

    fn send(&self, d: &[u8]) -> Result<(), Error> {
        sent(self.socket.send(d))
    }

    fn receive_until(&mut self, wake: Instant) -> Result<(), Error> {
        let mut wait = wake.saturating_duration_since(Instant::now());
        if self.interrupt.is_some() {
            wait = wait.min(INTERRUPT_POLL);
        }
        self.socket
            .set_read_timeout(Some(wait.max(Duration::from_micros(1))))?;
        match self.socket.recv(&mut self.buf) {
            Ok(n) => self.conn.handle_datagram(Instant::now(), &self.buf[..n]),
            Err(e) if is_transient(&e) => {}
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }

    /// Closes the session (IPMI 2.0 §22.19) within the configured timeout.
    pub fn close(self) -> Result<(), Error> {
        let deadline = Deadline::from_now(self.timeout);
        self.close_by(deadline)
    }

    /// Closes the session, waiting for the answer until `deadline`.
    pub fn close_by(mut self, deadline: Deadline) -> Result<(), Error> {
        if !self.conn.close(Instant::now(), deadline) {
            return Ok(());
        }
        // Closing ignores the interrupt flag: its deadline bounds it.
        self.interrupt = None;
        self.operation().map(|_| ())
    }

    /// Runs the connection until the caller's pending operation finishes.
    fn operation(&mut self) -> Result<Event, Error> {
        let event = self.drive(true, Connection::poll_operation)?;
        event.ok_or(Error::NotActive("nothing is pending"))
    }

    /// The driver loop: does what `poll` says until it is done, stopping
    /// early when `interruptible` and the interrupt flag is set.
    fn drive(
        &mut self,
        interruptible: bool,
        poll: impl Fn(&mut Connection, Instant) -> Action,
    ) -> Result<Option<Event>, Error> {
        loop {
            if interruptible && self.interrupted() {
                return Err(Error::Interrupted);
            }
            match poll(&mut self.conn, Instant::now()) {
                Action::Transmit(d) => self.send(&d)?,
                Action::WaitUntil(wake) => self.receive_until(wake)?,
                Action::Done(result) => return result.map(Some),
                Action::Idle => return Ok(None),
            }
        }
    }
}

impl Transport for Client {
    type Error = Error;

    fn exchange(&mut self, request: &Request, deadline: Deadline) -> Result<Response, Error> {
        self.conn.request(Instant::now(), request, deadline)?;
        self.operation()?.into_response()
    }

    fn default_deadline(&self) -> Deadline {
        Deadline::from_now(self.timeout)
    }

    fn default_target(&self) -> Target {
        self.target
    }
}

impl Drop for Client {
    /// Sends Close Session once, without waiting, if the session is still
    /// active, or gives up a handshake in progress (bounded best effort:
    /// never blocks).
    fn drop(&mut self) {
        // Also when dropped in the middle of a connect (unwinding): the
        // half-open session on the BMC is freed.
        if self.conn.abandon(Instant::now()) {
            while let Some(d) = self.conn.poll_transmit() {
                let _ = self.socket.send(&d);
            }
        }
    }
}
