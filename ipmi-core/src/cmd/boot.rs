//! System boot options: Set System Boot Options (IPMI 2.0 §28.12) and Get
//! System Boot Options (§28.13) with the parameters of table 28-14 that
//! `chassis bootdev` and `chassis bootparam` use: 0 set in progress, 4 boot
//! info acknowledge, 5 boot flags.

use std::fmt;
use std::str::FromStr;

use super::support::ident;
use crate::command::expect_data;
use crate::{Command, CommandError, NetFn, Response};

/// Parameter 0, set in progress (IPMI 2.0 table 28-14).
pub const PARAM_SET_IN_PROGRESS: u8 = 0;
/// Parameter 4, boot info acknowledge (IPMI 2.0 table 28-14).
pub const PARAM_BOOT_INFO_ACK: u8 = 4;
/// Parameter 5, boot flags (IPMI 2.0 table 28-14).
pub const PARAM_BOOT_FLAGS: u8 = 5;

/// The set-in-progress states (IPMI 2.0 table 28-14 parameter 0; also
/// LAN parameter 0, §23.1). Display gives ipmitool's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[repr(u8)]
pub enum SetInProgress {
    /// 0: set complete.
    Complete = 0,
    /// 1: set in progress.
    InProgress = 1,
    /// 2: commit write (optional).
    CommitWrite = 2,
    /// 3: reserved.
    Reserved = 3,
}

impl SetInProgress {
    /// From bits 1:0 of the parameter byte.
    pub fn from_bits(b: u8) -> Self {
        match b & 3 {
            0 => Self::Complete,
            1 => Self::InProgress,
            2 => Self::CommitWrite,
            _ => Self::Reserved,
        }
    }
}

impl fmt::Display for SetInProgress {
    /// ipmitool's `bootparam get 0` words: "set complete", "set in progress",
    /// "commit write", "error, reserved bit".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Complete => "set complete",
            Self::InProgress => "set in progress",
            Self::CommitWrite => "commit write",
            Self::Reserved => "error, reserved bit",
        })
    }
}

/// Boot device selector, boot flags byte 2 bits 5:2 (IPMI 2.0 table 28-14).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum BootDevice {
    /// 0: no override (`none`).
    None,
    /// 1: force PXE (`pxe`).
    Pxe,
    /// 2: force default hard drive (`disk`).
    Disk,
    /// 3: default hard drive, safe mode (`safe`).
    Safe,
    /// 4: diagnostic partition (`diag`).
    Diag,
    /// 5: CD/DVD (`cdrom`).
    Cdrom,
    /// 6: BIOS setup (`bios`).
    Bios,
    /// 7: remote floppy/primary removable media.
    RemoteFloppy,
    /// 8: remote CD/DVD.
    RemoteCdrom,
    /// 9: primary remote media.
    RemotePrimary,
    /// 11: remote hard drive.
    RemoteDisk,
    /// 15: floppy/primary removable media (`floppy`).
    Floppy,
    /// Any other (reserved) selector value.
    Other(u8),
}

impl BootDevice {
    /// The 4-bit selector value.
    pub fn selector(self) -> u8 {
        match self {
            Self::None => 0,
            Self::Pxe => 1,
            Self::Disk => 2,
            Self::Safe => 3,
            Self::Diag => 4,
            Self::Cdrom => 5,
            Self::Bios => 6,
            Self::RemoteFloppy => 7,
            Self::RemoteCdrom => 8,
            Self::RemotePrimary => 9,
            Self::RemoteDisk => 11,
            Self::Floppy => 15,
            Self::Other(v) => v & 0x0f,
        }
    }

    /// From a 4-bit selector value.
    pub fn from_selector(v: u8) -> Self {
        match v & 0x0f {
            0 => Self::None,
            1 => Self::Pxe,
            2 => Self::Disk,
            3 => Self::Safe,
            4 => Self::Diag,
            5 => Self::Cdrom,
            6 => Self::Bios,
            7 => Self::RemoteFloppy,
            8 => Self::RemoteCdrom,
            9 => Self::RemotePrimary,
            11 => Self::RemoteDisk,
            15 => Self::Floppy,
            v => Self::Other(v),
        }
    }
}

