//! A peer that drops the TCP connection, and a server that goes away and comes back on the same
//! port: the client reports the failure, schedules a reconnect, opens a new connection, and
//! messages flow again both ways.

use std::net::TcpListener;
use std::sync::mpsc;

use tungstenite::Message as TMessage;
use wsync::{Message, ReadyState};

use super::{
    answer_close, assert_disconnected, expect_close, expect_failure, expect_message, expect_open,
    expect_scheduled, fast, fast_backoff, until_open,
};
use crate::common::server::echo_stream;
use crate::common::{spawn_bounded, text, RawPeer, Transport, OP_TEXT, WAIT};

#[test]
fn a_dropped_connection_is_replaced_and_messages_flow_again() {
    for t in Transport::ALL {
        let peer = RawPeer::bind_on(t);
        let url = peer.url.clone();
        let server = spawn_bounded("reconnect-peer", move || {
            let mut first = peer.accept();
            first.handshake();
            first.write(&text("one"));
            first.shutdown();
            drop(first);

            let mut second = peer.accept();
            second.handshake();
            second.write(&text("two"));
            let sent = second.read_frame();
            assert_eq!((sent.opcode, &sent.payload[..]), (OP_TEXT, &b"again"[..]));
            assert_eq!(answer_close(&mut second), None, "close() sends no code");
        });

        let ws = fast(&url).build().unwrap();
        expect_open(&ws);
        assert_eq!(expect_message(&ws), Message::Text("one".into()), "{t:?}");
        expect_failure(&ws);
        let (attempt, delay) = expect_scheduled(&ws);
        assert_eq!(
            (attempt, delay),
            (1, fast_backoff().ceiling(1)),
            "{t:?}: the first attempt after a loss, with the first delay"
        );
        expect_open(&ws);
        assert_eq!(ws.ready_state(), ReadyState::Open, "{t:?}");
        assert_eq!(expect_message(&ws), Message::Text("two".into()), "{t:?}");
        ws.send("again").unwrap();
        ws.close().unwrap();
        let close = expect_close(&ws);
        assert!(close.was_clean && close.code == 1005, "{t:?}: {close:?}");
        assert_disconnected(&ws);
        assert_eq!(ws.ready_state(), ReadyState::Closed);
        server.join();
    }
}

/// The server process dies (listener and connection gone, no close frame), stays down while
/// the client's attempts are refused, then a new one binds the same port: the client gets
/// through, with the attempt count growing meanwhile, and the new server echoes.
#[test]
fn a_server_restarted_on_the_same_port_is_found_again() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let url = format!("ws://127.0.0.1:{port}/");
    let (stop_first, first_stopped) = mpsc::channel::<()>();
    let first_life = spawn_bounded("first-life", move || {
        let (tcp, _) = listener.accept().unwrap();
        // The server dies: nothing listens on the port any more.
        drop(listener);
        let mut ws = tungstenite::accept(tcp).unwrap();
        ws.send(TMessage::text("first life")).unwrap();
        crate::common::wait_for_test(&first_stopped);
        // Dropped without a close frame.
    });

    let client = fast(&url).build().unwrap();
    expect_open(&client);
    assert_eq!(expect_message(&client), Message::Text("first life".into()));
    stop_first.send(()).unwrap();
    first_life.join();
    expect_failure(&client);
    assert_eq!(expect_scheduled(&client).0, 1);
    // Down: the first attempt is refused, and the next is scheduled.
    expect_failure(&client);
    assert_eq!(expect_scheduled(&client).0, 2);

    // Back up on the same port (std sets SO_REUSEADDR, so the dead connection's TIME_WAIT
    // does not stand in the way).
    let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind the same port again");
    let second_life = spawn_bounded("second-life", move || {
        let (tcp, _) = listener.accept().unwrap();
        tcp.set_read_timeout(Some(WAIT)).unwrap();
        echo_stream(tungstenite::accept(tcp).unwrap());
    });
    let attempts = until_open(&client);
    assert!(
        attempts.iter().zip(3..).all(|(a, n)| *a == n),
        "attempts keep counting while the server is down: {attempts:?}"
    );
    client.send("hello again").unwrap();
    assert_eq!(expect_message(&client), Message::Text("hello again".into()));
    client.close().unwrap();
    let close = expect_close(&client);
    assert!(close.was_clean, "{close:?}");
    assert_disconnected(&client);
    second_life.join();
}
