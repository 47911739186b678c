//! `close()` while another thread's send is blocked (the server is not reading) does not hang:
//! it waits for the writer at most the close timeout, then shuts the socket down, so the blocked
//! send fails and the connection ends abnormally (`Error`, then `Close` 1006).
mod common;

use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use common::{builder, expect_error_then_close, RawPeer, Transport, WAIT};
use wsync::ReadyState;

/// Far more than loopback buffers hold, so the send stays blocked while the peer does not read.
const BIG: usize = 32 << 20;

fn close_while_send_blocked(t: Transport) {
    let (done_tx, done) = mpsc::channel::<()>();
    let (url, peer) = RawPeer::spawn_on(t, move |mut conn| {
        conn.handshake();
        // Read nothing; keep the connection open until the test is done.
        let _ = done.recv();
    });
    let ws = builder(&url)
        .close_timeout(Duration::from_millis(300))
        .connect()
        .expect("connect");
    let ws = Arc::new(ws);
    let sender = {
        let ws = ws.clone();
        thread::spawn(move || ws.send(vec![7u8; BIG]))
    };
    let deadline = Instant::now() + WAIT;
    while ws.buffered_amount() == 0 {
        assert!(Instant::now() < deadline, "{t:?}: the send never began");
        thread::yield_now();
    }
    // close() on a thread of its own, so that a close() that hangs fails the test, not CI.
    let (closed_tx, closed) = mpsc::channel();
    {
        let ws = ws.clone();
        thread::spawn(move || closed_tx.send(ws.close()));
    }
    closed
        .recv_timeout(WAIT)
        .unwrap_or_else(|_| panic!("{t:?}: close() did not return"))
        .expect("close");
    assert!(
        sender.join().unwrap().is_err(),
        "{t:?}: the blocked send returned Ok"
    );
    let (_, close) = expect_error_then_close(&ws);
    assert!(close.code == 1006 && !close.was_clean, "{t:?}: {close:?}");
    assert_eq!(ws.ready_state(), ReadyState::Closed);
    done_tx.send(()).unwrap();
    peer.join().expect("raw peer");
}

#[test]
fn close_gives_up_on_the_blocked_send_after_the_close_timeout() {
    for t in Transport::ALL {
        close_while_send_blocked(t);
    }
}
