//! The tokio driver of the responder: one [`Responder`] (one BMC identity)
//! per UDP socket, any number of sockets served by one task or a few
//! (IPMI 2.0 §13.1: RMCP over UDP).
//!
//! Each task owns a share of the sockets. Every socket gets its own waker,
//! which queues the socket's index when it becomes readable, so a task only
//! touches the sockets that have datagrams; one timer heap per task wakes
//! the responders whose sessions expire. A datagram that cannot be sent at
//! once (socket buffer full) is dropped, as UDP may drop it anyway: the
//! console retransmits.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::future::{poll_fn, Future};
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use tokio::io::ReadBuf;
use tokio::net::UdpSocket;
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::config::{ConfigError, ServerConfig};
use super::event::ServerEvent;
use super::handler::Handler;
use super::responder::Responder;
use crate::udp::os_seed;

/// Receives every [`ServerEvent`] with the local address of the socket
/// (BMC identity) it happened on; the default logs it with `tracing` (IPMI 2.0 §13.14).
pub type EventSink = Arc<dyn Fn(SocketAddr, &ServerEvent) + Send + Sync>;

/// Largest datagram read; IPMI LAN datagrams stay far below it.
const RECV_BUF: usize = 2048;
/// Datagrams handled per socket before the task turns to the others.
const BUDGET_PER_SOCKET: usize = 64;
/// Most tasks used by default.
const MAX_DEFAULT_TASKS: usize = 8;

/// Why the server could not start or stopped (IPMI 2.0 §13.1).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The configuration is unusable.
    #[error("invalid server configuration: {0}")]
    Config(#[from] ConfigError),
    /// A socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The operating system's error.
        source: io::Error,
    },
    /// No address to listen on was given.
    #[error("no address to listen on")]
    NoAddress,
    /// A serving task panicked.
    #[error("a server task failed: {0}")]
    Task(String),
}

/// A bound RMCP+ server: sockets with their responders, ready to [`Server::run`] (IPMI 2.0 §13.1).
pub struct Server<H> {
    endpoints: Vec<Endpoint<H>>,
    sink: EventSink,
    tasks: usize,
}

impl<H> std::fmt::Debug for Server<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("endpoints", &self.endpoints.len())
            .field("tasks", &self.tasks)
            .finish()
    }
}

struct Endpoint<H> {
    socket: UdpSocket,
    local: SocketAddr,
    responder: Responder<H>,
}

fn default_sink() -> EventSink {
    Arc::new(
        |local: SocketAddr, event: &ServerEvent| tracing::info!(target: "ipmirs::server", %local, "{event}"),
    )
}

