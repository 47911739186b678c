//! The server's HTTP response to the opening handshake, as the application may read it: in a
//! refusal ([`HandshakeError::Status`](crate::HandshakeError::Status)) and after a successful
//! upgrade ([`WebSocket::handshake_response`](crate::WebSocket::handshake_response)).

use std::borrow::Cow;

/// The server's HTTP response to the opening handshake: its status, its headers and, when it
/// refused the upgrade, the start of its body.
///
/// A refusal carries it in [`HandshakeError::Status`](crate::HandshakeError::Status), with the
/// body the server sent (say, why a token was refused), read up to a limit; after a successful
/// upgrade [`WebSocket::handshake_response`](crate::WebSocket::handshake_response) gives the
/// `101` response and its headers (say, `Set-Cookie`), with no body.
///
/// ```no_run
/// use wsync::{Error, HandshakeError};
/// match wsync::WebSocket::connect("ws://127.0.0.1:9001/private") {
///     Err(Error::Handshake(HandshakeError::Status(response))) => {
///         eprintln!("refused with {}", response.status());
///         if let Some(challenge) = response.header("WWW-Authenticate") {
///             eprintln!("the server asks for {challenge}");
///         }
///         eprintln!("it says: {}", response.body_text());
///     }
///     Err(e) => eprintln!("failed: {e}"),
///     Ok(ws) => {
///         for cookie in ws.handshake_response().unwrap().header_values("Set-Cookie") {
///             println!("cookie: {cookie}");
///         }
///     }
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    status: u16,
    reason: String,
    /// Names as the server wrote them, values without surrounding whitespace, in order.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    /// A response with these status line and headers, and no body yet.
    pub(crate) fn new(status: u16, reason: String, headers: Vec<(String, String)>) -> Response {
        Response {
            status,
            reason,
            headers,
            body: Vec::new(),
        }
    }

    /// Sets the body, as read.
    pub(crate) fn set_body(&mut self, body: Vec<u8>) {
        self.body = body;
    }

    /// The status code: 101 for an accepted upgrade, anything else for a refusal.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The reason phrase of the status line, such as `Unauthorized` (possibly empty).
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// Every header, in the order the server sent them: name as written, value without
    /// surrounding whitespace. A value that is not UTF-8 is decoded lossily.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.headers.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// The value of the first header named `name`, compared ignoring ASCII case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The values of every header named `name` (compared ignoring ASCII case), in order: for
    /// the headers a server may repeat, such as `Set-Cookie`.
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The `Location` header, where a redirect points; wsync does not follow redirects.
    pub fn location(&self) -> Option<&str> {
        self.header("Location")
    }

    /// The body of a refusal, as far as it was read: up to
    /// [`max_response_size`](crate::Builder::max_response_size) bytes, within the handshake
    /// timeout, ending where its `Content-Length` or its chunked encoding ends it, or where the
    /// server closed the connection. Empty for a `101` response.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// [`Response::body`] as text, decoded lossily if it is not UTF-8.
    pub fn body_text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_looked_up_ignoring_case_and_in_order() {
        let mut r = Response::new(
            401,
            "Unauthorized".into(),
            vec![
                ("Set-Cookie".into(), "a=1".into()),
                ("WWW-Authenticate".into(), "Bearer".into()),
                ("set-cookie".into(), "b=2".into()),
            ],
        );
        r.set_body(b"missing token\xff".to_vec());
        assert_eq!((r.status(), r.reason()), (401, "Unauthorized"));
        assert_eq!(r.header("www-authenticate"), Some("Bearer"));
        assert_eq!(r.header("Location"), None);
        assert_eq!(r.location(), None);
        assert_eq!(r.header("SET-COOKIE"), Some("a=1"));
        assert_eq!(
            r.header_values("Set-Cookie").collect::<Vec<_>>(),
            ["a=1", "b=2"]
        );
        assert_eq!(r.headers().count(), 3);
        assert_eq!(r.body(), b"missing token\xff");
        assert_eq!(r.body_text(), "missing token\u{fffd}");
    }
}
