//! The events of one read, as they cross from the reader thread to the application.
//!
//! A batch carries its messages' payloads back to back in one buffer, not one allocation per
//! message. The application's thread copies each small message out as it takes it, so every
//! message is allocated and freed by the same thread (with glibc, from that thread's own cache
//! and arena, with no lock taken and no memory handed back and forth between threads), and the
//! buffer goes back to the reader to be filled again. Small messages cost the reader a copy into
//! the buffer.
//!
//! A large message is read from the socket straight into a buffer of its own, and that buffer
//! becomes the message, with no copy. The application's thread then allocates the replacement
//! that goes back to the reader, so large buffers, too, are allocated and freed by one thread:
//! the memory a dropped message gives back can be reused for the next one while it is still
//! mapped, rather than returned to the system and faulted in again, page by page.

use crate::delivery::read_ahead::Charge;
use crate::event::{Event, Message};

/// Buffers with more room than this are not kept for reuse, nor replaced: a connection that
/// received a burst of huge messages does not hold on to the memory.
pub(crate) const MAX_RETAINED: usize = 2 << 20;
const _: () = assert!(MAX_RETAINED <= u32::MAX as usize, "a refill is 32 bits");

/// A message at least this long that has the buffer to itself becomes the message, with no copy.
pub(crate) const HANDOVER_MIN: usize = 64 * 1024;

/// One entry of a batch.
#[derive(Debug)]
enum Slot {
    /// A message whose payload is `bytes[start..end]`. Text is valid UTF-8.
    Message {
        text: bool,
        start: usize,
        end: usize,
    },
    /// Any other event.
    Event(Event),
}

/// The events decoded from one read of the socket, in order (a read with more than 256 events
/// is split across several batches); an iterator that yields them.
///
/// [`WebSocket::events`](crate::WebSocket::events) hands out the channel these batches travel
/// on, for `crossbeam_channel::select!`; [`WebSocket::recv`](crate::WebSocket::recv) and the
/// other receive methods take them apart for you. A batch is never empty when it is sent. Until
/// it is dropped, its messages count against the read-ahead limit,
/// [`Builder::event_queue_bytes`](crate::Builder::event_queue_bytes).
#[derive(Default)]
pub struct Batch {
    slots: Vec<Slot>,
    /// The payloads of the message slots, back to back; on the reader's side, followed by the
    /// part of a message still being assembled.
    bytes: Vec<u8>,
    /// The first slot not yet taken. (This and `refill` are 32 bits, as neither can be larger:
    /// a batch travels by value, and the event channel holds a slot for each batch it can hold,
    /// allocated with the connection.)
    next: u32,
    /// The capacity of a buffer that was handed over as a message, at most [`MAX_RETAINED`], to
    /// be allocated again for the reader by the thread that took the message; 0 if none.
    refill: u32,
    /// The batch's bytes, counted against the read-ahead limit from when the reader sends it
    /// until it is emptied or dropped.
    charge: Option<Charge>,
}

impl Batch {
    /// How many events are left.
    pub fn len(&self) -> usize {
        self.slots.len() - self.next as usize
    }

    /// Whether every event has been taken.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds an event that is not a message.
    pub(crate) fn push_event(&mut self, event: Event) {
        self.slots.push(Slot::Event(event));
    }

    /// Adds the message whose payload is the last `len` bytes of the buffer.
    pub(crate) fn push_message(&mut self, text: bool, len: usize) {
        let end = self.bytes.len();
        self.slots.push(Slot::Message {
            text,
            start: end - len,
            end,
        });
    }

    /// How many payload bytes the batch holds.
    pub(crate) fn byte_len(&self) -> usize {
        self.bytes.len()
    }

    /// Counts the batch against the read-ahead limit until it is emptied or dropped.
    pub(crate) fn set_charge(&mut self, charge: Charge) {
        self.charge = Some(charge);
    }

