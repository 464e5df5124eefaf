//! The blocking driver: runs a [`Session`] over a `std::net::UdpSocket`,
//! sleeping only until the session's next timeout, so no call outlives its
//! deadline.

use std::io::ErrorKind;
use std::net::{ToSocketAddrs, UdpSocket};
use std::time::{Duration, Instant};

use ipmi_core::{Deadline, Request, Response, Target, Transport};
use rand::RngCore;

use crate::client::{Event, Session};
use crate::crypto::suite::CipherSuite;
use crate::{ClientConfig, Error};

/// Largest datagram accepted (an IPMI message is at most a few hundred bytes).
pub(crate) const MAX_DATAGRAM: usize = 1024;

/// A blocking RMCP+ client: one session with one BMC.
#[derive(Debug)]
pub struct Client {
    socket: UdpSocket,
    session: Session,
    timeout: Duration,
    target: Target,
    buf: Vec<u8>,
}

/// 32 bytes from the operating system's generator, to seed a session.
pub(crate) fn os_seed() -> [u8; 32] {
    let mut seed = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut seed);
    seed
}

impl Client {
    /// Opens a session with `config.timeout` as deadline.
    pub fn connect<A: ToSocketAddrs>(addr: A, config: ClientConfig) -> Result<Client, Error> {
        let deadline = Deadline::from_now(config.timeout);
        Self::connect_by(addr, config, deadline)
    }

    /// Opens a session (IPMI 2.0 §13.14), finishing by `deadline`.
    pub fn connect_by<A: ToSocketAddrs>(
        addr: A,
        config: ClientConfig,
        deadline: Deadline,
    ) -> Result<Client, Error> {
        config.validate()?;
        let peer = addr
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| Error::Config("the host name resolved to no address".into()))?;
        let socket = UdpSocket::bind(if peer.is_ipv4() {
            "0.0.0.0:0"
        } else {
            "[::]:0"
        })?;
        socket.connect(peer)?;
        let timeout = config.timeout;
        let target = config.target;
        let mut session = Session::new(config, os_seed());
        session.connect(Instant::now(), deadline)?;
        let mut client = Client {
            socket,
            session,
            timeout,
            target,
            buf: vec![0; MAX_DATAGRAM],
        };
        match client.drive() {
            Ok(_) => Ok(client),
            Err(e) => Err(e), // Drop sends Close Session if keys were established.
        }
    }

    /// The negotiated cipher suite.
    pub fn suite(&self) -> Option<CipherSuite> {
        self.session.suite()
    }

    /// The underlying state machine (for statistics).
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Closes the session (IPMI 2.0 §22.19) within the configured timeout.
    pub fn close(self) -> Result<(), Error> {
        let deadline = Deadline::from_now(self.timeout);
        self.close_by(deadline)
    }

    /// Closes the session, waiting for the answer until `deadline`.
    pub fn close_by(mut self, deadline: Deadline) -> Result<(), Error> {
        if !self.session.close(Instant::now(), deadline) {
            return Ok(());
        }
        self.drive().map(|_| ())
    }

    /// Runs the session until it reports an event.
    fn drive(&mut self) -> Result<Event, Error> {
        loop {
            while let Some(d) = self.session.poll_transmit() {
                if let Err(e) = self.socket.send(&d) {
                    // An ICMP "port unreachable" from an earlier datagram
                    // surfaces here; treat it like a lost datagram.
                    if e.kind() != ErrorKind::ConnectionRefused {
                        return Err(e.into());
                    }
                }
            }
            if let Some(event) = self.session.poll_event() {
                return match event {
                    Event::Failed(e) => Err(e),
                    other => Ok(other),
                };
            }
            let Some(wake) = self.session.poll_timeout() else {
                return Err(Error::NotActive("nothing is pending"));
            };
            let now = Instant::now();
            if now >= wake {
                self.session.handle_timeout(now);
                continue;
            }
            self.socket
                .set_read_timeout(Some((wake - now).max(Duration::from_micros(1))))?;
            match self.socket.recv(&mut self.buf) {
                Ok(n) => self.session.handle_datagram(Instant::now(), &self.buf[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::WouldBlock
                            | ErrorKind::TimedOut
                            | ErrorKind::Interrupted
                            | ErrorKind::ConnectionRefused
                    ) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
}

impl Transport for Client {
    type Error = Error;

    fn exchange(&mut self, request: &Request, deadline: Deadline) -> Result<Response, Error> {
        self.session.request(Instant::now(), request, deadline)?;
        match self.drive()? {
            Event::Response(r) => Ok(r),
            other => Err(Error::NotActive(unexpected(&other))),
        }
    }

    fn default_deadline(&self) -> Deadline {
        Deadline::from_now(self.timeout)
    }

    fn default_target(&self) -> Target {
        self.target
    }
}

pub(crate) fn unexpected(event: &Event) -> &'static str {
    match event {
        Event::Connected { .. } => "unexpected connect event",
        Event::Closed => "the session was closed",
        _ => "unexpected event",
    }
}

impl Drop for Client {
    /// Sends Close Session once, without waiting, if the session is still
    /// active (bounded best effort: never blocks).
    fn drop(&mut self) {
        let now = Instant::now();
        if self
            .session
            .close(now, Deadline::after(now, Duration::from_millis(1)))
        {
            while let Some(d) = self.session.poll_transmit() {
                let _ = self.socket.send(&d);
            }
        }
    }
}
