//! The event loop both modes share: it takes the socket's events, renders them, sends the `-x`
//! messages once open, closes when `--wait`, `--timeout` or the end of input says so, and
//! returns the exit status when the `Close` event comes.

use std::io;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use wsync::crossbeam_channel::{at, never, select, Receiver};
use wsync::{Batch, Error, Event, WebSocket};

use crate::exit::{self, Status};
use crate::output::{Output, Render};

/// When to close, and what to send first.
#[derive(Debug, Default)]
pub struct Plan {
    /// `-x`: text messages to send as soon as the socket opens, in order.
    pub execute: Vec<String>,
    /// `--wait N`: close once N messages have arrived.
    pub wait: Option<u64>,
    /// `--timeout`: close at this instant.
    pub deadline: Option<Instant>,
    /// Close when the input ends ([`Control::InputEnd`]): pipe mode without `--wait` and
    /// `--timeout`.
    pub close_at_input_end: bool,
}

/// What the input side tells the loop.
#[derive(Debug)]
pub enum Control {
    /// stdin ended, and everything read from it was sent.
    InputEnd,
}

/// The socket, and the code we closed it with: shared by the loop and the input side, so that
/// a server that echoes our code is known to have closed cleanly, whoever closed.
#[derive(Debug)]
pub struct Conn {
    /// The socket.
    pub ws: WebSocket,
    our_code: Mutex<Option<u16>>,
}

impl Conn {
    /// Wraps a socket that we have not closed.
    pub fn new(ws: WebSocket) -> Conn {
        Conn {
            ws,
            our_code: Mutex::new(None),
        }
    }

    /// Closes with `code` and `reason`, the first time it succeeds; later calls do nothing. The
    /// lock is held while the close frame goes out, so the loop, asking for the code when the
    /// echo comes, gets it.
    pub fn close(&self, code: u16, reason: &str) -> wsync::Result<()> {
        let mut ours = self.our_code.lock().unwrap_or_else(PoisonError::into_inner);
        if ours.is_some() {
            return Ok(());
        }
        let closed = self.ws.close_with(code, reason);
        if closed.is_ok() {
            *ours = Some(code);
        }
        closed
    }

    /// The code we closed with, if we did.
    pub fn our_code(&self) -> Option<u16> {
        *self.our_code.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Where rendered events go.
pub trait Sink {
    /// Writes one batch's output; an error means stdout is gone (a closed pipe).
    fn write(&mut self, output: Output) -> io::Result<()>;
}

/// Runs a connection to its end: from the first event to the `Close` event, whose status it
/// returns. `on_open` runs once the socket is open and the `-x` messages are sent.
pub fn run(
    conn: &Conn,
    render: Render,
    plan: Plan,
    control: Receiver<Control>,
    sink: &mut dyn Sink,
    on_open: &mut dyn FnMut(),
) -> Status {
    let events: Receiver<Batch> = conn.ws.events().clone();
    let mut run = Run {
        conn,
        render,
        plan,
        opened: false,
        received: 0,
        error: None,
        timed_out: false,
        stdout_gone: false,
    };
    let mut control = control;
    let mut timer = run.plan.deadline.map(at).unwrap_or_else(never);
    loop {
        let mut output = Output::default();
        let mut finished = None;
        select! {
            recv(events) -> batch => match batch {
                Ok(batch) => {
                    for event in batch {
                        if let Some(status) = run.event(event, &mut output, on_open) {
                            finished = Some(status);
                        }
                    }
                }
                // The channel disconnects only after the Close event, which returned.
                Err(_) => finished = Some(Status::Failure),
            },
            recv(control) -> message => match message {
                Ok(Control::InputEnd) => {
                    if run.plan.close_at_input_end {
                        run.close();
                    }
                }
                Err(_) => control = never(),
            },
            recv(timer) -> _ => {
                timer = never();
                run.deadline(&mut output);
            }
        }
        if run.stdout_gone {
            output.out.clear();
        }
        if !output.is_empty() {
            if let Err(e) = sink.write(output) {
                // A reader that went away (`| head -1`) ends the run as the end of stdin
                // does: close, and exit as the close went.
                run.stdout_gone = true;
                if e.kind() != io::ErrorKind::BrokenPipe {
                    crate::warn(&format!("cannot write to stdout: {e}"));
                }
                run.close();
            }
        }
        if let Some(status) = finished {
            return status;
        }
    }
}

/// The state of one run.
struct Run<'a> {
    conn: &'a Conn,
    render: Render,
    plan: Plan,
    opened: bool,
    received: u64,
    /// The error before the `Close` event, when the connection failed.
    error: Option<Error>,
    /// `--timeout` passed before the socket opened or before `--wait`'s messages arrived.
    timed_out: bool,
    stdout_gone: bool,
}

impl Run<'_> {
    /// Handles one event; `Some(status)` after the `Close` event.
    fn event(&mut self, event: Event, o: &mut Output, on_open: &mut dyn FnMut()) -> Option<Status> {
        match event {
            Event::Open => {
                self.opened = true;
                let ws = &self.conn.ws;
                self.render.open(
                    ws.url(),
                    ws.protocol(),
                    ws.extensions(),
                    ws.handshake_response(),
                    o,
                );
                for message in std::mem::take(&mut self.plan.execute) {
                    // A failed send fails the connection: its Error and Close events follow.
                    if ws.send(message).is_err() {
                        break;
                    }
                }
                on_open();
                self.check_wait();
            }
            Event::Message(message) => {
                self.received += 1;
                self.render.message(&message, o);
                self.check_wait();
            }
            Event::Pong(pong) => self.render.pong(&pong, o),
            Event::Error(error) => {
                match (&error, self.timed_out) {
                    // Our close while connecting, because --timeout passed.
                    (Error::Aborted, true) => self.render.failure(
                        "--timeout passed before the connection opened",
                        Status::Timeout,
                        o,
                    ),
                    _ => self.render.error(&error, exit::of_error(&error), o),
                }
                self.error = Some(error);
            }
            Event::Close(close) => {
                let status = if self.timed_out {
                    Status::Timeout
                } else {
                    exit::of_close(&close, self.error.as_ref(), self.conn.our_code())
                };
                self.render.close(&close, status, o);
                return Some(status);
            }
            _ => {}
        }
        None
    }

    /// Closes once `--wait`'s messages have arrived.
    fn check_wait(&mut self) {
        if self.plan.wait.is_some_and(|n| self.received >= n) {
            self.close();
        }
    }

    /// `--timeout` passed: close, and fail if the socket never opened or `--wait`'s messages
    /// did not all arrive.
    fn deadline(&mut self, o: &mut Output) {
        if !self.opened {
            self.timed_out = true;
        } else if let Some(n) = self.plan.wait.filter(|&n| self.received < n) {
            if self.conn.our_code().is_none() {
                self.timed_out = true;
                let got = self.received;
                self.render.failure(
                    &format!("--timeout passed with {got} of the {n} messages of --wait"),
                    Status::Timeout,
                    o,
                );
            }
        }
        self.close();
    }

    /// Closes with 1000 (once); while connecting, that fails the connection.
    fn close(&mut self) {
        let _ = self.conn.close(1000, "");
    }
}

/// The instant `timeout` from now, for `--timeout`.
pub fn deadline(timeout: Option<Duration>) -> Option<Instant> {
    timeout.and_then(|t| Instant::now().checked_add(t))
}
