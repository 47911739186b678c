//! The send side: frames encoded and masked straight into one reused buffer, then written
//! whole, so that frames from different threads never interleave.
//!
//! The buffer's bytes stay initialised between writes (only `filled` is reset), so the mask is
//! applied while copying, in one pass, without zero-filling the buffer before each frame.
//!
//! The room a large frame needs is kept while large messages keep coming, so that their pages
//! are not mapped and faulted in anew for each one, and let go once none has come for the
//! pool's idle period ([`IDLE`]): a check on the process's timer thread
//! (see [`WriterLock::release_if_idle`](crate::connection::writer_lock::WriterLock::release_if_idle)).

use std::io;
use std::time::{Duration, Instant};

use rand::Rng;

use crate::connection::state::Buffered;
use crate::delivery::pool::IDLE;
use crate::proto::close::ClosingHandshake;
use crate::proto::deflate::Deflater;
use crate::proto::encoder::{control, fragments, Fragment, FrameEncoder};
use crate::proto::frame::opcode;
use crate::transport::WriteHalf;

/// The most bytes gathered before a write for frames up to this size: small frames of one
/// batch share writes up to it. The buffer keeps this much between messages.
const CHUNK: usize = 64 * 1024;

/// Frames longer than [`CHUNK`] go out in pieces of this size, the buffer growing for them
/// and shrinking back to [`CHUNK`] once no large frame has come for [`IDLE`]: fewer writes, and
/// fewer wake-ups of the peer, per message than pieces of [`CHUNK`], for less CPU (see
/// PERFORMANCE.md).
const LARGE_CHUNK: usize = 256 * 1024;

/// How long the compressor's state (hundreds of KiB with zlib-rs) is kept after the last
/// compressed message: a connection that sends now and then, such as a feed consumer that sent
/// its subscriptions, gives it back; one that keeps sending keeps it, and its context.
const COMPRESSOR_IDLE: Duration = Duration::from_secs(10);

/// The write side of one connection. Lives behind the connection's writer lock.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    /// The socket's write half; `None` until the connection opens and after it broke.
    half: Option<WriteHalf>,
    /// Header and masked payload of the frames being written: the first `filled` bytes. All of
    /// it is initialised; it grows to [`CHUNK`], to [`LARGE_CHUNK`] when a frame longer than
    /// [`CHUNK`] goes out, and [`Writer::release_if_idle`] shrinks it back to [`CHUNK`].
    buf: Vec<u8>,
    /// How many bytes of `buf` are waiting to be written.
    filled: usize,
    /// When a frame longer than [`CHUNK`] last went out.
    last_large: Option<Instant>,
    /// When a message was last compressed.
    last_compressed: Option<Instant>,
    /// A check that lets the large room go is due on the timer thread.
    release_armed: bool,
    /// The closing handshake: whether data may still go out, and whether it completed.
    closing: ClosingHandshake,
    /// The compressor, when permessage-deflate was negotiated, and the shortest message it
    /// compresses.
    deflate: Option<(Deflater, usize)>,
    /// The compressed payload of the message being written; its room is kept up to [`CHUNK`]
    /// between messages.
    compressed: Vec<u8>,
    /// The connection's buffered amount, counted down as data payload is written.
    buffered: Buffered,
    /// How many bytes of data payload (not headers, not control frames) `buf` holds: counted
    /// out of `buffered` once the write that carries them completes.
    unsent: u64,
}

/// A fresh, unpredictable masking key for each frame: "The masking key needs to be
/// unpredictable; thus, the masking key MUST be derived from a strong source of entropy"
/// (RFC 6455 §10.3). `rand::rng()` is a cryptographically secure generator.
fn mask_key() -> [u8; 4] {
    rand::rng().random()
}

impl Writer {
    /// A writer that counts the payload it writes out of `buffered`.
    pub(crate) fn counting(buffered: Buffered) -> Writer {
        Writer {
            buffered,
            ..Writer::default()
        }
    }

