//! `cargo run --example mc_info -- HOST:PORT USER PASSWORD [SUITE]`: Get
//! Device ID over RMCP+ with the blocking client.

use ipmi_core::{cmd::GetDeviceId, Transport};
use ipmi_lanplus::{Client, ClientConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, addr, user, password, rest @ ..] = &args[..] else {
        return Err("usage: mc_info HOST:PORT USER PASSWORD [SUITE]".into());
    };
    let mut config = ClientConfig::new(user.as_bytes(), password.as_bytes());
    if let Some(suite) = rest.first() {
        config = config.cipher_suite(suite.parse()?).allow_insecure(true);
    }
    let mut client = Client::connect(addr.as_str(), config)?;
    let id = client.execute(&GetDeviceId)?;
    println!("{id:#?}");
    println!("{:?}", client.session().stats());
    client.close()?;
    Ok(())
}
