//! Each exit status, with its reason on stderr: 0 after a clean close, and a distinct status
//! for a refused connection, a refused handshake, a protocol error, a timeout, a connection
//! lost, and a server that closes with a code other than 1000.

use crate::common::{close_frame, frame_raw, text, BoundedThread, RawPeer};
use crate::run::{refused_url, wsync};

#[test]
fn clean_close_exits_0() {
    let (url, peer) = RawPeer::spawn(|mut conn| {
        conn.handshake();
        assert_eq!(conn.expect_close(), Some((1000, String::new())));
        conn.write(&close_frame(1000, ""));
        conn.shutdown();
    });
    wsync(&[url.as_str()]).run().assert_status(0);
    peer.join();
}

#[test]
fn connection_refused_exits_3() {
    let url = refused_url();
    let ran = wsync(&[url.as_str()]).run();
    ran.assert_status(3).assert_stderr_has(&["refused"]);
    assert_eq!(ran.stdout_text(), "");
}

/// A peer that refuses the handshake with `response`.
fn refusing(response: &'static str) -> (String, BoundedThread<()>) {
    RawPeer::spawn(move |mut conn| {
        conn.read_request();
        conn.write(response.as_bytes());
        conn.shutdown();
    })
}

#[test]
fn refused_handshake_exits_6_with_status_and_body_on_stderr() {
    let (url, peer) = refusing(
        "HTTP/1.1 401 Unauthorized\r\nContent-Type: text/plain\r\n\
         WWW-Authenticate: Bearer realm=\"api\"\r\n\
         Content-Length: 22\r\nConnection: close\r\n\r\nmissing or wrong token",
    );
    let ran = wsync(&[url.as_str()]).run();
    ran.assert_status(6)
        .assert_stderr_has(&["401 Unauthorized", "missing or wrong token"]);
    assert_eq!(ran.stdout_text(), "");
    peer.join();

    // A body of several lines is shown whole; -v adds the response's headers.
    let (url, peer) = refusing(
        "HTTP/1.1 403 Forbidden\r\nContent-Length: 38\r\nX-Request-Id: 42\r\n\r\n\
         Forbidden\nyour plan does not allow it\n",
    );
    let ran = wsync(&["-v", url.as_str()]).run();
    ran.assert_status(6).assert_stderr_has(&[
        "wsync: handshake failed: status 403 Forbidden, expected 101: Forbidden",
        "wsync: < HTTP/1.1 403 Forbidden",
        "wsync: < X-Request-Id: 42",
        "wsync: the server's answer:\nwsync:   Forbidden\nwsync:   your plan does not allow it\n",
    ]);
    peer.join();
}

#[test]
fn host_not_found_exits_4() {
    // .invalid never resolves (RFC 6761).
    let ran = wsync(&["ws://no-such-host.invalid/"]).run();
    ran.assert_status(4);
}

#[test]
fn protocol_error_exits_8() {
    let (url, peer) = RawPeer::spawn(|mut conn| {
        conn.handshake();
        // FIN and opcode 0x3, which RFC 6455 reserves.
        conn.write(&frame_raw(0x83, b""));
        let close = conn.expect_close();
        conn.shutdown();
        close
    });
    let ran = wsync(&[url.as_str()]).stdin_open().run();
    ran.assert_status(8)
        .assert_stderr_has(&["protocol error", "reserved opcode"]);
    let (code, _) = peer.join().expect("a close code");
    assert_eq!(code, 1002);
}

#[test]
fn handshake_timeout_exits_9() {
    let (url, peer) = RawPeer::spawn(|mut conn| {
        conn.read_request();
        // Says nothing: the client gives up after its connect timeout and closes TCP.
        assert!(conn.read_to_eof(), "the client did not give up");
    });
    let ran = wsync(&["--connect-timeout", "0.3", url.as_str()]).run();
    ran.assert_status(9).assert_stderr_has(&["timed out"]);
    peer.join();
}

#[test]
fn timeout_while_connecting_exits_9() {
    let (url, peer) = RawPeer::spawn(|mut conn| {
        conn.read_request();
        assert!(conn.read_to_eof(), "the client did not give up");
    });
    let ran = wsync(&["--timeout", "0.3", url.as_str()]).run();
    ran.assert_status(9)
        .assert_stderr_has(&["--timeout passed before the connection opened"]);
    peer.join();
}

#[test]
fn timeout_before_the_messages_of_wait_exits_9_after_a_clean_close() {
    let (url, peer) = RawPeer::spawn(|mut conn| {
        conn.handshake();
        conn.write(&text("only one"));
        let close = conn.expect_close();
        conn.write(&close_frame(1000, ""));
        conn.shutdown();
        close
    });
    let ran = wsync(&["--wait", "2", "--timeout", "0.5", url.as_str()]).run();
    ran.assert_status(9)
        .assert_stderr_has(&["--timeout", "1 of the 2 messages"]);
    assert_eq!(ran.stdout_text(), "only one\n");
    assert_eq!(peer.join(), Some((1000, String::new())));
}

#[test]
fn server_close_code_4001_exits_10_with_code_and_reason_on_stderr() {
    let (url, peer) = RawPeer::spawn(|mut conn| {
        conn.handshake();
        conn.write(&close_frame(4001, "session expired"));
        let echo = conn.expect_close();
        conn.shutdown();
        echo
    });
    let ran = wsync(&[url.as_str()]).stdin_open().run();
    ran.assert_status(10)
        .assert_stderr_has(&["4001", "session expired"]);
    // The echo carries the code (RFC 6455 §5.5.1).
    assert_eq!(peer.join().map(|(code, _)| code), Some(4001));
}

#[test]
fn server_close_1001_exits_10() {
    let (url, peer) = RawPeer::spawn(|mut conn| {
        conn.handshake();
        conn.write(&close_frame(1001, ""));
        conn.expect_close();
        conn.shutdown();
    });
    wsync(&[url.as_str()])
        .stdin_open()
        .run()
        .assert_status(10)
        .assert_stderr_has(&["1001"]);
    peer.join();
}

#[test]
fn connection_lost_without_a_close_frame_exits_5() {
    let (url, peer) = RawPeer::spawn(|mut conn| {
        conn.handshake();
        conn.write(&text("bye"));
        conn.shutdown();
    });
    let ran = wsync(&[url.as_str()]).stdin_open().run();
    ran.assert_status(5)
        .assert_stderr_has(&["without a close frame"]);
    assert_eq!(ran.stdout_text(), "bye\n");
    peer.join();
}

#[test]
fn an_unreachable_proxy_exits_11() {
    let proxy = refused_url().replace("ws://", "http://");
    let ran = wsync(&["--proxy", proxy.trim_end_matches('/'), "ws://example.com/"]).run();
    ran.assert_status(11).assert_stderr_has(&["proxy"]);
}
