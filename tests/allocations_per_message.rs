//! Receiving costs no allocation per message beyond the message itself: the reader thread
//! decodes into reused batch buffers, and only the message handed to the application is new.
//!
//! Counted with a global allocator that counts every allocation in this test process, over
//! ws:// only: over wss:// the TLS library's own allocations per record are not wsync's.
//!
//! A test program of its own, not a module of `tests/it/`: the count is of the whole process,
//! and must be. The messages are allocated on the test's thread, but the batches on wsync's
//! reader thread, which the test cannot mark as its own (every connection's reader looks alike),
//! so a per-thread count would miss the reader and pass even if it allocated per message. In the
//! shared program the other tests, running in parallel, would allocate inside the window.

// The helpers of `tests/it/`, of which this program uses only a few.
#[path = "it/common/mod.rs"]
#[allow(dead_code, unused_imports)]
mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use common::{binary, connect, drain_to_close, expect_message, text, RawPeer, Transport};
use wsync::Message;

/// The system allocator, counting allocations.
struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

/// The counter is process-wide: tests that count run one at a time.
static COUNTING: Mutex<()> = Mutex::new(());

// SAFETY: every call is forwarded unchanged to the system allocator, which upholds the
// `GlobalAlloc` contract; the counter has no effect on the memory handed out.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's guarantees for `layout` are passed on as they are.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this `layout`, as the caller guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: as for `alloc` and `dealloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Receives `warm_up` messages, then counts the allocations while `counted` more are received.
fn allocations_while_receiving(
    payload: &[u8],
    is_text: bool,
    warm_up: usize,
    counted: usize,
) -> u64 {
    let _alone = COUNTING.lock().unwrap_or_else(|e| e.into_inner());
    let frame = match is_text {
        true => text(std::str::from_utf8(payload).unwrap()),
        false => binary(payload),
    };
    let all: Vec<u8> = frame.repeat(warm_up + counted);
    let (url, peer) = RawPeer::spawn_on(Transport::Plain, move |mut conn| {
        conn.handshake();
        // One write of every frame: the peer allocates nothing while the client receives.
        conn.write(&all);
        conn.write(&common::close_frame(1000, ""));
        assert_eq!(conn.expect_close(), Some((1000, String::new())));
    });
    let ws = connect(&url);
    let want = match is_text {
        true => Message::Text(String::from_utf8(payload.to_vec()).unwrap()),
        false => Message::Binary(payload.to_vec()),
    };
    for _ in 0..warm_up {
        assert_eq!(expect_message(&ws), want);
    }
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    for _ in 0..counted {
        // Compared by reference: the expected message is not cloned inside the window.
        let got = expect_message(&ws);
        assert!(got == want, "message differs");
    }
    let used = ALLOCATIONS.load(Ordering::Relaxed) - before;
    let (_, close) = drain_to_close(&ws);
    assert!(close.was_clean, "{close:?}");
    peer.join();
    used
}

#[test]
fn small_messages_cost_one_allocation_each() {
    let counted = 20_000;
    for (payload, is_text) in [
        (&b"0123456789abcdef"[..], false),
        (&b"sixteen bytes..."[..], true),
    ] {
        let used = allocations_while_receiving(payload, is_text, 2_000, counted);
        // One allocation per message (the message), plus the batches the reader allocates when
        // the application falls behind and none is free: a new batch grows its two vectors in
        // about 20 steps, for up to 256 messages, so at most a tenth more.
        let limit = counted as u64 + counted as u64 / 10;
        assert!(
            used >= counted as u64 && used <= limit,
            "{used} allocations for {counted} messages (text: {is_text}), limit {limit}"
        );
    }
}

#[test]
fn empty_messages_cost_nothing_beyond_their_event() {
    // An empty Vec or String does not allocate, so the batches are all that could (see above).
    let counted = 20_000;
    let used = allocations_while_receiving(b"", false, 2_000, counted);
    assert!(
        used <= counted as u64 / 10,
        "{used} allocations for {counted} empty messages"
    );
}
