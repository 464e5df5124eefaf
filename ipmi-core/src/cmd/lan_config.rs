//! LAN configuration: Set LAN Configuration Parameters (IPMI 2.0 §23.1)
//! and Get LAN Configuration Parameters (§23.2) with the typed parameters
//! of table 23-4 that `lan print` and `lan set` use.

use std::fmt;
use std::net::Ipv4Addr;

use super::boot::SetInProgress;
use super::support::{ident, text_until_nul};
use crate::command::expect_data;
use crate::{Command, CommandError, NetFn, PrivilegeLevel, Response};

/// LAN parameter selectors and ipmitool's `lan print` labels, printed as
/// `format!("{:<24}: ...", label)` (IPMI 2.0 table 23-4).
pub const LAN_PARAMS: [(u8, &str); 23] = [
    (0, "Set in Progress"),
    (1, "Auth Type Support"),
    (2, "Auth Type Enable"),
    (3, "IP Address"),
    (4, "IP Address Source"),
    (5, "MAC Address"),
    (6, "Subnet Mask"),
    (7, "IP Header"),
    (8, "Primary RMCP Port"),
    (9, "Secondary RMCP Port"),
    (10, "BMC ARP Control"),
    (11, "Gratituous ARP Intrvl"),
    (12, "Default Gateway IP"),
    (13, "Default Gateway MAC"),
    (14, "Backup Gateway IP"),
    (15, "Backup Gateway MAC"),
    (16, "SNMP Community String"),
    (20, "802.1q VLAN ID"),
    (21, "802.1q VLAN Priority"),
    (22, "RMCP+ Cipher Suite Count"),
    (23, "RMCP+ Cipher Suites"),
    (24, "Cipher Suite Priv Max"),
    (26, "Bad Password Threshold"),
];

/// IPMI 1.5 authentication type bits (IPMI 2.0 §22.13 table 22-15,
/// §23.1 parameters 1 and 2). Display gives ipmitool's `lan print` form:
/// each set type's word followed by a space, in the order NONE MD2 MD5 PASSWORD OEM.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AuthTypes(pub u8);

impl AuthTypes {
    /// The bits and ipmitool's words.
    pub const NAMES: [(u8, &'static str); 5] = [
        (0x01, "NONE"),
        (0x02, "MD2"),
        (0x04, "MD5"),
        (0x10, "PASSWORD"),
        (0x20, "OEM"),
    ];
}

impl fmt::Display for AuthTypes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (m, n) in Self::NAMES {
            if self.0 & m != 0 {
                write!(f, "{n} ")?;
            }
        }
        Ok(())
    }
}

/// IP address source, bits 3:0 of parameter 4 (IPMI 2.0 table 23-4).
/// Display gives ipmitool's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum IpSource {
    /// 0: unspecified ("Unspecified"; `lan set ... ipsrc none`).
    Unspecified,
    /// 1: static ("Static Address"; `ipsrc static`).
    Static,
    /// 2: DHCP ("DHCP Address"; `ipsrc dhcp`).
    Dhcp,
    /// 3: BIOS or system software ("BIOS Assigned Address"; `ipsrc bios`).
    Bios,
    /// 4 and up: other protocol ("Other").
    Other(u8),
}

impl IpSource {
    /// The 4-bit value.
    pub fn value(self) -> u8 {
        match self {
            Self::Unspecified => 0,
            Self::Static => 1,
            Self::Dhcp => 2,
            Self::Bios => 3,
            Self::Other(v) => v & 0x0f,
        }
    }
    /// From bits 3:0.
    pub fn from_value(v: u8) -> Self {
        match v & 0x0f {
            0 => Self::Unspecified,
            1 => Self::Static,
            2 => Self::Dhcp,
            3 => Self::Bios,
            v => Self::Other(v),
        }
    }
}

impl fmt::Display for IpSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Unspecified => "Unspecified",
            Self::Static => "Static Address",
            Self::Dhcp => "DHCP Address",
            Self::Bios => "BIOS Assigned Address",
            Self::Other(_) => "Other",
        })
    }
}

impl std::str::FromStr for IpSource {
    type Err = String;
    /// ipmitool's `ipsrc` words: none, static, dhcp, bios.
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "none" => Ok(Self::Unspecified),
            "static" => Ok(Self::Static),
            "dhcp" => Ok(Self::Dhcp),
            "bios" => Ok(Self::Bios),
            _ => Err(format!("invalid IP address source '{s}'")),
        }
    }
}

