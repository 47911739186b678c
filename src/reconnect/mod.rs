//! An opt-in client that reconnects: for the connections that run for days (market feeds,
//! chat, telemetry) and the loop every one of them would otherwise write.
//!
//! A [`ReconnectingWebSocket`] opens one [`WebSocket`](crate::WebSocket) after another to the
//! same URL, each built by the same [`Builder`](crate::Builder), and reports the events of them
//! all, in order, through one channel that survives the reconnects:
//!
//! - each connection's events exactly as a plain socket reports them, in
//!   [`ReconnectEvent::Socket`]: its `Open`, its messages, an `Error` if it failed, and always
//!   its `Close`;
//! - after a `Close` the application did not ask for, [`ReconnectEvent::Scheduled`] with the
//!   attempt's number and the delay before it, drawn from a [`Backoff`]: exponential, capped,
//!   with jitter;
//! - when the client stops of its own accord, [`ReconnectEvent::GaveUp`] and the reason: a
//!   handshake refused with a 4xx status, a close code the application listed, or the cap on
//!   attempts or time ([`ReconnectBuilder`] has the rules and the defaults).
//!
//! After the application's own [`close`](ReconnectingWebSocket::close) the client never
//! reconnects: the current connection's events end with its `Close`, then the channel
//! disconnects, as it does after `GaveUp`.
//!
//! Nothing is lost in secret: [`send`](ReconnectingWebSocket::send) goes to the current
//! connection once the application has taken its `Open`, and fails with
//! [`Error::InvalidState`](crate::Error::InvalidState) when there is none; nothing is queued
//! for the next connection. A server usually forgets a client's subscriptions with its
//! connection, so subscribe again on each `Open`.
//!
//! A supervisor thread per client moves the events from each connection's channel into the
//! client's, bounded (a slow application holds back the socket, as with a plain one), and waits
//! out the backoff on a channel that [`close`](ReconnectingWebSocket::close) and the handle's
//! drop interrupt at once. The client composes with `select!` through
//! [`events`](ReconnectingWebSocket::events), like a plain socket.
//!
//! A feed consumer, complete:
//!
//! ```no_run
//! use std::time::Duration;
//!
//! use wsync::reconnect::{Backoff, ReconnectEvent, ReconnectingWebSocket};
//! use wsync::{Event, WebSocket};
//!
//! fn main() -> wsync::Result<()> {
//!     // What each connection looks like: URL, headers, timeouts, limits.
//!     let socket = WebSocket::builder("wss://feed.example.com/v1")
//!         .header("Authorization", "Bearer 8f14e45f")
//!         .connect_timeout(Duration::from_secs(10));
//!     // When to come back: from 0.5 s up to 1 min apart; never after the server said 4001
//!     // ("subscription revoked") or 1008 (policy violation), nor after a 401.
//!     let feed = ReconnectingWebSocket::builder(socket)
//!         .backoff(
//!             Backoff::new()
//!                 .initial(Duration::from_millis(500))
//!                 .max(Duration::from_secs(60)),
//!         )
//!         .stop_on_close_codes([1008, 4001])
//!         .build()?;
//!
//!     for event in &feed {
//!         match event {
//!             ReconnectEvent::Socket(Event::Open) => {
//!                 // A new connection knows nothing of the last one's subscriptions.
//!                 if let Err(e) = feed.send(r#"{"op":"subscribe","channel":"trades"}"#) {
//!                     // It is gone already; its Close is next, and the next Open retries.
//!                     eprintln!("subscribe failed: {e}");
//!                 }
//!             }
//!             ReconnectEvent::Socket(Event::Message(m)) => {
//!                 if let Some(text) = m.as_text() {
//!                     println!("{text}");
//!                 }
//!             }
//!             ReconnectEvent::Socket(Event::Error(e)) => eprintln!("connection failed: {e}"),
//!             ReconnectEvent::Socket(Event::Close(c)) => {
//!                 eprintln!("connection closed: {} {:?}", c.code, c.reason)
//!             }
//!             ReconnectEvent::Scheduled { attempt, delay } => {
//!                 eprintln!("reconnect attempt {attempt} in {delay:?}")
//!             }
//!             ReconnectEvent::GaveUp { attempts, reason } => {
//!                 eprintln!("gave up after {attempts} attempts: {reason}")
//!             }
//!             _ => {}
//!         }
//!     }
//!     // The channel disconnected: the client gave up (or another thread closed it).
//!     Ok(())
//! }
//! ```

mod backoff;
mod builder;
mod client;
mod event;
mod policy;
mod shared;
mod supervisor;

pub use backoff::{
    Backoff, Delays, DEFAULT_INITIAL_DELAY, DEFAULT_JITTER, DEFAULT_MAX_DELAY, DEFAULT_MULTIPLIER,
};
pub use builder::ReconnectBuilder;
pub use client::{Iter, ReconnectingWebSocket};
pub use event::{GiveUp, ReconnectBatch, ReconnectEvent};
pub use policy::DEFAULT_QUEUE_CAPACITY;
