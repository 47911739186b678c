//! Proves the TLS fixtures of `tests/fixtures/tls/` and the helpers of `tests/it/common/tls.rs`:
//! the good leaf is accepted by a client trusting the test CA (by name and by IP), the bad leaves
//! are rejected for the reason they exist, and client certificates are checked.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};

use crate::common::tls::{self, Leaf};
use crate::common::{BoundedThread, RawPeer, WAIT};
use openssl::asn1::Asn1Time;
use openssl::nid::Nid;
use openssl::pkcs12::Pkcs12;
use openssl::x509::X509;

/// A raw peer on 127.0.0.1 (port 0) that runs `serve` on the TCP stream of the first
/// connection: its accept, reads, writes and join are all bounded.
fn serve_once<T, F>(serve: F) -> (SocketAddr, BoundedThread<T>)
where
    T: Send + 'static,
    F: FnOnce(TcpStream) -> T + Send + 'static,
{
    let peer = RawPeer::bind();
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, peer.port));
    (addr, peer.serve(move |conn| serve(conn.into_tcp())))
}

/// Server: handshake with `leaf`, read "ping", answer "pong"; returns what it read.
fn ping_pong_server(leaf: Leaf) -> (SocketAddr, BoundedThread<io::Result<[u8; 4]>>) {
    serve_once(move |tcp| {
        let mut tls = tls::accept(tcp, leaf)?;
        let mut buf = [0u8; 4];
        tls.read_exact(&mut buf)?;
        tls.write_all(b"pong")?;
        tls.flush()?;
        Ok(buf)
    })
}

/// Client: connects to `addr` verifying the server as `domain`, sends "ping", expects "pong".
fn ping_pong_client(
    connector: &native_tls::TlsConnector,
    addr: SocketAddr,
    domain: &str,
) -> Result<(), String> {
    let tcp = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    tcp.set_read_timeout(Some(WAIT))
        .map_err(|e| e.to_string())?;
    tcp.set_write_timeout(Some(WAIT))
        .map_err(|e| e.to_string())?;
    let mut tls = connector.connect(domain, tcp).map_err(|e| match e {
        native_tls::HandshakeError::Failure(e) => e.to_string(),
        native_tls::HandshakeError::WouldBlock(_) => "would block".to_owned(),
    })?;
    tls.write_all(b"ping").map_err(|e| e.to_string())?;
    let mut buf = [0u8; 4];
    tls.read_exact(&mut buf).map_err(|e| e.to_string())?;
    assert_eq!(&buf, b"pong");
    Ok(())
}

/// Connects to a server presenting `leaf` as `domain`, expecting both sides to fail the
/// handshake; returns the client's error text.
fn expect_rejected(leaf: Leaf, domain: &str) -> String {
    let (addr, server) = ping_pong_server(leaf);
    let client = ping_pong_client(&tls::client_connector(), addr, domain);
    let server = server.join();
    assert!(
        server.is_err(),
        "server side of {leaf:?} as {domain} should fail"
    );
    client.expect_err(&format!(
        "client must reject the {leaf:?} leaf when connecting as {domain}"
    ))
}

#[test]
fn good_leaf_accepted_by_name() {
    let (addr, server) = ping_pong_server(Leaf::Good);
    ping_pong_client(&tls::client_connector(), addr, "localhost").expect("client by name");
    assert_eq!(&server.join().expect("server"), b"ping");
}

#[test]
fn good_leaf_accepted_by_ip() {
    let (addr, server) = ping_pong_server(Leaf::Good);
    ping_pong_client(&tls::client_connector(), addr, "127.0.0.1").expect("client by IP");
    assert_eq!(&server.join().expect("server"), b"ping");
}

#[test]
fn good_leaf_rejected_without_the_ca() {
    let (addr, server) = ping_pong_server(Leaf::Good);
    let plain = native_tls::TlsConnector::new().unwrap();
    let err = ping_pong_client(&plain, addr, "localhost").expect_err("CA not trusted");
    assert!(err.contains("certificate verify failed"), "{err}");
    assert!(server.join().is_err());
}

