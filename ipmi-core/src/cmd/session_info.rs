//! Get Session Info (IPMI 2.0 §22.20): the current session, the Nth
//! active one, or one by handle or ID, with the LAN console's address.

use std::net::Ipv4Addr;

use super::lan_config::MacAddr;
use super::support::ident;
use super::user::PrivilegeLimit;
use crate::command::expect_data;
use crate::{Command, CommandError, NetFn, Response};

/// Which session to describe (IPMI 2.0 §22.20, table 22-25 byte 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionSelector {
    /// 00h: the session this request arrives on (`session info active`).
    Current,
    /// 01h..=3Fh: the Nth active session (`session info all` walks 1..=slot count).
    Index(u8),
    /// FEh: by session handle.
    Handle(u8),
    /// FFh: by session ID.
    Id(u32),
}

/// Get Session Info (NetFn App, cmd 0x3D; IPMI 2.0 §22.20). For `all`,
/// ipmitool tolerates completion codes CBh and CCh past the last session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GetSessionInfo(pub SessionSelector);

/// The console end of a LAN session (IPMI 2.0 table 22-25, 802.3 LAN channels).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LanConsole {
    /// Console IP address.
    pub ip: Ipv4Addr,
    /// Console MAC address.
    pub mac: MacAddr,
    /// Console UDP port.
    pub port: u16,
}

/// What a found session carries past the counts (IPMI 2.0 table 22-25).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SessionDetail {
    /// User ID (byte 4 bits 5:0).
    pub user_id: u8,
    /// Operating privilege level (byte 5 bits 3:0).
    pub privilege: PrivilegeLimit,
    /// Session protocol auxiliary data (byte 6 bits 7:4): 0 IPMI v1.5, 1 IPMI v2.0/RMCP+.
    pub protocol_aux: u8,
    /// Channel number (byte 6 bits 3:0).
    pub channel: u8,
    /// The LAN console, when the answer has the 802.3 LAN form (18 bytes).
    pub lan: Option<LanConsole>,
    /// The channel-type dependent bytes after byte 6, as received.
    pub channel_data: Vec<u8>,
}

/// A Get Session Info answer (IPMI 2.0 §22.20). ipmitool's labels (each
/// `format!("{:<30}: ", label)`): "session handle", "slot count", "active
/// sessions", "user id", "privilege level", "session type" ("IPMIv2/RMCP+"
/// when `protocol_aux` is non-zero, else "IPMIv1.5"), "channel number"
/// (0x%02x), "console ip", "console mac", "console port"; then a blank line.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SessionInfo {
    /// Session handle (00h: no such active session).
    pub handle: u8,
    /// Number of possible active sessions (slot count).
    pub slot_count: u8,
    /// Number of currently active sessions.
    pub active_count: u8,
    /// The session's detail; `None` when only the counts came back.
    pub detail: Option<SessionDetail>,
}

impl SessionInfo {
    /// The response data bytes (for a responder).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[
            self.handle,
            self.slot_count & 0x3f,
            self.active_count & 0x3f,
        ]);
        if let Some(d) = &self.detail {
            out.extend_from_slice(&[
                d.user_id & 0x3f,
                d.privilege.0 & 0x0f,
                (d.protocol_aux << 4) | (d.channel & 0x0f),
            ]);
            match &d.lan {
                Some(l) => {
                    out.extend_from_slice(&l.ip.octets());
                    out.extend_from_slice(&l.mac.0);
                    out.extend_from_slice(&l.port.to_le_bytes());
                }
                None => out.extend_from_slice(&d.channel_data),
            }
        }
    }
}

impl GetSessionInfo {
    /// Parses request data as a responder receives it; `None` when malformed.
    pub fn parse_request(data: &[u8]) -> Option<Self> {
        Some(Self(match data {
            [0xfe, h] => SessionSelector::Handle(*h),
            [0xff, a, b, c, d] => SessionSelector::Id(u32::from_le_bytes([*a, *b, *c, *d])),
            [0] => SessionSelector::Current,
            [n @ 1..=0x3f] => SessionSelector::Index(*n),
            _ => return None,
        }))
    }
}

