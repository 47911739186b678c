//! permessage-deflate (RFC 7692): the negotiation of its parameters in the opening handshake,
//! and the compression and decompression of message payloads.
//!
//! In scope, as pure code with no I/O: [`negotiation`] builds the client's offer and checks
//! the server's answer; [`Inflater`] inflates received payloads within a size limit;
//! [`Deflater`] compresses outgoing ones.
//!
//! Out of scope: framing (the frame decoder routes on RSV1, which marks the first frame of a
//! compressed message, and fails the connection on RSV1 where RFC 7692 §6 forbids it:
//! control frames and continuation frames; the encoder sets it), choosing which messages to
//! compress (the writer), the socket, and threads. Each connection owns one [`Inflater`] on
//! its reading side and one [`Deflater`] on its writing side.
//!
//! Without the `deflate` feature nothing is offered, so nothing is ever negotiated: the two
//! codecs are then types with no values ([`disabled`]), and the code that holds an
//! `Option` of them compiles unchanged.

#[cfg(feature = "deflate")]
pub(crate) mod deflater;
#[cfg(not(feature = "deflate"))]
pub(crate) mod disabled;
#[cfg(feature = "deflate")]
pub(crate) mod inflater;
pub(crate) mod negotiation;

#[cfg(feature = "deflate")]
pub(crate) use deflater::Deflater;
#[cfg(not(feature = "deflate"))]
pub(crate) use disabled::{Deflater, Inflater};
#[cfg(feature = "deflate")]
pub(crate) use inflater::Inflater;

use negotiation::Params;

/// Whether this build can compress: the `deflate` feature. Without it nothing is offered.
pub(crate) const AVAILABLE: bool = cfg!(feature = "deflate");

/// The codecs for what was agreed: the inflater of the server's messages, and the deflater of
/// ours at zlib `level`. None in a build without the `deflate` feature, which never offers
/// (and so never agrees to) compression.
pub(crate) fn codecs(params: &Params, level: u32) -> Option<(Inflater, Deflater)> {
    #[cfg(feature = "deflate")]
    return Some((
        Inflater::new(
            params.server_max_window_bits,
            params.server_no_context_takeover,
        ),
        Deflater::new(
            params.client_max_window_bits,
            params.client_no_context_takeover,
            level,
        ),
    ));
    #[cfg(not(feature = "deflate"))]
    {
        let _ = (params, level);
        None
    }
}
