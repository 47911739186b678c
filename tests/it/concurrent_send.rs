//! `WebSocket` is `Send + Sync`: threads sharing one socket through `Arc` send at the same time
//! without their frames interleaving, each thread's messages arrive in order and none is lost,
//! while another thread consumes the events.

use std::collections::HashMap;
use std::sync::{mpsc, Arc, Barrier};

use crate::common::{
    close_frame, connect, echo, expect_close, spawn_bounded, BoundedThread, RawPeer, Transport,
    OP_BINARY, OP_TEXT, WAIT,
};
use wsync::{Event, Message, WebSocket};

/// The message thread `t` sends as its `i`-th: "t{t}-{i}:" then filler up to a length that
/// varies, over 64 KiB for some, in a byte that names the thread. Even threads send text, odd
/// ones binary.
fn payload(t: usize, i: usize) -> Vec<u8> {
    let len = match i % 40 {
        7 => 70_000 + 997 * t,
        23 => 65_536 + t,
        _ => 12 + (i * 37 + t * 11) % 400,
    };
    let mut p = format!("t{t}-{i}:").into_bytes();
    p.resize(len.max(p.len()), b'a' + t as u8);
    p
}

/// Parses "t{t}-{i}:" at the start of a payload.
fn parse(p: &[u8]) -> (usize, usize) {
    let colon = p
        .iter()
        .position(|&b| b == b':')
        .expect("no ':' in payload");
    let head = std::str::from_utf8(&p[1..colon]).expect("header not UTF-8");
    let (t, i) = head.split_once('-').expect("no '-' in header");
    (t.parse().unwrap(), i.parse().unwrap())
}

fn send_all(ws: &WebSocket, t: usize, per_thread: usize) {
    for i in 0..per_thread {
        let p = payload(t, i);
        if t.is_multiple_of(2) {
            ws.send(String::from_utf8(p).unwrap()).unwrap();
        } else {
            ws.send(p).unwrap();
        }
    }
}

fn spawn_senders(ws: &Arc<WebSocket>, threads: usize, per_thread: usize) -> Vec<BoundedThread<()>> {
    let start = Arc::new(Barrier::new(threads));
    (0..threads)
        .map(|t| {
            let ws = ws.clone();
            let start = start.clone();
            spawn_bounded(format!("sender-{t}"), move || {
                start.wait();
                send_all(&ws, t, per_thread);
            })
        })
        .collect()
}

#[test]
fn the_handle_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<WebSocket>();
    check::<Arc<WebSocket>>();
}

/// A raw peer parses every frame: each is complete, unfragmented, of the right kind and
/// content, and each thread's messages come in order.
#[test]
fn concurrent_sends_never_interleave() {
    const THREADS: usize = 8;
    const PER_THREAD: usize = 200;
    for tr in Transport::ALL {
        let (url, peer) = RawPeer::spawn_on(tr, move |mut conn| {
            conn.handshake();
            let mut next = [0usize; THREADS];
            for n in 0..THREADS * PER_THREAD {
                let f = conn
                    .try_read_frame()
                    .unwrap_or_else(|e| panic!("{tr:?}: frame {n}: {e}"));
                assert!(f.fin, "{tr:?}: frame {n} fragmented");
                assert_eq!(f.rsv, 0);
                assert!(f.mask.is_some(), "{tr:?}: frame {n} not masked");
                let (t, i) = parse(&f.payload);
                assert!(t < THREADS, "{tr:?}: bad thread {t}");
                assert_eq!(i, next[t], "{tr:?}: thread {t} out of order");
                let want_op = if t.is_multiple_of(2) {
                    OP_TEXT
                } else {
                    OP_BINARY
                };
                assert_eq!(f.opcode, want_op, "{tr:?}: t{t}-{i} opcode");
                assert!(
                    f.payload == payload(t, i),
                    "{tr:?}: t{t}-{i} payload corrupted"
                );
                next[t] += 1;
            }
            assert_eq!(next, [PER_THREAD; THREADS]);
            assert_eq!(conn.expect_close(), Some((1000, String::new())));
            conn.write(&close_frame(1000, ""));
            conn.shutdown();
        });
        let ws = Arc::new(connect(&url));
        for h in spawn_senders(&ws, THREADS, PER_THREAD) {
            h.join();
        }
        assert_eq!(ws.buffered_amount(), 0, "{tr:?}");
        ws.close_with(1000, "").unwrap();
        let close = expect_close(&ws);
        assert!(close.was_clean, "{tr:?}: {close:?}");
        peer.join();
    }
}

/// Through a real echo peer: senders on several threads and a reader thread consuming events
/// at the same time; every echo arrives, per-thread order preserved.
#[test]
fn concurrent_sends_with_a_concurrent_reader() {
    const THREADS: usize = 4;
    const PER_THREAD: usize = 100;
    for tr in Transport::ALL {
        let server = echo(tr);
        let ws = Arc::new(connect(&server.url));
        let (done_tx, done_rx) = mpsc::channel();
        let reader = {
            let ws = ws.clone();
            spawn_bounded("reader", move || {
                let mut next: HashMap<usize, usize> = HashMap::new();
                let mut count = 0;
                while count < THREADS * PER_THREAD {
                    match ws.recv_timeout(WAIT).expect("no event within WAIT") {
                        Event::Message(m) => {
                            let (t, i) = parse(m.as_bytes());
                            let n = next.entry(t).or_insert(0);
                            assert_eq!(i, *n, "{tr:?}: thread {t} out of order");
                            assert_eq!(m.as_bytes(), payload(t, i).as_slice());
                            assert_eq!(matches!(m, Message::Text(_)), t.is_multiple_of(2));
                            *n += 1;
                            count += 1;
                        }
                        other => panic!("{tr:?}: unexpected {other:?}"),
                    }
                }
                done_tx.send(()).unwrap();
                // Keep consuming until the end of the stream (bounded by the join below).
                let rest: Vec<Event> = ws.iter().collect();
                assert!(
                    matches!(rest.as_slice(), [Event::Close(c)] if c.was_clean),
                    "{tr:?}: {rest:?}"
                );
                next
            })
        };
        for h in spawn_senders(&ws, THREADS, PER_THREAD) {
            h.join();
        }
        done_rx
            .recv_timeout(WAIT)
            .expect("reader did not get every echo");
        ws.close().unwrap();
        let next = reader.join();
        assert_eq!(next.len(), THREADS);
        assert!(next.values().all(|&n| n == PER_THREAD), "{next:?}");
        server.join();
    }
}
