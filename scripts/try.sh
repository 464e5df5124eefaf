#!/usr/bin/env bash
# Build ipmirs and run `ipmirs try`: a virtual BMC starts inside the process
# on a free loopback UDP port, then `mc info`, `chassis power status` and `sdr list` run
# against it over a real RMCP+ session (cipher suite 17), printing what
# ipmitool prints. Nothing else to install: no BMC, no simulator.
# The same against OpenIPMI's ipmi_sim: scripts/try-ipmisim.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v cargo >/dev/null 2>&1 && [ -x "${CARGO_HOME:-$HOME/.cargo}/bin/cargo" ]; then
    export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
fi

cargo build --release -p ipmi-cli
exec target/release/ipmirs try "$@"
