//! The HTTP side of the handshake's response that RFC 6455 leaves to HTTP (RFC 9112): the
//! status line and headers kept for the application, and, when the server refuses the upgrade,
//! where the body of its refusal ends (§6.3) and what it says, within a limit.

use crate::response::Response;

/// How many header lines of a response are parsed; more is too large.
pub(crate) const MAX_HEADERS: usize = 64;

/// The response as the application reads it, from a parsed head: values without surrounding
/// whitespace (RFC 9112 §5.1: "optional whitespace before and after the field value"), decoded
/// lossily where they are not UTF-8 (obsolete text).
pub(crate) fn response(head: &httparse::Response<'_, '_>) -> Response {
    let headers = head
        .headers
        .iter()
        .map(|h| {
            let value = String::from_utf8_lossy(h.value);
            (
                h.name.to_owned(),
                value.trim_matches([' ', '\t']).to_owned(),
            )
        })
        .collect();
    let reason = head.reason.unwrap_or_default().to_owned();
    Response::new(head.code.unwrap_or(0), reason, headers)
}

/// The length of the complete response head at the start of `input`, status line to blank
/// line; `None` while it is incomplete or if it does not parse.
pub(crate) fn head_len(input: &[u8]) -> Option<usize> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    match httparse::Response::new(&mut headers).parse(input) {
        Ok(httparse::Status::Complete(len)) => Some(len),
        _ => None,
    }
}

/// How the body of a response is delimited (RFC 9112 §6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// "Any response to a HEAD request and any response with a 1xx (Informational), 204 (No
    /// Content), or 304 (Not Modified) status code is always terminated by the first empty line
    /// after the header fields".
    Empty,
    /// "If a Transfer-Encoding header field is present and the chunked transfer coding is the
    /// final encoding, the message body length is determined by reading and decoding the
    /// chunked data until the transfer coding indicates the data is complete."
    Chunked,
    /// "If a valid Content-Length header field is present without Transfer-Encoding, its
    /// decimal value defines the expected message body length in octets."
    Length(u64),
    /// "Otherwise [...] the message body length is determined by the number of octets received
    /// prior to the server closing the connection."
    UntilClose,
}

/// The body of a refused response, kept up to a limit: what to wait for, and what it says.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Body {
    framing: Framing,
    /// The most body bytes kept.
    limit: usize,
}

impl Body {
    /// The body `response` announces, of which at most `limit` bytes are kept.
    pub(crate) fn new(response: &Response, limit: usize) -> Body {
        let status = response.status();
        let length = response.header("Content-Length").map(str::parse::<u64>);
        let final_coding = response.header("Transfer-Encoding").map(|te| {
            te.rsplit(',')
                .next()
                .unwrap_or("")
                .trim_matches([' ', '\t'])
        });
        let framing = match (final_coding, length) {
            _ if (100..200).contains(&status) || status == 204 || status == 304 => Framing::Empty,
            (Some(coding), _) if coding.eq_ignore_ascii_case("chunked") => Framing::Chunked,
            (Some(_), _) => Framing::UntilClose,
            (None, Some(Ok(len))) => Framing::Length(len),
            (None, _) => Framing::UntilClose,
        };
        Body { framing, limit }
    }

    /// Whether `raw`, the bytes that followed the head so far, holds all of the body that is
    /// kept, so that there is nothing more to wait for. Also true once `raw` is several times
    /// the limit (a flood of tiny chunks).
    pub(crate) fn is_complete(&self, raw: &[u8]) -> bool {
        if raw.len() >= self.limit.saturating_mul(8) {
            return true;
        }
        match self.framing {
            Framing::Empty => true,
            Framing::Length(len) => raw.len() as u64 >= len.min(self.limit as u64),
            Framing::UntilClose => raw.len() >= self.limit,
            Framing::Chunked => dechunk(raw, self.limit, &mut Vec::new()),
        }
    }

    /// The body in `raw`, decoded, at most the limit: whatever arrived, complete or not.
    pub(crate) fn decode(&self, raw: &[u8]) -> Vec<u8> {
        let end = match self.framing {
            Framing::Empty => 0,
            Framing::Length(len) => raw.len().min(len.min(self.limit as u64) as usize),
            Framing::UntilClose => raw.len().min(self.limit),
            Framing::Chunked => {
                let mut out = Vec::new();
                dechunk(raw, self.limit, &mut out);
                return out;
            }
        };
        raw[..end].to_vec()
    }
}

