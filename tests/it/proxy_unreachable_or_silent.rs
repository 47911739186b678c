//! A proxy that cannot be reached is `ProxyError::Unreachable`, naming the proxy without its
//! credentials and carrying the `io::Error`, where a server that cannot be reached directly is
//! `Error::Io`; on Linux, a proxy that does not answer the TCP connect is the same, after the
//! connect timeout. A proxy that accepts the connection but never answers the tunnel request
//! runs into the handshake timeout (`Timeout::Handshake`), and `close()` meanwhile aborts.

use std::error::Error as _;
use std::io;
use std::net::{TcpListener, ToSocketAddrs};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::common::proxy::{http_proxy, socks5_proxy, Http, Socks};
use crate::common::{builder, expect_error_then_close, Transport, WAIT};
use wsync::{Error, ProxyError, ReadyState, Timeout};

/// A loopback port that nothing listens on (it was free a moment ago).
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// Checks that `error` is `ProxyError::Unreachable` for `proxy`, with the io::Error as its
/// source; returns the error's kind.
#[track_caller]
fn assert_unreachable(error: &Error, proxy: &str) -> io::ErrorKind {
    let Error::Proxy(inner @ ProxyError::Unreachable { proxy: p, error: e }) = error else {
        panic!("expected ProxyError::Unreachable, got {error:?}");
    };
    assert_eq!(p, proxy);
    let source = error.source().expect("Error::Proxy has a source");
    assert!(source.downcast_ref::<ProxyError>().is_some(), "{source:?}");
    let io = inner.source().expect("Unreachable has a source");
    assert_eq!(io.downcast_ref::<io::Error>().unwrap().kind(), e.kind());
    assert!(error
        .to_string()
        .starts_with(&format!("cannot connect to the proxy {proxy}: ")));
    e.kind()
}

#[test]
fn an_unreachable_proxy_is_not_an_unreachable_server() {
    for t in Transport::ALL {
        let port = closed_port();
        for scheme in ["http", "socks5", "socks5h"] {
            let url = format!("{scheme}://alice:hunter2@127.0.0.1:{port}");
            let shown = format!("{scheme}://127.0.0.1:{port}");
            let target = format!("{}://localhost:8080/", t.scheme());
            // Through the events, then through connect().
            let ws = builder(&target).proxy(&url).build().unwrap();
            let (error, _) = expect_error_then_close(&ws);
            assert_eq!(
                assert_unreachable(&error, &shown),
                io::ErrorKind::ConnectionRefused
            );
            assert!(!format!("{error} {error:?}").contains("hunter2"));
            let error = builder(&target).proxy(&url).connect().unwrap_err();
            assert_unreachable(&error, &shown);
        }
        // The same port as the server, directly: a refusal by the server, not the proxy's.
        let direct = builder(&format!("{}://127.0.0.1:{port}/", t.scheme()))
            .connect()
            .unwrap_err();
        assert!(
            matches!(direct, Error::ConnectionRefused(_)),
            "{t:?}: {direct:?}"
        );
    }
}

#[test]
fn a_proxy_name_that_does_not_resolve() {
    let host = "wsync-test-no-such-proxy.invalid";
    // Probe the resolver first, bounded: a sandbox whose resolver hangs must not hang the test.
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send((host, 3128).to_socket_addrs().map(|a| a.count()));
    });
    match rx.recv_timeout(Duration::from_secs(3)) {
        Ok(Err(_)) => {}
        Ok(Ok(n)) => {
            eprintln!("note: {host} resolved to {n} addresses here; skipping");
            return;
        }
        Err(_) => {
            eprintln!("note: the resolver did not answer within 3 s; skipping");
            return;
        }
    }
    let error = builder("ws://127.0.0.1:8080/")
        .proxy(&format!("{host}:3128"))
        .connect()
        .unwrap_err();
    assert_unreachable(&error, &format!("http://{host}:3128"));
}

/// A TCP connect that gets no answer: a listener whose accept queue is full (see the
/// `connect_timeout` module).
#[cfg(target_os = "linux")]
#[test]
fn a_proxy_that_does_not_answer_the_connect() {
    use std::net::TcpStream;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut queued = Vec::new();
    loop {
        match TcpStream::connect_timeout(&addr, Duration::from_secs(1)) {
            Ok(s) => queued.push(s),
            Err(e) => {
                assert_eq!(e.kind(), io::ErrorKind::TimedOut, "{e}");
                break;
            }
        }
        assert!(queued.len() < 10_000, "the accept queue never filled");
    }
    let start = Instant::now();
    let error = builder("ws://127.0.0.1:8080/")
        .proxy(&format!("http://{addr}"))
        .connect_timeout(Duration::from_millis(300))
        .connect()
        .unwrap_err();
    let took = start.elapsed();
    assert_eq!(
        assert_unreachable(&error, &format!("http://{addr}")),
        io::ErrorKind::TimedOut
    );
    assert!(took >= Duration::from_millis(300), "gave up after {took:?}");
    assert!(took < WAIT, "took {took:?}");
    drop(queued);
}

#[test]
fn a_silent_proxy_runs_into_the_handshake_timeout() {
    let timeout = Duration::from_millis(500);
    for t in Transport::ALL {
        let url = format!("{}://example.com:8080/", t.scheme());
        for kind in ["http", "socks5h"] {
            let (go, wait) = mpsc::channel();
            let (proxy_url, join): (String, Box<dyn FnOnce()>) = match kind {
                "http" => {
                    let (seen, _) = mpsc::channel();
                    let proxy = http_proxy(Http::Silent { seen, go: wait });
                    (proxy.url("http", ""), Box::new(move || drop(proxy.join())))
                }
                _ => {
                    let proxy = socks5_proxy(None, Socks::Silent(wait));
                    (
                        proxy.url("socks5h", ""),
                        Box::new(move || drop(proxy.join())),
                    )
                }
            };
            let start = Instant::now();
            let error = builder(&url)
                .proxy(&proxy_url)
                .handshake_timeout(timeout)
                .connect()
                .unwrap_err();
            let took = start.elapsed();
            assert!(
                matches!(error, Error::Timeout(Timeout::Handshake)),
                "{t:?} {kind}: {error:?}"
            );
            assert!(took >= timeout, "{t:?} {kind}: gave up after {took:?}");
            assert!(took < WAIT, "{t:?} {kind}: took {took:?}");
            go.send(()).unwrap();
            join();
        }
    }
}

#[test]
fn close_while_the_proxy_is_silent_aborts() {
    let (seen, request_seen) = mpsc::channel();
    let (go, wait) = mpsc::channel();
    let proxy = http_proxy(Http::Silent { seen, go: wait });
    let ws = builder("ws://example.com:8080/")
        .proxy(&proxy.url("http", ""))
        .build()
        .unwrap();
    request_seen.recv_timeout(WAIT).unwrap();
    assert_eq!(ws.ready_state(), ReadyState::Connecting);
    ws.close().unwrap();
    let (error, _) = expect_error_then_close(&ws);
    assert!(matches!(error, Error::Aborted), "{error:?}");
    go.send(()).unwrap();
    proxy.join();
}
