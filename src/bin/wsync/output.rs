//! How events are written: plain lines for pipes, marked lines for the terminal, or one JSON
//! object per event (`--jsonl`); binary messages in hex, base64 or raw bytes. Nothing here does
//! I/O: each event renders into an [`Output`], which the caller writes.

use std::fmt::Write as _;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use wsync::{CloseEvent, Error, HandshakeError, Message, PongEvent, Response};

use crate::exit::Status;

/// How binary messages are shown (`--binary`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Binary {
    /// Lowercase hexadecimal, one line per message.
    Hex,
    /// Standard base64 with padding, one line per message.
    Base64,
    /// The bytes as they are, without a newline (pipe mode only; hex in the terminal).
    Raw,
}

/// Where the output goes, which sets its shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Pipe mode: received messages alone on stdout, diagnostics on stderr.
    Plain,
    /// Interactive mode: everything on the terminal, each line marked with its direction.
    Terminal,
    /// `--jsonl`: one JSON object per event on stdout, diagnostics also on stderr.
    Jsonl,
}

/// The rendering settings of a run.
#[derive(Debug, Clone, Copy)]
pub struct Render {
    /// The shape of the output.
    pub style: Style,
    /// How binary messages are shown.
    pub binary: Binary,
    /// `-v`: also report the open and a clean close on stderr.
    pub verbose: bool,
}

/// What rendering events produced: bytes for stdout and lines for stderr.
#[derive(Debug, Default)]
pub struct Output {
    /// For stdout (in the terminal: everything, above the prompt).
    pub out: Vec<u8>,
    /// For stderr, one diagnostic per entry, without its newline.
    pub err: Vec<String>,
}

impl Output {
    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.out.is_empty() && self.err.is_empty()
    }

    fn line(&mut self, line: &str) {
        self.out.extend_from_slice(line.as_bytes());
        self.out.push(b'\n');
    }
}

impl Render {
    /// The connection opened; `response` is the server's 101 response.
    pub fn open(
        &self,
        url: &str,
        protocol: &str,
        extensions: &str,
        response: Option<&Response>,
        o: &mut Output,
    ) {
        match self.style {
            Style::Plain => self.show_open(url, response, &mut o.err),
            Style::Terminal => {
                let mut line = format!("* connected to {url}");
                if !protocol.is_empty() {
                    let _ = write!(line, ", subprotocol {protocol}");
                }
                if !extensions.is_empty() {
                    let _ = write!(line, ", extensions {extensions}");
                }
                line.push_str(" (/help for commands)");
                let mut verbose = Vec::new();
                self.show_open(url, response, &mut verbose);
                for shown in verbose {
                    o.line(&shown);
                }
                o.line(&line);
            }
            Style::Jsonl => {
                let mut json = Json::event("open");
                json.str("url", url);
                json.str("protocol", protocol);
                json.str("extensions", extensions);
                o.line(&json.finish());
                self.show_open(url, response, &mut o.err);
            }
        }
    }

    /// `-v`: the server's response, then the open.
    fn show_open(&self, url: &str, response: Option<&Response>, lines: &mut Vec<String>) {
        if !self.verbose {
            return;
        }
        if let Some(response) = response {
            show_response(response, lines);
        }
        lines.push(format!("* open: {url}"));
    }

    /// A message arrived.
    pub fn message(&self, message: &Message, o: &mut Output) {
        match (self.style, message) {
            (Style::Plain, Message::Text(text)) => o.line(text),
            (Style::Plain, Message::Binary(bytes)) => match self.binary {
                Binary::Raw => o.out.extend_from_slice(bytes),
                format => o.line(&encode(format, bytes)),
            },
            (Style::Terminal, Message::Text(text)) => o.line(&format!("< {}", visible(text))),
            (Style::Terminal, Message::Binary(bytes)) => {
                let format = match self.binary {
                    Binary::Raw => Binary::Hex,
                    format => format,
                };
                let n = bytes.len();
                o.line(&format!("< [binary, {n} bytes] {}", encode(format, bytes)));
            }
            (Style::Jsonl, Message::Text(text)) => {
                let mut json = Json::event("message");
                json.str("type", "text");
                json.str("data", text);
                o.line(&json.finish());
            }
            (Style::Jsonl, Message::Binary(bytes)) => {
                // `--binary raw` is refused with `--jsonl`; base64 stands in, should it come.
                let format = match self.binary {
                    Binary::Hex => Binary::Hex,
                    _ => Binary::Base64,
                };
                let mut json = Json::event("message");
                json.str("type", "binary");
                json.str("data", &encode(format, bytes));
                json.str("encoding", format.name());
                o.line(&json.finish());
            }
        }
    }

