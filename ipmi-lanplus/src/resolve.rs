//! Host name resolution bounded by the deadline: `getaddrinfo` may block
//! on a dead resolver for many seconds, so it runs on a helper thread that
//! the caller stops waiting for when the deadline passes.

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::sync::mpsc;
use std::time::Instant;

use ipmi_core::Deadline;

use crate::error::{Error, Stage};

/// Resolves `host` (a name or an IP literal) and `port`, giving up at `deadline`.
pub fn resolve(host: &str, port: u16, deadline: Deadline) -> Result<SocketAddr, Error> {
    let literal = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if let Ok(ip) = literal.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, port));
    }
    let (tx, rx) = mpsc::channel();
    let name = host.to_string();
    std::thread::Builder::new()
        .name("ipmirs-resolve".into())
        .spawn(move || {
            let _ = tx.send(
                (name.as_str(), port)
                    .to_socket_addrs()
                    .map(|mut a| a.next()),
            );
        })
        .map_err(Error::from)?;
    let fail = |reason: String| Error::Resolve {
        host: host.to_string(),
        reason,
    };
    match rx.recv_timeout(deadline.remaining(Instant::now())) {
        Ok(Ok(Some(addr))) => Ok(addr),
        Ok(Ok(None)) => Err(fail("no address".into())),
        Ok(Err(e)) => Err(fail(e.to_string())),
        Err(_) => Err(Error::Timeout {
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
