//! Through an HTTP CONNECT proxy (`Builder::proxy("http://...")`): ws:// and wss://, with and
//! without Basic credentials, reach the server, whose `Host` header and request target are its
//! own; a 407 carries the proxy's `Proxy-Authenticate` challenge, other refusals their status;
//! a proxy that closes before the tunnel is open, one that closes right after, one that does
//! not speak HTTP and one whose reply exceeds `max_response_size` fail with what happened;
//! bytes after the 200 go to the WebSocket handshake over ws:// and fail wss://.

use std::sync::mpsc;

use tungstenite::handshake::server::{ErrorResponse, Request, Response};

use crate::common::proxy::{http_proxy, Http, CHALLENGE};
use crate::common::server::echo_stream;
use crate::common::{
    builder, expect_close, expect_error_then_close, expect_message, serve_with, Transport, WAIT,
};
use wsync::{Error, HandshakeError, Message, ProxyError};

/// The host the test servers' URLs name: `127.0.0.1` over plain TCP, `localhost` over TLS.
fn host_of(t: Transport) -> &'static str {
    match t {
        Transport::Plain => "127.0.0.1",
        Transport::Tls => "localhost",
    }
}

/// A handshake callback that sends on `tx` the request's `Host` header and target.
#[allow(clippy::result_large_err)] // tungstenite's callback signature
fn record_request(
    tx: mpsc::Sender<(Option<String>, String)>,
) -> impl FnOnce(&Request, Response) -> Result<Response, ErrorResponse> {
    move |req: &Request, resp: Response| {
        let host = req.headers().get("Host").map(|h| h.to_str().unwrap());
        let _ = tx.send((host.map(str::to_owned), req.uri().to_string()));
        Ok(resp)
    }
}

#[test]
fn ws_and_wss_through_connect_with_and_without_credentials() {
    for t in Transport::ALL {
        for auth in [None, Some(("alice", "s3cr3t:!@ é"))] {
            let (request_tx, request_rx) = mpsc::channel();
            let server = serve_with(t, record_request(request_tx), echo_stream);
            let proxy = http_proxy(Http::tunnel(auth));
            let userinfo = match auth {
                Some(_) => "alice:s3cr3t%3A%21%40%20%C3%A9@",
                None => "",
            };
            let url = format!("{}chat?room=1", server.url);
            let ws = builder(&url)
                .proxy(&proxy.url("http", userinfo))
                .connect()
                .unwrap_or_else(|e| panic!("{t:?} {auth:?}: {e}"));
            ws.send("through the proxy").unwrap();
            assert_eq!(
                expect_message(&ws),
                Message::Text("through the proxy".into())
            );
            ws.close().unwrap();
            assert!(expect_close(&ws).was_clean, "{t:?} {auth:?}");
            drop(ws);
            let authority = format!("{}:{}", host_of(t), server.port);
            server.join();

            let head = proxy.join();
            assert!(
                head.starts_with(&format!(
                    "CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n"
                )),
                "{head}"
            );
            assert_eq!(
                head.contains("\r\nProxy-Authorization: Basic "),
                auth.is_some(),
                "{head}"
            );
            let (host, target) = request_rx.recv_timeout(WAIT).unwrap();
            assert_eq!(host.as_deref(), Some(authority.as_str()), "{t:?}");
            assert_eq!(target, "/chat?room=1", "{t:?}");
        }
    }
}

#[test]
fn a_407_carries_the_challenge() {
    for userinfo in ["", "alice:wrong@"] {
        let proxy = http_proxy(Http::tunnel(Some(("alice", "right"))));
        let ws = builder("ws://example.com:8080/")
            .proxy(&proxy.url("http", userinfo))
            .build()
            .unwrap();
        let (error, _) = expect_error_then_close(&ws);
        match &error {
            Error::Proxy(ProxyError::Status {
                code: 407,
                reason,
                proxy_authenticate: Some(challenge),
            }) => {
                assert_eq!(reason, "Proxy Authentication Required");
                assert_eq!(challenge, CHALLENGE);
            }
            other => panic!("{userinfo}: {other:?}"),
        }
        assert_eq!(
            error.to_string(),
            format!(
                "the proxy refused the tunnel: HTTP 407 Proxy Authentication Required \
                 (Proxy-Authenticate: {CHALLENGE})"
            )
        );
        assert!(!format!("{error} {error:?}").contains("wrong"));
        drop(ws);
        let head = proxy.join();
        assert!(
            head.starts_with("CONNECT example.com:8080 HTTP/1.1\r\n"),
            "{head}"
        );
    }
}

