//! SEL timestamps (IPMI 2.0 §37.1, seconds since 1970 UTC) as ipmitool
//! prints them: in local time, honouring `TZ`, with the zone's name,
//! through the C library's `localtime_r`/`strftime`/`mktime` (the zone
//! database is the system's, as ipmitool's).

use std::ffi::CString;

extern "C" {
    /// POSIX tzset(3): reads TZ (the libc crate does not declare it).
    fn tzset();
}

fn tm_of(stamp: u32) -> libc::tm {
    // SAFETY: tzset reads TZ; localtime_r writes only into `tm`.
    unsafe {
        tzset();
        let t = libc::time_t::from(stamp);
        let mut tm: libc::tm = std::mem::zeroed();
        libc::localtime_r(&t, &mut tm);
        tm
    }
}

/// `stamp` formatted by strftime's `format` in local time.
pub fn format(stamp: u32, format: &str) -> String {
    let tm = tm_of(stamp);
    let fmt = CString::new(format).unwrap_or_default();
    let mut buf = [0u8; 128];
    // SAFETY: strftime writes at most buf.len() bytes into buf.
    let n = unsafe { libc::strftime(buf.as_mut_ptr().cast(), buf.len(), fmt.as_ptr(), &tm) };
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

/// ipmitool's date column: `MM/DD/YY` (C locale `%x`).
pub fn date(stamp: u32) -> String {
    format(stamp, "%m/%d/%y")
}

/// ipmitool's time column: `HH:MM:SS ZONE`.
pub fn time(stamp: u32) -> String {
    format(stamp, "%H:%M:%S %Z")
}

/// ipmitool's date and time: `MM/DD/YY HH:MM:SS ZONE`.
pub fn numeric(stamp: u32) -> String {
    format(stamp, "%m/%d/%y %H:%M:%S %Z")
}

/// `MM/DD/YYYY HH:MM:SS` read as local time (what `sel time set` takes),
/// as seconds since 1970 UTC; `None` when it is no such time.
pub fn parse_local(text: &str) -> Option<u32> {
    let (date, time) = text.trim().split_once(' ')?;
    let d: Vec<i32> = date
        .split('/')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let t: Vec<i32> = time
        .trim()
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let (&[mon, day, year], &[h, m, s]) = (&d[..], &t[..]) else {
        return None;
    };
    if !(1..=12).contains(&mon) || !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    // SAFETY: mktime reads and normalises the tm it is given.
    let t = unsafe {
        tzset();
        let mut tm: libc::tm = std::mem::zeroed();
        tm.tm_year = year - 1900;
        tm.tm_mon = mon - 1;
        tm.tm_mday = day;
        tm.tm_hour = h;
        tm.tm_min = m;
        tm.tm_sec = s;
        tm.tm_isdst = -1;
        libc::mktime(&mut tm)
    };
    u32::try_from(t).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_times_are_refused() {
        for bad in [
            "",
            "now",
            "13/01/2024 00:00:00",
            "01/01/2024",
            "1/1/1969 0:0:0",
        ] {
            assert_eq!(parse_local(bad), None, "{bad}");
        }
    }
}
