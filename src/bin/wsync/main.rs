//! `wsync`, the command-line WebSocket client: a prompt in the terminal, lines through a pipe.
//! Built with the `cli` feature: `cargo install wsync --features cli`.
//!
//! - [`args`]: the options, `--help`, and the [`wsync::Builder`] they make;
//! - [`session`]: the event loop both modes share, and when to close;
//! - [`pipe`]: pipe mode, stdin lines out and messages to stdout;
//! - [`interactive`]: the prompt;
//! - [`output`]: plain, terminal and JSON lines, binary in hex, base64 or raw;
//! - [`exit`]: the exit statuses, and the one function that maps an error to its status.
//!
//! The only `unsafe` is in [`interactive`]: two libc calls for SIGINT (see there).

#![deny(unsafe_code)]

mod args;
mod exit;
mod interactive;
mod output;
mod pipe;
mod session;

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;

use crate::args::Args;
use crate::exit::Status;
use crate::output::{Render, Style};
use crate::session::Conn;

fn main() -> ExitCode {
    let args = Args::parse();
    ExitCode::from(run(&args).code())
}

fn run(args: &Args) -> Status {
    if let Err(e) = args.check() {
        warn(&e);
        return Status::Usage;
    }
    // --timeout counts from the start, connecting included.
    let deadline = session::deadline(args.timeout);
    let interactive =
        args.execute.is_empty() && io::stdin().is_terminal() && io::stdout().is_terminal();
    let style = match (args.jsonl, interactive) {
        (true, _) => Style::Jsonl,
        (false, true) => Style::Terminal,
        (false, false) => Style::Plain,
    };
    let render = Render {
        style,
        binary: args.binary,
        verbose: args.verbose,
    };
    if args.insecure {
        warn(
            "WARNING: --insecure: the server's certificate and host name are NOT checked; \
             anyone on the way can read and change this connection",
        );
    }
    let builder = match args.builder(interactive) {
        Ok(builder) => builder,
        Err(e) => {
            warn(&e);
            return Status::Usage;
        }
    };
    if args.verbose {
        show_request(args);
    }
    // Everything `build` refuses is a bad argument: a URL, a header, a certificate file.
    let ws = match builder.build() {
        Ok(ws) => ws,
        Err(e) => {
            warn(&e.to_string());
            return Status::Usage;
        }
    };
    let conn = Arc::new(Conn::new(ws));
    if interactive {
        if let Some(status) = interactive::run(args, Arc::clone(&conn), render, deadline) {
            return status;
        }
    }
    pipe::run(args, conn, render, deadline)
}

/// `-v`: what the handshake request carries, as far as this side decides it; the library does
/// not expose the request it writes, so the headers it sets itself (Host, Upgrade, Connection,
/// Sec-WebSocket-Key and -Version) are named, not shown. The response is shown whole, once it
/// comes (see `output`).
fn show_request(args: &Args) {
    warn_raw(&format!("* connecting to {}", args.url));
    for header in args.request_headers() {
        warn_raw(&format!("> {}: {}", header.name, header.value));
    }
    if !args.protocols.is_empty() {
        warn_raw(&format!(
            "> Sec-WebSocket-Protocol: {}",
            args.protocols.join(", ")
        ));
    }
    if cfg!(feature = "deflate") && !args.no_compression {
        warn_raw("> Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits");
    }
    warn_raw("* (Host, Upgrade, Connection, Sec-WebSocket-Key and -Version as RFC 6455 says)");
}

/// A diagnostic on stderr, `wsync: ` first.
pub fn warn(text: &str) {
    warn_raw(&format!("wsync: {text}"));
}

/// A line on stderr; a stderr that is gone is no reason to fail.
fn warn_raw(line: &str) {
    let _ = writeln!(io::stderr().lock(), "{line}");
}
