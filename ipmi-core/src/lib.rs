//! The typed IPMI command layer of ipmirs: message framing, completion
//! codes, and one [`Command`] trait whose implementations run unchanged over
//! every transport (RMCP+, `/dev/ipmi0`, KCS). No I/O happens here.
//!
//! ```
//! use ipmi_core::{cmd::GetDeviceId, Command, CompletionCode, NetFn, Response};
//!
//! let cmd = GetDeviceId;
//! let request = cmd.request();
//! assert_eq!((request.netfn, request.cmd), (NetFn::APP, 0x01));
//! // A transport returns the BMC's answer; the command decodes it.
//! let response = Response {
//!     netfn: NetFn::APP.response(),
//!     cmd: 0x01,
//!     completion: CompletionCode::SUCCESS,
//!     data: vec![0x20, 0x81, 0x05, 0x12, 0x02, 0xbf, 0x57, 0x01, 0x00, 0x34, 0x12],
//! };
//! let id = cmd.decode(&response).unwrap();
//! assert_eq!(id.manufacturer_id, 343);
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod cmd;
pub mod command;
pub mod completion;
pub mod deadline;
pub mod error;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod message;
pub mod netfn;
pub mod privilege;
pub mod reader;
pub mod record;
pub mod sensor;
pub mod target;
pub mod transport;
pub mod walk;
pub mod wire;

pub use command::Command;
pub use completion::CompletionCode;
pub use deadline::{Deadline, DEFAULT_TIMEOUT};
pub use error::{CommandError, ErrorClass, Failure};
pub use message::{Request, Response};
pub use netfn::NetFn;
pub use privilege::PrivilegeLevel;
pub use target::Target;
pub use transport::{AsyncTransport, Transport};
