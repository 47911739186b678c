//! A close frame the server never answers: after the close timeout the client shuts the
//! socket and reports `Error(Timeout(Close))` then `Close(1006, unclean)`, without hanging.

use std::time::{Duration, Instant};

use crate::common::{builder, expect_error_then_close, RawPeer, Transport};
use wsync::{Error, ReadyState, Timeout};

const CLOSE_TIMEOUT: Duration = Duration::from_millis(300);
/// "Did not hang": far above the close timeout, far below the peer's 10 s safety net.
const BOUND: Duration = Duration::from_secs(5);

#[test]
fn an_unanswered_close_times_out() {
    for t in Transport::ALL {
        let (url, peer) = RawPeer::spawn_on(t, move |mut conn| {
            conn.handshake();
            assert_eq!(conn.expect_close(), Some((1000, "bye".into())), "{t:?}");
            // No answer; the socket stays open until the client shuts it.
            assert!(
                conn.read_to_eof(),
                "{t:?}: the client did not close the connection after its close timeout"
            );
        });
        let ws = builder(&url)
            .close_timeout(CLOSE_TIMEOUT)
            .connect()
            .unwrap();
        let start = Instant::now();
        ws.close_with(1000, "bye").unwrap();
        assert_eq!(ws.ready_state(), ReadyState::Closing);
        let (error, close) = expect_error_then_close(&ws);
        let elapsed = start.elapsed();
        assert!(
            matches!(error, Error::Timeout(Timeout::Close)),
            "{t:?}: got {error:?}"
        );
        assert_eq!((close.code, close.was_clean), (1006, false));
        assert!(
            elapsed >= CLOSE_TIMEOUT,
            "{t:?}: ended before the timeout: {elapsed:?}"
        );
        assert!(elapsed < BOUND, "{t:?}: took {elapsed:?}");
        peer.join();
    }
}