/// The error of connecting to `url` through an HTTP proxy that behaves as `behaviour`.
fn fails_through(url: &str, behaviour: Http) -> Error {
    let proxy = http_proxy(behaviour);
    let error = builder(url)
        .proxy(&proxy.url("http", ""))
        .connect()
        .expect_err("the connection must fail");
    proxy.join();
    error
}

#[test]
fn other_refusals_carry_their_status() {
    for (reply, code, reason) in [
        (&b"HTTP/1.1 403 Forbidden\r\n\r\n"[..], 403, "Forbidden"),
        (
            b"HTTP/1.0 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n",
            502,
            "Bad Gateway",
        ),
    ] {
        let error = fails_through("ws://example.com:8080/", Http::Reply(reply.to_vec()));
        match error {
            Error::Proxy(ProxyError::Status {
                code: c,
                reason: r,
                proxy_authenticate: None,
            }) => assert_eq!((c, r.as_str()), (code, reason)),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn a_proxy_that_closes_before_the_tunnel_is_open() {
    for t in Transport::ALL {
        let url = format!("{}://example.com:8080/", t.scheme());
        for reply in [&b""[..], b"HTTP/1.1 200 Conn"] {
            let error = fails_through(&url, Http::ReplyAndClose(reply.to_vec()));
            assert!(
                matches!(error, Error::Proxy(ProxyError::Closed)),
                "{t:?} {reply:?}: {error:?}"
            );
        }
    }
}

#[test]
fn a_proxy_that_closes_right_after_the_200() {
    for t in Transport::ALL {
        let url = format!("{}://localhost:8080/", t.scheme());
        let reply = b"HTTP/1.1 200 Connection established\r\n\r\n".to_vec();
        let error = fails_through(&url, Http::ReplyAndClose(reply));
        // The tunnel was open: it is the server's handshake that was cut short.
        match t {
            Transport::Plain => assert!(
                matches!(error, Error::Handshake(HandshakeError::Incomplete)),
                "{error:?}"
            ),
            Transport::Tls => assert!(matches!(error, Error::Tls(_)), "{error:?}"),
        }
    }
}

#[test]
fn a_reply_that_is_not_http() {
    let error = fails_through(
        "ws://example.com:8080/",
        Http::Reply(b"SSH-2.0-OpenSSH_9.2\r\n\r\n".to_vec()),
    );
    assert!(
        matches!(error, Error::Proxy(ProxyError::Malformed(_))),
        "{error:?}"
    );
}

#[test]
fn a_reply_over_max_response_size() {
    let mut reply = b"HTTP/1.1 200 Connection established\r\nVia: ".to_vec();
    reply.resize(300, b'x');
    reply.extend_from_slice(b"\r\n\r\n");
    let proxy = http_proxy(Http::Reply(reply));
    let error = builder("ws://example.com:8080/")
        .proxy(&proxy.url("http", ""))
        .max_response_size(256)
        .connect()
        .unwrap_err();
    match error {
        Error::Proxy(ProxyError::Malformed(why)) => assert!(why.contains("exceeds 256"), "{why}"),
        other => panic!("{other:?}"),
    }
    proxy.join();
}

#[test]
fn bytes_after_the_200_go_to_the_handshake_over_ws_and_fail_wss() {
    let reply = b"HTTP/1.1 200 OK\r\n\r\nHTTP/1.1 403 Forbidden\r\n\r\n".to_vec();
    // ws://: they are read as the server's reply to the WebSocket handshake.
    let error = fails_through("ws://example.com:8080/", Http::Reply(reply.clone()));
    assert!(
        matches!(
            &error,
            Error::Handshake(HandshakeError::Status(response)) if response.status() == 403
        ),
        "{error:?}"
    );
    // wss://: TLS cannot begin with them.
    #[cfg(feature = "native-tls")]
    match fails_through("wss://example.com/", Http::Reply(reply)) {
        Error::Proxy(ProxyError::Malformed(why)) => {
            assert!(why.contains("before the TLS handshake"), "{why}")
        }
        other => panic!("{other:?}"),
    }
}
