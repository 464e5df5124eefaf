//! `chassis power status` on many BMCs at once (`ipmi_lanplus::fleet`,
//! inside tokio with `run_async`); try it with a range of virtual BMCs:
//!
//! ```text
//! ipmirs serve --listen 127.0.0.1:6230-6239 &
//! cargo run -p ipmi-lanplus --example fleet -- 127.0.0.1:6230-6239 admin admin
//! ```

use std::time::Duration;

use ipmi_core::cmd::GetChassisStatus;
use ipmi_lanplus::fleet::{self, Options};
use ipmi_lanplus::ClientConfig;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let list = args.next().unwrap_or_else(|| "127.0.0.1:6230".into());
    let user = args.next().unwrap_or_else(|| "admin".into());
    let password = args.next().unwrap_or_else(|| "admin".into());

    let shared = ClientConfig::new(user, password);
    let hosts: Vec<fleet::Host> = fleet::parse_host_list(&list)?
        .iter()
        .map(|spec| spec.to_host(&shared, 623))
        .collect();
    let options = Options::default()
        .fanout(64)
        .timeout(Duration::from_secs(5));
    let summary = fleet::run_async(hosts, &options, GetChassisStatus, |r| match &r.result {
        Ok(s) => println!(
            "{}: Chassis Power is {}",
            r.label,
            if s.power_on() { "on" } else { "off" }
        ),
        Err(e) => eprintln!("{}: {e}", r.label),
    })
    .await;
    eprintln!(
        "{} of {} hosts answered in {:?}",
        summary.ok, summary.hosts, summary.elapsed
    );
    if summary.ok == summary.hosts {
        Ok(())
    } else {
        Err("some hosts failed".into())
    }
}
