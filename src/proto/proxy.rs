//! Proxies, sans I/O: the proxy URL, the proxy environment variables and `NO_PROXY`, and the
//! bytes of the HTTP CONNECT (RFC 9110 §9.3.6) and SOCKS5 (RFC 1928, RFC 1929) exchanges that
//! open a tunnel to the WebSocket server. The blocking exchange itself is
//! [`crate::connection::proxy`]'s.
//!
//! # Supported proxies
//!
//! | scheme | tunnel | target host sent | default port | credentials |
//! | --- | --- | --- | --- | --- |
//! | `http://` | HTTP CONNECT | as given | 80 | `Proxy-Authorization: Basic` |
//! | `socks5://` | SOCKS5 CONNECT | the first address it resolves to here | 1080 | RFC 1929 |
//! | `socks5h://` | SOCKS5 CONNECT | as given: the proxy resolves it | 1080 | RFC 1929 |
//!
//! A URL without a scheme (`proxy.corp:3128`) is an `http://` proxy, as curl takes it. An IP
//! literal target is always sent as an address, whichever SOCKS5 scheme.
//!
//! The default port of `http://` is the URL scheme's own, 80, as Go, Python's requests, reqwest
//! and ureq take it; curl documents 1080 for every proxy but HTTPS "for purely historical
//! reasons". SOCKS listens on 1080 (RFC 1928 §3).
//!
//! Left out, and refused by [`Proxy::parse`]:
//! - `https://` (TLS to the proxy): a `wss://` connection would run TLS inside TLS, which the
//!   transport (one TLS session over the socket, see [`crate::transport`]) cannot carry, and
//!   it would need the TLS feature even for `ws://`; plain-HTTP proxies, whose CONNECT tunnel
//!   carries the end-to-end TLS, are the norm.
//! - `socks4://` and `socks4a://`: no IPv6 and no password; every common SOCKS server (ssh -D,
//!   Tor, Dante, microsocks) speaks SOCKS5, which covers both (`socks5h://` is SOCKS4a's
//!   proxy-side resolution).
//! - SOCKS5 GSSAPI authentication (method 1, RFC 1961): it needs a Kerberos library; only "no
//!   authentication" and username/password are offered.
//!
//! # Credentials
//!
//! The URL's userinfo, percent-decoded: `http://user:p%40ss@proxy:3128` has the password
//! `p@ss`. They never appear in `Debug` (the password is redacted), `Display` or an error
//! message: errors never quote the URL.

// `core::net` holds the address types only, no sockets.
use core::net::IpAddr;
use std::fmt;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;

use crate::error::{ProxyError, SocksReply};
use crate::proto::url::Target;

/// The most header lines a reply to CONNECT may have; more is too large.
const MAX_HEADERS: usize = 64;

/// How the tunnel through the proxy is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProxyKind {
    /// `http://`: an HTTP proxy, asked with `CONNECT host:port`.
    HttpConnect,
    /// `socks5://`: a SOCKS5 proxy, sent the address that the target host resolves to here.
    Socks5,
    /// `socks5h://`: a SOCKS5 proxy, sent the target host name, which the proxy resolves.
    Socks5h,
}

impl ProxyKind {
    /// The URL scheme, without `://`.
    fn scheme(self) -> &'static str {
        match self {
            ProxyKind::HttpConnect => "http",
            ProxyKind::Socks5 => "socks5",
            ProxyKind::Socks5h => "socks5h",
        }
    }

    /// The port used when the URL names none (see the module docs).
    fn default_port(self) -> u16 {
        match self {
            ProxyKind::HttpConnect => 80,
            ProxyKind::Socks5 | ProxyKind::Socks5h => 1080,
        }
    }
}

/// A user name and password for the proxy, percent-decoded from the URL's userinfo.
///
/// `Debug` shows the user name and redacts the password.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Credentials {
    /// The user name.
    pub(crate) username: String,
    /// The password; empty when the URL has none (`http://user@proxy`).
    pub(crate) password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &format_args!("<redacted>"))
            .finish()
    }
}

/// A proxy to tunnel through, from [`Proxy::parse`].
///
/// `Display` gives `scheme://host:port` without the credentials; `Debug` redacts the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Proxy {
    /// How the tunnel is opened.
    pub(crate) kind: ProxyKind,
    /// The proxy's host: a lower-case ASCII domain (IDNA applied), or an IP literal without
    /// brackets.
    pub(crate) host: String,
    /// The proxy's port, explicit or the scheme's default.
    pub(crate) port: u16,
    /// The credentials from the URL's userinfo, if it has any. For SOCKS5 their lengths fit
    /// RFC 1929 (checked by [`Proxy::parse`]).
    pub(crate) credentials: Option<Credentials>,
}

impl fmt::Display for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}://{}",
            self.kind.scheme(),
            Authority(&self.host, self.port)
        )
    }
}

/// `host:port`, with an IPv6 host in brackets.
struct Authority<'a>(&'a str, u16);

impl fmt::Display for Authority<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Authority(host, port) = *self;
        if host.contains(':') && !host.starts_with('[') {
            write!(f, "[{host}]:{port}")
        } else {
            write!(f, "{host}:{port}")
        }
    }
}

/// Why a proxy setting was refused; the builder reports it as
/// [`Error::InvalidConfig`](crate::Error::InvalidConfig). No variant holds the URL or its
/// credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BadProxy {
    /// The URL is empty.
    Empty,
    /// The URL does not parse; the `url` crate's reason.
    Syntax(String),
    /// A scheme other than `http`, `socks5` or `socks5h` (see the module docs for why).
    UnsupportedScheme(String),
    /// The URL has no host.
    MissingHost,
    /// The host is not a valid domain or IP literal; the reason.
    InvalidHost(String),
    /// The URL names port 0.
    PortZero,
    /// The URL has a path other than `/`, a query or a fragment: which one.
    UnexpectedComponent(&'static str),
    /// The credentials cannot be sent to this kind of proxy; the reason.
    Credentials(&'static str),
    /// The target's host name is longer than the 255 bytes a SOCKS5 request carries.
    TargetTooLong(usize),
    /// The URL came from this environment variable.
    Env {
        /// The variable's name.
        var: &'static str,
        /// What is wrong with its value.
        error: Box<BadProxy>,
    },
}

impl fmt::Display for BadProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BadProxy::Empty => f.write_str("the proxy URL is empty"),
            BadProxy::Syntax(why) => write!(f, "invalid proxy URL: {why}"),
            BadProxy::UnsupportedScheme(s) => {
                let why = match s.as_str() {
                    "https" => " (TLS to the proxy is not supported)",
                    "socks4" | "socks4a" => " (SOCKS4 is not supported)",
                    _ => "",
                };
                write!(
                    f,
                    "unsupported proxy scheme {s:?}{why}: use http://, socks5:// or socks5h://"
                )
            }
            BadProxy::MissingHost => f.write_str("the proxy URL has no host"),
            BadProxy::InvalidHost(why) => write!(f, "invalid proxy host: {why}"),
            BadProxy::PortZero => f.write_str("the proxy URL names port 0"),
            BadProxy::UnexpectedComponent(part) => {
                write!(f, "a proxy URL may not have a {part}")
            }
            BadProxy::Credentials(why) => write!(f, "unusable proxy credentials: {why}"),
            BadProxy::TargetTooLong(len) => write!(
                f,
                "the server's host name takes {len} bytes, more than the 255 of a SOCKS5 request"
            ),
            BadProxy::Env { var, error } => {
                write!(f, "the environment variable {var}: {error}")
            }
        }
    }
}

/// Whether `s` is an RFC 3986 scheme: `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`.
fn is_scheme(s: &str) -> bool {
    let mut bytes = s.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
}

/// Decodes `%XX` escapes (RFC 3986 §2.1); a `%` not followed by two hex digits stays as it is.
fn percent_decode(s: &str) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            if let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            ) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// A percent-decoded userinfo part, which must be UTF-8.
fn decode_userinfo(s: &str) -> Result<String, BadProxy> {
    String::from_utf8(percent_decode(s))
        .map_err(|_| BadProxy::Credentials("not UTF-8 once percent-decoded"))
}

