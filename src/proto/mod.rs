//! The protocol core: everything RFC 6455 rules, as pure functions and state machines over
//! bytes. Sans-I/O: nothing in this folder opens a socket, starts a thread, reads a clock or
//! sends on a channel (a CI step checks it); the I/O edge ([`crate::connection`]) calls it.
//!
//! In scope, one file each, with the RFC's words beside the code that enforces them:
//! - [`url`]: the URL and port rules of the browser's constructor (WHATWG WebSockets);
//! - [`token`]: HTTP tokens (subprotocols, header names) and safe header values (RFC 7230);
//! - [`handshake`]: the opening handshake's request and the checks of the response (§4.1);
//! - [`http`]: what RFC 6455 leaves to HTTP in that response: its headers kept, and the body
//!   of a refusal delimited (RFC 9112);
//! - [`frame`]: the frame header codec and masking (§5.2, §5.3);
//! - [`encoder`]: a message into masked, fragmented frames in a caller's buffer (§5.4);
//! - [`decoder`]: bytes into messages and control frames, with the size limits (§5.4–§5.7);
//! - [`utf8`]: the incremental, fail-fast UTF-8 validator (§8.1);
//! - [`close`]: close codes and bodies, and the closing handshake's state (§5.5.1, §7);
//! - [`deflate`]: permessage-deflate (RFC 7692): the offer, the answer's checks, and the
//!   inflater and deflater of message payloads;
//! - [`proxy`]: proxy URLs, the proxy environment variables and `NO_PROXY`, and the HTTP
//!   CONNECT and SOCKS5 exchanges that open a tunnel to the server (RFC 9110, RFC 1928/1929).
//!
//! Out of scope, and where it lives instead: DNS, TCP and TLS ([`crate::transport`] and
//! [`crate::connection::open`]); the tunnel's reads and writes and reading the environment
//! ([`crate::connection::proxy`]); when to read and write, and timeouts ([`crate::connection`]);
//! handing events to the application ([`crate::delivery`]); random masking keys and handshake
//! nonces are drawn by the callers' side (a key is an argument here), except the handshake key,
//! which [`handshake::request`] draws itself.

pub(crate) mod close;
pub(crate) mod decoder;
pub(crate) mod deflate;
pub(crate) mod encoder;
pub(crate) mod frame;
pub(crate) mod handshake;
pub(crate) mod http;
pub(crate) mod proxy;
#[cfg(test)]
pub(crate) mod testing;
pub(crate) mod token;
pub(crate) mod url;
pub(crate) mod utf8;