impl fmt::Display for BootDevice {
    /// ipmitool's `bootparam get 5` "Boot Device Selector" wording.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::None => "No override",
            Self::Pxe => "Force PXE",
            Self::Disk => "Force Boot from default Hard-Drive",
            Self::Safe => "Force Boot from default Hard-Drive, request Safe-Mode",
            Self::Diag => "Force Boot from Diagnostic Partition",
            Self::Cdrom => "Force Boot from CD/DVD",
            Self::Bios => "Force Boot into BIOS Setup",
            Self::RemoteFloppy => {
                "Force Boot from remotely connected Floppy/primary removable media"
            }
            Self::RemoteCdrom => "Force Boot from remotely connected CD/DVD",
            Self::RemotePrimary => "Force Boot from primary remote media",
            Self::RemoteDisk => "Force Boot from remotely connected Hard-Drive",
            Self::Floppy => "Force Boot from Floppy/primary removable media",
            Self::Other(_) => "Flag error",
        })
    }
}

/// An unknown `chassis bootdev` device word.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid boot device '{0}'")]
pub struct ParseBootDeviceError(pub String);

impl FromStr for BootDevice {
    type Err = ParseBootDeviceError;

    /// ipmitool's `bootdev` words, with or without the `force_` prefix:
    /// none, pxe, disk, safe, diag, cdrom, bios, floppy.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.strip_prefix("force_").unwrap_or(s) {
            "none" if s == "none" => Self::None,
            "pxe" => Self::Pxe,
            "disk" => Self::Disk,
            "safe" => Self::Safe,
            "diag" => Self::Diag,
            "cdrom" => Self::Cdrom,
            "bios" => Self::Bios,
            "floppy" => Self::Floppy,
            _ => return Err(ParseBootDeviceError(s.to_string())),
        })
    }
}

/// Boot flags, parameter 5: the five data bytes as set or read (IPMI 2.0
/// table 28-14). Accessors name the bits; ipmitool prints each under
/// " Boot Flags :" (see the method docs for its words).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BootFlags(pub [u8; 5]);

/// A `chassis bootdev ... options=` word and the bit it sets:
/// (word, byte index 0..=3, mask, value), in ipmitool's order (IPMI 2.0 table 28-14).
pub const BOOT_OPTIONS: [(&str, usize, u8, u8); 19] = [
    ("valid", 0, 0x80, 0x80),
    ("persistent", 0, 0x40, 0x40),
    ("efiboot", 0, 0x20, 0x20),
    ("clear-cmos", 1, 0x80, 0x80),
    ("lockkbd", 1, 0x40, 0x40),
    ("screenblank", 1, 0x02, 0x02),
    ("lockoutreset", 1, 0x01, 0x01),
    ("lockout_power", 2, 0x80, 0x80),
    ("verbose=default", 2, 0x60, 0x00),
    ("verbose=no", 2, 0x60, 0x20),
    ("verbose=yes", 2, 0x60, 0x40),
    ("force_pet", 2, 0x10, 0x10),
    ("upw_bypass", 2, 0x08, 0x08),
    ("lockout_sleep", 2, 0x04, 0x04),
    ("cons_redirect=default", 2, 0x03, 0x00),
    ("cons_redirect=skip", 2, 0x03, 0x01),
    ("cons_redirect=enable", 2, 0x03, 0x02),
    ("bios_shared_mode", 3, 0x08, 0x08),
    ("bios_mux=bmc", 3, 0x07, 0x01),
];

impl BootFlags {
    /// Flags that boot `device` once (valid bit set), like `chassis bootdev DEVICE`.
    pub fn boot_once(device: BootDevice) -> Self {
        let mut f = BootFlags::default();
        f.0[0] = 0x80;
        f.set_device(device);
        f
    }

    /// Sets the device selector (byte 2 bits 5:2).
    pub fn set_device(&mut self, device: BootDevice) {
        self.0[1] = (self.0[1] & !0x3c) | (device.selector() << 2);
    }

