//! Unprotects arbitrary datagrams with fixed known keys for suites 3 and 17
//! (IPMI 2.0 §13.6, §13.28). Anything accepted must re-protect to a
//! datagram that unprotects to the same plaintext.
#![no_main]

use std::sync::OnceLock;

use ipmi_lanplus::crypto::rakp::{derive_keys, RakpParams};
use ipmi_lanplus::crypto::suite::CipherSuite;
use ipmi_lanplus::packet::SessionCrypto;
use libfuzzer_sys::fuzz_target;

fn hex16(s: &str) -> [u8; 16] {
    core::array::from_fn(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
}

/// Keys of the first session of the suite-3 and suite-17 captures
/// (user admin, password secret), so captured datagrams are valid seeds.
fn crypto(id: u8) -> SessionCrypto {
    let suite = CipherSuite::from_id(id).unwrap();
    let (bmc_session_id, rm, rc, guid) = match id {
        3 => (
            0x0000_0A02,
            "029711fc187cde95f27a84c019911ba6",
            "40583eaf47ed85d56b7248a3a9558694",
            "a123456789abcdefa123456789abcdef",
        ),
        _ => (
            0x0BAD_BEEF,
            "7c5491d8c226a6f93fb43311f6dbe361",
            "28b738c3453a2f9480f03ea0e5650e87",
            "0badc0de0badc0de0badc0de0badc0de",
        ),
    };
    let p = RakpParams {
        console_session_id: 0xA0A2A3A4,
        bmc_session_id,
        console_random: hex16(rm),
        bmc_random: hex16(rc),
        bmc_guid: hex16(guid),
        role: 0x14,
        username: b"admin",
    };
    SessionCrypto::try_new(suite, &derive_keys(suite.auth, b"secret", &p)).unwrap()
}

static SUITES: OnceLock<[SessionCrypto; 2]> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let suites = SUITES.get_or_init(|| [crypto(3), crypto(17)]);
    for sc in suites {
        if let Ok(u) = sc.unprotect(data) {
            let iv: [u8; 16] = data[16..32].try_into().unwrap();
            let mut again = Vec::new();
            let h = u.header;
            sc.protect(
                h.payload_type,
                h.session_id,
                h.sequence,
                &u.payload,
                &iv,
                &mut again,
            );
            assert_eq!(sc.unprotect(&again).unwrap().payload, u.payload);
        }
    }
});
