//! Security posture, checked rather than promised: no `unsafe` in the
//! library crates, authentication codes compared in constant time,
//! secrets zeroized on drop and kept out of `Debug` output, error texts
//! and the wire, and cipher suite 0 refused unless explicitly allowed.

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use ipmi_core::{Deadline, ErrorClass, Failure, PrivilegeLevel};
use ipmi_lanplus::client::{Event, Session};
use ipmi_lanplus::crypto::rakp::{codes_equal, derive_keys, RakpParams, SessionKeys};
use ipmi_lanplus::crypto::CipherSuite;
use ipmi_lanplus::packet::SessionCrypto;
use ipmi_lanplus::server::{Responder, ServerConfig, SimulatedBmc, User};
use ipmi_lanplus::{ClientConfig, Error, Stage};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

fn source(path: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path);
    fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Every `.rs` file under `dir` (relative to the workspace), with its text.
fn sources(dir: &str) -> Vec<(String, String)> {
    fn walk(p: &Path, out: &mut Vec<(String, String)>) {
        for e in fs::read_dir(p).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|x| x == "rs") {
                out.push((
                    path.display().to_string(),
                    fs::read_to_string(&path).unwrap(),
                ));
            }
        }
    }
    let mut out = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(dir),
        &mut out,
    );
    out
}

#[test]
fn library_crates_forbid_unsafe_code() {
    for lib in ["ipmi-core/src/lib.rs", "ipmi-lanplus/src/lib.rs"] {
        assert!(
            source(lib).contains("#![forbid(unsafe_code)]"),
            "{lib} must forbid unsafe code"
        );
    }
}

#[test]
fn authentication_codes_are_compared_in_constant_time() {
    // The one comparison function goes through `subtle`...
    let rakp = source("ipmi-lanplus/src/crypto/rakp.rs");
    assert!(rakp.contains("use subtle::ConstantTimeEq;") && rakp.contains(".ct_eq("));
    // ...and every place that checks a code or a MAC uses it.
    for (file, needle) in [
        ("ipmi-lanplus/src/packet.rs", "codes_equal(&expected"),
        (
            "ipmi-lanplus/src/client/handshake.rs",
            "codes_equal(&expected, &msg.key_exchange_code)",
        ),
        (
            "ipmi-lanplus/src/client/handshake.rs",
            "codes_equal(&expected, &msg.integrity_check)",
        ),
        (
            "ipmi-lanplus/src/server/handshake.rs",
            "codes_equal(&expected, &msg.key_exchange_code)",
        ),
    ] {
        assert!(source(file).contains(needle), "{file}: {needle}");
    }
    for (file, text) in sources("ipmi-lanplus/src") {
        for bad in ["== expected", "expected ==", "!= expected", "expected !="] {
            assert!(
                !text.contains(bad),
                "{file}: `{bad}`: compare codes with codes_equal"
            );
        }
    }
    // Behaviour: lengths matter, contents matter, empty equals empty.
    assert!(codes_equal(&[1, 2, 3], &[1, 2, 3]));
    assert!(!codes_equal(&[1, 2, 3], &[1, 2, 4]));
    assert!(!codes_equal(&[1, 2, 3], &[1, 2, 3, 0]));
    assert!(!codes_equal(&[0; 12], &[]));
}

fn zeroized_on_drop<T: ZeroizeOnDrop>() {}

fn params() -> RakpParams<'static> {
    RakpParams {
        console_session_id: 1,
        bmc_session_id: 2,
        console_random: [3; 16],
        bmc_random: [4; 16],
        bmc_guid: [5; 16],
        role: 0x14,
        username: b"admin",
    }
}

#[test]
fn secrets_are_zeroized_on_drop() {
    // SIK, K1, K2 and the packet keys derived from them.
    zeroized_on_drop::<SessionKeys>();
    zeroized_on_drop::<SessionCrypto>();
    // The AES key schedule (its first round key is K2[..16]) and the CBC
    // state live only while a packet is protected; they are wiped too.
    zeroized_on_drop::<aes::Aes128>();
    zeroized_on_drop::<cbc::Encryptor<aes::Aes128>>();
    zeroized_on_drop::<cbc::Decryptor<aes::Aes128>>();
    // Passwords and BMC keys, client and server side.
    let c = ClientConfig::new("admin", "pw").kg("kg");
    let _: &Zeroizing<Vec<u8>> = &c.password;
    let _: &Option<Zeroizing<Vec<u8>>> = &c.kg;
    let u = User::new("admin", "pw", PrivilegeLevel::User);
    let _: &Zeroizing<Vec<u8>> = &u.password;
    let s = ServerConfig::new().kg("kg");
    let _: &Option<Zeroizing<Vec<u8>>> = &s.kg;
    // What drop does: the derived keys are wiped.
    let suite = CipherSuite::from_id(17).unwrap();
    let mut keys = derive_keys(suite.auth, b"pw", &params());
    assert!(keys.sik.len() == 32 && keys.k1.len() == 32 && keys.k2.len() == 32);
    keys.zeroize();
    assert!(keys.sik.is_empty() && keys.k1.is_empty() && keys.k2.is_empty());
}

