//! permessage-deflate (RFC 7692) against real servers: Python `websockets` 17 and Node `ws` 8,
//! each running one of the echo servers of `tests/peers/` in a process of its own ([`peer`]).
//! Every test runs against both, and checks every message byte for byte.
//!
//! What is covered: the negotiated parameters as `extensions()` reports them, whoever asked for
//! them (our offer or the server's settings); echo of text and binary with compression;
//! context takeover on and off on each side, and that it shows on the wire; every window size
//! from 9 to 15 on each side, and what each server makes of 8; messages of 4 MiB, compressible
//! and not; messages the server sends in fragments; a thousand messages in a row on one
//! compression context; `no_compression()`. A counting relay ([`relay`]) between wsync and the
//! server measures the bytes on the wire, to check that compression really happens.
//!
//! The servers are installed by `bash scripts/peers.sh`, so the tests are ignored by default;
//! run them with `cargo test --all-features --test it real_peers -- --ignored` (CI does).

mod peer;
mod relay;

use wsync::{Compression, Error, HandshakeError, Message, WebSocket};

use crate::common::{drain_to_close, expect_message};
use peer::{Peer, Server};
use relay::{Relay, Wire};

// ---------------------------------------------------------------------------------------------
// Test data: deterministic, independent of wsync.
// ---------------------------------------------------------------------------------------------

/// xorshift64*: deterministic pseudo-random numbers for the test data.
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

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// `n` random bytes: incompressible.
fn noise(n: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let mut v = Vec::with_capacity(n + 8);
    while v.len() < n {
        v.extend_from_slice(&rng.next().to_le_bytes());
    }
    v.truncate(n);
    v
}

/// A small JSON document, different for each `i`, much like its neighbours: what context
/// takeover makes small.
fn json(i: u64) -> String {
    let mut rng = Rng::new(i);
    format!(
        r#"{{"id":{i},"event":"order_book_update","symbol":"ETH-EUR","bids":[["{}.{:02}","{}"]],"asks":[["{}.{:02}","{}"]],"checksum":{}}}"#,
        2000 + rng.below(100),
        rng.below(100),
        rng.below(50_000),
        2100 + rng.below(100),
        rng.below(100),
        rng.below(50_000),
        rng.next() as u32,
    )
}

/// Text of about `len` bytes made of words drawn from a pool of ~100 KB shared by every seed,
/// so that repeats occur at every distance a window allows and beyond, within a message and
/// into earlier ones. zlib's inflaters (the servers' and ours) refuse a reference that reaches
/// beyond their window into an earlier message (within the output of one call they do not
/// check), so with context takeover a deflater that used a larger window than agreed fails on
/// these messages. Multi-byte characters included, so that fragments may cut through them.
fn window_text(len: usize, seed: u64) -> String {
    const ALPHABET: [char; 40] = [
        'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q', 'r',
        's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'A', 'B', 'C', 'D', '0', '1', '2', '3', ' ', '\n',
        'é', 'ß', '€', '😀',
    ];
    // The pool is the same for every seed, so that messages share words with each other.
    let mut pool_rng = Rng::new(7692);
    let pool: Vec<String> = (0..3000)
        .map(|_| {
            let n = 8 + pool_rng.below(50);
            (0..n)
                .map(|_| ALPHABET[pool_rng.below(ALPHABET.len())])
                .collect()
        })
        .collect();
    let mut rng = Rng::new(seed);
    let mut s = String::with_capacity(len + 256);
    while s.len() < len {
        s.push_str(&pool[rng.below(pool.len())]);
    }
    s
}

/// A few messages, text and binary, of the kinds above.
fn mixed_messages(seed: u64) -> Vec<Message> {
    vec![
        Message::Text(String::new()),
        Message::Binary(Vec::new()),
        Message::Text("a".into()),
        Message::Text("héllo wörld 😀".into()),
        Message::Binary(vec![0, 1, 2, 255]),
        Message::Text(json(seed)),
        Message::Text(window_text(40_000, seed)),
        Message::Binary(window_text(20_000, seed + 1).into_bytes()),
        Message::Binary(noise(30_000, seed)),
        Message::Text(json(seed + 1)),
    ]
}

