//! The opening handshake (RFC 6455 §4.1): the client's request and the checks on the reply.

use crate::error::HandshakeError;
use crate::target::Target;

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
}

/// Builds the request with a fresh 16-byte key from a CSPRNG.
pub(crate) fn request(
    _target: &Target,
    _protocols: &[String],
    _headers: &[(String, String)],
    _extensions: Option<&str>,
) -> Request {
    todo!()
}

/// Parses the reply in `input`: `Ok(None)` means more bytes are needed.
pub(crate) fn parse_response(
    _input: &[u8],
    _request: &Request,
    _offered_protocols: &[String],
    _offered_extensions: Option<&str>,
    _max_size: usize,
) -> Result<Option<Accepted>, HandshakeError> {
    todo!()
}
