//! `mc info` and `chassis power status` through the library, against any
//! RMCP+ BMC; try it with the virtual BMC of `ipmirs serve`:
//!
//! ```text
//! ipmirs serve &                                   # 127.0.0.1:6230, admin/admin
//! cargo run -p ipmi-lanplus --example mc_info -- 127.0.0.1:6230 admin admin [SUITE]
//! ```
//!
//! A SUITE pins the cipher suite (0 too: `allow_insecure` is set for it).

use std::time::Duration;

use ipmi_core::cmd::{GetChassisStatus, GetDeviceId};
use ipmi_core::{Deadline, Transport};
use ipmi_lanplus::{Client, ClientConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:6230".into());
    let user = args.next().unwrap_or_else(|| "admin".into());
    let password = args.next().unwrap_or_else(|| "admin".into());

    // One budget for everything: the session, both commands and the close.
    let deadline = Deadline::from_now(Duration::from_secs(10));
    let mut config = ClientConfig::new(user, password);
    if let Some(suite) = args.next() {
        config = config.cipher_suite(suite.parse()?).allow_insecure(true);
    }
    let mut bmc = Client::connect_by(addr.as_str(), config, deadline)?;
    let id = bmc.execute_by(&GetDeviceId, deadline)?;
    println!("Device ID                 : {}", id.device_id);
    println!(
        "Firmware Revision         : {}.{:02x}",
        id.firmware_major, id.firmware_minor
    );
    println!("Manufacturer ID           : {}", id.manufacturer_id);
    println!("Product ID                : {}", id.product_id);
    let status = bmc.execute_by(&GetChassisStatus, deadline)?;
    println!(
        "Chassis Power is {}",
        if status.power_on() { "on" } else { "off" }
    );
    eprintln!("{:?}", bmc.session().stats());
    bmc.close_by(deadline)?;
    Ok(())
}
