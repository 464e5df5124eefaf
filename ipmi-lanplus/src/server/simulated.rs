//! The built-in simulated BMC (IPMI 2.0 §20, §22, §23, §27, §28, §31–§35;
//! DCMI 1.5): device identity, chassis power that changes, a boot device
//! that sticks, identify, restore policy, restart cause, POH counter,
//! watchdog, system info strings, a LAN configuration table, DCMI power
//! readings, an SDR repository with live sensors, a SEL those sensors
//! write to, and FRU inventory images.
//! All state is driven by the `now` each request carries: no clock reads.
//! C1h for the rest. User, channel and session commands are answered by
//! the responder, which owns those tables.

mod chassis;
mod dcmi;
mod fru;
mod lan;
mod mc;
mod sdr;
mod sel;
mod sensors;
mod store;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use ipmi_core::cmd::dcmi::DCMI_NETFN;
use ipmi_core::cmd::DeviceId;
use ipmi_core::{CompletionCode, NetFn, PrivilegeLevel, Request, Response};

use super::config::{ServerConfig, DEFAULT_CHANNEL, DEFAULT_GUID};
use super::handler::{respond, standard_privilege, Handler, RequestContext};
use chassis::Chassis;
use mc::Watchdog;
use sel::Sel;
use sensors::{Moment, Sensors};
use store::Store;

use super::channel::{encoded, Answer};

/// A BMC whose state follows the commands it is sent (IPMI 2.0 §28, §27, §23).
///
/// Power actions: down and soft switch it off; up switches it on; cycle,
/// hard reset and diagnostic interrupt keep it on and are refused with D5h
/// ("not supported in present state") while it is off, as real BMCs do.
/// Every restart records its cause and consumes one-shot boot flags, as the
/// BIOS would. The virtual clock starts at the first request's `now`.
#[derive(Clone, Debug)]
pub struct SimulatedBmc {
    identity: DeviceId,
    power_on: bool,
    cold_resets: u32,
    warm_resets: u32,
    power_actions: u32,
    epoch: Option<Instant>,
    chassis: Chassis,
    watchdog: Watchdog,
    device_guid: [u8; 16],
    sysinfo: BTreeMap<u8, Vec<Vec<u8>>>,
    sysinfo_progress: u8,
    mc_id: Vec<u8>,
    lan_channel: u8,
    lan: BTreeMap<u8, Vec<u8>>,
    sensors: Sensors,
    sdr: Store,
    sel: Sel,
    fru: Vec<(u8, Vec<u8>)>,
}

impl Default for SimulatedBmc {
    /// [`DeviceId::default`], announcing the sensor, SDR repository, SEL
    /// and FRU inventory devices it has (IPMI 2.0 table 20-2 byte 6).
    fn default() -> Self {
        Self::new(DeviceId {
            additional_support: DeviceId::default().additional_support | DEVICE_SUPPORT,
            ..DeviceId::default()
        })
    }
}

/// Additional device support bits of what it implements: sensor device,
/// SDR repository, SEL and FRU inventory device (IPMI 2.0 table 20-2).
const DEVICE_SUPPORT: u8 = 0x0f;

