//! Waiting and locking, shared by the I/O edge: the poison-ignoring lock and the bounded
//! back-off poll of the rare paths ([`wait`]), the short polls before a sleep ([`spin`]) and
//! the process-wide deadline thread ([`timer`]).

pub(crate) mod prim;
pub(crate) mod spin;
pub(crate) mod timer;
pub(crate) mod wait;

pub(crate) use wait::{lock, poll_until};
