//! The RAKP handshake steps as pure functions over the wire and crypto
//! modules (IPMI 2.0 §13.17–§13.23, §13.31, §13.32).

use ipmi_core::PrivilegeLevel;

use crate::crypto::rakp::{self, RakpParams, SessionKeys};
use crate::crypto::suite::CipherSuite;
use crate::error::{Error, RakpStatus, Stage};
use crate::wire::open_session::{OpenSessionRequest, OpenSessionResponse};
use crate::wire::rakp::{Rakp1, Rakp2, Rakp3, Rakp4};

/// RAKP 1 role bit: look the user up by name only (IPMI 2.0 §13.20).
pub(crate) const NAME_ONLY_LOOKUP: u8 = 0x10;

/// Everything both sides agreed on so far, carried from step to step.
#[derive(Clone, Debug)]
pub(crate) struct Agreed {
    pub(crate) suite: CipherSuite,
    pub(crate) tag: u8,
    pub(crate) console_session_id: u32,
    pub(crate) bmc_session_id: u32,
    pub(crate) console_random: [u8; 16],
    pub(crate) bmc_random: [u8; 16],
    pub(crate) bmc_guid: [u8; 16],
    pub(crate) role: u8,
}

impl Agreed {
    pub(crate) fn params<'a>(&self, username: &'a [u8]) -> RakpParams<'a> {
        RakpParams {
            console_session_id: self.console_session_id,
            bmc_session_id: self.bmc_session_id,
            console_random: self.console_random,
            bmc_random: self.bmc_random,
            bmc_guid: self.bmc_guid,
            role: self.role,
            username,
        }
    }
}

/// True when a handshake answer belongs to this exchange: same tag and our
/// session ID, which an error answer may leave out (ipmi_sim answers a
/// refused Open Session with tag and status only).
fn is_ours(a: &Agreed, tag: u8, status: u8, console_session_id: u32) -> bool {
    tag == a.tag
        && (console_session_id == a.console_session_id || (status != 0 && console_session_id == 0))
}

/// The Open Session privilege byte: 0 ("highest matching") for
/// ADMINISTRATOR, else the level itself, as ipmitool sends it.
pub(crate) fn open_session_privilege(level: PrivilegeLevel) -> u8 {
    if level == PrivilegeLevel::Administrator {
        0
    } else {
        level as u8
    }
}

/// The Open Session Request payload for `suite`.
pub(crate) fn open_session_request(a: &Agreed, privilege: PrivilegeLevel) -> Vec<u8> {
    let req = OpenSessionRequest {
        tag: a.tag,
        max_privilege: open_session_privilege(privilege),
        console_session_id: a.console_session_id,
        auth: a.suite.auth,
        integrity: a.suite.integrity,
        confidentiality: a.suite.confidentiality,
    };
    let mut out = Vec::with_capacity(req.buffer_len());
    req.emit(&mut out);
    out
}

/// Outcome of checking an Open Session Response.
pub(crate) enum OpenOutcome {
    /// Not ours (tag or session ID differ): ignore it.
    Ignore,
    /// The BMC refused the offered algorithms: another suite may work.
    AlgorithmsRefused(RakpStatus),
    /// Accepted: the BMC's session ID and the (auth, integrity,
    /// confidentiality) algorithms it named, which may differ from those
    /// offered (see [`super::negotiate::accept_answer`]).
    Accepted(u32, (u8, u8, u8)),
}

