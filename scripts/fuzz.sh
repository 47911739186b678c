#!/usr/bin/env bash
# Runs every fuzz target (fuzz/, cargo-fuzz) for SECONDS each (default 30), one at a time, and
# fails on the first crash, leak or timeout, printing the input that caused it. Installs
# cargo-fuzz if it is missing; builds into a cache outside the clone, so that CI's fresh clones
# rebuild only what changed. New inputs go to a scratch corpus: fuzz/corpus/ holds the
# committed seeds and is only read.
#
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-30}
shift || true
cache=${WSYNC_FUZZ_CACHE:-$HOME/.cache/wsync-fuzz}
mkdir -p "$cache"
# One run at a time per cache: another clone's build would replace the targets' binaries
# between this one's build and its runs.
exec 9>"$cache/lock"
flock 9

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz"
    cargo install --locked cargo-fuzz
fi

# cargo-fuzz passes nightly flags; the stable compiler takes them with RUSTC_BOOTSTRAP=1. No
# sanitizer: the crate forbids unsafe code, and plain runs go several times faster. Debug
# assertions (and overflow checks) on.
export RUSTC_BOOTSTRAP=1
flags=(-O -a -s none --target-dir "$cache/target")
cargo fuzz build "${flags[@]}"

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo fuzz list)
fi
for t in "${targets[@]}"; do
    scratch="$cache/corpus/$t"
    mkdir -p "$scratch" "$cache/artifacts/$t"
    echo "--- $t: ${seconds} s"
    log="$cache/$t.log"
    if ! cargo fuzz run "${flags[@]}" "$t" "$scratch" "fuzz/corpus/$t" -- \
        -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$cache/artifacts/$t/" \
        >"$log" 2>&1; then
        tail -n 60 "$log"
        echo "fuzz target $t failed: the input is in $cache/artifacts/$t/" >&2
        exit 1
    fi
    # The last status line and the totals: executions, coverage (cov: edges, ft: features).
    grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE)' "$log" | tail -n 1 || true
    grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' "$log" | tr '\n' ' ' || true
    echo
done
