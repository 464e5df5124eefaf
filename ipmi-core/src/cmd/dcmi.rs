//! DCMI commands (NetFn 2Ch, group extension DCh; DCMI 1.5 §6): Get DCMI
//! Capabilities Info (§6.1.1, cmd 01h), Get Power Reading (§6.6.1, cmd
//! 02h), Get Management Controller Identifier String (§6.4.6.1, cmd 09h).
//! A BMC without DCMI answers completion code C1h: see [`unsupported`].

use super::support::ident;
use crate::command::expect_data;
use crate::{Command, CommandError, CompletionCode, NetFn, Response};

/// The group extension NetFn DCMI uses (IPMI 2.0 table 5-1; DCMI 1.5 §6).
pub const DCMI_NETFN: NetFn = NetFn(0x2c);
/// The DCMI group extension identification byte, first in every request and answer (DCMI 1.5 §6).
pub const GROUP_EXTENSION: u8 = 0xdc;
/// Most string bytes one Get Management Controller Identifier String read returns (DCMI 1.5 §6.4.6.1).
pub const MC_ID_CHUNK: u8 = 16;

/// True when `err` is the BMC saying it has no such command (completion
/// code C1h, "Invalid command"): for DCMI, the BMC does not implement DCMI.
pub fn unsupported(err: &CommandError) -> bool {
    matches!(err, CommandError::Completion { code, .. } if *code == CompletionCode::INVALID_COMMAND)
}

/// ipmitool's wording for the DCMI-specific completion codes 80h..8Ah
/// (DCMI 1.5 table 6-4); `None` for others (use [`CompletionCode`]'s).
pub fn completion_text(code: CompletionCode) -> Option<&'static str> {
    Some(match code.0 {
        0x80 => "Parameter not supported",
        0x81 => "Something else has already claimed these parameters",
        0x82 => "Not supported or failed to write a read-only parameter",
        0x83 => "Access mode is not supported",
        0x84 => "Power/Thermal limit out of range",
        0x85 => "Correction/Exception time out of range",
        0x89 => "Sample/Statistics Reporting period out of range",
        0x8a => "Power limit already active",
        _ => return None,
    })
}

/// Checks the common answer framing and the group extension byte; returns the bytes after it.
fn dcmi_data<'r, C: Command>(
    cmd: &C,
    response: &'r Response,
    min_len: usize,
) -> Result<&'r [u8], CommandError> {
    let d = expect_data(cmd, response, min_len)?;
    if d[0] != GROUP_EXTENSION {
        return Err(CommandError::InvalidField {
            command: cmd.name(),
            field: "group extension",
            value: u32::from(d[0]),
        });
    }
    Ok(&d[1..])
}

/// Get DCMI Capabilities Info (NetFn 2Ch, cmd 01h; DCMI 1.5 §6.1.1).
/// `dcmi discover` reads selectors 1..=5 (see [`CAPABILITY_SELECTORS`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GetDcmiCapabilities {
    /// Parameter selector: 1 supported capabilities, 2 mandatory platform
    /// attributes, 3 optional platform attributes, 4 manageability access, 5 enhanced power statistics.
    pub selector: u8,
}

/// The capability parameters and ipmitool's names (DCMI 1.5 table 6-3).
pub const CAPABILITY_SELECTORS: [(u8, &str); 5] = [
    (1, "platform"),
    (2, "mandatory_attributes"),
    (3, "optional_attributes"),
    (4, "managebility access"),
    (5, "enhanced power statistics"),
];

/// Selector 1 byte 1 bits (mask, ipmitool's line under "Mandatory platform capabilities") (DCMI 1.5 table 6-3).
pub const MANDATORY_CAPABILITIES: [(u8, &str); 4] = [
    (0x01, "Identification support available"),
    (0x02, "SEL logging available"),
    (0x04, "Chassis power available"),
    (0x08, "Temperature monitor available"),
];
/// Selector 1 byte 2 bits ("Optional platform capabilities") (DCMI 1.5 table 6-3).
pub const OPTIONAL_CAPABILITIES: [(u8, &str); 1] = [(0x01, "Power management available")];
/// Selector 1 byte 3 bits ("Managebility access capabilities") (DCMI 1.5 table 6-3).
pub const ACCESS_CAPABILITIES: [(u8, &str); 6] = [
    (0x01, "In-band KCS channel available"),
    (0x02, "Out-of-band serial TMODE available"),
    (0x04, "Out-of-band secondary LAN channel available"),
    (0x08, "Out-of-band primary LAN channel available"),
    (0x10, "SOL enabled"),
    (0x20, "VLAN capable"),
];