impl Proxy {
    /// Parses a proxy URL: `http://`, `socks5://` or `socks5h://`, with optional userinfo and
    /// port, and at most a `/` for a path. A URL without a scheme is `http://`, as curl takes it.
    ///
    /// Leading and trailing white space is ignored. Errors never quote the URL, so that a
    /// password in it does not leak into a message.
    pub(crate) fn parse(url: &str) -> Result<Proxy, BadProxy> {
        let url = url.trim();
        if url.is_empty() {
            return Err(BadProxy::Empty);
        }
        let has_scheme = url.split_once("://").is_some_and(|(s, _)| is_scheme(s));
        let owned;
        let url = if has_scheme {
            url
        } else {
            owned = format!("http://{url}");
            &owned
        };
        let parsed = url::Url::parse(url).map_err(|e| BadProxy::Syntax(e.to_string()))?;
        let kind = match parsed.scheme() {
            "http" => ProxyKind::HttpConnect,
            "socks5" => ProxyKind::Socks5,
            "socks5h" => ProxyKind::Socks5h,
            other => return Err(BadProxy::UnsupportedScheme(other.to_owned())),
        };
        let host = match parsed.host() {
            None | Some(url::Host::Domain("")) => return Err(BadProxy::MissingHost),
            Some(url::Host::Ipv4(a)) => a.to_string(),
            Some(url::Host::Ipv6(a)) => a.to_string(),
            // A socks5 URL's host is opaque to the url crate (not a special scheme): decode it
            // and parse it as an http URL's host would be, for IDNA, case and IPv4 forms.
            Some(url::Host::Domain(d)) => {
                let decoded = String::from_utf8(percent_decode(d))
                    .map_err(|_| BadProxy::InvalidHost("not UTF-8".into()))?;
                match url::Host::parse(&decoded) {
                    Ok(url::Host::Domain(d)) => d,
                    Ok(url::Host::Ipv4(a)) => a.to_string(),
                    Ok(url::Host::Ipv6(a)) => a.to_string(),
                    Err(e) => return Err(BadProxy::InvalidHost(e.to_string())),
                }
            }
        };
        let port = parsed.port().unwrap_or(kind.default_port());
        if port == 0 {
            return Err(BadProxy::PortZero);
        }
        if !matches!(parsed.path(), "" | "/") {
            return Err(BadProxy::UnexpectedComponent("path"));
        }
        if parsed.query().is_some() {
            return Err(BadProxy::UnexpectedComponent("query"));
        }
        if parsed.fragment().is_some() {
            return Err(BadProxy::UnexpectedComponent("fragment"));
        }
        let credentials = match (parsed.username(), parsed.password()) {
            ("", None) => None,
            (user, pass) => Some(Credentials {
                username: decode_userinfo(user)?,
                password: decode_userinfo(pass.unwrap_or(""))?,
            }),
        };
        if let Some(c) = &credentials {
            check_credentials(kind, c)?;
        }
        Ok(Proxy {
            kind,
            host,
            port,
            credentials,
        })
    }
}

/// Whether the credentials can be sent to this kind of proxy.
fn check_credentials(kind: ProxyKind, c: &Credentials) -> Result<(), BadProxy> {
    match kind {
        // RFC 7617 §2: "a user-id containing a colon character is invalid".
        ProxyKind::HttpConnect if c.username.contains(':') => Err(BadProxy::Credentials(
            "a user name for Basic authentication may not contain ':'",
        )),
        ProxyKind::HttpConnect => Ok(()),
        // RFC 1929 §2: ULEN and PLEN are one byte each, and a user name is not empty.
        ProxyKind::Socks5 | ProxyKind::Socks5h => {
            if c.username.is_empty() || c.username.len() > 255 {
                Err(BadProxy::Credentials(
                    "a SOCKS5 user name takes 1 to 255 bytes",
                ))
            } else if c.password.len() > 255 {
                Err(BadProxy::Credentials(
                    "a SOCKS5 password takes at most 255 bytes",
                ))
            } else {
                Ok(())
            }
        }
    }
}

/// The proxy environment variables for a `ws://` target, in the order they are tried.
const WS_VARS: &[&str] = &[
    "ws_proxy",
    "WS_PROXY",
    "http_proxy",
    "HTTP_PROXY",
    "all_proxy",
    "ALL_PROXY",
];

/// The proxy environment variables for a `wss://` target, in the order they are tried.
const WSS_VARS: &[&str] = &[
    "wss_proxy",
    "WSS_PROXY",
    "https_proxy",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
];

/// The proxy a connection to `target` goes through, and where it came from (for the log):
/// `explicit` (from [`Builder::proxy`](crate::Builder::proxy)) when there is one, whatever
/// the environment says; else, when `use_env`, the environment's ([`from_env`]); else none.
///
/// Also refuses a target that a `socks5h://` proxy cannot be asked for.
pub(crate) fn route(
    explicit: Option<&Proxy>,
    use_env: bool,
    target: &Target,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<(Proxy, &'static str)>, BadProxy> {
    let chosen = match explicit {
        Some(p) => Some((p.clone(), "Builder::proxy")),
        None if use_env => from_env(env, target)?,
        None => None,
    };
    if let Some((proxy, source)) = &chosen {
        let sent_as_name = matches!(TargetAddr::from_host(&target.host), TargetAddr::Domain(_));
        if proxy.kind == ProxyKind::Socks5h && sent_as_name && target.host.len() > 255 {
            let error = BadProxy::TargetTooLong(target.host.len());
            return Err(match explicit {
                Some(_) => error,
                None => BadProxy::Env {
                    var: source,
                    error: Box::new(error),
                },
            });
        }
    }
    Ok(chosen)
}

/// The proxy the environment asks for, for a connection to `target`, and the variable that
/// named it.
///
/// `env` looks a variable up (`std::env::var` in production); a variable set to an empty or
/// blank value counts as unset, as in curl. The first variable set wins:
///
/// - `ws://`: `ws_proxy`, `WS_PROXY`, `http_proxy`, `HTTP_PROXY`, `all_proxy`, `ALL_PROXY`;
/// - `wss://`: `wss_proxy`, `WSS_PROXY`, `https_proxy`, `HTTPS_PROXY`, `all_proxy`, `ALL_PROXY`.
///
/// So lower case wins over upper case, and the scheme's own variable over `all_proxy`, as in
/// curl, which also reads `ws_proxy` and `wss_proxy` first. `HTTP_PROXY` is read (curl never
/// does) except when `REQUEST_METHOD` is set, as Go does: in a CGI program `HTTP_PROXY` comes
/// from the request's `Proxy` header ("httpoxy", CVE-2016-5385).
///
/// Then `no_proxy`, or when it is unset `NO_PROXY` (the lists are not merged): when it matches
/// the target ([`no_proxy_matches`]) the answer is `None`. A value without a scheme is an
/// `http://` proxy. A value that does not parse is an error naming the variable, never
/// ignored; it is not looked at when `NO_PROXY` exempts the target.
fn from_env(
    env: impl Fn(&str) -> Option<String>,
    target: &Target,
) -> Result<Option<(Proxy, &'static str)>, BadProxy> {
    let get = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let cgi = get("REQUEST_METHOD").is_some();
    let vars = if target.secure { WSS_VARS } else { WS_VARS };
    let found = vars
        .iter()
        .filter(|&&var| !(cgi && var == "HTTP_PROXY"))
        .find_map(|&var| get(var).map(|value| (var, value)));
    let Some((var, value)) = found else {
        return Ok(None);
    };
    if let Some(list) = get("no_proxy").or_else(|| get("NO_PROXY")) {
        if no_proxy_matches(&list, &target.host, target.port) {
            return Ok(None);
        }
    }
    match Proxy::parse(&value) {
        Ok(proxy) => Ok(Some((proxy, var))),
        Err(e) => Err(BadProxy::Env {
            var,
            error: Box::new(e),
        }),
    }
}

/// Whether a `NO_PROXY` list exempts `host:port` from the proxy.
///
/// The list is separated by commas and white space; each entry is one of:
/// - `*`: every host;
/// - a domain, with or without a leading `.` or `*.`: that domain and every subdomain, as in
///   curl (`example.com` and `.example.com` both match `example.com` and `a.example.com`, not
///   `notexample.com`); ASCII case and a trailing `.` are ignored;
/// - an IPv4 or IPv6 address (IPv6 with or without brackets), or a CIDR block (`10.0.0.0/8`,
///   `fd00::/8`): matches a target that is an IP literal in it. Names are not resolved, so
///   `127.0.0.1` does not match `localhost`;
/// - any of the above but a bare IPv6 address or block with `:port` (`example.com:8080`,
///   `[::1]:8080`): only that port (curl ignores ports; Go honours them).
///
/// An entry that is none of these (a bad port or prefix length) matches nothing. `host` may be
/// an IPv6 literal with or without brackets.
fn no_proxy_matches(list: &str, host: &str, port: u16) -> bool {
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    if host.is_empty() {
        return false;
    }
    let ip = host.parse::<IpAddr>().ok();
    list.split(|c: char| c == ',' || c.is_ascii_whitespace())
        .filter(|entry| !entry.is_empty())
        .any(|entry| entry_matches(entry, &host, ip, port))
}

/// Whether one `NO_PROXY` entry matches the normalised host.
fn entry_matches(entry: &str, host: &str, ip: Option<IpAddr>, port: u16) -> bool {
    if entry == "*" {
        return true;
    }
    let Some((pattern, entry_port)) = split_entry_port(entry) else {
        return false;
    };
    if entry_port.is_some_and(|p| p != port) {
        return false;
    }
    if let Some(block) = parse_ip_block(pattern) {
        return ip.is_some_and(|ip| block_contains(block, ip));
    }
    if ip.is_some() {
        return false;
    }
    let pattern = pattern
        .strip_prefix("*.")
        .or_else(|| pattern.strip_prefix('.'))
        .unwrap_or(pattern);
    let pattern = pattern.strip_suffix('.').unwrap_or(pattern);
    if pattern.is_empty() || pattern.len() > host.len() {
        return false;
    }
    let split = host.len() - pattern.len();
    host.is_char_boundary(split)
        && host[split..].eq_ignore_ascii_case(pattern)
        && (split == 0 || host.as_bytes()[split - 1] == b'.')
}

/// Splits `pattern[:port]`; `None` for an unusable entry (an unclosed bracket, a bad port).
fn split_entry_port(entry: &str) -> Option<(&str, Option<u16>)> {
    if let Some(rest) = entry.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        return match after {
            "" => Some((inside, None)),
            _ => Some((inside, Some(after.strip_prefix(':')?.parse().ok()?))),
        };
    }
    match entry.matches(':').count() {
        0 => Some((entry, None)),
        1 => {
            let (pattern, port) = entry.split_once(':')?;
            Some((pattern, Some(port.parse().ok()?)))
        }
        // A bare IPv6 address or block: no port.
        _ => Some((entry, None)),
    }
}