    /// A pong arrived (interactive mode asks for pongs, to show the answer to `/ping`).
    pub fn pong(&self, pong: &PongEvent, o: &mut Output) {
        let round_trip = pong.round_trip.map(|d| d.as_secs_f64() * 1000.0);
        match self.style {
            Style::Plain => {}
            Style::Terminal => {
                let mut line = String::from("< pong");
                if !pong.payload.is_empty() {
                    let _ = write!(
                        line,
                        " {}",
                        visible(&String::from_utf8_lossy(&pong.payload))
                    );
                }
                if let Some(ms) = round_trip {
                    let _ = write!(line, " ({ms:.1} ms)");
                }
                o.line(&line);
            }
            Style::Jsonl => {
                let mut json = Json::event("pong");
                json.str("data", &String::from_utf8_lossy(&pong.payload));
                if let Some(ms) = round_trip {
                    json.float("round_trip_ms", ms);
                }
                o.line(&json.finish());
            }
        }
    }

    /// The connection failed, or could not open: `error` is why, `status` its exit status.
    /// A refused handshake also shows the server's body (and with `-v` its headers).
    pub fn error(&self, error: &Error, status: Status, o: &mut Output) {
        let text = error.to_string();
        let refusal = refusal(error);
        // What the server wrote (a body, a reason) reaches the terminal escaped.
        let mut lines = vec![visible(&text)];
        if let Some(response) = refusal {
            if self.verbose {
                show_response(response, &mut lines);
            }
            body_lines(response, &mut lines);
        }
        match self.style {
            Style::Plain => o.err.extend(lines.iter().map(|l| format!("wsync: {l}"))),
            Style::Terminal => lines.iter().for_each(|l| o.line(&format!("! {l}"))),
            Style::Jsonl => {
                let mut json = Json::event("error");
                json.str("kind", status.kind());
                json.str("message", &text);
                if let Some(response) = refusal {
                    json.uint("http_status", response.status().into());
                    json.str("body", &response.body_text());
                }
                o.line(&json.finish());
                o.err.extend(lines.iter().map(|l| format!("wsync: {l}")));
            }
        }
    }

    /// A failure of the CLI's own, with its exit status (such as `--timeout` before `--wait`'s
    /// messages came).
    pub fn failure(&self, text: &str, status: Status, o: &mut Output) {
        match self.style {
            Style::Plain => o.err.push(format!("wsync: {text}")),
            Style::Terminal => o.line(&format!("! {text}")),
            Style::Jsonl => {
                let mut json = Json::event("error");
                json.str("kind", status.kind());
                json.str("message", text);
                o.line(&json.finish());
                o.err.push(format!("wsync: {text}"));
            }
        }
    }

    /// The connection closed; `status` is what the run exits with.
    pub fn close(&self, close: &CloseEvent, status: Status, o: &mut Output) {
        let mut text = format!("closed: {}", close.code);
        if !close.reason.is_empty() {
            let _ = write!(text, " {:?}", close.reason);
        }
        text.push_str(if close.was_clean {
            " (clean)"
        } else {
            " (not clean)"
        });
        let unexpected = status == Status::CloseCode;
        let diag = if unexpected {
            Some(format!(
                "wsync: the server closed the connection with code {}{}",
                close.code,
                if close.reason.is_empty() {
                    String::new()
                } else {
                    format!(": {}", visible(&close.reason))
                }
            ))
        } else if self.verbose {
            Some(format!("* {text}"))
        } else {
            None
        };
        match self.style {
            Style::Plain => o.err.extend(diag),
            Style::Terminal => o.line(&format!("* {text}")),
            Style::Jsonl => {
                let mut json = Json::event("close");
                json.uint("code", close.code.into());
                json.str("reason", &close.reason);
                json.bool("was_clean", close.was_clean);
                o.line(&json.finish());
                o.err.extend(diag);
            }
        }
    }
}

impl Binary {
    /// The name of the encoding, as `--binary` spells it.
    fn name(self) -> &'static str {
        match self {
            Binary::Hex => "hex",
            Binary::Base64 => "base64",
            Binary::Raw => "raw",
        }
    }
}

/// `bytes` in hex or base64 (raw: as hex, the caller writes raw bytes itself).
fn encode(format: Binary, bytes: &[u8]) -> String {
    match format {
        Binary::Base64 => base64::engine::general_purpose::STANDARD.encode(bytes),
        Binary::Hex | Binary::Raw => {
            let mut hex = String::with_capacity(bytes.len() * 2);
            for b in bytes {
                let _ = write!(hex, "{b:02x}");
            }
            hex
        }
    }
}

/// `text` for the terminal: control characters other than newline and tab shown as escapes,
/// so that a server cannot move the cursor or retitle the window.
fn visible(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\n' | '\t' => c.to_string(),
            c if c.is_control() => c.escape_default().to_string(),
            c => c.to_string(),
        })
        .collect()
}

/// The server's answer, when it refused the handshake.
fn refusal(error: &Error) -> Option<&Response> {
    match error {
        Error::Handshake(HandshakeError::Status(response)) => Some(response),
        _ => None,
    }
}

