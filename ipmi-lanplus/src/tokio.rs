//! The tokio driver: runs a [`Session`] over a `tokio::net::UdpSocket`,
//! readiness-based, sleeping only until the session's next timeout.

use std::time::{Duration, Instant};

use ipmi_core::transport::AsyncTransport;
use ipmi_core::{Deadline, Request, Response, Target};
use tokio::net::{ToSocketAddrs, UdpSocket};

use crate::client::{Action, Connection, Event, Session};
use crate::crypto::suite::CipherSuite;
use crate::udp::{is_transient, local_for, os_seed, sent, MAX_DATAGRAM};
use crate::{resolve, ClientConfig, Error};

/// An async RMCP+ client: one session with one BMC, kept across commands
/// and opened anew when the BMC dropped it (see [`Connection`]).
/// Keepalives ([`ClientConfig::keepalive`]) are sent while any of its
/// calls runs, [`AsyncClient::keep_alive`] included: await that one
/// whenever the client would otherwise sit idle, e.g. in a `select!` with
/// the next job. A request whose future was dropped midway is abandoned
/// by the next call.
///
/// ```
/// use std::time::Duration;
/// use ipmi_core::{cmd::GetDeviceId, AsyncTransport, Deadline};
/// use ipmi_lanplus::{AsyncClient, ClientConfig};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), ipmi_lanplus::Error> {
/// let addr = String::from("bmc1.example.net:623");
/// # let vbmc = ipmirs_test_support::responder::BackgroundServer::start(ipmi_lanplus::server::ServerConfig::new().user(ipmi_lanplus::server::User::new("admin", "secret", ipmi_core::PrivilegeLevel::Administrator)));
/// # let addr = vbmc.addr().to_string();
/// let deadline = Deadline::from_now(Duration::from_secs(3));
/// let config = ClientConfig::new("admin", "secret");
/// let mut bmc = AsyncClient::connect_by(addr.as_str(), config, deadline).await?;
/// let id = bmc.execute_by(&GetDeviceId, deadline).await?;
/// println!("device 0x{:02x}, manufacturer {}", id.device_id, id.manufacturer_id);
/// bmc.close().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct AsyncClient {
    socket: UdpSocket,
    conn: Connection,
    timeout: Duration,
    target: Target,
    buf: Vec<u8>,
}

impl AsyncClient {
    /// Opens a session with `config.timeout` as deadline.
    pub async fn connect<A: ToSocketAddrs>(
        addr: A,
        config: ClientConfig,
    ) -> Result<AsyncClient, Error> {
        let deadline = Deadline::from_now(config.timeout);
        Self::connect_by(addr, config, deadline).await
    }

    /// Opens a session (IPMI 2.0 §13.14), finishing by `deadline` (name
    /// resolution included, with the errors of [`AsyncClient::connect_host`]).
    pub async fn connect_by<A: ToSocketAddrs>(
        addr: A,
        config: ClientConfig,
        deadline: Deadline,
    ) -> Result<AsyncClient, Error> {
        config.validate()?;
        let lookup = tokio::net::lookup_host(addr);
        let peer = match tokio::time::timeout_at(deadline.instant().into(), lookup).await {
            Ok(r) => resolve::first_address(r)?,
            Err(_) => {
                return Err(Error::Timeout {
                    stage: crate::Stage::Resolve,
                    tries: 1,
                })
            }
        };
        Self::open(peer, config, deadline).await
    }

    /// Opens a session with the BMC `host` (name or IP literal) on `port`,
    /// name resolution included in `deadline` (the resolver of
    /// [`crate::Client::connect_host`]).
    pub async fn connect_host(
        host: &str,
        port: u16,
        config: ClientConfig,
        deadline: Deadline,
    ) -> Result<AsyncClient, Error> {
        config.validate()?;
        let peer = resolve::resolve_async(host, port, deadline).await?;
        Self::open(peer, config, deadline).await
    }

