#!/usr/bin/env bash
# Functions run through `step` and `logged`, which shellcheck cannot follow:
# shellcheck disable=SC2317
# Runs the Autobahn TestSuite (RFC 6455 conformance, 517 client cases) against wsync's client,
# or against tungstenite's for comparison, and checks the results.
#
# The fuzzingserver (`wstest`, autobahntestsuite 0.8.2) is Python 2 only. On first use this
# script installs it from the package registries alone (Debian, PyPI): python2.7 from Debian's
# bullseye suite, pip/setuptools/wheel/virtualenv wheels for Python 2, then a virtualenv with
# autobahntestsuite. The virtualenv is kept in ${WSYNC_AUTOBAHN_HOME:-$HOME/.cache/wsync-autobahn}
# and reused while its `wstest` works.
#
# Usage: scripts/autobahn.sh [--agent wsync|tungstenite] [--cases '1.*,2.*'] [--no-check]
#                            [--install-only]
# See --help for details. Results land in reports/clients/ (index.json, HTML per case).
set -Eeuo pipefail
export LC_NUMERIC=C  # EPOCHREALTIME with a decimal point, for awk

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
AB_HOME=${WSYNC_AUTOBAHN_HOME:-$HOME/.cache/wsync-autobahn}
VENV=$AB_HOME/venv
WORK=$ROOT/target/autobahn
OUTDIR=$ROOT/reports/clients
RUN_TIMEOUT=${WSYNC_AUTOBAHN_TIMEOUT:-2400}

# Versions of the recipe (shared/README.md §3). virtualenv 20.15.1 embeds exactly these
# pip/setuptools/wheel for Python 2.7, so the virtualenv seeds without a download.
PY2_WHEELS=(pip==20.3.4 setuptools==44.1.1 wheel==0.37.1 virtualenv==20.15.1)
AUTOBAHN_PKG=autobahntestsuite==0.8.2
# Known-good Python 2 versions of autobahntestsuite's dependencies (pip freeze of a working
# install): keeps the install reproducible when PyPI gains releases that mislabel Python 2.
CONSTRAINTS=$ROOT/autobahn/constraints-py2.txt

AGENT=wsync
CASES='*'
CHECK=1
INSTALL_ONLY=0
CURRENT_STEP=setup
SERVER_PID=

usage() {
    cat <<'EOF'
Usage: scripts/autobahn.sh [options]

Runs the Autobahn TestSuite fuzzingserver on a free loopback port, runs a client example
against it and checks reports/clients/index.json with autobahn/check_results.py.

Options:
  --agent wsync|tungstenite  client to test (default wsync: examples/autobahn_client.rs;
                             tungstenite: examples/autobahn_tungstenite.rs, the baseline, whose
                             check is shown but does not fail the script)
  --cases LIST               comma-separated case patterns, e.g. '1.*,2.*' (default: all);
                             the expected-results comparison is then limited to the cases run
  --no-check                 skip autobahn/check_results.py
  --install-only             install (or verify) the fuzzingserver and stop
  -h, --help                 this help

Environment:
  WSYNC_AUTOBAHN_HOME  where the Python 2 virtualenv lives (default ~/.cache/wsync-autobahn)
  WSYNC_PYTHON2        a python2.7 to use instead of Debian's /usr/bin/python2.7
  WSYNC_AUTOBAHN_TIMEOUT  seconds the client run may take (default 300)
  CARGO_TARGET_DIR     honoured by cargo as usual
EOF
}

die() {
    echo "autobahn.sh: error: $*" >&2
    exit 1
}

on_err() {
    local rc=$? line=$1
    # Subshells inherit the trap (set -E): report once, from the main shell.
    [[ $BASH_SUBSHELL -eq 0 ]] || return 0
    echo "autobahn.sh: error: step '$CURRENT_STEP' failed (exit $rc, line $line)" >&2
}
trap 'on_err $LINENO' ERR

cleanup() {
    if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
}
trap cleanup EXIT

# Prints "name took 1.2 s" after running a step; $1 = step name, rest = command.
STEP_TIMES=()
step() {
    local name=$1
    shift
    CURRENT_STEP=$name
    echo "==> $name"
    local t0=$EPOCHREALTIME
    "$@"
    local dt
    dt=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
    echo "    $name: ${dt} s"
    STEP_TIMES+=("$(printf '%-44s %8s s' "$name" "$dt")")
}

# Runs a command with its output in a log file; on failure shows the log's tail.
logged() {
    local log=$1
    shift
    if ! "$@" >"$log" 2>&1; then
        echo "---- last lines of $log ----" >&2
        tail -n 40 "$log" >&2
        echo "----" >&2
        return 1
    fi
}