#[test]
fn expired_leaf_rejected() {
    let err = expect_rejected(Leaf::Expired, "localhost");
    assert!(err.contains("certificate verify failed"), "{err}");
    assert!(err.contains("certificate has expired"), "{err}");
}

#[test]
fn wrong_host_leaf_rejected() {
    for domain in ["localhost", "127.0.0.1"] {
        let err = expect_rejected(Leaf::WrongHost, domain);
        assert!(err.contains("certificate verify failed"), "{err}");
        assert!(err.contains("mismatch"), "{err}");
    }
}

#[test]
fn wrong_host_leaf_accepted_for_its_own_host() {
    // The leaf is otherwise sound: only the name makes `wrong_host_leaf_rejected` fail.
    let (addr, server) = ping_pong_server(Leaf::WrongHost);
    ping_pong_client(&tls::client_connector(), addr, "example.com").expect("as example.com");
    assert_eq!(&server.join().expect("server"), b"ping");
}

#[test]
fn untrusted_leaf_rejected() {
    let err = expect_rejected(Leaf::Untrusted, "localhost");
    assert!(err.contains("certificate verify failed"), "{err}");
    assert!(
        err.contains("self-signed certificate") || err.contains("self signed certificate"),
        "{err}"
    );
}

/// Connector presenting `identity` and trusting the test CA.
fn connector_with(identity: native_tls::Identity) -> native_tls::TlsConnector {
    native_tls::TlsConnector::builder()
        .identity(identity)
        .add_root_certificate(native_tls::Certificate::from_pem(tls::ca_pem()).unwrap())
        .build()
        .unwrap()
}

/// Server requiring a client certificate: handshake, read "ping", answer "pong"; returns the CN.
fn client_cert_server() -> (SocketAddr, BoundedThread<io::Result<Option<String>>>) {
    serve_once(|tcp| {
        let (mut tls, common_name) = tls::accept_requiring_client_cert(tcp)?;
        let mut buf = [0u8; 4];
        tls.read_exact(&mut buf)?;
        assert_eq!(&buf, b"ping");
        tls.write_all(b"pong")?;
        tls.flush()?;
        Ok(common_name)
    })
}

#[test]
fn client_pkcs12_accepted_with_its_common_name() {
    let (pkcs12, password) = tls::client_pkcs12();
    let identity = native_tls::Identity::from_pkcs12(pkcs12, password).unwrap();
    let (addr, server) = client_cert_server();
    ping_pong_client(&connector_with(identity), addr, "localhost").expect("client");
    let common_name = server.join().expect("server accepts the client");
    assert_eq!(common_name.as_deref(), Some("wsync-test-client"));
}

#[test]
fn client_pem_accepted_with_its_common_name() {
    let (cert, key) = tls::client_pem();
    let identity = native_tls::Identity::from_pkcs8(cert, key).unwrap();
    let (addr, server) = client_cert_server();
    ping_pong_client(&connector_with(identity), addr, "localhost").expect("client");
    let common_name = server.join().expect("server accepts the client");
    assert_eq!(common_name.as_deref(), Some("wsync-test-client"));
}

#[test]
fn client_without_certificate_refused() {
    let (addr, server) = client_cert_server();
    // With TLS 1.3 the client may finish its handshake before the server checks its (missing)
    // certificate; the refusal then shows on the first read (alert or end of stream).
    let client = ping_pong_client(&tls::client_connector(), addr, "localhost");
    let server_err = server
        .join()
        .expect_err("server must refuse a client without certificate");
    assert!(
        server_err.to_string().contains("certificate"),
        "{server_err}"
    );
    assert!(client.is_err(), "client must not get an answer");
}

#[test]
fn client_with_certificate_from_another_issuer_refused() {
    // The untrusted leaf's key and self-signed certificate stand in for a foreign client cert.
    let identity = native_tls::Identity::from_pkcs12(
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/tls/untrusted.p12"
        )),
        "wsync",
    )
    .unwrap();
    let (addr, server) = client_cert_server();
    let client = ping_pong_client(&connector_with(identity), addr, "localhost");
    let server_err = server.join().expect_err("foreign client cert");
    assert!(
        server_err.to_string().contains("certificate"),
        "{server_err}"
    );
    assert!(client.is_err());
}

