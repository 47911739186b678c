//! The opening handshake (RFC 6455 §4.1): the client's request and the checks on the reply.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use rand::Rng as _;
use sha1::{Digest as _, Sha1};

use crate::error::HandshakeError;
use crate::proto::http::{self, MAX_HEADERS};
use crate::proto::url::Target;
use crate::response::Response;

/// The GUID that RFC 6455 §1.3 appends to the key before hashing it.
const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// The request to send, and what the reply must match.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    /// The HTTP/1.1 request, ready to write.
    pub(crate) bytes: Vec<u8>,
    /// The `Sec-WebSocket-Accept` value the server must answer with.
    pub(crate) expected_accept: String,
}

/// What an accepted reply settled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Accepted {
    /// The subprotocol the server chose, empty when none.
    pub(crate) protocol: String,
    /// The extensions the server selected, as it wrote them, empty when none.
    pub(crate) extensions: String,
    /// How many bytes of the input the reply took; what follows is frame data.
    pub(crate) len: usize,
    /// The reply's status line and headers, for the application.
    pub(crate) response: Response,
}

/// The `Sec-WebSocket-Accept` value for `key` (RFC 6455 §4.2.2): "the base64-encoded SHA-1 of
/// the concatenation of the |Sec-WebSocket-Key| (as a string, not base64-decoded) with the
/// string "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"".
pub(crate) fn accept_key(key: &str) -> String {
    let mut sha = Sha1::new();
    sha.update(key.as_bytes());
    sha.update(GUID.as_bytes());
    BASE64.encode(sha.finalize())
}

/// Builds the request with a fresh 16-byte key from a CSPRNG.
///
/// RFC 6455 §4.1: "The request MUST include a header field with the name |Sec-WebSocket-Key|.
/// The value of this header field MUST be a nonce consisting of a randomly selected 16-byte
/// value that has been base64-encoded". `rand::rng()` is a ChaCha-based CSPRNG.
pub(crate) fn request(
    target: &Target,
    protocols: &[String],
    headers: &[(String, String)],
    extensions: Option<&str>,
) -> Request {
    let nonce: [u8; 16] = rand::rng().random();
    let key = BASE64.encode(nonce);
    let expected_accept = accept_key(&key);

    let extensions = extensions.filter(|e| !e.is_empty());
    let protocols_len: usize = protocols.iter().map(|p| p.len() + 2).sum();
    let headers_len: usize = headers.iter().map(|(n, v)| n.len() + v.len() + 4).sum();
    let capacity = 160
        + target.resource.len()
        + target.host_header.len()
        + key.len()
        + protocols_len
        + extensions.map_or(0, |e| e.len() + 30)
        + headers_len;

    let mut bytes = Vec::with_capacity(capacity);
    let mut put = |s: &str| bytes.extend_from_slice(s.as_bytes());
    // RFC 6455 §4.1: "The handshake MUST be a valid HTTP request as specified by [RFC2616]. The
    // method of the request MUST be GET, and the HTTP version MUST be at least 1.1."
    put("GET ");
    put(&target.resource);
    put(" HTTP/1.1\r\nHost: ");
    put(&target.host_header);
    put("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ");
    put(&key);
    put("\r\nSec-WebSocket-Version: 13\r\n");
    if !protocols.is_empty() {
        put("Sec-WebSocket-Protocol: ");
        for (i, p) in protocols.iter().enumerate() {
            if i > 0 {
                put(", ");
            }
            put(p);
        }
        put("\r\n");
    }
    if let Some(ext) = extensions {
        put("Sec-WebSocket-Extensions: ");
        put(ext);
        put("\r\n");
    }
    for (name, value) in headers {
        put(name);
        put(": ");
        put(value);
        put("\r\n");
    }
    put("\r\n");
    debug_assert!(bytes.len() <= capacity, "capacity estimate too small");

    Request {
        bytes,
        expected_accept,
    }
}

