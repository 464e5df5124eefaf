//! ipmitool's `lan` command: `lan print [CHANNEL]` (Get LAN Configuration
//! Parameters, IPMI 2.0 §23.2, every parameter ipmitool 1.8.19 prints, in
//! its order and words) and `lan set CHANNEL ipaddr|netmask|defgw
//! ipaddr|ipsrc ...` (Set LAN Configuration Parameters, §23.1, inside the
//! set-in-progress lock of parameter 0, then read back).
//!
//! The words are `print` and `set` after `lan`: the `lan` before them is
//! ipmitool's command word, not the interface (the interface follows from
//! -H as for any command). A parameter the BMC does not support (80h, C9h,
//! CCh) is left out, as ipmitool does; any other refusal is an error.
//! `lan set ... access on|off` (Set Channel Access) is not implemented.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::net::Ipv4Addr;
use std::path::PathBuf;

use clap::Subcommand;
use ipmi_core::cmd::channel::GetChannelInfo;
use ipmi_core::cmd::lan_config::{
    privilege_char, set_lan_sequence, AuthTypes, GetLanConfig, IpSource, LanParam, MacAddr,

};
use ipmi_core::{Command, CommandError, CompletionCode, Request, Response, Target};
use serde::Serialize;

use super::{decode_alone, ActionError, Exchanger, Rendered};
use crate::exit::CliError;
use crate::numbers::parse_byte;
use crate::output::json::line as json_line;

/// The family's words (after ipmitool's `lan`).
#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum Words {
    /// `lan print [CHANNEL]`: the LAN configuration parameters
    #[command(hide = true)]
    Print {
        /// LAN channel (default: the first LAN channel)
        #[arg(value_parser = parse_byte)]
        channel: Option<u8>,
    },
    /// `lan set CHANNEL ipaddr|netmask|defgw ipaddr|ipsrc VALUE`
    #[command(hide = true)]
    Set {
        /// LAN channel
        #[arg(value_parser = parse_byte)]
        channel: u8,
        /// ipaddr ADDR, netmask MASK, defgw ipaddr ADDR, ipsrc none|static|dhcp|bios
        #[arg(num_args = 1.., required = true, value_name = "PARAMETER VALUE")]
        words: Vec<String>,
    },
}

/// Highest channel number `lan print` looks at for a LAN channel (ipmitool's bound).
const CHANNEL_MAX: u8 = 0x0e;

impl Words {
    /// The action of the words.
    pub fn action(&self) -> Result<Action, CliError> {
        match self {
            Words::Print { channel } => Ok(Action::Print(*channel)),
            Words::Set { channel, words } => {
                let w: Vec<&str> = words.iter().map(String::as_str).collect();
                let ip = |s: &str| {
                    s.parse::<Ipv4Addr>()
                        .map_err(|_| CliError::Usage(format!("invalid IP address '{s}'")))
                };
                let param = match w.as_slice() {
                    ["ipaddr", a] => LanParam::IpAddress(ip(a)?),
                    ["netmask", a] => LanParam::SubnetMask(ip(a)?),
                    ["defgw", "ipaddr", a] => LanParam::DefaultGatewayIp(ip(a)?),
                    ["ipsrc", s] => LanParam::IpSource(s.parse().map_err(|e: String| {
                        CliError::Usage(format!("{e}: ipsrc takes none, static, dhcp or bios"))
                    })?),
                    ["access", ..] => {
                        return Err(CliError::Usage(
                            "'lan set access' is not implemented yet".into(),
                        ))
                    }
                    _ => {
                        return Err(CliError::Usage(format!(
                            "lan set {channel} {}: takes ipaddr ADDR, netmask MASK, defgw ipaddr ADDR or ipsrc none|static|dhcp|bios",
                            w.join(" ")
                        )))
                    }
                };
                Ok(Action::Set(*channel, param))
            }
        }
    }
}

/// What `lan` does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// `lan print [CHANNEL]`
    Print(Option<u8>),
    /// `lan set CHANNEL ...`
    Set(u8, LanParam),
}

/// The order in which `lan print` reads and prints the parameters (ipmitool's).
const PRINT_ORDER: [u8; 20] = [
    0, 1, 2, 4, 3, 6, 5, 16, 7, 10, 11, 12, 13, 14, 15, 20, 21, 22, 24, 26,
];

/// Completion codes meaning "this BMC has no such parameter" (IPMI 2.0 §23.2).
const ABSENT: [u8; 3] = [0x80, 0xc9, 0xcc];

