//! `ipmirs serve`: the virtual BMC of `ipmi_lanplus::server` (a
//! [`SimulatedBmc`] per listening address) in the foreground, its sessions
//! logged on standard error, stopped by SIGINT or SIGTERM (exit 0).
//!
//! [`BackgroundBmc`] is the same server on a thread of its own, for `try`.
//!
//! Both run a current-thread tokio runtime: the server is one task per few
//! sockets and needs no more than one thread.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use ipmi_core::{ErrorClass, PrivilegeLevel};
use ipmi_lanplus::server::{
    ServeError, Server, ServerConfig, SimulatedBmc, User, DEFAULT_IDLE_TIMEOUT,
};

use crate::exit::{self, CliError};
use crate::output::Streams;
use crate::plan::{ServeSettings, DEFAULT_SERVE_PASSWORD};

/// Prefix of every line `serve` writes.
const PREFIX: &str = "ipmirs serve";

/// Runs `serve` until SIGINT or SIGTERM; returns the exit code.
pub fn serve(settings: &ServeSettings, io: &mut Streams) -> u8 {
    let runtime = match runtime() {
        Ok(rt) => rt,
        Err(e) => return io.fail(false, &e),
    };
    runtime.block_on(async {
        // Handlers first: a signal that comes once the start lines are out
        // must find them installed.
        let stop = match stop_signals() {
            Ok(stop) => stop,
            Err(e) => {
                let e = CliError::Failed {
                    class: ErrorClass::Io,
                    message: format!("serve: cannot install the signal handlers: {e}"),
                    stage: None,
                };
                return io.fail(false, &e);
            }
        };
        serve_until(settings, io, stop).await
    })
}

/// Binds, prints the start lines, serves until `stop` says why it stops,
/// logging every session event on `io.err`; returns the exit code.
pub async fn serve_until(
    settings: &ServeSettings,
    io: &mut Streams<'_>,
    stop: impl Future<Output = &'static str>,
) -> u8 {
    let server = match Server::bind(&settings.listen, &settings.config, |_, _| {
        SimulatedBmc::default()
    })
    .await
    {
        Ok(server) => server,
        Err(e) => return io.fail(false, &serve_error(e)),
    };
    for addr in server.local_addrs() {
        let _ = writeln!(io.err, "{}", start_line(addr, settings));
    }
    if settings.config.cipher_suites.contains(&0) {
        let _ = writeln!(
            io.err,
            "{PREFIX}: warning: cipher suite 0 is offered: it authenticates nobody \
             (any password is accepted for a known user name)"
        );
    }
    let _ = io.err.flush();

    // The server's tasks hand their log lines to this one, which owns stderr.
    let (lines, mut log) = tokio::sync::mpsc::unbounded_channel::<String>();
    let server = server.on_event(move |local, event| {
        let _ = lines.send(format!("{PREFIX}: {local}: {event}"));
    });
    let mut why = "";
    let run = server.run(async {
        why = stop.await;
    });
    let logger = async {
        // Ends when the server, and with it the sender, is gone.
        while let Some(line) = log.recv().await {
            let _ = writeln!(io.err, "{line}");
            let _ = io.err.flush();
        }
    };
    let (result, ()) = tokio::join!(run, logger);
    match result {
        Ok(()) => {
            let _ = writeln!(io.err, "{PREFIX}: {why}: stopped");
            exit::SUCCESS
        }
        Err(e) => io.fail(false, &serve_error(e)),
    }
}

/// `ipmirs serve: virtual BMC on ADDR (users: ...; cipher suites ...)`.
/// Passwords are shown only for the built-in user, whose password is no secret.
pub fn start_line(addr: SocketAddr, settings: &ServeSettings) -> String {
    let c = &settings.config;
    let users = if settings.default_user {
        format!(
            "user {}, password {DEFAULT_SERVE_PASSWORD} (built-in default; --user NAME:PASSWORD sets your own)",
            user_label(&c.users[0])
        )
    } else {
        let names: Vec<String> = c.users.iter().map(user_label).collect();
        format!("users: {}", names.join(", "))
    };
    let suites: Vec<String> = c.cipher_suites.iter().map(u8::to_string).collect();
    let mut line = format!(
        "{PREFIX}: virtual BMC on {addr} ({users}; cipher suites {}",
        suites.join(",")
    );
    if c.idle_timeout != DEFAULT_IDLE_TIMEOUT {
        line.push_str(&format!(
            "; idle timeout {} s",
            c.idle_timeout.as_secs_f64()
        ));
    }
    line.push(')');
    line
}

