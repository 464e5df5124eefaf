#!/usr/bin/env bash
# Capture what ipmitool 1.8.19 prints against ipmi_sim, as reference data for
# the ipmirs CLI tests. Every case runs against its own fresh ipmi_sim
# (private UDP port and state directory), configured like the Rust fixture
# test-support/src/ipmisim.rs (keep the two in sync).
#
# Usage: scripts/capture-ipmitool-refs.sh [OUTDIR]
#        (default OUTDIR: ipmi-cli/tests/data/ipmitool)
#
# For a case NAME it writes into OUTDIR:
#   NAME.args    ipmitool's arguments, one per line; ${PORT} stands for the port
#   NAME.stdout  NAME.stderr  exactly what ipmitool wrote
#   NAME.rc      its exit status
#   NAME.time    wall time in seconds (only for the timing cases)
#   NAME.emu     the ipmi_sim command file (only when it is not default.emu)
# plus default.emu, lan.conf.in (the configuration, PORT/DIR as placeholders)
# and CAPTURED-WITH (tool versions).
#
# ipmitool runs with LC_ALL=C and an empty HOME, so the manufacturer names come
# from /usr/share/misc/enterprise-numbers.txt (shipped by Debian's ipmitool).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

out=${1:-ipmi-cli/tests/data/ipmitool}
bash scripts/setup.sh >&2
mkdir -p "$out"

# free_port, ipmitool_1_8_19, stop_sim, start_sim_with
source "$(dirname "${BASH_SOURCE[0]}")/lib-udp.sh"

version=$(ipmitool_1_8_19)
work=$(mktemp -d "${TMPDIR:-/tmp}/ipmirs-capture.XXXXXX")
sim_pid=
cleanup() { stop_sim; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- simulator

# Same users, GUID, chassis hook and emu as the Rust fixture.
cat >"$out/lan.conf.in" <<'CONF'
name "ipmirs-sim"
set_working_mc 0x20
  startlan 1
    addr 127.0.0.1 @PORT@
    priv_limit admin
    allowed_auths_callback none md2 md5 straight
    allowed_auths_user none md2 md5 straight
    allowed_auths_operator none md2 md5 straight
    allowed_auths_admin none md2 md5 straight
    guid a123456789abcdefa123456789abcdef
  endlan
  chassis_control "/bin/sh @DIR@/chassis.sh @DIR@"
  user 2 true "admin" "secret" admin 10 none md2 md5 straight
  user 3 true "oper" "operpw" operator 10 none md2 md5 straight
  user 4 true "user" "userpw" user 10 none md2 md5 straight
CONF

cat >"$out/default.emu" <<'EMU'
mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr
sel_enable 0x20 1000 0x0a
sensor_add 0x20 0 0 35 0x6f event-only
mc_add_fru_data 0x20 0 0x20 data 0x00 0x01 0x02 0x03 0x04 0x05 0x06 0x07 0x08 0x09 0x0a 0x0b 0x0c 0x0d 0x0e 0x0f 0x10 0x11 0x12 0x13 0x14 0x15 0x16 0x17 0x18 0x19 0x1a 0x1b 0x1c 0x1d 0x1e 0x1f
mc_enable 0x20
EMU

# The fixture's chassis hook (test-support/src/chassis.sh), in its default
# mode: every request is accepted, the power stays off (no track-power file).
chassis_hook() {
    cat test-support/src/chassis.sh
}


# start_sim EMUFILE: a fresh simulator; sets $port, $sim_pid, $state.
start_sim() {
    sim_emu=$1
    start_sim_with prepare_sim
}
prepare_sim() {
    state=$(mktemp -d "$work/sim.XXXXXX")
    port=$(free_port)
    chassis_hook >"$state/chassis.sh"
    echo 0 >"$state/power"
    sed -e "s|@PORT@|$port|g" -e "s|@DIR@|$state|g" "$out/lan.conf.in" >"$state/lan.conf"
    cp "$sim_emu" "$state/sim.emu"
}

# -------------------------------------------------------------------- cases

ADMIN=(-U admin -P secret -C 3)
OPER=(-U oper -P operpw -L OPERATOR -C 3)
USER=(-U user -P userpw -L USER -C 3)

# capture NAME [--emu FILE] [--freeze] [--time] -- IPMITOOL-ARGS...
# The arguments after -- follow "-I lanplus -H 127.0.0.1 -p PORT".
capture() {
    local name=$1 emu="$out/default.emu" freeze=0 timed=0
    shift
    while [ "$1" != -- ]; do
        case "$1" in
        --emu) emu=$2; shift 2 ;;
        --freeze) freeze=1; timed=1; shift ;;
        --time) timed=1; shift ;;
        *) echo "capture: bad option $1" >&2; exit 1 ;;
        esac
    done
    shift
    local args=(-I lanplus -H 127.0.0.1 -p "\${PORT}" "$@")
    printf '%s\n' "${args[@]}" >"$out/$name.args"

    start_sim "$emu"
    args=(-I lanplus -H 127.0.0.1 -p "$port" "$@")
    mkdir -p "$work/home"
    [ "$freeze" = 1 ] && kill -STOP "$sim_pid"
    local t0 t1 rc=0
    t0=$(date +%s%N)
    env -i PATH="$PATH" HOME="$work/home" LC_ALL=C \
        ipmitool "${args[@]}" </dev/null >"$out/$name.stdout" 2>"$out/$name.stderr" || rc=$?
    t1=$(date +%s%N)
    stop_sim
    echo "$rc" >"$out/$name.rc"
    if [ "$timed" = 1 ]; then
        awk -v ns=$((t1 - t0)) 'BEGIN { printf "%.2f\n", ns / 1e9 }' >"$out/$name.time"
    else
        rm -f "$out/$name.time"
    fi
    if [ "$emu" != "$out/default.emu" ] && [ "$emu" != "$out/$name.emu" ]; then
        cp "$emu" "$out/$name.emu"
    fi
    printf '%-32s rc=%s\n' "$name" "$rc" >&2
}

