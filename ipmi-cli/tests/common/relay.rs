//! A UDP relay between a client and a BMC for the integration tests: it
//! forwards the first `limit` datagrams from the client and swallows the
//! rest (a BMC that stops hearing the client in the middle of a session),
//! always forwards the BMC's datagrams, and counts what the client sent.
//! The limit can be raised later (the BMC "hears" again).

#![allow(dead_code)]

use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

pub struct Relay {
    port: u16,
    from_client: Arc<AtomicUsize>,
    limit: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Relay {
    /// Listens on a free loopback port and relays to `bmc`.
    pub fn start(bmc: SocketAddr, limit: usize) -> Relay {
        let front = UdpSocket::bind("127.0.0.1:0").unwrap();
        let back = UdpSocket::bind("127.0.0.1:0").unwrap();
        back.connect(bmc).unwrap();
        for s in [&front, &back] {
            s.set_read_timeout(Some(Duration::from_millis(20))).unwrap();
        }
        let port = front.local_addr().unwrap().port();
        let client = Arc::new(Mutex::new(None));
        let from_client = Arc::new(AtomicUsize::new(0));
        let limit = Arc::new(AtomicUsize::new(limit));
        let stop = Arc::new(AtomicBool::new(false));
        let (front2, back2) = (front.try_clone().unwrap(), back.try_clone().unwrap());
        let (client2, count, lim, stop1, stop2) = (
            client.clone(),
            from_client.clone(),
            limit.clone(),
            stop.clone(),
            stop.clone(),
        );
        let up = std::thread::spawn(move || {
            let mut buf = [0u8; 2048];
            while !stop1.load(Ordering::Relaxed) {
                if let Ok((n, from)) = front.recv_from(&mut buf) {
                    *client2.lock().unwrap() = Some(from);
                    if count.fetch_add(1, Ordering::SeqCst) < lim.load(Ordering::SeqCst) {
                        let _ = back.send(&buf[..n]);
                    }
                }
            }
        });
        let down = std::thread::spawn(move || {
            let mut buf = [0u8; 2048];
            while !stop2.load(Ordering::Relaxed) {
                if let Ok(n) = back2.recv(&mut buf) {
                    if let Some(c) = *client.lock().unwrap() {
                        let _ = front2.send_to(&buf[..n], c);
                    }
                }
            }
        });
        Relay {
            port,
            from_client,
            limit,
            stop,
            threads: vec![up, down],
        }
    }

    /// The port the client talks to.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Datagrams received from the client so far (forwarded or not).
    pub fn datagrams_from_client(&self) -> usize {
        self.from_client.load(Ordering::SeqCst)
    }

    /// From now on, forward the client's datagrams while fewer than
    /// `limit` have come in all (`usize::MAX`: all of them).
    pub fn set_limit(&self, limit: usize) {
        self.limit.store(limit, Ordering::SeqCst);
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}
