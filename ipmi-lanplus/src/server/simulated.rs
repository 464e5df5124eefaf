//! The built-in simulated BMC: Get Device ID, Get Self Test Results, Cold
//! and Warm Reset, Get Chassis Status and Chassis Control over a power state
//! that changes (IPMI 2.0 §20.1–§20.4, §28.2, §28.3); C1h for the rest.

use ipmi_core::cmd::DeviceId;
use ipmi_core::{CompletionCode, NetFn, PrivilegeLevel, Request, Response};

use super::handler::{respond, standard_privilege, Handler, RequestContext};

/// Get Chassis Status "last power event" bit: last power-on was an IPMI command (IPMI 2.0 §28.2).
const LAST_EVENT_IPMI_ON: u8 = 0x10;
/// Power restore policy "previous" in bits 6:5 of the current power state (IPMI 2.0 §28.2).
const RESTORE_PREVIOUS: u8 = 0x20;

/// A BMC whose chassis power follows Chassis Control (IPMI 2.0 §28.3).
///
/// Power actions: down and soft switch it off; up switches it on; cycle,
/// hard reset and diagnostic interrupt keep it on and are refused with D5h
/// ("not supported in present state") while it is off, as real BMCs do.
#[derive(Clone, Debug)]
pub struct SimulatedBmc {
    identity: DeviceId,
    power_on: bool,
    last_power_event: u8,
    cold_resets: u32,
    warm_resets: u32,
    power_actions: u32,
}

impl Default for SimulatedBmc {
    fn default() -> Self {
        Self::new(DeviceId::default())
    }
}

impl SimulatedBmc {
    /// A simulated BMC with `identity`, chassis power off (IPMI 2.0 §20.1).
    pub fn new(identity: DeviceId) -> Self {
        SimulatedBmc {
            identity,
            power_on: false,
            last_power_event: 0,
            cold_resets: 0,
            warm_resets: 0,
            power_actions: 0,
        }
    }

    /// Sets the initial chassis power state (IPMI 2.0 §28.2).
    pub fn with_power(mut self, on: bool) -> Self {
        self.power_on = on;
        self
    }

    /// The identity answered by Get Device ID (IPMI 2.0 §20.1).
    pub fn identity(&self) -> &DeviceId {
        &self.identity
    }

    /// Whether chassis power is on (IPMI 2.0 §28.2).
    pub fn power_on(&self) -> bool {
        self.power_on
    }

    /// How many Cold Reset requests were accepted (IPMI 2.0 §20.2).
    pub fn cold_resets(&self) -> u32 {
        self.cold_resets
    }

    /// How many Warm Reset requests were accepted (IPMI 2.0 §20.3).
    pub fn warm_resets(&self) -> u32 {
        self.warm_resets
    }

    /// How many Chassis Control requests were accepted (IPMI 2.0 §28.3).
    pub fn power_actions(&self) -> u32 {
        self.power_actions
    }

    fn implements(netfn: NetFn, cmd: u8) -> bool {
        matches!(
            (netfn, cmd),
            (NetFn::APP, 0x01..=0x04) | (NetFn::CHASSIS, 0x01 | 0x02)
        )
    }

    fn chassis_control(&mut self, request: &Request) -> CompletionCode {
        let [action] = request.data[..] else {
            return CompletionCode::REQUEST_LENGTH_INVALID;
        };
        match action & 0x0f {
            0 | 5 => self.power_on = false,
            1 => {
                self.power_on = true;
                self.last_power_event = LAST_EVENT_IPMI_ON;
            }
            2..=4 if !self.power_on => return CompletionCode(0xd5),
            2..=4 => self.last_power_event = LAST_EVENT_IPMI_ON,
            _ => return CompletionCode::INVALID_DATA_FIELD,
        }
        self.power_actions += 1;
        CompletionCode::SUCCESS
    }
}

impl Handler for SimulatedBmc {
    /// The standard level for what it implements; no check for the rest,
    /// which it answers with C1h (IPMI 2.0 appendix G).
    fn required_privilege(&self, netfn: NetFn, cmd: u8) -> Option<PrivilegeLevel> {
        if Self::implements(netfn, cmd) {
            standard_privilege(netfn, cmd)
        } else {
            None
        }
    }

