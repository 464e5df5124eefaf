//! The `dcmi` family: `dcmi discover` (Get DCMI Capabilities Info, DCMI 1.5
//! §6.1.1, selectors 1-5), `dcmi power reading` (Get Power Reading, §6.6.1)
//! and `dcmi get_mc_id_string` (Get Management Controller Identifier
//! String, §6.4.6.1), as ipmitool 1.8.19 prints them.
//!
//! A BMC without DCMI answers C1h ("Invalid command"): the command says the
//! BMC does not implement DCMI and exits 1. Where ipmitool leaves the
//! newline out after the power reading's timestamp, ipmirs prints it; the
//! timestamp is UTC.

use std::fmt::Write;
use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};
use ipmi_core::cmd::dcmi::{
    completion_text, DcmiCapabilities, GetDcmiCapabilities, GetMcIdString, GetPowerReading,
    PowerReading, ACCESS_CAPABILITIES, CAPABILITY_SELECTORS, MANDATORY_CAPABILITIES,
    OPTIONAL_CAPABILITIES,
};
use ipmi_core::{Command, CommandError, CompletionCode, Request, Response, Target};
use serde::Serialize;

use super::mc::admin::timestamp;
use super::{decode_alone, ActionError, Exchanger, Rendered};
use crate::exit::CliError;
use crate::output::json::line as json_line;

/// The family's first word.
#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum Words {
    /// Data Center Management Interface: discover, power reading, get_mc_id_string
    Dcmi {
        #[command(subcommand)]
        command: DcmiCommand,
    },
}

/// `dcmi ...`
#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum DcmiCommand {
    /// The DCMI capabilities the BMC reports
    Discover,
    /// Power: reading
    Power {
        /// reading
        #[arg(value_enum)]
        what: PowerWord,
    },
    /// The management controller identifier string
    #[command(name = "get_mc_id_string")]
    GetMcIdString,
}

/// `dcmi power ...`
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PowerWord {
    /// Get Power Reading: current, minimum, maximum, average
    Reading,
}

impl Words {
    /// The action of the words.
    pub fn action(&self) -> Result<Action, CliError> {
        let Words::Dcmi { command } = self;
        Ok(match command {
            DcmiCommand::Discover => Action::Discover,
            DcmiCommand::Power { .. } => Action::PowerReading,
            DcmiCommand::GetMcIdString => Action::McIdString,
        })
    }
}

/// What `dcmi` does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// `dcmi discover`
    Discover,
    /// `dcmi power reading`
    PowerReading,
    /// `dcmi get_mc_id_string`
    McIdString,
}

/// Conformance versions ipmitool accepts (DCMI 1.0, 1.1, 1.5).
const CONFORMANCE: [(u8, u8); 3] = [(1, 0), (1, 1), (1, 5)];

impl Action {
    /// Runs the action's exchanges.
    pub fn run<E>(&self, x: &mut Exchanger<'_, E>) -> Result<Outcome, ActionError<E>> {
        match self {
            Action::Discover => {
                let mut all = Vec::new();
                for (selector, _) in CAPABILITY_SELECTORS {
                    let c = x.ask(&GetDcmiCapabilities { selector })?;
                    if !CONFORMANCE.contains(&(c.major, c.minor)) {
                        return Err(ActionError::Command(CommandError::InvalidField {
                            command: "Get DCMI Capabilities Info",
                            field: "conformance (not DCMI 1.0, 1.1 or 1.5)",
                            value: u32::from(c.major) << 8 | u32::from(c.minor),
                        }));
                    }
                    if !matches!(c.revision, 1 | 2) {
                        return Err(ActionError::Command(CommandError::InvalidField {
                            command: "Get DCMI Capabilities Info",
                            field: "parameter revision",
                            value: c.revision.into(),
                        }));
                    }
                    all.push((selector, c));
                }
                Ok(Outcome::Discover(all))
            }
            Action::PowerReading => Ok(Outcome::PowerReading(x.ask(&GetPowerReading {
                rolling_period: None,
            })?)),
            Action::McIdString => {
                let first = x.ask(&GetMcIdString {
                    offset: 0,
                    count: 1,
                })?;
                let mut id = Vec::new();
                for chunk in GetMcIdString::chunks(first.total) {
                    id.extend_from_slice(&x.ask(&chunk)?.bytes);
                }
                Ok(Outcome::McIdString(id))
            }
        }
    }

    /// `power reading` is one exchange.
    pub fn one_exchange(&self) -> bool {
        *self == Action::PowerReading
    }

    /// The (first) request for `target`.
    pub fn request(&self, target: Target) -> Request {
        match self {
            Action::Discover => GetDcmiCapabilities { selector: 1 }.request_to(target),
            Action::PowerReading => GetPowerReading::default().request_to(target),
            Action::McIdString => GetMcIdString {
                offset: 0,
                count: 1,
            }
            .request_to(target),
        }
    }

