//! Pure parsers of the few `/proc` files the triage reads (formats from
//! the kernel's `fs/proc/array.c`, `kernel/module/procfs.c`,
//! `fs/char_dev.c`, `kernel/resource.c`, `fs/proc/uptime.c`,
//! `fs/proc/loadavg.c`). They never panic on odd input.

/// One line of `/proc/modules`: `name size refcount deps state address`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModuleLine {
    /// Module name (`ipmi_si`).
    pub name: String,
    /// Reference count; `None` when shown as `-`.
    pub refcount: Option<u32>,
    /// Modules that use this one.
    pub used_by: Vec<String>,
    /// `Live`, `Loading` or `Unloading`.
    pub state: String,
}

/// Parses `/proc/modules`.
pub fn parse_modules(text: &str) -> Vec<ModuleLine> {
    text.lines()
        .filter_map(|line| {
            let mut f = line.split_whitespace();
            let name = f.next()?.to_string();
            let _size = f.next();
            let refcount = f.next().and_then(|r| r.parse().ok());
            let used_by = f
                .next()
                .map(|d| {
                    d.split(',')
                        .filter(|s| !s.is_empty() && *s != "-")
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            let state = f.next().unwrap_or("").to_string();
            Some(ModuleLine {
                name,
                refcount,
                used_by,
                state,
            })
        })
        .collect()
}

/// The major number of character device driver `name` in `/proc/devices`
/// (`ipmidev` for ipmi_devintf).
pub fn char_major(text: &str, name: &str) -> Option<u32> {
    let mut in_char = false;
    for line in text.lines() {
        let t = line.trim();
        if t.ends_with(':') {
            in_char = t.starts_with("Character");
            continue;
        }
        if !in_char {
            continue;
        }
        let mut f = t.split_whitespace();
        if let (Some(major), Some(n)) = (f.next(), f.next()) {
            if n == name {
                return major.parse().ok();
            }
        }
    }
    None
}

/// The fields of `/proc/PID/stat` the triage uses (proc(5)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcStat {
    /// Field 1: process id.
    pub pid: u32,
    /// Field 2: command name, without the parentheses (at most 15 bytes).
    pub comm: String,
    /// Field 3: state (R, S, D, Z, T, I, ...).
    pub state: char,
    /// Field 4: parent pid.
    pub ppid: u32,
    /// Field 9: kernel flags (PF_KTHREAD = 0x00200000).
    pub flags: u64,
    /// Field 14: user-mode time, clock ticks.
    pub utime: u64,
    /// Field 15: kernel-mode time, clock ticks.
    pub stime: u64,
    /// Field 22: start time after boot, clock ticks.
    pub starttime: u64,
}

/// Parses `/proc/PID/stat`; the command name may hold spaces and parentheses.
pub fn parse_stat(text: &str) -> Option<ProcStat> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    if close < open {
        return None;
    }
    let pid = text[..open].trim().parse().ok()?;
    let comm = text[open + 1..close].to_string();
    let rest: Vec<&str> = text[close + 1..].split_whitespace().collect();
    // rest[0] is field 3.
    let field = |n: usize| rest.get(n - 3).copied();
    let num = |n: usize| field(n).and_then(|v| v.parse::<u64>().ok());
    Some(ProcStat {
        pid,
        comm,
        state: field(3)?.chars().next()?,
        ppid: num(4)? as u32,
        flags: num(9).unwrap_or(0),
        utime: num(14)?,
        stime: num(15)?,
        starttime: num(22)?,
    })
}

/// Seconds since boot, the first field of `/proc/uptime`.
pub fn parse_uptime(text: &str) -> Option<f64> {
    text.split_whitespace().next()?.parse().ok()
}

/// The 1, 5 and 15 minute load averages of `/proc/loadavg`.
pub fn parse_loadavg(text: &str) -> Option<[f64; 3]> {
    let mut f = text.split_whitespace().map(|v| v.parse::<f64>().ok());
    Some([f.next()??, f.next()??, f.next()??])
}

/// One claimed range of `/proc/ioports` (any nesting level).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IoRange {
    /// First port.
    pub start: u32,
    /// Last port.
    pub end: u32,
    /// Who claimed it (`ipmi_si`, `keyboard`, ...).
    pub name: String,
}

