//! The ipmitool command families. Each module holds one family whole: its
//! grammar (clap), the library call (an [`ipmi_core`] command over any
//! [`Transport`]) and its renderers (ipmitool's text and `--json`). The
//! [`families!`] table below registers them: adding a family is its module
//! plus one line of the table.
//!
//! A family module provides:
//! - `Words`: a clap `Subcommand` enum with the family's first word(s);
//!   `Words::action` checks them and makes the family's `Action` (usage
//!   errors exit 2);
//! - `Action`: `run(exchanger)` (its requests, in order, over the
//!   [`Exchanger`]: one for most commands, several for `lan print` or
//!   `chassis bootdev`), `one_exchange()` (true when `request(target)` and
//!   `decode(response)` are the whole action, as a fleet needs), and
//!   ipmitool's words for a failure: `context(target)` (no answer) and
//!   `refused(target, code_text)` (a completion code);
//! - `Outcome`: `render(json, registries)` (the bytes for standard output
//!   and, for `-v`, a note) and `completion()` (a code that makes even an
//!   answer an error, as `raw`'s).
//!
//! [`unimplemented`] refuses ipmitool's other commands with one line.

pub mod repository;
pub mod unimplemented;

#[cfg(test)]
pub(crate) mod tests;

#[cfg(test)]
mod admin_tests;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use ipmi_core::reader::{ReadError, ReadMachine, Step};
use ipmi_core::{
    CommandError, CompletionCode, Deadline, ErrorClass, Failure, Request, Response, Target,
    Transport,
};

use crate::exit::CliError;
use raw::{RawFamily as _, RawRender as _};

/// What a family's outcome prints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    /// Standard output: ipmitool's text or one JSON line.
    pub bytes: Vec<u8>,
    /// Said with `-v` (e.g. where a name came from).
    pub note: Option<String>,
}

impl Rendered {
    /// Just these bytes.
    pub fn bytes(bytes: Vec<u8>) -> Self {
        Rendered { bytes, note: None }
    }
}

/// The table of families: `Variant => module` declares the module and
/// registers its grammar, action and outcome.
macro_rules! families {
    ($($variant:ident => $module:ident),* $(,)?) => {
        $(pub mod $module;)*

        /// The command words of every family.
        #[derive(clap::Subcommand, Debug, Clone, PartialEq, Eq)]
        pub enum Command {
            $(
                #[allow(missing_docs)]
                #[command(flatten)]
                $variant($module::Words),
            )*
        }

        /// What to do, once connected.
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub enum Action {
            $(
                #[allow(missing_docs)]
                $variant($module::Action),
            )*
        }

        /// What an action got back.
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub enum Outcome {
            $(
                #[allow(missing_docs)]
                $variant($module::Outcome),
            )*
        }

        impl Command {
            /// The action of the command words (usage errors exit 2).
            pub fn action(&self) -> Result<Action, CliError> {
                match self {
                    $(Command::$variant(w) => w.action().map(Action::$variant),)*
                }
            }
        }

        impl Action {
            /// Runs the action's exchanges through `x`.
            pub fn run<E>(&self, x: &mut Exchanger<'_, E>) -> Result<Outcome, ActionError<E>> {
                match self {
                    $(Action::$variant(a) => a.run(x).map(Outcome::$variant),)*
                }
            }

            /// True when [`Action::request`] and [`Action::decode`] are the
            /// whole action (one exchange), as a fleet runs it.
            pub fn one_exchange(&self) -> bool {
                match self {
                    $(Action::$variant(a) => a.one_exchange(),)*
                }
            }

            /// The (first) request for `target`.
            pub fn request(&self, target: Target) -> Request {
                match self {
                    $(Action::$variant(a) => a.request(target),)*
                }
            }

            /// Decodes the response to [`Action::request`] (for a
            /// one-exchange action).
            pub fn decode(&self, response: &Response) -> Result<Outcome, CommandError> {
                match self {
                    $(Action::$variant(a) => a.decode(response).map(Outcome::$variant),)*
                }
            }

            /// ipmitool's words for a failed action when no answer came.
            /// `target` is where the request went.
            pub fn context(&self, target: Target) -> String {
                match self {
                    $(Action::$variant(a) => a.context(target),)*
                }
            }

            fn refused(&self, target: Target, code: CompletionCode, text: &str) -> String {
                match self {
                    $(Action::$variant(a) => a.refused(target, code, text),)*
                }
            }
        }

        impl Outcome {
            /// Standard output for this outcome: ipmitool's text, or one
            /// JSON line; `registries` are the IANA registries `mc info`
            /// reads names from.
            pub fn render(&self, json: bool, registries: &[PathBuf]) -> Rendered {
                match self {
                    $(Outcome::$variant(o) => o.render(json, registries),)*
                }
            }

            /// A completion code that makes this answer an error (`raw`).
            pub fn completion(&self) -> Option<CompletionCode> {
                match self {
                    $(Outcome::$variant(o) => o.completion(),)*
                }
            }
        }
    };
}

