//! The `channel` family: `channel info [N]` (Get Channel Info and Get
//! Channel Access, IPMI 2.0 §22.24, §22.23), `channel getaccess N [USER]`
//! (Get User Access and Get User Name, §22.27, §22.29), `channel authcap N
//! PRIV` (Get Channel Authentication Capabilities, §22.13) and `channel
//! getciphers ipmi|sol [N]` (Get Channel Cipher Suites, §22.15), as
//! ipmitool 1.8.19 prints them.
//!
//! Unlike ipmitool, `getciphers` prints every record the BMC lists:
//! ipmitool 1.8.19 stops after 12 rows (a fixed-size array), so on a BMC
//! with more suites its output is a prefix of ours.

use std::fmt::Write;
use std::path::PathBuf;

use clap::Subcommand;
use ipmi_core::cmd::channel::{
    AccessSet, ChannelAccess, ChannelInfo, CipherSuiteRecord, GetChannelAccess, GetChannelInfo,
    GetChannelCipherSuites, CIPHER_MAX_CHUNKS, CIPHER_SUITES_HEADER, THIS_CHANNEL,
};
use ipmi_core::cmd::user::{GetUserAccess, GetUserName, PrivilegeLimit, UserAccess};
use ipmi_core::cmd::{ChannelAuthCapabilities, GetChannelAuthCapabilities};
use ipmi_core::{Command, CommandError, CompletionCode, PrivilegeLevel, Request, Response, Target};
use serde::Serialize;

use super::{decode_alone, ActionError, Exchanger, Rendered};
use crate::exit::CliError;
use crate::numbers::parse_byte;
use crate::output::json::line as json_line;

/// The family's first word.
#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum Words {
    /// Channels: info, getaccess, authcap, getciphers
    Channel {
        #[command(subcommand)]
        command: ChannelCommand,
    },
}

/// `channel ...`
#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum ChannelCommand {
    /// Get Channel Info (and, for a LAN channel, its access settings)
    Info {
        /// Channel number (default: the channel of the session)
        #[arg(value_parser = parse_byte)]
        channel: Option<u8>,
    },
    /// Users' access on a channel (all users, or USER)
    Getaccess {
        /// Channel number
        #[arg(value_parser = parse_byte)]
        channel: u8,
        /// User ID
        #[arg(value_name = "USER", value_parser = parse_byte)]
        user_id: Option<u8>,
    },
    /// Get Channel Authentication Capabilities at a privilege level
    Authcap {
        /// Channel number
        #[arg(value_parser = parse_byte)]
        channel: u8,
        /// Privilege level: 1 callback, 2 user, 3 operator, 4 administrator, 5 OEM
        #[arg(value_name = "PRIV", value_parser = parse_byte)]
        level: u8,
    },
    /// The cipher suites a channel offers for a payload (ipmi or sol)
    Getciphers {
        /// ipmi or sol
        payload: String,
        /// Channel number (default: the channel of the session)
        #[arg(value_parser = parse_byte)]
        channel: Option<u8>,
    },
}

impl Words {
    /// The action of the words.
    pub fn action(&self) -> Result<Action, CliError> {
        let Words::Channel { command } = self;
        Ok(match command {
            ChannelCommand::Info { channel } => Action::Info(channel.unwrap_or(THIS_CHANNEL)),
            ChannelCommand::Getaccess {
                channel,
                user_id: user,
            } => {
                if *user == Some(0) || user.is_some_and(|u| u > 63) {
                    return Err(CliError::Usage("a user ID is 1..=63".into()));
                }
                Action::GetAccess {
                    channel: *channel,
                    user: *user,
                }
            }
            ChannelCommand::Authcap {
                channel,
                level: privilege,
            } => Action::AuthCap {
                channel: *channel,
                privilege: PrivilegeLevel::from_u8(*privilege).ok_or_else(|| {
                    CliError::Usage(format!(
                        "privilege level {privilege} is none of 1..=5 (callback, user, operator, administrator, OEM)"
                    ))
                })?,
            },
            ChannelCommand::Getciphers { payload, channel } => Action::Ciphers {
                channel: channel.unwrap_or(THIS_CHANNEL),
                payload: match payload.as_str() {
                    "ipmi" => 0,
                    "sol" => 1,
                    other => {
                        return Err(CliError::Usage(format!(
                            "'{other}' is no payload: getciphers takes ipmi or sol"
                        )))
                    }
                },
            },
        })
    }
}