/// A Get DCMI Capabilities Info answer (DCMI 1.5 §6.1.1). ipmitool refuses
/// conformance other than 1.0/1.1/1.5 ("ERROR!  This command is not
/// available on this platform") and parameter revisions other than 1 or 2.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DcmiCapabilities {
    /// DCMI specification conformance: major version.
    pub major: u8,
    /// DCMI specification conformance: minor version (0, 1 or 5).
    pub minor: u8,
    /// Parameter revision.
    pub revision: u8,
    /// Parameter data (for selector 1: mandatory, optional, access bytes).
    pub data: Vec<u8>,
}

impl DcmiCapabilities {
    /// The response data bytes, group extension first (for a responder).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[GROUP_EXTENSION, self.major, self.minor, self.revision]);
        out.extend_from_slice(&self.data);
    }

    /// Names of the set bits of data byte `index` under `table`, in table order.
    pub fn names(&self, index: usize, table: &'static [(u8, &'static str)]) -> Vec<&'static str> {
        let b = self.data.get(index).copied().unwrap_or(0);
        table
            .iter()
            .filter(|(m, _)| b & m != 0)
            .map(|&(_, n)| n)
            .collect()
    }
}

impl GetDcmiCapabilities {
    /// Parses request data as a responder receives it; `None` when malformed.
    pub fn parse_request(data: &[u8]) -> Option<Self> {
        let [GROUP_EXTENSION, selector] = *data else {
            return None;
        };
        Some(Self { selector })
    }
}

impl Command for GetDcmiCapabilities {
    type Output = DcmiCapabilities;
    ident!("Get DCMI Capabilities Info", DCMI_NETFN, 0x01);
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[GROUP_EXTENSION, self.selector]);
    }
    fn decode(&self, response: &Response) -> Result<DcmiCapabilities, CommandError> {
        let d = dcmi_data(self, response, 4)?;
        Ok(DcmiCapabilities {
            major: d[0],
            minor: d[1],
            revision: d[2],
            data: d[3..].to_vec(),
        })
    }
}

/// Get Power Reading (NetFn 2Ch, cmd 02h; DCMI 1.5 §6.6.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GetPowerReading {
    /// `None`: system power statistics (mode 01h); `Some(t)`: enhanced
    /// statistics (mode 02h) over the rolling average time period `t`
    /// (bits 7:6 unit: 0 s, 1 min, 2 h, 3 days; bits 5:0 count).
    pub rolling_period: Option<u8>,
}

/// A power reading (DCMI 1.5 §6.6.1, table 6-16). ipmitool's labels:
/// "    Instantaneous power reading:              %8d Watts",
/// "    Minimum during sampling period:           %8d Watts",
/// "    Maximum during sampling period:           %8d Watts",
/// "    Average power reading over sample period: %8d Watts",
/// "    IPMI timestamp:                           " (date),
/// "    Sampling period:                          %08u Seconds." (period / 1000),
/// "    Power reading state is:                   " activated|deactivated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PowerReading {
    /// Current power, watts.
    pub current: u16,
    /// Minimum over the sampling period, watts.
    pub minimum: u16,
    /// Maximum over the sampling period, watts.
    pub maximum: u16,
    /// Average over the sampling period, watts.
    pub average: u16,
    /// IPMI timestamp (seconds since 1970, BMC clock).
    pub timestamp: u32,
    /// Statistics reporting time period, milliseconds.
    pub period_ms: u32,
    /// Power reading state byte: bit 6 set = power measurement active.
    pub state: u8,
}

impl PowerReading {
    /// Bit 6 of the state: the measurement is active ("activated").
    pub fn active(&self) -> bool {
        self.state & 0x40 != 0
    }
    /// The response data bytes, group extension first (for a responder).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(GROUP_EXTENSION);
        for w in [self.current, self.minimum, self.maximum, self.average] {
            out.extend_from_slice(&w.to_le_bytes());
        }
        out.extend_from_slice(&self.timestamp.to_le_bytes());
        out.extend_from_slice(&self.period_ms.to_le_bytes());
        out.push(self.state);
    }
}

impl GetPowerReading {
    /// Parses request data as a responder receives it; `None` when malformed.
    pub fn parse_request(data: &[u8]) -> Option<Self> {
        match *data {
            [GROUP_EXTENSION, 0x01, _, _] => Some(Self::default()),
            [GROUP_EXTENSION, 0x02, t, _] => Some(Self {
                rolling_period: Some(t),
            }),
            _ => None,
        }
    }
}

