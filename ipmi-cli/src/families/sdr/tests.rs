//! The sdr family's words and fixed texts, without a BMC (the listings
//! are diffed against live ipmitool in tests/sdr_parity.rs).

use super::*;

fn action(words: Words) -> Result<Form, CliError> {
    words.action().map(|a| a.form)
}

#[test]
fn list_words_select_record_types() {
    let f = |which: Option<&str>| {
        action(Words::Sdr {
            command: Some(SdrCommand::Elist {
                which: which.map(str::to_string),
            }),
        })
    };
    assert_eq!(
        f(Some("mcloc")).unwrap(),
        Form::SdrList {
            extended: true,
            select: Select::Records(Filter::McLocator)
        }
    );
    assert!(Filter::Sensors.shows(0x01) && Filter::Sensors.shows(0x02));
    assert!(!Filter::Sensors.shows(0x03) && Filter::All.shows(0xc0));
    assert!(matches!(f(Some("bogus")), Err(CliError::Usage(_))));
}

#[test]
fn sensor_types_by_name_number_or_list() {
    let t = |w: &[&str]| sensor_type_form(&w.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    let by = |code| Form::SdrList {
        extended: true,
        select: Select::SensorType(code),
    };
    assert_eq!(t(&["power", "supply"]), by(0x08));
    assert_eq!(t(&["Temperature"]), by(0x01));
    assert_eq!(t(&["0x23"]), by(0x23));
    assert_eq!(t(&["list"]), Form::TypeList(None));
    assert_eq!(t(&[]), Form::TypeList(None));
    assert_eq!(t(&["Watchdog 2"]), Form::TypeList(Some("Watchdog 2".into())));
}

#[test]
fn entity_words() {
    assert_eq!(
        entity_form("3.2").unwrap(),
        Form::SdrList {
            extended: true,
            select: Select::Entity(3, Some(2))
        }
    );
    assert!(entity_form("0x1d").is_ok());
    assert!(entity_form("3.x").is_err() && entity_form("").is_err());
}

#[test]
fn type_list_is_22_lines_of_two() {
    let text = String::from_utf8(lines::type_list(SENSOR_TYPE_MAX)).unwrap();
    assert_eq!(text.lines().count(), 23);
    assert_eq!(
        text.lines().nth(1).unwrap(),
        "\tTemperature               (0x01)   Voltage                   (0x02)"
    );
}

#[test]
fn info_dates_are_utc() {
    let info = ipmi_core::cmd::SdrRepositoryInfo {
        version: 0x51,
        record_count: 63,
        free_space: 0xfffe,
        last_addition: 1_704_067_200, // 2024-01-01 00:00:00 UTC
        last_erase: 0xffff_ffff,
        operation_support: 0x02,
    };
    let text = String::from_utf8(lines::info(&info)).unwrap();
    assert!(text.contains("Most recent Addition                : 01/01/2024 00:00:00\n"));
    assert!(text.contains("Most recent Erase                   : NA\n"));
    let leap = ipmi_core::cmd::SdrRepositoryInfo {
        last_addition: 951_782_400 + 86_399, // 2000-02-29 23:59:59
        ..info
    };
    let text = String::from_utf8(lines::info(&leap)).unwrap();
    assert!(text.contains(": 02/29/2000 23:59:59\n"), "{text}");
}
