//! The commands ipmirs speaks, each defined once (IPMI 2.0 §20, §22, §28).

pub mod app;
pub mod chassis;
pub mod raw;
pub mod session;

pub use app::{ColdReset, DeviceId, GetDeviceId, WarmReset};
pub use chassis::{
    ChassisControl, ChassisStatus, GetChassisStatus, PowerAction, PowerRestorePolicy,
};
pub use raw::{Raw, RawResponse};
pub use session::{
    ChannelAuthCapabilities, CloseSession, GetChannelAuthCapabilities, SetSessionPrivilegeLevel,
};
pub mod boot;
mod support;
pub mod chassis_ops;
pub mod mc;
pub mod watchdog;
pub mod sysinfo;
pub mod dcmi;
pub mod lan_config;
pub mod user;
pub mod channel;
pub mod session_info;
