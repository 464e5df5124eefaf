//! The `raw` family: any request, `raw NETFN CMD [DATA...]`, as ipmitool
//! 1.8.19 sends and prints it; a non-zero completion code is an error.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use ipmi_core::cmd::{Raw, RawResponse};
use ipmi_core::{Command, CommandError, CompletionCode, NetFn, Request, Response, Target};
use serde::Serialize;

use super::{ActionError, Exchanger, Rendered};
use crate::exit::CliError;
use crate::numbers;
use crate::output::json::line as json_line;

/// Most data bytes `raw` takes (ipmitool: 256 arguments in all).
pub const MAX_RAW_DATA: usize = 254;

/// The family's first word.
#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum Words {
    /// Any request: raw NETFN CMD [DATA...] (bytes as 0x06, 6 or 06; NETFN may be a name like Application)
    #[command(allow_negative_numbers = true)]
    Raw(RawArgs),
}

/// `raw NETFN CMD [DATA...]`
#[derive(Args, Debug, Clone, PartialEq, Eq)]
pub struct RawArgs {
    /// Network function: a number 0-0x3f or Chassis, Bridge, SensorEvent, Application, Firmware, Storage, Transport
    #[arg(value_name = "NETFN", value_parser = parse_netfn)]
    pub netfn: NetFn,
    /// Command number (0-255)
    #[arg(value_name = "CMD", value_parser = crate::numbers::parse_byte)]
    pub cmd: u8,
    /// Request data bytes (0-255 each)
    #[arg(value_name = "DATA", value_parser = crate::numbers::parse_byte)]
    pub data: Vec<u8>,
}

fn parse_netfn(s: &str) -> Result<NetFn, String> {
    numbers::parse_netfn(s).map_err(|e| e.to_string())
}

impl Words {
    /// The action of the words.
    pub fn action(&self) -> Result<Action, CliError> {
        let Words::Raw(raw) = self;
        if raw.data.len() > MAX_RAW_DATA {
            return Err(CliError::Usage(format!(
                "raw: {} data bytes given; at most {MAX_RAW_DATA} (ipmitool's limit)",
                raw.data.len()
            )));
        }
        Ok(Raw {
            netfn: raw.netfn,
            cmd: raw.cmd,
            data: raw.data.clone(),
        })
    }
}

/// What `raw` does: the request as given.
pub type Action = Raw;
/// What `raw` got back: the completion code and the data.
pub type Outcome = RawResponse;

/// The request, the answer, and ipmitool's words for failures (a trait
/// because the action is ipmi-core's `Raw` itself).
pub trait RawFamily {
    /// Runs the action: one exchange.
    fn run<E>(&self, x: &mut Exchanger<'_, E>) -> Result<Outcome, ActionError<E>> {
        x.one(self.request(x.target()), |r| self.decode(r))
    }
    /// Always one exchange.
    fn one_exchange(&self) -> bool {
        true
    }
    /// The request for `target`.
    fn request(&self, target: Target) -> Request;
    /// Decodes the response to [`RawFamily::request`] (any completion code).
    fn decode(&self, response: &Response) -> Result<Outcome, CommandError>;
    /// ipmitool's words when no answer came.
    fn context(&self, target: Target) -> String;
    /// ipmitool's line for a refusal; `text` names the code.
    fn refused(&self, target: Target, code: CompletionCode, text: &str) -> String;
}

impl RawFamily for Raw {
    fn request(&self, target: Target) -> Request {
        self.request_to(target)
    }

    fn decode(&self, response: &Response) -> Result<Outcome, CommandError> {
        Command::decode(self, response)
    }

    fn context(&self, target: Target) -> String {
        format!(
            "Unable to send RAW command (channel=0x{:x} netfn=0x{:x} lun=0x0 cmd=0x{:x})",
            target.channel, self.netfn.0, self.cmd
        )
    }

    fn refused(&self, target: Target, code: CompletionCode, text: &str) -> String {
        format!(
            "Unable to send RAW command (channel=0x{:x} netfn=0x{:x} lun=0x0 cmd=0x{:x} rsp=0x{:x}): {text}",
            target.channel, self.netfn.0, self.cmd, code.0
        )
    }
}

/// Rendering of a `raw` answer (a trait because the outcome is
/// ipmi-core's `RawResponse` itself).
pub trait RawRender {
    /// ipmitool's text or the JSON line.
    fn render(&self, json: bool, registries: &[PathBuf]) -> Rendered;
    /// The completion code: non-zero makes the answer an error.
    fn completion(&self) -> Option<CompletionCode>;
}

impl RawRender for RawResponse {
    fn render(&self, json: bool, _registries: &[PathBuf]) -> Rendered {
        Rendered::bytes(if json {
            json_line(&RawAnswer {
                completion_code: self.completion.0,
                data: &self.data,
            })
        } else {
            response(&self.data)
        })
    }

    fn completion(&self) -> Option<CompletionCode> {
        Some(self.completion)
    }
}

/// A successful answer as ipmitool prints it: each data byte as " %02x", a
/// line break after every 16, and a final newline (so an empty answer
/// prints one empty line).
pub fn response(data: &[u8]) -> Vec<u8> {
    let mut o = Vec::with_capacity(data.len() * 3 + data.len() / 16 + 1);
    for (i, b) in data.iter().enumerate() {
        if i % 16 == 0 && i != 0 {
            o.push(b'\n');
        }
        o.extend_from_slice(format!(" {b:02x}").as_bytes());
    }
    o.push(b'\n');
    o
}

/// `raw --json`
#[derive(Serialize)]
struct RawAnswer<'a> {
    completion_code: u8,
    data: &'a [u8],
}
