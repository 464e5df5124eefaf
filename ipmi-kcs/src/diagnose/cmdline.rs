//! What a command line of an IPMI tool says: the option grammar of each
//! tool family (which options take a value, which values are secrets),
//! walked the way getopt/argp/clap walk it, so that the redaction and the
//! daemon test read the same words.

/// The option grammars this module knows, by tool family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Family {
    /// ipmitool and ipmievd (ipmitool's `OPTION_STRING`).
    Ipmitool,
    /// ipmirs: ipmitool's client options plus `serve --user NAME:PASSWORD[:PRIV]`.
    Ipmirs,
    /// FreeIPMI's tools (`-p/--password`, `-k/--k-g`; `-P`, `-K` prompt).
    FreeIpmi,
    /// ipmiutil (`-P`/`-R` password).
    Ipmiutil,
    /// Anything else: only the long and `NAME=value` forms are known.
    Other,
}

impl Family {
    /// The family of a tool by its base name.
    pub(crate) fn of(tool: &str) -> Family {
        match tool {
            "ipmitool" | "ipmievd" => Family::Ipmitool,
            "ipmirs" => Family::Ipmirs,
            "ipmiutil" => Family::Ipmiutil,
            t if t.starts_with("ipmi-")
                || t.starts_with("bmc-")
                || matches!(
                    t,
                    "ipmipower"
                        | "ipmiconsole"
                        | "ipmimonitoring"
                        | "ipmidetect"
                        | "ipmidetectd"
                        | "ipmiseld"
                        | "ipmiping"
                ) =>
            {
                Family::FreeIpmi
            }
            _ => Family::Other,
        }
    }

    /// Short options that take a value (the value joined or the next word).
    fn value_shorts(self) -> &'static str {
        match self {
            // ipmitool 1.8.19 OPTION_STRING, the letters followed by `:`.
            Family::Ipmitool => "IodHPfUpCLAtTmzSlbBekyORND",
            // ipmi-cli/src/args.rs: ipmitool's letters that ipmirs has.
            Family::Ipmirs => "IHpUPfCLkyNRbtd",
            // FreeIPMI's common options (driver, host, user, password,
            // K_g, auth type, cipher suite, privilege, workarounds, fanout).
            Family::FreeIpmi => "DhupkaIlWF",
            Family::Ipmiutil => "NUPRFJTV",
            Family::Other => "",
        }
    }

    /// Short options whose value is a secret (password or K_g key).
    fn secret_shorts(self) -> &'static str {
        match self {
            // -P password, -k K_g, -y K_g in hex (-E, -K, -Y read env or prompt).
            Family::Ipmitool | Family::Ipmirs => "Pky",
            // -p password, -k K_g (-P, -K prompt).
            Family::FreeIpmi => "pk",
            Family::Ipmiutil => "PR",
            Family::Other => "",
        }
    }

    /// Long options (without `--`) that take a value in the next word when not joined by `=`.
    fn value_longs(self) -> &'static [&'static str] {
        match self {
            Family::Ipmirs => &[
                "hosts-file",
                "fanout",
                "timeout",
                "device",
                "kcs-addr",
                "kcs-backend",
                "root",
                "listen",
                "user",
                "cipher-suites",
                "idle-timeout",
            ],
            Family::FreeIpmi => &[
                "driver-type",
                "driver-address",
                "driver-device",
                "register-spacing",
                "hostname",
                "username",
                "authentication-type",
                "cipher-suite-id",
                "privilege-level",
                "config-file",
                "workaround-flags",
                "session-timeout",
                "retransmission-timeout",
                "fanout",
            ],
            _ => &[],
        }
    }
}

/// A long option (any family) whose value is a secret: FreeIPMI's
/// `--password`/`--k-g` and the usual spellings of other tools.
fn secret_long(family: Family, name: &str) -> Option<Secret> {
    match name {
        "password" | "passwd" | "pass" | "k-g" | "kg" | "kg-key" => Some(Secret::Whole),
        "user" if family == Family::Ipmirs => Some(Secret::UserSpec),
        _ => None,
    }
}

/// An environment-style assignment (`IPMI_PASSWORD=...`) whose value is a secret.
pub(crate) fn secret_assignment(word: &str) -> Option<usize> {
    let (name, _) = word.split_once('=')?;
    let mut chars = name.chars();
    let first = chars.next()?;
    if !(first.is_ascii_alphabetic() || first == '_')
        || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return None;
    }
    let upper = name.to_ascii_uppercase();
    ["PASSW", "KG", "KEY", "SECRET", "TOKEN"]
        .iter()
        .any(|s| upper.contains(s))
        .then_some(name.len() + 1)
}

/// How much of an option's value is secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Secret {
    /// All of it.
    Whole,
    /// The password of ipmirs' `NAME:PASSWORD[:PRIV]`.
    UserSpec,
}

/// One word of a command line (after argv\[0\]) as the tool reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Word {
    /// An option by its letter or long name, and the span of its value when it has one:
    /// (index of the word, byte offset in it).
    Opt {
        name: String,
        value: Option<(usize, usize)>,
        secret: Option<Secret>,
    },
    /// A word that is not an option (command words, operands).
    Operand(usize),
}

/// Walks `argv[1..]` with `family`'s grammar: short clusters (`-vPsecret`),
/// `--name=value`, `--name value`, and `--` ending the options.
pub(crate) fn words(family: Family, argv: &[String]) -> Vec<Word> {
    let mut out = Vec::new();
    let mut i = 1;
    let mut options_end = false;
    while i < argv.len() {
        let a = argv[i].as_str();
        if options_end || a == "-" || !a.starts_with('-') {
            out.push(Word::Operand(i));
        } else if a == "--" {
            options_end = true;
        } else if let Some(long) = a.strip_prefix("--") {
            let (name, joined) = match long.split_once('=') {
                Some((n, _)) => (n, true),
                None => (long, false),
            };
            let secret = secret_long(family, name);
            let takes = secret.is_some() || family.value_longs().contains(&name);
            let value = if joined {
                Some((i, name.len() + 3))
            } else if takes {
                next_word(&mut i, argv)
            } else {
                None
            };
            out.push(Word::Opt {
                name: name.to_string(),
                value,
                secret,
            });
        } else {
            // A cluster of short options: flags until one that takes a value.
            for (at, c) in a.char_indices().skip(1) {
                let secret = family.secret_shorts().contains(c);
                if !secret && !family.value_shorts().contains(c) {
                    out.push(Word::Opt {
                        name: c.to_string(),
                        value: None,
                        secret: None,
                    });
                    continue;
                }
                let rest = at + c.len_utf8();
                let value = if rest < a.len() {
                    Some((i, rest))
                } else {
                    next_word(&mut i, argv)
                };
                out.push(Word::Opt {
                    name: c.to_string(),
                    value,
                    secret: secret.then_some(Secret::Whole),
                });
                break;
            }
        }
        i += 1;
    }
    out
}

/// The next word as an option's whole value, if there is one (`i` moves to it).
fn next_word(i: &mut usize, argv: &[String]) -> Option<(usize, usize)> {
    (*i + 1 < argv.len()).then(|| {
        *i += 1;
        (*i, 0)
    })
}

/// The base name of argv\[0\] (`/usr/bin/ipmitool` → `ipmitool`).
pub(crate) fn base_name(argv0: &str) -> &str {
    argv0.rsplit('/').next().unwrap_or(argv0)
}
