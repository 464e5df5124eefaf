//! Where the KCS registers are and how they are reached: the port
//! address pair (IPMI 2.0 §9.4; SMBIOS type 38) and the [`KcsPorts`]
//! trait that the port backends and the software model implement.

use std::fmt;
use std::io;

/// The I/O addresses of a KCS interface: Data_In/Data_Out at `base`,
/// Status/Command at `base + spacing` (IPMI 2.0 §9.4; SMBIOS type 38 gives
/// both; Linux `ipmi_si` defaults to 0xCA2 with spacing 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KcsAddress {
    /// The data register's I/O port.
    pub base: u16,
    /// Distance from the data register to the status/command register.
    pub spacing: u16,
}

impl KcsAddress {
    /// The standard system interface address 0xCA2/0xCA3 (IPMI 2.0 §9.4, appendix C1).
    pub const STANDARD: KcsAddress = KcsAddress {
        base: 0x0ca2,
        spacing: 1,
    };

    /// The data register's port (Data_In on write, Data_Out on read).
    pub fn data_port(self) -> u16 {
        self.base
    }

    /// The status (read) / command (write) register's port.
    pub fn status_port(self) -> u16 {
        self.base.wrapping_add(self.spacing)
    }

    /// Parses `0xca2`, `3234` or `0xca2:4` (base, optional register spacing),
    /// the syntax of the CLI's `--kcs-addr`.
    pub fn parse(text: &str) -> Result<KcsAddress, String> {
        let num = |s: &str| -> Result<u16, String> {
            let s = s.trim();
            let r = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
                Some(h) => u16::from_str_radix(h, 16),
                None => s.parse(),
            };
            r.map_err(|_| format!("invalid KCS address `{text}`: `{s}` is not a 16-bit number"))
        };
        let (base, spacing) = match text.split_once(':') {
            Some((b, s)) => (num(b)?, num(s)?),
            None => (num(text)?, 1),
        };
        if spacing == 0 || base.checked_add(spacing).is_none() {
            return Err(format!(
                "invalid KCS address `{text}`: the status register would be outside the I/O space"
            ));
        }
        Ok(KcsAddress { base, spacing })
    }
}

impl Default for KcsAddress {
    fn default() -> Self {
        Self::STANDARD
    }
}

impl fmt::Display for KcsAddress {
    /// `0xca2/0xca3`: data port, status port.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{:x}/0x{:x}", self.data_port(), self.status_port())
    }
}

/// Access to the two KCS registers (IPMI 2.0 §9.4): the port backends
/// ([`super::port_io`]) and the software model implement it.
pub trait KcsPorts {
    /// Reads the status register.
    fn read_status(&mut self) -> io::Result<u8>;
    /// Reads Data_Out (clears OBF).
    fn read_data(&mut self) -> io::Result<u8>;
    /// Writes the command register.
    fn write_command(&mut self, value: u8) -> io::Result<()>;
    /// Writes Data_In.
    fn write_data(&mut self, value: u8) -> io::Result<()>;
    /// What this is, for messages: `I/O ports 0xca2/0xca3 (ioperm)`.
    fn describe(&self) -> String;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_addresses() {
        assert_eq!(KcsAddress::parse("0xca2"), Ok(KcsAddress::STANDARD));
        assert_eq!(KcsAddress::parse("3234"), Ok(KcsAddress::STANDARD));
        assert_eq!(
            KcsAddress::parse("0xca8:4"),
            Ok(KcsAddress {
                base: 0xca8,
                spacing: 4
            })
        );
        assert!(KcsAddress::parse("0x1ffff").is_err());
        assert!(KcsAddress::parse("0xca2:0").is_err());
        assert!(KcsAddress::parse("0xffff").is_err());
        assert_eq!(KcsAddress::STANDARD.to_string(), "0xca2/0xca3");
    }
}
