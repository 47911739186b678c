//! The client's channel in `select!`, beside a ticker, across a reconnect: the batches iterate
//! into every event in order, the `Open` taken from a batch lets sends through, and the channel
//! disconnects after `GaveUp`.

use std::time::Duration;

use wsync::crossbeam_channel::{select, tick};
use wsync::reconnect::GiveUp;
use wsync::{Event, Message, ReconnectEvent};

use super::fast;
use crate::common::{close_frame, spawn_bounded, text, RawPeer, OP_TEXT};

/// What an event was, for comparing sequences.
fn kind(event: &ReconnectEvent) -> String {
    match event {
        ReconnectEvent::Socket(Event::Open) => "open".into(),
        ReconnectEvent::Socket(Event::Message(Message::Text(t))) => format!("text {t}"),
        ReconnectEvent::Socket(Event::Error(_)) => "error".into(),
        ReconnectEvent::Socket(Event::Close(c)) => format!("close {}", c.code),
        ReconnectEvent::Scheduled { attempt, .. } => format!("scheduled {attempt}"),
        ReconnectEvent::GaveUp { reason, .. } => format!("gave up {reason:?}"),
        other => format!("{other:?}"),
    }
}

#[test]
fn select_over_the_channel_across_a_reconnect() {
    let peer = RawPeer::bind();
    let url = peer.url.clone();
    let server = spawn_bounded("peer", move || {
        let mut first = peer.accept();
        first.handshake();
        first.write(&text("a"));
        first.shutdown();
        let mut second = peer.accept();
        second.handshake();
        // The client answers the second Open.
        let f = second.read_frame();
        assert_eq!((f.opcode, &f.payload[..]), (OP_TEXT, &b"hello 2"[..]));
        second.write(&text("b"));
        second.write(&close_frame(4001, "revoked"));
        assert_eq!(second.expect_close().map(|(c, _)| c), Some(4001));
        second.shutdown();
    });
    let ws = fast(&url).stop_on_close_codes([4001]).build().unwrap();
    let ticker = tick(Duration::from_millis(5));
    let mut seen = Vec::new();
    let mut opens = 0;
    loop {
        select! {
            recv(ws.events()) -> batch => match batch {
                Ok(batch) => {
                    assert!(!batch.is_empty(), "batches are never empty");
                    for event in batch {
                        if matches!(event, ReconnectEvent::Socket(Event::Open)) {
                            opens += 1;
                            if opens == 2 {
                                ws.send(format!("hello {opens}")).unwrap();
                            }
                        }
                        seen.push(kind(&event));
                    }
                }
                Err(_) => break,
            },
            recv(ticker) -> _ => {}
        }
    }
    assert_eq!(
        seen,
        [
            "open",
            "text a",
            "error",
            "close 1006",
            "scheduled 1",
            "open",
            "text b",
            "close 4001",
            &format!("gave up {:?}", GiveUp::CloseCode(4001)),
        ]
    );
    server.join();
}
