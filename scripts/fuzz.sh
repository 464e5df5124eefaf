#!/usr/bin/env bash
# Fuzzes every target of fuzz/ (cargo-fuzz, libFuzzer) for SECONDS each
# (default 60), one target after the other, and prints the executions of
# each. Installs cargo-fuzz when it is missing. Exits non-zero when a
# target crashed (the input is kept in fuzz/artifacts/TARGET/).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Environment:
#   FUZZ_SANITIZER  address (default, as cargo fuzz), none, memory, ...
#   FUZZ_RUNS       also stop a target after this many executions
#   FUZZ_CMIN=1     minimize each corpus afterwards (cargo fuzz cmin)
#   FUZZ_ARGS       extra libFuzzer arguments
#
# New corpus entries go to fuzz/corpus/TARGET/, which `cargo test` replays
# (ipmi-lanplus/tests/hostile_corpus.rs); git keeps only the seed-* files
# (fuzz/.gitignore). Logs: fuzz/artifacts/logs/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v cargo >/dev/null 2>&1 && [ -x "${CARGO_HOME:-$HOME/.cargo}/bin/cargo" ]; then
    export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
fi

secs=${1:-60}
shift || true
case $secs in
'' | *[!0-9]*)
    echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...]" >&2
    exit 2
    ;;
esac

# cargo-fuzz needs a nightly compiler; RUSTC_BOOTSTRAP=1 makes stable act as one.
if cargo +nightly --version >/dev/null 2>&1; then
    cargo=(cargo +nightly)
else
    echo "fuzz.sh: no nightly toolchain; using stable with RUSTC_BOOTSTRAP=1" >&2
    export RUSTC_BOOTSTRAP=1
    cargo=(cargo)
fi
if ! "${cargo[@]}" fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: installing cargo-fuzz" >&2
    cargo install cargo-fuzz
fi

# Seeds from the captures and the harness's own exchanges (new ones only).
cargo test -q -p ipmi-lanplus --test hostile_corpus -- --ignored write_seed_corpus >/dev/null
cargo test -q -p ipmi-core --test hostile_records -- --ignored write_seed_corpus >/dev/null

if [ $# -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cd fuzz && "${cargo[@]}" fuzz list)
fi
sanitizer=${FUZZ_SANITIZER:-address}
args=(-max_total_time="$secs" -max_len=4096 -print_final_stats=1)
if [ -n "${FUZZ_RUNS:-}" ]; then
    args+=(-runs="$FUZZ_RUNS")
fi
# shellcheck disable=SC2206
args+=(${FUZZ_ARGS:-})

logs=fuzz/artifacts/logs
mkdir -p "$logs"

failed=0
printf '%-22s %14s %8s %10s %8s  %s\n' target executions seconds exec/s corpus result
for t in "${targets[@]}"; do
    log=$logs/$t.log
    start=$(date +%s)
    if (cd fuzz && "${cargo[@]}" fuzz run -s "$sanitizer" "$t" -- "${args[@]}") >"$log" 2>&1; then
        result=ok
    else
        result="CRASH (see $log, fuzz/artifacts/$t/)"
        failed=1
    fi
    took=$(($(date +%s) - start))
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    [ -n "$runs" ] || runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -1)
    runs=${runs:-0}
    fuzzed=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
    fuzzed=${fuzzed:-$took}
    rate=$((runs / (fuzzed > 0 ? fuzzed : 1)))
    if [ "${FUZZ_CMIN:-0}" = 1 ] && [ "$result" = ok ]; then
        (cd fuzz && "${cargo[@]}" fuzz cmin -s "$sanitizer" "$t" -- -max_len=4096) >>"$log" 2>&1 || true
        # cmin drops redundant seeds too; the seeds are what git keeps.
        cargo test -q -p ipmi-lanplus --test hostile_corpus -- --ignored write_seed_corpus >/dev/null
cargo test -q -p ipmi-core --test hostile_records -- --ignored write_seed_corpus >/dev/null
    fi
    corpus=$(find "fuzz/corpus/$t" -type f | wc -l)
    printf '%-22s %14s %8s %10s %8s  %s\n' "$t" "$runs" "$fuzzed" "$rate" "$corpus" "$result"
done
exit $failed
