//! TLS through native-tls, split so that reading never blocks writing.
//!
//! A native-tls stream cannot be cloned or split, and its `read` would hold the session while it
//! waits for the network. So the session runs over an in-memory transport ([`MemIo`]) and never
//! touches the socket itself:
//!
//! ```text
//!  reader thread                         session (Mutex)                  sender threads
//!  tcp.read(raw)  ── no lock held ──┐   ┌──────────────────────┐
//!                                   └──▶│ incoming ─▶ decrypt  │──▶ plaintext to the decoder
//!  plaintext ◀──────────────────────────│                      │
//!                                       │ encrypt ─▶ outgoing  │◀── frame bytes from send()
//!                                       └──────────┬───────────┘
//!                      wire (Mutex<TcpStream>) ◀───┘ ciphertext, written after the
//!                                                    session lock is released
//! ```
//!
//! The reader waits for the network without any lock, then takes the session lock only to
//! decrypt what arrived. A sender takes the session lock only to encrypt. Ciphertext goes out
//! under the wire lock, which is taken before the session lock is released, so records leave in
//! the order they were made while a sender blocked on a full socket never stops the reader.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use native_tls::{HandshakeError, TlsConnector, TlsStream};

use crate::error::{Error, Result, Timeout, TlsError, TlsErrorKind};
use crate::sync::lock;

/// The session's view of the network: bytes received, and bytes to send.
#[derive(Debug, Default)]
pub(crate) struct MemIo {
    incoming: Vec<u8>,
    read_at: usize,
    outgoing: Vec<u8>,
    eof: bool,
    /// A socket error to hand to the session on its next read (then the stream ends), so that
    /// the TLS library reports it as its own failure.
    error: Option<io::Error>,
}

impl Read for MemIo {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let avail = &self.incoming[self.read_at..];
        if avail.is_empty() {
            if let Some(e) = self.error.take() {
                self.eof = true;
                return Err(e);
            }
            if self.eof {
                return Ok(0);
            }
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let n = avail.len().min(buf.len());
        buf[..n].copy_from_slice(&avail[..n]);
        self.read_at += n;
        if self.read_at == self.incoming.len() {
            self.incoming.clear();
            self.read_at = 0;
        }
        Ok(n)
    }
}

