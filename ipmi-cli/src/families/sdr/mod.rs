//! The `sdr` and `sensor` families: the SDR repository walk (IPMI 2.0
//! §33.12) and Get Sensor Reading / Get Sensor Thresholds (§35.14, §35.9)
//! for each sensor, bridged to the sensor's owner when it is not the BMC,
//! printed as ipmitool 1.8.19 prints `sdr list|elist`, `sensor list`
//! (text and `-c` CSV) or as one JSON object.
//!
//! Unlike the other families an action here takes many exchanges: it runs
//! in [`perform`]. A sensor that cannot be read is printed the way
//! ipmitool prints it and the run continues; each such sensor is named on
//! standard error and makes the exit code 1 (ipmitool exits 0).

mod json;
mod lines;
mod read;

use std::ffi::OsString;
use std::path::PathBuf;

use clap::Subcommand;
use ipmi_core::walk::WalkError;
use ipmi_core::{CommandError, CompletionCode, Deadline, Request, Response, Target, Transport};

use super::{unimplemented, ActionError, Exchange, Rendered};
use crate::exit::CliError;

/// The families' first words.
#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum Words {
    /// Sensor Data Repository: list|elist [all|full|compact|event|mcloc|fru|generic]
    Sdr {
        #[command(subcommand)]
        command: Option<SdrCommand>,
    },
    /// Sensors: list
    Sensor {
        #[command(subcommand)]
        command: Option<SensorCommand>,
    },
}

/// `sdr ...`
#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum SdrCommand {
    /// Sensor records with their reading and status
    List {
        /// all, full, compact, event, mcloc, fru or generic (default: full and compact sensors)
        which: Option<String>,
    },
    /// As list, plus sensor number, entity and discrete states
    Elist {
        /// all, full, compact, event, mcloc, fru or generic (default: full and compact sensors)
        which: Option<String>,
    },
    /// Another `sdr` word.
    #[command(external_subcommand)]
    Other(Vec<OsString>),
}

/// `sensor ...`
#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum SensorCommand {
    /// Every sensor with its reading, status and thresholds
    List,
    /// Another `sensor` word.
    #[command(external_subcommand)]
    Other(Vec<OsString>),
}

/// Which records a listing shows (ipmitool's `sdr list` words).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Filter {
    /// No word: full and compact sensors.
    Sensors,
    /// `all`
    All,
    /// `full`
    Full,
    /// `compact`
    Compact,
    /// `event`
    Event,
    /// `mcloc`
    McLocator,
    /// `fru`
    Fru,
    /// `generic`
    Generic,
}

impl Filter {
    fn parse(word: Option<&str>) -> Result<Filter, CliError> {
        Ok(match word {
            None => Filter::Sensors,
            Some("all") => Filter::All,
            Some("full") => Filter::Full,
            Some("compact") => Filter::Compact,
            Some("event") => Filter::Event,
            Some("mcloc") => Filter::McLocator,
            Some("fru") => Filter::Fru,
            Some("generic") => Filter::Generic,
            Some(w) => {
                return Err(CliError::Usage(format!(
                    "'{w}' is no record type: sdr list takes all, full, compact, event, mcloc, fru or generic"
                )))
            }
        })
    }

    /// Whether a record of `record_type` (SDR byte 4) is listed.
    pub fn shows(self, record_type: u8) -> bool {
        match self {
            Filter::Sensors => matches!(record_type, 0x01 | 0x02),
            Filter::All => true,
            Filter::Full => record_type == 0x01,
            Filter::Compact => record_type == 0x02,
            Filter::Event => record_type == 0x03,
            Filter::McLocator => record_type == 0x12,
            Filter::Fru => record_type == 0x11,
            Filter::Generic => record_type == 0x10,
        }
    }
}

/// What is listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// `sdr list` (`extended`: `sdr elist`).
    SdrList {
        /// `elist`
        extended: bool,
        /// Which records.
        filter: Filter,
    },
    /// `sensor list`
    SensorList,
}

/// What `sdr`/`sensor` does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Action {
    /// The form.
    pub form: Form,
    /// `-c`: ipmitool's CSV.
    pub csv: bool,
}