/// ipmitool's one-letter form of a cipher suite's maximum privilege in
/// `lan print` ("Cipher Suite Priv Max"): X unused, c, u, o, a, O (IPMI 2.0 table 23-4 parameter 24).
pub fn privilege_char(nibble: u8) -> char {
    match PrivilegeLevel::from_u8(nibble) {
        Some(PrivilegeLevel::Callback) => 'c',
        Some(PrivilegeLevel::User) => 'u',
        Some(PrivilegeLevel::Operator) => 'o',
        Some(PrivilegeLevel::Administrator) => 'a',
        Some(PrivilegeLevel::Oem) => 'O',
        None => 'X',
    }
}

/// A MAC address; Display is ipmitool's `xx:xx:xx:xx:xx:xx`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MacAddr(pub [u8; 6]);

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            m[0], m[1], m[2], m[3], m[4], m[5]
        )
    }
}

/// A typed LAN configuration parameter (IPMI 2.0 §23.1, table 23-4);
/// others are kept raw.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum LanParam {
    /// 0: set in progress (`lan print`: "Set Complete", "Set In Progress",
    /// "Commit Write", "Reserved").
    SetInProgress(SetInProgress),
    /// 1: authentication types supported (read only).
    AuthTypeSupport(AuthTypes),
    /// 2: authentication types enabled for callback, user, operator, admin, OEM.
    AuthTypeEnables([AuthTypes; 5]),
    /// 3: IP address.
    IpAddress(Ipv4Addr),
    /// 4: IP address source.
    IpSource(IpSource),
    /// 5: MAC address.
    MacAddress(MacAddr),
    /// 6: subnet mask.
    SubnetMask(Ipv4Addr),
    /// 7: IPv4 header parameters: TTL, flags (bits 7:5), precedence (bits
    /// 7:5) and type of service (bits 4:1) (ipmitool: "TTL=0x%02x
    /// Flags=0x%02x Precedence=0x%02x TOS=0x%02x" of `ttl`, `flags & 0xe0`,
    /// `service & 0xe0`, `service & 0x1e`).
    IpHeader {
        /// Time-to-live.
        ttl: u8,
        /// Byte 2: IP header flags in bits 7:5.
        flags: u8,
        /// Byte 3: precedence (7:5) and type of service (4:1).
        service: u8,
    },
    /// 10: BMC-generated ARP control (ipmitool: "ARP Responses En|Disabled,
    /// Gratuitous ARP En|Disabled").
    BmcArp {
        /// Bit 1: answer ARP requests.
        respond: bool,
        /// Bit 0: generate gratuitous ARPs.
        gratuitous: bool,
    },
    /// 11: gratuitous ARP interval in 500 ms units (ipmitool prints
    /// `(n + 1) / 2` in whole seconds with one decimal, e.g. "2.0 seconds").
    GratuitousArpInterval(u8),
    /// 12: default gateway address.
    DefaultGatewayIp(Ipv4Addr),
    /// 13: default gateway MAC.
    DefaultGatewayMac(MacAddr),
    /// 14: backup gateway address.
    BackupGatewayIp(Ipv4Addr),
    /// 15: backup gateway MAC.
    BackupGatewayMac(MacAddr),
    /// 16: SNMP community string (18 bytes, NUL padded).
    CommunityString(String),
    /// 20: 802.1q VLAN ID; `None` = disabled ("Disabled").
    VlanId(Option<u16>),
    /// 21: 802.1q VLAN priority (0..=7).
    VlanPriority(u8),
    /// 22: RMCP+ cipher suite entry count (read only).
    CipherSuiteCount(u8),
    /// 23: RMCP+ cipher suite IDs (read only; ipmitool prints the first
    /// "count" of them comma separated, or "None").
    CipherSuites(Vec<u8>),
    /// 24: maximum privilege for cipher suite entries 0..=15, one level
    /// nibble each (0 = unused); ipmitool prints 15 of them with [`privilege_char`].
    CipherSuitePrivileges([u8; 16]),
    /// 26: bad password threshold.
    BadPasswordThreshold {
        /// Byte 1 bit 0: generate a session audit event when the threshold is reached.
        generate_event: bool,
        /// Bad password count before the user is locked out (0 = never).
        threshold: u8,
        /// Attempt count reset interval, 10 s units.
        reset_interval: u16,
        /// User lockout interval, 10 s units.
        lockout_interval: u16,
    },
    /// Any other parameter: selector and data as sent.
    Other(u8, Vec<u8>),
}

