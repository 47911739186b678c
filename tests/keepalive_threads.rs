//! Keepalive costs no thread or timer per connection: with 1,000 idle connections pinging, the
//! process has one reader thread per connection and the one timer thread, as without
//! keepalive; the pings are timed by the readers' read timeouts, and the short-lived threads
//! that write them (as they write pongs) are gone once the pings are answered.
//!
//! A test program of its own, not a module of `tests/it/`: it counts the threads of the whole
//! process, which the other tests, running in parallel, would add to.
#![cfg(target_os = "linux")]

#[path = "it/common/mod.rs"]
#[allow(dead_code, unused_imports)]
mod common;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use common::{builder, spawn_bounded, WAIT};
use wsync::Event;

/// How many of the process's threads have a name starting with `prefix`.
fn threads_named(prefix: &str) -> usize {
    std::fs::read_dir("/proc/self/task")
        .expect("read /proc/self/task")
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .filter(|name| name.starts_with(prefix))
        .count()
}

#[test]
fn a_thousand_idle_connections_with_keepalive_have_no_extra_threads() {
    const N: usize = 1000;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://{}/", listener.local_addr().unwrap());
    // tungstenite in the server role answers each ping as it reads.
    let server = spawn_bounded("servers", move || {
        for stream in listener.incoming().take(N) {
            let stream = stream.unwrap();
            std::thread::spawn(move || {
                let mut ws = tungstenite::accept(stream).unwrap();
                while ws.read().is_ok() {}
            });
        }
    });
    // Longer than connecting all of them takes, so that every first ping is answered before
    // any connection's second ping is due.
    let interval = Duration::from_secs(6);
    let sockets: Vec<_> = (0..N)
        .map(|_| {
            builder(&url)
                .ping_interval(interval)
                .pong_timeout(Duration::from_secs(10))
                .pong_events(true)
                .connect()
                .expect("connect")
        })
        .collect();
    // Each connection pings once it has been silent for the interval, and reports the pong.
    for (i, ws) in sockets.iter().enumerate() {
        match ws.recv_timeout(interval + WAIT) {
            Ok(Event::Pong(p)) => assert!(p.round_trip.is_some(), "{i}: {p:?}"),
            other => panic!("{i}: expected a pong, got {other:?}"),
        }
    }
    // The threads that wrote the pings end once they have: wait for that, bounded.
    let deadline = Instant::now() + interval / 2;
    while threads_named("wsync-pong") > 0 && Instant::now() < deadline {
        std::thread::yield_now();
    }
    assert_eq!(threads_named("wsync-pong"), 0, "ping writers still running");
    assert_eq!(
        threads_named("wsync-reader"),
        N,
        "one reader per connection"
    );
    assert!(
        threads_named("wsync-") <= N + 1,
        "{} wsync threads for {N} connections: more than the readers and the timer",
        threads_named("wsync-")
    );
    drop(sockets);
    server.join();
}