    /// Installs the write half once the connection is open.
    pub(crate) fn attach(&mut self, half: WriteHalf) {
        self.half = Some(half);
    }

    /// Compresses data messages of at least `min_size` bytes with `deflater` from now on
    /// (permessage-deflate was negotiated). Compressing under the writer lock keeps the
    /// messages in the order of the compression context.
    pub(crate) fn compress_with(&mut self, deflater: Deflater, min_size: usize) {
        self.deflate = Some((deflater, min_size));
    }

    /// Whether data may still be written: open, and no close frame sent.
    pub(crate) fn is_writable(&self) -> bool {
        self.half.is_some() && self.closing.may_send()
    }

    /// Writes a data message, split into frames of at most `fragment_size` bytes.
    /// Returns `Ok(false)` when the message was dropped because the close frame already went out.
    pub(crate) fn message(
        &mut self,
        text: bool,
        payload: &[u8],
        fragment_size: usize,
    ) -> io::Result<bool> {
        let queued = self.queue(text, payload, fragment_size)?;
        self.flush()?;
        Ok(queued)
    }

    /// Encodes a data message into the buffer, writing only when the buffer fills: several
    /// messages queued in a row share writes. Call [`Writer::flush`] after the last one.
    /// Returns `Ok(false)` when the message was dropped because the close frame already went out.
    pub(crate) fn queue(
        &mut self,
        text: bool,
        payload: &[u8],
        fragment_size: usize,
    ) -> io::Result<bool> {
        if !self.is_writable() {
            return Ok(false);
        }
        let mut compressed = std::mem::take(&mut self.compressed);
        let deflated = match &mut self.deflate {
            Some((deflater, min_size)) if payload.len() >= *min_size => {
                deflater.compress(payload, &mut compressed);
                self.last_compressed = Some(Instant::now());
                true
            }
            _ => false,
        };
        let body = if deflated { &compressed[..] } else { payload };
        let mut result = Ok(true);
        for f in fragments(text, deflated, body, fragment_size) {
            // A compressed message's wire bytes are not the application's: it is counted out
            // whole once its last frame is encoded.
            if let Err(e) = self.frame(f, !deflated) {
                result = Err(e);
                break;
            }
        }
        if deflated && result.is_ok() {
            self.unsent += payload.len() as u64;
        }
        compressed.clear();
        compressed.shrink_to(CHUNK);
        self.compressed = compressed;
        result
    }

    /// Writes out whatever the buffer holds.
    pub(crate) fn flush(&mut self) -> io::Result<()> {
        self.write_out()
    }

    /// When a check should let idle memory go, if the writer holds some (the room of large
    /// frames, or an allocated compressor) and no check is armed yet; the caller arms one (the
    /// check is then counted as armed).
    pub(crate) fn release_check_due(&mut self) -> Option<Instant> {
        if self.release_armed {
            return None;
        }
        let due = self.next_release()?;
        self.release_armed = true;
        Some(due)
    }

