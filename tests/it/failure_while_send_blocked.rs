//! When the connection fails while a send is blocked because the server is not reading, nothing
//! hangs: the failure is reported within the close timeout, and the blocked send returns an
//! error. The reader waits for the writer to send its close frame only that long, then shuts the
//! socket down, which frees the writer.

use std::sync::mpsc;

use crate::common::{
    blocked_send_failed, connect_and_block_a_send, expect_error_then_close, frame_raw,
    wait_for_test, RawPeer, Transport,
};
use wsync::{Error, ProtocolError};

fn failure_while_send_blocked(t: Transport) {
    let (sending_tx, sending) = mpsc::channel::<()>();
    let (done_tx, done) = mpsc::channel::<()>();
    let (url, peer) = RawPeer::spawn_on(t, move |mut conn| {
        conn.handshake();
        wait_for_test(&sending);
        // Opcode 3 is reserved: the client must fail the connection. Then read nothing, and
        // keep the connection open until the test is done.
        conn.write(&frame_raw(0x83, b""));
        wait_for_test(&done);
    });
    let (ws, sender) = connect_and_block_a_send(&url);
    sending_tx.send(()).unwrap();
    let (error, close) = expect_error_then_close(&ws);
    assert!(
        matches!(error, Error::Protocol(ProtocolError::ReservedOpcode(3))),
        "{t:?}: {error:?}"
    );
    assert_eq!(close.code, 1006, "{t:?}: {close:?}");
    blocked_send_failed(t, sender, done_tx, peer);
}

#[test]
fn a_failure_is_reported_and_the_blocked_send_ends() {
    for t in Transport::ALL {
        failure_while_send_blocked(t);
    }
}
