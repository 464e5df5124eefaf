//! Collectors: each reads one part of a BMC over a `Link` and appends
//! samples. A collector is one file exporting
//! `async fn collect(link, ctx, out) -> Result<(), CollectError>`,
//! dispatched by `collect`; the names are the Go exporter's.
//!
//! Adding one (`sel-events` waits for FreeIPMI's event texts): its families
//! go to `metric.rs` (name and help as `docs/exporter-rules.md` lists
//! them), its file here runs the commands with `ctx.deadline` and pushes
//! samples (on an error what it pushed is dropped and the collector is
//! reported with `ipmi_up 0` and nothing else), and
//! one arm in `collect` replaces the `NotImplemented` answer. The
//! session, the deadline, `ipmi_up` and the exposition are not its business.

mod bmc;
mod bmc_watchdog;
mod chassis;
mod dcmi;
mod ipmi;
mod sel;
mod sm_lan_mode;

use ipmi_core::walk::SdrCache;
use ipmi_core::Deadline;
use serde::Deserialize;

use crate::link::{Link, LinkError};
use crate::metric::Sample;

/// A collector name as the configuration spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CollectorName {
    /// Sensors (SDR + Get Sensor Reading).
    Ipmi,
    /// Get Device ID (+ system info).
    Bmc,
    /// Get Watchdog Timer.
    BmcWatchdog,
    /// Get Chassis Status.
    Chassis,
    /// DCMI Get Power Reading.
    Dcmi,
    /// Get SEL Info.
    Sel,
    /// SEL entries matched against `sel_events`.
    SelEvents,
    /// Supermicro LAN mode (OEM).
    SmLanMode,
}

impl CollectorName {
    /// The collectors of a module that names none, in the Go exporter's order.
    pub const DEFAULT: [CollectorName; 4] = [Self::Ipmi, Self::Dcmi, Self::Bmc, Self::Chassis];

    /// The name in configs and in `ipmi_up{collector}`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ipmi => "ipmi",
            Self::Bmc => "bmc",
            Self::BmcWatchdog => "bmc-watchdog",
            Self::Chassis => "chassis",
            Self::Dcmi => "dcmi",
            Self::Sel => "sel",
            Self::SelEvents => "sel-events",
            Self::SmLanMode => "sm-lan-mode",
        }
    }
}

/// What a collector gets besides the link. The module's settings
/// (`exclude_sensor_ids`, `sel_events`) join it with the first collector
/// that reads them.
pub(crate) struct Context {
    /// Every exchange finishes by this.
    pub deadline: Deadline,
    /// `ipmi`: record IDs of sensors left out.
    pub exclude_sensor_ids: Vec<i64>,
}

/// What a target keeps across scrapes besides its session.
#[derive(Debug, Default)]
pub(crate) struct Cached {
    /// The SDR repository, keyed by its timestamps.
    pub sdr: Option<SdrCache>,
}

/// Why a collector reported `ipmi_up 0`.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CollectError {
    /// The exchange with the BMC failed.
    #[error(transparent)]
    Link(#[from] LinkError),
    /// The BMC answered, but not with what the collector reads.
    #[error("unexpected answer: {0}")]
    Answer(String),
    /// The library does not have this collector's commands yet.
    #[error("collector {0} is not implemented yet")]
    NotImplemented(&'static str),
}

impl CollectError {
    /// No answer came before the deadline.
    pub fn is_timeout(&self) -> bool {
        matches!(self, CollectError::Link(e) if e.is_timeout())
    }

    /// The session should be dropped (timeout or transport trouble), not reused.
    pub fn breaks_session(&self) -> bool {
        matches!(self, CollectError::Link(e) if e.breaks_session())
    }
}

/// Runs collector `name`, appending its samples to `out` (only on success).
pub(crate) async fn collect(
    name: CollectorName,
    link: &mut Link,
    ctx: &Context,
    cached: &mut Cached,
    out: &mut Vec<Sample>,
) -> Result<(), CollectError> {
    match name {
        CollectorName::Sel => sel::collect(link, ctx, out).await,
        CollectorName::Ipmi => ipmi::collect(link, ctx, &mut cached.sdr, out).await,
        CollectorName::Bmc => bmc::collect(link, ctx, out).await,
        CollectorName::BmcWatchdog => bmc_watchdog::collect(link, ctx, out).await,
        CollectorName::Chassis => chassis::collect(link, ctx, out).await,
        CollectorName::Dcmi => dcmi::collect(link, ctx, out).await,
        CollectorName::SmLanMode => sm_lan_mode::collect(link, ctx, out).await,
        other => Err(CollectError::NotImplemented(other.as_str())),
    }
}
