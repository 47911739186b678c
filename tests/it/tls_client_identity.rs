//! A wss:// client presents the certificate configured with `identity_pkcs12` or `identity_pem`
//! to a server that requires one; without an identity that server refuses the connection.

use std::io;

use crate::common;
use crate::common::server::echo_stream;
use crate::common::tls::{self, client_pem, client_pkcs12};
use crate::common::{
    expect_close, expect_error_then_close, expect_message, BoundedThread, RawPeer,
};
use tungstenite::Message as PeerMessage;
use wsync::{Builder, Message};

/// The CN of the test client certificate.
const CLIENT_CN: &str = "wsync-test-client";

/// A wss peer for one connection that demands a client certificate from the test CA, tells the
/// client the CN it saw (as a text message), then echoes until the client closes. Returns the
/// URL and the peer thread, which yields the CN or the server's handshake error.
fn client_cert_peer() -> (String, BoundedThread<io::Result<Option<String>>>) {
    // A raw peer over plain TCP, which runs its own TLS handshake.
    let peer = RawPeer::bind();
    let url = peer.wss_url();
    let handle = peer.serve(|conn| {
        let tcp = conn.into_tcp();
        let mut keep = tcp.try_clone()?;
        let (stream, cn) = match tls::accept_requiring_client_cert(tcp) {
            Ok(accepted) => accepted,
            Err(e) => {
                // Let the client read the alert: consume what it sent until it goes away,
                // rather than close with unread bytes, which would reset the connection.
                let _ = io::copy(&mut keep, &mut io::sink());
                return Err(e);
            }
        };
        let mut ws = tungstenite::accept(stream).map_err(io::Error::other)?;
        ws.send(PeerMessage::text(cn.clone().unwrap_or_default()))
            .map_err(io::Error::other)?;
        echo_stream(ws);
        Ok(cn)
    });
    (url, handle)
}

/// Connects with the identity `with` configures; the server must see the client's CN.
fn presents_identity(with: impl FnOnce(Builder) -> Builder) {
    let (url, peer) = client_cert_peer();
    let ws = with(common::builder(&url)).connect().expect("connect");
    assert_eq!(expect_message(&ws), Message::Text(CLIENT_CN.into()));
    ws.send("still there").unwrap();
    assert_eq!(expect_message(&ws), Message::Text("still there".into()));
    ws.close().unwrap();
    assert!(expect_close(&ws).was_clean);
    let cn = peer.join().expect("server side");
    assert_eq!(cn.as_deref(), Some(CLIENT_CN));
}

#[test]
fn pkcs12_identity_is_presented() {
    let (der, password) = client_pkcs12();
    presents_identity(|b| b.identity_pkcs12(der, password));
}

#[test]
fn pem_identity_is_presented() {
    let (cert, key) = client_pem();
    presents_identity(|b| b.identity_pem(cert, key));
}

#[test]
fn no_identity_is_refused() {
    let (url, peer) = client_cert_peer();
    let ws = common::builder(&url).build().expect("build");
    let (error, _) = expect_error_then_close(&ws);
    println!("without a client certificate: {error}");
    // TLS 1.3: the client's handshake completes before the server checks it, so the refusal
    // comes as an alert while the client reads the upgrade response: still a TLS error.
    // Told apart from a certificate the client refused: the server refused the handshake.
    match &error {
        wsync::Error::Tls(e) => {
            assert_eq!(e.kind(), wsync::TlsErrorKind::HandshakeFailed, "{error}")
        }
        other => panic!("expected Error::Tls, got {other:?}"),
    }
    // The cause is a public type that callers can downcast to: native-tls's error if the
    // handshake itself failed, the TLS stream's `io::Error` if the alert came after it.
    let source = std::error::Error::source(&error).expect("the TLS cause is reachable");
    assert!(
        source.is::<native_tls::Error>() || source.is::<std::io::Error>(),
        "the source should be the TLS layer's own error, got {source:?}"
    );
    let text = error.to_string().to_lowercase();
    assert!(
        text.contains("certificate required") || text.contains("handshake failure"),
        "the error should carry the server's alert: {error:?}"
    );
    let server = peer.join();
    assert!(
        server.is_err(),
        "the server must refuse a client without a certificate: {server:?}"
    );
}
