//! A wss:// connection whose TLS handshake fails (untrusted, expired or wrong-host certificate, a
//! plain-TCP server, a handshake cut short) fails with `Error::Tls` then `Close(1006, unclean)`,
//! `connect()` returns that error, its `TlsErrorKind` tells the failures apart, and the TLS
//! library's own error is its `source()`.

use std::io::{Read, Write};

use crate::common;
use crate::common::tls::Leaf;
use crate::common::{assert_disconnected, echo, expect_error_then_close, RawPeer, Transport};
use wsync::{Builder, Error, ReadyState, TlsErrorKind, WebSocket};

/// One way to fail: starts a peer for one connection, returns its URL and a check of its side.
type Peer = Box<dyn Fn() -> (String, Box<dyn FnOnce()>)>;

/// The TLS error's kind and source, as text; fails unless `e` is `Error::Tls` with a source.
fn tls_cause(e: &Error, case: &str) -> (TlsErrorKind, String) {
    let Error::Tls(tls) = e else {
        panic!("{case}: expected Error::Tls, got {e:?}");
    };
    let source = std::error::Error::source(e)
        .unwrap_or_else(|| panic!("{case}: Error::Tls without a source: {e:?}"));
    assert!(
        source.downcast_ref::<native_tls::Error>().is_some(),
        "{case}: the source should be native-tls's error, got {source:?}"
    );
    assert_eq!(
        tls.get_ref().to_string(),
        source.to_string(),
        "{case}: get_ref() is the source"
    );
    (tls.kind(), source.to_string())
}

/// Runs one failure both ways, through the events and through `connect()`; `kinds` are the
/// kinds it may be reported as, `cause` checks the text of the TLS library's error.
fn check(
    case: &str,
    peer: Peer,
    builder: fn(&str) -> Builder,
    kinds: &[TlsErrorKind],
    cause: &dyn Fn(&str) -> bool,
) {
    // Through the events.
    let (url, join) = peer();
    let ws = builder(&url).build().expect("build");
    let (error, _close) = expect_error_then_close(&ws);
    let (kind, text) = tls_cause(&error, case);
    println!("{case}: events: {error} / source: {text}");
    assert!(cause(&text), "{case}: unexpected cause {text:?}");
    assert!(kinds.contains(&kind), "{case}: {kind:?} for {text:?}");
    assert_eq!(ws.ready_state(), ReadyState::Closed);
    assert_disconnected(&ws);
    join();

    // Through `connect()`.
    let (url, join) = peer();
    let error = builder(&url).connect().expect_err("connect must fail");
    let (kind, text) = tls_cause(&error, case);
    println!("{case}: connect: {error} / source: {text}");
    assert!(cause(&text), "{case}: unexpected cause {text:?}");
    assert!(kinds.contains(&kind), "{case}: {kind:?} for {text:?}");
    join();
}

/// A TLS peer presenting `leaf`, whose own handshake must fail as the client refuses it.
fn refused_leaf(leaf: Leaf) -> Peer {
    Box::new(move || {
        let server = common::server::tls_peer(leaf, move |outcome| {
            assert!(
                outcome.is_err(),
                "the server's handshake with {leaf:?} should fail"
            );
        });
        let url = server.url.clone();
        (url, Box::new(move || server.join()))
    })
}

/// The OpenSSL verification failure, with one of the reasons it may give.
fn verify_failed(reasons: &'static [&'static str]) -> impl Fn(&str) -> bool {
    move |text: &str| {
        let text = text.to_lowercase();
        text.contains("certificate verify failed") && reasons.iter().any(|r| text.contains(r))
    }
}

/// A text that mentions one of `words`.
fn mentions(words: &'static [&'static str]) -> impl Fn(&str) -> bool {
    move |text: &str| {
        let text = text.to_lowercase();
        words.iter().any(|w| text.contains(w))
    }
}

