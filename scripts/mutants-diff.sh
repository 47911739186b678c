#!/usr/bin/env bash
# Mutation testing of what a change touched: cargo-mutants on the Rust lines that changed
# since the previous main (`--in-diff`), each mutant against the whole suite, for at most
# SECONDS (default 180, WSYNC_MUTANTS_SECONDS). Fails on a missed mutant: a changed line that
# no test checks. An equivalent mutant is excluded in .cargo/mutants.toml, with its reason.
#
# The previous main, in order:
#   1. WSYNC_MUTANTS_BASE, if set (a commit);
#   2. the last commit whose CI passed on this machine, recorded in a cache by
#      `scripts/mutants-diff.sh --record` as .ci/run's last step (CI runs on the submitting
#      session's machine, so that is the main the submission started from, or an older one: a
#      larger diff, never a smaller one);
#   3. HEAD's first parent: the previous main when the change landed as a merge commit, the
#      change's last commit when it was fast-forwarded.
# The cache is keyed by the repository's first commit; a base that is not an ancestor of HEAD
# is ignored.
#
# cargo-mutants tests the mutants in a random order, so a change too large for the cap is
# sampled differently by each run; a capped run that missed nothing passes, and says so.
#
# In CI (CI=true) the clone is mutated in place, reusing the build of the test steps before;
# elsewhere cargo-mutants works on a copy.
#
#   bash scripts/mutants-diff.sh                          # CI
#   bash scripts/mutants-diff.sh --record                 # CI's last step: HEAD passed
#   WSYNC_MUTANTS_BASE=main bash scripts/mutants-diff.sh  # a branch, before it lands
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${WSYNC_MUTANTS_SECONDS:-180}
root=$(git rev-list --max-parents=0 HEAD | tail -n 1)
cache=${WSYNC_MUTANTS_CACHE:-$HOME/.cache/wsync-mutants}/$root
mkdir -p "$cache"
if [ "${1:-}" = --record ]; then
    git rev-parse HEAD >"$cache/last-green"
    exit 0
fi

base=${WSYNC_MUTANTS_BASE:-}
if [ -z "$base" ] && [ -s "$cache/last-green" ]; then
    base=$(cat "$cache/last-green")
    if ! git merge-base --is-ancestor "$base" HEAD 2>/dev/null; then
        echo "recorded base $base is not an ancestor of HEAD: ignored"
        base=
    fi
fi
if [ -z "$base" ]; then
    base=$(git rev-parse --verify --quiet 'HEAD^1' || true)
fi
if [ -z "$base" ]; then
    echo "no previous commit: nothing to compare with"
    exit 0
fi
echo "previous main: $(git log -1 --format='%h %s' "$base")"

diff="$cache/change.diff"
git diff "$base" HEAD -- 'src/*.rs' >"$diff"
if [ ! -s "$diff" ]; then
    echo "no Rust source under src/ changed since $base"
    exit 0
fi
git diff --stat "$base" HEAD -- 'src/*.rs' | tail -n 1

if ! cargo mutants --version >/dev/null 2>&1; then
    echo "installing cargo-mutants"
    cargo install --locked cargo-mutants
fi
tool=(--test-tool nextest)
if ! cargo nextest --version >/dev/null 2>&1; then
    tool=(--test-tool cargo)
fi

out="$cache/out"
rm -rf "$out"
args=(--in-diff "$diff" "${tool[@]}" --timeout 180 -o "$out")
if [ "${CI:-}" = true ]; then
    # The suite passed in the steps before: no baseline run, and the same build profile.
    args+=(--in-place --baseline skip)
else
    export CARGO_PROFILE_DEV_DEBUG=0
fi
status=0
# SIGINT lets cargo-mutants stop cleanly and restore the file it mutated.
timeout -s INT -k 60 "$seconds" cargo mutants "${args[@]}" || status=$?
if [ "${CI:-}" = true ]; then
    git checkout -- src
fi
results="$out/mutants.out"
for kind in caught missed timeout unviable; do
    printf '%s: %s  ' "$kind" "$(cat "$results/$kind.txt" 2>/dev/null | wc -l)"
done
echo
if [ -s "$results/missed.txt" ]; then
    echo "missed mutants (add a test, or exclude an equivalent one in .cargo/mutants.toml):"
    cat "$results/missed.txt"
    exit 1
fi
case $status in
    0 | 3) ;; # all caught; or some timed out (a mutant that hangs the suite is caught too)
    124) echo "capped at $seconds s: the mutants tested were all caught" ;;
    *) echo "cargo mutants failed ($status)"; exit 1 ;;
esac
