//! `events()` hands out the channel itself, for `select!`: its items are batches that iterate
//! into the same events, in the same order, as `recv()` would give, messages of every size
//! intact; after the `Close` event the channel disconnects.

use std::time::Duration;

use crate::common::{binary, close_frame, connect, text, RawPeer, Transport, WAIT};
use wsync::crossbeam_channel::{select, tick};
use wsync::{Event, Message};

#[test]
fn select_over_the_channel_sees_every_event_in_order() {
    let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    for t in Transport::ALL {
        let big2 = big.clone();
        let (url, peer) = RawPeer::spawn_on(t, move |mut conn| {
            conn.handshake();
            let mut bytes = text("one");
            bytes.extend(binary(&[2, 2]));
            bytes.extend(binary(&big2));
            bytes.extend(text(""));
            bytes.extend(close_frame(1000, "bye"));
            conn.write(&bytes);
            assert_eq!(conn.expect_close(), Some((1000, String::new())));
        });
        let ws = connect(&url);
        let ticker = tick(Duration::from_millis(10));
        let mut events = Vec::new();
        let mut ticks = 0;
        let disconnected = loop {
            select! {
                recv(ws.events()) -> batch => match batch {
                    Ok(batch) => {
                        assert!(!batch.is_empty(), "{t:?}: batches are never empty");
                        let n = batch.len();
                        let before = events.len();
                        events.extend(batch);
                        assert_eq!(events.len() - before, n, "{t:?}: len() counts the events");
                    }
                    Err(_) => break true,
                },
                recv(ticker) -> _ => {
                    ticks += 1;
                    assert!(ticks * 10 < WAIT.as_millis() as usize, "{t:?}: no Close came");
                }
            }
        };
        assert!(disconnected);
        let summary: Vec<String> = events
            .iter()
            .map(|e| match e {
                Event::Message(Message::Binary(b)) if b.len() > 100 => {
                    assert!(b == &big, "{t:?}: large message differs");
                    format!("binary {} B", b.len())
                }
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(
            summary,
            [
                r#"Message(Text("one"))"#.to_string(),
                "Message(Binary([2, 2]))".to_string(),
                "binary 200000 B".to_string(),
                r#"Message(Text(""))"#.to_string(),
                r#"Close(CloseEvent { code: 1000, reason: "bye", was_clean: true })"#.to_string(),
            ],
            "{t:?}"
        );
        peer.join();
    }
}
