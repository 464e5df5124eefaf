#!/usr/bin/env bash
# The whole test suite: external test peers (scripts/setup.sh), then every
# test of every workspace crate. Exits non-zero when anything fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# cargo from rustup when the caller's PATH lacks it (non-login CI shells).
if ! command -v cargo >/dev/null 2>&1 && [ -x "${CARGO_HOME:-$HOME/.cargo}/bin/cargo" ]; then
    export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
fi
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

bash scripts/setup.sh
# The real-kernel harness: QEMU, busybox and a Debian kernel, cached in target/qemu.
bash scripts/qemu/setup.sh
exec cargo test --workspace --all-targets
