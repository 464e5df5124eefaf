//! Manufacturer and product names for `mc info`, found the way ipmitool
//! 1.8.19 finds them, so that the two print the same bytes.
//!
//! Manufacturer: ipmitool reads the IANA enterprise-numbers registry,
//! `$HOME/.local/usr/share/misc/enterprise-numbers.txt` first, else
//! `/usr/share/misc/enterprise-numbers.txt`. An entry is a line that starts
//! with a digit (the number, read like `strtol(line, .., 10)`) followed
//! directly by a line indented by exactly two spaces (the organization, to
//! the end of the line). Its list is searched with two fixed names in front
//! (0 = `Unknown`, 0x0FFFFF = `Unspecified`), the file's entries in reverse
//! file order (a number listed twice gets its last name) and one technical
//! entry behind; a miss prints `Unknown (0x%02X)`. The manufacturer ID is
//! looked up with all 24 bits the BMC sent.
//!
//! Here the file is only opened when `mc info` needs a name, and it is
//! scanned for the one number instead of being loaded. When no registry file
//! can be read (ipmitool then prints `Unknown (0x..)` for everyone), or the
//! file has not a single valid entry (ipmitool then refuses to run at all),
//! a small built-in table of server and BMC vendors answers, with the
//! registry's own spelling of their names.
//!
//! Product: ipmitool's built-in table ([`products`]) by (manufacturer,
//! product ID), else `Unknown (0x%02X)` of the product ID.

mod products;

use std::ffi::OsStr;
use std::io::BufRead;
use std::path::PathBuf;

/// The system registry ipmitool 1.8.19 (Debian) reads.
pub const SYSTEM_REGISTRY: &str = "/usr/share/misc/enterprise-numbers.txt";
/// The per-user registry, relative to `$HOME`, which ipmitool tries first.
pub const USER_REGISTRY: &str = ".local/usr/share/misc/enterprise-numbers.txt";

/// ipmitool's fixed names that precede the registry's.
const HEAD: [(u32, &str); 2] = [(0, "Unknown"), (0x0f_ffff, "Unspecified")];
/// ipmitool's own technical entry, searched after the registry's.
const TAIL: [(u32, &str); 1] = [(0xff_fffe, "A Debug Assisting Company, Ltd.")];

/// Common server and BMC vendors, spelled as in the IANA registry, for
/// machines that have no registry file.
const BUILT_IN: &[(u32, &str)] = &[
    (2, "IBM (https://w3.ibm.com/standards )"),
    (9, "ciscoSystems"),
    (11, "Hewlett-Packard"),
    (34, "Cray"),
    (42, "Sun Microsystems"),
    (59, "Silicon Graphics, Inc."),
    (94, "Nokia"),
    (111, "Oracle"),
    (116, "Hitachi, Ltd."),
    (119, "NEC Corporation"),
    (193, "Ericsson AB"),
    (211, "Fujitsu Limited"),
    (311, "Microsoft"),
    (343, "Intel Corporation"),
    (674, "Dell Inc."),
    (2011, "HUAWEI Technology Co.,Ltd"),
    (2623, "ASUSTek Computer Inc."),
    (3902, "Zhongxing Telecom Co.,ltd. (abbr. ZTE)"),
    (4337, "RadiSys Corp."),
    (4413, "Broadcom Limited"),
    (4753, "MontaVista Software, Inc."),
    (4769, "IBM Corporation"),
    (5703, "NVIDIA Corporation"),
    (6653, "Tyan Computer Corporation"),
    (7244, "Quanta Computer Inc."),
    (9342, "Penguin Computing"),
    (10297, "Advantech Co., Ltd."),
    (
        10368,
        "Fujitsu Technology Solutions GmbH (formerly 'Fujitsu Siemens Computers')",
    ),
    (10418, "Avocent Corporation"),
    (10437, "Peppercon AG"),
    (10876, "Super Micro Computer Inc."),
    (11129, "Google, Inc."),
    (11183, "Mitac International Corp."),
    (12290, "Celestica International Inc."),
    (12634, "PICMG"),
    (13742, "Raritan Computer, Inc."),
    (15000, "Kontron Canada Inc"),
    (15370, "GIGA-BYTE TECHNOLOGY CO., LTD"),
    (19046, "Lenovo Enterprise Business Group"),
    (20301, "IBM eServer X"),
    (20569, "Inventec Enterprise System Corp."),
    (20974, "American Megatrends, Inc"),
    (24339, "ADLINK TECHNOLOGY INC."),
    (28458, "Nokia Networks (formerly 'Nokia Siemens Networks')"),
    (33049, "Mellanox Technologies LTD"),
    (
        37945,
        "Inspur(BeiJing) Electronic Information Industry Co.,Ltd",
    ),
    (40092, "Wiwynn Corporation"),
    (40981, "Facebook, Inc."),
    (47196, "Hewlett Packard Enterprise"),
    (48512, "Inspur Group Co.,Ltd."),
    (49622, "ASRock Rack Incorporation"),
    (49769, "YADRO"),
    (49871, "OpenBMC Project"),
    (51974, "Raptor Computing Systems, LLC"),
    (52538, "Ampere Computing"),
    (58132, "xFusion Digital Technologies Co., Ltd."),
    (60099, "Amazon Web Services Inc"),
    (61878, "New H3C Technologies Co., Ltd"),
];

