//! The `user` family: `user list|summary [CHANNEL]` (Get User Access and
//! Get User Name, IPMI 2.0 §22.27, §22.29), `user set name ID NAME` (§22.28),
//! `user set password ID [PASSWORD [16|20]]`, `user enable|disable ID`
//! (Set User Password, §22.30) and `user priv ID PRIV [CHANNEL]` (Set User
//! Access, §22.26), as ipmitool 1.8.19 prints them.
//!
//! A password is never printed or logged: a missing one is asked for
//! twice without echo when standard input is a terminal, as ipmitool does.

use std::fmt::Write;
use std::path::PathBuf;

use clap::Subcommand;
use ipmi_core::cmd::channel::THIS_CHANNEL;
use ipmi_core::cmd::user::{
    Password, PasswordOp, PrivilegeLimit, SetUserAccess, SetUserName, SetUserPassword,
};
use ipmi_core::{Command, CommandError, CompletionCode, Request, Response, Target};
use serde::Serialize;
use zeroize::Zeroizing;

use super::channel::{user_row, UserJson, UserRow};
use super::{decode_alone, ActionError, Exchanger, Rendered};
use crate::credentials::{Env, ProcessEnv};
use crate::exit::CliError;
use crate::numbers::parse_byte;
use crate::output::json::line as json_line;

/// The family's first word.
#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum Words {
    /// Users: list, summary, set name|password, enable, disable, priv
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

/// `user ...`
#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum UserCommand {
    /// Every user's access on a channel
    List {
        /// Channel number (default: the channel of the session)
        #[arg(value_parser = parse_byte)]
        channel: Option<u8>,
    },
    /// The user counts of a channel
    Summary {
        /// Channel number (default: the channel of the session)
        #[arg(value_parser = parse_byte)]
        channel: Option<u8>,
    },
    /// Set a user's name or password
    Set {
        #[command(subcommand)]
        what: SetWhat,
    },
    /// Enable a user
    Enable {
        /// User ID
        #[arg(value_name = "ID", value_parser = parse_byte)]
        user_id: u8,
    },
    /// Disable a user
    Disable {
        /// User ID
        #[arg(value_name = "ID", value_parser = parse_byte)]
        user_id: u8,
    },
    /// Set a user's privilege limit on a channel
    Priv {
        /// User ID
        #[arg(value_name = "ID", value_parser = parse_byte)]
        user_id: u8,
        /// 1 callback, 2 user, 3 operator, 4 administrator, 5 OEM, 15 no access
        #[arg(value_name = "PRIV", value_parser = parse_byte)]
        level: u8,
        /// Channel number (default: the channel of the session)
        #[arg(value_parser = parse_byte)]
        channel: Option<u8>,
    },
}

/// `user set ...`
#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum SetWhat {
    /// Set User Name
    Name {
        /// User ID
        #[arg(value_name = "ID", value_parser = parse_byte)]
        user_id: u8,
        /// The name, at most 16 bytes
        name: String,
    },
    /// Set User Password (asked for without echo when left out)
    Password {
        /// User ID
        #[arg(value_name = "ID", value_parser = parse_byte)]
        user_id: u8,
        /// The password, at most 20 bytes
        #[arg(value_name = "PASSWORD")]
        secret: Option<String>,
        /// Stored size: 16 or 20 bytes (default: 16, or 20 when longer than 16)
        #[arg(value_name = "16|20", value_parser = parse_byte)]
        size: Option<u8>,
    },
}

fn user_id(id: u8) -> Result<u8, CliError> {
    if (1..=63).contains(&id) {
        Ok(id)
    } else {
        Err(CliError::Usage(format!("user ID {id} is not in 1..=63")))
    }
}

/// The password of `user set password`: the argument, else asked for twice
/// on the terminal (`env`).
pub fn password_of(
    id: u8,
    given: Option<&str>,
    size: Option<u8>,
    env: &dyn Env,
) -> Result<Password, CliError> {
    let secret = match given {
        Some(s) => Zeroizing::new(s.as_bytes().to_vec()),
        None if env.stdin_is_terminal() => {
            let prompt = format!("Password for user {id}: ");
            let read = |p: &str| {
                env.read_password(p)
                    .map_err(|e| CliError::Usage(format!("cannot read the password: {e}")))
            };
            let first = read(&prompt)?;
            let again = read(&prompt)?;
            if first != again {
                return Err(CliError::Usage("the passwords do not match".into()));
            }
            first
        }
        None => {
            return Err(CliError::Usage(
                "user set password: no PASSWORD given and standard input is not a terminal to ask for it".into(),
            ))
        }
    };
    let twenty = match size {
        None => secret.len() > 16,
        Some(16) => false,
        Some(20) => true,
        Some(n) => {
            return Err(CliError::Usage(format!(
                "invalid password length '{n}': the stored size is 16 or 20"
            )))
        }
    };
    let max = if twenty { 20 } else { 16 };
    if secret.len() > max {
        return Err(CliError::Usage(format!(
            "the password is too long (> {max} bytes)"
        )));
    }
    Password::new(&secret, twenty)
        .ok_or_else(|| CliError::Usage("the password is too long (> 20 bytes)".into()))
}