/// An IP address or CIDR block: the network and its prefix length.
fn parse_ip_block(pattern: &str) -> Option<(IpAddr, u8)> {
    let (addr, bits) = match pattern.split_once('/') {
        Some((addr, bits)) => (addr.parse::<IpAddr>().ok()?, Some(bits.parse::<u8>().ok()?)),
        None => (pattern.parse::<IpAddr>().ok()?, None),
    };
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let bits = bits.unwrap_or(max);
    (bits <= max).then_some((addr, bits))
}

/// Whether `ip` is in the block; an address of the other family never is.
fn block_contains((net, bits): (IpAddr, u8), ip: IpAddr) -> bool {
    let (net, ip, width) = match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(a)) => (u32::from(n) as u128, u32::from(a) as u128, 32),
        (IpAddr::V6(n), IpAddr::V6(a)) => (u128::from(n), u128::from(a), 128),
        _ => return false,
    };
    let shift = width - u32::from(bits);
    // A shift by 128 would overflow: a /0 block holds everything.
    shift >= 128 || (net >> shift) == (ip >> shift)
}

/// The request that asks an HTTP proxy for a tunnel to `host:port` (RFC 9110 §9.3.6: "the
/// request-target consists of only the host name and port number of the tunnel destination"):
/// `CONNECT host:port HTTP/1.1`, `Host: host:port`, and `Proxy-Authorization: Basic ...`
/// (RFC 7617, the credentials as UTF-8) when there are credentials. An IPv6 host goes in
/// brackets.
///
/// `host` is a URL host (a domain or an IP literal without brackets), as [`Target::host`] is:
/// it is written as it is.
pub(crate) fn connect_request(host: &str, port: u16, credentials: Option<&Credentials>) -> Vec<u8> {
    let authority = Authority(host, port);
    let mut request = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if let Some(c) = credentials {
        request.push_str("Proxy-Authorization: Basic ");
        request.push_str(&BASE64.encode(format!("{}:{}", c.username, c.password)));
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    request.into_bytes()
}

/// Parses the proxy's reply to CONNECT at the start of `buf`.
///
/// `Ok(None)`: the head is not complete yet; read more. `Ok(Some(len))`: a 2xx reply, whose
/// head takes the first `len` bytes; the tunnel is open and `buf[len..]` already belongs to it.
/// Interim 1xx replies before it (but 101) are skipped and counted in `len`. RFC 9110 §9.3.6:
/// "A client MUST ignore any Content-Length or Transfer-Encoding header fields received in a
/// successful response to CONNECT." HTTP/1.0 replies are accepted: some proxies (tinyproxy)
/// send them.
///
/// Errors: [`ProxyError::Status`] for any other status, with its `Proxy-Authenticate`
/// challenges; [`ProxyError::Malformed`] for a reply that is not HTTP/1.x or whose head would
/// exceed `max` bytes.
pub(crate) fn parse_connect_response(buf: &[u8], max: usize) -> Result<Option<usize>, ProxyError> {
    let too_large = || ProxyError::Malformed(format!("the reply to CONNECT exceeds {max} bytes"));
    let mut start = 0;
    loop {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut response = httparse::Response::new(&mut headers);
        let end = match response.parse(&buf[start..]) {
            Ok(httparse::Status::Partial) if buf.len() >= max => return Err(too_large()),
            Ok(httparse::Status::Partial) => return Ok(None),
            Ok(httparse::Status::Complete(len)) => start + len,
            Err(httparse::Error::TooManyHeaders) => return Err(too_large()),
            Err(e) => return Err(ProxyError::Malformed(format!("reply to CONNECT: {e}"))),
        };
        if end > max {
            return Err(too_large());
        }
        let code = response.code.unwrap_or(0);
        match code {
            200..=299 => return Ok(Some(end)),
            100..=199 if code != 101 => start = end,
            _ => {
                let challenges: Vec<String> = response
                    .headers
                    .iter()
                    .filter(|h| h.name.eq_ignore_ascii_case("Proxy-Authenticate"))
                    .map(|h| String::from_utf8_lossy(h.value).trim().to_owned())
                    .collect();
                return Err(ProxyError::Status {
                    code,
                    reason: response.reason.unwrap_or("").to_owned(),
                    proxy_authenticate: (!challenges.is_empty()).then(|| challenges.join(", ")),
                });
            }
        }
    }
}

/// How far a SOCKS5 reply has been read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step<T> {
    /// The reply is incomplete and takes at least this many bytes in all: read up to this
    /// total, never more, so that no byte after the reply is taken.
    NeedMore(usize),
    /// The reply is complete, and said this.
    Done(T),
}

/// The authentication method the SOCKS5 proxy chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SocksMethod {
    /// No authentication (method 0).
    NoAuth,
    /// Username/password, RFC 1929 (method 2).
    Password,
}

/// The address a SOCKS5 CONNECT request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TargetAddr {
    /// An IPv4 or IPv6 address (ATYP 1 or 4).
    Ip(IpAddr),
    /// A domain name (ATYP 3).
    Domain(String),
}

impl TargetAddr {
    /// An IP literal (an IPv6 one with or without brackets) as an address, anything else as a
    /// domain.
    pub(crate) fn from_host(host: &str) -> TargetAddr {
        let bare = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        match bare.parse::<IpAddr>() {
            Ok(ip) => TargetAddr::Ip(ip),
            Err(_) => TargetAddr::Domain(host.to_owned()),
        }
    }
}

/// The SOCKS5 version byte.
const SOCKS5: u8 = 5;
/// The RFC 1929 subnegotiation version byte.
const RFC1929_VERSION: u8 = 1;
/// Method 0: no authentication.
const METHOD_NONE: u8 = 0;
/// Method 2: username/password.
const METHOD_PASSWORD: u8 = 2;
/// The method byte that refuses every offered method.
const METHOD_NONE_ACCEPTABLE: u8 = 0xFF;
/// The CONNECT command.
const CMD_CONNECT: u8 = 1;
/// Address type: an IPv4 address.
const ATYP_IPV4: u8 = 1;
/// Address type: a domain name with a length byte.
const ATYP_DOMAIN: u8 = 3;
/// Address type: an IPv6 address.
const ATYP_IPV6: u8 = 4;

/// The client's greeting (RFC 1928 §3): version 5 and the methods offered, "no
/// authentication", and username/password when there are credentials (as curl offers them).
pub(crate) fn socks5_greeting(with_password: bool) -> Vec<u8> {
    if with_password {
        vec![SOCKS5, 2, METHOD_NONE, METHOD_PASSWORD]
    } else {
        vec![SOCKS5, 1, METHOD_NONE]
    }
}

/// Parses the proxy's method selection (2 bytes, RFC 1928 §3). `password_offered` tells
/// whether the greeting offered username/password.
pub(crate) fn parse_socks5_method(
    buf: &[u8],
    password_offered: bool,
) -> Result<Step<SocksMethod>, ProxyError> {
    let Some(&version) = buf.first() else {
        return Ok(Step::NeedMore(2));
    };
    check_socks5_version(version)?;
    let Some(&method) = buf.get(1) else {
        return Ok(Step::NeedMore(2));
    };
    match method {
        METHOD_NONE => Ok(Step::Done(SocksMethod::NoAuth)),
        METHOD_PASSWORD if password_offered => Ok(Step::Done(SocksMethod::Password)),
        // "If the selected METHOD is X'FF', none of the methods listed by the client are
        // acceptable, and the client MUST close the connection."
        METHOD_NONE_ACCEPTABLE => Err(ProxyError::SocksNoAcceptableMethod {
            offered_password: password_offered,
        }),
        other => Err(ProxyError::Malformed(format!(
            "the SOCKS5 proxy chose authentication method {other}, which was not offered"
        ))),
    }
}

/// The version byte of a SOCKS5 reply must be 5.
fn check_socks5_version(version: u8) -> Result<(), ProxyError> {
    if version == SOCKS5 {
        Ok(())
    } else {
        Err(ProxyError::Malformed(format!(
            "SOCKS version {version} in the reply, expected 5 (is it a SOCKS5 proxy?)"
        )))
    }
}