/// ipmitool's name for a value it has no entry for.
pub fn unknown(value: u32) -> String {
    format!("Unknown (0x{value:02X})")
}

/// Where ipmitool looks for the registry, in order.
pub fn registry_paths(home: Option<&OsStr>) -> Vec<PathBuf> {
    let mut paths = Vec::with_capacity(2);
    if let Some(home) = home {
        // ipmitool pastes "$HOME" and "/.local/..." together as strings.
        let mut p = home.to_os_string();
        p.push("/");
        p.push(USER_REGISTRY);
        paths.push(PathBuf::from(p));
    }
    paths.push(PathBuf::from(SYSTEM_REGISTRY));
    paths
}

/// Where a manufacturer's name came from (for `-v`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NameSource {
    /// The registry file at this path.
    Registry(PathBuf),
    /// No registry could be read: the built-in table.
    BuiltIn,
}

/// The name ipmitool prints for manufacturer `id`, as raw bytes (the
/// registry is printed as stored), and where it came from.
pub fn manufacturer_name(id: u32, registries: &[PathBuf]) -> (Vec<u8>, NameSource) {
    for path in registries {
        if let Ok(file) = std::fs::File::open(path) {
            // Streamed: the 4.7 MB registry is never held in memory.
            let reader = std::io::BufReader::with_capacity(64 * 1024, file);
            if let Ok(Some(name)) = lookup_in(id, reader) {
                return (name, NameSource::Registry(path.clone()));
            }
        }
    }
    let name = HEAD
        .iter()
        .chain(BUILT_IN)
        .chain(TAIL.iter())
        .find(|(v, _)| *v == id)
        .map(|(_, n)| n.to_string())
        .unwrap_or_else(|| unknown(id));
    (name.into_bytes(), NameSource::BuiltIn)
}

/// ipmitool's answer for `id` given the registry's contents; `None` when
/// the registry has not a single valid entry (unusable).
#[cfg(test)]
pub fn lookup_in_registry(id: u32, registry: &[u8]) -> Option<Vec<u8>> {
    lookup_in(id, registry).expect("reading a slice cannot fail")
}

fn lookup_in(id: u32, registry: impl BufRead) -> std::io::Result<Option<Vec<u8>>> {
    let (found, entries) = scan_registry(id, registry)?;
    if entries == 0 {
        return Ok(None);
    }
    Ok(Some(
        if let Some((_, name)) = HEAD.iter().find(|(v, _)| *v == id) {
            name.as_bytes().to_vec()
        } else if let Some(name) = found {
            name
        } else if let Some((_, name)) = TAIL.iter().find(|(v, _)| *v == id) {
            name.as_bytes().to_vec()
        } else {
            unknown(id).into_bytes()
        },
    ))
}

