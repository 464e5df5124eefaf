//! The one host name resolver of both clients, bounded by the deadline:
//! `getaddrinfo` may block on a dead resolver for many seconds, so it runs
//! on a helper thread that the caller stops waiting for when the deadline
//! passes. A name that does not resolve is [`Error::Resolve`]; a lookup
//! still running at the deadline is [`Error::Timeout`] at [`Stage::Resolve`].

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::time::Instant;

use ipmi_core::Deadline;

use crate::error::{Error, Stage};

/// What a lookup thread reports: its first address, if any.
type Lookup = std::io::Result<Option<SocketAddr>>;

/// Resolves `host` (a name or an IP literal) and `port`, giving up at `deadline`.
pub(crate) fn resolve(host: &str, port: u16, deadline: Deadline) -> Result<SocketAddr, Error> {
    if let Some(addr) = literal(host, port) {
        return Ok(addr);
    }
    let (tx, rx) = std::sync::mpsc::channel();
    spawn_lookup(host, port, move |r| {
        let _ = tx.send(r);
    })?;
    outcome(
        host,
        rx.recv_timeout(deadline.remaining(Instant::now())).ok(),
    )
}

/// [`resolve`] for the tokio driver: the same lookup thread, awaited.
#[cfg(feature = "tokio")]
pub(crate) async fn resolve_async(
    host: &str,
    port: u16,
    deadline: Deadline,
) -> Result<SocketAddr, Error> {
    if let Some(addr) = literal(host, port) {
        return Ok(addr);
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    spawn_lookup(host, port, move |r| {
        let _ = tx.send(r);
    })?;
    let got = tokio::time::timeout_at(deadline.instant().into(), rx).await;
    outcome(host, got.ok().and_then(Result::ok))
}

/// The first address of what a caller's `ToSocketAddrs` yielded, with the
/// resolver's errors (for `connect_by`, which takes any address form).
pub(crate) fn first_address(
    lookup: std::io::Result<impl Iterator<Item = SocketAddr>>,
) -> Result<SocketAddr, Error> {
    outcome("the given address", Some(lookup.map(|mut a| a.next())))
}

/// An IP literal (IPv6 possibly in brackets) needs no lookup.
fn literal(host: &str, port: u16) -> Option<SocketAddr> {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    bare.parse::<IpAddr>()
        .ok()
        .map(|ip| SocketAddr::new(ip, port))
}

fn spawn_lookup(
    host: &str,
    port: u16,
    report: impl FnOnce(Lookup) + Send + 'static,
) -> Result<(), Error> {
    let name = host.to_string();
    std::thread::Builder::new()
        .name("ipmirs-resolve".into())
        .spawn(move || {
            report(
                (name.as_str(), port)
                    .to_socket_addrs()
                    .map(|mut a| a.next()),
            )
        })
        .map(|_| ())
        .map_err(Error::from)
}

/// The error of a lookup: `None` when it had not finished by the deadline.
fn outcome(host: &str, got: Option<Lookup>) -> Result<SocketAddr, Error> {
    let fail = |reason: String| Error::Resolve {
        host: host.to_string(),
        reason,
    };
    match got {
        Some(Ok(Some(addr))) => Ok(addr),
        Some(Ok(None)) => Err(fail("no address".into())),
        Some(Err(e)) => Err(fail(e.to_string())),
        None => Err(Error::Timeout {
            stage: Stage::Resolve,
            tries: 1,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn literals_need_no_lookup() {
        let d = Deadline::from_now(Duration::ZERO);
        assert_eq!(
            resolve("127.0.0.1", 623, d).unwrap(),
            "127.0.0.1:623".parse().unwrap()
        );
        assert_eq!(resolve("[::1]", 9, d).unwrap(), "[::1]:9".parse().unwrap());
    }

    #[test]
    fn localhost_resolves_and_garbage_does_not() {
        let d = Deadline::from_now(Duration::from_secs(5));
        assert!(resolve("localhost", 623, d).unwrap().ip().is_loopback());
        let e = resolve("no such host..invalid", 623, d).unwrap_err();
        assert!(
            matches!(e, Error::Resolve { .. } | Error::Timeout { .. }),
            "{e}"
        );
    }
}