#[test]
fn untrusted_certificate() {
    // Self-signed, while the client trusts the test CA.
    check(
        "untrusted leaf",
        refused_leaf(Leaf::Untrusted),
        common::builder,
        &[TlsErrorKind::UntrustedCertificate],
        &verify_failed(&["self-signed certificate", "self signed certificate"]),
    );
    // Issued by the test CA, which the client does not trust.
    check(
        "CA not trusted",
        refused_leaf(Leaf::Good),
        |url| WebSocket::builder(url),
        &[TlsErrorKind::UntrustedCertificate],
        // The server sends the CA along: OpenSSL names it, or the missing issuer.
        &verify_failed(&[
            "certificate in certificate chain",
            "unable to get local issuer certificate",
        ]),
    );
}

#[test]
fn expired_certificate() {
    check(
        "expired leaf",
        refused_leaf(Leaf::Expired),
        common::builder,
        &[TlsErrorKind::ExpiredCertificate],
        &verify_failed(&["certificate has expired"]),
    );
}

#[test]
fn wrong_hostname() {
    check(
        "wrong host",
        refused_leaf(Leaf::WrongHost),
        common::builder,
        &[TlsErrorKind::HostnameMismatch],
        &verify_failed(&["hostname mismatch"]),
    );
}

#[test]
fn plain_tcp_server() {
    let peer: Peer = Box::new(|| {
        let server = echo(Transport::Plain);
        let url = format!("wss://localhost:{}/", server.port);
        (url, Box::new(move || server.join()))
    });
    // The server answers the ClientHello with an HTTP error or just closes; either way no TLS.
    check(
        "plain server",
        peer,
        common::builder,
        &[TlsErrorKind::NotTls, TlsErrorKind::HandshakeFailed],
        &|_| true,
    );
}

/// A raw peer over plain TCP that answers the ClientHello as an HTTP server answers a request
/// it cannot parse, then closes.
fn http_server() -> Peer {
    Box::new(|| {
        let peer = RawPeer::bind();
        let url = peer.wss_url();
        let handle = peer.serve(|conn| {
            let mut tcp = conn.into_tcp();
            let mut header = [0u8; 5];
            tcp.read_exact(&mut header).expect("read the record header");
            let len = u16::from_be_bytes([header[3], header[4]]) as usize;
            let mut hello = vec![0u8; len];
            tcp.read_exact(&mut hello).expect("read the ClientHello");
            let answer =
                "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
            let _ = tcp.write_all(answer.as_bytes());
        });
        (url, Box::new(move || handle.join()))
    })
}

#[test]
fn server_answering_in_plain_http() {
    check(
        "plain HTTP answer",
        http_server(),
        common::builder,
        &[TlsErrorKind::NotTls],
        &|_| true,
    );
}

/// A raw peer over plain TCP for one connection: reads the ClientHello's record header, and the
/// rest of the record when `whole`, then closes without answering. Closing with unread bytes
/// makes the kernel reset the connection; closing after the whole record is a plain end of
/// stream.
fn cut_short(whole: bool) -> Peer {
    Box::new(move || {
        let peer = RawPeer::bind();
        let url = peer.wss_url();
        let handle = peer.serve(move |conn| {
            let mut tcp = conn.into_tcp();
            let mut header = [0u8; 5];
            tcp.read_exact(&mut header).expect("read the record header");
            assert_eq!(header[0], 0x16, "a TLS handshake record");
            if whole {
                let len = u16::from_be_bytes([header[3], header[4]]) as usize;
                let mut hello = vec![0u8; len];
                tcp.read_exact(&mut hello).expect("read the ClientHello");
                assert_eq!(hello[0], 1, "a ClientHello");
            }
        });
        (url, Box::new(move || handle.join()))
    })
}

#[test]
fn handshake_cut_short() {
    check(
        "cut short by a reset",
        cut_short(false),
        common::builder,
        &[TlsErrorKind::HandshakeFailed],
        &mentions(&["reset", "eof"]),
    );
    check(
        "cut short by the end of the stream",
        cut_short(true),
        common::builder,
        &[TlsErrorKind::HandshakeFailed],
        &mentions(&["eof"]),
    );
}