/// Walks the registry the way ipmitool's loader does (a number line, then
/// the very next line as its organization) and returns the last name filed
/// under `id` plus the number of valid entries seen.
fn scan_registry(id: u32, mut registry: impl BufRead) -> std::io::Result<(Option<Vec<u8>>, usize)> {
    let mut found = None;
    let mut entries = 0;
    let mut line = Vec::with_capacity(256);
    let mut next_line = |line: &mut Vec<u8>| -> std::io::Result<bool> {
        line.clear();
        if registry.read_until(b'\n', line)? == 0 {
            return Ok(false);
        }
        if line.last() == Some(&b'\n') {
            line.pop();
        }
        Ok(true)
    };
    while next_line(&mut line)? {
        if !line.first().is_some_and(u8::is_ascii_digit) {
            continue;
        }
        let number = leading_number(&line);
        if !next_line(&mut line)? {
            break;
        }
        let indent = line.iter().take_while(|&&b| b == b' ').count();
        if indent != 2 {
            continue;
        }
        entries += 1;
        if number == id {
            found = Some(line[2..].to_vec());
        }
    }
    Ok((found, entries))
}

/// `strtol(line, .., 10)` stored into ipmitool's 32-bit value field.
fn leading_number(line: &[u8]) -> u32 {
    let mut v: i64 = 0;
    for &b in line.iter().take_while(|b| b.is_ascii_digit()) {
        v = v.saturating_mul(10).saturating_add((b - b'0') as i64);
    }
    v as u32
}

