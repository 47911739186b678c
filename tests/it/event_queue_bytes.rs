//! `event_queue_bytes` bounds how far the reader reads ahead of the application: once the
//! batches not yet taken hold that many payload bytes, the reader stops reading the socket (a
//! ping behind them goes unanswered) until the application takes one. Nothing is lost on the
//! way, whether events are taken with `recv` or as batches from `events()`, and dropping the
//! handle frees a reader that is waiting.

use std::net::Shutdown;
use std::sync::mpsc;
use std::time::Duration;

use crate::common::{
    binary, builder, close_frame, expect_close, expect_message, ping, BoundedThread, RawConn,
    RawPeer, Transport, OP_PONG, WAIT,
};
use wsync::{Event, Message};

/// Two of these reach a limit of [`LIMIT`]; one does not.
const SIZE: usize = 60_000;
const LIMIT: usize = 100_000;

/// How long the peer listens for a pong that must not come yet. A reader that did not stop
/// answers within microseconds; on a slow machine the check can only pass wrongly, never fail.
const NO_PONG_YET: Duration = Duration::from_millis(300);

fn payload(i: usize, len: usize) -> Vec<u8> {
    (0..len).map(|j| (i * 31 + j) as u8).collect()
}

/// The peer's side of a reader held at the limit: sends two messages of [`SIZE`] and a ping,
/// checks that no pong comes back yet (the reader stopped before the ping), and says so.
fn send_past_the_limit(t: Transport, conn: &mut RawConn, waiting: &mpsc::Sender<()>) {
    conn.handshake();
    let mut bytes = binary(&payload(0, SIZE));
    bytes.extend(binary(&payload(1, SIZE)));
    bytes.extend(ping(b"p"));
    conn.write(&bytes);
    conn.set_read_timeout(NO_PONG_YET);
    let early = conn.try_read_frame();
    assert!(
        early.is_err(),
        "{t:?} peer: the reader read past the limit: {early:?}"
    );
    waiting.send(()).unwrap();
    conn.set_read_timeout(WAIT);
}

fn reader_stops_at_the_limit(t: Transport) {
    let (unanswered_tx, unanswered) = mpsc::channel::<()>();
    let (url, peer) = RawPeer::spawn_on(t, move |mut conn| {
        send_past_the_limit(t, &mut conn, &unanswered_tx);
        let pong = conn.read_frame();
        assert_eq!((pong.opcode, pong.payload), (OP_PONG, b"p".to_vec()));
        conn.write(&close_frame(1000, ""));
        assert_eq!(conn.expect_close(), Some((1000, String::new())));
    });
    let ws = builder(&url).event_queue_bytes(LIMIT).connect().unwrap();
    unanswered
        .recv_timeout(WAIT)
        .expect("peer checked for a pong");
    // Taking the first message brings the bytes in flight under the limit: the reader reads on,
    // and answers the ping.
    assert_eq!(expect_message(&ws), Message::Binary(payload(0, SIZE)));
    assert_eq!(expect_message(&ws), Message::Binary(payload(1, SIZE)));
    let close = expect_close(&ws);
    assert!(close.was_clean, "{t:?}: {close:?}");
    peer.join();
}

#[test]
fn the_reader_stops_reading_at_the_limit_until_a_batch_is_taken() {
    for t in Transport::ALL {
        reader_stops_at_the_limit(t);
    }
}

/// Sizes around the read buffer, the direct-read threshold and the limit, one far above it.
const SIZES: [usize; 8] = [0, 5, 16 * 1024 - 1, 16 * 1024 + 3, 70_000, 1, 300_000, 64];

/// A peer that sends `rounds` times the messages of [`SIZES`], then closes.
fn sending_peer(t: Transport, rounds: usize) -> (String, BoundedThread<()>) {
    RawPeer::spawn_on(t, move |mut conn| {
        conn.handshake();
        let mut bytes = Vec::new();
        for r in 0..rounds {
            for (i, len) in SIZES.into_iter().enumerate() {
                bytes.extend(binary(&payload(r * SIZES.len() + i, len)));
            }
        }
        bytes.extend(close_frame(1000, ""));
        conn.write(&bytes);
        assert_eq!(conn.expect_close(), Some((1000, String::new())));
    })
}

#[test]
fn one_batch_at_a_time_loses_nothing() {
    for t in Transport::ALL {
        let (url, peer) = sending_peer(t, 3);
        let ws = builder(&url).event_queue_bytes(0).connect().unwrap();
        for r in 0..3 {
            for (i, len) in SIZES.into_iter().enumerate() {
                let want = payload(r * SIZES.len() + i, len);
                assert_eq!(expect_message(&ws), Message::Binary(want), "{t:?} {r} {i}");
            }
        }
        let close = expect_close(&ws);
        assert!(close.was_clean, "{t:?}: {close:?}");
        peer.join();
    }
}

#[test]
fn dropped_batches_from_events_make_room() {
    for t in Transport::ALL {
        let (url, peer) = sending_peer(t, 3);
        let ws = builder(&url).event_queue_bytes(0).connect().unwrap();
        let mut got = Vec::new();
        let close = 'outer: loop {
            // Each batch is dropped at the end of its loop; the reader waits for that.
            let batch = ws.events().recv_timeout(WAIT).expect("a batch");
            for event in batch {
                match event {
                    Event::Message(Message::Binary(m)) => got.push(m),
                    Event::Close(close) => break 'outer close,
                    other => panic!("{t:?}: {other:?}"),
                }
            }
        };
        assert!(close.was_clean, "{t:?}: {close:?}");
        let want: Vec<_> = (0..3 * SIZES.len())
            .map(|k| payload(k, SIZES[k % SIZES.len()]))
            .collect();
        assert!(got == want, "{t:?}: messages lost or out of order");
        peer.join();
    }
}

#[test]
fn dropping_the_handle_frees_a_waiting_reader() {
    for t in Transport::ALL {
        let (waiting_tx, waiting) = mpsc::channel::<()>();
        let (url, peer) = RawPeer::spawn_on(t, move |mut conn| {
            send_past_the_limit(t, &mut conn, &waiting_tx);
            // The handle is dropped with the reader waiting for room. The close frame goes out
            // from the dropping thread; the reader must read on, to the answer and the end of
            // the stream, and then close the socket.
            assert_eq!(conn.expect_close(), Some((1001, String::new())));
            conn.write(&close_frame(1001, ""));
            conn.stream().shutdown(Shutdown::Write).unwrap();
            assert!(conn.read_to_eof(), "{t:?} peer: the reader never ended");
        });
        // A close timeout longer than the peer waits, so that only the reader can close.
        let ws = builder(&url)
            .event_queue_bytes(0)
            .close_timeout(WAIT * 3)
            .connect()
            .unwrap();
        waiting
            .recv_timeout(WAIT)
            .expect("peer saw the reader wait");
        drop(ws);
        peer.join();
    }
}
