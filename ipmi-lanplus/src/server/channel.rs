//! Channel-level commands the responder answers itself, before and inside
//! sessions: Get Channel Authentication Capabilities (IPMI 2.0 §22.13),
//! Get Channel Cipher Suites (§22.15) and Get System GUID (§22.14).

use ipmi_core::cmd::channel::{ChannelInfo, ChannelMedium, ChannelProtocol, THIS_CHANNEL};
use ipmi_core::cmd::mc::Guid;
use ipmi_core::cmd::ChannelAuthCapabilities;
use ipmi_core::{CompletionCode, NetFn, PrivilegeLevel};

use super::cipher_suites::{self, CipherSuitesRequest, CMD_GET_CHANNEL_CIPHER_SUITES};
use super::config::ServerConfig;
use crate::crypto::suite::CipherSuite;

/// Get System GUID, NetFn App (IPMI 2.0 §22.14).
pub const CMD_GET_SYSTEM_GUID: u8 = 0x37;
/// Get Channel Authentication Capabilities, NetFn App (IPMI 2.0 §22.13).
pub const CMD_GET_CHANNEL_AUTH_CAPABILITIES: u8 = 0x38;
/// Get Session Challenge, NetFn App: IPMI 1.5 sessions, not offered (IPMI 2.0 §22.16).
pub const CMD_GET_SESSION_CHALLENGE: u8 = 0x39;
/// Activate Session, NetFn App: IPMI 1.5 sessions, not offered (IPMI 2.0 §22.17).
pub const CMD_ACTIVATE_SESSION: u8 = 0x3a;
/// Set Session Privilege Level, NetFn App (IPMI 2.0 §22.18).
pub const CMD_SET_SESSION_PRIVILEGE: u8 = 0x3b;
/// Close Session, NetFn App (IPMI 2.0 §22.19).
pub const CMD_CLOSE_SESSION: u8 = 0x3c;

/// Get Channel Info, NetFn App (IPMI 2.0 §22.24).
pub const CMD_GET_CHANNEL_INFO: u8 = 0x42;

/// IANA number of the IPMI forum, the vendor of standard channels (IPMI 2.0 §22.24).
const IPMI_FORUM_IANA: u32 = 7154;
/// Channel protocol IPMB-1.0, what a LAN channel reports (IPMI 2.0 §6.4, table 6-2).
const PROTOCOL_IPMB: ChannelProtocol = ChannelProtocol(1);
/// Session support "multi-session" (IPMI 2.0 §22.24, table 22-28).
const MULTI_SESSION: u8 = 2;

/// An answer: completion code and data.
pub(crate) type Answer = (CompletionCode, Vec<u8>);

/// A successful answer whose data `encode` writes (an ipmi-core encoder).
pub(crate) fn encoded(encode: impl FnOnce(&mut Vec<u8>)) -> Answer {
    let mut out = Vec::new();
    encode(&mut out);
    (CompletionCode::SUCCESS, out)
}

fn channel_ok(config: &ServerConfig, channel: u8) -> bool {
    channel == THIS_CHANNEL || channel == config.channel
}

/// Get Channel Authentication Capabilities response data (IPMI 2.0 §22.13, table 22-15).
///
/// Only RMCP+ is offered: no IPMI 1.5 authentication type bit is set; the
/// v2.0 bits are set when the request asks for them (byte 1 bit 7).
pub(crate) fn auth_capabilities(config: &ServerConfig, data: &[u8]) -> Answer {
    let [chan, privilege] = *data else {
        return (CompletionCode::REQUEST_LENGTH_INVALID, vec![]);
    };
    if !channel_ok(config, chan & 0x0f) || PrivilegeLevel::from_u8(privilege & 0x0f).is_none() {
        return (CompletionCode::INVALID_DATA_FIELD, vec![]);
    }
    let v2 = chan & 0x80 != 0;
    // Disabled or unused entries are nobody (IPMI 2.0 §22.13 byte 3).
    let users: Vec<_> = config
        .users
        .iter()
        .filter(|u| u.may_open_session())
        .collect();
    let mut status = 0u8;
    if config.nonzero_kg().is_some() {
        status |= 0x20;
    }
    if users.iter().any(|u| !u.name.is_empty()) {
        status |= 0x04;
    }
    if users
        .iter()
        .any(|u| u.name.is_empty() && !u.password.is_empty())
    {
        status |= 0x02;
    }
    if users
        .iter()
        .any(|u| u.name.is_empty() && u.password.is_empty())
    {
        status |= 0x01;
    }
    let mut out = Vec::new();
    ChannelAuthCapabilities {
        channel: config.channel,
        auth_types: if v2 { 0x80 } else { 0x00 },
        auth_status: status,
        extended: if v2 { 0x02 } else { 0x00 },
        oem_id: 0,
        oem_aux: 0,
    }
    .encode(&mut out);
    (CompletionCode::SUCCESS, out)
}