    /// The batch's charge, which releases its bytes when dropped.
    pub(crate) fn take_charge(&mut self) -> Option<Charge> {
        self.charge.take()
    }

    /// How many events the batch holds, taken or not.
    pub(crate) fn slot_count(&self) -> usize {
        self.slots.len()
    }

    /// The buffer that message payloads are decoded into.
    pub(crate) fn sink(&mut self) -> &mut Vec<u8> {
        &mut self.bytes
    }

    /// Moves the last `len` bytes of the buffer (a message still being assembled) to the end of
    /// `other`'s buffer.
    pub(crate) fn move_tail(&mut self, len: usize, other: &mut Batch) {
        let at = self.bytes.len() - len;
        other.bytes.extend_from_slice(&self.bytes[at..]);
        self.bytes.truncate(at);
    }

    /// Empties the batch for reuse, keeping its memory unless the buffer grew past
    /// [`MAX_RETAINED`].
    pub(crate) fn reset(&mut self) {
        self.slots.clear();
        self.next = 0;
        if self.refill > 0 {
            self.bytes = Vec::with_capacity(std::mem::take(&mut self.refill) as usize);
        } else if self.bytes.capacity() > MAX_RETAINED {
            self.bytes = Vec::new();
        } else {
            self.bytes.clear();
        }
    }

    /// The buffer's capacity.
    pub(crate) fn capacity(&self) -> usize {
        self.bytes.capacity()
    }

    /// Lets go of the buffer if it has room for more than `keep` bytes. Only for an empty batch.
    pub(crate) fn shrink(&mut self, keep: usize) {
        debug_assert!(self.bytes.is_empty());
        if self.bytes.capacity() > keep {
            self.bytes = Vec::new();
        }
    }

    /// The payload of the message in slot `i`: copied out, or, for a large message alone in
    /// the buffer, the buffer itself.
    fn payload(&mut self, i: usize, start: usize, end: usize) -> Vec<u8> {
        let alone = start == 0
            && end == self.bytes.len()
            && self.slots[i + 1..]
                .iter()
                .all(|s| matches!(s, Slot::Event(_)));
        if alone && end >= HANDOVER_MIN {
            let capacity = self.bytes.capacity();
            self.refill = match capacity <= MAX_RETAINED {
                true => capacity as u32,
                false => 0,
            };
            return std::mem::take(&mut self.bytes);
        }
        self.bytes[start..end].to_vec()
    }
}

/// Shows how many events are left, not the buffer, which may hold megabytes.
impl std::fmt::Debug for Batch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batch")
            .field("events_left", &self.len())
            .finish_non_exhaustive()
    }
}

impl Iterator for Batch {
    type Item = Event;