/// The RFC 1929 username/password request: `VER ULEN UNAME PLEN PASSWD`. The lengths fit, as
/// [`Proxy::parse`] checked.
pub(crate) fn socks5_auth_request(credentials: &Credentials) -> Vec<u8> {
    let (user, pass) = (
        credentials.username.as_bytes(),
        credentials.password.as_bytes(),
    );
    let mut request = Vec::with_capacity(3 + user.len() + pass.len());
    request.push(RFC1929_VERSION);
    put_short(&mut request, user);
    put_short(&mut request, pass);
    request
}

/// Appends a length byte and the bytes, at most 255 of them (the callers' checks keep within).
fn put_short(out: &mut Vec<u8>, bytes: &[u8]) {
    debug_assert!(bytes.len() <= 255, "checked before");
    let bytes = &bytes[..bytes.len().min(255)];
    out.push(bytes.len() as u8);
    out.extend_from_slice(bytes);
}

/// Parses the RFC 1929 reply (2 bytes: version, status). "A STATUS field of X'00' indicates
/// success"; any other is [`ProxyError::SocksAuthRejected`]. The version must be 1; 5 is
/// tolerated, as some servers send it.
pub(crate) fn parse_socks5_auth_reply(buf: &[u8]) -> Result<Step<()>, ProxyError> {
    let Some(&version) = buf.first() else {
        return Ok(Step::NeedMore(2));
    };
    if version != RFC1929_VERSION && version != SOCKS5 {
        return Err(ProxyError::Malformed(format!(
            "username/password reply version {version}, expected 1"
        )));
    }
    match buf.get(1) {
        None => Ok(Step::NeedMore(2)),
        Some(0) => Ok(Step::Done(())),
        Some(&status) => Err(ProxyError::SocksAuthRejected { status }),
    }
}

/// The SOCKS5 CONNECT request for `addr:port` (RFC 1928 §4): `VER CMD RSV ATYP DST.ADDR
/// DST.PORT`. A domain takes at most 255 bytes, as [`route`] checked.
pub(crate) fn socks5_connect_request(addr: &TargetAddr, port: u16) -> Vec<u8> {
    let mut request = vec![SOCKS5, CMD_CONNECT, 0];
    match addr {
        TargetAddr::Ip(IpAddr::V4(a)) => {
            request.push(ATYP_IPV4);
            request.extend(a.octets());
        }
        TargetAddr::Ip(IpAddr::V6(a)) => {
            request.push(ATYP_IPV6);
            request.extend(a.octets());
        }
        TargetAddr::Domain(d) => {
            request.push(ATYP_DOMAIN);
            put_short(&mut request, d.as_bytes());
        }
    }
    request.extend(port.to_be_bytes());
    request
}

