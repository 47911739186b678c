#!/usr/bin/env bash
# Installs the real WebSocket servers that tests/it/real_peers.rs runs wsync against, at the
# versions pinned in tests/peers/:
#   - Python `websockets` (tests/peers/requirements.txt) into a virtualenv, target/peers/venv;
#   - Node `ws` (tests/peers/package.json and package-lock.json) into target/peers/node_modules.
# Each is skipped when already installed at the pinned version, so running the script again is
# cheap. It prints a line per server; on failure it shows the installer's log and exits non-zero.
#
# Needs python3 (with venv) and node/npm, and the PyPI and npm registries.
# WSYNC_PEERS_DIR installs elsewhere than target/peers (the tests read it too).
#
# Then: cargo test --all-features --test it real_peers -- --ignored
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SPEC=$ROOT/tests/peers
PEERS=${WSYNC_PEERS_DIR:-$ROOT/target/peers}

die() {
    echo "peers.sh: error: $*" >&2
    exit 1
}

# Runs a command with its output in a log file; on failure shows the log and stops.
logged() {
    local log=$1
    shift
    if ! "$@" >"$log" 2>&1; then
        echo "peers.sh: error: '$*' failed; its output ($log):" >&2
        tail -n 40 "$log" >&2
        exit 1
    fi
}

command -v python3 >/dev/null || die "python3 is required"
command -v node >/dev/null || die "node is required"
command -v npm >/dev/null || die "npm is required"
mkdir -p "$PEERS"

# --- Python websockets -----------------------------------------------------------------------
want_py=$(sed -n 's/^websockets==\([^ ;#]*\).*/\1/p' "$SPEC/requirements.txt")
[[ -n $want_py ]] || die "no websockets==VERSION line in $SPEC/requirements.txt"
py_version() {
    "$PEERS/venv/bin/python" -c \
        'import importlib.metadata as m, websockets; print(m.version("websockets"))' 2>/dev/null
}
if [[ $(py_version || true) == "$want_py" ]]; then
    echo "peers: websockets $want_py already in $PEERS/venv"
else
    rm -rf "$PEERS/venv"
    logged "$PEERS/venv.log" python3 -m venv "$PEERS/venv"
    logged "$PEERS/pip.log" "$PEERS/venv/bin/pip" install --disable-pip-version-check \
        --no-input -r "$SPEC/requirements.txt"
    got=$(py_version) || die "websockets does not import after the install (see $PEERS/pip.log)"
    [[ $got == "$want_py" ]] || die "installed websockets $got, expected $want_py"
    echo "peers: installed websockets $want_py into $PEERS/venv"
fi

# --- Node ws ---------------------------------------------------------------------------------
want_js=$(node -p "require(process.argv[1]).packages['node_modules/ws'].version" \
    "$SPEC/package-lock.json") || die "cannot read the ws version from $SPEC/package-lock.json"
js_version() {
    node -p "require(process.argv[1]).version" "$PEERS/node_modules/ws/package.json" 2>/dev/null
}
if [[ $(js_version || true) == "$want_js" ]] &&
    cmp -s "$SPEC/package-lock.json" "$PEERS/package-lock.json"; then
    echo "peers: ws $want_js already in $PEERS/node_modules"
else
    cp "$SPEC/package.json" "$SPEC/package-lock.json" "$PEERS/"
    # npm ci installs exactly what the lock file says, or fails.
    logged "$PEERS/npm.log" npm ci --prefix "$PEERS" --no-audit --no-fund
    got=$(js_version) || die "ws missing after npm ci (see $PEERS/npm.log)"
    [[ $got == "$want_js" ]] || die "installed ws $got, expected $want_js"
    echo "peers: installed ws $want_js into $PEERS/node_modules"
fi
