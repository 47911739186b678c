//! A received `Message` converts by value, without a copy: `into_text`, `into_bytes`,
//! `Vec::from` and `String::try_from` (which gives a binary message back).

use crate::common::{connect, echo, expect_close, expect_message, Transport};
use wsync::Message;

#[test]
fn messages_convert_by_value_without_a_copy() {
    let server = echo(Transport::Plain);
    let ws = connect(&server.url);
    ws.send("text").unwrap();
    ws.send(vec![1u8, 2, 3]).unwrap();
    let text = expect_message(&ws);
    let binary = expect_message(&ws);
    assert!(text.is_text() && !text.is_binary());
    assert!(binary.is_binary() && !binary.is_text());

    // The same buffer comes out: no copy.
    let at = text.as_bytes().as_ptr();
    let s = text.clone().into_text().expect("a text message");
    assert_eq!(s, "text");
    let s2 = String::try_from(text.clone()).expect("a text message");
    assert_eq!(s2, "text");
    let owned = text.clone();
    let owned_at = owned.as_bytes().as_ptr();
    let moved = String::try_from(owned).unwrap();
    assert_eq!(moved.as_ptr(), owned_at);
    assert_eq!(text.as_bytes().as_ptr(), at);
    assert_eq!(Vec::from(text), b"text");

    let at = binary.as_bytes().as_ptr();
    assert_eq!(binary.clone().into_text(), None);
    match String::try_from(binary.clone()) {
        Err(back) => assert_eq!(back, Message::Binary(vec![1, 2, 3])),
        Ok(s) => panic!("a binary message became the text {s:?}"),
    }
    let bytes: Vec<u8> = binary.into();
    assert_eq!((bytes.as_ptr(), bytes), (at, vec![1, 2, 3]));
    assert_eq!(Message::Text("é".into()).into_bytes(), "é".as_bytes());

    ws.close().unwrap();
    assert!(expect_close(&ws).was_clean);
    server.join();
}
