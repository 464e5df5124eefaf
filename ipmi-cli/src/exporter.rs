//! `ipmirs exporter`: the Prometheus IPMI exporter of the `ipmi-exporter`
//! crate in the foreground, on the runtime and signal handlers of `serve`;
//! SIGINT or SIGTERM stop it gracefully (answers in progress finish, the
//! RMCP+ sessions are closed), exit 0.

use ipmi_core::ErrorClass;
use ipmi_exporter::{Exporter, Options, DEFAULT_DEADLINE_OFFSET, DEFAULT_IDLE_CLOSE};

use crate::exit::CliError;
use crate::output::Streams;
use crate::plan::ExporterSettings;
use crate::serve::{runtime, stop_signals};

/// Prefix of every line `exporter` writes.
const PREFIX: &str = "ipmirs exporter";

/// Runs the exporter until SIGINT or SIGTERM; returns the exit code.
pub fn run(settings: &ExporterSettings, io: &mut Streams) -> u8 {
    let runtime = match runtime() {
        Ok(rt) => rt,
        Err(e) => return io.fail(false, &e),
    };
    runtime.block_on(async {
        let failed = |message: String| CliError::Failed {
            class: ErrorClass::Io,
            message,
            stage: None,
        };
        let stop = match stop_signals() {
            Ok(stop) => stop,
            Err(e) => {
                let e = failed(format!("exporter: cannot install the signal handlers: {e}"));
                return io.fail(false, &e);
            }
        };
        let options = Options {
            config_file: settings.config_file.clone(),
            listen: settings.listen.clone(),
            deadline_offset: DEFAULT_DEADLINE_OFFSET,
            idle_close: DEFAULT_IDLE_CLOSE,
        };
        let exporter = match Exporter::bind(options).await {
            Ok(exporter) => exporter,
            Err(e) => return io.fail(false, &failed(format!("exporter: {e}"))),
        };
        if let Ok(addr) = exporter.local_addr() {
            let _ = writeln!(io.err, "{PREFIX}: listening on http://{addr}");
        }
        let (tx, rx) = tokio::sync::oneshot::channel::<&'static str>();
        let signal = tokio::spawn(async move {
            let _ = tx.send(stop.await);
        });
        let shutdown = async move {
            let _ = rx.await;
        };
        let served = exporter.serve(shutdown).await;
        signal.abort();
        match served {
            Ok(()) => {
                let _ = writeln!(io.err, "{PREFIX}: stopped");
                0
            }
            Err(e) => io.fail(false, &failed(format!("exporter: {e}"))),
        }
    })
}
