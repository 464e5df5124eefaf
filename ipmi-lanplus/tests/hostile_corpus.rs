//! Replays the fuzz corpus (`fuzz/corpus/TARGET/*`) of every target of
//! `ipmi_lanplus::fuzzing` through the same entry points the fuzz targets
//! call, on the stable toolchain, so `cargo test` covers what fuzzing
//! found: no input may panic. The seed inputs run too: the captured
//! datagrams of `tests/data/*.hex`, cut the way each parser target reads
//! them, and the harness's own genuine exchanges for the session targets;
//! `cargo test -p ipmi-lanplus --test hostile_corpus -- --ignored` writes
//! them to `fuzz/corpus/TARGET/seed-*` for libFuzzer.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use ipmi_lanplus::fuzzing;
use ipmi_lanplus::packet::{classify, Datagram};
use ipmi_lanplus::wire::asf::{AsfPing, AsfPong, ASF_IANA};
use ipmi_lanplus::wire::rmcp::RmcpHeader;
use ipmi_lanplus::wire::session_v20::PayloadType;
use sha1::{Digest, Sha1};

fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus")
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    v.sort();
    v
}

#[test]
fn every_corpus_input_replays_without_panic() {
    let t0 = Instant::now();
    let root = corpus_root();
    let mut counts = BTreeMap::new();
    for dir in files_and_dirs(&root) {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        // Targets of other crates (ipmi-kcs) have their own corpora here.
        let Some(run) = fuzzing::target(&name) else {
            continue;
        };
        let inputs = files(&dir);
        for path in &inputs {
            let data = fs::read(path).unwrap();
            let result = std::panic::catch_unwind(|| run(&data));
            assert!(result.is_ok(), "{} panics", path.display());
        }
        counts.insert(name, inputs.len());
    }
    for (name, _) in fuzzing::TARGETS {
        assert!(
            counts.get(*name).is_some_and(|&n| n > 0),
            "fuzz target {name} has no corpus in fuzz/corpus/{name}"
        );
    }
    eprintln!("replayed {counts:?} in {:?}", t0.elapsed());
}

fn files_and_dirs(root: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

#[test]
fn every_target_has_a_fuzz_target_file() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/fuzz_targets");
    let manifest = fs::read_to_string(dir.join("../Cargo.toml")).unwrap();
    for (name, _) in fuzzing::TARGETS {
        let src = fs::read_to_string(dir.join(format!("{name}.rs")))
            .unwrap_or_else(|e| panic!("fuzz/fuzz_targets/{name}.rs: {e}"));
        assert!(
            src.contains(&format!("fuzzing::{name}(")),
            "fuzz/fuzz_targets/{name}.rs must call ipmi_lanplus::fuzzing::{name}"
        );
        assert!(
            manifest.contains(&format!("name = \"{name}\"")),
            "fuzz/Cargo.toml lacks the [[bin]] {name}"
        );
    }
}

// ----- seeds ------------------------------------------------------------------

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

/// Every datagram of the captures, in order.
fn captured() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut out = Vec::new();
    for path in files(&dir) {
        if path.extension().and_then(|e| e.to_str()) != Some("hex") {
            continue;
        }
        for line in fs::read_to_string(&path).unwrap().lines() {
            if let Some(hex) = line.strip_prefix("> ").or_else(|| line.strip_prefix("< ")) {
                out.push(unhex(hex.trim()));
            }
        }
    }
    out
}

/// Seed inputs per parser target, cut from the captures.
fn parser_seeds() -> Vec<(&'static str, Vec<u8>)> {
    let mut out = Vec::new();
    let mut ping = Vec::new();
    RmcpHeader::asf().emit(&mut ping);
    AsfPing { tag: 7 }.emit(&mut ping);
    let mut pong = Vec::new();
    RmcpHeader::asf().emit(&mut pong);
    AsfPong {
        tag: 7,
        iana: ASF_IANA,
        oem: 0,
        supported_entities: 0x81,
        supported_interactions: 0,
    }
    .emit(&mut pong);
    for d in [ping, pong] {
        out.push(("asf", d.clone()));
        out.push(("rmcp_packet", d));
    }
    for d in captured() {
        out.push(("rmcp_packet", d.clone()));
        out.push(("rmcp_header", d.clone()));
        out.push(("unprotect", d.clone()));
        match classify(&d) {
            Ok(Datagram::V15(s)) => {
                out.push(("session_v15", d.clone()));
                out.push(("lan_message", s.payload.to_vec()));
                if let Some(body) = s.payload.get(6..s.payload.len() - 1) {
                    let mut input = vec![body.first().copied().unwrap_or(0), 0];
                    input.extend_from_slice(body.get(1..).unwrap_or(&[]));
                    out.push(("command_response", input));
                }
            }
            Ok(Datagram::V20 { header, payload }) => {
                out.push(("session_v20", d.clone()));
                let target = match header.payload_type {
                    PayloadType::OpenSessionRequest | PayloadType::OpenSessionResponse => {
                        "open_session"
                    }
                    PayloadType::Rakp1
                    | PayloadType::Rakp2
                    | PayloadType::Rakp3
                    | PayloadType::Rakp4 => "rakp",
                    _ if !header.encrypted => "lan_message",
                    _ => continue,
                };
                out.push((target, payload.to_vec()));
            }
            _ => {}
        }
    }
    for text in [
        "admin:secret",
        "op:pw:with:colons:OPERATOR",
        "127.0.0.1:6230-6239",
        "[::1]:623",
        "0.0.0.0",
        "1,2,3,15,16,17",
        "ADMINISTRATOR",
        "cycle",
    ] {
        out.push(("text_parsers", text.as_bytes().to_vec()));
    }
    // Get Device ID, Get Chassis Status and Send Message answers.
    for input in [
        &[
            0x00u8, 0, 0x20, 0x01, 0x01, 0x00, 0x02, 0x80, 0, 0, 0, 0x01, 0x00,
        ][..],
        &[0x00, 0, 0x21, 0x10, 0x00, 0x40][..],
        &[0xc1, 0][..],
        &[0x00, 0, 0x0e, 0x00, 0x80][..],
        &[0x00, 0, 0xc0, 0x11, 0x03, 0x44, 0x81][..],
    ] {
        out.push(("command_response", input.to_vec()));
    }
    out
}

#[test]
fn every_seed_runs_without_panic() {
    let mut seeds = parser_seeds();
    seeds.extend(fuzzing::seeds());
    for (target, data) in seeds {
        let run = fuzzing::target(target).expect("a target of that name");
        let result = std::panic::catch_unwind(|| run(&data));
        assert!(result.is_ok(), "{target}: seed {data:02x?} panics");
    }
}

/// Writes every seed as `fuzz/corpus/TARGET/seed-SHA1PREFIX` (the only
/// corpus files kept in git; what libFuzzer adds stays local).
#[test]
#[ignore = "writes fuzz/corpus: run by scripts/fuzz.sh or by hand"]
fn write_seed_corpus() {
    let root = corpus_root();
    let mut seeds = parser_seeds();
    seeds.extend(fuzzing::seeds());
    let mut written = 0;
    for (target, data) in seeds {
        assert!(fuzzing::target(target).is_some(), "{target}");
        let dir = root.join(target);
        fs::create_dir_all(&dir).unwrap();
        let digest = Sha1::digest(&data);
        let name: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        let path = dir.join(format!("seed-{name}"));
        if !path.exists() {
            fs::write(&path, &data).unwrap();
            written += 1;
        }
    }
    eprintln!("wrote {written} new seed files under {}", root.display());
}
