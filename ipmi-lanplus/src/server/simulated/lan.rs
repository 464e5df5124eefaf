//! The LAN configuration of the simulated BMC: a stored parameter table
//! read and written with Get/Set LAN Configuration Parameters, set in
//! progress included (IPMI 2.0 §23.1, §23.2).

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use ipmi_core::cmd::boot::SetInProgress;
use ipmi_core::cmd::lan_config::{
    AuthTypes, GetLanConfig, IpSource, LanConfig, LanParam, MacAddr, SetLanConfig,
};
use ipmi_core::{CompletionCode, PrivilegeLevel};

use super::super::config::{ServerConfig, DEFAULT_CIPHER_SUITES};
use super::{encoded, Answer, SimulatedBmc};

/// LAN configuration parameter revision (IPMI 2.0 §23.2).
const LAN_REVISION: u8 = 0x11;
/// Parameter not supported (IPMI 2.0 §23.1, §23.2).
const CC_PARAM_UNSUPPORTED: CompletionCode = CompletionCode(0x80);
/// Set in progress while already in progress (IPMI 2.0 §23.1).
const CC_SET_IN_PROGRESS: CompletionCode = CompletionCode(0x81);
/// Write to a read-only parameter (IPMI 2.0 §23.1).
const CC_READ_ONLY: CompletionCode = CompletionCode(0x82);
/// Parameters a console may not write: authentication type support,
/// cipher suite count and list (IPMI 2.0 table 23-4).
const READ_ONLY: [u8; 3] = [1, 22, 23];
/// Channel number meaning "this channel" (IPMI 2.0 §6.3).
const THIS_CHANNEL: u8 = 0x0e;

/// The parameters a fresh simulated BMC reports (IPMI 2.0 table 23-4):
/// a static 10.0.0.2/24 with gateway 10.0.0.1, a locally administered
/// MAC, no VLAN, the default cipher suites at ADMINISTRATOR.
pub(super) fn default_lan() -> BTreeMap<u8, Vec<u8>> {
    // No IPMI 1.5 authentication type: the responder offers RMCP+ only,
    // as Get Channel Authentication Capabilities says.
    let auth = AuthTypes(0);
    let params = [
        LanParam::SetInProgress(SetInProgress::Complete),
        LanParam::AuthTypeSupport(auth),
        LanParam::AuthTypeEnables([auth; 5]),
        LanParam::IpAddress(Ipv4Addr::new(10, 0, 0, 2)),
        LanParam::IpSource(IpSource::Static),
        LanParam::MacAddress(MacAddr([0x02, 0x00, 0x5e, 0x00, 0x00, 0x02])),
        LanParam::SubnetMask(Ipv4Addr::new(255, 255, 255, 0)),
        LanParam::IpHeader {
            ttl: 0x40,
            flags: 0x40,
            service: 0x10,
        },
        LanParam::BmcArp {
            respond: true,
            gratuitous: false,
        },
        LanParam::GratuitousArpInterval(0),
        LanParam::DefaultGatewayIp(Ipv4Addr::new(10, 0, 0, 1)),
        LanParam::DefaultGatewayMac(MacAddr([0x02, 0x00, 0x5e, 0x00, 0x00, 0x01])),
        LanParam::BackupGatewayIp(Ipv4Addr::UNSPECIFIED),
        LanParam::BackupGatewayMac(MacAddr([0; 6])),
        LanParam::CommunityString("public".into()),
        LanParam::VlanId(None),
        LanParam::VlanPriority(0),
        LanParam::BadPasswordThreshold {
            generate_event: false,
            threshold: 0,
            reset_interval: 0,
            lockout_interval: 0,
        },
    ];
    let mut table: BTreeMap<u8, Vec<u8>> = params.into_iter().map(encode).collect();
    table.extend(suite_params(&DEFAULT_CIPHER_SUITES).into_iter().map(encode));
    table
}

fn encode(p: LanParam) -> (u8, Vec<u8>) {
    let mut data = Vec::new();
    p.encode_data(&mut data);
    (p.selector(), data)
}

/// Parameters 22–24 for the offered `suites`, each usable up to ADMINISTRATOR (IPMI 2.0 table 23-4).
fn suite_params(suites: &[u8]) -> [LanParam; 3] {
    let suites = &suites[..suites.len().min(16)];
    let mut privileges = [0u8; 16];
    for p in privileges.iter_mut().take(suites.len()) {
        *p = PrivilegeLevel::Administrator as u8;
    }
    [
        LanParam::CipherSuiteCount(suites.len() as u8),
        LanParam::CipherSuites(suites.to_vec()),
        LanParam::CipherSuitePrivileges(privileges),
    ]
}

impl SimulatedBmc {
    /// Reports the channel number and cipher suites the responder serves.
    pub(super) fn configure_lan(&mut self, config: &ServerConfig) {
        self.lan_channel = config.channel;
        self.lan
            .extend(suite_params(&config.cipher_suites).into_iter().map(encode));
    }

    fn lan_channel_ok(&self, channel: u8) -> bool {
        channel == THIS_CHANNEL || channel == self.lan_channel
    }

    /// Get LAN Configuration Parameters (IPMI 2.0 §23.2).
    pub(super) fn get_lan(&self, data: &[u8]) -> Answer {
        let Some(req) = GetLanConfig::parse_request(data) else {
            return (CompletionCode::REQUEST_LENGTH_INVALID, vec![]);
        };
        if !self.lan_channel_ok(req.channel) {
            return (CompletionCode::INVALID_DATA_FIELD, vec![]);
        }
        let data = if req.revision_only {
            vec![]
        } else {
            match self.lan.get(&req.param) {
                Some(d) => d.clone(),
                None => return (CC_PARAM_UNSUPPORTED, vec![]),
            }
        };
        let config = LanConfig {
            revision: LAN_REVISION,
            selector: req.param,
            data,
        };
        encoded(|out| config.encode(out))
    }

    /// Set LAN Configuration Parameters (IPMI 2.0 §23.1): writes take
    /// effect at once; "set in progress" while in progress is 81h.
    pub(super) fn set_lan(&mut self, data: &[u8]) -> Answer {
        let Some(req) = SetLanConfig::parse_request(data) else {
            return (CompletionCode::REQUEST_LENGTH_INVALID, vec![]);
        };
        if !self.lan_channel_ok(req.channel) {
            return (CompletionCode::INVALID_DATA_FIELD, vec![]);
        }
        let selector = req.param.selector();
        if !self.lan.contains_key(&selector) {
            return (CC_PARAM_UNSUPPORTED, vec![]);
        }
        if READ_ONLY.contains(&selector) {
            return (CC_READ_ONLY, vec![]);
        }
        let param = match req.param {
            LanParam::SetInProgress(SetInProgress::InProgress)
                if self.lan[&0] == [SetInProgress::InProgress as u8] =>
            {
                return (CC_SET_IN_PROGRESS, vec![]);
            }
            LanParam::SetInProgress(SetInProgress::CommitWrite) => {
                LanParam::SetInProgress(SetInProgress::Complete)
            }
            LanParam::SetInProgress(SetInProgress::Reserved) => {
                return (CompletionCode::INVALID_DATA_FIELD, vec![])
            }
            p => p,
        };
        let mut stored = Vec::new();
        param.encode_data(&mut stored);
        self.lan.insert(selector, stored);
        (CompletionCode::SUCCESS, vec![])
    }
}
