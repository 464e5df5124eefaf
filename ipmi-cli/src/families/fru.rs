//! The `fru` family: `fru print [ID]` and `fru list` (its alias in ipmitool
//! 1.8.19), as ipmitool prints them. Every FRU device: the BMC's device 0
//! (when Get Device ID says it has FRU inventory, IPMI 2.0 §20.1), device 0
//! of each management controller its MC locator record offers (§43.9), and
//! each logical FRU of a FRU locator record (§43.8), bridged to its
//! controller. Each device is read with Get FRU Inventory Area Info and
//! Read FRU Data (§34) and decoded with its checksums verified: unlike
//! ipmitool, a corrupt header or area is said to be corrupt (and the exit
//! status is 1), never printed as if valid.

use std::fmt::Write;
use std::path::PathBuf;

use clap::Subcommand;
use ipmi_core::cmd::GetDeviceId;
use ipmi_core::reader::fru::FruRead;
use ipmi_core::record::fru::FruImage;
use ipmi_core::record::fru_areas::{chassis_type_name, BoardInfo, ChassisInfo, ProductInfo};
use ipmi_core::record::fru_field::FruField;
use ipmi_core::record::sdr::Sdr;
use ipmi_core::record::Checksums;
use ipmi_core::{Command, CommandError, CompletionCode, Request, Response, Target};
use serde_json::{json, Value};

use super::repository::read_records;
use super::{ActionError, Exchanger, Rendered};
use crate::exit::CliError;
use crate::numbers::parse_u8;
use crate::output::json::line as json_line;
use crate::output::localtime;

/// The family's first word.
#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum Words {
    /// FRU inventory: print [ID], list
    Fru {
        #[command(subcommand)]
        command: FruCommand,
    },
}

/// `fru ...`
#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum FruCommand {
    /// Every FRU device, or the BMC's device ID
    Print {
        /// FRU device ID on the BMC
        id: Option<String>,
    },
    /// Every FRU device (ipmitool 1.8.19: the same as print)
    List,
}

/// What `fru` does: one device of the BMC, or every device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Action(pub Option<u8>);

impl Words {
    /// The action of the words.
    pub fn action(&self) -> Result<Action, CliError> {
        let Words::Fru { command } = self;
        Ok(match command {
            FruCommand::Print { id: Some(id) } => Action(Some(
                parse_u8(id).map_err(|e| CliError::Usage(format!("FRU device ID: {e}")))?,
            )),
            FruCommand::Print { id: None } | FruCommand::List => Action(None),
        })
    }
}

/// What `fru` printed and found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    text: String,
    devices: Vec<Value>,
    /// Devices or parts that could not be read or are corrupt (exit 1).
    pub failures: Vec<String>,
}

/// ipmitool's rule for the FRU locators it prints: a logical FRU device
/// (type 10h), or an IPMI FRU inventory EEPROM (08h–0Fh, modifier 02h).
fn printable(device_type: u8, modifier: u8) -> bool {
    device_type == 0x10 || (modifier == 0x02 && (0x08..=0x0f).contains(&device_type))
}

fn field(o: &mut String, label: &str, f: &FruField, language: u8) {
    let text = f.to_text_in(language);
    if !text.is_empty() {
        let _ = writeln!(o, " {label:<22}: {text}");
    }
}

fn chassis(o: &mut String, c: &ChassisInfo) {
    let _ = writeln!(o, " Chassis Type          : {}", chassis_type_name(c.chassis_type));
    field(o, "Chassis Part Number", &c.part_number, 0);
    field(o, "Chassis Serial", &c.serial_number, 0);
    c.custom.iter().for_each(|f| field(o, "Chassis Extra", f, 0));
}

fn board(o: &mut String, b: &BoardInfo) {
    let date = match b.mfg_unix_time().and_then(|t| u32::try_from(t).ok()) {
        Some(t) => localtime::format(t, "%a %b %e %H:%M:%S %Y %Z"),
        None => "Unspecified".into(),
    };
    let _ = writeln!(o, " Board Mfg Date        : {date}");
    let l = b.language;
    field(o, "Board Mfg", &b.manufacturer, l);
    field(o, "Board Product", &b.product_name, l);
    field(o, "Board Serial", &b.serial_number, l);
    field(o, "Board Part Number", &b.part_number, l);
    b.custom.iter().for_each(|f| field(o, "Board Extra", f, l));
}

fn product(o: &mut String, p: &ProductInfo) {
    let l = p.language;
    field(o, "Product Manufacturer", &p.manufacturer, l);
    field(o, "Product Name", &p.product_name, l);
    field(o, "Product Part Number", &p.part_number, l);
    field(o, "Product Version", &p.version, l);
    field(o, "Product Serial", &p.serial_number, l);
    field(o, "Product Asset Tag", &p.asset_tag, l);
    p.custom.iter().for_each(|f| field(o, "Product Extra", f, l));
}

/// One area: printed when sound, else said to be corrupt.
fn area<T: serde::Serialize>(
    out: &mut Outcome,
    json: &mut Value,
    name: &str,
    area: &Option<Result<T, ipmi_core::record::RecordError>>,
    print: fn(&mut String, &T),
) {
    match area {
        None => {}
        Some(Ok(a)) => {
            print(&mut out.text, a);
            json[name] = serde_json::to_value(a).unwrap_or(Value::Null);
        }
        Some(Err(e)) => {
            let _ = writeln!(out.text, " {e}");
            json[name] = json!({ "error": e.to_string() });
            out.failures.push(e.to_string());
        }
    }
}

