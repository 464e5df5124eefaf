//! The commands ipmirs speaks, each defined once (IPMI 2.0 §20, §22, §28,
//! §31, §34).

pub mod app;
pub mod chassis;
pub mod fru;
pub mod raw;
pub mod sel;
pub mod session;

pub use app::{ColdReset, DeviceId, GetDeviceId, WarmReset};
pub use chassis::{
    ChassisControl, ChassisStatus, GetChassisStatus, PowerAction, PowerRestorePolicy,
};
pub use raw::{Raw, RawResponse};
pub use session::{
    ChannelAuthCapabilities, CloseSession, GetChannelAuthCapabilities, SetSessionPrivilegeLevel,
};
