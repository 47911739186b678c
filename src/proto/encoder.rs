//! The encoder: a data message becomes frames (RFC 6455 §5.4 fragmentation), and each frame its
//! header and masked payload (§5.3), written into pieces of a caller's buffer of whatever size
//! the caller has room for. The masking key is the caller's: drawing it needs a random source,
//! which is I/O's business (see the writer).

use crate::proto::frame::{encode_header, mask_copy, opcode, MAX_HEADER_LEN};

/// One frame of a message: FIN, RSV1, opcode and payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fragment<'a> {
    /// FIN: the last frame of the message.
    pub(crate) fin: bool,
    /// RSV1: set on the first frame of a compressed message only (RFC 7692 §6).
    pub(crate) rsv1: bool,
    /// TEXT or BINARY on the first frame, CONTINUATION after it.
    pub(crate) opcode: u8,
    /// This frame's part of the payload.
    pub(crate) payload: &'a [u8],
}

/// Splits a data message into frames of at most `fragment_size` bytes of payload (at least 1):
/// "a single message MAY be fragmented into multiple frames" (§5.4). An empty message is one
/// empty frame. A `compressed` message has RSV1 on its first frame: "the "Per-Message
/// Compressed" bit [...] is set on the first frame of the message" (RFC 7692 §6), and never on
/// the continuation frames.
pub(crate) fn fragments(
    text: bool,
    compressed: bool,
    payload: &[u8],
    fragment_size: usize,
) -> impl Iterator<Item = Fragment<'_>> {
    let first = if text { opcode::TEXT } else { opcode::BINARY };
    let size = fragment_size.max(1);
    let count = payload.len().div_ceil(size).max(1);
    (0..count).map(move |i| Fragment {
        fin: i + 1 == count,
        rsv1: compressed && i == 0,
        opcode: if i == 0 { first } else { opcode::CONTINUATION },
        payload: &payload[(i * size).min(payload.len())..((i + 1) * size).min(payload.len())],
    })
}

/// A control frame (close, ping or pong): never fragmented, never compressed (§5.5).
pub(crate) fn control(opcode: u8, payload: &[u8]) -> Fragment<'_> {
    Fragment {
        fin: true,
        rsv1: false,
        opcode,
        payload,
    }
}

/// One masked frame, encoded piece by piece: the header whole, then the payload masked as it is
/// copied. Pieces of the payload are multiples of four bytes until the last, so each starts at
/// key phase 0 and [`mask_copy`] needs no offset.
#[derive(Debug)]
pub(crate) struct FrameEncoder<'a> {
    header: [u8; MAX_HEADER_LEN],
    /// Header bytes still to write: all of them, or none once written.
    header_len: usize,
    key: [u8; 4],
    rest: &'a [u8],
}