impl SimulatedBmc {
    /// A simulated BMC with `identity`, chassis power off (IPMI 2.0 §20.1).
    pub fn new(identity: DeviceId) -> Self {
        SimulatedBmc {
            identity,
            power_on: false,
            cold_resets: 0,
            warm_resets: 0,
            power_actions: 0,
            epoch: None,
            chassis: Chassis::default(),
            watchdog: Watchdog::default(),
            device_guid: DEFAULT_GUID,
            sysinfo: mc::default_sysinfo(),
            sysinfo_progress: 0,
            mc_id: b"ipmirs-sim".to_vec(),
            lan_channel: DEFAULT_CHANNEL,
            lan: lan::default_lan(),
            sensors: Sensors::default(),
            sdr: sdr::store(),
            sel: Sel::default(),
            fru: fru::images(),
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

    /// Time since the first request (the virtual clock).
    fn uptime(&self, now: Instant) -> Duration {
        self.epoch
            .map_or(Duration::ZERO, |e| now.saturating_duration_since(e))
    }

    /// Brings the virtual clock to `now`: starts it, and the POH counter
    /// of a BMC built powered on; samples the sensors second by second,
    /// logging their events; runs the watchdog.
    fn advance(&mut self, now: Instant) {
        if self.epoch.is_none() {
            self.epoch = Some(now);
            if self.power_on {
                self.chassis.on_since = Some(now);
            }
        }
        let to = self.uptime(now).as_secs();
        let moment = self.moments();
        for (second, event) in self.sensors.run_to(to, moment) {
            self.sel.add(second, event);
        }
        self.run_watchdog(now);
    }

    /// The machine's state at a whole virtual second, with chassis power
    /// as it is now (power changes only between samples).
    fn moments(&self) -> impl Fn(u64) -> Moment {
        let since = |i: Instant| {
            self.epoch
                .map_or(0, |e| i.saturating_duration_since(e).as_secs())
        };
        let on_since = self.chassis.on_since.map(since);
        let before = self.chassis.on_before.as_secs();
        move |t| {
            let on_for = on_since.map(|s| t.saturating_sub(s));
            Moment {
                t,
                on_for,
                on_total: before + on_for.unwrap_or(0),
            }
        }
    }

    /// The machine's state at `now` (whole seconds).
    fn moment_at(&self, now: Instant) -> Moment {
        self.moments()(self.uptime(now).as_secs())
    }

    /// Cold Reset (IPMI 2.0 §20.2): the controller restarts, so its
    /// volatile state goes: the watchdog stops unconfigured, identify goes
    /// off, set-in-progress locks are released. Stored configuration (boot
    /// flags, LAN, system info, users) and chassis power stay.
    fn cold_reset(&mut self) {
        self.cold_resets += 1;
        self.watchdog = Watchdog::default();
        self.chassis.identify = chassis::Identify::Off;
        self.chassis.boot_progress = ipmi_core::cmd::boot::SetInProgress::Complete;
        self.sysinfo_progress = 0;
        self.lan.insert(0, vec![0]);
    }

    fn implements(netfn: NetFn, cmd: u8) -> bool {
        matches!(
            (netfn, cmd),
            (
                NetFn::APP,
                0x01..=0x04 | 0x08 | 0x22 | 0x24 | 0x25 | 0x2f | 0x58 | 0x59
            ) | (
                NetFn::CHASSIS,
                0x01 | 0x02 | 0x04 | 0x06 | 0x07 | 0x08 | 0x09 | 0x0f
            ) | (NetFn::TRANSPORT, 0x01 | 0x02)
                | (NetFn::SENSOR_EVENT, 0x23 | 0x25 | 0x27 | 0x29 | 0x2d)
                | (
                    NetFn::STORAGE,
                    0x10 | 0x11 | 0x20 | 0x22 | 0x23 | 0x40..=0x43 | 0x46..=0x49
                )
        ) || (netfn == DCMI_NETFN && matches!(cmd, 0x01 | 0x02 | 0x09 | 0x0a))
    }

    fn answer(&mut self, request: &Request, ctx: &RequestContext<'_>) -> Answer {
        let ok = CompletionCode::SUCCESS;
        let (now, data) = (ctx.now, &request.data[..]);
        match (request.netfn, request.cmd) {
            (NetFn::APP, 0x01) => encoded(|out| self.identity.encode(out)),
            (NetFn::APP, 0x02) => {
                self.cold_reset();
                (ok, vec![])
            }
            (NetFn::APP, 0x03) => {
                self.warm_resets += 1;
                (ok, vec![])
            }
            (NetFn::APP, 0x04) => self.self_test(),
            (NetFn::APP, 0x08) => self.device_guid(),
            (NetFn::APP, 0x22) => self.reset_watchdog(now),
            (NetFn::APP, 0x24) => self.set_watchdog(data, now),
            (NetFn::APP, 0x25) => self.get_watchdog(now),
            (NetFn::APP, 0x2f) => self.global_enables(),
            (NetFn::APP, 0x58) => self.set_sysinfo(data),
            (NetFn::APP, 0x59) => self.get_sysinfo(data),
            (NetFn::CHASSIS, 0x01) => self.chassis_status(now),
            (NetFn::CHASSIS, 0x02) => (self.chassis_control(data, now), vec![]),
            (NetFn::CHASSIS, 0x04) => self.chassis_identify(data, now),
            (NetFn::CHASSIS, 0x06) => self.power_restore_policy(data),
            (NetFn::CHASSIS, 0x07) => self.restart_cause(ctx.channel),
            (NetFn::CHASSIS, 0x08) => self.set_boot_options(data),
            (NetFn::CHASSIS, 0x09) => self.get_boot_options(data),
            (NetFn::CHASSIS, 0x0f) => self.poh(now),
            (NetFn::SENSOR_EVENT, 0x23) => self.sensor_factors(data),
            (NetFn::SENSOR_EVENT, 0x25) => self.sensor_hysteresis(data),
            (NetFn::SENSOR_EVENT, 0x27) => self.sensor_thresholds(data),
            (NetFn::SENSOR_EVENT, 0x29) => self.sensor_event_enable(data),
            (NetFn::SENSOR_EVENT, 0x2d) => self.sensor_reading(data, now),
            (NetFn::STORAGE, 0x10) => self.fru_info(data),
            (NetFn::STORAGE, 0x11) => self.fru_read(data),
            (NetFn::STORAGE, 0x20) if data.is_empty() => self.sdr_info(),
            (NetFn::STORAGE, 0x22) if data.is_empty() => self.sdr.reserve(),
            (NetFn::STORAGE, 0x23) => self.sdr.get(data),
            (NetFn::STORAGE, 0x40) if data.is_empty() => self.sel_info(),
            (NetFn::STORAGE, 0x41) if data.is_empty() => self.sel_allocation(),
            (NetFn::STORAGE, 0x42) if data.is_empty() => self.sel.store.reserve(),
            (NetFn::STORAGE, 0x43) => self.sel.store.get(data),
            (NetFn::STORAGE, 0x46) => self.sel_delete(data, now),
            (NetFn::STORAGE, 0x47) => self.sel_clear(data, now),
            (NetFn::STORAGE, 0x48) if data.is_empty() => self.sel_time(now),
            (NetFn::STORAGE, 0x49) => self.set_sel_time(data, now),
            (NetFn::STORAGE, 0x20 | 0x22 | 0x40 | 0x41 | 0x42 | 0x48) => {
                (CompletionCode::REQUEST_LENGTH_INVALID, vec![])
            }
            (NetFn::TRANSPORT, 0x01) => self.set_lan(data),
            (NetFn::TRANSPORT, 0x02) => self.get_lan(data),
            (n, 0x01) if n == DCMI_NETFN => self.dcmi_capabilities(data),
            (n, 0x02) if n == DCMI_NETFN => self.power_reading(data, now),
            (n, 0x09) if n == DCMI_NETFN => self.get_mc_id(data),
            (n, 0x0a) if n == DCMI_NETFN => self.set_mc_id(data),
            _ => (CompletionCode::INVALID_COMMAND, vec![]),
        }
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

    fn configure(&mut self, config: &ServerConfig) {
        self.configure_lan(config);
    }

    fn handle(&mut self, request: &Request, ctx: &RequestContext<'_>) -> Response {
        self.advance(ctx.now);
        let (cc, data) = self.answer(request, ctx);
        respond(request, cc, data)
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

    /// Every implemented command with arbitrary data lengths and bytes,
    /// over hours of virtual time: an answer each, never a panic.
    #[test]
    fn arbitrary_requests_never_panic() {
        let mut bmc = SimulatedBmc::default().with_power(true);
        let start = Instant::now();
        let mut seed = 0x1234_5678_u32;
        let mut next = || {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (seed >> 24) as u8
        };
        let commands: Vec<(NetFn, u8)> = [
            NetFn::APP,
            NetFn::CHASSIS,
            NetFn::TRANSPORT,
            NetFn::SENSOR_EVENT,
            NetFn::STORAGE,
            DCMI_NETFN,
        ]
        .into_iter()
        .flat_map(|n| (0..=0x60).map(move |c| (n, c)))
        .filter(|&(n, c)| SimulatedBmc::implements(n, c))
        .collect();
        assert_eq!(commands.len(), 25 + 5 + 13);
        let mut reached = std::collections::BTreeSet::new();
        for round in 0..4000u64 {
            let (netfn, cmd) = commands[round as usize % commands.len()];
            // Half the storage requests have their command's length, with
            // small record IDs, offsets and reservations, so that they
            // reach past the length checks.
            let shaped = netfn == NetFn::STORAGE && next() % 2 == 0;
            let len = match (shaped, cmd) {
                (true, 0x10) => 1,
                (true, 0x11 | 0x46 | 0x49) => 4,
                (true, 0x23 | 0x43 | 0x47) => 6,
                (true, _) => 0,
                (false, _) => usize::from(next() % 24),
            };
            let mut data: Vec<u8> = (0..len)
                .map(|_| if shaped { next() % 4 } else { next() })
                .collect();
            if shaped && cmd == 0x11 {
                data[2] = 0;
            }
            if shaped && cmd == 0x47 && next() % 2 == 0 {
                data[2..5].copy_from_slice(b"CLR");
                data[5] = if next() % 2 == 0 { 0xaa } else { 0 };
            }
            if shaped && matches!(cmd, 0x23 | 0x43) {
                // Reservation and record ID below 256; half without a
                // reservation from offset 0; a quarter whole records.
                (data[1], data[3]) = (0, 0);
                if next() % 2 == 0 {
                    (data[0], data[4]) = (0, 0);
                }
                if next() % 4 == 0 {
                    data[5] = 0xff;
                }
            }
            if netfn == DCMI_NETFN && !data.is_empty() && next() % 2 == 0 {
                data[0] = 0xdc;
            }
            let request = Request {
                target: Default::default(),
                netfn,
                cmd,
                data,
            };
            let mut c = ctx();
            c.now = start + Duration::from_millis(round * 3_700);
            let r = bmc.handle(&request, &c);
            assert_eq!(r.cmd, cmd);
            assert_ne!(r.completion, CompletionCode::INVALID_COMMAND);
            if netfn == NetFn::STORAGE && r.completion == CompletionCode::SUCCESS {
                reached.insert(cmd);
            }
        }
        // The shaped requests got through to records, entries and FRU data.
        for cmd in [0x10, 0x11, 0x23, 0x43] {
            assert!(reached.contains(&cmd), "{cmd:#x} never answered");
        }
    }
}
