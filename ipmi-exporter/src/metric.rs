//! The exporter's metric families (names, help texts as the Prometheus
//! IPMI exporter writes them) and one sample of them.

/// A metric family: every sample of it is a gauge.
#[derive(Debug, PartialEq, Eq)]
pub struct Family {
    /// The metric name.
    pub name: &'static str,
    /// The help text, as the Go exporter has it.
    pub help: &'static str,
}

/// One sample: family, labels in the family's order, value.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// Its family.
    pub family: &'static Family,
    /// Label name and value pairs.
    pub labels: Vec<(&'static str, String)>,
    /// The value (NaN for no reading).
    pub value: f64,
}

impl Sample {
    /// A sample without labels.
    pub fn plain(family: &'static Family, value: f64) -> Sample {
        Sample {
            family,
            labels: Vec::new(),
            value,
        }
    }

    /// A sample without labels: 1 when `on`, else 0.
    pub fn flag(family: &'static Family, on: bool) -> Sample {
        Sample::plain(family, if on { 1.0 } else { 0.0 })
    }
}

/// `ipmi_up{collector}`.
pub static UP: Family = Family {
    name: "ipmi_up",
    help: "'1' if a scrape of the IPMI device was successful, '0' otherwise.",
};

/// `ipmi_scrape_duration_seconds`.
pub static SCRAPE_DURATION: Family = Family {
    name: "ipmi_scrape_duration_seconds",
    help: "Returns how long the scrape took to complete in seconds.",
};

/// `ipmi_bmc_info{firmware_revision,manufacturer_id,system_firmware_version,bmc_url}`.
pub static BMC_INFO: Family = Family {
    name: "ipmi_bmc_info",
    help: "Constant metric with value '1' providing details about the BMC.",
};

/// `ipmi_chassis_power_state`.
pub static CHASSIS_POWER: Family = Family {
    name: "ipmi_chassis_power_state",
    help: "Current power state (1=on, 0=off).",
};

/// `ipmi_chassis_drive_fault_state`.
pub static CHASSIS_DRIVE_FAULT: Family = Family {
    name: "ipmi_chassis_drive_fault_state",
    help: "Current drive fault state (1=false, 0=true).",
};

/// `ipmi_chassis_cooling_fault_state`.
pub static CHASSIS_COOLING_FAULT: Family = Family {
    name: "ipmi_chassis_cooling_fault_state",
    help: "Current Cooling/fan fault state (1=false, 0=true).",
};

/// `ipmi_dcmi_power_consumption_watts`.
pub static DCMI_POWER: Family = Family {
    name: "ipmi_dcmi_power_consumption_watts",
    help: "Current power consumption in Watts.",
};

/// `ipmi_bmc_watchdog_timer_state`.
pub static WATCHDOG_TIMER: Family = Family {
    name: "ipmi_bmc_watchdog_timer_state",
    help: "Watchdog timer running (1: running, 0: stopped)",
};

/// `ipmi_bmc_watchdog_timer_use_state{name}`.
pub static WATCHDOG_TIMER_USE: Family = Family {
    name: "ipmi_bmc_watchdog_timer_use_state",
    help: "Watchdog timer use (1: active, 0: inactive)",
};

/// `ipmi_bmc_watchdog_logging_state`.
pub static WATCHDOG_LOGGING: Family = Family {
    name: "ipmi_bmc_watchdog_logging_state",
    help: "Watchdog log flag (1: Enabled, 0: Disabled / note: reverse of freeipmi)",
};

/// `ipmi_bmc_watchdog_timeout_action_state{action}`.
pub static WATCHDOG_TIMEOUT_ACTION: Family = Family {
    name: "ipmi_bmc_watchdog_timeout_action_state",
    help: "Watchdog timeout action (1: active, 0: inactive)",
};

/// `ipmi_bmc_watchdog_pretimeout_interrupt_state{interrupt}`.
pub static WATCHDOG_PRETIMEOUT_INTERRUPT: Family = Family {
    name: "ipmi_bmc_watchdog_pretimeout_interrupt_state",
    help: "Watchdog pre-timeout interrupt (1: active, 0: inactive)",
};