    /// Decodes the answer of `dcmi power reading`.
    pub fn decode(&self, response: &Response) -> Result<Outcome, CommandError> {
        decode_alone(response, "dcmi", |x| self.run(x))
    }

    /// ipmitool's words when no answer came.
    pub fn context(&self, _target: Target) -> String {
        "Unable to get DCMI information".into()
    }

    /// The line for a refusal: C1h means no DCMI at all.
    pub fn refused(&self, _target: Target, code: CompletionCode, text: &str) -> String {
        if code == CompletionCode::INVALID_COMMAND {
            return format!(
                "DCMI request failed because: {text}: this BMC does not implement DCMI"
            );
        }
        match completion_text(code) {
            Some(t) => format!("DCMI request failed because: {t} (0x{:02x})", code.0),
            None => format!("DCMI request failed because: {text}"),
        }
    }
}

/// What `dcmi` got back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// `dcmi discover`: each selector's answer.
    Discover(Vec<(u8, DcmiCapabilities)>),
    /// `dcmi power reading`
    PowerReading(PowerReading),
    /// `dcmi get_mc_id_string`: the string's bytes.
    McIdString(Vec<u8>),
}

/// ipmitool's names of selector 2's identification bits (DCMI 1.5 table 6-3).
const ID_ATTRIBUTES: [(u8, &str); 3] = [(0x01, "GUID"), (0x02, "DHCP hostname"), (0x04, "Asset tag")];
/// ipmitool's names of selector 2's temperature monitoring bits (DCMI 1.5 table 6-3).
const TEMP_ATTRIBUTES: [(u8, &str); 3] = [(0x01, "inlet"), (0x02, "cpu"), (0x04, "baseboard")];
/// ipmitool's names of the sampling periods selector 5 lists (DCMI 1.5 table 6-3).
const SAMPLING: [(u8, &str); 9] = [
    (0x05, "5_sec"),
    (0x0f, "15_sec"),
    (0x1e, "30_sec"),
    (0x41, "1_min"),
    (0x43, "3_min"),
    (0x47, "7_min"),
    (0x4f, "15_min"),
    (0x5e, "30_min"),
    (0x81, "1_hour"),
];

fn byte(c: &DcmiCapabilities, i: usize) -> u8 {
    c.data.get(i).copied().unwrap_or(0)
}

fn attributes(o: &mut String, bits: u8, table: &[(u8, &str)]) -> std::fmt::Result {
    for (mask, name) in table {
        if bits & mask != 0 {
            writeln!(o, "        {name}")?;
        }
    }
    Ok(())
}

/// `dcmi discover`'s block for one selector.
fn discover_text(o: &mut String, selector: u8, c: &DcmiCapabilities) -> std::fmt::Result {
    match selector {
        1 => {
            o.push_str("    Supported DCMI capabilities:\n");
            o.push_str("\n         Mandatory platform capabilities\n");
            attributes(o, byte(c, 0), &MANDATORY_CAPABILITIES)?;
            o.push_str("\n         Optional platform capabilities\n");
            attributes(o, byte(c, 1), &OPTIONAL_CAPABILITIES)?;
            o.push_str("\n         Managebility access capabilities\n");
            attributes(o, byte(c, 2), &ACCESS_CAPABILITIES)?;
        }
        2 => {
            o.push_str("\n    Mandatory platform attributes:\n");
            o.push_str("\n         SEL Attributes: ");
            o.push_str("\n               SEL automatic rollover is ");
            o.push_str(if byte(c, 1) & 0x80 != 0 {
                "enabled"
            } else {
                "not present"
            });
            let entries = u16::from_le_bytes([byte(c, 0), byte(c, 1)]) & 0xfff;
            writeln!(o, "\n               {entries} SEL entries")?;
            o.push_str("\n         Identification Attributes: \n");
            attributes(o, byte(c, 2), &ID_ATTRIBUTES)?;
            o.push_str("\n         Temperature Monitoring Attributes: \n");
            attributes(o, byte(c, 3), &TEMP_ATTRIBUTES)?;
        }
        3 => {
            o.push_str("\n    Optional Platform Attributes: \n");
            o.push_str("\n         Power Management:\n");
            if byte(c, 0) == 0x40 {
                o.push_str("                Slave address of device: 20h (BMC)\n");
            } else {
                writeln!(
                    o,
                    "                Slave address of device: {:x}h (8bits)(Satellite/External controller)",
                    byte(c, 0)
                )?;
            }
            if byte(c, 1) >> 4 == 0 {
                o.push_str("                Channel number is 0h (Primary BMC)\n");
            } else {
                writeln!(o, "                Channel number is {:x}h ", byte(c, 1) >> 4)?;
            }
            writeln!(
                o,
                "                    Device revision is {} ",
                byte(c, 1) & 0xf
            )?;
        }
        4 => {
            o.push_str("\n    Manageability Access Attributes: \n");
            for (i, which) in ["Primary", "Secondary"].iter().enumerate() {
                match byte(c, i) {
                    0xff => writeln!(o, "         {which} LAN channel is not available for OOB")?,
                    n => writeln!(o, "         {which} LAN channel number: {n} is available")?,
                }
            }
            match byte(c, 2) {
                0xff => o.push_str("         No serial channel is available\n"),
                n => writeln!(o, "         Serial channel number: {n} is available")?,
            }
        }
        _ => {
            o.push_str("\n    Node Manager Get DCMI Capability Info: \n");
            writeln!(o, "         DCMI Specification {}.{}", c.major, c.minor)?;
            writeln!(
                o,
                "         Rolling average time period options: {}",
                byte(c, 0)
            )?;
            o.push_str("         Sample time options: ");
            for j in 1..=SAMPLING.len() {
                let v = byte(c, j);
                match SAMPLING.iter().find(|(s, _)| *s == v) {
                    Some((_, name)) => write!(o, " {name} ")?,
                    None => write!(o, " Unknown (0x{v:x}) ")?,
                }
            }
            o.push('\n');
        }
    }
    Ok(())
}