/// The data of parameter `param`, `None` when the BMC does not have it.
fn get_param<E>(
    x: &mut Exchanger<'_, E>,
    channel: u8,
    param: u8,
) -> Result<Option<Vec<u8>>, ActionError<E>> {
    let ask = GetLanConfig::new(channel, param);
    let response = x.exchange(&ask.request_to(x.target()))?;
    if ABSENT.contains(&response.completion.0) {
        return Ok(None);
    }
    ask.decode(&response)
        .map(|c| Some(c.data))
        .map_err(ActionError::Command)
}

/// Whether `channel` is a LAN channel (802.3 or other LAN, IPMI 2.0 table 6-3).
fn is_lan<E>(x: &mut Exchanger<'_, E>, channel: u8) -> Result<bool, ActionError<E>> {
    let ask = GetChannelInfo { channel };
    let response = x.exchange(&ask.request_to(x.target()))?;
    if !response.completion.is_success() {
        return Ok(false);
    }
    let info = ask.decode(&response).map_err(ActionError::Command)?;
    Ok(matches!(info.medium.0, 4 | 6))
}

/// A failure that is no completion code: the channel is not a LAN channel,
/// or a written value did not read back.
fn refusal<E>(text: &'static str, value: u32) -> ActionError<E> {
    ActionError::Command(CommandError::InvalidField {
        command: "lan",
        field: text,
        value,
    })
}

impl Action {
    /// Runs the action's exchanges.
    pub fn run<E>(&self, x: &mut Exchanger<'_, E>) -> Result<Outcome, ActionError<E>> {
        match self {
            Action::Print(channel) => {
                let channel = match channel {
                    Some(c) => {
                        if !(1..=CHANNEL_MAX).contains(c) || !is_lan(x, *c)? {
                            return Err(refusal("LAN channel (Get Channel Info: not an 802.3 LAN channel)", *c as u32));
                        }
                        *c
                    }
                    None => {
                        let mut found = None;
                        for c in 1..CHANNEL_MAX {
                            if is_lan(x, c)? {
                                found = Some(c);
                                break;
                            }
                        }
                        found.ok_or_else(|| refusal("LAN channel (none of channels 1-13 is 802.3 LAN)", 0))?
                    }
                };
                let mut params = BTreeMap::new();
                for p in PRINT_ORDER {
                    if let Some(d) = get_param(x, channel, p)? {
                        params.insert(p, d);
                    }
                    if p == 22 && params.contains_key(&22) {
                        if let Some(d) = get_param(x, channel, 23)? {
                            params.insert(23, d);
                        }
                    }
                }
                Ok(Outcome::Print { channel, params })
            }
            Action::Set(channel, param) => {
                if !is_lan(x, *channel)? {
                    return Err(refusal("LAN channel (Get Channel Info: not an 802.3 LAN channel)", *channel as u32));
                }
                let target = x.target();
                let steps = set_lan_sequence(*channel, vec![param.clone()]);
                let [lock, write, commit, unlock] = steps.as_slice() else {
                    unreachable!("one parameter: four steps")
                };
                // The lock only where the BMC has parameter 0 (ipmitool's way).
                let locked = match get_param(x, *channel, 0)? {
                    None => false,
                    Some(_) => {
                        let r = x.exchange(&lock.request_to(target))?;
                        lock.decode(&r).map_err(ActionError::Command)?;
                        true
                    }
                };
                let written = x.exchange(&write.request_to(target));
                if locked {
                    if matches!(&written, Ok(r) if r.completion.is_success()) {
                        // Optional (IPMI 2.0 §23.1): a refusal is fine.
                        x.exchange(&commit.request_to(target))?;
                    }
                    x.exchange(&unlock.request_to(target))?;
                }
                write.decode(&written?).map_err(ActionError::Command)?;
                let mut sent = Vec::new();
                param.encode_data(&mut sent);
                match get_param(x, *channel, param.selector())? {
                    Some(d) if d.starts_with(&sent) => Ok(Outcome::Set(param.clone())),
                    _ => Err(refusal(
                        "read-back (the BMC did not keep the value)",
                        param.selector() as u32,
                    )),
                }
            }
        }
    }

    /// Always several exchanges.
    pub fn one_exchange(&self) -> bool {
        false
    }

    /// The first request for `target`.
    pub fn request(&self, target: Target) -> Request {
        let channel = match self {
            Action::Print(c) => c.unwrap_or(1),
            Action::Set(c, _) => *c,
        };
        GetChannelInfo { channel }.request_to(target)
    }