/// What `channel` does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// `channel info [N]`
    Info(u8),
    /// `channel getaccess N [USER]`
    GetAccess {
        /// Channel number.
        channel: u8,
        /// One user, or all of them.
        user: Option<u8>,
    },
    /// `channel authcap N PRIV`
    AuthCap {
        /// Channel number.
        channel: u8,
        /// Requested privilege level.
        privilege: PrivilegeLevel,
    },
    /// `channel getciphers ipmi|sol [N]`
    Ciphers {
        /// Channel number.
        channel: u8,
        /// Payload type: 0 IPMI, 1 SOL.
        payload: u8,
    },
}

/// One row of `channel getaccess`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRow {
    /// User ID.
    pub id: u8,
    /// The name (empty when unnamed or when the BMC refused with CCh).
    pub name: String,
    /// The access answer.
    pub access: UserAccess,
}

/// Get User Access and Get User Name of `id` on `channel`; a name refused
/// with CCh (no such user) is empty, as ipmitool has it.
pub fn user_row<E>(
    x: &mut Exchanger<'_, E>,
    channel: u8,
    id: u8,
) -> Result<UserRow, ActionError<E>> {
    let access = x.ask(&GetUserAccess {
        channel,
        user_id: id,
    })?;
    let request = GetUserName { user_id: id }.request_to(x.target());
    let response = x.exchange(&request)?;
    let name = if response.completion.0 == 0xcc {
        String::new()
    } else {
        GetUserName { user_id: id }
            .decode(&response)
            .map_err(ActionError::Command)?
    };
    Ok(UserRow { id, name, access })
}

impl Action {
    /// Runs the action's exchanges.
    pub fn run<E>(&self, x: &mut Exchanger<'_, E>) -> Result<Outcome, ActionError<E>> {
        match *self {
            Action::Info(channel) => {
                let info = x.ask(&GetChannelInfo { channel })?;
                // ipmitool reads the access settings of LAN channels only
                // (802.3 and other LAN, IPMI 2.0 table 6-3).
                let access = if matches!(info.medium.0, 4 | 6) {
                    let get = |which| GetChannelAccess {
                        channel: info.channel,
                        which,
                    };
                    Some([
                        x.ask(&get(AccessSet::Volatile))?,
                        x.ask(&get(AccessSet::NonVolatile))?,
                    ])
                } else {
                    None
                };
                Ok(Outcome::Info { info, access })
            }
            Action::GetAccess { channel, user } => {
                let first = user_row(x, channel, user.unwrap_or(1))?;
                let last = if user.is_some() {
                    first.id
                } else {
                    first.access.max_user_ids
                };
                let mut rows = vec![first];
                for id in rows[0].id + 1..=last {
                    rows.push(user_row(x, channel, id)?);
                }
                Ok(Outcome::GetAccess(rows))
            }
            Action::AuthCap { channel, privilege } => {
                let ask = |ipmi_v2| GetChannelAuthCapabilities {
                    channel,
                    privilege,
                    ipmi_v2,
                };
                // As ipmitool: a BMC that refuses the request for the
                // IPMI v2.0 data is asked again without it.
                let answer = x.exchange(&ask(true).request_to(x.target()))?;
                let answer = if answer.completion.is_success() {
                    answer
                } else {
                    x.exchange(&ask(false).request_to(x.target()))?
                };
                ask(false)
                    .decode(&answer)
                    .map(Outcome::AuthCap)
                    .map_err(ActionError::Command)
            }
            Action::Ciphers { channel, payload } => {
                let mut list = Vec::new();
                for index in 0..CIPHER_MAX_CHUNKS {
                    let chunk = x.ask(&GetChannelCipherSuites {
                        channel,
                        payload_type: payload,
                        by_suite: true,
                        list_index: index,
                    })?;
                    list.extend_from_slice(&chunk.data);
                    if !chunk.more() {
                        break;
                    }
                }
                Ok(Outcome::Ciphers(CipherSuiteRecord::parse_list(&list)))
            }
        }
    }

