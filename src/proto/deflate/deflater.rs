//! Compressing the payloads of outgoing messages (RFC 7692 §7.2.1).
//!
//! "1. Compress all the octets of the payload of the message using DEFLATE. 2. If the resulting
//! data does not end with an empty DEFLATE block with no compression (the "BTYPE" bits are set
//! to 00), append an empty DEFLATE block with no compression to the tail end. 3. Remove 4
//! octets (that are 0x00 0x00 0xff 0xff) from the tail end." A sync flush ends the data with
//! exactly that empty block, so step 2 never adds anything here.
//!
//! The 8-bit window: zlib's deflate has none (zlib-rs refuses a raw window of 8 bits, and
//! flate2 panics on it before). We compress with 9 bits instead, which is safe: zlib limits
//! match distances to `MAX_DIST` = window − 262 bytes ("match distances are limited to MAX_DIST
//! instead of WSIZE"), 250 bytes at 9 bits, within the 256 bytes a server that demanded
//! `client_max_window_bits=8` keeps; zlib-rs asserts that bound on every match it emits. The
//! tests decode the output with a reference inflater that refuses any distance over 256.
//!
//! Memory: the zlib state is allocated on the first compressed message, so a connection that
//! never sends pays nothing. At flate2's fixed memLevel of 8, zlib-rs takes 2^(w+2) bytes of
//! window and chain plus about 240 KiB that do not depend on w (a 128 KiB hash head of fixed
//! size, and 112 KiB of pending and symbol buffers): 371 KiB measured at w = 15, 259 KiB at
//! w = 12, 245 KiB at w = 9. With `client_no_context_takeover` the state is reset, not
//! released, after each message: a reset costs ~1 µs, re-creating the state ~3 µs.

use flate2::{Compress, Compression, FlushCompress};

use crate::proto::deflate::inflater::TRAILER;

/// The sending side's compressor, one per connection.
#[derive(Debug)]
pub(crate) struct Deflater {
    /// The zlib stream, `None` until the first message is compressed.
    state: Option<Compress>,
    /// Our window as zlib knows it: the negotiated one, 8 raised to 9 (see the module doc).
    window_bits: u8,
    /// `client_no_context_takeover` was agreed: each message is compressed on its own.
    no_context_takeover: bool,
    /// The zlib compression level.
    level: Compression,
}

impl Deflater {
    /// A compressor for our window of 2^`window_bits` bytes (8..=15) at zlib `level` (0..=9;
    /// larger values count as 9). Allocates nothing.
    pub(crate) fn new(window_bits: u8, no_context_takeover: bool, level: u32) -> Self {
        Deflater {
            state: None,
            window_bits: window_bits.clamp(9, 15),
            no_context_takeover,
            level: Compression::new(level.min(9)),
        }
    }

    /// Appends the compressed payload of a whole message to `out`, for frames with RSV1 set on
    /// the first.
    pub(crate) fn compress(&mut self, payload: &[u8], out: &mut Vec<u8>) {
        if payload.is_empty() {
            // An empty DEFLATE block with no compression, less its last 4 octets: the single
            // octet 0x00 (RFC 7692 §7.2.3.6). zlib would emit nothing for a second flush in a
            // row.
            out.push(0x00);
            return;
        }
        let (bits, level) = (self.window_bits, self.level);
        let stream = self
            .state
            .get_or_insert_with(|| Compress::new_with_window_bits(level, false, bits));
        let start = out.len();
        out.reserve(payload.len() / 2 + 64);
        let mut input = payload;
        loop {
            let before = stream.total_in();
            stream
                .compress_vec(input, out, FlushCompress::Sync)
                .expect("zlib-rs deflate fails only on a misused stream");
            input = &input[(stream.total_in() - before) as usize..];
            // With a flush, zlib is done once it returns with output room left.
            if out.len() < out.capacity() {
                break;
            }
            out.reserve((out.len() - start).max(64));
        }
        debug_assert!(input.is_empty() && out[start..].ends_with(&TRAILER));
        out.truncate(out.len() - TRAILER.len());
        if self.no_context_takeover {
            stream.reset();
        }
    }

    /// Whether the zlib state is allocated.
    pub(crate) fn is_allocated(&self) -> bool {
        self.state.is_some()
    }

