//! Interactive mode in a real terminal (tmux): the prompt, typing and history, a message that
//! arrives while a line is being typed (printed above the prompt, the line intact), `/ping`,
//! `/close`, Ctrl-C once (close with 1000) and twice (exit at once), and a close by the server
//! while the prompt waits.

use std::sync::mpsc;

use crate::common::{close_frame, pong, text, wait_for_test, RawPeer, OP_PING, OP_TEXT};
use crate::tmux::{last_line, Terminal};

/// The peer's next text message.
fn read_text(conn: &mut crate::common::RawConn) -> String {
    let frame = conn.read_frame();
    assert_eq!(frame.opcode, OP_TEXT, "expected a text message: {frame:?}");
    String::from_utf8(frame.payload).expect("UTF-8")
}

#[test]
fn typing_history_a_message_above_the_prompt_ping_and_close() {
    let (go, wait) = mpsc::channel();
    let (url, peer) = RawPeer::spawn(move |mut conn| {
        conn.handshake();
        let first = read_text(&mut conn);
        conn.write(&text(&format!("echo: {first}")));
        // The same line again, from history.
        let again = read_text(&mut conn);
        // While the test types a line without Enter.
        wait_for_test(&wait);
        conn.write(&text("pushed while you type"));
        let typed = read_text(&mut conn);
        let ping = conn.read_frame();
        assert_eq!(ping.opcode, OP_PING, "{ping:?}");
        conn.write(&pong(&ping.payload));
        let slash = read_text(&mut conn);
        let close = conn.expect_close();
        conn.write(&close_frame(4000, "see you"));
        conn.shutdown();
        (
            first,
            again,
            typed,
            String::from_utf8(ping.payload).unwrap(),
            slash,
            close,
        )
    });
    let term = Terminal::start(&[&url]);
    term.wait_for_line_starting("* connected to ws://127.0.0.1:");
    term.wait_for_line(">");

    term.type_text("hello there");
    term.press("Enter");
    term.wait_for_line("< echo: hello there");
    term.press("Up");
    term.wait_for("the last line recalled", |s| {
        last_line(s) == "> hello there"
    });
    term.press("Enter");

    term.type_text("half a li");
    term.wait_for("the line being typed", |s| last_line(s) == "> half a li");
    go.send(()).expect("the peer waits");
    let screen = term.wait_for_line("< pushed while you type");
    // The message went above the prompt; the line being typed is intact below it.
    let lines: Vec<&str> = screen.lines().collect();
    assert_eq!(
        &lines[lines.len() - 2..],
        ["< pushed while you type", "> half a li"],
        "{screen}"
    );
    term.type_text("ne");
    term.press("Enter");

    term.type_text("/ping are you there");
    term.press("Enter");
    term.wait_for_line_starting("< pong are you there (");

    term.type_text("//not a command");
    term.press("Enter");
    term.type_text("/close 4000 see you");
    term.press("Enter");
    let screen = term.wait_for_line("* closed: 4000 \"see you\" (clean)");
    // Closed with our own code: a clean close.
    assert_eq!(term.wait_exit(), 0, "{screen}");

    let (first, again, typed, ping, slash, close) = peer.join();
    assert_eq!(first, "hello there");
    assert_eq!(again, "hello there");
    assert_eq!(typed, "half a line");
    assert_eq!(ping, "are you there");
    assert_eq!(slash, "/not a command");
    assert_eq!(close, Some((4000, "see you".to_owned())));
}

#[test]
fn ctrl_c_closes_with_1000() {
    let (url, peer) = RawPeer::spawn(|mut conn| {
        conn.handshake();
        let close = conn.expect_close();
        conn.write(&close_frame(1000, ""));
        conn.shutdown();
        close
    });
    let term = Terminal::start(&[&url]);
    term.wait_for_line(">");
    term.type_text("never sent");
    term.press("C-c");
    term.wait_for_line("* closed: 1000 (clean)");
    assert_eq!(term.wait_exit(), 0, "{}", term.screen());
    assert_eq!(peer.join(), Some((1000, String::new())));
}

#[test]
fn ctrl_c_twice_exits_at_once() {
    let (go, wait) = mpsc::channel();
    let (url, peer) = RawPeer::spawn(move |mut conn| {
        conn.handshake();
        let close = conn.expect_close();
        // No answer to the close, until the test is done.
        wait_for_test(&wait);
        close
    });
    let term = Terminal::start(&[&url]);
    term.wait_for_line(">");
    term.press("C-c");
    term.wait_for_line_starting("* closing with 1000");
    term.press("C-c");
    assert_eq!(term.wait_exit(), 130, "{}", term.screen());
    go.send(()).expect("the peer waits");
    assert_eq!(peer.join(), Some((1000, String::new())));
}

#[test]
fn a_close_by_the_server_ends_the_prompt() {
    let (go, wait) = mpsc::channel();
    let (url, peer) = RawPeer::spawn(move |mut conn| {
        conn.handshake();
        wait_for_test(&wait);
        conn.write(&text("last words"));
        conn.write(&close_frame(4001, "kicked"));
        let echo = conn.expect_close();
        conn.shutdown();
        echo
    });
    let term = Terminal::start(&[&url]);
    term.wait_for_line(">");
    term.type_text("unfinished");
    go.send(()).expect("the peer waits");
    assert_eq!(term.wait_exit(), 10, "{}", term.screen());
    let screen = term.screen();
    assert!(screen.contains("< last words\n"), "{screen}");
    assert!(
        screen.contains("* closed: 4001 \"kicked\" (clean)"),
        "{screen}"
    );
    assert_eq!(peer.join().map(|(code, _)| code), Some(4001));
}
