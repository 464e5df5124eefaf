#!/usr/bin/env bash
# Install the external programs the test suite runs against, on Debian 12:
#   openipmi       -> ipmi_sim (BMC simulator the integration tests talk to)
#   ipmitool       -> reference client (outputs in ipmi-cli/tests/data/ipmitool)
#   freeipmi-tools -> bmc-info, ipmipower, ipmi-raw (a second client)
#   prometheus     -> promtool (checks ipmi-exporter's exposition) and the
#                     prometheus server ipmi-exporter's tests scrape it with
#   prometheus-ipmi-exporter -> the Go exporter ipmi-exporter is compared with
# Idempotent: does nothing (and needs no network) when all of them are present.
# Needs root, or password-less sudo, when something is missing.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
# bmc-info lives in /usr/sbin, which a non-root PATH may lack.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

missing=()
for tool in ipmi_sim ipmitool bmc-info promtool prometheus-ipmi-exporter; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ "${#missing[@]}" -eq 0 ]; then
    echo "setup: ipmi_sim, ipmitool, bmc-info, promtool and prometheus-ipmi-exporter already installed, nothing to do"
    exit 0
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        as_root=(sudo -n --preserve-env=DEBIAN_FRONTEND)
    else
        echo "setup: missing ${missing[*]}; run this script as root (or with password-less sudo)" >&2
        exit 1
    fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup: missing ${missing[*]} and no apt-get: install openipmi, ipmitool, freeipmi-tools, prometheus and prometheus-ipmi-exporter by hand" >&2
    exit 1
fi

log=$(mktemp "${TMPDIR:-/tmp}/ipmirs-setup.XXXXXX")
trap 'rm -f "$log"' EXIT
packages=(openipmi ipmitool freeipmi-tools prometheus prometheus-ipmi-exporter)
if ! { "${as_root[@]}" apt-get update -q \
        && "${as_root[@]}" apt-get install -y -q --no-install-recommends \
            -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
            "${packages[@]}"; } >"$log" 2>&1 </dev/null; then
    cat "$log" >&2
    echo "setup: apt-get failed installing ${packages[*]}" >&2
    exit 1
fi
for tool in ipmi_sim ipmitool bmc-info promtool prometheus-ipmi-exporter; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        cat "$log" >&2
        echo "setup: $tool still missing after installing ${packages[*]}" >&2
        exit 1
    fi
done
echo "setup: installed ${packages[*]} (was missing: ${missing[*]})"