fn ip(d: &[u8]) -> Option<Ipv4Addr> {
    let b: [u8; 4] = d.get(..4)?.try_into().ok()?;
    Some(Ipv4Addr::from(b))
}

fn mac(d: &[u8]) -> Option<MacAddr> {
    Some(MacAddr(d.get(..6)?.try_into().ok()?))
}

impl LanParam {
    /// The parameter selector.
    pub fn selector(&self) -> u8 {
        match self {
            Self::SetInProgress(_) => 0,
            Self::AuthTypeSupport(_) => 1,
            Self::AuthTypeEnables(_) => 2,
            Self::IpAddress(_) => 3,
            Self::IpSource(_) => 4,
            Self::MacAddress(_) => 5,
            Self::SubnetMask(_) => 6,
            Self::IpHeader { .. } => 7,
            Self::BmcArp { .. } => 10,
            Self::GratuitousArpInterval(_) => 11,
            Self::DefaultGatewayIp(_) => 12,
            Self::DefaultGatewayMac(_) => 13,
            Self::BackupGatewayIp(_) => 14,
            Self::BackupGatewayMac(_) => 15,
            Self::CommunityString(_) => 16,
            Self::VlanId(_) => 20,
            Self::VlanPriority(_) => 21,
            Self::CipherSuiteCount(_) => 22,
            Self::CipherSuites(_) => 23,
            Self::CipherSuitePrivileges(_) => 24,
            Self::BadPasswordThreshold { .. } => 26,
            Self::Other(s, _) => *s,
        }
    }

