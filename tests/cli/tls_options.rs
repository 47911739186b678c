//! wss:// options: `--ca` trusts a certificate authority, `--cert`/`--key` present a client
//! certificate, `--insecure` accepts any certificate and says so; an untrusted certificate
//! exits 7.

use std::net::TcpListener;

use tungstenite::Message;

use crate::common::server::{echo_stream, tls_peer, Server};
use crate::common::tls::{self, Leaf};
use crate::common::{spawn_bounded, WAIT};
use crate::run::wsync;

/// A fixture's path, for the command line.
fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/tls/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A TLS echo peer presenting `leaf`; a refused handshake ends it quietly.
fn tls_echo(leaf: Leaf) -> Server {
    tls_peer(leaf, |stream| {
        if let Ok(stream) = stream {
            if let Ok(ws) = tungstenite::accept(stream) {
                echo_stream(ws);
            }
        }
    })
}

#[test]
fn ca_trusts_the_test_authority() {
    let server = tls_echo(Leaf::Good);
    let ca = fixture("ca.pem");
    let ran = wsync(&["--ca", &ca, "-x", "over TLS", "--wait", "1", &server.url]).run();
    ran.assert_status(0);
    assert_eq!(ran.stdout_text(), "over TLS\n");
    server.join();
}

#[test]
fn an_untrusted_certificate_exits_7() {
    let server = tls_echo(Leaf::Untrusted);
    let ran = wsync(&["-x", "never sent", &server.url]).run();
    ran.assert_status(7).assert_stderr_has(&["TLS"]);
    drop(server);
}

#[test]
fn insecure_accepts_any_certificate_and_warns() {
    let server = tls_echo(Leaf::WrongHost);
    let ran = wsync(&["--insecure", "-x", "unchecked", "--wait", "1", &server.url]).run();
    ran.assert_status(0)
        .assert_stderr_has(&["WARNING", "--insecure", "NOT checked"]);
    assert_eq!(ran.stdout_text(), "unchecked\n");
    server.join();
}

#[test]
fn cert_and_key_present_a_client_certificate() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!(
        "wss://localhost:{}/",
        listener.local_addr().expect("addr").port()
    );
    let peer = spawn_bounded("client-cert-peer", move || {
        let (tcp, _) = listener.accept().expect("accept");
        tcp.set_read_timeout(Some(WAIT)).expect("read timeout");
        let (stream, common_name) =
            tls::accept_requiring_client_cert(tcp).expect("TLS with a client certificate");
        let mut ws = tungstenite::accept(stream).expect("WebSocket handshake");
        let message = ws.read().expect("a message");
        ws.send(Message::text(format!(
            "hello {}",
            common_name.unwrap_or_default()
        )))
        .expect("send");
        assert!(matches!(message, Message::Text(ref t) if t.as_str() == "who am I?"));
        echo_stream(ws);
    });
    let (cert, key) = (fixture("client.crt.pem"), fixture("client.key.pem"));
    let ca = fixture("ca.pem");
    let ran = wsync(&[
        "--ca",
        &ca,
        "--cert",
        &cert,
        "--key",
        &key,
        "-x",
        "who am I?",
        "--wait",
        "1",
        &url,
    ])
    .run();
    ran.assert_status(0);
    assert_eq!(ran.stdout_text(), "hello wsync-test-client\n");
    peer.join();
}

#[test]
fn a_ca_file_that_is_not_a_certificate_is_a_usage_error() {
    let not_a_certificate = format!("{}/Cargo.toml", env!("CARGO_MANIFEST_DIR"));
    let ran = wsync(&["--ca", &not_a_certificate, "wss://127.0.0.1:65000/"]).run();
    ran.assert_status(2).assert_stderr_has(&["TLS"]);
}
