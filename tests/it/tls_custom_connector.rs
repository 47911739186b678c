//! `tls_connector` makes wss:// use the caller's own `native_tls::TlsConnector`, in place of the
//! builder's other TLS settings.

use crate::common::tls::{ca_pem, client_connector};
use crate::common::{echo, expect_close, expect_error_then_close, expect_message, Transport};
use wsync::{Error, Message, WebSocket};

#[test]
fn own_connector_is_used() {
    // The connector trusts the test CA; the builder itself is given no root.
    let server = echo(Transport::Tls);
    let ws = WebSocket::builder(&server.url)
        .tls_connector(client_connector())
        .connect()
        .expect("connect with a connector trusting the test CA");
    ws.send("via my connector").unwrap();
    assert_eq!(
        expect_message(&ws),
        Message::Text("via my connector".into())
    );
    ws.close().unwrap();
    assert!(expect_close(&ws).was_clean);
    server.join();

    // A connector that does not trust the CA wins over the builder's root, as documented.
    let server = echo(Transport::Tls);
    let plain = native_tls::TlsConnector::new().expect("default connector");
    let ws = WebSocket::builder(&server.url)
        .add_root_certificate_pem(ca_pem())
        .tls_connector(plain)
        .build()
        .expect("build");
    let (error, _) = expect_error_then_close(&ws);
    assert!(matches!(error, Error::Tls(_)), "{error:?}");
    server.join();
}
