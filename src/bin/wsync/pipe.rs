//! Pipe mode, the contract for scripts: each line of stdin goes out as a text message, each
//! message received is printed on stdout, and the end of stdin closes with 1000. With `-x`, the
//! given messages go out instead of stdin.

use std::io::{self, BufRead, Write};
use std::sync::Arc;
use std::thread;
use std::time::Instant;

use wsync::crossbeam_channel::{bounded, unbounded, Receiver, Sender};

use crate::args::Args;
use crate::exit::Status;
use crate::output::{Output, Render};
use crate::session::{self, Conn, Control, Plan, Sink};

/// Runs pipe mode to the end of the connection.
pub fn run(args: &Args, conn: Arc<Conn>, render: Render, deadline: Option<Instant>) -> Status {
    let (control_tx, control_rx) = unbounded();
    let (open_tx, open_rx) = bounded::<()>(1);
    let reads_stdin = args.execute.is_empty();
    if reads_stdin {
        let conn = Arc::clone(&conn);
        // Reads stdin on a thread of its own and sends from there, so that a server that
        // stops reading until we read its messages cannot block the event loop.
        let spawned = thread::Builder::new()
            .name("wsync-stdin".into())
            .spawn(move || send_stdin(&conn, &open_rx, &control_tx));
        if let Err(e) = spawned {
            crate::warn(&format!("cannot start a thread: {e}"));
            return Status::Failure;
        }
    }
    let plan = Plan {
        execute: args.execute.clone(),
        wait: args.wait,
        deadline,
        close_at_input_end: reads_stdin && args.wait.is_none() && args.timeout.is_none(),
    };
    let mut sink = Stdout;
    session::run(&conn, render, plan, control_rx, &mut sink, &mut || {
        let _ = open_tx.try_send(());
    })
}

/// Once the socket is open, sends each line of stdin as a text message, without its line end
/// (`\n` or `\r\n`); then reports the end of input.
fn send_stdin(conn: &Conn, open: &Receiver<()>, control: &Sender<Control>) {
    if open.recv().is_err() {
        return; // never opened
    }
    let mut stdin = io::stdin().lock();
    let mut line = Vec::new();
    loop {
        line.clear();
        match stdin.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => {
                if line.ends_with(b"\n") {
                    line.pop();
                    if line.ends_with(b"\r") {
                        line.pop();
                    }
                }
                let text = match std::str::from_utf8(&line) {
                    Ok(text) => text.to_owned(),
                    Err(_) => {
                        crate::warn("a line of stdin is not UTF-8; sent with U+FFFD in its place");
                        String::from_utf8_lossy(&line).into_owned()
                    }
                };
                // A failed send fails the connection: its Error and Close events follow.
                if conn.ws.send(text).is_err() {
                    return;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                crate::warn(&format!("cannot read stdin: {e}"));
                break;
            }
        }
    }
    let _ = control.send(Control::InputEnd);
}

/// stdout and stderr.
struct Stdout;

impl Sink for Stdout {
    fn write(&mut self, output: Output) -> io::Result<()> {
        let written = if output.out.is_empty() {
            Ok(())
        } else {
            let mut stdout = io::stdout().lock();
            stdout.write_all(&output.out).and_then(|()| stdout.flush())
        };
        let mut stderr = io::stderr().lock();
        for line in output.err {
            let _ = writeln!(stderr, "{line}");
        }
        written
    }
}