    /// Each takes several exchanges (`authcap` a second one when refused).
    pub fn one_exchange(&self) -> bool {
        false
    }

    /// The (first) request for `target`.
    pub fn request(&self, target: Target) -> Request {
        match *self {
            Action::Info(channel) => GetChannelInfo { channel }.request_to(target),
            Action::GetAccess { channel, user } => GetUserAccess {
                channel,
                user_id: user.unwrap_or(1),
            }
            .request_to(target),
            Action::AuthCap { channel, privilege } => GetChannelAuthCapabilities {
                channel,
                privilege,
                ipmi_v2: true,
            }
            .request_to(target),
            Action::Ciphers { channel, payload } => GetChannelCipherSuites {
                channel,
                payload_type: payload,
                by_suite: true,
                list_index: 0,
            }
            .request_to(target),
        }
    }

    /// Decodes a first answer alone (for completeness: fleets run none of these).
    pub fn decode(&self, response: &Response) -> Result<Outcome, CommandError> {
        decode_alone(response, "channel", |x| self.run(x))
    }

    /// ipmitool's words when no answer came.
    pub fn context(&self, _target: Target) -> String {
        match self {
            Action::Info(_) => "Unable to Get Channel Info".into(),
            Action::GetAccess { channel, user } => format!(
                "Unable to Get User Access (channel {channel} id {})",
                user.unwrap_or(1)
            ),
            Action::AuthCap { .. } => "Unable to Get Channel Authentication Capabilities".into(),
            Action::Ciphers { .. } => "Unable to Get Channel Cipher Suites".into(),
        }
    }

    /// ipmitool's line for a refusal; `text` names the code.
    pub fn refused(&self, target: Target, _code: CompletionCode, text: &str) -> String {
        match self {
            Action::AuthCap { .. } => {
                format!("Get Channel Authentication Capabilities failed: {text}")
            }
            Action::Ciphers { .. } => format!("Get Channel Cipher Suites failed: {text}"),
            other => format!("{}: {text}", other.context(target)),
        }
    }
}

/// What `channel` got back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// `channel info`: the info and, for a LAN channel, the volatile and
    /// non-volatile access settings.
    Info {
        /// Get Channel Info.
        info: ChannelInfo,
        /// Get Channel Access (volatile, non-volatile).
        access: Option<[ChannelAccess; 2]>,
    },
    /// `channel getaccess`
    GetAccess(Vec<UserRow>),
    /// `channel authcap`
    AuthCap(ChannelAuthCapabilities),
    /// `channel getciphers`
    Ciphers(Vec<CipherSuiteRecord>),
}

fn en(b: bool) -> &'static str {
    if b {
        "enabled"
    } else {
        "disabled"
    }
}

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// ipmitool's word of a user's enable status (IPMI 2.0 table 22-33 byte 2 bits 7:6).
pub fn enable_status_word(status: u8) -> &'static str {
    match status & 0xc0 {
        0x40 => "enabled",
        0x80 => "disabled",
        0xc0 => "reserved",
        _ => "unknown",
    }
}

impl Outcome {
    /// ipmitool's text or the JSON line.
    pub fn render(&self, json: bool, _registries: &[PathBuf]) -> Rendered {
        Rendered::bytes(if json { self.json() } else { self.text() })
    }

    /// `channel` answers are errors only by their completion code.
    pub fn completion(&self) -> Option<CompletionCode> {
        None
    }

