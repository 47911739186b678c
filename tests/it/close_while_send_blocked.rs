//! `close()` while another thread's send is blocked (the server is not reading) does not hang:
//! it waits for the writer at most the close timeout, then shuts the socket down, so the blocked
//! send fails and the connection ends abnormally (`Error`, then `Close` 1006).

use std::sync::mpsc;

use crate::common::{
    blocked_send_failed, connect_and_block_a_send, expect_error_then_close, wait_for_test, within,
    RawPeer, Transport, WAIT,
};
use wsync::ReadyState;

fn close_while_send_blocked(t: Transport) {
    let (done_tx, done) = mpsc::channel::<()>();
    let (url, peer) = RawPeer::spawn_on(t, move |mut conn| {
        conn.handshake();
        // Read nothing; keep the connection open until the test is done.
        wait_for_test(&done);
    });
    let (ws, sender) = connect_and_block_a_send(&url);
    // close() on a thread of its own, so that a close() that hangs fails the test, not CI.
    {
        let ws = ws.clone();
        within(WAIT, move || ws.close()).expect("close");
    }
    let (_, close) = expect_error_then_close(&ws);
    assert!(close.code == 1006 && !close.was_clean, "{t:?}: {close:?}");
    assert_eq!(ws.ready_state(), ReadyState::Closed);
    blocked_send_failed(t, sender, done_tx, peer);
}

#[test]
fn close_gives_up_on_the_blocked_send_after_the_close_timeout() {
    for t in Transport::ALL {
        close_while_send_blocked(t);
    }
}
