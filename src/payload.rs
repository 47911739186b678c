//! What [`WebSocket::send`](crate::WebSocket::send) accepts: text or bytes, borrowed or owned.

use std::borrow::Cow;

/// Data to send: text goes out as a text message, bytes as a binary message.
///
/// You rarely name this type: `send` takes anything that converts into it, such as `&str`,
/// `String`, `&[u8]`, `Vec<u8>` or a received [`Message`](crate::Message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload<'a> {
    /// A text message.
    Text(Cow<'a, str>),
    /// A binary message.
    Binary(Cow<'a, [u8]>),
}

impl Payload<'_> {
    /// The bytes on the wire.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Payload::Text(t) => t.as_bytes(),
            Payload::Binary(b) => b,
        }
    }
}

impl<'a> From<&'a str> for Payload<'a> {
    fn from(s: &'a str) -> Self {
        Payload::Text(Cow::Borrowed(s))
    }
}

impl<'a> From<&'a String> for Payload<'a> {
    fn from(s: &'a String) -> Self {
        Payload::Text(Cow::Borrowed(s))
    }
}

impl From<String> for Payload<'_> {
    fn from(s: String) -> Self {
        Payload::Text(Cow::Owned(s))
    }
}

impl<'a> From<&'a [u8]> for Payload<'a> {
    fn from(b: &'a [u8]) -> Self {
        Payload::Binary(Cow::Borrowed(b))
    }
}

impl<'a, const N: usize> From<&'a [u8; N]> for Payload<'a> {
    fn from(b: &'a [u8; N]) -> Self {
        Payload::Binary(Cow::Borrowed(b))
    }
}

impl<'a> From<&'a Vec<u8>> for Payload<'a> {
    fn from(b: &'a Vec<u8>) -> Self {
        Payload::Binary(Cow::Borrowed(b))
    }
}

impl From<Vec<u8>> for Payload<'_> {
    fn from(b: Vec<u8>) -> Self {
        Payload::Binary(Cow::Owned(b))
    }
}

impl From<crate::Message> for Payload<'_> {
    fn from(m: crate::Message) -> Self {
        match m {
            crate::Message::Text(t) => Payload::Text(Cow::Owned(t)),
            crate::Message::Binary(b) => Payload::Binary(Cow::Owned(b)),
        }
    }
}

impl<'a> From<&'a crate::Message> for Payload<'a> {
    fn from(m: &'a crate::Message) -> Self {
        match m {
            crate::Message::Text(t) => Payload::Text(Cow::Borrowed(t)),
            crate::Message::Binary(b) => Payload::Binary(Cow::Borrowed(b)),
        }
    }
}