impl Words {
    /// The action of the words (may ask for a password).
    pub fn action(&self) -> Result<Action, CliError> {
        let Words::User { command } = self;
        Ok(match command {
            UserCommand::List { channel } => Action::List(channel.unwrap_or(THIS_CHANNEL)),
            UserCommand::Summary { channel } => Action::Summary(channel.unwrap_or(THIS_CHANNEL)),
            UserCommand::Set {
                what: SetWhat::Name { user_id: id, name },
            } => {
                let id = user_id(*id)?;
                SetUserName::new(id, name).ok_or_else(|| {
                    CliError::Usage("the user name is too long (> 16 bytes)".into())
                })?;
                Action::SetName {
                    user_id: id,
                    name: name.clone(),
                }
            }
            UserCommand::Set {
                what:
                    SetWhat::Password {
                        user_id: id,
                        secret,
                        size,
                    },
            } => {
                let id = user_id(*id)?;
                Action::Password(SetUserPassword {
                    user_id: id,
                    op: PasswordOp::Set(password_of(id, secret.as_deref(), *size, &ProcessEnv)?),
                })
            }
            UserCommand::Enable { user_id: id } => Action::Password(SetUserPassword {
                user_id: user_id(*id)?,
                op: PasswordOp::EnableUser,
            }),
            UserCommand::Disable { user_id: id } => Action::Password(SetUserPassword {
                user_id: user_id(*id)?,
                op: PasswordOp::DisableUser,
            }),
            UserCommand::Priv {
                user_id: id,
                level,
                channel,
            } => {
                if !matches!(level, 1..=5 | 15) {
                    return Err(CliError::Usage(format!(
                        "privilege limit {level} is none of 1..=5 or 15 (no access)"
                    )));
                }
                Action::Priv(SetUserAccess {
                    channel: channel.unwrap_or(THIS_CHANNEL),
                    user_id: user_id(*id)?,
                    change_bits: false,
                    callback_only: false,
                    link_auth: false,
                    ipmi_messaging: false,
                    privilege_limit: PrivilegeLimit(*level),
                    session_limit: None,
                })
            }
        })
    }
}

/// What `user` does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// `user list [CHANNEL]`
    List(u8),
    /// `user summary [CHANNEL]`
    Summary(u8),
    /// `user set name ID NAME`
    SetName {
        /// User ID.
        user_id: u8,
        /// The name.
        name: String,
    },
    /// `user set password`, `user enable`, `user disable`
    Password(SetUserPassword),
    /// `user priv ID PRIV [CHANNEL]`
    Priv(SetUserAccess),
}

impl Action {
    /// Runs the action's exchanges.
    pub fn run<E>(&self, x: &mut Exchanger<'_, E>) -> Result<Outcome, ActionError<E>> {
        match self {
            Action::List(channel) => {
                let first = user_row(x, *channel, 1)?;
                let last = first.access.max_user_ids.min(63);
                let mut rows = vec![first];
                for id in 2..=last {
                    rows.push(user_row(x, *channel, id)?);
                }
                Ok(Outcome::List(rows))
            }
            Action::Summary(channel) => {
                let access = x.ask(&ipmi_core::cmd::user::GetUserAccess {
                    channel: *channel,
                    user_id: 1,
                })?;
                Ok(Outcome::Summary {
                    max: access.max_user_ids,
                    enabled: access.enabled_user_ids,
                    fixed: access.fixed_name_ids,
                })
            }
            _ => x.one(self.request(x.target()), |r| self.decode_done(r)),
        }
    }

    fn decode_done(&self, response: &Response) -> Result<Outcome, CommandError> {
        match self {
            Action::SetName { user_id, name } => {
                // Checked when the action was made.
                if let Some(c) = SetUserName::new(*user_id, name) {
                    c.decode(response)?;
                }
                Ok(Outcome::NameSet(*user_id))
            }
            Action::Password(c) => {
                c.decode(response)?;
                Ok(match c.op {
                    PasswordOp::Set(_) | PasswordOp::Test(_) => Outcome::PasswordSet(c.user_id),
                    PasswordOp::EnableUser => Outcome::Enabled(c.user_id, true),
                    PasswordOp::DisableUser => Outcome::Enabled(c.user_id, false),
                })
            }
            Action::Priv(c) => {
                c.decode(response)?;
                Ok(Outcome::PrivSet(c.user_id, c.privilege_limit))
            }
            Action::List(_) | Action::Summary(_) => {
                decode_alone(response, "user", |x| self.run(x))
            }
        }
    }

    /// `list` takes several exchanges.
    pub fn one_exchange(&self) -> bool {
        !matches!(self, Action::List(_))
    }

    /// The (first) request for `target`.
    pub fn request(&self, target: Target) -> Request {
        match self {
            Action::List(channel) | Action::Summary(channel) => {
                ipmi_core::cmd::user::GetUserAccess {
                    channel: *channel,
                    user_id: 1,
                }
                .request_to(target)
            }
            Action::SetName { user_id, name } => SetUserName::new(*user_id, name)
                .map(|c| c.request_to(target))
                .unwrap_or_else(|| SetUserName::new(*user_id, "").expect("empty name").request_to(target)),
            Action::Password(c) => c.request_to(target),
            Action::Priv(c) => c.request_to(target),
        }
    }

