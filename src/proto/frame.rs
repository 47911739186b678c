//! The frame layer (RFC 6455 §5.2): header parsing and encoding, and masking.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-------+-+-------------+-------------------------------+
//! |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
//! |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
//! |N|V|V|V|       |S|             |   (if payload len==126/127)   |
//! | |1|2|3|       |K|             |                               |
//! +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
//! |     Extended payload length continued, if payload len == 127  |
//! + - - - - - - - - - - - - - - - +-------------------------------+
//! |                               |Masking-key, if MASK set to 1  |
//! +-------------------------------+-------------------------------+
//! ```

use byteorder::{BigEndian, ByteOrder};

use crate::error::ProtocolError;

/// The longest possible frame header: 2 + 8 (length) + 4 (mask) bytes.
pub(crate) const MAX_HEADER_LEN: usize = 14;

/// Frame opcodes (RFC 6455 §5.2, §11.8).
pub(crate) mod opcode {
    /// "%x0 denotes a continuation frame".
    pub(crate) const CONTINUATION: u8 = 0x0;
    /// "%x1 denotes a text frame".
    pub(crate) const TEXT: u8 = 0x1;
    /// "%x2 denotes a binary frame".
    pub(crate) const BINARY: u8 = 0x2;
    /// "%x8 denotes a connection close".
    pub(crate) const CLOSE: u8 = 0x8;
    /// "%x9 denotes a ping".
    pub(crate) const PING: u8 = 0x9;
    /// "%xA denotes a pong".
    pub(crate) const PONG: u8 = 0xA;

    /// Whether the opcode is a control opcode (most significant bit of the nibble set).
    pub(crate) fn is_control(op: u8) -> bool {
        op & 0x8 != 0
    }
}

/// A parsed frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FrameHeader {
    /// FIN: "Indicates that this is the final fragment in a message."
    pub(crate) fin: bool,
    /// RSV1, RSV2 and RSV3 as the three low bits (RSV1 = 0b100).
    pub(crate) rsv: u8,
    /// The 4-bit opcode, unchecked.
    pub(crate) opcode: u8,
    /// The masking key, when MASK is set.
    pub(crate) mask: Option<[u8; 4]>,
    /// The payload length.
    pub(crate) len: u64,
}

/// Parses a frame header from the start of `buf`.
///
/// Returns `Ok(None)` while `buf` holds only part of a header ("need more bytes"), else the
/// header and its length in bytes. Only the length encoding is checked here; opcodes, reserved
/// bits and masking are the caller's rules.
pub(crate) fn parse_header(buf: &[u8]) -> Result<Option<(FrameHeader, usize)>, ProtocolError> {
    let [b0, b1, ..] = *buf else {
        return Ok(None);
    };
    let masked = b1 & 0x80 != 0;
    let len7 = b1 & 0x7f;
    let ext = match len7 {
        126 => 2,
        127 => 8,
        _ => 0,
    };
    let header_len = 2 + ext + if masked { 4 } else { 0 };
    if buf.len() < header_len {
        return Ok(None);
    }
    let len = match len7 {
        126 => {
            let n = u64::from(BigEndian::read_u16(&buf[2..4]));
            // "the minimal number of bytes MUST be used to encode the length"
            if n < 126 {
                return Err(ProtocolError::BadLength);
            }
            n
        }
        127 => {
            let n = BigEndian::read_u64(&buf[2..10]);
            // "the most significant bit MUST be 0", and the minimal encoding rule.
            if n >> 63 != 0 || n <= 0xffff {
                return Err(ProtocolError::BadLength);
            }
            n
        }
        n => u64::from(n),
    };
    let mask = masked.then(|| {
        let at = 2 + ext;
        [buf[at], buf[at + 1], buf[at + 2], buf[at + 3]]
    });
    Ok(Some((
        FrameHeader {
            fin: b0 & 0x80 != 0,
            rsv: (b0 >> 4) & 0x7,
            opcode: b0 & 0x0f,
            mask,
            len,
        },
        header_len,
    )))
}