/// Parses `/proc/ioports` (`  0ca2-0ca3 : ipmi_si`). Ranges shown as
/// `0000-0000` (to non-root readers) are kept; callers see they say nothing.
pub fn parse_ioports(text: &str) -> Vec<IoRange> {
    text.lines()
        .filter_map(|line| {
            let (range, name) = line.split_once(" : ")?;
            let (a, b) = range.trim().split_once('-')?;
            Some(IoRange {
                start: u32::from_str_radix(a, 16).ok()?,
                end: u32::from_str_radix(b, 16).ok()?,
                name: name.trim().to_string(),
            })
        })
        .collect()
}

/// The arguments of `/proc/PID/cmdline` (NUL-separated; empty for kernel threads).
pub fn parse_cmdline(bytes: &[u8]) -> Vec<String> {
    bytes
        .split(|&b| b == 0)
        .filter(|a| !a.is_empty())
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules() {
        let text = "ipmi_si 86016 1 - Live 0xffffffffc0a00000\n\
                    ipmi_devintf 20480 0 - Live 0x0000000000000000\n\
                    ipmi_msghandler 122880 2 ipmi_devintf,ipmi_si, Live 0xffffffffc09c0000\n";
        let m = parse_modules(text);
        assert_eq!(m.len(), 3);
        assert_eq!(m[0].name, "ipmi_si");
        assert_eq!(m[0].refcount, Some(1));
        assert!(m[0].used_by.is_empty());
        assert_eq!(m[2].used_by, ["ipmi_devintf", "ipmi_si"]);
        assert_eq!(m[2].state, "Live");
        assert!(parse_modules("").is_empty());
    }

    #[test]
    fn devices() {
        let text = "Character devices:\n  1 mem\n  4 tty\n239 ipmidev\n\nBlock devices:\n  8 sd\n239 ipmidev\n";
        assert_eq!(char_major(text, "ipmidev"), Some(239));
        assert_eq!(char_major(text, "sd"), None);
        assert_eq!(char_major("Character devices:\n", "ipmidev"), None);
    }

    #[test]
    fn stat_with_odd_names() {
        let s = parse_stat("812 (kipmi0) S 2 0 0 0 -1 2129984 0 0 0 0 150 4750 0 0 39 19 1 0 388 0 0 18446744073709551615 0 0 0 0 0 0 0 2147483647 0 0 0 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0").unwrap();
        assert_eq!((s.pid, s.comm.as_str(), s.state), (812, "kipmi0", 'S'));
        assert_eq!((s.utime, s.stime, s.starttime), (150, 4750, 388));
        assert_eq!(s.flags & 0x0020_0000, 0x0020_0000);
        let s =
            parse_stat("77 (a) b (c)) R 1 77 77 0 -1 4194304 1 0 0 0 5 6 0 0 20 0 1 0 1000 1 1")
                .unwrap();
        assert_eq!(
            (s.comm.as_str(), s.state, s.utime, s.stime, s.starttime),
            ("a) b (c)", 'R', 5, 6, 1000)
        );
        assert!(parse_stat("").is_none());
        assert!(parse_stat("1 (x) S 1").is_none());
        assert!(parse_stat(")(").is_none());
    }

    #[test]
    fn small_files() {
        assert_eq!(parse_uptime("12345.67 2345.00\n"), Some(12345.67));
        assert_eq!(
            parse_loadavg("193.01 190.20 150.00 4/900 1234\n"),
            Some([193.01, 190.2, 150.0])
        );
        assert_eq!(parse_loadavg("1.0"), None);
        let io = parse_ioports(
            "0000-0cf7 : PCI Bus 0000:00\n  0ca2-0ca3 : ipmi_si\n  0060-0060 : keyboard\n",
        );
        assert_eq!(
            io[1],
            IoRange {
                start: 0xca2,
                end: 0xca3,
                name: "ipmi_si".into()
            }
        );
        assert_eq!(
            parse_cmdline(b"ipmitool\0mc\0info\0"),
            ["ipmitool", "mc", "info"]
        );
        assert!(parse_cmdline(b"").is_empty());
    }
}