while [[ $# -gt 0 ]]; do
    case $1 in
    --agent) AGENT=${2:?--agent needs a value}; shift 2 ;;
    --agent=*) AGENT=${1#*=}; shift ;;
    --cases) CASES=${2:?--cases needs a value}; shift 2 ;;
    --cases=*) CASES=${1#*=}; shift ;;
    --no-check) CHECK=0; shift ;;
    --install-only) INSTALL_ONLY=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option '$1'" ;;
    esac
done

case $AGENT in
wsync) EXAMPLE=autobahn_client ;;
tungstenite) EXAMPLE=autobahn_tungstenite ;;
*) die "unknown agent '$AGENT' (expected wsync or tungstenite)" ;;
esac

command -v python3 >/dev/null || die "python3 is required"
command -v timeout >/dev/null || die "timeout (coreutils) is required"
# Python 2's pip (2020) trusts its own old CA bundle; use the system's, as Debian's pip does.
if [[ -z ${PIP_CERT:-} && -f /etc/ssl/certs/ca-certificates.crt ]]; then
    export PIP_CERT=/etc/ssl/certs/ca-certificates.crt
fi
command -v cargo >/dev/null || die "cargo is required"

# ---------------------------------------------------------------------------------------------
# Installation
# ---------------------------------------------------------------------------------------------

wstest_works() {
    [[ -x $VENV/bin/wstest ]] && "$VENV/bin/wstest" --help >/dev/null 2>&1
}

# Sets PY2 to a working Python 2.7 with ssl and C headers (wsaccel, the fuzzingserver's C
# accelerator, compiles against them), or returns 1.
find_python2() {
    local p
    for p in "${WSYNC_PYTHON2:-}" /usr/bin/python2.7; do
        [[ -n $p ]] || continue
        if "$p" - >/dev/null 2>&1 <<'EOF'
import os, sys, ssl, zlib
from distutils.sysconfig import get_python_inc
assert sys.version_info[:2] == (2, 7)
assert os.path.isfile(os.path.join(get_python_inc(), "Python.h"))
EOF
        then
            PY2=$p
            return 0
        fi
    done
    return 1
}

# Runs a command as root (directly, or through sudo when available).
as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo "$@"
    else
        die "installing python2.7(-dev) needs root (or sudo): run as root once, or set WSYNC_PYTHON2"
    fi
}

