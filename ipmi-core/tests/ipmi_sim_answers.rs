//! Answers captured from a real peer, decoded: `ipmitool -I lanplus ... raw`
//! against OpenIPMI's ipmi_sim 2.0.33 configured as in /work/shared/TESTBED.md
//! (the test-support fixture's lan.conf), and the text ipmitool 1.8.19
//! printed for the same BMC, which the typed values must reproduce
//! (IPMI 2.0 §22, §23, §27; captured 2026-12-04).

use ipmi_core::cmd::boot::GetSystemBootOptions;
use ipmi_core::cmd::channel::{
    AccessSet, CipherSuiteRecord, GetChannelAccess, GetChannelCipherSuites, GetChannelInfo,
    CIPHER_SUITES_HEADER,
};
use ipmi_core::cmd::dcmi::{self, GetDcmiCapabilities};
use ipmi_core::cmd::lan_config::{privilege_char, GetLanConfig, LanParam};
use ipmi_core::cmd::mc::{GetBmcGlobalEnables, GetSystemGuid, GuidEncoding};
use ipmi_core::cmd::session_info::{GetSessionInfo, SessionSelector};
use ipmi_core::cmd::user::{GetUserAccess, GetUserName};
use ipmi_core::{Command, CompletionCode, Response};

fn answer<C: Command>(cmd: &C, cc: u8, data: &[u8]) -> Response {
    Response {
        netfn: cmd.netfn().response(),
        cmd: cmd.cmd(),
        completion: CompletionCode(cc),
        data: data.to_vec(),
    }
}

#[test]
fn mc_guid_matches_ipmitool() {
    let raw = [
        0xa1, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xa1, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd,
        0xef,
    ];
    let g = GetSystemGuid
        .decode(&answer(&GetSystemGuid, 0, &raw))
        .unwrap();
    // ipmitool mc guid: "System GUID   : efcdab89-6745-23a1-efcd-ab89674523a1",
    // "GUID Encoding : IPMI", "GUID Version  : DCE Security with POSIX UIDs (not for IPMI)".
    let enc = g.detect(1_796_342_400).unwrap(); // 2026-12-04
    assert_eq!(enc, GuidEncoding::Ipmi);
    assert_eq!(enc.to_string(), "IPMI");
    let f = g.fields(enc);
    assert_eq!(f.to_string(), "efcdab89-6745-23a1-efcd-ab89674523a1");
    assert_eq!(f.version(), 2);
}

#[test]
fn lan_print_lines_match_ipmitool() {
    let get = |param: u8, data: &[u8]| {
        let c = GetLanConfig::new(1, param);
        c.decode(&answer(&c, 0, data)).unwrap().param().unwrap()
    };
    let line =
        |param: u8, value: String| format!("{:<24}: {value}", LanParam::label(param).unwrap());
    let LanParam::SetInProgress(s) = get(0, &[0x11, 0x00]) else {
        panic!()
    };
    assert_eq!(s as u8, 0); // "Set in Progress         : Set Complete"
    let LanParam::AuthTypeSupport(a) = get(1, &[0x11, 0x1f]) else {
        panic!()
    };
    assert_eq!(
        line(1, a.to_string()),
        "Auth Type Support       : NONE MD2 MD5 PASSWORD "
    );
    let LanParam::AuthTypeEnables(e) = get(2, &[0x11, 0x17, 0x17, 0x17, 0x17, 0x00]) else {
        panic!()
    };
    assert_eq!(
        line(2, format!("Callback : {}", e[0])),
        "Auth Type Enable        : Callback : NONE MD2 MD5 PASSWORD "
    );
    assert_eq!(
        format!("{:<24}: OEM      : {}", "", e[4]),
        "                        : OEM      : "
    );
    let LanParam::IpSource(src) = get(4, &[0x11, 0x00]) else {
        panic!()
    };
    assert_eq!(
        line(4, src.to_string()),
        "IP Address Source       : Unspecified"
    );
    let LanParam::IpAddress(ip) = get(3, &[0x11, 0, 0, 0, 0]) else {
        panic!()
    };
    assert_eq!(line(3, ip.to_string()), "IP Address              : 0.0.0.0");
    let LanParam::MacAddress(m) = get(5, &[0x11, 0, 0, 0, 0, 0, 0]) else {
        panic!()
    };
    assert_eq!(
        line(5, m.to_string()),
        "MAC Address             : 00:00:00:00:00:00"
    );
    let community = [
        0x11, 0x70, 0x75, 0x62, 0x6c, 0x69, 0x63, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];
    let LanParam::CommunityString(cs) = get(16, &community) else {
        panic!()
    };
    assert_eq!(line(16, cs), "SNMP Community String   : public");
    let LanParam::IpHeader {
        ttl,
        flags,
        service,
    } = get(7, &[0x11, 0, 0, 0])
    else {
        panic!()
    };
    let header = format!(
        "TTL=0x{ttl:02x} Flags=0x{:02x} Precedence=0x{:02x} TOS=0x{:02x}",
        flags & 0xe0,
        service & 0xe0,
        service & 0x1e
    );
    assert_eq!(
        line(7, header),
        "IP Header               : TTL=0x00 Flags=0x00 Precedence=0x00 TOS=0x00"
    );
    assert_eq!(get(20, &[0x11, 0, 0]), LanParam::VlanId(None)); // "802.1q VLAN ID          : Disabled"
    let LanParam::CipherSuiteCount(n) = get(22, &[0x11, 0x0f]) else {
        panic!()
    };
    let ids = [
        0x11, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d,
        0x0e, 0x0f, 0x10,
    ];
    let LanParam::CipherSuites(list) = get(23, &ids) else {
        panic!()
    };
    let shown: Vec<String> = list.iter().take(n.into()).map(|i| i.to_string()).collect();
    assert_eq!(
        line(23, shown.join(",")),
        "RMCP+ Cipher Suites     : 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15"
    );
    let LanParam::CipherSuitePrivileges(p) = get(
        24,
        &[0x11, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44],
    ) else {
        panic!()
    };
    let privs: String = p[..15].iter().map(|&l| privilege_char(l)).collect();
    assert_eq!(line(24, privs), "Cipher Suite Priv Max   : aaaaaaaaaaaaaaa");
    // Bad Password Threshold: refused with 80h ("Not Available" in ipmitool).
    let c = GetLanConfig::new(1, 26);
    assert!(c.decode(&answer(&c, 0x80, &[])).is_err());
}