/// The total payload of `messages`.
fn payload_len(messages: &[Message]) -> u64 {
    messages.iter().map(|m| m.len() as u64).sum()
}

/// A short description of a message for assertion messages (not its whole content).
fn describe(m: &Message) -> String {
    match m {
        Message::Text(t) => format!("text of {} bytes", t.len()),
        Message::Binary(b) => format!("binary of {} bytes", b.len()),
    }
}

/// The `i`-th message of the servers' `--feed` mode (see `tests/peers/`).
fn feed_message(i: u64) -> String {
    let price = 5_000_000 + (i * 7919) % 100_000;
    let size = 1 + (i * 104_729) % 10_000;
    let side = if i.is_multiple_of(3) { "sell" } else { "buy" };
    format!(
        r#"{{"type":"ticker","sequence":{i},"product_id":"BTC-USD","price":"{}.{:02}","size":"0.{size:04}","side":"{side}","time":"2026-01-01T00:00:{:02}.{:06}Z"}}"#,
        price / 100,
        price % 100,
        i / 1_000_000 % 60,
        i % 1_000_000,
    )
}

// ---------------------------------------------------------------------------------------------
// Driving wsync.
// ---------------------------------------------------------------------------------------------

/// Connects to `url` with `compression` (`None`: `no_compression()`).
#[track_caller]
fn open(url: &str, compression: Option<Compression>) -> WebSocket {
    let builder = WebSocket::builder(url);
    let builder = match compression {
        Some(c) => builder.compression(c),
        None => builder.no_compression(),
    };
    builder
        .connect()
        .unwrap_or_else(|e| panic!("connect to {url}: {e:?}"))
}

/// Sends each message and expects it back, one at a time.
#[track_caller]
fn echo_each(ws: &WebSocket, messages: &[Message], what: &str) {
    for (i, m) in messages.iter().enumerate() {
        ws.send(m)
            .unwrap_or_else(|e| panic!("{what}: send message {i}: {e:?}"));
        let got = expect_message(ws);
        assert!(
            got == *m,
            "{what}: message {i} ({}) came back different: {}",
            describe(m),
            describe(&got)
        );
    }
}

/// Sends all the messages, then expects them all back in order.
#[track_caller]
fn echo_all(ws: &WebSocket, messages: &[Message], what: &str) {
    for (i, m) in messages.iter().enumerate() {
        ws.send(m)
            .unwrap_or_else(|e| panic!("{what}: send message {i}: {e:?}"));
    }
    for (i, m) in messages.iter().enumerate() {
        let got = expect_message(ws);
        assert!(
            got == *m,
            "{what}: message {i} ({}) came back different: {}",
            describe(m),
            describe(&got)
        );
    }
}

/// Closes with 1000 and expects the server's echo of it: a clean close, no error before it.
#[track_caller]
fn close_cleanly(ws: WebSocket, what: &str) {
    ws.close_with(1000, "done")
        .unwrap_or_else(|e| panic!("{what}: close: {e:?}"));
    let (events, close) = drain_to_close(&ws);
    assert!(events.is_empty(), "{what}: events before Close: {events:?}");
    assert!(
        close.was_clean && close.code == 1000,
        "{what}: expected a clean close 1000, got {close:?}"
    );
}

/// One connection to `peer` with `compression`: checks that `extensions()` is `expected`,
/// echoes `messages` and closes.
#[track_caller]
fn session(
    peer: &Peer,
    compression: Option<Compression>,
    expected: &str,
    messages: &[Message],
    what: &str,
) {
    let what = format!("{:?}: {what}", peer.server);
    let ws = open(&peer.url(), compression);
    assert_eq!(ws.extensions(), expected, "{what}: extensions()");
    echo_each(&ws, messages, &what);
    close_cleanly(ws, &what);
}

/// Like [`session`] through a [`Relay`], echoing all the messages at once; the bytes on the
/// wire each way.
#[track_caller]
fn measured_session(
    peer: &Peer,
    compression: Option<Compression>,
    messages: &[Message],
    what: &str,
) -> (String, Wire) {
    let what = format!("{:?}: {what}", peer.server);
    let relay = Relay::start(peer.port);
    let ws = open(&relay.url(), compression);
    let extensions = ws.extensions().to_owned();
    echo_all(&ws, messages, &what);
    close_cleanly(ws, &what);
    (extensions, relay.finish())
}

