//! Interactive mode, for a person at a terminal: a prompt with line editing and history
//! (rustyline), the events printed above it without breaking the line being typed, and a few
//! commands.
//!
//! Two threads: this one owns the terminal and reads lines; the event thread runs the shared
//! loop ([`session::run`]) and prints through rustyline's external printer. When the
//! connection ends while the prompt waits for a key, the event thread wakes the prompt with a
//! SIGINT to ourselves: rustyline has no other way to cancel a `readline`. Outside `readline`
//! SIGINT is ignored (rustyline installs its handler for the length of each call), so a wake-up
//! that arrives between two calls does no harm; it is repeated until this thread sees it.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::Instant;

use rustyline::error::ReadlineError;
use rustyline::{Config, DefaultEditor, ExternalPrinter};
use wsync::crossbeam_channel::{bounded, never};
use wsync::ReadyState;

use crate::args::Args;
use crate::exit::Status;
use crate::output::{Output, Render};
use crate::session::{self, Conn, Plan, Sink};

/// The prompt; it marks what you send, as `< ` marks what arrives.
const PROMPT: &str = "> ";

/// The commands, for `/help`.
const HELP: &str = "\
* /close [CODE] [REASON]  close with CODE (1000 or 3000-4999; default 1000) and REASON
* /ping [PAYLOAD]         send a ping; the pong is shown with its round trip
* /quit                   close with 1000 and exit once the server answers (also Ctrl-D)
* //TEXT                  send /TEXT (a line starting with /)
* Ctrl-C                  close with 1000; a second Ctrl-C exits at once";

/// What the event thread leaves for this one.
#[derive(Debug, Default)]
struct Shared {
    /// The run's status, once the connection has ended.
    done: OnceLock<Status>,
    /// This thread is reading lines, with SIGINT ignored outside `readline`: the event thread
    /// may wake it.
    prompting: AtomicBool,
}

/// Runs interactive mode; `None` when the terminal cannot be used, and the caller should fall
/// back to pipe mode.
pub fn run(
    args: &Args,
    conn: Arc<Conn>,
    render: Render,
    deadline: Option<Instant>,
) -> Option<Status> {
    let config = Config::builder()
        .auto_add_history(true)
        .max_history_size(1000)
        .ok()?
        .build();
    let mut editor = DefaultEditor::with_config(config).ok()?;
    let printer = editor.create_external_printer().ok()?;

    let shared = Arc::new(Shared::default());
    let (open_tx, open_rx) = bounded::<()>(1);
    let plan = Plan {
        execute: Vec::new(),
        wait: args.wait,
        deadline,
        close_at_input_end: false,
    };
    {
        let conn = Arc::clone(&conn);
        let shared = Arc::clone(&shared);
        let spawned = thread::Builder::new()
            .name("wsync-events".into())
            .spawn(move || {
                let mut sink = Printer(printer);
                let status = session::run(&conn, render, plan, never(), &mut sink, &mut || {
                    let _ = open_tx.try_send(());
                });
                sink.settle();
                let _ = shared.done.set(status);
                drop(open_tx);
                if shared.prompting.load(Ordering::SeqCst) {
                    wake_prompt();
                }
            });
        if let Err(e) = spawned {
            crate::warn(&format!("cannot start a thread: {e}"));
            return Some(Status::Failure);
        }
    }

    // Until the socket opens (or fails), Ctrl-C ends the program as usual.
    if open_rx.recv().is_err() {
        return Some(done(&shared));
    }
    ignore_sigint();
    shared.prompting.store(true, Ordering::SeqCst);

    let mut closing = false;
    loop {
        if let Some(status) = shared.done.get() {
            return Some(*status);
        }
        match editor.readline(PROMPT) {
            Ok(line) => {
                if shared.done.get().is_some() || line.is_empty() {
                    continue;
                }
                if let Some(command) = line.strip_prefix('/').filter(|c| !c.starts_with('/')) {
                    closing |= command_line(&conn, command);
                } else {
                    let text = line.strip_prefix('/').unwrap_or(&line);
                    send(&conn, text);
                }
            }
            Err(ReadlineError::Interrupted) => {
                if shared.done.get().is_some() {
                    continue;
                }
                if closing {
                    return Some(Status::Interrupted);
                }
                closing = true;
                say("* closing with 1000; Ctrl-C again exits at once");
                let _ = conn.close(1000, "");
            }
            Err(ReadlineError::Eof) => {
                if !closing {
                    closing = true;
                    say("* closing with 1000");
                    let _ = conn.close(1000, "");
                }
            }
            Err(e) => {
                crate::warn(&format!("the terminal failed: {e}"));
                let _ = conn.close(1000, "");
                return Some(Status::Failure);
            }
        }
    }
}

