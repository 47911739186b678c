//! Failing to reach the server, told apart without reading messages: a refused connection gives
//! `Error::ConnectionRefused` and a name that does not resolve (under `.invalid`, RFC 6761)
//! `Error::Dns`, each then `Close(1006, unclean)`; `connect()` returns the same error, whose
//! `source()` is the `io::Error`.

use std::error::Error as _;
use std::io;
use std::net::{TcpListener, ToSocketAddrs};
use std::sync::mpsc;
use std::time::Duration;

use crate::common::{assert_disconnected, builder, expect_error_then_close, Transport};
use wsync::{Error, ReadyState, WebSocket};

/// Which failure to expect.
#[derive(Debug, Clone, Copy)]
enum Expected {
    Refused,
    Dns,
}

/// Checks that `error` is the `expected` variant with a source that is the same `io::Error`.
fn assert_io(error: &Error, expected: Expected, what: &str) -> io::ErrorKind {
    let inner = match (expected, error) {
        (Expected::Refused, Error::ConnectionRefused(e)) | (Expected::Dns, Error::Dns(e)) => e,
        _ => panic!("{what}: expected {expected:?}, got {error:?}"),
    };
    let source = error
        .source()
        .unwrap_or_else(|| panic!("{what}: Error::Io has no source"));
    let source = source
        .downcast_ref::<io::Error>()
        .unwrap_or_else(|| panic!("{what}: the source is not an io::Error: {source:?}"));
    assert_eq!(source.kind(), inner.kind(), "{what}");
    inner.kind()
}

/// Runs `url` through the events and through `connect()`; returns the error kinds seen.
fn fails_with(t: Transport, url: &str, expected: Expected) -> Vec<io::ErrorKind> {
    let what = format!("{t:?} {url}");
    let ws = builder(url).build().expect("a valid URL builds");
    let (error, _) = expect_error_then_close(&ws);
    let mut kinds = vec![assert_io(&error, expected, &what)];
    assert_eq!(ws.ready_state(), ReadyState::Closed);
    assert_disconnected(&ws);

    let result = match t {
        Transport::Plain => WebSocket::connect(url),
        Transport::Tls => builder(url).connect(),
    };
    match result {
        Err(e) => kinds.push(assert_io(&e, expected, &format!("{what} (connect)"))),
        Ok(_) => panic!("{what}: connect() succeeded"),
    }
    kinds
}

#[test]
fn connection_refused() {
    for t in Transport::ALL {
        // A port that was free a moment ago: nobody listens there now.
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let url = format!("{}://127.0.0.1:{port}/", t.scheme());
        for kind in fails_with(t, &url, Expected::Refused) {
            assert_eq!(kind, io::ErrorKind::ConnectionRefused, "{t:?}");
        }
    }
}

#[test]
fn unresolvable_name() {
    let host = "wsync-test-no-such-host.invalid";
    // Probe the resolver first, bounded: a sandbox whose resolver hangs must not hang the test.
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send((host, 80).to_socket_addrs().map(|a| a.count()));
    });
    match rx.recv_timeout(Duration::from_secs(3)) {
        Ok(Err(_)) => {}
        Ok(Ok(n)) => {
            eprintln!("note: {host} resolved to {n} addresses here; skipping the DNS case");
            return;
        }
        Err(_) => {
            eprintln!("note: the resolver did not answer within 3 s; skipping the DNS case");
            return;
        }
    }
    for t in Transport::ALL {
        fails_with(t, &format!("{}://{host}:8080/", t.scheme()), Expected::Dns);
    }
}