/// A user's name, with its privilege limit when it is not ADMINISTRATOR.
fn user_label(u: &User) -> String {
    let name = if u.name.is_empty() {
        "(null user)".to_string()
    } else {
        String::from_utf8_lossy(&u.name).into_owned()
    };
    if u.privilege == PrivilegeLevel::Administrator {
        name
    } else {
        format!("{name} ({})", u.privilege)
    }
}

/// The CLI error of a server failure: exit 2 for a configuration the
/// server refuses, else 1 (address in use, no permission, task failure).
fn serve_error(e: ServeError) -> CliError {
    match e {
        ServeError::Config(e) => CliError::Usage(format!("serve: {e}")),
        other => CliError::Failed {
            class: ErrorClass::Io,
            message: format!("serve: {other}"),
            stage: None,
        },
    }
}

/// A runtime for the server: one thread is enough.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed {
            class: ErrorClass::Io,
            message: format!("cannot start the tokio runtime: {e}"),
            stage: None,
        })
}

/// Installs the SIGINT and SIGTERM handlers now; the future ends with the
/// name of the first of them to arrive. Needs a runtime context.
#[cfg(unix)]
pub(crate) fn stop_signals() -> std::io::Result<impl Future<Output = &'static str>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => "SIGINT",
            _ = terminate.recv() => "SIGTERM",
        }
    })
}

/// Ctrl-C elsewhere.
#[cfg(not(unix))]
pub(crate) fn stop_signals() -> std::io::Result<impl Future<Output = &'static str>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    })
}

/// The virtual BMC on a thread of its own, with its own runtime; stopped
/// (and the thread joined) on drop.
pub struct BackgroundBmc {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    events: mpsc::Receiver<String>,
}

