//! Multi-exchange operations (reading a FRU device or the SEL, clearing
//! the SEL, deleting an entry) as sans-IO state machines:
//! a machine says which request to send next and is fed the response; the
//! thin drivers [`run`] and [`run_async`] carry them over any transport,
//! every exchange bounded by the caller's one deadline.

pub mod fru;
pub mod sel;
pub mod sel_change;

use crate::{AsyncTransport, Transport};
use crate::{Command, CommandError, Deadline, ErrorClass, Failure, Request, Response};

/// What a reader wants next.
#[derive(Debug)]
pub enum Step<O> {
    /// Send this request and feed back its response.
    Send(Request),
    /// Finished with this result.
    Done(O),
}

/// A sans-IO multi-exchange read.
pub trait ReadMachine {
    /// The result.
    type Output;
    /// The next request, or the result once finished.
    fn step(&mut self) -> Result<Step<Self::Output>, ReadError>;
    /// Feeds the response to the last request.
    fn feed(&mut self, response: &Response) -> Result<(), ReadError>;
    /// Where the read is, for errors: the command last asked for and the
    /// offset or record ID it asked about.
    fn position(&self) -> (&'static str, u32);
}

/// Why a read stopped (the machine's own failures, transport-independent).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// A command failed (completion code, short or mismatched response).
    #[error(transparent)]
    Command(#[from] CommandError),
    /// The data is larger than the caller's bound.
    #[error("{what}: {size} bytes exceed the limit of {limit}")]
    TooLarge {
        /// What was read, e.g. "FRU device 0".
        what: &'static str,
        /// Size announced by the device.
        size: usize,
        /// The caller's limit.
        limit: usize,
    },
    /// The peer stopped making progress (where it stalled and why).
    #[error("{what}: no progress at {at}: {why}")]
    Stalled {
        /// What was read.
        what: &'static str,
        /// The offset or record ID.
        at: u32,
        /// Why, in a few words.
        why: &'static str,
    },
    /// A record ID came back a second time: the log's links form a loop.
    #[error("{what}: record ID 0x{id:04x} seen twice (the links loop)")]
    Loop {
        /// What was read.
        what: &'static str,
        /// The repeated record ID.
        id: u16,
    },
}

impl Failure for ReadError {
    fn class(&self) -> ErrorClass {
        match self {
            ReadError::Command(e) => e.class(),
            _ => ErrorClass::Protocol,
        }
    }
}

/// A driven read's failure: the transport's own, or the machine's.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReaderError<E> {
    /// The transport failed (timeout at the deadline, I/O, session...).
    #[error("{command} (at {at}): {source}")]
    Transport {
        /// The command being exchanged.
        command: &'static str,
        /// The offset or record ID it asked about.
        at: u32,
        /// The transport's error.
        source: E,
    },
    /// The read itself failed.
    #[error(transparent)]
    Read(#[from] ReadError),
}

impl<E: Failure> Failure for ReaderError<E> {
    fn class(&self) -> ErrorClass {
        match self {
            ReaderError::Transport { source, .. } => source.class(),
            ReaderError::Read(e) => e.class(),
        }
    }
}

/// Whether `response` is for `cmd` (NetFn and command), whatever its completion code.
pub(crate) fn answers<C: Command>(cmd: &C, response: &Response) -> bool {
    response.netfn == cmd.netfn().response() && response.cmd == cmd.cmd()
}

/// Runs `machine` over a blocking transport; every exchange ends by `deadline`.
pub fn run<T: Transport, M: ReadMachine>(
    transport: &mut T,
    mut machine: M,
    deadline: Deadline,
) -> Result<M::Output, ReaderError<T::Error>> {
    loop {
        match machine.step()? {
            Step::Done(out) => return Ok(out),
            Step::Send(request) => {
                let response = transport.exchange(&request, deadline).map_err(|source| {
                    let (command, at) = machine.position();
                    ReaderError::Transport {
                        command,
                        at,
                        source,
                    }
                })?;
                machine.feed(&response)?;
            }
        }
    }
}

/// Runs `machine` over an async transport; every exchange ends by `deadline`.
pub async fn run_async<T: AsyncTransport, M: ReadMachine>(
    transport: &mut T,
    mut machine: M,
    deadline: Deadline,
) -> Result<M::Output, ReaderError<T::Error>> {
    loop {
        match machine.step()? {
            Step::Done(out) => return Ok(out),
            Step::Send(request) => {
                let response = transport
                    .exchange(&request, deadline)
                    .await
                    .map_err(|source| {
                        let (command, at) = machine.position();
                        ReaderError::Transport {
                            command,
                            at,
                            source,
                        }
                    })?;
                machine.feed(&response)?;
            }
        }
    }
}
