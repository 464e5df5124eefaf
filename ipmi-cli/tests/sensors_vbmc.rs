//! Issue 12 on the virtual BMC (`ipmirs serve`): its SDR repository and
//! live sensors read by ipmirs and by live `ipmitool` 1.8.19, byte for
//! byte. With chassis power off every reading of the virtual BMC is
//! constant (threshold sensors with values, unavailable fans and rails,
//! discrete states, MC and FRU locators), so the two runs see the same
//! values whatever time passes between them. (`sensor reading FAN1` is
//! left out: ipmirs exits 1 for a sensor without a reading, ipmitool 0.)

mod common;

use common::serve::Serve;
use common::{assert_same, both};

/// Listing forms compared on the powered-off virtual BMC.
const FORMS: &[&[&str]] = &[
    &["sdr", "list"],
    &["sdr", "list", "all"],
    &["sdr", "elist"],
    &["sdr", "elist", "all"],
    &["sdr", "list", "fru"],
    &["sdr", "list", "mcloc"],
    &["sdr", "type", "Fan"],
    &["sdr", "type", "Voltage"],
    &["sdr", "entity", "29"],
    &["sensor", "list"],
    &["sensor", "reading", "CPU Temp", "3.3V", "PS1 Status"],
    &["-c", "sdr", "list"],
    &["-c", "sensor", "list"],
];

#[test]
fn sdr_and_sensor_forms_match_ipmitool_on_the_virtual_bmc() {
    let bmc = Serve::start(&["--user", "admin:secret"]);
    for command in FORMS {
        let (mine, theirs) = both(bmc.port, command);
        theirs.expect_code(0);
        assert_same(command, &mine, &theirs);
    }
    let (mine, _) = both(bmc.port, &["sdr", "elist", "all"]);
    let text = mine.stdout_str();
    assert!(
        text.contains("FAN1             | 10h | ns  | 29.1 | No Reading\n"),
        "{text}"
    );
    assert!(text.contains("PS1 FRU "), "{text}");
}