    async fn open(
        peer: std::net::SocketAddr,
        config: ClientConfig,
        deadline: Deadline,
    ) -> Result<AsyncClient, Error> {
        let socket = UdpSocket::bind(local_for(peer)).await?;
        socket.connect(peer).await?;
        let timeout = config.timeout;
        let target = config.target;
        let mut conn = Connection::new(config, os_seed());
        conn.set_peer(peer);
        conn.connect(Instant::now(), deadline)?;
        let mut client = AsyncClient {
            socket,
            conn,
            timeout,
            target,
            buf: vec![0; MAX_DATAGRAM],
        };
        client.operation().await?;
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

    /// Sends a keepalive if one is due and waits for its answer; see
    /// [`crate::Client::keepalive_if_due`].
    pub async fn keepalive_if_due(&mut self) -> Result<bool, Error> {
        if !self.conn.keepalive_is_due(Instant::now()) {
            return Ok(false);
        }
        self.drive(|conn, now| conn.poll_idle(now, false))
            .await
            .map(|_| true)
    }

    /// Keeps the session alive for as long as it is awaited: sleeps until
    /// the next keepalive is due, sends it, and so on. Returns `Ok(())` at
    /// once when there is nothing to keep alive (no
    /// [`ClientConfig::keepalive`], session closed or presumed dropped),
    /// and the error of a keepalive that got no answer (the next request
    /// then opens a new session). Cancel-safe: drop it to send a request.
    pub async fn keep_alive(&mut self) -> Result<(), Error> {
        self.drive(|conn, now| conn.poll_idle(now, true))
            .await
            .map(|_| ())
    }

    async fn send(&self, d: &[u8]) -> Result<(), Error> {
        sent(self.socket.send(d).await)
    }

    async fn receive_until(&mut self, wake: Instant) -> Result<(), Error> {
        tokio::select! {
            r = self.socket.recv(&mut self.buf) => match r {
                Ok(n) => self.conn.handle_datagram(Instant::now(), &self.buf[..n]),
                Err(e) if is_transient(&e) => {}
                Err(e) => return Err(e.into()),
            },
            _ = tokio::time::sleep_until(wake.into()) => {}
        }
        Ok(())
    }

    /// Closes the session within the configured timeout.
    pub async fn close(self) -> Result<(), Error> {
        let deadline = Deadline::from_now(self.timeout);
        self.close_by(deadline).await
    }

    /// Closes the session (IPMI 2.0 §22.19), waiting until `deadline`.
    pub async fn close_by(mut self, deadline: Deadline) -> Result<(), Error> {
        if !self.conn.close(Instant::now(), deadline) {
            return Ok(());
        }
        self.operation().await.map(|_| ())
    }

    /// Runs the connection until the caller's pending operation finishes.
    async fn operation(&mut self) -> Result<Event, Error> {
        let event = self.drive(Connection::poll_operation).await?;
        event.ok_or(Error::NotActive("nothing is pending"))
    }

    /// The driver loop: does what `poll` says until it is done.
    async fn drive(
        &mut self,
        poll: impl Fn(&mut Connection, Instant) -> Action,
    ) -> Result<Option<Event>, Error> {
        loop {
            match poll(&mut self.conn, Instant::now()) {
                Action::Transmit(d) => self.send(&d).await?,
                Action::WaitUntil(wake) => self.receive_until(wake).await?,
                Action::Done(result) => return result.map(Some),
                Action::Idle => return Ok(None),
            }
        }
    }
}

impl AsyncTransport for AsyncClient {
    type Error = Error;

    async fn exchange(&mut self, request: &Request, deadline: Deadline) -> Result<Response, Error> {
        self.conn.request(Instant::now(), request, deadline)?;
        self.operation().await?.into_response()
    }

    fn default_deadline(&self) -> Deadline {
        Deadline::from_now(self.timeout)
    }

    fn default_target(&self) -> Target {
        self.target
    }
}

impl Drop for AsyncClient {
    /// Sends Close Session once without waiting if still active, or gives
    /// up a handshake in progress (never blocks).
    fn drop(&mut self) {
        // Also when dropped in the middle of a connect (a cancelled
        // future): the half-open session on the BMC is freed.
        if self.conn.abandon(Instant::now()) {
            while let Some(d) = self.conn.poll_transmit() {
                let _ = self.socket.try_send(&d);
            }
        }
    }
}
