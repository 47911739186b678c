//! Proves the test peers in `tests/it/common` against tungstenite's *client* (not wsync): the raw
//! peer's handshake and frame codec, and the tungstenite echo server; and that the bounded waits
//! of `tests/it/common/bounded.rs` and the raw peer's accept fail instead of hanging.

use std::io::Write;
use std::net::TcpStream;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::common::raw::{self, LenForm, RawConn, RawPeer};
use crate::common::server::{self, Transport};
use crate::common::{spawn_bounded, within, WAIT};
use tungstenite::client::IntoClientRequest;
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::protocol::frame::CloseFrame;
use tungstenite::Message;

/// A payload whose bytes differ from position to position, so a masking slip shows.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

#[test]
fn accept_key_matches_the_rfc_sample() {
    // RFC 6455 §1.3: key "dGhlIHNhbXBsZSBub25jZQ==" gives "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=".
    assert_eq!(
        RawConn::accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
        "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    );
}

#[test]
fn raw_handshake_is_accepted_by_tungstenite() {
    let (url, peer) = RawPeer::spawn(|mut conn| {
        let req = conn.handshake_with("Sec-WebSocket-Protocol: chat\r\n");
        assert_eq!(req.request_line, "GET /room?x=1 HTTP/1.1");
        assert_eq!(req.target(), "/room?x=1");
        assert!(req
            .header("upgrade")
            .unwrap()
            .eq_ignore_ascii_case("websocket"));
        assert_eq!(req.header("SEC-WEBSOCKET-VERSION"), Some("13"));
        assert_eq!(req.header("Sec-WebSocket-Protocol"), Some("chat"));
        assert_eq!(req.key().len(), 24, "a base64 16-byte nonce");
        assert_eq!(conn.expect_close(), Some((1000, String::new())));
    });
    let mut request = format!("{url}room?x=1").into_client_request().unwrap();
    request
        .headers_mut()
        .insert("Sec-WebSocket-Protocol", "chat".parse().unwrap());
    let (mut ws, response) = tungstenite::connect(request).expect("tungstenite accepts");
    assert_eq!(response.status(), 101);
    assert_eq!(response.headers()["Sec-WebSocket-Protocol"], "chat");
    ws.close(Some(CloseFrame {
        code: CloseCode::Normal,
        reason: "".into(),
    }))
    .unwrap();
    ws.flush().unwrap();
    peer.join();
}

#[test]
fn a_wrong_accept_key_is_refused_by_tungstenite() {
    // Shows that the check above means something: the oracle does verify the accept key.
    let (url, peer) = RawPeer::spawn(|mut conn| {
        conn.read_request();
        conn.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
              Connection: Upgrade\r\nSec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n",
        );
    });
    let err = tungstenite::connect(url).expect_err("a wrong accept key must be refused");
    assert!(
        matches!(
            err,
            tungstenite::Error::Protocol(
                tungstenite::error::ProtocolError::SecWebSocketAcceptKeyMismatch
            )
        ),
        "{err:?}"
    );
    peer.join();
}

#[test]
fn client_frames_from_tungstenite_parse() {
    let (url, peer) = RawPeer::spawn(|mut conn| {
        conn.handshake();
        let f = conn.read_frame();
        assert!(f.fin && f.rsv == 0 && f.mask.is_some());
        assert_eq!(
            (f.opcode, f.payload.as_slice()),
            (raw::OP_TEXT, &b"hello"[..])
        );
        for len in [200, 70_000] {
            let f = conn.read_frame();
            assert!(f.fin && f.rsv == 0 && f.mask.is_some());
            assert_eq!(f.opcode, raw::OP_BINARY);
            assert_eq!(f.payload, pattern(len), "{len}-byte payload");
        }
        let f = conn.read_frame();
        assert_eq!((f.opcode, f.payload.as_slice()), (raw::OP_PING, &b"p"[..]));
        assert!(f.mask.is_some());
        assert_eq!(conn.expect_close(), Some((1001, "bye".to_owned())));
        conn.shutdown();
    });
    let (mut ws, _) = tungstenite::connect(url).unwrap();
    ws.send(Message::text("hello")).unwrap();
    ws.send(Message::binary(pattern(200))).unwrap();
    ws.send(Message::binary(pattern(70_000))).unwrap();
    ws.send(Message::Ping(b"p".to_vec().into())).unwrap();
    ws.close(Some(CloseFrame {
        code: CloseCode::Away,
        reason: "bye".into(),
    }))
    .unwrap();
    ws.flush().unwrap();
    peer.join();
}