/// Get Channel Cipher Suites response data (IPMI 2.0 §22.15).
pub(crate) fn cipher_suites(config: &ServerConfig, suites: &[CipherSuite], data: &[u8]) -> Answer {
    match CipherSuitesRequest::parse(data) {
        Err(cc) => (cc, vec![]),
        Ok(r) if !channel_ok(config, r.channel) => (CompletionCode::INVALID_DATA_FIELD, vec![]),
        Ok(r) => (
            CompletionCode::SUCCESS,
            cipher_suites::response_data(&r, config.channel, suites),
        ),
    }
}

/// Get Channel Info response data for the LAN channel (IPMI 2.0 §22.24,
/// table 22-28): 802.3 LAN medium, IPMB-1.0 protocol, multi-session, and
/// `active_sessions` (at most 63); other channel numbers are CCh.
pub(crate) fn channel_info(config: &ServerConfig, active_sessions: usize, data: &[u8]) -> Answer {
    let [chan] = *data else {
        return (CompletionCode::REQUEST_LENGTH_INVALID, vec![]);
    };
    if !channel_ok(config, chan & 0x0f) || chan & 0xf0 != 0 {
        return (CompletionCode::INVALID_DATA_FIELD, vec![]);
    }
    let mut out = Vec::new();
    ChannelInfo {
        channel: config.channel,
        medium: ChannelMedium::LAN,
        protocol: PROTOCOL_IPMB,
        session_support: MULTI_SESSION,
        active_sessions: active_sessions.min(0x3f) as u8,
        vendor_id: IPMI_FORUM_IANA,
        aux: [0, 0],
    }
    .encode(&mut out);
    (CompletionCode::SUCCESS, out)
}

/// Get System GUID response data: the 16 GUID bytes (IPMI 2.0 §22.14).
pub(crate) fn system_guid(config: &ServerConfig, data: &[u8]) -> Answer {
    if !data.is_empty() {
        return (CompletionCode::REQUEST_LENGTH_INVALID, vec![]);
    }
    encoded(|out| Guid(config.guid).encode(out))
}

/// Answers the channel commands available without a session; `None` for
/// other commands (IPMI 2.0 §22.13–§22.15, §6.12.3).
pub(crate) fn answer(
    config: &ServerConfig,
    suites: &[CipherSuite],
    netfn: NetFn,
    cmd: u8,
    data: &[u8],
) -> Option<Answer> {
    if netfn != NetFn::APP {
        return None;
    }
    Some(match cmd {
        CMD_GET_CHANNEL_AUTH_CAPABILITIES => auth_capabilities(config, data),
        CMD_GET_CHANNEL_CIPHER_SUITES => cipher_suites(config, suites, data),
        CMD_GET_SYSTEM_GUID => system_guid(config, data),
        _ => return None,
    })
}

