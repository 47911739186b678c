//! The receive side of the protocol, sans I/O: bytes in, messages and control frames out.
//!
//! The decoder turns the server's byte stream into [`Item`]s, enforcing the framing rules of
//! RFC 6455 §5 and the configured limits. It never touches a socket and never allocates for
//! data: message payloads go into a buffer the caller owns (the *sink*), where the message being
//! assembled is always the sink's tail. It reports "need more bytes" by consuming its whole input
//! without an item.

use crate::error::ProtocolError;
use crate::proto::close::decode_close_payload;
use crate::proto::deflate::Inflater;
use crate::proto::frame::{opcode, parse_header, FrameHeader, MAX_HEADER_LEN};
use crate::proto::utf8::Utf8Validator;

/// What the decoder found in the byte stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Item {
    /// A complete data message: the last `len` bytes of the sink. Text is valid UTF-8.
    Message {
        /// Whether this is a text message.
        text: bool,
        /// The payload length.
        len: usize,
    },
    /// A ping, with its payload (at most 125 bytes).
    Ping(Vec<u8>),
    /// A pong, with its payload (at most 125 bytes), to match it with our ping.
    Pong(Vec<u8>),
    /// A close frame: the code and reason, or `None` for an empty body (reported as 1005).
    Close(Option<(u16, String)>),
}

/// A data message being assembled from its fragments, at the tail of the sink.
#[derive(Debug)]
struct Partial {
    text: bool,
    /// The message is compressed (RSV1 on its first frame, RFC 7692 §6): its frames' payloads
    /// go through the inflater, and `len` counts inflated bytes.
    compressed: bool,
    /// How many payload bytes the sink holds so far.
    len: u64,
    utf8: Utf8Validator,
}

/// RSV1 in [`FrameHeader::rsv`]: permessage-deflate's "Per-Message Compressed" bit.
const RSV1: u8 = 0b100;

impl Partial {
    /// Counts `bytes` of payload (inflated, for a compressed message) just added to the
    /// message, checking text as it comes: invalid UTF-8 fails fast.
    fn took(&mut self, bytes: &[u8]) -> Result<(), ProtocolError> {
        if self.text {
            self.utf8
                .feed(bytes)
                .map_err(|_| ProtocolError::InvalidUtf8)?;
        }
        self.len += bytes.len() as u64;
        Ok(())
    }
}

/// Inflates `input`, a piece of a compressed message's payload, into `sink`, or with `None` ends
/// the message (RFC 7692 §7.2.2: the receiver appends `00 00 FF FF` and inflates); counts what
/// was appended for the message, its UTF-8 checked as it comes.
fn inflate(
    inflater: Option<&mut Inflater>,
    partial: &mut Partial,
    input: Option<&[u8]>,
    sink: &mut Vec<u8>,
    limit: usize,
) -> Result<(), ProtocolError> {
    let inflater = inflater.expect("RSV1 is allowed only with an inflater");
    let from = sink.len();
    match input {
        Some(bytes) => inflater.inflate(bytes, sink, limit),
        None => inflater.finish(sink, limit),
    }
    .map_err(ProtocolError::from)?;
    partial.took(&sink[from..])
}

/// Where the decoder is in the byte stream.
#[derive(Debug, Clone, Copy)]
enum State {
    /// Between frames, or inside a header.
    Header,
    /// Inside the payload of `header`, with `remaining` bytes to go.
    Payload { header: FrameHeader, remaining: u64 },
}

/// Decodes server frames into items. Limits are checked before anything is buffered.
#[derive(Debug)]
pub(crate) struct Decoder {
    max_frame_size: usize,
    max_message_size: usize,
    /// Reserved bits that a negotiated extension gave a meaning to: RSV1 with
    /// permessage-deflate.
    allowed_rsv: u8,
    /// The inflater, when permessage-deflate was negotiated.
    inflater: Option<Inflater>,
    header: [u8; MAX_HEADER_LEN],
    header_len: usize,
    state: State,
    message: Option<Partial>,
    control: Vec<u8>,
}

impl Decoder {
    /// A decoder with the given limits.
    pub(crate) fn new(max_frame_size: usize, max_message_size: usize) -> Decoder {
        Decoder {
            max_frame_size,
            max_message_size,
            allowed_rsv: 0,
            inflater: None,
            header: [0; MAX_HEADER_LEN],
            header_len: 0,
            state: State::Header,
            message: None,
            control: Vec::new(),
        }
    }

    /// Decodes compressed messages with `inflater`: permessage-deflate was negotiated, so RSV1
    /// marks the first frame of a compressed message (RFC 7692 §6).
    pub(crate) fn with_inflater(mut self, inflater: Inflater) -> Decoder {
        self.allowed_rsv = RSV1;
        self.inflater = Some(inflater);
        self
    }

    /// Decodes from the start of `input`, appending data payloads to `sink`: returns how many
    /// bytes it consumed and the item they completed, if any. Call again with the rest until the
    /// input is used up; an item may be returned with bytes left over. Between calls the caller
    /// may move the sink's contents, as long as the tail [`Decoder::partial_len`] bytes long
    /// stays its tail.
    pub(crate) fn decode(
        &mut self,
        input: &[u8],
        sink: &mut Vec<u8>,
    ) -> Result<(usize, Option<Item>), ProtocolError> {
        let mut used = 0;
        loop {
            match self.state {
                State::Header => {
                    if let Some((item, taken)) = self.whole_message(&input[used..], sink)? {
                        return Ok((used + taken, Some(item)));
                    }
                    let (header, taken) = match self.read_header(&input[used..])? {
                        Some(found) => found,
                        None => return Ok((input.len(), None)),
                    };
                    used += taken;
                    self.start_frame(header, sink)?;
                    if header.len == 0 {
                        if let Some(item) = self.finish_frame(header, sink)? {
                            return Ok((used, Some(item)));
                        }
                    }
                }
                State::Payload { header, remaining } => {
                    let avail = &input[used..];
                    if avail.is_empty() {
                        return Ok((used, None));
                    }
                    let take = remaining.min(avail.len() as u64) as usize;
                    self.payload(&header, &avail[..take], sink)?;
                    used += take;
                    let remaining = remaining - take as u64;
                    if remaining > 0 {
                        self.state = State::Payload { header, remaining };
                        return Ok((used, None));
                    }
                    self.state = State::Header;
                    if let Some(item) = self.finish_frame(header, sink)? {
                        return Ok((used, Some(item)));
                    }
                }
            }
        }
    }

