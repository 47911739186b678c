//! What the request carries: `-H` headers, `--origin`, `-p` subprotocols, the compression
//! offer; and what `-v` shows of it.

use crate::common::{close_frame, HttpRequest, RawPeer};
use crate::run::wsync;

/// A peer that takes the request, answers 101 with `extra` header lines, and closes when the
/// client does; returns the request.
fn peer(extra: &'static str) -> (String, crate::common::BoundedThread<HttpRequest>) {
    RawPeer::spawn(move |mut conn| {
        let request = conn.handshake_with(extra);
        conn.expect_close();
        conn.write(&close_frame(1000, ""));
        conn.shutdown();
        request
    })
}

#[test]
fn headers_origin_and_subprotocols_reach_the_peer() {
    let (url, peer) = peer("Sec-WebSocket-Protocol: v2\r\n");
    let ran = wsync(&[
        "-H",
        "Authorization: Bearer s3cret",
        "--header",
        "X-Trace:abc:def",
        "-H",
        "X-Repeated: 1",
        "-H",
        "X-Repeated: 2",
        "--origin",
        "https://app.example",
        "-p",
        "v2",
        "--protocol",
        "v1",
        url.as_str(),
    ])
    .run();
    ran.assert_status(0);
    let request = peer.join();
    assert_eq!(request.header("Authorization"), Some("Bearer s3cret"));
    assert_eq!(request.header("X-Trace"), Some("abc:def"));
    assert_eq!(request.headers_named("X-Repeated"), ["1", "2"]);
    assert_eq!(request.header("Origin"), Some("https://app.example"));
    assert_eq!(request.header("Sec-WebSocket-Protocol"), Some("v2, v1"));
}

#[test]
fn compression_is_offered_unless_no_compression() {
    let (url, with) = peer("");
    wsync(&[url.as_str()]).run().assert_status(0);
    let offer = with.join();
    let offer = offer.header("Sec-WebSocket-Extensions").unwrap_or("");
    if cfg!(feature = "deflate") {
        assert!(offer.starts_with("permessage-deflate"), "{offer:?}");
    }

    let (url, without) = peer("");
    wsync(&["--no-compression", url.as_str()])
        .run()
        .assert_status(0);
    assert_eq!(without.join().header("Sec-WebSocket-Extensions"), None);
}

#[test]
fn verbose_shows_the_headers_sent_and_the_subprotocol_chosen() {
    let (url, peer) = peer("Sec-WebSocket-Protocol: v1\r\n");
    let ran = wsync(&[
        "-v",
        "-H",
        "X-Token: t0k3n",
        "--origin",
        "https://app.example",
        "-p",
        "v1",
        url.as_str(),
    ])
    .run();
    ran.assert_status(0).assert_stderr_has(&[
        &format!("* connecting to {url}"),
        "> Origin: https://app.example",
        "> X-Token: t0k3n",
        "> Sec-WebSocket-Protocol: v1",
        "< HTTP/1.1 101 Switching Protocols",
        "< Upgrade: websocket",
        "< Sec-WebSocket-Protocol: v1",
        &format!("* open: {url}"),
        "* closed: 1000",
    ]);
    assert_eq!(ran.stdout_text(), "", "-v writes to stderr only");
    peer.join();
}

#[test]
fn a_reserved_header_is_a_usage_error() {
    let ran = wsync(&["-H", "Sec-WebSocket-Key: x", "ws://127.0.0.1:9/"]).run();
    ran.assert_status(2)
        .assert_stderr_has(&["Sec-WebSocket-Key"]);
}
