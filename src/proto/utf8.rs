//! Incremental UTF-8 validation, so that a bad byte fails the connection as soon as it arrives,
//! even in the middle of a frame or across fragments (RFC 6455 §8.1: "When an endpoint is to
//! interpret a byte stream as UTF-8 but finds that the byte stream is not, in fact, a valid UTF-8
//! stream, that endpoint MUST _Fail the WebSocket Connection_").

/// Validates a byte stream chunk by chunk, keeping an incomplete trailing sequence between chunks.
#[derive(Debug, Default, Clone)]
pub(crate) struct Utf8Validator {
    pending: [u8; 4],
    pending_len: usize,
}

/// The stream is not, and cannot become, valid UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InvalidUtf8;

/// The length of a sequence from its lead byte (only called on lead bytes that `from_utf8`
/// reported as a valid but incomplete start).
fn sequence_len(lead: u8) -> usize {
    match lead {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

impl Utf8Validator {
    /// Validates the next chunk. Fails as soon as no continuation could make the stream valid.
    pub(crate) fn feed(&mut self, mut bytes: &[u8]) -> Result<(), InvalidUtf8> {
        if self.pending_len > 0 {
            let need = sequence_len(self.pending[0]) - self.pending_len;
            let take = need.min(bytes.len());
            let pl = self.pending_len;
            let mut seq = self.pending;
            seq[pl..pl + take].copy_from_slice(&bytes[..take]);
            match std::str::from_utf8(&seq[..pl + take]) {
                Ok(_) => {}
                Err(e) if e.error_len().is_none() && take < need => {}
                Err(_) => return Err(InvalidUtf8),
            }
            if take < need {
                self.pending = seq;
                self.pending_len += take;
                return Ok(());
            }
            self.pending_len = 0;
            bytes = &bytes[take..];
        }
        match std::str::from_utf8(bytes) {
            Ok(_) => Ok(()),
            Err(e) if e.error_len().is_none() => {
                let tail = &bytes[e.valid_up_to()..];
                self.pending[..tail.len()].copy_from_slice(tail);
                self.pending_len = tail.len();
                Ok(())
            }
            Err(_) => Err(InvalidUtf8),
        }
    }

    /// Whether the stream ends on a character boundary; call at the end of a message.
    pub(crate) fn is_complete(&self) -> bool {
        self.pending_len == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn feed_split(bytes: &[u8], cuts: &[usize]) -> Result<bool, InvalidUtf8> {
        let mut v = Utf8Validator::default();
        let mut start = 0;
        for &c in cuts {
            let c = c.clamp(start, bytes.len());
            v.feed(&bytes[start..c])?;
            start = c;
        }
        v.feed(&bytes[start..])?;
        Ok(v.is_complete())
    }

    #[test]
    fn fails_on_the_first_bad_byte() {
        let mut v = Utf8Validator::default();
        assert!(v.feed("κόσμε".as_bytes()).is_ok());
        assert!(
            v.feed(&[0xce]).is_ok(),
            "a valid lead byte may still complete"
        );
        assert_eq!(
            v.feed(&[0x41]),
            Err(InvalidUtf8),
            "lead byte followed by ASCII"
        );
    }

    #[test]
    fn fails_fast_on_impossible_prefixes() {
        // U+110000 and above: F4 90 can never be completed.
        assert_eq!(
            Utf8Validator::default().feed(&[0xf4, 0x90]),
            Err(InvalidUtf8)
        );
        // Surrogates: ED A0.
        assert_eq!(
            Utf8Validator::default().feed(&[0xed, 0xa0]),
            Err(InvalidUtf8)
        );
        // Same, split across chunks.
        let mut v = Utf8Validator::default();
        v.feed(&[0xf4]).unwrap();
        assert_eq!(v.feed(&[0x90]), Err(InvalidUtf8));
    }

    #[test]
    fn incomplete_end_is_reported() {
        let mut v = Utf8Validator::default();
        v.feed(&[0xe2, 0x82]).unwrap();
        assert!(!v.is_complete());
        v.feed(&[0xac]).unwrap();
        assert!(v.is_complete());
    }

    proptest! {
        #![proptest_config(crate::proto::testing::deterministic(4096, 3629))]

        #[test]
        fn agrees_with_std_at_any_split(bytes in proptest::collection::vec(any::<u8>(), 0..40), cuts in proptest::collection::vec(0usize..40, 0..6)) {
            let mut cuts = cuts;
            cuts.sort_unstable();
            let ours = feed_split(&bytes, &cuts);
            let std_ok = std::str::from_utf8(&bytes).is_ok();
            prop_assert_eq!(matches!(ours, Ok(true)), std_ok);
        }

        #[test]
        fn valid_text_passes_at_any_split(s in "\\PC{0,20}", cuts in proptest::collection::vec(0usize..80, 0..6)) {
            let mut cuts = cuts;
            cuts.sort_unstable();
            prop_assert_eq!(feed_split(s.as_bytes(), &cuts), Ok(true));
        }

        #[test]
        fn invalid_prefix_fails_before_the_rest(prefix in "\\PC{0,10}", bad in prop_oneof![Just(vec![0xffu8]), Just(vec![0xc0, 0x80]), Just(vec![0xed, 0xa0])]
        ) {
            // Invalid bytes are detected by the time they have been fed, whatever follows.
            let mut v = Utf8Validator::default();
            v.feed(prefix.as_bytes()).unwrap();
            prop_assert_eq!(v.feed(&bad), Err(InvalidUtf8));
        }
    }
}
