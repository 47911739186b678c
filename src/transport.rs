//! The byte stream under the protocol, split in a read half for the reader thread and a write
//! half for senders, over plain TCP or TLS.
//!
//! Over plain TCP both halves share the one socket (`&TcpStream` reads and writes), so a
//! connection costs a single file descriptor. Over TLS both halves
//! share one TLS session; see [`crate::tls`] for how a read never holds up a write.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::Arc;

/// The reader thread's half.
#[derive(Debug)]
pub(crate) enum ReadHalf {
    /// Plain TCP.
    Plain(Arc<TcpStream>),
    /// TLS.
    #[cfg(feature = "native-tls")]
    Tls(crate::tls::TlsReader),
}

/// The senders' half, used under the writer's lock.
#[derive(Debug)]
pub(crate) enum WriteHalf {
    /// Plain TCP.
    Plain(Arc<TcpStream>),
    /// TLS.
    #[cfg(feature = "native-tls")]
    Tls(crate::tls::TlsWriter),
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