/// The leaf certificate of a PKCS#12 fixture.
fn leaf_of(pkcs12: &[u8]) -> X509 {
    Pkcs12::from_der(pkcs12)
        .unwrap()
        .parse2("wsync")
        .unwrap()
        .cert
        .expect("PKCS#12 holds a certificate")
}

/// The CN of `cert`'s subject.
fn common_name(cert: &X509) -> String {
    let cn = cert
        .subject_name()
        .entries_by_nid(Nid::COMMONNAME)
        .next()
        .unwrap()
        .data()
        .as_slice()
        .to_vec();
    String::from_utf8(cn).unwrap()
}

#[test]
fn fixture_contents() {
    let ca = X509::from_pem(tls::ca_pem()).unwrap();
    assert_eq!(X509::from_der(&tls::ca_der()).unwrap(), ca);
    assert!(ca.to_text().unwrap().windows(7).any(|w| w == b"CA:TRUE"));
    let now = Asn1Time::days_from_now(0).unwrap();
    let in_99_years = Asn1Time::days_from_now(99 * 365).unwrap();
    assert!(ca.not_after() > in_99_years);

    let localhost = X509::from_pem(include_bytes!("../fixtures/tls/localhost.crt.pem")).unwrap();
    assert_eq!(
        localhost,
        leaf_of(include_bytes!("../fixtures/tls/localhost.p12"))
    );
    assert!(localhost.verify(&ca.public_key().unwrap()).unwrap());
    assert!(localhost.not_after() > in_99_years);
    let sans = localhost.subject_alt_names().expect("SANs");
    let dns: Vec<_> = sans.iter().filter_map(|n| n.dnsname()).collect();
    let ips: Vec<_> = sans.iter().filter_map(|n| n.ipaddress()).collect();
    assert_eq!(dns, ["localhost"]);
    assert!(ips.contains(&&Ipv4Addr::LOCALHOST.octets()[..]));
    assert!(ips.contains(&&Ipv6Addr::LOCALHOST.octets()[..]));

    let expired = leaf_of(include_bytes!("../fixtures/tls/expired.p12"));
    assert!(expired.verify(&ca.public_key().unwrap()).unwrap());
    assert!(expired.not_before() == Asn1Time::from_str("20200101000000Z").unwrap());
    assert!(expired.not_after() == Asn1Time::from_str("20200102000000Z").unwrap());
    assert!(expired.not_after() < now);

    let wronghost = leaf_of(include_bytes!("../fixtures/tls/wronghost.p12"));
    let names = wronghost.subject_alt_names().expect("SANs");
    let names: Vec<_> = names.iter().filter_map(|n| n.dnsname()).collect();
    assert_eq!(names, ["example.com"]);

    let untrusted = leaf_of(include_bytes!("../fixtures/tls/untrusted.p12"));
    assert!(!untrusted.verify(&ca.public_key().unwrap()).unwrap());
    assert!(untrusted.verify(&untrusted.public_key().unwrap()).unwrap());

    let (cert, key) = tls::client_pem();
    let client = X509::from_pem(cert).unwrap();
    assert_eq!(client, leaf_of(tls::client_pkcs12().0));
    assert_eq!(common_name(&client), "wsync-test-client");
    assert!(client.verify(&ca.public_key().unwrap()).unwrap());
    let text = String::from_utf8(client.to_text().unwrap()).unwrap();
    assert!(text.contains("TLS Web Client Authentication"), "{text}");
    assert!(std::str::from_utf8(key)
        .unwrap()
        .starts_with("-----BEGIN PRIVATE KEY-----"));
    let server_key =
        std::str::from_utf8(include_bytes!("../fixtures/tls/localhost.key.pem")).unwrap();
    assert!(server_key.starts_with("-----BEGIN PRIVATE KEY-----"));
}
