//! A server that sends a message and then breaks the protocol, in one burst, is failed only after
//! the application had its turn with the message: the application's answer reaches the server
//! before the client's 1002 close frame, as if the client had read the two one after the other.

use crate::common::{
    builder, expect_error_then_close, frame_raw, next_event, text, RawPeer, Transport, OP_CLOSE,
    OP_TEXT,
};
use wsync::{Error, Event, Message, ProtocolError};

#[test]
fn the_answer_to_an_earlier_message_goes_out_before_the_failure() {
    for t in Transport::ALL {
        let (url, peer) = RawPeer::spawn_on(t, |mut conn| {
            conn.handshake();
            // A valid message and a frame with RSV1 set, in the same write.
            conn.write(&[text("first"), frame_raw(0xC1, b"x")].concat());
            let answer = conn.read_frame();
            assert_eq!(
                (answer.opcode, &answer.payload[..]),
                (OP_TEXT, &b"echo: first"[..])
            );
            let close = conn.read_frame();
            assert_eq!(close.opcode, OP_CLOSE);
            assert_eq!(&close.payload[..2], &1002u16.to_be_bytes());
        });
        let ws = builder(&url).connect().unwrap();
        match next_event(&ws) {
            Event::Message(Message::Text(m)) => ws.send(format!("echo: {m}")).unwrap(),
            other => panic!("{t:?}: expected the first message, got {other:?}"),
        }
        let (error, _) = expect_error_then_close(&ws);
        assert!(
            matches!(error, Error::Protocol(ProtocolError::ReservedBits)),
            "{error:?}"
        );
        peer.join();
    }
}