    /// The zero-copy path for large payloads: while a data frame's payload is pending, how many
    /// payload bytes the frame still expects (the decoder reserved room for them all in the sink
    /// it was given when the frame began; the caller reserves again if it moved on). The
    /// caller appends up to that many bytes to the sink straight from the socket, then calls
    /// [`Decoder::payload_appended`].
    pub(crate) fn payload_pending(&self) -> Option<u64> {
        match self.state {
            State::Payload { header, remaining }
                if !opcode::is_control(header.opcode) && !self.is_compressed_pending() =>
            {
                Some(remaining)
            }
            _ => None,
        }
    }

    /// The error for a message of `size` bytes, more than the limit or than memory allows.
    pub(crate) fn too_large(&self, size: u64) -> ProtocolError {
        ProtocolError::MessageTooLarge {
            size,
            limit: self.max_message_size,
        }
    }

    /// Whether the message being assembled is compressed: its payload must go through the
    /// decoder, not straight into the sink.
    fn is_compressed_pending(&self) -> bool {
        self.message.as_ref().is_some_and(|p| p.compressed)
    }

    /// Whether the message being assembled is text.
    pub(crate) fn is_text_pending(&self) -> bool {
        self.message.as_ref().is_some_and(|p| p.text)
    }

    /// How many bytes of the message being assembled the sink holds: its tail of that length.
    pub(crate) fn partial_len(&self) -> usize {
        self.message.as_ref().map_or(0, |p| p.len as usize)
    }

    /// Accounts for `appended`, payload bytes the caller appended to the sink (see
    /// [`Decoder::payload_pending`]), with the same checks as [`Decoder::decode`].
    pub(crate) fn payload_appended(
        &mut self,
        appended: &[u8],
    ) -> Result<Option<Item>, ProtocolError> {
        let State::Payload { header, remaining } = self.state else {
            return Ok(None);
        };
        let partial = self
            .message
            .as_mut()
            .expect("a data frame always has a message");
        let n = appended.len() as u64;
        debug_assert!(n <= remaining);
        if partial.text {
            partial
                .utf8
                .feed(appended)
                .map_err(|_| ProtocolError::InvalidUtf8)?;
        }
        partial.len += n;
        if n < remaining {
            self.state = State::Payload {
                header,
                remaining: remaining - n,
            };
            return Ok(None);
        }
        self.state = State::Header;
        // A compressed message never takes this path (see `payload_pending`), so finishing the
        // frame appends nothing.
        self.finish_frame(header, &mut Vec::new())
    }

    /// [`Decoder::decode`]'s fast path on its own, for a caller that decodes many small messages
    /// in a row: a complete, unfragmented data message wholly at the start of `input`, copied
    /// onto the sink as `decode` would; returns whether it is text, its length and how much of
    /// `input` it took. `None` (mid-frame, or anything the fast path leaves to the general one,
    /// every rule violation included) leaves `input` to `decode`. Inlined, so that the caller
    /// gets the answer in registers rather than through memory (see PERFORMANCE.md).
    #[inline(always)]
    pub(crate) fn decode_whole_message(
        &self,
        input: &[u8],
        sink: &mut Vec<u8>,
    ) -> Option<(bool, usize, usize)> {
        if !matches!(self.state, State::Header) {
            return None;
        }
        match self.whole_message(input, sink) {
            Ok(Some((Item::Message { text, len }, used))) => Some((text, len, used)),
            _ => None,
        }
    }

    /// The fast path for the common case: a complete, unfragmented, unmasked data frame within
    /// the limits, wholly in `input`, with no message in progress, becomes a message in one
    /// copy. Anything else (including every rule violation) is left to the general path.
    fn whole_message(
        &self,
        input: &[u8],
        sink: &mut Vec<u8>,
    ) -> Result<Option<(Item, usize)>, ProtocolError> {
        if self.header_len != 0 || self.message.is_some() {
            return Ok(None);
        }
        let Some((h, n)) = parse_header(input)? else {
            return Ok(None);
        };
        let plain = h.fin && h.rsv == 0 && h.mask.is_none();
        let data = h.opcode == opcode::TEXT || h.opcode == opcode::BINARY;
        let limit = self.max_frame_size.min(self.max_message_size) as u64;
        if !plain || !data || h.len > limit || ((input.len() - n) as u64) < h.len {
            return Ok(None);
        }
        let end = n + h.len as usize;
        let payload = &input[n..end];
        let text = h.opcode == opcode::TEXT;
        if text {
            std::str::from_utf8(payload).map_err(|_| ProtocolError::InvalidUtf8)?;
        }
        sink.extend_from_slice(payload);
        let item = Item::Message {
            text,
            len: payload.len(),
        };
        Ok(Some((item, end)))
    }

    /// Parses a header from the stash plus `input`; returns it and how much of `input` it took.
    fn read_header(&mut self, input: &[u8]) -> Result<Option<(FrameHeader, usize)>, ProtocolError> {
        if self.header_len == 0 {
            return match parse_header(input)? {
                Some(found) => Ok(Some(found)),
                None => {
                    self.header[..input.len()].copy_from_slice(input);
                    self.header_len = input.len();
                    Ok(None)
                }
            };
        }
        let had = self.header_len;
        let take = (MAX_HEADER_LEN - had).min(input.len());
        self.header[had..had + take].copy_from_slice(&input[..take]);
        match parse_header(&self.header[..had + take])? {
            Some((header, len)) => {
                self.header_len = 0;
                Ok(Some((header, len - had)))
            }
            None => {
                self.header_len = had + take;
                Ok(None)
            }
        }
    }