    /// Takes the next event; a message is copied out of the batch's buffer.
    // Inlined into the handle's receive (see `WebSocket::take`).
    #[inline(always)]
    fn next(&mut self) -> Option<Event> {
        let i = self.next as usize;
        let slot = self.slots.get_mut(i)?;
        self.next += 1;
        let (text, start, end) = match slot {
            // What is left behind is never looked at again.
            Slot::Event(event) => return Some(std::mem::replace(event, Event::Open)),
            Slot::Message { text, start, end } => (*text, *start, *end),
        };
        let payload = self.payload(i, start, end);
        let message = match text {
            // The reader checked the text; it cannot fail here, and a lossy copy is not a panic.
            true => Message::Text(
                String::from_utf8(payload)
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
            ),
            false => Message::Binary(payload),
        };
        Some(Event::Message(message))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.len(), Some(self.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::CloseEvent;

    fn message(batch: &mut Batch, text: bool, payload: &[u8]) {
        batch.sink().extend_from_slice(payload);
        batch.push_message(text, payload.len());
    }

    #[test]
    fn events_come_out_in_order_with_their_payloads() {
        let mut b = Batch::default();
        b.push_event(Event::Open);
        message(&mut b, true, "héllo".as_bytes());
        message(&mut b, false, &[0, 1, 2]);
        message(&mut b, false, b"");
        b.push_event(Event::Close(CloseEvent {
            code: 1000,
            reason: String::new(),
            was_clean: true,
        }));
        assert_eq!(b.len(), 5);
        assert!(matches!(b.next(), Some(Event::Open)));
        let rest: Vec<String> = b.by_ref().map(|e| format!("{e:?}")).collect();
        assert_eq!(
            rest,
            [
                r#"Message(Text("héllo"))"#,
                "Message(Binary([0, 1, 2]))",
                "Message(Binary([]))",
                r#"Close(CloseEvent { code: 1000, reason: "", was_clean: true })"#,
            ]
        );
        assert!(b.is_empty());
        assert!(b.next().is_none());
    }

    #[test]
    fn a_partial_message_moves_to_the_next_batch() {
        let mut a = Batch::default();
        message(&mut a, false, b"done");
        a.sink().extend_from_slice(b"part");
        let mut b = Batch::default();
        a.move_tail(4, &mut b);
        b.sink().extend_from_slice(b"ial");
        b.push_message(true, 7);
        assert!(matches!(a.next(), Some(Event::Message(Message::Binary(m))) if m == b"done"));
        assert!(a.next().is_none());
        assert!(matches!(b.next(), Some(Event::Message(Message::Text(t))) if t == "partial"));
    }

    #[test]
    fn debug_shows_the_count_not_the_bytes() {
        let mut b = Batch::default();
        message(&mut b, false, &[9; 1000]);
        b.push_event(Event::Open);
        assert_eq!(format!("{b:?}"), "Batch { events_left: 2, .. }");
    }

    #[test]
    fn reset_keeps_small_buffers_and_drops_huge_ones() {
        let mut b = Batch::default();
        message(&mut b, false, &[7; 1000]);
        b.reset();
        assert!(b.is_empty() && b.bytes.is_empty());
        assert!(b.bytes.capacity() >= 1000, "a small buffer is kept");
        message(&mut b, false, &vec![7; MAX_RETAINED + 1]);
        b.reset();
        assert_eq!(b.bytes.capacity(), 0, "a huge buffer is let go");
    }

    #[test]
    fn a_large_lone_message_takes_the_buffer_without_a_copy() {
        let mut b = Batch::default();
        message(&mut b, false, &vec![1; HANDOVER_MIN]);
        let (before, capacity) = (b.bytes.as_ptr(), b.bytes.capacity());
        match b.next() {
            Some(Event::Message(Message::Binary(m))) => {
                assert_eq!(m.len(), HANDOVER_MIN);
                assert_eq!(m.as_ptr(), before, "the buffer itself");
            }
            other => panic!("{other:?}"),
        }
        b.reset();
        assert_eq!(b.bytes.capacity(), capacity, "a replacement as large");
        // A huge one is handed over too, but not replaced.
        let mut b = Batch::default();
        message(&mut b, false, &vec![1; MAX_RETAINED + 1]);
        let before = b.bytes.as_ptr();
        assert!(matches!(b.next(), Some(Event::Message(m)) if m.as_bytes().as_ptr() == before));
        b.reset();
        assert_eq!(b.bytes.capacity(), 0);
        // A small one is copied, and the buffer stays for reuse.
        let mut b = Batch::default();
        message(&mut b, false, &[2; 10]);
        let before = b.bytes.as_ptr();
        match b.next() {
            Some(Event::Message(Message::Binary(m))) => assert_ne!(m.as_ptr(), before),
            other => panic!("{other:?}"),
        }
        assert_eq!(b.bytes.len(), 10);
        // Not when an empty message follows: its (empty) payload lies in the buffer too.
        let mut b = Batch::default();
        message(&mut b, false, &vec![1; HANDOVER_MIN]);
        message(&mut b, true, b"");
        let sizes: Vec<usize> = b
            .map(|e| match e {
                Event::Message(m) => m.len(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(sizes, [HANDOVER_MIN, 0]);
    }
}
