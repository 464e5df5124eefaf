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

mod get;
mod json;
mod lines;
mod read;
#[cfg(test)]
mod tests;

use std::ffi::OsString;
use std::path::PathBuf;

use clap::Subcommand;
use ipmi_core::record::sdr::{Entity, Record, Sdr};
use ipmi_core::sensor::sensor_type_name;
use ipmi_core::walk::{FetchError, SdrRepository, WalkError};
use ipmi_core::{CommandError, CompletionCode, Deadline, Request, Response, Target, Transport};

use super::{unimplemented, ActionError, Exchange, Exchanger, Rendered};
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
    /// The sensors of one sensor type (a name or a number); `list`: the types
    Type {
        /// A sensor type name (e.g. Temperature, "Power Supply"), a number (0x07), or list
        words: Vec<String>,
    },
    /// The records of one entity: ID or ID.INSTANCE
    Entity {
        /// Entity ID, optionally .instance (e.g. 3 or 3.1)
        id: String,
    },
    /// The verbose print of each named record (its ID string)
    Get {
        /// Record names (their ID strings)
        #[arg(required = true)]
        ids: Vec<String>,
    },
    /// Get SDR Repository Info
    Info,
    /// Write the repository's records to FILE (ipmitool's format, read back with -S)
    Dump {
        /// The file to write
        file: PathBuf,
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
    /// The verbose print of each named sensor (its ID string)
    Get {
        /// Sensor names (their ID strings)
        #[arg(required = true)]
        ids: Vec<String>,
    },
    /// The value of each named sensor
    Reading {
        /// Sensor names (their ID strings)
        #[arg(required = true)]
        ids: Vec<String>,
    },
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

/// Which records an `sdr list|elist|type|entity` shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Select {
    /// By record type.
    Records(Filter),
    /// Full, compact and event-only records of this sensor type (§42.2).
    SensorType(u8),
    /// Records of this entity ID (and instance) (§43.14).
    Entity(u8, Option<u8>),
}

impl Select {
    /// Whether `record` is shown.
    pub fn shows(self, record: &Record) -> bool {
        let body = &record.body;
        match self {
            Select::Records(f) => f.shows(body.record_type()),
            Select::SensorType(t) => match body {
                Sdr::EventOnly(e) => e.sensor_type == t,
                _ => body.sensor_common().is_some_and(|c| c.sensor_type == t),
            },
            Select::Entity(id, instance) => {
                entity_of(body).is_some_and(|e| e.id == id && instance.map_or(true, |i| i == e.instance))
            }
        }
    }
}

/// The entity a record describes, where it names one.
pub fn entity_of(body: &Sdr) -> Option<Entity> {
    match body {
        Sdr::McLocator(m) => Some(m.entity),
        Sdr::FruLocator(f) => Some(f.entity),
        Sdr::GenericLocator(g) => Some(g.entity),
        Sdr::EventOnly(e) => Some(e.entity),
        _ => body.sensor_common().map(|c| c.entity),
    }
}

/// What is shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Form {
    /// `sdr list` (`extended`: `sdr elist`, `sdr type`, `sdr entity`).
    SdrList {
        /// `elist`
        extended: bool,
        /// Which records.
        select: Select,
    },
    /// `sensor list`
    SensorList,
    /// `sensor reading ID...`
    Reading(Vec<String>),
    /// `sdr type [list]`, or an unknown type name: the sensor types.
    TypeList(Option<String>),
    /// `sdr get ID...`
    Get(Vec<String>),
    /// `sensor get ID...`
    SensorGet(Vec<String>),
    /// `sdr info`
    Info,
    /// `sdr dump FILE`
    Dump(PathBuf),
}

/// What `sdr`/`sensor` does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Action {
    /// The form.
    pub form: Form,
    /// `-c`: ipmitool's CSV.
    pub csv: bool,
    /// `--json`: thresholds are read for every threshold sensor listed.
    pub json: bool,
    /// `-S FILE`: the SDRs from this file (`sdr dump`'s format), not the BMC.
    pub sdr_file: Option<PathBuf>,
}

/// A number as ipmitool reads one (`0x` hex, else decimal).
fn number(word: &str) -> Option<u8> {
    match word.strip_prefix("0x").or_else(|| word.strip_prefix("0X")) {
        Some(h) => u8::from_str_radix(h, 16).ok(),
        None => word.parse().ok(),
    }
}