/// `ipmi_bmc_watchdog_pretimeout_interval_seconds`.
pub static WATCHDOG_PRETIMEOUT_INTERVAL: Family = Family {
    name: "ipmi_bmc_watchdog_pretimeout_interval_seconds",
    help: "Watchdog pre-timeout interval in seconds",
};

/// `ipmi_bmc_watchdog_initial_countdown_seconds`.
pub static WATCHDOG_INITIAL_COUNTDOWN: Family = Family {
    name: "ipmi_bmc_watchdog_initial_countdown_seconds",
    help: "Watchdog initial countdown in seconds",
};

/// `ipmi_bmc_watchdog_current_countdown_seconds` (the exporter's help text
/// is the initial countdown's).
pub static WATCHDOG_CURRENT_COUNTDOWN: Family = Family {
    name: "ipmi_bmc_watchdog_current_countdown_seconds",
    help: "Watchdog initial countdown in seconds",
};

/// `ipmi_config_lan_mode`.
pub static LAN_MODE: Family = Family {
    name: "ipmi_config_lan_mode",
    help: "Returns configured LAN mode (0=dedicated, 1=shared, 2=failover).",
};

macro_rules! families {
    ($($(#[$doc:meta])* $id:ident = $name:literal, $help:literal;)*) => {
        $($(#[$doc])* pub static $id: Family = Family { name: $name, help: $help };)*
    };
}

families! {
    /// `ipmi_fan_speed_rpm{id,name}`.
    FAN_SPEED_RPM = "ipmi_fan_speed_rpm", "Fan speed in rotations per minute.";
    /// `ipmi_fan_speed_ratio{id,name}`.
    FAN_SPEED_RATIO = "ipmi_fan_speed_ratio", "Fan speed as a proportion of the maximum speed.";
    /// `ipmi_fan_speed_state{id,name}`.
    FAN_SPEED_STATE = "ipmi_fan_speed_state", "Reported state of a fan speed sensor (0=nominal, 1=warning, 2=critical).";
    /// `ipmi_temperature_celsius{id,name}`.
    TEMPERATURE = "ipmi_temperature_celsius", "Temperature reading in degree Celsius.";
    /// `ipmi_temperature_state{id,name}`.
    TEMPERATURE_STATE = "ipmi_temperature_state", "Reported state of a temperature sensor (0=nominal, 1=warning, 2=critical).";
    /// `ipmi_current_amperes{id,name}`.
    CURRENT = "ipmi_current_amperes", "Current reading in Amperes.";
    /// `ipmi_current_state{id,name}`.
    CURRENT_STATE = "ipmi_current_state", "Reported state of a current sensor (0=nominal, 1=warning, 2=critical).";
    /// `ipmi_voltage_volts{id,name}`.
    VOLTAGE = "ipmi_voltage_volts", "Voltage reading in Volts.";
    /// `ipmi_voltage_state{id,name}`.
    VOLTAGE_STATE = "ipmi_voltage_state", "Reported state of a voltage sensor (0=nominal, 1=warning, 2=critical).";
    /// `ipmi_power_watts{id,name}`.
    POWER = "ipmi_power_watts", "Power reading in Watts.";
    /// `ipmi_power_state{id,name}`.
    POWER_STATE = "ipmi_power_state", "Reported state of a power sensor (0=nominal, 1=warning, 2=critical).";
    /// `ipmi_sensor_value{id,name,type}`.
    SENSOR_VALUE = "ipmi_sensor_value", "Generic data read from an IPMI sensor of unknown type, relying on labels for context.";
    /// `ipmi_sensor_state{id,name,type}`.
    SENSOR_STATE = "ipmi_sensor_state", "Indicates the severity of the state reported by an IPMI sensor (0=nominal, 1=warning, 2=critical).";
    /// `ipmi_sel_logs_count`.
    SEL_LOGS_COUNT = "ipmi_sel_logs_count", "Current number of log entries in the SEL.";
    /// `ipmi_sel_free_space_bytes`.
    SEL_FREE_SPACE = "ipmi_sel_free_space_bytes", "Current free space remaining for new SEL entries.";
}
