//! A TCP relay on loopback that counts the bytes crossing it each way: put between wsync and a
//! server, it tells how large the messages were on the wire, so a test can check that they
//! really were compressed (or not).

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};

use crate::common::raw::accept_tcp_within;
use crate::common::{spawn_bounded, BoundedThread, WAIT};

/// The bytes that crossed the relay, handshakes and frame headers included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wire {
    /// From the client to the server.
    pub up: u64,
    /// From the server to the client.
    pub down: u64,
}

/// A relay for one connection, to a server on 127.0.0.1.
#[derive(Debug)]
pub struct Relay {
    /// Where the client connects.
    pub port: u16,
    /// Relays the connection; yields the counts once both directions have ended.
    thread: BoundedThread<Wire>,
}

impl Relay {
    /// Listens on 127.0.0.1 and relays the first connection (accepted within [`WAIT`]) to
    /// `server_port`.
    pub fn start(server_port: u16) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").expect("relay: bind");
        let port = listener.local_addr().unwrap().port();
        let thread = spawn_bounded("relay", move || {
            let (client, _) = accept_tcp_within(&listener, WAIT);
            let server = TcpStream::connect(("127.0.0.1", server_port)).expect("relay: connect");
            for s in [&client, &server] {
                s.set_nodelay(true).unwrap();
            }
            let (c, s) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            let up = spawn_bounded("relay-up", move || pump(client, server));
            let down = pump(s, c);
            Wire {
                up: up.join(),
                down,
            }
        });
        Relay { port, thread }
    }

    /// The URL that reaches the server through the relay.
    pub fn url(&self) -> String {
        format!("ws://127.0.0.1:{}/", self.port)
    }

    /// Waits for both sides to have closed their connection and returns the counts.
    #[track_caller]
    pub fn finish(self) -> Wire {
        self.thread.join()
    }
}

/// Copies `from` to `to` until `from` ends, then passes the end on; the bytes copied.
fn pump(mut from: TcpStream, mut to: TcpStream) -> u64 {
    let mut buf = vec![0u8; 64 << 10];
    let mut total = 0;
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
                total += n as u64;
            }
        }
    }
    // The end of one direction is passed on as such; a reset is passed on as an end too,
    // which is all the tests need.
    let _: io::Result<()> = to.shutdown(Shutdown::Write);
    total
}