    /// Applies one `options=` word from [`BOOT_OPTIONS`]; `false` if unknown.
    pub fn apply_option(&mut self, word: &str) -> bool {
        match BOOT_OPTIONS.iter().find(|o| o.0 == word) {
            Some(&(_, i, mask, value)) => {
                self.0[i] = (self.0[i] & !mask) | value;
                true
            }
            None => false,
        }
    }

    /// "Boot Flag Valid" / "Boot Flag Invalid" (byte 1 bit 7).
    pub fn valid(&self) -> bool {
        self.0[0] & 0x80 != 0
    }
    /// "Options apply to all future boots" / "... only next boot" (byte 1 bit 6).
    pub fn persistent(&self) -> bool {
        self.0[0] & 0x40 != 0
    }
    /// "BIOS EFI boot " / "BIOS PC Compatible (legacy) boot " (byte 1 bit 5).
    pub fn efi(&self) -> bool {
        self.0[0] & 0x20 != 0
    }
    /// "CMOS Clear" (byte 2 bit 7).
    pub fn clear_cmos(&self) -> bool {
        self.0[1] & 0x80 != 0
    }
    /// "Lock Keyboard" (byte 2 bit 6).
    pub fn lock_keyboard(&self) -> bool {
        self.0[1] & 0x40 != 0
    }
    /// "Boot Device Selector : ..." (byte 2 bits 5:2).
    pub fn device(&self) -> BootDevice {
        BootDevice::from_selector(self.0[1] >> 2)
    }
    /// "Screen blank" (byte 2 bit 1).
    pub fn screen_blank(&self) -> bool {
        self.0[1] & 0x02 != 0
    }
    /// "Lock out Reset buttons" (byte 2 bit 0).
    pub fn lockout_reset(&self) -> bool {
        self.0[1] & 0x01 != 0
    }
    /// "Lock out (power off/sleep request) via Power Button" (byte 3 bit 7).
    pub fn lockout_power(&self) -> bool {
        self.0[2] & 0x80 != 0
    }
    /// "BIOS verbosity : " 0 "System Default", 1 "Request Quiet Display",
    /// 2 "Request Verbose Display", 3 "Flag error" (byte 3 bits 6:5).
    pub fn verbosity(&self) -> u8 {
        (self.0[2] >> 5) & 3
    }
    /// "Force progress event traps" (byte 3 bit 4).
    pub fn force_progress_traps(&self) -> bool {
        self.0[2] & 0x10 != 0
    }
    /// "User password bypass" (byte 3 bit 3).
    pub fn password_bypass(&self) -> bool {
        self.0[2] & 0x08 != 0
    }
    /// "Lock Out Sleep Button" (byte 3 bit 2).
    pub fn lockout_sleep(&self) -> bool {
        self.0[2] & 0x04 != 0
    }
    /// "Console Redirection control : " 0 "Console redirection occurs per
    /// BIOS configuration setting (default)", 1 "Suppress (skip) console
    /// redirection if enabled", 2 "Request console redirection be enabled",
    /// 3 "Flag error" (byte 3 bits 1:0).
    pub fn console_redirection(&self) -> u8 {
        self.0[2] & 3
    }
    /// "BIOS Shared Mode Override" (byte 4 bit 3).
    pub fn bios_shared_mode(&self) -> bool {
        self.0[3] & 0x08 != 0
    }
    /// "BIOS Mux Control Override : " 0 "BIOS uses recommended setting of
    /// the mux at the end of POST", 1 "Requests BIOS to force mux to BMC at
    /// conclusion of POST/start of OS boot", 2 "Requests BIOS to force mux
    /// to system at conclusion of POST/start of OS boot", else "Flag error"
    /// (byte 4 bits 2:0).
    pub fn bios_mux(&self) -> u8 {
        self.0[3] & 7
    }
    /// Device instance selector (byte 5 bits 4:0).
    pub fn device_instance(&self) -> u8 {
        self.0[4] & 0x1f
    }
}

