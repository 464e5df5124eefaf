//! The commands the responder answers from its own tables: the user table
//! its handshake checks (Get/Set User Access, Name, Password; IPMI 2.0
//! §22.26–§22.30), Get Channel Access (§22.23) and Get Session Info from
//! the live session table (§22.20). User IDs are user-table positions + 1;
//! the table shows at least [`USER_SLOTS`] IDs, the unused ones empty.

use std::net::{IpAddr, SocketAddr};

use ipmi_core::cmd::channel::{ChannelAccess, GetChannelAccess, THIS_CHANNEL};
use ipmi_core::cmd::lan_config::MacAddr;
use ipmi_core::cmd::session_info::{
    GetSessionInfo, LanConsole, SessionDetail, SessionInfo, SessionSelector,
};
use ipmi_core::cmd::user::{
    encode_user_name, GetUserAccess, GetUserName, PasswordOp, PrivilegeLimit, SetUserAccess,
    SetUserName, SetUserPassword, UserAccess, CC_PASSWORD_MISMATCH, USER_NAME_LEN,
};
use ipmi_core::wire::lan_message::LanMessage;
use ipmi_core::{CompletionCode, NetFn, PrivilegeLevel};
use zeroize::Zeroizing;

use super::channel::{encoded, Answer};
use super::config::User;
use super::handler::{standard_privilege, Handler};
use super::responder::Responder;
use super::session::State;

/// User IDs a responder shows at least (IPMI 2.0 §22.27 "maximum number of user IDs").
pub const USER_SLOTS: usize = 10;
/// The most user IDs the 6-bit fields can carry (IPMI 2.0 table 22-33).
const MAX_USER_IDS: usize = 63;

/// An answer carrying only a completion code.
fn refuse(cc: CompletionCode) -> Answer {
    (cc, vec![])
}

impl<H: Handler> Responder<H> {
    /// Answers the commands this module owns, after the privilege check of
    /// IPMI 2.0 appendix G; `None` for other commands.
    pub(super) fn answer_owned(
        &mut self,
        sid: u32,
        privilege: PrivilegeLevel,
        msg: &LanMessage<'_>,
    ) -> Option<Answer> {
        if msg.netfn != NetFn::APP || !matches!(msg.cmd, 0x3d | 0x41 | 0x43..=0x47) {
            return None;
        }
        if let Some(needed) = standard_privilege(msg.netfn, msg.cmd) {
            if privilege < needed {
                return Some(refuse(CompletionCode::INSUFFICIENT_PRIVILEGE));
            }
        }
        let data = msg.body;
        Some(match msg.cmd {
            0x3d => self.session_info(sid, data),
            0x41 => self.channel_access(data),
            0x43 => self.set_user_access(data),
            0x44 => self.user_access(data),
            0x45 => self.set_user_name(data),
            0x46 => self.user_name(data),
            0x47 => self.set_user_password(data),
            _ => return None,
        })
    }

    fn channel_ok(&self, channel: u8) -> bool {
        channel == THIS_CHANNEL || channel == self.config.channel
    }

    /// How many user IDs the table shows (IPMI 2.0 §22.27).
    fn user_ids(&self) -> usize {
        self.config.users.len().clamp(USER_SLOTS, MAX_USER_IDS)
    }

    /// The user with `id`, `None` beyond the table; unused slots read as empty.
    fn user_slot(&mut self, id: u8) -> Option<&mut User> {
        let index = usize::from(id).checked_sub(1)?;
        if index >= self.user_ids() {
            return None;
        }
        if self.config.users.len() <= index {
            self.config.users.resize_with(index + 1, User::empty_slot);
        }
        self.config.users.get_mut(index)
    }

    fn user_access(&mut self, data: &[u8]) -> Answer {
        let Some(req) = GetUserAccess::parse_request(data) else {
            return refuse(CompletionCode::REQUEST_LENGTH_INVALID);
        };
        if !self.channel_ok(req.channel) || req.user_id == 0 {
            return refuse(CompletionCode::INVALID_DATA_FIELD);
        }
        let max = self.user_ids();
        let users = &self.config.users;
        let enabled = users.iter().filter(|u| u.enabled).count();
        let empty = User::empty_slot();
        let Some(user) = (usize::from(req.user_id) <= max)
            .then(|| users.get(usize::from(req.user_id) - 1).unwrap_or(&empty))
        else {
            return refuse(CompletionCode::INVALID_DATA_FIELD);
        };
        let access = UserAccess {
            max_user_ids: max as u8,
            enable_status: if user.enabled { 0x40 } else { 0x80 },
            enabled_user_ids: enabled.min(MAX_USER_IDS) as u8,
            fixed_name_ids: 0,
            callback_only: user.callback_only,
            link_auth: user.link_auth,
            ipmi_messaging: user.ipmi_messaging,
            privilege_limit: if user.no_access {
                PrivilegeLimit::NO_ACCESS
            } else {
                user.privilege.into()
            },
        };
        encoded(|out| access.encode(out))
    }

    fn set_user_access(&mut self, data: &[u8]) -> Answer {
        let Some(req) = SetUserAccess::parse_request(data) else {
            return refuse(CompletionCode::REQUEST_LENGTH_INVALID);
        };
        let level = match req.privilege_limit {
            PrivilegeLimit::NO_ACCESS => None,
            limit => match limit.level() {
                Some(l) => Some(l),
                None => return refuse(CompletionCode::INVALID_DATA_FIELD),
            },
        };
        if !self.channel_ok(req.channel) {
            return refuse(CompletionCode::INVALID_DATA_FIELD);
        }
        let Some(user) = self.user_slot(req.user_id) else {
            return refuse(CompletionCode::INVALID_DATA_FIELD);
        };
        if req.change_bits {
            user.callback_only = req.callback_only;
            user.link_auth = req.link_auth;
            user.ipmi_messaging = req.ipmi_messaging;
        }
        user.no_access = level.is_none();
        if let Some(l) = level {
            user.privilege = l;
        }
        if let Some(limit) = req.session_limit.filter(|&l| l != 0) {
            user.session_limit = usize::from(limit);
        }
        refuse(CompletionCode::SUCCESS)
    }