#[test]
fn channel_getciphers_rows_match_ipmitool() {
    let chunks: [&[u8]; 6] = [
        &[
            0x01, 0xc0, 0x00, 0x00, 0x40, 0x80, 0xc0, 0x01, 0x01, 0x40, 0x80, 0xc0, 0x02, 0x01,
            0x41, 0x80, 0xc0,
        ],
        &[
            0x01, 0x03, 0x01, 0x41, 0x81, 0xc0, 0x04, 0x01, 0x41, 0x82, 0xc0, 0x05, 0x01, 0x41,
            0x83, 0xc0, 0x06,
        ],
        &[
            0x01, 0x02, 0x40, 0x80, 0xc0, 0x07, 0x02, 0x42, 0x80, 0xc0, 0x08, 0x02, 0x42, 0x81,
            0xc0, 0x09, 0x02,
        ],
        &[
            0x01, 0x42, 0x82, 0xc0, 0x0a, 0x02, 0x42, 0x83, 0xc0, 0x0b, 0x02, 0x43, 0x80, 0xc0,
            0x0c, 0x02, 0x43,
        ],
        &[
            0x01, 0x81, 0xc0, 0x0d, 0x02, 0x43, 0x82, 0xc0, 0x0e, 0x02, 0x43, 0x83,
        ],
        &[0x01],
    ];
    let mut list = Vec::new();
    for (i, raw) in chunks.iter().enumerate() {
        let c = GetChannelCipherSuites::records(0x0e, i as u8);
        let chunk = c.decode(&answer(&c, 0, raw)).unwrap();
        list.extend_from_slice(&chunk.data);
        if !chunk.more() {
            assert_eq!(i, 4, "a short chunk ends the list");
            break;
        }
    }
    let suites = CipherSuiteRecord::parse_list(&list);
    assert_eq!(suites.len(), 15);
    assert_eq!(
        CIPHER_SUITES_HEADER,
        "ID   IANA    Auth Alg        Integrity Alg   Confidentiality Alg"
    );
    // ipmitool 1.8.19 prints these (and stops after 12 rows: its suite
    // array is sized by a sizeof() slip; suites 12..=14 are in the answer).
    assert_eq!(
        suites[0].to_string(),
        "0    N/A     none            none            none           "
    );
    assert_eq!(
        suites[3].to_string(),
        "3    N/A     hmac_sha1       hmac_sha1_96    aes_cbc_128    "
    );
    assert_eq!(
        suites[5].to_string(),
        "5    N/A     hmac_sha1       hmac_sha1_96    xrc4_40        "
    );
    assert_eq!(
        suites[11].to_string(),
        "11   N/A     hmac_md5        md5_128         none           "
    );
    assert_eq!(
        suites[14].to_string(),
        "14   N/A     hmac_md5        md5_128         xrc4_40        "
    );
}