/// Parses the reply in `input`: `Ok(None)` means more bytes are needed.
///
/// Only the head is consumed: [`Accepted::len`] tells where frame data begins.
pub(crate) fn parse_response(
    input: &[u8],
    request: &Request,
    offered_protocols: &[String],
    offered_extensions: Option<&str>,
    max_size: usize,
) -> Result<Option<Accepted>, HandshakeError> {
    let too_large = HandshakeError::TooLarge { limit: max_size };
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut headers);
    let len = match response.parse(input) {
        Ok(httparse::Status::Partial) => {
            return if input.len() >= max_size {
                Err(too_large)
            } else {
                Ok(None)
            };
        }
        Ok(httparse::Status::Complete(len)) => len,
        Err(httparse::Error::TooManyHeaders) => return Err(too_large),
        Err(e) => return Err(HandshakeError::Malformed(e.to_string())),
    };
    if len > max_size {
        return Err(too_large);
    }
    let headers = Headers(response.headers);

    if response.version != Some(1) {
        return Err(HandshakeError::Malformed(format!(
            "HTTP/1.{} response, expected HTTP/1.1",
            response.version.unwrap_or(0)
        )));
    }

    // RFC 6455 §4.1: "If the status code received from the server is not 101, the client
    // handles the response per HTTP [RFC2616] procedures." Redirects are not followed; the
    // response is kept for the application, and the I/O edge reads its body (see `http`).
    if response.code != Some(101) {
        return Err(HandshakeError::Status(Box::new(http::response(&response))));
    }

    // "If the response lacks an |Upgrade| header field or the |Upgrade| header field contains
    // a value that is not an ASCII case-insensitive match for the value "websocket", the client
    // MUST _Fail the WebSocket Connection_."
    if !headers.has_token("Upgrade", "websocket")? {
        return Err(HandshakeError::MissingUpgrade);
    }

    // "If the response lacks a |Connection| header field or the |Connection| header field
    // doesn't contain a token that is an ASCII case-insensitive match for the value "Upgrade",
    // the client MUST _Fail the WebSocket Connection_."
    if !headers.has_token("Connection", "upgrade")? {
        return Err(HandshakeError::MissingConnection);
    }

    // "If the response lacks a |Sec-WebSocket-Accept| header field or the
    // |Sec-WebSocket-Accept| contains a value other than the base64-encoded SHA-1 of the
    // concatenation of the |Sec-WebSocket-Key| (as a string, not base64-decoded) with the string
    // "258EAFA5-E914-47DA-95CA-C5AB0DC85B11" but ignoring any leading and trailing whitespace,
    // the client MUST _Fail the WebSocket Connection_."
    let mut accepts = 0usize;
    for value in headers.values("Sec-WebSocket-Accept")? {
        if trim_ows(value) != request.expected_accept {
            return Err(HandshakeError::BadAccept);
        }
        accepts += 1;
    }
    if accepts == 0 {
        return Err(HandshakeError::BadAccept);
    }

    // "If the response includes a |Sec-WebSocket-Protocol| header field and this header field
    // indicates the use of a subprotocol that was not present in the client's handshake (the
    // server has indicated a subprotocol not requested by the client), the client MUST _Fail
    // the WebSocket Connection_." Several headers count as one comma-separated list.
    let chosen: Vec<&str> = headers
        .values("Sec-WebSocket-Protocol")?
        .map(trim_ows)
        .collect();
    let protocol = match chosen.as_slice() {
        [] if offered_protocols.is_empty() => String::new(),
        [] => return Err(HandshakeError::MissingProtocol),
        [one] if offered_protocols.iter().any(|p| p == one) => (*one).to_owned(),
        many => return Err(HandshakeError::UnofferedProtocol(many.join(", "))),
    };

    // "If the response includes a |Sec-WebSocket-Extensions| header field and this header field
    // indicates the use of an extension that was not present in the client's handshake (the
    // server has indicated an extension not requested by the client), the client MUST _Fail
    // the WebSocket Connection_."
    let offered: Vec<&str> = offered_extensions
        .map(|o| extension_names(o).collect())
        .unwrap_or_default();
    let mut selected: Vec<&str> = Vec::new();
    for value in headers.values("Sec-WebSocket-Extensions")? {
        let value = trim_ows(value);
        if value.is_empty() {
            continue;
        }
        if let Some(name) = extension_names(value).find(|n| !offered.contains(n)) {
            return Err(HandshakeError::UnofferedExtension(name.to_owned()));
        }
        selected.push(value);
    }

    Ok(Some(Accepted {
        protocol,
        extensions: selected.join(", "),
        len,
        response: http::response(&response),
    }))
}

