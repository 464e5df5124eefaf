//! User accounts: Set User Access (IPMI 2.0 §22.26), Get User Access
//! (§22.27), Set User Name (§22.28), Get User Name (§22.29), Set User
//! Password (§22.30). Passwords are zeroized on drop and never shown by Debug.

use std::fmt;

use zeroize::Zeroizing;

use super::support::{ident, text_until_nul};
use crate::command::expect_data;
use crate::{Command, CommandError, NetFn, PrivilegeLevel, Response};

/// A privilege limit nibble as user and channel access carry it (IPMI 2.0
/// §22.26, §22.22): 1..=5 a level, 0Fh no access. Display gives ipmitool's
/// words: CALLBACK, USER, OPERATOR, ADMINISTRATOR, OEM, NO ACCESS, else "Unknown (0xNN)".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PrivilegeLimit(pub u8);

impl PrivilegeLimit {
    /// 0Fh: no access.
    pub const NO_ACCESS: PrivilegeLimit = PrivilegeLimit(0x0f);

    /// The level, if this is one.
    pub fn level(self) -> Option<PrivilegeLevel> {
        PrivilegeLevel::from_u8(self.0)
    }
}

impl From<PrivilegeLevel> for PrivilegeLimit {
    fn from(p: PrivilegeLevel) -> Self {
        PrivilegeLimit(p as u8)
    }
}

impl fmt::Display for PrivilegeLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.level(), self.0) {
            (Some(p), _) => f.write_str(p.name()),
            (None, 0x0f) => f.write_str("NO ACCESS"),
            (None, v) => write!(f, "Unknown (0x{v:02X})"),
        }
    }
}

/// Get User Access (NetFn App, cmd 0x44; IPMI 2.0 §22.27).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GetUserAccess {
    /// Channel number.
    pub channel: u8,
    /// User ID (1..=63).
    pub user_id: u8,
}

/// A user's access on a channel and the channel's user counts (IPMI 2.0
/// §22.27, table 22-33). ipmitool's `user list` header is
/// "ID  Name\t     Callin  Link Auth\tIPMI Msg   Channel Priv Limit" and
/// each row `format!("{:<4}{:<17}{:<8}{:<11}{:<11}{}", id, name, callin,
/// link, msg, limit)` with "true "/"false" words (callin is true when
/// callback-only is false); `user summary` prints "Maximum IDs\t    : N",
/// "Enabled User Count  : N", "Fixed Name Count    : N".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct UserAccess {
    /// Maximum number of user IDs (byte 1 bits 5:0).
    pub max_user_ids: u8,
    /// User ID enable status (byte 2 bits 7:6): 40h enabled, 80h disabled, 0 unspecified.
    pub enable_status: u8,
    /// Count of enabled user IDs (byte 2 bits 5:0).
    pub enabled_user_ids: u8,
    /// Count of user IDs with fixed names (byte 3 bits 5:0).
    pub fixed_name_ids: u8,
    /// Restricted to callback (byte 4 bit 6).
    pub callback_only: bool,
    /// Link authentication enabled (byte 4 bit 5).
    pub link_auth: bool,
    /// IPMI messaging enabled (byte 4 bit 4).
    pub ipmi_messaging: bool,
    /// Privilege limit (byte 4 bits 3:0).
    pub privilege_limit: PrivilegeLimit,
}

impl UserAccess {
    /// The response data bytes (for a responder).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[
            self.max_user_ids & 0x3f,
            (self.enable_status & 0xc0) | (self.enabled_user_ids & 0x3f),
            self.fixed_name_ids & 0x3f,
            (u8::from(self.callback_only) << 6)
                | (u8::from(self.link_auth) << 5)
                | (u8::from(self.ipmi_messaging) << 4)
                | (self.privilege_limit.0 & 0x0f),
        ]);
    }
}

impl GetUserAccess {
    /// Parses request data as a responder receives it; `None` when malformed.
    pub fn parse_request(data: &[u8]) -> Option<Self> {
        let [c, u] = *data else { return None };
        Some(Self {
            channel: c & 0x0f,
            user_id: u & 0x3f,
        })
    }
}

