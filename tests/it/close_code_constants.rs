//! `wsync::close_code` names the close codes: the ones an application may send (`NORMAL`, and
//! the `REGISTERED` and `PRIVATE` ranges) reach the server as given, the others are refused as
//! the browser refuses them, and a server's code reads as its constant.

use crate::common::{close_frame, connect, expect_close, RawPeer};
use wsync::{close_code, Error};

#[test]
fn sendable_codes_reach_the_server() {
    for code in [
        close_code::NORMAL,
        *close_code::REGISTERED.start(),
        *close_code::PRIVATE.end(),
    ] {
        let (url, peer) = RawPeer::spawn(|mut conn| {
            conn.handshake();
            let got = conn.expect_close();
            conn.write(&close_frame(close_code::NORMAL, ""));
            conn.shutdown();
            got
        });
        let ws = connect(&url);
        ws.close_with(code, "bye").unwrap();
        let close = expect_close(&ws);
        assert_eq!((close.code, close.was_clean), (close_code::NORMAL, true));
        assert_eq!(peer.join(), Some((code, "bye".to_owned())));
    }
}

#[test]
fn other_codes_are_refused_and_servers_codes_read_as_constants() {
    let (url, peer) = RawPeer::spawn(|mut conn| {
        conn.handshake();
        conn.write(&close_frame(close_code::GOING_AWAY, "restart"));
        let got = conn.expect_close();
        conn.shutdown();
        got
    });
    let ws = connect(&url);
    for code in [
        close_code::GOING_AWAY,
        close_code::POLICY_VIOLATION,
        2999,
        5000,
    ] {
        assert!(!close_code::is_sendable(code));
        assert!(
            matches!(ws.close_with(code, ""), Err(Error::InvalidAccess(_))),
            "{code}"
        );
    }
    let close = expect_close(&ws);
    assert_eq!(close.code, close_code::GOING_AWAY);
    assert_eq!(peer.join(), Some((close_code::GOING_AWAY, String::new())));
}
