//! A small event queue applies backpressure instead of losing events: with
//! `event_queue_capacity(4)`, 100 messages the server sent before the app reads any all arrive,
//! in order.

use std::sync::mpsc;

use crate::common::{builder, expect_close, expect_message, serve, Transport, WAIT};
use tungstenite::Message as TMessage;
use wsync::Message;

#[test]
fn a_full_queue_loses_nothing() {
    for t in Transport::ALL {
        let (sent_tx, sent_rx) = mpsc::channel::<()>();
        let server = serve(t, move |mut ws| {
            for i in 0..100 {
                ws.send(TMessage::text(format!("m{i}"))).unwrap();
            }
            sent_tx.send(()).unwrap();
            while ws.read().is_ok() {}
        });
        let ws = builder(&server.url)
            .event_queue_capacity(4)
            .connect()
            .unwrap();
        // The app starts reading only once the server has written everything.
        sent_rx.recv_timeout(WAIT).expect("server did not send");
        for i in 0..100 {
            assert_eq!(expect_message(&ws), Message::Text(format!("m{i}")), "{t:?}");
        }
        ws.close().unwrap();
        let close = expect_close(&ws);
        assert!(close.was_clean, "{t:?}: {close:?}");
        server.join();
    }
}
