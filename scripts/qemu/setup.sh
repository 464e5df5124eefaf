#!/usr/bin/env bash
# Prepare, once per machine, what the in-band tests (ipmi-kcs/tests/qemu_inband.rs)
# boot under QEMU:
#   - the Debian packages qemu-system-x86 (qemu-system-x86_64 with the
#     ipmi-bmc-sim / ipmi-bmc-extern / isa-ipmi-kcs devices), busybox-static
#     (one static binary = the guest's whole user space) and openipmi
#     (ipmi_sim, the external BMC of the frozen-BMC test), installed only
#     when missing;
#   - a Debian 12 kernel (linux-image-*-amd64-unsigned, fetched with
#     `apt-get download`, never installed) and its three IPMI modules
#     ipmi_msghandler, ipmi_devintf, ipmi_si, decompressed if need be.
# Everything is cached under target/qemu/ (or $IPMIRS_QEMU_DIR):
#   kernel/vmlinuz  kernel/modules/*.ko  kernel/package  kernel/release  busybox
# A second run finds the cache and needs no network: it only checks it.
#
# Environment:
#   IPMIRS_QEMU_DIR         cache directory (default: <repo>/target/qemu)
#   IPMIRS_QEMU_KERNEL_PKG  kernel package to use instead of the one the
#                           linux-image-amd64 metapackage points at
#
# Needs root (or password-less sudo) only when a package is missing.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cache=${IPMIRS_QEMU_DIR:-$repo/target/qemu}
mkdir -p "$cache"

say() { echo "qemu-setup: $*" >&2; }
die() { say "$*"; exit 1; }

# One setup at a time per cache (parallel test binaries, two checkouts...).
exec 9>"$cache/.lock"
flock -w 600 9 || die "could not lock $cache/.lock within 10 minutes"

as_root=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        as_root=(sudo -n --preserve-env=DEBIAN_FRONTEND)
    fi
fi

apt_updated=
apt_update() {
    [ -n "$apt_updated" ] && return 0
    command -v apt-get >/dev/null 2>&1 || die "no apt-get: this setup needs Debian 12 (or install the packages by hand)"
    say "apt-get update"
    "${as_root[@]}" apt-get update -q >"$cache/apt-update.log" 2>&1 </dev/null ||
        { cat "$cache/apt-update.log" >&2; die "apt-get update failed"; }
    apt_updated=1
}

# --- packages -------------------------------------------------------------
static_busybox() { # PATH: true when PATH is a statically linked busybox
    local out
    [ -x "$1" ] || return 1
    out=$(LC_ALL=C ldd "$1" 2>&1 || true)
    case "$out" in *"not a dynamic executable"*) return 0 ;; *) return 1 ;; esac
}
missing=()
command -v qemu-system-x86_64 >/dev/null 2>&1 || missing+=(qemu-system-x86)
static_busybox /bin/busybox || missing+=(busybox-static)
command -v ipmi_sim >/dev/null 2>&1 || missing+=(openipmi)
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ] && [ "${#as_root[@]}" -eq 0 ]; then
        die "missing packages ${missing[*]}: run this script as root (or with password-less sudo)"
    fi
    apt_update
    say "installing ${missing[*]}"
    "${as_root[@]}" apt-get install -y -q --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        "${missing[@]}" >"$cache/apt-install.log" 2>&1 </dev/null ||
        { cat "$cache/apt-install.log" >&2; die "apt-get install ${missing[*]} failed"; }
fi
command -v qemu-system-x86_64 >/dev/null 2>&1 || die "qemu-system-x86_64 still missing after installing qemu-system-x86"
static_busybox /bin/busybox || die "/bin/busybox is not the static one of busybox-static"
command -v ipmi_sim >/dev/null 2>&1 || die "ipmi_sim still missing after installing openipmi"
if [ ! -x "$cache/busybox" ] || ! cmp -s /bin/busybox "$cache/busybox"; then
    cp /bin/busybox "$cache/busybox.tmp" && mv "$cache/busybox.tmp" "$cache/busybox"