impl Words {
    /// The action of the words.
    pub fn action(&self) -> Result<Action, CliError> {
        let form = match self {
            Words::Sdr { command: None } => Form::SdrList {
                extended: false,
                filter: Filter::Sensors,
            },
            Words::Sdr {
                command: Some(SdrCommand::List { which }),
            } => Form::SdrList {
                extended: false,
                filter: Filter::parse(which.as_deref())?,
            },
            Words::Sdr {
                command: Some(SdrCommand::Elist { which }),
            } => Form::SdrList {
                extended: true,
                filter: Filter::parse(which.as_deref())?,
            },
            Words::Sdr {
                command: Some(SdrCommand::Other(words)),
            } => return Err(unimplemented::sub_word("sdr", words)),
            Words::Sensor {
                command: None | Some(SensorCommand::List),
            } => Form::SensorList,
            Words::Sensor {
                command: Some(SensorCommand::Other(words)),
            } => return Err(unimplemented::sub_word("sensor", words)),
        };
        Ok(Action { form, csv: false })
    }
}

impl Action {
    /// The first request (Get SDR Repository Info); the rest are in [`perform`].
    pub fn request(&self, target: Target) -> Request {
        use ipmi_core::Command as _;
        ipmi_core::cmd::GetSdrRepositoryInfo.request_to(target)
    }

    /// A walk is not one answer: [`perform`] runs it.
    pub fn decode(&self, response: &Response) -> Result<Outcome, CommandError> {
        Err(CommandError::Mismatch {
            command: "SDR walk",
            netfn: response.netfn,
            cmd: response.cmd,
        })
    }

    /// ipmitool's words when no answer came.
    pub fn context(&self, _target: Target) -> String {
        "Unable to read the SDR repository".into()
    }

    /// ipmitool's line for a refusal; `text` names the code.
    pub fn refused(&self, _target: Target, _code: CompletionCode, text: &str) -> String {
        format!("Unable to read the SDR repository: {text}")
    }
}

/// A listing: ipmitool's text (or CSV), the JSON line, and the sensors
/// that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Standard output without `--json`.
    pub text: Vec<u8>,
    /// Standard output with `--json`.
    pub json: Vec<u8>,
    /// One line per sensor that could not be read (standard error, exit 1).
    pub failures: Vec<String>,
}

impl Outcome {
    /// The bytes for standard output.
    pub fn render(&self, json: bool, _registries: &[PathBuf]) -> Rendered {
        Rendered::bytes(if json {
            self.json.clone()
        } else {
            self.text.clone()
        })
    }

    /// Failures are per sensor ([`Outcome::failures`]), not a code.
    pub fn completion(&self) -> Option<CompletionCode> {
        None
    }
}

/// Runs `action`: the repository walk, then the sensors' readings, each
/// exchange shown to `trace`.
pub fn perform<T: Transport>(
    transport: &mut T,
    action: &Action,
    deadline: Deadline,
    trace: &mut dyn FnMut(&Request, &Exchange),
) -> Result<Outcome, ActionError<T::Error>> {
    let mut traced = read::Traced::new(transport, trace);
    let (records, mut failures) = match read::repository(&mut traced, deadline) {
        Ok(r) => r,
        Err(WalkError::Exchange { source, .. }) => return Err(ActionError::Transport(source)),
        Err(WalkError::Command { source, .. }) => return Err(ActionError::Command(source)),
        Err(other) => {
            return Ok(Outcome {
                text: Vec::new(),
                json: Vec::new(),
                failures: vec![format!("Unable to read the SDR repository: {other}")],
            })
        }
    };
    let thresholds = action.form == Form::SensorList;
    let sensors: Vec<read::Sensor> = records
        .iter()
        .filter(|r| action.shows(r.body.record_type()))
        .map(|r| read::sensor(&mut traced, r, thresholds, deadline))
        .collect();
    failures.extend(sensors.iter().filter_map(|s| s.failure.clone()));
    Ok(Outcome {
        text: lines::render(action, &sensors),
        json: json::render(&sensors),
        failures,
    })
}

impl Action {
    fn shows(&self, record_type: u8) -> bool {
        match self.form {
            Form::SdrList { filter, .. } => filter.shows(record_type),
            Form::SensorList => matches!(record_type, 0x01 | 0x02),
        }
    }
}
