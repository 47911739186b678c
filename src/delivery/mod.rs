//! Delivery to the application: how events cross from the reader thread to the threads that
//! receive them.
//!
//! - [`outbox`]: the reader's end, gathering one read's events into a [`Batch`](batch::Batch)
//!   and handing it over, with backpressure;
//! - [`batch`]: the events of one read, payloads back to back in one buffer;
//! - [`pool`]: emptied batches on their way back to the reader, and their memory released when
//!   the connection falls idle;
//! - [`read_ahead`]: the budget of bytes the reader may read ahead of the application.

pub(crate) mod batch;
pub(crate) mod outbox;
pub(crate) mod pool;
pub(crate) mod read_ahead;