/// Parses the proxy's reply to the CONNECT request (RFC 1928 §6): `VER REP RSV ATYP BND.ADDR
/// BND.PORT`, of 10 (IPv4), 22 (IPv6) or 7 + n (a domain of n bytes) bytes; the bound address
/// is of no use to a client and is skipped. Each byte is judged as soon as it is there, so a
/// refusal is reported after 2 bytes and a prefix of a reply never gives another answer than
/// the whole.
pub(crate) fn parse_socks5_reply(buf: &[u8]) -> Result<Step<()>, ProxyError> {
    let Some(&version) = buf.first() else {
        return Ok(Step::NeedMore(2));
    };
    check_socks5_version(version)?;
    let Some(&rep) = buf.get(1) else {
        return Ok(Step::NeedMore(2));
    };
    if let Some(reply) = SocksReply::from_byte(rep) {
        return Err(ProxyError::SocksRefused(reply));
    }
    // buf[2] is reserved; not checked, as curl does not.
    let Some(&atyp) = buf.get(3) else {
        return Ok(Step::NeedMore(4));
    };
    let len = match atyp {
        ATYP_IPV4 => 4 + 4 + 2,
        ATYP_IPV6 => 4 + 16 + 2,
        ATYP_DOMAIN => match buf.get(4) {
            None => return Ok(Step::NeedMore(5)),
            Some(&n) => 5 + n as usize + 2,
        },
        other => {
            return Err(ProxyError::Malformed(format!(
                "unknown address type {other} in the SOCKS5 reply"
            )))
        }
    };
    if buf.len() < len {
        return Ok(Step::NeedMore(len));
    }
    Ok(Step::Done(()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::url::parse as parse_target;
    use proptest::prelude::*;
    use std::collections::HashMap;
    use std::net::{Ipv4Addr, Ipv6Addr};

    /// The proxy `url` parses to; fails the test when it does not parse.
    fn parse_ok(url: &str) -> Proxy {
        Proxy::parse(url).unwrap_or_else(|e| panic!("{url}: {e}"))
    }

    /// Credentials from literals.
    fn creds(user: &str, pass: &str) -> Credentials {
        Credentials {
            username: user.into(),
            password: pass.into(),
        }
    }

    #[test]
    fn parse_table() {
        use ProxyKind::*;
        /// URL, kind, host, port, credentials.
        type Case = (
            &'static str,
            ProxyKind,
            &'static str,
            u16,
            Option<(&'static str, &'static str)>,
        );
        let cases: &[Case] = &[
            (
                "http://proxy.corp:3128",
                HttpConnect,
                "proxy.corp",
                3128,
                None,
            ),
            (
                "http://proxy.corp:3128/",
                HttpConnect,
                "proxy.corp",
                3128,
                None,
            ),
            ("http://proxy.corp", HttpConnect, "proxy.corp", 80, None),
            ("http://proxy.corp:80", HttpConnect, "proxy.corp", 80, None),
            (
                "HTTP://Proxy.Corp:8080",
                HttpConnect,
                "proxy.corp",
                8080,
                None,
            ),
            ("proxy.corp:3128", HttpConnect, "proxy.corp", 3128, None),
            ("proxy.corp", HttpConnect, "proxy.corp", 80, None),
            ("localhost:3128", HttpConnect, "localhost", 3128, None),
            ("127.0.0.1:3128", HttpConnect, "127.0.0.1", 3128, None),
            ("[::1]:3128", HttpConnect, "::1", 3128, None),
            ("  http://p:1  ", HttpConnect, "p", 1, None),
            ("socks5://s", Socks5, "s", 1080, None),
            ("socks5://s:1080", Socks5, "s", 1080, None),
            ("socks5://s:80", Socks5, "s", 80, None),
            ("SOCKS5H://S.Example:9050", Socks5h, "s.example", 9050, None),
            ("socks5h://127.0.0.1:1", Socks5h, "127.0.0.1", 1, None),
            ("socks5://[2001:DB8::1]:1", Socks5, "2001:db8::1", 1, None),
            ("socks5://0x7f.1:1", Socks5, "127.0.0.1", 1, None),
            (
                "socks5://b%C3%BCcher.example",
                Socks5,
                "xn--bcher-kva.example",
                1080,
                None,
            ),
            (
                "http://bücher.example",
                HttpConnect,
                "xn--bcher-kva.example",
                80,
                None,
            ),
            ("http://u:p@h:1", HttpConnect, "h", 1, Some(("u", "p"))),
            ("http://u@h:1", HttpConnect, "h", 1, Some(("u", ""))),
            ("http://:p@h:1", HttpConnect, "h", 1, Some(("", "p"))),
            (
                "http://u%40x:p%3A%2F%40%20@h",
                HttpConnect,
                "h",
                80,
                Some(("u@x", "p:/@ ")),
            ),
            ("http://u:p%zz@h", HttpConnect, "h", 80, Some(("u", "p%zz"))),
            ("u:p@h:3128", HttpConnect, "h", 3128, Some(("u", "p"))),
            (
                "socks5h://us%C3%A9r:p%C3%A4ss@h",
                Socks5h,
                "h",
                1080,
                Some(("usér", "päss")),
            ),
            ("http://@h:1", HttpConnect, "h", 1, None),
        ];
        for &(url, kind, host, port, cred) in cases {
            let p = parse_ok(url);
            assert_eq!(p.kind, kind, "{url}");
            assert_eq!(p.host, host, "{url}");
            assert_eq!(p.port, port, "{url}");
            assert_eq!(p.credentials, cred.map(|(u, p)| creds(u, p)), "{url}");
        }
    }

    #[test]
    fn parse_errors() {
        use BadProxy as E;
        let cases: &[(&str, BadProxy)] = &[
            ("", E::Empty),
            ("   ", E::Empty),
            ("https://p:443", E::UnsupportedScheme("https".into())),
            ("socks4://p", E::UnsupportedScheme("socks4".into())),
            ("socks4a://p", E::UnsupportedScheme("socks4a".into())),
            ("socks://p", E::UnsupportedScheme("socks".into())),
            ("ftp://p", E::UnsupportedScheme("ftp".into())),
            ("http://p:0", E::PortZero),
            ("socks5://p:0", E::PortZero),
            ("http://p/x", E::UnexpectedComponent("path")),
            ("http://p/?q", E::UnexpectedComponent("query")),
            ("http://p/#f", E::UnexpectedComponent("fragment")),
            ("socks5://p/x", E::UnexpectedComponent("path")),
            ("socks5://", E::MissingHost),
            ("socks5:///", E::MissingHost),
            (
                "http://a%3Ab:c@p",
                E::Credentials("a user name for Basic authentication may not contain ':'"),
            ),
            (
                "socks5://:pw@p",
                E::Credentials("a SOCKS5 user name takes 1 to 255 bytes"),
            ),
            (
                "http://u:%FF@p",
                E::Credentials("not UTF-8 once percent-decoded"),
            ),
        ];
        for (url, want) in cases {
            assert_eq!(Proxy::parse(url).as_ref(), Err(want), "{url}");
        }
        for url in [
            "http://",
            "http://p:99999",
            "http://[::1",
            "http://a b",
            "socks5://a b",
        ] {
            assert!(
                matches!(
                    Proxy::parse(url),
                    Err(E::Syntax(_) | E::InvalidHost(_) | E::MissingHost)
                ),
                "{url}: {:?}",
                Proxy::parse(url)
            );
        }
        let long = "x".repeat(256);
        assert!(matches!(
            Proxy::parse(&format!("socks5://{long}@p")),
            Err(E::Credentials(_))
        ));
        assert!(matches!(
            Proxy::parse(&format!("socks5://u:{long}@p")),
            Err(E::Credentials(_))
        ));
        // 255 bytes fit.
        let fits = "x".repeat(255);
        assert!(Proxy::parse(&format!("socks5://{fits}:{fits}@p")).is_ok());
        // Any length goes in Basic.
        assert!(Proxy::parse(&format!("http://{long}:{long}@p")).is_ok());
    }

    #[test]
    fn errors_do_not_quote_the_url() {
        for url in [
            "https://user:hunter2@p",
            "http://user:hunter2@p/x",
            "http://user:hunter2@p:0",
            "http://user:hunter2@p:99999",
            "socks5://user:hunter2@",
            "http://u%3Ax:hunter2@p",
        ] {
            let e = Proxy::parse(url).unwrap_err();
            let shown = format!("{e} {e:?}");
            assert!(!shown.contains("hunter2"), "{url}: {shown}");
        }
    }

    #[test]
    fn debug_and_display_redact_the_password() {
        let p = parse_ok("socks5h://alice:hunter2@proxy.corp:1080");
        let debug = format!("{p:?}");
        let alt = format!("{p:#?}");
        let display = p.to_string();
        for s in [&debug, &alt, &display] {
            assert!(!s.contains("hunter2"), "{s}");
        }
        assert!(
            debug.contains("alice") && debug.contains("<redacted>"),
            "{debug}"
        );
        assert_eq!(display, "socks5h://proxy.corp:1080");
        assert_eq!(
            parse_ok("http://[::1]:3128").to_string(),
            "http://[::1]:3128"
        );
    }

    #[test]
    fn no_proxy_table() {
        let cases: &[(&str, &str, u16, bool)] = &[
            ("", "example.com", 80, false),
            ("*", "example.com", 80, true),
            ("*", "10.0.0.1", 80, true),
            ("a.com,*", "example.com", 80, true),
            ("example.com", "example.com", 80, true),
            ("example.com", "EXAMPLE.com", 80, true),
            ("Example.COM", "example.com", 80, true),
            ("example.com", "www.example.com", 80, true),
            ("example.com", "a.b.example.com", 80, true),
            ("example.com", "notexample.com", 80, false),
            ("example.com", "example.com.evil", 80, false),
            ("example.com", "com", 80, false),
            (".example.com", "www.example.com", 80, true),
            (".example.com", "example.com", 80, true),
            (".example.com", "notexample.com", 80, false),
            ("*.example.com", "www.example.com", 80, true),
            ("example.com.", "www.example.com", 80, true),
            ("example.com", "example.com.", 80, true),
            ("com", "example.com", 80, true),
            (".", "example.com", 80, false),
            ("a.com, example.com ,b.com", "example.com", 80, true),
            ("a.com example.com", "example.com", 80, true),
            ("a.com,,\t,example.com", "example.com", 80, true),
            ("a.com,b.com", "example.com", 80, false),
            ("example.com:8080", "example.com", 8080, true),
            ("example.com:8080", "example.com", 80, false),
            (".example.com:443", "www.example.com", 443, true),
            ("example.com:x", "example.com", 80, false),
            ("example.com:99999", "example.com", 80, false),
            ("localhost", "localhost", 1, true),
            ("localhost", "127.0.0.1", 1, false),
            ("127.0.0.1", "127.0.0.1", 1, true),
            ("127.0.0.1", "127.0.0.2", 1, false),
            ("127.0.0.1:9", "127.0.0.1", 9, true),
            ("127.0.0.1:9", "127.0.0.1", 8, false),
            ("127.0.0.0/8", "127.1.2.3", 1, true),
            ("127.0.0.0/8", "128.0.0.1", 1, false),
            ("10.0.0.0/8:80", "10.1.1.1", 80, true),
            ("0.0.0.0/0", "8.8.8.8", 1, true),
            ("10.0.0.0/33", "10.0.0.1", 1, false),
            ("10.0.0.0/x", "10.0.0.1", 1, false),
            ("0.1", "10.0.0.1", 1, false),
            ("::1", "::1", 1, true),
            ("::1", "[::1]", 1, true),
            ("[::1]", "::1", 1, true),
            ("[::1]", "[::1]", 1, true),
            ("[::1]:8080", "::1", 8080, true),
            ("[::1]:8080", "::1", 8081, false),
            ("[::1", "::1", 1, false),
            ("[::1]x", "::1", 1, false),
            ("::1", "::2", 1, false),
            ("2001:DB8::1", "2001:db8::1", 1, true),
            ("fd00::/8", "fdab::1", 1, true),
            ("fd00::/8", "fe00::1", 1, false),
            ("[fd00::/8]", "fdab::1", 1, true),
            ("::/0", "2001:db8::1", 1, true),
            ("::/0", "10.0.0.1", 1, false),
            ("0.0.0.0/0", "::1", 1, false),
            ("::ffff:0:0/96", "10.0.0.1", 1, false),
            ("example.com", "", 1, false),
            ("1.2.3.4", "1.2.3.4.example.com", 1, false),
            ("example.com", "1.2.3.4", 1, false),
            ("é.com", "x.é.com", 1, true),
            ("é", "xé", 1, false),
        ];
        for &(list, host, port, want) in cases {
            assert_eq!(
                no_proxy_matches(list, host, port),
                want,
                "NO_PROXY={list:?} host={host:?} port={port}"
            );
        }
    }

    /// A lookup function over these variables only, as `route` takes it.
    fn env_of(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name: &str| map.get(name).cloned()
    }

    /// The target of `wss://example.com/` or `ws://example.com/`.
    fn example(secure: bool) -> Target {
        let scheme = if secure { "wss" } else { "ws" };
        parse_target(&format!("{scheme}://example.com/"), false).unwrap()
    }

    /// The host of the proxy the environment `vars` gives example.com over ws:// or wss://.
    fn picked(vars: &[(&str, &str)], secure: bool) -> Option<String> {
        route(None, true, &example(secure), env_of(vars))
            .unwrap()
            .map(|(p, _)| p.host)
    }

    #[test]
    fn env_precedence() {
        let all = [
            ("ws_proxy", "ws-lower"),
            ("WS_PROXY", "ws-upper"),
            ("http_proxy", "http-lower"),
            ("HTTP_PROXY", "http-upper"),
            ("wss_proxy", "wss-lower"),
            ("WSS_PROXY", "wss-upper"),
            ("https_proxy", "https-lower"),
            ("HTTPS_PROXY", "https-upper"),
            ("all_proxy", "all-lower"),
            ("ALL_PROXY", "all-upper"),
        ];
        // Drop the variables one by one, in order: the next one takes over.
        let ws = [
            "ws-lower",
            "ws-upper",
            "http-lower",
            "http-upper",
            "all-lower",
            "all-upper",
        ];
        let wss = [
            "wss-lower",
            "wss-upper",
            "https-lower",
            "https-upper",
            "all-lower",
            "all-upper",
        ];
        for (secure, order) in [(false, ws), (true, wss)] {
            let mut vars = all.to_vec();
            for want in order {
                assert_eq!(
                    picked(&vars, secure).as_deref(),
                    Some(want),
                    "secure={secure}"
                );
                vars.retain(|(_, v)| *v != want);
            }
            assert_eq!(picked(&vars, secure), None, "secure={secure}");
        }
        // Each scheme ignores the other's variables.
        assert_eq!(picked(&[("https_proxy", "h")], false), None);
        assert_eq!(picked(&[("HTTP_PROXY", "h")], true), None);
        assert_eq!(picked(&[("ws_proxy", "h")], true), None);
        // Empty and blank values count as unset.
        assert_eq!(
            picked(&[("http_proxy", ""), ("HTTP_PROXY", "up")], false).as_deref(),
            Some("up")
        );
        assert_eq!(
            picked(&[("https_proxy", "  "), ("all_proxy", "all")], true).as_deref(),
            Some("all")
        );
        assert_eq!(picked(&[], false), None);
    }

    #[test]
    fn env_names_its_variable() {
        let (_, var) = route(None, true, &example(true), env_of(&[("ALL_PROXY", "p:1")]))
            .unwrap()
            .unwrap();
        assert_eq!(var, "ALL_PROXY");
    }

    #[test]
    fn env_cgi_ignores_upper_case_http_proxy() {
        let cgi = [("REQUEST_METHOD", "GET"), ("HTTP_PROXY", "evil")];
        assert_eq!(picked(&cgi, false), None);
        let cgi = [
            ("REQUEST_METHOD", "GET"),
            ("HTTP_PROXY", "evil"),
            ("ALL_PROXY", "all"),
        ];
        assert_eq!(picked(&cgi, false).as_deref(), Some("all"));
        let cgi = [("REQUEST_METHOD", "GET"), ("http_proxy", "ok")];
        assert_eq!(picked(&cgi, false).as_deref(), Some("ok"));
        let cgi = [("REQUEST_METHOD", "GET"), ("HTTPS_PROXY", "ok")];
        assert_eq!(picked(&cgi, true).as_deref(), Some("ok"));
    }

    #[test]
    fn env_no_proxy() {
        let base = [("https_proxy", "http://p:3128")];
        let with = |list: (&'static str, &'static str)| {
            let mut v = base.to_vec();
            v.push(list);
            v
        };
        assert_eq!(picked(&base, true).as_deref(), Some("p"));
        assert_eq!(picked(&with(("no_proxy", "example.com")), true), None);
        assert_eq!(picked(&with(("NO_PROXY", ".example.com")), true), None);
        assert_eq!(picked(&with(("NO_PROXY", "*")), true), None);
        assert_eq!(picked(&with(("NO_PROXY", "example.com:443")), true), None);
        assert_eq!(
            picked(&with(("NO_PROXY", "example.com:80")), true).as_deref(),
            Some("p")
        );
        assert_eq!(
            picked(&with(("no_proxy", "other.com")), true).as_deref(),
            Some("p")
        );
        // Lower case wins, and the lists are not merged.
        let mut both = with(("no_proxy", "other.com"));
        both.push(("NO_PROXY", "example.com"));
        assert_eq!(picked(&both, true).as_deref(), Some("p"));
        // An empty no_proxy counts as unset.
        let mut both = with(("no_proxy", ""));
        both.push(("NO_PROXY", "example.com"));
        assert_eq!(picked(&both, true), None);
        // An exempt target does not look at a broken proxy value.
        let broken = [("https_proxy", "https://p"), ("no_proxy", "example.com")];
        assert_eq!(picked(&broken, true), None);
    }

    #[test]
    fn env_values() {
        let target = example(true);
        let vars = env_of(&[("HTTPS_PROXY", "u:p%21@proxy.corp:3128")]);
        let (p, _) = route(None, true, &target, vars).unwrap().unwrap();
        assert_eq!(p.kind, ProxyKind::HttpConnect);
        assert_eq!((p.host.as_str(), p.port), ("proxy.corp", 3128));
        assert_eq!(p.credentials, Some(creds("u", "p!")));
        let vars = env_of(&[("ALL_PROXY", "socks5h://s")]);
        let (p, _) = route(None, true, &example(false), vars).unwrap().unwrap();
        assert_eq!((p.kind, p.port), (ProxyKind::Socks5h, 1080));
        let vars = env_of(&[("https_proxy", "https://u:hunter2@p")]);
        let e = route(None, true, &target, vars).unwrap_err();
        assert_eq!(
            e,
            BadProxy::Env {
                var: "https_proxy",
                error: Box::new(BadProxy::UnsupportedScheme("https".into()))
            }
        );
        let shown = e.to_string();
        assert!(
            shown.starts_with("the environment variable https_proxy: unsupported proxy scheme"),
            "{shown}"
        );
        assert!(!shown.contains("hunter2"));
    }

    #[test]
    fn explicit_proxy_ignores_the_environment() {
        let explicit = parse_ok("socks5://s:1");
        let env = [
            ("https_proxy", "http://envproxy:3128"),
            ("no_proxy", "*"),
            ("ALL_PROXY", "https://broken"),
        ];
        for use_env in [true, false] {
            let (p, source) = route(Some(&explicit), use_env, &example(true), env_of(&env))
                .unwrap()
                .unwrap();
            assert_eq!((p, source), (explicit.clone(), "Builder::proxy"));
        }
        // Off: the environment is not read at all.
        let read = std::cell::Cell::new(0);
        let counting = |_: &str| {
            read.set(read.get() + 1);
            Some("http://envproxy:3128".to_owned())
        };
        assert_eq!(route(None, false, &example(true), counting).unwrap(), None);
        assert_eq!(read.get(), 0);
    }

    #[test]
    fn socks5h_refuses_a_target_name_over_255_bytes() {
        let long = format!("{}.example", "a".repeat(250));
        let target = parse_target(&format!("ws://{long}/"), false).unwrap();
        let socks5h = parse_ok("socks5h://s");
        assert_eq!(
            route(Some(&socks5h), true, &target, env_of(&[])),
            Err(BadProxy::TargetTooLong(long.len()))
        );
        let e = route(None, true, &target, env_of(&[("all_proxy", "socks5h://s")]));
        assert_eq!(
            e,
            Err(BadProxy::Env {
                var: "all_proxy",
                error: Box::new(BadProxy::TargetTooLong(long.len()))
            })
        );
        // socks5:// sends an address, CONNECT the name in text: no limit.
        for ok in ["socks5://s", "http://h"] {
            assert!(route(Some(&parse_ok(ok)), true, &target, env_of(&[])).is_ok());
        }
    }

    #[test]
    fn connect_request_bytes() {
        assert_eq!(
            connect_request("example.com", 443, None),
            b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"
        );
        assert_eq!(
            connect_request("::1", 9001, None),
            b"CONNECT [::1]:9001 HTTP/1.1\r\nHost: [::1]:9001\r\n\r\n"
        );
        // RFC 7617 §2's example.
        assert_eq!(
            connect_request("10.0.0.1", 80, Some(&creds("Aladdin", "open sesame"))),
            b"CONNECT 10.0.0.1:80 HTTP/1.1\r\nHost: 10.0.0.1:80\r\n\
              Proxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n\r\n"
        );
        // Non-ASCII credentials go as UTF-8 (RFC 7617 charset="UTF-8").
        let r = connect_request("h", 1, Some(&creds("usér", "")));
        let text = String::from_utf8(r).unwrap();
        assert!(
            text.contains("Proxy-Authorization: Basic dXPDqXI6\r\n"),
            "{text}"
        );
    }

    /// The code, reason and challenge of a refusal; fails the test for any other answer.
    fn refused(buf: &[u8]) -> (u16, String, Option<String>) {
        match parse_connect_response(buf, 16 << 10) {
            Err(ProxyError::Status {
                code,
                reason,
                proxy_authenticate,
            }) => (code, reason, proxy_authenticate),
            other => panic!("{:?}: {other:?}", String::from_utf8_lossy(buf)),
        }
    }

    #[test]
    fn connect_response_accepted() {
        let max = 16 << 10;
        let ok = b"HTTP/1.1 200 Connection established\r\n\r\n";
        assert_eq!(parse_connect_response(ok, max).unwrap(), Some(ok.len()));
        let ok10 = b"HTTP/1.0 200 Connection established\r\nProxy-agent: tinyproxy/1.11.1\r\n\r\n";
        assert_eq!(parse_connect_response(ok10, max).unwrap(), Some(ok10.len()));
        let mut with_tail = ok.to_vec();
        with_tail.extend_from_slice(b"\x16\x03\x01 leftover");
        assert_eq!(
            parse_connect_response(&with_tail, max).unwrap(),
            Some(ok.len())
        );
        // Any 2xx; Content-Length is ignored.
        let cl = b"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello";
        assert_eq!(parse_connect_response(cl, max).unwrap(), Some(cl.len() - 5));
        // No reason phrase.
        let bare = b"HTTP/1.1 200\r\n\r\n";
        assert_eq!(parse_connect_response(bare, max).unwrap(), Some(bare.len()));
        // Interim replies are skipped.
        let interim = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\nX";
        assert_eq!(
            parse_connect_response(interim, max).unwrap(),
            Some(interim.len() - 1)
        );
        // LF-only line ends.
        let lf = b"HTTP/1.1 200 OK\nServer: x\n\n";
        assert_eq!(parse_connect_response(lf, max).unwrap(), Some(lf.len()));
    }

    #[test]
    fn connect_response_partial() {
        let ok = b"HTTP/1.1 200 Connection established\r\nVia: x\r\n\r\n";
        for cut in 0..ok.len() {
            assert_eq!(
                parse_connect_response(&ok[..cut], 16 << 10).unwrap(),
                None,
                "cut at {cut}"
            );
        }
        // After an interim reply, still partial.
        let interim = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 2";
        assert_eq!(parse_connect_response(interim, 16 << 10).unwrap(), None);
    }

    #[test]
    fn connect_response_refused() {
        let r = b"HTTP/1.1 407 Proxy Authentication Required\r\n\
                  Proxy-Authenticate: Basic realm=\"corp\"\r\nContent-Length: 3\r\n\r\nno!";
        assert_eq!(
            refused(r),
            (
                407,
                "Proxy Authentication Required".into(),
                Some("Basic realm=\"corp\"".into())
            )
        );
        let two = b"HTTP/1.1 407 Nope\r\nproxy-authenticate: Negotiate\r\n\
                    Proxy-Authenticate:  Basic realm=\"x\" \r\n\r\n";
        assert_eq!(
            refused(two).2.as_deref(),
            Some("Negotiate, Basic realm=\"x\"")
        );
        assert_eq!(
            refused(b"HTTP/1.1 403 Forbidden\r\n\r\n"),
            (403, "Forbidden".into(), None)
        );
        assert_eq!(refused(b"HTTP/1.0 502 Bad Gateway\r\n\r\n").0, 502);
        assert_eq!(refused(b"HTTP/1.1 101 Switching Protocols\r\n\r\n").0, 101);
        assert_eq!(refused(b"HTTP/1.1 301 Moved\r\nLocation: /\r\n\r\n").0, 301);
        let e = parse_connect_response(r, 16 << 10).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the proxy refused the tunnel: HTTP 407 Proxy Authentication Required \
             (Proxy-Authenticate: Basic realm=\"corp\")"
        );
    }

    #[test]
    fn connect_response_malformed_and_too_large() {
        for bad in [
            &b"SSH-2.0-OpenSSH\r\n\r\n"[..],
            b"HTTP/2 200\r\n\r\n",
            b"HTTP/1.1 abc\r\n\r\n",
            b"\x05\x00",
            b"HTTP/1.1 200 OK\r\nBad Header\r\n\r\n",
        ] {
            assert!(
                matches!(
                    parse_connect_response(bad, 16 << 10),
                    Err(ProxyError::Malformed(_))
                ),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        let too_large = |r: Result<Option<usize>, ProxyError>| match r {
            Err(ProxyError::Malformed(why)) => why.contains("exceeds"),
            _ => false,
        };
        let mut big = b"HTTP/1.1 200 OK\r\nX: ".to_vec();
        big.resize(100, b'a');
        assert!(too_large(parse_connect_response(&big, 100)));
        assert_eq!(parse_connect_response(&big[..99], 100).unwrap(), None);
        big.extend_from_slice(b"\r\n\r\n");
        assert!(too_large(parse_connect_response(&big, 100)));
        assert_eq!(parse_connect_response(&big, 104).unwrap(), Some(104));
        // Too many headers.
        let mut many = b"HTTP/1.1 200 OK\r\n".to_vec();
        for i in 0..=MAX_HEADERS {
            many.extend_from_slice(format!("X-{i}: y\r\n").as_bytes());
        }
        many.extend_from_slice(b"\r\n");
        assert!(too_large(parse_connect_response(&many, 16 << 10)));
    }

    #[test]
    fn socks5_greeting_and_method() {
        assert_eq!(socks5_greeting(false), [5, 1, 0]);
        assert_eq!(socks5_greeting(true), [5, 2, 0, 2]);
        let method = |b: &[u8], pw| parse_socks5_method(b, pw);
        assert_eq!(method(&[], false).unwrap(), Step::NeedMore(2));
        assert_eq!(method(&[5], false).unwrap(), Step::NeedMore(2));
        assert_eq!(
            method(&[5, 0], false).unwrap(),
            Step::Done(SocksMethod::NoAuth)
        );
        assert_eq!(
            method(&[5, 0], true).unwrap(),
            Step::Done(SocksMethod::NoAuth)
        );
        assert_eq!(
            method(&[5, 2], true).unwrap(),
            Step::Done(SocksMethod::Password)
        );
        assert!(matches!(
            method(&[5, 2], false),
            Err(ProxyError::Malformed(_))
        ));
        assert!(matches!(
            method(&[5, 1], true),
            Err(ProxyError::Malformed(_))
        ));
        for offered_password in [false, true] {
            assert!(matches!(
                method(&[5, 0xFF], offered_password),
                Err(ProxyError::SocksNoAcceptableMethod { offered_password: o }) if o == offered_password
            ));
        }
        // A SOCKS4 server or an HTTP proxy answers with something else in the first byte.
        assert!(matches!(method(&[4], false), Err(ProxyError::Malformed(_))));
        assert!(matches!(
            method(b"HT", false),
            Err(ProxyError::Malformed(_))
        ));
    }

    #[test]
    fn socks5_auth() {
        assert_eq!(
            socks5_auth_request(&creds("user", "pw")),
            [1, 4, b'u', b's', b'e', b'r', 2, b'p', b'w']
        );
        assert_eq!(socks5_auth_request(&creds("u", "")), [1, 1, b'u', 0]);
        let max = "x".repeat(255);
        let r = socks5_auth_request(&creds(&max, &max));
        assert_eq!((r.len(), r[1], r[257]), (3 + 510, 255, 255));

        assert_eq!(parse_socks5_auth_reply(&[]).unwrap(), Step::NeedMore(2));
        assert_eq!(parse_socks5_auth_reply(&[1]).unwrap(), Step::NeedMore(2));
        assert_eq!(parse_socks5_auth_reply(&[1, 0]).unwrap(), Step::Done(()));
        assert_eq!(parse_socks5_auth_reply(&[5, 0]).unwrap(), Step::Done(()));
        for status in [1, 0xFF] {
            assert!(matches!(
                parse_socks5_auth_reply(&[1, status]),
                Err(ProxyError::SocksAuthRejected { status: s }) if s == status
            ));
        }
        assert!(matches!(
            parse_socks5_auth_reply(&[2]),
            Err(ProxyError::Malformed(_))
        ));
    }

    #[test]
    fn socks5_connect_requests() {
        let v4 = TargetAddr::Ip(Ipv4Addr::new(127, 0, 0, 1).into());
        assert_eq!(
            socks5_connect_request(&v4, 0x1F90),
            [5, 1, 0, 1, 127, 0, 0, 1, 0x1F, 0x90]
        );
        let v6 = TargetAddr::Ip(Ipv6Addr::LOCALHOST.into());
        let mut want = vec![5, 1, 0, 4];
        want.extend([0; 15]);
        want.extend([1, 0, 80]);
        assert_eq!(socks5_connect_request(&v6, 80), want);
        let d = TargetAddr::Domain("example.com".into());
        let mut want = vec![5, 1, 0, 3, 11];
        want.extend(b"example.com");
        want.extend([1, 187]);
        assert_eq!(socks5_connect_request(&d, 443), want);
        let d255 = TargetAddr::Domain("a".repeat(255));
        assert_eq!(socks5_connect_request(&d255, 1).len(), 4 + 1 + 255 + 2);
    }

    #[test]
    fn target_addr_from_host() {
        assert_eq!(
            TargetAddr::from_host("10.1.2.3"),
            TargetAddr::Ip(Ipv4Addr::new(10, 1, 2, 3).into())
        );
        assert_eq!(
            TargetAddr::from_host("::1"),
            TargetAddr::Ip(Ipv6Addr::LOCALHOST.into())
        );
        assert_eq!(
            TargetAddr::from_host("[::1]"),
            TargetAddr::Ip(Ipv6Addr::LOCALHOST.into())
        );
        assert_eq!(
            TargetAddr::from_host("example.com"),
            TargetAddr::Domain("example.com".into())
        );
    }

    #[test]
    fn socks5_replies() {
        let v4 = [5, 0, 0, 1, 10, 0, 0, 1, 0x04, 0x38];
        assert_eq!(parse_socks5_reply(&v4).unwrap(), Step::Done(()));
        // The minimal reads: 2, then 4, then the whole.
        let needs: Vec<_> = (0..v4.len())
            .map(|n| parse_socks5_reply(&v4[..n]).unwrap())
            .collect();
        let n = Step::NeedMore;
        assert_eq!(
            needs,
            [
                n(2),
                n(2),
                n(4),
                n(4),
                n(10),
                n(10),
                n(10),
                n(10),
                n(10),
                n(10)
            ]
        );
        let mut v6 = vec![5, 0, 0, 4];
        v6.extend(Ipv6Addr::LOCALHOST.octets());
        v6.extend([0, 1]);
        assert_eq!(parse_socks5_reply(&v6[..21]).unwrap(), Step::NeedMore(22));
        assert_eq!(parse_socks5_reply(&v6).unwrap(), Step::Done(()));
        let mut dom = vec![5, 0, 0, 3, 4];
        dom.extend(b"host");
        dom.extend([0, 2]);
        assert_eq!(parse_socks5_reply(&dom[..4]).unwrap(), Step::NeedMore(5));
        assert_eq!(parse_socks5_reply(&dom[..5]).unwrap(), Step::NeedMore(11));
        assert_eq!(parse_socks5_reply(&dom).unwrap(), Step::Done(()));
        // An empty domain is 7 bytes.
        assert_eq!(
            parse_socks5_reply(&[5, 0, 0, 3, 0, 0, 0]).unwrap(),
            Step::Done(())
        );
        assert!(matches!(
            parse_socks5_reply(&[5, 0, 0, 2]),
            Err(ProxyError::Malformed(_))
        ));
        assert!(matches!(
            parse_socks5_reply(&[0x48]),
            Err(ProxyError::Malformed(_))
        ));
    }

    #[test]
    fn socks5_reply_codes_by_name() {
        let names = [
            (1, "general SOCKS server failure"),
            (2, "connection not allowed by the proxy's ruleset"),
            (3, "network unreachable"),
            (4, "host unreachable"),
            (5, "connection refused by the destination host"),
            (6, "TTL expired"),
            (7, "command not supported"),
            (8, "address type not supported"),
            (9, "unassigned reply code"),
            (255, "unassigned reply code"),
        ];
        assert_eq!(SocksReply::from_byte(0), None);
        for (b, name) in names {
            let reply = SocksReply::from_byte(b).unwrap();
            assert_eq!(reply.code(), b);
            assert_eq!(reply.to_string(), name);
            // Refused as soon as the code is there, and the same with the whole reply.
            for bytes in [&[5, b][..], &[5, b, 0, 1, 0, 0, 0, 0, 0, 0][..]] {
                match parse_socks5_reply(bytes) {
                    Err(ProxyError::SocksRefused(r)) => assert_eq!(r, reply),
                    other => panic!("{b}: {other:?}"),
                }
            }
        }
        assert_eq!(
            ProxyError::SocksRefused(SocksReply::ConnectionRefused).to_string(),
            "the SOCKS5 proxy refused the tunnel: connection refused by the destination host \
             (SOCKS5 reply 5)"
        );
    }

    #[test]
    fn error_display() {
        use std::error::Error as _;
        let cases: Vec<(ProxyError, &str)> = vec![
            (
                ProxyError::SocksAuthRejected { status: 1 },
                "the SOCKS5 proxy rejected the user name and password (status 1)",
            ),
            (
                ProxyError::SocksNoAcceptableMethod {
                    offered_password: false,
                },
                "the SOCKS5 proxy requires authentication and the proxy URL has no credentials",
            ),
            (
                ProxyError::SocksNoAcceptableMethod {
                    offered_password: true,
                },
                "the SOCKS5 proxy accepts neither no authentication nor a user name and password",
            ),
            (
                ProxyError::Status {
                    code: 403,
                    reason: String::new(),
                    proxy_authenticate: None,
                },
                "the proxy refused the tunnel: HTTP 403",
            ),
            (
                ProxyError::Closed,
                "the proxy closed the connection before the tunnel was open",
            ),
            (
                ProxyError::Unreachable {
                    proxy: "http://p:3128".into(),
                    error: std::io::ErrorKind::ConnectionRefused.into(),
                },
                "cannot connect to the proxy http://p:3128: connection refused",
            ),
        ];
        for (e, want) in cases {
            assert_eq!(e.to_string(), want);
            let wrapped = crate::Error::from(e);
            assert_eq!(wrapped.to_string(), want);
            assert!(wrapped.source().is_some());
        }
        let unreachable = ProxyError::Unreachable {
            proxy: "http://p:3128".into(),
            error: std::io::ErrorKind::TimedOut.into(),
        };
        let source = unreachable.source().unwrap();
        assert_eq!(
            source.downcast_ref::<std::io::Error>().unwrap().kind(),
            std::io::ErrorKind::TimedOut
        );
    }

    /// Reproducible property runs: a fixed seed and no failure file.
    fn config() -> ProptestConfig {
        ProptestConfig {
            cases: 512,
            failure_persistence: None,
            rng_algorithm: proptest::test_runner::RngAlgorithm::ChaCha,
            rng_seed: proptest::test_runner::RngSeed::Fixed(0x5eed_0015),
            ..ProptestConfig::default()
        }
    }

    /// A SOCKS5 reply: mostly success, any code, any address type with a valid address.
    fn socks5_reply() -> impl Strategy<Value = Vec<u8>> {
        let rep = prop_oneof![4 => Just(0u8), 1 => any::<u8>()];
        let addr = prop_oneof![
            any::<[u8; 4]>().prop_map(|a| [&[1][..], &a].concat()),
            any::<[u8; 16]>().prop_map(|a| [&[4][..], &a].concat()),
            proptest::collection::vec(any::<u8>(), 0..=255).prop_map(|d| [
                &[3, d.len() as u8][..],
                &d
            ]
            .concat()),
        ];
        (rep, any::<u8>(), addr, any::<u16>()).prop_map(|(rep, rsv, addr, port)| {
            [&[5, rep, rsv][..], &addr, &port.to_be_bytes()].concat()
        })
    }

    /// An outcome in a comparable form.
    fn shown<T: fmt::Debug>(r: &Result<T, ProxyError>) -> String {
        format!("{r:?}")
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn socks5_parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse_socks5_reply(&bytes);
            let _ = parse_socks5_method(&bytes, true);
            let _ = parse_socks5_method(&bytes, false);
            let _ = parse_socks5_auth_reply(&bytes);
        }

        #[test]
        fn socks5_reply_prefixes_agree_with_the_whole(reply in socks5_reply()) {
            let whole = parse_socks5_reply(&reply);
            if reply[1] == 0 {
                prop_assert_eq!(shown(&whole), "Ok(Done(()))");
            }
            // Every prefix asks for more, within the reply, or already gives the final answer.
            for n in 0..reply.len() {
                match parse_socks5_reply(&reply[..n]) {
                    Ok(Step::NeedMore(total)) => prop_assert!(total > n && total <= reply.len()),
                    other => prop_assert_eq!(shown(&other), shown(&whole)),
                }
            }
        }

        #[test]
        fn connect_parser_never_panics(
            bytes in proptest::collection::vec(any::<u8>(), 0..600),
            max in 0usize..700,
        ) {
            let _ = parse_connect_response(&bytes, max);
        }

        #[test]
        fn connect_response_any_split(
            interim in any::<bool>(),
            code in prop_oneof![Just(200u16), Just(407), Just(403), 100u16..600],
            headers in proptest::collection::vec(("[A-Za-z-]{1,12}", "[ -~]{0,30}"), 0..6),
            trailing in proptest::collection::vec(any::<u8>(), 0..40),
            pieces in proptest::collection::vec(1usize..40, 1..10),
        ) {
            let mut input = Vec::new();
            if interim {
                input.extend_from_slice(b"HTTP/1.1 100 Continue\r\n\r\n");
            }
            input.extend_from_slice(format!("HTTP/1.1 {code} Reason\r\n").as_bytes());
            for (name, value) in &headers {
                input.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
            }
            input.extend_from_slice(b"\r\n");
            let head_len = input.len();
            input.extend(&trailing);
            let max = 16 << 10;
            let one = parse_connect_response(&input, max);
            if (200..300).contains(&code) {
                prop_assert_eq!(one.as_ref().ok(), Some(&Some(head_len)));
            }
            // Chunked reads that append to one buffer, as the tunnel does.
            let mut buf = Vec::new();
            let mut sizes = pieces.iter().copied().cycle();
            let split = loop {
                let take = sizes.next().unwrap().min(input.len() - buf.len());
                buf.extend_from_slice(&input[buf.len()..buf.len() + take]);
                match parse_connect_response(&buf, max) {
                    Ok(None) if buf.len() < input.len() => continue,
                    other => break other,
                }
            };
            prop_assert_eq!(shown(&split), shown(&one));
        }

        #[test]
        fn url_and_no_proxy_never_panic(s in "\\PC{0,40}", host in "\\PC{0,20}", port in any::<u16>()) {
            let _ = Proxy::parse(&s);
            let _ = no_proxy_matches(&s, &host, port);
        }
    }

    /// A name of exactly 255 bytes is the longest a SOCKS5 request carries: it passes.
    #[test]
    fn socks5h_takes_a_target_name_of_255_bytes() {
        let name = format!("{}.example", "a".repeat(247));
        assert_eq!(name.len(), 255);
        let target = parse_target(&format!("ws://{name}/"), false).unwrap();
        let socks5h = parse_ok("socks5h://s");
        assert!(route(Some(&socks5h), true, &target, env_of(&[])).is_ok());
    }

    /// A bracketed IPv6 entry of `NO_PROXY` without a port matches the address at any port.
    #[test]
    fn no_proxy_bracketed_ipv6_without_a_port() {
        assert!(no_proxy_matches("[::1]", "[::1]", 9001));
        assert!(no_proxy_matches("other, [::1]", "::1", 80));
        assert!(!no_proxy_matches("[::1]", "::2", 80));
    }

    /// Survivors of mutation testing: the refusals say why, and only an RFC 3986 scheme before
    /// "://" counts as the proxy's scheme.
    #[test]
    fn refusals_say_why_and_only_a_scheme_is_a_scheme() {
        for (scheme, why) in [
            ("https", "TLS"),
            ("socks4", "SOCKS4"),
            ("socks4a", "SOCKS4"),
        ] {
            let shown = BadProxy::UnsupportedScheme(scheme.into()).to_string();
            assert!(shown.contains(why), "{shown}");
        }
        assert!(!BadProxy::UnsupportedScheme("ftp".into())
            .to_string()
            .contains("supported)"));
        // Not schemes (a digit first, a `_`, a `:`): a scheme-less proxy whose URL goes on.
        for url in ["9x://proxy:3128", "a_b://proxy:3128"] {
            assert_eq!(
                Proxy::parse(url),
                Err(BadProxy::UnexpectedComponent("path")),
                "{url}"
            );
        }
        assert!(matches!(
            Proxy::parse("user:pa://ss@proxy:3128"),
            Err(BadProxy::Syntax(_))
        ));
    }
}
