#!/usr/bin/env bash
# Build ipmirs and run it against a private OpenIPMI ipmi_sim BMC (installed
# by scripts/setup.sh when missing; scripts/try.sh needs no simulator: it
# uses the virtual BMC built into ipmirs):
#   ipmirs -H 127.0.0.1 -p PORT -U admin -P secret lan mc info
#   ipmirs -H 127.0.0.1 -p PORT -U admin -P secret lan chassis power status
# The simulator gets a free loopback UDP port and a fresh state directory,
# and is stopped on exit (also on failure or Ctrl-C).
# Extra arguments replace the two commands: scripts/try-ipmisim.sh raw 0x06 0x01
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v cargo >/dev/null 2>&1 && [ -x "${CARGO_HOME:-$HOME/.cargo}/bin/cargo" ]; then
    export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
fi

bash scripts/setup.sh
cargo build --release -p ipmi-cli
ipmirs="$PWD/target/release/ipmirs"
[ -x "$ipmirs" ] || { echo "try: $ipmirs was not built" >&2; exit 1; }

state=$(mktemp -d "${TMPDIR:-/tmp}/ipmirs-try.XXXXXX")
sim_pid=
cleanup() {
    if [ -n "$sim_pid" ]; then
        kill -CONT "$sim_pid" 2>/dev/null || true
        kill "$sim_pid" 2>/dev/null || true
        wait "$sim_pid" 2>/dev/null || true
    fi
    rm -rf "$state"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# free_port, start_sim_with
source "$(dirname "${BASH_SOURCE[0]}")/lib-udp.sh"

write_config() { # PORT
    # The fixture's chassis hook: accepts every request, power stays off.
    cp test-support/src/chassis.sh "$state/chassis.sh"
    # The same lan.conf as the test fixture and the captured references.
    sed -e "s|@PORT@|$1|" -e "s|@DIR@|$state|g" \
        ipmi-cli/tests/data/ipmitool/lan.conf.in >"$state/lan.conf"
    cat >"$state/sim.emu" <<'EMU'
mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr
sel_enable 0x20 1000 0x0a
sensor_add 0x20 0 0 35 0x6f event-only
mc_enable 0x20
EMU
}

prepare_try() {
    port=$(free_port)
    write_config "$port"
}
start_sim_with prepare_try
echo "try: ipmi_sim (pid $sim_pid) on 127.0.0.1:$port"

run() {
    echo "\$ ipmirs -H 127.0.0.1 -p $port -U admin -P secret lan $*"
    "$ipmirs" -H 127.0.0.1 -p "$port" -U admin -P secret lan "$@"
}

status=0
if [ "$#" -gt 0 ]; then
    run "$@" || status=$?
else
    run mc info || status=$?
    run chassis power status || status=$?
fi
exit "$status"
