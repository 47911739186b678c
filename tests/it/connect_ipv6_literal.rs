//! An IPv6 literal host: `ws://[::1]:PORT/` connects to a peer on `[::1]`, `url()` keeps the
//! brackets, and the `Host` header is `[::1]:PORT`.

use std::net::TcpListener;
use std::sync::mpsc;

use crate::common;
use crate::common::raw::accept_tcp_within;
use crate::common::{
    builder, expect_close, expect_message, spawn_bounded, ServerStream, Transport, WAIT,
};
use tungstenite::handshake::server::{Request, Response};
use tungstenite::Message as TMessage;
use wsync::{Message, ReadyState};

#[test]
fn ipv6_literal_host() {
    for t in Transport::ALL {
        let listener = match TcpListener::bind("[::1]:0") {
            Ok(l) => l,
            Err(e) => {
                eprintln!("note: cannot bind [::1] here ({e}); skipping the IPv6 test");
                return;
            }
        };
        let port = listener.local_addr().unwrap().port();
        let (host_tx, host_rx) = mpsc::channel();
        let peer = spawn_bounded("ipv6-peer", move || {
            let (tcp, from) = accept_tcp_within(&listener, WAIT);
            assert!(from.is_ipv6(), "connected from {from}");
            tcp.set_read_timeout(Some(WAIT)).unwrap();
            let stream = match t {
                Transport::Plain => ServerStream::Plain(tcp),
                // The test leaf names ::1 too.
                Transport::Tls => ServerStream::Tls(
                    common::tls::accept(tcp, common::tls::Leaf::Good).expect("TLS accept"),
                ),
            };
            #[allow(clippy::result_large_err)] // tungstenite's callback signature
            let callback = move |req: &Request, resp: Response| {
                let host = req
                    .headers()
                    .get("Host")
                    .map(|h| h.to_str().unwrap().to_owned());
                host_tx.send(host).unwrap();
                Ok(resp)
            };
            let mut ws = tungstenite::accept_hdr(stream, callback).expect("handshake");
            loop {
                match ws.read() {
                    Ok(m @ TMessage::Text(_)) => ws.send(m).unwrap(),
                    Ok(_) => {}
                    Err(_) => return,
                }
            }
        });
        let url = format!("{}://[::1]:{port}/v6?x=1", t.scheme());
        let ws = builder(&url).connect().expect("connect to [::1]");
        assert_eq!(ws.ready_state(), ReadyState::Open);
        assert_eq!(ws.url(), url);
        let host = host_rx.recv_timeout(WAIT).unwrap();
        assert_eq!(
            host.as_deref(),
            Some(format!("[::1]:{port}").as_str()),
            "{t:?}"
        );
        ws.send("over v6").unwrap();
        assert_eq!(expect_message(&ws), Message::Text("over v6".into()));
        ws.close().unwrap();
        assert!(expect_close(&ws).was_clean);
        peer.join();
    }
}
