//! The tokio driver: runs a [`Session`] over a `tokio::net::UdpSocket`,
//! readiness-based, sleeping only until the session's next timeout.

use std::io::ErrorKind;
use std::time::{Duration, Instant};

use ipmi_core::transport::AsyncTransport;
use ipmi_core::{Deadline, Request, Response, Target};
use tokio::net::{ToSocketAddrs, UdpSocket};

use crate::blocking::{is_transient, os_seed, MAX_DATAGRAM};
use crate::client::{Action, Event, Session};
use crate::crypto::suite::CipherSuite;
use crate::{ClientConfig, Error};

/// An async RMCP+ client: one session with one BMC.
#[derive(Debug)]
pub struct AsyncClient {
    socket: UdpSocket,
    session: Session,
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
    /// resolution included).
    pub async fn connect_by<A: ToSocketAddrs>(
        addr: A,
        config: ClientConfig,
        deadline: Deadline,
    ) -> Result<AsyncClient, Error> {
        config.validate()?;
        let lookup = tokio::net::lookup_host(addr);
        let mut addrs = match tokio::time::timeout_at(deadline.instant().into(), lookup).await {
            Ok(r) => r?,
            Err(_) => {
                return Err(Error::Config(
                    "host name resolution did not finish before the deadline".into(),
                ))
            }
        };
        let peer = addrs
            .next()
            .ok_or_else(|| Error::Config("the host name resolved to no address".into()))?;
        let socket = UdpSocket::bind(if peer.is_ipv4() {
            "0.0.0.0:0"
        } else {
            "[::]:0"
        })
        .await?;
        socket.connect(peer).await?;
        let timeout = config.timeout;
        let target = config.target;
        let mut session = Session::new(config, os_seed());
        session.connect(Instant::now(), deadline)?;
        let mut client = AsyncClient {
            socket,
            session,
            timeout,
            target,
            buf: vec![0; MAX_DATAGRAM],
        };
        client.drive().await?;
        Ok(client)
    }

    /// The negotiated cipher suite.
    pub fn suite(&self) -> Option<CipherSuite> {
        self.session.suite()
    }

    /// The underlying state machine (for statistics).
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Closes the session within the configured timeout.
    pub async fn close(self) -> Result<(), Error> {
        let deadline = Deadline::from_now(self.timeout);
        self.close_by(deadline).await
    }

    /// Closes the session (IPMI 2.0 §22.19), waiting until `deadline`.
    pub async fn close_by(mut self, deadline: Deadline) -> Result<(), Error> {
        if !self.session.close(Instant::now(), deadline) {
            return Ok(());
        }
        self.drive().await.map(|_| ())
    }

    async fn drive(&mut self) -> Result<Event, Error> {
        loop {
            match self.session.poll(Instant::now()) {
                Action::Transmit(d) => {
                    if let Err(e) = self.socket.send(&d).await {
                        if e.kind() != ErrorKind::ConnectionRefused {
                            return Err(e.into());
                        }
                    }
                }
                Action::Done(result) => return result,
                Action::Idle => return Err(Error::NotActive("nothing is pending")),
                Action::WaitUntil(wake) => tokio::select! {
                    r = self.socket.recv(&mut self.buf) => match r {
                        Ok(n) => self.session.handle_datagram(Instant::now(), &self.buf[..n]),
                        Err(e) if is_transient(&e) => {}
                        Err(e) => return Err(e.into()),
                    },
                    _ = tokio::time::sleep_until(wake.into()) => {}
                },
            }
        }
    }
}

impl AsyncTransport for AsyncClient {
    type Error = Error;

    async fn exchange(&mut self, request: &Request, deadline: Deadline) -> Result<Response, Error> {
        self.session.request(Instant::now(), request, deadline)?;
        self.drive().await?.into_response()
    }

    fn default_deadline(&self) -> Deadline {
        Deadline::from_now(self.timeout)
    }

    fn default_target(&self) -> Target {
        self.target
    }
}

impl Drop for AsyncClient {
    /// Sends Close Session once without waiting if still active (never blocks).
    fn drop(&mut self) {
        let now = Instant::now();
        if self
            .session
            .close(now, Deadline::after(now, Duration::from_millis(1)))
        {
            while let Some(d) = self.session.poll_transmit() {
                let _ = self.socket.try_send(&d);
            }
        }
    }
}
