//! `--jsonl`: one JSON object per event on stdout, each with its time: open with the
//! subprotocol and extensions, messages, the close with code, reason and was_clean, and errors
//! with their kind. Parsed back with serde_json.

use serde_json::Value;

use crate::common::{binary, close_frame, text, RawPeer};
use crate::run::{refused_url, wsync, Ran};

/// stdout as JSON objects, one per line; checks that each has an RFC 3339 UTC time.
#[track_caller]
fn events(ran: &Ran) -> Vec<Value> {
    ran.stdout_text()
        .lines()
        .map(|line| {
            let event: Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line:?}"));
            let time = event["time"].as_str().expect("a time");
            // 2024-05-01T12:00:00.123Z
            assert_eq!(time.len(), 24, "{time}");
            assert!(time.ends_with('Z') && time.as_bytes()[10] == b'T', "{time}");
            event
        })
        .collect()
}

#[test]
fn open_messages_and_close_as_json_lines() {
    let (url, peer) = RawPeer::spawn(|mut conn| {
        let request = conn.handshake_with("Sec-WebSocket-Protocol: chat.v2\r\n");
        conn.write(&text("line one\nline \"two\"\t\\ é \u{1}"));
        conn.write(&binary(&[0x00, 0x01, 0xfe, 0xff]));
        conn.write(&close_frame(4001, "bye now"));
        conn.expect_close();
        conn.shutdown();
        request.header("Sec-WebSocket-Protocol").map(str::to_owned)
    });
    let ran = wsync(&["--jsonl", "-p", "chat.v2", "-p", "chat.v1", url.as_str()])
        .stdin_open()
        .run();
    ran.assert_status(10);
    let events = events(&ran);
    assert_eq!(events.len(), 4, "{events:#?}");

    assert_eq!(events[0]["event"], "open");
    assert_eq!(events[0]["protocol"], "chat.v2");
    assert_eq!(events[0]["extensions"], "");
    assert_eq!(events[0]["url"], url.as_str());

    assert_eq!(events[1]["event"], "message");
    assert_eq!(events[1]["type"], "text");
    assert_eq!(events[1]["data"], "line one\nline \"two\"\t\\ é \u{1}");

    assert_eq!(events[2]["event"], "message");
    assert_eq!(events[2]["type"], "binary");
    assert_eq!(events[2]["data"], "0001feff");
    assert_eq!(events[2]["encoding"], "hex");

    assert_eq!(events[3]["event"], "close");
    assert_eq!(events[3]["code"], 4001);
    assert_eq!(events[3]["reason"], "bye now");
    assert_eq!(events[3]["was_clean"], true);

    assert_eq!(peer.join().as_deref(), Some("chat.v2, chat.v1"));
}

#[test]
fn binary_as_base64() {
    let (url, peer) = RawPeer::spawn(|mut conn| {
        conn.handshake();
        conn.write(&binary(&[0xde, 0xad, 0xbe, 0xef, 0x0a]));
        conn.write(&close_frame(1000, ""));
        conn.expect_close();
        conn.shutdown();
    });
    let ran = wsync(&["--jsonl", "--binary", "base64", url.as_str()])
        .stdin_open()
        .run();
    ran.assert_status(0);
    let events = events(&ran);
    assert_eq!(events[1]["data"], "3q2+7wo=");
    assert_eq!(events[1]["encoding"], "base64");
    assert_eq!(events[2]["was_clean"], true);
    peer.join();
}

#[test]
fn a_refused_connection_is_an_error_with_its_kind_then_a_close() {
    let url = refused_url();
    let ran = wsync(&["--jsonl", url.as_str()]).run();
    ran.assert_status(3);
    let events = events(&ran);
    assert_eq!(events.len(), 2, "{events:#?}");
    assert_eq!(events[0]["event"], "error");
    assert_eq!(events[0]["kind"], "connection_refused");
    assert!(events[0]["message"]
        .as_str()
        .is_some_and(|m| m.contains("refused")));
    assert_eq!(events[1]["event"], "close");
    assert_eq!(events[1]["code"], 1006);
    assert_eq!(events[1]["was_clean"], false);
}

#[test]
fn a_refused_handshake_is_an_error_with_the_http_status() {
    let (url, peer) = RawPeer::spawn(|mut conn| {
        conn.read_request();
        conn.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 18\r\n\r\nnot on this plan\r\n");
        conn.shutdown();
    });
    let ran = wsync(&["--jsonl", url.as_str()]).run();
    ran.assert_status(6);
    let events = events(&ran);
    assert_eq!(events[0]["event"], "error");
    assert_eq!(events[0]["kind"], "handshake");
    assert_eq!(events[0]["http_status"], 403);
    assert_eq!(events[0]["body"], "not on this plan\r\n");
    assert_eq!(events[1]["event"], "close");
    peer.join();
}
