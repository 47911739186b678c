//! A tour of wsync that runs offline: it starts a local echo peer on 127.0.0.1, then opens a
//! socket, sends a text and a binary message, closes, and prints every event on the way.
//!
//! ```sh
//! cargo run --example demo
//! ```

use std::net::TcpListener;
use std::thread;

use wsync::{Event, Message, WebSocket};

/// A local echo peer: tungstenite in the server role, for one connection.
fn start_echo_peer() -> std::io::Result<(String, thread::JoinHandle<()>)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let url = format!("ws://{}/demo", listener.local_addr()?);
    let peer = thread::spawn(move || {
        let Ok((tcp, _)) = listener.accept() else {
            return;
        };
        let Ok(mut ws) = tungstenite::accept(tcp) else {
            return;
        };
        while let Ok(msg) = ws.read() {
            if (msg.is_text() || msg.is_binary()) && ws.send(msg).is_err() {
                return;
            }
        }
    });
    Ok((url, peer))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (url, peer) = start_echo_peer()?;

    // Like `new WebSocket(url)` in a browser: returns at once, in CONNECTING.
    let ws = WebSocket::new(&url)?;
    println!("url            {}", ws.url());
    println!("ready_state    {:?}", ws.ready_state());

    for event in &ws {
        match event {
            Event::Open => {
                println!("event          open (ready_state {:?})", ws.ready_state());
                ws.send("hello, wsync")?;
                ws.send(&[0xde, 0xad, 0xbe, 0xef][..])?;
            }
            Event::Message(Message::Text(text)) => {
                println!("event          message, text: {text:?}");
            }
            Event::Message(Message::Binary(bytes)) => {
                println!("event          message, binary: {bytes:02x?}");
                println!("buffered       {} bytes", ws.buffered_amount());
                ws.close_with(1000, "demo done")?;
                println!("ready_state    {:?} after close()", ws.ready_state());
            }
            Event::Error(e) => println!("event          error: {e}"),
            Event::Close(close) => {
                println!(
                    "event          close: code {}, reason {:?}, was_clean {}",
                    close.code, close.reason, close.was_clean
                );
            }
            // Events beyond the browser's four come only when asked for (pong_events).
            _ => {}
        }
    }
    // The channel disconnects after the close event, which ends the loop.
    println!("ready_state    {:?}", ws.ready_state());
    peer.join().expect("echo peer");
    Ok(())
}
