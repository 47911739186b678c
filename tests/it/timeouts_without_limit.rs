//! Timeouts as long as `Duration::MAX` (a natural way to say "no limit") are accepted and work:
//! no overflow when a deadline is computed from them, in the handshake or at close.

use std::time::Duration;

use crate::common::{builder, echo, expect_close, expect_message, Transport};
use wsync::Message;

#[test]
fn duration_max_timeouts_connect_exchange_and_close() {
    for t in Transport::ALL {
        let server = echo(t);
        let ws = builder(&server.url)
            .connect_timeout(Duration::MAX)
            .handshake_timeout(Duration::MAX)
            .close_timeout(Duration::MAX)
            .connect()
            .unwrap_or_else(|e| panic!("{t:?}: connect: {e}"));
        ws.send("hello").unwrap();
        assert_eq!(expect_message(&ws), Message::Text("hello".into()), "{t:?}");
        ws.close().unwrap();
        let close = expect_close(&ws);
        assert!(close.was_clean, "{t:?}: {close:?}");
        server.join();
    }
}
