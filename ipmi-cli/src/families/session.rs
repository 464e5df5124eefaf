//! The `session` family: `session info active|all` (Get Session Info,
//! IPMI 2.0 §22.20), as ipmitool 1.8.19 prints it.
//!
//! `all` asks for sessions 1, 2, ... up to the slot count. A BMC that
//! refuses an index past its last session with CBh or CCh ends the list
//! (ipmitool 1.8.19 then exits 1 although it printed every session; ipmirs
//! exits 0).

use std::fmt::Write;
use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};
use ipmi_core::cmd::session_info::{GetSessionInfo, SessionInfo, SessionSelector};
use ipmi_core::{Command, CommandError, CompletionCode, Request, Response, Target};
use serde::Serialize;

use super::{decode_alone, ActionError, Exchanger, Rendered};
use crate::exit::CliError;
use crate::output::json::line as json_line;

/// The family's first word.
#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum Words {
    /// Sessions: info active|all
    Session {
        #[command(subcommand)]
        command: SessionCommand,
    },
}

/// `session ...`
#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum SessionCommand {
    /// Get Session Info: this session (active) or every slot (all)
    Info {
        /// active or all
        #[arg(value_enum)]
        which: Which,
    },
}

/// Which sessions.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// The session of this request
    Active,
    /// Every session slot
    All,
}

impl Words {
    /// The action of the words.
    pub fn action(&self) -> Result<Action, CliError> {
        let Words::Session {
            command: SessionCommand::Info { which },
        } = self;
        Ok(Action(*which))
    }
}

/// What `session` does: `session info active|all`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Action(pub Which);

/// Completion codes that end `session info all` (IPMI 2.0 §22.20: no such
/// session; ipmitool reads past them).
const END_OF_SESSIONS: [u8; 2] = [0xcb, 0xcc];

impl Action {
    /// Runs the action's exchanges.
    pub fn run<E>(&self, x: &mut Exchanger<'_, E>) -> Result<Outcome, ActionError<E>> {
        match self.0 {
            Which::Active => Ok(Outcome(vec![
                x.ask(&GetSessionInfo(SessionSelector::Current))?
            ])),
            Which::All => {
                let mut sessions = Vec::new();
                let mut index = 1u8;
                loop {
                    let ask = GetSessionInfo(SessionSelector::Index(index));
                    let response = x.exchange(&ask.request_to(x.target()))?;
                    if END_OF_SESSIONS.contains(&response.completion.0) {
                        break;
                    }
                    let info = ask.decode(&response).map_err(ActionError::Command)?;
                    let slots = info.slot_count;
                    sessions.push(info);
                    index += 1;
                    if index > slots || index > 0x3f {
                        break;
                    }
                }
                Ok(Outcome(sessions))
            }
        }
    }

    /// `active` is one exchange.
    pub fn one_exchange(&self) -> bool {
        self.0 == Which::Active
    }

    /// The (first) request for `target`.
    pub fn request(&self, target: Target) -> Request {
        let selector = match self.0 {
            Which::Active => SessionSelector::Current,
            Which::All => SessionSelector::Index(1),
        };
        GetSessionInfo(selector).request_to(target)
    }

    /// Decodes the answer of `session info active`.
    pub fn decode(&self, response: &Response) -> Result<Outcome, CommandError> {
        decode_alone(response, "session info", |x| self.run(x))
    }

    /// ipmitool's words when no answer came.
    pub fn context(&self, _target: Target) -> String {
        "Get Session Info command failed".into()
    }

    /// ipmitool's line for a refusal; `text` names the code.
    pub fn refused(&self, _target: Target, _code: CompletionCode, text: &str) -> String {
        format!("Get Session Info command failed: {text}")
    }
}

/// What `session info` got back: one answer per session asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome(pub Vec<SessionInfo>);

impl Outcome {
    /// ipmitool's text or the JSON line.
    pub fn render(&self, json: bool, _registries: &[PathBuf]) -> Rendered {
        Rendered::bytes(if json {
            json_line(&SessionsJson {
                sessions: self.0.iter().map(SessionJson::new).collect(),
            })
        } else {
            let mut o = String::new();
            for s in &self.0 {
                session_text(&mut o, s);
            }
            o.into_bytes()
        })
    }

    /// Errors only by the completion code.
    pub fn completion(&self) -> Option<CompletionCode> {
        None
    }
}

/// One session as ipmitool prints it, blank line after.
pub fn session_text(o: &mut String, s: &SessionInfo) {
    // Writing into a String cannot fail.
    let _ = (|| -> std::fmt::Result {
        writeln!(o, "{:<30}: {}", "session handle", s.handle)?;
        writeln!(o, "{:<30}: {}", "slot count", s.slot_count)?;
        writeln!(o, "{:<30}: {}", "active sessions", s.active_count)?;
        if let Some(d) = &s.detail {
            writeln!(o, "{:<30}: {}", "user id", d.user_id)?;
            writeln!(o, "{:<30}: {}", "privilege level", d.privilege)?;
            let kind = if d.protocol_aux != 0 {
                "IPMIv2/RMCP+"
            } else {
                "IPMIv1.5"
            };
            writeln!(o, "{:<30}: {kind}", "session type")?;
            writeln!(o, "{:<30}: 0x{:02x}", "channel number", d.channel)?;
            if let Some(lan) = &d.lan {
                writeln!(o, "{:<30}: {}", "console ip", lan.ip)?;
                writeln!(o, "{:<30}: {}", "console mac", lan.mac)?;
                writeln!(o, "{:<30}: {}", "console port", lan.port)?;
            }
        }
        writeln!(o)
    })();
}

/// `session info --json`
#[derive(Serialize)]
struct SessionsJson {
    sessions: Vec<SessionJson>,
}

#[derive(Serialize)]
struct SessionJson {
    handle: u8,
    slot_count: u8,
    active_sessions: u8,
    user_id: Option<u8>,
    privilege_level: Option<String>,
    session_type: Option<&'static str>,
    channel: Option<u8>,
    console_ip: Option<String>,
    console_mac: Option<String>,
    console_port: Option<u16>,
}

impl SessionJson {
    fn new(s: &SessionInfo) -> Self {
        let d = s.detail.as_ref();
        let lan = d.and_then(|d| d.lan.as_ref());
        SessionJson {
            handle: s.handle,
            slot_count: s.slot_count,
            active_sessions: s.active_count,
            user_id: d.map(|d| d.user_id),
            privilege_level: d.map(|d| d.privilege.to_string()),
            session_type: d.map(|d| {
                if d.protocol_aux != 0 {
                    "IPMIv2/RMCP+"
                } else {
                    "IPMIv1.5"
                }
            }),
            channel: d.map(|d| d.channel),
            console_ip: lan.map(|l| l.ip.to_string()),
            console_mac: lan.map(|l| l.mac.to_string()),
            console_port: lan.map(|l| l.port),
        }
    }
}
