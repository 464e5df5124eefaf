//! Management controller queries: Get Self Test Results (IPMI 2.0 §20.4),
//! Get Device GUID (§20.8), Get BMC Global Enables (§22.2), Get System
//! GUID (§22.14), and the GUID byte orders ipmitool's `mc guid` decodes.

use std::fmt;

use super::support::ident;
use crate::command::expect_data;
use crate::{Command, CommandError, NetFn, Response};

/// A 16-byte GUID exactly as the BMC sends it (IPMI 2.0 §20.8, table 20-10).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Guid(pub [u8; 16]);

/// How the 16 GUID bytes are ordered (ipmitool's `mc guid` modes). Display
/// gives ipmitool's "GUID Encoding : " words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum GuidEncoding {
    /// RFC 4122: every field most significant byte first.
    Rfc4122,
    /// IPMI 2.0 §20.8: node first, every field least significant byte first.
    Ipmi,
    /// SMBIOS 3.0 §7.2.1: RFC 4122 field order, time fields little-endian.
    Smbios,
}

impl fmt::Display for GuidEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Rfc4122 => "RFC4122",
            Self::Ipmi => "IPMI",
            Self::Smbios => "SMBIOS",
        })
    }
}

/// A GUID's fields read in one encoding (RFC 4122 §4.1.2 names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct GuidFields {
    /// time_low.
    pub time_low: u32,
    /// time_mid.
    pub time_mid: u16,
    /// time_hi_and_version (version in bits 15:12).
    pub time_hi_and_version: u16,
    /// clock_seq_and_reserved.
    pub clock_seq: u16,
    /// node, most significant byte first.
    pub node: [u8; 6],
}

impl GuidFields {
    /// The version nibble; ipmitool's "GUID Version  : " words are 1
    /// "Time-based", 2 "DCE Security with POSIX UIDs (not for IPMI)", 3
    /// "Name-based using MD5", 4 "Random or pseudo-random", 5 "Name-based
    /// using SHA-1", else "Unknown/unsupported (N)".
    pub fn version(&self) -> u8 {
        (self.time_hi_and_version >> 12) as u8
    }

    /// Seconds since the Unix epoch of a time-based (version 1) GUID's
    /// timestamp (100 ns units since 1582-10-15), whole seconds, may be negative.
    pub fn unix_time(&self) -> i64 {
        let t = (u64::from(self.time_hi_and_version & 0x0fff) << 48)
            | (u64::from(self.time_mid) << 32)
            | u64::from(self.time_low);
        (t / 10_000_000) as i64 - 12_219_292_800
    }
}

impl fmt::Display for GuidFields {
    /// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, lower case (ipmitool's form).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:08x}-{:04x}-{:04x}-{:04x}-",
            self.time_low, self.time_mid, self.time_hi_and_version, self.clock_seq
        )?;
        self.node.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl Guid {
    /// The fields read in `encoding`.
    pub fn fields(&self, encoding: GuidEncoding) -> GuidFields {
        let g = &self.0;
        let le16 = |i: usize| u16::from_le_bytes([g[i], g[i + 1]]);
        let be16 = |i: usize| u16::from_be_bytes([g[i], g[i + 1]]);
        let node_first = || [g[10], g[11], g[12], g[13], g[14], g[15]];
        match encoding {
            GuidEncoding::Ipmi => GuidFields {
                node: [g[5], g[4], g[3], g[2], g[1], g[0]],
                clock_seq: le16(6),
                time_hi_and_version: le16(8),
                time_mid: le16(10),
                time_low: u32::from_le_bytes([g[12], g[13], g[14], g[15]]),
            },
            GuidEncoding::Rfc4122 => GuidFields {
                time_low: u32::from_be_bytes([g[0], g[1], g[2], g[3]]),
                time_mid: be16(4),
                time_hi_and_version: be16(6),
                clock_seq: be16(8),
                node: node_first(),
            },
            GuidEncoding::Smbios => GuidFields {
                time_low: u32::from_le_bytes([g[0], g[1], g[2], g[3]]),
                time_mid: le16(4),
                time_hi_and_version: le16(6),
                clock_seq: be16(8),
                node: node_first(),
            },
        }
    }

    /// ipmitool's automatic detection: the last of RFC4122, IPMI, SMBIOS (in
    /// that order) whose version nibble is 1..=5, stopping early at a
    /// time-based one whose year lies in 1970..=the year of `now_unix`;
    /// `None` when no encoding gives a valid version (ipmitool then dumps
    /// the bytes as hex: "Unknown (data dumped)").
    pub fn detect(&self, now_unix: i64) -> Option<GuidEncoding> {
        const YEAR: i64 = 31_556_952; // mean Gregorian year in seconds
        let year = |t: i64| 1970 + t.div_euclid(YEAR);
        let mut found = None;
        for e in [
            GuidEncoding::Rfc4122,
            GuidEncoding::Ipmi,
            GuidEncoding::Smbios,
        ] {
            let f = self.fields(e);
            if (1..=5).contains(&f.version()) {
                found = Some(e);
                let t = f.unix_time();
                if f.version() == 1 && t >= 0 && year(t) <= year(now_unix) {
                    break;
                }
            }
        }
        found
    }

    /// The response data bytes (for a responder).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0);
    }
}