# identity EMUNAME MC_ADD_ARGS: a command file like default.emu, another mc_add.
identity() {
    local f="$work/$1.emu"
    sed "s|^mc_add 0x20 .*|mc_add 0x20 $2|" "$out/default.emu" >"$f"
    echo "$f"
}

# mc
capture mc_info -- "${ADMIN[@]}" mc info
capture mc_reset_cold -- "${ADMIN[@]}" mc reset cold
capture mc_reset_warm -- "${ADMIN[@]}" mc reset warm
# The same Get Device ID answer with other identities (numbers in mc_add are
# C literals: 343 decimal, 0x28 hex).
capture mc_info_intel --emu "$(identity mc_info_intel '0x20 has-device-sdrs 0x05 0x12 0x34 0xff 343 0x28')" \
    -- "${ADMIN[@]}" mc info
capture mc_info_zero --emu "$(identity mc_info_zero '0 no-device-sdrs 0 0 0 0 0 0')" \
    -- "${ADMIN[@]}" mc info
capture mc_info_unknown_mfr --emu "$(identity mc_info_unknown_mfr '0x81 no-device-sdrs 0x0f 0x7f 0x0a 0x80 0xffffe 0xffff')" \
    -- "${ADMIN[@]}" mc info
capture mc_info_dell --emu "$(identity mc_info_dell '0x20 no-device-sdrs 0x01 3 0x30 0xbf 674 0x100')" \
    -- "${ADMIN[@]}" mc info

# chassis
capture chassis_status -- "${ADMIN[@]}" chassis status
capture chassis_power_status -- "${ADMIN[@]}" chassis power status
for action in on off cycle reset soft; do
    capture "chassis_power_$action" -- "${ADMIN[@]}" chassis power "$action"
done
capture chassis_power_diag -- "${ADMIN[@]}" chassis power diag

# raw
capture raw_get_device_id -- "${ADMIN[@]}" raw 0x06 0x01
capture raw_warm_reset_refused -- "${ADMIN[@]}" raw 0x06 0x03
capture raw_chassis_status -- "${ADMIN[@]}" raw 0x00 0x01
capture raw_chassis_control_empty -- "${ADMIN[@]}" raw 0x00 0x02 0x01
capture raw_read_fru_15 -- "${ADMIN[@]}" raw 0x0a 0x11 0x00 0x00 0x00 0x0f
capture raw_read_fru_32 -- "${ADMIN[@]}" raw 0x0a 0x11 0x00 0x00 0x00 0x20
capture raw_netfn_name -- "${ADMIN[@]}" raw application 1
capture raw_cc_request_data_length -- "${ADMIN[@]}" raw 0x00 0x02
capture raw_cc_record_not_found -- "${ADMIN[@]}" raw 0x0a 0x43 0x00 0x00 0x99 0x99 0x00 0xff
capture raw_bad_cmd -- "${ADMIN[@]}" raw 0x06 0xZZ
capture raw_bad_netfn -- "${ADMIN[@]}" raw app 0x01
capture raw_bad_data -- "${ADMIN[@]}" raw 0x06 0x01 0x100
capture raw_too_few_args -- "${ADMIN[@]}" raw 0x06
capture raw_no_args -- "${ADMIN[@]}" raw

# privileges
capture user_mc_reset_cold -- "${USER[@]}" mc reset cold
capture user_chassis_power_off -- "${USER[@]}" chassis power off
capture user_chassis_power_status -- "${USER[@]}" chassis power status
capture user_raw_cold_reset -- "${USER[@]}" raw 0x06 0x02
capture operator_chassis_power_on -- "${OPER[@]}" chassis power on
capture admin_raw_cold_reset -- "${ADMIN[@]}" raw 0x06 0x02

# session failures
capture wrong_password -- -U admin -P wrong -C 3 mc info
capture unknown_user -- -U nobody -P secret -C 3 mc info
capture cipher_suite_17 -- -U admin -P secret -C 17 mc info
capture frozen_bmc --freeze -- -N 1 -R 1 "${ADMIN[@]}" mc info

{
    echo "$version"
    echo "ipmi_sim from openipmi $(dpkg-query -W -f='${Version}' openipmi 2>/dev/null || echo '?')"
    echo "enterprise-numbers.txt from ipmitool $(dpkg-query -W -f='${Version}' ipmitool 2>/dev/null || echo '?'), $(sed -n 's/^(last updated \(.*\))$/last updated \1/p' /usr/share/misc/enterprise-numbers.txt 2>/dev/null | head -1)"
} >"$out/CAPTURED-WITH"
echo "capture: wrote $(ls "$out"/*.rc | wc -l) cases to $out" >&2
