//! The [`Handler`] trait: what answers IPMI requests inside a session, and
//! the privilege each command needs (IPMI 2.0 §6.8, appendix G).
//!
//! The responder itself answers the session and channel commands (Get
//! Channel Authentication Capabilities, Get Channel Cipher Suites, Get
//! System GUID, Set Session Privilege Level, Close Session). Every other
//! request is first checked against [`Handler::required_privilege`]: a
//! session below that level gets completion code D4h without the handler
//! being called. Then [`Handler::handle`] answers it.

use std::net::SocketAddr;
use std::time::Instant;

use ipmi_core::{CompletionCode, NetFn, PrivilegeLevel, Request, Response};

use super::config::ServerConfig;

/// Who is asking: the session a request arrived in (IPMI 2.0 §6.12).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestContext<'a> {
    /// The managed system (BMC) session ID.
    pub session_id: u32,
    /// The authenticated user's name.
    pub username: &'a [u8],
    /// The session's current privilege level (after Set Session Privilege Level).
    pub privilege: PrivilegeLevel,
    /// The remote console's address.
    pub peer: SocketAddr,
    /// The LAN channel number.
    pub channel: u8,
    /// The time the request arrived, as handed to the responder.
    pub now: Instant,
}

/// Answers IPMI requests for one BMC identity (IPMI 2.0 §5).
///
/// A library user puts a real device behind this; [`super::SimulatedBmc`]
/// is the built-in one. Only `handle` is required.
///
/// ```
/// use ipmi_core::{CompletionCode, NetFn, PrivilegeLevel, Request, Response};
/// use ipmi_lanplus::server::{respond, Handler, RequestContext};
///
/// /// Answers only Get Self Test Results; 0xC1 for everything else.
/// struct SelfTestOnly;
///
/// impl Handler for SelfTestOnly {
///     fn required_privilege(&self, _netfn: NetFn, _cmd: u8) -> Option<PrivilegeLevel> {
///         Some(PrivilegeLevel::User)
///     }
///     fn handle(&mut self, request: &Request, _ctx: &RequestContext<'_>) -> Response {
///         match (request.netfn, request.cmd) {
///             (NetFn::APP, 0x04) => respond(request, CompletionCode::SUCCESS, vec![0x55, 0x00]),
///             _ => respond(request, CompletionCode::INVALID_COMMAND, vec![]),
///         }
///     }
/// }
/// ```
pub trait Handler {
    /// The least privilege a session needs for `netfn`/`cmd`; `None` skips
    /// the check (the handler then decides). Default: [`standard_privilege`],
    /// and ADMINISTRATOR for commands it does not list (IPMI 2.0 appendix G).
    fn required_privilege(&self, netfn: NetFn, cmd: u8) -> Option<PrivilegeLevel> {
        Some(standard_privilege(netfn, cmd).unwrap_or(PrivilegeLevel::Administrator))
    }

    /// Called once by [`super::Responder::new`] with the configuration it
    /// serves, so that the handler can report it (e.g. the channel number
    /// and cipher suites of LAN parameters 22–24, IPMI 2.0 table 23-4). Default: nothing.
    fn configure(&mut self, _config: &ServerConfig) {}

