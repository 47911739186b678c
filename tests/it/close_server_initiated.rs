//! A close started by the server: the client echoes the code, waits for the server to close
//! TCP and reports the server's code and reason, clean; an empty body is 1005 and is echoed
//! empty; a code not allowed on the wire or a one-byte body fails the connection with 1002.

use crate::common::{
    close_frame, connect, expect_close, failed_by_peer_bytes, frame, RawPeer, Transport, OP_CLOSE,
};
use std::time::Duration;
use wsync::{Error, ProtocolError, ReadyState};

#[test]
fn the_client_echoes_the_code_and_reports_a_clean_close() {
    for t in Transport::ALL {
        let (url, peer) = RawPeer::spawn_on(t, move |mut conn| {
            conn.handshake();
            conn.write(&close_frame(4001, "bye"));
            let f = conn.read_frame();
            assert_eq!(f.opcode, OP_CLOSE, "{t:?}: expected the echo, got {f:?}");
            assert!(f.payload.len() >= 2, "{t:?}: echo body {:?}", f.payload);
            assert_eq!(
                u16::from_be_bytes([f.payload[0], f.payload[1]]),
                4001,
                "{t:?}: echoed code"
            );
            conn.shutdown();
        });
        let ws = connect(&url);
        let close = expect_close(&ws);
        assert_eq!(close.code, 4001, "{t:?}: {close:?}");
        assert_eq!(close.reason, "bye", "{t:?}");
        assert!(close.was_clean, "{t:?}: {close:?}");
        assert_eq!(ws.ready_state(), ReadyState::Closed);
        peer.join();
    }
}

#[test]
fn an_empty_close_body_is_1005_and_echoed_empty() {
    for t in Transport::ALL {
        let (url, peer) = RawPeer::spawn_on(t, move |mut conn| {
            conn.handshake();
            conn.write(&frame(true, OP_CLOSE, &[]));
            let f = conn.read_frame();
            assert_eq!(f.opcode, OP_CLOSE, "{t:?}: expected the echo, got {f:?}");
            assert!(f.payload.is_empty(), "{t:?}: echo body {:?}", f.payload);
            conn.shutdown();
        });
        let ws = connect(&url);
        let close = expect_close(&ws);
        assert_eq!(close.code, 1005, "{t:?}: {close:?}");
        assert_eq!(close.reason, "");
        assert!(close.was_clean, "{t:?}: {close:?}");
        peer.join();
    }
}

/// Runs a peer that sends `body` as its close frame's payload and expects the client to fail
/// the connection with a 1002 close frame ([`failed_by_peer_bytes`]); returns the client's
/// error.
fn failed_by_close_body(t: Transport, body: Vec<u8>) -> Error {
    failed_by_peer_bytes(
        t,
        |b| b.close_timeout(Duration::from_millis(300)),
        frame(true, OP_CLOSE, &body),
        &[],
        1002,
    )
}

#[test]
fn an_invalid_close_code_fails_with_1002() {
    for t in Transport::ALL {
        for code in [1005u16, 1006, 999, 2000, 1015] {
            let mut body = code.to_be_bytes().to_vec();
            body.extend_from_slice(b"x");
            match failed_by_close_body(t, body) {
                Error::Protocol(ProtocolError::InvalidCloseCode(c)) if c == code => {}
                other => panic!("{t:?}: close code {code}: got {other:?}"),
            }
        }
    }
}

#[test]
fn a_one_byte_close_body_fails_with_1002() {
    for t in Transport::ALL {
        match failed_by_close_body(t, vec![0x03]) {
            Error::Protocol(ProtocolError::BadClosePayload) => {}
            other => panic!("{t:?}: got {other:?}"),
        }
    }
}