/// Boot info acknowledge bits (IPMI 2.0 table 28-14 parameter 4): 0
/// BIOS/POST, 1 OS loader, 2 OS/service partition, 3 SMS, 4 OEM.
pub mod ack {
    /// BIOS/POST ("BIOS/POST has handled boot info").
    pub const BIOS_POST: u8 = 0x01;
    /// OS loader ("OS Loader has handled boot info").
    pub const OS_LOADER: u8 = 0x02;
    /// OS / service partition ("OS // service partition has handled boot info").
    pub const OS_SERVICE_PARTITION: u8 = 0x04;
    /// SMS ("SMS has handled boot info").
    pub const SMS: u8 = 0x08;
    /// OEM ("OEM has handled boot info").
    pub const OEM: u8 = 0x10;
}

/// A typed boot option parameter (IPMI 2.0 table 28-14); others are kept raw.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum BootParam {
    /// 0: set in progress.
    SetInProgress(SetInProgress),
    /// 4: boot info acknowledge: write mask (ignored on read), acknowledge bits.
    BootInfoAck {
        /// Which bits to write (byte 1).
        mask: u8,
        /// The acknowledge bits (byte 2; see [`ack`]).
        bits: u8,
    },
    /// 5: boot flags.
    BootFlags(BootFlags),
    /// Any other parameter: selector and data as sent.
    Other(u8, Vec<u8>),
}

impl BootParam {
    /// The parameter selector.
    pub fn selector(&self) -> u8 {
        match self {
            Self::SetInProgress(_) => PARAM_SET_IN_PROGRESS,
            Self::BootInfoAck { .. } => PARAM_BOOT_INFO_ACK,
            Self::BootFlags(_) => PARAM_BOOT_FLAGS,
            Self::Other(s, _) => s & 0x7f,
        }
    }

    /// Appends the parameter data bytes.
    pub fn encode_data(&self, out: &mut Vec<u8>) {
        match self {
            Self::SetInProgress(s) => out.push(*s as u8),
            Self::BootInfoAck { mask, bits } => out.extend_from_slice(&[*mask, *bits]),
            Self::BootFlags(f) => out.extend_from_slice(&f.0),
            Self::Other(_, d) => out.extend_from_slice(d),
        }
    }

    /// Decodes parameter `selector`'s data; `None` when too short for its type.
    pub fn parse(selector: u8, data: &[u8]) -> Option<Self> {
        Some(match selector & 0x7f {
            PARAM_SET_IN_PROGRESS => Self::SetInProgress(SetInProgress::from_bits(*data.first()?)),
            PARAM_BOOT_INFO_ACK => Self::BootInfoAck {
                mask: *data.first()?,
                bits: *data.get(1)?,
            },
            PARAM_BOOT_FLAGS => Self::BootFlags(BootFlags(data.get(..5)?.try_into().ok()?)),
            s => Self::Other(s, data.to_vec()),
        })
    }
}

/// Set System Boot Options (NetFn Chassis, cmd 0x08; IPMI 2.0 §28.12).
/// Refusals 80h "Unsupported parameter", 81h "Attempt to set 'in progress'
/// while not in 'complete' state", 82h "Parameter is read-only" (ipmitool's words).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetSystemBootOptions {
    /// The parameter and its data.
    pub param: BootParam,
    /// Byte 1 bit 7: mark the parameter invalid/locked.
    pub invalidate: bool,
}

impl SetSystemBootOptions {
    /// Sets `param`, leaving it valid.
    pub fn new(param: BootParam) -> Self {
        Self {
            param,
            invalidate: false,
        }
    }

    /// Parses request data as a responder receives it; `None` when malformed.
    pub fn parse_request(data: &[u8]) -> Option<Self> {
        let (&first, rest) = data.split_first()?;
        Some(Self {
            param: BootParam::parse(first & 0x7f, rest)?,
            invalidate: first & 0x80 != 0,
        })
    }
}