/// The parameters of the permessage-deflate element of an `extensions()` value.
fn params(extensions: &str) -> Vec<&str> {
    let mut parts = extensions.split(';').map(str::trim);
    assert_eq!(parts.next(), Some("permessage-deflate"), "{extensions:?}");
    parts.collect()
}

// ---------------------------------------------------------------------------------------------
// The tests.
// ---------------------------------------------------------------------------------------------

/// The answer each server gives, as `extensions()` reports it, to our offer and to its own
/// settings; each connection then echoes a few messages.
#[test]
#[ignore = "needs scripts/peers.sh"]
fn negotiation_reflected_in_extensions() {
    let full_offer = Compression::default()
        .server_no_context_takeover(true)
        .client_no_context_takeover(true)
        .server_max_window_bits(10)
        .client_max_window_bits(11);
    let demanding = [
        "--server-no-context-takeover",
        "--client-no-context-takeover",
        "--server-max-window-bits",
        "11",
        "--client-max-window-bits",
        "10",
    ];
    // (server, its options, our offer, the answer)
    let cases: &[(Server, &[&str], Compression, &str)] = &[
        // The browser's offer, to a server that lets the client choose.
        (
            Server::Websockets,
            &[],
            Compression::default(),
            "permessage-deflate",
        ),
        (
            Server::Ws,
            &[],
            Compression::default(),
            "permessage-deflate",
        ),
        // websockets' own default: both windows at 12 bits.
        (
            Server::Websockets,
            &["--default-deflate"],
            Compression::default(),
            "permessage-deflate; server_max_window_bits=12; client_max_window_bits=12",
        ),
        // Everything offered, everything accepted as offered.
        (
            Server::Websockets,
            &[],
            full_offer,
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; \
             server_max_window_bits=10; client_max_window_bits=11",
        ),
        (
            Server::Ws,
            &[],
            full_offer,
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; \
             server_max_window_bits=10; client_max_window_bits=11",
        ),
        // Everything demanded by the server of the browser's offer.
        (
            Server::Websockets,
            &demanding,
            Compression::default(),
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; \
             server_max_window_bits=11; client_max_window_bits=10",
        ),
        (
            Server::Ws,
            &demanding,
            Compression::default(),
            "permessage-deflate; client_max_window_bits=10; server_no_context_takeover; \
             client_no_context_takeover; server_max_window_bits=11",
        ),
        // No client_max_window_bits in the offer: websockets leaves our window alone.
        (
            Server::Websockets,
            &["--client-max-window-bits", "10"],
            Compression::default().without_client_max_window_bits(),
            "permessage-deflate",
        ),
        (
            Server::Ws,
            &[],
            Compression::default().without_client_max_window_bits(),
            "permessage-deflate",
        ),
    ];
    for (i, (server, args, offer, answer)) in cases.iter().enumerate() {
        let peer = Peer::spawn(*server, args);
        session(
            &peer,
            Some(*offer),
            answer,
            &mixed_messages(i as u64),
            &format!("case {i}: options {args:?}, offer {offer:?}"),
        );
    }
}

/// Where `ws` cannot accept our offer it refuses the handshake with 400 instead of answering
/// without the extension (RFC 7692 §5 lets a server decline an offer): a client that asks for a
/// smaller server window than `ws` is set to, or that does not offer client_max_window_bits to
/// a server set to limit it, cannot connect at all. websockets declines the extension instead.
#[test]
#[ignore = "needs scripts/peers.sh"]
fn offers_a_server_cannot_accept() {
    let cases: [(&[&str], Compression); 2] = [
        (
            &["--server-max-window-bits", "12"],
            Compression::default().server_max_window_bits(10),
        ),
        (
            &["--client-max-window-bits", "10"],
            Compression::default().without_client_max_window_bits(),
        ),
    ];
    for (args, offer) in cases {
        let peer = Peer::spawn(Server::Ws, args);
        let what = format!("ws with {args:?}, offer {offer:?}");
        match WebSocket::builder(peer.url()).compression(offer).connect() {
            Err(Error::Handshake(HandshakeError::Status(r))) if r.status() == 400 => {}
            Err(e) => panic!("{what}: expected status 400, got {e:?}"),
            Ok(ws) => panic!("{what}: connected with {:?}", ws.extensions()),
        }
        // A browser-like retry without compression works.
        session(
            &peer,
            None,
            "",
            &mixed_messages(1),
            &format!("{what}, then no_compression()"),
        );
    }
    // websockets, set to 12 and asked for 10, answers 10.
    let peer = Peer::spawn(Server::Websockets, &["--server-max-window-bits", "12"]);
    session(
        &peer,
        Some(Compression::default().server_max_window_bits(10)),
        "permessage-deflate; server_max_window_bits=10",
        &mixed_messages(2),
        "websockets set to 12, asked for 10",
    );
}