    /// Lets the zlib state go, between messages; the next message allocates a new one and
    /// compresses without referring to the earlier ones.
    pub(crate) fn release(&mut self) {
        self.state = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DEFAULT_COMPRESSION_LEVEL;
    use crate::proto::deflate::inflater::Inflater;
    use proptest::prelude::*;

    /// Inflates one whole compressed message.
    fn inflate(inf: &mut Inflater, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        inf.inflate(payload, &mut out, usize::MAX).unwrap();
        inf.finish(&mut out, usize::MAX).unwrap();
        out
    }

    /// The compressed sizes of the first `n` JSON messages at `level`, each checked to inflate
    /// back whole, with context takeover or not (`nct`).
    fn json_sizes(level: u32, nct: bool, n: u64) -> Vec<usize> {
        let mut d = Deflater::new(15, nct, level);
        let mut inf = Inflater::new(15, nct);
        (0..n)
            .map(|i| {
                let m = json(i);
                let mut out = Vec::new();
                d.compress(&m, &mut out);
                assert_eq!(inflate(&mut inf, &out), m);
                out.len()
            })
            .collect()
    }

    /// A market-data-like JSON message, varied by `i`.
    fn json(i: u64) -> Vec<u8> {
        format!(
            "{{\"type\":\"trade\",\"symbol\":\"BTC-USD\",\"price\":{}.{:02},\"qty\":{}.{:04},\
             \"ts\":{},\"id\":{},\"side\":\"{}\"}}",
            60_000 + (i * 7919) % 500,
            (i * 31) % 100,
            (i * 13) % 7,
            (i * 6151) % 10_000,
            1_700_000_000_000u64 + i * 37,
            i,
            if i.is_multiple_of(3) { "buy" } else { "sell" }
        )
        .into_bytes()
    }

    /// Pseudo-random bytes: incompressible.
    fn noise(n: usize, seed: u64) -> Vec<u8> {
        let mut x = seed | 1;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }

    /// Bytes whose repeats lie at every distance from 1 to 1,000: a compressor with a window
    /// larger than 256 bytes finds matches beyond 256 here.
    fn repeats(n: usize, seed: u64) -> Vec<u8> {
        let mut v = noise(1000, seed);
        let mut d = 1;
        while v.len() < n {
            let at = v.len() - d;
            let run: Vec<u8> = v[at..at + d.min(8)].to_vec();
            v.extend_from_slice(&run);
            v.push(v.len() as u8);
            d = d % 1000 + 37;
        }
        v.truncate(n);
        v
    }

    /// RFC 7692 §7.2.3.1 and §7.2.3.2: "Hello" twice with context takeover.
    /// The zlib state exists from the first message on, and goes with `release`; the next
    /// message compresses afresh.
    #[test]
    fn release_lets_the_state_go() {
        let mut d = Deflater::new(15, false, 6);
        assert!(!d.is_allocated());
        let mut first = Vec::new();
        d.compress(b"hello hello", &mut first);
        assert!(d.is_allocated());
        d.release();
        assert!(!d.is_allocated());
        let mut again = Vec::new();
        d.compress(b"hello hello", &mut again);
        assert_eq!(again, first, "no reference to the released window");
    }

    #[test]
    fn rfc_examples() {
        let mut d = Deflater::new(15, false, 6);
        let mut out = Vec::new();
        d.compress(b"Hello", &mut out);
        assert_eq!(out, [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);
        out.clear();
        d.compress(b"Hello", &mut out);
        assert_eq!(out, [0xf2, 0x00, 0x11, 0x00, 0x00]);
    }

    /// An empty message is the single octet 0x00 (RFC 7692 §7.2.3.6), between other messages
    /// too, and allocates nothing.
    #[test]
    fn empty_message() {
        let mut d = Deflater::new(15, false, 6);
        let mut out = vec![9];
        d.compress(b"", &mut out);
        assert_eq!(out, [9, 0x00]);
        assert!(!d.is_allocated());
        let mut inf = Inflater::new(15, false);
        for m in [&b"abc"[..], b"", b"", b"abcabc", b""] {
            let mut out = Vec::new();
            d.compress(m, &mut out);
            assert_eq!(inflate(&mut inf, &out), m);
        }
    }

    /// Round trips at every window from 9 to 15, with and without context takeover, for text,
    /// noise and repeats at every distance.
    #[test]
    fn round_trip_every_window() {
        for bits in 9..=15u8 {
            for nct in [false, true] {
                let mut d = Deflater::new(bits, nct, 6);
                let mut inf = Inflater::new(bits, nct);
                for i in 0..30u64 {
                    let m = match i % 3 {
                        0 => json(i),
                        1 => noise(100 + i as usize * 50, i),
                        _ => repeats(3000, i),
                    };
                    let mut out = Vec::new();
                    d.compress(&m, &mut out);
                    assert_eq!(
                        inflate(&mut inf, &out),
                        m,
                        "bits {bits} nct {nct} message {i}"
                    );
                    if nct {
                        // Each message alone decodes within the window.
                        out.extend_from_slice(&TRAILER);
                        assert_eq!(reference::inflate(&out, 1 << bits).unwrap(), m);
                    }
                }
            }
        }
    }

    /// zlib has no 8-bit deflate window; the 9-bit one we use instead never reaches back more
    /// than 256 bytes, at any level, across messages with context takeover: a reference
    /// inflater with a 256-byte window decodes every stream.
    #[test]
    fn window_8_never_reaches_beyond_256_bytes() {
        for level in 0..=9 {
            let mut d = Deflater::new(8, false, level);
            let mut stream = Vec::new();
            let mut want = Vec::new();
            for i in 0..12u64 {
                let m = match i % 3 {
                    0 => repeats(5000, i),
                    1 => json(i),
                    _ => [json(i), json(i + 1), repeats(600, i)].concat(),
                };
                d.compress(&m, &mut stream);
                stream.extend_from_slice(&TRAILER);
                want.extend_from_slice(&m);
            }
            let got =
                reference::inflate(&stream, 256).unwrap_or_else(|e| panic!("level {level}: {e}"));
            assert_eq!(got, want, "level {level}");
            // And the same data with a 9-bit window does reach beyond 256 bytes, so the check
            // has teeth.
            if level == 6 {
                let max = reference::max_distance(&stream).unwrap();
                assert!(max > 200, "max distance {max}");
                let mut wide = Deflater::new(10, false, 6);
                let mut s = Vec::new();
                wide.compress(&repeats(5000, 0), &mut s);
                s.extend_from_slice(&TRAILER);
                assert!(reference::inflate(&s, 256).is_err());
            }
        }
        let mut out = Vec::new();
        let mut d = Deflater::new(8, true, 6);
        d.compress(&repeats(5000, 1), &mut out);
        assert_eq!(inflate(&mut Inflater::new(8, true), &out), repeats(5000, 1));
    }

    /// With context takeover, repeated JSON messages shrink once the window holds earlier ones;
    /// without it they do not.
    #[test]
    fn context_takeover_shrinks_later_messages() {
        let take = json_sizes(6, false, 200);
        let fresh = json_sizes(6, true, 200);
        let tail = |v: &[usize]| v[100..].iter().sum::<usize>();
        assert!(take[199] < take[0] / 2, "{} then {}", take[0], take[199]);
        assert!(
            tail(&take) * 2 < tail(&fresh),
            "{} vs {}",
            tail(&take),
            tail(&fresh)
        );
    }

    /// A message of several MiB, in both modes, at the default level and at 1.
    #[test]
    fn large_message() {
        let m: Vec<u8> = (0..40_000u64).flat_map(json).collect();
        assert!(m.len() > 4 << 20);
        for (nct, level) in [(false, DEFAULT_COMPRESSION_LEVEL), (true, 1)] {
            let mut d = Deflater::new(15, nct, level);
            let mut out = Vec::new();
            d.compress(&m, &mut out);
            assert!(out.len() < m.len() / 4, "{} of {}", out.len(), m.len());
            assert_eq!(inflate(&mut Inflater::new(15, nct), &out), m);
        }
        let big_noise = noise(3 << 20, 5);
        let mut out = Vec::new();
        Deflater::new(15, false, 6).compress(&big_noise, &mut out);
        assert!(out.len() < big_noise.len() + big_noise.len() / 100);
        assert_eq!(inflate(&mut Inflater::new(15, false), &out), big_noise);
    }

    /// The default level is zlib-rs's 7, its first with zlib's lazy matching: repetitive JSON
    /// comes out smaller than at its 6 (zlib-ng's "medium" matcher), as small as zlib's own 6,
    /// the level of browsers and Node's `ws` (measured in `benches/deflate.rs`).
    #[test]
    fn default_level_compresses_json_smaller_than_level_6() {
        let total = |level: u32| -> usize { json_sizes(level, false, 3000).iter().sum() };
        let (default, six) = (total(DEFAULT_COMPRESSION_LEVEL), total(6));
        assert!(default < six, "default {default} bytes, level 6 {six}");
    }

    /// Level 0 stores, and levels above 9 count as 9.
    #[test]
    fn levels() {
        let m = repeats(2000, 3);
        for level in [0, 1, 9, 10, u32::MAX] {
            let mut out = Vec::new();
            Deflater::new(15, true, level).compress(&m, &mut out);
            assert_eq!(
                inflate(&mut Inflater::new(15, true), &out),
                m,
                "level {level}"
            );
            if level == 0 {
                assert!(out.len() > m.len());
            }
        }
    }

    proptest! {
        #![proptest_config(crate::proto::testing::deterministic(256, 7692))]

        /// Messages compressed here and cut into frames anywhere inflate back whole, whatever
        /// the window, level and takeover mode.
        #[test]
        fn round_trip_at_any_split(
            messages in proptest::collection::vec(
                prop_oneof![
                    proptest::collection::vec(any::<u8>(), 0..2000),
                    (0u64..1000, 1u64..20).prop_map(|(i, n)| (i..i + n).flat_map(json).collect()),
                    (0u64..50, 0usize..4000).prop_map(|(s, n)| repeats(n, s)),
                ],
                1..6,
            ),
            cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..6),
            bits in 8u8..=15,
            nct in any::<bool>(),
            level in 0u32..=9,
        ) {
            let mut d = Deflater::new(bits, nct, level);
            let mut inf = Inflater::new(bits, nct);
            for m in &messages {
                let mut c = Vec::new();
                d.compress(m, &mut c);
                let mut points: Vec<usize> = cuts.iter().map(|i| i.index(c.len() + 1)).collect();
                points.sort_unstable();
                let mut out = Vec::new();
                let mut start = 0;
                for p in points.into_iter().chain([c.len()]) {
                    inf.inflate(&c[start..p], &mut out, m.len()).unwrap();
                    start = p;
                }
                inf.finish(&mut out, m.len()).unwrap();
                prop_assert_eq!(&out, m);
            }
        }
    }

    /// A small DEFLATE decoder (RFC 1951) independent of zlib, whose window is a parameter:
    /// any distance beyond it is an error. It decodes a whole stream of sync-flushed blocks.
    mod reference {
        /// Reads bits LSB first.
        struct Bits<'a> {
            /// The stream.
            data: &'a [u8],
            /// The position in bits.
            pos: usize,
        }

        impl Bits<'_> {
            /// The next `n` bits as a number, first bit lowest.
            fn take(&mut self, n: u32) -> Result<u32, String> {
                let mut v = 0;
                for i in 0..n {
                    let byte = self.data.get(self.pos / 8).ok_or("out of data")?;
                    v |= u32::from(byte >> (self.pos % 8) & 1) << i;
                    self.pos += 1;
                }
                Ok(v)
            }

            /// Decodes one symbol with a canonical Huffman code (as zlib's `puff` does).
            fn symbol(&mut self, h: &Huffman) -> Result<usize, String> {
                let (mut code, mut first, mut index) = (0, 0, 0);
                for count in &h.counts[1..] {
                    code |= self.take(1)? as usize;
                    if code < first + count {
                        return Ok(h.symbols[index + code - first]);
                    }
                    index += count;
                    first = (first + count) << 1;
                    code <<= 1;
                }
                Err("bad Huffman code".into())
            }
        }

