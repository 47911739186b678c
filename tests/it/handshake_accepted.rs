//! An accepted handshake: `protocol()` is the subprotocol the server chose, `extensions()` is
//! empty, `Open` is the first event and the ready state is OPEN by then; `connect()` returns a
//! socket already OPEN.

use std::sync::mpsc;

use crate::common::server::echo_stream;
use crate::common::{
    builder, expect_close, expect_message, expect_open, serve_with, Transport, WAIT,
};
use tungstenite::handshake::server::{ErrorResponse, Request, Response};
use wsync::{Message, ReadyState, WebSocket};

/// A tungstenite callback that picks the *last* offered subprotocol (so the choice is visibly
/// the server's, not the client's first preference) and reports what was offered.
#[allow(clippy::result_large_err)] // tungstenite's callback signature
fn choose_last(
    offered_tx: mpsc::Sender<Option<String>>,
) -> impl FnOnce(&Request, Response) -> Result<Response, ErrorResponse> + Send + 'static {
    move |req: &Request, mut resp: Response| {
        let offered = req
            .headers()
            .get("Sec-WebSocket-Protocol")
            .map(|v| v.to_str().unwrap().to_owned());
        if let Some(list) = &offered {
            let last = list
                .split(',')
                .map(str::trim)
                .next_back()
                .unwrap()
                .to_owned();
            resp.headers_mut()
                .insert("Sec-WebSocket-Protocol", last.parse().unwrap());
        }
        offered_tx.send(offered).unwrap();
        Ok(resp)
    }
}

#[test]
fn protocol_is_the_servers_choice_and_open_comes_first() {
    for t in Transport::ALL {
        let (tx, rx) = mpsc::channel();
        let server = serve_with(t, choose_last(tx), echo_stream);
        let ws = builder(&server.url)
            .protocols(["chat.v2", "chat.v1"])
            .build()
            .unwrap();
        // The very first event is Open, and by then the state and protocol are set.
        expect_open(&ws);
        assert_eq!(ws.ready_state(), ReadyState::Open, "{t:?}");
        assert_eq!(ws.protocol(), "chat.v1", "{t:?}: the server's choice");
        assert_eq!(ws.extensions(), "", "{t:?}: no extension negotiated");
        assert_eq!(
            rx.recv_timeout(WAIT).unwrap().as_deref(),
            Some("chat.v2, chat.v1")
        );
        ws.send("after open").unwrap();
        assert_eq!(expect_message(&ws), Message::Text("after open".into()));
        ws.close().unwrap();
        assert!(expect_close(&ws).was_clean);
        // Still the negotiated values once closed.
        assert_eq!(ws.protocol(), "chat.v1");
        assert_eq!(ws.extensions(), "");
        server.join();
    }
}

#[test]
fn no_protocol_offered_gives_empty_protocol() {
    for t in Transport::ALL {
        let (tx, rx) = mpsc::channel();
        let server = serve_with(t, choose_last(tx), echo_stream);
        let ws = builder(&server.url).build().unwrap();
        expect_open(&ws);
        assert_eq!(ws.ready_state(), ReadyState::Open);
        assert_eq!(ws.protocol(), "");
        assert_eq!(ws.extensions(), "");
        assert_eq!(rx.recv_timeout(WAIT).unwrap(), None, "nothing was offered");
        ws.close().unwrap();
        assert!(expect_close(&ws).was_clean);
        server.join();
    }
}

#[test]
fn connect_returns_an_open_socket() {
    for t in Transport::ALL {
        let (tx, _rx) = mpsc::channel();
        let server = serve_with(t, choose_last(tx), echo_stream);
        let ws = match t {
            Transport::Plain => WebSocket::connect(&server.url).expect("WebSocket::connect"),
            Transport::Tls => builder(&server.url)
                .protocols(["only"])
                .connect()
                .expect("Builder::connect"),
        };
        assert_eq!(ws.ready_state(), ReadyState::Open, "{t:?}");
        let expected_protocol = if t == Transport::Tls { "only" } else { "" };
        assert_eq!(ws.protocol(), expected_protocol);
        // connect() consumed the Open event: the next event is the echo, not a second Open.
        ws.send("x").unwrap();
        assert_eq!(expect_message(&ws), Message::Text("x".into()));
        ws.close().unwrap();
        assert!(expect_close(&ws).was_clean);
        server.join();
    }
}
