//! The server closes while one of our sends is blocked (the server is not reading) and holds the
//! writer: the reader waits for the writer at most the close timeout, then shuts the socket down,
//! so our close frame never goes out. The Close event carries the server's code but is not clean
//! (RFC 6455 §7.1.4: clean only "after the WebSocket closing handshake was completed").

use std::sync::mpsc;
use std::time::Instant;

use crate::common;
use crate::common::{
    blocked_send_failed, close_frame, connect_and_block_a_send, expect_close, wait_for_test,
    RawPeer, Transport, WAIT,
};

/// Waits until the client's bytes waiting in `conn`'s receive queue reach `at_least`, without
/// reading them: the frame being sent has begun to arrive, so its sender holds the writer.
fn wait_for_unread(conn: &common::RawConn, at_least: usize) {
    let deadline = Instant::now() + WAIT;
    let mut buf = vec![0u8; at_least];
    while conn.stream().peek(&mut buf).expect("peek") < at_least {
        assert!(Instant::now() < deadline, "the blocked send never began");
        std::thread::yield_now();
    }
}

fn server_close_while_send_blocked(t: Transport) {
    let (done_tx, done) = mpsc::channel::<()>();
    let (url, peer) = RawPeer::spawn_on(t, move |mut conn| {
        conn.handshake();
        wait_for_unread(&conn, 64 * 1024);
        conn.write(&close_frame(1001, "going away"));
        // Read nothing more; keep the connection open until the test is done.
        wait_for_test(&done);
    });
    let (ws, sender) = connect_and_block_a_send(&url);
    let close = expect_close(&ws);
    assert_eq!(
        (close.code, close.reason.as_str()),
        (1001, "going away"),
        "{t:?}"
    );
    assert!(
        !close.was_clean,
        "{t:?}: our close frame never went out, so the close is not clean: {close:?}"
    );
    blocked_send_failed(t, sender, done_tx, peer);
}

#[test]
fn a_close_whose_echo_could_not_go_out_is_not_clean() {
    for t in Transport::ALL {
        server_close_while_send_blocked(t);
    }
}
