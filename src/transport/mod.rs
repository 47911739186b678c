//! The byte stream under the protocol, split in a read half for the reader thread and a write
//! half for senders, over plain TCP or TLS.
//!
//! Over plain TCP both halves share the one socket (`&TcpStream` reads and writes), so a
//! connection costs a single file descriptor. Over TLS both halves share one TLS session; see
//! [`tls`] for how a read never holds up a write. Every line of code that needs the
//! `native-tls` feature is in this folder: without it, the rest of the crate is the same and a
//! wss:// URL fails with [`Error::TlsUnavailable`].

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::Arc;
use std::time::Instant;

use crate::config::TlsConfig;
use crate::error::{Error, Result};

#[cfg(feature = "native-tls")]
pub(crate) mod tls;
#[cfg(feature = "native-tls")]
mod tls_connector;

/// What a wss:// connection needs for its TLS handshake: a connector.
#[derive(Clone)]
pub(crate) struct Tls {
    #[cfg(feature = "native-tls")]
    connector: native_tls::TlsConnector,
}

/// The connector the TLS settings describe (see [`tls_connector`]); without the `native-tls`
/// feature, [`Error::TlsUnavailable`].
pub(crate) fn tls(config: &TlsConfig) -> Result<Tls> {
    #[cfg(feature = "native-tls")]
    return Ok(Tls {
        connector: tls_connector::connector(config)?,
    });
    #[cfg(not(feature = "native-tls"))]
    {
        let _ = config;
        Err(Error::TlsUnavailable)
    }
}

/// Splits the connected socket into its halves, running the TLS handshake with `tls` for
/// `host` by `deadline` when there is one.
pub(crate) fn split(
    tcp: Arc<TcpStream>,
    tls: Option<&Tls>,
    host: &str,
    deadline: Instant,
) -> Result<(ReadHalf, WriteHalf)> {
    match tls {
        None => Ok((ReadHalf::Plain(tcp.clone()), WriteHalf::Plain(tcp))),
        #[cfg(feature = "native-tls")]
        Some(tls) => {
            let (r, w) = tls::handshake(&tls.connector, host, tcp, deadline)?;
            Ok((ReadHalf::Tls(r), WriteHalf::Tls(w)))
        }
        #[cfg(not(feature = "native-tls"))]
        Some(_) => {
            let _ = (host, deadline);
            Err(Error::TlsUnavailable)
        }
    }
}

/// An I/O error that the TLS layer raised becomes [`Error::Tls`]; any other comes back as it
/// was.
pub(crate) fn tls_error(e: io::Error) -> std::result::Result<Error, io::Error> {
    #[cfg(feature = "native-tls")]
    return tls::tls_failure(e);
    #[cfg(not(feature = "native-tls"))]
    Err(e)
}

/// The reader thread's half.
#[derive(Debug)]
pub(crate) enum ReadHalf {
    /// Plain TCP.
    Plain(Arc<TcpStream>),
    /// TLS.
    #[cfg(feature = "native-tls")]
    Tls(tls::TlsReader),
}

/// The senders' half, used under the writer's lock.
#[derive(Debug)]
pub(crate) enum WriteHalf {
    /// Plain TCP.
    Plain(Arc<TcpStream>),
    /// TLS.
    #[cfg(feature = "native-tls")]
    Tls(tls::TlsWriter),
}

impl ReadHalf {
    /// Reads what has arrived, blocking until something has; `Ok(0)` is the end of the stream.
    pub(crate) fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            ReadHalf::Plain(s) => (&**s).read(buf),
            #[cfg(feature = "native-tls")]
            ReadHalf::Tls(t) => t.read(buf),
        }
    }

    /// Appends up to `limit` bytes to `buf`, blocking until that many have arrived or the
    /// stream ends; returns how many. Over plain TCP the bytes land in `buf`'s spare capacity
    /// without being zero-filled first.
    pub(crate) fn read_append(&mut self, buf: &mut Vec<u8>, limit: u64) -> io::Result<usize> {
        match self {
            ReadHalf::Plain(s) => (&**s).take(limit).read_to_end(buf),
            #[cfg(feature = "native-tls")]
            ReadHalf::Tls(t) => t.take(limit).read_to_end(buf),
        }
    }

    /// Blocks until there are bytes to read, or the stream has ended or failed, without taking
    /// any: the next read takes them, or reports the end or the failure. Waits no longer than
    /// the socket's read timeout: then the timeout's error.
    pub(crate) fn wait_readable(&self) -> io::Result<()> {
        #[cfg(feature = "native-tls")]
        if let ReadHalf::Tls(t) = self {
            if t.has_buffered() {
                return Ok(());
            }
        }
        self.tcp().peek(&mut [0u8; 1]).map(drop)
    }

    /// Lets the buffers of an idle connection go; they come back with the next read.
    pub(crate) fn release_buffers(&mut self) {
        match self {
            ReadHalf::Plain(_) => {}
            #[cfg(feature = "native-tls")]
            ReadHalf::Tls(t) => t.release_buffers(),
        }
    }

    /// The TCP socket underneath, for timeouts.
    pub(crate) fn tcp(&self) -> &TcpStream {
        match self {
            ReadHalf::Plain(s) => s,
            #[cfg(feature = "native-tls")]
            ReadHalf::Tls(t) => t.tcp(),
        }
    }
}

impl WriteHalf {
    /// Writes all of `bytes`, in order, as one contiguous piece of the stream.
    pub(crate) fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            WriteHalf::Plain(s) => (&**s).write_all(bytes),
            #[cfg(feature = "native-tls")]
            WriteHalf::Tls(t) => t.write_all(bytes),
        }
    }

    /// Ends the write direction: a TLS close_notify where there is TLS, then TCP FIN.
    pub(crate) fn shutdown_write(&mut self) {
        match self {
            WriteHalf::Plain(s) => {
                let _ = s.shutdown(Shutdown::Write);
            }
            #[cfg(feature = "native-tls")]
            WriteHalf::Tls(t) => t.shutdown_write(),
        }
    }
}