/// `dcmi power reading`'s text.
pub fn power_text(r: &PowerReading) -> String {
    let stamp = if r.timestamp == u32::MAX {
        "Unspecified".to_string()
    } else {
        timestamp(i64::from(r.timestamp))
    };
    format!(
        "\n    Instantaneous power reading:              {:8} Watts\n    \
         Minimum during sampling period:           {:8} Watts\n    \
         Maximum during sampling period:           {:8} Watts\n    \
         Average power reading over sample period: {:8} Watts\n    \
         IPMI timestamp:                           {stamp}\n    \
         Sampling period:                          {:08} Seconds.\n    \
         Power reading state is:                   {}\n\n",
        r.current,
        r.minimum,
        r.maximum,
        r.average,
        r.period_ms / 1000,
        if r.active() { "activated" } else { "deactivated" }
    )
}

impl Outcome {
    /// ipmitool's text or the JSON line.
    pub fn render(&self, json: bool, _registries: &[PathBuf]) -> Rendered {
        Rendered::bytes(match (self, json) {
            (Outcome::Discover(all), false) => {
                let mut o = String::new();
                for (s, c) in all {
                    // Writing into a String cannot fail.
                    let _ = discover_text(&mut o, *s, c);
                }
                o.into_bytes()
            }
            (Outcome::Discover(all), true) => {
                let c1 = all.iter().find(|(s, _)| *s == 1).map(|(_, c)| c);
                let names = |i: usize, table: &'static [(u8, &'static str)]| {
                    c1.map(|c| c.names(i, table)).unwrap_or_default()
                };
                json_line(&DiscoverJson {
                    conformance: c1.map(|c| format!("{}.{}", c.major, c.minor)),
                    mandatory: names(0, &MANDATORY_CAPABILITIES),
                    optional: names(1, &OPTIONAL_CAPABILITIES),
                    access: names(2, &ACCESS_CAPABILITIES),
                    parameters: all
                        .iter()
                        .map(|(s, c)| ParamJson {
                            selector: *s,
                            revision: c.revision,
                            data: c.data.iter().map(|b| format!("{b:02x}")).collect(),
                        })
                        .collect(),
                })
            }
            (Outcome::PowerReading(r), false) => power_text(r).into_bytes(),
            (Outcome::PowerReading(r), true) => json_line(&PowerJson {
                current_watts: r.current,
                minimum_watts: r.minimum,
                maximum_watts: r.maximum,
                average_watts: r.average,
                timestamp: r.timestamp,
                period_ms: r.period_ms,
                active: r.active(),
            }),
            (Outcome::McIdString(id), false) => {
                let mut o = b"\n Get Management Controller Identifier String: ".to_vec();
                o.extend_from_slice(id);
                o.push(b'\n');
                o
            }
            (Outcome::McIdString(id), true) => json_line(&McIdJson {
                mc_id_string: String::from_utf8_lossy(id).into_owned(),
            }),
        })
    }

    /// Errors only by the completion code.
    pub fn completion(&self) -> Option<CompletionCode> {
        None
    }
}

#[derive(Serialize)]
struct DiscoverJson {
    conformance: Option<String>,
    mandatory: Vec<&'static str>,
    optional: Vec<&'static str>,
    access: Vec<&'static str>,
    parameters: Vec<ParamJson>,
}

#[derive(Serialize)]
struct ParamJson {
    selector: u8,
    revision: u8,
    data: Vec<String>,
}

#[derive(Serialize)]
struct PowerJson {
    current_watts: u16,
    minimum_watts: u16,
    maximum_watts: u16,
    average_watts: u16,
    timestamp: u32,
    period_ms: u32,
    active: bool,
}

#[derive(Serialize)]
struct McIdJson {
    mc_id_string: String,
}