/// Text and binary messages of every kind echo through each server with compression, both
/// directions compressed, and compressible ones shrink on the wire both ways.
#[test]
#[ignore = "needs scripts/peers.sh"]
fn echo_text_and_binary_compressed() {
    for server in Server::ALL {
        let peer = Peer::spawn(server, &[]);
        session(
            &peer,
            Some(Compression::default()),
            "permessage-deflate",
            &mixed_messages(3),
            "mixed messages",
        );
        let compressible: Vec<Message> = (0..20)
            .map(|i| Message::Text(window_text(5_000, i)))
            .chain((0..20).map(|i| Message::Binary(json(i).repeat(30).into_bytes())))
            .collect();
        let total = payload_len(&compressible);
        let (ext, wire) =
            measured_session(&peer, Some(Compression::default()), &compressible, "wire");
        assert_eq!(ext, "permessage-deflate", "{server:?}");
        for (way, bytes) in [("up", wire.up), ("down", wire.down)] {
            assert!(
                bytes < total * 2 / 3,
                "{server:?}: {bytes} bytes {way} for {total} bytes of compressible payload"
            );
        }
    }
}

/// Context takeover on and off on each side, asked for by us and demanded by the server: the
/// messages echo, `extensions()` says what was agreed, and the wire shows it — each side's
/// bytes grow when that side's context is reset for every message.
#[test]
#[ignore = "needs scripts/peers.sh"]
fn context_takeover_each_side() {
    let messages: Vec<Message> = (0..200)
        .map(|i| match i % 4 {
            3 => Message::Binary(json(i).into_bytes()),
            _ => Message::Text(json(i)),
        })
        .collect();
    for server in Server::ALL {
        let plain = Peer::spawn(server, &[]);
        // (server_no_context_takeover, client_no_context_takeover) -> wire
        let mut asked = Vec::new();
        let mut demanded = Vec::new();
        for snct in [false, true] {
            for cnct in [false, true] {
                let what = format!("asked: snct {snct}, cnct {cnct}");
                let offer = Compression::default()
                    .server_no_context_takeover(snct)
                    .client_no_context_takeover(cnct);
                let (ext, wire) = measured_session(&plain, Some(offer), &messages, &what);
                check_flags(server, &ext, snct, cnct, &what);
                asked.push(((snct, cnct), wire));

                let what = format!("demanded: snct {snct}, cnct {cnct}");
                let mut args = Vec::new();
                if snct {
                    args.push("--server-no-context-takeover");
                }
                if cnct {
                    args.push("--client-no-context-takeover");
                }
                let peer = if args.is_empty() {
                    None
                } else {
                    Some(Peer::spawn(server, &args))
                };
                let (ext, wire) = measured_session(
                    peer.as_ref().unwrap_or(&plain),
                    Some(Compression::default()),
                    &messages,
                    &what,
                );
                check_flags(server, &ext, snct, cnct, &what);
                demanded.push(((snct, cnct), wire));
            }
        }
        for (how, runs) in [("asked", &asked), ("demanded", &demanded)] {
            let wire = |s: bool, c: bool| runs.iter().find(|(k, _)| *k == (s, c)).unwrap().1;
            // The server's side: down grows when the server resets, whatever we do.
            for cnct in [false, true] {
                let (kept, reset) = (wire(false, cnct).down, wire(true, cnct).down);
                assert!(
                    kept * 4 < reset * 3,
                    "{server:?} {how}: down {kept} bytes with server context takeover, \
                     {reset} without"
                );
            }
            // Our side: up grows when we reset, whatever the server does.
            for snct in [false, true] {
                let (kept, reset) = (wire(snct, false).up, wire(snct, true).up);
                assert!(
                    kept * 4 < reset * 3,
                    "{server:?} {how}: up {kept} bytes with client context takeover, \
                     {reset} without"
                );
            }
        }
    }
}

