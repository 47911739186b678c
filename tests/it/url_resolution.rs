//! The constructor resolves URLs as the browser does: ws/wss kept, http→ws, https→wss (`url()`
//! is the absolute resolved URL), and refuses bad URLs, bad subprotocols and blocked ports
//! synchronously, before any connection attempt.

use std::io::ErrorKind;
use std::net::TcpListener;
use std::time::{Duration, Instant};

use crate::common::{builder, echo, expect_close, expect_open, Transport};
use wsync::{Error, ReadyState, WebSocket};

/// Connects to the echo peer through `url`, checks `url()` is `expected`, opens, closes.
fn opens_with_resolved_url(t: Transport, url: &str, expected: &str) {
    let ws = builder(url).build().expect("a valid URL builds");
    assert_eq!(ws.url(), expected, "{t:?}: url() of {url:?}");
    expect_open(&ws);
    assert_eq!(ws.ready_state(), ReadyState::Open);
    assert_eq!(ws.url(), expected, "{t:?}: url() after open");
    ws.close().unwrap();
    assert!(expect_close(&ws).was_clean);
}

#[test]
fn ws_wss_http_https_resolve_to_absolute_ws_urls() {
    for t in Transport::ALL {
        // server.url is `ws://127.0.0.1:P/` or `wss://localhost:P/`.
        let (host, secure) = match t {
            Transport::Plain => ("127.0.0.1", false),
            Transport::Tls => ("localhost", true),
        };
        let (ws_scheme, http_scheme) = if secure {
            ("wss", "https")
        } else {
            ("ws", "http")
        };
        let cases = [
            // As given.
            (format!("{ws_scheme}://{host}:{{p}}/chat?x=1"), "/chat?x=1"),
            // http → ws, https → wss.
            (
                format!("{http_scheme}://{host}:{{p}}/chat?x=1"),
                "/chat?x=1",
            ),
            // Upper-case scheme, no path: lower-cased, path `/`.
            (
                format!("{}://{host}:{{p}}", http_scheme.to_uppercase()),
                "/",
            ),
        ];
        for (pattern, path) in cases {
            let server = echo(t);
            let url = pattern.replace("{p}", &server.port.to_string());
            let expected = format!("{ws_scheme}://{host}:{}{path}", server.port);
            opens_with_resolved_url(t, &url, &expected);
            server.join();
        }
    }
}

fn assert_syntax(result: wsync::Result<WebSocket>, what: &str) {
    match result {
        Err(Error::Syntax(_)) => {}
        other => panic!("{what}: expected Error::Syntax, got {other:?}"),
    }
}

/// Asserts that nobody connected to `listener` within a short window.
fn assert_no_connection(listener: &TcpListener) {
    listener.set_nonblocking(true).unwrap();
    let end = Instant::now() + Duration::from_millis(200);
    loop {
        match listener.accept() {
            Ok((_, from)) => panic!("a refused URL still led to a connection from {from}"),
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Err(e) => panic!("accept: {e}"),
        }
        if Instant::now() >= end {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn bad_urls_are_syntax_errors_without_connecting() {
    // A live listener: a URL error must be reported before any connection is tried.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let urls = [
        format!("ftp://127.0.0.1:{port}/"),
        format!("file://127.0.0.1:{port}/etc/passwd"),
        "file:///etc/passwd".to_owned(),
        "javascript:alert(1)".to_owned(),
        "mailto:someone@example.com".to_owned(),
        format!("data:text/plain,ws://127.0.0.1:{port}/"),
        format!("wss+unix://127.0.0.1:{port}/"),
        // Fragments, even empty ones, in every accepted scheme.
        format!("ws://127.0.0.1:{port}/#"),
        format!("ws://127.0.0.1:{port}/chat#frag"),
        format!("wss://127.0.0.1:{port}/#x"),
        format!("http://127.0.0.1:{port}/p?q=1#f"),
        format!("https://127.0.0.1:{port}/#f"),
        // Relative URLs and garbage.
        "/chat".to_owned(),
        "chat".to_owned(),
        format!("//127.0.0.1:{port}/chat"),
        format!("127.0.0.1:{port}"),
        String::new(),
        "ws://".to_owned(),
        "ws://127.0.0.1:99999/".to_owned(),
        "ws://exa mple.com/".to_owned(),
    ];
    for url in &urls {
        assert_syntax(WebSocket::new(url), &format!("WebSocket::new({url:?})"));
        assert_syntax(
            WebSocket::with_protocols(url, ["chat"]),
            &format!("with_protocols({url:?})"),
        );
        assert_syntax(WebSocket::builder(url).build(), &format!("build({url:?})"));
        assert_syntax(
            WebSocket::connect(url),
            &format!("WebSocket::connect({url:?})"),
        );
    }
    assert_no_connection(&listener);
}

#[test]
fn duplicate_or_non_token_subprotocols_are_syntax_errors_without_connecting() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let bad: &[&[&str]] = &[
        &["chat", "chat"],
        &["a", "b", "a"],
        &[""],
        &["chat", ""],
        &["a b"],
        &["a,b"],
        &["chat/1"],
        &["v=1"],
        &["(x)"],
        &["\"q\""],
        &["tab\there"],
        &["ünicode"],
        &["new\r\nline"],
    ];
    for t in Transport::ALL {
        let url = format!("{}://127.0.0.1:{port}/", t.scheme());
        for protocols in bad {
            let what = format!("{url} with {protocols:?}");
            assert_syntax(
                WebSocket::with_protocols(&url, protocols.iter().copied()),
                &format!("with_protocols: {what}"),
            );
            assert_syntax(
                WebSocket::builder(&url)
                    .protocols(protocols.iter().copied())
                    .build(),
                &format!("build: {what}"),
            );
            assert_syntax(
                WebSocket::builder(&url)
                    .protocols(protocols.iter().copied())
                    .connect(),
                &format!("connect: {what}"),
            );
        }
    }
    assert_no_connection(&listener);
}

#[test]
fn blocked_ports_are_security_errors() {
    // A sample; the unit tests in src/target.rs cover the whole list.
    for port in [0u16, 1, 7, 21, 22, 25, 6667, 6697, 10080] {
        for scheme in ["ws", "wss", "http", "https"] {
            let url = format!("{scheme}://127.0.0.1:{port}/chat");
            let check = |r: wsync::Result<WebSocket>, how: &str| match r {
                Err(Error::Security { port: p }) => assert_eq!(p, port, "{how} {url}"),
                other => panic!("{how} {url}: expected Error::Security, got {other:?}"),
            };
            check(WebSocket::new(&url), "new");
            check(WebSocket::with_protocols(&url, ["chat"]), "with_protocols");
            check(WebSocket::builder(&url).build(), "build");
            check(WebSocket::connect(&url), "connect");
        }
    }
    // By name too: the port, not the address, is what is blocked.
    match WebSocket::new("ws://localhost:6667/") {
        Err(Error::Security { port: 6667 }) => {}
        other => panic!("expected Security 6667, got {other:?}"),
    }
}
