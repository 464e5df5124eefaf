//! A loopback UDP proxy for tests: clients talk to [`Proxy::addr`], the
//! proxy talks to the BMC (ipmi_sim or our responder) and back, and on the
//! way drops, duplicates, delays (hence reorders) and corrupts datagrams.
//!
//! Decisions are drawn per datagram from seeded generators, one per client
//! flow and direction (flows numbered in order of their first datagram),
//! so the n-th datagram of a flow meets the same fate in every run of a
//! seed. Each client address gets its own upstream socket, so the BMC sees
//! one peer per client. The proxy runs on its own thread with a
//! single-threaded tokio runtime; dropping it stops the runtime (pending
//! delayed datagrams are discarded) and joins the thread. Idle flows are
//! forgotten after [`FLOW_IDLE`].

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::net::UdpSocket;
use tokio::sync::{mpsc as tmpsc, oneshot};

/// A flow with no datagram either way for this long is forgotten.
pub const FLOW_IDLE: Duration = Duration::from_secs(3);

/// What happens to the datagrams going one way.
#[derive(Clone, Copy, Debug, Default)]
pub struct Faults {
    /// Probability that a datagram is lost.
    pub loss: f64,
    /// Probability that a datagram that is not lost is sent twice.
    pub duplicate: f64,
    /// Fixed delay of every datagram.
    pub delay: Duration,
    /// Extra random delay in [0, jitter) per copy: datagrams overtake each other.
    pub jitter: Duration,
    /// Probability that a copy has one byte changed.
    pub corrupt: f64,
    /// Corrupt only RMCP+ datagrams that carry an integrity trailer (the
    /// authenticated bit of the session header), i.e. session traffic.
    pub corrupt_protected_only: bool,
    /// Lose exactly the n-th datagram (1 = the first) of every flow, and
    /// only that one: a deterministic hole, whatever the machine's speed.
    pub drop_nth: Option<u64>,
    /// Lose the n-th datagram of every flow and all after it: a peer that
    /// falls silent at a chosen step, whatever the machine's speed.
    pub drop_from_nth: Option<u64>,
}

impl Faults {
    /// Every datagram passes unchanged, at once.
    pub fn none() -> Self {
        Faults::default()
    }

    /// `loss` of the datagrams lost.
    pub fn lossy(loss: f64) -> Self {
        Faults {
            loss,
            ..Faults::default()
        }
    }

    /// `duplicate` of the datagrams doubled, each copy delayed by up to `jitter`.
    pub fn chaotic(duplicate: f64, jitter: Duration) -> Self {
        Faults {
            duplicate,
            jitter,
            ..Faults::default()
        }
    }

    /// `corrupt` of the datagrams with one byte changed (session traffic
    /// only when `protected_only`).
    pub fn corrupting(corrupt: f64, protected_only: bool) -> Self {
        Faults {
            corrupt,
            corrupt_protected_only: protected_only,
            ..Faults::default()
        }
    }
}

/// What the proxy did so far, both ways together.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProxyStats {
    /// Datagrams received from either side.
    pub received: u64,
    /// Copies sent on.
    pub sent: u64,
    /// Datagrams dropped.
    pub dropped: u64,
    /// Datagrams sent twice.
    pub duplicated: u64,
    /// Copies with one byte changed: towards the BMC, towards the client.
    pub corrupted: (u64, u64),
    /// Client flows seen.
    pub flows: u64,
}