    /// Answers `request`. Only the completion code and data of the result
    /// are used: NetFn, command, addresses and sequence come from the request.
    fn handle(&mut self, request: &Request, ctx: &RequestContext<'_>) -> Response;
}

impl<H: Handler + ?Sized> Handler for Box<H> {
    fn required_privilege(&self, netfn: NetFn, cmd: u8) -> Option<PrivilegeLevel> {
        (**self).required_privilege(netfn, cmd)
    }
    fn configure(&mut self, config: &ServerConfig) {
        (**self).configure(config)
    }
    fn handle(&mut self, request: &Request, ctx: &RequestContext<'_>) -> Response {
        (**self).handle(request, ctx)
    }
}

/// The response to `request` with `completion` and `data` (IPMI 2.0 §5.2).
pub fn respond(request: &Request, completion: CompletionCode, data: Vec<u8>) -> Response {
    Response {
        netfn: request.netfn.response(),
        cmd: request.cmd,
        completion,
        data,
    }
}

/// The privilege level the IPMI 2.0 command table requires, for the
/// commands it lists here; `None` for others (IPMI 2.0 appendix G).
pub fn standard_privilege(netfn: NetFn, cmd: u8) -> Option<PrivilegeLevel> {
    use PrivilegeLevel::{Administrator as A, Callback as C, Operator as O, User as U};
    let level = match (netfn, cmd) {
        // Application (IPMI 2.0 §20-§22).
        (NetFn::APP, 0x01) => U, // Get Device ID
        (NetFn::APP, 0x02) => A, // Cold Reset
        (NetFn::APP, 0x03) => A, // Warm Reset
        (NetFn::APP, 0x04) => U, // Get Self Test Results
        (NetFn::APP, 0x05) => A, // Manufacturing Test On
        (NetFn::APP, 0x06) => A, // Set ACPI Power State
        (NetFn::APP, 0x07) => U, // Get ACPI Power State
        (NetFn::APP, 0x08) => U, // Get Device GUID
        (NetFn::APP, 0x22) => O, // Reset Watchdog Timer
        (NetFn::APP, 0x24) => O, // Set Watchdog Timer
        (NetFn::APP, 0x25) => U, // Get Watchdog Timer
        (NetFn::APP, 0x2e) => A, // Set BMC Global Enables
        (NetFn::APP, 0x2f) => U, // Get BMC Global Enables
        (NetFn::APP, 0x37) => C, // Get System GUID
        (NetFn::APP, 0x38) => C, // Get Channel Authentication Capabilities
        (NetFn::APP, 0x3b) => C, // Set Session Privilege Level (bounded by the user's limit)
        (NetFn::APP, 0x3c) => C, // Close Session
        (NetFn::APP, 0x3d) => U, // Get Session Info
        (NetFn::APP, 0x40) => A, // Set Channel Access
        (NetFn::APP, 0x41) => U, // Get Channel Access
        (NetFn::APP, 0x42) => U, // Get Channel Info
        (NetFn::APP, 0x43) => A, // Set User Access
        (NetFn::APP, 0x44) => O, // Get User Access
        (NetFn::APP, 0x45) => A, // Set User Name
        (NetFn::APP, 0x46) => O, // Get User Name
        (NetFn::APP, 0x47) => A, // Set User Password
        (NetFn::APP, 0x54) => C, // Get Channel Cipher Suites
        (NetFn::APP, 0x58) => A, // Set System Info Parameters
        (NetFn::APP, 0x59) => U, // Get System Info Parameters
        // Chassis (IPMI 2.0 §28).
        (NetFn::CHASSIS, 0x00) => U, // Get Chassis Capabilities
        (NetFn::CHASSIS, 0x01) => U, // Get Chassis Status
        (NetFn::CHASSIS, 0x02) => O, // Chassis Control
        (NetFn::CHASSIS, 0x03) => O, // Chassis Reset
        (NetFn::CHASSIS, 0x04) => O, // Chassis Identify
        (NetFn::CHASSIS, 0x05) => A, // Set Chassis Capabilities
        (NetFn::CHASSIS, 0x06) => O, // Set Power Restore Policy
        (NetFn::CHASSIS, 0x07) => U, // Get System Restart Cause
        (NetFn::CHASSIS, 0x08) => O, // Set System Boot Options
        (NetFn::CHASSIS, 0x09) => O, // Get System Boot Options
        (NetFn::CHASSIS, 0x0f) => U, // Get POH Counter
        // Sensor/Event (IPMI 2.0 §29, §35).
        (NetFn::SENSOR_EVENT, 0x02) => O, // Platform Event
        (NetFn::SENSOR_EVENT, 0x20) => U, // Get Device SDR Info
        (NetFn::SENSOR_EVENT, 0x21) => U, // Get Device SDR
        (NetFn::SENSOR_EVENT, 0x22) => U, // Reserve Device SDR Repository
        (NetFn::SENSOR_EVENT, 0x26) => O, // Set Sensor Thresholds
        (NetFn::SENSOR_EVENT, 0x27) => U, // Get Sensor Thresholds
        (NetFn::SENSOR_EVENT, 0x2d) => U, // Get Sensor Reading
        // Storage (IPMI 2.0 §31-§34).
        (NetFn::STORAGE, 0x10) => U, // Get FRU Inventory Area Info
        (NetFn::STORAGE, 0x11) => U, // Read FRU Data
        (NetFn::STORAGE, 0x12) => O, // Write FRU Data
        (NetFn::STORAGE, 0x20) => U, // Get SDR Repository Info
        (NetFn::STORAGE, 0x22) => U, // Reserve SDR Repository
        (NetFn::STORAGE, 0x23) => U, // Get SDR
        (NetFn::STORAGE, 0x40) => U, // Get SEL Info
        (NetFn::STORAGE, 0x42) => U, // Reserve SEL
        (NetFn::STORAGE, 0x43) => U, // Get SEL Entry
        (NetFn::STORAGE, 0x47) => O, // Clear SEL
        (NetFn::STORAGE, 0x48) => U, // Get SEL Time
        (NetFn::STORAGE, 0x49) => O, // Set SEL Time
        // Transport (IPMI 2.0 §23).
        (NetFn::TRANSPORT, 0x01) => A, // Set LAN Configuration Parameters
        (NetFn::TRANSPORT, 0x02) => O, // Get LAN Configuration Parameters
        // DCMI group extension, NetFn 2Ch (DCMI 1.5 table 6-1 privilege column).
        (NetFn(0x2c), 0x01) => U, // Get DCMI Capabilities Info
        (NetFn(0x2c), 0x02) => U, // Get Power Reading
        (NetFn(0x2c), 0x09) => U, // Get Management Controller Identifier String
        (NetFn(0x2c), 0x0a) => A, // Set Management Controller Identifier String
        _ => return None,
    };
    Some(level)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Echo;
    impl Handler for Echo {
        fn handle(&mut self, request: &Request, _ctx: &RequestContext<'_>) -> Response {
            respond(request, CompletionCode::SUCCESS, request.data.clone())
        }
    }

    #[test]
    fn table_and_default() {
        assert_eq!(
            standard_privilege(NetFn::CHASSIS, 0x02),
            Some(PrivilegeLevel::Operator)
        );
        assert_eq!(
            standard_privilege(NetFn::APP, 0x02),
            Some(PrivilegeLevel::Administrator)
        );
        assert_eq!(
            standard_privilege(NetFn::APP, 0x01),
            Some(PrivilegeLevel::User)
        );
        assert_eq!(
            standard_privilege(NetFn::APP, 0x3c),
            Some(PrivilegeLevel::Callback)
        );
        assert_eq!(standard_privilege(NetFn(0x2e), 0x01), None);
        // Unlisted commands need ADMINISTRATOR unless the handler says otherwise.
        let boxed: Box<dyn Handler> = Box::new(Echo);
        assert_eq!(
            boxed.required_privilege(NetFn(0x30), 0x99),
            Some(PrivilegeLevel::Administrator)
        );
        assert_eq!(
            boxed.required_privilege(NetFn::CHASSIS, 0x01),
            Some(PrivilegeLevel::User)
        );
    }
}
