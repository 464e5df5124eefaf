use super::*;

fn r(cmd: &str) -> String {
    let argv: Vec<String> = cmd.split(' ').map(str::to_string).collect();
    redact(&argv).join(" ")
}

#[test]
fn ipmitool_secrets() {
    for (given, shown) in [
        (
            "ipmitool -I lanplus -H h -U admin -P hunter2 mc info",
            "ipmitool -I lanplus -H h -U admin -P *** mc info",
        ),
        (
            "/usr/bin/ipmitool -Phunter2 mc info",
            "/usr/bin/ipmitool -P*** mc info",
        ),
        ("ipmitool -vvPhunter2 -H h", "ipmitool -vvP*** -H h"),
        (
            "ipmitool -k kgkey -y 0a0b -K -E",
            "ipmitool -k *** -y *** -K -E",
        ),
        ("ipmitool -kkgkey -y0a0b", "ipmitool -k*** -y***"),
        // -H takes the rest of its cluster: no -P in `-HPx`.
        ("ipmitool -HPhost mc info", "ipmitool -HPhost mc info"),
        ("ipmievd -P pw sel", "ipmievd -P *** sel"),
        // A trailing -P with no value has nothing to hide.
        ("ipmitool -P", "ipmitool -P"),
        ("ipmitool -- -P x", "ipmitool -- -P x"),
    ] {
        assert_eq!(r(given), shown, "{given}");
    }
}

#[test]
fn freeipmi_secrets() {
    for (given, shown) in [
        (
            "bmc-info -h h -u admin -p hunter2 -k kg",
            "bmc-info -h h -u admin -p *** -k ***",
        ),
        ("ipmi-sensors -phunter2", "ipmi-sensors -p***"),
        (
            "ipmi-sel --password=hunter2 --k-g=kg",
            "ipmi-sel --password=*** --k-g=***",
        ),
        (
            "ipmipower --password hunter2 --k-g kg --on",
            "ipmipower --password *** --k-g *** --on",
        ),
        // -P and -K prompt: no value; the next word stays.
        ("ipmi-sensors -P -K -h h", "ipmi-sensors -P -K -h h"),
    ] {
        assert_eq!(r(given), shown, "{given}");
    }
}

#[test]
fn ipmirs_and_other_secrets() {
    for (given, shown) in [
        (
            "ipmirs serve --listen 127.0.0.1:46001 --user a:b:ADMINISTRATOR",
            "ipmirs serve --listen 127.0.0.1:46001 --user a:***:ADMINISTRATOR",
        ),
        (
            "ipmirs serve --user=op:pa:ss:operator --user anon:x",
            "ipmirs serve --user=op:***:operator --user anon:***",
        ),
        (
            "ipmirs -H h -U u -Pw mc info",
            "ipmirs -H h -U u -P*** mc info",
        ),
        (
            "ipmiutil health -N h -U u -R pw",
            "ipmiutil health -N h -U u -R ***",
        ),
        (
            "ipmitool IPMI_PASSWORD=hunter2 -E mc info",
            "ipmitool IPMI_PASSWORD=*** -E mc info",
        ),
        (
            "ipmi_exporter --password=x --config.file=/etc/ipmi.yml",
            "ipmi_exporter --password=*** --config.file=/etc/ipmi.yml",
        ),
        (
            "env IPMI_KGKEY=abc ipmitool -K",
            "env IPMI_KGKEY=*** ipmitool -K",
        ),
        // Not secrets.
        ("ipmitool raw 0x06 0x01 A=b", "ipmitool raw 0x06 0x01 A=b"),
        (
            "ipmi_sim -c /etc/lan.conf -n",
            "ipmi_sim -c /etc/lan.conf -n",
        ),
    ] {
        assert_eq!(r(given), shown, "{given}");
    }
    assert!(redact(&[]).is_empty());
}
