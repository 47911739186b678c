//! The reply head is bounded by `max_response_size`: a head that never ends fails with
//! `HandshakeError::TooLarge` as soon as the limit is passed (the client does not wait for the
//! end nor buffer without bound), and the default limit is `DEFAULT_MAX_RESPONSE_SIZE`: a head
//! of exactly that size opens, one byte more fails.

use std::time::Duration;

use crate::common::{
    assert_disconnected, builder, expect_close, expect_error_then_close, expect_open, frame,
    BoundedThread, RawConn, RawPeer, Transport, OP_CLOSE,
};
use wsync::{Error, HandshakeError, ReadyState, DEFAULT_MAX_RESPONSE_SIZE};

/// How much a peer writes at most; a client that reads all of it waited for the end.
const FLOOD_CAP: usize = 64 << 20;

/// A peer that starts a 101 head, then streams one header value forever (up to
/// [`FLOOD_CAP`]) until the client drops the connection (or stops reading for longer than the
/// raw peer's write timeout). Returns how much it wrote.
fn flooding_peer(t: Transport) -> (String, BoundedThread<usize>) {
    RawPeer::spawn_on(t, |mut conn| {
        conn.read_request();
        let mut sent = 0usize;
        let head = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nX-Huge: ";
        if conn.try_write(head).is_err() {
            return sent;
        }
        sent += head.len();
        let chunk = vec![b'a'; 16 << 10];
        while sent < FLOOD_CAP {
            if conn.try_write(&chunk).is_err() {
                return sent;
            }
            sent += chunk.len();
        }
        sent
    })
}

#[test]
fn an_endless_head_fails_at_the_limit() {
    for t in Transport::ALL {
        for via_connect in [false, true] {
            let limit = 4096;
            let (url, peer) = flooding_peer(t);
            let b = builder(&url).max_response_size(limit);
            let error = if via_connect {
                b.connect().expect_err("an endless head must not open")
            } else {
                let ws = b.build().unwrap();
                let (error, _) = expect_error_then_close(&ws);
                assert_eq!(ws.ready_state(), ReadyState::Closed);
                assert_disconnected(&ws);
                error
            };
            match error {
                Error::Handshake(HandshakeError::TooLarge { limit: l }) => {
                    assert_eq!(l, limit, "{t:?}")
                }
                other => panic!("{t:?}: expected TooLarge, got {other:?}"),
            }
            let sent = peer.join();
            assert!(
                sent < FLOOD_CAP,
                "{t:?}: the client read {sent} bytes of an endless head without failing"
            );
        }
    }
}

/// A complete, valid 101 head of exactly `len` bytes for the request's key.
fn head_of_len(key: &str, len: usize) -> Vec<u8> {
    let build = |pad: usize| {
        format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {}\r\nX-Pad: {}\r\n\r\n",
            RawConn::accept_key(key),
            "p".repeat(pad)
        )
    };
    let base = build(0).len();
    assert!(len > base);
    let head = build(len - base).into_bytes();
    assert_eq!(head.len(), len);
    head
}

#[test]
fn default_limit_is_the_documented_constant() {
    for t in Transport::ALL {
        // Exactly at the limit: accepted.
        let (url, peer) = RawPeer::spawn_on(t, |mut conn| {
            let req = conn.read_request();
            conn.write(&head_of_len(req.key(), DEFAULT_MAX_RESPONSE_SIZE));
            assert_eq!(conn.expect_close(), None);
            conn.write(&frame(true, OP_CLOSE, &[]));
            // The server closes TCP first (RFC 6455 §7.1.1).
            conn.shutdown();
        });
        let ws = builder(&url).build().unwrap();
        expect_open(&ws);
        ws.close().unwrap();
        let close = expect_close(&ws);
        assert!(close.was_clean, "{t:?}: {close:?}");
        peer.join();

        // One byte over: refused with the default limit.
        let (url, peer) = RawPeer::spawn_on(t, |mut conn| {
            let req = conn.read_request();
            conn.stream()
                .set_write_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            let _ = conn.try_write(&head_of_len(req.key(), DEFAULT_MAX_RESPONSE_SIZE + 1));
            conn.read_to_eof();
        });
        match builder(&url).connect() {
            Err(Error::Handshake(HandshakeError::TooLarge { limit })) => {
                assert_eq!(limit, DEFAULT_MAX_RESPONSE_SIZE, "{t:?}")
            }
            other => panic!("{t:?}: expected TooLarge, got {other:?}"),
        }
        peer.join();
    }
}
