//! Without the `native-tls` feature a wss:// URL fails at once with `Error::TlsUnavailable`,
//! never a panic, while ws:// works as usual.

use crate::common;
use crate::common::{echo, expect_close, expect_message, Transport};
use wsync::{Error, Message, WebSocket};

#[test]
fn wss_url_is_refused_synchronously() {
    for url in ["wss://localhost:4433/", "https://example.com/chat"] {
        match WebSocket::new(url) {
            Err(Error::TlsUnavailable) => {}
            Err(e) => panic!("{url}: expected TlsUnavailable, got {e:?}"),
            Ok(_) => panic!("{url}: a socket was returned without TLS support"),
        }
        match WebSocket::builder(url)
            .add_root_certificate_pem(common::tls::ca_pem())
            .connect()
        {
            Err(Error::TlsUnavailable) => {}
            other => panic!("{url}: expected TlsUnavailable from connect, got {other:?}"),
        }
    }
    // The error says what is missing.
    assert!(Error::TlsUnavailable.to_string().contains("native-tls"));
}

#[test]
fn ws_still_works() {
    let server = echo(Transport::Plain);
    let ws = WebSocket::connect(&server.url).expect("connect over ws://");
    ws.send("no tls needed").unwrap();
    assert_eq!(expect_message(&ws), Message::Text("no tls needed".into()));
    ws.close().unwrap();
    assert!(expect_close(&ws).was_clean);
    server.join();
}
