//! Channel commands: Get Channel Access (IPMI 2.0 §22.23), Get Channel
//! Info (§22.24), Get Channel Cipher Suites (§22.15) with its records
//! (§22.15.1). Get Channel Authentication Capabilities (§22.13) lives in
//! [`super::session`].

use std::fmt;

use super::support::ident;
use super::user::PrivilegeLimit;
use crate::command::expect_data;
use crate::{Command, CommandError, NetFn, Response};

/// Channel number 0Eh: the channel the request arrives on (IPMI 2.0 §6.3).
pub const THIS_CHANNEL: u8 = 0x0e;

fn unknown(f: &mut fmt::Formatter<'_>, v: u8) -> fmt::Result {
    write!(f, "Unknown (0x{v:02X})")
}

/// Channel medium type, byte 2 bits 6:0 (IPMI 2.0 table 6-3). Display gives ipmitool's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ChannelMedium(pub u8);

impl ChannelMedium {
    /// 04h: 802.3 LAN.
    pub const LAN: ChannelMedium = ChannelMedium(4);
}

impl fmt::Display for ChannelMedium {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const NAMES: [&str; 13] = [
            "reserved",
            "IPMB (I2C)",
            "ICMB v1.0",
            "ICMB v0.9",
            "802.3 LAN",
            "Serial/Modem",
            "Other LAN",
            "PCI SMBus",
            "SMBus v1.0/v1.1",
            "SMBus v2.0",
            "USB 1.x",
            "USB 2.x",
            "System Interface",
        ];
        match NAMES.get(usize::from(self.0)) {
            Some(n) => f.write_str(n),
            None => unknown(f, self.0),
        }
    }
}

/// Channel protocol type, byte 3 bits 4:0 (IPMI 2.0 table 6-2). Display gives ipmitool's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ChannelProtocol(pub u8);

impl fmt::Display for ChannelProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            0 | 3 => "reserved",
            1 => "IPMB-1.0",
            2 => "ICMB-1.0",
            4 => "IPMI-SMBus",
            5 => "KCS",
            6 => "SMIC",
            7 => "BT-10",
            8 => "BT-15",
            9 => "TMode",
            0x1c => "OEM 1",
            0x1d => "OEM 2",
            0x1e => "OEM 3",
            0x1f => "OEM 4",
            v => return unknown(f, v),
        })
    }
}

/// Get Channel Info (NetFn App, cmd 0x42; IPMI 2.0 §22.24).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GetChannelInfo {
    /// Channel number (0Eh = this channel).
    pub channel: u8,
}

/// A channel's description (IPMI 2.0 §22.24, table 22-28). ipmitool's
/// `channel info` lines: "Channel 0x%x info:", "  Channel Medium Type   : ",
/// "  Channel Protocol Type : ", "  Session Support       : " (see
/// [`ChannelInfo::session_support_word`]), "  Active Session Count  : %d",
/// "  Protocol Vendor ID    : %d".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ChannelInfo {
    /// The actual channel number (bits 3:0).
    pub channel: u8,
    /// Medium type.
    pub medium: ChannelMedium,
    /// Protocol type.
    pub protocol: ChannelProtocol,
    /// Session support (byte 4 bits 7:6).
    pub session_support: u8,
    /// Active session count (byte 4 bits 5:0).
    pub active_sessions: u8,
    /// Protocol vendor IANA number.
    pub vendor_id: u32,
    /// Auxiliary channel info.
    pub aux: [u8; 2],
}

impl ChannelInfo {
    /// ipmitool's word for the session support: session-less,
    /// single-session, multi-session, session-based.
    pub fn session_support_word(&self) -> &'static str {
        [
            "session-less",
            "single-session",
            "multi-session",
            "session-based",
        ][usize::from(self.session_support & 3)]
    }
    /// The response data bytes (for a responder).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[
            self.channel & 0x0f,
            self.medium.0 & 0x7f,
            self.protocol.0 & 0x1f,
            ((self.session_support & 3) << 6) | (self.active_sessions & 0x3f),
        ]);
        out.extend_from_slice(&self.vendor_id.to_le_bytes()[..3]);
        out.extend_from_slice(&self.aux);
    }
}

impl GetChannelInfo {
    /// Parses request data as a responder receives it; `None` when malformed.
    pub fn parse_request(data: &[u8]) -> Option<Self> {
        let [c] = *data else { return None };
        Some(Self { channel: c & 0x0f })
    }
}

