//! The opening handshake request (RFC 6455 §4.1): `GET` with the path and query, `Host` with a
//! non-default port, `Upgrade`/`Connection`, version 13, a fresh base64 16-byte key per
//! connection, the caller's headers, and the offered subprotocols in order.

use std::sync::mpsc;

use crate::common;
use crate::common::{
    builder, expect_close, frame, HttpRequest, RawPeer, Transport, OP_CLOSE, WAIT,
};
use base64::Engine as _;
use wsync::{ReadyState, WebSocket};

/// Opens `path` on a raw peer over `t` with the given builder settings and returns the request
/// the peer read, and the URL's host and port. The peer answers with `reply_extra` header lines.
fn request_for(
    t: Transport,
    path: &str,
    reply_extra: &'static str,
    configure: impl FnOnce(wsync::Builder) -> wsync::Builder,
) -> (HttpRequest, u16) {
    let (tx, rx) = mpsc::channel();
    let peer = RawPeer::bind_on(t);
    let (base, port) = (peer.url.clone(), peer.port);
    let handle = peer.serve(move |mut conn| {
        let req = conn.handshake_with(reply_extra);
        tx.send(req).unwrap();
        assert_eq!(
            conn.expect_close(),
            None,
            "close() sends an empty close frame"
        );
        conn.write(&frame(true, OP_CLOSE, &[]));
        conn.shutdown();
    });
    // `base` is `ws://127.0.0.1:P/` or `wss://localhost:P/`.
    let url = format!("{}{path}", base.trim_end_matches('/'));
    let ws = configure(builder(&url)).connect().expect("connect");
    assert_eq!(ws.ready_state(), ReadyState::Open);
    let req = rx.recv_timeout(WAIT).expect("the peer read a request");
    ws.close().unwrap();
    assert!(expect_close(&ws).was_clean);
    handle.join();
    (req, port)
}

fn host_of(t: Transport) -> &'static str {
    match t {
        Transport::Plain => "127.0.0.1",
        Transport::Tls => "localhost",
    }
}

/// Whether the comma-separated header `value` lists `token`, case-insensitively.
fn lists(value: Option<&str>, token: &str) -> bool {
    value.is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
}

#[test]
fn request_line_host_and_upgrade_headers() {
    for t in Transport::ALL {
        let (req, port) = request_for(t, "/chat/room?x=1&y=two%20words", "", |b| b);
        assert_eq!(
            req.request_line, "GET /chat/room?x=1&y=two%20words HTTP/1.1",
            "{t:?}: the query is kept"
        );
        assert_eq!(
            req.header("Host"),
            Some(format!("{}:{port}", host_of(t)).as_str()),
            "{t:?}: Host carries the non-default port"
        );
        assert_eq!(req.headers_named("Host").len(), 1);
        assert!(lists(req.header("Upgrade"), "websocket"), "{req:?}");
        assert!(lists(req.header("Connection"), "Upgrade"), "{req:?}");
        assert_eq!(req.header("Sec-WebSocket-Version"), Some("13"));
        assert_eq!(req.headers_named("Sec-WebSocket-Key").len(), 1);
        let key = base64::engine::general_purpose::STANDARD
            .decode(req.key())
            .expect("the key is base64");
        assert_eq!(key.len(), 16, "{t:?}: the key is a 16-byte nonce");
        // No subprotocol offered: no protocol header. Compression is offered as browsers do.
        assert!(req.header("Sec-WebSocket-Protocol").is_none(), "{req:?}");
        // Without the `deflate` feature nothing is offered.
        let offer =
            cfg!(feature = "deflate").then_some("permessage-deflate; client_max_window_bits");
        assert_eq!(req.header("Sec-WebSocket-Extensions"), offer, "{req:?}");

        // No path at all: `/`.
        let (req, _) = request_for(t, "", "", |b| b);
        assert_eq!(req.request_line, "GET / HTTP/1.1");
        // An empty query is still sent.
        let (req, _) = request_for(t, "/p?", "", |b| b);
        assert_eq!(req.request_line, "GET /p? HTTP/1.1");
    }
}