impl Command for GetPowerReading {
    type Output = PowerReading;
    ident!("Get Power Reading", DCMI_NETFN, 0x02);
    fn encode(&self, out: &mut Vec<u8>) {
        match self.rolling_period {
            None => out.extend_from_slice(&[GROUP_EXTENSION, 0x01, 0, 0]),
            Some(t) => out.extend_from_slice(&[GROUP_EXTENSION, 0x02, t, 0]),
        }
    }
    fn decode(&self, response: &Response) -> Result<PowerReading, CommandError> {
        let d = dcmi_data(self, response, 18)?;
        let w = |i: usize| u16::from_le_bytes([d[i], d[i + 1]]);
        let l = |i: usize| u32::from_le_bytes([d[i], d[i + 1], d[i + 2], d[i + 3]]);
        Ok(PowerReading {
            current: w(0),
            minimum: w(2),
            maximum: w(4),
            average: w(6),
            timestamp: l(8),
            period_ms: l(12),
            state: d[16],
        })
    }
}

/// Get Management Controller Identifier String (NetFn 2Ch, cmd 09h; DCMI
/// 1.5 §6.4.6.1): `count` (at most 16) bytes from `offset`. ipmitool prints
/// "\n Get Management Controller Identifier String: " then the string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GetMcIdString {
    /// Offset into the string.
    pub offset: u8,
    /// Bytes to read (1..=16).
    pub count: u8,
}

impl GetMcIdString {
    /// Parses request data as a responder receives it; `None` when malformed.
    pub fn parse_request(data: &[u8]) -> Option<Self> {
        let [GROUP_EXTENSION, offset, count] = *data else {
            return None;
        };
        Some(Self { offset, count })
    }

    /// The reads that fetch a string of `total` bytes, 16 at a time
    /// (the first answer of any read gives `total`).
    pub fn chunks(total: u8) -> impl Iterator<Item = GetMcIdString> {
        (0..total)
            .step_by(usize::from(MC_ID_CHUNK))
            .map(move |o| GetMcIdString {
                offset: o,
                count: (total - o).min(MC_ID_CHUNK),
            })
    }
}

/// One chunk of the identifier string (DCMI 1.5 §6.4.6.1).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct McIdChunk {
    /// Total string length in bytes (without the NUL).
    pub total: u8,
    /// The bytes read.
    pub bytes: Vec<u8>,
}

impl McIdChunk {
    /// The answer to `request` for the whole string `id` (for a responder).
    pub fn for_request(id: &[u8], request: &GetMcIdString) -> Self {
        let start = usize::from(request.offset).min(id.len());
        let end = (start + usize::from(request.count.min(MC_ID_CHUNK))).min(id.len());
        Self {
            total: id.len().min(255) as u8,
            bytes: id[start..end].to_vec(),
        }
    }
    /// The response data bytes, group extension first (for a responder).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[GROUP_EXTENSION, self.total]);
        out.extend_from_slice(&self.bytes);
    }
}

impl Command for GetMcIdString {
    type Output = McIdChunk;
    ident!(
        "Get Management Controller Identifier String",
        DCMI_NETFN,
        0x09
    );
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[GROUP_EXTENSION, self.offset, self.count]);
    }
    fn decode(&self, response: &Response) -> Result<McIdChunk, CommandError> {
        let d = dcmi_data(self, response, 2)?;
        let n = d.len().saturating_sub(1).min(usize::from(self.count));
        Ok(McIdChunk {
            total: d[0],
            bytes: d[1..1 + n].to_vec(),
        })
    }
}

/// Set Management Controller Identifier String (NetFn DCMI, cmd 0x0A;
/// DCMI 1.5 §6.4.6.2): up to 16 bytes written at `offset`; the answer is
/// the last offset written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetMcIdString {
    /// Offset of the first byte.
    pub offset: u8,
    /// The bytes (at most [`MC_ID_CHUNK`]).
    pub bytes: Vec<u8>,
}

impl SetMcIdString {
    /// Parses request data as a responder receives it; `None` when malformed.
    pub fn parse_request(data: &[u8]) -> Option<Self> {
        let [GROUP_EXTENSION, offset, count, ref bytes @ ..] = *data else {
            return None;
        };
        (usize::from(count) == bytes.len() && count <= MC_ID_CHUNK).then(|| Self {
            offset,
            bytes: bytes.to_vec(),
        })
    }

    /// The response data bytes for `last_offset` written (for a responder).
    pub fn encode_answer(last_offset: u8, out: &mut Vec<u8>) {
        out.extend_from_slice(&[GROUP_EXTENSION, last_offset]);
    }
}

impl Command for SetMcIdString {
    type Output = u8;
    ident!(
        "Set Management Controller Identifier String",
        DCMI_NETFN,
        0x0a
    );
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[GROUP_EXTENSION, self.offset, self.bytes.len() as u8]);
        out.extend_from_slice(&self.bytes);
    }
    fn decode(&self, response: &Response) -> Result<u8, CommandError> {
        dcmi_data(self, response, 2).map(|d| d[0])
    }
}

#[cfg(test)]
mod tests {
    use super::super::support::ok;
    use super::*;

