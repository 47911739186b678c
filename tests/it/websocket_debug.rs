//! `Debug` of a `WebSocket` shows what the browser lets a script read (url, ready state by name,
//! protocol, extensions, buffered amount) and nothing of the machinery behind it.

use crate::common::{close_frame, expect_close, RawPeer};
use wsync::WebSocket;

/// What `{:?}` must print for a socket to `url` in `state` that negotiated `chat`.
fn expected(url: &str, state: &str) -> String {
    format!(
        "WebSocket {{ url: {url:?}, ready_state: {state}, protocol: \"chat\", extensions: \"\", \
         buffered_amount: 0 }}"
    )
}

#[test]
fn debug_shows_the_browsers_attributes_only() {
    let (url, peer) = RawPeer::spawn(|mut conn| {
        conn.handshake_with("Sec-WebSocket-Protocol: chat\r\n");
        let close = conn.expect_close();
        conn.write(&close_frame(1000, ""));
        // The server closes TCP first (RFC 6455 §7.1.1).
        conn.shutdown();
        close
    });
    let ws = WebSocket::builder(&url)
        .protocols(["chat"])
        .connect()
        .expect("connect");
    assert_eq!(format!("{ws:?}"), expected(&url, "Open"));

    ws.close().unwrap();
    let close = expect_close(&ws);
    assert!(close.was_clean, "{close:?}");
    assert_eq!(format!("{ws:?}"), expected(&url, "Closed"));
    assert_eq!(peer.join(), None, "close() sends an empty body");
}