/// The parsed header lines of a reply, looked up by case-insensitive name.
struct Headers<'h, 'b>(&'h [httparse::Header<'b>]);

impl<'h, 'b> Headers<'h, 'b> {
    /// The values of every header named `name` (ASCII case-insensitive), in order; the first
    /// value that is not UTF-8 makes the whole lookup [`HandshakeError::Malformed`].
    fn values(
        &self,
        name: &'static str,
    ) -> Result<impl Iterator<Item = &'b str> + 'h, HandshakeError> {
        let matching = self
            .0
            .iter()
            .filter(move |h| h.name.eq_ignore_ascii_case(name));
        for h in matching.clone() {
            if std::str::from_utf8(h.value).is_err() {
                return Err(HandshakeError::Malformed(format!(
                    "{} header is not UTF-8",
                    h.name
                )));
            }
        }
        Ok(matching.filter_map(|h| std::str::from_utf8(h.value).ok()))
    }

    /// Whether any header named `name` lists `token` (ASCII case-insensitive) among its
    /// comma-separated elements.
    fn has_token(&self, name: &'static str, token: &str) -> Result<bool, HandshakeError> {
        Ok(self.values(name)?.any(|v| {
            v.split(',')
                .any(|t| trim_ows(t).eq_ignore_ascii_case(token))
        }))
    }
}

