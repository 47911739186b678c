//! Entry points of the fuzz targets in `fuzz/` (cargo-fuzz), compiled only under `cfg(fuzzing)`,
//! which cargo-fuzz sets: nothing here is part of the API. Each takes the fuzzer's bytes, runs
//! one parser of the protocol core on them and panics when a property of that parser fails;
//! the fuzzer reports the panic with the input that caused it. A crash found this way becomes a
//! regression test in the parser's own tests.

use crate::error::ProtocolError;
use crate::proto::close::{close_payload, decode_close_payload, is_valid_wire_code};
use crate::proto::decoder::{Decoder, Item};
use crate::proto::deflate::negotiation::{negotiate, ClientMaxWindowBits, Offer, WINDOW_BITS};
use crate::proto::frame::{encode_header, parse_header, MAX_HEADER_LEN};
use crate::proto::handshake::{parse_response, Request};

/// Takes bytes off the front of the fuzzer's input, as settings of a run.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    /// The next byte, 0 once the input is used up.
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    /// A size limit: small enough to be crossed, or none at all.
    fn limit(&mut self) -> usize {
        match self.byte() {
            255 => usize::MAX,
            254 => 1 << 20,
            b => usize::from(b) * 16,
        }
    }
}

/// The frame header codec: a parsed header is as long as it says, within [`MAX_HEADER_LEN`],
/// encodes back to the same bytes (the length encoding is minimal), and every shorter prefix
/// needs more bytes.
pub fn frame_header(data: &[u8]) {
    let Ok(Some((h, n))) = parse_header(data) else {
        return;
    };
    assert!(n <= MAX_HEADER_LEN && n <= data.len());
    assert!(h.len >> 63 == 0);
    let mut out = [0; MAX_HEADER_LEN];
    let written = encode_header(&mut out, h.fin, h.rsv, h.opcode, h.mask, h.len);
    assert_eq!(&out[..written], &data[..n], "{h:?}");
    for cut in 0..n {
        assert_eq!(
            parse_header(&data[..cut]),
            Ok(None),
            "prefix of {cut} bytes"
        );
    }
}

/// What the decoder gave for a stream: its items with their payloads, and the error that
/// ended it, if any.
#[derive(Debug, PartialEq)]
struct Decoded {
    items: Vec<Decoded1>,
    error: Option<ProtocolError>,
}

/// One item, its message taken off the sink.
#[derive(Debug, PartialEq)]
enum Decoded1 {
    Message { text: bool, payload: Vec<u8> },
    Control(Item),
}

/// The decoder, differential over read splits: a stream decoded in one read, and the same
/// stream in reads cut where the input says (moving the message in progress behind other bytes
/// between reads, as the reader does, and appending payload straight to the sink where the
/// decoder allows it), give the same items and the same error, without panicking. Messages stay
/// within the limits, text is UTF-8, control payloads are at most 125 bytes.
///
/// Input: the frame limit, the message limit, how many cuts, the cuts, then the stream.
pub fn decoder(data: &[u8]) {
    decoder_with(data, true, Decoder::new);
}

/// [`decoder`] with permessage-deflate negotiated: RSV1 frames go through an inflater, whose
/// window and takeover mode come from the input. The items must be the same, and both runs
/// fail or neither, but not always with the same error: a compressed message with two faults
/// reports the one found first, and that can depend on the reads (the inflater checks the size
/// and the data as it inflates a read's bytes, the decoder checks UTF-8 on what came out; the
/// first crash this target found, now a test in the decoder).
///
/// Input: as for [`decoder`], with one more byte first: the window bits (low 3 bits plus 8)
/// and `server_no_context_takeover` (bit 7).
#[cfg(feature = "deflate")]
pub fn decoder_deflate(data: &[u8]) {
    let Some((&settings, data)) = data.split_first() else {
        return;
    };
    let bits = 8 + (settings & 7);
    let reset = settings & 0x80 != 0;
    decoder_with(data, false, |max_frame, max_message| {
        Decoder::new(max_frame, max_message)
            .with_inflater(crate::proto::deflate::Inflater::new(bits, reset))
    });
}