    fn user_name(&mut self, data: &[u8]) -> Answer {
        let Some(req) = GetUserName::parse_request(data) else {
            return refuse(CompletionCode::REQUEST_LENGTH_INVALID);
        };
        let Some(user) = self.user_slot(req.user_id) else {
            return refuse(CompletionCode::INVALID_DATA_FIELD);
        };
        let name = String::from_utf8_lossy(&user.name).into_owned();
        encoded(|out| encode_user_name(&name, out))
    }

    fn set_user_name(&mut self, data: &[u8]) -> Answer {
        let Some((id, name)) = SetUserName::parse_request(data) else {
            return refuse(CompletionCode::REQUEST_LENGTH_INVALID);
        };
        // Names are text: bytes that did not survive the UTF-8 reading are refused.
        let raw = &data[1..];
        let raw = &raw[..raw.iter().position(|&b| b == 0).unwrap_or(raw.len())];
        if name.len() > USER_NAME_LEN || name.as_bytes() != raw {
            return refuse(CompletionCode::INVALID_DATA_FIELD);
        }
        let Some(user) = self.user_slot(id) else {
            return refuse(CompletionCode::INVALID_DATA_FIELD);
        };
        user.name = name.into_bytes();
        refuse(CompletionCode::SUCCESS)
    }

    /// Set User Password (IPMI 2.0 §22.30): the stored key is the password
    /// without its NUL padding, which RAKP's HMAC keys treat alike.
    fn set_user_password(&mut self, data: &[u8]) -> Answer {
        let Some(req) = SetUserPassword::parse_request(data) else {
            return refuse(CompletionCode::REQUEST_LENGTH_INVALID);
        };
        let Some(user) = self.user_slot(req.user_id) else {
            return refuse(CompletionCode::INVALID_DATA_FIELD);
        };
        let unpadded = |bytes: &[u8]| {
            let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
            bytes[..end].to_vec()
        };
        match req.op {
            PasswordOp::DisableUser => user.enabled = false,
            PasswordOp::EnableUser => user.enabled = true,
            PasswordOp::Set(p) => user.password = Zeroizing::new(unpadded(p.bytes())),
            PasswordOp::Test(p) => {
                if *Zeroizing::new(unpadded(p.bytes())) != *user.password {
                    return refuse(CompletionCode(CC_PASSWORD_MISMATCH));
                }
            }
        }
        refuse(CompletionCode::SUCCESS)
    }

    /// Get Channel Access (IPMI 2.0 §22.23): always available, per-message
    /// and user-level authentication on, no alerting, the channel's limit.
    fn channel_access(&self, data: &[u8]) -> Answer {
        let Some(req) = GetChannelAccess::parse_request(data) else {
            return refuse(CompletionCode::INVALID_DATA_FIELD);
        };
        if !self.channel_ok(req.channel) {
            return refuse(CompletionCode::INVALID_DATA_FIELD);
        }
        let access = ChannelAccess {
            alerting: false,
            per_message_auth: true,
            user_level_auth: true,
            access_mode: 2,
            privilege_limit: self.config.channel_privilege_limit.into(),
        };
        encoded(|out| access.encode(out))
    }

    /// Get Session Info (IPMI 2.0 §22.20): handles are 1-based positions
    /// among the active sessions ordered by session ID.
    fn session_info(&self, sid: u32, data: &[u8]) -> Answer {
        let Some(GetSessionInfo(selector)) = GetSessionInfo::parse_request(data) else {
            return refuse(CompletionCode::INVALID_DATA_FIELD);
        };
        let mut active: Vec<_> = self
            .sessions
            .values()
            .filter_map(|s| match &s.state {
                State::Active(a) => Some((s.id, s.peer, a.handshake.user, a.privilege)),
                _ => None,
            })
            .collect();
        active.sort_by_key(|a| a.0);
        let position = match selector {
            SessionSelector::Current => active.iter().position(|a| a.0 == sid),
            SessionSelector::Index(n) | SessionSelector::Handle(n) => {
                usize::from(n).checked_sub(1).filter(|&i| i < active.len())
            }
            SessionSelector::Id(id) => active.iter().position(|a| a.0 == id),
        };
        let Some(i) = position else {
            return refuse(CompletionCode::INVALID_DATA_FIELD);
        };
        let (_, peer, user, privilege) = active[i];
        let info = SessionInfo {
            handle: (i + 1) as u8,
            slot_count: self.config.max_sessions.min(MAX_USER_IDS) as u8,
            active_count: active.len().min(MAX_USER_IDS) as u8,
            detail: Some(SessionDetail {
                user_id: (user + 1).min(MAX_USER_IDS) as u8,
                privilege: privilege.into(),
                protocol_aux: 1,
                channel: self.config.channel,
                lan: Some(console(peer)),
                channel_data: vec![],
            }),
        };
        encoded(|out| info.encode(out))
    }
}

/// The console's address as Get Session Info reports it (IPv4 only; the MAC is not known).
fn console(peer: SocketAddr) -> LanConsole {
    let ip = match peer.ip() {
        IpAddr::V4(v4) => v4,
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .unwrap_or(std::net::Ipv4Addr::UNSPECIFIED),
    };
    LanConsole {
        ip,
        mac: MacAddr([0; 6]),
        port: peer.port(),
    }
}