impl BackgroundBmc {
    /// Binds `listen` (port 0: any free port) and serves `config` with a
    /// [`SimulatedBmc`]; fails when it is not listening within `startup`.
    pub fn start(
        listen: SocketAddr,
        config: ServerConfig,
        startup: Duration,
    ) -> Result<BackgroundBmc, CliError> {
        let (ready_tx, ready_rx) = mpsc::sync_channel::<Result<SocketAddr, CliError>>(1);
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let (event_tx, events) = mpsc::channel::<String>();
        let thread = std::thread::Builder::new()
            .name("ipmirs-bmc".into())
            .spawn(move || {
                let runtime = match runtime() {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                runtime.block_on(async move {
                    let server = match Server::bind(&[listen], &config, |_, _| {
                        SimulatedBmc::default()
                    })
                    .await
                    {
                        Ok(s) => s,
                        Err(e) => {
                            let _ = ready_tx.send(Err(serve_error(e)));
                            return;
                        }
                    };
                    let _ = ready_tx.send(Ok(server.local_addrs()[0]));
                    let server = server.on_event(move |local, event| {
                        let _ = event_tx.send(format!("{local}: {event}"));
                    });
                    let _ = server
                        .run(async {
                            let _ = stop_rx.await;
                        })
                        .await;
                });
            })
            .map_err(|e| CliError::Failed {
                class: ErrorClass::Io,
                message: format!("cannot start the virtual BMC's thread: {e}"),
                stage: None,
            })?;
        let mut bmc = BackgroundBmc {
            addr: listen,
            stop: Some(stop_tx),
            thread: Some(thread),
            events,
        };
        match ready_rx.recv_timeout(startup) {
            Ok(Ok(addr)) => {
                bmc.addr = addr;
                Ok(bmc)
            }
            Ok(Err(e)) => Err(e),
            Err(_) => Err(CliError::Failed {
                class: ErrorClass::Timeout,
                message: format!(
                    "the virtual BMC was not listening on {listen} within {startup:?}"
                ),
                stage: None,
            }),
        }
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The log lines of the events so far.
    pub fn events(&self) -> Vec<String> {
        self.events.try_iter().collect()
    }

    /// Stops the server, waits for its thread; returns the last log lines.
    pub fn stop(mut self) -> Vec<String> {
        self.shut_down();
        self.events()
    }

    fn shut_down(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for BackgroundBmc {
    fn drop(&mut self) {
        self.shut_down();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::default_serve_user;

    fn settings(config: ServerConfig, default_user: bool) -> ServeSettings {
        ServeSettings {
            listen: vec!["127.0.0.1:0".parse().unwrap()],
            config,
            default_user,
        }
    }

    #[test]
    fn start_lines_name_users_but_no_password_of_theirs() {
        let addr: SocketAddr = "127.0.0.1:6230".parse().unwrap();
        let s = settings(
            ServerConfig::new()
                .user("admin:hunter2".parse().unwrap())
                .user("op:pw:operator".parse().unwrap())
                .user(":anon:user".parse().unwrap())
                .cipher_suites([3, 17]),
            false,
        );
        assert_eq!(
            start_line(addr, &s),
            "ipmirs serve: virtual BMC on 127.0.0.1:6230 (users: admin, op (OPERATOR), \
             (null user) (USER); cipher suites 3,17)"
        );
        let s = settings(
            ServerConfig::new()
                .user(default_serve_user())
                .idle_timeout(Duration::from_millis(2500)),
            true,
        );
        assert_eq!(
            start_line(addr, &s),
            "ipmirs serve: virtual BMC on 127.0.0.1:6230 (user admin, password admin (built-in default; \
             --user NAME:PASSWORD sets your own); cipher suites 1,2,3,15,16,17; idle timeout 2.5 s)"
        );
    }

    #[test]
    fn serve_until_logs_sessions_and_stops_with_exit_0() {
        let s = settings(ServerConfig::new().user(default_serve_user()), true);
        let runtime = runtime().unwrap();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let code = runtime.block_on(async {
            let mut io = Streams {
                out: &mut out,
                err: &mut err,
            };
            tx.send(()).unwrap();
            serve_until(&s, &mut io, async {
                let _ = rx.await;
                "test"
            })
            .await
        });
        assert_eq!(code, 0);
        let err = String::from_utf8(err).unwrap();
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 2, "{err}");
        assert!(
            lines[0].starts_with("ipmirs serve: virtual BMC on 127.0.0.1:"),
            "{err}"
        );
        assert!(
            !lines[0].contains("127.0.0.1:0 "),
            "the bound port is shown: {err}"
        );
        assert_eq!(lines[1], "ipmirs serve: test: stopped");
        assert!(out.is_empty());
    }

    #[test]
    fn address_in_use_is_exit_1() {
        let taken = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let mut s = settings(ServerConfig::new().user(default_serve_user()), true);
        s.listen = vec![taken.local_addr().unwrap()];
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = runtime().unwrap().block_on(serve_until(
            &s,
            &mut Streams {
                out: &mut out,
                err: &mut err,
            },
            async { "never" },
        ));
        assert_eq!(code, 1);
        let err = String::from_utf8(err).unwrap();
        assert!(
            err.starts_with("ipmirs: serve: cannot listen on 127.0.0.1:"),
            "{err}"
        );
    }

    #[test]
    fn background_bmc_binds_a_free_port_and_stops() {
        let bmc = BackgroundBmc::start(
            "127.0.0.1:0".parse().unwrap(),
            ServerConfig::new().user(default_serve_user()),
            Duration::from_secs(5),
        )
        .unwrap();
        assert_ne!(bmc.addr().port(), 0);
        let addr = bmc.addr();
        assert!(bmc.stop().is_empty());
        // The port is free again once it stopped.
        std::net::UdpSocket::bind(addr).unwrap();
    }
}