impl Command for GetChannelInfo {
    type Output = ChannelInfo;
    ident!("Get Channel Info", NetFn::APP, 0x42);
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.channel & 0x0f);
    }
    fn decode(&self, response: &Response) -> Result<ChannelInfo, CommandError> {
        let d = expect_data(self, response, 9)?;
        Ok(ChannelInfo {
            channel: d[0] & 0x0f,
            medium: ChannelMedium(d[1] & 0x7f),
            protocol: ChannelProtocol(d[2] & 0x1f),
            session_support: d[3] >> 6,
            active_sessions: d[3] & 0x3f,
            vendor_id: u32::from_le_bytes([d[4], d[5], d[6], 0]),
            aux: [d[7], d[8]],
        })
    }
}

/// Which copy of the channel access settings (IPMI 2.0 §22.23, byte 2 bits 7:6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessSet {
    /// 01b: non-volatile ("  Non-Volatile Settings").
    NonVolatile = 0x40,
    /// 10b: present, volatile ("  Volatile(active) Settings").
    Volatile = 0x80,
}

/// Get Channel Access (NetFn App, cmd 0x41; IPMI 2.0 §22.23).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GetChannelAccess {
    /// Channel number.
    pub channel: u8,
    /// Volatile or non-volatile settings.
    pub which: AccessSet,
}

/// A channel's access settings (IPMI 2.0 §22.23, table 22-26). ipmitool's
/// lines: "    Alerting            : %sabled", "    Per-message Auth    : %sabled",
/// "    User Level Auth     : %sabled", "    Access Mode         : " (see
/// [`ChannelAccess::access_mode_word`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ChannelAccess {
    /// PEF alerting enabled (bit 5 clear).
    pub alerting: bool,
    /// Per-message authentication enabled (bit 4 clear).
    pub per_message_auth: bool,
    /// User-level authentication enabled (bit 3 clear).
    pub user_level_auth: bool,
    /// Access mode (bits 2:0).
    pub access_mode: u8,
    /// Channel privilege limit (byte 2 bits 3:0).
    pub privilege_limit: PrivilegeLimit,
}

impl ChannelAccess {
    /// ipmitool's words: disabled, pre-boot only, always available, shared, unknown.
    pub fn access_mode_word(&self) -> &'static str {
        match self.access_mode {
            0 => "disabled",
            1 => "pre-boot only",
            2 => "always available",
            3 => "shared",
            _ => "unknown",
        }
    }
    /// The response data bytes (for a responder).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(
            (u8::from(!self.alerting) << 5)
                | (u8::from(!self.per_message_auth) << 4)
                | (u8::from(!self.user_level_auth) << 3)
                | (self.access_mode & 7),
        );
        out.push(self.privilege_limit.0 & 0x0f);
    }
}

impl GetChannelAccess {
    /// Parses request data as a responder receives it; `None` when malformed
    /// (bits 7:6 of byte 2 neither 01b nor 10b).
    pub fn parse_request(data: &[u8]) -> Option<Self> {
        let [c, w] = *data else { return None };
        let which = match w & 0xc0 {
            0x40 => AccessSet::NonVolatile,
            0x80 => AccessSet::Volatile,
            _ => return None,
        };
        Some(Self {
            channel: c & 0x0f,
            which,
        })
    }
}

impl Command for GetChannelAccess {
    type Output = ChannelAccess;
    ident!("Get Channel Access", NetFn::APP, 0x41);
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[self.channel & 0x0f, self.which as u8]);
    }
    fn decode(&self, response: &Response) -> Result<ChannelAccess, CommandError> {
        let d = expect_data(self, response, 2)?;
        Ok(ChannelAccess {
            alerting: d[0] & 0x20 == 0,
            per_message_auth: d[0] & 0x10 == 0,
            user_level_auth: d[0] & 0x08 == 0,
            access_mode: d[0] & 7,
            privilege_limit: PrivilegeLimit(d[1] & 0x0f),
        })
    }
}

