//! Text and binary messages round-trip through a real peer, over ws:// and wss://.

use crate::common::{connect, echo, expect_close, expect_message, Transport};
use wsync::{Message, ReadyState};

#[test]
fn text_and_binary_round_trip() {
    for t in Transport::ALL {
        let server = echo(t);
        let ws = connect(&server.url);
        assert_eq!(ws.ready_state(), ReadyState::Open);
        ws.send("hello").unwrap();
        assert_eq!(expect_message(&ws), Message::Text("hello".into()));
        let blob: Vec<u8> = (0..100_000u32).map(|i| i as u8).collect();
        ws.send(&blob).unwrap();
        assert_eq!(expect_message(&ws), Message::Binary(blob));
        ws.send(String::from("owned")).unwrap();
        assert_eq!(expect_message(&ws), Message::Text("owned".into()));
        ws.send(vec![1u8, 2, 3]).unwrap();
        assert_eq!(expect_message(&ws), Message::Binary(vec![1, 2, 3]));
        ws.close_with(1000, "bye").unwrap();
        let close = expect_close(&ws);
        assert!(close.was_clean, "{t:?}: {close:?}");
        assert_eq!(close.code, 1000);
        assert_eq!(ws.ready_state(), ReadyState::Closed);
        assert_eq!(ws.buffered_amount(), 0);
        server.join();
    }
}