    /// When the memory the writer holds for past messages may go: the room of large frames
    /// [`IDLE`] after the last large frame, the compressor [`COMPRESSOR_IDLE`] after the last
    /// compressed message; `None` when it holds neither.
    fn next_release(&self) -> Option<Instant> {
        // Held since an unknown time: one idle period from now, so that a check never re-arms
        // itself at once.
        let after = |last: Option<Instant>, idle| last.unwrap_or_else(Instant::now) + idle;
        let room = (self.buf.capacity() > CHUNK).then(|| after(self.last_large, IDLE));
        let compressor = self
            .deflate
            .as_ref()
            .filter(|(deflater, _)| deflater.is_allocated())
            .map(|_| after(self.last_compressed, COMPRESSOR_IDLE));
        match (room, compressor) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Lets go what has been idle by `now`: the buffer shrinks back to [`CHUNK`] if no large
    /// frame has gone out for [`IDLE`], and the compressor's state goes if no message was
    /// compressed for [`COMPRESSOR_IDLE`]. Returns when to look again while it still holds
    /// either.
    ///
    /// Letting the compressor go is always allowed: context takeover lets us refer back to
    /// earlier messages, it never obliges us to, and a fresh DEFLATE stream only refers to what
    /// it sent itself, which the server's inflater has too (RFC 7692 §7.2.1 needs no more than
    /// that the receiver can inflate what arrives). The next message costs a new state and
    /// compresses without the earlier ones.
    pub(crate) fn release_if_idle(&mut self, now: Instant) -> Option<Instant> {
        let idle_since = |last: Option<Instant>, idle| last.is_none_or(|at| now >= at + idle);
        if idle_since(self.last_large, IDLE) && self.filled == 0 {
            self.buf.truncate(CHUNK);
            self.buf.shrink_to(CHUNK);
        }
        if idle_since(self.last_compressed, COMPRESSOR_IDLE) {
            if let Some((deflater, _)) = &mut self.deflate {
                deflater.release();
            }
        }
        let later = self.next_release().filter(|due| *due > now);
        self.release_armed = later.is_some();
        later
    }

    /// Writes out whatever the buffer holds; once written, its data payload is no longer
    /// buffered. What a failed write held stays counted, as the browser counts data it never
    /// transmitted.
    fn write_out(&mut self) -> io::Result<()> {
        if self.filled == 0 {
            return Ok(());
        }
        let result = match self.half.as_mut() {
            Some(half) => half.write_all(&self.buf[..self.filled]),
            None => Ok(()),
        };
        if result.is_ok() && self.half.is_some() {
            self.buffered.written(self.unsent);
        }
        self.filled = 0;
        self.unsent = 0;
        result
    }

    /// Writes a ping or pong (payload at most 125 bytes), unless the close frame went out.
    pub(crate) fn control(&mut self, op: u8, payload: &[u8]) -> io::Result<()> {
        debug_assert!(payload.len() <= 125);
        if self.is_writable() {
            self.frame(control(op, payload), false)?;
            self.flush()?;
        }
        Ok(())
    }

    /// Writes our close frame, once: returns `Ok(false)` if one was sent before or nothing may be
    /// written any more.
    pub(crate) fn close(&mut self, payload: &[u8]) -> io::Result<bool> {
        if self.half.is_none() || !self.closing.start_close() {
            return Ok(false);
        }
        self.frame(control(opcode::CLOSE, payload), false)?;
        self.flush()?;
        self.closing.close_written();
        Ok(true)
    }

    /// The server's close frame arrived; see [`Writer::is_clean`].
    pub(crate) fn close_received(&mut self) {
        self.closing.received();
    }

    /// The bytes of room the buffer holds.
    #[cfg(test)]
    pub(crate) fn room(&self) -> usize {
        self.buf.capacity()
    }

    /// Whether our close frame was written in full, now or earlier; not if the writer broke or
    /// was shut before it went out.
    #[cfg(test)]
    pub(crate) fn close_written(&self) -> bool {
        self.closing.is_written()
    }

    /// Whether the closing handshake completed: the server's close frame arrived and ours was
    /// written in full (RFC 6455 §7.1.4).
    pub(crate) fn is_clean(&self) -> bool {
        self.closing.is_clean()
    }

    /// Stops all writing and ends the write direction of the stream (FIN).
    pub(crate) fn shut(&mut self) {
        self.closing.stop();
        if let Some(mut half) = self.half.take() {
            half.shutdown_write();
        }
    }

    /// Forgets the write half after a write failed, so that nothing more is attempted.
    pub(crate) fn broken(&mut self) {
        self.closing.stop();
        self.half = None;
    }

    /// The next `n` bytes of the buffer, counted as filled. The buffer is zero-filled only
    /// where it grows, once per connection.
    fn claim(&mut self, n: usize) -> &mut [u8] {
        let start = self.filled;
        self.filled += n;
        if self.buf.len() < self.filled {
            self.buf.resize(self.filled, 0);
            // Growing doubles the room, which may overshoot CHUNK for frames that fit in it.
            // Room past CHUNK is what the idle check lets go: frames that fit must leave none.
            self.buf.shrink_to(CHUNK);
        }
        &mut self.buf[start..self.filled]
    }

    /// Encodes one frame with a fresh mask into the buffer, header and payload together,
    /// writing whenever the buffer reaches [`CHUNK`] ([`LARGE_CHUNK`] for a longer frame).
    fn frame(&mut self, fragment: Fragment<'_>, counted: bool) -> io::Result<()> {
        let chunk = match fragment.payload.len() > CHUNK {
            true => {
                self.last_large = Some(Instant::now());
                LARGE_CHUNK
            }
            false => CHUNK,
        };
        let payload_len = fragment.payload.len();
        let mut frame = FrameEncoder::new(fragment, mask_key());
        // Payload bytes not yet encoded: what `remaining` counts, less the header while it is
        // still to come.
        let payload_left = |frame: &FrameEncoder<'_>| frame.remaining().min(payload_len);
        loop {
            let start = self.filled;
            let room = chunk.saturating_sub(start).min(frame.remaining());
            let before = payload_left(&frame);
            let n = frame.encode(self.claim(room));
            self.filled = start + n;
            if counted {
                self.unsent += (before - payload_left(&frame)) as u64;
            }
            if frame.is_done() {
                return Ok(());
            }
            self.write_out()?;
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::proto::frame::{mask_in_place, parse_header};
    use std::io::Read;
    use std::net::{TcpListener, TcpStream};

    /// A writer over a loopback socket, and the peer end to read what it wrote.
    pub(crate) fn pair() -> (Writer, TcpStream) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let c = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let (s, _) = l.accept().unwrap();
        // A frame that never comes fails the test instead of hanging it.
        s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        let mut w = Writer::default();
        w.attach(WriteHalf::Plain(std::sync::Arc::new(c)));
        (w, s)
    }

    /// Reads one frame, unmasked: (fin, opcode, mask, payload).
    pub(crate) fn read_frame(s: &mut TcpStream) -> (bool, u8, [u8; 4], Vec<u8>) {
        let mut head = vec![0u8; 2];
        s.read_exact(&mut head).unwrap();
        loop {
            if let Some((h, n)) = parse_header(&head).unwrap() {
                assert_eq!(n, head.len());
                let mut payload = vec![0u8; h.len as usize];
                s.read_exact(&mut payload).unwrap();
                let key = h.mask.expect("client frames are masked");
                mask_in_place(&mut payload, key, 0);
                return (h.fin, h.opcode, key, payload);
            }
            let mut b = [0u8; 1];
            s.read_exact(&mut b).unwrap();
            head.push(b[0]);
        }
    }

    #[test]
    fn frames_are_masked_with_a_fresh_key_each() {
        let (mut w, mut s) = pair();
        for _ in 0..4 {
            assert!(w.message(true, b"hello", usize::MAX).unwrap());
        }
        let keys: Vec<_> = (0..4)
            .map(|_| {
                let (fin, op, key, payload) = read_frame(&mut s);
                assert!(fin);
                assert_eq!(op, opcode::TEXT);
                assert_eq!(payload, b"hello");
                key
            })
            .collect();
        let distinct: std::collections::HashSet<_> = keys.iter().collect();
        assert_eq!(distinct.len(), 4, "keys repeat: {keys:?}");
    }

    #[test]
    fn large_messages_are_fragmented_and_chunked() {
        let (mut w, mut s) = pair();
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let t = std::thread::spawn(move || {
            w.message(false, &data, 150_000).unwrap();
            w.message(false, b"", 10).unwrap();
            data
        });
        let (fin1, op1, _, p1) = read_frame(&mut s);
        let (fin2, op2, _, p2) = read_frame(&mut s);
        let (fin3, op3, _, p3) = read_frame(&mut s);
        let data = t.join().unwrap();
        assert_eq!((fin1, op1, p1.len()), (false, opcode::BINARY, 150_000));
        assert_eq!((fin2, op2), (true, opcode::CONTINUATION));
        assert_eq!([p1, p2].concat(), data);
        assert_eq!((fin3, op3, p3.len()), (true, opcode::BINARY, 0));
    }

    #[test]
    fn queued_messages_share_writes_and_keep_their_order() {
        let (mut w, mut s) = pair();
        let t = std::thread::spawn(move || {
            for i in 0..5000u32 {
                assert!(w
                    .queue(i % 2 == 0, &i.to_be_bytes().repeat(i as usize % 7), 3)
                    .unwrap());
            }
            // Nothing may be left behind in the buffer once flushed.
            w.flush().unwrap();
            w
        });
        for i in 0..5000u32 {
            let want = i.to_be_bytes().repeat(i as usize % 7);
            let mut got = Vec::new();
            loop {
                let (fin, op, _, payload) = read_frame(&mut s);
                let first = got.is_empty() && (op != opcode::CONTINUATION);
                assert!(first || op == opcode::CONTINUATION, "message {i}");
                if first {
                    assert_eq!(
                        op,
                        if i % 2 == 0 {
                            opcode::TEXT
                        } else {
                            opcode::BINARY
                        }
                    );
                }
                got.extend(payload);
                if fin {
                    break;
                }
            }
            assert_eq!(got, want, "message {i}");
        }
        drop(t.join().unwrap());
    }

    #[cfg(feature = "deflate")]
    #[test]
    fn an_idle_compressor_is_let_go_and_the_next_message_still_inflates() {
        use crate::proto::deflate::{Deflater, Inflater};
        let (mut w, mut s) = pair();
        w.compress_with(Deflater::new(15, false, 6), 0);
        let reader = std::thread::spawn(move || {
            let frames: Vec<_> = (0..3).map(|_| read_frame(&mut s).3).collect();
            frames
        });
        assert_eq!(w.release_check_due(), None, "nothing allocated yet");
        let tick = br#"{"type":"ticker","product_id":"BTC-USD","price":"50000.01"}"#;
        assert!(w.message(true, tick, usize::MAX).unwrap());
        let sent = w.last_compressed.unwrap();
        assert_eq!(w.release_check_due(), Some(sent + COMPRESSOR_IDLE));
        assert!(w.message(true, tick, usize::MAX).unwrap());
        let last = w.last_compressed.unwrap();
        // Not idle yet: kept, and the check comes back later.
        assert_eq!(
            w.release_if_idle(sent + COMPRESSOR_IDLE / 2),
            Some(last + COMPRESSOR_IDLE)
        );
        assert!(w.deflate.as_ref().unwrap().0.is_allocated());
        // Idle: the state goes and no check is needed any more.
        assert_eq!(w.release_if_idle(last + COMPRESSOR_IDLE), None);
        assert!(!w.deflate.as_ref().unwrap().0.is_allocated());
        assert_eq!(w.release_check_due(), None);
        // The next message starts a fresh stream, which an inflater that kept the context
        // (as the server's does) still inflates.
        assert!(w.message(true, tick, usize::MAX).unwrap());
        let frames = reader.join().unwrap();
        assert!(
            frames[1].len() < frames[0].len(),
            "the second referred to the first"
        );
        assert_eq!(frames[2].len(), frames[0].len(), "the third could not");
        let mut inflater = Inflater::new(15, false);
        for frame in frames {
            let mut out = Vec::new();
            inflater.inflate(&frame, &mut out, 1 << 20).unwrap();
            inflater.finish(&mut out, 1 << 20).unwrap();
            assert_eq!(out, tick);
        }
    }

    #[test]
    fn a_batch_of_small_frames_leaves_nothing_for_the_idle_check() {
        // 22-byte frames grow the buffer by doubling from 22 bytes: 22 × 2^12 is past CHUNK.
        // Room beyond CHUNK made the idle check due at once, and the check, which only shrank
        // room beyond CHUNK's length, never let it go: the timer thread re-armed it forever.
        let (mut w, mut s) = pair();
        let n = 2 * CHUNK / 22;
        let reader = std::thread::spawn(move || {
            (0..n)
                .map(|_| read_frame(&mut s).3.len())
                .filter(|&len| len == 16)
                .count()
        });
        for _ in 0..n {
            assert!(w.queue(false, &[7; 16], usize::MAX).unwrap());
        }
        w.flush().unwrap();
        assert!(w.buf.capacity() <= CHUNK, "{}", w.buf.capacity());
        assert_eq!(w.release_check_due(), None, "nothing to let go");
        assert_eq!(reader.join().unwrap(), n);
    }

    #[test]
    fn messages_that_fit_in_chunk_leave_nothing_for_the_idle_check() {
        // One message of 40 KiB, then one of 50 KiB: doubling the first's room would give
        // 80 KiB, past CHUNK, for a frame that fits in it.
        let (mut w, mut s) = pair();
        let sizes = [40 << 10, 50 << 10];
        let reader = std::thread::spawn(move || sizes.map(|_| read_frame(&mut s).3.len()));
        for size in sizes {
            assert!(w.message(false, &vec![7; size], usize::MAX).unwrap());
        }
        assert!(w.buf.capacity() <= CHUNK, "{}", w.buf.capacity());
        assert_eq!(w.release_check_due(), None, "nothing to let go");
        assert_eq!(reader.join().unwrap(), sizes);
    }

    #[test]
    fn room_past_chunk_is_let_go_at_the_first_check() {
        // However the buffer came by room past CHUNK, the check that finds it idle lets it go
        // and asks for no further check.
        let (mut w, _s) = pair();
        w.buf = Vec::with_capacity(2 * CHUNK);
        w.buf.resize(CHUNK / 2, 0);
        let before = Instant::now();
        let due = w.release_check_due().expect("the room is due to go");
        assert!(due >= before + IDLE, "one idle period from now");
        // Bytes waiting keep the room; the check then looks again an idle period later, never
        // at once.
        w.filled = 1;
        let now = Instant::now();
        let later = w.release_if_idle(now).expect("looks again");
        assert!(later >= now + IDLE, "re-armed at once");
        w.filled = 0;
        assert_eq!(w.release_if_idle(later), None);
        assert!(w.buf.capacity() <= CHUNK, "{}", w.buf.capacity());
        assert_eq!(w.release_check_due(), None);
    }

    #[test]
    fn the_large_room_is_kept_while_large_frames_come_and_let_go_once_idle() {
        let (mut w, mut s) = pair();
        let reader = std::thread::spawn(move || {
            let frames: Vec<Vec<u8>> = (0..3).map(|_| read_frame(&mut s).3).collect();
            frames
        });
        assert_eq!(w.release_check_due(), None, "nothing to let go yet");
        let big: Vec<u8> = (0..3 * LARGE_CHUNK as u32 + 5).map(|i| i as u8).collect();
        assert!(w.message(false, &big, usize::MAX).unwrap());
        // Grown for the large frame, which went out in pieces of LARGE_CHUNK, and kept.
        assert_eq!((w.buf.len(), w.filled), (LARGE_CHUNK, 0));
        let room = w.buf.as_ptr();
        let first = w.last_large.unwrap();
        assert_eq!(w.release_check_due(), Some(first + IDLE));
        assert_eq!(w.release_check_due(), None, "one check armed at a time");
        // The next large frame reuses the same room.
        assert!(w.message(false, &big, usize::MAX).unwrap());
        assert_eq!(w.buf.as_ptr(), room, "the room was reused, not mapped anew");
        let last = w.last_large.unwrap();
        assert!(last >= first);
        // Not idle yet: the check looks again one IDLE after the last large frame.
        assert_eq!(w.release_if_idle(first + IDLE / 2), Some(last + IDLE));
        assert_eq!(w.release_if_idle(last + IDLE / 2), Some(last + IDLE));
        assert_eq!(w.buf.len(), LARGE_CHUNK, "kept while not idle");
        // Idle: the room goes, and no check is needed any more.
        assert_eq!(w.release_if_idle(last + IDLE), None);
        assert_eq!((w.buf.len(), w.filled), (CHUNK, 0));
        assert!(w.buf.capacity() < LARGE_CHUNK, "{}", w.buf.capacity());
        assert_eq!(w.release_check_due(), None);
        // A small frame reuses the shrunk buffer; bytes past it are stale and must not go out.
        assert!(w.message(false, b"tail", usize::MAX).unwrap());
        assert_eq!(
            w.release_check_due(),
            None,
            "small frames need no large room"
        );
        assert_eq!(reader.join().unwrap(), [big.clone(), big, b"tail".to_vec()]);
    }

    #[test]
    fn written_data_payload_is_counted_out_and_nothing_else() {
        let (w, mut s) = pair();
        let buffered = Buffered::default();
        let mut w = Writer {
            buffered: buffered.clone(),
            ..w
        };
        let big: Vec<u8> = (0..3 * LARGE_CHUNK as u32 + 5).map(|i| i as u8).collect();
        buffered.add(big.len() as u64 + 10 + 7);
        let reader = std::thread::spawn(move || {
            let frames: Vec<_> = (0..9).map(|_| read_frame(&mut s)).collect();
            frames
                .into_iter()
                .map(|(_, op, _, p)| (op, p.len()))
                .collect::<Vec<_>>()
        });
        // A large message, in two frames and many pieces: all of it counted out, headers aside.
        assert!(w.message(false, &big, 2 * LARGE_CHUNK).unwrap());
        assert_eq!(buffered.get(), 17);
        // Control frames were never counted in.
        w.control(opcode::PONG, b"ping").unwrap();
        assert_eq!(buffered.get(), 17);
        // Queued messages count out when the write that carries them completes.
        assert!(w.queue(true, b"0123456789", 3).unwrap());
        assert!(w.queue(false, b"abcdefg", usize::MAX).unwrap());
        assert_eq!(buffered.get(), 17, "not written yet");
        w.flush().unwrap();
        assert_eq!(buffered.get(), 0);
        assert!(w.close(&[0x03, 0xe8]).unwrap());
        assert_eq!(buffered.get(), 0);
        use opcode::*;
        assert_eq!(
            reader.join().unwrap(),
            [
                (BINARY, 2 * LARGE_CHUNK),
                (CONTINUATION, LARGE_CHUNK + 5),
                (PONG, 4),
                (TEXT, 3),
                (CONTINUATION, 3),
                (CONTINUATION, 3),
                (CONTINUATION, 1),
                (BINARY, 7),
                (CLOSE, 2),
            ]
        );
    }

    #[test]
    fn nothing_is_written_after_the_close_frame() {
        let (mut w, mut s) = pair();
        assert!(w.close(&[0x03, 0xe8]).unwrap());
        assert!(
            !w.close(&[0x03, 0xe8]).unwrap(),
            "a second close is not sent"
        );
        assert!(!w.message(true, b"late", usize::MAX).unwrap());
        w.control(opcode::PONG, b"late").unwrap();
        w.shut();
        let (_, op, _, payload) = read_frame(&mut s);
        assert_eq!((op, payload), (opcode::CLOSE, vec![0x03, 0xe8]));
        let mut rest = Vec::new();
        s.read_to_end(&mut rest).unwrap();
        assert!(rest.is_empty(), "bytes after the close frame: {rest:?}");
    }

    #[test]
    fn only_a_close_frame_that_went_out_counts_as_written() {
        let (mut w, _s) = pair();
        assert!(!w.close_written());
        assert!(w.close(&[]).unwrap());
        assert!(!w.close(&[]).unwrap(), "a second close is not sent");
        assert!(w.close_written(), "the first one went out");

        for end in [Writer::broken, Writer::shut] {
            let (mut w, _s) = pair();
            end(&mut w);
            assert!(!w.close(&[]).unwrap(), "nothing can be written");
            assert!(!w.close_written(), "so no close frame went out");
        }
    }
}