/// Start-of-record byte of a standard cipher suite record (IPMI 2.0 table 22-18).
pub const RECORD_STANDARD: u8 = 0xc0;
/// Start-of-record byte of an OEM cipher suite record (IPMI 2.0 table 22-18).
pub const RECORD_OEM: u8 = 0xc1;
/// Record bytes per Get Channel Cipher Suites answer (IPMI 2.0 §22.15).
pub const CIPHER_CHUNK_LEN: usize = 16;
/// Highest list index + 1 ipmitool reads (IPMI 2.0 §22.15: bits 5:0).
pub const CIPHER_MAX_CHUNKS: u8 = 64;

/// Get Channel Cipher Suites (NetFn App, cmd 0x54; IPMI 2.0 §22.15):
/// one 16-byte chunk of the record list. Read index 0, 1, ... while an
/// answer carries a full chunk (16 bytes) and the index stays under 64.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GetChannelCipherSuites {
    /// Channel number (0Eh = this channel).
    pub channel: u8,
    /// Payload type (0 = IPMI; ipmitool sends 1 for anything but "ipmi").
    pub payload_type: u8,
    /// Byte 3 bit 7: list by cipher suite (records), as ipmitool always asks.
    pub by_suite: bool,
    /// Chunk index (0..=63).
    pub list_index: u8,
}

impl GetChannelCipherSuites {
    /// Chunk `index` of the IPMI payload's suite records on `channel`.
    pub fn records(channel: u8, index: u8) -> Self {
        Self {
            channel,
            payload_type: 0,
            by_suite: true,
            list_index: index,
        }
    }
    /// Parses request data as a responder receives it; `None` unless 3 bytes.
    pub fn parse_request(data: &[u8]) -> Option<Self> {
        let [c, p, i] = *data else { return None };
        Some(Self {
            channel: c & 0x0f,
            payload_type: p & 0x3f,
            by_suite: i & 0x80 != 0,
            list_index: i & 0x3f,
        })
    }
}

/// One chunk of the cipher suite list (IPMI 2.0 §22.15, table 22-17).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CipherSuiteChunk {
    /// The channel number the BMC answered for.
    pub channel: u8,
    /// Up to 16 record bytes; fewer than 16 ends the list.
    pub data: Vec<u8>,
}

impl CipherSuiteChunk {
    /// Chunk `index` of the whole record `list` (for a responder).
    pub fn of(channel: u8, list: &[u8], index: u8) -> Self {
        let start = (usize::from(index) * CIPHER_CHUNK_LEN).min(list.len());
        let end = (start + CIPHER_CHUNK_LEN).min(list.len());
        Self {
            channel,
            data: list[start..end].to_vec(),
        }
    }
    /// More chunks follow (this one is full).
    pub fn more(&self) -> bool {
        self.data.len() == CIPHER_CHUNK_LEN
    }
    /// The response data bytes (for a responder).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.channel);
        out.extend_from_slice(&self.data);
    }
}

impl Command for GetChannelCipherSuites {
    type Output = CipherSuiteChunk;
    ident!("Get Channel Cipher Suites", NetFn::APP, 0x54);
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[
            self.channel & 0x0f,
            self.payload_type & 0x3f,
            (self.list_index & 0x3f) | if self.by_suite { 0x80 } else { 0 },
        ]);
    }
    fn decode(&self, response: &Response) -> Result<CipherSuiteChunk, CommandError> {
        let d = expect_data(self, response, 1)?;
        if d.len() > 1 + CIPHER_CHUNK_LEN {
            return Err(CommandError::InvalidField {
                command: self.name(),
                field: "record data length",
                value: (d.len() - 1) as u32,
            });
        }
        Ok(CipherSuiteChunk {
            channel: d[0],
            data: d[1..].to_vec(),
        })
    }
}

/// The header line ipmitool's `channel getciphers` prints above the rows (IPMI 2.0 §22.15).
pub const CIPHER_SUITES_HEADER: &str =
    "ID   IANA    Auth Alg        Integrity Alg   Confidentiality Alg";

/// A cipher suite record (IPMI 2.0 §22.15.1, table 22-18) in the
/// one-algorithm-each form BMCs send. Display is ipmitool's `channel
/// getciphers` row: ID, IANA ("N/A" or 6 hex digits) and the names of
/// [`auth_name`], [`integrity_name`], [`confidentiality_name`] in padded columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CipherSuiteRecord {
    /// Cipher suite ID.
    pub id: u8,
    /// OEM IANA number for an OEM record (C1h), `None` for a standard one.
    pub oem_iana: Option<u32>,
    /// Authentication algorithm (bits 5:0).
    pub auth: u8,
    /// Integrity algorithm (bits 5:0).
    pub integrity: u8,
    /// Confidentiality algorithm (bits 5:0).
    pub confidentiality: u8,
}