/// Checks the no_context_takeover flags of an `extensions()` value.
#[track_caller]
fn check_flags(server: Server, ext: &str, snct: bool, cnct: bool, what: &str) {
    let p = params(ext);
    assert_eq!(
        p.contains(&"server_no_context_takeover"),
        snct,
        "{server:?} {what}: {ext}"
    );
    assert_eq!(
        p.contains(&"client_no_context_takeover"),
        cnct,
        "{server:?} {what}: {ext}"
    );
}

/// Every window size from 9 to 15 on each side, asked for by us and demanded by the server,
/// one short connection each, with messages whose repeats lie at every distance: a side that
/// used a larger window than agreed would make the other's inflater fail (see
/// [`window_text`]; both servers inflate with exactly the agreed window, and so do we).
#[test]
#[ignore = "needs scripts/peers.sh"]
fn window_bits_each_side() {
    let messages = |bits: u8| -> Vec<Message> {
        let seed = u64::from(bits) * 10;
        vec![
            Message::Text(window_text(20_000, seed)),
            Message::Binary(window_text(12_000, seed + 1).into_bytes()),
            Message::Text(window_text(20_000, seed + 2)),
        ]
    };
    for server in Server::ALL {
        let plain = Peer::spawn(server, &[]);
        for bits in 9..=15u8 {
            let offer = Compression::default().server_max_window_bits(bits);
            session(
                &plain,
                Some(offer),
                &format!("permessage-deflate; server_max_window_bits={bits}"),
                &messages(bits),
                &format!("asked server_max_window_bits={bits}"),
            );
            let offer = Compression::default().client_max_window_bits(bits);
            session(
                &plain,
                Some(offer),
                &format!("permessage-deflate; client_max_window_bits={bits}"),
                &messages(bits),
                &format!("asked client_max_window_bits={bits}"),
            );
        }
        // A server per setting, started all at once: they start in parallel.
        for side in ["server", "client"] {
            let option = format!("--{side}-max-window-bits");
            let peers = spawn_all(
                server,
                (9..=15u8)
                    .map(|bits| vec![option.clone(), bits.to_string()])
                    .collect(),
            );
            for (bits, peer) in (9..=15u8).zip(&peers) {
                session(
                    peer,
                    Some(Compression::default()),
                    &format!("permessage-deflate; {side}_max_window_bits={bits}"),
                    &messages(bits),
                    &format!("demanded {side}_max_window_bits={bits}"),
                );
            }
        }
    }
}

