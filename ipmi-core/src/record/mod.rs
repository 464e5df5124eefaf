//! Record decoders (SDR; IPMI 2.0 §43), written with `nom`.

pub mod sdr;