impl CipherSuiteRecord {
    /// Parses the reassembled record list as ipmitool does: fixed 5-byte
    /// standard and 8-byte OEM records, stopping at an incomplete record or
    /// a byte that starts no record (IPMI 2.0 §22.15.1).
    pub fn parse_list(list: &[u8]) -> Vec<Self> {
        let mut out = Vec::new();
        let mut rest = list;
        loop {
            let (rec, size) = match rest {
                [RECORD_STANDARD, id, a, i, c, ..] => ((*id, None, *a, *i, *c), 5),
                [RECORD_OEM, id, x, y, z, a, i, c, ..] => (
                    (*id, Some(u32::from_le_bytes([*x, *y, *z, 0])), *a, *i, *c),
                    8,
                ),
                _ => break,
            };
            out.push(Self {
                id: rec.0,
                oem_iana: rec.1,
                auth: rec.2 & 0x3f,
                integrity: rec.3 & 0x3f,
                confidentiality: rec.4 & 0x3f,
            });
            rest = &rest[size..];
        }
        out
    }

    /// Appends the record, algorithms tagged (00b, 01b, 10b in bits 7:6) (IPMI 2.0 table 22-19).
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self.oem_iana {
            None => out.extend_from_slice(&[RECORD_STANDARD, self.id]),
            Some(iana) => {
                out.extend_from_slice(&[RECORD_OEM, self.id]);
                out.extend_from_slice(&iana.to_le_bytes()[..3]);
            }
        }
        out.extend_from_slice(&[
            self.auth & 0x3f,
            0x40 | (self.integrity & 0x3f),
            0x80 | (self.confidentiality & 0x3f),
        ]);
    }
}

impl fmt::Display for CipherSuiteRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = |n: Option<&'static str>, v: u8| match n {
            Some(n) => n.to_string(),
            None => format!("Unknown (0x{v:02X})"),
        };
        let iana = match self.oem_iana {
            Some(i) if i != 0 => format!("{i:06x}"),
            _ => "N/A".to_string(),
        };
        write!(
            f,
            "{:<4} {:<7} {:<15} {:<15} {:<15}",
            self.id,
            iana,
            name(auth_name(self.auth), self.auth),
            name(integrity_name(self.integrity), self.integrity),
            name(
                confidentiality_name(self.confidentiality),
                self.confidentiality
            )
        )
    }
}

/// ipmitool's name of an RMCP+ authentication algorithm (IPMI 2.0 §13.28; 03h from IPMI 2.0 errata).
pub fn auth_name(alg: u8) -> Option<&'static str> {
    ["none", "hmac_sha1", "hmac_md5", "hmac_sha256"]
        .get(usize::from(alg))
        .copied()
}

/// ipmitool's name of an integrity algorithm (IPMI 2.0 §13.28.4).
pub fn integrity_name(alg: u8) -> Option<&'static str> {
    [
        "none",
        "hmac_sha1_96",
        "hmac_md5_128",
        "md5_128",
        "sha256_128",
    ]
    .get(usize::from(alg))
    .copied()
}

/// ipmitool's name of a confidentiality algorithm (IPMI 2.0 §13.28.5).
pub fn confidentiality_name(alg: u8) -> Option<&'static str> {
    ["none", "aes_cbc_128", "xrc4_128", "xrc4_40"]
        .get(usize::from(alg))
        .copied()
}

#[cfg(test)]
mod tests {
    use super::super::support::ok;
    use super::*;

    #[test]
    fn channel_info_lan() {
        let c = GetChannelInfo {
            channel: THIS_CHANNEL,
        };
        assert_eq!(c.request().data, [0x0e]);
        // The project's responder answers this (ipmi-lanplus server/channel.rs).
        let raw = [0x01, 0x04, 0x01, 0x82, 0xf2, 0x1b, 0x00, 0x00, 0x00];
        let i = c.decode(&ok(&c, &raw)).unwrap();
        assert_eq!(i.channel, 1);
        assert_eq!(i.medium.to_string(), "802.3 LAN");
        assert_eq!(i.protocol.to_string(), "IPMB-1.0");
        assert_eq!(i.session_support_word(), "multi-session");
        assert_eq!(i.active_sessions, 2);
        assert_eq!(i.vendor_id, 7154);
        let mut out = Vec::new();
        i.encode(&mut out);
        assert_eq!(out, raw);
        assert_eq!(ChannelMedium(0x0c).to_string(), "System Interface");
        assert_eq!(ChannelMedium(0x0d).to_string(), "Unknown (0x0D)");
        assert_eq!(ChannelProtocol(5).to_string(), "KCS");
        assert_eq!(ChannelProtocol(0x10).to_string(), "Unknown (0x10)");
    }

