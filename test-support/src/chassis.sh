#!/bin/sh
# ipmi_sim chassis_control hook written by the ipmirs test fixture.
dir=$1; op=$2; shift 2
echo "$op $*" >> "$dir/chassis.log"
power() { if [ -f "$dir/track-power" ]; then echo "$1" > "$dir/power"; fi; }
case "$op" in
get)
    for p in "$@"; do
        case "$p" in
        power) v=$(cat "$dir/power" 2>/dev/null); echo "power:${v:-0}" ;;
        boot) echo "boot:default" ;;
        *) echo "unsupported parameter: $p"; exit 1 ;;
        esac
    done
    ;;
set)
    while [ $# -ge 2 ]; do
        case "$1" in
        power) power "$2" ;;
        shutdown) power 0 ;;
        reset|boot|identify) ;;
        *) echo "unsupported parameter: $1"; exit 1 ;;
        esac
        shift 2
    done
    ;;
*) exit 1 ;;
esac
exit 0
