#!/usr/bin/env bash
# Real proxies on loopback for the ignored tests of tests/it/real_proxies.rs: tinyproxy (HTTP
# CONNECT, Basic auth) and microsocks (SOCKS5, username/password), each once without and once
# with a password, on free ports.
#
#   bash scripts/proxies.sh start   installs them from Debian's packages if missing (as root:
#                                   apt-get update, then apt-get install), starts them, and
#                                   writes their URLs to target/proxies/proxies.env
#   bash scripts/proxies.sh stop    stops what start started
#
# Then: cargo test --test it real_proxies -- --ignored
# Any failure (no apt-get, not root, a package that does not install, a proxy that does not
# listen) exits non-zero with the reason: CI must not pass without the real proxies.
set -euo pipefail
cd "$(dirname "$0")/.."
state="$PWD/target/proxies"
user=wsync
pass=s3cret-pw

fail() {
    echo "proxies.sh: $*" >&2
    exit 1
}

install() {
    if command -v tinyproxy >/dev/null && command -v microsocks >/dev/null; then
        return
    fi
    command -v apt-get >/dev/null || fail "tinyproxy and microsocks are missing and there is no apt-get"
    [ "$(id -u)" = 0 ] || fail "tinyproxy and microsocks are missing; installing them needs root"
    echo "installing tinyproxy and microsocks from Debian's packages"
    apt-get update -qq || fail "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        tinyproxy microsocks >/dev/null || fail "apt-get install tinyproxy microsocks failed"
    command -v tinyproxy >/dev/null || fail "tinyproxy is not on PATH after installing it"
    command -v microsocks >/dev/null || fail "microsocks is not on PATH after installing it"
}

# A port nothing listens on now (the kernel's pick for port 0).
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits up to 5 s for 127.0.0.1:$1 to accept, or fails showing the log $2.
wait_listening() {
    for _ in $(seq 50); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "nothing listens on 127.0.0.1:$1; its log:" >&2
    cat "$2" >&2
    fail "a proxy did not start"
}

# start_tinyproxy NAME [BasicAuth line]: starts it in the foreground (-d), in the background of
# this shell; prints the port.
start_tinyproxy() {
    local name=$1 auth=${2:-} port
    port=$(free_port)
    {
        echo "Port $port"
        echo "Listen 127.0.0.1"
        echo "Allow 127.0.0.1"
        echo "Timeout 60"
        echo "MaxClients 16"
        echo "LogLevel Info"
        if [ -n "$auth" ]; then echo "$auth"; fi
    } >"$state/$name.conf"
    tinyproxy -d -c "$state/$name.conf" >"$state/$name.log" 2>&1 &
    echo $! >"$state/$name.pid"
    wait_listening "$port" "$state/$name.log"
    echo "$port"
}

# start_microsocks NAME [-u USER -P PASS]: prints the port.
start_microsocks() {
    local name=$1 port
    shift
    port=$(free_port)
    microsocks -i 127.0.0.1 -p "$port" "$@" >"$state/$name.log" 2>&1 &
    echo $! >"$state/$name.pid"
    wait_listening "$port" "$state/$name.log"
    echo "$port"
}

# Stops the processes whose ids start wrote, and only those; the URLs go too, so that no test
# tries stale ports. The logs stay.
stop() {
    [ -d "$state" ] || return 0
    for pidfile in "$state"/*.pid; do
        [ -e "$pidfile" ] || continue
        kill "$(cat "$pidfile")" 2>/dev/null || true
        rm -f "$pidfile"
    done
    rm -f "$state/proxies.env"
}

case "${1:-start}" in
start)
    install
    stop
    mkdir -p "$state"
    http=$(start_tinyproxy tinyproxy)
    http_auth=$(start_tinyproxy tinyproxy-auth "BasicAuth $user $pass")
    socks=$(start_microsocks microsocks)
    socks_auth=$(start_microsocks microsocks-auth -u "$user" -P "$pass")
    cat >"$state/proxies.env" <<EOF
WSYNC_TEST_HTTP_PROXY=http://127.0.0.1:$http
WSYNC_TEST_HTTP_PROXY_AUTH=http://$user:$pass@127.0.0.1:$http_auth
WSYNC_TEST_SOCKS_PROXY=127.0.0.1:$socks
WSYNC_TEST_SOCKS_PROXY_AUTH=$user:$pass@127.0.0.1:$socks_auth
EOF
    echo "started $(tinyproxy -v 2>&1 | head -1) and microsocks:"
    cat "$state/proxies.env"
    ;;
stop) stop ;;
*)
    echo "usage: $0 [start|stop]" >&2
    exit 2
    ;;
esac