    #[test]
    fn channel_access_bits() {
        let c = GetChannelAccess {
            channel: 1,
            which: AccessSet::Volatile,
        };
        assert_eq!(c.request().data, [0x01, 0x80]);
        let a = c.decode(&ok(&c, &[0x22, 0x04])).unwrap();
        assert!(!a.alerting && a.per_message_auth && a.user_level_auth);
        assert_eq!(a.access_mode_word(), "always available");
        assert_eq!(a.privilege_limit.to_string(), "ADMINISTRATOR");
        let mut out = Vec::new();
        a.encode(&mut out);
        assert_eq!(out, [0x22, 0x04]);
        let nv = GetChannelAccess {
            which: AccessSet::NonVolatile,
            ..c
        };
        assert_eq!(nv.request().data, [0x01, 0x40]);
    }

    #[test]
    fn cipher_suites_chunked_and_parsed() {
        let suites = [
            CipherSuiteRecord {
                id: 1,
                oem_iana: None,
                auth: 1,
                integrity: 0,
                confidentiality: 0,
            },
            CipherSuiteRecord {
                id: 2,
                oem_iana: None,
                auth: 1,
                integrity: 1,
                confidentiality: 0,
            },
            CipherSuiteRecord {
                id: 3,
                oem_iana: None,
                auth: 1,
                integrity: 1,
                confidentiality: 1,
            },
            CipherSuiteRecord {
                id: 0x30,
                oem_iana: Some(0x0002a2),
                auth: 1,
                integrity: 1,
                confidentiality: 1,
            },
            CipherSuiteRecord {
                id: 17,
                oem_iana: None,
                auth: 3,
                integrity: 4,
                confidentiality: 1,
            },
        ];
        let mut list = Vec::new();
        suites.iter().for_each(|s| s.encode(&mut list));
        assert_eq!(list.len(), 28);
        assert_eq!(&list[..5], &[0xc0, 0x01, 0x01, 0x40, 0x80]);
        let mut got = Vec::new();
        for index in 0..CIPHER_MAX_CHUNKS {
            let c = GetChannelCipherSuites::records(THIS_CHANNEL, index);
            assert_eq!(c.request().data, [0x0e, 0x00, 0x80 | index]);
            assert_eq!(
                GetChannelCipherSuites::parse_request(&c.request().data),
                Some(c)
            );
            let mut raw = Vec::new();
            CipherSuiteChunk::of(1, &list, index).encode(&mut raw);
            let chunk = c.decode(&ok(&c, &raw)).unwrap();
            got.extend_from_slice(&chunk.data);
            if !chunk.more() {
                break;
            }
        }
        assert_eq!(got, list);
        assert_eq!(CipherSuiteRecord::parse_list(&got), suites);
        assert_eq!(
            suites[4].to_string(),
            "17   N/A     hmac_sha256     sha256_128      aes_cbc_128    "
        );
        assert_eq!(
            suites[3].to_string(),
            "48   0002a2  hmac_sha1       hmac_sha1_96    aes_cbc_128    "
        );
        let odd = CipherSuiteRecord {
            auth: 9,
            ..suites[0]
        };
        assert!(odd.to_string().contains("Unknown (0x09)"));
        // A cut record or a stray byte ends the list.
        assert_eq!(CipherSuiteRecord::parse_list(&list[..9]).len(), 1);
        assert_eq!(
            CipherSuiteRecord::parse_list(&[0x00, 0xc0, 1, 1, 0x40, 0x80]),
            []
        );
        // An over-long answer is refused.
        let c = GetChannelCipherSuites::records(1, 0);
        assert!(c.decode(&ok(&c, &[1; 18])).is_err());
        assert_eq!(auth_name(4), None);
    }
}