    /// Decodes a first answer alone (fleets run none of these).
    pub fn decode(&self, response: &Response) -> Result<Outcome, CommandError> {
        decode_alone(response, "lan", |x| self.run(x))
    }

    /// ipmitool's words when no answer came.
    pub fn context(&self, _target: Target) -> String {
        match self {
            Action::Print(_) => "Get LAN Parameter command failed".into(),
            Action::Set(c, p) => format!(
                "Set LAN Parameter '{}' on channel {c} failed",
                LanParam::label(p.selector()).unwrap_or("?")
            ),
        }
    }

    /// ipmitool's line for a refusal; `text` names the code.
    pub fn refused(&self, target: Target, _code: CompletionCode, text: &str) -> String {
        format!("{}: {text}", self.context(target))
    }
}

/// What `lan` got back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// `lan print`: the channel and each answered parameter's data.
    Print {
        /// The LAN channel printed.
        channel: u8,
        /// Parameter selector -> data (without the revision byte).
        params: BTreeMap<u8, Vec<u8>>,
    },
    /// `lan set`: the parameter written (and read back).
    Set(LanParam),
}

fn ip4(d: &[u8]) -> Option<Ipv4Addr> {
    Some(Ipv4Addr::from(<[u8; 4]>::try_from(d.get(..4)?).ok()?))
}

fn mac(d: &[u8]) -> Option<MacAddr> {
    Some(MacAddr(d.get(..6)?.try_into().ok()?))
}