    /// Decodes the answer of a one-exchange action.
    pub fn decode(&self, response: &Response) -> Result<Outcome, CommandError> {
        self.decode_done(response)
    }

    /// ipmitool's words when no answer came.
    pub fn context(&self, _target: Target) -> String {
        match self {
            Action::List(channel) | Action::Summary(channel) => {
                format!("Unable to Get User Access (channel {channel})")
            }
            Action::SetName { user_id, .. } => {
                format!("Set User Name command failed (user {user_id})")
            }
            Action::Password(c) => format!("Set User Password command failed (user {})", c.user_id),
            Action::Priv(c) => format!("Set Privilege Level command failed (user {})", c.user_id),
        }
    }

    /// ipmitool's line for a refusal; `text` names the code.
    pub fn refused(&self, target: Target, _code: CompletionCode, text: &str) -> String {
        format!("{}: {text}", self.context(target))
    }
}

/// What `user` got back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// `user list`
    List(Vec<UserRow>),
    /// `user summary`
    Summary {
        /// Maximum user IDs.
        max: u8,
        /// Enabled user IDs.
        enabled: u8,
        /// User IDs with fixed names.
        fixed: u8,
    },
    /// `user set name` was accepted.
    NameSet(u8),
    /// `user set password` was accepted.
    PasswordSet(u8),
    /// `user enable` (true) or `user disable` was accepted.
    Enabled(u8, bool),
    /// `user priv` was accepted.
    PrivSet(u8, PrivilegeLimit),
}

fn word(b: bool) -> &'static str {
    if b {
        "true "
    } else {
        "false"
    }
}

/// The header of `user list`.
pub const LIST_HEADER: &str = "ID  Name\t     Callin  Link Auth\tIPMI Msg   Channel Priv Limit";

impl Outcome {
    /// ipmitool's text or the JSON line.
    pub fn render(&self, json: bool, _registries: &[PathBuf]) -> Rendered {
        Rendered::bytes(if json { self.json() } else { self.text() })
    }

    /// Errors only by the completion code.
    pub fn completion(&self) -> Option<CompletionCode> {
        None
    }

    fn text(&self) -> Vec<u8> {
        let mut o = String::new();
        // Writing into a String cannot fail.
        let _ = (|| -> std::fmt::Result {
            match self {
                Outcome::List(rows) => {
                    writeln!(o, "{LIST_HEADER}")?;
                    for r in rows {
                        let a = &r.access;
                        writeln!(
                            o,
                            "{:<4}{:<17}{:<8}{:<11}{:<11}{}",
                            r.id,
                            r.name,
                            word(!a.callback_only),
                            word(a.link_auth),
                            word(a.ipmi_messaging),
                            a.privilege_limit
                        )?;
                    }
                }
                Outcome::Summary {
                    max,
                    enabled,
                    fixed,
                } => {
                    writeln!(o, "Maximum IDs\t    : {max}")?;
                    writeln!(o, "Enabled User Count  : {enabled}")?;
                    writeln!(o, "Fixed Name Count    : {fixed}")?;
                }
                // ipmitool prints nothing for these.
                Outcome::NameSet(_) | Outcome::Enabled(..) => {}
                Outcome::PasswordSet(id) => {
                    writeln!(o, "Set User Password command successful (user {id})")?
                }
                Outcome::PrivSet(id, _) => {
                    writeln!(o, "Set Privilege Level command successful (user {id})")?
                }
            }
            Ok(())
        })();
        o.into_bytes()
    }

    fn json(&self) -> Vec<u8> {
        match self {
            Outcome::List(rows) => json_line(&ListJson {
                users: rows.iter().map(UserJson::new).collect(),
            }),
            Outcome::Summary {
                max,
                enabled,
                fixed,
            } => json_line(&SummaryJson {
                maximum_ids: *max,
                enabled_user_count: *enabled,
                fixed_name_count: *fixed,
            }),
            Outcome::NameSet(id) => json_line(&DoneJson {
                user_id: *id,
                done: "name set",
            }),
            Outcome::PasswordSet(id) => json_line(&DoneJson {
                user_id: *id,
                done: "password set",
            }),
            Outcome::Enabled(id, on) => json_line(&DoneJson {
                user_id: *id,
                done: if *on { "enabled" } else { "disabled" },
            }),
            Outcome::PrivSet(id, _) => json_line(&DoneJson {
                user_id: *id,
                done: "privilege limit set",
            }),
        }
    }
}

#[derive(Serialize)]
struct ListJson {
    users: Vec<UserJson>,
}

#[derive(Serialize)]
struct SummaryJson {
    maximum_ids: u8,
    enabled_user_count: u8,
    fixed_name_count: u8,
}

#[derive(Serialize)]
struct DoneJson {
    user_id: u8,
    done: &'static str,
}
