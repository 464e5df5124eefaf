#!/usr/bin/env bash
# Benchmarks: builds the release binaries, runs the criterion benchmarks
# (short measurement times), then the comparison runner, which measures
# ipmirs against ipmitool (and FreeIPMI's ipmipower) on the same BMCs and
# writes BENCHMARKS.md and benches/fleet-sweep.svg. Needs the test peers
# (scripts/setup.sh installs them). Loopback only; about 3 minutes on a
# 2-core machine after the build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v cargo >/dev/null 2>&1 && [ -x "${CARGO_HOME:-$HOME/.cargo}/bin/cargo" ]; then
    export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
fi
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

bash scripts/setup.sh
cargo build --release -p ipmi-cli -p ipmirs-benches
# criterion: ~2 s per benchmark; compare reads target/criterion/*/new/estimates.json.
cargo bench -p ipmirs-benches --bench packet --bench handshake --bench command -- \
    --warm-up-time 0.5 --measurement-time 1.5 --noplot
exec target/release/compare "$@"
