//! Frame bytes that arrive in the same read as the end of the 101 response are not lost: the
//! peer writes the response, a whole frame and part of another in one write call.

use std::sync::mpsc;

use crate::common::{
    binary, builder, expect_close, expect_message, expect_open, frame, text, RawConn, RawPeer,
    Transport, OP_CLOSE, WAIT,
};
use wsync::Message;

fn big() -> Vec<u8> {
    (0..1000u32).map(|i| (i * 7 % 251) as u8).collect()
}

/// The peer writes `head + text("first") + second[..cut]` in one call, then the rest of the
/// second frame only once the test has received the first message: the client must deliver it
/// from the bytes it has, without waiting for the rest.
fn run(t: Transport, cut: usize) {
    let (got_first_tx, got_first) = mpsc::channel::<()>();
    let (url, peer) = RawPeer::spawn_on(t, move |mut conn| {
        let req = conn.read_request();
        let mut bytes = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {}\r\n\r\n",
            RawConn::accept_key(req.key())
        )
        .into_bytes();
        bytes.extend_from_slice(&text("first"));
        let second = binary(&big());
        bytes.extend_from_slice(&second[..cut]);
        conn.write(&bytes);
        // The rest of the frame comes later: after the client has delivered the first message.
        got_first
            .recv_timeout(WAIT)
            .expect("the test got the first message");
        conn.write(&second[cut..]);
        assert_eq!(conn.expect_close(), None);
        conn.write(&frame(true, OP_CLOSE, &[]));
        conn.shutdown();
    });
    let ws = builder(&url).build().unwrap();
    expect_open(&ws);
    assert_eq!(expect_message(&ws), Message::Text("first".into()), "{t:?}");
    got_first_tx.send(()).unwrap();
    assert_eq!(
        expect_message(&ws),
        Message::Binary(big()),
        "{t:?}, cut {cut}"
    );
    ws.close().unwrap();
    assert!(expect_close(&ws).was_clean);
    peer.join();
}

#[test]
fn frames_in_the_same_write_as_the_101_are_delivered() {
    for t in Transport::ALL {
        // Cut inside the second frame's header (its 16-bit length), then inside its payload.
        run(t, 1);
        run(t, 3);
        run(t, 600);
    }
}

#[test]
fn whole_frames_with_the_101_are_delivered() {
    for t in Transport::ALL {
        let (url, peer) = RawPeer::spawn_on(t, |mut conn| {
            let req = conn.read_request();
            let mut bytes = format!(
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
                 Connection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n\r\n",
                RawConn::accept_key(req.key())
            )
            .into_bytes();
            bytes.extend_from_slice(&text("one"));
            bytes.extend_from_slice(&text("two"));
            bytes.extend_from_slice(&frame(true, OP_CLOSE, &[0x03, 0xE8]));
            conn.write(&bytes);
            // The client echoes the close; the server then closes TCP.
            assert_eq!(conn.expect_close(), Some((1000, String::new())));
            conn.shutdown();
        });
        let ws = builder(&url).build().unwrap();
        expect_open(&ws);
        assert_eq!(expect_message(&ws), Message::Text("one".into()));
        assert_eq!(expect_message(&ws), Message::Text("two".into()));
        let close = expect_close(&ws);
        assert_eq!(close.code, 1000);
        assert!(close.was_clean);
        peer.join();
    }
}
