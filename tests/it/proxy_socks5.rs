//! Through a SOCKS5 proxy (`Builder::proxy("socks5://...")` and `"socks5h://..."`): ws:// and
//! wss://, with and without a user name and password (RFC 1929), reach the server; `socks5h`
//! sends the server's name for the proxy to resolve, `socks5` the address it resolves to here
//! (an IP literal goes as an address either way). A refusal is reported by its reply code's
//! name, a wrong password and a password wanted but not given as such, and a proxy that hangs
//! up mid-exchange as closed.

use std::net::{IpAddr, Ipv4Addr, ToSocketAddrs};

use crate::common::proxy::{socks5_proxy, Socks, TestProxy};
use crate::common::{builder, echo, expect_close, expect_message, Transport};
use wsync::{Error, Message, ProxyError, SocksReply};

/// Whether `localhost` resolves to 127.0.0.1 first here, where the test servers listen: what
/// `socks5://` sends for it.
fn localhost_is_ipv4_first() -> bool {
    ("localhost", 0)
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .is_some_and(|a| a.ip() == IpAddr::V4(Ipv4Addr::LOCALHOST))
}

#[test]
fn ws_and_wss_through_socks5_and_socks5h_with_and_without_credentials() {
    for t in Transport::ALL {
        for scheme in ["socks5", "socks5h"] {
            if t == Transport::Tls && scheme == "socks5" && !localhost_is_ipv4_first() {
                eprintln!(
                    "note: localhost does not resolve to 127.0.0.1 first; skipping {t:?} {scheme}"
                );
                continue;
            }
            for auth in [None, Some(("bob", "pä:ss"))] {
                let server = echo(t);
                let proxy = socks5_proxy(auth, Socks::tunnel());
                let userinfo = match auth {
                    Some(_) => "bob:p%C3%A4%3Ass@",
                    None => "",
                };
                let ws = builder(&server.url)
                    .proxy(&proxy.url(scheme, userinfo))
                    .connect()
                    .unwrap_or_else(|e| panic!("{t:?} {scheme} {auth:?}: {e}"));
                ws.send("through SOCKS").unwrap();
                assert_eq!(expect_message(&ws), Message::Text("through SOCKS".into()));
                ws.close().unwrap();
                assert!(expect_close(&ws).was_clean);
                drop(ws);
                let port = server.port;
                server.join();

                let seen = proxy.join();
                let what = format!("{t:?} {scheme} {auth:?}");
                match auth {
                    Some(_) => {
                        assert_eq!(seen.methods, [0, 2], "{what}");
                        assert_eq!(seen.auth, Some(("bob".into(), "pä:ss".into())), "{what}");
                    }
                    None => {
                        assert_eq!(seen.methods, [0], "{what}");
                        assert_eq!(seen.auth, None, "{what}");
                    }
                }
                let target = match (t, scheme) {
                    // The test certificate's name, sent for the proxy to resolve.
                    (Transport::Tls, "socks5h") => (3, "localhost".to_owned(), port),
                    // Resolved here, or an IP literal already.
                    _ => (1, "127.0.0.1".to_owned(), port),
                };
                assert_eq!(seen.target, Some(target), "{what}");
            }
        }
    }
}

/// The error of connecting to `url` through `proxy` with `userinfo`.
fn fails_through<T: Send + 'static>(url: &str, proxy: TestProxy<T>, userinfo: &str) -> (Error, T) {
    let error = builder(url)
        .proxy(&proxy.url("socks5h", userinfo))
        .connect()
        .expect_err("the connection must fail");
    (error, proxy.join())
}

#[test]
fn a_refusal_is_reported_by_name() {
    for (code, reply, text) in [
        (
            2,
            SocksReply::NotAllowed,
            "the SOCKS5 proxy refused the tunnel: connection not allowed by the proxy's ruleset \
             (SOCKS5 reply 2)",
        ),
        (
            5,
            SocksReply::ConnectionRefused,
            "the SOCKS5 proxy refused the tunnel: connection refused by the destination host \
             (SOCKS5 reply 5)",
        ),
    ] {
        let proxy = socks5_proxy(
            None,
            Socks::Reply {
                reply: code,
                to: None,
            },
        );
        let (error, seen) = fails_through("ws://example.com:8080/", proxy, "");
        match &error {
            Error::Proxy(ProxyError::SocksRefused(r)) => {
                assert_eq!(*r, reply);
                assert_eq!(r.code(), code);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(error.to_string(), text);
        assert_eq!(seen.target, Some((3, "example.com".into(), 8080)));
    }
}

#[test]
fn a_wrong_password_is_rejected() {
    let proxy = socks5_proxy(Some(("bob", "right")), Socks::tunnel());
    let (error, seen) = fails_through("ws://example.com:8080/", proxy, "bob:wrong@");
    assert!(
        matches!(
            error,
            Error::Proxy(ProxyError::SocksAuthRejected { status: 1 })
        ),
        "{error:?}"
    );
    assert!(!format!("{error} {error:?}").contains("wrong"));
    assert_eq!(seen.auth, Some(("bob".into(), "wrong".into())));
    assert_eq!(seen.target, None, "no CONNECT after a rejection");
}

#[test]
fn a_password_wanted_and_not_given() {
    let proxy = socks5_proxy(Some(("bob", "pw")), Socks::tunnel());
    let (error, seen) = fails_through("ws://example.com:8080/", proxy, "");
    assert!(
        matches!(
            error,
            Error::Proxy(ProxyError::SocksNoAcceptableMethod {
                offered_password: false
            })
        ),
        "{error:?}"
    );
    assert_eq!(seen.methods, [0]);
}

#[test]
fn a_proxy_that_closes_mid_exchange() {
    for t in Transport::ALL {
        let url = format!("{}://example.com:8080/", t.scheme());
        let (error, _) = fails_through(&url, socks5_proxy(None, Socks::CloseAfterGreeting), "");
        assert!(
            matches!(error, Error::Proxy(ProxyError::Closed)),
            "{t:?}: {error:?}"
        );
    }
}