    fn text(&self) -> Vec<u8> {
        let mut o = String::with_capacity(1024);
        // Writing into a String cannot fail.
        let _ = (|| -> std::fmt::Result {
            match self {
                Outcome::Info { info, access } => {
                    writeln!(o, "Channel 0x{:x} info:", info.channel)?;
                    writeln!(o, "  Channel Medium Type   : {}", info.medium)?;
                    writeln!(o, "  Channel Protocol Type : {}", info.protocol)?;
                    writeln!(
                        o,
                        "  Session Support       : {}",
                        info.session_support_word()
                    )?;
                    writeln!(o, "  Active Session Count  : {}", info.active_sessions)?;
                    writeln!(o, "  Protocol Vendor ID    : {}", info.vendor_id)?;
                    for (title, a) in ["  Volatile(active) Settings", "  Non-Volatile Settings"]
                        .iter()
                        .zip(access.iter().flatten())
                    {
                        writeln!(o, "{title}")?;
                        writeln!(o, "    Alerting            : {}", en(a.alerting))?;
                        writeln!(o, "    Per-message Auth    : {}", en(a.per_message_auth))?;
                        writeln!(o, "    User Level Auth     : {}", en(a.user_level_auth))?;
                        writeln!(o, "    Access Mode         : {}", a.access_mode_word())?;
                    }
                }
                Outcome::GetAccess(rows) => {
                    if let Some(first) = rows.first() {
                        writeln!(o, "Maximum User IDs     : {}", first.access.max_user_ids)?;
                        writeln!(o, "Enabled User IDs     : {}", first.access.enabled_user_ids)?;
                    }
                    for r in rows {
                        let a = &r.access;
                        writeln!(o)?;
                        writeln!(o, "User ID              : {}", r.id)?;
                        writeln!(o, "User Name            : {}", r.name)?;
                        let fixed = if r.id <= a.fixed_name_ids { "Yes" } else { "No" };
                        writeln!(o, "Fixed Name           : {fixed}")?;
                        let callin = if a.callback_only {
                            "callback"
                        } else {
                            "call-in / callback"
                        };
                        writeln!(o, "Access Available     : {callin}")?;
                        writeln!(o, "Link Authentication  : {}", en(a.link_auth))?;
                        writeln!(o, "IPMI Messaging       : {}", en(a.ipmi_messaging))?;
                        writeln!(o, "Privilege Level      : {}", a.privilege_limit)?;
                        writeln!(
                            o,
                            "Enable Status        : {}",
                            enable_status_word(a.enable_status)
                        )?;
                    }
                }
                Outcome::AuthCap(c) => {
                    writeln!(o, "Channel number             : {}", c.channel)?;
                    writeln!(o, "IPMI v1.5  auth types      : {}", c.auth_types())?;
                    if c.extended_data() {
                        let kg = if c.kg_set() {
                            "non-zero"
                        } else {
                            "default (all zeroes)"
                        };
                        writeln!(o, "KG status                  : {kg}")?;
                    }
                    writeln!(o, "Per message authentication : {}", en(c.per_message_auth()))?;
                    writeln!(o, "User level authentication  : {}", en(c.user_level_auth()))?;
                    writeln!(o, "Non-null user names exist  : {}", yes(c.non_null_usernames()))?;
                    writeln!(o, "Null user names exist      : {}", yes(c.null_usernames()))?;
                    writeln!(o, "Anonymous login enabled    : {}", yes(c.anonymous_login()))?;
                    if c.extended_data() {
                        writeln!(o, "Channel supports IPMI v1.5 : {}", yes(c.supports_v15()))?;
                        writeln!(o, "Channel supports IPMI v2.0 : {}", yes(c.supports_v2()))?;
                    }
                    if c.auth_types & 0x20 != 0 {
                        writeln!(o, "IANA Number for OEM        : {}", c.oem_id)?;
                        writeln!(o, "OEM Auxiliary Data         : 0x{:x}", c.oem_aux)?;
                    }
                }
                Outcome::Ciphers(records) => {
                    writeln!(o, "{CIPHER_SUITES_HEADER}")?;
                    for r in records {
                        writeln!(o, "{r}")?;
                    }
                }
            }
            Ok(())
        })();
        o.into_bytes()
    }