/// Starts a server for each set of options, in parallel.
fn spawn_all(server: Server, options: Vec<Vec<String>>) -> Vec<Peer> {
    std::thread::scope(|scope| {
        let starting: Vec<_> = options
            .iter()
            .map(|args| {
                scope.spawn(move || {
                    let args: Vec<&str> = args.iter().map(String::as_str).collect();
                    Peer::spawn(server, &args)
                })
            })
            .collect();
        starting
            .into_iter()
            .map(|s| s.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// Windows of 8 bits (256 bytes), which zlib cannot deflate with. For our window, demanded by
/// the server or offered by us, both servers inflate with a true 256-byte window, so our
/// deflater (9 bits in zlib, which reaches back at most 250 bytes) is checked for real.
/// For the server's window: websockets refuses to deflate with 8 bits and declines an offer
/// that asks for it (no compression; it will not even start when set to 8), while `ws`
/// accepts it and deflates with zlib's 9 bits.
#[test]
#[ignore = "needs scripts/peers.sh"]
fn window_of_8_bits() {
    let messages: Vec<Message> = (0..6)
        .map(|i| Message::Text(window_text(20_000, 800 + i)))
        .chain([Message::Binary(json(1).repeat(100).into_bytes())])
        .collect();
    for server in Server::ALL {
        let peer = Peer::spawn(server, &["--client-max-window-bits", "8"]);
        session(
            &peer,
            Some(Compression::default()),
            "permessage-deflate; client_max_window_bits=8",
            &messages,
            "demanded client_max_window_bits=8",
        );
        let plain = Peer::spawn(server, &[]);
        session(
            &plain,
            Some(Compression::default().client_max_window_bits(8)),
            "permessage-deflate; client_max_window_bits=8",
            &messages,
            "asked client_max_window_bits=8",
        );
        let asked_8 = match server {
            Server::Websockets => "",
            Server::Ws => "permessage-deflate; server_max_window_bits=8",
        };
        session(
            &plain,
            Some(Compression::default().server_max_window_bits(8)),
            asked_8,
            &messages,
            "asked server_max_window_bits=8",
        );
    }
    let peer = Peer::spawn(Server::Ws, &["--server-max-window-bits", "8"]);
    session(
        &peer,
        Some(Compression::default()),
        "permessage-deflate; server_max_window_bits=8",
        &messages,
        "demanded server_max_window_bits=8",
    );
}

/// Messages of 4 MiB, compressible and random, each way. Then messages of 1 MiB in fragments
/// each way: the server echoes them in 16 fragments, and we send them in fragments of 100 KB.
/// (Sizes held down because wsync compresses at about 3 MB/s in the unoptimized test build.)
#[test]
#[ignore = "needs scripts/peers.sh"]
fn large_messages() {
    let compressible = |len: usize| {
        let mut s = String::with_capacity(len + 256);
        let mut i = 0;
        while s.len() < len {
            s.push_str(&json(i));
            s.push('\n');
            i += 1;
        }
        s
    };
    let large = [
        Message::Text(compressible(4 << 20)),
        Message::Binary(noise(4 << 20, 4)),
    ];
    let fragmented = [
        Message::Text(compressible(1 << 20)),
        Message::Binary(noise(1 << 20, 5)),
        Message::Text(window_text(1 << 20, 6)),
    ];
    for server in Server::ALL {
        let peer = Peer::spawn(server, &[]);
        session(
            &peer,
            Some(Compression::default()),
            "permessage-deflate",
            &large,
            "4 MiB",
        );

        let peer = Peer::spawn(server, &["--fragments", "16"]);
        let what = format!("{server:?}: 1 MiB in fragments");
        let ws = WebSocket::builder(peer.url())
            .fragment_size(100_000)
            .connect()
            .expect("connect");
        assert_eq!(ws.extensions(), "permessage-deflate", "{what}");
        echo_each(&ws, &fragmented, &what);
        close_cleanly(ws, &what);
    }
}

/// The server sends each message in 5 fragments, the first with RSV1 set: small and empty
/// messages, text cut through its multi-byte characters (`ws` cuts bytes), binary; with and
/// without the server's context takeover.
#[test]
#[ignore = "needs scripts/peers.sh"]
fn fragmented_compressed_messages() {
    let mut messages = mixed_messages(6);
    messages.extend((0..10).map(|i| Message::Text(window_text(3_000 + i * 100, 60 + i as u64))));
    for server in Server::ALL {
        for nct in [false, true] {
            let mut args = vec!["--fragments", "5"];
            let mut expected = "permessage-deflate".to_owned();
            if nct {
                args.push("--server-no-context-takeover");
                expected.push_str("; server_no_context_takeover");
            }
            let peer = Peer::spawn(server, &args);
            session(
                &peer,
                Some(Compression::default()),
                &expected,
                &messages,
                &format!("{args:?}"),
            );
        }
    }
}

/// Uncompressed messages (RSV1 clear) between compressed ones, with context takeover: they are
/// not part of the compression context (RFC 7692 §6.1), so a side that fed them to its
/// compressor or inflater would fall out of step with the other. We leave messages under
/// `min_size` uncompressed, and `ws` echoes those under `--compress-min` uncompressed
/// (websockets compresses every message).
#[test]
#[ignore = "needs scripts/peers.sh"]
fn uncompressed_messages_between_compressed() {
    let messages: Vec<Message> = (0..60)
        .map(|i| match i % 3 {
            0 => Message::Text(json(i)),
            1 => Message::Text([json(i), json(i + 1), json(i + 2)].concat()),
            _ => Message::Binary(window_text(2_000, i).into_bytes()),
        })
        .collect();
    assert!(messages.iter().any(|m| m.len() < 300));
    let ours = Compression::default().min_size(300);
    for server in Server::ALL {
        let peer = Peer::spawn(server, &[]);
        session(
            &peer,
            Some(ours),
            "permessage-deflate",
            &messages,
            "min_size(300)",
        );
    }
    for args in [
        &["--compress-min", "300"][..],
        &["--compress-min", "300", "--fragments", "3"][..],
    ] {
        let peer = Peer::spawn(Server::Ws, args);
        for compression in [Compression::default(), ours] {
            session(
                &peer,
                Some(compression),
                "permessage-deflate",
                &messages,
                &format!("{args:?}, {compression:?}"),
            );
        }
    }
}

/// A thousand messages in a row on one compression context each way, sent all before any is
/// read back: they echo in order, and with context takeover they take a fraction of their
/// size on the wire in both directions.
#[test]
#[ignore = "needs scripts/peers.sh"]
fn thousand_messages_context_takeover() {
    let messages: Vec<Message> = (0..1000)
        .map(|i| match i % 10 {
            9 => Message::Binary(json(i).into_bytes()),
            _ => Message::Text(json(i)),
        })
        .collect();
    let total = payload_len(&messages);
    for server in Server::ALL {
        let peer = Peer::spawn(server, &[]);
        let (ext, wire) = measured_session(
            &peer,
            Some(Compression::default()),
            &messages,
            "1000 messages",
        );
        assert_eq!(ext, "permessage-deflate", "{server:?}");
        for (way, bytes) in [("up", wire.up), ("down", wire.down)] {
            assert!(
                bytes < total / 2,
                "{server:?}: {bytes} bytes {way} for {total} bytes of payload"
            );
        }
    }
}

/// `no_compression()` offers nothing: `extensions()` is empty, messages echo, and they cross
/// the wire whole. A server with compression off answers no extension to our offer.
#[test]
#[ignore = "needs scripts/peers.sh"]
fn without_compression() {
    let messages: Vec<Message> = mixed_messages(7)
        .into_iter()
        .chain((0..100).map(|i| Message::Text(json(i))))
        .collect();
    let total = payload_len(&messages);
    for server in Server::ALL {
        let peer = Peer::spawn(server, &[]);
        let (ext, wire) = measured_session(&peer, None, &messages, "no_compression()");
        assert_eq!(ext, "", "{server:?}");
        assert!(
            wire.up > total && wire.down > total,
            "{server:?}: {wire:?} for {total} bytes of payload, uncompressed"
        );
        let off = Peer::spawn(server, &["--deflate", "off"]);
        session(
            &off,
            Some(Compression::default()),
            "",
            &messages,
            "server without deflate",
        );
    }
}

/// The servers' feed mode, which the benchmarks use: the same thousand JSON messages from both,
/// compressed, then a close.
#[test]
#[ignore = "needs scripts/peers.sh"]
fn feed_mode() {
    const N: u64 = 1000;
    for server in Server::ALL {
        let peer = Peer::spawn(server, &["--feed", &N.to_string()]);
        let relay = Relay::start(peer.port);
        let ws = open(&relay.url(), Some(Compression::default()));
        assert_eq!(ws.extensions(), "permessage-deflate", "{server:?}");
        let mut total = 0;
        for i in 0..N {
            let want = feed_message(i);
            total += want.len() as u64;
            assert_eq!(expect_message(&ws), Message::Text(want), "{server:?}");
        }
        let (events, close) = drain_to_close(&ws);
        assert!(events.is_empty(), "{server:?}: {events:?}");
        assert!(
            close.was_clean && close.code == 1000 && close.reason == "feed done",
            "{server:?}: {close:?}"
        );
        let wire = relay.finish();
        assert!(
            wire.down < total / 3,
            "{server:?}: {} bytes down for {total} of payload",
            wire.down
        );
    }
}