impl Outcome {
    /// Reads and prints FRU device `id` at `target`.
    fn device<E>(&mut self, x: &mut Exchanger<'_, E>, target: Target, id: u8, description: Option<String>) -> Result<(), ActionError<E>> {
        let mut json = json!({
            "description": description,
            "device_id": id,
            "slave_address": target.slave_addr,
            "channel": target.channel,
        });
        let at = format!("FRU device {id} at 0x{:02x}", target.slave_addr);
        match x.drive(FruRead::new(target, id)) {
            Ok(image) => match FruImage::parse_with(&image, Checksums::Verify) {
                Ok(img) => {
                    area(self, &mut json, "chassis", &img.chassis, chassis);
                    area(self, &mut json, "board", &img.board, board);
                    area(self, &mut json, "product", &img.product, product);
                }
                Err(e) => {
                    let _ = writeln!(self.text, " {e}");
                    json["error"] = json!(e.to_string());
                    self.failures.push(format!("{at}: {e}"));
                }
            },
            Err(ActionError::Command(CommandError::Completion { code, .. })) => {
                let _ = writeln!(self.text, " Device not present ({code})");
                json["error"] = json!(format!("device not present ({code})"));
                self.failures.push(format!("{at}: device not present ({code})"));
            }
            Err(ActionError::Transport(_)) => {
                let _ = writeln!(self.text, " Device not present (No Response)");
                json["error"] = json!("no response");
                self.failures.push(format!("{at}: no response"));
            }
            Err(ActionError::Command(e)) => {
                let _ = writeln!(self.text, " Device not readable: {e}");
                json["error"] = json!(e.to_string());
                self.failures.push(format!("{at}: {e}"));
            }
            Err(ActionError::Read(e)) => {
                let _ = writeln!(self.text, " Device not readable: {e}");
                json["error"] = json!(e.to_string());
                self.failures.push(format!("{at}: {e}"));
            }
        }
        self.devices.push(json);
        Ok(())
    }
}

impl Action {
    /// Runs the action's exchanges.
    pub fn run<E>(&self, x: &mut Exchanger<'_, E>) -> Result<Outcome, ActionError<E>> {
        let bmc = x.target();
        let mut out = Outcome::default();
        if let Some(id) = self.0 {
            out.device(x, bmc, id, None)?;
            return Ok(out);
        }
        out.text.push_str("FRU Device Description : Builtin FRU Device (ID 0)\n");
        if x.ask(&GetDeviceId)?.additional_support & 0x08 != 0 {
            out.device(x, bmc, 0, Some("Builtin FRU Device".into()))?;
            out.text.push('\n');
        }
        for record in read_records(x)? {
            match &record.body {
                Sdr::McLocator(mc) if mc.capabilities & 0x08 != 0 && mc.slave_address != bmc.slave_addr => {
                    let name = mc.id.text();
                    let _ = writeln!(out.text, "FRU Device Description : {name:<16}");
                    let target = Target::ipmb(mc.channel, mc.slave_address);
                    out.device(x, target, 0, Some(name))?;
                    out.text.push('\n');
                }
                Sdr::FruLocator(f) if f.logical && printable(f.device_type, f.device_type_modifier) => {
                    if f.access_address == bmc.slave_addr && f.fru_device_id == 0 {
                        continue;
                    }
                    let name = f.id.text();
                    let _ = writeln!(out.text, "FRU Device Description : {name} (ID {})", f.fru_device_id);
                    if matches!(f.device_type_modifier, 0x00 | 0x02) {
                        let target = if f.access_address == bmc.slave_addr {
                            bmc
                        } else {
                            Target { channel: f.channel, slave_addr: f.access_address, lun: f.lun }
                        };
                        out.device(x, target, f.fru_device_id, Some(name))?;
                    } else {
                        out.text.push_str(" Unsupported device\n");
                    }
                    out.text.push('\n');
                }
                _ => {}
            }
        }
        Ok(out)
    }

    /// Several exchanges always.
    pub fn one_exchange(&self) -> bool {
        false
    }

    /// The first request for `target`.
    pub fn request(&self, target: Target) -> Request {
        GetDeviceId.request_to(target)
    }

    /// Not a one-exchange action.
    pub fn decode(&self, _response: &Response) -> Result<Outcome, CommandError> {
        Err(CommandError::InvalidField {
            command: "fru print",
            field: "exchange count (the command takes several)",
            value: 2,
        })
    }

    /// ipmitool's words when no answer came.
    pub fn context(&self, _target: Target) -> String {
        "FRU read failed".into()
    }

    /// The line for a refusal; `text` names the code.
    pub fn refused(&self, _target: Target, _code: CompletionCode, text: &str) -> String {
        format!("FRU read failed: {text}")
    }
}

impl Outcome {
    /// ipmitool's text or the JSON line; a corrupt or absent device makes
    /// the exit status 1.
    pub fn render(&self, json: bool, _registries: &[PathBuf]) -> Rendered {
        Rendered {
            bytes: if json {
                json_line(&json!({ "devices": self.devices }))
            } else {
                self.text.clone().into_bytes()
            },
            note: None,
        }
    }

    /// No completion code makes an answer an error here.
    pub fn completion(&self) -> Option<CompletionCode> {
        None
    }
}
