//! A handshake refused with a 4xx status ends the client: the same request would be refused
//! again. With `reconnect_on_client_error(true)` it is retried; 429 (too many requests) and 503
//! (unavailable) are retried by default.

use wsync::reconnect::GiveUp;
use wsync::{Error, Message, ReadyState};

use super::{
    answer_close, assert_disconnected, expect_failure, expect_gave_up, expect_message, expect_open,
    expect_scheduled, fast,
};
use crate::common::{spawn_bounded, text, BoundedThread, RawConn, RawPeer};

/// Refuses the first connection with `status`; when `then_accept`, accepts the second and
/// sends "welcome".
fn refusing_peer(status: &'static str, then_accept: bool) -> (String, BoundedThread<()>) {
    let peer = RawPeer::bind();
    let url = peer.url.clone();
    let thread = spawn_bounded("refusing-peer", move || {
        let mut first = peer.accept();
        refuse(&mut first, status);
        if then_accept {
            let mut second = peer.accept();
            second.handshake();
            second.write(&text("welcome"));
            answer_close(&mut second);
        }
    });
    (url, thread)
}

fn refuse(conn: &mut RawConn, status: &str) {
    conn.read_request();
    conn.write(format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n").as_bytes());
    assert!(conn.read_to_eof(), "the client kept a refused connection");
}

#[test]
fn a_401_is_final() {
    let (url, peer) = refusing_peer("401 Unauthorized", false);
    let ws = fast(&url).build().unwrap();
    let error = expect_failure(&ws);
    assert!(matches!(error, Error::Handshake(_)), "{error:?}");
    assert_eq!(expect_gave_up(&ws), (0, GiveUp::Refused(401)));
    assert_eq!(ws.ready_state(), ReadyState::Closed);
    // Disconnected: the supervisor has ended, so no second connection can come.
    assert_disconnected(&ws);
    peer.join();
}

#[test]
fn a_401_is_retried_when_asked() {
    let (url, peer) = refusing_peer("401 Unauthorized", true);
    let ws = fast(&url).reconnect_on_client_error(true).build().unwrap();
    expect_failure(&ws);
    assert_eq!(expect_scheduled(&ws).0, 1);
    expect_open(&ws);
    assert_eq!(expect_message(&ws), Message::Text("welcome".into()));
    drop(ws);
    peer.join();
}

#[test]
fn too_many_requests_and_unavailable_are_retried() {
    for status in ["429 Too Many Requests", "503 Service Unavailable"] {
        let (url, peer) = refusing_peer(status, true);
        let ws = fast(&url).build().unwrap();
        expect_failure(&ws);
        assert_eq!(expect_scheduled(&ws).0, 1, "{status}");
        expect_open(&ws);
        assert_eq!(expect_message(&ws), Message::Text("welcome".into()));
        drop(ws);
        peer.join();
    }
}
