//! Real proxy servers, from Debian's packages: tinyproxy (HTTP CONNECT, Basic auth) and
//! microsocks (SOCKS5, username/password), each once without and once with a password, on
//! loopback. ws:// and wss:// through each, refusals as they send them, and the environment
//! variables end to end (through `proxy_env::child` in a child process).
//!
//! Ignored by default; `scripts/proxies.sh` installs and starts the proxies and writes their
//! URLs to `target/proxies/proxies.env`, which these tests read. CI runs:
//!
//! ```text
//! bash scripts/proxies.sh start
//! cargo test --test it real_proxies -- --ignored
//! bash scripts/proxies.sh stop
//! ```

use std::collections::HashMap;
use std::net::TcpListener;

use crate::common::proxy::{assert_child_passed, run_child};
use crate::common::{builder, echo, expect_close, expect_message, Transport};
use wsync::{Error, Message, ProxyError};

/// The proxies' URLs, as `scripts/proxies.sh` wrote them.
fn proxies() -> HashMap<String, String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/target/proxies/proxies.env");
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{path}: {e}: run `bash scripts/proxies.sh start` first"));
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

/// The URL `scripts/proxies.sh` wrote for `key`.
fn get(proxies: &HashMap<String, String>, key: &str) -> String {
    proxies
        .get(key)
        .unwrap_or_else(|| panic!("{key} missing from proxies.env"))
        .clone()
}

/// The same URL with the password replaced.
fn with_password(url: &str, password: &str) -> String {
    let (front, host) = url.rsplit_once('@').expect("credentials in the URL");
    let (front, _) = front.rsplit_once(':').expect("a password in the URL");
    format!("{front}:{password}@{host}")
}

/// The same URL without credentials.
fn without_credentials(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a scheme");
    let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    format!("{scheme}://{host}")
}

/// Connects through `proxy` to an echo server over `t`, echoes, closes cleanly.
fn through(t: Transport, proxy: &str) {
    let server = echo(t);
    let ws = builder(&server.url)
        .proxy(proxy)
        .connect()
        .unwrap_or_else(|e| panic!("{t:?} via {}: {e}", without_credentials(proxy)));
    let text = format!("{t:?} via {}", without_credentials(proxy));
    ws.send(text.as_str()).unwrap();
    assert_eq!(expect_message(&ws), Message::Text(text.clone()));
    ws.close().unwrap();
    assert!(expect_close(&ws).was_clean, "{text}");
    drop(ws);
    server.join();
    println!("ok: {text}");
}

/// The error of connecting to `url` through `proxy`.
fn refused(url: &str, proxy: &str) -> ProxyError {
    match builder(url).proxy(proxy).connect() {
        Err(Error::Proxy(e)) => {
            println!(
                "refused as expected: {url} via {}: {e}",
                without_credentials(proxy)
            );
            e
        }
        other => panic!("{url} via {}: {other:?}", without_credentials(proxy)),
    }
}

/// A loopback URL that nothing listens on, for the proxies to fail to reach.
fn closed_url() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    format!("ws://127.0.0.1:{}/", l.local_addr().unwrap().port())
}

#[test]
#[ignore = "needs tinyproxy: run scripts/proxies.sh start"]
fn tinyproxy() {
    let proxies = proxies();
    let plain = get(&proxies, "WSYNC_TEST_HTTP_PROXY");
    let auth = get(&proxies, "WSYNC_TEST_HTTP_PROXY_AUTH");
    for t in Transport::ALL {
        through(t, &plain);
        through(t, &auth);
    }
    match refused("ws://127.0.0.1:8080/", &without_credentials(&auth)) {
        ProxyError::Status {
            code: 407,
            proxy_authenticate: Some(challenge),
            ..
        } => assert!(challenge.starts_with("Basic"), "{challenge}"),
        other => panic!("{other:?}"),
    }
    // tinyproxy 1.11 answers a wrong password with 401 and no challenge.
    match refused("ws://127.0.0.1:8080/", &with_password(&auth, "wrong")) {
        ProxyError::Status {
            code: 401 | 407, ..
        } => {}
        other => panic!("{other:?}"),
    }
    match refused(&closed_url(), &plain) {
        ProxyError::Status { code, .. } => assert!(code >= 400, "{code}"),
        other => panic!("{other:?}"),
    }
}

#[test]
#[ignore = "needs microsocks: run scripts/proxies.sh start"]
fn microsocks() {
    let proxies = proxies();
    let plain = get(&proxies, "WSYNC_TEST_SOCKS_PROXY");
    let auth = get(&proxies, "WSYNC_TEST_SOCKS_PROXY_AUTH");
    for t in Transport::ALL {
        for scheme in ["socks5", "socks5h"] {
            through(t, &format!("{scheme}://{plain}"));
            through(t, &format!("{scheme}://{auth}"));
        }
    }
    let wrong = with_password(&format!("socks5h://{auth}"), "wrong");
    let e = refused("ws://127.0.0.1:8080/", &wrong);
    assert!(matches!(e, ProxyError::SocksAuthRejected { .. }), "{e:?}");
    let none = without_credentials(&format!("socks5h://{auth}"));
    let e = refused("ws://127.0.0.1:8080/", &none);
    assert!(
        matches!(
            e,
            ProxyError::SocksNoAcceptableMethod {
                offered_password: false
            }
        ),
        "{e:?}"
    );
    let e = refused(&closed_url(), &format!("socks5://{plain}"));
    assert!(matches!(e, ProxyError::SocksRefused(_)), "{e:?}");
}

#[test]
#[ignore = "needs tinyproxy and microsocks: run scripts/proxies.sh start"]
fn environment_end_to_end() {
    let proxies = proxies();
    let http = get(&proxies, "WSYNC_TEST_HTTP_PROXY_AUTH");
    let socks = get(&proxies, "WSYNC_TEST_SOCKS_PROXY_AUTH");
    let cases = [
        (Transport::Plain, "http_proxy", http.clone()),
        (Transport::Plain, "ALL_PROXY", format!("socks5://{socks}")),
        (Transport::Tls, "HTTPS_PROXY", http),
        (Transport::Tls, "https_proxy", format!("socks5h://{socks}")),
    ];
    for (t, var, url) in cases {
        if !Transport::ALL.contains(&t) {
            continue;
        }
        // With the credentials the connection opens; without, the proxy refuses it: so it
        // was the environment's proxy that carried it.
        let server = echo(t);
        assert_child_passed(&run_child(&format!("echo {}", server.url), &[(var, &url)]));
        server.join();
        let bare = without_credentials(&url);
        let target = format!("{}://localhost:8080/", t.scheme());
        assert_child_passed(&run_child(&format!("refused {target}"), &[(var, &bare)]));
        println!("ok: {t:?} via {bare} from {var}");
    }
}