fn sensor_type_form(words: &[String]) -> Form {
    let word = words.join(" ");
    if word.is_empty() || word == "list" {
        return Form::TypeList(None);
    }
    let code = number(&word).or_else(|| {
        (1..=SENSOR_TYPE_MAX).find(|&c| sensor_type_name(c).eq_ignore_ascii_case(&word))
    });
    match code {
        Some(t) => Form::SdrList {
            extended: true,
            select: Select::SensorType(t),
        },
        None => Form::TypeList(Some(word)),
    }
}

fn entity_form(id: &str) -> Result<Form, CliError> {
    let (e, i) = match id.split_once('.') {
        Some((e, i)) => (e, Some(i)),
        None => (id, None),
    };
    let bad = || CliError::Usage(format!("'{id}' is no entity: sdr entity takes ID or ID.INSTANCE"));
    let e = number(e).ok_or_else(bad)?;
    let i = i.map(|i| number(i).ok_or_else(bad)).transpose()?;
    Ok(Form::SdrList {
        extended: true,
        select: Select::Entity(e, i),
    })
}

/// The highest sensor type code ipmitool names (FRU State, 2Ch).
const SENSOR_TYPE_MAX: u8 = 0x2c;

impl Words {
    /// The action of the words.
    pub fn action(&self) -> Result<Action, CliError> {
        let list = |extended, which: &Option<String>| -> Result<Form, CliError> {
            Ok(Form::SdrList {
                extended,
                select: Select::Records(Filter::parse(which.as_deref())?),
            })
        };
        let form = match self {
            Words::Sdr { command: None } => list(false, &None)?,
            Words::Sdr {
                command: Some(c),
            } => match c {
                SdrCommand::List { which } => list(false, which)?,
                SdrCommand::Elist { which } => list(true, which)?,
                SdrCommand::Type { words } => sensor_type_form(words),
                SdrCommand::Entity { id } => entity_form(id)?,
                SdrCommand::Get { ids } => Form::Get(ids.clone()),
                SdrCommand::Info => Form::Info,
                SdrCommand::Dump { file } => Form::Dump(file.clone()),
                SdrCommand::Other(words) => return Err(unimplemented::sub_word("sdr", words)),
            },
            Words::Sensor {
                command: None | Some(SensorCommand::List),
            } => Form::SensorList,
            Words::Sensor {
                command: Some(SensorCommand::Get { ids }),
            } => Form::SensorGet(ids.clone()),
            Words::Sensor {
                command: Some(SensorCommand::Reading { ids }),
            } => Form::Reading(ids.clone()),
            Words::Sensor {
                command: Some(SensorCommand::Other(words)),
            } => return Err(unimplemented::sub_word("sensor", words)),
        };
        Ok(Action {
            form,
            csv: false,
            json: false,
            sdr_file: None,
        })
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

    /// A listing is many exchanges (and no fleet command).
    pub fn one_exchange(&self) -> bool {
        false
    }

    /// The walk needs a whole [`Transport`] (deadline, bridging targets):
    /// [`super::perform`] hands it to [`perform`] before any exchanger.
    pub fn run<E>(&self, _x: &mut Exchanger<'_, E>) -> Result<Outcome, ActionError<E>> {
        Err(ActionError::Command(CommandError::InvalidField {
            command: "SDR walk",
            field: "exchanger (the walk runs over the transport)",
            value: 0,
        }))
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
    // Nothing listed: the error object on stdout with --json, as for any failure.
    let fatal = |line: String| Outcome {
        text: Vec::new(),
        json: crate::output::json::line(&crate::output::json::ErrorObject::new(
            &CliError::Failed {
                class: ipmi_core::ErrorClass::Io,
                message: line.clone(),
                stage: None,
            },
        )),
        failures: vec![line],
    };
    match &action.form {
        Form::TypeList(unknown) => {
            return Ok(Outcome {
                text: lines::type_list(SENSOR_TYPE_MAX),
                json: json::type_list(SENSOR_TYPE_MAX),
                failures: unknown
                    .iter()
                    .map(|w| format!("Sensor Type \"{w}\" not found."))
                    .collect(),
            })
        }
        Form::Info => {
            use ipmi_core::Command as _;
            let cmd = ipmi_core::cmd::GetSdrRepositoryInfo;
            let response = traced
                .exchange(&cmd.request_to(traced.default_target()), deadline)
                .map_err(ActionError::Transport)?;
            let info = cmd.decode(&response).map_err(ActionError::Command)?;
            return Ok(Outcome {
                text: lines::info(&info),
                json: json::info(&info),
                failures: Vec::new(),
            });
        }
        _ => {}
    }
    let mut failures = Vec::new();
    let repository = match &action.sdr_file {
        Some(file) => match std::fs::read(file)
            .map_err(|e| e.to_string())
            .and_then(|b| SdrRepository::from_bytes(&b).map_err(|e| e.to_string()))
        {
            Ok(r) => r,
            Err(e) => return Ok(fatal(format!("cannot read the SDRs of {}: {e}", file.display()))),
        },
        None => match read::repository(&mut traced, deadline) {
            Ok(c) => c.repository,
            Err(WalkError::Exchange { source, .. }) => return Err(ActionError::Transport(source)),
            Err(WalkError::Fetch(FetchError::Command { source, .. })) => {
                return Err(ActionError::Command(source))
            }
            Err(other) => {
                return Ok(fatal(format!("Unable to read the SDR repository: {other}")))
            }
        },
    };
    if let Form::Dump(file) = &action.form {
        return Ok(match std::fs::write(file, repository.to_bytes()) {
            Ok(()) => Outcome {
                text: format!(
                    "Dumping Sensor Data Repository to '{}'\n",
                    file.display()
                )
                .into_bytes(),
                json: json::dump(file, repository.records.len()),
                failures,
            },
            Err(e) => fatal(format!("cannot write {}: {e}", file.display())),
        });
    }
    let records = read::decode(&repository, &mut failures);
    match &action.form {
        Form::Get(names) => return Ok(get_each(&mut traced, &records, names, false, deadline, failures)),
        Form::SensorGet(names) => return Ok(get_each(&mut traced, &records, names, true, deadline, failures)),
        _ => {}
    }
    let chosen: Vec<&Record> = match &action.form {
        Form::Reading(names) => names
            .iter()
            .filter_map(|n| {
                let found = records.iter().find(|r| {
                    r.body.sensor_common().is_some()
                        && r.body.id_string().is_some_and(|i| i.ipmitool_bytes() == n.as_bytes())
                });
                if found.is_none() {
                    failures.push(format!("Sensor \"{n}\" not found!"));
                }
                found
            })
            .collect(),
        _ => records.iter().filter(|r| action.shows(r)).collect(),
    };
    let thresholds = action.json || action.form == Form::SensorList;
    let sensors: Vec<read::Sensor> = chosen
        .into_iter()
        .map(|r| read::sensor(&mut traced, r, thresholds, deadline))
        .collect();
    failures.extend(sensors.iter().filter_map(|s| s.failure.clone()));
    if let Form::Reading(_) = action.form {
        failures.extend(sensors.iter().filter_map(read::no_value));
    }
    Ok(Outcome {
        text: lines::render(action, &sensors),
        json: json::render(&sensors),
        failures,
    })
}

/// `sdr get ID...` (`sensor`: `sensor get ID...`): each named record
/// printed verbosely; a name that is no record, a sensor that cannot be
/// read, or a record type not printed, is a failure.
fn get_each<T: Transport>(
    traced: &mut read::Traced<'_, T>,
    records: &[Record],
    names: &[String],
    sensor: bool,
    deadline: Deadline,
    mut failures: Vec<String>,
) -> Outcome {
    let mut text = String::new();
    if sensor {
        text.push_str("Locating sensor record...\n");
    }
    let mut sensors = Vec::new();
    for n in names {
        let Some(r) = records
            .iter()
            .find(|r| r.body.id_string().is_some_and(|i| i.ipmitool_bytes() == n.as_bytes()))
        else {
            failures.push(if sensor {
                format!("Sensor data record \"{n}\" not found!")
            } else {
                format!("Unable to find sensor id '{n}'")
            });
            continue;
        };
        if !matches!(
            r.body,
            Sdr::Full(_)
                | Sdr::Compact(_)
                | Sdr::EventOnly(_)
                | Sdr::McLocator(_)
                | Sdr::FruLocator(_)
                | Sdr::GenericLocator(_)
        ) {
            failures.push(format!(
                "'{n}': sdr get does not print record type 0x{:02x} yet",
                r.body.record_type()
            ));
            continue;
        }
        let s = read::sensor(traced, r, false, deadline);
        let events = get::events(traced, r, sensor, deadline);
        text.push_str(&if sensor {
            get::render_sensor(&s, &events)
        } else {
            get::render(&s, &events)
        });
        failures.extend(s.failure.clone());
        if sensor && s.failure.is_none() {
            failures.extend(read::unreadable(&s));
        }
        sensors.push(s);
    }
    Outcome {
        text: text.into_bytes(),
        json: json::render(&sensors),
        failures,
    }
}

impl Action {
    fn shows(&self, record: &Record) -> bool {
        match &self.form {
            Form::SdrList { select, .. } => select.shows(record),
            _ => matches!(record.body.record_type(), 0x01 | 0x02),
        }
    }
}
