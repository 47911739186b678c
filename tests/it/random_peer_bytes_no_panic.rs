//! Nothing a server sends after the handshake makes the client panic or hang: for random byte
//! streams (fixed seeds, three in four shaped like frames so that they get past the first
//! header), the client always ends with exactly one `Close` event, the last, preceded by an
//! `Error` exactly when its code is 1006.

use std::net::Shutdown;
use std::time::{Duration, Instant};

use crate::common::raw::{header, LenForm};
use crate::common::{
    builder, RawPeer, Transport, OP_BINARY, OP_CLOSE, OP_CONT, OP_PING, OP_PONG, OP_TEXT, WAIT,
};
use wsync::{Event, ReadyState, RecvTimeoutError};

/// Iterations per transport.
const ITERATIONS: u64 = 150;

/// xorshift64*: small, deterministic, good enough to pick bytes.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// True with probability 1/n.
    fn one_in(&mut self, n: u64) -> bool {
        self.below(n) == 0
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// A payload: random bytes, ASCII text, UTF-8 with multi-byte characters, or a close body.
fn payload(rng: &mut Rng, len: usize) -> Vec<u8> {
    match rng.below(4) {
        0 => rng.bytes(len),
        1 => (0..len).map(|_| b'a' + rng.below(26) as u8).collect(),
        2 => "é€😀x".repeat(len / 10 + 1).into_bytes()[..len].to_vec(),
        _ => {
            let codes = [1000u16, 1001, 1002, 1005, 1006, 999, 3000, 4999, 5000, 1015];
            let code = codes[rng.below(codes.len() as u64) as usize];
            let mut body = code.to_be_bytes().to_vec();
            body.extend(rng.bytes(len.saturating_sub(2)));
            body.truncate(len);
            body
        }
    }
}

/// A random sequence of frames that mostly follows the rules (data fragments in order, control
/// frames between them, sometimes a close frame), with a random breakage here and there: a
/// flipped header bit, reserved bits, a mask, another opcode, a non-minimal or over-announced
/// length, or random bytes at the end.
fn frames(rng: &mut Rng) -> Vec<u8> {
    let mut out = Vec::new();
    let mut open = false;
    for _ in 0..1 + rng.below(8) {
        let (fin, op, len) = match rng.below(10) {
            0 | 1 => (
                true,
                [OP_PING, OP_PONG][rng.below(2) as usize],
                rng.below(126),
            ),
            2 if rng.one_in(3) => (true, OP_CLOSE, [0, 2, 5, 125][rng.below(4) as usize]),
            _ => {
                let op = if open {
                    OP_CONT
                } else {
                    [OP_TEXT, OP_BINARY][rng.below(2) as usize]
                };
                let fin = !rng.one_in(3);
                open = !fin;
                let len = if rng.one_in(8) {
                    126 + rng.below(5000)
                } else {
                    rng.below(40)
                };
                (fin, op, len)
            }
        };
        let len = len as usize;
        let mut data = payload(rng, len);
        if op == OP_CLOSE && len >= 2 && !rng.one_in(4) {
            data[..2].copy_from_slice(&1000u16.to_be_bytes());
            data[2..].fill(b'r');
        }
        let mut first = (u8::from(fin) << 7) | op;
        let mut announced = len as u64;
        let mut form = LenForm::Minimal;
        let mut mask = None;
        if rng.one_in(4) {
            match rng.below(6) {
                0 => first ^= 1 << rng.below(8),
                1 => first |= (1 + rng.below(7) as u8) << 4,
                2 => mask = Some([1, 2, 3, 4]),
                3 => form = [LenForm::Force16, LenForm::Force64][rng.below(2) as usize],
                4 => announced += 1 + rng.below(100_000),
                _ => announced = rng.next(),
            }
        }
        if announced > 0xFFFF && form == LenForm::Force16 {
            form = LenForm::Force64;
        }
        out.extend(header(first, announced, form, mask));
        out.extend(data);
    }
    if rng.one_in(6) {
        let at = rng.below(out.len() as u64) as usize;
        out[at] ^= 1 << rng.below(8);
    }
    if rng.one_in(4) {
        let n = rng.below(20) as usize;
        out.extend(rng.bytes(n));
    }
    out
}

/// One iteration: the peer sends the stream, ends its side, and waits for the client to close.
fn run(t: Transport, seed: u64) {
    let mut rng = Rng::new(seed);
    let bytes = if rng.one_in(4) {
        let n = rng.below(80) as usize;
        rng.bytes(n)
    } else {
        frames(&mut rng)
    };
    let sent = bytes.clone();
    let (url, peer) = RawPeer::spawn_on(t, move |mut conn| {
        conn.handshake();
        let _ = conn.try_write(&sent);
        let _ = conn.stream().shutdown(Shutdown::Write);
        conn.set_read_timeout(WAIT);
        conn.read_to_eof();
    });
    let ws = builder(&url)
        .max_frame_size(4096)
        .max_message_size(8192)
        .close_timeout(Duration::from_secs(2))
        .connect()
        .expect("connect");
    let ctx = || format!("{t:?}, seed {seed}, bytes {bytes:02x?}");
    let mut events = Vec::new();
    let close = loop {
        match ws.recv_timeout(WAIT) {
            Ok(Event::Close(c)) => break c,
            Ok(e) => events.push(e),
            Err(e) => panic!("no Close event ({e:?}) after {events:?}; {}", ctx()),
        }
    };
    let errors = events
        .iter()
        .filter(|e| matches!(e, Event::Error(_)))
        .count();
    let ends_with_error = matches!(events.last(), Some(Event::Error(_)));
    assert!(
        errors <= 1 && (errors == 0 || ends_with_error),
        "an Error not right before the Close: {events:?}; {}",
        ctx()
    );
    assert!(
        events
            .iter()
            .all(|e| matches!(e, Event::Message(_) | Event::Error(_))),
        "unexpected events {events:?}; {}",
        ctx()
    );
    assert_eq!(
        ends_with_error,
        close.code == 1006,
        "Error iff code 1006: {events:?} then {close:?}; {}",
        ctx()
    );
    if ends_with_error {
        assert!(!close.was_clean, "{close:?}; {}", ctx());
    }
    assert_eq!(ws.ready_state(), ReadyState::Closed, "{}", ctx());
    // Exactly one Close: the channel is disconnected right after it.
    match ws.recv_timeout(WAIT) {
        Err(RecvTimeoutError::Disconnected) => {}
        other => panic!("after the Close: {other:?}; {}", ctx()),
    }
    drop(ws);
    peer.join();
}

#[test]
fn random_server_bytes_end_in_exactly_one_close() {
    let started = Instant::now();
    for t in Transport::ALL {
        for seed in 0..ITERATIONS {
            run(t, seed);
        }
    }
    // A generous bound: each iteration is a loopback connection and a few frames.
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
}
