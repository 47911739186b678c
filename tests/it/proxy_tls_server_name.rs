//! wss:// through a proxy runs TLS with the server's name, not the proxy's: the server presents
//! a certificate for `example.com` only, the URL names `example.com` (which the test proxies
//! send to the test server, as a real proxy would resolve it), and the proxy is `127.0.0.1`.
//! The connection opens, so SNI and verification used `example.com`; the `Host` header names
//! it too. Through HTTP CONNECT and `socks5h://`.

use std::net::SocketAddr;
use std::sync::mpsc::{self, Receiver};

use tungstenite::handshake::server::{ErrorResponse, Request, Response};

use crate::common::proxy::{http_proxy, socks5_proxy, Http, Socks};
use crate::common::server::{echo_stream, tls_peer, Server};
use crate::common::tls::Leaf;
use crate::common::{builder, expect_close, expect_message, WAIT};
use wsync::Message;

/// A handshake callback that sends on `tx` the request's `Host` header.
#[allow(clippy::result_large_err)] // tungstenite's callback signature
fn record_host(
    tx: mpsc::Sender<Option<String>>,
) -> impl FnOnce(&Request, Response) -> Result<Response, ErrorResponse> {
    move |req: &Request, resp: Response| {
        let host = req.headers().get("Host").map(|h| h.to_str().unwrap());
        let _ = tx.send(host.map(str::to_owned));
        Ok(resp)
    }
}

/// A TLS echo server with a certificate for `example.com` only, and the `Host` header it got.
fn example_com_server() -> (Server, Receiver<Option<String>>) {
    let (host_tx, host_rx) = mpsc::channel();
    let server = tls_peer(Leaf::WrongHost, move |stream| {
        let stream = stream.expect("the client accepted the certificate for example.com");
        let ws = tungstenite::accept_hdr(stream, record_host(host_tx));
        echo_stream(ws.expect("WebSocket handshake"));
    });
    (server, host_rx)
}

/// Opens `wss://example.com:{port}/` through the proxy at `proxy_url`, echoes a message and
/// closes; checks the `Host` header the server got.
fn echo_through(server: Server, host: Receiver<Option<String>>, proxy_url: &str) {
    let authority = format!("example.com:{}", server.port);
    let ws = builder(&format!("wss://{authority}/"))
        .proxy(proxy_url)
        .connect()
        .unwrap_or_else(|e| panic!("{proxy_url}: {e}"));
    ws.send("named").unwrap();
    assert_eq!(expect_message(&ws), Message::Text("named".into()));
    ws.close().unwrap();
    assert!(expect_close(&ws).was_clean);
    drop(ws);
    server.join();
    assert_eq!(host.recv_timeout(WAIT).unwrap(), Some(authority));
}

#[test]
fn through_http_connect() {
    let (server, host) = example_com_server();
    let port = server.port;
    let to = SocketAddr::from(([127, 0, 0, 1], port));
    let proxy = http_proxy(Http::Tunnel {
        auth: None,
        to: Some(to),
    });
    echo_through(server, host, &proxy.url("http", ""));
    let head = proxy.join();
    assert!(
        head.starts_with(&format!("CONNECT example.com:{port} HTTP/1.1\r\n")),
        "{head}"
    );
}

#[test]
fn through_socks5h() {
    let (server, host) = example_com_server();
    let port = server.port;
    let to = SocketAddr::from(([127, 0, 0, 1], port));
    let proxy = socks5_proxy(
        None,
        Socks::Reply {
            reply: 0,
            to: Some(to),
        },
    );
    echo_through(server, host, &proxy.url("socks5h", ""));
    assert_eq!(
        proxy.join().target,
        Some((3, "example.com".to_owned(), port))
    );
}
