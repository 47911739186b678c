//! Pings from the peer are answered while the application sends: the reader thread's pongs get
//! through while two threads keep sending on the same socket (over ws:// and wss://, where they
//! all share one TLS session).

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::{connect, expect_close, serve, spawn_bounded, Transport, WAIT};
use tungstenite::Message as PeerMessage;
use wsync::crossbeam_channel::{self, TryRecvError};

/// Senders sharing the socket.
const THREADS: usize = 2;
/// Size of each message.
const SIZE: usize = 1024;
/// Pings the peer sends, one after the other, while the client sends.
const PINGS: u32 = 20;
/// The senders give up after this long without the peer's go-ahead: the pongs did not come.
const CAP: Duration = WAIT;

fn pings_answered_while_sending(t: Transport) {
    // The peer drops `stop_tx` once it has every pong: the senders then stop.
    let (stop_tx, stop_rx) = crossbeam_channel::bounded::<()>(0);
    // How many data messages the peer received.
    let (count_tx, count_rx) = crossbeam_channel::bounded::<usize>(1);
    let server = serve(t, move |mut ws| {
        let mut stop_tx = Some(stop_tx);
        let (mut data, mut pongs) = (0usize, 0u32);
        loop {
            match ws.read() {
                Ok(PeerMessage::Binary(p)) => {
                    assert_eq!(p.len(), SIZE, "{t:?} peer: message size");
                    data += 1;
                    // The first message shows the client is sending: start pinging.
                    if data == 1 {
                        ws.send(PeerMessage::Ping(0u32.to_be_bytes().to_vec().into()))
                            .expect("peer: ping");
                    }
                }
                Ok(PeerMessage::Pong(p)) => {
                    assert!(stop_tx.is_some(), "{t:?} peer: unexpected pong {p:?}");
                    assert_eq!(&p[..], pongs.to_be_bytes(), "{t:?} peer: pong payload");
                    pongs += 1;
                    if pongs == PINGS {
                        stop_tx = None;
                    } else {
                        ws.send(PeerMessage::Ping(pongs.to_be_bytes().to_vec().into()))
                            .expect("peer: ping");
                    }
                }
                Ok(PeerMessage::Close(_)) => {
                    assert_eq!(pongs, PINGS, "{t:?} peer: the client closed first");
                    while ws.read().is_ok() {}
                    count_tx.send(data).expect("peer: report the count");
                    return;
                }
                other => panic!("{t:?} peer: unexpected {other:?}"),
            }
        }
    });
    let ws = Arc::new(connect(&server.url));
    let start = Instant::now();
    let senders: Vec<_> = (0..THREADS)
        .map(|_| {
            let (ws, stop_rx) = (ws.clone(), stop_rx.clone());
            spawn_bounded("sender", move || {
                let mut sent = 0usize;
                while let Err(TryRecvError::Empty) = stop_rx.try_recv() {
                    if start.elapsed() > CAP {
                        return (sent, false);
                    }
                    ws.send(vec![b'x'; SIZE]).expect("send");
                    sent += 1;
                }
                (sent, true)
            })
        })
        .collect();
    let mut sent = 0;
    for s in senders {
        let (n, stopped_by_peer) = s.join();
        assert!(
            stopped_by_peer,
            "{t:?}: the {PINGS} pongs did not come within {CAP:?} while the client sent"
        );
        sent += n;
    }
    println!(
        "{t:?}: {PINGS} pings answered in {:?} while {sent} messages were sent",
        start.elapsed()
    );
    ws.close().unwrap();
    let close = expect_close(&ws);
    assert!(close.was_clean, "{t:?}: {close:?}");
    server.join();
    let received = count_rx.try_recv().expect("the peer's count");
    assert_eq!(received, sent, "{t:?}: messages the peer received");
}

#[test]
fn pings_are_answered_while_the_application_sends() {
    for t in Transport::ALL {
        pings_answered_while_sending(t);
    }
}