/// `lan print`'s text of the answered parameters (ipmitool 1.8.19's lines).
pub fn print_text(params: &BTreeMap<u8, Vec<u8>>) -> Vec<u8> {
    let mut o = String::new();
    // Writing into a String cannot fail.
    let _ = (|| -> std::fmt::Result {
        let get = |p: u8| params.get(&p).map(Vec::as_slice);
        for p in PRINT_ORDER {
            let l = LanParam::label(p).unwrap_or("");
            let Some(d) = get(p) else {
                if p == 24 || p == 26 {
                    writeln!(o, "{l:<24}: Not Available")?;
                }
                continue;
            };
            let first = d.first().copied();
            match p {
                0 => {
                    if let Some(b) = first {
                        let w = match b & 3 {
                            0 => "Set Complete",
                            1 => "Set In Progress",
                            2 => "Commit Write",
                            _ => "Reserved",
                        };
                        writeln!(o, "{l:<24}: {w}")?;
                    }
                }
                1 => {
                    if let Some(b) = first {
                        writeln!(o, "{l:<24}: {}", AuthTypes(b & 0x3f))?;
                    }
                }
                2 => {
                    if let Some(b) = d.get(..5) {
                        for (i, who) in ["Callback", "User    ", "Operator", "Admin   ", "OEM     "]
                            .iter()
                            .enumerate()
                        {
                            let head = if i == 0 { l } else { "" };
                            writeln!(o, "{head:<24}: {who} : {}", AuthTypes(b[i] & 0x3f))?;
                        }
                    }
                }
                4 => {
                    if let Some(b) = first {
                        writeln!(o, "{l:<24}: {}", IpSource::from_value(b))?;
                    }
                }
                3 | 6 | 12 | 14 => {
                    if let Some(a) = ip4(d) {
                        writeln!(o, "{l:<24}: {a}")?;
                    }
                }
                5 | 13 | 15 => {
                    if let Some(m) = mac(d) {
                        writeln!(o, "{l:<24}: {m}")?;
                    }
                }
                16 => {
                    let end = d.iter().position(|b| *b == 0).unwrap_or(d.len());
                    writeln!(o, "{l:<24}: {}", String::from_utf8_lossy(&d[..end]))?;
                }
                7 => {
                    if let Some(b) = d.get(..3) {
                        writeln!(
                            o,
                            "{l:<24}: TTL=0x{:02x} Flags=0x{:02x} Precedence=0x{:02x} TOS=0x{:02x}",
                            b[0],
                            b[1] & 0xe0,
                            b[2] & 0xe0,
                            b[2] & 0x1e
                        )?;
                    }
                }
                10 => {
                    if let Some(b) = first {
                        let en = |on: bool| if on { "En" } else { "Dis" };
                        writeln!(
                            o,
                            "{l:<24}: ARP Responses {}abled, Gratuitous ARP {}abled",
                            en(b & 2 != 0),
                            en(b & 1 != 0)
                        )?;
                    }
                }
                11 => {
                    if let Some(b) = first {
                        writeln!(o, "{l:<24}: {}.0 seconds", u16::from(b).div_ceil(2))?;
                    }
                }
                20 => {
                    if let Some(b) = d.get(..2) {
                        if b[1] & 0x80 != 0 {
                            let id = (u16::from(b[1] & 0x0f) << 8) | u16::from(b[0]);
                            writeln!(o, "{l:<24}: {id}")?;
                        } else {
                            writeln!(o, "{l:<24}: Disabled")?;
                        }
                    }
                }
                21 => {
                    if let Some(b) = first {
                        writeln!(o, "{l:<24}: {}", b & 7)?;
                    }
                }
                22 => {
                    let count = first.unwrap_or(0);
                    let l23 = LanParam::label(23).unwrap_or("");
                    match get(23) {
                        Some(s) if s.len() <= 17 && !s.is_empty() => {
                            let ids: Vec<String> = s[1..]
                                .iter()
                                .take(16.min(count as usize))
                                .map(|b| b.to_string())
                                .collect();
                            writeln!(o, "{l23:<24}: {}", ids.join(","))?;
                        }
                        _ => writeln!(o, "{l23:<24}: None")?,
                    }
                }
                24 => {
                    if d.len() == 9 {
                        let chars: String = d[1..9]
                            .iter()
                            .flat_map(|b| [b & 0x0f, b >> 4])
                            .take(15)
                            .map(privilege_char)
                            .collect();
                        writeln!(o, "{l:<24}: {chars}")?;
                        for legend in [
                            "    X=Cipher Suite Unused",
                            "    c=CALLBACK",
                            "    u=USER",
                            "    o=OPERATOR",
                            "    a=ADMIN",
                            "    O=OEM",
                        ] {
                            writeln!(o, "{:<24}: {legend}", "")?;
                        }
                    } else {
                        writeln!(o, "{l:<24}: Not Available")?;
                    }
                }
                26 => {
                    if d.len() == 6 {
                        writeln!(o, "{l:<24}: {}", d[1])?;
                        let yes = if d[0] & 1 != 0 { "yes" } else { "no" };
                        writeln!(o, "{:<24}: {yes}", "Invalid password disable")?;
                        let reset = u32::from(u16::from_le_bytes([d[2], d[3]])) * 10;
                        writeln!(o, "{:<24}: {reset}", "Attempt Count Reset Int.")?;
                        let lockout = u32::from(u16::from_le_bytes([d[4], d[5]])) * 10;
                        writeln!(o, "{:<24}: {lockout}", "User Lockout Interval")?;
                    } else {
                        writeln!(o, "{l:<24}: Not Available")?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    })();
    o.into_bytes()
}

impl Outcome {
    /// ipmitool's text or the JSON line.
    pub fn render(&self, json: bool, _registries: &[PathBuf]) -> Rendered {
        Rendered::bytes(match (self, json) {
            (Outcome::Print { params, .. }, false) => print_text(params),
            (Outcome::Print { channel, params }, true) => json_line(&PrintJson {
                channel: *channel,
                parameters: params
                    .iter()
                    .map(|(p, d)| ParamJson {
                        selector: *p,
                        name: LanParam::label(*p),
                        value: LanParam::parse(*p, d),
                        data: d.iter().map(|b| format!("{b:02x}")).collect(),
                    })
                    .collect(),
            }),
            (Outcome::Set(p), false) => set_text(p),
            (Outcome::Set(p), true) => json_line(&SetJson {
                set: LanParam::label(p.selector()),
                value: p.clone(),
            }),
        })
    }

    /// Errors only by the completion code.
    pub fn completion(&self) -> Option<CompletionCode> {
        None
    }
}

/// `lan set`'s line (ipmitool prints none for `ipsrc`).
pub fn set_text(p: &LanParam) -> Vec<u8> {
    let l = LanParam::label(p.selector()).unwrap_or("");
    match p {
        LanParam::IpAddress(a) | LanParam::SubnetMask(a) | LanParam::DefaultGatewayIp(a) => {
            format!("Setting LAN {l} to {a}\n").into_bytes()
        }
        _ => Vec::new(),
    }
}

#[derive(Serialize)]
struct PrintJson {
    channel: u8,
    parameters: Vec<ParamJson>,
}

#[derive(Serialize)]
struct ParamJson {
    selector: u8,
    name: Option<&'static str>,
    /// The decoded parameter (`null` when too short).
    value: Option<LanParam>,
    /// The data bytes as received, hex.
    data: Vec<String>,
}

#[derive(Serialize)]
struct SetJson {
    set: Option<&'static str>,
    value: LanParam,
}
