//! What a transport (RMCP+, `/dev/ipmi0`, KCS) offers the command layer:
//! one request/response exchange bounded by a deadline.

use std::future::Future;

use crate::{Command, CommandError, Deadline, Failure, Request, Response, Target};

/// A blocking transport: sends a request and waits for its response, never
/// past `deadline`. `ipmi_lanplus::Client`, `ipmi_kcs`'s clients and a
/// test double alike; every [`Command`] runs over each with
/// [`Transport::execute`] (the transport's default deadline) or
/// [`Transport::execute_by`].
///
/// ```
/// use std::time::Duration;
/// use ipmi_core::cmd::GetDeviceId;
/// use ipmi_core::{CommandError, CompletionCode, Deadline, Request, Response, Transport};
///
/// /// A stand-in BMC that answers every request with "invalid command".
/// struct Refusing;
///
/// impl Transport for Refusing {
///     type Error = CommandError;
///     fn exchange(&mut self, request: &Request, _deadline: Deadline) -> Result<Response, CommandError> {
///         Ok(Response {
///             netfn: request.netfn.response(),
///             cmd: request.cmd,
///             completion: CompletionCode(0xc1),
///             data: Vec::new(),
///         })
///     }
///     fn default_deadline(&self) -> Deadline {
///         Deadline::from_now(Duration::from_secs(1))
///     }
/// }
///
/// let err = Refusing.execute(&GetDeviceId).unwrap_err();
/// assert!(err.to_string().contains("0xc1"), "{err}");
/// ```
pub trait Transport {
    /// The transport's error; command decoding errors convert into it.
    type Error: Failure + From<CommandError>;

    /// One exchange, bounded by `deadline`.
    fn exchange(&mut self, request: &Request, deadline: Deadline) -> Result<Response, Self::Error>;

    /// The deadline an operation inherits when the caller gives none
    /// (typically now + the client's configured timeout).
    fn default_deadline(&self) -> Deadline;

    /// The target commands go to when the caller gives none.
    fn default_target(&self) -> Target {
        Target::bmc()
    }

    /// Runs a typed command with the client's default target and deadline.
    fn execute<C: Command>(&mut self, cmd: &C) -> Result<C::Output, Self::Error> {
        let deadline = self.default_deadline();
        self.execute_by(cmd, deadline)
    }

    /// Runs a typed command, finishing by `deadline`.
    fn execute_by<C: Command>(
        &mut self,
        cmd: &C,
        deadline: Deadline,
    ) -> Result<C::Output, Self::Error> {
        let response = self.exchange(&cmd.request_to(self.default_target()), deadline)?;
        Ok(cmd.decode(&response)?)
    }
}

/// The async twin of [`Transport`], for tokio drivers.
pub trait AsyncTransport: Send {
    /// The transport's error; command decoding errors convert into it.
    type Error: Failure + From<CommandError>;

    /// One exchange, bounded by `deadline`.
    fn exchange(
        &mut self,
        request: &Request,
        deadline: Deadline,
    ) -> impl Future<Output = Result<Response, Self::Error>> + Send;

    /// The deadline an operation inherits when the caller gives none.
    fn default_deadline(&self) -> Deadline;

    /// The target commands go to when the caller gives none.
    fn default_target(&self) -> Target {
        Target::bmc()
    }

    /// Runs a typed command with the client's default target and deadline.
    fn execute<'a, C: Command + Sync>(
        &'a mut self,
        cmd: &'a C,
    ) -> impl Future<Output = Result<C::Output, Self::Error>> + Send + 'a {
        let deadline = self.default_deadline();
        self.execute_by(cmd, deadline)
    }

    /// Runs a typed command, finishing by `deadline`.
    fn execute_by<'a, C: Command + Sync>(
        &'a mut self,
        cmd: &'a C,
        deadline: Deadline,
    ) -> impl Future<Output = Result<C::Output, Self::Error>> + Send + 'a {
        let request = cmd.request_to(self.default_target());
        async move {
            let response = self.exchange(&request, deadline).await?;
            Ok(cmd.decode(&response)?)
        }
    }
}