/// The product name ipmitool prints for (manufacturer, product ID).
pub fn product_name(manufacturer: u32, product: u16) -> String {
    products::PRODUCTS
        .iter()
        .find(|(m, p, _)| *m == manufacturer && *p == product)
        .map(|(_, _, name)| name.to_string())
        .unwrap_or_else(|| unknown(product as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &[u8] = b"PRIVATE ENTERPRISE NUMBERS\n\n(last updated 2024-05-16)\n\nDecimal\n| Organization\n| | Contact\n\
| | | Email\n| | | | \n0\n  Reserved\n    Internet Assigned Numbers Authority\n      iana&iana.org\n2\n  IBM (https://w3.ibm.com/standards )\n    Glenn Daly\n      gdaly&us.ibm.com\n343\n  Intel Corporation\n    Adam Kaminski\n      adam.kaminski&intel.com\n4753\n  MontaVista Software, Inc.\n    Some One\n      x&y\n1048575\n  Reserved Top\n    n\n      e\n";

    fn name(id: u32, reg: &[u8]) -> String {
        String::from_utf8(lookup_in_registry(id, reg).expect("usable registry")).unwrap()
    }

    #[test]
    fn registry_entries_and_fixed_names() {
        assert_eq!(name(343, SAMPLE), "Intel Corporation");
        assert_eq!(name(4753, SAMPLE), "MontaVista Software, Inc.");
        assert_eq!(name(2, SAMPLE), "IBM (https://w3.ibm.com/standards )");
        // ipmitool's fixed names precede the registry's.
        assert_eq!(name(0, SAMPLE), "Unknown");
        assert_eq!(name(0x0fffff, SAMPLE), "Unspecified");
        // Misses: ipmitool's "Unknown (0x%02X)".
        assert_eq!(name(674, SAMPLE), "Unknown (0x2A2)");
        assert_eq!(name(0xfffe, SAMPLE), "Unknown (0xFFFE)");
        assert_eq!(name(1, SAMPLE), "Unknown (0x01)");
        assert_eq!(name(1048560, SAMPLE), "Unknown (0xFFFF0)");
    }

    #[test]
    fn registry_parsing_quirks() {
        // The last of two entries for one number wins.
        assert_eq!(name(7, b"7\n  First\n7\n  Second\n"), "Second");
        // The organization must be indented by exactly two spaces...
        assert_eq!(name(7, b"7\n   Three\n8\n  Eight\n"), "Unknown (0x07)");
        assert_eq!(name(7, b"7\n Three\n8\n  Eight\n"), "Unknown (0x07)");
        // ...and follow the number line directly; the line after a number
        // is consumed even when it is not an organization.
        assert_eq!(name(8, b"7\n8\n  Eight\n1\n  One\n"), "Unknown (0x08)");
        // Digits then anything still count as the number (strtol).
        assert_eq!(name(9, b"9 extra\n  Nine\n"), "Nine");
        // Trailing bytes of the name are kept, except the newline.
        assert_eq!(name(9, b"9\n  Nine \r\n"), "Nine \r");
        assert_eq!(name(9, b"9\n  Nine"), "Nine");
        // An indented number is no number.
        assert_eq!(name(9, b"  9\n  Nine\n5\n  Five\n"), "Unknown (0x09)");
        // No valid entry at all: unusable (ipmitool refuses to run).
        assert_eq!(lookup_in_registry(0, b"nothing here\n"), None);
        assert_eq!(lookup_in_registry(0, b""), None);
    }

    #[test]
    fn built_in_table_when_no_registry() {
        let none = [PathBuf::from("/nonexistent/ipmirs/enterprise-numbers.txt")];
        assert_eq!(
            manufacturer_name(343, &none),
            (b"Intel Corporation".to_vec(), NameSource::BuiltIn)
        );
        assert_eq!(
            manufacturer_name(10876, &none).0,
            b"Super Micro Computer Inc."
        );
        assert_eq!(manufacturer_name(674, &none).0, b"Dell Inc.");
        assert_eq!(manufacturer_name(0, &none).0, b"Unknown");
        assert_eq!(manufacturer_name(0x0fffff, &none).0, b"Unspecified");
        assert_eq!(manufacturer_name(12345, &none).0, b"Unknown (0x3039)");
    }

    #[test]
    fn first_readable_registry_is_used() {
        let dir = std::env::temp_dir().join(format!("ipmirs-mfr-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("enterprise-numbers.txt");
        std::fs::write(&file, b"343\n  Chipzilla\n").unwrap();
        let paths = [
            dir.join("missing"),
            file.clone(),
            PathBuf::from(SYSTEM_REGISTRY),
        ];
        assert_eq!(
            manufacturer_name(343, &paths),
            (b"Chipzilla".to_vec(), NameSource::Registry(file))
        );
        // A registry without entries is skipped like a missing one.
        let empty = dir.join("empty.txt");
        std::fs::write(&empty, b"no entries\n").unwrap();
        let none = dir.join("none");
        assert_eq!(
            manufacturer_name(674, &[empty, none]),
            (b"Dell Inc.".to_vec(), NameSource::BuiltIn)
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The built-in names are the registry's spelling, where this machine has one.
    #[test]
    fn built_in_names_match_the_system_registry() {
        let Ok(data) = std::fs::read(SYSTEM_REGISTRY) else {
            return;
        };
        for (id, builtin) in BUILT_IN {
            assert_eq!(
                String::from_utf8_lossy(&lookup_in_registry(*id, &data).unwrap()),
                *builtin,
                "{id}"
            );
        }
    }

    #[test]
    fn system_registry_lookup_is_fast() {
        let Ok(data) = std::fs::read(SYSTEM_REGISTRY) else {
            return;
        };
        let t = std::time::Instant::now();
        assert_eq!(
            lookup_in_registry(343, &data).unwrap(),
            b"Intel Corporation"
        );
        // Generous even for an unoptimized build on a slow machine.
        assert!(
            t.elapsed() < std::time::Duration::from_secs(2),
            "{:?}",
            t.elapsed()
        );
    }

    #[test]
    fn paths_follow_ipmitool() {
        let p = registry_paths(Some(OsStr::new("/home/me")));
        assert_eq!(
            p[0],
            PathBuf::from("/home/me/.local/usr/share/misc/enterprise-numbers.txt")
        );
        assert_eq!(p[1], PathBuf::from(SYSTEM_REGISTRY));
        assert_eq!(registry_paths(None), vec![PathBuf::from(SYSTEM_REGISTRY)]);
    }

    #[test]
    fn products() {
        assert_eq!(product_name(343, 0x0028), "S5000PAL");
        assert_eq!(product_name(10876, 0x0002), "C2SLM-OC012");
        assert_eq!(product_name(49769, 0x0014), "VEGMAN Series BMC");
        assert_eq!(product_name(15000, 2025), "AT8030 MMC");
        // First of two entries for one ID wins.
        assert_eq!(product_name(10876, 1548), "X8DTU+");
        assert_eq!(product_name(4753, 0x0f02), "Unknown (0xF02)");
        assert_eq!(product_name(10876, 0), "Unknown (0x00)");
        assert_eq!(product_name(343, 0xffff), "Unknown (0xFFFF)");
    }
}