/// The answer to any other command sent outside a session: C1h for the
/// IPMI 1.5 session commands ipmirs does not offer, D4h for the rest (IPMI 2.0 §6.12.3).
pub(crate) fn refuse_presession(netfn: NetFn, cmd: u8) -> Answer {
    match (netfn, cmd) {
        (NetFn::APP, CMD_GET_SESSION_CHALLENGE | CMD_ACTIVATE_SESSION) => {
            (CompletionCode::INVALID_COMMAND, vec![])
        }
        _ => (CompletionCode::INSUFFICIENT_PRIVILEGE, vec![]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::config::User;
    use ipmi_core::cmd::GetChannelAuthCapabilities;
    use ipmi_core::{Command, Response};

    #[test]
    fn auth_caps_decode_with_the_command_layer() {
        let config =
            ServerConfig::new().user(User::new("admin", "pw", PrivilegeLevel::Administrator));
        let cmd = GetChannelAuthCapabilities {
            channel: 0x0e,
            privilege: PrivilegeLevel::Administrator,
            ipmi_v2: true,
        };
        let (cc, data) = auth_capabilities(&config, &cmd.request().data);
        let r = Response {
            netfn: NetFn::APP.response(),
            cmd: 0x38,
            completion: cc,
            data,
        };
        let caps = cmd.decode(&r).unwrap();
        assert!(caps.supports_v2());
        assert!(!caps.kg_set());
        assert_eq!(caps.channel, 1);
        assert_eq!(caps.auth_status, 0x04);
        let with_kg = config
            .clone()
            .kg(*b"key")
            .user(User::new("", "", PrivilegeLevel::User));
        let (_, data) = auth_capabilities(&with_kg, &[0x8e, 4]);
        assert_eq!(data[2], 0x25);
        // IPMI 1.5 form: no v2 bits.
        let (_, data) = auth_capabilities(&config, &[0x0e, 4]);
        assert_eq!((data[1], data[3]), (0, 0));
        assert_eq!(
            auth_capabilities(&config, &[0x8e]).0,
            CompletionCode::REQUEST_LENGTH_INVALID
        );
        assert_eq!(
            auth_capabilities(&config, &[0x83, 4]).0,
            CompletionCode::INVALID_DATA_FIELD
        );
        assert_eq!(
            auth_capabilities(&config, &[0x81, 4]).0,
            CompletionCode::SUCCESS
        );
        assert_eq!(
            auth_capabilities(&config, &[0x8e, 0]).0,
            CompletionCode::INVALID_DATA_FIELD
        );
    }

    #[test]
    fn channel_info_layout() {
        let config = ServerConfig::new();
        let (cc, d) = channel_info(&config, 2, &[0x0e]);
        assert_eq!(
            (cc, d),
            (
                CompletionCode::SUCCESS,
                vec![1, 0x04, 0x01, 0x82, 0xf2, 0x1b, 0x00, 0, 0]
            )
        );
        assert_eq!(channel_info(&config, 0, &[1]).0, CompletionCode::SUCCESS);
        assert_eq!(
            channel_info(&config, 0, &[0]).0,
            CompletionCode::INVALID_DATA_FIELD
        );
        assert_eq!(
            channel_info(&config, 0, &[]).0,
            CompletionCode::REQUEST_LENGTH_INVALID
        );
    }

    #[test]
    fn presession_dispatch() {
        let config = ServerConfig::new();
        let suites = config.suites();
        assert!(answer(&config, &suites, NetFn::APP, 0x01, &[]).is_none());
        let (cc, guid) = answer(&config, &suites, NetFn::APP, CMD_GET_SYSTEM_GUID, &[]).unwrap();
        assert_eq!(
            (cc, guid.as_slice()),
            (CompletionCode::SUCCESS, &config.guid[..])
        );
        let (cc, d) = answer(&config, &suites, NetFn::APP, 0x54, &[0x0e, 0, 0x80]).unwrap();
        assert_eq!((cc, d.len()), (CompletionCode::SUCCESS, 17));
        assert_eq!(
            answer(&config, &suites, NetFn::APP, 0x54, &[0x05, 0, 0x80])
                .unwrap()
                .0,
            CompletionCode::INVALID_DATA_FIELD
        );
        assert_eq!(
            refuse_presession(NetFn::APP, 0x39).0,
            CompletionCode::INVALID_COMMAND
        );
        assert_eq!(
            refuse_presession(NetFn::CHASSIS, 0x02).0,
            CompletionCode::INSUFFICIENT_PRIVILEGE
        );
    }
}