impl Command for GetSessionInfo {
    type Output = SessionInfo;
    ident!("Get Session Info", NetFn::APP, 0x3d);
    fn encode(&self, out: &mut Vec<u8>) {
        match self.0 {
            SessionSelector::Current => out.push(0),
            SessionSelector::Index(n) => out.push(n & 0x3f),
            SessionSelector::Handle(h) => out.extend_from_slice(&[0xfe, h]),
            SessionSelector::Id(id) => {
                out.push(0xff);
                out.extend_from_slice(&id.to_le_bytes());
            }
        }
    }
    fn decode(&self, response: &Response) -> Result<SessionInfo, CommandError> {
        let d = expect_data(self, response, 3)?;
        let detail = (d.len() >= 6).then(|| {
            let extra = &d[6..];
            let lan = (extra.len() >= 12).then(|| LanConsole {
                ip: Ipv4Addr::new(extra[0], extra[1], extra[2], extra[3]),
                mac: MacAddr([extra[4], extra[5], extra[6], extra[7], extra[8], extra[9]]),
                port: u16::from_le_bytes([extra[10], extra[11]]),
            });
            SessionDetail {
                user_id: d[3] & 0x3f,
                privilege: PrivilegeLimit(d[4] & 0x0f),
                protocol_aux: d[5] >> 4,
                channel: d[5] & 0x0f,
                lan,
                channel_data: extra.to_vec(),
            }
        });
        Ok(SessionInfo {
            handle: d[0],
            slot_count: d[1] & 0x3f,
            active_count: d[2] & 0x3f,
            detail,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::support::ok;
    use super::*;

    #[test]
    fn selectors() {
        let bytes = |s| GetSessionInfo(s).request().data;
        assert_eq!(bytes(SessionSelector::Current), [0]);
        assert_eq!(bytes(SessionSelector::Index(3)), [3]);
        assert_eq!(bytes(SessionSelector::Handle(0x81)), [0xfe, 0x81]);
        assert_eq!(
            bytes(SessionSelector::Id(0x1234_5678)),
            [0xff, 0x78, 0x56, 0x34, 0x12]
        );
    }

    #[test]
    fn lan_session_and_counts_only() {
        let c = GetSessionInfo(SessionSelector::Current);
        let raw = [
            0x01, 0x3f, 0x02, 0x02, 0x04, 0x11, 127, 0, 0, 1, 0, 0x11, 0x22, 0x33, 0x44, 0x55,
            0x39, 0xd4,
        ];
        let s = c.decode(&ok(&c, &raw)).unwrap();
        assert_eq!((s.handle, s.slot_count, s.active_count), (1, 63, 2));
        let d = s.detail.clone().unwrap();
        assert_eq!(d.user_id, 2);
        assert_eq!(d.privilege.to_string(), "ADMINISTRATOR");
        assert_eq!((d.protocol_aux, d.channel), (1, 1));
        let lan = d.lan.unwrap();
        assert_eq!(lan.ip.to_string(), "127.0.0.1");
        assert_eq!(lan.mac.to_string(), "00:11:22:33:44:55");
        assert_eq!(lan.port, 54329);
        let mut out = Vec::new();
        s.encode(&mut out);
        assert_eq!(out, raw);

        let none = c.decode(&ok(&c, &[0, 0x3f, 0])).unwrap();
        assert_eq!(none.detail, None);
        let mut out = Vec::new();
        none.encode(&mut out);
        assert_eq!(out, [0, 0x3f, 0]);
        // A serial form keeps its bytes raw.
        let serial = c
            .decode(&ok(&c, &[1, 4, 1, 3, 3, 0x02, 0, 1, 10, 0, 0, 1]))
            .unwrap();
        let d = serial.detail.unwrap();
        assert_eq!((d.lan, d.channel_data.len()), (None, 6));
    }
}