    fn json(&self) -> Vec<u8> {
        match self {
            Outcome::Info { info, access } => json_line(&InfoJson {
                channel: info.channel,
                medium: info.medium.to_string(),
                protocol: info.protocol.to_string(),
                session_support: info.session_support_word(),
                active_sessions: info.active_sessions,
                protocol_vendor_id: info.vendor_id,
                volatile: access.map(|a| AccessJson::new(&a[0])),
                non_volatile: access.map(|a| AccessJson::new(&a[1])),
            }),
            Outcome::GetAccess(rows) => json_line(&GetAccessJson {
                max_user_ids: rows.first().map(|r| r.access.max_user_ids),
                enabled_user_ids: rows.first().map(|r| r.access.enabled_user_ids),
                users: rows.iter().map(UserJson::new).collect(),
            }),
            Outcome::AuthCap(c) => json_line(&AuthCapJson {
                channel: c.channel,
                ipmi_v15_auth_types: c
                    .auth_types()
                    .to_string()
                    .split_whitespace()
                    .map(String::from)
                    .collect(),
                kg_nonzero: c.extended_data().then(|| c.kg_set()),
                per_message_auth: c.per_message_auth(),
                user_level_auth: c.user_level_auth(),
                non_null_user_names: c.non_null_usernames(),
                null_user_names: c.null_usernames(),
                anonymous_login: c.anonymous_login(),
                ipmi_v15: c.extended_data().then(|| c.supports_v15()),
                ipmi_v20: c.extended_data().then(|| c.supports_v2()),
                oem_iana: (c.auth_types & 0x20 != 0).then_some(c.oem_id),
            }),
            Outcome::Ciphers(records) => json_line(&CiphersJson {
                cipher_suites: records
                    .iter()
                    .map(|r| CipherJson {
                        id: r.id,
                        iana: r.oem_iana,
                        auth: r.auth,
                        integrity: r.integrity,
                        confidentiality: r.confidentiality,
                        text: r.to_string().trim_end().to_string(),
                    })
                    .collect(),
            }),
        }
    }
}

/// `channel info --json`
#[derive(Serialize)]
struct InfoJson {
    channel: u8,
    medium: String,
    protocol: String,
    session_support: &'static str,
    active_sessions: u8,
    protocol_vendor_id: u32,
    /// `null` for a channel that is not LAN (ipmitool then prints none).
    volatile: Option<AccessJson>,
    non_volatile: Option<AccessJson>,
}

#[derive(Serialize)]
struct AccessJson {
    alerting: bool,
    per_message_auth: bool,
    user_level_auth: bool,
    access_mode: &'static str,
}

impl AccessJson {
    fn new(a: &ChannelAccess) -> Self {
        AccessJson {
            alerting: a.alerting,
            per_message_auth: a.per_message_auth,
            user_level_auth: a.user_level_auth,
            access_mode: a.access_mode_word(),
        }
    }
}

/// `channel getaccess --json`
#[derive(Serialize)]
struct GetAccessJson {
    max_user_ids: Option<u8>,
    enabled_user_ids: Option<u8>,
    users: Vec<UserJson>,
}

/// A user's access on a channel (`channel getaccess`, `user list --json`).
#[derive(Serialize)]
pub struct UserJson {
    id: u8,
    name: String,
    fixed_name: bool,
    callback_only: bool,
    link_auth: bool,
    ipmi_messaging: bool,
    /// ipmitool's word, e.g. "ADMINISTRATOR", "NO ACCESS", "Unknown (0x00)".
    privilege_limit: String,
    enable_status: &'static str,
}

impl UserJson {
    /// From a row.
    pub fn new(r: &UserRow) -> Self {
        let a = &r.access;
        UserJson {
            id: r.id,
            name: r.name.clone(),
            fixed_name: r.id <= a.fixed_name_ids,
            callback_only: a.callback_only,
            link_auth: a.link_auth,
            ipmi_messaging: a.ipmi_messaging,
            privilege_limit: PrivilegeLimit::to_string(&a.privilege_limit),
            enable_status: enable_status_word(a.enable_status),
        }
    }
}

/// `channel authcap --json`
#[derive(Serialize)]
struct AuthCapJson {
    channel: u8,
    ipmi_v15_auth_types: Vec<String>,
    kg_nonzero: Option<bool>,
    per_message_auth: bool,
    user_level_auth: bool,
    non_null_user_names: bool,
    null_user_names: bool,
    anonymous_login: bool,
    ipmi_v15: Option<bool>,
    ipmi_v20: Option<bool>,
    oem_iana: Option<u32>,
}

/// `channel getciphers --json`
#[derive(Serialize)]
struct CiphersJson {
    cipher_suites: Vec<CipherJson>,
}

#[derive(Serialize)]
struct CipherJson {
    id: u8,
    iana: Option<u32>,
    auth: u8,
    integrity: u8,
    confidentiality: u8,
    /// ipmitool's row.
    text: String,
}
