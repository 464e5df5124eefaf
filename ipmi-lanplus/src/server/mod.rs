//! The responder side of RMCP+ (a virtual BMC), built on the same wire and
//! crypto modules as the client. Being written (issue #3).