impl Command for GetUserAccess {
    type Output = UserAccess;
    ident!("Get User Access", NetFn::APP, 0x44);
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[self.channel & 0x0f, self.user_id & 0x3f]);
    }
    fn decode(&self, response: &Response) -> Result<UserAccess, CommandError> {
        let d = expect_data(self, response, 4)?;
        Ok(UserAccess {
            max_user_ids: d[0] & 0x3f,
            enable_status: d[1] & 0xc0,
            enabled_user_ids: d[1] & 0x3f,
            fixed_name_ids: d[2] & 0x3f,
            callback_only: d[3] & 0x40 != 0,
            link_auth: d[3] & 0x20 != 0,
            ipmi_messaging: d[3] & 0x10 != 0,
            privilege_limit: PrivilegeLimit(d[3] & 0x0f),
        })
    }
}

/// Set User Access (NetFn App, cmd 0x43; IPMI 2.0 §22.26). ipmitool's
/// `user priv` sends it with `change_bits` false (only the limit changes)
/// and prints "Set Privilege Level command successful (user N)".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetUserAccess {
    /// Channel number.
    pub channel: u8,
    /// User ID.
    pub user_id: u8,
    /// Byte 1 bit 7: also change the three bits below.
    pub change_bits: bool,
    /// Restrict to callback.
    pub callback_only: bool,
    /// Enable link authentication.
    pub link_auth: bool,
    /// Enable IPMI messaging.
    pub ipmi_messaging: bool,
    /// Privilege limit.
    pub privilege_limit: PrivilegeLimit,
    /// Optional session limit (byte 4; `None` = leave out).
    pub session_limit: Option<u8>,
}

impl SetUserAccess {
    /// Parses request data as a responder receives it; `None` when malformed.
    pub fn parse_request(data: &[u8]) -> Option<Self> {
        let (b, limit) = match data {
            [a, b, c] => ([*a, *b, *c], None),
            [a, b, c, s] => ([*a, *b, *c], Some(s & 0x0f)),
            _ => return None,
        };
        Some(Self {
            channel: b[0] & 0x0f,
            user_id: b[1] & 0x3f,
            change_bits: b[0] & 0x80 != 0,
            callback_only: b[0] & 0x40 != 0,
            link_auth: b[0] & 0x20 != 0,
            ipmi_messaging: b[0] & 0x10 != 0,
            privilege_limit: PrivilegeLimit(b[2] & 0x0f),
            session_limit: limit,
        })
    }
}

impl Command for SetUserAccess {
    type Output = ();
    ident!("Set User Access", NetFn::APP, 0x43);
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(
            (u8::from(self.change_bits) << 7)
                | (u8::from(self.callback_only) << 6)
                | (u8::from(self.link_auth) << 5)
                | (u8::from(self.ipmi_messaging) << 4)
                | (self.channel & 0x0f),
        );
        out.push(self.user_id & 0x3f);
        out.push(self.privilege_limit.0 & 0x0f);
        if let Some(s) = self.session_limit {
            out.push(s & 0x0f);
        }
    }
    fn decode(&self, response: &Response) -> Result<(), CommandError> {
        expect_data(self, response, 0).map(|_| ())
    }
}

/// Bytes of a user name on the wire (IPMI 2.0 §22.28).
pub const USER_NAME_LEN: usize = 16;

/// Get User Name (NetFn App, cmd 0x46; IPMI 2.0 §22.29): the name up to
/// its first NUL (an empty name is the anonymous user).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GetUserName {
    /// User ID.
    pub user_id: u8,
}

/// The response data bytes for a user name: 16 bytes, NUL padded (for a responder; IPMI 2.0 §22.29).
pub fn encode_user_name(name: &str, out: &mut Vec<u8>) {
    let mut b = name.as_bytes()[..name.len().min(USER_NAME_LEN)].to_vec();
    b.resize(USER_NAME_LEN, 0);
    out.extend_from_slice(&b);
}

impl GetUserName {
    /// Parses request data as a responder receives it; `None` when malformed.
    pub fn parse_request(data: &[u8]) -> Option<Self> {
        let [u] = *data else { return None };
        Some(Self { user_id: u & 0x3f })
    }
}

impl Command for GetUserName {
    type Output = String;
    ident!("Get User Name", NetFn::APP, 0x46);
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.user_id & 0x3f);
    }
    fn decode(&self, response: &Response) -> Result<String, CommandError> {
        let d = expect_data(self, response, USER_NAME_LEN)?;
        Ok(text_until_nul(&d[..USER_NAME_LEN]))
    }
}

/// Set User Name (NetFn App, cmd 0x45; IPMI 2.0 §22.28). Names longer than
/// 16 bytes are refused by [`SetUserName::new`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetUserName {
    user_id: u8,
    name: String,
}

