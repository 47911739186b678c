//! The default frame limit is the message limit: a server that sends a 16 MiB + 1 message in
//! one frame (as Python `websockets` and Node `ws` do) is accepted, as browsers accept it,
//! instead of failing the connection with 1009.

use crate::common::{connect, expect_close, expect_message, serve, Transport};
use tungstenite::Message as TMessage;
use wsync::{Message, DEFAULT_MAX_FRAME_SIZE, DEFAULT_MAX_MESSAGE_SIZE};

/// One byte more than the 16 MiB that used to be the frame limit.
const SIZE: usize = (16 << 20) + 1;

/// The payload: not all one byte, so that a misplaced piece shows.
fn payload() -> Vec<u8> {
    (0..SIZE).map(|i| (i % 251) as u8).collect()
}

#[test]
fn a_message_over_16_mib_in_one_frame_is_accepted() {
    assert_eq!(DEFAULT_MAX_FRAME_SIZE, DEFAULT_MAX_MESSAGE_SIZE);
    let server = serve(Transport::Plain, |mut ws| {
        // tungstenite never fragments what it sends: this is one frame.
        ws.send(TMessage::Binary(payload().into()))
            .expect("peer: send");
        // Wait for the client's close, answering it.
        while ws.read().is_ok() {}
    });
    let ws = connect(&server.url);
    match expect_message(&ws) {
        Message::Binary(got) => {
            assert_eq!(got.len(), SIZE);
            assert!(got == payload(), "the payload arrived altered");
        }
        other => panic!(
            "expected a binary message, got {} bytes of text",
            other.len()
        ),
    }
    ws.close().unwrap();
    let close = expect_close(&ws);
    assert!(close.was_clean, "{close:?}");
    server.join();
}