        /// A canonical Huffman code: how many codes of each length, and the symbols in code
        /// order.
        struct Huffman {
            /// `counts[n]`: the number of codes of length n.
            counts: [usize; 16],
            /// The symbols, ordered by code length then value.
            symbols: Vec<usize>,
        }

        impl Huffman {
            /// The code with these lengths per symbol (0: unused).
            fn new(lengths: &[u8]) -> Self {
                let mut counts = [0; 16];
                for &l in lengths {
                    counts[usize::from(l)] += 1;
                }
                counts[0] = 0;
                let mut symbols: Vec<usize> =
                    (0..lengths.len()).filter(|&s| lengths[s] != 0).collect();
                symbols.sort_by_key(|&s| lengths[s]);
                Huffman { counts, symbols }
            }
        }

        /// Length base values and extra bits for symbols 257..=285.
        const LEN_BASE: [usize; 29] = [
            3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99,
            115, 131, 163, 195, 227, 258,
        ];
        /// See [`LEN_BASE`].
        const LEN_EXTRA: [u32; 29] = [
            0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
        ];
        /// Distance base values and extra bits for symbols 0..=29.
        const DIST_BASE: [usize; 30] = [
            1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025,
            1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
        ];
        /// See [`DIST_BASE`].
        const DIST_EXTRA: [u32; 30] = [
            0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12,
            12, 13, 13,
        ];

