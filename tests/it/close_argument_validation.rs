//! `close(code, reason)` validates its arguments as the browser does: a code other than 1000
//! or 3000–4999 is InvalidAccessError, a reason over 123 bytes of UTF-8 is SyntaxError (the code
//! is checked first), and a rejected close leaves the socket OPEN and usable.

use std::sync::mpsc;

use crate::common;
use crate::common::{connect, expect_close, expect_message, serve, Transport};
use tungstenite::Message as TMessage;
use wsync::{Error, Message, ReadyState};

#[test]
fn invalid_arguments_are_rejected_and_the_socket_stays_usable() {
    for t in Transport::ALL {
        let (seen_tx, seen_rx) = mpsc::channel();
        // An echo server that also reports the close frame it receives.
        let server = serve(t, move |mut ws| loop {
            match ws.read() {
                Ok(m @ (TMessage::Text(_) | TMessage::Binary(_))) => {
                    if ws.send(m).is_err() {
                        return;
                    }
                }
                Ok(TMessage::Close(cf)) => {
                    let cf = cf.map(|c| (u16::from(c.code), c.reason.to_string()));
                    seen_tx.send(cf).unwrap();
                }
                Ok(_) => {}
                Err(_) => return,
            }
        });
        let ws = connect(&server.url);

        for code in [0u16, 999, 1001, 1002, 1005, 1006, 2999, 5000, 65535] {
            match ws.close_with(code, "") {
                Err(Error::InvalidAccess(_)) => {}
                other => panic!("{t:?}: close_with({code}) gave {other:?}, want InvalidAccess"),
            }
            assert_eq!(
                ws.ready_state(),
                ReadyState::Open,
                "{t:?}: after code {code}"
            );
        }

        let ascii_124 = "a".repeat(124);
        // 41 euro signs are 123 bytes; one more ASCII byte makes 124 (42 characters only).
        let euros_123 = "€".repeat(41);
        assert_eq!(euros_123.len(), 123);
        let multibyte_124 = format!("{euros_123}a");
        for reason in [&ascii_124, &multibyte_124] {
            for code in [1000u16, 3000, 4999] {
                match ws.close_with(code, reason) {
                    Err(Error::Syntax(_)) => {}
                    other => panic!(
                        "{t:?}: close_with({code}, {} bytes) gave {other:?}, want Syntax",
                        reason.len()
                    ),
                }
                assert_eq!(ws.ready_state(), ReadyState::Open);
            }
        }

        // Both wrong: the code is checked first.
        for code in [1001u16, 2999, 5000] {
            match ws.close_with(code, &ascii_124) {
                Err(Error::InvalidAccess(_)) => {}
                other => panic!("{t:?}: close_with({code}, long) gave {other:?}"),
            }
        }
        assert_eq!(ws.ready_state(), ReadyState::Open);

        // Nothing was sent: the connection still works both ways.
        ws.send("still open").unwrap();
        assert_eq!(expect_message(&ws), Message::Text("still open".into()));
        assert!(
            seen_rx.try_recv().is_err(),
            "{t:?}: a rejected close sent a close frame"
        );

        // A 123-byte multi-byte reason is accepted and arrives intact.
        ws.close_with(4000, &euros_123).unwrap();
        let seen = seen_rx
            .recv_timeout(common::WAIT)
            .expect("server saw no close");
        assert_eq!(seen, Some((4000, euros_123.clone())), "{t:?}");
        let close = expect_close(&ws);
        assert!(close.was_clean, "{t:?}: {close:?}");
        assert_eq!(close.code, 4000);
        server.join();
    }
}