families! {
    Mc => mc,
    Chassis => chassis,
    Raw => raw,
    Channel => channel,
    Session => session,
    User => user,
    Lan => lan,
    Dcmi => dcmi,
    Sdr => sdr,
    Sel => sel,
    Fru => fru,
}

impl Action {
    /// The action with ipmitool's `-c` (CSV), `--json` (which asks `sdr`
    /// for thresholds too) and `-S FILE` (SDRs from a file) applied, where
    /// the family has them (`sel list`/`elist` have a CSV form).
    pub fn with_output(mut self, csv: bool, json: bool, sdr_file: Option<PathBuf>) -> Self {
        if let Action::Sdr(a) = &mut self {
            a.csv = csv;
            a.json = json;
            a.sdr_file = sdr_file;
        }
        match self {
            Action::Sel(a) if csv => Action::Sel(a.with_csv()),
            other => other,
        }
    }

    /// A Cold Reset: the BMC is resetting, so closing gets little time.
    pub fn resets_the_bmc(&self) -> bool {
        matches!(self, Action::Mc(mc::Action::Reset(mc::ResetKind::Cold)))
    }
}

impl Outcome {
    /// What failed although the action has an answer (a sensor that could
    /// not be read): one line each on standard error, and exit 1.
    pub fn failures(&self) -> &[String] {
        match self {
            Outcome::Sdr(o) => &o.failures,
            Outcome::Fru(o) => &o.failures,
            _ => &[],
        }
    }
}

/// Why an action failed.
#[derive(Debug)]
pub enum ActionError<E> {
    /// The transport gave up (no answer, broken session...).
    Transport(E),
    /// The answer did not decode (completion code, short response...).
    Command(CommandError),
    /// A multi-exchange read stopped (the peer loops or stalls).
    Read(ReadError),
}

impl<E> ActionError<E> {
    /// A reader's failure: a command's own error stays one.
    pub fn from_read(e: ReadError) -> Self {
        match e {
            ReadError::Command(c) => ActionError::Command(c),
            other => ActionError::Read(other),
        }
    }
}

/// One request/response as seen from the CLI (for `-vv`).
#[derive(Clone, Debug)]
pub struct Exchange {
    /// The response, when one came.
    pub response: Option<Response>,
    /// How long it took.
    pub elapsed: Duration,
}

/// A family's way to the BMC: its requests go to the target the
/// connection chose, each traced (for `-vv`) and bounded by the action's
/// deadline.
pub struct Exchanger<'a, E> {
    target: Target,
    send: &'a mut dyn FnMut(&Request) -> Result<Response, E>,
}

impl<'a, E> Exchanger<'a, E> {
    /// Requests to `target` go through `send`.
    pub fn new(target: Target, send: &'a mut dyn FnMut(&Request) -> Result<Response, E>) -> Self {
        Exchanger { target, send }
    }

    /// Where the requests go.
    pub fn target(&self) -> Target {
        self.target
    }

    /// One exchange; the response whatever its completion code.
    pub fn exchange(&mut self, request: &Request) -> Result<Response, ActionError<E>> {
        (self.send)(request).map_err(ActionError::Transport)
    }

    /// `command` to the target, decoded (a completion code is an error).
    pub fn ask<C: ipmi_core::Command>(&mut self, command: &C) -> Result<C::Output, ActionError<E>> {
        let response = self.exchange(&command.request_to(self.target))?;
        command.decode(&response).map_err(ActionError::Command)
    }

    /// Drives a sans-IO reader (SEL, FRU) through this exchanger.
    pub fn drive<M: ReadMachine>(&mut self, mut machine: M) -> Result<M::Output, ActionError<E>> {
        loop {
            match machine.step().map_err(ActionError::from_read)? {
                Step::Done(out) => return Ok(out),
                Step::Send(request) => {
                    let response = self.exchange(&request)?;
                    machine.feed(&response).map_err(ActionError::from_read)?;
                }
            }
        }
    }

    /// A one-exchange action: its request, and its decoding of the answer.
    pub fn one<O>(
        &mut self,
        request: Request,
        decode: impl FnOnce(&Response) -> Result<O, CommandError>,
    ) -> Result<O, ActionError<E>> {
        let response = self.exchange(&request)?;
        decode(&response).map_err(ActionError::Command)
    }
}