#[test]
fn masked_and_unmasked_frames_round_trip_through_the_parser() {
    let peer = RawPeer::bind();
    let mut client = TcpStream::connect(("127.0.0.1", peer.port)).unwrap();
    let mut conn = peer.accept();
    let key = [0x37, 0xfa, 0x21, 0x3d];
    let mut bytes = raw::masked_frame(false, raw::OP_TEXT, b"Hel", key);
    bytes.extend(raw::masked_frame(true, raw::OP_CONT, &pattern(70_000), key));
    bytes.extend(raw::frame_raw(0xB2, &pattern(200)));
    bytes.extend(raw::frame_with(0x81, b"x", LenForm::Force64));
    client.write_all(&bytes).unwrap();

    // RFC 6455 §5.7: "A single-frame masked text message ... 0x81 0x85 0x37 0xfa 0x21 0x3d
    // 0x7f 0x9f 0x4d 0x51 0x58 (contains "Hello")".
    assert_eq!(
        raw::masked_frame(true, raw::OP_TEXT, b"Hello", key),
        [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]
    );
    let f = conn.read_frame();
    assert_eq!(
        f,
        raw::Frame {
            fin: false,
            rsv: 0,
            opcode: raw::OP_TEXT,
            mask: Some(key),
            payload: b"Hel".to_vec()
        }
    );
    let f = conn.read_frame();
    assert!(f.fin);
    assert_eq!((f.opcode, f.mask), (raw::OP_CONT, Some(key)));
    assert_eq!(f.payload, pattern(70_000));
    let f = conn.read_frame();
    assert_eq!((f.fin, f.rsv, f.opcode, f.mask), (true, 0b011, 0x2, None));
    assert_eq!(f.payload, pattern(200));
    let f = conn.read_frame();
    assert_eq!((f.opcode, f.payload.as_slice()), (raw::OP_TEXT, &b"x"[..]));

    drop(client);
    assert!(conn.try_read_frame().is_err(), "EOF is an error");
}

#[test]
fn length_encodings_are_minimal() {
    assert_eq!(raw::binary(&[7; 125])[..2], [0x82, 125]);
    assert_eq!(raw::binary(&[7; 200])[..4], [0x82, 126, 0, 200]);
    assert_eq!(raw::binary(&[7; 65_535])[..4], [0x82, 126, 0xFF, 0xFF]);
    // 70 000 = 0x0001_1170.
    assert_eq!(
        raw::binary(&[7; 70_000])[..10],
        [0x82, 127, 0, 0, 0, 0, 0, 0x01, 0x11, 0x70]
    );
    assert_eq!(
        raw::frame_with(0x81, b"ab", LenForm::Force16),
        [0x81, 126, 0, 2, b'a', b'b']
    );
    assert_eq!(
        raw::close_frame(1000, "ok"),
        [0x88, 4, 0x03, 0xE8, b'o', b'k']
    );
    assert_eq!(raw::frame(false, raw::OP_CONT, b"z"), [0x00, 1, b'z']);
    assert_eq!(raw::ping(b"p"), [0x89, 1, b'p']);
    assert_eq!(raw::pong(b""), [0x8A, 0]);
    assert_eq!(raw::text("é"), [0x81, 2, 0xC3, 0xA9]);
}