impl Write for MemIo {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.outgoing.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A failure of the TLS layer itself (an alert, a bad record), as opposed to the socket, carried
/// inside an `io::Error` so that the reader reports it as [`Error::Tls`].
#[derive(Debug)]
pub(crate) struct TlsFailure(io::Error);

impl std::fmt::Display for TlsFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for TlsFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

/// The TLS error inside `e`, if `e` came from the TLS layer: the error the TLS stream reported,
/// not this crate's private wrapper, so that callers can downcast it.
pub(crate) fn tls_failure(e: io::Error) -> std::result::Result<Error, io::Error> {
    e.downcast::<TlsFailure>().map(|failure| {
        let kind = classify(&failure.0.to_string()).unwrap_or(TlsErrorKind::Session);
        Error::Tls(TlsError::new(kind, failure.0))
    })
}

/// A failed handshake as an [`Error::Tls`] of the kind its message tells (see [`classify`]).
fn handshake_failure(e: native_tls::Error) -> Error {
    let kind = classify(&e.to_string()).unwrap_or(TlsErrorKind::HandshakeFailed);
    Error::Tls(TlsError::new(kind, e))
}

/// The kind of a TLS failure, from the TLS library's message; `None` when it says nothing this
/// recognises. native-tls's errors are opaque, but with OpenSSL the message carries the reason
/// and, for a certificate refused, the verification result in parentheses
/// (`X509_verify_cert_error_string`), e.g. "... certificate verify failed: ... (certificate has
/// expired)". A few phrases of the macOS and Windows libraries are recognised too.
pub(crate) fn classify(message: &str) -> Option<TlsErrorKind> {
    let text = message.to_ascii_lowercase();
    let has = |phrases: &[&str]| phrases.iter().any(|p| text.contains(p));
    let kind = if has(&[
        "hostname mismatch",
        "ip address mismatch",
        "principal name is incorrect",
    ]) {
        TlsErrorKind::HostnameMismatch
    } else if has(&[
        "certificate has expired",
        "certificate is not yet valid",
        "validity period",
    ]) {
        TlsErrorKind::ExpiredCertificate
    } else if has(&[
        "self-signed certificate",
        "self signed certificate",
        "unable to get local issuer certificate",
        "unable to get issuer certificate",
        "unable to verify the first certificate",
        "not trusted",
    ]) {
        TlsErrorKind::UntrustedCertificate
    } else if has(&["certificate verify failed"]) {
        TlsErrorKind::InvalidCertificate
    } else if has(&[
        "wrong version number",
        "packet length too long",
        "unknown protocol",
        "http request",
        "record layer failure",
    ]) {
        TlsErrorKind::NotTls
    } else if has(&[
        // Alerts a server sends when it refuses the handshake, also after the client's side of
        // it completed (TLS 1.3 checks the client's certificate then).
        "alert certificate required",
        "alert bad certificate",
        "alert certificate unknown",
        "alert unknown ca",
        "alert handshake failure",
        "alert protocol version",
        "alert insufficient security",
        "alert access denied",
        "no protocols available",
        "unsupported protocol",
        "no shared cipher",
    ]) {
        TlsErrorKind::HandshakeFailed
    } else {
        return None;
    };
    Some(kind)
}

/// What both halves share: the session and the socket for writing.
#[derive(Debug)]
struct Split {
    session: Mutex<TlsStream<MemIo>>,
    /// The socket for writing; the lock orders ciphertext records.
    wire: Mutex<Arc<TcpStream>>,
}

impl Split {
    /// Sends what the session produced, keeping record order (see the module docs).
    /// `spare` is an empty buffer to swap in, so that no allocation happens per write.
    fn flush(
        &self,
        mut session: MutexGuard<'_, TlsStream<MemIo>>,
        spare: &mut Vec<u8>,
    ) -> io::Result<()> {
        if session.get_ref().outgoing.is_empty() {
            return Ok(());
        }
        std::mem::swap(&mut session.get_mut().outgoing, spare);
        let wire = lock(&self.wire);
        drop(session);
        let result = (&**wire).write_all(spare);
        spare.clear();
        result
    }
}

/// The reading half of a TLS connection.
#[derive(Debug)]
pub(crate) struct TlsReader {
    split: Arc<Split>,
    tcp: Arc<TcpStream>,
    raw: Vec<u8>,
    spare: Vec<u8>,
}

/// The writing half of a TLS connection.
#[derive(Debug)]
pub(crate) struct TlsWriter {
    split: Arc<Split>,
    spare: Vec<u8>,
}

/// The size of the buffer for ciphertext read from the socket: one full TLS record.
const RAW_READ: usize = 16 * 1024 + 512;

impl TlsReader {
    /// Reads plaintext, waiting for the network with no lock held.
    pub(crate) fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let mut session = lock(&self.split.session);
            match session.read(buf) {
                Ok(n) => {
                    self.split.flush(session, &mut self.spare)?;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.split.flush(session, &mut self.spare)?;
                }
                // The socket closed without close_notify: the stream just ended.
                Err(_) if session.get_ref().eof => {
                    return Err(io::ErrorKind::UnexpectedEof.into());
                }
                Err(e) => return Err(io::Error::new(e.kind(), TlsFailure(e))),
            }
            if self.raw.is_empty() {
                self.raw.resize(RAW_READ, 0);
            }
            let n = (&*self.tcp).read(&mut self.raw)?;
            let mut session = lock(&self.split.session);
            let io = session.get_mut();
            if n == 0 {
                io.eof = true;
            } else {
                io.incoming.extend_from_slice(&self.raw[..n]);
            }
        }
    }

    /// Whether a read can return something without waiting for the socket: plaintext the
    /// session holds, ciphertext not yet decrypted, or the end of the stream.
    pub(crate) fn has_buffered(&self) -> bool {
        let session = lock(&self.split.session);
        let io = session.get_ref();
        io.eof
            || io.error.is_some()
            || io.incoming.len() > io.read_at
            || session.buffered_read_size().is_ok_and(|n| n > 0)
    }

    /// Lets the buffers for ciphertext go (the one read into, and the session's copy of what
    /// it has not decrypted yet, once empty); the next read that needs them allocates them again.
    pub(crate) fn release_buffers(&mut self) {
        self.raw = Vec::new();
        self.spare = Vec::new();
        let mut session = lock(&self.split.session);
        let io = session.get_mut();
        if io.incoming.is_empty() {
            io.incoming = Vec::new();
        }
    }

    /// The socket underneath.
    pub(crate) fn tcp(&self) -> &TcpStream {
        &self.tcp
    }
}

impl Read for TlsReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        TlsReader::read(self, buf)
    }
}

impl TlsWriter {
    /// Encrypts and sends all of `bytes`.
    pub(crate) fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        let mut session = lock(&self.split.session);
        // The transport never blocks, so this encrypts everything in one go.
        session.write_all(bytes)?;
        self.split.flush(session, &mut self.spare)
    }

    /// Sends close_notify, then TCP FIN.
    pub(crate) fn shutdown_write(&mut self) {
        let mut session = lock(&self.split.session);
        let _ = session.shutdown();
        let _ = self.split.flush(session, &mut self.spare);
        let _ = lock(&self.split.wire).shutdown(Shutdown::Write);
    }
}

