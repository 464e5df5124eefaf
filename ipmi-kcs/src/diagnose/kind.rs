//! Which IPMI processes are long-running by design (daemons, interactive
//! sessions) and which are one-shot commands: only a one-shot command can
//! be stuck, and only by what it does (old and blocked), never by name.

use super::cmdline::{base_name, words, Family, Word};

/// Programs that only ever run as daemons: ipmitool's `ipmievd`,
/// FreeIPMI's `ipmiseld` and `ipmidetectd`, OpenIPMI's `ipmi_sim` and
/// `ipmilan`, and the Prometheus IPMI exporter.
pub const IPMI_DAEMONS: &[&str] = &[
    "ipmievd",
    "ipmiseld",
    "ipmidetectd",
    "ipmi_sim",
    "ipmilan",
    "ipmi_exporter",
    "prometheus-ipmi-exporter",
];

/// What kind of IPMI process a command line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProcessKind {
    /// A one-shot command (`ipmitool mc info`): stuck when old and blocked.
    Command,
    /// An interactive session (`ipmitool sol activate`, `ipmitool shell`,
    /// `ipmiconsole`, `ipmipower` without an action): long by design.
    Session,
    /// A daemon (`ipmirs serve`, `ipmirs exporter`, `bmc-watchdog -d`,
    /// [`IPMI_DAEMONS`]): long by design, never a candidate for termination.
    Daemon,
}

impl ProcessKind {
    /// `command`, `session` or `daemon` (the JSON name).
    pub fn key(self) -> &'static str {
        match self {
            ProcessKind::Command => "command",
            ProcessKind::Session => "session",
            ProcessKind::Daemon => "daemon",
        }
    }
}

/// ipmipower's power actions (FreeIPMI `ipmipower(8)`); without one it reads commands interactively.
const IPMIPOWER_ACTIONS: &[&str] = &[
    "n",
    "f",
    "c",
    "r",
    "s",
    "j",
    "m",
    "on",
    "off",
    "cycle",
    "reset",
    "stat",
    "pulse",
    "soft",
    "on-if-off",
    "wait-until-on",
    "wait-until-off",
    "identify-on",
    "identify-off",
    "identify-status",
];

/// The kind of the IPMI process `tool` (its name) running `argv`.
pub(crate) fn kind_of(tool: &str, argv: &[String]) -> ProcessKind {
    if IPMI_DAEMONS.contains(&tool) {
        return ProcessKind::Daemon;
    }
    let family = argv
        .first()
        .map(|a| Family::of(base_name(a)))
        .filter(|f| *f != Family::Other)
        .unwrap_or(Family::of(tool));
    let ws = words(family, argv);
    let operands: Vec<&str> = ws
        .iter()
        .filter_map(|w| match w {
            Word::Operand(i) => Some(argv[*i].as_str()),
            Word::Opt { .. } => None,
        })
        .collect();
    let has_opt = |names: &[&str]| {
        ws.iter()
            .any(|w| matches!(w, Word::Opt { name, .. } if names.contains(&name.as_str())))
    };
    match tool {
        "ipmirs" if matches!(operands.first(), Some(&"serve") | Some(&"exporter")) => {
            ProcessKind::Daemon
        }
        "bmc-watchdog" if has_opt(&["d", "daemon"]) => ProcessKind::Daemon,
        "ipmitool"
            if operands.first() == Some(&"shell")
                || operands.windows(2).any(|w| w == ["sol", "activate"]) =>
        {
            ProcessKind::Session
        }
        "ipmiconsole" => ProcessKind::Session,
        "ipmipower" if !has_opt(IPMIPOWER_ACTIONS) => ProcessKind::Session,
        _ => ProcessKind::Command,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(cmd: &str) -> ProcessKind {
        let argv: Vec<String> = cmd.split(' ').map(str::to_string).collect();
        kind_of(base_name(&argv[0]), &argv)
    }

    #[test]
    fn kinds() {
        use ProcessKind::*;
        for (cmd, kind) in [
            ("ipmirs serve --listen 127.0.0.1:6230", Daemon),
            ("/usr/local/bin/ipmirs -v exporter", Daemon),
            ("ipmirs -H serve mc info", Command),
            ("ipmirs --timeout 5 serve", Daemon),
            ("ipmirs mc info", Command),
            ("bmc-watchdog -d -u 4 -p 0", Daemon),
            ("bmc-watchdog --daemon", Daemon),
            ("bmc-watchdog -g", Command),
            ("ipmievd sel daemon", Daemon),
            ("ipmi_sim -c lan.conf -f cmds -n", Daemon),
            ("ipmiseld", Daemon),
            ("ipmidetectd", Daemon),
            ("ipmi_exporter --config.file=x", Daemon),
            ("ipmitool -I lanplus -H h sol activate", Session),
            ("ipmitool shell", Session),
            ("ipmitool sol info", Command),
            ("ipmiconsole -h h", Session),
            ("ipmipower -h h", Session),
            ("ipmipower -h h --stat", Command),
            ("ipmipower -h h -s", Command),
            ("ipmitool mc info", Command),
        ] {
            assert_eq!(k(cmd), kind, "{cmd}");
        }
    }
}