        /// Decodes `data`, refusing distances over `window`; also returns the largest distance.
        fn decode(data: &[u8], window: usize) -> Result<(Vec<u8>, usize), String> {
            let mut b = Bits { data, pos: 0 };
            let (mut out, mut max) = (Vec::new(), 0);
            while b.pos < data.len() * 8 {
                let last = b.take(1)?;
                match b.take(2)? {
                    0 => {
                        b.pos = b.pos.div_ceil(8) * 8;
                        let (len, nlen) = (b.take(16)?, b.take(16)?);
                        if len != !nlen & 0xffff {
                            return Err("bad stored length".into());
                        }
                        for _ in 0..len {
                            out.push(b.take(8)? as u8);
                        }
                    }
                    t @ (1 | 2) => {
                        let (lit, dist) = if t == 1 { fixed() } else { dynamic(&mut b)? };
                        let (lit, dist) = (Huffman::new(&lit), Huffman::new(&dist));
                        loop {
                            let s = b.symbol(&lit)?;
                            if s < 256 {
                                out.push(s as u8);
                                continue;
                            }
                            if s == 256 {
                                break;
                            }
                            let len = LEN_BASE[s - 257] + b.take(LEN_EXTRA[s - 257])? as usize;
                            let d = b.symbol(&dist)?;
                            let d = DIST_BASE[d] + b.take(DIST_EXTRA[d])? as usize;
                            if d > window || d > out.len() {
                                return Err(format!("distance {d} beyond the window of {window}"));
                            }
                            max = max.max(d);
                            for _ in 0..len {
                                out.push(out[out.len() - d]);
                            }
                        }
                    }
                    _ => return Err("bad block type".into()),
                }
                if last == 1 {
                    break;
                }
            }
            Ok((out, max))
        }

