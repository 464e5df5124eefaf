//! `raw` as ipmitool 1.8.19 prints a successful answer: each data byte as
//! " %02x", a line break after every 16, and a final newline (so an empty
//! answer prints one empty line).

/// The response data bytes (completion code excluded).
pub fn response(data: &[u8]) -> Vec<u8> {
    let mut o = Vec::with_capacity(data.len() * 3 + data.len() / 16 + 1);
    for (i, b) in data.iter().enumerate() {
        if i % 16 == 0 && i != 0 {
            o.push(b'\n');
        }
        o.extend_from_slice(format!(" {b:02x}").as_bytes());
    }
    o.push(b'\n');
    o
}
