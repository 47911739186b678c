//! The `danger_*` options turn verification off, each only as far as its name says:
//! `danger_accept_invalid_certs` accepts untrusted and expired certificates,
//! `danger_accept_invalid_hostnames` accepts a trusted certificate for another host only.

use crate::common;
use crate::common::server::{echo_stream, tls_peer};
use crate::common::tls::Leaf;
use crate::common::{expect_close, expect_error_then_close, expect_message};
use wsync::{Builder, Error, Message, TlsErrorKind, WebSocket};

/// A wss echo peer presenting `leaf`, expected to be accepted by the client.
fn accepted(leaf: Leaf, builder: impl FnOnce(&str) -> Builder) {
    let server = tls_peer(leaf, move |outcome| {
        let stream = outcome.unwrap_or_else(|e| panic!("{leaf:?}: TLS handshake failed: {e}"));
        echo_stream(tungstenite::accept(stream).expect("WebSocket handshake"));
    });
    let ws = builder(&server.url)
        .connect()
        .unwrap_or_else(|e| panic!("{leaf:?} should be accepted: {e}"));
    ws.send("through").unwrap();
    assert_eq!(expect_message(&ws), Message::Text("through".into()));
    ws.close().unwrap();
    assert!(expect_close(&ws).was_clean, "{leaf:?}");
    server.join();
}

/// A wss peer presenting `leaf`, expected to be refused by the client.
fn refused(leaf: Leaf, builder: impl FnOnce(&str) -> Builder) {
    let server = tls_peer(leaf, move |outcome| {
        assert!(outcome.is_err(), "{leaf:?} should be refused");
    });
    let ws = builder(&server.url).build().expect("build");
    let (error, _) = expect_error_then_close(&ws);
    let expected = match leaf {
        Leaf::Untrusted => TlsErrorKind::UntrustedCertificate,
        Leaf::Expired => TlsErrorKind::ExpiredCertificate,
        Leaf::WrongHost => TlsErrorKind::HostnameMismatch,
        Leaf::Good => unreachable!("the good leaf is never refused here"),
    };
    match &error {
        Error::Tls(e) => assert_eq!(e.kind(), expected, "{leaf:?}: {error}"),
        other => panic!("{leaf:?}: expected Error::Tls, got {other:?}"),
    }
    server.join();
}

#[test]
fn accept_invalid_certs_accepts_untrusted_and_expired() {
    let danger = |url: &str| WebSocket::builder(url).danger_accept_invalid_certs(true);
    for leaf in [Leaf::Untrusted, Leaf::Expired, Leaf::Good] {
        accepted(leaf, danger);
    }
    // Off (the default), the same leaves are refused.
    for leaf in [Leaf::Untrusted, Leaf::Expired] {
        refused(leaf, |url| {
            common::builder(url).danger_accept_invalid_certs(false)
        });
    }
}

#[test]
fn accept_invalid_hostnames_accepts_another_host_only() {
    let danger = |url: &str| common::builder(url).danger_accept_invalid_hostnames(true);
    accepted(Leaf::WrongHost, danger);
    // Still verified: the chain must be trusted and in date.
    refused(Leaf::Untrusted, danger);
    refused(Leaf::Expired, danger);
    // Off (the default), the wrong host is refused.
    refused(Leaf::WrongHost, common::builder);
}