/// `s` without leading and trailing optional whitespace (SP and HTAB, RFC 7230 §3.2.3).
fn trim_ows(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

/// The extension names in a `Sec-WebSocket-Extensions` value (RFC 6455 §9.1): for each
/// comma-separated entry, the token before any `;`. Commas inside quoted parameter values do
/// not split entries; empty entries are skipped.
fn extension_names(value: &str) -> impl Iterator<Item = &str> {
    split_outside_quotes(value)
        .map(|entry| trim_ows(entry.split(';').next().unwrap_or("")))
        .filter(|name| !name.is_empty())
}

/// Splits `value` at commas that are not inside a quoted-string (with backslash escapes).
fn split_outside_quotes(value: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(value);
    std::iter::from_fn(move || {
        let s = rest?;
        let (mut quoted, mut escaped) = (false, false);
        for (i, c) in s.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' if quoted => escaped = true,
                '"' => quoted = !quoted,
                ',' if !quoted => {
                    rest = Some(&s[i + 1..]);
                    return Some(&s[..i]);
                }
                _ => {}
            }
        }
        rest = None;
        Some(s)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const RFC_KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
    const RFC_ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
    const MAX: usize = 8192;

    fn target() -> Target {
        Target {
            url: url::Url::parse("ws://example.com:9001/chat?x=1").unwrap(),
            secure: false,
            host: "example.com".into(),
            port: 9001,
            host_header: "example.com:9001".into(),
            resource: "/chat?x=1".into(),
        }
    }

    /// A request whose key is the RFC's example, so replies can use [`RFC_ACCEPT`].
    fn rfc_request() -> Request {
        Request {
            bytes: Vec::new(),
            expected_accept: accept_key(RFC_KEY),
        }
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    /// A valid 101 head with `extra` header lines (each ending in CRLF) before the blank line.
    fn reply(extra: &str) -> String {
        format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {RFC_ACCEPT}\r\n{extra}\r\n"
        )
    }

    fn parse(
        input: &str,
        protocols: &[&str],
        extensions: Option<&str>,
    ) -> Result<Option<Accepted>, HandshakeError> {
        parse_response(
            input.as_bytes(),
            &rfc_request(),
            &strings(protocols),
            extensions,
            MAX,
        )
    }

    fn lines(req: &Request) -> Vec<String> {
        let text = String::from_utf8(req.bytes.clone()).unwrap();
        assert!(
            text.ends_with("\r\n\r\n"),
            "request must end with a blank line"
        );
        text[..text.len() - 4]
            .split("\r\n")
            .map(str::to_owned)
            .collect()
    }

    fn key_of(req: &Request) -> String {
        lines(req)
            .iter()
            .find_map(|l| l.strip_prefix("Sec-WebSocket-Key: ").map(str::to_owned))
            .expect("a Sec-WebSocket-Key line")
    }

    #[test]
    fn accept_key_matches_rfc_example() {
        assert_eq!(accept_key(RFC_KEY), RFC_ACCEPT);
    }

    #[test]
    fn request_has_exact_lines_in_order() {
        let req = request(&target(), &[], &[], None);
        let key = key_of(&req);
        assert_eq!(
            lines(&req),
            vec![
                "GET /chat?x=1 HTTP/1.1".to_owned(),
                "Host: example.com:9001".to_owned(),
                "Upgrade: websocket".to_owned(),
                "Connection: Upgrade".to_owned(),
                format!("Sec-WebSocket-Key: {key}"),
                "Sec-WebSocket-Version: 13".to_owned(),
            ]
        );
        assert_eq!(req.expected_accept, accept_key(&key));
        let text = String::from_utf8(req.bytes).unwrap();
        assert!(!text.contains("Sec-WebSocket-Protocol"));
        assert!(!text.contains("Sec-WebSocket-Extensions"));
    }

    #[test]
    fn request_with_protocols_extensions_and_headers() {
        let headers = vec![
            ("Origin".to_owned(), "http://example.com".to_owned()),
            ("X-Token".to_owned(), "abc def".to_owned()),
        ];
        let req = request(
            &target(),
            &strings(&["chat", "superchat"]),
            &headers,
            Some("permessage-deflate; client_max_window_bits"),
        );
        let key = key_of(&req);
        assert_eq!(
            lines(&req),
            vec![
                "GET /chat?x=1 HTTP/1.1".to_owned(),
                "Host: example.com:9001".to_owned(),
                "Upgrade: websocket".to_owned(),
                "Connection: Upgrade".to_owned(),
                format!("Sec-WebSocket-Key: {key}"),
                "Sec-WebSocket-Version: 13".to_owned(),
                "Sec-WebSocket-Protocol: chat, superchat".to_owned(),
                "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits".to_owned(),
                "Origin: http://example.com".to_owned(),
                "X-Token: abc def".to_owned(),
            ]
        );
    }

    #[test]
    fn request_omits_empty_extensions() {
        let req = request(&target(), &[], &[], Some(""));
        assert!(!String::from_utf8(req.bytes).unwrap().contains("Extensions"));
    }

    #[test]
    fn request_capacity_is_enough() {
        let headers = vec![("X-Long".to_owned(), "v".repeat(1000))];
        let req = request(&target(), &strings(&["a"; 50]), &headers, Some("e; p=1"));
        assert!(req.bytes.capacity() >= req.bytes.len());
        assert!(
            req.bytes.capacity() < req.bytes.len() + 512,
            "estimate too loose"
        );
    }

    /// The capacity estimate is tight: every part of the request counts once, so that the
    /// buffer is allocated once and not much larger than the request.
    #[test]
    fn request_capacity_is_tight() {
        let long = Target {
            url: url::Url::parse("ws://example.com/").unwrap(),
            secure: false,
            host: "h".repeat(200),
            port: 80,
            host_header: "h".repeat(200),
            resource: format!("/{}", "r".repeat(300)),
        };
        let protocols: Vec<String> = (0..20).map(|i| format!("protocol{i:02}")).collect();
        let headers: Vec<(String, String)> = (0..20)
            .map(|i| (format!("X-Header-{i:02}"), "v".repeat(20)))
            .collect();
        let extensions = format!("permessage-deflate; {}", "x".repeat(100));
        for req in [
            request(&long, &protocols, &headers, Some(&extensions)),
            request(&long, &[], &[], None),
            request(&target(), &[], &[], None),
        ] {
            let (len, capacity) = (req.bytes.len(), req.bytes.capacity());
            assert!(
                len <= capacity && capacity <= len + 64,
                "{len} bytes in {capacity}"
            );
        }
    }

    /// A backslash escapes the next character inside a quoted value only: an escaped quote
    /// does not end the value, and outside quotes a backslash is a character like another.
    #[test]
    fn extension_names_with_escapes() {
        let names: Vec<&str> = extension_names(r#"a; p="x\",y", b"#).collect();
        assert_eq!(names, ["a", "b"]);
        let names: Vec<&str> = extension_names(r#"a; p="x\\", b"#).collect();
        assert_eq!(names, ["a", "b"]);
        let names: Vec<&str> = extension_names(r"x\, y").collect();
        assert_eq!(names, [r"x\", "y"]);
    }

    #[test]
    fn keys_are_fresh_and_16_bytes() {
        let a = key_of(&request(&target(), &[], &[], None));
        let b = key_of(&request(&target(), &[], &[], None));
        assert_ne!(a, b);
        for k in [&a, &b] {
            assert_eq!(BASE64.decode(k).unwrap().len(), 16);
            assert_eq!(k.len(), 24);
        }
    }

    #[test]
    fn request_round_trips_with_its_own_accept() {
        let req = request(&target(), &[], &[], None);
        let head = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {}\r\n\r\n",
            accept_key(&key_of(&req))
        );
        let got = parse_response(head.as_bytes(), &req, &[], None, MAX).unwrap();
        assert_eq!(got.unwrap().len, head.len());
    }

    #[test]
    fn valid_reply_with_trailing_frame_bytes() {
        let head = reply("");
        let mut input = head.clone().into_bytes();
        input.extend_from_slice(&[0x81, 0x02, b'h', b'i']);
        let got = parse_response(&input, &rfc_request(), &[], None, MAX)
            .unwrap()
            .unwrap();
        assert_eq!(
            (got.protocol.as_str(), got.extensions.as_str(), got.len),
            ("", "", head.len())
        );
        assert_eq!(got.response.status(), 101);
        assert_eq!(
            got.response.header("sec-websocket-accept"),
            Some(RFC_ACCEPT)
        );
        assert_eq!(got.response.headers().count(), 3);
        assert_eq!(got.response.body(), b"");
        assert_eq!(&input[head.len()..], &[0x81, 0x02, b'h', b'i']);
    }

    #[test]
    fn partial_reply_needs_more() {
        let head = reply("");
        assert_eq!(parse(&head[..head.len() - 1], &[], None), Ok(None));
        assert_eq!(parse("", &[], None), Ok(None));
    }

    #[test]
    fn case_insensitive_names_and_values() {
        let input = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUPGRADE: WebSocket\r\n\
             connection: keep-alive, Upgrade\r\nsec-websocket-accept:  {RFC_ACCEPT}\t\r\n\r\n"
        );
        assert!(parse(&input, &[], None).unwrap().is_some());
    }

    #[test]
    fn connection_token_in_second_header_and_upgrade_list() {
        let input = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c, websocket\r\n\
             Connection: keep-alive\r\nConnection: upgrade\r\n\
             Sec-WebSocket-Accept: {RFC_ACCEPT}\r\n\r\n"
        );
        assert!(parse(&input, &[], None).unwrap().is_some());
    }

    #[test]
    fn missing_or_wrong_upgrade() {
        let base = |upgrade: &str| {
            format!(
                "HTTP/1.1 101 Switching Protocols\r\n{upgrade}Connection: Upgrade\r\n\
                 Sec-WebSocket-Accept: {RFC_ACCEPT}\r\n\r\n"
            )
        };
        for up in [
            "",
            "Upgrade: h2c\r\n",
            "Upgrade: websocketx\r\n",
            "Upgrade:\r\n",
        ] {
            assert_eq!(
                parse(&base(up), &[], None),
                Err(HandshakeError::MissingUpgrade),
                "{up:?}"
            );
        }
    }

    #[test]
    fn missing_or_wrong_connection() {
        let base = |conn: &str| {
            format!(
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n{conn}\
                 Sec-WebSocket-Accept: {RFC_ACCEPT}\r\n\r\n"
            )
        };
        for c in ["", "Connection: keep-alive\r\n", "Connection: upgraded\r\n"] {
            assert_eq!(
                parse(&base(c), &[], None),
                Err(HandshakeError::MissingConnection),
                "{c:?}"
            );
        }
    }

    #[test]
    fn bad_accept() {
        let base = |acc: &str| {
            format!(
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
                 Connection: Upgrade\r\n{acc}\r\n"
            )
        };
        let wrong = accept_key("AAAAAAAAAAAAAAAAAAAAAA==");
        let cases = [
            String::new(),
            format!("Sec-WebSocket-Accept: {wrong}\r\n"),
            format!("Sec-WebSocket-Accept: {RFC_ACCEPT}\r\nSec-WebSocket-Accept: {wrong}\r\n"),
            format!("Sec-WebSocket-Accept: {wrong}\r\nSec-WebSocket-Accept: {RFC_ACCEPT}\r\n"),
            format!("Sec-WebSocket-Accept: {}\r\n", RFC_ACCEPT.to_lowercase()),
        ];
        for c in &cases {
            assert_eq!(
                parse(&base(c), &[], None),
                Err(HandshakeError::BadAccept),
                "{c:?}"
            );
        }
        // The same value twice is still the right value.
        let twice =
            format!("Sec-WebSocket-Accept: {RFC_ACCEPT}\r\nSec-WebSocket-Accept: {RFC_ACCEPT}\r\n");
        assert!(parse(&base(&twice), &[], None).unwrap().is_some());
    }

    #[test]
    fn protocol_chosen_among_offered() {
        let input = reply("Sec-WebSocket-Protocol: superchat\r\n");
        let got = parse(&input, &["chat", "superchat"], None)
            .unwrap()
            .unwrap();
        assert_eq!(got.protocol, "superchat");
    }

    #[test]
    fn protocol_errors() {
        let offered = ["chat", "superchat"];
        assert_eq!(
            parse(&reply(""), &offered, None),
            Err(HandshakeError::MissingProtocol)
        );
        assert_eq!(
            parse(&reply("Sec-WebSocket-Protocol: other\r\n"), &offered, None),
            Err(HandshakeError::UnofferedProtocol("other".into()))
        );
        assert_eq!(
            parse(&reply("Sec-WebSocket-Protocol: Chat\r\n"), &offered, None),
            Err(HandshakeError::UnofferedProtocol("Chat".into()))
        );
        assert_eq!(
            parse(
                &reply("Sec-WebSocket-Protocol: chat, superchat\r\n"),
                &offered,
                None
            ),
            Err(HandshakeError::UnofferedProtocol("chat, superchat".into()))
        );
        assert_eq!(
            parse(
                &reply("Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: chat\r\n"),
                &offered,
                None
            ),
            Err(HandshakeError::UnofferedProtocol("chat, chat".into()))
        );
        assert_eq!(
            parse(&reply("Sec-WebSocket-Protocol: chat\r\n"), &[], None),
            Err(HandshakeError::UnofferedProtocol("chat".into()))
        );
    }

    #[test]
    fn extensions_accepted_and_joined() {
        let offered = Some("permessage-deflate; client_max_window_bits, x-foo");
        let input = reply(
            "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=10 \r\n\
             Sec-WebSocket-Extensions: x-foo; a=\"1,2\"\r\n",
        );
        let got = parse(&input, &[], offered).unwrap().unwrap();
        assert_eq!(
            got.extensions,
            "permessage-deflate; server_max_window_bits=10, x-foo; a=\"1,2\""
        );
        let empty = parse(&reply("Sec-WebSocket-Extensions: \r\n"), &[], None).unwrap();
        assert_eq!(empty.unwrap().extensions, "");
    }

    #[test]
    fn extension_errors() {
        assert_eq!(
            parse(
                &reply("Sec-WebSocket-Extensions: permessage-deflate\r\n"),
                &[],
                None
            ),
            Err(HandshakeError::UnofferedExtension(
                "permessage-deflate".into()
            ))
        );
        assert_eq!(
            parse(
                &reply("Sec-WebSocket-Extensions: x-foo, x-bar; p\r\n"),
                &[],
                Some("x-foo")
            ),
            Err(HandshakeError::UnofferedExtension("x-bar".into()))
        );
        assert_eq!(
            parse(
                &reply("Sec-WebSocket-Extensions: x-foo\r\nSec-WebSocket-Extensions: x-baz\r\n"),
                &[],
                Some("x-foo; p=1, x-bar")
            ),
            Err(HandshakeError::UnofferedExtension("x-baz".into()))
        );
    }

    /// The response of a refusal, or a panic.
    fn refused(input: &str) -> Response {
        match parse(input, &[], None) {
            Err(HandshakeError::Status(r)) => *r,
            other => panic!("{input:?}: expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn redirects_and_other_statuses() {
        for code in [301u16, 302] {
            let input = format!("HTTP/1.1 {code} Moved\r\nLocation: ws://other.example/ \r\n\r\n");
            let r = refused(&input);
            assert_eq!((r.status(), r.reason()), (code, "Moved"));
            assert_eq!(r.location(), Some("ws://other.example/"));
        }
        let r = refused("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        assert_eq!((r.status(), r.location()), (200, None));
        let r = refused(
            "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\nContent-Length: 13\r\n\r\nmissing",
        );
        assert_eq!(r.header("www-authenticate"), Some("Bearer"));
        assert_eq!(r.body(), b"", "the body is the I/O edge's to read");
    }

    #[test]
    fn malformed_replies() {
        for input in [
            "HTTP/1.0 101 Switching Protocols\r\n\r\n",
            "HTTP/2 101 Switching Protocols\r\n\r\n",
            "GET / HTTP/1.1\r\n\r\n",
            "HTTP/1.1 abc Oops\r\n\r\n",
            "HTTP/1.1 101 Switching\r\nBad Header\r\n\r\n",
        ] {
            assert!(
                matches!(parse(input, &[], None), Err(HandshakeError::Malformed(_))),
                "{input:?}"
            );
        }
        let mut bytes = reply("").into_bytes();
        let at = bytes.len() - 2;
        bytes.splice(at..at, b"Sec-WebSocket-Protocol: \xff\r\n".iter().copied());
        assert!(matches!(
            parse_response(&bytes, &rfc_request(), &strings(&["a"]), None, MAX),
            Err(HandshakeError::Malformed(_))
        ));
    }

    #[test]
    fn too_large_partial_and_complete() {
        let limit = 256;
        let giant = format!("X-Giant: {}\r\n", "a".repeat(400));
        let complete = reply(&giant);
        let err = HandshakeError::TooLarge { limit };
        let run = |b: &[u8]| parse_response(b, &rfc_request(), &[], None, limit);
        assert_eq!(run(complete.as_bytes()), Err(err.clone()));
        let partial = &complete.as_bytes()[..300];
        assert_eq!(run(partial), Err(err.clone()));
        // Below the limit a partial head is just incomplete.
        assert_eq!(run(&complete.as_bytes()[..200]), Ok(None));
        // A reply exactly at the limit is fine.
        let ok = reply("");
        assert!(
            parse_response(ok.as_bytes(), &rfc_request(), &[], None, ok.len())
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn too_many_headers_is_too_large() {
        let extra: String = (0..MAX_HEADERS).map(|i| format!("X-{i}: v\r\n")).collect();
        assert_eq!(
            parse(&reply(&extra), &[], None),
            Err(HandshakeError::TooLarge { limit: MAX })
        );
    }

    #[test]
    fn extension_name_parsing() {
        let names: Vec<&str> = extension_names(" a ; p=\"x,y\" , , b;q, c\t").collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(extension_names("").count(), 0);
    }

    /// A random but valid reply: header-name case, extra headers, optional protocol.
    fn valid_reply() -> impl Strategy<Value = (String, Vec<String>)> {
        (
            any::<bool>(),
            proptest::collection::vec(("[A-Za-z][A-Za-z0-9-]{0,12}", "[ -~]{0,40}"), 0..6),
            proptest::option::of("[a-z]{1,8}"),
        )
            .prop_map(|(upper, extra, protocol)| {
                let name = |n: &str| {
                    if upper {
                        n.to_uppercase()
                    } else {
                        n.to_owned()
                    }
                };
                let mut extra_lines: String = extra
                    .iter()
                    .map(|(n, v)| format!("X-{n}: {}\r\n", v.trim()))
                    .collect();
                let offered = match &protocol {
                    Some(p) => {
                        extra_lines
                            .push_str(&format!("{}: {p}\r\n", name("Sec-WebSocket-Protocol")));
                        vec![p.clone()]
                    }
                    None => Vec::new(),
                };
                let head = format!(
                    "HTTP/1.1 101 Switching Protocols\r\n{}: websocket\r\n{}: Upgrade\r\n\
                     {}: {RFC_ACCEPT}\r\n{extra_lines}\r\n",
                    name("Upgrade"),
                    name("Connection"),
                    name("Sec-WebSocket-Accept"),
                );
                (head, offered)
            })
    }

    proptest! {
        #![proptest_config(crate::proto::testing::deterministic(512, 4))]

        #[test]
        fn every_strict_prefix_needs_more(
            (head, offered) in valid_reply(),
            frame in proptest::collection::vec(any::<u8>(), 0..16),
        ) {
            let req = rfc_request();
            let bytes = head.as_bytes();
            for cut in 0..bytes.len() {
                prop_assert_eq!(
                    parse_response(&bytes[..cut], &req, &offered, None, MAX),
                    Ok(None),
                    "cut at {}", cut
                );
            }
            let mut whole = bytes.to_vec();
            whole.extend_from_slice(&frame);
            let got = parse_response(&whole, &req, &offered, None, MAX).unwrap().unwrap();
            prop_assert_eq!(got.len, bytes.len());
            prop_assert_eq!(got.protocol, offered.first().cloned().unwrap_or_default());
        }

        #[test]
        fn arbitrary_bytes_never_panic(
            bytes in proptest::collection::vec(any::<u8>(), 0..600),
            max in 0usize..1024,
        ) {
            let _ = parse_response(&bytes, &rfc_request(), &strings(&["a"]), Some("x; y"), max);
        }

        #[test]
        fn arbitrary_headers_never_panic(
            lines in proptest::collection::vec(
                (
                    prop_oneof![
                        Just("Upgrade"), Just("Connection"), Just("Sec-WebSocket-Accept"),
                        Just("Sec-WebSocket-Protocol"), Just("Sec-WebSocket-Extensions"),
                        Just("Location"),
                    ],
                    proptest::collection::vec(any::<u8>(), 0..40),
                ),
                0..8,
            ),
            code in prop_oneof![Just(101u16), 100u16..600],
        ) {
            let mut input = format!("HTTP/1.1 {code} X\r\n").into_bytes();
            for (name, value) in &lines {
                input.extend_from_slice(name.as_bytes());
                input.extend_from_slice(b": ");
                input.extend_from_slice(value);
                input.extend_from_slice(b"\r\n");
            }
            input.extend_from_slice(b"\r\n");
            let _ = parse_response(&input, &rfc_request(), &strings(&["a", "b"]), Some("x, y; p"), MAX);
        }
    }
}