#[test]
fn secrets_stay_out_of_debug_output_and_errors() {
    const PW: &str = "Very$ecretPassw0rd";
    const KG: &str = "BmcKeyValue-12345";
    let c = ClientConfig::new("admin", PW).kg(KG);
    let text = format!("{c:?}");
    assert!(!text.contains(PW) && !text.contains(KG), "{text}");
    let u = User::new("admin", PW, PrivilegeLevel::User);
    assert!(!format!("{u:?}").contains(PW));
    let suite = CipherSuite::from_id(3).unwrap();
    let keys = derive_keys(suite.auth, PW.as_bytes(), &params());
    let k1_hex: String = keys.k1.iter().map(|b| format!("{b:02x}")).collect();
    let shown = format!(
        "{keys:?} {:?}",
        SessionCrypto::try_new(suite, &keys).unwrap()
    );
    assert!(
        !shown.contains(&k1_hex[..8]) && !shown.contains("k1:"),
        "{shown}"
    );
    for e in [Error::Rakp2Mismatch, Error::Rakp4Mismatch] {
        assert!(!e.to_string().contains(PW));
    }
}

/// Runs a lossless in-memory handshake and command; returns every datagram.
fn transcript(client: ClientConfig, server: ServerConfig) -> (Result<(), Error>, Vec<Vec<u8>>) {
    let t0 = Instant::now();
    let peer = "10.0.0.2:40000".parse().unwrap();
    let mut bmc = Responder::new(server, SimulatedBmc::default(), [9; 32]).unwrap();
    let mut s = Session::new(client, [8; 32]);
    let mut wire = Vec::new();
    if let Err(e) = s.connect(t0, Deadline::after(t0, Duration::from_secs(5))) {
        assert!(s.poll_transmit().is_none(), "nothing sent after a refusal");
        return (Err(e), wire);
    }
    for _ in 0..20 {
        while let Some(d) = s.poll_transmit() {
            bmc.handle_datagram(t0, peer, &d);
            wire.push(d);
        }
        while let Some(t) = bmc.poll_transmit() {
            s.handle_datagram(t0, &t.datagram);
            wire.push(t.datagram);
        }
        match s.poll_event() {
            Some(Event::Connected { .. }) => return (Ok(()), wire),
            Some(Event::Failed(e)) => return (Err(e), wire),
            _ => {}
        }
    }
    panic!("no outcome")
}

#[test]
fn passwords_and_keys_never_go_on_the_wire() {
    const PW: &[u8] = b"Very$ecretPassw0rd";
    const KG: &[u8] = b"BmcKeyValue-12345";
    for suite in [1, 2, 3, 15, 16, 17] {
        let server = ServerConfig::new()
            .user(User::new("admin", PW, PrivilegeLevel::Administrator))
            .cipher_suites([suite])
            .kg(KG);
        let client = ClientConfig::new("admin", PW).cipher_suite(suite).kg(KG);
        let (r, wire) = transcript(client, server);
        r.unwrap_or_else(|e| panic!("suite {suite}: {e}"));
        for d in &wire {
            for secret in [PW, KG] {
                assert!(
                    !d.windows(secret.len()).any(|w| w == secret),
                    "suite {suite}: a secret on the wire"
                );
            }
        }
    }
}

#[test]
fn suite_zero_needs_allow_insecure_on_both_sides() {
    // The client refuses before sending anything.
    let refused = ClientConfig::new("admin", "pw").cipher_suite(0);
    let e = refused.validate().unwrap_err();
    assert_eq!(e.class(), ErrorClass::Usage);
    assert!(e.to_string().contains("allow-insecure"), "{e}");
    let server = || {
        ServerConfig::new()
            .user(User::new("admin", "pw", PrivilegeLevel::Administrator))
            .cipher_suites([0, 3])
    };
    let (r, wire) = transcript(refused.clone(), server());
    assert!(matches!(r, Err(Error::Config(_))) && wire.is_empty());
    // The default offers 17 then 3, never 0.
    let default = ClientConfig::new("admin", "pw");
    let offered: Vec<u8> = default
        .suites_to_offer()
        .unwrap()
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(offered, [17, 3]);
    // With allow_insecure, against a BMC that offers suite 0: it works.
    let (r, _) = transcript(refused.clone().allow_insecure(true), server());
    r.unwrap();
    // A BMC does not offer suite 0 unless configured to.
    assert!(!ServerConfig::new().cipher_suites.contains(&0));
    let default_server =
        ServerConfig::new().user(User::new("admin", "pw", PrivilegeLevel::Administrator));
    let (r, _) = transcript(refused.allow_insecure(true), default_server);
    match r {
        Err(Error::Rejected {
            stage: Stage::OpenSession,
            status,
        }) => assert!(status.is_algorithm_refusal(), "{status}"),
        other => panic!("{other:?}"),
    }
}
