//! What the reader thread reports: the events, the messages they carry, and the ready state.

use crate::error::Error;

/// The browser's `readyState`, with the same numeric values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ReadyState {
    /// 0: the connection is not yet open.
    Connecting = 0,
    /// 1: the connection is open and ready to communicate.
    Open = 1,
    /// 2: the closing handshake has started.
    Closing = 2,
    /// 3: the connection is closed or could not be opened.
    Closed = 3,
}

impl ReadyState {
    /// The state for a value 0–3; anything larger is [`ReadyState::Closed`].
    pub(crate) fn from_u8(v: u8) -> ReadyState {
        match v {
            0 => ReadyState::Connecting,
            1 => ReadyState::Open,
            2 => ReadyState::Closing,
            _ => ReadyState::Closed,
        }
    }
}

/// A complete message received from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A text message, valid UTF-8.
    Text(String),
    /// A binary message.
    Binary(Vec<u8>),
}

impl Message {
    /// The message's bytes, whatever its kind.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Message::Text(s) => s.as_bytes(),
            Message::Binary(b) => b,
        }
    }

    /// The payload length in bytes.
    pub fn len(&self) -> usize {
        self.as_bytes().len()
    }

    /// Whether the payload is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The text, if this is a text message.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Message::Text(s) => Some(s),
            Message::Binary(_) => None,
        }
    }

    /// The text, by value and without a copy, if this is a text message.
    pub fn into_text(self) -> Option<String> {
        match self {
            Message::Text(s) => Some(s),
            Message::Binary(_) => None,
        }
    }

    /// The message's bytes by value, without a copy, whatever its kind (a text message gives
    /// its UTF-8). Also `Vec::from(message)`.
    pub fn into_bytes(self) -> Vec<u8> {
        match self {
            Message::Text(s) => s.into_bytes(),
            Message::Binary(b) => b,
        }
    }

    /// Whether this is a text message.
    pub fn is_text(&self) -> bool {
        matches!(self, Message::Text(_))
    }

    /// Whether this is a binary message.
    pub fn is_binary(&self) -> bool {
        matches!(self, Message::Binary(_))
    }
}

impl From<Message> for Vec<u8> {
    /// [`Message::into_bytes`]: the bytes of either kind, without a copy.
    fn from(m: Message) -> Vec<u8> {
        m.into_bytes()
    }
}

impl TryFrom<Message> for String {
    /// A binary message, given back whole.
    type Error = Message;

    /// The text of a text message, without a copy; a binary message is given back as the
    /// error (see also [`Message::into_text`]).
    fn try_from(m: Message) -> Result<String, Message> {
        match m {
            Message::Text(s) => Ok(s),
            binary => Err(binary),
        }
    }
}

/// The browser's `CloseEvent`: how the connection ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseEvent {
    /// The close code the server sent, 1005 when its close frame had no body, 1006 when the
    /// connection ended without a close frame (or failed).
    pub code: u16,
    /// The reason the server gave, empty when none.
    pub reason: String,
    /// Whether the closing handshake completed: both sides sent a close frame.
    pub was_clean: bool,
}

/// Something that happened on a socket, in the order it happened.
///
/// Every socket yields exactly one [`Event::Close`], always the last; after it the channel
/// disconnects. An [`Event::Error`] comes only right before a `Close` with code 1006. The four
/// browser events are all there is unless you ask for more ([`Event::Pong`]); the enum may
/// grow, so a `match` needs a `_` arm.
#[derive(Debug)]
#[non_exhaustive]
pub enum Event {
    /// The opening handshake succeeded: the ready state is now OPEN.
    Open,
    /// A message arrived.
    Message(Message),
    /// The connection failed; a `Close` with code 1006 follows.
    Error(Error),
    /// The connection is closed; the ready state is CLOSED. Always the last event.
    Close(CloseEvent),
    /// A pong arrived: only with [`Builder::pong_events`](crate::Builder::pong_events).
    Pong(PongEvent),
}

/// A pong from the server, for [`Event::Pong`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PongEvent {
    /// The pong's payload: that of the ping it answers, for a well-behaved server.
    pub payload: Vec<u8>,
    /// The time from when our ping with the same payload was handed to the writer to when its
    /// pong was read; `None` for a pong that answers no ping of ours (unsolicited, or whose
    /// ping was forgotten after 16 more pings).
    pub round_trip: Option<std::time::Duration>,
}
