//! The TCP socket as other threads see it: registered once connected, so that `close()`, the
//! close timeout and a failed write can shut it down and wake a reader blocked on it.

use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};
use crate::sync::lock;

/// The socket, once there is one.
#[derive(Debug, Default)]
struct Slot {
    tcp: Option<Arc<TcpStream>>,
    /// `close()` was called while connecting: the connection must fail.
    aborted: bool,
    /// The reader thread has finished with the socket.
    finished: bool,
}

/// One connection's socket, shared.
#[derive(Debug, Default)]
pub(crate) struct Socket {
    slot: Mutex<Slot>,
    /// The close timeout passed before the server's close frame came.
    timed_out: AtomicBool,
    /// A send timed out, which failed the connection.
    send_timed_out: AtomicBool,
}

impl Socket {
    /// Registers the connected socket; fails if `close()` aborted the connection meanwhile.
    pub(crate) fn register(&self, tcp: &Arc<TcpStream>) -> Result<()> {
        let mut s = lock(&self.slot);
        if s.aborted {
            return Err(Error::Aborted);
        }
        s.tcp = Some(tcp.clone());
        Ok(())
    }

    /// Whether `close()` aborted the connection while it was connecting.
    pub(crate) fn is_aborted(&self) -> bool {
        lock(&self.slot).aborted
    }

    /// Fails a connection that is still connecting: marks it aborted and shuts down the socket
    /// if there is one already.
    pub(crate) fn abort(&self) {
        let mut s = lock(&self.slot);
        s.aborted = true;
        shut(&s);
    }

    /// Shuts the socket down in both directions, waking a reader blocked on it.
    pub(crate) fn shutdown(&self) {
        shut(&lock(&self.slot));
    }

    /// The close timeout passed: unless the reader has finished, note it and shut the socket.
    pub(crate) fn time_out(&self) {
        let s = lock(&self.slot);
        if !s.finished {
            self.timed_out.store(true, Ordering::Release);
            shut(&s);
        }
    }

    /// A send made no progress within the send timeout: note it and shut the socket, which
    /// fails the connection.
    pub(crate) fn send_timed_out(&self) {
        self.send_timed_out.store(true, Ordering::Release);
        self.shutdown();
    }

    /// Whether a send timed out and failed the connection.
    pub(crate) fn is_send_timed_out(&self) -> bool {
        self.send_timed_out.load(Ordering::Acquire)
    }

    /// Whether the close timeout passed.
    pub(crate) fn is_timed_out(&self) -> bool {
        self.timed_out.load(Ordering::Acquire)
    }

    /// The reader thread is done: the socket is released and deadlines become no-ops.
    pub(crate) fn finish(&self) {
        let mut s = lock(&self.slot);
        s.finished = true;
        s.tcp = None;
    }
}

/// Shuts down the slot's socket, if any. The one place wsync shuts a socket in both directions.
fn shut(s: &Slot) {
    if let Some(tcp) = &s.tcp {
        let _ = tcp.shutdown(Shutdown::Both);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::net::TcpListener;

    fn pair() -> (Arc<TcpStream>, TcpStream) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let c = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        (Arc::new(c), l.accept().unwrap().0)
    }

    /// Whether `ours` was shut down: reading from it ends at once.
    fn is_shut(ours: &TcpStream) -> bool {
        ours.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        matches!((&*ours).read(&mut [0u8; 1]), Ok(0))
    }

    #[test]
    fn an_aborted_connection_refuses_its_socket() {
        let s = Socket::default();
        s.abort();
        assert!(s.is_aborted());
        let (tcp, _peer) = pair();
        assert!(matches!(s.register(&tcp), Err(Error::Aborted)));
    }

    #[test]
    fn abort_after_registering_shuts_the_socket() {
        let s = Socket::default();
        let (tcp, _peer) = pair();
        s.register(&tcp).unwrap();
        s.abort();
        assert!(is_shut(&tcp));
    }

    #[test]
    fn the_timeout_shuts_the_socket_unless_finished() {
        let s = Socket::default();
        let (tcp, _peer) = pair();
        s.register(&tcp).unwrap();
        s.time_out();
        assert!(s.is_timed_out());
        assert!(is_shut(&tcp));

        let done = Socket::default();
        let (tcp, _peer) = pair();
        done.register(&tcp).unwrap();
        done.finish();
        done.time_out();
        assert!(!done.is_timed_out(), "a finished reader has no deadline");
    }
}
