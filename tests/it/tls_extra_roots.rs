//! Extra trusted roots for wss://: a DER root works like a PEM one, and a root that does not
//! parse makes `build()` fail at once with `Error::Tls`.

use crate::common::tls::{ca_der, ca_pem};
use crate::common::{echo, expect_close, expect_error_then_close, expect_message, Transport};
use wsync::{Builder, Error, Message, TlsErrorKind, WebSocket};

/// Connects to a wss echo peer (test CA's localhost leaf) with `builder` and round-trips a
/// message.
fn round_trip(builder: Builder) {
    let ws = builder.connect().expect("connect");
    ws.send("trusted").unwrap();
    assert_eq!(expect_message(&ws), Message::Text("trusted".into()));
    ws.close().unwrap();
    assert!(expect_close(&ws).was_clean);
}

#[test]
fn der_root_works_like_pem_root() {
    let server = echo(Transport::Tls);
    round_trip(WebSocket::builder(&server.url).add_root_certificate_pem(ca_pem()));
    server.join();

    let server = echo(Transport::Tls);
    round_trip(WebSocket::builder(&server.url).add_root_certificate_der(&ca_der()));
    server.join();

    // Without the extra root the same server is not trusted: the root is what made it work.
    let server = echo(Transport::Tls);
    let ws = WebSocket::builder(&server.url).build().expect("build");
    let (error, _) = expect_error_then_close(&ws);
    match &error {
        Error::Tls(e) => assert_eq!(e.kind(), TlsErrorKind::UntrustedCertificate, "{error}"),
        other => panic!("expected Error::Tls, got {other:?}"),
    }
    server.join();
}

#[test]
fn unparsable_root_fails_build() {
    let garbage = b"-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n";
    let cases: [(&str, Builder); 3] = [
        (
            "garbage PEM",
            WebSocket::builder("wss://localhost:4433/").add_root_certificate_pem(garbage),
        ),
        (
            "random bytes as PEM",
            WebSocket::builder("wss://localhost:4433/").add_root_certificate_pem(&[0x5a; 64]),
        ),
        (
            "garbage DER",
            WebSocket::builder("wss://localhost:4433/").add_root_certificate_der(&[0x30, 0x03, 1]),
        ),
    ];
    for (case, builder) in cases {
        // Synchronously: no socket is returned, so no connection is attempted.
        match builder.build() {
            Err(Error::Tls(e)) => {
                assert_eq!(e.kind(), TlsErrorKind::Configuration, "{case}: {e}");
                assert!(std::error::Error::source(&e).is_some(), "{case}: {e:?}");
            }
            Err(e) => panic!("{case}: expected Error::Tls, got {e:?}"),
            Ok(_) => panic!("{case}: build() accepted an unparsable root"),
        }
    }
}
