//! Session-management commands used by the LAN transports: Get Channel
//! Authentication Capabilities (IPMI 2.0 §22.13), Set Session Privilege
//! Level (§22.18), Close Session (§22.19).

use crate::command::expect_data;
use crate::{Command, CommandError, NetFn, PrivilegeLevel, Response};

/// Get Channel Authentication Capabilities (NetFn App, cmd 0x38; IPMI 2.0 §22.13).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GetChannelAuthCapabilities {
    /// Channel (0x0E = the channel this request arrives on).
    pub channel: u8,
    /// Requested maximum privilege level.
    pub privilege: PrivilegeLevel,
    /// Ask for the IPMI v2.0 extended data (request byte 1 bit 7).
    pub ipmi_v2: bool,
}

/// The decoded capabilities (IPMI 2.0 §22.13, table 22-15).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChannelAuthCapabilities {
    /// Channel number the BMC used.
    pub channel: u8,
    /// IPMI 1.5 authentication types enabled (bit mask), bit 7 = extended data present.
    pub auth_types: u8,
    /// Byte 3 of the response: Kg status, per-message/user-level auth disabled, login kinds.
    pub auth_status: u8,
    /// Byte 4: bit 1 IPMI v2.0 (RMCP+) supported, bit 0 IPMI v1.5 supported.
    pub extended: u8,
    /// OEM IANA number.
    pub oem_id: u32,
    /// OEM auxiliary data.
    pub oem_aux: u8,
}

impl ChannelAuthCapabilities {
    /// The channel supports RMCP+ (IPMI v2.0) sessions.
    pub fn supports_v2(&self) -> bool {
        self.auth_types & 0x80 != 0 && self.extended & 0x02 != 0
    }
    /// A non-zero BMC key (Kg) is configured.
    pub fn kg_set(&self) -> bool {
        self.auth_status & 0x20 != 0
    }
    /// The IPMI 1.5 authentication types enabled (byte 2 bits 5:0); ipmitool's
    /// `channel authcap` line "IPMI v1.5  auth types      : " shows them.
    pub fn auth_types(&self) -> super::lan_config::AuthTypes {
        super::lan_config::AuthTypes(self.auth_types & 0x3f)
    }
    /// The v2.0 extended data is present (byte 2 bit 7): ipmitool then
    /// prints the "KG status" and "Channel supports IPMI v1.5/v2.0" lines.
    pub fn extended_data(&self) -> bool {
        self.auth_types & 0x80 != 0
    }
    /// Per-message authentication enabled (byte 3 bit 4 clear): "Per message authentication : enabled".
    pub fn per_message_auth(&self) -> bool {
        self.auth_status & 0x10 == 0
    }
    /// User-level authentication enabled (byte 3 bit 3 clear): "User level authentication  : enabled".
    pub fn user_level_auth(&self) -> bool {
        self.auth_status & 0x08 == 0
    }
    /// Non-null user names exist (byte 3 bit 2).
    pub fn non_null_usernames(&self) -> bool {
        self.auth_status & 0x04 != 0
    }
    /// Null user names with non-null passwords exist (byte 3 bit 1).
    pub fn null_usernames(&self) -> bool {
        self.auth_status & 0x02 != 0
    }
    /// Anonymous login enabled (byte 3 bit 0).
    pub fn anonymous_login(&self) -> bool {
        self.auth_status & 0x01 != 0
    }
    /// The channel supports IPMI v1.5 sessions (byte 4 bit 0).
    pub fn supports_v15(&self) -> bool {
        self.extended & 0x01 != 0
    }
    /// The response data bytes (for a responder).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[
            self.channel,
            self.auth_types,
            self.auth_status,
            self.extended,
        ]);
        out.extend_from_slice(&self.oem_id.to_le_bytes()[..3]);
        out.push(self.oem_aux);
    }
}

impl Command for GetChannelAuthCapabilities {
    type Output = ChannelAuthCapabilities;

    fn name(&self) -> &'static str {
        "Get Channel Authentication Capabilities"
    }
    fn netfn(&self) -> NetFn {
        NetFn::APP
    }
    fn cmd(&self) -> u8 {
        0x38
    }
    fn encode(&self, out: &mut Vec<u8>) {
        out.push((self.channel & 0x0f) | if self.ipmi_v2 { 0x80 } else { 0 });
        out.push(self.privilege as u8);
    }
    fn decode(&self, response: &Response) -> Result<ChannelAuthCapabilities, CommandError> {
        let d = expect_data(self, response, 8)?;
        Ok(ChannelAuthCapabilities {
            channel: d[0],
            auth_types: d[1],
            auth_status: d[2],
            extended: d[3],
            oem_id: u32::from_le_bytes([d[4], d[5], d[6], 0]),
            oem_aux: d[7],
        })
    }
}

/// Set Session Privilege Level (NetFn App, cmd 0x3B; IPMI 2.0 §22.18).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetSessionPrivilegeLevel(pub PrivilegeLevel);

impl Command for SetSessionPrivilegeLevel {
    type Output = PrivilegeLevel;

    fn name(&self) -> &'static str {
        "Set Session Privilege Level"
    }
    fn netfn(&self) -> NetFn {
        NetFn::APP
    }
    fn cmd(&self) -> u8 {
        0x3b
    }
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.0 as u8);
    }
    fn decode(&self, response: &Response) -> Result<PrivilegeLevel, CommandError> {
        let d = expect_data(self, response, 1)?;
        PrivilegeLevel::from_u8(d[0]).ok_or(CommandError::InvalidField {
            command: self.name(),
            field: "privilege level",
            value: d[0] as u32,
        })
    }
}

/// Close Session (NetFn App, cmd 0x3C; IPMI 2.0 §22.19).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CloseSession {
    /// The BMC's (managed system) session ID.
    pub session_id: u32,
}

impl Command for CloseSession {
    type Output = ();

    fn name(&self) -> &'static str {
        "Close Session"
    }
    fn netfn(&self) -> NetFn {
        NetFn::APP
    }
    fn cmd(&self) -> u8 {
        0x3c
    }
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.session_id.to_le_bytes());
    }
    fn decode(&self, response: &Response) -> Result<(), CommandError> {
        expect_data(self, response, 0).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CompletionCode;

    #[test]
    fn auth_caps_request_matches_protocol_reference() {
        let c = GetChannelAuthCapabilities {
            channel: 0x0e,
            privilege: PrivilegeLevel::Administrator,
            ipmi_v2: true,
        };
        assert_eq!(c.request().data, [0x8e, 0x04]);
        let r = Response {
            netfn: NetFn(7),
            cmd: 0x38,
            completion: CompletionCode(0),
            data: vec![1, 0x97, 0x04, 0x03, 0, 0, 0, 0],
        };
        let caps = c.decode(&r).unwrap();
        assert!(caps.supports_v2());
        assert!(!caps.kg_set());
        assert_eq!(caps.auth_types().to_string(), "NONE MD2 MD5 PASSWORD ");
        assert!(caps.extended_data() && caps.supports_v15());
        assert!(caps.per_message_auth() && caps.user_level_auth());
        assert!(caps.non_null_usernames() && !caps.null_usernames() && !caps.anonymous_login());
        let mut out = Vec::new();
        caps.encode(&mut out);
        assert_eq!(out, r.data);
    }

    #[test]
    fn close_session_encodes_id_le() {
        assert_eq!(
            CloseSession {
                session_id: 0x12345678
            }
            .request()
            .data,
            [0x78, 0x56, 0x34, 0x12]
        );
    }
}
