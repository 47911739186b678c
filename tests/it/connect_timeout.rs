//! A TCP connect that gets no answer fails with `Error::Timeout(Timeout::Connect)` once the
//! connect timeout passes, not when the operating system gives up minutes later.
//!
//! Loopback answers at once, so the test makes a server that does not: a listener whose accept
//! queue is full. Linux then drops further connection requests unanswered (the client keeps
//! retrying its SYN), which is what an unreachable host looks like.

use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use wsync::{Error, Timeout, WebSocket};

#[test]
fn an_unanswered_connect_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    // Never accepted: each completed connection waits in the queue until it is full (std listens
    // with a backlog of 128); the first connect that gets no answer within a second (an answer
    // on loopback takes microseconds, even on a loaded machine) shows it is.
    let mut queued = Vec::new();
    loop {
        match TcpStream::connect_timeout(&addr, Duration::from_secs(1)) {
            Ok(s) => queued.push(s),
            Err(e) => {
                assert_eq!(e.kind(), std::io::ErrorKind::TimedOut, "{e}");
                break;
            }
        }
        assert!(queued.len() < 10_000, "the accept queue never filled");
    }
    let start = Instant::now();
    let result = WebSocket::builder(format!("ws://{addr}/"))
        .connect_timeout(Duration::from_millis(300))
        .connect();
    let took = start.elapsed();
    match result {
        Err(Error::Timeout(Timeout::Connect)) => {}
        other => panic!("expected a connect timeout, got {other:?}"),
    }
    assert!(
        took >= Duration::from_millis(300),
        "gave up after {took:?}, before the timeout"
    );
    assert!(took < Duration::from_secs(10), "took {took:?}");
    drop(queued);
}
