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
//! Here the file is only opened when `mc info` needs a name, and only the
//! few kilobytes around the one number are read (see [`lookup_in_file`]). When no registry file
//! can be read (ipmitool then prints `Unknown (0x..)` for everyone), or the
//! file has not a single valid entry (ipmitool then refuses to run at all),
//! a small built-in table of server and BMC vendors answers, with the
//! registry's own spelling of their names.
//!
//! Product: ipmitool's built-in table ([`products`]) by (manufacturer,
//! product ID), else `Unknown (0x%02X)` of the product ID.

mod products;

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
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
            if let Ok(Some(name)) = lookup_in_file(id, file) {
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

/// ipmitool's answer from a whole scan of `registry`.
fn lookup_in(id: u32, registry: impl BufRead) -> std::io::Result<Option<Vec<u8>>> {
    let (found, entries) = scan_registry(id, registry)?;
    Ok(answer(id, found, entries > 0))
}

/// ipmitool's lookup order: its fixed names first, then the registry's
/// (last entry for a number wins), then its technical entry, else
/// `Unknown (0x..)`; `None` when the registry has no valid entry.
fn answer(id: u32, found: Option<Vec<u8>>, usable: bool) -> Option<Vec<u8>> {
    if !usable {
        return None;
    }
    Some(
        if let Some((_, name)) = HEAD.iter().find(|(v, _)| *v == id) {
            name.as_bytes().to_vec()
        } else if let Some(name) = found {
            name
        } else if let Some((_, name)) = TAIL.iter().find(|(v, _)| *v == id) {
            name.as_bytes().to_vec()
        } else {
            unknown(id).into_bytes()
        },
    )
}

/// Registries up to this size are scanned whole (test files, a user's
/// own short list): cheap, and exact whatever their order.
const SCAN_WHOLE: u64 = 64 * 1024;
/// The bisection stops when the window left is this small; a forward
/// scan from its start then finds the entry (a few dozen entries).
const WINDOW: u64 = 8 * 1024;
/// Most bytes one probe reads looking for the first entry after its
/// offset (an entry of the IANA file is about 80 bytes).
const PROBE_LIMIT: u64 = 16 * 1024;
/// Buffer of each probe and of the final scan.
const PROBE_BUFFER: usize = 4 * 1024;

/// ipmitool's answer for `id` from a registry file, reading only what it
/// takes (issue 10.6: `mc info` used to pay for reading all 4.7 MB).
///
/// Why a bisection gives ipmitool's answer: the IANA file lists entries
/// by increasing number (its format: one block per number, in order), and
/// the answer depends only on the entries with number `id` (the last one
/// wins) and on the file having at least one valid entry. The byte range
/// is bisected: a probe seeks to an offset, skips to a point where
/// ipmitool's reader is between entries (the line after any line that does
/// not start with a digit: whether ipmitool consumed that line as an
/// organization or skipped it, its next read starts fresh there), and
/// reads the first entry from there exactly as ipmitool pairs lines. The
/// low end keeps a point whose first entry is below `id`; from it a
/// forward scan, still ipmitool's pairing, collects the entries equal to
/// `id` and stops at the first one above. So about a dozen 4 KiB reads
/// replace 4.7 MB. A file that shows itself out of order (the first entry,
/// the probes or the forward scan meet a smaller number after a larger one) is scanned whole
/// instead, as are small files. The limit: disorder that neither the
/// probes nor the forward scan meet goes unseen, and there the answer can
/// differ from ipmitool's (which takes the file's last entry for a number
/// wherever it is); the registry IANA publishes, and Debian ships, is in
/// order (checked for the machine's copy by a unit test).
fn lookup_in_file<F: Read + Seek>(id: u32, mut file: F) -> std::io::Result<Option<Vec<u8>>> {
    let len = file.seek(SeekFrom::End(0))?;
    file.seek(SeekFrom::Start(0))?;
    if len <= SCAN_WHOLE {
        return lookup_in(id, BufReader::with_capacity(PROBE_BUFFER, file));
    }
    let Some(start) = bisect(id, &mut file, len)? else {
        return whole(id, file);
    };
    file.seek(SeekFrom::Start(start))?;
    let mut entries = Entries::new(BufReader::with_capacity(PROBE_BUFFER, &mut file));
    let (mut found, mut seen, mut last) = (None, 0usize, None::<u32>);
    while let Some(number) = entries.next_entry()? {
        if last.is_some_and(|l| number < l) {
            return whole(id, file);
        }
        last = Some(number);
        seen += 1;
        if number > id {
            break;
        }
        if number == id {
            found = Some(entries.name().to_vec());
        }
    }
    Ok(answer(id, found, seen > 0))
}

/// The whole-file scan, from the start.
fn whole<F: Read + Seek>(id: u32, mut file: F) -> std::io::Result<Option<Vec<u8>>> {
    file.seek(SeekFrom::Start(0))?;
    // Streamed: the registry is never held in memory.
    lookup_in(id, BufReader::with_capacity(64 * 1024, file))
}

/// The offset to scan forward from: 0, or a point between entries whose
/// first entry is below `id`. `None` when the probes saw the file out of
/// order.
fn bisect<F: Read + Seek>(id: u32, file: &mut F, len: u64) -> std::io::Result<Option<u64>> {
    let (mut lo, mut hi, mut start) = (0u64, len, 0u64);
    let mut probes: Vec<(u64, u32)> = Vec::with_capacity(32);
    // The file's first entry (offset 0 is between entries), for the order
    // check only.
    file.seek(SeekFrom::Start(0))?;
    let head = BufReader::with_capacity(PROBE_BUFFER, file.by_ref().take(PROBE_LIMIT));
    if let Some(first) = Entries::new(head).next_entry()? {
        probes.push((0, first));
    }
    // Each round halves hi - lo: 64 rounds cover any u64 length.
    for _ in 0..64 {
        if hi - lo <= WINDOW {
            break;
        }
        let mid = lo + (hi - lo) / 2;
        match probe(file, mid)? {
            Some((at, number)) => {
                probes.push((at, number));
                if number < id {
                    lo = mid;
                    start = at;
                } else {
                    hi = mid;
                }
            }
            None => hi = mid,
        }
    }
    probes.sort_unstable();
    let ordered = probes.windows(2).all(|w| w[0].1 <= w[1].1);
    Ok(ordered.then_some(start))
}

/// The first entry at or after `offset`, as ipmitool reads it: the point
/// between entries where reading starts and the entry's number. `None`
/// when none starts within [`PROBE_LIMIT`] bytes.
fn probe<F: Read + Seek>(file: &mut F, offset: u64) -> std::io::Result<Option<(u64, u32)>> {
    file.seek(SeekFrom::Start(offset))?;
    let reader = BufReader::with_capacity(PROBE_BUFFER, file.by_ref().take(PROBE_LIMIT));
    let mut entries = Entries::new(reader);
    // The rest of the line the offset fell into.
    if !entries.next_line()? {
        return Ok(None);
    }
    // Past a line that does not start with a digit.
    loop {
        if !entries.next_line()? {
            return Ok(None);
        }
        if !entries.line.first().is_some_and(u8::is_ascii_digit) {
            break;
        }
    }
    let at = offset + entries.consumed;
    Ok(entries.next_entry()?.map(|number| (at, number)))
}

/// ipmitool's loader over a reader positioned between entries: a line
/// starting with a digit (the number), then the very next line as its
/// organization when indented by exactly two spaces; the line after a
/// number is consumed either way.
struct Entries<R> {
    reader: R,
    line: Vec<u8>,
    /// Bytes read so far.
    consumed: u64,
}

impl<R: BufRead> Entries<R> {
    fn new(reader: R) -> Self {
        Entries {
            reader,
            line: Vec::with_capacity(256),
            consumed: 0,
        }
    }

    /// The next line into `self.line`, without its newline; false at the end.
    fn next_line(&mut self) -> std::io::Result<bool> {
        self.line.clear();
        let n = self.reader.read_until(b'\n', &mut self.line)?;
        self.consumed += n as u64;
        if self.line.last() == Some(&b'\n') {
            self.line.pop();
        }
        Ok(n > 0)
    }

    /// The number of the next valid entry ([`Self::name`] is its
    /// organization); `None` at the end.
    fn next_entry(&mut self) -> std::io::Result<Option<u32>> {
        while self.next_line()? {
            if !self.line.first().is_some_and(u8::is_ascii_digit) {
                continue;
            }
            let number = leading_number(&self.line);
            if !self.next_line()? {
                return Ok(None);
            }
            if self.line.iter().take_while(|&&b| b == b' ').count() == 2 {
                return Ok(Some(number));
            }
        }
        Ok(None)
    }

    /// The organization of the entry [`Self::next_entry`] returned.
    fn name(&self) -> &[u8] {
        &self.line[2..]
    }
}

/// Walks the whole registry the way ipmitool's loader does and returns the
/// last name filed under `id` plus the number of valid entries seen.
fn scan_registry(id: u32, registry: impl BufRead) -> std::io::Result<(Option<Vec<u8>>, usize)> {
    let mut entries = Entries::new(registry);
    let (mut found, mut seen) = (None, 0);
    while let Some(number) = entries.next_entry()? {
        seen += 1;
        if number == id {
            found = Some(entries.name().to_vec());
        }
    }
    Ok((found, seen))
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

    /// A reader that counts the bytes read from it.
    struct Counted<R> {
        inner: R,
        read: u64,
    }

    impl<R: Read> Read for Counted<R> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.inner.read(buf)?;
            self.read += n as u64;
            Ok(n)
        }
    }

    impl<R: Seek> Seek for Counted<R> {
        fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
            self.inner.seek(pos)
        }
    }

    /// A registry shaped like IANA's, `n` entries (every third number,
    /// with contact and e-mail lines), `quirk` inserted after number 2997.
    fn registry_with(n: u32, quirk: &[u8]) -> Vec<u8> {
        let mut v = b"PRIVATE ENTERPRISE NUMBERS\n\n(last updated 2024-05-16)\n\n".to_vec();
        for i in 0..n {
            let number = i * 3;
            v.extend(
                format!(
                    "{number}\n  Organization number {number}\n    Some Contact\n      someone&example.com\n"
                )
                .as_bytes(),
            );
            if number == 2997 {
                v.extend(quirk);
            }
        }
        v
    }

    /// ipmitool's answers for `ids` from one whole scan of `data`.
    fn whole_scan_answers(data: &[u8], ids: &[u32]) -> Vec<Option<Vec<u8>>> {
        let mut last = std::collections::HashMap::new();
        let mut entries = Entries::new(data);
        let mut seen = 0;
        while let Some(n) = entries.next_entry().unwrap() {
            last.insert(n, entries.name().to_vec());
            seen += 1;
        }
        ids.iter()
            .map(|id| answer(*id, last.get(id).cloned(), seen > 0))
            .collect()
    }

    /// Looks every id up by bisection; checks the answers against the
    /// whole scan and the bytes read against `most`.
    fn check_bisection(data: &[u8], ids: &[u32], most: u64) {
        let want = whole_scan_answers(data, ids);
        for (id, want) in ids.iter().zip(want) {
            let mut file = Counted {
                inner: std::io::Cursor::new(data),
                read: 0,
            };
            assert_eq!(lookup_in_file(*id, &mut file).unwrap(), want, "{id}");
            assert!(file.read <= most, "{id}: read {} bytes", file.read);
        }
    }

    /// Issue 10.6: the lookup reads a few kilobytes of a 4.7 MB-size
    /// registry, not all of it, and answers exactly as the whole scan.
    #[test]
    fn a_big_registry_is_bisected_not_read() {
        let data = registry_with(60_000, b"");
        assert!(data.len() > 4_000_000, "{}", data.len());
        let last = 3 * 59_999;
        let ids = [
            0,
            1,
            3,
            4,
            343,
            4753,
            90_000,
            90_001,
            last - 3,
            last,
            last + 1,
            0x0f_ffff,
            0xff_fffe,
        ];
        check_bisection(&data, &ids, 128 * 1024);
        // The same answers as the whole scan by the old path.
        assert_eq!(
            lookup_in_file(4752, std::io::Cursor::new(&data)).unwrap(),
            lookup_in_registry(4752, &data)
        );
    }

    /// The bisection agrees with ipmitool's whole scan for every number of
    /// a registry with its quirks (duplicates, bad indentation, a number
    /// line eating the next number line), and falls back to the whole scan
    /// for a big file that shows itself out of order.
    #[test]
    fn bisection_keeps_ipmitools_answers() {
        let data = registry_with(
            2_000,
            b"2998\n  First\n2998\n  Second\n2999\n   Three spaces\n2999\n2999\n  Eaten\n",
        );
        assert_eq!(lookup_in_registry(2998, &data).unwrap(), b"Second");
        let ids: Vec<u32> = (0..6_100).chain([0x0f_ffff, 0xff_fffe]).collect();
        check_bisection(&data, &ids, 64 * 1024);
        // Out of order: a big file whose halves are swapped (the probes
        // meet a smaller number after a larger one).
        let low = registry_with(20_000, b"5\n  Five again\n");
        let high: Vec<u8> = (0..20_000u32)
            .flat_map(|i| format!("{}\n  High {i}\n    c\n      e\n", 100_000 + i * 3).into_bytes())
            .collect();
        let shuffled = [high, low].concat();
        let ids = [5, 6, 100_000, 100_001, 159_997, 59_997, 30_000];
        let want = whole_scan_answers(&shuffled, &ids);
        for (id, want) in ids.iter().zip(want) {
            let fast = lookup_in_file(*id, std::io::Cursor::new(&shuffled)).unwrap();
            assert_eq!(fast, want, "{id}");
        }
    }

    /// The machine's IANA registry, where there is one: every 7th entry and
    /// its neighbours answer as the whole scan does, reading little.
    #[test]
    fn system_registry_bisection_matches_the_whole_scan() {
        let Ok(data) = std::fs::read(SYSTEM_REGISTRY) else {
            return;
        };
        let mut ids = vec![0, 1, 343, 674, 4753, 10876, 0x0f_ffff, 0xff_fffe, u32::MAX];
        let mut entries = Entries::new(&data[..]);
        let mut i = 0;
        while let Some(n) = entries.next_entry().unwrap() {
            if i % 7 == 0 {
                ids.extend([n.saturating_sub(1), n, n + 1]);
            }
            i += 1;
        }
        check_bisection(&data, &ids, 128 * 1024);
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