/// The status the event thread left; it sets it before it lets go of the open signal.
fn done(shared: &Shared) -> Status {
    shared.done.get().copied().unwrap_or(Status::Failure)
}

/// Sends a line as a text message, or says why it was not sent.
fn send(conn: &Conn, text: &str) {
    if conn.ws.ready_state() != ReadyState::Open {
        say("! not sent: the connection is closing");
        return;
    }
    if let Err(e) = conn.ws.send(text) {
        say(&format!("! not sent: {e}"));
    }
}

/// Runs a command (the line without its `/`); true when it closed the connection.
fn command_line(conn: &Conn, command: &str) -> bool {
    let (name, rest) = command
        .split_once(char::is_whitespace)
        .map_or((command, ""), |(name, rest)| (name, rest.trim_start()));
    match name {
        "close" => {
            let (code, reason) = rest
                .split_once(char::is_whitespace)
                .map_or((rest, ""), |(code, reason)| (code, reason.trim()));
            let code = if code.is_empty() {
                1000
            } else {
                match code.parse::<u16>() {
                    Ok(code) => code,
                    Err(_) => {
                        say(&format!("! /close: {code:?} is not a close code"));
                        return false;
                    }
                }
            };
            match conn.close(code, reason) {
                Ok(()) => {
                    say(&format!("* closing with {code}"));
                    true
                }
                Err(e) => {
                    say(&format!("! /close: {e}"));
                    false
                }
            }
        }
        "ping" => {
            if let Err(e) = conn.ws.ping(rest.as_bytes()) {
                say(&format!("! /ping: {e}"));
            }
            false
        }
        "quit" | "exit" => {
            say("* closing with 1000");
            let _ = conn.close(1000, "");
            true
        }
        "help" | "?" => {
            say(HELP);
            false
        }
        _ => {
            say(&format!(
                "! unknown command /{name}: /help lists them; start a line with // to send /{name}"
            ));
            false
        }
    }
}

/// Prints a line of our own between two prompts (the terminal is not in raw mode then).
fn say(line: &str) {
    let mut stdout = io::stdout().lock();
    let _ = writeln!(stdout, "{line}");
    let _ = stdout.flush();
}

/// Prints events above the prompt, through rustyline.
struct Printer<P>(P);

impl<P: ExternalPrinter> Sink for Printer<P> {
    fn write(&mut self, output: Output) -> io::Result<()> {
        let mut text = String::from_utf8_lossy(&output.out).into_owned();
        for line in output.err {
            text.push_str(&line);
            text.push('\n');
        }
        self.0.print(text).map_err(io::Error::other)
    }
}

impl<P: ExternalPrinter> Printer<P> {
    /// Makes sure that everything printed so far is on the screen before the prompt is woken
    /// up, which would leave it unprinted. rustyline hands messages over one at a time (a
    /// channel of one), so once this message is accepted the one before it was taken, and a
    /// message taken is drawn before the prompt looks at a signal. This last one moves the
    /// cursor up a line and back down, which shows nothing, whether it is drawn or not.
    fn settle(&mut self) {
        let _ = self.0.print("\x1b[A\n".to_owned());
    }
}

/// Lets SIGINT through to rustyline only while it reads a line, which is when it installs a
/// handler of its own: a wake-up from [`wake_prompt`] between two lines is dropped.
#[cfg(unix)]
#[allow(unsafe_code)]
fn ignore_sigint() {
    // SAFETY: setting a signal's disposition to SIG_IGN, with no handler of ours.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_IGN);
    }
}

/// Wakes the prompt once the connection has ended: rustyline's SIGINT handler makes
/// `readline` return `Interrupted`. Repeated until the main thread has seen it and exits,
/// since a signal that lands between two `readline` calls is ignored.
#[cfg(unix)]
#[allow(unsafe_code)]
fn wake_prompt() -> ! {
    loop {
        // SAFETY: raise has no preconditions; SIGINT is ignored or handled by rustyline.
        unsafe {
            libc::raise(libc::SIGINT);
        }
        thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[cfg(not(unix))]
fn ignore_sigint() {}

/// Elsewhere the prompt cannot be woken: it ends at the next line typed.
#[cfg(not(unix))]
fn wake_prompt() {
    say("* the connection has ended: press Enter to exit");
}
