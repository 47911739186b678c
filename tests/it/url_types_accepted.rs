//! The constructors take the URL as `&str`, `String`, `&String`, `url::Url` or `&url::Url`.

use crate::common::server::Server;
use crate::common::{expect_close, expect_message, expect_open, serve, Transport};
use wsync::{Message, WebSocket};

/// A peer that echoes one text message, then answers the close.
fn one_echo() -> Server {
    serve(Transport::Plain, |mut ws| {
        let m = ws.read().expect("peer: a message");
        ws.send(m).expect("peer: echo");
        while ws.read().is_ok() {}
    })
}

/// Checks an OPEN socket with one echo and a clean close.
fn works(ws: WebSocket, server: Server, how: &str) {
    ws.send(how).unwrap();
    assert_eq!(expect_message(&ws), Message::Text(how.into()), "{how}");
    ws.close().unwrap();
    assert!(expect_close(&ws).was_clean, "{how}");
    server.join();
}

#[test]
fn connect_takes_str_string_and_url() {
    let s = one_echo();
    works(WebSocket::connect(s.url.as_str()).unwrap(), s, "&str");
    let s = one_echo();
    works(WebSocket::connect(s.url.clone()).unwrap(), s, "String");
    let s = one_echo();
    works(WebSocket::connect(&s.url).unwrap(), s, "&String");
    let s = one_echo();
    let url = url::Url::parse(&s.url).unwrap();
    works(WebSocket::connect(&url).unwrap(), s, "&Url");
    let s = one_echo();
    let url = url::Url::parse(&s.url).unwrap();
    works(WebSocket::connect(url).unwrap(), s, "Url");
}

#[test]
fn new_builder_and_with_protocols_take_a_url() {
    let s = one_echo();
    let url = url::Url::parse(&s.url).unwrap();
    let ws = WebSocket::new(&url).unwrap();
    expect_open(&ws);
    assert_eq!(ws.url(), url.as_str());
    works(ws, s, "new");

    let s = one_echo();
    let url = url::Url::parse(&s.url).unwrap();
    works(WebSocket::builder(url).connect().unwrap(), s, "builder");

    // tungstenite chooses no subprotocol; offering none keeps the handshake valid.
    let s = one_echo();
    let url = url::Url::parse(&s.url).unwrap();
    let ws = WebSocket::with_protocols(url, Vec::<String>::new()).unwrap();
    expect_open(&ws);
    works(ws, s, "with_protocols");
}
