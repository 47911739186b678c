//! Pipe mode, the contract for scripts: each line of stdin goes out as a text message, each
//! text message received is printed as one line on stdout, and at the end of stdin the client
//! closes with 1000, waits for the server's close, and exits 0.

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::mpsc;

use crate::common::{close_frame, echo, text, wait_for_test, within, RawPeer, Transport, OP_TEXT};
use crate::run::{wsync, RUN_WAIT, WSYNC};

#[test]
fn stdin_lines_go_out_as_text_messages_then_a_close_with_1000() {
    let (url, peer) = RawPeer::spawn(|mut conn| {
        conn.handshake();
        let mut got = Vec::new();
        for _ in 0..5 {
            let frame = conn.read_frame();
            assert_eq!((frame.fin, frame.opcode), (true, OP_TEXT), "{frame:?}");
            got.push(String::from_utf8(frame.payload).expect("UTF-8"));
        }
        assert_eq!(conn.expect_close(), Some((1000, String::new())));
        conn.write(&close_frame(1000, ""));
        conn.shutdown();
        got
    });
    let ran = wsync(&[url.as_str()])
        .stdin("one\ntwo words\n\nwindows line\r\nno newline at the end")
        .run();
    ran.assert_status(0);
    assert_eq!(ran.stdout_text(), "");
    assert_eq!(
        peer.join(),
        [
            "one",
            "two words",
            "",
            "windows line",
            "no newline at the end"
        ]
    );
}

#[test]
fn messages_received_are_printed_one_per_line() {
    let (url, peer) = RawPeer::spawn(|mut conn| {
        conn.handshake();
        conn.write(&text("hello"));
        conn.write(&text("ünïcödé ✓"));
        conn.write(&text(""));
        conn.write(&close_frame(1000, "done"));
        assert_eq!(conn.expect_close().map(|(code, _)| code), Some(1000));
        conn.shutdown();
    });
    // stdin stays open: the server closes.
    let ran = wsync(&[url.as_str()]).stdin_open().run();
    ran.assert_status(0);
    assert_eq!(ran.stdout_text(), "hello\nünïcödé ✓\n\n");
    assert_eq!(ran.stderr, "", "a clean close says nothing");
    peer.join();
}

#[test]
fn round_trip_through_an_echo_server() {
    let server = echo(Transport::Plain);
    let ran = wsync(&["--wait", "3", server.url.as_str()])
        .stdin("first\nsecond\nthird\n")
        .run();
    ran.assert_status(0);
    assert_eq!(ran.stdout_text(), "first\nsecond\nthird\n");
    server.join();
}

#[test]
fn a_reader_that_goes_away_ends_the_run_with_a_clean_close() {
    // `wsync URL | head -1`: once stdout is gone, wsync closes with 1000 and exits as the
    // close went.
    let (go, wait) = mpsc::channel();
    let (url, peer) = RawPeer::spawn(move |mut conn| {
        conn.handshake();
        conn.write(&text("first"));
        wait_for_test(&wait);
        conn.write(&text("second, to a reader that has gone"));
        let close = conn.expect_close();
        conn.write(&close_frame(1000, ""));
        conn.shutdown();
        close
    });
    let mut child = Command::new(WSYNC)
        .arg(&url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start wsync");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0u8; 6];
    stdout.read_exact(&mut first).expect("the first message");
    assert_eq!(&first, b"first\n");
    drop(stdout);
    go.send(()).expect("the peer is waiting");
    let status = within(RUN_WAIT, move || {
        let status = child.wait().expect("wait for wsync");
        drop(child.stdin.take());
        status
    });
    assert_eq!(status.code(), Some(0));
    assert_eq!(peer.join(), Some((1000, String::new())));
}
