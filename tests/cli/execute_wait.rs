//! `-x MSG` sends instead of stdin, then waits; `--wait N` closes after N messages;
//! `--timeout SECS` closes after SECS.

use std::time::{Duration, Instant};

use crate::common::{close_frame, echo, text, RawPeer, Transport, OP_TEXT};
use crate::run::wsync;

#[test]
fn execute_sends_in_order_and_wait_closes_after_the_replies() {
    let server = echo(Transport::Plain);
    let ran = wsync(&["-x", "one", "-x", "two", "--wait", "2", server.url.as_str()])
        // Ignored with -x.
        .stdin("from stdin\n")
        .run();
    ran.assert_status(0);
    assert_eq!(ran.stdout_text(), "one\ntwo\n");
    server.join();
}

#[test]
fn execute_without_wait_waits_for_the_server_to_close() {
    let (url, peer) = RawPeer::spawn(|mut conn| {
        conn.handshake();
        let frame = conn.read_frame();
        assert_eq!(frame.opcode, OP_TEXT);
        conn.write(&text("reply 1"));
        conn.write(&text("reply 2"));
        conn.write(&close_frame(1000, ""));
        conn.expect_close();
        conn.shutdown();
        String::from_utf8(frame.payload).expect("UTF-8")
    });
    let ran = wsync(&["-x", "request", url.as_str()]).run();
    ran.assert_status(0);
    assert_eq!(ran.stdout_text(), "reply 1\nreply 2\n");
    assert_eq!(peer.join(), "request");
}

#[test]
fn wait_zero_sends_then_closes() {
    let (url, peer) = RawPeer::spawn(|mut conn| {
        conn.handshake();
        let frame = conn.read_frame();
        let close = conn.expect_close();
        conn.write(&close_frame(1000, ""));
        conn.shutdown();
        (String::from_utf8(frame.payload).expect("UTF-8"), close)
    });
    wsync(&["-x", "fire and forget", "--wait", "0", url.as_str()])
        .run()
        .assert_status(0);
    assert_eq!(
        peer.join(),
        ("fire and forget".to_owned(), Some((1000, String::new())))
    );
}

#[test]
fn with_wait_the_end_of_stdin_does_not_close() {
    let (url, peer) = RawPeer::spawn(|mut conn| {
        conn.handshake();
        let frame = conn.read_frame();
        assert_eq!(frame.payload, b"question");
        // By now stdin has ended; the replies still count.
        conn.write(&text("answer 1"));
        conn.write(&text("answer 2"));
        let close = conn.expect_close();
        conn.write(&close_frame(1000, ""));
        conn.shutdown();
        close
    });
    let ran = wsync(&["--wait", "2", url.as_str()])
        .stdin("question\n")
        .run();
    ran.assert_status(0);
    assert_eq!(ran.stdout_text(), "answer 1\nanswer 2\n");
    assert_eq!(peer.join(), Some((1000, String::new())));
}

#[test]
fn timeout_alone_closes_cleanly_and_exits_0() {
    let (url, peer) = RawPeer::spawn(|mut conn| {
        conn.handshake();
        conn.write(&text("tick"));
        let close = conn.expect_close();
        conn.write(&close_frame(1000, ""));
        conn.shutdown();
        close
    });
    let started = Instant::now();
    let ran = wsync(&["--timeout", "0.4", url.as_str()])
        .stdin_open()
        .run();
    ran.assert_status(0);
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_eq!(ran.stdout_text(), "tick\n");
    assert_eq!(peer.join(), Some((1000, String::new())));
}
