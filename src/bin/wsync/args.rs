//! The command line: options, their help and examples, and the [`wsync::Builder`] they make.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

use crate::output::Binary;

/// The modes and examples in `--help`, before the exit statuses.
const MODES_AND_EXAMPLES: &str = "\
Modes:
  stdin and stdout a terminal   interactive: a prompt with line editing and history; `> ` marks
                                what you send, `< ` what arrives; /close [CODE] [REASON],
                                /ping [PAYLOAD], /quit, /help; a line starting with // sends
                                the text from its second /. Ctrl-C closes with 1000, twice exits.
  otherwise (pipe mode)         each line of stdin is sent as a text message; each text message
                                received is printed as one line on stdout, binary ones per
                                --binary; at the end of stdin wsync closes with 1000, waits for
                                the server's close and exits. Diagnostics go to stderr.
  -x MSG                        sends MSG (and the next -x) instead of reading stdin, then waits:
                                for --wait N messages, --timeout SECS, or the server's close.

With --wait or --timeout, the end of stdin does not close: --wait N closes once N messages have
arrived, --timeout SECS closes SECS after start (failing with status 9 if --wait's messages have
not all arrived). Messages that arrive after wsync has closed are dropped, as in the browser: use
--wait to see the replies to what you sent.

Examples:
  wsync wss://echo.example.com                      talk to a server from the terminal
  echo hello | wsync --wait 1 ws://localhost:9001   send a line, print the reply, close
  wsync -x '{\"op\":\"subscribe\"}' --wait 10 --jsonl wss://feed.example.com/v1
                                                    subscribe, print 10 events as JSON lines
  wsync --timeout 60 wss://feed.example.com </dev/null >feed.txt
                                                    record a minute of a feed
  wsync -H 'Authorization: Bearer TOKEN' -p chat.v2 -p chat.v1 wss://chat.example.com/ws
  wsync --ca ca.pem --cert me.pem --key me.key wss://internal.example:8443/
  wsync --proxy http://proxy.corp:3128 wss://echo.example.com
  wsync --binary base64 ws://localhost:9001 <requests.txt | base64 -d
";

/// What `--help` shows after the options: modes, examples, exit statuses.
fn after_help() -> String {
    format!("{MODES_AND_EXAMPLES}\n{}", crate::exit::TABLE)
}

/// wsync: a WebSocket client for the shell, with the browser's semantics.
///
/// Connects to URL (ws://, wss://, http:// or https://), then talks in one of two modes: a
/// prompt in the terminal, or lines through a pipe.
#[derive(Debug, Parser)]
#[command(name = "wsync", version, after_help = after_help())]
pub struct Args {
    /// The server's URL: ws://, wss://, or http:// and https:// (taken as ws:// and wss://).
    pub url: String,

    /// Adds a request header to the handshake, such as "Authorization: Bearer TOKEN"
    /// (repeatable). Host, Upgrade, Connection and Sec-WebSocket-* are set by wsync itself.
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE", value_parser = parse_header)]
    pub headers: Vec<Header>,

    /// Offers a subprotocol (Sec-WebSocket-Protocol), most preferred first (repeatable).
    #[arg(short = 'p', long = "protocol", value_name = "PROTOCOL")]
    pub protocols: Vec<String>,

    /// Sends an Origin header, as a browser page from ORIGIN would.
    #[arg(long, value_name = "ORIGIN")]
    pub origin: Option<String>,

    /// Trusts the certificate authority in FILE (PEM or DER) for wss://, besides the system's
    /// (repeatable).
    #[arg(long = "ca", value_name = "FILE")]
    pub ca: Vec<PathBuf>,

    /// Presents the client certificate chain in FILE (PEM); needs --key.
    #[arg(long, value_name = "FILE", requires = "key")]
    pub cert: Option<PathBuf>,

    /// The private key of --cert, in FILE (PKCS#8 PEM); needs --cert.
    #[arg(long, value_name = "FILE", requires = "cert")]
    pub key: Option<PathBuf>,

    /// DANGEROUS: accepts any server certificate, for any host name. Anyone on the way can then
    /// read and change the traffic. For tests only; says so on stderr.
    #[arg(long)]
    pub insecure: bool,

    /// Connects through this proxy: http://HOST:PORT (HTTP CONNECT), socks5://HOST:PORT, or
    /// socks5h://HOST:PORT (the proxy resolves the server's name); credentials as
    /// http://USER:PASSWORD@HOST:PORT. Without it, the proxy named by ws_proxy, wss_proxy,
    /// http_proxy, https_proxy or all_proxy is used, except for the hosts in no_proxy.
    #[arg(long, value_name = "URL", conflicts_with = "no_proxy")]
    pub proxy: Option<String>,

    /// Connects directly, whatever the proxy environment variables say.
    #[arg(long)]
    pub no_proxy: bool,

    /// Does not offer permessage-deflate compression.
    #[arg(long)]
    pub no_compression: bool,

    /// Sends a keepalive ping after SECS seconds without traffic and fails when no answer comes
    /// (0: no pings) [default: 20].
    #[arg(long, value_name = "SECS", value_parser = parse_seconds)]
    pub ping_interval: Option<Duration>,

    /// The longest the connection may take to open: the TCP connection, then the TLS and
    /// WebSocket handshakes, each [default: 30].
    #[arg(long, value_name = "SECS", value_parser = parse_positive_seconds)]
    pub connect_timeout: Option<Duration>,