/// A running proxy. Stops when dropped.
pub struct Proxy {
    addr: SocketAddr,
    stats: Arc<Mutex<ProxyStats>>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Proxy {
    /// A proxy on a free 127.0.0.1 port to `upstream`, `faults` both ways.
    pub fn start(upstream: SocketAddr, faults: Faults, seed: u64) -> Proxy {
        Self::start_asymmetric(upstream, faults, faults, seed)
    }

    /// A proxy with different faults towards the BMC and towards the client.
    pub fn start_asymmetric(
        upstream: SocketAddr,
        to_bmc: Faults,
        to_client: Faults,
        seed: u64,
    ) -> Proxy {
        let (addr_tx, addr_rx) = mpsc::channel();
        let (stop_tx, stop_rx) = oneshot::channel();
        let stats = Arc::new(Mutex::new(ProxyStats::default()));
        let shared = stats.clone();
        let thread = std::thread::Builder::new()
            .name("udp-proxy".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("proxy runtime");
                rt.block_on(async move {
                    let front = UdpSocket::bind("127.0.0.1:0").await.expect("proxy bind");
                    addr_tx.send(front.local_addr().unwrap()).unwrap();
                    let world = World {
                        front: Arc::new(front),
                        upstream,
                        faults: [to_bmc, to_client],
                        seed,
                        stats: shared,
                    };
                    world.run(stop_rx).await;
                });
                // Dropping the runtime here cancels the delayed sends.
            })
            .expect("proxy thread");
        let addr = addr_rx
            .recv_timeout(Duration::from_secs(5))
            .expect("proxy did not start");
        Proxy {
            addr,
            stats,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// Where clients send: the proxy's client-side address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The counters so far.
    pub fn stats(&self) -> ProxyStats {
        *self.stats.lock().unwrap()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Flow {
    client: SocketAddr,
    socket: Arc<UdpSocket>,
    /// Decisions towards the BMC and towards the client.
    rng: [StdRng; 2],
    /// Datagrams seen towards the BMC and towards the client.
    seen: [u64; 2],
}

struct World {
    front: Arc<UdpSocket>,
    upstream: SocketAddr,
    faults: [Faults; 2],
    seed: u64,
    stats: Arc<Mutex<ProxyStats>>,
}

/// What the reader of an upstream socket reports: a datagram from the
/// BMC for flow `id`, or `None` when the flow went idle.
type Upstream = (usize, Option<Vec<u8>>);

impl World {
    async fn run(self, mut stop: oneshot::Receiver<()>) {
        let (tx, mut rx) = tmpsc::unbounded_channel::<Upstream>();
        let mut by_client: HashMap<SocketAddr, usize> = HashMap::new();
        let mut flows: HashMap<usize, Flow> = HashMap::new();
        let mut next_id = 0usize;
        let mut buf = vec![0u8; 65536];
        loop {
            tokio::select! {
                _ = &mut stop => break,
                r = self.front.recv_from(&mut buf) => {
                    let Ok((n, from)) = r else {
                        // ICMP errors from earlier sends: the socket stays usable.
                        continue;
                    };
                    let id = match by_client.get(&from) {
                        Some(&id) => id,
                        None => {
                            let id = next_id;
                            next_id += 1;
                            let Some(flow) = self.open_flow(id, from, tx.clone()).await else {
                                continue;
                            };
                            by_client.insert(from, id);
                            flows.insert(id, flow);
                            self.stats.lock().unwrap().flows += 1;
                            id
                        }
                    };
                    let flow = flows.get_mut(&id).expect("flow");
                    flow.seen[0] += 1;
                    let copies = self.decide(0, &mut flow.rng[0], flow.seen[0], &buf[..n]);
                    for (delay, data) in copies {
                        send_later(flow.socket.clone(), None, data, delay);
                    }
                }
                Some((id, msg)) = rx.recv() => {
                    match msg {
                        Some(data) => {
                            if let Some(flow) = flows.get_mut(&id) {
                                flow.seen[1] += 1;
                                let copies = self.decide(1, &mut flow.rng[1], flow.seen[1], &data);
                                for (delay, d) in copies {
                                    send_later(self.front.clone(), Some(flow.client), d, delay);
                                }
                            }
                        }
                        None => {
                            if let Some(flow) = flows.remove(&id) {
                                by_client.remove(&flow.client);
                            }
                        }
                    }
                }
            }
        }
    }

    async fn open_flow(
        &self,
        id: usize,
        client: SocketAddr,
        tx: tmpsc::UnboundedSender<Upstream>,
    ) -> Option<Flow> {
        let socket = UdpSocket::bind("127.0.0.1:0").await.ok()?;
        socket.connect(self.upstream).await.ok()?;
        let socket = Arc::new(socket);
        let reader = socket.clone();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 65536];
            loop {
                match tokio::time::timeout(FLOW_IDLE, reader.recv(&mut buf)).await {
                    Ok(Ok(n)) => {
                        if tx.send((id, Some(buf[..n].to_vec()))).is_err() {
                            return;
                        }
                    }
                    // ECONNREFUSED from an earlier send (the BMC is gone
                    // or frozen): keep the flow, do not spin.
                    Ok(Err(_)) => tokio::time::sleep(Duration::from_millis(1)).await,
                    Err(_) => {
                        let _ = tx.send((id, None));
                        return;
                    }
                }
            }
        });
        let rng = |dir: u64| {
            StdRng::seed_from_u64(
                self.seed ^ (id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (dir << 63),
            )
        };
        Some(Flow {
            client,
            socket,
            rng: [rng(0), rng(1)],
            seen: [0, 0],
        })
    }

    /// The copies of `data`, the `nth` datagram of its flow in direction
    /// `dir` (0: to the BMC, 1: to the client), to send, each with its
    /// delay. Every decision is drawn, used or not, so that one fault does
    /// not shift the fate of later datagrams.
    fn decide(
        &self,
        dir: usize,
        rng: &mut StdRng,
        nth: u64,
        data: &[u8],
    ) -> Vec<(Duration, Vec<u8>)> {
        let f = &self.faults[dir];
        let lost = rng.gen::<f64>() < f.loss
            || f.drop_nth == Some(nth)
            || f.drop_from_nth.is_some_and(|n| nth >= n);
        let twice = rng.gen::<f64>() < f.duplicate;
        let mut stats = self.stats.lock().unwrap();
        stats.received += 1;
        let mut copies = Vec::new();
        for _ in 0..2 {
            let jitter = f.jitter.mul_f64(rng.gen::<f64>());
            let corrupt = rng.gen::<f64>() < f.corrupt;
            let at = rng.gen::<usize>();
            let xor = rng.gen_range(1..=255u8);
            copies.push((f.delay + jitter, corrupt, at, xor));
        }
        if lost {
            stats.dropped += 1;
            return Vec::new();
        }
        if twice {
            stats.duplicated += 1;
        } else {
            copies.truncate(1);
        }
        let protected = data.len() > 5 && data[4] == 0x06 && data[5] & 0x40 != 0;
        copies
            .into_iter()
            .map(|(delay, corrupt, at, xor)| {
                let mut d = data.to_vec();
                if corrupt && !d.is_empty() && (protected || !f.corrupt_protected_only) {
                    let i = at % d.len();
                    d[i] ^= xor;
                    if dir == 0 {
                        stats.corrupted.0 += 1;
                    } else {
                        stats.corrupted.1 += 1;
                    }
                }
                stats.sent += 1;
                (delay, d)
            })
            .collect()
    }
}

/// Sends `data` on `socket` (to `to`, or its connected peer) after `delay`.
fn send_later(socket: Arc<UdpSocket>, to: Option<SocketAddr>, data: Vec<u8>, delay: Duration) {
    let send = async move {
        let _ = match to {
            Some(addr) => socket.send_to(&data, addr).await,
            None => socket.send(&data).await,
        };
    };
    if delay.is_zero() {
        tokio::spawn(send);
    } else {
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            send.await;
        });
    }
}
