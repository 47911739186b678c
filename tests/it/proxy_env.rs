//! The proxy environment variables, end to end. Each test runs this test program again as a
//! child process with the variables set on the child only (setting them here would race with
//! the other tests, and is `unsafe` in Rust 2024), where [`child`] connects as its mode says.
//! The order of the variables and `NO_PROXY`'s rules are unit-tested in `proto::proxy`; here:
//! `http_proxy` for ws:// and `HTTPS_PROXY` for wss:// (each ignoring the other's), `ALL_PROXY`,
//! `NO_PROXY`, `proxy_from_env(false)`, an explicit proxy that overrides them all, and a bad
//! value that fails `build()` naming the variable.

use crate::common::proxy::{assert_child_passed, http_proxy, run_child, Http, CHILD_MODE};
use crate::common::{builder, echo, expect_close, expect_message, Transport};
use wsync::{Error, Message, ProxyError};

/// A loopback proxy URL that nothing listens on: a proxy wrongly used fails the child.
fn dead_proxy() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}", l.local_addr().unwrap())
}

/// In the child process: does what [`CHILD_MODE`] says, with the environment it was given.
/// Without that variable (a run of the ignored tests), it does nothing.
///
/// Modes, with the URL to connect to:
/// - `echo URL`: connects with the defaults (the environment's proxy), echoes a message, closes;
/// - `echo-env-off URL`: the same with `proxy_from_env(false)`;
/// - `echo-explicit URL PROXY`: the same with `proxy(PROXY)`;
/// - `unreachable URL`: expects `ProxyError::Unreachable` (the environment's proxy is dead);
/// - `refused URL`: expects another `Error::Proxy` (the proxy refused the tunnel);
/// - `bad-env URL VAR`: expects `build()` to fail with `InvalidConfig` naming `VAR`, without
///   the password `hunter2`.
#[test]
#[ignore = "run by the other tests of this module, in a child process"]
fn child() {
    let Ok(mode) = std::env::var(CHILD_MODE) else {
        return;
    };
    let words: Vec<&str> = mode.split(' ').collect();
    let connect = |b: wsync::Builder| {
        let ws = b.connect().unwrap_or_else(|e| panic!("{mode}: {e}"));
        ws.send("via the environment").unwrap();
        assert_eq!(
            expect_message(&ws),
            Message::Text("via the environment".into())
        );
        ws.close().unwrap();
        assert!(expect_close(&ws).was_clean);
    };
    match words.as_slice() {
        ["echo", url] => connect(builder(url)),
        ["echo-env-off", url] => connect(builder(url).proxy_from_env(false)),
        ["echo-explicit", url, proxy] => connect(builder(url).proxy(proxy)),
        ["unreachable", url] => match builder(url).connect() {
            Err(Error::Proxy(ProxyError::Unreachable { .. })) => {}
            other => panic!("{mode}: {other:?}"),
        },
        ["refused", url] => match builder(url).connect() {
            Err(Error::Proxy(e)) if !matches!(e, ProxyError::Unreachable { .. }) => {}
            other => panic!("{mode}: {other:?}"),
        },
        ["bad-env", url, var] => match builder(url).build() {
            Err(Error::InvalidConfig(why)) => {
                assert!(
                    why.contains(&format!("environment variable {var}")),
                    "{why}"
                );
                assert!(!why.contains("hunter2"), "{why}");
            }
            other => panic!("{mode}: {other:?}"),
        },
        _ => panic!("unknown mode {mode:?}"),
    }
}

#[test]
fn http_proxy_for_ws() {
    // With credentials; HTTPS_PROXY is wss://'s only.
    let server = echo(Transport::Plain);
    let proxy = http_proxy(Http::tunnel(Some(("alice", "pw"))));
    let out = run_child(
        &format!("echo {}", server.url),
        &[
            ("http_proxy", &proxy.url("http", "alice:pw@")),
            ("HTTPS_PROXY", &dead_proxy()),
        ],
    );
    assert_child_passed(&out);
    let head = proxy.join();
    assert!(
        head.starts_with(&format!("CONNECT 127.0.0.1:{} HTTP/1.1\r\n", server.port)),
        "{head}"
    );
    server.join();
}

#[cfg(feature = "native-tls")]
#[test]
fn https_proxy_for_wss() {
    use crate::common::proxy::{socks5_proxy, Socks};
    // A SOCKS5 proxy that resolves the name; http_proxy is ws://'s only.
    let server = echo(Transport::Tls);
    let proxy = socks5_proxy(None, Socks::tunnel());
    let out = run_child(
        &format!("echo {}", server.url),
        &[
            ("HTTPS_PROXY", &proxy.url("socks5h", "")),
            ("http_proxy", &dead_proxy()),
        ],
    );
    assert_child_passed(&out);
    assert_eq!(
        proxy.join().target,
        Some((3, "localhost".to_owned(), server.port))
    );
    server.join();
}

#[test]
fn all_proxy_and_no_proxy() {
    let dead = dead_proxy();
    for t in Transport::ALL {
        // ALL_PROXY is read for both schemes: a dead one fails the connection.
        let url = format!("{}://localhost:8080/", t.scheme());
        let out = run_child(&format!("unreachable {url}"), &[("ALL_PROXY", &dead)]);
        assert_child_passed(&out);
        // NO_PROXY exempts the server (127.0.0.1 for ws://, localhost for wss://).
        let server = echo(t);
        let out = run_child(
            &format!("echo {}", server.url),
            &[
                ("ALL_PROXY", &dead),
                ("NO_PROXY", "example.com, localhost,127.0.0.1"),
            ],
        );
        assert_child_passed(&out);
        server.join();
    }
}

#[test]
fn proxy_from_env_false_connects_directly() {
    let server = echo(Transport::Plain);
    let out = run_child(
        &format!("echo-env-off {}", server.url),
        &[("http_proxy", &dead_proxy()), ("ALL_PROXY", &dead_proxy())],
    );
    assert_child_passed(&out);
    server.join();
}

#[test]
fn an_explicit_proxy_overrides_the_environment() {
    let server = echo(Transport::Plain);
    let proxy = http_proxy(Http::tunnel(None));
    // The environment names a dead proxy and exempts every host: neither applies.
    let out = run_child(
        &format!("echo-explicit {} {}", server.url, proxy.url("http", "")),
        &[("http_proxy", &dead_proxy()), ("no_proxy", "*")],
    );
    assert_child_passed(&out);
    assert!(proxy.join().starts_with("CONNECT 127.0.0.1:"));
    server.join();
}

#[test]
fn a_bad_value_fails_the_build_naming_the_variable() {
    for (url, var, value) in [
        (
            "wss://localhost:8080/",
            "https_proxy",
            "https://alice:hunter2@p:3128",
        ),
        (
            "ws://localhost:8080/",
            "WS_PROXY",
            "socks4://alice:hunter2@p",
        ),
        (
            "ws://localhost:8080/",
            "all_proxy",
            "http://alice:hunter2@p/path",
        ),
    ] {
        let out = run_child(&format!("bad-env {url} {var}"), &[(var, value)]);
        assert_child_passed(&out);
    }
}