impl<H: Handler + Send + 'static> Server<H> {
    /// Binds every address of `listen`; endpoint `i` serves
    /// `config.for_endpoint(i)` (its own GUID) with `make_handler(i, bound address)`.
    pub async fn bind(
        listen: &[SocketAddr],
        config: &ServerConfig,
        mut make_handler: impl FnMut(usize, SocketAddr) -> H,
    ) -> Result<Self, ServeError> {
        config.validate()?;
        Self::bind_each(listen, |i, addr| {
            (config.for_endpoint(i), make_handler(i, addr))
        })
        .await
    }

    /// Binds every address of `listen`; `make(i, bound address)` gives each
    /// endpoint its own configuration and handler (IPMI 2.0 §13.1).
    pub async fn bind_each(
        listen: &[SocketAddr],
        mut make: impl FnMut(usize, SocketAddr) -> (ServerConfig, H),
    ) -> Result<Self, ServeError> {
        if listen.is_empty() {
            return Err(ServeError::NoAddress);
        }
        let mut endpoints = Vec::with_capacity(listen.len());
        for (i, &addr) in listen.iter().enumerate() {
            let socket = UdpSocket::bind(addr)
                .await
                .map_err(|source| ServeError::Bind { addr, source })?;
            let local = socket
                .local_addr()
                .map_err(|source| ServeError::Bind { addr, source })?;
            let (config, handler) = make(i, local);
            let responder = Responder::new(config, handler, os_seed())?;
            endpoints.push(Endpoint {
                socket,
                local,
                responder,
            });
        }
        let parallel = std::thread::available_parallelism().map_or(1, |n| n.get());
        let tasks = parallel.clamp(1, MAX_DEFAULT_TASKS).min(endpoints.len());
        Ok(Server {
            endpoints,
            sink: default_sink(),
            tasks,
        })
    }

    /// The bound addresses, in `listen` order (port 0 resolved).
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.endpoints.iter().map(|e| e.local).collect()
    }

    /// Sends events to `sink` instead of `tracing` (e.g. `ipmirs serve`'s stderr log).
    pub fn on_event(
        mut self,
        sink: impl Fn(SocketAddr, &ServerEvent) + Send + Sync + 'static,
    ) -> Self {
        self.sink = Arc::new(sink);
        self
    }

    /// Sets how many tasks share the sockets (default: the CPU count, at most 8).
    pub fn tasks(mut self, tasks: usize) -> Self {
        self.tasks = tasks.clamp(1, self.endpoints.len().max(1));
        self
    }

    /// Serves until `shutdown` completes, then stops every task and returns (IPMI 2.0 §13.1).
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Result<(), ServeError> {
        let (stop_tx, stop_rx) = watch::channel(false);
        let mut shards: Vec<Vec<Endpoint<H>>> = (0..self.tasks).map(|_| Vec::new()).collect();
        for (i, ep) in self.endpoints.into_iter().enumerate() {
            shards[i % self.tasks].push(ep);
        }
        let mut set = JoinSet::new();
        for shard in shards {
            set.spawn(run_shard(shard, self.sink.clone(), stop_rx.clone()));
        }
        let mut shutdown = std::pin::pin!(shutdown);
        let early = tokio::select! {
            () = &mut shutdown => None,
            r = set.join_next() => r,
        };
        let _ = stop_tx.send(true);
        let mut failure = match early {
            Some(Err(e)) => Some(ServeError::Task(e.to_string())),
            Some(Ok(())) => Some(ServeError::Task("a server task ended early".into())),
            None => None,
        };
        while let Some(r) = set.join_next().await {
            if let (Err(e), None) = (r, &failure) {
                failure = Some(ServeError::Task(e.to_string()));
            }
        }
        failure.map_or(Ok(()), Err)
    }
}

/// Binds `listen`, serves `config` (endpoint `i` with its own GUID and
/// `make_handler(i, addr)`) until `shutdown` completes (IPMI 2.0 §13.1).
pub async fn serve<H, F, S>(
    listen: &[SocketAddr],
    config: ServerConfig,
    make_handler: F,
    shutdown: S,
) -> Result<(), ServeError>
where
    H: Handler + Send + 'static,
    F: FnMut(usize, SocketAddr) -> H,
    S: Future<Output = ()>,
{
    Server::bind(listen, &config, make_handler)
        .await?
        .run(shutdown)
        .await
}

/// Indices of sockets that became readable, and the task to wake for them.
struct ReadyQueue {
    inner: Mutex<ReadyInner>,
}

struct ReadyInner {
    list: Vec<usize>,
    queued: Vec<bool>,
    task: Option<Waker>,
}