impl SetUserName {
    /// `None` when `name` is longer than 16 bytes.
    pub fn new(user_id: u8, name: &str) -> Option<Self> {
        (name.len() <= USER_NAME_LEN).then(|| Self {
            user_id,
            name: name.to_string(),
        })
    }
    /// Parses request data as a responder receives it: (user ID, name).
    pub fn parse_request(data: &[u8]) -> Option<(u8, String)> {
        let [id, name @ ..] = data else { return None };
        (name.len() == USER_NAME_LEN).then(|| (id & 0x3f, text_until_nul(name)))
    }
}

impl Command for SetUserName {
    type Output = ();
    ident!("Set User Name", NetFn::APP, 0x45);
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.user_id & 0x3f);
        encode_user_name(&self.name, out);
    }
    fn decode(&self, response: &Response) -> Result<(), CommandError> {
        expect_data(self, response, 0).map(|_| ())
    }
}

/// A user password padded to its stored size, 16 or 20 bytes (IPMI 2.0
/// §22.30); zeroized on drop, never printed by Debug.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(Zeroizing<Vec<u8>>);

impl Password {
    /// Pads `secret` with NULs to 16 bytes (or 20 when `twenty` or when it
    /// is longer than 16); `None` when longer than 20.
    pub fn new(secret: &[u8], twenty: bool) -> Option<Self> {
        let size = if twenty || secret.len() > 16 { 20 } else { 16 };
        if secret.len() > size {
            return None;
        }
        let mut v = Zeroizing::new(vec![0u8; size]);
        v[..secret.len()].copy_from_slice(secret);
        Some(Password(v))
    }
    /// The padded bytes (16 or 20).
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
    /// Stored as 20 bytes.
    pub fn is_twenty(&self) -> bool {
        self.0.len() == 20
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Password(<{} bytes redacted>)", self.0.len())
    }
}

/// The operation of Set User Password, byte 2 bits 1:0 (IPMI 2.0 §22.30).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PasswordOp {
    /// 00b: disable the user (`user disable`).
    DisableUser,
    /// 01b: enable the user (`user enable`).
    EnableUser,
    /// 10b: set the password (`user set password`).
    Set(Password),
    /// 11b: test the password (`user test`): 80h = "password incorrect",
    /// 81h = "wrong password size" (ipmitool prints "Failure: ...").
    Test(Password),
}

/// Set User Password (NetFn App, cmd 0x47; IPMI 2.0 §22.30). The request
/// data a transport sends holds the password: transports should not log
/// request data of this command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetUserPassword {
    /// User ID.
    pub user_id: u8,
    /// What to do.
    pub op: PasswordOp,
}

/// Completion code of a failed password test (IPMI 2.0 §22.30).
pub const CC_PASSWORD_MISMATCH: u8 = 0x80;
/// Completion code of a password of the wrong stored size (IPMI 2.0 §22.30).
pub const CC_PASSWORD_WRONG_SIZE: u8 = 0x81;

impl SetUserPassword {
    /// Parses request data as a responder receives it; `None` when malformed.
    pub fn parse_request(data: &[u8]) -> Option<Self> {
        let [id, op, pw @ ..] = data else { return None };
        let twenty = id & 0x80 != 0;
        let password = || match (twenty, pw.len()) {
            (false, 16) | (true, 20) => Password::new(pw, twenty),
            _ => None,
        };
        let op = match op & 3 {
            0 => PasswordOp::DisableUser,
            1 => PasswordOp::EnableUser,
            2 => PasswordOp::Set(password()?),
            _ => PasswordOp::Test(password()?),
        };
        Some(Self {
            user_id: id & 0x3f,
            op,
        })
    }
}