    /// ipmitool's `lan print` label, if it prints this parameter.
    pub fn label(selector: u8) -> Option<&'static str> {
        LAN_PARAMS.iter().find(|p| p.0 == selector).map(|p| p.1)
    }

    /// Appends the parameter data bytes (IPMI 2.0 table 23-4).
    pub fn encode_data(&self, out: &mut Vec<u8>) {
        match self {
            Self::SetInProgress(s) => out.push(*s as u8),
            Self::AuthTypeSupport(a) => out.push(a.0),
            Self::AuthTypeEnables(a) => out.extend(a.iter().map(|t| t.0)),
            Self::IpAddress(a)
            | Self::SubnetMask(a)
            | Self::DefaultGatewayIp(a)
            | Self::BackupGatewayIp(a) => out.extend_from_slice(&a.octets()),
            Self::IpSource(s) => out.push(s.value()),
            Self::IpHeader {
                ttl,
                flags,
                service,
            } => out.extend_from_slice(&[*ttl, *flags, *service]),
            Self::BmcArp {
                respond,
                gratuitous,
            } => out.push((u8::from(*respond) << 1) | u8::from(*gratuitous)),
            Self::GratuitousArpInterval(n) => out.push(*n),
            Self::MacAddress(m) | Self::DefaultGatewayMac(m) | Self::BackupGatewayMac(m) => {
                out.extend_from_slice(&m.0)
            }
            Self::CommunityString(s) => {
                let mut b = s.as_bytes()[..s.len().min(18)].to_vec();
                b.resize(18, 0);
                out.extend_from_slice(&b);
            }
            Self::VlanId(v) => {
                let w = v.map_or(0, |id| 0x8000 | (id & 0x0fff));
                out.extend_from_slice(&w.to_le_bytes());
            }
            Self::VlanPriority(p) => out.push(p & 7),
            Self::CipherSuiteCount(n) => out.push(*n),
            Self::CipherSuites(ids) => {
                out.push(0);
                out.extend_from_slice(&ids[..ids.len().min(16)]);
            }
            Self::CipherSuitePrivileges(levels) => {
                out.push(0);
                out.extend(levels.chunks(2).map(|p| (p[0] & 0x0f) | (p[1] << 4)));
            }
            Self::BadPasswordThreshold {
                generate_event,
                threshold,
                reset_interval,
                lockout_interval,
            } => {
                out.extend_from_slice(&[u8::from(*generate_event), *threshold]);
                out.extend_from_slice(&reset_interval.to_le_bytes());
                out.extend_from_slice(&lockout_interval.to_le_bytes());
            }
            Self::Other(_, d) => out.extend_from_slice(d),
        }
    }

    /// Decodes parameter `selector`'s data; `None` when too short for its type.
    pub fn parse(selector: u8, d: &[u8]) -> Option<Self> {
        let first = d.first().copied();
        Some(match selector {
            0 => Self::SetInProgress(SetInProgress::from_bits(first?)),
            1 => Self::AuthTypeSupport(AuthTypes(first? & 0x3f)),
            2 => {
                let b = d.get(..5)?;
                Self::AuthTypeEnables([0, 1, 2, 3, 4].map(|i| AuthTypes(b[i] & 0x3f)))
            }
            3 => Self::IpAddress(ip(d)?),
            4 => Self::IpSource(IpSource::from_value(first?)),
            5 => Self::MacAddress(mac(d)?),
            6 => Self::SubnetMask(ip(d)?),
            7 => {
                let b = d.get(..3)?;
                Self::IpHeader {
                    ttl: b[0],
                    flags: b[1],
                    service: b[2],
                }
            }
            10 => Self::BmcArp {
                respond: first? & 2 != 0,
                gratuitous: first? & 1 != 0,
            },
            11 => Self::GratuitousArpInterval(first?),
            12 => Self::DefaultGatewayIp(ip(d)?),
            13 => Self::DefaultGatewayMac(mac(d)?),
            14 => Self::BackupGatewayIp(ip(d)?),
            15 => Self::BackupGatewayMac(mac(d)?),
            16 => Self::CommunityString(text_until_nul(&d[..d.len().min(18)])),
            20 => {
                let w = u16::from_le_bytes([first?, *d.get(1)?]);
                Self::VlanId((w & 0x8000 != 0).then_some(w & 0x0fff))
            }
            21 => Self::VlanPriority(first? & 7),
            22 => Self::CipherSuiteCount(first? & 0x1f),
            23 => Self::CipherSuites(d.get(1..)?.iter().take(16).copied().collect()),
            24 => {
                let b = d.get(1..9)?;
                let mut levels = [0u8; 16];
                for (i, byte) in b.iter().enumerate() {
                    levels[2 * i] = byte & 0x0f;
                    levels[2 * i + 1] = byte >> 4;
                }
                Self::CipherSuitePrivileges(levels)
            }
            26 => {
                let b = d.get(..6)?;
                Self::BadPasswordThreshold {
                    generate_event: b[0] & 1 != 0,
                    threshold: b[1],
                    reset_interval: u16::from_le_bytes([b[2], b[3]]),
                    lockout_interval: u16::from_le_bytes([b[4], b[5]]),
                }
            }
            s => Self::Other(s, d.to_vec()),
        })
    }
}

/// Get LAN Configuration Parameters (NetFn Transport, cmd 0x02; IPMI 2.0
/// §23.2). Completion code 80h means "Unsupported parameter" (ipmitool's words).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GetLanConfig {
    /// Channel number (bits 3:0).
    pub channel: u8,
    /// Byte 1 bit 7: get the parameter revision only.
    pub revision_only: bool,
    /// Parameter selector.
    pub param: u8,
    /// Set selector.
    pub set: u8,
    /// Block selector.
    pub block: u8,
}

impl GetLanConfig {
    /// Reads parameter `param` of `channel` (set and block 0).
    pub fn new(channel: u8, param: u8) -> Self {
        Self {
            channel,
            revision_only: false,
            param,
            set: 0,
            block: 0,
        }
    }
    /// Parses request data as a responder receives it; `None` when malformed.
    pub fn parse_request(data: &[u8]) -> Option<Self> {
        let [c, param, set, block] = *data else {
            return None;
        };
        Some(Self {
            channel: c & 0x0f,
            revision_only: c & 0x80 != 0,
            param,
            set,
            block,
        })
    }
}

/// A Get LAN Configuration Parameters answer (IPMI 2.0 §23.2).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LanConfig {
    /// Parameter revision (byte 1, 11h).
    pub revision: u8,
    /// Parameter selector asked for.
    pub selector: u8,
    /// The parameter data as received.
    pub data: Vec<u8>,
}