# Prints the Debian mirror already configured for apt (first deb source of a Debian release
# suite, not security), falling back to deb.debian.org.
debian_mirror() {
    python3 - <<'EOF'
import glob, re
SUITES = {"buster", "bullseye", "bookworm", "trixie", "forky", "sid",
          "oldoldstable", "oldstable", "stable", "testing", "unstable"}
entries = []  # (uri, suite)
files = ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.list")) \
    + sorted(glob.glob("/etc/apt/sources.list.d/*.sources"))
for path in files:
    try:
        text = open(path).read()
    except OSError:
        continue
    if path.endswith(".sources"):
        for stanza in re.split(r"\n\s*\n", text):
            fields = {}
            for line in stanza.splitlines():
                if line.startswith("#") or line[:1].isspace() or ":" not in line:
                    continue
                key, value = line.split(":", 1)
                fields[key.strip().lower()] = value.split()
            if "deb" not in fields.get("types", []):
                continue
            if fields.get("enabled", ["yes"])[0].lower() == "no":
                continue
            for uri in fields.get("uris", []):
                for suite in fields.get("suites", []):
                    entries.append((uri, suite))
    else:
        for line in text.splitlines():
            words = line.split("#", 1)[0].split()
            if not words or words[0] != "deb":
                continue
            rest = words[1:]
            if rest and rest[0].startswith("["):
                while rest and not rest[0].endswith("]"):
                    rest = rest[1:]
                rest = rest[1:]
            if len(rest) >= 2:
                entries.append((rest[0], rest[1]))
for uri, suite in entries:
    if suite in SUITES and "security" not in uri and re.match(r"https?://", uri):
        print(uri.rstrip("/"))
        break
else:
    print("http://deb.debian.org/debian")
EOF
}

install_python2() {
    local mirror keyring opts=
    mirror=$(debian_mirror)
    keyring=/usr/share/keyrings/debian-archive-keyring.gpg
    [[ -f $keyring ]] && opts="[signed-by=$keyring] "
    echo "    adding Debian bullseye (main) from $mirror as an apt source, pinned low"
    as_root tee /etc/apt/sources.list.d/wsync-bullseye.list >/dev/null <<EOF
# Added by wsync's scripts/autobahn.sh: python2.7 for the Autobahn fuzzingserver.
deb ${opts}${mirror} bullseye main
EOF
    # Priority 100: nothing is ever upgraded from bullseye; it only supplies packages that
    # the configured suites lack (python2.7 and its libraries).
    as_root tee /etc/apt/preferences.d/wsync-bullseye >/dev/null <<'EOF'
Package: *
Pin: release n=bullseye
Pin-Priority: 100
EOF
    mkdir -p "$AB_HOME"
    logged "$AB_HOME/apt-update.log" as_root apt-get update -q
    local pkgs=(python2.7 python2.7-dev)
    command -v gcc >/dev/null || pkgs+=(gcc libc6-dev)
    echo "    apt-get install ${pkgs[*]}"
    logged "$AB_HOME/apt-install.log" as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "${pkgs[@]}"
    find_python2 || die "python2.7 was installed but does not run (see $AB_HOME/apt-install.log)"
}

download_wheels() {
    mkdir -p "$AB_HOME/wheels"
    logged "$AB_HOME/pip-download.log" python3 -m pip download --no-deps --only-binary=:all: \
        --disable-pip-version-check -d "$AB_HOME/wheels" "${PY2_WHEELS[@]}"
}

# Installs pip/setuptools/wheel/virtualenv for Python 2 into $AB_HOME/py2 (a --prefix), with
# virtualenv's own Python 2 dependencies from PyPI.
install_py2_tools() {
    local wheels=$AB_HOME/wheels prefix=$AB_HOME/py2 pipwheel
    pipwheel=$(echo "$wheels"/pip-20.3.4-*.whl)
    [[ -f $pipwheel ]] || die "pip wheel missing in $wheels"
    rm -rf "$prefix"
    logged "$AB_HOME/py2-bootstrap.log" "$PY2" "$pipwheel/pip" install --no-index \
        --find-links "$wheels" --prefix "$prefix" --no-warn-script-location \
        pip==20.3.4 setuptools==44.1.1 wheel==0.37.1
    PY2_PATH=$(py2_site "$prefix")
    # virtualenv 20.15.1 needs distlib, filelock, platformdirs, six, importlib-metadata,
    # pathlib2 ... on Python 2: the bootstrapped pip picks their last Python 2 releases.
    logged "$AB_HOME/py2-virtualenv.log" env PYTHONPATH="$PY2_PATH" "$PY2" -m pip install \
        --disable-pip-version-check --find-links "$wheels" --prefix "$prefix" \
        --no-warn-script-location virtualenv==20.15.1
}

# Prints the site-packages directory of a --prefix install.
py2_site() {
    local d
    for d in "$1"/lib/python2.7/site-packages "$1"/lib/python2.7/dist-packages \
        "$1"/local/lib/python2.7/dist-packages; do
        if [[ -d $d ]]; then
            echo "$d"
            return 0
        fi
    done
    die "no site-packages under $1"
}

create_venv() {
    rm -rf "$VENV"
    logged "$AB_HOME/virtualenv.log" env PYTHONPATH="$(py2_site "$AB_HOME/py2")" \
        "$PY2" -m virtualenv --no-periodic-update "$VENV"
}

install_autobahn() {
    local constraints=()
    [[ -f $CONSTRAINTS ]] && constraints=(-c "$CONSTRAINTS")
    logged "$AB_HOME/autobahn-install.log" "$VENV/bin/pip" install --disable-pip-version-check \
        "${constraints[@]}" "$AUTOBAHN_PKG"
    wstest_works || die "wstest does not run after install (see $AB_HOME/autobahn-install.log)"
}

T_TOTAL=$EPOCHREALTIME
if wstest_works; then
    echo "==> fuzzingserver already installed: $VENV/bin/wstest"
else
    echo "==> installing the Autobahn fuzzingserver into $AB_HOME (logs there)"
    mkdir -p "$AB_HOME"
    if find_python2; then
        echo "    python2.7: $PY2"
    else
        step "install python2.7 + headers (apt, bullseye)" install_python2
    fi
    step "download Python 2 wheels (PyPI)" download_wheels
    step "install pip/virtualenv for Python 2" install_py2_tools
    step "create virtualenv" create_venv
    step "pip install $AUTOBAHN_PKG" install_autobahn
fi
if [[ $INSTALL_ONLY -eq 1 ]]; then
    for t in "${STEP_TIMES[@]}"; do echo "    $t"; done
    echo "fuzzingserver ready: $VENV/bin/wstest"
    exit 0
fi

# ---------------------------------------------------------------------------------------------
# Run
# ---------------------------------------------------------------------------------------------

mkdir -p "$WORK" "$OUTDIR"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
URL=ws://127.0.0.1:$PORT

# The spec: every case, or the patterns of --cases.
python3 - "$WORK/spec.json" "$URL" "$OUTDIR" "$CASES" <<'EOF'
import json, sys
path, url, outdir, cases = sys.argv[1:]
patterns = [c.strip() for c in cases.split(",") if c.strip()] or ["*"]
spec = {"url": url, "outdir": outdir, "cases": patterns,
        "exclude-cases": [], "exclude-agent-cases": {}}
with open(path, "w") as f:
    json.dump(spec, f, indent=2)
EOF
# A stale index.json must not pass for this run's results.
rm -f "$OUTDIR/index.json"

start_server() {
    (cd "$WORK" && exec "$VENV/bin/wstest" -m fuzzingserver -s spec.json -u 0) >"$WORK/wstest.log" 2>&1 &
    SERVER_PID=$!
    # Wait (at most 30 s) until the port accepts connections, or the server dies.
    python3 - "$PORT" "$SERVER_PID" <<'EOF' || { tail -n 30 "$WORK/wstest.log" >&2; return 1; }
import os, socket, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit("fuzzingserver exited before listening (log: target/autobahn/wstest.log)")
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit("fuzzingserver did not listen on port %d within 30 s" % port)
EOF
}

# Builds the example (what `cargo run --release --example` would) and sets CLIENT_BIN to the
# executable, so that the run's output is the client's alone, without cargo's warnings again.
build_client() {
    CLIENT_BIN=$(cargo build --manifest-path "$ROOT/Cargo.toml" --release --example "$EXAMPLE" \
        --message-format=json-render-diagnostics | python3 -c '
import json, sys
exe = ""
for line in sys.stdin:
    try:
        msg = json.loads(line)
    except ValueError:
        continue
    if msg.get("reason") == "compiler-artifact" and msg.get("executable") \
            and msg["target"]["name"] == sys.argv[1]:
        exe = msg["executable"]
print(exe)' "$EXAMPLE")
    [[ -n $CLIENT_BIN && -x $CLIENT_BIN ]] || die "cargo did not report the $EXAMPLE executable"
}

run_client() {
    local rc=0
    # The suite takes well under a minute; a client that hangs must not hang the script.
    timeout "$RUN_TIMEOUT" "$CLIENT_BIN" "$URL" || rc=$?
    [[ $rc -ne 124 ]] || die "$EXAMPLE did not finish within $RUN_TIMEOUT s: a case hangs (server log: $WORK/wstest.log)"
    [[ $rc -eq 0 ]] || die "$EXAMPLE failed (exit $rc)"
    [[ -f $OUTDIR/index.json ]] || die "no $OUTDIR/index.json after the run"
}

step "start fuzzingserver on $URL" start_server
step "build example $EXAMPLE" build_client
step "run cases (${CASES}) with agent $AGENT" run_client
cleanup
SERVER_PID=

CHECK_RC=0
if [[ $CHECK -eq 1 ]]; then
    check_args=(--index "$OUTDIR/index.json" --agent "$AGENT")
    if [[ $CASES != '*' ]]; then
        check_args+=(--partial)
    fi
    # The expected results are wsync's target: a baseline agent meets only the pass rules.
    if [[ $AGENT != wsync ]]; then
        check_args+=(--no-expected)
    fi
    CURRENT_STEP=check
    echo "==> check results (autobahn/check_results.py ${check_args[*]})"
    python3 "$ROOT/autobahn/check_results.py" "${check_args[@]}" || CHECK_RC=$?
else
    # Still report the 9.* durations.
    python3 "$ROOT/autobahn/check_results.py" --index "$OUTDIR/index.json" --agent "$AGENT" \
        --durations-only || true
fi

echo "==> timings"
for t in "${STEP_TIMES[@]}"; do echo "    $t"; done
printf '    %-44s %8s s\n' total "$(awk -v a="$T_TOTAL" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')"
echo "reports: $OUTDIR/index.html"

if [[ $CHECK_RC -ne 0 ]]; then
    if [[ $AGENT == wsync ]]; then
        echo "autobahn.sh: FAILED: results of agent $AGENT do not meet the expectations" >&2
        exit 1
    fi
    echo "note: agent $AGENT is a baseline; its check failures are shown for comparison only"
fi
exit 0