#[test]
fn server_frames_are_read_by_tungstenite() {
    let (url, peer) = RawPeer::spawn(|mut conn| {
        conn.handshake();
        conn.write(&raw::text("hi"));
        conn.write(&raw::binary(&pattern(200)));
        conn.write(&raw::binary(&pattern(70_000)));
        conn.write(&raw::frame(false, raw::OP_TEXT, b"hel"));
        conn.write(&raw::frame(true, raw::OP_CONT, b"lo"));
        conn.write(&raw::ping(b"abc"));
        let pong = conn.read_frame();
        assert_eq!(pong.opcode, raw::OP_PONG);
        assert_eq!(pong.payload, b"abc");
        assert!(pong.mask.is_some(), "client frames are masked");
        conn.write(&raw::close_frame(1001, "away"));
        assert_eq!(conn.expect_close(), Some((1001, "away".to_owned())));
        conn.shutdown();
    });
    let (mut ws, _) = tungstenite::connect(url).unwrap();
    assert_eq!(ws.read().unwrap(), Message::text("hi"));
    assert_eq!(ws.read().unwrap(), Message::binary(pattern(200)));
    assert_eq!(ws.read().unwrap(), Message::binary(pattern(70_000)));
    assert_eq!(ws.read().unwrap(), Message::text("hello"));
    assert_eq!(ws.read().unwrap(), Message::Ping(b"abc".to_vec().into()));
    match ws.read().unwrap() {
        Message::Close(Some(cf)) => {
            assert_eq!(cf.code, CloseCode::Away);
            assert_eq!(cf.reason.as_str(), "away");
        }
        other => panic!("expected a close, got {other:?}"),
    }
    // Flushes the close reply, then sees the peer close TCP.
    let end = ws.read();
    assert!(
        matches!(end, Err(tungstenite::Error::ConnectionClosed)),
        "{end:?}"
    );
    peer.join();
}

#[test]
fn frame_raw_writes_the_exact_first_byte() {
    // RSV1 set on a text frame: tungstenite must refuse it, so the byte went out as given.
    let (url, peer) = RawPeer::spawn(|mut conn| {
        conn.handshake();
        conn.write(&raw::frame_raw(0xC1, b"x"));
        assert!(conn.read_to_eof(), "tungstenite drops the connection");
    });
    let (mut ws, _) = tungstenite::connect(url).unwrap();
    let err = ws.read().expect_err("RSV1 without an extension");
    assert!(
        matches!(
            err,
            tungstenite::Error::Protocol(tungstenite::error::ProtocolError::NonZeroReservedBits)
        ),
        "{err:?}"
    );
    drop(ws);
    peer.join();
}

#[test]
fn echo_server_echoes_for_tungstenite() {
    let server = server::echo(Transport::Plain);
    assert_eq!(server.url, format!("ws://127.0.0.1:{}/", server.port));
    assert_eq!(Transport::Plain.scheme(), "ws");
    assert_eq!(Transport::Tls.scheme(), "wss");
    let (mut ws, _) = tungstenite::connect(server.url.as_str()).unwrap();
    ws.send(Message::text("héllo")).unwrap();
    assert_eq!(ws.read().unwrap(), Message::text("héllo"));
    ws.send(Message::binary(pattern(70_000))).unwrap();
    assert_eq!(ws.read().unwrap(), Message::binary(pattern(70_000)));
    ws.send(Message::Ping(b"ping".to_vec().into())).unwrap();
    assert_eq!(ws.read().unwrap(), Message::Pong(b"ping".to_vec().into()));
    ws.close(Some(CloseFrame {
        code: CloseCode::Normal,
        reason: "done".into(),
    }))
    .unwrap();
    match ws.read().unwrap() {
        Message::Close(Some(cf)) => assert_eq!(cf.code, CloseCode::Normal),
        other => panic!("expected the close reply, got {other:?}"),
    }
    assert!(matches!(
        ws.read(),
        Err(tungstenite::Error::ConnectionClosed)
    ));
    server.join();
}

#[test]
#[allow(clippy::result_large_err)] // tungstenite's `ErrorResponse` is what it is.
fn serve_with_sees_the_request_and_picks_a_subprotocol() {
    let server = server::serve_with(
        Transport::Plain,
        |req, mut resp| {
            assert_eq!(req.uri().path(), "/chat");
            assert_eq!(req.headers()["Origin"], "https://example.com");
            resp.headers_mut()
                .insert("Sec-WebSocket-Protocol", "v2".parse().unwrap());
            Ok(resp)
        },
        |mut ws| {
            ws.send(Message::text("welcome")).unwrap();
            assert!(matches!(ws.read().unwrap(), Message::Close(_)));
            assert!(matches!(
                ws.read(),
                Err(tungstenite::Error::ConnectionClosed)
            ));
        },
    );
    let mut request = format!("{}chat", server.url).into_client_request().unwrap();
    request
        .headers_mut()
        .insert("Origin", "https://example.com".parse().unwrap());
    request
        .headers_mut()
        .insert("Sec-WebSocket-Protocol", "v1, v2".parse().unwrap());
    let (mut ws, response) = tungstenite::connect(request).unwrap();
    assert_eq!(response.headers()["Sec-WebSocket-Protocol"], "v2");
    assert_eq!(ws.read().unwrap(), Message::text("welcome"));
    ws.close(None).unwrap();
    while ws.read().is_ok() {}
    server.join();
}