    fn handle(&mut self, request: &Request, _ctx: &RequestContext<'_>) -> Response {
        let ok = CompletionCode::SUCCESS;
        match (request.netfn, request.cmd) {
            (NetFn::APP, 0x01) => {
                let mut data = Vec::with_capacity(15);
                self.identity.encode(&mut data);
                respond(request, ok, data)
            }
            (NetFn::APP, 0x02) => {
                self.cold_resets += 1;
                respond(request, ok, vec![])
            }
            (NetFn::APP, 0x03) => {
                self.warm_resets += 1;
                respond(request, ok, vec![])
            }
            // Self test passed (55h), no error bits.
            (NetFn::APP, 0x04) => respond(request, ok, vec![0x55, 0x00]),
            (NetFn::CHASSIS, 0x01) => {
                let state = u8::from(self.power_on) | RESTORE_PREVIOUS;
                respond(request, ok, vec![state, self.last_power_event, 0x00])
            }
            (NetFn::CHASSIS, 0x02) => {
                let cc = self.chassis_control(request);
                respond(request, cc, vec![])
            }
            _ => respond(request, CompletionCode::INVALID_COMMAND, vec![]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ipmi_core::cmd::{ChassisControl, GetChassisStatus, GetDeviceId, PowerAction};
    use ipmi_core::Command;
    use std::time::Instant;

    fn ctx() -> RequestContext<'static> {
        RequestContext {
            session_id: 1,
            username: b"admin",
            privilege: PrivilegeLevel::Administrator,
            peer: "127.0.0.1:1".parse().unwrap(),
            channel: 1,
            now: Instant::now(),
        }
    }

    #[test]
    fn power_state_follows_chassis_control() {
        let mut bmc = SimulatedBmc::default();
        let status = |bmc: &mut SimulatedBmc| {
            GetChassisStatus
                .decode(&bmc.handle(&GetChassisStatus.request(), &ctx()))
                .unwrap()
        };
        assert!(!status(&mut bmc).power_on());
        let cycle = bmc.handle(&ChassisControl(PowerAction::Cycle).request(), &ctx());
        assert_eq!(cycle.completion, CompletionCode(0xd5), "cycle while off");
        for (action, on) in [
            (PowerAction::Up, true),
            (PowerAction::Cycle, true),
            (PowerAction::HardReset, true),
            (PowerAction::Soft, false),
            (PowerAction::Up, true),
            (PowerAction::Down, false),
        ] {
            let r = bmc.handle(&ChassisControl(action).request(), &ctx());
            ChassisControl(action).decode(&r).unwrap();
            assert_eq!(status(&mut bmc).power_on(), on, "{action}");
        }
        assert_eq!(bmc.power_actions(), 6);
        let mut bad = ChassisControl(PowerAction::Up).request();
        bad.data = vec![9];
        assert_eq!(
            bmc.handle(&bad, &ctx()).completion,
            CompletionCode::INVALID_DATA_FIELD
        );
        bad.data = vec![];
        assert_eq!(
            bmc.handle(&bad, &ctx()).completion,
            CompletionCode::REQUEST_LENGTH_INVALID
        );
    }

    #[test]
    fn identity_self_test_and_unknown() {
        let mut bmc = SimulatedBmc::default();
        let id = GetDeviceId
            .decode(&bmc.handle(&GetDeviceId.request(), &ctx()))
            .unwrap();
        assert_eq!(id.device_id, 0x20);
        let st = Request {
            target: Default::default(),
            netfn: NetFn::APP,
            cmd: 0x04,
            data: vec![],
        };
        assert_eq!(bmc.handle(&st, &ctx()).data, [0x55, 0x00]);
        let unknown = Request {
            target: Default::default(),
            netfn: NetFn(0x2c),
            cmd: 0x00,
            data: vec![0],
        };
        assert_eq!(
            bmc.handle(&unknown, &ctx()).completion,
            CompletionCode::INVALID_COMMAND
        );
        assert_eq!(bmc.required_privilege(NetFn(0x2c), 0), None);
        assert_eq!(
            bmc.required_privilege(NetFn::APP, 0x02),
            Some(PrivilegeLevel::Administrator)
        );
    }
}