fn decode_guid<C: Command>(cmd: &C, response: &Response) -> Result<Guid, CommandError> {
    let d = expect_data(cmd, response, 16)?;
    let mut g = [0; 16];
    g.copy_from_slice(&d[..16]);
    Ok(Guid(g))
}

/// Get Device GUID (NetFn App, cmd 0x08; IPMI 2.0 §20.8).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GetDeviceGuid;

impl Command for GetDeviceGuid {
    type Output = Guid;
    ident!("Get Device GUID", NetFn::APP, 0x08);
    fn decode(&self, response: &Response) -> Result<Guid, CommandError> {
        decode_guid(self, response)
    }
}

/// Get System GUID (NetFn App, cmd 0x37; IPMI 2.0 §22.14): what `mc guid`
/// prints after "System GUID   : ".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GetSystemGuid;

impl Command for GetSystemGuid {
    type Output = Guid;
    ident!("Get System GUID", NetFn::APP, 0x37);
    fn decode(&self, response: &Response) -> Result<Guid, CommandError> {
        decode_guid(self, response)
    }
}

/// Get Self Test Results (NetFn App, cmd 0x04; IPMI 2.0 §20.4).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GetSelfTestResults;

/// The self test result (IPMI 2.0 §20.4, table 20-4). ipmitool prints
/// "Selftest: passed" (55h), "Selftest: not implemented" (56h),
/// "Selftest: device corrupted" (57h, then one line per [`SELF_TEST_FAILURES`]
/// bit), "Selftest     : fatal error" and "Failure code : XX" (58h),
/// "Selftest: N/A" (FFh), else "Selftest     : device specific (XXh)" and
/// "Failure code : XXh".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SelfTestResult {
    /// Byte 1: 55h passed, 56h not implemented, 57h corrupted, 58h fatal, else device specific.
    pub code: u8,
    /// Byte 2: failure bits (57h) or a failure code.
    pub detail: u8,
}

/// The 57h failure bits, most significant first, with ipmitool's lines (IPMI 2.0 table 20-4).
pub const SELF_TEST_FAILURES: [(u8, &str); 8] = [
    (0x80, " -> SEL device not accessible"),
    (0x40, " -> SDR repository not accessible"),
    (0x20, "FRU device not accessible"),
    (0x10, "IPMB signal lines do not respond"),
    (0x08, "SDR repository empty"),
    (0x04, "Internal Use Area corrupted"),
    (0x02, "Controller update boot block corrupted"),
    (0x01, "controller operational firmware corrupted"),
];

impl SelfTestResult {
    /// 55h: no error.
    pub fn passed(&self) -> bool {
        self.code == 0x55
    }
    /// The response data bytes (for a responder).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[self.code, self.detail]);
    }
}

impl Command for GetSelfTestResults {
    type Output = SelfTestResult;
    ident!("Get Self Test Results", NetFn::APP, 0x04);
    fn decode(&self, response: &Response) -> Result<SelfTestResult, CommandError> {
        let d = expect_data(self, response, 2)?;
        Ok(SelfTestResult {
            code: d[0],
            detail: d[1],
        })
    }
}

/// Get BMC Global Enables (NetFn App, cmd 0x2F; IPMI 2.0 §22.2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GetBmcGlobalEnables;

/// The global enables byte (IPMI 2.0 §22.2, table 22-2). ipmitool prints
/// each [`GLOBAL_ENABLES`] entry as `format!("{:<40} : {}abled", desc, "en"|"dis")`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct GlobalEnables(pub u8);

/// The global enable bits: (mask, ipmitool's `setenables` name, its description), in its order.
pub const GLOBAL_ENABLES: [(u8, &str, &str); 7] = [
    (0x01, "recv_msg_intr", "Receive Message Queue Interrupt"),
    (
        0x02,
        "event_msg_intr",
        "Event Message Buffer Full Interrupt",
    ),
    (0x04, "event_msg", "Event Message Buffer"),
    (0x08, "system_event_log", "System Event Logging"),
    (0x20, "oem0", "OEM 0"),
    (0x40, "oem1", "OEM 1"),
    (0x80, "oem2", "OEM 2"),
];

