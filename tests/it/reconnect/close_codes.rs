//! A close with a code the application listed ends the client; any other close, clean or not,
//! from the server is followed by a reconnect.

use wsync::reconnect::GiveUp;
use wsync::ReadyState;

use super::{
    answer_close, assert_disconnected, expect_close, expect_gave_up, expect_open, expect_scheduled,
    fast,
};
use crate::common::{close_frame, spawn_bounded, RawConn, RawPeer};

/// Opens, then closes with `code`: reads the client's echo, then closes TCP.
fn close_with(conn: &mut RawConn, code: u16) {
    conn.handshake();
    conn.write(&close_frame(code, "bye"));
    assert_eq!(conn.expect_close().map(|(c, _)| c), Some(code));
    conn.shutdown();
}

#[test]
fn a_listed_close_code_is_final() {
    let peer = RawPeer::bind();
    let url = peer.url.clone();
    let server = spawn_bounded("closing-peer", move || close_with(&mut peer.accept(), 4001));
    let ws = fast(&url)
        .stop_on_close_codes([1008, 4001])
        .build()
        .unwrap();
    expect_open(&ws);
    let close = expect_close(&ws);
    assert_eq!(
        (close.code, close.reason.as_str(), close.was_clean),
        (4001, "bye", true)
    );
    assert_eq!(expect_gave_up(&ws), (0, GiveUp::CloseCode(4001)));
    assert_eq!(ws.ready_state(), ReadyState::Closed);
    assert_disconnected(&ws);
    server.join();
}

#[test]
fn an_unlisted_close_code_reconnects() {
    for code in [4002, 1000, 1001] {
        let peer = RawPeer::bind();
        let url = peer.url.clone();
        let server = spawn_bounded("closing-peer", move || {
            close_with(&mut peer.accept(), code);
            let mut second = peer.accept();
            second.handshake();
            answer_close(&mut second);
        });
        let ws = fast(&url)
            .stop_on_close_codes([1008, 4001])
            .build()
            .unwrap();
        expect_open(&ws);
        assert_eq!(expect_close(&ws).code, code);
        assert_eq!(expect_scheduled(&ws).0, 1, "{code}");
        expect_open(&ws);
        drop(ws);
        server.join();
    }
}