#[test]
fn join_reraises_a_panic_in_the_peer() {
    let server = server::serve(Transport::Plain, |_ws| panic!("peer assertion failed"));
    let _client = tungstenite::connect(server.url.as_str());
    let payload = catch_unwind(AssertUnwindSafe(|| server.join())).expect_err("join must panic");
    assert_eq!(
        payload.downcast_ref::<&str>(),
        Some(&"peer assertion failed")
    );
}

#[test]
fn dropping_an_unused_server_does_not_block() {
    let start = Instant::now();
    drop(server::serve(Transport::Plain, |_ws| {
        unreachable!("nobody connects")
    }));
    assert!(start.elapsed() < WAIT, "took {:?}", start.elapsed());
}

/// The text of a panic payload (`panic!` with a literal gives a `&str`, with arguments a
/// `String`).
fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "<not a string>".to_owned())
}

#[test]
fn raw_accept_fails_when_nobody_connects() {
    let peer = RawPeer::bind();
    let start = Instant::now();
    let payload = catch_unwind(AssertUnwindSafe(|| {
        peer.accept_within(Duration::from_millis(200))
    }))
    .expect_err("accept must fail");
    let text = panic_text(&*payload);
    assert!(text.contains("no client connected within 200ms"), "{text}");
    assert!(start.elapsed() < WAIT, "took {:?}", start.elapsed());
}

#[test]
fn raw_accept_takes_a_client_that_comes() {
    let peer = RawPeer::bind();
    let _client = TcpStream::connect(("127.0.0.1", peer.port)).unwrap();
    let conn = peer.accept_within(Duration::from_millis(200));
    let tcp = conn.stream();
    assert_eq!(tcp.read_timeout().unwrap(), Some(raw::READ_TIMEOUT));
    assert_eq!(tcp.write_timeout().unwrap(), Some(raw::WRITE_TIMEOUT));
}

#[test]
fn raw_peer_join_returns_the_result_and_reraises_a_panic() {
    let peer = RawPeer::bind();
    let mut client = TcpStream::connect(("127.0.0.1", peer.port)).unwrap();
    let peer = peer.serve(|mut conn| conn.read_request().target().to_owned());
    client
        .write_all(b"GET /x HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    assert_eq!(peer.join(), "/x");

    let peer = RawPeer::bind();
    let _client = TcpStream::connect(("127.0.0.1", peer.port)).unwrap();
    let peer = peer.serve(|_conn| panic!("peer assertion failed"));
    let payload = catch_unwind(AssertUnwindSafe(|| peer.join())).expect_err("join must panic");
    assert_eq!(panic_text(&*payload), "peer assertion failed");
}

#[test]
fn join_fails_on_a_thread_still_running() {
    let (release, wait) = mpsc::channel::<()>();
    let stuck = spawn_bounded("stuck", move || {
        let _ = wait.recv();
    });
    let start = Instant::now();
    let payload = catch_unwind(AssertUnwindSafe(|| {
        stuck.join_within(Duration::from_millis(200))
    }))
    .expect_err("join must fail");
    assert_eq!(
        panic_text(&*payload),
        "thread stuck still running after 200ms"
    );
    assert!(start.elapsed() < WAIT, "took {:?}", start.elapsed());
    drop(release);
}

#[test]
fn within_returns_the_result_or_fails_after_the_limit() {
    assert_eq!(within(WAIT, || 6 * 7), 42);
    let (release, wait) = mpsc::channel::<()>();
    let payload = catch_unwind(AssertUnwindSafe(|| {
        within(Duration::from_millis(200), move || {
            let _ = wait.recv();
        })
    }))
    .expect_err("within must fail");
    assert_eq!(
        panic_text(&*payload),
        "the call did not return within 200ms"
    );
    drop(release);
    let payload = catch_unwind(|| within(WAIT, || panic!("inner assertion failed")))
        .expect_err("within must re-raise");
    assert_eq!(panic_text(&*payload), "inner assertion failed");
}
