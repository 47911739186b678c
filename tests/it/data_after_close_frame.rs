//! Whatever the server sends after its close frame (messages, pings, garbage, a second close
//! frame) is ignored: the close is reported cleanly with the first close frame's code and reason.

use std::io::ErrorKind;
use std::net::Shutdown;

use crate::common::{
    close_frame, connect, drain_to_close, frame_raw, ping, text, RawPeer, Transport, OP_CLOSE,
};
use wsync::ReadyState;

#[test]
fn data_after_the_close_frame_is_ignored() {
    for t in Transport::ALL {
        for split in [false, true] {
            let (url, peer) = RawPeer::spawn_on(t, move |mut conn| {
                conn.handshake();
                let mut after = text("late message");
                after.extend(ping(b"late ping"));
                after.extend(close_frame(4000, "second close"));
                after.extend(frame_raw(0xF3, b"garbage: RSV bits and a reserved opcode"));
                after.extend([0xFF; 64]);
                if split {
                    // The close frame alone, then the rest once the client answered it.
                    conn.write(&close_frame(4321, "first"));
                    let f = conn.read_frame();
                    assert_eq!(f.opcode, OP_CLOSE, "{f:?}");
                    assert_eq!(f.payload[..2], 4321u16.to_be_bytes(), "echoed code");
                    let _ = conn.try_write(&after);
                } else {
                    // Everything in one write.
                    let mut bytes = close_frame(4321, "first");
                    bytes.extend(after);
                    conn.write(&bytes);
                    // Exactly one close frame, echoing the first code; no pong, nothing else.
                    let f = conn.read_frame();
                    assert_eq!(f.opcode, OP_CLOSE, "{f:?}");
                    assert_eq!(f.payload[..2], 4321u16.to_be_bytes(), "echoed code");
                    // Our side of TCP ends; the client then closes its own (after its close
                    // frame, nothing else: no pong for the late ping).
                    conn.stream().shutdown(Shutdown::Write).unwrap();
                    match conn.try_read_frame() {
                        Err(e) => assert_eq!(e.kind(), ErrorKind::UnexpectedEof, "{e}"),
                        Ok(f) => panic!("the client sent a frame after its close frame: {f:?}"),
                    }
                }
            });
            let ws = connect(&url);
            let (events, close) = drain_to_close(&ws);
            assert!(
                events.is_empty(),
                "{t:?}: events after the close frame: {events:?}"
            );
            assert_eq!(close.code, 4321, "{t:?}: {close:?}");
            assert_eq!(close.reason, "first", "{t:?}");
            assert!(close.was_clean, "{t:?}: {close:?}");
            assert_eq!(ws.ready_state(), ReadyState::Closed);
            peer.join();
        }
    }
}
