//! The commands ipmirs speaks, each defined once (IPMI 2.0 §20, §22, §28,
//! §31, §34).

pub mod app;
pub mod bridge;
pub mod chassis;
pub mod fru;
pub mod raw;
pub mod sdr_repository;
pub mod sel;
pub mod sensor;
pub mod session;

pub use app::{ColdReset, DeviceId, GetDeviceId, WarmReset};
pub use chassis::{
    ChassisControl, ChassisStatus, GetChassisStatus, PowerAction, PowerRestorePolicy,
};
pub use raw::{Raw, RawResponse};
pub use sdr_repository::{
    DeviceSdrInfo, GetDeviceSdrInfo, GetSdr, GetSdrRepositoryInfo, RecordStore, Reserve, SdrChunk,
    SdrRepositoryInfo,
};
pub use sensor::{
    GetSensorEvents, GetSensorHysteresis, GetSensorReading, GetSensorReadingFactors,
    GetSensorThresholds, ReadingFactors, SensorEvents, SensorHysteresis, SensorReading,
    SensorThresholds,
};
pub use session::{
    ChannelAuthCapabilities, CloseSession, GetChannelAuthCapabilities, SetSessionPrivilegeLevel,
};
pub mod boot;
pub mod channel;
pub mod chassis_ops;
pub mod dcmi;
pub mod lan_config;
pub mod mc;
pub mod session_info;
mod support;
pub mod sysinfo;
pub mod user;
pub mod watchdog;
