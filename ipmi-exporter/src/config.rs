//! The exporter's YAML configuration (`--config.file`): `modules`, each
//! with credentials, timeout and collectors, as `docs/exporter-rules.md`
//! lists them. Unknown keys are errors; options that only steer forked
//! FreeIPMI programs are accepted and reported once as ignored.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;
use std::time::Duration;

use ipmi_core::PrivilegeLevel;
use serde::{Deserialize, Deserializer};

use crate::collector::CollectorName;

/// The scrape deadline when neither Prometheus' header nor the module's
/// `timeout` gives one (Prometheus' default `scrape_timeout`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The module used by `/metrics` and by `/ipmi` without `module=`.
pub const DEFAULT_MODULE: &str = "default";

/// The whole file: only `modules`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Module name → settings.
    #[serde(default)]
    pub modules: BTreeMap<String, Module>,
}

/// One module: how to reach a BMC and what to collect from it.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Module {
    /// User name (empty: the null user).
    #[serde(default)]
    pub user: String,
    /// Password.
    #[serde(default)]
    pub pass: String,
    /// Requested privilege: `user`, `operator`, `admin` (empty: operator,
    /// FreeIPMI's default).
    #[serde(default, deserialize_with = "privilege")]
    pub privilege: Option<PrivilegeLevel>,
    /// FreeIPMI driver type; RMCP+ is used for remote targets whatever it says.
    #[serde(default)]
    pub driver: String,
    /// Milliseconds; the scrape deadline without Prometheus' header (0: none).
    #[serde(default)]
    pub timeout: u32,
    /// Collectors, run in this order.
    #[serde(default = "default_collectors")]
    pub collectors: Vec<CollectorName>,
    /// SDR record IDs the `ipmi` collector leaves out.
    #[serde(default)]
    pub exclude_sensor_ids: Vec<i64>,
    /// FreeIPMI workaround flags (ignored).
    #[serde(default)]
    pub workaround_flags: Vec<String>,
    /// Named SEL event patterns for the `sel-events` collector.
    #[serde(default)]
    pub sel_events: Vec<SelEvent>,
    /// Program per collector (ignored: nothing is forked).
    #[serde(default)]
    pub collector_cmd: HashMap<String, String>,
    /// Arguments per collector (ignored).
    #[serde(default)]
    pub default_args: HashMap<String, Vec<String>>,
    /// Extra arguments per collector (ignored).
    #[serde(default)]
    pub custom_args: HashMap<String, Vec<String>>,
}

/// One `sel_events` entry: SEL rows whose event text `regex` finds are
/// counted under `name`. Other keys are ignored, as the Go exporter
/// ignores them here (it checks only the top level and modules).
#[derive(Clone, Debug, Deserialize)]
pub struct SelEvent {
    /// The `name` label value.
    pub name: String,
    /// The pattern (RE2 syntax, unanchored search).
    #[serde(deserialize_with = "regex")]
    pub regex: regex::Regex,
}

/// A configuration that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The YAML is malformed or does not match the schema.
    #[error("invalid configuration: {0}")]
    Parse(#[from] serde_yaml_ng::Error),
}

impl Default for Module {
    /// The settings of a module that gives nothing: default collectors.
    fn default() -> Module {
        Module {
            user: String::new(),
            pass: String::new(),
            privilege: None,
            driver: String::new(),
            timeout: 0,
            collectors: default_collectors(),
            exclude_sensor_ids: Vec::new(),
            workaround_flags: Vec::new(),
            sel_events: Vec::new(),
            collector_cmd: HashMap::new(),
            default_args: HashMap::new(),
            custom_args: HashMap::new(),
        }
    }
}

impl fmt::Debug for Module {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Module")
            .field("user", &self.user)
            .field("pass", &"<redacted>")
            .field("privilege", &self.privilege)
            .field("timeout", &self.timeout)
            .field("collectors", &self.collectors)
            .finish_non_exhaustive()
    }
}

impl Module {
    /// The privilege to request: the configured one, else operator.
    pub fn privilege_level(&self) -> PrivilegeLevel {
        self.privilege.unwrap_or(PrivilegeLevel::Operator)
    }

    /// `timeout` as a duration, if set.
    pub fn timeout(&self) -> Option<Duration> {
        (self.timeout > 0).then(|| Duration::from_millis(self.timeout.into()))
    }

    /// The keys set in this module that only mattered to forked FreeIPMI
    /// programs.
    pub fn ignored_keys(&self) -> Vec<&'static str> {
        let mut keys = Vec::new();
        if self.driver.eq_ignore_ascii_case("LAN") {
            keys.push("driver (IPMI 1.5; RMCP+ is used)");
        }
        if !self.workaround_flags.is_empty() {
            keys.push("workaround_flags");
        }
        if !self.collector_cmd.is_empty() {
            keys.push("collector_cmd");
        }
        if !self.default_args.is_empty() {
            keys.push("default_args");
        }
        if !self.custom_args.is_empty() {
            keys.push("custom_args");
        }
        keys
    }
}

impl Config {
    /// Parses a configuration; an empty document is an empty configuration.
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let value: serde_yaml_ng::Value = serde_yaml_ng::from_str(text)?;
        if value.is_null() {
            return Ok(Config::default());
        }
        // Parsed again from the text so that errors carry the key path and line.
        Ok(serde_yaml_ng::from_str(text)?)
    }

    /// Reads and parses `path`; `None` is the empty configuration.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let Some(path) = path else {
            return Ok(Config::default());
        };
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Config::parse(&text)
    }

    /// One line naming, per module, the FreeIPMI-only keys that are
    /// ignored; `None` when there are none.
    pub fn ignored_options(&self) -> Option<String> {
        let parts: Vec<String> = self
            .modules
            .iter()
            .filter_map(|(name, m)| {
                let keys = m.ignored_keys();
                (!keys.is_empty()).then(|| format!("{name}: {}", keys.join(", ")))
            })
            .collect();
        (!parts.is_empty()).then(|| {
            format!(
                "options for forked FreeIPMI programs are ignored (modules {})",
                parts.join("; ")
            )
        })
    }

    /// The module `/metrics` uses: `default` if configured, else built-in defaults.
    pub fn local_module(&self) -> Module {
        self.modules
            .get(DEFAULT_MODULE)
            .cloned()
            .unwrap_or_default()
    }
}

fn default_collectors() -> Vec<CollectorName> {
    CollectorName::DEFAULT.to_vec()
}

fn privilege<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PrivilegeLevel>, D::Error> {
    let s = String::deserialize(d)?;
    if s.is_empty() {
        return Ok(None);
    }
    match s.to_ascii_lowercase().as_str() {
        "user" | "operator" | "admin" => s.parse().map(Some).map_err(serde::de::Error::custom),
        _ => Err(serde::de::Error::custom(format!(
            "invalid privilege {s:?} (expected user, operator or admin)"
        ))),
    }
}

fn regex<'de, D: Deserializer<'de>>(d: D) -> Result<regex::Regex, D::Error> {
    let s = String::deserialize(d)?;
    regex::Regex::new(&s).map_err(serde::de::Error::custom)
}
