//! Where the BMC's KCS interface is, from the firmware: SMBIOS type 38
//! "IPMI Device Information" records (SMBIOS 3.x §7.39; IPMI 2.0 appendix
//! C1), read from the raw structure table Linux exports at
//! `/sys/firmware/dmi/tables/DMI` (kernel `drivers/firmware/dmi_scan.c`).
//! A pure parser: no I/O except [`read_kcs_address`].

use std::fmt;
use std::path::Path;

use super::ports::KcsAddress;

/// Where Linux exports the SMBIOS structure table, relative to `/`.
pub const DMI_TABLE_PATH: &str = "sys/firmware/dmi/tables/DMI";

/// The BMC interface type of a type 38 record (SMBIOS §7.39.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InterfaceType {
    /// 0: unknown.
    Unknown,
    /// 1: KCS, Keyboard Controller Style (IPMI 2.0 §9).
    Kcs,
    /// 2: SMIC, Server Management Interface Chip.
    Smic,
    /// 3: BT, Block Transfer.
    Bt,
    /// 4: SSIF, SMBus System Interface.
    Ssif,
    /// Any other value.
    Other(u8),
}

impl InterfaceType {
    /// The type for a record's byte 0x04.
    pub fn from_byte(b: u8) -> InterfaceType {
        match b {
            0 => InterfaceType::Unknown,
            1 => InterfaceType::Kcs,
            2 => InterfaceType::Smic,
            3 => InterfaceType::Bt,
            4 => InterfaceType::Ssif,
            n => InterfaceType::Other(n),
        }
    }
}

impl fmt::Display for InterfaceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InterfaceType::Unknown => f.write_str("unknown"),
            InterfaceType::Kcs => f.write_str("KCS"),
            InterfaceType::Smic => f.write_str("SMIC"),
            InterfaceType::Bt => f.write_str("BT"),
            InterfaceType::Ssif => f.write_str("SSIF"),
            InterfaceType::Other(n) => write!(f, "type {n}"),
        }
    }
}

/// One decoded type 38 record (SMBIOS §7.39, table "IPMI Device Information").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IpmiDeviceInfo {
    /// Byte 0x04: the interface type.
    pub interface: InterfaceType,
    /// Byte 0x05: IPMI specification revision, BCD (0x20 = 2.0).
    pub spec_revision: u8,
    /// Byte 0x06: the BMC's I2C slave address.
    pub i2c_address: u8,
    /// Bytes 0x08..0x10 as stored: bit 0 set = I/O space.
    pub raw_base_address: u64,
    /// True when the registers are in I/O space (raw bit 0), false for memory-mapped.
    pub io_space: bool,
    /// The decoded base address: raw with bit 0 replaced by the modifier's
    /// "LS-bit for addresses" (byte 0x10 bit 4) when present.
    pub base_address: u64,
    /// Register spacing in bytes from byte 0x10 bits 7:6 (1, 4, 16); 1 when
    /// the record is too short to have it; `None` for the reserved value.
    pub register_spacing: Option<u16>,
    /// Byte 0x11: interrupt number, when present and non-zero.
    pub interrupt: Option<u8>,
}

impl IpmiDeviceInfo {
    /// The KCS address this record gives, or why it gives none.
    pub fn kcs_address(&self) -> Result<KcsAddress, String> {
        if self.interface != InterfaceType::Kcs {
            return Err(format!("the BMC interface is {}, not KCS", self.interface));
        }
        if !self.io_space {
            return Err(format!(
                "the KCS registers are memory-mapped at 0x{:x}; only I/O ports are supported",
                self.base_address
            ));
        }
        let spacing = self.register_spacing.ok_or_else(|| {
            "the record's register spacing is the reserved value 0b11".to_string()
        })?;
        let base = u16::try_from(self.base_address)
            .ok()
            .filter(|b| b.checked_add(spacing).is_some())
            .ok_or_else(|| format!("I/O address 0x{:x} is out of range", self.base_address))?;
        Ok(KcsAddress { base, spacing })
    }
}

