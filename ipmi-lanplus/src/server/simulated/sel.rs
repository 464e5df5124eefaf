//! The System Event Log of the simulated BMC: the events its sensors
//! raise, Get SEL Info / Allocation Info, Reserve SEL, Get SEL Entry,
//! Delete SEL Entry, Clear SEL and Get/Set SEL Time (IPMI 2.0 §31),
//! records encoded by ipmi-core (§32.1).
//!
//! SEL time is the virtual clock's second plus an offset Set SEL Time
//! moves. Erasure completes when Clear SEL initiates it. Only a new
//! Reserve SEL and a Clear SEL cancel a reservation; a deletion keeps it
//! (ipmitool deletes several entries under one reservation).

use std::time::Instant;

use ipmi_core::cmd::sel::{
    ClearAction, ClearSel, DeleteSelEntry, GetSelTime, SelAllocation, SelInfo, SetSelTime,
};
use ipmi_core::cmd::{GetSdr, RecordStore};
use ipmi_core::record::sdr::SDR_VERSION;
use ipmi_core::record::sel::{SelBody, SelRecord, SystemEvent, SEL_RECORD_LEN};
use ipmi_core::CompletionCode;

use super::dcmi::EPOCH_UNIX;
use super::store::{Store, CC_NOT_PRESENT, CC_RESERVATION};
use super::{encoded, Answer, SimulatedBmc};

/// Entries the SEL holds.
pub const SEL_CAPACITY: usize = 512;
/// Operation support: delete, reserve, allocation info (IPMI 2.0 §31.2); bit 7 is overflow.
const SEL_OPERATIONS: u8 = 0x0b;
/// "Never" for the last addition and erase timestamps (IPMI 2.0 §31.2).
const NEVER: u32 = 0xffff_ffff;
/// System event record type (IPMI 2.0 §32.1).
const SYSTEM_EVENT: u8 = 0x02;

/// The log: records, reservation, timestamps and the clock offset.
#[derive(Clone, Debug)]
pub(super) struct Sel {
    pub store: Store,
    last_id: u16,
    last_addition: u32,
    last_erase: u32,
    overflow: bool,
    /// Seconds added to [`EPOCH_UNIX`] + virtual second (Set SEL Time).
    offset: i64,
}

impl Default for Sel {
    fn default() -> Self {
        Sel {
            store: Store::new(RecordStore::SEL),
            last_id: 0,
            last_addition: NEVER,
            last_erase: NEVER,
            overflow: false,
            offset: 0,
        }
    }
}

impl Sel {
    /// SEL time at virtual second `second`.
    pub fn time_at(&self, second: u64) -> u32 {
        let t = i64::from(EPOCH_UNIX) + second as i64 + self.offset;
        t.clamp(0, i64::from(u32::MAX)) as u32
    }

    /// Appends `event` stamped at virtual second `second`; a full log
    /// drops it and sets the overflow flag (IPMI 2.0 §31.2).
    pub fn add(&mut self, second: u64, mut event: SystemEvent) {
        if self.store.records.len() >= SEL_CAPACITY {
            self.overflow = true;
            return;
        }
        self.last_id = match self.last_id.wrapping_add(1) {
            0 | GetSdr::END_OF_LIST => 1,
            id => id,
        };
        event.timestamp = self.time_at(second);
        let record = SelRecord {
            id: self.last_id,
            record_type: SYSTEM_EVENT,
            body: SelBody::System(event),
        };
        let mut bytes = Vec::with_capacity(SEL_RECORD_LEN);
        record.emit(&mut bytes);
        self.store.records.push((self.last_id, bytes));
        self.last_addition = event.timestamp;
    }
}

impl SimulatedBmc {
    /// Get SEL Info (IPMI 2.0 §31.2).
    pub(super) fn sel_info(&self) -> Answer {
        let sel = &self.sel;
        let used = sel.store.records.len();
        let info = SelInfo {
            version: SDR_VERSION,
            record_count: used as u16,
            free_space: ((SEL_CAPACITY - used) * SEL_RECORD_LEN) as u16,
            last_addition: sel.last_addition,
            last_erase: sel.last_erase,
            operation_support: SEL_OPERATIONS | if sel.overflow { 0x80 } else { 0 },
        };
        encoded(|out| info.encode(out))
    }

    /// Get SEL Allocation Info: one 16-byte unit per entry (IPMI 2.0 §31.3).
    pub(super) fn sel_allocation(&self) -> Answer {
        let free = (SEL_CAPACITY - self.sel.store.records.len()) as u16;
        let a = SelAllocation {
            units: SEL_CAPACITY as u16,
            unit_size: SEL_RECORD_LEN as u16,
            free_units: free,
            largest_free: free,
            max_record: 1,
        };
        encoded(|out| a.encode(out))
    }

    /// Delete SEL Entry under the current reservation (IPMI 2.0 §31.8).
    pub(super) fn sel_delete(&mut self, data: &[u8], now: Instant) -> Answer {
        let Some(req) = DeleteSelEntry::parse_request(data) else {
            return (CompletionCode::REQUEST_LENGTH_INVALID, vec![]);
        };
        if !self.sel.store.reserved(req.reservation) {
            return (CC_RESERVATION, vec![]);
        }
        let Some(i) = self.sel.store.index(req.record_id) else {
            return (CC_NOT_PRESENT, vec![]);
        };
        let (id, _) = self.sel.store.records.remove(i);
        self.sel.last_erase = self.sel.time_at(self.uptime(now).as_secs());
        encoded(|out| DeleteSelEntry::encode_response(id, out))
    }

    /// Clear SEL: "CLR" under the current reservation; erasure completes
    /// at once and cancels the reservation (IPMI 2.0 §31.9).
    pub(super) fn sel_clear(&mut self, data: &[u8], now: Instant) -> Answer {
        let Some(req) = ClearSel::parse_request(data) else {
            return (CompletionCode::INVALID_DATA_FIELD, vec![]);
        };
        if !self.sel.store.reserved(req.reservation) {
            return (CC_RESERVATION, vec![]);
        }
        if req.action == ClearAction::Initiate {
            self.sel.store.records.clear();
            self.sel.overflow = false;
            self.sel.last_erase = self.sel.time_at(self.uptime(now).as_secs());
            self.sel.store.cancel_reservation();
        }
        encoded(|out| ClearSel::encode_response(true, out))
    }

    /// Get SEL Time (IPMI 2.0 §31.10).
    pub(super) fn sel_time(&self, now: Instant) -> Answer {
        let t = self.sel.time_at(self.uptime(now).as_secs());
        encoded(|out| GetSelTime::encode_response(t, out))
    }

    /// Set SEL Time: later events and Get SEL Time count from `time` (IPMI 2.0 §31.11).
    pub(super) fn set_sel_time(&mut self, data: &[u8], now: Instant) -> Answer {
        let Some(req) = SetSelTime::parse_request(data) else {
            return (CompletionCode::REQUEST_LENGTH_INVALID, vec![]);
        };
        let second = self.uptime(now).as_secs() as i64;
        self.sel.offset = i64::from(req.time) - i64::from(EPOCH_UNIX) - second;
        (CompletionCode::SUCCESS, vec![])
    }
}
