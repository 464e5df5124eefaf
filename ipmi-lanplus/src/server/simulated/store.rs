//! What the simulated SDR repository and SEL share: reservations and Get
//! SDR / Get SEL Entry reads by record ID with partial reads (IPMI 2.0
//! §31.4–§31.5, §33.11–§33.12).

use ipmi_core::cmd::{GetSdr, RecordStore, Reserve, SdrChunk};
use ipmi_core::CompletionCode;

use super::{encoded, Answer};

/// Reservation cancelled (IPMI 2.0 table 5-2; C5h).
pub(super) const CC_RESERVATION: CompletionCode = CompletionCode(0xc5);
/// Requested record not present (IPMI 2.0 table 5-2; CBh).
pub(super) const CC_NOT_PRESENT: CompletionCode = CompletionCode(0xcb);
/// Parameter out of range (IPMI 2.0 table 5-2; C9h).
pub(super) const CC_OUT_OF_RANGE: CompletionCode = CompletionCode(0xc9);

/// Records by ID, in order, and the current reservation.
#[derive(Clone, Debug)]
pub(super) struct Store {
    store: RecordStore,
    /// (record ID, bytes).
    pub records: Vec<(u16, Vec<u8>)>,
    reservation: Option<u16>,
    last_reservation: u16,
}

impl Store {
    pub fn new(store: RecordStore) -> Self {
        Store {
            store,
            records: Vec::new(),
            reservation: None,
            last_reservation: 0,
        }
    }

    /// Reserve: a new ID (never 0000h) that cancels the previous one.
    pub fn reserve(&mut self) -> Answer {
        self.last_reservation = self.last_reservation.wrapping_add(1).max(1);
        self.reservation = Some(self.last_reservation);
        let id = self.last_reservation;
        encoded(|out| Reserve::encode_response(id, out))
    }

    /// Cancels the current reservation (the store changed).
    pub fn cancel_reservation(&mut self) {
        self.reservation = None;
    }

    /// True when `id` is the current reservation.
    pub fn reserved(&self, id: u16) -> bool {
        self.reservation == Some(id)
    }

    /// The index of record `id`: 0000h is the first, FFFFh the last.
    pub fn index(&self, id: u16) -> Option<usize> {
        match id {
            0x0000 if !self.records.is_empty() => Some(0),
            GetSdr::END_OF_LIST => self.records.len().checked_sub(1),
            _ => self.records.iter().position(|(r, _)| *r == id),
        }
    }

    /// Get SDR / Get SEL Entry: a reservation is needed from a non-zero
    /// offset, and any one given must be current; FFh reads the rest of
    /// the record, a count past its end reads up to it.
    pub fn get(&self, data: &[u8]) -> Answer {
        let Some(req) = GetSdr::parse_request(self.store, data) else {
            return (CompletionCode::REQUEST_LENGTH_INVALID, vec![]);
        };
        if (req.offset != 0 || req.reservation != 0) && !self.reserved(req.reservation) {
            return (CC_RESERVATION, vec![]);
        }
        let Some(i) = self.index(req.record_id) else {
            return (CC_NOT_PRESENT, vec![]);
        };
        let bytes = &self.records[i].1;
        let start = usize::from(req.offset);
        if start > bytes.len() {
            return (CC_OUT_OF_RANGE, vec![]);
        }
        let end = match req.count {
            GetSdr::WHOLE_RECORD => bytes.len(),
            n => (start + usize::from(n)).min(bytes.len()),
        };
        let chunk = SdrChunk {
            next_record_id: self
                .records
                .get(i + 1)
                .map_or(GetSdr::END_OF_LIST, |(id, _)| *id),
            data: bytes[start..end].to_vec(),
        };
        encoded(|out| chunk.encode(out))
    }
}