impl Command for SetSystemBootOptions {
    type Output = ();
    ident!("Set System Boot Options", NetFn::CHASSIS, 0x08);
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.param.selector() | if self.invalidate { 0x80 } else { 0 });
        self.param.encode_data(out);
    }
    fn decode(&self, response: &Response) -> Result<(), CommandError> {
        expect_data(self, response, 0).map(|_| ())
    }
}

/// The requests `chassis bootdev` sends, in order (IPMI 2.0 §28.12,
/// table 28-14): set in progress, boot info acknowledge (clear the
/// BIOS/POST bit, mask and data 01h, as ipmitool does), the boot flags,
/// commit write, set complete. A BMC that refuses the first (parameter 0
/// unsupported) may skip the set-in-progress steps; the commit write may be
/// refused legitimately (optional); set complete is always sent last.
pub fn set_boot_flags_sequence(flags: BootFlags) -> [SetSystemBootOptions; 5] {
    [
        SetSystemBootOptions::new(BootParam::SetInProgress(SetInProgress::InProgress)),
        SetSystemBootOptions::new(BootParam::BootInfoAck {
            mask: ack::BIOS_POST,
            bits: ack::BIOS_POST,
        }),
        SetSystemBootOptions::new(BootParam::BootFlags(flags)),
        SetSystemBootOptions::new(BootParam::SetInProgress(SetInProgress::CommitWrite)),
        SetSystemBootOptions::new(BootParam::SetInProgress(SetInProgress::Complete)),
    ]
}

/// Get System Boot Options (NetFn Chassis, cmd 0x09; IPMI 2.0 §28.13).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GetSystemBootOptions {
    /// Parameter selector (bits 6:0).
    pub param: u8,
    /// Set selector.
    pub set: u8,
    /// Block selector.
    pub block: u8,
}

impl GetSystemBootOptions {
    /// Reads parameter `param` (set and block 0).
    pub fn new(param: u8) -> Self {
        Self {
            param,
            set: 0,
            block: 0,
        }
    }
    /// Parses request data as a responder receives it; `None` when malformed.
    pub fn parse_request(data: &[u8]) -> Option<Self> {
        let [param, set, block] = *data else {
            return None;
        };
        Some(Self {
            param: param & 0x7f,
            set,
            block,
        })
    }
}

/// The Get System Boot Options response (IPMI 2.0 §28.13). ipmitool prints
/// "Boot parameter version: N", "Boot parameter N is valid/unlocked" (or
/// "invalid/locked"), "Boot parameter data: HEX" before the typed lines.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BootOptions {
    /// Parameter version (byte 1, 01h).
    pub version: u8,
    /// Byte 2 bit 7: the parameter is marked invalid/locked.
    pub invalid: bool,
    /// Parameter selector (byte 2 bits 6:0).
    pub selector: u8,
    /// The parameter data bytes as received.
    pub data: Vec<u8>,
}

impl BootOptions {
    /// The typed parameter; `None` when the data is too short for its type.
    pub fn param(&self) -> Option<BootParam> {
        BootParam::parse(self.selector, &self.data)
    }

    /// The response data bytes (for a responder).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.version);
        out.push((self.selector & 0x7f) | if self.invalid { 0x80 } else { 0 });
        out.extend_from_slice(&self.data);
    }
}

