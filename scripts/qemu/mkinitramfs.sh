#!/usr/bin/env bash
# Build a gzip'ed newc initramfs that runs ONE statically linked program in a
# QEMU guest booted on the kernel prepared by scripts/qemu/setup.sh:
#
#   mkinitramfs.sh --out FILE --program STATIC_BINARY [--no-modules]
#                  [--file SRC=/DEST]... [-- ARG...]
#
# The guest's /init (busybox sh):
#   1. installs the busybox applets, mounts proc, sysfs and devtmpfs;
#   2. unless --no-modules: insmods ipmi_msghandler, ipmi_devintf, ipmi_si (in
#      that order) and waits up to 5 s for /dev/ipmi0;
#   3. runs /prog with the ARGs (kept one per line in /args, so they may hold
#      spaces), stdin/stdout/stderr on the serial console;
#   4. prints `IPMIRS-EXIT rc=N` and powers off.
# Lines it prints itself start with `IPMIRS-` (IPMIRS-BOOT, IPMIRS-INSMOD,
# IPMIRS-DEVICE, IPMIRS-EXIT), so a host can find them in the console output.
# --file copies any further host file into the image (e.g. data for /prog).
#
# Environment: IPMIRS_QEMU_DIR, the cache of setup.sh (default <repo>/target/qemu).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cache=${IPMIRS_QEMU_DIR:-$repo/target/qemu}
die() { echo "mkinitramfs: $*" >&2; exit 1; }

out= program= modules=1 files=()
while [ $# -gt 0 ]; do
    case "$1" in
    --out) out=$2; shift 2 ;;
    --program) program=$2; shift 2 ;;
    --no-modules) modules=; shift ;;
    --file) files+=("$2"); shift 2 ;;
    --) shift; break ;;
    *) die "unknown option $1 (usage: --out FILE --program BIN [--no-modules] [--file SRC=/DEST]... [-- ARG...])" ;;
    esac
done
[ -n "$out" ] || die "--out is required"
[ -n "$program" ] || die "--program is required"
[ -x "$program" ] || die "$program is not an executable file"
[ -x "$cache/busybox" ] || die "$cache/busybox missing: run scripts/qemu/setup.sh first"
if [ -n "$modules" ]; then
    for m in ipmi_msghandler ipmi_devintf ipmi_si; do
        [ -s "$cache/kernel/modules/$m.ko" ] || die "$cache/kernel/modules/$m.ko missing: run scripts/qemu/setup.sh first"
    done
fi

stage=$(mktemp -d "${TMPDIR:-/tmp}/ipmirs-initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT
chmod 0755 "$stage" # mktemp's 0700 would become the guest's / and lock out non-root users
mkdir -p "$stage"/{bin,dev,proc,sys,tmp,lib/modules}
cp "$cache/busybox" "$stage/bin/busybox"
cp "$program" "$stage/prog"
chmod 0755 "$stage/prog"
# The kernel gives /init the console only if /dev/console exists in the image
# (Debian's built-in initramfs has one too; this is belt and braces).
if [ "$(id -u)" -eq 0 ]; then
    mknod -m 600 "$stage/dev/console" c 5 1
fi
: >"$stage/args"
for a in "$@"; do
    case "$a" in *$'\n'*) die "argument with a newline: $a" ;; esac
    printf '%s\n' "$a" >>"$stage/args"
done
if [ -n "$modules" ]; then
    cp "$cache"/kernel/modules/{ipmi_msghandler,ipmi_devintf,ipmi_si}.ko "$stage/lib/modules/"
    : >"$stage/load-modules"
fi
for f in "${files[@]}"; do
    src=${f%%=*} dest=${f#*=}
    [ -f "$src" ] && [ "${dest#/}" != "$dest" ] || die "--file wants SRC=/DEST with an existing SRC: $f"
    mkdir -p "$stage$(dirname "$dest")"
    cp "$src" "$stage$dest"
done

cat >"$stage/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "IPMIRS-BOOT uptime=$(cut -d' ' -f1 /proc/uptime) kernel=$(uname -r)"
if [ -f /load-modules ]; then
    for m in ipmi_msghandler ipmi_devintf ipmi_si; do
        if ! out=$(insmod /lib/modules/$m.ko 2>&1); then
            echo "IPMIRS-INSMOD module=$m ok=false error=$out"
        fi
    done
    i=0
    while [ ! -e /dev/ipmi0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    if [ -e /dev/ipmi0 ]; then
        echo "IPMIRS-DEVICE path=/dev/ipmi0 uptime=$(cut -d' ' -f1 /proc/uptime)"
    else
        echo "IPMIRS-DEVICE path=none uptime=$(cut -d' ' -f1 /proc/uptime)"
        dmesg | grep -i ipmi | tail -20
    fi
fi
set --
while IFS= read -r a; do set -- "$@" "$a"; done </args
/prog "$@"
echo "IPMIRS-EXIT rc=$? uptime=$(cut -d' ' -f1 /proc/uptime)"
poweroff -f
INIT
chmod 0755 "$stage/init"

tmp_out="$out.tmp.$$"
(cd "$stage" && find . | LC_ALL=C sort | "$cache/busybox" cpio -o -H newc 2>/dev/null | gzip -1 >"$tmp_out")
mv "$tmp_out" "$out"
