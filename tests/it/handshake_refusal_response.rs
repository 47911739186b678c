//! A refused handshake keeps the server's answer: `HandshakeError::Status` carries the status,
//! the headers and the body, read up to `max_response_size` and as far as its `Content-Length`,
//! its chunked coding or the connection's end says, never waiting long for a body that does
//! not end; its `Display` shows the status and the body's first line. After a successful
//! handshake, `handshake_response()` gives the 101 response's headers.

use std::sync::mpsc;

use tungstenite::handshake::server::{ErrorResponse, Request, Response as TResponse};

use crate::common::server::echo_stream;
use crate::common::{
    builder, expect_close, expect_error_then_close, serve_with, wait_for_test, RawPeer, Transport,
    WAIT,
};
use wsync::{Error, HandshakeError, Response};

/// The response of a refusal, or a panic.
fn refusal(error: Error, what: &str) -> Response {
    match error {
        Error::Handshake(HandshakeError::Status(response)) => *response,
        other => panic!("{what}: expected a refusal, got {other:?}"),
    }
}

/// Connects over `t` to a raw peer that answers the request with each of `writes` in turn, then
/// shuts the connection down if `close`, else waits for the client to close it. Returns the
/// refusal, through the events and through `connect()` alike.
fn refused_with(
    t: Transport,
    writes: &'static [&'static [u8]],
    close: bool,
    configure: fn(wsync::Builder) -> wsync::Builder,
) -> Response {
    let peer = move |mut conn: crate::common::RawConn| {
        conn.read_request();
        for w in writes {
            conn.write(w);
        }
        if close {
            conn.shutdown();
        } else {
            assert!(conn.read_to_eof(), "the client kept the connection open");
        }
    };
    let (url, handle) = RawPeer::spawn_on(t, peer);
    let ws = configure(builder(&url)).build().expect("build");
    let (error, _) = expect_error_then_close(&ws);
    assert!(ws.handshake_response().is_none(), "{t:?}");
    let through_events = refusal(error, &format!("{t:?} events"));
    handle.join();

    let (url, handle) = RawPeer::spawn_on(t, peer);
    let error = configure(builder(&url)).connect().expect_err("refused");
    let through_connect = refusal(error, &format!("{t:?} connect"));
    handle.join();
    assert_eq!(through_events, through_connect, "{t:?}");
    through_events
}

#[test]
fn a_refusal_keeps_its_status_headers_and_body() {
    const REPLY: &[u8] =
        b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm=\"chat\"\r\n\
        Set-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 26\r\n\r\n\
        \r\nmissing token\nsee /login";
    for t in Transport::ALL {
        let r = refused_with(t, &[REPLY], false, |b| b);
        assert_eq!((r.status(), r.reason()), (401, "Unauthorized"), "{t:?}");
        assert_eq!(r.header("www-authenticate"), Some("Bearer realm=\"chat\""));
        assert_eq!(
            r.header_values("set-cookie").collect::<Vec<_>>(),
            ["a=1", "b=2"]
        );
        assert_eq!(r.headers().count(), 4);
        assert_eq!(r.body(), b"\r\nmissing token\nsee /login", "{t:?}");
        assert_eq!(r.location(), None);
        let shown = Error::Handshake(HandshakeError::Status(Box::new(r))).to_string();
        assert_eq!(
            shown,
            "handshake failed: status 401 Unauthorized, expected 101: missing token"
        );
    }
}

#[test]
fn a_body_ends_with_the_connection_or_with_its_last_chunk() {
    for t in Transport::ALL {
        // No length: the body is what comes until the server closes, in however many pieces.
        let r = refused_with(
            t,
            &[b"HTTP/1.1 403 Forbidden\r\n\r\nnot", b" on this path"],
            true,
            |b| b,
        );
        assert_eq!(
            (r.status(), r.body()),
            (403, &b"not on this path"[..]),
            "{t:?}"
        );

        // Chunked, the last chunk in a write of its own; the server keeps the connection open.
        let r = refused_with(
            t,
            &[
                b"HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: chunked\r\n\r\n\
                  6\r\nbroken\r\n",
                b"9;x=y\r\n backend\n\r\n",
                b"0\r\n\r\n",
            ],
            false,
            |b| b,
        );
        assert_eq!(r.body(), b"broken backend\n", "{t:?}");
        let shown = HandshakeError::Status(Box::new(r)).to_string();
        assert_eq!(
            shown,
            "status 500 Internal Server Error, expected 101: broken backend"
        );
    }
}

#[test]
fn a_long_body_is_kept_up_to_the_limit() {
    const HEAD: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 1048576\r\n\r\n";
    static BODY: [u8; 2048] = [b'x'; 2048];
    static WRITES: [&[u8]; 2] = [HEAD, &BODY];
    for t in Transport::ALL {
        // 2 KiB of the MiB announced, then nothing more: the limit is reached, no need to wait.
        let r = refused_with(t, &WRITES, false, |b| b.max_response_size(1024));
        assert_eq!(r.body(), &BODY[..1024], "{t:?}");
    }
}

#[test]
fn a_body_that_never_ends_does_not_hold_the_error_back() {
    for t in Transport::ALL {
        // Neither a length nor the connection's end: with a handshake timeout far longer than
        // the bounded wait of `expect_error_then_close`, the refusal still comes first.
        let configure = |b: wsync::Builder| b.handshake_timeout(10 * WAIT);
        let r = refused_with(
            t,
            &[b"HTTP/1.1 429 Too Many Requests\r\n\r\nslow down"],
            false,
            configure,
        );
        assert_eq!((r.status(), r.body()), (429, &b"slow down"[..]), "{t:?}");
        // A length longer than what comes (the same code over TLS: plain TCP is enough).
        if t == Transport::Tls {
            continue;
        }
        let r = refused_with(
            t,
            &[b"HTTP/1.1 429 Too Many Requests\r\nContent-Length: 100\r\n\r\nslow"],
            false,
            configure,
        );
        assert_eq!(r.body(), b"slow", "{t:?}");
    }
}

#[test]
fn the_accepted_response_is_readable_once_open() {
    for t in Transport::ALL {
        let (go, go_rx) = mpsc::channel::<()>();
        #[allow(clippy::result_large_err)] // tungstenite's callback signature
        let add_headers =
            |_: &Request, mut response: TResponse| -> Result<TResponse, ErrorResponse> {
                let headers = response.headers_mut();
                headers.append("Set-Cookie", "session=abc; HttpOnly".parse().unwrap());
                headers.append("Set-Cookie", "theme=dark".parse().unwrap());
                headers.append("X-Server", "tungstenite".parse().unwrap());
                Ok(response)
            };
        let server = serve_with(t, add_headers, move |ws| {
            wait_for_test(&go_rx);
            echo_stream(ws);
        });
        let ws = builder(&server.url).connect().expect("connect");
        let r = ws.handshake_response().expect("the response, once open");
        assert_eq!(r.status(), 101, "{t:?}");
        assert_eq!(
            r.header_values("set-cookie").collect::<Vec<_>>(),
            ["session=abc; HttpOnly", "theme=dark"],
            "{t:?}"
        );
        assert_eq!(r.header("X-SERVER"), Some("tungstenite"));
        assert!(r.header("sec-websocket-accept").is_some());
        assert_eq!(r.body(), b"");
        go.send(()).unwrap();
        ws.close().unwrap();
        assert!(expect_close(&ws).was_clean, "{t:?}");
        assert!(
            ws.handshake_response().is_some(),
            "{t:?}: still there once closed"
        );
        server.join();
    }
}
