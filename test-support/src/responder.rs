//! The responder (virtual BMC) served by the tokio driver on a background
//! thread with its own runtime, bound to free loopback ports.

use std::net::SocketAddr;
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ipmi_lanplus::server::{Server, ServerConfig, SimulatedBmc};

/// A responder served by the tokio driver on a background thread.
pub struct BackgroundServer {
    /// The bound addresses, one per endpoint (BMC identity).
    pub addrs: Vec<SocketAddr>,
    /// Every event's log line, in order.
    pub events: Arc<Mutex<Vec<String>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl BackgroundServer {
    /// One simulated BMC on a free 127.0.0.1 port.
    pub fn start(config: ServerConfig) -> Self {
        Self::start_many(config, 1, 1)
    }

    /// `endpoints` simulated BMCs on free 127.0.0.1 ports, served by `tasks` tasks.
    pub fn start_many(config: ServerConfig, endpoints: usize, tasks: usize) -> Self {
        let (addr_tx, addr_rx) = mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let events = Arc::new(Mutex::new(Vec::new()));
        let log = events.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("tokio runtime");
            rt.block_on(async move {
                let listen = vec!["127.0.0.1:0".parse().unwrap(); endpoints];
                let server = Server::bind(&listen, &config, |_, _| SimulatedBmc::default())
                    .await
                    .expect("bind")
                    .tasks(tasks)
                    .on_event(move |_, e| log.lock().unwrap().push(e.to_string()));
                addr_tx.send(server.local_addrs()).unwrap();
                server
                    .run(async move {
                        let _ = stop_rx.await;
                    })
                    .await
                    .expect("server run");
            });
        });
        let addrs = addr_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("server did not start");
        BackgroundServer {
            addrs,
            events,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// The first endpoint's address.
    pub fn addr(&self) -> SocketAddr {
        self.addrs[0]
    }

    /// The first endpoint's port as a string (for command lines).
    pub fn port(&self) -> String {
        self.addrs[0].port().to_string()
    }

    /// The log lines so far.
    pub fn log(&self) -> Vec<String> {
        self.events.lock().unwrap().clone()
    }

    /// Waits (bounded) until a log line contains `needle`.
    pub fn wait_for_log(&self, needle: &str, limit: Duration) -> bool {
        let end = Instant::now() + limit;
        while Instant::now() < end {
            if self.log().iter().any(|l| l.contains(needle)) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }
}

impl Drop for BackgroundServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