    /// Sends MSG as a text message once connected, instead of reading stdin (repeatable, in
    /// order); then waits for --wait, --timeout or the server's close.
    #[arg(short = 'x', long = "execute", value_name = "MSG")]
    pub execute: Vec<String>,

    /// Closes (1000) once N messages have arrived.
    #[arg(long, value_name = "N")]
    pub wait: Option<u64>,

    /// Closes (1000) SECS seconds after starting; fails with status 9 if the messages of --wait
    /// have not all arrived by then.
    #[arg(long, value_name = "SECS", value_parser = parse_positive_seconds)]
    pub timeout: Option<Duration>,

    /// How binary messages are printed.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = Binary::Hex)]
    pub binary: Binary,

    /// Prints one JSON object per event on stdout (open, message, close, error), each with its
    /// time.
    #[arg(long)]
    pub jsonl: bool,

    /// Shows the handshake on stderr: the URL, the headers set here, and the server's response
    /// (status and headers), also when it refuses.
    #[arg(short, long)]
    pub verbose: bool,
}

/// A request header from `-H`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The name, as given.
    pub name: String,
    /// The value, without the spaces around it.
    pub value: String,
}

/// `NAME: VALUE` (the space optional).
fn parse_header(arg: &str) -> Result<Header, String> {
    let (name, value) = arg
        .split_once(':')
        .ok_or_else(|| format!("expected NAME: VALUE, got {arg:?}"))?;
    let name = name.trim();
    if name.is_empty() {
        return Err(format!("no header name in {arg:?}"));
    }
    Ok(Header {
        name: name.to_owned(),
        value: value.trim().to_owned(),
    })
}

/// A number of seconds, fractions allowed, zero included.
fn parse_seconds(arg: &str) -> Result<Duration, String> {
    let secs: f64 = arg
        .trim()
        .parse()
        .map_err(|_| format!("expected a number of seconds, got {arg:?}"))?;
    Duration::try_from_secs_f64(secs).map_err(|_| format!("{arg:?} is not a number of seconds"))
}

/// A number of seconds above zero.
fn parse_positive_seconds(arg: &str) -> Result<Duration, String> {
    let duration = parse_seconds(arg)?;
    if duration.is_zero() {
        return Err("must be more than 0".to_owned());
    }
    Ok(duration)
}

impl Args {
    /// Checks what clap cannot express: the combinations that make no sense.
    pub fn check(&self) -> Result<(), String> {
        if self.jsonl && self.binary == Binary::Raw {
            return Err("--binary raw cannot be used with --jsonl".to_owned());
        }
        Ok(())
    }

    /// The headers to send, `--origin` first.
    pub fn request_headers(&self) -> Vec<Header> {
        let origin = self.origin.iter().map(|origin| Header {
            name: "Origin".to_owned(),
            value: origin.clone(),
        });
        origin.chain(self.headers.iter().cloned()).collect()
    }

    /// The library's builder with every option applied; `pongs` asks for pong events. Fails
    /// with a message when a file cannot be read.
    pub fn builder(&self, pongs: bool) -> Result<wsync::Builder, String> {
        let mut builder = wsync::WebSocket::builder(&self.url)
            .protocols(self.protocols.iter().cloned())
            .pong_events(pongs);
        for header in self.request_headers() {
            builder = builder.header(header.name, header.value);
        }
        for path in &self.ca {
            let ca = read(path)?;
            builder = if ca.trim_ascii_start().starts_with(b"-----BEGIN") {
                builder.add_root_certificate_pem(&ca)
            } else {
                builder.add_root_certificate_der(&ca)
            };
        }
        if let (Some(cert), Some(key)) = (&self.cert, &self.key) {
            builder = builder.identity_pem(&read(cert)?, &read(key)?);
        }
        if self.insecure {
            builder = builder
                .danger_accept_invalid_certs(true)
                .danger_accept_invalid_hostnames(true);
        }
        if let Some(proxy) = &self.proxy {
            builder = builder.proxy(proxy);
        }
        if self.no_proxy {
            builder = builder.proxy_from_env(false);
        }
        if self.no_compression {
            builder = builder.no_compression();
        }
        if let Some(interval) = self.ping_interval {
            builder = builder.ping_interval(interval);
        }
        if let Some(timeout) = self.connect_timeout {
            builder = builder.connect_timeout(timeout).handshake_timeout(timeout);
        }
        Ok(builder)
    }
}

fn read(path: &PathBuf) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_is_well_formed() {
        Args::command().debug_assert();
    }

    #[test]
    fn headers() {
        let h = parse_header("Authorization: Bearer a:b").unwrap();
        assert_eq!(
            (h.name.as_str(), h.value.as_str()),
            ("Authorization", "Bearer a:b")
        );
        let h = parse_header("X-Empty:").unwrap();
        assert_eq!((h.name.as_str(), h.value.as_str()), ("X-Empty", ""));
        assert!(parse_header("no colon").is_err());
        assert!(parse_header(": value").is_err());
    }

    #[test]
    fn seconds() {
        assert_eq!(parse_seconds("1.5"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_seconds("0"), Ok(Duration::ZERO));
        assert!(parse_seconds("-1").is_err());
        assert!(parse_seconds("soon").is_err());
        assert!(parse_seconds("inf").is_err());
        assert!(parse_positive_seconds("0").is_err());
    }
}