impl Command for SetUserPassword {
    type Output = ();
    ident!("Set User Password", NetFn::APP, 0x47);
    fn encode(&self, out: &mut Vec<u8>) {
        let (code, pw) = match &self.op {
            PasswordOp::DisableUser => (0, None),
            PasswordOp::EnableUser => (1, None),
            PasswordOp::Set(p) => (2, Some(p)),
            PasswordOp::Test(p) => (3, Some(p)),
        };
        let twenty = pw.is_some_and(|p| p.is_twenty());
        out.push((self.user_id & 0x3f) | if twenty { 0x80 } else { 0 });
        out.push(code);
        if let Some(p) = pw {
            out.extend_from_slice(p.bytes());
        }
    }
    fn decode(&self, response: &Response) -> Result<(), CommandError> {
        expect_data(self, response, 0).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::super::support::ok;
    use super::*;

    #[test]
    fn user_access_row() {
        let c = GetUserAccess {
            channel: 1,
            user_id: 2,
        };
        assert_eq!(c.request().data, [1, 2]);
        let raw = [0x0a, 0x42, 0x01, 0x34];
        let a = c.decode(&ok(&c, &raw)).unwrap();
        assert_eq!(
            (a.max_user_ids, a.enabled_user_ids, a.fixed_name_ids),
            (10, 2, 1)
        );
        assert_eq!(a.enable_status, 0x40);
        assert!(!a.callback_only && a.link_auth && a.ipmi_messaging);
        assert_eq!(a.privilege_limit.to_string(), "ADMINISTRATOR");
        let row = format!(
            "{:<4}{:<17}{:<8}{:<11}{:<11}{}",
            2, "admin", "true ", "true ", "true ", a.privilege_limit
        );
        assert_eq!(
            row,
            "2   admin            true    true       true       ADMINISTRATOR"
        );
        let mut out = Vec::new();
        a.encode(&mut out);
        assert_eq!(out, raw);
        assert_eq!(PrivilegeLimit(0x0f).to_string(), "NO ACCESS");
        assert_eq!(PrivilegeLimit(0x07).to_string(), "Unknown (0x07)");
    }

    #[test]
    fn set_access_priv_only() {
        let s = SetUserAccess {
            channel: 1,
            user_id: 3,
            change_bits: false,
            callback_only: false,
            link_auth: false,
            ipmi_messaging: false,
            privilege_limit: PrivilegeLevel::Operator.into(),
            session_limit: None,
        };
        assert_eq!(s.request().data, [0x01, 0x03, 0x03]);
        assert_eq!(SetUserAccess::parse_request(&[0x01, 0x03, 0x03]), Some(s));
        let full = SetUserAccess {
            change_bits: true,
            ipmi_messaging: true,
            link_auth: true,
            session_limit: Some(2),
            ..s
        };
        assert_eq!(full.request().data, [0xb1, 0x03, 0x03, 0x02]);
        assert_eq!(SetUserAccess::parse_request(&[1, 2]), None);
    }

    #[test]
    fn names() {
        let c = GetUserName { user_id: 2 };
        let mut raw = Vec::new();
        encode_user_name("admin", &mut raw);
        assert_eq!(raw.len(), 16);
        assert_eq!(c.decode(&ok(&c, &raw)).unwrap(), "admin");
        assert_eq!(c.decode(&ok(&c, &[0; 16])).unwrap(), "");
        assert!(c.decode(&ok(&c, &raw[..15])).is_err());
        let s = SetUserName::new(4, "operator1").unwrap();
        let data = s.request().data;
        assert_eq!(&data[..4], &[4, b'o', b'p', b'e']);
        assert_eq!(data.len(), 17);
        assert_eq!(
            SetUserName::parse_request(&data),
            Some((4, "operator1".into()))
        );
        assert!(SetUserName::new(4, "seventeen-chars!!").is_none());
    }

    #[test]
    fn passwords_16_20_and_redacted() {
        let p = Password::new(b"secret", false).unwrap();
        assert_eq!(p.bytes().len(), 16);
        let s = SetUserPassword {
            user_id: 2,
            op: PasswordOp::Set(p),
        };
        let data = s.request().data;
        assert_eq!(
            &data[..8],
            &[0x02, 0x02, b's', b'e', b'c', b'r', b'e', b't']
        );
        assert_eq!(data.len(), 18);
        assert_eq!(SetUserPassword::parse_request(&data), Some(s.clone()));
        let debug = format!("{s:?}");
        assert!(
            !debug.contains("115") && !debug.contains("secret"),
            "{debug}"
        );
        assert!(debug.contains("redacted"));

        let long = Password::new(b"a-longer-password-17", false).unwrap();
        assert!(long.is_twenty());
        let t = SetUserPassword {
            user_id: 5,
            op: PasswordOp::Test(long),
        };
        let data = t.request().data;
        assert_eq!((data[0], data[1], data.len()), (0x85, 0x03, 22));
        assert_eq!(SetUserPassword::parse_request(&data), Some(t));
        assert!(Password::new(&[b'x'; 21], true).is_none());
        // A 16-byte form with 20 bytes of data is malformed.
        assert_eq!(SetUserPassword::parse_request(&[0x05, 0x02, 0, 0]), None);

        for (op, code) in [(PasswordOp::DisableUser, 0), (PasswordOp::EnableUser, 1)] {
            let c = SetUserPassword { user_id: 7, op };
            assert_eq!(c.request().data, [7, code]);
            assert_eq!(SetUserPassword::parse_request(&[7, code]), Some(c));
        }
    }
}
