//! Builder settings out of range (zero timeouts, zero limits, headers the handshake sets
//! itself, header names that are not tokens, values with CR/LF, proxy URLs that are not usable)
//! make both `build()` and `connect()` return `Error::InvalidConfig`, without panicking or
//! connecting.

use std::io::ErrorKind;
use std::net::TcpListener;
use std::time::Duration;

use crate::common;
use wsync::{Builder, Error, WebSocket};

type Setting = (&'static str, fn(Builder) -> Builder);

fn invalid_settings() -> Vec<Setting> {
    vec![
        ("connect_timeout 0", |b| b.connect_timeout(Duration::ZERO)),
        ("handshake_timeout 0", |b| {
            b.handshake_timeout(Duration::ZERO)
        }),
        ("close_timeout 0", |b| b.close_timeout(Duration::ZERO)),
        ("max_frame_size 0", |b| b.max_frame_size(0)),
        ("max_message_size 0", |b| b.max_message_size(0)),
        ("max_response_size 0", |b| b.max_response_size(0)),
        ("event_queue_capacity 0", |b| b.event_queue_capacity(0)),
        ("fragment_size 0", |b| b.fragment_size(0)),
        ("reader_stack_size 0", |b| b.reader_stack_size(0)),
        ("reader_stack_size 1 KiB", |b| b.reader_stack_size(1024)),
        ("max_response_size 255", |b| b.max_response_size(255)),
        ("Host", |b| b.header("Host", "evil.example")),
        ("host", |b| b.header("host", "evil.example")),
        ("Upgrade", |b| b.header("Upgrade", "websocket")),
        ("Connection", |b| b.header("Connection", "Upgrade")),
        ("Sec-WebSocket-Key", |b| {
            b.header("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
        }),
        ("sec-websocket-version", |b| {
            b.header("sec-websocket-version", "8")
        }),
        ("Sec-WebSocket-Protocol", |b| {
            b.header("Sec-WebSocket-Protocol", "chat")
        }),
        ("Sec-WebSocket-Extensions", |b| {
            b.header("Sec-WebSocket-Extensions", "permessage-deflate")
        }),
        ("CRLF in value", |b| b.header("X-Token", "a\r\nInjected: 1")),
        ("LF in value", |b| b.header("X-Token", "a\nb")),
        ("CR in value", |b| b.header("X-Token", "a\rb")),
        ("NUL in value", |b| b.header("X-Token", "a\0b")),
        ("space in name", |b| b.header("X Token", "v")),
        ("colon in name", |b| b.header("X-Token:", "v")),
        ("empty name", |b| b.header("", "v")),
        ("CRLF in name", |b| b.header("X\r\nY", "v")),
        ("proxy empty", |b| b.proxy("")),
        ("proxy https://", |b| b.proxy("https://proxy:3128")),
        ("proxy socks4://", |b| b.proxy("socks4://proxy")),
        ("proxy socks4a://", |b| b.proxy("socks4a://proxy")),
        ("proxy with a path", |b| b.proxy("http://proxy:3128/path")),
        ("proxy with a query", |b| b.proxy("http://proxy:3128/?q")),
        ("proxy port 0", |b| b.proxy("http://proxy:0")),
        ("proxy without a host", |b| b.proxy("socks5://")),
        ("proxy user with ':'", |b| b.proxy("http://a%3Ab:c@proxy")),
        ("proxy SOCKS5 password > 255", |b| {
            b.proxy(&format!("socks5://u:{}@proxy", "x".repeat(256)))
        }),
        // One bad setting among good ones is enough.
        ("bad among good", |b| {
            b.header("Origin", "https://example.com")
                .close_timeout(Duration::from_secs(1))
                .max_frame_size(0)
        }),
    ]
}

#[test]
fn invalid_settings_are_refused_by_build_and_connect() {
    // A live listener: a refused configuration must not connect anywhere.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    for scheme in ["ws", "wss"] {
        let url = format!("{scheme}://127.0.0.1:{port}/");
        for (name, set) in invalid_settings() {
            match set(WebSocket::builder(&url)).build() {
                Err(Error::InvalidConfig(why)) => assert!(!why.is_empty(), "{name}"),
                other => panic!("{scheme} {name}: build() gave {other:?}"),
            }
            match set(WebSocket::builder(&url)).connect() {
                Err(Error::InvalidConfig(_)) => {}
                other => panic!("{scheme} {name}: connect() gave {other:?}"),
            }
        }
    }
    listener.set_nonblocking(true).unwrap();
    match listener.accept() {
        Err(e) if e.kind() == ErrorKind::WouldBlock => {}
        Ok((_, from)) => panic!("an invalid configuration connected from {from}"),
        Err(e) => panic!("accept: {e}"),
    }
}

#[test]
fn smallest_valid_settings_work() {
    // The counterpart: ordinary headers and the smallest positive settings are accepted, and a
    // socket built with them works (a one-byte message fits every one-byte limit).
    for t in common::Transport::ALL {
        let server = common::echo(t);
        let ws = common::builder(&server.url)
            .header("Origin", "https://example.com")
            .header("Authorization", "Bearer x")
            .header("X-Tab", "a\tb")
            .connect_timeout(Duration::from_secs(5))
            .handshake_timeout(Duration::from_secs(5))
            .close_timeout(Duration::from_millis(300))
            .max_frame_size(1)
            .max_message_size(1)
            .max_response_size(wsync::DEFAULT_MAX_RESPONSE_SIZE)
            .event_queue_capacity(1)
            .fragment_size(1)
            .connect()
            .expect("valid settings connect");
        ws.send("x").unwrap();
        assert_eq!(
            common::expect_message(&ws),
            wsync::Message::Text("x".into())
        );
        ws.close().unwrap();
        assert!(common::expect_close(&ws).was_clean);
        server.join();
    }
}
