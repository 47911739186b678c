//! The real peer: tungstenite 0.30 in the server role, over plain TCP or TLS.
//!
//! It is independent of wsync's own code, so it serves as the oracle for well-behaved traffic.
//! Every server accepts exactly one connection on `127.0.0.1:0` and runs a handler on it in its
//! own thread; [`Server::join`] waits for that thread and re-raises its panic, so an assertion
//! that fails inside the peer fails the test.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::panic::resume_unwind;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;

use tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tungstenite::{Message, WebSocket};

use super::bounded::{spawn_bounded, BoundedThread};
use super::tls;
use super::WAIT;

/// How the peer carries the WebSocket: plain TCP (`ws://`) or TLS (`wss://`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// `ws://` over plain TCP.
    Plain,
    /// `wss://` over TLS, with the test certificate for `localhost` (see [`tls`]).
    Tls,
}

impl Transport {
    /// Both transports, for tests that run once per transport.
    #[cfg(feature = "native-tls")]
    pub const ALL: [Transport; 2] = [Transport::Plain, Transport::Tls];
    /// Without TLS support, only plain TCP.
    #[cfg(not(feature = "native-tls"))]
    pub const ALL: [Transport; 1] = [Transport::Plain];

    /// The URL scheme: `"ws"` or `"wss"`.
    pub fn scheme(&self) -> &'static str {
        match self {
            Transport::Plain => "ws",
            Transport::Tls => "wss",
        }
    }
}

/// The server side of one connection: a TCP stream, or a TLS session over one.
#[derive(Debug)]
pub enum ServerStream {
    /// Plain TCP.
    Plain(TcpStream),
    /// TLS over TCP.
    Tls(native_tls::TlsStream<TcpStream>),
}

impl ServerStream {
    /// The TCP stream underneath, e.g. to change its read timeout or shut it down.
    pub fn tcp(&self) -> &TcpStream {
        match self {
            ServerStream::Plain(s) => s,
            ServerStream::Tls(s) => s.get_ref(),
        }
    }
}

impl Read for ServerStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            ServerStream::Plain(s) => s.read(buf),
            ServerStream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for ServerStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            ServerStream::Plain(s) => s.write(buf),
            ServerStream::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            ServerStream::Plain(s) => s.flush(),
            ServerStream::Tls(s) => s.flush(),
        }
    }
}

/// A running peer: one listening port, one connection, one handler thread.
///
/// Call [`Server::join`] at the end of a test to surface a failed assertion inside the peer.
/// Dropping it without `join` waits at most [`WAIT`] for the thread (re-raising its panic
/// unless the test is already panicking) and never blocks forever: a peer still waiting for a
/// connection is woken up, and one stuck in its handler is detached.
#[derive(Debug)]
pub struct Server {
    /// Where to connect: `ws://127.0.0.1:{port}/` or `wss://localhost:{port}/`.
    pub url: String,
    /// The listening port.
    pub port: u16,
    /// The peer thread, until joined.
    handle: Option<BoundedThread<()>>,
    /// Set by the peer thread once it has accepted a connection.
    accepted: Arc<AtomicBool>,
    /// Set by `Drop` before it wakes a peer still waiting in `accept`.
    closing: Arc<AtomicBool>,
}

impl Server {
    /// Waits for the peer thread to finish and re-raises its panic, if any. Fails the test when
    /// the thread is still running after [`JOIN_WAIT`](super::JOIN_WAIT).
    #[track_caller]
    pub fn join(mut self) {
        let handle = self.handle.take().expect("peer thread already joined");
        handle.join();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let Some(handle) = self.handle.take() else {
            return;
        };
        if !self.accepted.load(Ordering::SeqCst) {
            // Nobody connected: wake the thread from `accept` so it can end.
            self.closing.store(true, Ordering::SeqCst);
            let _ = TcpStream::connect(("127.0.0.1", self.port));
        }
        if !handle.finished_within(WAIT) {
            eprintln!("peer thread on port {} still running; detached", self.port);
            return;
        }
        if let Err(payload) = handle.into_result() {
            if !thread::panicking() {
                resume_unwind(payload);
            }
        }
    }
}

