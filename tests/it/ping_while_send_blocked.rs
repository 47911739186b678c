//! A ping that arrives while a send is blocked (the server is not reading) does not stop the
//! reader: messages after the ping keep arriving, and the pong goes out as soon as the send
//! lets go of the socket. Waiting for the writer instead would deadlock with a server that only
//! reads once it has written.

use std::sync::mpsc;

use crate::common::{
    close_frame, connect_and_block_a_send, expect_close, expect_message, ping, text, wait_for_test,
    RawPeer, Transport, BLOCKING_SEND, OP_BINARY, OP_CONT, OP_PONG,
};
use wsync::Message;

/// Messages the peer sends right after its ping.
const AFTER: usize = 100;

fn ping_while_send_blocked(t: Transport) {
    let (sending_tx, sending) = mpsc::channel::<()>();
    let (delivered_tx, delivered) = mpsc::channel::<()>();
    let (url, peer) = RawPeer::spawn_on(t, move |mut conn| {
        conn.handshake();
        wait_for_test(&sending);
        // The client's writer is held by a send that this peer is not reading.
        let mut bytes = ping(b"p");
        for i in 0..AFTER {
            bytes.extend(text(&i.to_string()));
        }
        conn.write(&bytes);
        wait_for_test(&delivered);
        // Now read: the whole message, then the pong.
        let mut data = 0;
        loop {
            let f = conn.read_frame();
            match f.opcode {
                OP_BINARY | OP_CONT => data += f.payload.len(),
                OP_PONG => {
                    assert_eq!(f.payload, b"p", "{t:?} peer: pong payload");
                    break;
                }
                op => panic!("{t:?} peer: unexpected opcode {op}"),
            }
        }
        assert_eq!(
            data, BLOCKING_SEND,
            "{t:?} peer: the message came before the pong"
        );
        conn.write(&close_frame(1000, ""));
        assert_eq!(conn.expect_close(), Some((1000, String::new())));
    });
    let (ws, sender) = connect_and_block_a_send(&url);
    sending_tx.send(()).unwrap();
    for i in 0..AFTER {
        assert_eq!(
            expect_message(&ws),
            Message::Text(i.to_string()),
            "{t:?}: the reader stopped after the ping"
        );
    }
    assert!(ws.buffered_amount() > 0, "{t:?}: the send was not blocked");
    delivered_tx.send(()).unwrap();
    sender.join().expect("send");
    let close = expect_close(&ws);
    assert!(close.was_clean && close.code == 1000, "{t:?}: {close:?}");
    peer.join();
}

#[test]
fn the_reader_keeps_reading_and_the_pong_follows_the_send() {
    for t in Transport::ALL {
        ping_while_send_blocked(t);
    }
}
