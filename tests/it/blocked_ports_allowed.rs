//! Ports that browsers block stay a `SecurityError` by default, and
//! `Builder::allow_blocked_ports(true)` lets a native program reach a server on one.

use std::net::TcpListener;

use crate::common::raw::accept_tcp_within;
use crate::common::server::echo_stream;
use crate::common::{expect_close, expect_message, spawn_bounded, WAIT};
use wsync::{Error, Message, WebSocket};

/// Blocked ports above 1023, which a test may bind without privileges.
const UNPRIVILEGED_BLOCKED: &[u16] = &[
    10080, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 5060, 5061, 4190, 4045, 3659,
    2049, 1719, 1720, 1723,
];

#[test]
fn blocked_ports_are_refused_by_default() {
    for port in [6000u16, 10080] {
        let url = format!("ws://127.0.0.1:{port}/");
        match WebSocket::builder(&url).build() {
            Err(Error::Security { port: p }) => assert_eq!(p, port),
            other => panic!("{url}: expected Error::Security, got {other:?}"),
        }
        match WebSocket::builder(&url)
            .allow_blocked_ports(false)
            .connect()
        {
            Err(Error::Security { port: p }) => assert_eq!(p, port),
            other => panic!("{url}: expected Error::Security, got {other:?}"),
        }
    }
}

#[test]
fn a_server_on_a_blocked_port_is_reachable_when_allowed() {
    // The first blocked port free on this machine.
    let Some(listener) = UNPRIVILEGED_BLOCKED
        .iter()
        .find_map(|&p| TcpListener::bind(("127.0.0.1", p)).ok())
    else {
        // All taken: at least the constructor must let the URL through and try to connect.
        let ws = WebSocket::builder("ws://127.0.0.1:10080/")
            .allow_blocked_ports(true)
            .build()
            .expect("no SecurityError when allowed");
        eprintln!("note: no blocked port is free here; checked the constructor only");
        drop(ws);
        return;
    };
    let port = listener.local_addr().unwrap().port();
    let peer = spawn_bounded("blocked-port-peer", move || {
        let (tcp, _) = accept_tcp_within(&listener, WAIT);
        tcp.set_read_timeout(Some(WAIT)).unwrap();
        echo_stream(tungstenite::accept(tcp).expect("peer: handshake"));
    });
    let url = format!("ws://127.0.0.1:{port}/");
    let ws = WebSocket::builder(&url)
        .allow_blocked_ports(true)
        .connect()
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    ws.send("through a blocked port").unwrap();
    assert_eq!(
        expect_message(&ws),
        Message::Text("through a blocked port".into())
    );
    ws.close().unwrap();
    assert!(expect_close(&ws).was_clean);
    peer.join();
}