fi

# --- kernel and modules -----------------------------------------------------
kdir=$cache/kernel
modules=(ipmi_msghandler ipmi_devintf ipmi_si)
kernel_ready() {
    [ -s "$kdir/vmlinuz" ] || return 1
    for m in "${modules[@]}"; do [ -s "$kdir/modules/$m.ko" ] || return 1; done
    [ -s "$kdir/release" ]
}
if kernel_ready; then
    say "cached: $(cat "$kdir/package" 2>/dev/null) ($(cat "$kdir/release")), busybox, qemu $(qemu-system-x86_64 --version | head -1 | awk '{print $4}')"
    exit 0
fi

pkg=${IPMIRS_QEMU_KERNEL_PKG:-}
if [ -z "$pkg" ]; then
    apt-cache show linux-image-amd64 >/dev/null 2>&1 || apt_update
    # The current Debian 12 kernel: what the metapackage depends on, unsigned.
    meta=$(apt-cache depends linux-image-amd64 2>/dev/null |
        awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
    if [ -n "$meta" ] && apt-cache show "$meta-unsigned" >/dev/null 2>&1; then
        pkg=$meta-unsigned
    else
        pkg=$(apt-cache search --names-only '^linux-image-[0-9.]+-[0-9]+-amd64-unsigned$' |
            awk '{ print $1 }' | sort -V | tail -1)
    fi
    [ -n "$pkg" ] || die "no linux-image-*-amd64-unsigned package known to apt (apt-get update? set IPMIRS_QEMU_KERNEL_PKG)"
fi

work=$(mktemp -d "$cache/kernel-work.XXXXXX")
trap 'rm -rf "$work"' EXIT
say "downloading $pkg"
if ! (cd "$work" && apt-get download -q "$pkg") >"$work/download.log" 2>&1 </dev/null; then
    apt_update
    (cd "$work" && apt-get download -q "$pkg") >"$work/download.log" 2>&1 </dev/null ||
        { cat "$work/download.log" >&2; die "apt-get download $pkg failed"; }
fi
deb=$(ls "$work"/*.deb)
# Only the kernel image and the three modules (what `dpkg -x` would unpack,
# minus 400 MB of other modules).
mkdir "$work/root"
dpkg-deb --fsys-tarfile "$deb" |
    tar -x -C "$work/root" --wildcards './boot/vmlinuz-*' \
        '*/drivers/char/ipmi/ipmi_msghandler.ko*' \
        '*/drivers/char/ipmi/ipmi_devintf.ko*' \
        '*/drivers/char/ipmi/ipmi_si.ko*'

stage=$work/kernel
mkdir -p "$stage/modules"
vmlinuz=$(ls "$work"/root/boot/vmlinuz-* | head -1)
[ -s "$vmlinuz" ] || die "$pkg has no /boot/vmlinuz-*"
cp "$vmlinuz" "$stage/vmlinuz"
basename "$vmlinuz" | sed 's/^vmlinuz-//' >"$stage/release"
echo "$pkg" >"$stage/package"
for m in "${modules[@]}"; do
    f=$(find "$work/root" -name "$m.ko*" | head -1)
    [ -n "$f" ] || die "$pkg has no $m.ko"
    case "$f" in
    *.ko) cp "$f" "$stage/modules/$m.ko" ;;
    *.ko.xz) xz -dc "$f" >"$stage/modules/$m.ko" ;;
    *.ko.zst) zstd -qdc "$f" >"$stage/modules/$m.ko" ;;
    *.ko.gz) gzip -dc "$f" >"$stage/modules/$m.ko" ;;
    *) die "unknown module compression: $f" ;;
    esac
done
rm -rf "$kdir"
mv "$stage" "$kdir"
kernel_ready || die "kernel cache in $kdir incomplete"
say "ready: $pkg ($(cat "$kdir/release")) in $kdir"
