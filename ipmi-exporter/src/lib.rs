//! `ipmi-exporter`: a Prometheus exporter for IPMI BMCs, compatible with
//! the Prometheus community's `ipmi_exporter` (its configuration,
//! endpoints and metric names; the rules are in `docs/exporter-rules.md`)
//! but without child processes: every scrape has a deadline and answers
//! by it, concurrent scrapes of one target share one collection, and one
//! RMCP+ session per target is reused across scrapes. Prometheus scrape
//! configuration and sharding across replicas: `docs/prometheus.md`.
//!
//! ```no_run
//! # async fn f() -> Result<(), ipmi_exporter::Error> {
//! let options = ipmi_exporter::Options::new("exporter.yml".as_ref(), "127.0.0.1:9290");
//! ipmi_exporter::run(options, async { let _ = tokio::signal::ctrl_c().await; }).await
//! # }
//! ```

pub mod collector;
pub mod config;
mod exposition;
mod flight;
mod link;
mod metric;
mod selfmetrics;
mod server;
mod sessions;

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

pub use config::{Config, ConfigError, Module};

use flight::Flights;
use selfmetrics::SelfMetrics;
use server::App;
use sessions::Pool;

/// The Go exporter's `--web.listen-address` default.
pub const DEFAULT_LISTEN: &str = ":9290";

/// Subtracted from Prometheus' scrape timeout by default, so that the
/// answer is on the wire before Prometheus gives up.
pub const DEFAULT_DEADLINE_OFFSET: Duration = Duration::from_millis(500);

/// Sessions unused this long are closed (below a BMC's usual 60 s idle timeout).
pub const DEFAULT_IDLE_CLOSE: Duration = Duration::from_secs(50);

/// How often idle sessions are checked and keepalives sent, at most
/// (more often when `idle_close` is short).
const MAINTENANCE_EVERY: Duration = Duration::from_secs(5);

/// How the exporter runs.
#[derive(Clone, Debug)]
pub struct Options {
    /// `--config.file`; `None`: no modules.
    pub config_file: Option<PathBuf>,
    /// `--web.listen-address`: `HOST:PORT`, or `:PORT` for every interface.
    pub listen: String,
    /// Subtracted from `X-Prometheus-Scrape-Timeout-Seconds`.
    pub deadline_offset: Duration,
    /// Close a target's session after this long without scrapes.
    pub idle_close: Duration,
}

impl Options {
    /// Options with the defaults for everything but file and address.
    pub fn new(config_file: &Path, listen: &str) -> Options {
        Options {
            config_file: Some(config_file.to_path_buf()),
            listen: listen.to_string(),
            deadline_offset: DEFAULT_DEADLINE_OFFSET,
            idle_close: DEFAULT_IDLE_CLOSE,
        }
    }
}

/// Why the exporter could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Listening or serving failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// A bound, not yet serving exporter.
pub struct Exporter {
    listener: tokio::net::TcpListener,
    app: Arc<App>,
    idle_close: Duration,
}

impl Exporter {
    /// Loads the configuration (warning once about ignored options) and
    /// binds the listening socket.
    pub async fn bind(options: Options) -> Result<Exporter, Error> {
        let config = Config::load(options.config_file.as_deref())?;
        if let Some(warning) = config.ignored_options() {
            tracing::warn!("{warning}");
        }
        let metrics = SelfMetrics::default();
        let pool = Pool::new(metrics.open_sessions.clone(), options.idle_close);
        let app = Arc::new(App {
            config: RwLock::new(Arc::new(config)),
            config_path: options.config_file,
            deadline_offset: options.deadline_offset,
            flights: Arc::new(Flights::new(pool, metrics.clone())),
            metrics,
        });
        let listen = match options.listen.strip_prefix(':') {
            Some(port) => format!("0.0.0.0:{port}"),
            None => options.listen,
        };
        let listener = tokio::net::TcpListener::bind(listen).await?;
        Ok(Exporter {
            listener,
            app,
            idle_close: options.idle_close,
        })
    }

    /// The bound address.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes, then closes the sessions.
    /// SIGHUP reloads the configuration.
    pub async fn serve(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), Error> {
        let app = self.app.clone();
        let every = MAINTENANCE_EVERY
            .min(self.idle_close / 2)
            .max(Duration::from_millis(10));
        let maintenance = tokio::spawn({
            let app = app.clone();
            async move {
                let mut tick = tokio::time::interval(every);
                loop {
                    tick.tick().await;
                    app.flights.pool().maintain().await;
                }
            }
        });
        let hup = tokio::spawn({
            let app = app.clone();
            async move {
                use tokio::signal::unix::{signal, SignalKind};
                let Ok(mut hup) = signal(SignalKind::hangup()) else {
                    return;
                };
                while hup.recv().await.is_some() {
                    if let Err(e) = app.reload() {
                        tracing::error!("reloading the configuration: {e}");
                    }
                }
            }
        });
        let served = axum::serve(self.listener, server::router(app.clone()))
            .with_graceful_shutdown(shutdown)
            .await;
        maintenance.abort();
        hup.abort();
        app.flights.pool().close_all().await;
        Ok(served?)
    }
}

/// Loads, binds and serves until `shutdown` completes.
pub async fn run(
    options: Options,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    Exporter::bind(options).await?.serve(shutdown).await
}
