//! A 101 reply the client must not accept fails the connection: non-101 statuses, redirects
//! (reported with their Location, not followed), a wrong accept key, a missing Upgrade or
//! Connection, an unoffered or missing subprotocol, an unoffered extension. Each gives
//! `Error(Handshake(..))` then `Close(1006, unclean)`, and `connect()` returns that error.
//! (What a refusal's response keeps, headers and body, is `handshake_refusal_response`'s.)

use std::io::ErrorKind;
use std::net::TcpListener;
use std::sync::Arc;

use crate::common::{
    assert_disconnected, builder, expect_error_then_close, BoundedThread, HttpRequest, RawConn,
    RawPeer, Transport,
};
use wsync::{Error, HandshakeError, ReadyState, WebSocket};

type Reply = Arc<dyn Fn(&HttpRequest) -> String + Send + Sync>;

/// A 101 head with the right accept key, minus the lines named in `omit`, plus `extra` lines.
fn reply_101(omit: &'static [&'static str], extra: &'static str) -> Reply {
    Arc::new(move |req: &HttpRequest| {
        let accept = RawConn::accept_key(req.key());
        let mut head = String::from("HTTP/1.1 101 Switching Protocols\r\n");
        for (name, value) in [
            ("Upgrade", "websocket".to_owned()),
            ("Connection", "Upgrade".to_owned()),
            ("Sec-WebSocket-Accept", accept),
        ] {
            if !omit.contains(&name) {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
        }
        head.push_str(extra);
        head.push_str("\r\n");
        head
    })
}

fn fixed(head: String) -> Reply {
    Arc::new(move |_: &HttpRequest| head.clone())
}

/// A peer that answers the request with `reply`, then waits for the client to drop the
/// connection (which it must do once it has refused the reply).
fn spawn_peer(t: Transport, reply: &Reply) -> (String, BoundedThread<()>) {
    let reply = reply.clone();
    RawPeer::spawn_on(t, move |mut conn| {
        let req = conn.read_request();
        conn.write(reply(&req).as_bytes());
        assert!(
            conn.read_to_eof(),
            "the client kept the connection open after refusing the reply"
        );
    })
}

/// What a refusal must be: an exact error, or a status with its `Location`.
#[derive(Debug)]
enum Expected {
    Exactly(HandshakeError),
    Status(u16, Option<String>),
}

impl Expected {
    fn matches(&self, got: &HandshakeError) -> bool {
        match (self, got) {
            (Expected::Exactly(e), got) => e == got,
            (Expected::Status(code, location), HandshakeError::Status(r)) => {
                r.status() == *code && r.location() == location.as_deref()
            }
            _ => false,
        }
    }
}

impl From<HandshakeError> for Expected {
    fn from(e: HandshakeError) -> Expected {
        Expected::Exactly(e)
    }
}

/// Runs one refused reply over `t`: through the events, then through `connect()`.
fn refused(t: Transport, protocols: &[&str], reply: Reply, expected: impl Into<Expected>) {
    let expected = expected.into();
    let what = format!("{t:?}, offering {protocols:?}, expecting {expected:?}");

    // Through the events.
    let (url, peer) = spawn_peer(t, &reply);
    let ws = builder(&url)
        .protocols(protocols.iter().copied())
        .build()
        .unwrap();
    let (error, _) = expect_error_then_close(&ws);
    match error {
        Error::Handshake(h) => assert!(expected.matches(&h), "{what}: got {h:?}"),
        other => panic!("{what}: expected Error::Handshake, got {other:?}"),
    }
    assert_eq!(ws.ready_state(), ReadyState::Closed);
    assert!(ws.handshake_response().is_none(), "{what}");
    assert_eq!(ws.protocol(), "", "{what}: protocol() of a refused reply");
    assert_eq!(
        ws.extensions(),
        "",
        "{what}: extensions() of a refused reply"
    );
    assert_disconnected(&ws);
    peer.join();

    // Through connect(): `WebSocket::connect` where it applies, else the builder's.
    let (url, peer) = spawn_peer(t, &reply);
    let result = if t == Transport::Plain && protocols.is_empty() {
        WebSocket::connect(&url)
    } else {
        builder(&url).protocols(protocols.iter().copied()).connect()
    };
    match result {
        Err(Error::Handshake(h)) => assert!(expected.matches(&h), "{what} (connect): {h:?}"),
        other => panic!("{what} (connect): expected Err(Handshake), got {other:?}"),
    }
    peer.join();
}