impl<'a> FrameEncoder<'a> {
    /// The frame of `fragment`, masked with `key`.
    pub(crate) fn new(fragment: Fragment<'a>, key: [u8; 4]) -> FrameEncoder<'a> {
        let Fragment {
            fin,
            rsv1,
            opcode,
            payload,
        } = fragment;
        let rsv = if rsv1 { 0b100 } else { 0 };
        let mut header = [0; MAX_HEADER_LEN];
        let len = payload.len() as u64;
        let header_len = encode_header(&mut header, fin, rsv, opcode, Some(key), len);
        FrameEncoder {
            header,
            header_len,
            key,
            rest: payload,
        }
    }

    /// The bytes still to encode, header included.
    pub(crate) fn remaining(&self) -> usize {
        self.header_len + self.rest.len()
    }

    /// Whether the whole frame has been encoded.
    pub(crate) fn is_done(&self) -> bool {
        self.remaining() == 0
    }

    /// Encodes as much of the frame as fits into `out`; returns how many bytes it wrote. It
    /// writes nothing when `out` is shorter than the header still to come, or than four bytes
    /// of a payload that does not fit whole: the caller then makes room and calls again.
    pub(crate) fn encode(&mut self, out: &mut [u8]) -> usize {
        let mut n = 0;
        if self.header_len > 0 {
            if out.len() < self.header_len {
                return 0;
            }
            out[..self.header_len].copy_from_slice(&self.header[..self.header_len]);
            n = self.header_len;
            self.header_len = 0;
        }
        let room = out.len() - n;
        let take = match self.rest.len() <= room {
            true => self.rest.len(),
            false => room & !3,
        };
        mask_copy(&mut out[n..n + take], &self.rest[..take], self.key);
        self.rest = &self.rest[take..];
        n + take
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::frame::{mask_in_place, parse_header};
    use proptest::prelude::*;

    /// Encodes a frame into pieces of at most `piece` bytes, as a writer with that much room
    /// would, and returns the bytes.
    fn encode_in_pieces(fin: bool, op: u8, payload: &[u8], key: [u8; 4], piece: usize) -> Vec<u8> {
        let fragment = Fragment {
            fin,
            rsv1: false,
            opcode: op,
            payload,
        };
        let mut enc = FrameEncoder::new(fragment, key);
        let mut wire = Vec::new();
        let mut buf = vec![0u8; piece];
        while !enc.is_done() {
            let before = enc.remaining();
            let n = enc.encode(&mut buf);
            assert_eq!(
                before - enc.remaining(),
                n,
                "remaining counts what was written"
            );
            assert!(
                n > 0 || piece < MAX_HEADER_LEN,
                "a {piece}-byte piece made no progress"
            );
            wire.extend_from_slice(&buf[..n]);
        }
        wire
    }

    fn decode(wire: &[u8]) -> (bool, u8, Vec<u8>) {
        let (h, n) = parse_header(wire).unwrap().unwrap();
        let mut payload = wire[n..].to_vec();
        assert_eq!(payload.len() as u64, h.len);
        mask_in_place(&mut payload, h.mask.expect("client frames are masked"), 0);
        (h.fin, h.opcode, payload)
    }

    #[test]
    fn a_frame_in_one_piece() {
        let wire = encode_in_pieces(true, opcode::TEXT, b"hello", [1, 2, 3, 4], 64);
        assert_eq!(wire.len(), 2 + 4 + 5);
        assert_eq!(decode(&wire), (true, opcode::TEXT, b"hello".to_vec()));
    }

    #[test]
    fn the_header_is_never_split() {
        let fragment = Fragment {
            fin: true,
            rsv1: false,
            opcode: opcode::BINARY,
            payload: &[0; 70_000],
        };
        let mut enc = FrameEncoder::new(fragment, [9; 4]);
        assert_eq!(
            enc.encode(&mut [0u8; 13]),
            0,
            "a 14-byte header needs 14 bytes"
        );
        assert_eq!(enc.remaining(), 14 + 70_000);
        assert_eq!(
            enc.encode(&mut [0u8; 17]),
            14,
            "then whole 4-byte steps only"
        );
    }

    /// Room for exactly the header takes the header: an empty frame is then done, a longer
    /// one goes on with its payload at the next call.
    #[test]
    fn room_for_exactly_the_header_takes_it() {
        let empty = Fragment {
            fin: true,
            rsv1: false,
            opcode: opcode::PING,
            payload: &[],
        };
        let mut enc = FrameEncoder::new(empty, [1, 2, 3, 4]);
        let mut out = [0u8; 6];
        assert_eq!(enc.encode(&mut out), 6);
        assert!(enc.is_done());
        assert_eq!(out, [0x89, 0x80, 1, 2, 3, 4]);
        let long = Fragment {
            fin: true,
            rsv1: false,
            opcode: opcode::BINARY,
            payload: &[0; 70_000],
        };
        let mut enc = FrameEncoder::new(long, [9; 4]);
        assert_eq!(enc.encode(&mut [0u8; 14]), 14);
        assert_eq!(enc.remaining(), 70_000);
        assert!(!enc.is_done());
    }

    #[test]
    fn fragments_cover_the_message_in_order() {
        let data: Vec<u8> = (0..10u8).collect();
        let frames: Vec<_> = fragments(false, false, &data, 4).collect();
        let ops: Vec<_> = frames
            .iter()
            .map(|f| (f.fin, f.opcode, f.payload.len()))
            .collect();
        assert_eq!(
            ops,
            [
                (false, opcode::BINARY, 4),
                (false, opcode::CONTINUATION, 4),
                (true, opcode::CONTINUATION, 2)
            ]
        );
        assert_eq!(
            frames
                .iter()
                .flat_map(|f| f.payload)
                .copied()
                .collect::<Vec<_>>(),
            data
        );
    }

    #[test]
    fn an_empty_message_is_one_empty_frame() {
        let frames: Vec<_> = fragments(true, false, b"", 4).collect();
        assert_eq!(frames, [control(opcode::TEXT, b"")]);
        let exact: Vec<_> = fragments(true, false, b"abcd", 4).collect();
        assert_eq!(
            exact.len(),
            1,
            "a message of exactly one fragment is one frame"
        );
        assert!(exact[0].fin);
        assert_eq!(
            fragments(true, false, b"ab", 0).count(),
            2,
            "a size of 0 counts as 1"
        );
    }

    #[test]
    fn a_compressed_message_has_rsv1_on_its_first_frame_only() {
        let frames: Vec<_> = fragments(true, true, b"abcdefghij", 4).collect();
        let rsv1: Vec<_> = frames.iter().map(|f| f.rsv1).collect();
        assert_eq!(rsv1, [true, false, false]);
        let key = [1, 2, 3, 4];
        let mut buf = [0u8; 64];
        let n = FrameEncoder::new(frames[0], key).encode(&mut buf);
        let (h, _) = parse_header(&buf[..n]).unwrap().unwrap();
        assert_eq!((h.rsv, h.opcode, h.fin), (0b100, opcode::TEXT, false));
        let n = FrameEncoder::new(frames[1], key).encode(&mut buf);
        assert_eq!(parse_header(&buf[..n]).unwrap().unwrap().0.rsv, 0);
    }

    proptest! {
        #![proptest_config(crate::proto::testing::deterministic(256, 6455))]

        #[test]
        fn any_piece_size_gives_the_same_frame(
            len in prop_oneof![0usize..200, 60_000usize..70_000],
            piece in 14usize..5000,
            key in any::<[u8; 4]>(),
            fin in any::<bool>(),
        ) {
            let payload: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
            let whole = encode_in_pieces(fin, opcode::BINARY, &payload, key, len + MAX_HEADER_LEN);
            let pieces = encode_in_pieces(fin, opcode::BINARY, &payload, key, piece);
            prop_assert_eq!(&whole, &pieces);
            prop_assert_eq!(decode(&pieces), (fin, opcode::BINARY, payload));
        }
    }
}
