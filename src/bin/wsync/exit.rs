//! Exit statuses: one per kind of outcome, so that a script can tell a refused connection from a
//! refused handshake, a TLS failure, a protocol error, a timeout or a server that closed with a
//! code of its own. [`of_error`] is the one place that maps a library error to a status.

use wsync::{CloseEvent, Error};

/// How a run ended, as the process's exit status. The numbers are documented in `--help` (see
/// [`TABLE`]) and in the README; keep the three in step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// 0: the connection closed cleanly with 1000 (or without a code, or with the code we closed
    /// with).
    Clean,
    /// 1: any other failure: the connection ended without a clean close for another reason, or
    /// stdin or stdout failed.
    Failure,
    /// 2: bad arguments: an unknown option, a bad URL, header or file, a setting out of range.
    Usage,
    /// 3: the server's host refused the TCP connection (nothing listens on that port).
    Refused,
    /// 4: the host name did not resolve.
    HostNotFound,
    /// 5: the network failed otherwise: unreachable, reset, or closed without a close frame.
    Network,
    /// 6: the server refused the WebSocket handshake (a status other than 101, or an invalid
    /// upgrade).
    Handshake,
    /// 7: TLS failed: certificate not trusted, expired or for another host, no TLS on that port...
    Tls,
    /// 8: the server broke the WebSocket protocol.
    Protocol,
    /// 9: a deadline passed: connecting, the handshake, the close, a keepalive ping, a send,
    /// or `--timeout` before the messages of `--wait` arrived.
    Timeout,
    /// 10: the server closed the connection with a code other than 1000.
    CloseCode,
    /// 11: the proxy failed: unreachable, it refused the tunnel or the credentials, or it
    /// broke its protocol.
    Proxy,
    /// 130: interrupted: Ctrl-C twice in the terminal.
    Interrupted,
}

/// The exit statuses for `--help`: the same numbers as [`Status`].
pub const TABLE: &str = "\
Exit status:
  0    the connection closed cleanly (code 1000, none, or the code you closed with)
  1    another failure (closed without a clean close, stdin or stdout failed)
  2    bad arguments (option, URL, header, file)
  3    connection refused (nothing listens on that port)
  4    host not found (DNS)
  5    network failure (unreachable, reset, closed without a close frame)
  6    handshake refused by the server (HTTP status other than 101, bad upgrade)
  7    TLS failure (untrusted, expired or wrong-host certificate, not TLS)
  8    protocol error (the server broke RFC 6455)
  9    timeout (connect, handshake, close, keepalive, --timeout before --wait's messages)
  10   the server closed with a code other than 1000 (the code and reason on stderr)
  11   the proxy failed (unreachable, refused the tunnel or the credentials)
  130  interrupted (Ctrl-C twice in the terminal)";

impl Status {
    /// The process's exit status.
    pub fn code(self) -> u8 {
        match self {
            Status::Clean => 0,
            Status::Failure => 1,
            Status::Usage => 2,
            Status::Refused => 3,
            Status::HostNotFound => 4,
            Status::Network => 5,
            Status::Handshake => 6,
            Status::Tls => 7,
            Status::Protocol => 8,
            Status::Timeout => 9,
            Status::CloseCode => 10,
            Status::Proxy => 11,
            Status::Interrupted => 130,
        }
    }

    /// The failure's kind in `--jsonl` error events.
    pub fn kind(self) -> &'static str {
        match self {
            Status::Clean => "none",
            Status::Failure => "other",
            Status::Usage => "usage",
            Status::Refused => "connection_refused",
            Status::HostNotFound => "host_not_found",
            Status::Network => "network",
            Status::Handshake => "handshake",
            Status::Tls => "tls",
            Status::Protocol => "protocol",
            Status::Timeout => "timeout",
            Status::CloseCode => "close_code",
            Status::Proxy => "proxy",
            Status::Interrupted => "interrupted",
        }
    }
}

/// The status for a library error: the one mapping from [`wsync::Error`] to an exit status.
/// Errors the library reports before connecting (a bad URL or setting) are usage errors.
pub fn of_error(error: &Error) -> Status {
    match error {
        Error::Syntax(_)
        | Error::Security { .. }
        | Error::InvalidAccess(_)
        | Error::InvalidConfig(_)
        | Error::TlsUnavailable => Status::Usage,
        Error::ConnectionRefused(_) => Status::Refused,
        Error::Dns(_) => Status::HostNotFound,
        Error::Io(_) | Error::AbnormalClosure => Status::Network,
        Error::Proxy(_) => Status::Proxy,
        Error::Tls(_) => Status::Tls,
        Error::Handshake(_) => Status::Handshake,
        Error::Protocol(_) => Status::Protocol,
        Error::Timeout(_) => Status::Timeout,
        // InvalidState, Aborted (our own close while connecting: the caller knows why), and
        // whatever variants the library adds.
        _ => Status::Failure,
    }
}

/// The status for the end of a connection: its `Close` event, the error before it if it
/// failed, and the code we closed with if we did.
pub fn of_close(close: &CloseEvent, error: Option<&Error>, our_code: Option<u16>) -> Status {
    if let Some(error) = error {
        return of_error(error);
    }
    if !close.was_clean {
        return Status::Failure;
    }
    match close.code {
        1000 | 1005 => Status::Clean,
        code if Some(code) == our_code => Status::Clean,
        _ => Status::CloseCode,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::ErrorKind;

    #[test]
    fn codes_are_distinct_and_in_the_table() {
        let all = [
            Status::Clean,
            Status::Failure,
            Status::Usage,
            Status::Refused,
            Status::HostNotFound,
            Status::Network,
            Status::Handshake,
            Status::Tls,
            Status::Protocol,
            Status::Timeout,
            Status::CloseCode,
            Status::Proxy,
            Status::Interrupted,
        ];
        let mut codes: Vec<u8> = all.iter().map(|s| s.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
        for status in all {
            let line = format!("\n  {:<4} ", status.code());
            assert!(TABLE.contains(&line), "{status:?} is not in the table");
        }
    }

    #[test]
    fn close_codes() {
        let close = |code, was_clean| CloseEvent {
            code,
            reason: String::new(),
            was_clean,
        };
        assert_eq!(of_close(&close(1000, true), None, None), Status::Clean);
        assert_eq!(
            of_close(&close(1005, true), None, Some(1000)),
            Status::Clean
        );
        assert_eq!(of_close(&close(4001, true), None, None), Status::CloseCode);
        assert_eq!(
            of_close(&close(4001, true), None, Some(4001)),
            Status::Clean
        );
        assert_eq!(
            of_close(&close(1001, true), None, Some(1000)),
            Status::CloseCode
        );
        assert_eq!(of_close(&close(1006, false), None, None), Status::Failure);
        let refused = Error::ConnectionRefused(std::io::Error::from(ErrorKind::ConnectionRefused));
        assert_eq!(
            of_close(&close(1006, false), Some(&refused), None),
            Status::Refused
        );
    }
}
