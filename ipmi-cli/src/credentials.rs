//! Credentials: where the password and the BMC key (Kg) come from
//! (`-P`, `-E`, `-f`, `$IPMI_PASSWORD`, the `Password: ` prompt, `-k`,
//! `-y`, `-K`), held as [`Secret`]s: zeroized when dropped, never copied
//! into a plain `Vec<u8>` (the library's configuration takes them as they
//! are). Also the environment and terminal the CLI reads, behind [`Env`]
//! so that the decisions are unit-tested without a terminal.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::path::Path;

use zeroize::Zeroizing;

use crate::exit::CliError;

/// A password or key: zeroized when dropped.
pub type Secret = Zeroizing<Vec<u8>>;

/// Longest password (Kuid) and BMC key (Kg), IPMI 2.0 §13.31.
pub use ipmi_lanplus::config::MAX_KEY;

/// Read access to environment variables and the terminal.
pub trait Env {
    /// The variable's value, if set.
    fn var_os(&self, name: &str) -> Option<OsString>;

    /// Whether standard input is a terminal (then a missing password is
    /// asked for, like ipmitool does).
    fn stdin_is_terminal(&self) -> bool {
        false
    }

    /// Whether standard error is a terminal (then `-P` gets its warning;
    /// scripts that capture `2>&1` never see it).
    fn stderr_is_terminal(&self) -> bool {
        false
    }

    /// Prints `prompt` on the terminal and reads a password without echo.
    fn read_password(&self, prompt: &str) -> std::io::Result<Secret> {
        let _ = prompt;
        Err(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "no terminal",
        ))
    }
}

/// A hand-made environment for tests: variables, whether stdin and
/// stderr are terminals, and what is typed at the prompt (`None`: reading
/// fails). Records the prompts shown.
#[cfg(test)]
#[derive(Default)]
pub struct TestEnv {
    /// The variables.
    pub vars: HashMap<&'static str, &'static str>,
    /// `stdin_is_terminal`
    pub stdin_tty: bool,
    /// `stderr_is_terminal`
    pub stderr_tty: bool,
    /// What the user types at the prompt.
    pub typed: Option<&'static str>,
    /// The prompts shown.
    pub prompts: std::cell::RefCell<Vec<String>>,
}

#[cfg(test)]
impl Env for TestEnv {
    fn var_os(&self, name: &str) -> Option<OsString> {
        self.vars.get(name).map(OsString::from)
    }
    fn stdin_is_terminal(&self) -> bool {
        self.stdin_tty
    }
    fn stderr_is_terminal(&self) -> bool {
        self.stderr_tty
    }
    fn read_password(&self, prompt: &str) -> std::io::Result<Secret> {
        self.prompts.borrow_mut().push(prompt.to_string());
        self.typed
            .map(|t| Secret::new(t.as_bytes().to_vec()))
            .ok_or_else(|| std::io::Error::other("not a terminal"))
    }
}

/// The process's environment and terminal.
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var_os(&self, name: &str) -> Option<OsString> {
        std::env::var_os(name)
    }

    fn stdin_is_terminal(&self) -> bool {
        std::io::IsTerminal::is_terminal(&std::io::stdin())
    }

    fn stderr_is_terminal(&self) -> bool {
        std::io::IsTerminal::is_terminal(&std::io::stderr())
    }

    /// rpassword: the prompt on /dev/tty and a read with echo off, the
    /// terminal's mode restored afterwards (also when reading fails).
    fn read_password(&self, prompt: &str) -> std::io::Result<Secret> {
        rpassword::prompt_password(prompt).map(|p| Secret::new(p.into_bytes()))
    }
}

/// What ipmitool (and ipmirs) prints when it asks for the password.
pub const PASSWORD_PROMPT: &str = "Password: ";

impl Env for HashMap<&str, &str> {
    fn var_os(&self, name: &str) -> Option<OsString> {
        self.get(name).map(OsString::from)
    }
}

/// Where the password came from (said with `-v`, never the password itself).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordSource {
    /// `-P`
    Option,
    /// `-E`: this variable.
    EnvOption(&'static str),
    /// `-f FILE`
    File,
    /// No option: `IPMI_PASSWORD`.
    Env,
    /// Typed at the `Password: ` prompt (stdin a terminal, or `-a`).
    Prompt,
    /// Nothing at all: the empty password.
    Empty,
    /// `try`: the password of its own virtual BMC.
    BuiltIn,
}

/// Where the password may come from, as the command line says.
#[derive(Clone, Copy, Debug, Default)]
pub struct PasswordOptions<'a> {
    /// `-P PASSWORD`
    pub option: Option<&'a OsStr>,
    /// `-E`
    pub from_env: bool,
    /// `-f FILE`
    pub file: Option<&'a Path>,
    /// `-a`
    pub prompt: bool,
}

