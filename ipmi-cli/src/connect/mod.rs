//! Connections to a BMC, one module per interface: [`lan`] (RMCP+
//! sessions through the library's `Client`), [`local`] (the Linux
//! `/dev/ipmiN` device, where "opening" and "closing" are those of the
//! device file and the deadline bounds each wait for the kernel's answer)
//! and [`kcs`] (the KCS ports without the kernel driver; opening takes the
//! ports). Each has its settings (resolved by [`crate::plan`]) and a
//! [`Connector`] the run loop ([`crate::run`]) drives.

#[cfg(target_os = "linux")]
pub mod kcs;
pub mod lan;
#[cfg(target_os = "linux")]
pub mod local;

use ipmi_core::{CompletionCode, Deadline, Target, Transport};

/// Opens and closes sessions of one interface.
pub trait Connector {
    /// The open session.
    type Session: Transport;

    /// "host:port", for messages.
    fn peer(&self) -> String;

    /// Checks the settings before anything is sent.
    fn validate(&self) -> Result<(), <Self::Session as Transport>::Error>;

    /// Opens a session by `deadline`.
    fn open(
        &mut self,
        deadline: Deadline,
    ) -> Result<Self::Session, <Self::Session as Transport>::Error>;

    /// Closes the session by `deadline`.
    fn close(
        &mut self,
        session: Self::Session,
        deadline: Deadline,
    ) -> Result<(), <Self::Session as Transport>::Error>;

    /// The session step an error stalled in.
    fn stage(&self, error: &<Self::Session as Transport>::Error) -> Option<String>;

    /// What is opened and closed, for `-v`: "session", or "device".
    fn opened(&self) -> &'static str {
        "session"
    }

    /// Said with `-v` when the BMC stopped answering and the session is
    /// dropped without closing it.
    fn abandon_note(&self) -> &'static str {
        "the BMC stopped answering: not waiting for Close Session"
    }

    /// What a failure to open adds at its end (e.g. that no password was
    /// given, when the password check failed).
    fn open_hint(&self, _error: &<Self::Session as Transport>::Error) -> Option<String> {
        None
    }

    /// What a failure to open says first.
    fn open_context(&self) -> String {
        format!("cannot open a session with {}", self.peer())
    }

    /// What this interface adds to the message of a completion-code
    /// refusal of a request to `target` (e.g. what the kernel driver means
    /// by a code it makes up itself), after ipmitool's words.
    fn completion_note(&self, _code: CompletionCode, _target: Target) -> Option<String> {
        None
    }

    /// One line about the open session, for `-v`.
    fn describe(&self, _session: &Self::Session) -> Option<String> {
        None
    }

    /// Datagram counts, for `-vv`.
    fn statistics(&self, _session: &Self::Session) -> Option<String> {
        None
    }

    /// The signal (SIGINT, SIGTERM) that asked this interface to stop, once
    /// one did; its waits then end with an error and [`crate::run::run`] closes the
    /// session within [`crate::run::INTERRUPT_CLOSE_MAX`] and exits 128 + the number.
    /// Interfaces that do not catch signals (they die of them) say `None`.
    fn signal(&self) -> Option<i32> {
        None
    }
}