/// Decodes the stream of `data` in one read and in the reads it asks for, with decoders made
/// by `new` from the limits it asks for, and compares: the items, and the errors themselves if
/// `same_error`, else only whether each run failed.
fn decoder_with(data: &[u8], same_error: bool, new: impl Fn(usize, usize) -> Decoder) {
    let mut input = Bytes(data);
    let (max_frame, max_message) = (input.limit(), input.limit());
    let cuts = usize::from(input.byte() % 16);
    let mut steps: Vec<u8> = (0..cuts).map(|_| input.byte()).collect();
    let stream = input.0;

    let whole = decode_in_reads(new(max_frame, max_message), stream, &[], max_message, false);
    steps.retain(|&s| s != 0);
    let mut split = decode_in_reads(
        new(max_frame, max_message),
        stream,
        &steps,
        max_message,
        true,
    );
    if !same_error && whole.error.is_some() && split.error.is_some() {
        split.error.clone_from(&whole.error);
    }
    assert_eq!(whole, split, "one read against reads of {steps:?}");
}

/// Decodes `stream` in reads of the given lengths (odd ones also take payload straight into
/// the sink while the decoder allows it), then in one read of the rest, checking each item;
/// with `fast_first`, tries the fast path for whole messages before each decode, as the reader
/// does.
fn decode_in_reads(
    mut d: Decoder,
    stream: &[u8],
    steps: &[u8],
    max_message: usize,
    fast_first: bool,
) -> Decoded {
    let mut items = Vec::new();
    let mut sink = Vec::new();
    let mut prefix_len = 0;
    let mut rest = stream;
    let mut steps = steps.iter().map(|&s| usize::from(s));
    let error = loop {
        if rest.is_empty() {
            break None;
        }
        let (step, direct) = match steps.next() {
            Some(step) => (step, step % 2 == 1),
            None => (rest.len(), false),
        };
        let (mut read, after) = rest.split_at(step.min(rest.len()));
        rest = after;
        // Payload straight into the sink, as the reader does for large frames.
        if direct {
            if let Some(pending) = d.payload_pending() {
                let n = read.len().min(pending as usize);
                sink.extend_from_slice(&read[..n]);
                match d.payload_appended(&read[..n]) {
                    Ok(item) => items.extend(item.map(|i| take(i, &mut sink, max_message))),
                    Err(e) => break Some(e),
                }
                read = &read[n..];
            }
        }
        let mut failed = None;
        while !read.is_empty() {
            if fast_first {
                if let Some((text, len, used)) = d.decode_whole_message(read, &mut sink) {
                    assert!(used > len && used <= read.len());
                    items.push(take(Item::Message { text, len }, &mut sink, max_message));
                    read = &read[used..];
                    continue;
                }
            }
            match d.decode(read, &mut sink) {
                Ok((used, item)) => {
                    assert!(used <= read.len() && (used > 0 || item.is_some()));
                    items.extend(item.map(|i| take(i, &mut sink, max_message)));
                    read = &read[used..];
                }
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        if failed.is_some() {
            break failed;
        }
        // Between reads the message in progress moves behind other bytes.
        assert!(sink[..prefix_len].iter().all(|&b| b == 0xA5));
        assert!(d.partial_len() <= max_message.min(sink.len() - prefix_len));
        let partial = sink.split_off(sink.len() - d.partial_len());
        prefix_len = step % 5;
        sink = vec![0xA5; prefix_len];
        sink.extend_from_slice(&partial);
    };
    Decoded { items, error }
}

/// An item with its message taken off the end of the sink, checked.
fn take(item: Item, sink: &mut Vec<u8>, max_message: usize) -> Decoded1 {
    match item {
        Item::Message { text, len } => {
            assert!(len <= max_message && len <= sink.len());
            let payload = sink.split_off(sink.len() - len);
            if text {
                assert!(std::str::from_utf8(&payload).is_ok(), "text is UTF-8");
            }
            Decoded1::Message { text, payload }
        }
        Item::Ping(ref p) | Item::Pong(ref p) => {
            assert!(p.len() <= 125);
            Decoded1::Control(item)
        }
        Item::Close(ref c) => {
            if let Some((code, reason)) = c {
                assert!(is_valid_wire_code(*code) && reason.len() <= 123);
            }
            Decoded1::Control(item)
        }
    }
}

/// The handshake response parser: no panic; an accepted reply is within the size limit and
/// the input, names an offered protocol, and no shorter prefix of it is a reply; the
/// extensions it selected go through the permessage-deflate negotiation without panicking.
///
/// Input: the size limit, then the reply. The expected accept value is the RFC's example's.
pub fn handshake_response(data: &[u8]) {
    let mut input = Bytes(data);
    let max_size = input.limit();
    let reply = input.0;
    let request = Request {
        bytes: Vec::new(),
        expected_accept: "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=".into(),
    };
    let protocols = ["chat".to_owned(), "superchat".to_owned()];
    let offer = Offer::default();
    let offered = offer.header_value();
    let parse =
        |input: &[u8]| parse_response(input, &request, &protocols, Some(&offered), max_size);
    let Ok(Some(accepted)) = parse(reply) else {
        return;
    };
    assert!(accepted.len <= reply.len() && accepted.len <= max_size);
    assert!(accepted.protocol.is_empty() || protocols.contains(&accepted.protocol));
    for cut in [accepted.len - 1, accepted.len / 2] {
        assert!(
            !matches!(parse(&reply[..cut]), Ok(Some(_))),
            "a prefix of {cut} bytes"
        );
    }
    if !accepted.extensions.is_empty() {
        let _ = negotiate(&offer, &[&accepted.extensions]);
    }
}

/// The URL parser: no panic; an accepted URL is `ws` or `wss`, without a fragment, with a
/// resource that starts with `/`, and parses again to the same target from its own text.
///
/// Input: whether blocked ports are allowed (bit 0 of the first byte), then the URL.
pub fn url(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Some((&allow_blocked, text)) = text.as_bytes().split_first() else {
        return;
    };
    // The first byte: whether blocked ports are allowed (bit 0); the URL follows.
    let allow_blocked = allow_blocked & 1 != 0;
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    let Ok(target) = crate::proto::url::parse(text, allow_blocked) else {
        return;
    };
    assert_eq!(target.secure, target.url.scheme() == "wss");
    assert!(matches!(target.url.scheme(), "ws" | "wss"));
    assert!(target.url.fragment().is_none());
    assert!(target.resource.starts_with('/'));
    // Port 0 is a blocked port (WHATWG Fetch's "bad port"), accepted only when blocked ports
    // are allowed.
    assert!(target.port != 0 || allow_blocked);
    let again =
        crate::proto::url::parse(target.url.as_str(), allow_blocked).expect("its own text parses");
    assert_eq!(again, target);
}

/// The close payload decoder: an empty body is no code; one byte is an error; a decoded code
/// is valid on the wire and its reason UTF-8, all of the rest; what decodes encodes back to
/// the same bytes.
pub fn close_payload_decoder(data: &[u8]) {
    match decode_close_payload(data) {
        Ok(None) => assert!(data.is_empty()),
        Ok(Some((code, reason))) => {
            assert!(is_valid_wire_code(code));
            // The 125-byte bound of a control frame is the decoder's to enforce.
            assert_eq!(reason.len(), data.len() - 2);
            assert_eq!(close_payload(Some(code), &reason), data);
        }
        Err(_) => assert!(!data.is_empty()),
    }
}

/// The permessage-deflate negotiation: no panic, and agreed parameters within RFC 7692's
/// windows and within the offer.
///
/// Input: the offer (one byte: takeover flags, and whether and which window limits), then the
/// answer's header lines, separated by newlines.
pub fn deflate_negotiation(data: &[u8]) {
    let mut input = Bytes(data);
    let flags = input.byte();
    let bits = input.byte();
    let offer = Offer {
        server_no_context_takeover: flags & 1 != 0,
        client_no_context_takeover: flags & 2 != 0,
        server_max_window_bits: (flags & 4 != 0).then_some(8 + (bits & 7)),
        client_max_window_bits: match (flags >> 3) & 3 {
            0 => ClientMaxWindowBits::Omitted,
            1 => ClientMaxWindowBits::Value(8 + (bits >> 4 & 7)),
            _ => ClientMaxWindowBits::NoValue,
        },
    };
    assert_eq!(offer.validate(), Ok(()));
    let Ok(text) = std::str::from_utf8(input.0) else {
        return;
    };
    let lines: Vec<&str> = text.split('\n').collect();
    let Ok(Some(params)) = negotiate(&offer, &lines) else {
        return;
    };
    assert!(WINDOW_BITS.contains(&params.server_max_window_bits));
    assert!(WINDOW_BITS.contains(&params.client_max_window_bits));
    if let Some(asked) = offer.server_max_window_bits {
        assert!(params.server_max_window_bits <= asked);
    }
    if offer.server_no_context_takeover {
        assert!(params.server_no_context_takeover);
    }
    if offer.client_no_context_takeover {
        assert!(params.client_no_context_takeover);
    }
    match offer.client_max_window_bits {
        ClientMaxWindowBits::Omitted => assert_eq!(params.client_max_window_bits, 15),
        ClientMaxWindowBits::Value(ours) => assert!(params.client_max_window_bits <= ours),
        ClientMaxWindowBits::NoValue => {}
    }
}

/// The inflater, against bombs and over splits: each message's output stays within the limit
/// (its buffer grows to at most the limit plus one byte past what it held), a failed call
/// leaves the output as it was, and a message inflated in pieces gives the same bytes, or the
/// same kind of failure, as in one piece.
///
/// Input: the window bits and takeover mode, the limit, then messages, each a length byte and
/// that many bytes, with a cut at the middle of odd lengths.
#[cfg(feature = "deflate")]
pub fn inflater(data: &[u8]) {
    use crate::proto::deflate::Inflater;
    let mut input = Bytes(data);
    let settings = input.byte();
    let bits = 8 + (settings & 7);
    let reset = settings & 0x80 != 0;
    let limit = input.limit().min(1 << 24);
    let mut messages = Vec::new();
    while !input.0.is_empty() {
        let len = usize::from(input.byte()).min(input.0.len());
        let (message, rest) = input.0.split_at(len);
        messages.push(message);
        input.0 = rest;
    }
    let mut whole = Inflater::new(bits, reset);
    let mut split = Inflater::new(bits, reset);
    for message in messages {
        let a = inflate_checked(&mut whole, &[message], limit);
        let pieces: Vec<&[u8]> = if message.len() % 2 == 1 {
            let (x, y) = message.split_at(message.len() / 2);
            vec![x, y]
        } else {
            message.chunks(1.max(message.len() / 3)).collect()
        };
        let b = inflate_checked(&mut split, &pieces, limit);
        match (&a, &b) {
            (Ok(x), Ok(y)) => assert_eq!(x, y),
            (Err(_), Err(_)) => {}
            _ => panic!("in one piece: {a:?}; in {} pieces: {b:?}", pieces.len()),
        }
        if a.is_err() {
            // Both streams were released: start both afresh.
            whole = Inflater::new(bits, reset);
            split = Inflater::new(bits, reset);
        }
    }
}

/// One message through `inflater` in `pieces`, then its end, checking the bounds; returns the
/// message's bytes.
#[cfg(feature = "deflate")]
fn inflate_checked(
    inflater: &mut crate::proto::deflate::Inflater,
    pieces: &[&[u8]],
    limit: usize,
) -> Result<Vec<u8>, ()> {
    // Bytes already in the buffer stay: the limit counts only this message's.
    let mut out = vec![0xA5; 3];
    let most = out.capacity().max(3 + limit.saturating_add(1));
    for piece in pieces {
        let before = out.len();
        let result = inflater.inflate(piece, &mut out, limit);
        assert!(out.capacity() <= most, "{} bytes held", out.capacity());
        if result.is_err() {
            assert_eq!(
                out.len(),
                before,
                "a failed call leaves the output as it was"
            );
            return Err(());
        }
        assert!(out.len() - 3 <= limit);
    }
    let before = out.len();
    let result = inflater.finish(&mut out, limit);
    assert!(out.capacity() <= most, "{} bytes held", out.capacity());
    if result.is_err() {
        assert_eq!(out.len(), before);
        return Err(());
    }
    assert!(out.len() - 3 <= limit);
    assert_eq!(&out[..3], &[0xA5; 3]);
    Ok(out.split_off(3))
}

/// The proxy parsers (`proto::proxy`, `proto::http`), chosen by the first byte:
/// 0. the reply to CONNECT (then the size limit): an accepted head is within the limit and the
///    input, and no shorter prefix of it is accepted;
/// 1. to 3. the SOCKS5 method choice (password offered or not), the RFC 1929 reply, the
///    CONNECT reply: a prefix of a reply needs more bytes than it has, or gives the same answer
///    as the whole;
/// 4. a proxy URL: no panic, and the password never in `Debug` or `Display`;
/// 5. the body of a refused reply (then the limit): what is kept is within the limit.
pub fn proxy_replies(data: &[u8]) {
    use crate::proto::proxy::{
        parse_connect_response, parse_socks5_auth_reply, parse_socks5_method, parse_socks5_reply,
        Proxy, Step,
    };
    let mut input = Bytes(data);
    match input.byte() % 6 {
        0 => {
            let max = input.limit();
            let reply = input.0;
            if let Ok(Some(end)) = parse_connect_response(reply, max) {
                assert!(end <= reply.len() && end <= max);
                for cut in [end - 1, end / 2] {
                    let prefix = parse_connect_response(&reply[..cut], max);
                    assert!(!matches!(prefix, Ok(Some(_))), "a prefix of {cut} bytes");
                }
            }
        }
        kind @ 1..=3 => {
            let password = input.byte() & 1 != 0;
            let reply = input.0;
            let parse = |buf: &[u8]| -> Result<Step<String>, String> {
                let answer = match kind {
                    1 => parse_socks5_method(buf, password).map(|s| step(s, |m| format!("{m:?}"))),
                    2 => parse_socks5_auth_reply(buf).map(|s| step(s, |()| String::new())),
                    _ => parse_socks5_reply(buf).map(|s| step(s, |()| String::new())),
                };
                answer.map_err(|e| format!("{e:?}"))
            };
            let whole = parse(reply);
            for cut in 0..reply.len() {
                match parse(&reply[..cut]) {
                    Ok(Step::NeedMore(n)) => assert!(n > cut, "{n} bytes needed with {cut}"),
                    prefix => assert_eq!(prefix, whole, "a prefix of {cut} bytes"),
                }
            }
        }
        4 => {
            let Ok(url) = std::str::from_utf8(input.0) else {
                return;
            };
            if let Ok(proxy) = Proxy::parse(url) {
                if let Some(c) = &proxy.credentials {
                    let shown = format!("{proxy:?} {proxy}");
                    let hidden = c.password.len() >= 8
                        && !proxy.host.contains(&c.password)
                        && !c.username.contains(&c.password);
                    assert!(!hidden || !shown.contains(&c.password), "{shown}");
                }
            }
        }
        _ => {
            let limit = input.limit().min(1 << 20);
            let mut headers = [httparse::EMPTY_HEADER; crate::proto::http::MAX_HEADERS];
            let mut head = httparse::Response::new(&mut headers);
            let Ok(httparse::Status::Complete(len)) = head.parse(input.0) else {
                return;
            };
            let response = crate::proto::http::response(&head);
            let body = crate::proto::http::Body::new(&response, limit);
            let raw = &input.0[len..];
            let _ = body.is_complete(raw);
            assert!(body.decode(raw).len() <= limit);
        }
    }
}

/// A SOCKS step with its answer as text, to compare answers of any type.
fn step<T>(
    s: crate::proto::proxy::Step<T>,
    show: impl Fn(T) -> String,
) -> crate::proto::proxy::Step<String> {
    use crate::proto::proxy::Step;
    match s {
        Step::NeedMore(n) => Step::NeedMore(n),
        Step::Done(t) => Step::Done(show(t)),
    }
}
