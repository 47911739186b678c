//! The Autobahn TestSuite client for wsync: runs every case of a `wstest -m fuzzingserver`,
//! echoing each message, and asks the server to write its reports.
//!
//! Run it through `scripts/autobahn.sh` (which installs and starts the server and checks the
//! results), or by hand against a running fuzzingserver:
//!
//! ```text
//! cargo run --release --example autobahn_client -- ws://127.0.0.1:9001
//! ```
//!
//! The flow is the suite's: `/getCaseCount` (one text message, then the server closes), then
//! `/runCase?case=N&agent=wsync` for every case, echoing each text and binary message as it
//! arrives until the socket closes, then `/updateReports?agent=wsync`. The message and frame
//! limits are raised to 64 MiB: the suite's largest messages are 16 MiB (cases 9.1.6, 9.2.6).

#[path = "support/autobahn_driver.rs"]
mod driver;

use std::process::ExitCode;

use wsync::{CloseEvent, Event, Message, WebSocket};

/// The agent name under which the fuzzingserver files the results.
const AGENT: &str = "wsync";
/// The largest message and frame accepted.
const MAX_SIZE: usize = 64 << 20;

/// Connects with the raised limits; blocks until the socket is OPEN or has failed.
fn connect(url: &str) -> Result<WebSocket, wsync::Error> {
    WebSocket::builder(url)
        .max_frame_size(MAX_SIZE)
        .max_message_size(MAX_SIZE)
        .connect()
}

/// Receives events until the socket closes, handing each message to `on_message`.
/// Returns the close event, or `None` when the channel ended without one.
fn drive(ws: &WebSocket, mut on_message: impl FnMut(&WebSocket, Message)) -> Option<CloseEvent> {
    loop {
        match ws.recv() {
            Some(Event::Message(msg)) => on_message(ws, msg),
            Some(Event::Close(close)) => return Some(close),
            Some(_) => {}
            None => return None,
        }
    }
}

/// Sends a message back as it came. A send that fails (the socket is closing or closed) is
/// not an error of the case: the server judges what it received.
fn echo(ws: &WebSocket, msg: Message) {
    let _ = match msg {
        Message::Text(text) => ws.send(text),
        Message::Binary(bytes) => ws.send(bytes),
    };
}

/// Asks the server how many cases it has: one text message, then the server closes.
fn case_count(base: &str) -> Result<u32, String> {
    let url = format!("{base}/getCaseCount");
    let ws = connect(&url).map_err(|e| format!("{url}: {e}"))?;
    let mut count = None;
    drive(&ws, |_, msg| {
        if let Message::Text(text) = msg {
            count = text.trim().parse::<u32>().ok();
        }
    });
    count.ok_or_else(|| format!("{url}: no case count received"))
}

/// Runs one case: echoes every message until the socket closes.
fn run_case(base: &str, case: u32) -> Result<(), String> {
    let url = format!("{base}/runCase?case={case}&agent={AGENT}");
    let ws = connect(&url).map_err(|e| format!("case {case}: connect: {e}"))?;
    drive(&ws, echo);
    Ok(())
}

/// Asks the server to write the reports, and waits until it closes. The server writes them
/// before closing, so an unclean close is only worth a warning.
fn update_reports(base: &str) -> Result<(), String> {
    let url = format!("{base}/updateReports?agent={AGENT}");
    let ws = connect(&url).map_err(|e| format!("{url}: {e}"))?;
    match drive(&ws, |_, _| {}) {
        Some(close) if !close.was_clean => eprintln!(
            "warning: {url}: closed uncleanly (code {}, reason {:?})",
            close.code, close.reason
        ),
        Some(_) | None => {}
    }
    Ok(())
}

fn main() -> ExitCode {
    driver::run(AGENT, case_count, run_case, update_reports)
}
