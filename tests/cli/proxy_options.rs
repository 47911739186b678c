//! `--proxy URL` connects through a proxy (HTTP CONNECT here, with credentials); `--no-proxy`
//! ignores the proxy environment variables, which are used otherwise.

use crate::common::proxy::{http_proxy, Http};
use crate::common::{echo, Transport};
use crate::run::{refused_url, wsync};

#[test]
fn proxy_tunnels_with_credentials() {
    let server = echo(Transport::Plain);
    let proxy = http_proxy(Http::Tunnel {
        auth: Some(("alice", "s3cret")),
        to: Some(([127, 0, 0, 1], server.port).into()),
    });
    let url = proxy.url("http", "alice:s3cret@");
    let ran = wsync(&[
        "--proxy",
        &url,
        "-x",
        "through the tunnel",
        "--wait",
        "1",
        // A host that does not resolve here: only the proxy can reach it.
        "ws://server.invalid:9001/",
    ])
    .run();
    ran.assert_status(0);
    assert_eq!(ran.stdout_text(), "through the tunnel\n");
    assert!(!ran.stderr.contains("s3cret"), "{ran:#?}");
    let head = proxy.join();
    assert!(
        head.starts_with("CONNECT server.invalid:9001 HTTP/1.1\r\n"),
        "{head}"
    );
    server.join();
}

#[test]
fn the_environment_names_the_proxy_unless_no_proxy() {
    let dead_proxy = refused_url().replace("ws://", "http://");
    let server = echo(Transport::Plain);
    let ran = wsync(&["-x", "direct", "--wait", "1", &server.url])
        .env("http_proxy", &dead_proxy)
        .env("no_proxy", "")
        .env("NO_PROXY", "")
        .run();
    ran.assert_status(11);
    drop(server);

    let server = echo(Transport::Plain);
    let ran = wsync(&["--no-proxy", "-x", "direct", "--wait", "1", &server.url])
        .env("http_proxy", &dead_proxy)
        .env("no_proxy", "")
        .env("NO_PROXY", "")
        .run();
    ran.assert_status(0);
    assert_eq!(ran.stdout_text(), "direct\n");
    server.join();
}
