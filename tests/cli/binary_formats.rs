//! `--binary hex|base64|raw`: how binary messages are printed in pipe mode (text messages are
//! lines whatever the format).

use crate::common::{binary, close_frame, text, RawPeer};
use crate::run::wsync;

/// The bytes of a binary message with a newline among them.
const BYTES: [u8; 6] = [0xde, 0xad, 0xbe, 0xef, 0x0a, 0x00];

/// Runs wsync with `args` against a peer that sends [`BYTES`], then a text message, then
/// closes; returns stdout.
fn received(args: &[&str]) -> Vec<u8> {
    let (url, peer) = RawPeer::spawn(|mut conn| {
        conn.handshake();
        conn.write(&binary(&BYTES));
        conn.write(&text("text"));
        conn.write(&close_frame(1000, ""));
        conn.expect_close();
        conn.shutdown();
    });
    let mut all: Vec<&str> = args.to_vec();
    all.push(&url);
    let ran = wsync(&all).stdin_open().run();
    ran.assert_status(0);
    peer.join();
    ran.stdout
}

#[test]
fn hex_by_default() {
    assert_eq!(received(&[]), b"deadbeef0a00\ntext\n");
    assert_eq!(received(&["--binary", "hex"]), b"deadbeef0a00\ntext\n");
}

#[test]
fn base64() {
    assert_eq!(received(&["--binary", "base64"]), b"3q2+7woA\ntext\n");
}

#[test]
fn raw_bytes_as_they_came() {
    let mut expected = BYTES.to_vec();
    expected.extend_from_slice(b"text\n");
    assert_eq!(received(&["--binary", "raw"]), expected);
}