impl Command for GetSystemBootOptions {
    type Output = BootOptions;
    ident!("Get System Boot Options", NetFn::CHASSIS, 0x09);
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[self.param & 0x7f, self.set, self.block]);
    }
    fn decode(&self, response: &Response) -> Result<BootOptions, CommandError> {
        let d = expect_data(self, response, 2)?;
        Ok(BootOptions {
            version: d[0],
            invalid: d[1] & 0x80 != 0,
            selector: d[1] & 0x7f,
            data: d[2..].to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::support::ok;
    use super::*;

    #[test]
    fn bootdev_pxe_sequence_bytes() {
        let mut flags = BootFlags::boot_once("pxe".parse().unwrap());
        assert!(flags.apply_option("persistent"));
        assert!(flags.apply_option("efiboot"));
        assert!(!flags.apply_option("nonsense"));
        let seq: Vec<Vec<u8>> = set_boot_flags_sequence(flags)
            .iter()
            .map(|c| c.request().data)
            .collect();
        assert_eq!(
            seq,
            [
                vec![0x00, 0x01],
                vec![0x04, 0x01, 0x01],
                vec![0x05, 0xe0, 0x04, 0, 0, 0],
                vec![0x00, 0x02],
                vec![0x00, 0x00],
            ]
        );
        let back = SetSystemBootOptions::parse_request(&seq[2]).unwrap();
        assert_eq!(back.param, BootParam::BootFlags(flags));
    }

    #[test]
    fn device_words_and_selectors() {
        for (w, sel, byte2) in [
            ("none", 0, 0x00),
            ("pxe", 1, 0x04),
            ("disk", 2, 0x08),
            ("safe", 3, 0x0c),
            ("diag", 4, 0x10),
            ("cdrom", 5, 0x14),
            ("bios", 6, 0x18),
            ("floppy", 15, 0x3c),
        ] {
            let d: BootDevice = w.parse().unwrap();
            assert_eq!(d.selector(), sel);
            assert_eq!(BootFlags::boot_once(d).0[1], byte2);
            assert_eq!(BootDevice::from_selector(sel), d);
        }
        assert_eq!("force_cdrom".parse(), Ok(BootDevice::Cdrom));
        assert!("force_none".parse::<BootDevice>().is_err());
        assert!("usb".parse::<BootDevice>().is_err());
        assert_eq!(BootDevice::from_selector(10), BootDevice::Other(10));
        assert_eq!(BootDevice::Other(10).to_string(), "Flag error");
    }

    #[test]
    fn get_boot_flags_decodes_and_reencodes() {
        let c = GetSystemBootOptions::new(5);
        assert_eq!(c.request().data, [5, 0, 0]);
        let raw = [0x01, 0x05, 0xc0, 0x98, 0x25, 0x09, 0x03];
        let o = c.decode(&ok(&c, &raw)).unwrap();
        assert_eq!((o.version, o.invalid, o.selector), (1, false, 5));
        let Some(BootParam::BootFlags(f)) = o.param() else {
            panic!("{o:?}")
        };
        assert!(f.valid() && f.persistent() && !f.efi());
        assert!(f.clear_cmos() && !f.lock_keyboard());
        assert_eq!(f.device(), BootDevice::Bios);
        assert_eq!(f.device().to_string(), "Force Boot into BIOS Setup");
        assert_eq!((f.verbosity(), f.console_redirection()), (1, 1));
        assert!(!f.lockout_power() && !f.force_progress_traps() && f.lockout_sleep());
        assert!(f.bios_shared_mode());
        assert_eq!((f.bios_mux(), f.device_instance()), (1, 3));
        let mut out = Vec::new();
        o.encode(&mut out);
        assert_eq!(out, raw);
        let short = c.decode(&ok(&c, &[1, 5, 0x80])).unwrap();
        assert_eq!(short.param(), None);
        assert!(c.decode(&ok(&c, &[1])).is_err());
    }

    #[test]
    fn in_progress_and_ack_params() {
        let c = GetSystemBootOptions::new(0);
        let o = c.decode(&ok(&c, &[1, 0x80, 0x01])).unwrap();
        assert!(o.invalid);
        assert_eq!(
            o.param(),
            Some(BootParam::SetInProgress(SetInProgress::InProgress))
        );
        assert_eq!(
            SetInProgress::from_bits(3).to_string(),
            "error, reserved bit"
        );
        let a = BootParam::parse(4, &[0x00, 0x1f]).unwrap();
        assert_eq!(
            a,
            BootParam::BootInfoAck {
                mask: 0,
                bits: 0x1f
            }
        );
        assert_eq!(BootParam::parse(4, &[0]), None);
        assert_eq!(
            BootParam::parse(0x87, &[1, 2]),
            Some(BootParam::Other(7, vec![1, 2]))
        );
        let inv = SetSystemBootOptions {
            param: BootParam::Other(3, vec![0x1f]),
            invalidate: true,
        };
        assert_eq!(inv.request().data, [0x83, 0x1f]);
    }
}