#[test]
fn non_101_statuses() {
    for t in Transport::ALL {
        for (code, head) in [
            (200u16, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
            (404, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"),
        ] {
            refused(t, &[], fixed(head.to_owned()), Expected::Status(code, None));
        }
        // A 200 carrying otherwise valid WebSocket headers is still not a 101.
        let ws_headers = |req: &HttpRequest| {
            format!(
                "HTTP/1.1 200 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                 Sec-WebSocket-Accept: {}\r\nContent-Length: 0\r\n\r\n",
                RawConn::accept_key(req.key())
            )
        };
        refused(t, &[], Arc::new(ws_headers), Expected::Status(200, None));
    }
}

#[test]
fn redirects_are_reported_and_not_followed() {
    for t in Transport::ALL {
        for code in [301u16, 302] {
            // The redirect points at a listener of ours: following it would connect there.
            let target = TcpListener::bind("127.0.0.1:0").unwrap();
            target.set_nonblocking(true).unwrap();
            let location = format!(
                "{}://127.0.0.1:{}/elsewhere",
                t.scheme(),
                target.local_addr().unwrap().port()
            );
            let head = format!(
                "HTTP/1.1 {code} Moved\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n"
            );
            refused(t, &[], fixed(head), Expected::Status(code, Some(location)));
            // Following happens before reporting, so nothing pending now means not followed.
            match target.accept() {
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Ok((_, from)) => panic!("{t:?} {code}: the redirect was followed from {from}"),
                Err(e) => panic!("accept: {e}"),
            }
        }
    }
}

#[test]
fn wrong_or_missing_accept_key() {
    for t in Transport::ALL {
        // The accept key of some other key.
        let other = RawConn::accept_key("AAAAAAAAAAAAAAAAAAAAAA==");
        let wrong: Reply = Arc::new(move |_: &HttpRequest| {
            format!(
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
                 Connection: Upgrade\r\nSec-WebSocket-Accept: {other}\r\n\r\n"
            )
        });
        refused(t, &[], wrong, HandshakeError::BadAccept);
        refused(
            t,
            &[],
            reply_101(&["Sec-WebSocket-Accept"], ""),
            HandshakeError::BadAccept,
        );
    }
}

#[test]
fn missing_upgrade_or_connection() {
    for t in Transport::ALL {
        refused(
            t,
            &[],
            reply_101(&["Upgrade"], ""),
            HandshakeError::MissingUpgrade,
        );
        refused(
            t,
            &[],
            reply_101(&["Connection"], ""),
            HandshakeError::MissingConnection,
        );
    }
}

#[test]
fn unoffered_or_missing_subprotocol() {
    for t in Transport::ALL {
        // A protocol that was not offered.
        refused(
            t,
            &["chat", "superchat"],
            reply_101(&[], "Sec-WebSocket-Protocol: other\r\n"),
            HandshakeError::UnofferedProtocol("other".into()),
        );
        // A protocol when none was offered.
        refused(
            t,
            &[],
            reply_101(&[], "Sec-WebSocket-Protocol: chat\r\n"),
            HandshakeError::UnofferedProtocol("chat".into()),
        );
        // None chosen although some were offered.
        refused(
            t,
            &["chat", "superchat"],
            reply_101(&[], ""),
            HandshakeError::MissingProtocol,
        );
    }
}

#[test]
fn unoffered_extension() {
    for t in Transport::ALL {
        refused(
            t,
            &[],
            reply_101(&[], "Sec-WebSocket-Extensions: x-webkit-deflate-frame\r\n"),
            HandshakeError::UnofferedExtension("x-webkit-deflate-frame".into()),
        );
        refused(
            t,
            &["chat"],
            reply_101(
                &[],
                "Sec-WebSocket-Protocol: chat\r\n\
                 Sec-WebSocket-Extensions: x-custom; p=1\r\n",
            ),
            HandshakeError::UnofferedExtension("x-custom".into()),
        );
    }
}
