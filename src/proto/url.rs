//! The URL a socket connects to: parsing, scheme mapping and the browser's validation rules.

use crate::error::{Error, Result};

/// Ports browsers refuse to connect to (MDN, WebSocket constructor `SecurityError`), sorted for
/// binary search.
const BLOCKED_PORTS: &[u16] = &[
    0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101,
    102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427,
    465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990,
    993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667,
    6668, 6669, 6679, 6697, 10080,
];

/// Where to connect and what to ask for, from a validated URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    /// The URL as resolved: absolute, scheme `ws` or `wss`.
    pub(crate) url: url::Url,
    /// Whether the scheme is `wss`.
    pub(crate) secure: bool,
    /// The host to resolve and to name in TLS (SNI): a domain, or an IP literal without brackets.
    pub(crate) host: String,
    /// The port, explicit or the scheme's default.
    pub(crate) port: u16,
    /// The `Host` header: host (IPv6 in brackets) and `:port` unless it is the default.
    pub(crate) host_header: String,
    /// The request target: path and `?query`, never empty (`/` at least).
    pub(crate) resource: String,
}

/// Parses and validates a URL as the browser's constructor does.
///
/// WHATWG WebSockets, `new WebSocket(url)`: parse the URL (failure: SyntaxError); `http` becomes
/// `ws` and `https` becomes `wss`; any other scheme than `ws` or `wss` is a SyntaxError; a
/// fragment is a SyntaxError; a blocked port is a SecurityError, unless `allow_blocked_ports`
/// (a native program's choice that the browser does not offer).
pub(crate) fn parse(url: &str, allow_blocked_ports: bool) -> Result<Target> {
    let mut url =
        url::Url::parse(url).map_err(|e| Error::Syntax(format!("invalid URL {url:?}: {e}")))?;
    let mapped = match url.scheme() {
        "ws" | "wss" => None,
        "http" => Some("ws"),
        "https" => Some("wss"),
        other => {
            return Err(Error::Syntax(format!(
                "scheme {other:?} is not ws, wss, http or https"
            )))
        }
    };
    if let Some(scheme) = mapped {
        // Both schemes are special, so the url crate allows the change.
        url.set_scheme(scheme)
            .map_err(|()| Error::Syntax(format!("cannot change the scheme to {scheme}")))?;
    }
    if url.fragment().is_some() {
        return Err(Error::Syntax(format!(
            "the URL {:?} has a fragment",
            url.as_str()
        )));
    }
    let host = match url.host() {
        Some(url::Host::Domain(d)) if !d.is_empty() => d.to_owned(),
        Some(url::Host::Ipv4(a)) => a.to_string(),
        Some(url::Host::Ipv6(a)) => a.to_string(),
        _ => {
            return Err(Error::Syntax(format!(
                "the URL {:?} has no host",
                url.as_str()
            )))
        }
    };
    let port = url
        .port_or_known_default()
        .ok_or_else(|| Error::Syntax(format!("the URL {:?} has no port", url.as_str())))?;
    if !allow_blocked_ports && BLOCKED_PORTS.binary_search(&port).is_ok() {
        return Err(Error::Security { port });
    }
    let host_str = url.host_str().unwrap_or_default();
    // `Url::port` is `None` when the port is absent or the scheme's default.
    let host_header = match url.port() {
        Some(p) => format!("{host_str}:{p}"),
        None => host_str.to_owned(),
    };
    let mut resource = url.path().to_owned();
    if resource.is_empty() {
        resource.push('/');
    }
    if let Some(query) = url.query() {
        resource.push('?');
        resource.push_str(query);
    }
    Ok(Target {
        secure: url.scheme() == "wss",
        url,
        host,
        port,
        host_header,
        resource,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ok(u: &str) -> Target {
        parse(u, false).unwrap_or_else(|e| panic!("{u}: {e}"))
    }

    fn syntax(u: &str) {
        match parse(u, false) {
            Err(Error::Syntax(_)) => {}
            other => panic!("{u}: expected Syntax, got {other:?}"),
        }
    }

    fn security(u: &str, port: u16) {
        match parse(u, false) {
            Err(Error::Security { port: p }) => assert_eq!(p, port, "{u}"),
            other => panic!("{u}: expected Security, got {other:?}"),
        }
    }

    #[test]
    fn blocked_ports_sorted_and_complete() {
        assert!(BLOCKED_PORTS.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(BLOCKED_PORTS.len(), 83);
    }

    #[test]
    fn plain_ws() {
        let t = ok("ws://example.com/chat");
        assert_eq!(t.url.as_str(), "ws://example.com/chat");
        assert!(!t.secure);
        assert_eq!(t.host, "example.com");
        assert_eq!(t.port, 80);
        assert_eq!(t.host_header, "example.com");
        assert_eq!(t.resource, "/chat");
    }

    #[test]
    fn empty_path_becomes_slash() {
        let t = ok("ws://example.com");
        assert_eq!(t.resource, "/");
        assert_eq!(t.url.as_str(), "ws://example.com/");
        assert_eq!(ok("ws://h?q").resource, "/?q");
    }

    #[test]
    fn wss_default_port() {
        let t = ok("wss://example.com/");
        assert!(t.secure);
        assert_eq!(t.port, 443);
        assert_eq!(t.host_header, "example.com");
    }

    #[test]
    fn http_maps_to_ws() {
        let t = ok("http://example.com/x");
        assert_eq!(t.url.as_str(), "ws://example.com/x");
        assert_eq!(t.url.scheme(), "ws");
        assert!(!t.secure);
        assert_eq!(t.port, 80);
        let t = ok("HTTP://example.com:8080/x");
        assert_eq!(t.url.as_str(), "ws://example.com:8080/x");
        assert_eq!(t.host_header, "example.com:8080");
    }

    #[test]
    fn https_maps_to_wss() {
        let t = ok("https://example.com/x");
        assert_eq!(t.url.as_str(), "wss://example.com/x");
        assert!(t.secure);
        assert_eq!(t.port, 443);
        assert_eq!(t.host_header, "example.com");
        // An explicit port that is the default of the old scheme but not the new one stays.
        let t = ok("https://example.com:80/");
        assert_eq!(t.port, 80);
        assert_eq!(t.host_header, "example.com:80");
        assert_eq!(t.url.as_str(), "wss://example.com:80/");
    }

    #[test]
    fn default_port_omitted_from_host_header() {
        let t = ok("ws://h:80/");
        assert_eq!(t.port, 80);
        assert_eq!(t.host_header, "h");
        let t = ok("wss://h:443/");
        assert_eq!(t.port, 443);
        assert_eq!(t.host_header, "h");
    }

    #[test]
    fn non_default_port_kept() {
        let t = ok("ws://h:8080/");
        assert_eq!(t.port, 8080);
        assert_eq!(t.host_header, "h:8080");
        let t = ok("wss://h:80/");
        assert_eq!(t.port, 80);
        assert_eq!(t.host_header, "h:80");
        let t = ok("ws://h:443/");
        assert_eq!(t.host_header, "h:443");
    }

    #[test]
    fn ipv6_literal() {
        let t = ok("ws://[::1]:9001/x?y=1");
        assert_eq!(t.host, "::1");
        assert_eq!(t.port, 9001);
        assert_eq!(t.host_header, "[::1]:9001");
        assert_eq!(t.resource, "/x?y=1");
        let t = ok("wss://[2001:db8::1]/");
        assert_eq!(t.host, "2001:db8::1");
        assert_eq!(t.host_header, "[2001:db8::1]");
    }

    #[test]
    fn ipv4_literal() {
        let t = ok("ws://127.0.0.1:9001/");
        assert_eq!(t.host, "127.0.0.1");
        assert_eq!(t.host_header, "127.0.0.1:9001");
    }

    #[test]
    fn query_kept() {
        assert_eq!(ok("ws://h/p?a=b&c").resource, "/p?a=b&c");
        // An empty query is still a query.
        assert_eq!(ok("ws://h/p?").resource, "/p?");
        assert_eq!(ok("ws://h/p").resource, "/p");
    }

    #[test]
    fn userinfo_allowed_but_not_sent() {
        let t = ok("ws://user:pass@h:8080/p?q");
        assert_eq!(t.host, "h");
        assert_eq!(t.host_header, "h:8080");
        assert_eq!(t.resource, "/p?q");
        assert!(!t.host_header.contains("user") && !t.resource.contains("pass"));
    }

    #[test]
    fn blocked_ports_rejected() {
        for &p in BLOCKED_PORTS {
            security(&format!("ws://h:{p}/"), p);
            security(&format!("wss://h:{p}/"), p);
        }
    }

    #[test]
    fn neighbours_of_blocked_ports_accepted() {
        for p in [2u16, 24, 26, 1718, 1721, 6664, 6670, 10079, 10081, 65535] {
            assert_eq!(ok(&format!("ws://h:{p}/")).port, p);
        }
    }

    #[test]
    fn blocked_ports_allowed_on_request() {
        for &p in BLOCKED_PORTS {
            let url = format!("ws://h:{p}/");
            assert_eq!(parse(&url, true).unwrap().port, p, "{url}");
        }
        // The other rules still hold.
        assert!(matches!(
            parse("ftp://h:6000/", true),
            Err(Error::Syntax(_))
        ));
    }

    #[test]
    fn explicit_port_zero_is_security() {
        security("ws://h:0/", 0);
    }

    #[test]
    fn other_schemes_rejected() {
        syntax("ftp://h/");
        syntax("file:///etc/passwd");
        syntax("javascript:alert(1)");
        syntax("mailto:a@b");
    }

    #[test]
    fn unparsable_rejected() {
        syntax("/relative/path");
        syntax("h/path");
        syntax("");
        syntax("ws://");
        syntax("ws://h:99999/");
    }

    #[test]
    fn fragment_rejected() {
        syntax("ws://h/#");
        syntax("ws://h/#frag");
        syntax("http://h/p?q#f");
    }

    proptest! {
        #![proptest_config(crate::proto::testing::deterministic(2048, 80))]

        #[test]
        fn any_port_blocked_iff_listed(port in 1u16..) {
            let r = parse(&format!("ws://h:{port}/"), false);
            if BLOCKED_PORTS.contains(&port) {
                let blocked = matches!(r, Err(Error::Security { port: p }) if p == port);
                prop_assert!(blocked);
            } else {
                prop_assert_eq!(r.unwrap().port, port);
            }
        }
    }
}