#[cfg(feature = "deflate")]
#[test]
fn the_compression_offer_follows_the_builder() {
    for t in Transport::ALL {
        let (req, _) = request_for(t, "/", "", |b| b.no_compression());
        assert!(req.header("Sec-WebSocket-Extensions").is_none(), "{req:?}");
        let settings = wsync::Compression::default()
            .server_no_context_takeover(true)
            .client_no_context_takeover(true)
            .server_max_window_bits(10)
            .client_max_window_bits(9);
        let (req, _) = request_for(t, "/", "", |b| b.compression(settings));
        assert_eq!(
            req.header("Sec-WebSocket-Extensions"),
            Some(
                "permessage-deflate; server_no_context_takeover; client_no_context_takeover; \
                 server_max_window_bits=10; client_max_window_bits=9"
            ),
            "{req:?}"
        );
        let (req, _) = request_for(t, "/", "", |b| {
            b.compression(wsync::Compression::default().without_client_max_window_bits())
        });
        assert_eq!(
            req.header("Sec-WebSocket-Extensions"),
            Some("permessage-deflate")
        );
    }
}

#[test]
fn the_key_is_fresh_for_each_connection() {
    for t in Transport::ALL {
        let keys: Vec<String> = (0..3)
            .map(|_| request_for(t, "/", "", |b| b).0.key().to_owned())
            .collect();
        assert_ne!(keys[0], keys[1], "{t:?}");
        assert_ne!(keys[1], keys[2], "{t:?}");
        assert_ne!(keys[0], keys[2], "{t:?}");
    }
}

#[test]
fn caller_headers_are_sent() {
    for t in Transport::ALL {
        let (req, _) = request_for(t, "/", "", |b| {
            b.header("Origin", "https://example.com")
                .header("Authorization", "Bearer abc.def")
                .header("Cookie", "a=1; b=2")
                .header("X-Custom", "one, two\tthree")
        });
        assert_eq!(req.header("Origin"), Some("https://example.com"));
        assert_eq!(req.header("Authorization"), Some("Bearer abc.def"));
        assert_eq!(req.header("Cookie"), Some("a=1; b=2"));
        assert_eq!(req.header("X-Custom"), Some("one, two\tthree"));
    }
}

#[test]
fn offered_subprotocols_are_sent_in_order() {
    for t in Transport::ALL {
        let (req, _) = request_for(t, "/", "Sec-WebSocket-Protocol: chat.v1\r\n", |b| {
            b.protocols(["chat.v3", "chat.v1", "x-Other"])
        });
        let offered: Vec<&str> = req
            .headers_named("Sec-WebSocket-Protocol")
            .iter()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        assert_eq!(offered, ["chat.v3", "chat.v1", "x-Other"], "{t:?}");
    }
}

#[test]
fn with_protocols_sends_them_too() {
    // `WebSocket::with_protocols` (no custom CA, so plain TCP only).
    let (tx, rx) = mpsc::channel();
    let (url, peer) = RawPeer::spawn_on(Transport::Plain, move |mut conn| {
        let req = conn.handshake_with("Sec-WebSocket-Protocol: b\r\n");
        tx.send(req).unwrap();
        assert_eq!(conn.expect_close(), None);
        conn.write(&frame(true, OP_CLOSE, &[]));
        conn.shutdown();
    });
    let ws = WebSocket::with_protocols(&url, ["a", "b"]).unwrap();
    common::expect_open(&ws);
    assert_eq!(ws.protocol(), "b");
    let req = rx.recv_timeout(WAIT).unwrap();
    assert_eq!(req.header("Sec-WebSocket-Protocol"), Some("a, b"));
    ws.close().unwrap();
    assert!(expect_close(&ws).was_clean);
    peer.join();
}