/// Decodes every type 38 record of an SMBIOS structure table (the raw
/// structures, no entry point). Stops at type 127 or at the first malformed
/// structure; never panics.
pub fn parse_table(table: &[u8]) -> Vec<IpmiDeviceInfo> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while at + 4 <= table.len() {
        let kind = table[at];
        let len = usize::from(table[at + 1]);
        if len < 4 || at + len > table.len() {
            break;
        }
        let formatted = &table[at..at + len];
        if kind == 38 {
            if let Some(info) = decode_type38(formatted) {
                out.push(info);
            }
        }
        if kind == 127 {
            break;
        }
        // The string set: NUL-terminated strings ending with an empty one;
        // a structure without strings ends with two NULs.
        let strings = &table[at + len..];
        match strings.windows(2).position(|w| w == [0, 0]) {
            Some(end) => at = at + len + end + 2,
            None => break,
        }
    }
    out
}

fn decode_type38(s: &[u8]) -> Option<IpmiDeviceInfo> {
    if s.len() < 0x10 {
        return None;
    }
    let raw = u64::from_le_bytes(s[0x08..0x10].try_into().ok()?);
    let modifier = s.get(0x10).copied();
    let io_space = raw & 1 == 1;
    let lsb = modifier.map_or(0, |m| u64::from((m >> 4) & 1));
    let register_spacing = match modifier.map(|m| m >> 6) {
        None | Some(0) => Some(1),
        Some(1) => Some(4),
        Some(2) => Some(16),
        _ => None,
    };
    Some(IpmiDeviceInfo {
        interface: InterfaceType::from_byte(s[0x04]),
        spec_revision: s[0x05],
        i2c_address: s[0x06],
        raw_base_address: raw,
        io_space,
        base_address: (raw & !1) | lsb,
        register_spacing,
        interrupt: s.get(0x11).copied().filter(|&i| i != 0),
    })
}