/// Binds `127.0.0.1:0` and spawns the thread that accepts one connection, sets `TCP_NODELAY`
/// and a [`WAIT`] read timeout (a safety net against hangs), wraps it in TLS when asked, and
/// passes the stream to `run`.
fn spawn_peer<F>(transport: Transport, run: F) -> Server
where
    F: FnOnce(ServerStream) + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let port = listener.local_addr().expect("local_addr").port();
    let url = match transport {
        // The test certificate names `localhost`.
        Transport::Tls => format!("wss://localhost:{port}/"),
        Transport::Plain => format!("ws://127.0.0.1:{port}/"),
    };
    let accepted = Arc::new(AtomicBool::new(false));
    let closing = Arc::new(AtomicBool::new(false));
    let (thread_accepted, thread_closing) = (accepted.clone(), closing.clone());
    let handle = spawn_bounded(format!("peer-{port}"), move || {
        let (tcp, _) = listener.accept().expect("peer: accept");
        thread_accepted.store(true, Ordering::SeqCst);
        if thread_closing.load(Ordering::SeqCst) {
            return;
        }
        drop(listener);
        tcp.set_nodelay(true).expect("peer: TCP_NODELAY");
        tcp.set_read_timeout(Some(WAIT))
            .expect("peer: read timeout");
        let stream = match transport {
            Transport::Plain => ServerStream::Plain(tcp),
            Transport::Tls => match tls::accept(tcp, tls::Leaf::Good) {
                Ok(s) => ServerStream::Tls(s),
                Err(e) => {
                    eprintln!("peer: TLS handshake failed: {e}");
                    return;
                }
            },
        };
        run(stream);
    });
    Server {
        url,
        port,
        handle: Some(handle),
        accepted,
        closing,
    }
}

/// Serves one connection: completes the opening handshake with `tungstenite::accept` and
/// calls `handler` with the open socket. A failed handshake is logged and ends the peer quietly
/// (the client sees the failure).
pub fn serve<F>(transport: Transport, handler: F) -> Server
where
    F: FnOnce(WebSocket<ServerStream>) + Send + 'static,
{
    spawn_peer(transport, move |stream| match tungstenite::accept(stream) {
        Ok(ws) => handler(ws),
        Err(e) => eprintln!("peer: WebSocket handshake failed: {e}"),
    })
}

/// Like [`serve`], with `tungstenite::accept_hdr`: `callback` sees the request (path, headers)
/// and returns the response (adding e.g. `Sec-WebSocket-Protocol`) or an error response.
pub fn serve_with<F, C>(transport: Transport, callback: C, handler: F) -> Server
where
    F: FnOnce(WebSocket<ServerStream>) + Send + 'static,
    C: FnOnce(&Request, Response) -> Result<Response, ErrorResponse> + Send + 'static,
{
    spawn_peer(transport, move |stream| {
        match tungstenite::accept_hdr(stream, callback) {
            Ok(ws) => handler(ws),
            Err(e) => eprintln!("peer: WebSocket handshake failed: {e}"),
        }
    })
}

/// Whether a tungstenite error only means the client went away (quiet end for the peer).
pub fn is_disconnect(e: &tungstenite::Error) -> bool {
    matches!(
        e,
        tungstenite::Error::ConnectionClosed
            | tungstenite::Error::AlreadyClosed
            | tungstenite::Error::Io(_)
            | tungstenite::Error::Protocol(
                tungstenite::error::ProtocolError::ResetWithoutClosingHandshake
            )
    )
}

/// An echo server: sends back every text and binary message as it came. Pings are answered
/// (tungstenite queues the pong when it reads the ping and flushes it on the next read); a close
/// frame is answered, then the peer returns and closes TCP. A client that disconnects ends the
/// peer quietly; any other error (the client broke RFC 6455) panics, failing [`Server::join`].
pub fn echo(transport: Transport) -> Server {
    serve(transport, echo_stream)
}

/// A TLS peer presenting `leaf` (where [`Transport::Tls`] always presents [`tls::Leaf::Good`]):
/// accepts one connection like the other peers and passes `run` the outcome of the server side
/// of the TLS handshake, an error when the client refused the certificate. The URL is
/// `wss://localhost:{port}/`.
// Used only by the `tls_*` modules, which need the `native-tls` feature.
#[cfg_attr(not(feature = "native-tls"), allow(dead_code))]
pub fn tls_peer<F>(leaf: tls::Leaf, run: F) -> Server
where
    F: FnOnce(io::Result<ServerStream>) + Send + 'static,
{
    let mut server = spawn_peer(Transport::Plain, move |stream| match stream {
        ServerStream::Plain(tcp) => run(tls::accept(tcp, leaf).map(ServerStream::Tls)),
        ServerStream::Tls(_) => unreachable!("the peer was spawned over plain TCP"),
    });
    server.url = format!("wss://localhost:{}/", server.port);
    server
}

/// The body of [`echo`] for a peer on any stream (e.g. the `SslStream` of
/// [`tls::accept_requiring_client_cert`]): sends back every text and binary message until the
/// client closes or goes away.
pub fn echo_stream<S: Read + Write>(mut ws: WebSocket<S>) {
    loop {
        match ws.read() {
            Ok(m @ (Message::Text(_) | Message::Binary(_))) => match ws.send(m) {
                Ok(()) => {}
                Err(e) if is_disconnect(&e) => return,
                Err(e) => panic!("echo peer: send failed: {e}"),
            },
            Ok(_) => {}
            Err(e) if is_disconnect(&e) => return,
            Err(e) => panic!("echo peer: read failed: {e}"),
        }
    }
}