/// Encodes a frame header, with the minimal length encoding, into `out`; returns its length.
/// `rsv` holds RSV1, RSV2 and RSV3 as its three low bits, as [`FrameHeader::rsv`] does.
pub(crate) fn encode_header(
    out: &mut [u8; MAX_HEADER_LEN],
    fin: bool,
    rsv: u8,
    opcode: u8,
    mask: Option<[u8; 4]>,
    len: u64,
) -> usize {
    let m = if mask.is_some() { 0x80 } else { 0 };
    out[0] = if fin { 0x80 } else { 0 } | (rsv & 0b111) << 4 | (opcode & 0x0f);
    let mut n = if len < 126 {
        out[1] = m | len as u8;
        2
    } else if len <= 0xffff {
        out[1] = m | 126;
        out[2..4].copy_from_slice(&(len as u16).to_be_bytes());
        4
    } else {
        out[1] = m | 127;
        out[2..10].copy_from_slice(&len.to_be_bytes());
        10
    };
    if let Some(key) = mask {
        out[n..n + 4].copy_from_slice(&key);
        n += 4;
    }
    n
}

/// Appends a frame header to `out`, with the minimal length encoding.
#[cfg(test)]
pub(crate) fn write_header(
    out: &mut Vec<u8>,
    fin: bool,
    rsv: u8,
    opcode: u8,
    mask: Option<[u8; 4]>,
    len: u64,
) {
    let mut head = [0; MAX_HEADER_LEN];
    let n = encode_header(&mut head, fin, rsv, opcode, mask, len);
    out.extend_from_slice(&head[..n]);
}

/// Writes `payload` masked with `key` into `out`, which must be as long (RFC 6455 §5.3): one
/// pass that reads, XORs and writes eight bytes at a time, a loop the compiler vectorises.
/// A copy followed by an XOR in place makes two passes over the bytes, and costs more (figures
/// in PERFORMANCE.md).
pub(crate) fn mask_copy(out: &mut [u8], payload: &[u8], key: [u8; 4]) {
    debug_assert_eq!(out.len(), payload.len());
    let wide = u64::from_ne_bytes([
        key[0], key[1], key[2], key[3], key[0], key[1], key[2], key[3],
    ]);
    let mut to = out.chunks_exact_mut(8);
    let mut from = payload.chunks_exact(8);
    for (t, f) in (&mut to).zip(&mut from) {
        let masked = u64::from_ne_bytes(f.try_into().expect("8 bytes")) ^ wide;
        t.copy_from_slice(&masked.to_ne_bytes());
    }
    // The remainder starts at a multiple of 8, so the key phase is 0.
    let tail = to.into_remainder().iter_mut().zip(from.remainder());
    for ((t, f), k) in tail.zip(key.iter().cycle()) {
        *t = f ^ k;
    }
}

#[cfg(test)]
/// Masks or unmasks `buf` in place, as if it started at byte `offset` of the payload.
pub(crate) fn mask_in_place(buf: &mut [u8], key: [u8; 4], offset: usize) {
    let mut k = [0u8; 4];
    for (i, slot) in k.iter_mut().enumerate() {
        *slot = key[(offset + i) % 4];
    }
    let wide = u64::from_ne_bytes([k[0], k[1], k[2], k[3], k[0], k[1], k[2], k[3]]);
    let mut chunks = buf.chunks_exact_mut(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        chunk.copy_from_slice(&(u64::from_ne_bytes(word) ^ wide).to_ne_bytes());
    }
    for (b, m) in chunks.into_remainder().iter_mut().zip(k.iter().cycle()) {
        *b ^= m;
    }
}

