//! A send never waits for the reader thread: while the reader waits for a peer that sends
//! nothing, two threads sharing one socket send 1,000 messages of 1 KiB promptly, and the peer
//! receives them all (over ws:// and, above all, wss://, where both share one TLS session).

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::{connect, expect_close, serve, spawn_bounded, Transport};
use tungstenite::Message as PeerMessage;
use wsync::crossbeam_channel;
use wsync::TryRecvError;

/// Senders sharing the socket.
const THREADS: usize = 2;
/// Messages per sender: 1,000 in all.
const PER_THREAD: usize = 500;
/// Size of each message.
const SIZE: usize = 1024;
/// How long the peer stays silent at most, waiting for the client's sends to complete.
const SILENCE: Duration = Duration::from_secs(10);
/// The "did not wait for the reader" bound: half the peer's silence. Locally the sends take
/// tens of milliseconds; were they blocked behind the reader, they would take the whole silence.
const BOUND: Duration = Duration::from_secs(5);

/// Message `i` of sender `t`: both numbers, then filler up to [`SIZE`].
fn payload(t: usize, i: usize) -> Vec<u8> {
    let mut p = vec![b'x'; SIZE];
    p[..4].copy_from_slice(&(t as u32).to_be_bytes());
    p[4..8].copy_from_slice(&(i as u32).to_be_bytes());
    p
}

fn sends_complete_while_peer_is_silent(t: Transport) {
    let (done_tx, done_rx) = crossbeam_channel::bounded::<()>(1);
    let server = serve(t, move |mut ws| {
        let mut next = [0usize; THREADS];
        for _ in 0..THREADS * PER_THREAD {
            let p = match ws.read() {
                Ok(PeerMessage::Binary(p)) => p,
                other => panic!("{t:?} peer: expected a binary message, got {other:?}"),
            };
            let sender = u32::from_be_bytes(p[..4].try_into().unwrap()) as usize;
            let i = u32::from_be_bytes(p[4..8].try_into().unwrap()) as usize;
            assert_eq!(p[..], payload(sender, i)[..], "{t:?} peer: message body");
            assert_eq!(i, next[sender], "{t:?} peer: sender {sender}'s order");
            next[sender] += 1;
        }
        // Silent until the client reports its sends complete (at most SILENCE).
        let _ = done_rx.recv_timeout(SILENCE);
        ws.close(None).expect("peer: close");
        while ws.read().is_ok() {}
    });
    let ws = Arc::new(connect(&server.url));
    let start = Instant::now();
    let senders: Vec<_> = (0..THREADS)
        .map(|s| {
            let ws = ws.clone();
            spawn_bounded("sender", move || {
                for i in 0..PER_THREAD {
                    ws.send(payload(s, i)).expect("send");
                }
            })
        })
        .collect();
    for s in senders {
        s.join();
    }
    let elapsed = start.elapsed();
    let _ = done_tx.send(());
    println!(
        "{t:?}: {} sends of {SIZE} bytes from {THREADS} threads, silent peer: {elapsed:?}",
        THREADS * PER_THREAD
    );
    assert!(
        elapsed < BOUND,
        "{t:?}: the sends took {elapsed:?}: they waited for the reader"
    );
    assert_eq!(ws.buffered_amount(), 0, "{t:?}");
    // The peer sent nothing meanwhile: no event, the reader was waiting all along.
    assert!(matches!(ws.try_recv(), Err(TryRecvError::Empty)), "{t:?}");
    let close = expect_close(&ws);
    assert!(close.was_clean, "{t:?}: {close:?}");
    server.join();
}

#[test]
fn sends_do_not_wait_for_the_reader() {
    for t in Transport::ALL {
        sends_complete_while_peer_is_silent(t);
    }
}