impl GlobalEnables {
    /// (description, enabled) in ipmitool's order.
    pub fn entries(self) -> impl Iterator<Item = (&'static str, bool)> {
        GLOBAL_ENABLES
            .iter()
            .map(move |&(m, _, d)| (d, self.0 & m != 0))
    }
    /// The response data byte (for a responder).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.0);
    }
}

impl Command for GetBmcGlobalEnables {
    type Output = GlobalEnables;
    ident!("Get BMC Global Enables", NetFn::APP, 0x2f);
    fn decode(&self, response: &Response) -> Result<GlobalEnables, CommandError> {
        let d = expect_data(self, response, 1)?;
        Ok(GlobalEnables(d[0]))
    }
}

#[cfg(test)]
mod tests {
    use super::super::support::ok;
    use super::*;

    /// The GUID of TESTBED.md's ipmi_sim LAN config, bytes as sent.
    const SIM: [u8; 16] = [
        0xa1, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xa1, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd,
        0xef,
    ];

    #[test]
    fn guid_byte_orders() {
        let g = GetSystemGuid.decode(&ok(&GetSystemGuid, &SIM)).unwrap();
        assert_eq!(
            g.fields(GuidEncoding::Rfc4122).to_string(),
            "a1234567-89ab-cdef-a123-456789abcdef"
        );
        assert_eq!(
            g.fields(GuidEncoding::Ipmi).to_string(),
            "efcdab89-6745-23a1-efcd-ab89674523a1"
        );
        assert_eq!(
            g.fields(GuidEncoding::Smbios).to_string(),
            "674523a1-ab89-efcd-a123-456789abcdef"
        );
        // Versions: RFC c, IPMI 2, SMBIOS e: only IPMI is valid (DCE).
        assert_eq!(g.detect(1_800_000_000), Some(GuidEncoding::Ipmi));
        assert_eq!(Guid([0; 16]).detect(0), None);
        assert!(GetDeviceGuid
            .decode(&ok(&GetDeviceGuid, &SIM[..15]))
            .is_err());
    }

    #[test]
    fn time_based_guid_detected_and_dated() {
        // RFC 4122 v1 UUID 6ba7b810-9dad-11d1-80b4-00c04fd430c8 (1998-02-04).
        let rfc = [
            0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4,
            0x30, 0xc8,
        ];
        let g = Guid(rfc);
        assert_eq!(g.detect(1_800_000_000), Some(GuidEncoding::Rfc4122));
        let f = g.fields(GuidEncoding::Rfc4122);
        assert_eq!(f.version(), 1);
        assert_eq!(f.unix_time(), 886_630_433); // 1998-02-04 22:13:53 UTC
                                                // The same UUID as an IPMI BMC sends it (reversed) is found as IPMI.
        let mut ipmi = rfc;
        ipmi.reverse();
        let g = Guid(ipmi);
        assert_eq!(g.detect(1_800_000_000), Some(GuidEncoding::Ipmi));
        assert_eq!(
            g.fields(GuidEncoding::Ipmi).to_string(),
            "6ba7b810-9dad-11d1-80b4-00c04fd430c8"
        );
        // Before 1998 the timestamp is "in the future": SMBIOS wins if valid, else the last valid.
        assert_eq!(g.detect(0), Some(GuidEncoding::Ipmi));
    }

    #[test]
    fn selftest_and_enables() {
        let c = GetSelfTestResults;
        let r = c.decode(&ok(&c, &[0x55, 0x00])).unwrap();
        assert!(r.passed());
        let r = c.decode(&ok(&c, &[0x57, 0x48])).unwrap();
        let lines: Vec<_> = SELF_TEST_FAILURES
            .iter()
            .filter(|(m, _)| r.detail & m != 0)
            .map(|(_, t)| *t)
            .collect();
        assert_eq!(
            lines,
            [" -> SDR repository not accessible", "SDR repository empty"]
        );
        let e = GetBmcGlobalEnables;
        let en = e.decode(&ok(&e, &[0x0c])).unwrap();
        let v: Vec<_> = en.entries().collect();
        assert_eq!(v[2], ("Event Message Buffer", true));
        assert_eq!(v[3], ("System Event Logging", true));
        assert_eq!(v[0], ("Receive Message Queue Interrupt", false));
        assert_eq!(
            format!("{:<40} : {}abled", v[3].0, "en"),
            "System Event Logging                     : enabled"
        );
    }
}
