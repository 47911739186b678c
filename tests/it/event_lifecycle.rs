//! The event stream's lifecycle: events in order, exactly one `Close`, always last; then the
//! channel disconnects, so `iter()` and `for ev in &ws` end, `recv()` returns `None` and
//! `try_recv()` reports `Disconnected`.

use crate::common;
use crate::common::{
    assert_disconnected, builder, close_frame, echo, expect_close, expect_message, text, within,
    RawPeer, Transport, WAIT,
};
use wsync::{Event, Message, ReadyState, TryRecvError, WebSocket};

/// After the Close event every way of receiving reports the end, at once.
fn assert_ended(ws: &WebSocket) {
    assert_disconnected(ws);
    assert!(ws.recv().is_none(), "recv() after Close");
    assert!(matches!(ws.try_recv(), Err(TryRecvError::Disconnected)));
    assert_eq!(ws.iter().count(), 0, "iter() after Close");
    let mut after = 0;
    for _ in ws {
        after += 1;
    }
    assert_eq!(after, 0, "for ev in &ws after Close");
    assert!(ws.events().is_empty());
}

/// A server that talks then closes: `for ev in &ws` sees Open, the messages, one Close, and
/// then the loop ends by itself.
#[test]
fn for_loop_sees_open_messages_close_then_ends() {
    for t in Transport::ALL {
        let (url, peer) = RawPeer::spawn_on(t, move |mut conn| {
            conn.handshake();
            for m in ["a", "b", "c"] {
                conn.write(&text(m));
            }
            conn.write(&close_frame(1000, "end"));
            conn.expect_close();
            conn.shutdown();
        });
        // `build`, not `connect`: the Open event stays in the stream.
        let ws = builder(&url).build().unwrap();
        // On a thread of its own: a loop that never ends fails the test.
        let (ws, seen) = within(WAIT, move || {
            let mut seen = Vec::new();
            for ev in &ws {
                seen.push(ev);
            }
            (ws, seen)
        });
        let summary: Vec<String> = seen.iter().map(|e| format!("{e:?}")).collect();
        assert_eq!(seen.len(), 5, "{t:?}: {summary:?}");
        assert!(matches!(seen[0], Event::Open), "{t:?}: {summary:?}");
        for (ev, want) in seen[1..4].iter().zip(["a", "b", "c"]) {
            match ev {
                Event::Message(Message::Text(s)) => assert_eq!(s, want),
                other => panic!("{t:?}: expected message {want}, got {other:?}"),
            }
        }
        match &seen[4] {
            Event::Close(c) => {
                assert_eq!(
                    (c.code, c.reason.as_str(), c.was_clean),
                    (1000, "end", true)
                )
            }
            other => panic!("{t:?}: last event {other:?}"),
        }
        assert_eq!(ws.ready_state(), ReadyState::Closed);
        assert_ended(&ws);
        peer.join();
    }
}

/// A client-initiated close through a real peer: Open, echoes, one Close last, then the end.
#[test]
fn client_close_ends_the_stream_after_one_close() {
    for t in Transport::ALL {
        let server = echo(t);
        let ws = builder(&server.url).build().unwrap();
        match ws.recv_timeout(WAIT).expect("first event") {
            Event::Open => {}
            other => panic!("{t:?}: first event {other:?}"),
        }
        for i in 0..3 {
            ws.send(format!("m{i}")).unwrap();
            assert_eq!(expect_message(&ws), Message::Text(format!("m{i}")));
        }
        ws.close().unwrap();
        let (ws, rest) = within(WAIT, move || {
            let rest: Vec<Event> = ws.iter().collect();
            (ws, rest)
        });
        assert_eq!(rest.len(), 1, "{t:?}: {rest:?}");
        assert!(
            matches!(&rest[0], Event::Close(c) if c.was_clean),
            "{t:?}: {rest:?}"
        );
        assert_ended(&ws);
        server.join();
    }
}

/// A failed connection: Error, then one Close, then the end; `recv()` drives it to `None`.
#[test]
fn failure_gives_error_then_one_close_then_the_end() {
    for t in Transport::ALL {
        let (url, peer) = RawPeer::spawn_on(t, move |mut conn| {
            conn.read_request();
            conn.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
            conn.shutdown();
        });
        let ws = builder(&url).build().unwrap();
        let (ws, seen) = within(WAIT, move || {
            let mut seen = Vec::new();
            while let Some(ev) = ws.recv() {
                seen.push(ev);
            }
            (ws, seen)
        });
        assert_eq!(seen.len(), 2, "{t:?}: {seen:?}");
        assert!(matches!(seen[0], Event::Error(_)), "{t:?}: {seen:?}");
        assert!(
            matches!(&seen[1], Event::Close(c) if c.code == 1006 && !c.was_clean),
            "{t:?}: {seen:?}"
        );
        assert_eq!(ws.ready_state(), ReadyState::Closed);
        assert_ended(&ws);
        peer.join();
    }
}

/// A server-initiated close read with the helpers: nothing follows the Close.
#[test]
fn nothing_follows_close() {
    for t in Transport::ALL {
        let (url, peer) = RawPeer::spawn_on(t, move |mut conn| {
            conn.handshake();
            conn.write(&close_frame(4000, ""));
            conn.expect_close();
            // Data after the close frame must not produce events.
            let _ = conn.try_write(&text("after close"));
            conn.shutdown();
        });
        let ws = common::connect(&url);
        let close = expect_close(&ws);
        assert_eq!(close.code, 4000);
        assert_ended(&ws);
        peer.join();
    }
}
