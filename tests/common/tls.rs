//! Placeholder for the TLS test fixtures; the real module (test CA, leaf certificates) is
//! written separately and replaces this file at merge.

/// Which leaf certificate the TLS peer presents.
#[allow(dead_code)]
pub enum Leaf {
    /// Valid, for `localhost`, signed by the test CA.
    Good,
    /// Signed by the test CA but expired.
    Expired,
    /// Signed by the test CA for another host name.
    WrongHost,
    /// Self-signed, not chained to the test CA.
    Untrusted,
}

/// Completes the server side of a TLS handshake on `tcp`, presenting `leaf`.
#[allow(dead_code, unused_variables)]
pub fn accept(
    tcp: std::net::TcpStream,
    leaf: Leaf,
) -> std::io::Result<native_tls::TlsStream<std::net::TcpStream>> {
    unimplemented!()
}

/// The test CA certificate, PEM, for clients to trust.
#[allow(dead_code)]
pub fn ca_pem() -> &'static [u8] {
    unimplemented!()
}
