//! Inflating the payloads of compressed messages on the receiving side (RFC 7692 §7.2.2).
//!
//! "An endpoint uses the following algorithm to decompress a message. 1. Append 4 octets of
//! 0x00 0x00 0xff 0xff to the tail end of the payload of the message. 2. Decompress the
//! resulting data using DEFLATE." The payload arrives frame by frame, in pieces of any size:
//! [`Inflater::inflate`] takes each piece, [`Inflater::finish`] appends the 4 octets and ends
//! the message.
//!
//! Memory: the zlib state is allocated on the first compressed message, so an idle connection
//! or one whose server never compresses pays nothing. zlib-rs then allocates its 32 KiB window
//! whatever the negotiated size, plus its tables: 46.4 KiB measured at every w (zlib proper
//! takes about 2^w + 7 KiB). With `server_no_context_takeover` the state is released after
//! each message, so the connection holds it only while a compressed message is being
//! inflated; allocating it again costs ~0.3 µs per message.

use flate2::{Decompress, FlushDecompress, Status};

use crate::error::ProtocolError;

/// The last 4 octets of a sync flush, removed by the sender (RFC 7692 §7.2.1) and appended
/// again by the receiver.
pub(crate) const TRAILER: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// The least by which the output grows when it is full.
const MIN_STEP: usize = 4 * 1024;

/// Why a compressed message could not be inflated. Either fails the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum InflateError {
    /// The payload is not valid DEFLATE data. RFC 7692 names no close code for it; we fail
    /// the connection with 1007 as Node `ws` does (Python `websockets` sends 1002), since the
    /// frames were well formed and their payload was not.
    Corrupt(String),
    /// The inflated message would exceed the limit.
    TooLarge {
        /// The bytes of the message inflated when the limit was crossed: at least `limit + 1`,
        /// not the size the whole message would have reached.
        size: u64,
        /// The limit.
        limit: usize,
    },
}

/// The close code follows from the protocol error (RFC 6455 §7.4.1): 1007 for corrupt data,
/// 1009 for a message over the limit.
impl From<InflateError> for ProtocolError {
    fn from(e: InflateError) -> ProtocolError {
        match e {
            InflateError::Corrupt(why) => ProtocolError::BadCompressedData(why),
            InflateError::TooLarge { size, limit } => {
                ProtocolError::MessageTooLarge { size, limit }
            }
        }
    }
}

impl std::fmt::Display for InflateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InflateError::Corrupt(why) => {
                write!(
                    f,
                    "invalid compressed data in a message (RFC 7692 §7.2.2): {why}"
                )
            }
            InflateError::TooLarge { size, limit } => write!(
                f,
                "message inflates to more than {limit} bytes ({size} so far)"
            ),
        }
    }
}

impl std::error::Error for InflateError {}

/// The receiving side's decompressor, one per connection.
///
/// Between [`inflate`](Inflater::inflate) and [`finish`](Inflater::finish) the caller may
/// move the bytes already appended elsewhere: the limit counts this message's bytes, which the
/// inflater tracks, and never looks at what `out` held before.
#[derive(Debug)]
pub(crate) struct Inflater {
    /// The zlib stream, `None` until the first compressed message and whenever it was released.
    state: Option<Decompress>,
    /// The server's window, as negotiated.
    window_bits: u8,
    /// `server_no_context_takeover` was agreed: each message starts a fresh stream.
    no_context_takeover: bool,
    /// The bytes inflated for the current message so far.
    message_len: usize,
    /// Whether the current message has had any payload.
    fed: bool,
    /// The current message ended its DEFLATE stream (a block with BFINAL set).
    ended: bool,
}

impl Inflater {
    /// An inflater for a server window of 2^`window_bits` bytes (8..=15). Allocates nothing.
    pub(crate) fn new(window_bits: u8, no_context_takeover: bool) -> Self {
        Inflater {
            state: None,
            window_bits,
            no_context_takeover,
            message_len: 0,
            fed: false,
            ended: false,
        }
    }

    /// Inflates the next piece of the current message's payload, appending the bytes to `out`.
    ///
    /// Fails as soon as the message's inflated size exceeds `limit`, having allocated at most
    /// `limit + 1` bytes for it: `out` grows in steps that double with the message (from 4 KiB)
    /// and never past the limit, so a small bomb fails after inflating `limit + 1` bytes. Spare
    /// capacity that `out` already had is filled before the check. On error `out` is left as
    /// it was before this call.
    pub(crate) fn inflate(
        &mut self,
        input: &[u8],
        out: &mut Vec<u8>,
        limit: usize,
    ) -> Result<(), InflateError> {
        if input.is_empty() {
            return Ok(());
        }
        self.fed = true;
        self.run(input, out, limit)
    }

