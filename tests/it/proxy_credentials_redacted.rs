//! The proxy's credentials never show: not in the builder's `Debug` (a good proxy URL or a bad
//! one), not in errors (`Display` and `Debug`: a bad URL, a 407, a SOCKS5 rejection, an
//! unreachable proxy), and not in the log, at any level, whether the tunnel opens or not; the
//! proxy is shown as `scheme://host:port`.
//!
//! The log test installs a logger for the whole test program, once; it keeps only wsync's
//! records, so the other tests, running meanwhile, cost it nothing but their own wsync lines.

use std::sync::{Mutex, Once};

use base64::Engine as _;

use crate::common::proxy::{http_proxy, socks5_proxy, Http, Socks};
use crate::common::{builder, echo, expect_close, Transport};
use wsync::{Error, WebSocket};

/// The password of every URL here.
const SECRET: &str = "hunter2-secret";

/// The ways the password could leak: itself, and inside a Basic token (base64 of
/// `alice:hunter2-secret`, and its start, in case a header were cut).
fn leaks(text: &str) -> bool {
    let token = base64::engine::general_purpose::STANDARD.encode(format!("alice:{SECRET}"));
    text.contains(SECRET) || text.contains(&token) || text.contains(&token[..20])
}

#[test]
fn not_in_the_builders_debug_nor_in_a_bad_url_error() {
    // Good URLs are only shown, never built: building would start connecting.
    for (url, good) in [
        (format!("http://alice:{SECRET}@proxy.corp:3128"), true),
        (format!("socks5h://alice:{SECRET}@proxy.corp"), true),
        (format!("https://alice:{SECRET}@proxy.corp"), false),
        (format!("socks4://alice:{SECRET}@proxy.corp"), false),
        (format!("http://alice:{SECRET}@proxy.corp/path"), false),
        (format!("http://alice:{SECRET}@proxy.corp:99999"), false),
    ] {
        let b = WebSocket::builder("ws://example.com:8080/").proxy(&url);
        for shown in [format!("{b:?}"), format!("{b:#?}")] {
            assert!(!leaks(&shown), "{shown}");
        }
        if !good {
            let e = b.build().expect_err("a bad proxy URL");
            assert!(matches!(e, Error::InvalidConfig(_)), "{url}: {e:?}");
            let shown = format!("{e} {e:?}");
            assert!(
                shown.starts_with("invalid configuration: proxy: "),
                "{shown}"
            );
            assert!(!leaks(&shown), "{shown}");
        }
    }
    let b = WebSocket::builder("ws://example.com:8080/")
        .proxy(&format!("http://alice:{SECRET}@proxy.corp:3128"));
    let shown = format!("{b:?}");
    assert!(
        shown.contains("alice") && shown.contains("<redacted>"),
        "{shown}"
    );
}

/// Keeps the text of wsync's log records.
struct Capture(Mutex<Vec<String>>);

impl log::Log for Capture {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.target().starts_with("wsync")
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            let line = format!("{} {}: {}", record.level(), record.target(), record.args());
            self.0.lock().unwrap().push(line);
        }
    }

    fn flush(&self) {}
}

/// The test program's logger.
static LOGGER: Capture = Capture(Mutex::new(Vec::new()));

#[test]
fn not_in_errors_nor_in_the_log() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        log::set_logger(&LOGGER).expect("no other logger in the test program");
        log::set_max_level(log::LevelFilter::Trace);
    });
    let mut errors = Vec::new();

    // Tunnels that open, through each kind of proxy.
    let server = echo(Transport::Plain);
    let http = http_proxy(Http::tunnel(Some(("alice", SECRET))));
    let http_url = http.url("http", &format!("alice:{SECRET}@"));
    let ws = builder(&server.url).proxy(&http_url).connect().unwrap();
    ws.close().unwrap();
    expect_close(&ws);
    drop(ws);
    http.join();
    server.join();

    let server = echo(Transport::Plain);
    let socks = socks5_proxy(Some(("alice", SECRET)), Socks::tunnel());
    let socks_url = socks.url("socks5", &format!("alice:{SECRET}@"));
    let ws = builder(&server.url).proxy(&socks_url).connect().unwrap();
    ws.close().unwrap();
    expect_close(&ws);
    drop(ws);
    socks.join();
    server.join();

    // Tunnels refused for their credentials.
    let http = http_proxy(Http::tunnel(Some(("alice", "other"))));
    let url = http.url("http", &format!("alice:{SECRET}@"));
    errors.push(
        builder("ws://example.com:8080/")
            .proxy(&url)
            .connect()
            .unwrap_err(),
    );
    http.join();
    let socks = socks5_proxy(Some(("alice", "other")), Socks::tunnel());
    let url = socks.url("socks5h", &format!("alice:{SECRET}@"));
    errors.push(
        builder("ws://example.com:8080/")
            .proxy(&url)
            .connect()
            .unwrap_err(),
    );
    socks.join();

    // An unreachable proxy.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://alice:{SECRET}@127.0.0.1:{port}");
    errors.push(
        builder("ws://example.com:8080/")
            .proxy(&url)
            .connect()
            .unwrap_err(),
    );

    assert_eq!(errors.len(), 3);
    for e in &errors {
        assert!(matches!(e, Error::Proxy(_)), "{e:?}");
        let shown = format!("{e} {e:?} {e:#?}");
        assert!(!leaks(&shown), "{shown}");
    }
    let lines = LOGGER.0.lock().unwrap();
    for line in lines.iter() {
        assert!(!leaks(line), "{line}");
    }
    // The log did see the proxies, shown without their credentials.
    let shown = http_url.replace(&format!("alice:{SECRET}@"), "");
    assert!(
        lines
            .iter()
            .any(|l| l.contains(&format!("through the proxy {shown}"))),
        "{lines:#?}"
    );
}