/// Decodes chunked data (RFC 9112 §7.1) from `raw` into `out`, at most `limit` bytes, taking the
/// part of a chunk that has arrived. Returns whether nothing more is to come: the last chunk
/// (size 0; its trailer fields are not read), the limit reached, or data that is not chunked
/// coding after all.
///
/// ```text
/// chunked-body = *chunk last-chunk trailer-section CRLF
/// chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
/// ```
fn dechunk(mut raw: &[u8], limit: usize, out: &mut Vec<u8>) -> bool {
    loop {
        if out.len() >= limit {
            return true;
        }
        let Some(eol) = raw.iter().position(|&b| b == b'\n') else {
            return false;
        };
        let line = std::str::from_utf8(&raw[..eol]).unwrap_or("");
        let digits = line.split(';').next().unwrap_or("").trim();
        let Ok(size) = usize::from_str_radix(digits, 16) else {
            return true;
        };
        raw = &raw[eol + 1..];
        if size == 0 {
            return true;
        }
        let take = size.min(raw.len()).min(limit - out.len());
        out.extend_from_slice(&raw[..take]);
        // The chunk's data and the CRLF after it.
        match raw.get(size..) {
            Some(rest) if rest.len() >= 2 => raw = &rest[2..],
            _ => return out.len() >= limit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(status: u16, headers: &[(&str, &str)]) -> Response {
        let headers = headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        Response::new(status, String::new(), headers)
    }

    #[test]
    fn the_head_is_kept_with_trimmed_values() {
        let input = b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate:  Bearer \t\r\nX-Bin: a\xffb\r\n\r\nbody";
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut head = httparse::Response::new(&mut headers);
        head.parse(input).unwrap();
        let r = response(&head);
        assert_eq!((r.status(), r.reason()), (401, "Unauthorized"));
        assert_eq!(r.header("www-authenticate"), Some("Bearer"));
        assert_eq!(r.header("X-Bin"), Some("a\u{fffd}b"));
        assert_eq!(head_len(input), Some(input.len() - 4));
        assert_eq!(head_len(&input[..20]), None);
    }

    #[test]
    fn a_content_length_body_ends_at_its_length_or_the_limit() {
        let body = Body::new(&refusal(401, &[("Content-Length", "13")]), 100);
        assert!(!body.is_complete(b"missing"));
        assert_eq!(body.decode(b"missing"), b"missing");
        assert!(body.is_complete(b"missing token"));
        assert_eq!(body.decode(b"missing token and more"), b"missing token");
        let limited = Body::new(&refusal(401, &[("Content-Length", "1000000")]), 4);
        assert!(limited.is_complete(b"abcd"));
        assert_eq!(limited.decode(b"abcdef"), b"abcd");
    }

    #[test]
    fn without_a_length_the_body_ends_with_the_connection_or_the_limit() {
        for headers in [
            &[][..],
            &[("Content-Length", "x")],
            &[("Transfer-Encoding", "gzip")],
        ] {
            let body = Body::new(&refusal(500, headers), 4);
            assert!(!body.is_complete(b"abc"), "{headers:?}");
            assert!(body.is_complete(b"abcd"), "{headers:?}");
            assert_eq!(body.decode(b"abcdef"), b"abcd", "{headers:?}");
        }
    }

    #[test]
    fn some_statuses_have_no_body() {
        for status in [100, 204, 304] {
            let body = Body::new(&refusal(status, &[("Content-Length", "5")]), 100);
            assert!(body.is_complete(b""));
            assert_eq!(body.decode(b"hello"), b"");
        }
    }

    #[test]
    fn a_chunked_body_is_decoded() {
        let body = Body::new(
            &refusal(403, &[("Transfer-Encoding", "gzip, Chunked")]),
            100,
        );
        let raw = b"5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nTrailer: x\r\n\r\n";
        assert!(body.is_complete(raw));
        assert_eq!(body.decode(raw), b"hello, world");
        // Every prefix: what arrived so far, and more to wait for until the last chunk.
        let last = raw.iter().position(|&b| b == b'0').unwrap();
        for cut in 0..=last {
            assert!(!body.is_complete(&raw[..cut]), "cut at {cut}");
            assert!(b"hello, world".starts_with(&body.decode(&raw[..cut])));
        }
        // The limit ends it, mid-chunk.
        let limited = Body::new(&refusal(403, &[("Transfer-Encoding", "chunked")]), 7);
        assert!(limited.is_complete(&raw[..21]));
        assert!(!limited.is_complete(&raw[..20]));
        assert_eq!(limited.decode(raw), b"hello, ");
        // Not chunked after all: what came before is kept, nothing more is waited for.
        assert!(body.is_complete(b"5\r\nhello\r\nzz\r\n"));
        assert_eq!(body.decode(b"5\r\nhello\r\nzz\r\n"), b"hello");
    }

    #[test]
    fn a_flood_of_tiny_chunks_ends_at_several_times_the_limit() {
        let body = Body::new(&refusal(403, &[("Transfer-Encoding", "chunked")]), 16);
        let flood = b"0001;padding-padding-padding\r\nx\r\n".repeat(8);
        assert!(body.is_complete(&flood));
    }
}
