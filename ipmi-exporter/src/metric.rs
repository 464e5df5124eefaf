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
