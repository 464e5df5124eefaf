//! Reading a whole FRU device (IPMI 2.0 §34): Get FRU Inventory Area Info,
//! then Read FRU Data in chunks. A chunk the device refuses as too large
//! (0xC7, 0xC8, 0xCA) is halved; a short answer sets the chunk to what
//! came back; word-addressed devices get offsets and counts in words.

use super::{answers, ReadError, ReadMachine, Step};
use crate::cmd::fru::{FruAreaInfo, GetFruInventoryAreaInfo, ReadFruData};
use crate::{Command, CompletionCode, Response, Target};

/// First chunk size in bytes: large enough for few round trips on LAN,
/// shrunk on the first refusal.
pub const DEFAULT_CHUNK: u8 = 128;

/// Completion code 0x81: FRU device busy (IPMI 2.0 §34.2); retried.
const FRU_BUSY: CompletionCode = CompletionCode(0x81);

/// Consecutive busy answers tolerated before giving up.
const MAX_BUSY: u8 = 16;

const WHAT: &str = "Read FRU Data";

/// The machine reading FRU device `device_id` into its bytes.
#[derive(Clone, Debug)]
pub struct FruRead {
    target: Target,
    device_id: u8,
    limit: usize,
    chunk: usize,
    info: Option<FruAreaInfo>,
    data: Vec<u8>,
    asked: usize,
    busy: u8,
}

impl FruRead {
    /// Reads FRU device `device_id` on the controller at `target`.
    pub fn new(target: Target, device_id: u8) -> Self {
        FruRead {
            target,
            device_id,
            limit: usize::from(u16::MAX),
            chunk: usize::from(DEFAULT_CHUNK),
            info: None,
            data: Vec::new(),
            asked: 0,
            busy: 0,
        }
    }

    /// Starts with chunks of `bytes` (at least 1; 2 on word devices).
    pub fn with_chunk(mut self, bytes: u8) -> Self {
        self.chunk = usize::from(bytes.max(1));
        self
    }

    /// Refuses devices larger than `limit` bytes.
    pub fn with_limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    /// The area info, once read.
    pub fn area_info(&self) -> Option<FruAreaInfo> {
        self.info
    }

    fn stalled(&self, why: &'static str) -> ReadError {
        ReadError::Stalled {
            what: WHAT,
            at: self.data.len() as u32,
            why,
        }
    }

    /// The unit of offsets and counts: 2 on word devices.
    fn unit(&self) -> usize {
        if self.info.is_some_and(|i| i.by_words) {
            2
        } else {
            1
        }
    }
}

impl ReadMachine for FruRead {
    type Output = Vec<u8>;

    fn position(&self) -> (&'static str, u32) {
        match self.info {
            None => ("Get FRU Inventory Area Info", 0),
            Some(_) => (WHAT, self.data.len() as u32),
        }
    }

    fn step(&mut self) -> Result<Step<Vec<u8>>, ReadError> {
        let Some(info) = self.info else {
            let cmd = GetFruInventoryAreaInfo {
                device_id: self.device_id,
            };
            return Ok(Step::Send(cmd.request_to(self.target)));
        };
        let size = usize::from(info.size);
        if self.data.len() >= size {
            let mut data = std::mem::take(&mut self.data);
            data.truncate(size);
            return Ok(Step::Done(data));
        }
        let unit = self.unit();
        let want = self.chunk.min(size - self.data.len());
        let units = want.div_ceil(unit).min(255);
        self.asked = units * unit;
        let cmd = ReadFruData {
            device_id: self.device_id,
            offset: u16::try_from(self.data.len() / unit).unwrap_or(u16::MAX),
            count: units as u8,
        };
        Ok(Step::Send(cmd.request_to(self.target)))
    }

    fn feed(&mut self, response: &Response) -> Result<(), ReadError> {
        let Some(_) = self.info else {
            let cmd = GetFruInventoryAreaInfo {
                device_id: self.device_id,
            };
            let info = cmd.decode(response)?;
            if usize::from(info.size) > self.limit {
                return Err(ReadError::TooLarge {
                    what: WHAT,
                    size: usize::from(info.size),
                    limit: self.limit,
                });
            }
            self.info = Some(info);
            return Ok(());
        };
        let unit = self.unit();
        let cmd = ReadFruData {
            device_id: self.device_id,
            offset: 0,
            count: (self.asked / unit) as u8,
        };
        if answers(&cmd, response) {
            match response.completion {
                CompletionCode(0xc7 | 0xc8 | 0xca) => {
                    if self.asked <= unit {
                        return Err(self.stalled("refuses even the smallest read"));
                    }
                    self.chunk = (self.asked / 2).max(unit) / unit * unit;
                    self.busy = 0;
                    return Ok(());
                }
                FRU_BUSY => {
                    self.busy += 1;
                    if self.busy > MAX_BUSY {
                        return Err(self.stalled("device stays busy"));
                    }
                    return Ok(());
                }
                _ => {}
            }
        }
        self.busy = 0;
        let mut bytes = cmd.decode(response)?;
        bytes.truncate(self.asked);
        bytes.truncate(bytes.len() / unit * unit);
        if bytes.is_empty() {
            return Err(self.stalled("device returned no data"));
        }
        if bytes.len() < self.asked {
            // A short answer: the device's real limit.
            self.chunk = bytes.len();
        }
        self.data.extend_from_slice(&bytes);
        Ok(())
    }
}