    /// Checks a new frame's header against RFC 6455 and the limits, and prepares its buffer.
    fn start_frame(&mut self, h: FrameHeader, sink: &mut Vec<u8>) -> Result<(), ProtocolError> {
        // "RSV1, RSV2, RSV3: MUST be 0 unless an extension is negotiated that defines meanings
        // for non-zero values. If a nonzero value is received and none of the negotiated
        // extensions defines the meaning of such a nonzero value, the receiving endpoint MUST
        // _Fail the WebSocket Connection_."
        if h.rsv & !self.allowed_rsv != 0 {
            return Err(ProtocolError::ReservedBits);
        }
        // RFC 7692 §6.1: "An endpoint MUST NOT set the "Per-Message Compressed" bit of control
        // frames and non-first fragments of a data message. An endpoint receiving such a frame
        // MUST _Fail the WebSocket Connection_."
        let compressed = h.rsv & RSV1 != 0;
        if compressed && !matches!(h.opcode, opcode::TEXT | opcode::BINARY) {
            return Err(ProtocolError::ReservedBits);
        }
        // "The server MUST NOT mask any frames that it sends to the client. A client MUST close
        // a connection if it detects a masked frame."
        if h.mask.is_some() {
            return Err(ProtocolError::MaskedFrame);
        }
        match h.opcode {
            opcode::CLOSE | opcode::PING | opcode::PONG => {
                // "All control frames MUST have a payload length of 125 bytes or less and MUST
                // NOT be fragmented."
                if !h.fin {
                    return Err(ProtocolError::FragmentedControlFrame);
                }
                if h.len > 125 {
                    return Err(ProtocolError::ControlFrameTooLong(h.len));
                }
                self.control.clear();
            }
            opcode::TEXT | opcode::BINARY | opcode::CONTINUATION => {
                if h.len > self.max_frame_size as u64 {
                    return Err(ProtocolError::FrameTooLarge {
                        size: h.len,
                        limit: self.max_frame_size,
                    });
                }
                let so_far = match (&self.message, h.opcode) {
                    // "a fragmented message ... MUST NOT be interleaved with other data frames"
                    (Some(_), opcode::TEXT | opcode::BINARY) => {
                        return Err(ProtocolError::ExpectedContinuation)
                    }
                    (None, opcode::CONTINUATION) => {
                        return Err(ProtocolError::UnexpectedContinuation)
                    }
                    (Some(p), _) => p.len,
                    (None, _) => 0,
                };
                let total = so_far + h.len;
                let message_compressed = compressed || self.is_compressed_pending();
                // A compressed message's limit is checked on the inflated bytes, as they grow.
                if !message_compressed && total > self.max_message_size as u64 {
                    return Err(ProtocolError::MessageTooLarge {
                        size: total,
                        limit: self.max_message_size,
                    });
                }
                self.message.get_or_insert_with(|| Partial {
                    text: h.opcode == opcode::TEXT,
                    compressed,
                    len: 0,
                    utf8: Utf8Validator::default(),
                });
                if message_compressed {
                    // The inflater grows the sink in bounded steps as the bytes come.
                    if h.len > 0 {
                        self.state = State::Payload {
                            header: h,
                            remaining: h.len,
                        };
                    }
                    return Ok(());
                }
                // Within the limits just checked, so memory never outgrows them. With limits
                // as large as `usize::MAX`, a frame can announce more than the process can have:
                // that message is too big for us to process (close code 1009), not an abort.
                if sink.try_reserve(h.len as usize).is_err() {
                    return Err(self.too_large(total));
                }
            }
            op => return Err(ProtocolError::ReservedOpcode(op)),
        }
        if h.len > 0 {
            self.state = State::Payload {
                header: h,
                remaining: h.len,
            };
        }
        Ok(())
    }

    /// Takes payload bytes of the current frame.
    fn payload(
        &mut self,
        h: &FrameHeader,
        bytes: &[u8],
        sink: &mut Vec<u8>,
    ) -> Result<(), ProtocolError> {
        if opcode::is_control(h.opcode) {
            self.control.extend_from_slice(bytes);
            return Ok(());
        }
        let partial = self
            .message
            .as_mut()
            .expect("a data frame always has a message");
        if partial.compressed {
            let limit = self.max_message_size;
            return inflate(self.inflater.as_mut(), partial, Some(bytes), sink, limit);
        }
        partial.took(bytes)?;
        sink.extend_from_slice(bytes);
        Ok(())
    }