/// Decodes a one-exchange action's `response` by running the action on
/// it alone (as a fleet, which sent the request, needs); an action that
/// asks a second time fails as "several exchanges".
pub fn decode_alone<O>(
    response: &Response,
    command: &'static str,
    run: impl FnOnce(&mut Exchanger<'_, ()>) -> Result<O, ActionError<()>>,
) -> Result<O, CommandError> {
    let mut answer = Some(response.clone());
    let mut send = |_: &Request| answer.take().ok_or(());
    run(&mut Exchanger::new(Target::bmc(), &mut send)).map_err(|e| match e {
        ActionError::Command(e) => e,
        ActionError::Read(_) | ActionError::Transport(()) => CommandError::InvalidField {
            command,
            field: "exchange count (the command takes several)",
            value: 2,
        },
    })
}

/// `request` as it may be logged: Set User Password's data (IPMI 2.0
/// §22.30) cut after the user ID and operation bytes, so that `-vv` never
/// shows a password.
pub fn loggable(request: &Request) -> Request {
    let mut shown = request.clone();
    if request.netfn == ipmi_core::NetFn::APP && request.cmd == 0x47 {
        shown.data.truncate(2);
    }
    shown
}

/// Runs `action` on `transport`, finishing by `deadline`; `trace` sees each
/// request and what came back.
pub fn perform<T: Transport>(
    transport: &mut T,
    action: &Action,
    deadline: Deadline,
    trace: &mut dyn FnMut(&Request, &Exchange),
) -> Result<Outcome, ActionError<T::Error>> {
    // Listings take many exchanges over a whole transport (the SDR walk).
    if let Action::Sdr(a) = action {
        return sdr::perform(transport, a, deadline, trace).map(Outcome::Sdr);
    }
    let target = transport.default_target();
    let mut send = |request: &Request| {
        let start = Instant::now();
        let result = transport.exchange(request, deadline);
        trace(
            &loggable(request),
            &Exchange {
                response: result.as_ref().ok().cloned(),
                elapsed: start.elapsed(),
            },
        );
        result
    };
    action.run(&mut Exchanger::new(target, &mut send))
}

/// ipmitool's line for a completion-code refusal, plus the code in hex
/// where ipmitool's line does not already carry it, and for a bridged
/// request that the BMC could not deliver, what the code means.
pub fn completion_message(action: &Action, target: Target, code: CompletionCode) -> String {
    let mut text = code.to_string();
    if code.description().is_some() && !matches!(action, Action::Raw(_)) {
        text.push_str(&format!(" (0x{:02x})", code.0));
    }
    if !target.is_bmc() && ipmi_lanplus::client::is_delivery_failure(code) {
        text.push_str(&format!(
            " [the BMC could not deliver the bridged request to IPMB address 0x{:02x} on channel {}: {}]",
            target.slave_addr,
            target.channel,
            delivery_failure(code)
        ));
    }
    action.refused(target, code, &text)
}

/// What a Send Message completion code says went wrong (IPMI 2.0 §22.7).
fn delivery_failure(code: CompletionCode) -> &'static str {
    match code.0 {
        0x80 => "invalid session handle",
        0x81 => "lost arbitration",
        0x82 => "bus error",
        0x83 => "NAK on write, no controller answers at that address",
        _ => "destination unavailable",
    }
}

/// The CLI error for a failed action. `stage` extracts the session step
/// from the transport's error, when it has one.
pub fn describe<E: Failure>(
    action: &Action,
    target: Target,
    error: ActionError<E>,
    stage: impl Fn(&E) -> Option<String>,
) -> CliError {
    match error {
        ActionError::Command(CommandError::Completion { code, .. }) => CliError::Completion {
            message: completion_message(action, target, code),
            code,
        },
        ActionError::Command(e) => CliError::failed(&action.context(target), &e, None),
        ActionError::Read(e) => CliError::failed(&action.context(target), &e, None),
        ActionError::Transport(e) => {
            let s = stage(&e);
            let mut err = CliError::failed(&action.context(target), &e, s);
            if let (
                true,
                CliError::Failed {
                    class: ErrorClass::Timeout,
                    message,
                    ..
                },
            ) = (action.resets_the_bmc(), &mut err)
            {
                message.push_str(
                    " (a BMC may reset before it answers a Cold Reset: it may have been reset)",
                );
            }
            err
        }
    }
}

/// An answer whose completion code makes it an error (`raw`'s non-zero).
pub fn check_completion(
    action: &Action,
    target: Target,
    outcome: &Outcome,
) -> Result<(), CliError> {
    match outcome.completion() {
        Some(code) if !code.is_success() => Err(CliError::Completion {
            message: completion_message(action, target, code),
            code,
        }),
        _ => Ok(()),
    }
}
