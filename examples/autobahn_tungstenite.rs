//! The Autobahn TestSuite client for tungstenite's synchronous client: the baseline that
//! `autobahn_client` (wsync) is compared with, case by case and in duration.
//!
//! Run it through `scripts/autobahn.sh --agent tungstenite`, or by hand against a running
//! `wstest -m fuzzingserver`:
//!
//! ```text
//! cargo run --release --example autobahn_tungstenite -- ws://127.0.0.1:9001
//! ```
//!
//! The flow is the suite's: `/getCaseCount`, then `/runCase?case=N&agent=tungstenite` for every
//! case, echoing each text and binary message, then `/updateReports?agent=tungstenite`. The
//! message and frame limits are raised to 64 MiB like wsync's, and `TCP_NODELAY` is set so that
//! the 9.* durations measure the library rather than Nagle's algorithm.

#[path = "support/autobahn_driver.rs"]
mod driver;

use std::net::TcpStream;
use std::process::ExitCode;

use tungstenite::protocol::WebSocketConfig;
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Error, Message, WebSocket};

/// The agent name under which the fuzzingserver files the results.
const AGENT: &str = "tungstenite";
/// The largest message and frame accepted: the suite's largest are 16 MiB (cases 9.1.6, 9.2.6).
const MAX_SIZE: usize = 64 << 20;

/// A connected client socket.
type Socket = WebSocket<MaybeTlsStream<TcpStream>>;

/// Connects with the raised limits and `TCP_NODELAY`.
fn connect(url: &str) -> Result<Socket, Error> {
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_SIZE))
        .max_frame_size(Some(MAX_SIZE));
    let (socket, _response) = tungstenite::client::connect_with_config(url, Some(config), 0)?;
    if let MaybeTlsStream::Plain(stream) = socket.get_ref() {
        stream.set_nodelay(true)?;
    }
    Ok(socket)
}

/// Whether an error is one of the ways a case ends by design: the server closed (cleanly or
/// not), or the client failed the connection as the case demands.
fn ends_case(e: &Error) -> bool {
    matches!(
        e,
        Error::ConnectionClosed
            | Error::AlreadyClosed
            | Error::Protocol(_)
            | Error::Utf8(_)
            | Error::Capacity(_)
            | Error::Io(_)
    )
}

/// Reads messages until the connection ends, handing each text or binary one to `on_data`.
/// Returns `Ok` when the case ended by design, `Err` for anything else.
fn drive(
    socket: &mut Socket,
    mut on_data: impl FnMut(&mut Socket, Message) -> Result<(), Error>,
) -> Result<(), Error> {
    loop {
        let result = match socket.read() {
            Ok(msg @ (Message::Text(_) | Message::Binary(_))) => on_data(socket, msg),
            // Pings are answered, pongs ignored and the close handshake answered by tungstenite.
            Ok(Message::Ping(_) | Message::Pong(_) | Message::Close(_) | Message::Frame(_)) => {
                Ok(())
            }
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => {}
            Err(e) if ends_case(&e) => return Ok(()),
            Err(e) => return Err(e),
        }
    }
}

/// Asks the server how many cases it has: one text message, then the server closes.
fn case_count(base: &str) -> Result<u32, String> {
    let url = format!("{base}/getCaseCount");
    let mut socket = connect(&url).map_err(|e| format!("{url}: {e}"))?;
    let mut count = None;
    drive(&mut socket, |_, msg| {
        if let Message::Text(text) = msg {
            count = text.as_str().trim().parse::<u32>().ok();
        }
        Ok(())
    })
    .map_err(|e| format!("{url}: {e}"))?;
    count.ok_or_else(|| format!("{url}: no case count received"))
}

/// Runs one case: echoes every data message until the connection ends.
fn run_case(base: &str, case: u32) -> Result<(), String> {
    let url = format!("{base}/runCase?case={case}&agent={AGENT}");
    let mut socket = connect(&url).map_err(|e| format!("case {case}: connect: {e}"))?;
    drive(&mut socket, |socket, msg| socket.send(msg)).map_err(|e| format!("case {case}: {e}"))
}

/// Asks the server to write the reports, and waits until it closes.
fn update_reports(base: &str) -> Result<(), String> {
    let url = format!("{base}/updateReports?agent={AGENT}");
    let mut socket = connect(&url).map_err(|e| format!("{url}: {e}"))?;
    drive(&mut socket, |_, _| Ok(())).map_err(|e| format!("{url}: {e}"))
}

fn main() -> ExitCode {
    driver::run(AGENT, case_count, run_case, update_reports)
}