    /// Completes a frame whose payload has all arrived; the end of a compressed message
    /// appends its last inflated bytes to `sink`.
    fn finish_frame(
        &mut self,
        h: FrameHeader,
        sink: &mut Vec<u8>,
    ) -> Result<Option<Item>, ProtocolError> {
        match h.opcode {
            opcode::PING => Ok(Some(Item::Ping(self.control.clone()))),
            opcode::PONG => Ok(Some(Item::Pong(self.control.clone()))),
            opcode::CLOSE => decode_close_payload(&self.control).map(|c| Some(Item::Close(c))),
            _ if !h.fin => Ok(None),
            _ => {
                let mut partial = self
                    .message
                    .take()
                    .expect("a data frame always has a message");
                if partial.compressed {
                    let limit = self.max_message_size;
                    inflate(self.inflater.as_mut(), &mut partial, None, sink, limit)?;
                }
                if partial.text && !partial.utf8.is_complete() {
                    return Err(ProtocolError::InvalidUtf8);
                }
                Ok(Some(Item::Message {
                    text: partial.text,
                    len: partial.len as usize,
                }))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Message;
    use crate::proto::frame::write_header;
    use proptest::prelude::*;

    /// An item with its message taken out of the sink.
    #[derive(Debug, PartialEq)]
    enum Out {
        Message(Message),
        Ping(Vec<u8>),
        Pong(Vec<u8>),
        Close(Option<(u16, String)>),
    }

    /// Takes a message item's bytes off the end of the sink.
    fn out(item: Item, sink: &mut Vec<u8>) -> Out {
        match item {
            Item::Message { text, len } => {
                let bytes = sink.split_off(sink.len() - len);
                Out::Message(match text {
                    true => Message::Text(String::from_utf8(bytes).expect("text is UTF-8")),
                    false => Message::Binary(bytes),
                })
            }
            Item::Ping(p) => Out::Ping(p),
            Item::Pong(p) => Out::Pong(p),
            Item::Close(c) => Out::Close(c),
        }
    }

    fn frame(fin: bool, op: u8, payload: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        write_header(&mut v, fin, 0, op, None, payload.len() as u64);
        v.extend_from_slice(payload);
        v
    }

    /// Feeds all of `input` and collects the items, or the first error. `sink` holds the
    /// message in progress from one call to the next.
    fn decode_into(
        d: &mut Decoder,
        sink: &mut Vec<u8>,
        input: &[u8],
    ) -> Result<Vec<Out>, ProtocolError> {
        decode_reads(d, sink, input, false)
    }

    /// [`decode_into`]; with `fast_first`, as the reader decodes: each whole message by the
    /// fast path when it can.
    fn decode_reads(
        d: &mut Decoder,
        sink: &mut Vec<u8>,
        mut input: &[u8],
        fast_first: bool,
    ) -> Result<Vec<Out>, ProtocolError> {
        let mut items = Vec::new();
        while !input.is_empty() {
            if let Some((text, len, used)) = fast_first
                .then(|| d.decode_whole_message(input, sink))
                .flatten()
            {
                items.push(out(Item::Message { text, len }, sink));
                input = &input[used..];
                continue;
            }
            let (n, item) = d.decode(input, sink)?;
            items.extend(item.map(|item| out(item, sink)));
            input = &input[n..];
        }
        Ok(items)
    }

    fn decode_all(d: &mut Decoder, input: &[u8]) -> Result<Vec<Out>, ProtocolError> {
        decode_into(d, &mut Vec::new(), input)
    }

    fn one(input: &[u8]) -> Result<Vec<Out>, ProtocolError> {
        decode_all(&mut Decoder::new(1 << 20, 1 << 20), input)
    }

    #[test]
    fn text_binary_and_control() {
        let mut input = frame(true, opcode::TEXT, b"hi");
        input.extend(frame(true, opcode::BINARY, &[0, 1, 2]));
        input.extend(frame(true, opcode::PING, b"p"));
        input.extend(frame(true, opcode::PONG, b""));
        input.extend(frame(true, opcode::CLOSE, &[0x03, 0xe8, b'o', b'k']));
        assert_eq!(
            one(&input).unwrap(),
            vec![
                Out::Message(Message::Text("hi".into())),
                Out::Message(Message::Binary(vec![0, 1, 2])),
                Out::Ping(b"p".to_vec()),
                Out::Pong(Vec::new()),
                Out::Close(Some((1000, "ok".into()))),
            ]
        );
        assert_eq!(
            one(&frame(true, opcode::CLOSE, b"")).unwrap(),
            vec![Out::Close(None)]
        );
    }

    #[test]
    fn fragments_with_interleaved_control() {
        let mut input = frame(false, opcode::TEXT, b"Hel");
        input.extend(frame(true, opcode::PING, b"x"));
        input.extend(frame(false, opcode::CONTINUATION, b""));
        input.extend(frame(true, opcode::CONTINUATION, b"lo"));
        assert_eq!(
            one(&input).unwrap(),
            vec![
                Out::Ping(b"x".to_vec()),
                Out::Message(Message::Text("Hello".into()))
            ]
        );
    }

    #[test]
    fn rule_violations() {
        let cases: Vec<(Vec<u8>, ProtocolError)> = vec![
            (vec![0xC1, 0], ProtocolError::ReservedBits),
            (vec![0xA1, 0], ProtocolError::ReservedBits),
            (vec![0x91, 0], ProtocolError::ReservedBits),
            (vec![0x83, 0], ProtocolError::ReservedOpcode(3)),
            (vec![0x8B, 0], ProtocolError::ReservedOpcode(0xB)),
            (
                vec![0x81, 0x81, 1, 2, 3, 4, b'a' ^ 1],
                ProtocolError::MaskedFrame,
            ),
            (
                frame(false, opcode::PING, b""),
                ProtocolError::FragmentedControlFrame,
            ),
            (
                frame(true, opcode::PING, &[0; 126]),
                ProtocolError::ControlFrameTooLong(126),
            ),
            (
                frame(true, opcode::CONTINUATION, b"x"),
                ProtocolError::UnexpectedContinuation,
            ),
            (
                [
                    frame(false, opcode::TEXT, b"a"),
                    frame(true, opcode::BINARY, b"b"),
                ]
                .concat(),
                ProtocolError::ExpectedContinuation,
            ),
            (
                frame(true, opcode::TEXT, &[0xff]),
                ProtocolError::InvalidUtf8,
            ),
            (
                frame(true, opcode::TEXT, &[0xe2, 0x82]),
                ProtocolError::InvalidUtf8,
            ),
            (
                frame(true, opcode::CLOSE, &[3]),
                ProtocolError::BadClosePayload,
            ),
            (
                frame(true, opcode::CLOSE, &[0x03, 0xed]),
                ProtocolError::InvalidCloseCode(1005),
            ),
        ];
        for (input, want) in cases {
            assert_eq!(one(&input), Err(want.clone()), "{input:?}");
        }
    }

    #[test]
    fn limits_fail_before_buffering() {
        let mut d = Decoder::new(100, 150);
        // A header announcing a huge frame fails at once, with no payload sent.
        let mut huge = vec![0x82, 127];
        huge.extend_from_slice(&(1u64 << 40).to_be_bytes());
        assert!(matches!(
            d.decode(&huge, &mut Vec::new()),
            Err(ProtocolError::FrameTooLarge { .. })
        ));
        let mut d = Decoder::new(100, 150);
        let input = [
            frame(false, opcode::BINARY, &[0; 100]),
            frame(true, opcode::CONTINUATION, &[0; 51]),
        ]
        .concat();
        assert!(matches!(
            decode_all(&mut d, &input),
            Err(ProtocolError::MessageTooLarge {
                size: 151,
                limit: 150
            })
        ));
        let mut d = Decoder::new(100, 150);
        assert!(decode_all(&mut d, &frame(true, opcode::BINARY, &[0; 100])).is_ok());
    }

    #[test]
    fn invalid_utf8_fails_before_the_frame_ends() {
        let mut d = Decoder::new(1 << 20, 1 << 20);
        let f = frame(true, opcode::TEXT, b"abc\xffdef");
        // Header and the first bytes up to the bad one, no more.
        let sink = &mut Vec::new();
        assert_eq!(d.decode(&f[..5], sink), Ok((5, None)));
        assert_eq!(d.decode(&f[5..6], sink), Err(ProtocolError::InvalidUtf8));
        // Across fragments too.
        let mut d = Decoder::new(1 << 20, 1 << 20);
        let first = frame(false, opcode::TEXT, "κ".as_bytes());
        let sink = &mut Vec::new();
        assert!(decode_into(&mut d, sink, &first).unwrap().is_empty());
        let second = frame(true, opcode::CONTINUATION, &[0xce, 0x41, 0x41]);
        assert_eq!(
            d.decode(&second[..3], sink),
            Ok((3, None)),
            "a lead byte may still complete"
        );
        assert_eq!(
            d.decode(&second[3..4], sink),
            Err(ProtocolError::InvalidUtf8)
        );
    }

    #[test]
    fn a_frame_larger_than_memory_fails_instead_of_aborting() {
        // No limits at all, and a header announcing 2^63 - 1 bytes: no allocator can give that.
        let mut d = Decoder::new(usize::MAX, usize::MAX);
        let header = [0x82, 0x7f, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
        let mut sink = Vec::new();
        assert_eq!(
            d.decode(&header, &mut sink),
            Err(ProtocolError::MessageTooLarge {
                size: i64::MAX as u64,
                limit: usize::MAX
            })
        );
        assert_eq!(
            ProtocolError::MessageTooLarge { size: 0, limit: 0 }.close_code(),
            1009
        );
    }

    #[test]
    fn payload_can_be_appended_directly() {
        let mut d = Decoder::new(1 << 20, 1 << 20);
        let payload: Vec<u8> = (0..100_000u32).map(|i| i as u8).collect();
        let f = frame(true, opcode::BINARY, &payload);
        let mut sink = Vec::new();
        // The 10-byte header plus the first 1000 bytes through `decode`, the rest appended directly.
        assert_eq!(d.decode(&f[..1010], &mut sink), Ok((1010, None)));
        assert_eq!(d.payload_pending(), Some(99_000));
        assert!(
            sink.capacity() >= 100_000,
            "room for the whole frame is reserved"
        );
        sink.extend_from_slice(&f[1010..50_010]);
        assert_eq!(d.payload_appended(&f[1010..50_010]), Ok(None));
        assert_eq!(d.payload_pending(), Some(50_000));
        assert_eq!(d.partial_len(), 50_000);
        sink.extend_from_slice(&f[50_010..]);
        let item = d.payload_appended(&f[50_010..]).unwrap().unwrap();
        assert_eq!(out(item, &mut sink), Out::Message(Message::Binary(payload)));
        assert!(d.payload_pending().is_none());
        assert_eq!(d.partial_len(), 0);
        // Text appended directly is validated as it arrives.
        let mut d = Decoder::new(1 << 20, 1 << 20);
        let f = frame(true, opcode::TEXT, b"abcdef\xff");
        assert_eq!(d.decode(&f[..3], &mut Vec::new()), Ok((3, None)));
        assert!(d.is_text_pending());
        assert_eq!(d.payload_appended(&f[3..]), Err(ProtocolError::InvalidUtf8));
    }

    #[test]
    fn control_frames_leave_the_sink_alone() {
        let mut d = Decoder::new(1 << 20, 1 << 20);
        let mut sink = b"earlier".to_vec();
        let input = [
            frame(false, opcode::BINARY, b"ab"),
            frame(true, opcode::PING, b"ping"),
            frame(true, opcode::PONG, b"pong"),
        ]
        .concat();
        let items = decode_into(&mut d, &mut sink, &input).unwrap();
        assert_eq!(
            items,
            vec![Out::Ping(b"ping".to_vec()), Out::Pong(b"pong".to_vec())]
        );
        assert_eq!(sink, b"earlierab", "only data payloads are appended");
        assert_eq!(d.partial_len(), 2);
    }

    #[test]
    fn the_fast_path_takes_a_whole_data_message_and_nothing_else() {
        let d = Decoder::new(1 << 20, 1 << 20);
        let mut sink = b"before".to_vec();
        let mut input = frame(true, opcode::BINARY, &[1, 2, 3]);
        input.extend(frame(true, opcode::TEXT, b"next"));
        assert_eq!(
            d.decode_whole_message(&input, &mut sink),
            Some((false, 3, 5))
        );
        assert_eq!(sink, b"before\x01\x02\x03");
        assert_eq!(
            d.decode_whole_message(&input[5..], &mut sink),
            Some((true, 4, 6))
        );
        assert_eq!(sink, b"before\x01\x02\x03next");
        // Left to `decode`: a fragment, a control frame, a frame not all there, bad UTF-8.
        for other in [
            frame(false, opcode::BINARY, b"part"),
            frame(true, opcode::PING, b"p"),
            frame(true, opcode::BINARY, b"cut short")[..5].to_vec(),
            frame(true, opcode::TEXT, &[0xff]),
        ] {
            let mut sink = Vec::new();
            assert_eq!(d.decode_whole_message(&other, &mut sink), None, "{other:?}");
            assert!(sink.is_empty(), "nothing copied for {other:?}");
        }
    }

    #[test]
    fn the_fast_path_does_not_start_a_frame_in_the_middle_of_another() {
        let mut d = Decoder::new(1 << 20, 1 << 20);
        let mut sink = Vec::new();
        // A frame of 6 bytes whose payload looks like a whole frame of its own.
        let inner = frame(true, opcode::TEXT, b"fake");
        let outer = frame(true, opcode::BINARY, &inner);
        let (used, item) = d.decode(&outer[..2], &mut sink).unwrap();
        assert_eq!((used, item.is_none()), (2, true), "the header alone");
        assert_eq!(d.decode_whole_message(&outer[2..], &mut sink), None);
        assert_eq!(
            decode_reads(&mut d, &mut sink, &outer[2..], true).unwrap(),
            vec![Out::Message(Message::Binary(inner))]
        );
    }

    /// The items of `input` cut into reads at `points`, decoded by [`decode_reads`], with the
    /// caller moving the message in progress between reads as the reader does.
    fn decode_in_reads(
        input: &[u8],
        points: &[usize],
        fast_first: bool,
    ) -> Result<Vec<Out>, TestCaseError> {
        let mut d = Decoder::new(1 << 20, 1 << 20);
        let mut got = Vec::new();
        let mut start = 0;
        let mut sink = Vec::new();
        let mut prefix = Vec::new();
        for &p in points.iter().chain([&input.len()]) {
            got.extend(decode_reads(&mut d, &mut sink, &input[start..p], fast_first).unwrap());
            start = p;
            // Between reads the caller may move the message in progress elsewhere, behind
            // other bytes, as the reader does when it hands a batch over.
            prop_assert_eq!(&sink[..prefix.len()], &prefix[..]);
            let partial = sink.split_off(sink.len() - d.partial_len());
            prefix = vec![0xA5; p % 7];
            sink = [&prefix[..], &partial[..]].concat();
        }
        prop_assert_eq!(sink, prefix, "nothing left behind");
        Ok(got)
    }

    proptest! {
        #![proptest_config(crate::proto::testing::deterministic(512, 6455))]

        /// However the stream is cut into reads, the items are the same, with or without the
        /// fast path tried first.
        #[test]
        fn any_split_gives_the_same_items(texts in proptest::collection::vec("\\PC{0,30}", 1..5), big in 0usize..70_000, cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..8)) {
            let mut input = Vec::new();
            let mut want = Vec::new();
            for t in &texts {
                let b = t.as_bytes();
                let mid = b.len() / 2;
                input.extend(frame(false, opcode::TEXT, &b[..mid]));
                input.extend(frame(true, opcode::PING, b"k"));
                input.extend(frame(true, opcode::CONTINUATION, &b[mid..]));
                want.push(Out::Ping(b"k".to_vec()));
                want.push(Out::Message(Message::Text(t.clone())));
            }
            let blob: Vec<u8> = (0..big).map(|i| i as u8).collect();
            input.extend(frame(true, opcode::BINARY, &blob));
            want.push(Out::Message(Message::Binary(blob)));
            // Whole small messages too, which the fast path takes.
            for t in &texts {
                input.extend(frame(true, opcode::TEXT, t.as_bytes()));
                want.push(Out::Message(Message::Text(t.clone())));
            }
            let mut points: Vec<usize> = cuts.iter().map(|i| i.index(input.len() + 1)).collect();
            points.sort_unstable();
            prop_assert_eq!(&decode_in_reads(&input, &points, false)?, &want);
            prop_assert_eq!(&decode_in_reads(&input, &points, true)?, &want);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let mut d = Decoder::new(1000, 2000);
            let _ = decode_all(&mut d, &bytes);
        }
    }

    /// A frame over a limit that arrives whole, in one read, fails as one announced by its
    /// header alone does: the fast path takes only frames within both limits.
    #[test]
    fn a_whole_frame_over_a_limit_fails_in_one_read() {
        for (max_frame, max_message) in [(100, 150), (150, 100)] {
            for len in [100, 101, 149, 150, 151] {
                let input = frame(true, opcode::BINARY, &vec![7; len]);
                let got = decode_all(&mut Decoder::new(max_frame, max_message), &input);
                if len > max_frame {
                    assert_eq!(
                        got,
                        Err(ProtocolError::FrameTooLarge {
                            size: len as u64,
                            limit: max_frame
                        }),
                        "{len} bytes, limits {max_frame}/{max_message}"
                    );
                } else if len > max_message {
                    assert_eq!(
                        got,
                        Err(ProtocolError::MessageTooLarge {
                            size: len as u64,
                            limit: max_message
                        }),
                        "{len} bytes, limits {max_frame}/{max_message}"
                    );
                } else {
                    assert_eq!(got, Ok(vec![Out::Message(Message::Binary(vec![7; len]))]));
                }
            }
        }
    }

    /// A read that ends within a frame, right after its header or anywhere in its payload,
    /// completes nothing, and the rest completes the frame.
    #[test]
    fn a_read_ending_inside_a_short_frame_completes_nothing() {
        for payload in [&b"x"[..], b"xy", b"hello"] {
            let f = frame(true, opcode::TEXT, payload);
            for cut in 1..f.len() {
                let mut d = Decoder::new(1 << 20, 1 << 20);
                let mut sink = Vec::new();
                assert_eq!(d.decode(&f[..cut], &mut sink), Ok((cut, None)), "cut {cut}");
                let got = decode_into(&mut d, &mut sink, &f[cut..]).unwrap();
                let text = String::from_utf8(payload.to_vec()).unwrap();
                assert_eq!(got, vec![Out::Message(Message::Text(text))], "cut {cut}");
            }
        }
    }

    /// Frames with headers of every length (2, 4 and 10 bytes), and what they decode to.
    fn frames_of_every_header_length() -> (Vec<u8>, Vec<Out>) {
        // A 16-bit length whose first byte reads as a FIN text header (0x81) and whose
        // payload starts with what would be a 5-byte text frame's: the tail of a split
        // header must never be taken for a header of its own.
        let long: Vec<u8> = b"hello"
            .iter()
            .copied()
            .chain((0..0x8105 - 5).map(|i| i as u8))
            .collect();
        let huge = vec![0x5a; 0x1_0001];
        let mut input = frame(true, opcode::BINARY, &long);
        assert_eq!(&input[..4], &[0x82, 0x7e, 0x81, 0x05]);
        input.extend(frame(true, opcode::PING, b"p"));
        input.extend(frame(false, opcode::TEXT, b"ab"));
        input.extend(frame(true, opcode::CONTINUATION, b"c"));
        input.extend(frame(true, opcode::BINARY, &huge));
        input.extend(frame(true, opcode::TEXT, b""));
        let want = vec![
            Out::Message(Message::Binary(long)),
            Out::Ping(b"p".to_vec()),
            Out::Message(Message::Text("abc".into())),
            Out::Message(Message::Binary(huge)),
            Out::Message(Message::Text(String::new())),
        ];
        (input, want)
    }

    /// Every header cut into two and three reads, at every point: the same items as in one
    /// read. A header split across three or more reads grows the stash twice, and the tail of
    /// a split header is never decoded as a frame of its own.
    #[test]
    fn headers_split_at_every_point_give_the_same_items() {
        let (input, want) = frames_of_every_header_length();
        assert_eq!(one(&input).unwrap(), want, "in one read");
        // The offset of every frame header in the input.
        let mut starts = Vec::new();
        let mut at = 0;
        while at < input.len() {
            starts.push(at);
            let (h, n) = parse_header(&input[at..]).unwrap().unwrap();
            at += n + h.len as usize;
        }
        for &start in &starts {
            let header_len = parse_header(&input[start..]).unwrap().unwrap().1;
            for a in start + 1..start + header_len {
                for b in a..(start + header_len + 2).min(input.len()) {
                    let mut d = Decoder::new(1 << 20, 1 << 20);
                    let mut sink = Vec::new();
                    let mut got = Vec::new();
                    for piece in [&input[..a], &input[a..b], &input[b..]] {
                        got.extend(decode_into(&mut d, &mut sink, piece).unwrap());
                    }
                    assert_eq!(got, want, "reads cut at {a} and {b}");
                }
            }
        }
        // One byte at a time.
        let mut d = Decoder::new(1 << 20, 1 << 20);
        let mut sink = Vec::new();
        let mut got = Vec::new();
        for byte in input.chunks(1) {
            got.extend(decode_into(&mut d, &mut sink, byte).unwrap());
        }
        assert_eq!(got, want, "a byte at a time");
    }

    /// A control frame's payload never goes straight into the sink: it is not the message's.
    #[test]
    fn only_a_data_payload_is_pending_for_the_sink() {
        for op in [opcode::PING, opcode::PONG, opcode::CLOSE] {
            let f = frame(true, op, &[0x03, 0xe8, b'a', b'b']);
            let mut d = Decoder::new(1 << 20, 1 << 20);
            assert_eq!(d.decode(&f[..3], &mut Vec::new()), Ok((3, None)));
            assert_eq!(d.payload_pending(), None, "opcode {op}");
        }
        // Between frames of a fragmented message nothing is pending either.
        let mut d = Decoder::new(1 << 20, 1 << 20);
        let first = frame(false, opcode::BINARY, b"ab");
        assert_eq!(d.decode(&first, &mut Vec::new()), Ok((first.len(), None)));
        assert_eq!(d.payload_pending(), None);
        // A ping between fragments: its payload is not the message's.
        let ping = frame(true, opcode::PING, b"abc");
        assert_eq!(d.decode(&ping[..3], &mut Vec::new()), Ok((3, None)));
        assert_eq!(d.payload_pending(), None);
        let cont = frame(true, opcode::CONTINUATION, b"cd");
        let mut sink = Vec::new();
        assert!(d.decode(&ping[3..], &mut sink).unwrap().1.is_some());
        assert_eq!(d.decode(&cont[..3], &mut sink), Ok((3, None)));
        assert_eq!(d.payload_pending(), Some(1));
    }

    /// Whether the message in progress is text, as the reader needs to know when it appends
    /// payload straight to the sink.
    #[test]
    fn the_pending_message_is_text_only_while_a_text_message_is_in_progress() {
        let mut d = Decoder::new(1 << 20, 1 << 20);
        assert!(!d.is_text_pending(), "nothing in progress");
        let bin = frame(true, opcode::BINARY, b"abcdef");
        assert_eq!(d.decode(&bin[..4], &mut Vec::new()), Ok((4, None)));
        assert!(!d.is_text_pending(), "binary");
        let mut d = Decoder::new(1 << 20, 1 << 20);
        let text = frame(false, opcode::TEXT, b"abc");
        let mut sink = Vec::new();
        assert_eq!(d.decode(&text, &mut sink), Ok((text.len(), None)));
        assert!(
            d.is_text_pending(),
            "between the fragments of a text message"
        );
        let last = frame(true, opcode::CONTINUATION, b"d");
        assert!(d.decode(&last, &mut sink).unwrap().1.is_some());
        assert!(!d.is_text_pending(), "the message ended");
    }

    /// The limits are inclusive: a control frame of 125 bytes, a frame of the frame limit and
    /// a fragmented message of the message limit pass, one byte more fails.
    #[test]
    fn limits_are_inclusive() {
        let ping = vec![7; 125];
        assert_eq!(
            one(&frame(true, opcode::PING, &ping)),
            Ok(vec![Out::Ping(ping.clone())])
        );
        assert_eq!(
            one(&frame(true, opcode::PONG, &ping)),
            Ok(vec![Out::Pong(ping)])
        );
        let fragmented = |first: usize, second: usize| {
            [
                frame(false, opcode::BINARY, &vec![1; first]),
                frame(true, opcode::CONTINUATION, &vec![2; second]),
            ]
            .concat()
        };
        let mut want = vec![1; 100];
        want.extend([2; 50]);
        assert_eq!(
            decode_all(&mut Decoder::new(100, 150), &fragmented(100, 50)),
            Ok(vec![Out::Message(Message::Binary(want))])
        );
        assert_eq!(
            decode_all(&mut Decoder::new(100, 150), &fragmented(100, 51)),
            Err(ProtocolError::MessageTooLarge {
                size: 151,
                limit: 150
            })
        );
        // A frame of the limit that does not arrive whole takes the general path.
        let f = frame(true, opcode::BINARY, &[3; 100]);
        let mut d = Decoder::new(100, 100);
        let mut sink = Vec::new();
        assert_eq!(d.decode(&f[..50], &mut sink), Ok((50, None)));
        assert_eq!(
            decode_into(&mut d, &mut sink, &f[50..]),
            Ok(vec![Out::Message(Message::Binary(vec![3; 100]))])
        );
    }

    /// permessage-deflate in the decoder: RSV1 routing, inflating across frames and reads,
    /// UTF-8 checked on the inflated bytes, the limit on the inflated size.
    #[cfg(feature = "deflate")]
    mod compressed {
        use super::*;
        use crate::proto::deflate::Deflater;

        const RSV1: u8 = 0b100;

        /// A frame with the given RSV bits.
        fn frame_rsv(fin: bool, rsv: u8, op: u8, payload: &[u8]) -> Vec<u8> {
            let mut v = Vec::new();
            write_header(&mut v, fin, rsv, op, None, payload.len() as u64);
            v.extend_from_slice(payload);
            v
        }

        /// The compressed payload of `messages`, one after the other with context takeover.
        fn deflate(messages: &[&[u8]]) -> Vec<Vec<u8>> {
            let mut d = Deflater::new(15, false, 6);
            messages
                .iter()
                .map(|m| {
                    let mut out = Vec::new();
                    d.compress(m, &mut out);
                    out
                })
                .collect()
        }

        fn decoder(limit: usize) -> Decoder {
            Decoder::new(limit, limit).with_inflater(Inflater::new(15, false))
        }

        #[test]
        fn compressed_messages_inflate_with_context_takeover() {
            let a = b"{\"price\": 101.5, \"qty\": 3}".as_slice();
            let b = b"{\"price\": 101.6, \"qty\": 3}".as_slice();
            let z = deflate(&[a, b]);
            assert!(z[1].len() < z[0].len(), "the second refers to the first");
            let mut input = frame_rsv(true, RSV1, opcode::TEXT, &z[0]);
            input.extend(frame(true, opcode::BINARY, b"plain"));
            input.extend(frame_rsv(true, RSV1, opcode::BINARY, &z[1]));
            assert_eq!(
                decode_all(&mut decoder(1 << 20), &input).unwrap(),
                vec![
                    Out::Message(Message::Text(String::from_utf8(a.to_vec()).unwrap())),
                    Out::Message(Message::Binary(b"plain".to_vec())),
                    Out::Message(Message::Binary(b.to_vec())),
                ]
            );
        }

        #[test]
        fn a_fragmented_compressed_message_arrives_whole_at_any_split() {
            let text = "ünïcödé ".repeat(500);
            let z = &deflate(&[text.as_bytes()])[0];
            let (p1, rest) = z.split_at(z.len() / 3);
            let (p2, p3) = rest.split_at(rest.len() / 2);
            let mut input = frame_rsv(false, RSV1, opcode::TEXT, p1);
            input.extend(frame(true, opcode::PING, b"x"));
            input.extend(frame(false, opcode::CONTINUATION, p2));
            input.extend(frame(true, opcode::CONTINUATION, p3));
            for split in [1, 7, 64, input.len()] {
                let mut d = decoder(1 << 20);
                let mut sink = Vec::new();
                let mut items = Vec::new();
                for piece in input.chunks(split) {
                    items.extend(decode_into(&mut d, &mut sink, piece).unwrap());
                }
                assert_eq!(
                    items,
                    vec![
                        Out::Ping(b"x".to_vec()),
                        Out::Message(Message::Text(text.clone()))
                    ],
                    "split {split}"
                );
            }
        }

        #[test]
        fn rsv1_is_refused_where_rfc_7692_forbids_it() {
            let z = &deflate(&[b"abc"])[0];
            // Not negotiated.
            let input = frame_rsv(true, RSV1, opcode::TEXT, z);
            assert_eq!(one(&input), Err(ProtocolError::ReservedBits));
            // On a control frame.
            let ping = frame_rsv(true, RSV1, opcode::PING, b"");
            assert_eq!(
                decode_all(&mut decoder(1 << 20), &ping),
                Err(ProtocolError::ReservedBits)
            );
            // On a continuation frame.
            let mut cont = frame_rsv(false, RSV1, opcode::TEXT, z);
            cont.extend(frame_rsv(true, RSV1, opcode::CONTINUATION, b""));
            assert_eq!(
                decode_all(&mut decoder(1 << 20), &cont),
                Err(ProtocolError::ReservedBits)
            );
            // RSV2 and RSV3 keep no meaning.
            let rsv2 = frame_rsv(true, 0b010, opcode::TEXT, b"a");
            assert_eq!(
                decode_all(&mut decoder(1 << 20), &rsv2),
                Err(ProtocolError::ReservedBits)
            );
        }

        #[test]
        fn invalid_utf8_inside_compressed_text_fails_fast() {
            let mut bad = vec![b'a'; 100];
            bad.push(0xff);
            bad.extend(vec![b'b'; 100_000]);
            let z = &deflate(&[&bad])[0];
            // Only the first frame, with the bad byte in it, and not the end of the message.
            let (head, _) = z.split_at(z.len() / 2);
            let input = frame_rsv(false, RSV1, opcode::TEXT, head);
            assert_eq!(
                decode_all(&mut decoder(1 << 20), &input),
                Err(ProtocolError::InvalidUtf8)
            );
        }

        #[test]
        fn the_limit_counts_inflated_bytes_and_memory_stays_within_it() {
            let bomb = vec![0u8; 10 << 20];
            let z = &deflate(&[&bomb])[0];
            assert!(z.len() < 20_000, "{} compressed bytes", z.len());
            let limit = 64 * 1024;
            let mut d = decoder(limit);
            let mut sink = Vec::new();
            let e = decode_into(&mut d, &mut sink, &frame_rsv(true, RSV1, opcode::BINARY, z));
            assert!(
                matches!(e, Err(ProtocolError::MessageTooLarge { limit: l, .. }) if l == limit),
                "{e:?}"
            );
            assert!(
                sink.capacity() <= limit + 1,
                "{} bytes held",
                sink.capacity()
            );
            assert_eq!(e.unwrap_err().close_code(), 1009);
            // Exactly at the limit passes.
            let exact = vec![7u8; limit];
            let z = &deflate(&[&exact])[0];
            let got = decode_all(
                &mut decoder(limit),
                &frame_rsv(true, RSV1, opcode::BINARY, z),
            );
            assert_eq!(got.unwrap(), vec![Out::Message(Message::Binary(exact))]);
        }

        /// The message limit counts inflated bytes only: a message whose compressed form is
        /// larger than the message limit (incompressible bytes, in stored blocks) but whose bytes are
        /// within it passes, in one frame or two.
        #[test]
        fn the_limit_does_not_count_compressed_bytes() {
            let mut x = 0x9e37_79b9_7f4a_7c15_u64;
            let noise: Vec<u8> = (0..1000)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    (x >> 32) as u8
                })
                .collect();
            let z = &deflate(&[&noise])[0];
            assert!(z.len() > noise.len(), "{} compressed bytes", z.len());
            // The frame limit counts the bytes on the wire, the message limit inflated bytes.
            let decoder = || Decoder::new(1 << 20, 1000).with_inflater(Inflater::new(15, false));
            let whole = frame_rsv(true, RSV1, opcode::BINARY, z);
            assert_eq!(
                decode_all(&mut decoder(), &whole),
                Ok(vec![Out::Message(Message::Binary(noise.clone()))])
            );
            let (a, b) = z.split_at(z.len() - 10);
            let mut two = frame_rsv(false, RSV1, opcode::BINARY, a);
            two.extend(frame(true, opcode::CONTINUATION, b));
            assert_eq!(
                decode_all(&mut decoder(), &two),
                Ok(vec![Out::Message(Message::Binary(noise))])
            );
        }

        /// A compressed message whose last frame is empty ends with that frame's header, even
        /// at the end of a read, and leaves the decoder between frames.
        #[test]
        fn an_empty_last_frame_ends_a_compressed_message_at_once() {
            let z = &deflate(&[b"abc"])[0];
            let mut input = frame_rsv(false, RSV1, opcode::TEXT, z);
            input.extend(frame(true, opcode::CONTINUATION, b""));
            let mut d = decoder(1 << 20);
            let mut sink = Vec::new();
            let first = z.len() + 2;
            assert_eq!(d.decode(&input[..first], &mut sink), Ok((first, None)));
            let (n, item) = d.decode(&input[first..], &mut sink).unwrap();
            assert_eq!(n, 2);
            assert_eq!(
                out(item.expect("the message"), &mut sink),
                Out::Message(Message::Text("abc".into()))
            );
            // And the decoder is between frames: what follows is a frame of its own.
            let ping = frame(true, opcode::PING, b"next");
            assert_eq!(
                decode_into(&mut d, &mut sink, &ping),
                Ok(vec![Out::Ping(b"next".to_vec())])
            );
        }

        /// Found by the `decoder_deflate` fuzz target: a compressed text message whose first
        /// bytes inflate to invalid UTF-8 and whose data is corrupt further on. Read whole, the
        /// inflater meets the corrupt data first; read in pieces, the UTF-8 check fails first.
        /// Either way the connection fails with 1007.
        #[test]
        fn a_message_with_two_faults_fails_with_1007_however_it_is_read() {
            let input = [0x41, 0x07, 0xdb, 0x52, 0x3a, 0xbc, 0x27, 0x01, 0xf0];
            let whole = decode_all(&mut decoder(1 << 20), &input).unwrap_err();
            assert!(
                matches!(whole, ProtocolError::BadCompressedData(_)),
                "{whole:?}"
            );
            assert_eq!(whole.close_code(), 1007);
            let mut d = decoder(1 << 20);
            let mut sink = Vec::new();
            let mut got = Ok(Vec::new());
            for piece in [&input[..5], &input[5..7], &input[7..]] {
                got = decode_into(&mut d, &mut sink, piece);
                if got.is_err() {
                    break;
                }
            }
            assert_eq!(got, Err(ProtocolError::InvalidUtf8));
            assert_eq!(ProtocolError::InvalidUtf8.close_code(), 1007);
        }

        #[test]
        fn corrupt_compressed_data_is_1007() {
            let input = frame_rsv(true, RSV1, opcode::BINARY, &[0xff, 0xff, 0xff]);
            let e = decode_all(&mut decoder(1 << 20), &input).unwrap_err();
            assert!(matches!(e, ProtocolError::BadCompressedData(_)), "{e:?}");
            assert_eq!(e.close_code(), 1007);
        }

        #[test]
        fn a_compressed_payload_is_never_read_straight_into_the_sink() {
            let z = &deflate(&[&vec![1u8; 100_000]])[0];
            let input = frame_rsv(true, RSV1, opcode::BINARY, z);
            let mut d = decoder(1 << 20);
            let (n, item) = d.decode(&input[..4], &mut Vec::new()).unwrap();
            assert_eq!((n, item), (4, None));
            assert_eq!(
                d.payload_pending(),
                None,
                "compressed bytes must be inflated"
            );
            let plain = frame(true, opcode::BINARY, &[0; 1000]);
            let mut d = decoder(1 << 20);
            d.decode(&plain[..4], &mut Vec::new()).unwrap();
            assert_eq!(d.payload_pending(), Some(1000));
        }
    }
}