/// The first KCS address in the SMBIOS table under `root` (normally `/`):
/// `Ok(None)` when the table has no type 38 KCS record, `Err` with the
/// reason when the table cannot be read or its KCS record is unusable.
pub fn read_kcs_address(root: &Path) -> Result<Option<KcsAddress>, String> {
    let path = root.join(DMI_TABLE_PATH);
    let table = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let records = parse_table(&table);
    match records.iter().find(|r| r.interface == InterfaceType::Kcs) {
        Some(r) => r.kcs_address().map(Some),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A structure: formatted area (type, length, handle, fields) + strings.
    fn structure(kind: u8, handle: u16, fields: &[u8], strings: &[&str]) -> Vec<u8> {
        let mut s = vec![kind, (4 + fields.len()) as u8];
        s.extend_from_slice(&handle.to_le_bytes());
        s.extend_from_slice(fields);
        if strings.is_empty() {
            s.extend_from_slice(&[0, 0]);
        } else {
            for t in strings {
                s.extend_from_slice(t.as_bytes());
                s.push(0);
            }
            s.push(0);
        }
        s
    }

    fn type38(interface: u8, raw_base: u64, modifier: Option<u8>, irq: Option<u8>) -> Vec<u8> {
        let mut f = vec![interface, 0x20, 0x20, 0xff];
        f.extend_from_slice(&raw_base.to_le_bytes());
        f.extend(modifier);
        f.extend(irq);
        structure(38, 0x26, &f, &[])
    }

    fn table(parts: &[Vec<u8>]) -> Vec<u8> {
        let mut t: Vec<u8> = parts.concat();
        t.extend(structure(127, 0xffff, &[], &[]));
        t
    }

    #[test]
    fn finds_kcs_after_other_structures() {
        let t = table(&[
            structure(0, 0, &[1, 2, 0, 0xe8, 3, 0x1f], &["Vendor", "1.0"]),
            structure(1, 1, &[1, 2, 3, 4], &["Maker"]),
            type38(1, 0xca3, Some(0x00), Some(0)),
        ]);
        let recs = parse_table(&t);
        assert_eq!(recs.len(), 1);
        let r = recs[0];
        assert_eq!(r.interface, InterfaceType::Kcs);
        assert!(r.io_space);
        assert_eq!(r.base_address, 0xca2);
        assert_eq!(r.register_spacing, Some(1));
        assert_eq!(r.interrupt, None);
        assert_eq!(r.kcs_address(), Ok(KcsAddress::STANDARD));
    }

    #[test]
    fn spacing_and_address_lsb_from_modifier() {
        // 0xca8 | I/O bit, spacing 01 (4 bytes), LS-bit 1 => 0xca9.
        let r = parse_table(&table(&[type38(1, 0xca9, Some(0x50), Some(10))]))[0];
        assert_eq!(r.base_address, 0xca9);
        assert_eq!(r.register_spacing, Some(4));
        assert_eq!(r.interrupt, Some(10));
        assert_eq!(
            r.kcs_address(),
            Ok(KcsAddress {
                base: 0xca9,
                spacing: 4
            })
        );
        let r = parse_table(&table(&[type38(1, 0xca3, Some(0x80), None)]))[0];
        assert_eq!(r.register_spacing, Some(16));
        let r = parse_table(&table(&[type38(1, 0xca3, Some(0xc0), None)]))[0];
        assert!(r.kcs_address().unwrap_err().contains("reserved"));
        // Short record (length 0x10): no modifier, spacing 1.
        let r = parse_table(&table(&[type38(1, 0xca3, None, None)]))[0];
        assert_eq!(r.kcs_address(), Ok(KcsAddress::STANDARD));
    }

    #[test]
    fn refuses_what_is_not_an_io_kcs() {
        let r = parse_table(&table(&[type38(3, 0xe5, Some(0), None)]))[0];
        assert_eq!(r.interface, InterfaceType::Bt);
        assert!(r.kcs_address().unwrap_err().contains("BT, not KCS"));
        let r = parse_table(&table(&[type38(1, 0xfed4_0000, Some(0), None)]))[0];
        assert!(!r.io_space);
        assert!(r.kcs_address().unwrap_err().contains("memory-mapped"));
        let r = parse_table(&table(&[type38(1, 0x1_0001, Some(0), None)]))[0];
        assert!(r.kcs_address().unwrap_err().contains("out of range"));
    }

    #[test]
    fn malformed_tables_end_quietly() {
        assert!(parse_table(&[]).is_empty());
        assert!(parse_table(&[38, 2, 0, 0]).is_empty()); // length < 4
        assert!(parse_table(&[38, 0x12, 0, 0, 1]).is_empty()); // truncated
                                                               // No string terminator after a good structure: the record is still read.
        let mut t = type38(1, 0xca3, Some(0), None);
        t.truncate(t.len() - 2);
        assert_eq!(parse_table(&t).len(), 1);
        // Structures after type 127 are ignored.
        let mut t = table(&[]);
        t.extend(type38(1, 0xca3, None, None));
        assert!(parse_table(&t).is_empty());
        // Every prefix of a real table parses without panicking.
        let t = table(&[
            structure(0, 0, &[1, 2, 3], &["a", "b"]),
            type38(1, 0xca3, Some(0), Some(0)),
        ]);
        for n in 0..t.len() {
            let _ = parse_table(&t[..n]);
        }
    }

    #[test]
    fn reads_from_a_root() {
        let root = std::env::temp_dir().join(format!("ipmirs-smbios-{}", std::process::id()));
        let dir = root.join("sys/firmware/dmi/tables");
        std::fs::create_dir_all(&dir).unwrap();
        assert!(read_kcs_address(&root).is_err());
        std::fs::write(dir.join("DMI"), table(&[structure(1, 1, &[0; 4], &[])])).unwrap();
        assert_eq!(read_kcs_address(&root), Ok(None));
        std::fs::write(dir.join("DMI"), table(&[type38(1, 0xca3, Some(0), None)])).unwrap();
        assert_eq!(read_kcs_address(&root), Ok(Some(KcsAddress::STANDARD)));
        std::fs::remove_dir_all(&root).unwrap();
    }
}
