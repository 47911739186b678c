//! The server closing TCP without a close frame fails the connection: `Error(AbnormalClosure)`
//! then `Close(1006, unclean)`, after the messages that came before.

use crate::common::{connect, expect_error_then_close, expect_message, text, RawPeer, Transport};
use wsync::{Error, Message};

#[test]
fn tcp_close_without_close_frame_is_abnormal() {
    for t in Transport::ALL {
        let (url, peer) = RawPeer::spawn_on(t, move |mut conn| {
            conn.handshake();
            conn.write(&text("last words"));
            conn.shutdown();
        });
        let ws = connect(&url);
        assert_eq!(expect_message(&ws), Message::Text("last words".into()));
        let (error, _) = expect_error_then_close(&ws);
        assert!(
            matches!(error, Error::AbnormalClosure),
            "{t:?}: got {error:?}"
        );
        peer.join();
    }
}