    #[test]
    fn set_mc_id_round_trip() {
        let c = SetMcIdString {
            offset: 16,
            bytes: b"abc".to_vec(),
        };
        let req = c.request().data;
        assert_eq!(req, [0xdc, 16, 3, b'a', b'b', b'c']);
        assert_eq!(SetMcIdString::parse_request(&req), Some(c.clone()));
        assert_eq!(SetMcIdString::parse_request(&req[..5]), None);
        let mut out = Vec::new();
        SetMcIdString::encode_answer(18, &mut out);
        assert_eq!(c.decode(&ok(&c, &out)).unwrap(), 18);
    }

    #[test]
    fn power_reading_bytes() {
        let c = GetPowerReading::default();
        assert_eq!(c.request().data, [0xdc, 1, 0, 0]);
        assert_eq!(
            GetPowerReading {
                rolling_period: Some(0x41)
            }
            .request()
            .data,
            [0xdc, 2, 0x41, 0]
        );
        let raw = [
            0xdc, 0xfa, 0x00, 0x64, 0x00, 0x2c, 0x01, 0xc8, 0x00, 0x00, 0xd2, 0x02, 0x96, 0xe8,
            0x03, 0x00, 0x00, 0x40,
        ];
        let r = c.decode(&ok(&c, &raw)).unwrap();
        assert_eq!(
            (r.current, r.minimum, r.maximum, r.average),
            (250, 100, 300, 200)
        );
        assert_eq!(r.timestamp, 0x9602_d200);
        assert_eq!(r.period_ms, 1000);
        assert!(r.active());
        let mut out = Vec::new();
        r.encode(&mut out);
        assert_eq!(out, raw);
        let mut wrong = raw;
        wrong[0] = 0xdd;
        assert!(matches!(
            c.decode(&ok(&c, &wrong)),
            Err(CommandError::InvalidField { value: 0xdd, .. })
        ));
    }

    #[test]
    fn no_dcmi_is_told_apart() {
        let c = GetDcmiCapabilities { selector: 1 };
        let refused = Response {
            completion: CompletionCode::INVALID_COMMAND,
            data: vec![],
            ..ok(&c, &[])
        };
        let e = c.decode(&refused).unwrap_err();
        assert!(unsupported(&e));
        let other = Response {
            completion: CompletionCode(0xd4),
            ..refused
        };
        assert!(!unsupported(&c.decode(&other).unwrap_err()));
        assert_eq!(
            completion_text(CompletionCode(0x80)),
            Some("Parameter not supported")
        );
        assert_eq!(completion_text(CompletionCode(0xc1)), None);
    }

    #[test]
    fn capabilities_and_names() {
        let c = GetDcmiCapabilities { selector: 1 };
        assert_eq!(c.request().data, [0xdc, 1]);
        let raw = [0xdc, 0x01, 0x05, 0x02, 0x00, 0x0f, 0x01, 0x09];
        let caps = c.decode(&ok(&c, &raw)).unwrap();
        assert_eq!((caps.major, caps.minor, caps.revision), (1, 5, 2));
        assert_eq!(caps.names(1, &MANDATORY_CAPABILITIES).len(), 4);
        assert_eq!(
            caps.names(2, &OPTIONAL_CAPABILITIES),
            ["Power management available"]
        );
        assert_eq!(
            caps.names(3, &ACCESS_CAPABILITIES),
            [
                "In-band KCS channel available",
                "Out-of-band primary LAN channel available"
            ]
        );
        assert_eq!(caps.names(9, &ACCESS_CAPABILITIES), [] as [&str; 0]);
        let mut out = Vec::new();
        caps.encode(&mut out);
        assert_eq!(out, raw);
    }

    #[test]
    fn mc_id_string_in_chunks() {
        let id = b"ipmirs-virtual-bmc-0001"; // 23 bytes: 16 + 7
        let reads: Vec<_> = GetMcIdString::chunks(id.len() as u8).collect();
        assert_eq!(
            reads,
            [
                GetMcIdString {
                    offset: 0,
                    count: 16
                },
                GetMcIdString {
                    offset: 16,
                    count: 7
                }
            ]
        );
        let mut text = Vec::new();
        for r in &reads {
            assert_eq!(r.request().data, [0xdc, r.offset, r.count]);
            let mut raw = Vec::new();
            McIdChunk::for_request(id, r).encode(&mut raw);
            let chunk = r.decode(&ok(r, &raw)).unwrap();
            assert_eq!(chunk.total, 23);
            text.extend_from_slice(&chunk.bytes);
        }
        assert_eq!(text, id);
        assert_eq!(GetMcIdString::chunks(0).count(), 0);
        // More bytes than asked for are not taken.
        let r = GetMcIdString {
            offset: 0,
            count: 2,
        };
        assert_eq!(
            r.decode(&ok(&r, &[0xdc, 5, b'a', b'b', b'c']))
                .unwrap()
                .bytes,
            b"ab"
        );
    }
}