/// Whether a socket error is a socket timeout running out.
fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// Runs the TLS handshake over `tcp` for `domain`, by `deadline`, and splits the result.
pub(crate) fn handshake(
    connector: &TlsConnector,
    domain: &str,
    tcp: Arc<TcpStream>,
    deadline: Instant,
) -> Result<(TlsReader, TlsWriter)> {
    let wire = tcp.clone();
    let tcp_in = tcp;
    let mut raw = vec![0u8; RAW_READ];
    let mut attempt = connector.connect(domain, MemIo::default());
    loop {
        let mut mid = match attempt {
            Ok(stream) => {
                let split = Arc::new(Split {
                    session: Mutex::new(stream),
                    wire: Mutex::new(wire),
                });
                let mut spare = Vec::new();
                split.flush(lock(&split.session), &mut spare)?;
                let reader = TlsReader {
                    split: split.clone(),
                    tcp: tcp_in,
                    raw: Vec::new(),
                    spare: Vec::new(),
                };
                return Ok((reader, TlsWriter { split, spare }));
            }
            Err(HandshakeError::Failure(e)) => return Err(handshake_failure(e)),
            Err(HandshakeError::WouldBlock(mid)) => mid,
        };
        let io = mid.get_mut();
        if !io.outgoing.is_empty() {
            let sent = (&*wire).write_all(&io.outgoing);
            io.outgoing.clear();
            if let Err(e) = sent {
                if is_timeout(&e) {
                    return Err(Error::Timeout(Timeout::Handshake));
                }
                // A handshake cut short is a TLS failure: let the session report it.
                io.error = Some(e);
                attempt = mid.handshake();
                continue;
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Error::Timeout(Timeout::Handshake));
        }
        tcp_in.set_read_timeout(Some(left))?;
        let read = (&*tcp_in).read(&mut raw);
        let io = mid.get_mut();
        match read {
            Ok(0) => io.eof = true,
            Ok(n) => io.incoming.extend_from_slice(&raw[..n]),
            Err(e) if is_timeout(&e) => return Err(Error::Timeout(Timeout::Handshake)),
            // A reset is a handshake cut short, as the end of the stream is.
            Err(e) => io.error = Some(e),
        }
        attempt = mid.handshake();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Messages as native-tls shows them over OpenSSL 3.0 (the verification result in
    /// parentheses) and, where it differs, 1.1.
    #[test]
    fn failures_are_classified_from_the_tls_librarys_message() {
        let verify = |result: &str| {
            format!(
                "error:0A000086:SSL routines:tls_post_process_server_certificate:certificate \
                 verify failed:../ssl/statem/statem_clnt.c:1889: ({result})"
            )
        };
        let cases = [
            (
                verify("self-signed certificate"),
                TlsErrorKind::UntrustedCertificate,
            ),
            (
                verify("self signed certificate"),
                TlsErrorKind::UntrustedCertificate,
            ),
            (
                verify("self-signed certificate in certificate chain"),
                TlsErrorKind::UntrustedCertificate,
            ),
            (
                verify("unable to get local issuer certificate"),
                TlsErrorKind::UntrustedCertificate,
            ),
            (
                verify("certificate has expired"),
                TlsErrorKind::ExpiredCertificate,
            ),
            (
                verify("certificate is not yet valid"),
                TlsErrorKind::ExpiredCertificate,
            ),
            (verify("hostname mismatch"), TlsErrorKind::HostnameMismatch),
            (
                verify("IP address mismatch"),
                TlsErrorKind::HostnameMismatch,
            ),
            (
                verify("certificate revoked"),
                TlsErrorKind::InvalidCertificate,
            ),
            (
                "error:0A00010B:SSL routines:ssl3_get_record:wrong version number:\
                 ../ssl/record/ssl3_record.c:350:"
                    .to_owned(),
                TlsErrorKind::NotTls,
            ),
            (
                "error:1408F10B:SSL routines:ssl3_get_record:wrong version number".to_owned(),
                TlsErrorKind::NotTls,
            ),
            (
                "error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:\
                 ../ssl/record/rec_layer_s3.c:1601:SSL alert number 116"
                    .to_owned(),
                TlsErrorKind::HandshakeFailed,
            ),
        ];
        for (message, kind) in cases {
            assert_eq!(classify(&message), Some(kind), "{message}");
        }
        for unknown in ["unexpected EOF", "Connection reset by peer (os error 104)"] {
            assert_eq!(classify(unknown), None, "{unknown}");
        }
    }
}
