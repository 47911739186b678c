//! A send reaches the current connection, once the application has taken its `Open`; with no
//! such connection it fails with `InvalidState`, and nothing is kept for a later connection:
//! before the `Open` is taken, while waiting to reconnect, after the close. A send in answer
//! to an old connection's `Open` never reaches a newer connection. Sends from many threads go
//! to the current connection.

use std::sync::{mpsc, Arc};
use std::time::Duration;

use wsync::reconnect::Backoff;
use wsync::{Error, ReadyState, ReconnectingWebSocket};

use super::{
    answer_close, assert_disconnected, expect_close, expect_failure, expect_open, expect_scheduled,
    fast, refusing_url,
};
use crate::common::{builder, spawn_bounded, RawPeer, OP_TEXT, WAIT};

#[track_caller]
fn assert_refused(result: wsync::Result<()>) {
    assert!(
        matches!(result, Err(Error::InvalidState)),
        "expected InvalidState, got {result:?}"
    );
}

#[test]
fn no_send_reaches_a_connection_whose_open_was_not_taken() {
    let peer = RawPeer::bind();
    let url = peer.url.clone();
    let (opened, open_sent) = mpsc::channel();
    let server = spawn_bounded("peer", move || {
        let mut conn = peer.accept();
        conn.handshake();
        opened.send(()).unwrap();
        let first = conn.read_frame();
        assert_eq!(
            (first.opcode, &first.payload[..]),
            (OP_TEXT, &b"after open"[..])
        );
        answer_close(&mut conn);
    });
    let ws = fast(&url).build().unwrap();
    open_sent.recv_timeout(WAIT).unwrap();
    // The handshake's answer is out; OPEN or not yet for the socket, the application has not
    // seen it open.
    assert_ne!(ws.ready_state(), ReadyState::Open);
    assert_refused(ws.send("before open"));
    assert_refused(ws.send_batch(["before", "open"]));
    expect_open(&ws);
    assert_eq!(ws.ready_state(), ReadyState::Open);
    ws.send("after open").unwrap();
    ws.close().unwrap();
    expect_close(&ws);
    assert_disconnected(&ws);
    assert_refused(ws.send("after close"));
    server.join();
}

#[test]
fn a_send_while_waiting_to_reconnect_is_an_error() {
    let ws = ReconnectingWebSocket::builder(builder(&refusing_url()))
        .backoff(
            Backoff::new()
                .initial(Duration::from_secs(3600))
                .max(Duration::from_secs(3600)),
        )
        .build()
        .unwrap();
    expect_failure(&ws);
    expect_scheduled(&ws);
    assert_refused(ws.send("lost?"));
    assert_refused(ws.send(vec![1u8, 2, 3]));
    assert_refused(ws.send_batch(["a", "b"]));
}

/// The application falls behind: it takes the first connection's `Open` only after that
/// connection is gone and the second one started. Its answer to that `Open` must fail, not
/// reach the second connection, whose first frame is the answer to its own `Open`.
#[test]
fn an_answer_to_an_old_open_does_not_reach_the_new_connection() {
    let peer = RawPeer::bind();
    let url = peer.url.clone();
    let (second_open, second_open_sent) = mpsc::channel();
    let server = spawn_bounded("peer", move || {
        let mut first = peer.accept();
        first.handshake();
        first.shutdown();
        let mut second = peer.accept();
        second.handshake();
        second_open.send(()).unwrap();
        let f = second.read_frame();
        assert_eq!(&f.payload[..], b"subscribe on connection 2");
        answer_close(&mut second);
    });
    let ws = fast(&url).build().unwrap();
    second_open_sent.recv_timeout(WAIT).unwrap();
    // Now the current connection is the second; the first's events are still queued.
    expect_open(&ws);
    assert_refused(ws.send("subscribe on connection 1"));
    expect_failure(&ws);
    expect_scheduled(&ws);
    expect_open(&ws);
    ws.send("subscribe on connection 2").unwrap();
    ws.close().unwrap();
    expect_close(&ws);
    server.join();
}

#[test]
fn sends_from_many_threads_reach_the_current_connection() {
    const THREADS: usize = 4;
    const EACH: usize = 50;
    let peer = RawPeer::bind();
    let url = peer.url.clone();
    let server = spawn_bounded("peer", move || {
        let mut conn = peer.accept();
        conn.handshake();
        let mut got = Vec::new();
        for _ in 0..THREADS * EACH {
            got.push(String::from_utf8(conn.read_frame().payload).unwrap());
        }
        answer_close(&mut conn);
        got
    });
    let ws = Arc::new(fast(&url).build().unwrap());
    expect_open(&ws);
    let senders: Vec<_> = (0..THREADS)
        .map(|t| {
            let ws = ws.clone();
            spawn_bounded(format!("sender-{t}"), move || {
                for i in 0..EACH {
                    ws.send(format!("{t}:{i}")).unwrap();
                }
            })
        })
        .collect();
    for s in senders {
        s.join();
    }
    ws.close().unwrap();
    expect_close(&ws);
    let mut got = server.join();
    got.sort();
    let mut expected: Vec<_> = (0..THREADS)
        .flat_map(|t| (0..EACH).map(move |i| format!("{t}:{i}")))
        .collect();
    expected.sort();
    assert_eq!(got, expected);
}