    /// Ends the current message: appends the inflated bytes of the 4-octet trailer, then
    /// resets the stream if the server does not take over context, or if the message ended
    /// its DEFLATE stream.
    pub(crate) fn finish(&mut self, out: &mut Vec<u8>, limit: usize) -> Result<(), InflateError> {
        // A message with an empty payload carries no DEFLATE data at all: it is empty, and
        // the trailer alone would leave the stream inside a stored block.
        let result = if self.fed {
            self.run(&TRAILER, out, limit)
        } else {
            Ok(())
        };
        if self.no_context_takeover || self.ended {
            // Released rather than reset: flate2 re-creates the state on reset at windows other
            // than 15 anyway, and an idle connection then holds nothing.
            self.state = None;
        }
        self.message_len = 0;
        self.fed = false;
        self.ended = false;
        result
    }

    /// Whether the zlib state is allocated.
    #[cfg(test)]
    pub(crate) fn is_allocated(&self) -> bool {
        self.state.is_some()
    }

    /// Feeds `input` through the stream, growing `out` within the limit.
    fn run(
        &mut self,
        mut input: &[u8],
        out: &mut Vec<u8>,
        limit: usize,
    ) -> Result<(), InflateError> {
        // RFC 7692 §7.2.3.4 allows a message to end its DEFLATE stream with a block with
        // BFINAL set, followed by "1 octet (0x00)" so that the appended trailer still parses.
        // Whatever follows the end of the stream in the message is ignored, as zlib does.
        if self.ended {
            return Ok(());
        }
        // flate2 takes windows of 9 to 15 bits. A larger window than the server's accepts all
        // its distances, so an 8-bit server window is inflated with 9 bits.
        let bits = self.window_bits.clamp(9, 15);
        let stream = self
            .state
            .get_or_insert_with(|| Decompress::new_with_window_bits(false, bits));
        let start = out.len();
        loop {
            if out.len() == out.capacity() {
                // Double this message's bytes so far, within what the limit leaves plus the
                // one byte that tells the limit was crossed.
                let room = (limit - self.message_len).saturating_add(1);
                out.reserve_exact(self.message_len.max(MIN_STEP).min(room));
            }
            let (in_before, out_before) = (stream.total_in(), stream.total_out());
            let status = stream.decompress_vec(input, out, FlushDecompress::None);
            let consumed = (stream.total_in() - in_before) as usize;
            let produced = (stream.total_out() - out_before) as usize;
            input = &input[consumed..];
            self.message_len += produced;
            let error = match status {
                Err(e) => Some(InflateError::Corrupt(e.to_string())),
                _ if self.message_len > limit => Some(InflateError::TooLarge {
                    size: self.message_len as u64,
                    limit,
                }),
                Ok(Status::StreamEnd) => {
                    self.ended = true;
                    return Ok(());
                }
                // zlib stops with output room left only when it has used all the input.
                Ok(_) if out.len() < out.capacity() && input.is_empty() => return Ok(()),
                Ok(_) if consumed == 0 && produced == 0 && out.len() < out.capacity() => Some(
                    InflateError::Corrupt("the inflater made no progress".to_owned()),
                ),
                Ok(_) => None,
            };
            if let Some(e) = error {
                out.truncate(start);
                self.state = None;
                self.message_len = 0;
                self.fed = false;
                return Err(e);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Compress, Compression, FlushCompress};
    use proptest::prelude::*;

    /// Compresses each message with one raw stream as a permessage-deflate sender does: a sync
    /// flush per message, its 4-byte trailer removed, and a fresh stream per message when
    /// `reset`.
    fn compress_messages(messages: &[&[u8]], bits: u8, reset: bool) -> Vec<Vec<u8>> {
        let mut c = Compress::new_with_window_bits(Compression::default(), false, bits);
        messages
            .iter()
            .map(|m| {
                if reset {
                    c.reset();
                }
                let mut out = Vec::with_capacity(m.len() + 64);
                let start = c.total_in();
                loop {
                    let at = (c.total_in() - start) as usize;
                    c.compress_vec(&m[at..], &mut out, FlushCompress::Sync)
                        .unwrap();
                    if out.len() < out.capacity() {
                        break;
                    }
                    out.reserve(out.capacity());
                }
                assert!(out.ends_with(&TRAILER));
                out.truncate(out.len() - 4);
                out
            })
            .collect()
    }

    /// Inflates one whole message in a single piece.
    fn inflate_one(
        inf: &mut Inflater,
        payload: &[u8],
        limit: usize,
    ) -> Result<Vec<u8>, InflateError> {
        let mut out = Vec::new();
        inf.inflate(payload, &mut out, limit)?;
        inf.finish(&mut out, limit)?;
        Ok(out)
    }

    /// Text that compresses well but not trivially, `n` bytes long, varied by `seed`.
    fn text(n: usize, seed: u64) -> Vec<u8> {
        let words = [
            "trade", "BTC-USD", "price", "qty", "\"ts\":", "{", "}", ",", "42.17", "side",
        ];
        let mut x = seed | 1;
        let mut v = Vec::with_capacity(n + 16);
        while v.len() < n {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            v.extend_from_slice(words[(x % words.len() as u64) as usize].as_bytes());
            v.push(b'0' + (x >> 32) as u8 % 10);
        }
        v.truncate(n);
        v
    }

    /// Whatever room `out` starts with, and wherever the payload splits, the message comes out
    /// whole: zlib may have used all its input and still hold output when `out` fills up, and
    /// that output must come out before the message ends.
    #[test]
    fn output_filling_the_room_exactly_is_not_cut_short() {
        let mut message = text(3000, 11);
        message.extend(std::iter::repeat_n(b'a', 20_000));
        message.extend(text(500, 12));
        message.extend(std::iter::repeat_n(b'z', 5_000));
        let payload = compress_messages(&[&message], 15, false).remove(0);
        for spare in 0..=2 * MIN_STEP {
            for split in [payload.len(), payload.len() - 1, payload.len() / 2] {
                let mut inf = Inflater::new(15, false);
                let mut out = Vec::with_capacity(spare);
                inf.inflate(&payload[..split], &mut out, usize::MAX)
                    .unwrap();
                inf.inflate(&payload[split..], &mut out, usize::MAX)
                    .unwrap();
                inf.finish(&mut out, usize::MAX).unwrap();
                assert!(out == message, "room {spare}, split at {split}");
            }
        }
    }

    /// RFC 7692 §7.2.3.1: "Hello" in one compressed block.
    #[test]
    fn rfc_example_one_block() {
        let mut inf = Inflater::new(15, false);
        assert!(
            !inf.is_allocated(),
            "nothing allocated before the first message"
        );
        let got = inflate_one(&mut inf, &[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00], 100);
        assert_eq!(got.unwrap(), b"Hello");
        assert!(inf.is_allocated(), "kept for context takeover");
    }

    /// RFC 7692 §7.2.3.2: the second "Hello" refers back into the first message.
    #[test]
    fn rfc_example_sharing_the_window() {
        let mut inf = Inflater::new(15, false);
        let first = [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
        assert_eq!(inflate_one(&mut inf, &first, 100).unwrap(), b"Hello");
        assert_eq!(
            inflate_one(&mut inf, &[0xf2, 0x00, 0x11, 0x00, 0x00], 100).unwrap(),
            b"Hello"
        );
    }

    /// RFC 7692 §7.2.3.3, §7.2.3.5 and §7.2.3.6: a stored block, two blocks in one message,
    /// an empty message.
    #[test]
    fn rfc_examples_stored_two_blocks_empty() {
        let mut inf = Inflater::new(15, true);
        let stored = [
            0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00,
        ];
        assert_eq!(inflate_one(&mut inf, &stored, 100).unwrap(), b"Hello");
        let two = [
            0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9, 0xc9, 0x07, 0x00,
        ];
        assert_eq!(inflate_one(&mut inf, &two, 100).unwrap(), b"Hello");
        assert_eq!(inflate_one(&mut inf, &[0x00], 100).unwrap(), b"");
        assert!(
            !inf.is_allocated(),
            "released after each message without context takeover"
        );
    }

    /// RFC 7692 §7.2.3.4: a message that ends its stream with BFINAL; the next message starts a
    /// new stream even with context takeover, and bytes after the end are ignored.
    #[test]
    fn rfc_example_bfinal() {
        let bfinal = [0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00];
        let mut inf = Inflater::new(15, false);
        assert_eq!(inflate_one(&mut inf, &bfinal, 100).unwrap(), b"Hello");
        assert!(!inf.is_allocated());
        // Split right after the final block, with junk after it.
        let mut out = Vec::new();
        inf.inflate(&bfinal[..7], &mut out, 100).unwrap();
        inf.inflate(&[0x00, 0x12, 0x34], &mut out, 100).unwrap();
        inf.finish(&mut out, 100).unwrap();
        assert_eq!(out, b"Hello");
        let first = [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
        assert_eq!(inflate_one(&mut inf, &first, 100).unwrap(), b"Hello");
    }

    /// A compressed message with no payload bytes at all is empty and leaves the stream as it
    /// was.
    #[test]
    fn empty_payload() {
        let msgs = compress_messages(&[b"abcabcabc", b"abcabcabc"], 15, false);
        let mut inf = Inflater::new(15, false);
        assert_eq!(inflate_one(&mut inf, &msgs[0], 100).unwrap(), b"abcabcabc");
        assert_eq!(inflate_one(&mut inf, &[], 100).unwrap(), b"");
        assert_eq!(inflate_one(&mut inf, &msgs[1], 100).unwrap(), b"abcabcabc");
    }

    /// Bytes already in `out` are kept, not counted, and left alone on error.
    #[test]
    fn appends_after_existing_bytes() {
        let msgs = compress_messages(&[&text(3000, 1)], 15, false);
        let mut inf = Inflater::new(15, false);
        let mut out = vec![7u8; 10_000];
        inf.inflate(&msgs[0], &mut out, 3000).unwrap();
        inf.finish(&mut out, 3000).unwrap();
        assert_eq!(&out[..10_000], &[7u8; 10_000][..]);
        assert_eq!(&out[10_000..], &text(3000, 1)[..]);

        let mut out = vec![7u8; 10];
        let mut inf = Inflater::new(15, false);
        let e = inflate_one(&mut inf, &msgs[0], 2999).map(|_| ());
        assert!(matches!(e, Err(InflateError::TooLarge { limit: 2999, .. })));
        inf.inflate(&msgs[0], &mut out, 2999).unwrap_err();
        assert_eq!(out, vec![7u8; 10]);
    }

    /// The limit is inclusive: exactly `limit` bytes pass, one more fails.
    #[test]
    fn limit_is_exact() {
        let data = text(5000, 2);
        let msgs = compress_messages(&[&data], 15, true);
        assert_eq!(
            inflate_one(&mut Inflater::new(15, true), &msgs[0], 5000).unwrap(),
            data
        );
        let e = inflate_one(&mut Inflater::new(15, true), &msgs[0], 4999).unwrap_err();
        assert_eq!(
            e,
            InflateError::TooLarge {
                size: 5000,
                limit: 4999
            }
        );
        assert_eq!(ProtocolError::from(e.clone()).close_code(), 1009);
        assert!(e.to_string().contains("4999"));
    }

    /// A decompression bomb: 1 GiB of zeros in about 1 MiB of DEFLATE fails after `limit + 1`
    /// bytes, and `out` never grows past that.
    #[test]
    fn bomb_fails_within_the_limit() {
        // One block of zeros, repeated: each repeat is a sync-flushed copy of the same 1 MiB.
        let zeros = vec![0u8; 1 << 20];
        let piece = [&compress_messages(&[&zeros], 15, true)[0][..], &TRAILER].concat();
        let limit = 4 << 20;
        let mut inf = Inflater::new(15, false);
        let mut out = Vec::new();
        let mut result = Ok(());
        for _ in 0..1024 {
            result = inf.inflate(&piece, &mut out, limit);
            if result.is_err() {
                break;
            }
        }
        assert_eq!(
            result,
            Err(InflateError::TooLarge {
                size: limit as u64 + 1,
                limit
            })
        );
        assert_eq!(
            out.len(),
            limit,
            "the earlier calls' bytes stay, this call's are dropped"
        );
        assert!(
            out.capacity() <= limit + 1,
            "capacity {} over the limit",
            out.capacity()
        );
        assert!(!inf.is_allocated(), "the stream is released on error");
    }

    /// The same bomb in a single piece: the first call fails, `out` stays within the limit.
    #[test]
    fn bomb_in_one_piece() {
        let zeros = vec![0u8; 64 << 20];
        let bomb = &compress_messages(&[&zeros], 15, true)[0];
        assert!(bomb.len() < 100 << 10, "{}", bomb.len());
        let limit = 1 << 20;
        let mut out = Vec::new();
        let e = Inflater::new(15, false)
            .inflate(bomb, &mut out, limit)
            .unwrap_err();
        assert_eq!(
            e,
            InflateError::TooLarge {
                size: limit as u64 + 1,
                limit
            }
        );
        assert!(out.capacity() <= limit + 1);
    }

    /// The output grows from 4 KiB, and a message many steps long comes out whole, also when
    /// zlib has taken all its input long before it has written all its output.
    #[test]
    fn output_grows_in_steps_and_nothing_is_left_behind() {
        let mut inf = Inflater::new(15, false);
        let mut out = Vec::new();
        let hello = [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
        inf.inflate(&hello, &mut out, 1 << 20).unwrap();
        assert_eq!(out.capacity(), 4096);
        inf.finish(&mut out, 1 << 20).unwrap();
        assert_eq!(out, b"Hello");
        let zeros = vec![0u8; 1 << 20];
        let z = &compress_messages(&[&zeros], 15, false)[0];
        assert!(z.len() < 2048, "{}", z.len());
        let mut inf = Inflater::new(15, false);
        assert_eq!(inflate_one(&mut inf, z, 1 << 20).unwrap(), zeros);
        let mut inf = Inflater::new(15, false);
        let mut out = Vec::new();
        inf.inflate(z, &mut out, 1 << 20).unwrap();
        assert_eq!(out.len(), zeros.len(), "all of it before the trailer");
    }

    /// Context takeover: later messages refer back to earlier ones and come out right.
    #[test]
    fn context_takeover_across_messages() {
        let messages: Vec<Vec<u8>> = (0..20).map(|i| text(700, i % 3)).collect();
        let refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
        let compressed = compress_messages(&refs, 15, false);
        assert!(
            compressed[5].len() * 4 < compressed[0].len(),
            "later messages reuse the window"
        );
        let mut inf = Inflater::new(15, false);
        for (m, c) in messages.iter().zip(&compressed) {
            assert_eq!(&inflate_one(&mut inf, c, 1 << 20).unwrap(), m);
        }
        // Without the shared window the same bytes do not inflate to the message.
        let mut fresh = Inflater::new(15, true);
        assert_ne!(
            inflate_one(&mut fresh, &compressed[5], 1 << 20)
                .ok()
                .as_ref(),
            Some(&messages[5])
        );
    }

    /// No context takeover: each message is a fresh stream, and the inflater releases its
    /// state between messages.
    #[test]
    fn no_context_takeover_resets() {
        let messages: Vec<Vec<u8>> = (0..5).map(|_| text(700, 9)).collect();
        let refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
        let compressed = compress_messages(&refs, 15, true);
        assert_eq!(
            compressed[0], compressed[4],
            "each message compressed alone"
        );
        let mut inf = Inflater::new(15, true);
        for (m, c) in messages.iter().zip(&compressed) {
            assert_eq!(&inflate_one(&mut inf, c, 1 << 20).unwrap(), m);
            assert!(!inf.is_allocated());
        }
    }

    /// Every window size: data compressed with that window inflates, across messages with
    /// context takeover, including distances near the window's size. The 8-bit window is
    /// compressed with 9 bits, the smallest flate2 offers.
    #[test]
    fn every_window_size() {
        for bits in 8..=15u8 {
            let w = 1usize << bits;
            let a = text(3 * w, u64::from(bits));
            let messages = [&a[..w], &a[w / 2..2 * w], &a[..], &a[w - 10..w + 300]];
            let compressed = compress_messages(&messages, bits.max(9), false);
            let mut inf = Inflater::new(bits, false);
            for (m, c) in messages.iter().zip(&compressed) {
                assert_eq!(
                    &inflate_one(&mut inf, c, 1 << 20).unwrap()[..],
                    *m,
                    "bits {bits}"
                );
            }
        }
    }

    /// An 8-bit window reaches back exactly 256 bytes: a hand-made stream with a match at
    /// distance 256 inflates.
    #[test]
    fn window_8_reaches_back_256_bytes() {
        /// Appends bits LSB first, as DEFLATE packs everything but Huffman codes.
        fn put(out: &mut Vec<u8>, at: &mut usize, value: u32, n: u32) {
            for i in 0..n {
                if at.is_multiple_of(8) {
                    out.push(0);
                }
                *out.last_mut().unwrap() |= ((value >> i & 1) as u8) << (*at % 8);
                *at += 1;
            }
        }
        /// Appends a Huffman code, most significant bit first.
        fn code(out: &mut Vec<u8>, at: &mut usize, value: u32, n: u32) {
            for i in (0..n).rev() {
                put(out, at, value >> i & 1, 1);
            }
        }
        let data: Vec<u8> = (0..=255).collect();
        let (mut s, mut at) = (Vec::new(), 0);
        // A stored block of the 256 bytes.
        put(&mut s, &mut at, 0b000, 3);
        s.extend_from_slice(&[0x00, 0x01, 0xff, 0xfe]);
        s.extend_from_slice(&data);
        at = s.len() * 8;
        // A fixed-Huffman block: length 3 (symbol 257), distance code 15 (base 193) plus 63,
        // end of block.
        put(&mut s, &mut at, 0b010, 3);
        code(&mut s, &mut at, 0b000_0001, 7);
        code(&mut s, &mut at, 0b01111, 5);
        put(&mut s, &mut at, 63, 6);
        code(&mut s, &mut at, 0, 7);
        // The sync flush's empty stored block, less its last 4 octets.
        put(&mut s, &mut at, 0b000, 3);
        let want = [&data[..], &data[..3]].concat();
        assert_eq!(
            inflate_one(&mut Inflater::new(8, false), &s, 1000).unwrap(),
            want
        );
    }

    /// A distance beyond what the stream has produced is corrupt data, reported without panic;
    /// so are invalid block types and bad stored lengths.
    #[test]
    fn corrupt_data() {
        for bad in [
            &[0xff, 0xff, 0xff, 0xff][..],
            &[0x07, 0x00][..],                   // BTYPE 11
            &[0x00, 0x05, 0x00, 0x00, 0x00][..], // LEN and NLEN disagree
            &[0xf2, 0x00, 0x11, 0x00, 0x00][..], // RFC 7692 §7.2.3.2's second message, alone
        ] {
            let mut inf = Inflater::new(15, false);
            match inflate_one(&mut inf, bad, 100) {
                Err(e @ InflateError::Corrupt(_)) => {
                    assert_eq!(ProtocolError::from(e.clone()).close_code(), 1007);
                    assert!(e.to_string().contains("RFC 7692"), "{e}");
                }
                other => panic!("{bad:02x?}: {other:?}"),
            }
            assert!(!inf.is_allocated());
        }
    }

    proptest! {
        #![proptest_config(crate::proto::testing::deterministic(256, 7692))]

        /// However the payloads are cut into frames, and whatever the takeover mode, the
        /// messages come out whole.
        #[test]
        fn any_split_gives_the_same_messages(
            seeds in proptest::collection::vec((0u64..4, 0usize..3000), 1..6),
            cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..6),
            reset in any::<bool>(),
            bits in 9u8..=15,
        ) {
            let messages: Vec<Vec<u8>> = seeds.iter().map(|&(s, n)| text(n, s)).collect();
            let refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
            let compressed = compress_messages(&refs, bits, reset);
            let mut inf = Inflater::new(bits, reset);
            for (m, c) in messages.iter().zip(&compressed) {
                let mut points: Vec<usize> = cuts.iter().map(|i| i.index(c.len() + 1)).collect();
                points.sort_unstable();
                let mut out = vec![1, 2, 3];
                let mut start = 0;
                for p in points.into_iter().chain([c.len()]) {
                    inf.inflate(&c[start..p], &mut out, m.len()).unwrap();
                    start = p;
                }
                inf.finish(&mut out, m.len()).unwrap();
                prop_assert_eq!(&out[..3], &[1, 2, 3]);
                prop_assert_eq!(&out[3..], &m[..]);
            }
        }

        /// Arbitrary bytes never panic, and an error leaves the inflater usable for a fresh
        /// stream.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let mut inf = Inflater::new(15, false);
            let mut out = Vec::new();
            if inf.inflate(&bytes, &mut out, 1 << 16).is_ok() {
                let _ = inf.finish(&mut out, 1 << 16);
            }
            prop_assert!(out.len() <= 1 << 16);
            if !inf.is_allocated() {
                // Released after an error (or a final block): a fresh stream works.
                let hello = [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
                prop_assert_eq!(inflate_one(&mut inf, &hello, 100).unwrap(), b"Hello");
            }
        }
    }
}
