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
# Packaging stays true: every published crate (publish = false ones are
# skipped) packages in dependency order, dependents resolving their
# workspace dependencies from the packages just made. --no-verify: the
# verify step would rebuild every crate and dependency from scratch in
# target/package (minutes on a busy 2-core machine) for sources the test
# run below builds anyway; manifests, versions of path dependencies, the
# file lists and the packaged lockfiles are still checked (about 4 s).
cargo publish --workspace --dry-run --no-verify --allow-dirty
# Doctests (--all-targets leaves them out): the README's library snippets
# and the crate docs' examples, run against the in-process virtual BMC.
cargo test --workspace --doc
exec cargo test --workspace --all-targets
