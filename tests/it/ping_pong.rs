//! Pings are answered with pongs carrying the identical payload (0 to 125 bytes); unsolicited
//! pongs are ignored: no event, no reply, and the connection stays open (RFC 6455 §5.5.2-3).

use crate::common;
use crate::common::{
    connect, drain_to_close, expect_message, ping, pong, text, RawPeer, Transport, OP_CLOSE,
};
use wsync::{Message, ReadyState};

#[test]
fn pings_get_pongs_with_identical_payloads() {
    for t in Transport::ALL {
        let (url, peer) = RawPeer::spawn_on(t, |mut conn| {
            conn.handshake();
            let max: Vec<u8> = (0..125u32).map(|i| (i * 7 + 0x80) as u8).collect();
            let payloads: [&[u8]; 4] = [b"", &max, b"\x00\xFF not utf-8 \xC0", b"x"];
            // One at a time, then all in one write: each answered, in order.
            for p in payloads {
                conn.write(&ping(p));
                conn.expect_pong(p);
            }
            let burst: Vec<u8> = payloads.iter().flat_map(|p| ping(p)).collect();
            conn.write(&burst);
            for p in payloads {
                conn.expect_pong(p);
            }
            // The connection is still usable afterwards.
            conn.write(&text("still open"));
            conn.write(&common::close_frame(1000, ""));
            assert_eq!(conn.expect_close(), Some((1000, String::new())));
        });
        let ws = connect(&url);
        // Pings raise no event: the first event is the message sent after them.
        assert_eq!(
            expect_message(&ws),
            Message::Text("still open".into()),
            "{t:?}"
        );
        let (rest, close) = drain_to_close(&ws);
        assert!(rest.is_empty(), "{t:?}: unexpected events {rest:?}");
        assert!(close.was_clean && close.code == 1000, "{t:?}: {close:?}");
        peer.join();
    }
}

#[test]
fn unsolicited_pongs_are_ignored() {
    for t in Transport::ALL {
        let (url, peer) = RawPeer::spawn_on(t, |mut conn| {
            conn.handshake();
            conn.write(&pong(b"unsolicited"));
            conn.write(&pong(b""));
            conn.write(&pong(&[0xAB; 125]));
            conn.write(&text("after the pongs"));
            // The client answers nothing to the pongs: its next frame is the close it sends
            // when the test calls close().
            let f = conn.read_frame();
            assert_eq!(f.opcode, OP_CLOSE, "frame sent in reply to a pong: {f:?}");
            conn.write(&common::close_frame(1000, ""));
        });
        let ws = connect(&url);
        assert_eq!(
            expect_message(&ws),
            Message::Text("after the pongs".into()),
            "{t:?}: a pong raised an event or broke the connection"
        );
        assert_eq!(ws.ready_state(), ReadyState::Open);
        ws.close().unwrap();
        let (rest, close) = drain_to_close(&ws);
        assert!(rest.is_empty(), "{t:?}: unexpected events {rest:?}");
        assert!(close.was_clean, "{t:?}: {close:?}");
        peer.join();
    }
}