/// The password and where it came from, in ipmitool's order: `-P`, `-E`,
/// `-f`, `$IPMI_PASSWORD` (not with `-a`), the prompt (`-a`, or standard
/// input a terminal), else the empty password.
pub fn password_of(
    o: PasswordOptions,
    env: &dyn Env,
) -> Result<(Secret, PasswordSource), CliError> {
    if let Some(p) = o.option {
        return Ok((os_bytes(p), PasswordSource::Option));
    }
    if o.from_env {
        // ipmitool's order: IPMITOOL_PASSWORD, then IPMI_PASSWORD.
        for name in ["IPMITOOL_PASSWORD", "IPMI_PASSWORD"] {
            if let Some(p) = env.var_os(name) {
                return Ok((os_bytes(&p), PasswordSource::EnvOption(name)));
            }
        }
        return Err(CliError::Usage(
            "-E: neither IPMITOOL_PASSWORD nor IPMI_PASSWORD is set".into(),
        ));
    }
    if let Some(path) = o.file {
        return Ok((password_from_file(path)?, PasswordSource::File));
    }
    if !o.prompt {
        if let Some(p) = env.var_os("IPMI_PASSWORD") {
            return Ok((os_bytes(&p), PasswordSource::Env));
        }
    }
    if o.prompt || env.stdin_is_terminal() {
        return match env.read_password(PASSWORD_PROMPT) {
            Ok(p) => Ok((p, PasswordSource::Prompt)),
            Err(e) => Err(CliError::Usage(format!(
                "cannot read the password from the terminal: {e} (give it with -E, -f FILE or $IPMI_PASSWORD)"
            ))),
        };
    }
    Ok((Secret::default(), PasswordSource::Empty))
}

/// The first line of `path`, cut (like ipmitool) at the first CR, LF or TAB.
pub fn password_from_file(path: &Path) -> Result<Secret, CliError> {
    let data = Secret::new(std::fs::read(path).map_err(|e| {
        CliError::Usage(format!(
            "-f: cannot read the password file {}: {e}",
            path.display()
        ))
    })?);
    if data.is_empty() {
        return Err(CliError::Usage(format!(
            "-f: the password file {} is empty",
            path.display()
        )));
    }
    let end = data
        .iter()
        .position(|b| matches!(b, b'\r' | b'\n' | b'\t'))
        .unwrap_or(data.len());
    Ok(Secret::new(data[..end].to_vec()))
}

/// Where the BMC key may come from: `-k KEY`, `-y HEXKEY`, `-K`.
#[derive(Clone, Copy, Debug, Default)]
pub struct KgOptions<'a> {
    /// `-k`
    pub text: Option<&'a OsStr>,
    /// `-y`
    pub hex: Option<&'a str>,
    /// `-K`
    pub from_env: bool,
}

/// The BMC key, `None` when none or an all-zero one was given.
pub fn kg_of(o: KgOptions, env: &dyn Env) -> Result<Option<Secret>, CliError> {
    let kg = if let Some(k) = o.text {
        os_bytes(k)
    } else if let Some(hex) = o.hex {
        parse_kg_hex(hex)?
    } else if o.from_env {
        match env.var_os("IPMI_KGKEY") {
            Some(k) => os_bytes(&k),
            None => return Err(CliError::Usage("-K: IPMI_KGKEY is not set".into())),
        }
    } else {
        return Ok(None);
    };
    if kg.len() > MAX_KEY {
        return Err(CliError::Usage(format!(
            "the BMC key (Kg) is {} bytes; at most {MAX_KEY}",
            kg.len()
        )));
    }
    // An all-zero Kg means "no Kg" (IPMI 2.0 §13.31), as with ipmitool,
    // whose key buffer starts zeroed.
    Ok(if kg.iter().all(|&b| b == 0) {
        None
    } else {
        Some(kg)
    })
}

/// `-y`: an even number of hexadecimal digits, at most 40 (ipmitool's rules).
pub fn parse_kg_hex(hex: &str) -> Result<Secret, CliError> {
    if hex.len() % 2 != 0 {
        return Err(CliError::Usage(
            "-y: the number of Kg key digits is not even".into(),
        ));
    }
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(CliError::Usage(
            "-y: the Kg key is not a hexadecimal number".into(),
        ));
    }
    if hex.len() > MAX_KEY * 2 {
        return Err(CliError::Usage(format!(
            "-y: the Kg key is too long ({} digits; at most 40)",
            hex.len()
        )));
    }
    Ok(Secret::new(
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("checked hex digits"))
            .collect(),
    ))
}

/// The bytes of an argument or variable (Unix: as given; elsewhere UTF-8).
pub fn os_bytes(s: &OsStr) -> Secret {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Secret::new(s.as_bytes().to_vec())
    }
    #[cfg(not(unix))]
    {
        Secret::new(s.to_string_lossy().into_owned().into_bytes())
    }
}
