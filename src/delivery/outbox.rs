//! The reader thread's end of the event channel: events gathered into batches, one hand-off
//! per read, with backpressure when the application falls behind.

use std::sync::Arc;
use std::time::Instant;

use crossbeam_channel::{Sender, TrySendError};

use crate::delivery::batch::Batch;
use crate::delivery::pool::Pool;
use crate::error::Error;
use crate::event::{CloseEvent, Event};
use crate::sync::spin;

/// The most events in one batch, so that the application can start on a long run of small
/// messages while the reader still decodes.
const MAX_BATCH: usize = 256;

/// The reader thread's end of the event channel: the sending end, dropped right after the
/// `Close` event; the batch being gathered; and how many events were sent. What goes through the channel is the events decoded
/// from one read, in order: one hand-off per read instead of one per message keeps the cost of
/// the thread hop off small messages.
pub(crate) struct Outbox {
    tx: Option<Sender<Batch>>,
    /// How long to poll for room in a full queue before sleeping.
    spin: spin::Budget,
    batch: Batch,
    /// Events sent so far.
    pub(crate) sent: u64,
    /// Where batches come from.
    pub(crate) pool: Arc<Pool>,
}

impl Outbox {
    /// An outbox sending on `tx`, taking its batches from `pool`.
    pub(crate) fn new(tx: Sender<Batch>, pool: Arc<Pool>) -> Outbox {
        Outbox {
            tx: Some(tx),
            spin: spin::Budget::default(),
            batch: Batch::default(),
            sent: 0,
            pool,
        }
    }

    /// The last `len` bytes of the sink: what a read just appended.
    pub(crate) fn sink_tail(&mut self, from: usize) -> &[u8] {
        &self.batch.sink()[from..]
    }

    /// Adds an event that is not a message to the batch.
    pub(crate) fn push(&mut self, event: Event) {
        if self.tx.is_some() {
            self.sent += 1;
            self.batch.push_event(event);
            self.flush_if_full();
        }
    }

    /// Adds the message whose payload is the last `len` bytes of the sink to the batch.
    pub(crate) fn push_message(&mut self, text: bool, len: usize) {
        if self.tx.is_some() {
            self.sent += 1;
            self.batch.push_message(text, len);
            self.flush_if_full();
        }
    }

    /// A full batch is sent at once; a message has just ended, so none is being assembled.
    fn flush_if_full(&mut self) {
        if self.batch.slot_count() >= MAX_BATCH {
            self.flush(0);
        }
    }

    /// The buffer that message payloads are decoded into, taken from the pool when the reader
    /// holds none.
    pub(crate) fn sink(&mut self) -> &mut Vec<u8> {
        if self.batch.slot_count() == 0 && self.batch.capacity() == 0 {
            self.batch = self.pool.take();
        }
        self.batch.sink()
    }

    /// Drops the last `len` bytes of the sink: a message that is not reported.
    pub(crate) fn discard(&mut self, len: usize) {
        let sink = self.batch.sink();
        sink.truncate(sink.len() - len);
    }

    /// Sends the batch; blocks while the queue is full (backpressure). The last `partial` bytes
    /// of the sink, a message still being assembled, move on to the next batch. If the handle and
    /// every receiver are gone, the events are dropped.
    pub(crate) fn flush(&mut self, partial: usize) {
        if self.batch.slot_count() == 0 {
            return;
        }
        // Between messages the reader holds no buffer until the next read brings data, so an
        // idle connection's spare memory is all in the pool, where it can shrink.
        let mut next = match partial {
            0 => Batch::default(),
            _ => self.pool.take(),
        };
        self.batch.move_tail(partial, &mut next);
        let mut batch = std::mem::replace(&mut self.batch, next);
        let Some(tx) = &self.tx else {
            return;
        };
        self.pool.charge(&mut batch);
        let batch = match tx.try_send(batch) {
            Err(TrySendError::Full(batch)) => batch,
            // Sent at once, or no one is listening any more.
            _ => return,
        };
        // A full queue usually has room again within microseconds: poll before sleeping, which
        // spares the application a wake-up call for each batch it takes.
        let started = Instant::now();
        let mut batch = Some(batch);
        spin::poll_for(self.spin.get(), || match tx.try_send(batch.take()?) {
            Err(TrySendError::Full(back)) => {
                batch = Some(back);
                None
            }
            _ => Some(()),
        });
        if let Some(batch) = batch {
            let _ = tx.send(batch);
        }
        self.spin.record(started.elapsed());
    }

    /// Waits while the application has the read-ahead limit's worth of bytes still to take.
    pub(crate) fn wait_for_room(&self) {
        if self.tx.is_some() {
            self.pool.wait_for_room(&self.spin);
        }
    }

    /// Whether every event sent has been taken from the queue.
    pub(crate) fn is_drained(&self) -> bool {
        self.batch.slot_count() == 0 && self.tx.as_ref().is_none_or(Sender::is_empty)
    }

    /// Sends the error, if any, then the close event, and disconnects the channel.
    pub(crate) fn end(&mut self, error: Option<Error>, close: CloseEvent) {
        if let Some(e) = error {
            self.push(Event::Error(e));
        }
        self.push(Event::Close(close));
        self.flush(0);
        self.tx = None;
    }
}