impl LanConfig {
    /// The typed parameter; `None` when the data is too short for its type.
    pub fn param(&self) -> Option<LanParam> {
        LanParam::parse(self.selector, &self.data)
    }
    /// The response data bytes (for a responder).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.revision);
        out.extend_from_slice(&self.data);
    }
}

impl Command for GetLanConfig {
    type Output = LanConfig;
    ident!("Get LAN Configuration Parameters", NetFn::TRANSPORT, 0x02);
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[
            (self.channel & 0x0f) | if self.revision_only { 0x80 } else { 0 },
            self.param,
            self.set,
            self.block,
        ]);
    }
    fn decode(&self, response: &Response) -> Result<LanConfig, CommandError> {
        let d = expect_data(self, response, 1)?;
        Ok(LanConfig {
            revision: d[0],
            selector: self.param,
            data: d[1..].to_vec(),
        })
    }
}

/// Set LAN Configuration Parameters (NetFn Transport, cmd 0x01; IPMI 2.0
/// §23.1). Refusals: 80h "Unsupported parameter", 81h "Attempt to set 'in
/// progress' while not in 'complete' state", 82h "Parameter is read-only",
/// 83h "Parameter is wrote-only" (ipmitool's words, typo included).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetLanConfig {
    /// Channel number (bits 3:0).
    pub channel: u8,
    /// The parameter and its data.
    pub param: LanParam,
}

impl SetLanConfig {
    /// Parses request data as a responder receives it; `None` when malformed.
    pub fn parse_request(data: &[u8]) -> Option<Self> {
        let [chan, sel, rest @ ..] = data else {
            return None;
        };
        Some(Self {
            channel: chan & 0x0f,
            param: LanParam::parse(*sel, rest)?,
        })
    }
}

impl Command for SetLanConfig {
    type Output = ();
    ident!("Set LAN Configuration Parameters", NetFn::TRANSPORT, 0x01);
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[self.channel & 0x0f, self.param.selector()]);
        self.param.encode_data(out);
    }
    fn decode(&self, response: &Response) -> Result<(), CommandError> {
        expect_data(self, response, 0).map(|_| ())
    }
}

/// The requests `lan set` sends for `params` (IPMI 2.0 §23.1 parameter 0):
/// set in progress (ipmitool first reads parameter 0 and skips this when it
/// already reads "set in progress"; it gives up the lock silently on a BMC
/// without parameter 0), the parameters, commit write, set complete.
pub fn set_lan_sequence(channel: u8, params: Vec<LanParam>) -> Vec<SetLanConfig> {
    let lock = |s| SetLanConfig {
        channel,
        param: LanParam::SetInProgress(s),
    };
    let mut out = vec![lock(SetInProgress::InProgress)];
    out.extend(
        params
            .into_iter()
            .map(|param| SetLanConfig { channel, param }),
    );
    out.push(lock(SetInProgress::CommitWrite));
    out.push(lock(SetInProgress::Complete));
    out
}

#[cfg(test)]
mod tests {
    use super::super::support::ok;
    use super::*;

    fn get(param: u8, data: &[u8]) -> LanParam {
        let c = GetLanConfig::new(1, param);
        assert_eq!(c.request().data, [1, param, 0, 0]);
        let mut raw = vec![0x11];
        raw.extend_from_slice(data);
        let cfg = c.decode(&ok(&c, &raw)).unwrap();
        let p = cfg.param().unwrap();
        let mut back = Vec::new();
        p.encode_data(&mut back);
        assert_eq!(back, data, "param {param} re-encodes");
        let mut full = Vec::new();
        cfg.encode(&mut full);
        assert_eq!(full, raw);
        p
    }