#[test]
fn session_info_matches_ipmitool() {
    let c = GetSessionInfo(SessionSelector::Current);
    let s = c
        .decode(&answer(&c, 0, &[0x01, 0x3f, 0x01, 0x02, 0x04, 0x11]))
        .unwrap();
    // "session handle                : 1", "slot count                    : 63",
    // "active sessions               : 1", "user id                       : 2",
    // "privilege level               : ADMINISTRATOR",
    // "session type                  : IPMIv2/RMCP+", "channel number                : 0x01"
    assert_eq!((s.handle, s.slot_count, s.active_count), (1, 63, 1));
    let d = s.detail.unwrap();
    assert_eq!(
        format!("{:<30}: {}", "privilege level", d.privilege),
        "privilege level               : ADMINISTRATOR"
    );
    assert!(d.protocol_aux != 0);
    assert_eq!(format!("0x{:02x}", d.channel), "0x01");
    assert_eq!(d.lan, None);
    // Index 2 past the only session: counts only.
    let c = GetSessionInfo(SessionSelector::Index(2));
    assert_eq!(
        c.decode(&answer(&c, 0, &[0x00, 0x3f, 0x01]))
            .unwrap()
            .detail,
        None
    );
}

#[test]
fn users_channels_and_refusals() {
    let ua = GetUserAccess {
        channel: 1,
        user_id: 2,
    };
    let a = ua
        .decode(&answer(&ua, 0, &[0x3f, 0x02, 0x01, 0x14]))
        .unwrap();
    assert_eq!(
        (a.max_user_ids, a.enabled_user_ids, a.fixed_name_ids),
        (63, 2, 1)
    );
    assert!(a.ipmi_messaging && !a.link_auth && !a.callback_only);
    assert_eq!(a.privilege_limit.to_string(), "ADMINISTRATOR");
    let u1 = GetUserAccess {
        channel: 1,
        user_id: 1,
    };
    let a = u1
        .decode(&answer(&u1, 0, &[0x3f, 0x02, 0x01, 0x12]))
        .unwrap();
    assert_eq!(a.privilege_limit.to_string(), "USER");
    let n = GetUserName { user_id: 2 };
    let name = [
        0x61, 0x64, 0x6d, 0x69, 0x6e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];
    assert_eq!(n.decode(&answer(&n, 0, &name)).unwrap(), "admin");

    let ci = GetChannelInfo { channel: 1 };
    let i = ci
        .decode(&answer(
            &ci,
            0,
            &[0x01, 0x04, 0x01, 0x81, 0xf2, 0x1b, 0x00, 0x00, 0x00],
        ))
        .unwrap();
    assert_eq!(i.medium.to_string(), "802.3 LAN");
    assert_eq!(i.protocol.to_string(), "IPMB-1.0");
    assert_eq!(
        (i.session_support_word(), i.active_sessions, i.vendor_id),
        ("multi-session", 1, 7154)
    );
    let ca = GetChannelAccess {
        channel: 1,
        which: AccessSet::Volatile,
    };
    let acc = ca.decode(&answer(&ca, 0, &[0x02, 0x04])).unwrap();
    assert!(acc.alerting && acc.per_message_auth && acc.user_level_auth);
    assert_eq!(acc.access_mode_word(), "always available");

    let en = GetBmcGlobalEnables
        .decode(&answer(&GetBmcGlobalEnables, 0, &[0x08]))
        .unwrap();
    let on: Vec<_> = en.entries().filter(|e| e.1).map(|e| e.0).collect();
    assert_eq!(on, ["System Event Logging"]);

    // Boot info acknowledge answered without its data bytes: no typed value.
    let b = GetSystemBootOptions::new(4);
    let o = b.decode(&answer(&b, 0, &[0x01, 0x04])).unwrap();
    assert_eq!((o.version, o.selector, o.param()), (1, 4, None));
    // ipmi_sim has no DCMI: C1h, told apart from other refusals.
    let d = GetDcmiCapabilities { selector: 1 };
    assert!(dcmi::unsupported(
        &d.decode(&answer(&d, 0xc1, &[])).unwrap_err()
    ));
}