/// `-v`: a response's status line and headers, as `< ` lines.
fn show_response(response: &Response, lines: &mut Vec<String>) {
    let mut status = format!("< HTTP/1.1 {}", response.status());
    if !response.reason().is_empty() {
        let _ = write!(status, " {}", response.reason());
    }
    lines.push(status);
    lines.extend(
        response
            .headers()
            .map(|(name, value)| format!("< {name}: {}", visible(value))),
    );
}

/// The body of a refusal, when the one line of the error does not show it all: each of its
/// lines indented, control characters escaped.
fn body_lines(response: &Response, lines: &mut Vec<String>) {
    let body = response.body_text();
    let body = body.trim();
    let shown_whole = body.lines().count() <= 1 && body.chars().count() <= MAX_ONE_LINE_BODY;
    if body.is_empty() || shown_whole {
        return;
    }
    lines.push("the server's answer:".to_owned());
    lines.extend(body.lines().map(|l| format!("  {}", visible(l))));
}

/// The longest body that the error's one line shows whole (the library's `Display` cuts the
/// first line at 200 characters).
const MAX_ONE_LINE_BODY: usize = 200;

/// One JSON object, written by hand: string, number and boolean members, every event with its
/// time first.
struct Json(String);

impl Json {
    /// `{"time":"…","event":"<event>"`.
    fn event(event: &str) -> Json {
        let mut json = Json(String::from("{"));
        json.str("time", &timestamp(SystemTime::now()));
        json.str("event", event);
        json
    }

    fn key(&mut self, key: &str) {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        escape_into(&mut self.0, key);
        self.0.push(':');
    }

    fn str(&mut self, key: &str, value: &str) {
        self.key(key);
        escape_into(&mut self.0, value);
    }

    fn uint(&mut self, key: &str, value: u64) {
        self.key(key);
        let _ = write!(self.0, "{value}");
    }

    fn float(&mut self, key: &str, value: f64) {
        self.key(key);
        if value.is_finite() {
            let _ = write!(self.0, "{value:.3}");
        } else {
            self.0.push_str("null");
        }
    }

    fn bool(&mut self, key: &str, value: bool) {
        self.key(key);
        self.0.push_str(if value { "true" } else { "false" });
    }

    fn finish(mut self) -> String {
        self.0.push('}');
        self.0
    }
}

/// `value` as a JSON string, quotes included (RFC 8259 §7): `"` and `\` escaped, control
/// characters as `\n`, `\t`... or `\u00XX`; everything else, all of Unicode, as it is.
fn escape_into(json: &mut String, value: &str) {
    json.push('"');
    for c in value.chars() {
        match c {
            '"' => json.push_str("\\\""),
            '\\' => json.push_str("\\\\"),
            '\n' => json.push_str("\\n"),
            '\r' => json.push_str("\\r"),
            '\t' => json.push_str("\\t"),
            '\u{8}' => json.push_str("\\b"),
            '\u{c}' => json.push_str("\\f"),
            c if c < ' ' => {
                let _ = write!(json, "\\u{:04x}", c as u32);
            }
            c => json.push(c),
        }
    }
    json.push('"');
}

/// `time` in RFC 3339, UTC, with milliseconds: `2024-05-01T12:00:00.123Z`.
fn timestamp(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    let secs = since.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_millis()
    )
}

/// The proleptic Gregorian date of a day counted from 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_are_escaped() {
        let mut s = String::new();
        escape_into(&mut s, "a\"b\\c\nd\u{1}é\u{7f}");
        assert_eq!(s, "\"a\\\"b\\\\c\\nd\\u0001é\u{7f}\"");
    }

    #[test]
    fn timestamps() {
        let at = |secs, ms| UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_millis(ms);
        assert_eq!(timestamp(at(0, 0)), "1970-01-01T00:00:00.000Z");
        assert_eq!(timestamp(at(951_782_400, 5)), "2000-02-29T00:00:00.005Z");
        assert_eq!(
            timestamp(at(1_714_564_800, 123)),
            "2024-05-01T12:00:00.123Z"
        );
        assert_eq!(
            timestamp(at(4_102_444_799, 999)),
            "2099-12-31T23:59:59.999Z"
        );
    }

    #[test]
    fn control_characters_are_escaped_for_the_terminal() {
        assert_eq!(visible("a\x1b[2Jb\tc\nd\u{7}"), "a\\u{1b}[2Jb\tc\nd\\u{7}");
    }

    #[test]
    fn binary_encodings() {
        assert_eq!(encode(Binary::Hex, &[0xde, 0xad, 0x00, 0x0a]), "dead000a");
        assert_eq!(
            encode(Binary::Base64, &[0xde, 0xad, 0xbe, 0xef, 0x0a]),
            "3q2+7wo="
        );
    }
}