    #[test]
    fn addresses_and_source() {
        assert_eq!(
            get(3, &[192, 168, 1, 20]),
            LanParam::IpAddress(Ipv4Addr::new(192, 168, 1, 20))
        );
        assert_eq!(get(4, &[2]), LanParam::IpSource(IpSource::Dhcp));
        assert_eq!(IpSource::Dhcp.to_string(), "DHCP Address");
        assert_eq!(IpSource::from_value(5).to_string(), "Other");
        let LanParam::MacAddress(m) = get(5, &[0, 0x1b, 0x21, 0xaa, 0xbb, 0x0c]) else {
            panic!()
        };
        assert_eq!(m.to_string(), "00:1b:21:aa:bb:0c");
        assert_eq!(
            get(6, &[255, 255, 255, 0]),
            LanParam::SubnetMask(Ipv4Addr::new(255, 255, 255, 0))
        );
        assert!(matches!(
            get(12, &[10, 0, 0, 1]),
            LanParam::DefaultGatewayIp(_)
        ));
        assert!(matches!(
            get(15, &[1, 2, 3, 4, 5, 6]),
            LanParam::BackupGatewayMac(_)
        ));
        let c = GetLanConfig::new(1, 3);
        assert_eq!(c.decode(&ok(&c, &[0x11, 1, 2])).unwrap().param(), None);
    }

    #[test]
    fn auth_vlan_ciphers() {
        assert_eq!(
            get(1, &[0x17]).clone(),
            LanParam::AuthTypeSupport(AuthTypes(0x17))
        );
        assert_eq!(AuthTypes(0x37).to_string(), "NONE MD2 MD5 PASSWORD OEM ");
        assert_eq!(AuthTypes(0).to_string(), "");
        let LanParam::AuthTypeEnables(e) = get(2, &[0x01, 0x06, 0x06, 0x14, 0x00]) else {
            panic!()
        };
        assert_eq!(e[3].to_string(), "MD5 PASSWORD ");
        assert_eq!(get(20, &[0x0a, 0x80]), LanParam::VlanId(Some(10)));
        assert_eq!(get(20, &[0x00, 0x00]), LanParam::VlanId(None));
        assert_eq!(get(21, &[5]), LanParam::VlanPriority(5));
        assert_eq!(get(22, &[4]), LanParam::CipherSuiteCount(4));
        assert_eq!(
            get(23, &[0, 1, 2, 3, 17]),
            LanParam::CipherSuites(vec![1, 2, 3, 17])
        );
        let LanParam::CipherSuitePrivileges(p) = get(24, &[0, 0x40, 0x44, 0x04, 0, 0, 0, 0, 0x30])
        else {
            panic!()
        };
        let text: String = p[..15].iter().map(|&n| privilege_char(n)).collect();
        assert_eq!(text, "XaaaaXXXXXXXXXX");
        assert_eq!(p[15], 3);
        assert_eq!(privilege_char(3), 'o');
        assert_eq!(
            get(16, b"public\0\0\0\0\0\0\0\0\0\0\0\0"),
            LanParam::CommunityString("public".into())
        );
        assert!(matches!(
            get(26, &[1, 3, 0x06, 0, 0x0c, 0]),
            LanParam::BadPasswordThreshold {
                generate_event: true,
                threshold: 3,
                reset_interval: 6,
                lockout_interval: 12
            }
        ));
        assert_eq!(get(8, &[0x6f, 0x02]), LanParam::Other(8, vec![0x6f, 0x02]));
        assert_eq!(
            get(7, &[0x40, 0x40, 0x10]),
            LanParam::IpHeader {
                ttl: 0x40,
                flags: 0x40,
                service: 0x10
            }
        );
        assert_eq!(
            get(10, &[0x02]),
            LanParam::BmcArp {
                respond: true,
                gratuitous: false
            }
        );
        assert_eq!(get(11, &[3]), LanParam::GratuitousArpInterval(3));
        assert_eq!(LanParam::label(11), Some("Gratituous ARP Intrvl"));
        assert_eq!(LanParam::label(99), None);
    }

    #[test]
    fn set_sequence_bytes() {
        let seq = set_lan_sequence(
            1,
            vec![
                LanParam::IpSource("static".parse().unwrap()),
                LanParam::IpAddress(Ipv4Addr::new(10, 1, 2, 3)),
            ],
        );
        let bytes: Vec<Vec<u8>> = seq.iter().map(|c| c.request().data).collect();
        assert_eq!(
            bytes,
            [
                vec![1, 0, 1],
                vec![1, 4, 1],
                vec![1, 3, 10, 1, 2, 3],
                vec![1, 0, 2],
                vec![1, 0, 0]
            ]
        );
        assert_eq!(SetLanConfig::parse_request(&bytes[2]).unwrap(), seq[2]);
        assert_eq!(SetLanConfig::parse_request(&[1]), None);
        assert!("ppp".parse::<IpSource>().is_err());
    }
}
