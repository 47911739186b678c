//! One connection's I/O edge: the threads that read and write its socket, and the state they
//! share with the handle.
//!
//! - [`open`]: DNS, TCP, TLS and the opening handshake's I/O, on the opener thread;
//! - [`proxy`]: choosing the proxy (the builder's or the environment's) when the socket is
//!   built, and the tunnel through it, on the opener thread before TLS;
//! - [`reader`]: the opener thread, which runs [`open`], and then the reader thread, the only
//!   ones that read the socket and emit events, and
//!   [`keepalive`], whose pings it times with its read timeout;
//! - [`send`]: `send`, `send_batch` and `close`, on the callers' threads;
//! - [`writer`] and [`writer_lock`]: whole frames onto the socket, one thread at a time, and
//!   pongs that never make the reader wait;
//! - [`shared`] ([`Connection`]), with [`state`], [`socket`], [`progress`], [`pings`]: what
//!   those threads share (ready state and buffered
//!   amount, the socket for shutting down, how far the application has come).
//!
//! The rules these follow are the protocol core's ([`crate::proto`]); this module adds the
//! sockets, threads and clocks.

use std::sync::Arc;

use crossbeam_channel::Receiver;

use crate::config::Config;
use crate::delivery::batch::Batch;
use crate::delivery::pool::Pool;
use crate::error::Result;

pub(crate) mod keepalive;
pub(crate) mod open;
pub(crate) mod pings;
pub(crate) mod progress;
pub(crate) mod proxy;
pub(crate) mod reader;
pub(crate) mod send;
pub(crate) mod shared;
pub(crate) mod socket;
pub(crate) mod state;
pub(crate) mod writer;
pub(crate) mod writer_lock;

use pings::Pings;
use progress::Progress;
pub(crate) use shared::Connection;
use socket::Socket;
use state::State;
use writer::Writer;
use writer_lock::WriterLock;

/// A started connection, for the handle: the shared state, the channel its events arrive on,
/// and the pool its emptied batches go back to.
pub(crate) struct Started {
    pub(crate) connection: Arc<Connection>,
    pub(crate) events: Receiver<Batch>,
    pub(crate) pool: Arc<Pool>,
}

/// Validates the target, chooses the proxy, and hands the connection to a new reader thread.
pub(crate) fn start(url: &str, config: Config) -> Result<Started> {
    let target = crate::proto::url::parse(url, config.allow_blocked_ports)?;
    let proxy = proxy::choose(&target, &config)?;
    let tls = open::tls_for(&target, &config)?;
    let (tx, rx) = crossbeam_channel::bounded(config.event_queue_capacity);
    let pool = Arc::new(Pool::new(config.event_queue_bytes));
    let state = State::new(target.url.to_string());
    let writer = Writer::counting(state.buffered().clone());
    let connection = Arc::new(Connection {
        state,
        socket: Socket::default(),
        progress: Progress::default(),
        writer: Arc::new(WriterLock::new(writer)),
        close_timeout: config.close_timeout,
        fragment_size: config.fragment_size,
        send_timeout: config.send_timeout.is_some(),
        pings: config.pong_events.then(Pings::default),
        #[cfg(test)]
        read_buffers: Default::default(),
        #[cfg(test)]
        threads: Default::default(),
    });
    let setup = open::Setup {
        target,
        proxy,
        config,
        tls,
        pool: pool.clone(),
    };
    reader::spawn(connection.clone(), setup, tx)?;
    Ok(Started {
        connection,
        events: rx,
        pool,
    })
}