/// Checks an Open Session Response: ours, accepted, a session ID.
pub(crate) fn check_open_session(
    a: &Agreed,
    resp: &OpenSessionResponse,
) -> Result<OpenOutcome, Error> {
    if !is_ours(a, resp.tag, resp.status, resp.console_session_id) {
        return Ok(OpenOutcome::Ignore);
    }
    let status = RakpStatus(resp.status);
    if resp.status != 0 {
        if status.is_algorithm_refusal() {
            return Ok(OpenOutcome::AlgorithmsRefused(status));
        }
        return Err(Error::Rejected {
            stage: Stage::OpenSession,
            status,
        });
    }
    if resp.bmc_session_id == 0 {
        return Err(Error::Rejected {
            stage: Stage::OpenSession,
            status: RakpStatus(0x02),
        });
    }
    let got = (
        resp.auth as u8,
        resp.integrity as u8,
        resp.confidentiality as u8,
    );
    Ok(OpenOutcome::Accepted(resp.bmc_session_id, got))
}

/// The RAKP Message 1 payload.
pub(crate) fn rakp1(a: &Agreed, username: &[u8]) -> Vec<u8> {
    let msg = Rakp1 {
        tag: a.tag,
        bmc_session_id: a.bmc_session_id,
        console_random: a.console_random,
        role: a.role,
        username: username.to_vec(),
    };
    let mut out = Vec::with_capacity(msg.buffer_len());
    msg.emit(&mut out);
    out
}

/// Checks RAKP 2: ours, status 0, and a key exchange code that verifies
/// with the password. Fills in the BMC's random number and GUID.
pub(crate) fn check_rakp2(
    a: &mut Agreed,
    msg: &Rakp2,
    username: &[u8],
    kuid: &[u8],
) -> Result<bool, Error> {
    if !is_ours(a, msg.tag, msg.status, msg.console_session_id) {
        return Ok(false);
    }
    if msg.status != 0 {
        return Err(Error::Rejected {
            stage: Stage::Rakp2,
            status: RakpStatus(msg.status),
        });
    }
    a.bmc_random = msg.bmc_random;
    a.bmc_guid = msg.bmc_guid;
    let expected = rakp::rakp2_code(a.suite.auth, kuid, &a.params(username));
    if !rakp::codes_equal(&expected, &msg.key_exchange_code) {
        return Err(Error::Rakp2Mismatch);
    }
    Ok(true)
}

/// The RAKP Message 3 payload: status 0 with our code, or an error status
/// without one (to tell the BMC to drop the half-open session).
pub(crate) fn rakp3(a: &Agreed, username: &[u8], kuid: &[u8], status: u8) -> Vec<u8> {
    let code = if status == 0 {
        rakp::rakp3_code(a.suite.auth, kuid, &a.params(username))
    } else {
        Vec::new()
    };
    let msg = Rakp3 {
        tag: a.tag,
        status,
        bmc_session_id: a.bmc_session_id,
        key_exchange_code: code,
    };
    let mut out = Vec::with_capacity(msg.buffer_len());
    msg.emit(&mut out);
    out
}

/// Session keys from Kg (when set) or the password (IPMI 2.0 §13.32).
pub(crate) fn keys(a: &Agreed, username: &[u8], kuid: &[u8], kg: Option<&[u8]>) -> SessionKeys {
    let key = match kg {
        Some(kg) if kg.iter().any(|&b| b != 0) => kg,
        _ => kuid,
    };
    rakp::derive_keys(a.suite.auth, key, &a.params(username))
}

/// Checks RAKP 4: ours, status 0, and an integrity check value that
/// verifies with the SIK. `Ok(false)` means "not ours, ignore".
pub(crate) fn check_rakp4(
    a: &Agreed,
    msg: &Rakp4,
    username: &[u8],
    keys: &SessionKeys,
) -> Result<bool, Error> {
    if !is_ours(a, msg.tag, msg.status, msg.console_session_id) {
        return Ok(false);
    }
    if msg.status != 0 {
        return Err(Error::Rejected {
            stage: Stage::Rakp4,
            status: RakpStatus(msg.status),
        });
    }
    let expected = rakp::rakp4_icv(a.suite.auth, &keys.sik, &a.params(username));
    if !rakp::codes_equal(&expected, &msg.integrity_check) {
        return Err(Error::Rakp4Mismatch);
    }
    Ok(true)
}