impl ReadyQueue {
    fn new(n: usize) -> Self {
        ReadyQueue {
            inner: Mutex::new(ReadyInner {
                list: (0..n).collect(),
                queued: vec![true; n],
                task: None,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ReadyInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn push(&self, i: usize) {
        let mut g = self.lock();
        if !g.queued[i] {
            g.queued[i] = true;
            g.list.push(i);
        }
        let task = g.task.clone();
        drop(g);
        if let Some(w) = task {
            w.wake();
        }
    }

    fn register(&self, waker: &Waker) {
        let mut g = self.lock();
        if !g.task.as_ref().is_some_and(|w| w.will_wake(waker)) {
            g.task = Some(waker.clone());
        }
    }

    fn take(&self) -> Vec<usize> {
        let mut g = self.lock();
        let list = std::mem::take(&mut g.list);
        for &i in &list {
            g.queued[i] = false;
        }
        list
    }
}

/// The waker of one socket: queues its index.
struct SocketWaker {
    index: usize,
    queue: Arc<ReadyQueue>,
}

impl Wake for SocketWaker {
    fn wake(self: Arc<Self>) {
        self.queue.push(self.index);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.queue.push(self.index);
    }
}

/// One task's share of the sockets.
struct Shard<H> {
    endpoints: Vec<Endpoint<H>>,
    wakers: Vec<Waker>,
    queue: Arc<ReadyQueue>,
    timers: BinaryHeap<Reverse<(Instant, usize)>>,
    scheduled: Vec<Option<Instant>>,
    sink: EventSink,
    buf: Vec<u8>,
}

impl<H: Handler> Shard<H> {
    /// Sends what endpoint `i` queued, reports its events, re-arms its timer.
    fn flush(&mut self, i: usize) {
        let ep = &mut self.endpoints[i];
        while let Some(t) = ep.responder.poll_transmit() {
            if let Err(e) = ep.socket.try_send_to(&t.datagram, t.destination) {
                tracing::debug!(local = %ep.local, to = %t.destination, error = %e, "datagram not sent");
            }
        }
        while let Some(event) = ep.responder.poll_event() {
            (self.sink)(ep.local, &event);
        }
        if let Some(t) = ep.responder.poll_timeout() {
            let earlier = match self.scheduled[i] {
                Some(s) => t < s,
                None => true,
            };
            if earlier {
                self.scheduled[i] = Some(t);
                self.timers.push(Reverse((t, i)));
            }
        }
    }

    /// Reads the readable sockets; `Pending` when none is.
    fn poll_sockets(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        self.queue.register(cx.waker());
        let ready = self.queue.take();
        if ready.is_empty() {
            return Poll::Pending;
        }
        for i in ready {
            let waker = self.wakers[i].clone();
            let mut scx = Context::from_waker(&waker);
            let mut handled = 0;
            loop {
                if handled == BUDGET_PER_SOCKET {
                    self.queue.push(i);
                    break;
                }
                let ep = &mut self.endpoints[i];
                let mut rb = ReadBuf::new(&mut self.buf);
                match ep.socket.poll_recv_from(&mut scx, &mut rb) {
                    Poll::Ready(Ok(from)) => {
                        ep.responder
                            .handle_datagram(Instant::now(), from, rb.filled())
                    }
                    // ICMP errors from earlier sends surface here; the socket stays usable.
                    Poll::Ready(Err(e)) => {
                        tracing::debug!(local = %ep.local, error = %e, "receive error")
                    }
                    Poll::Pending => break,
                }
                handled += 1;
                self.flush(i);
            }
            self.flush(i);
        }
        Poll::Ready(())
    }

    /// Runs the responders whose timers are due at `now`.
    fn fire_timers(&mut self, now: Instant) {
        while let Some(&Reverse((t, i))) = self.timers.peek() {
            if t > now {
                break;
            }
            self.timers.pop();
            if self.scheduled[i] != Some(t) {
                continue;
            }
            self.scheduled[i] = None;
            self.endpoints[i].responder.handle_timeout(now);
            self.flush(i);
        }
    }
}

async fn run_shard<H: Handler>(
    endpoints: Vec<Endpoint<H>>,
    sink: EventSink,
    mut stop: watch::Receiver<bool>,
) {
    let n = endpoints.len();
    let queue = Arc::new(ReadyQueue::new(n));
    let wakers = (0..n)
        .map(|index| {
            Waker::from(Arc::new(SocketWaker {
                index,
                queue: queue.clone(),
            }))
        })
        .collect();
    let mut shard = Shard {
        endpoints,
        wakers,
        queue,
        timers: BinaryHeap::new(),
        scheduled: vec![None; n],
        sink,
        buf: vec![0; RECV_BUF],
    };
    let sleep = tokio::time::sleep(Duration::from_secs(3600));
    let mut sleep = std::pin::pin!(sleep);
    let mut armed: Option<Instant> = None;
    loop {
        let next = shard.timers.peek().map(|Reverse((t, _))| *t);
        if next != armed {
            if let Some(t) = next {
                sleep.as_mut().reset(t.into());
            }
            armed = next;
        }
        tokio::select! {
            biased;
            _ = stop.changed() => break,
            () = &mut sleep, if armed.is_some() => {
                armed = None;
                shard.fire_timers(Instant::now());
            }
            () = poll_fn(|cx| shard.poll_sockets(cx)) => {}
        }
    }
}