/// The specification's own definition, byte by byte: the oracle for the fast versions.
/// "Octet i of the transformed data is the XOR of octet i of the original data with octet at
/// index i modulo 4 of the masking key."
#[cfg(test)]
pub(crate) fn mask_bytewise(buf: &mut [u8], key: [u8; 4], offset: usize) {
    for (i, b) in buf.iter_mut().enumerate() {
        *b ^= key[(offset + i) % 4];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn encode(fin: bool, op: u8, mask: Option<[u8; 4]>, len: u64) -> Vec<u8> {
        let mut v = Vec::new();
        write_header(&mut v, fin, 0, op, mask, len);
        v
    }

    #[test]
    fn length_encodings_are_minimal() {
        assert_eq!(encode(true, 1, None, 125).len(), 2);
        assert_eq!(encode(true, 1, None, 126).len(), 4);
        assert_eq!(encode(true, 1, None, 65535).len(), 4);
        assert_eq!(encode(true, 1, None, 65536).len(), 10);
        assert_eq!(encode(true, 1, Some([1, 2, 3, 4]), 65536).len(), 14);
        assert_eq!(encode(true, 1, None, 5), [0x81, 5]);
        assert_eq!(
            encode(false, 2, Some([9, 8, 7, 6]), 0),
            [0x02, 0x80, 9, 8, 7, 6]
        );
    }

    #[test]
    fn header_encoding_fills_only_its_length() {
        let mut head = [0xEE; MAX_HEADER_LEN];
        assert_eq!(encode_header(&mut head, true, 0, 2, None, 300), 4);
        assert_eq!(head[..4], [0x82, 126, 1, 44]);
        assert_eq!(head[4..], [0xEE; MAX_HEADER_LEN - 4]);
    }

    #[test]
    fn partial_headers_need_more() {
        let full = encode(true, 2, Some([1, 2, 3, 4]), 70_000);
        for cut in 0..full.len() {
            assert_eq!(parse_header(&full[..cut]), Ok(None), "cut at {cut}");
        }
        let (h, n) = parse_header(&full).unwrap().unwrap();
        assert_eq!(n, full.len());
        assert_eq!(h.len, 70_000);
        assert_eq!(h.mask, Some([1, 2, 3, 4]));
    }

    #[test]
    fn non_minimal_and_oversized_lengths_are_refused() {
        assert_eq!(
            parse_header(&[0x82, 126, 0, 125]),
            Err(ProtocolError::BadLength)
        );
        let mut v = vec![0x82, 127];
        v.extend_from_slice(&65535u64.to_be_bytes());
        assert_eq!(parse_header(&v), Err(ProtocolError::BadLength));
        let mut v = vec![0x82, 127];
        v.extend_from_slice(&(1u64 << 63).to_be_bytes());
        assert_eq!(parse_header(&v), Err(ProtocolError::BadLength));
    }

    #[test]
    fn flags_are_reported() {
        let (h, _) = parse_header(&[0x7A, 0]).unwrap().unwrap();
        assert!(!h.fin);
        assert_eq!(h.rsv, 0b111);
        assert_eq!(h.opcode, 0xA);
        assert!(opcode::is_control(h.opcode));
        assert!(!opcode::is_control(opcode::BINARY));
    }

    proptest! {
        #![proptest_config(crate::proto::testing::deterministic(1024, 6455))]

        #[test]
        fn header_roundtrip(fin: bool, op in 0u8..16, mask: Option<[u8; 4]>, len in prop_oneof![0u64..200, 60_000u64..70_000, (1u64<<32)..(1u64<<33)]) {
            let v = encode(fin, op, mask, len);
            let (h, n) = parse_header(&v).unwrap().unwrap();
            prop_assert_eq!(n, v.len());
            prop_assert_eq!(h, FrameHeader { fin, rsv: 0, opcode: op, mask, len });
        }

        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..20)) {
            let _ = parse_header(&bytes);
        }

        #[test]
        fn fast_masking_matches_the_oracle(data in proptest::collection::vec(any::<u8>(), 0..100), key: [u8; 4], offset in 0usize..8) {
            let mut oracle = data.clone();
            mask_bytewise(&mut oracle, key, offset);
            let mut fast = data.clone();
            mask_in_place(&mut fast, key, offset);
            prop_assert_eq!(&fast, &oracle);
            if offset == 0 {
                let mut out = vec![0xEE; data.len()];
                mask_copy(&mut out, &data, key);
                prop_assert_eq!(&out, &oracle);
            }
        }
    }
}