        /// The fixed literal/length and distance code lengths (RFC 1951 §3.2.6).
        fn fixed() -> (Vec<u8>, Vec<u8>) {
            let lit = (0..288)
                .map(|s| match s {
                    0..=143 => 8,
                    144..=255 => 9,
                    256..=279 => 7,
                    _ => 8,
                })
                .collect();
            (lit, vec![5; 30])
        }

        /// Reads the code lengths of a dynamic block (RFC 1951 §3.2.7).
        fn dynamic(b: &mut Bits<'_>) -> Result<(Vec<u8>, Vec<u8>), String> {
            const ORDER: [usize; 19] = [
                16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
            ];
            let nlen = b.take(5)? as usize + 257;
            let ndist = b.take(5)? as usize + 1;
            let ncode = b.take(4)? as usize + 4;
            let mut code = [0u8; 19];
            for &i in &ORDER[..ncode] {
                code[i] = b.take(3)? as u8;
            }
            let code = Huffman::new(&code);
            let mut lengths = Vec::with_capacity(nlen + ndist);
            while lengths.len() < nlen + ndist {
                match b.symbol(&code)? {
                    s @ 0..=15 => lengths.push(s as u8),
                    16 => {
                        let prev = *lengths.last().ok_or("repeat with no length")?;
                        let n = 3 + b.take(2)?;
                        lengths.extend((0..n).map(|_| prev));
                    }
                    17 => lengths.extend((0..3 + b.take(3)?).map(|_| 0)),
                    _ => lengths.extend((0..11 + b.take(7)?).map(|_| 0)),
                }
            }
            let dist = lengths.split_off(nlen);
            Ok((lengths, dist))
        }

        /// Decodes a stream whose distances must stay within `window` bytes.
        pub(super) fn inflate(data: &[u8], window: usize) -> Result<Vec<u8>, String> {
            decode(data, window).map(|(out, _)| out)
        }

        /// The largest distance a stream uses.
        pub(super) fn max_distance(data: &[u8]) -> Result<usize, String> {
            decode(data, usize::MAX).map(|(_, max)| max)
        }
    }
}
