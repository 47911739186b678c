//! The permessage-deflate offer a client sends and the check of the server's answer
//! (RFC 7692 §5, §7.1).
//!
//! The answer is read from every `Sec-WebSocket-Extensions` line of the reply, with the grammar
//! of RFC 6455 §9.1: comma-separated extensions, each a token followed by `;`-separated
//! parameters, a parameter value being a token or a quoted-string whose unescaped content must
//! be a token. Names are compared exactly: RFC 6455 defines no case folding for them, and the
//! peers we meet (Python `websockets`, Node `ws`) compare them exactly too.

use std::fmt;
use std::fmt::Write as _;

/// The extension token (RFC 7692 §7).
const NAME: &str = "permessage-deflate";
/// The parameter names of RFC 7692 §7.1.
const SERVER_NO_CONTEXT_TAKEOVER: &str = "server_no_context_takeover";
/// See [`SERVER_NO_CONTEXT_TAKEOVER`].
const CLIENT_NO_CONTEXT_TAKEOVER: &str = "client_no_context_takeover";
/// See [`SERVER_NO_CONTEXT_TAKEOVER`].
const SERVER_MAX_WINDOW_BITS: &str = "server_max_window_bits";
/// See [`SERVER_NO_CONTEXT_TAKEOVER`].
const CLIENT_MAX_WINDOW_BITS: &str = "client_max_window_bits";

/// The LZ77 window sizes RFC 7692 §7.1.2 allows, as base-2 logarithms.
pub(crate) const WINDOW_BITS: std::ops::RangeInclusive<u8> = 8..=15;

/// The `client_max_window_bits` parameter of an offer (RFC 7692 §7.1.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum ClientMaxWindowBits {
    /// Not offered: the server may not limit our window.
    Omitted,
    /// Offered without a value: "I can honour a limit", what browsers send.
    #[default]
    NoValue,
    /// Offered with a value: we will not use a window larger than 2^value bytes, whatever the
    /// server answers.
    Value(u8),
}

/// What the client offers in its `Sec-WebSocket-Extensions` request header.
///
/// [`Offer::default()`] is the browser's offer, `permessage-deflate; client_max_window_bits`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Offer {
    /// Ask the server to reset its compressor after each message, so that we need not keep its
    /// window between messages (RFC 7692 §7.1.1.1).
    pub(crate) server_no_context_takeover: bool,
    /// Announce that we reset our compressor after each message (RFC 7692 §7.1.1.2).
    pub(crate) client_no_context_takeover: bool,
    /// Ask the server for a window of at most 2^value bytes, 8..=15 (RFC 7692 §7.1.2.1).
    pub(crate) server_max_window_bits: Option<u8>,
    /// Whether and how we let the server limit our window (RFC 7692 §7.1.2.2).
    pub(crate) client_max_window_bits: ClientMaxWindowBits,
}

impl Offer {
    /// Checks the window sizes: RFC 7692 §7.1.2 allows 8 to 15.
    pub(crate) fn validate(&self) -> Result<(), &'static str> {
        if self
            .server_max_window_bits
            .is_some_and(|b| !WINDOW_BITS.contains(&b))
        {
            return Err("server_max_window_bits must be between 8 and 15");
        }
        if let ClientMaxWindowBits::Value(b) = self.client_max_window_bits {
            if !WINDOW_BITS.contains(&b) {
                return Err("client_max_window_bits must be between 8 and 15");
            }
        }
        Ok(())
    }

    /// The offer as a `Sec-WebSocket-Extensions` value, e.g.
    /// `permessage-deflate; client_max_window_bits`.
    pub(crate) fn header_value(&self) -> String {
        let mut s = String::from(NAME);
        if self.server_no_context_takeover {
            s.push_str("; ");
            s.push_str(SERVER_NO_CONTEXT_TAKEOVER);
        }
        if self.client_no_context_takeover {
            s.push_str("; ");
            s.push_str(CLIENT_NO_CONTEXT_TAKEOVER);
        }
        if let Some(bits) = self.server_max_window_bits {
            let _ = write!(s, "; {SERVER_MAX_WINDOW_BITS}={bits}");
        }
        match self.client_max_window_bits {
            ClientMaxWindowBits::Omitted => {}
            ClientMaxWindowBits::NoValue => {
                s.push_str("; ");
                s.push_str(CLIENT_MAX_WINDOW_BITS);
            }
            ClientMaxWindowBits::Value(bits) => {
                let _ = write!(s, "; {CLIENT_MAX_WINDOW_BITS}={bits}");
            }
        }
        s
    }
}

/// What client and server agreed on: the settings of the connection's two compressors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Params {
    /// The server resets its compressor after each message: our inflater may do the same.
    pub(crate) server_no_context_takeover: bool,
    /// We reset our compressor after each message.
    pub(crate) client_no_context_takeover: bool,
    /// The server's window, as a base-2 logarithm (15 when not limited).
    pub(crate) server_max_window_bits: u8,
    /// Our window, as a base-2 logarithm (15 when not limited).
    pub(crate) client_max_window_bits: u8,
}

/// Why the server's `Sec-WebSocket-Extensions` answer is refused. Each fails the connection
/// (RFC 6455 §4.1, RFC 7692 §7.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NegotiationError {
    /// The header does not follow the grammar of RFC 6455 §9.1; the text says where.
    Malformed(String),
    /// The server selected an extension we did not offer.
    NotOffered(String),
    /// The server accepted permessage-deflate more than once.
    Duplicate,
    /// A parameter RFC 7692 does not define for a response.
    UnknownParameter(String),
    /// A parameter given twice.
    DuplicateParameter(&'static str),
    /// A value where none is allowed, none where one is needed (`value: None`), or a value that
    /// is not a window size of 8 to 15 written without leading zeroes.
    InvalidValue {
        /// The parameter.
        param: &'static str,
        /// The value as received (unescaped), `None` when it was missing.
        value: Option<String>,
    },
    /// `client_max_window_bits` in the answer although the offer did not include it.
    Unsolicited(&'static str),
    /// A parameter the offer asked for that the answer lacks, so the answer does not accept it.
    Missing(&'static str),
    /// A window size larger than the one we offered.
    TooLarge {
        /// The parameter.
        param: &'static str,
        /// The value we offered.
        offered: u8,
        /// The value the server answered.
        answered: u8,
    },
}

impl fmt::Display for NegotiationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NegotiationError::Malformed(why) => {
                write!(
                    f,
                    "malformed Sec-WebSocket-Extensions (RFC 6455 §9.1): {why}"
                )
            }
            NegotiationError::NotOffered(name) => write!(
                f,
                "the server selected extension {name:?}, which was not offered (RFC 6455 §4.1)"
            ),
            NegotiationError::Duplicate => f.write_str(
                "the server accepted permessage-deflate twice; it accepts one offer (RFC 7692 §5)",
            ),
            NegotiationError::UnknownParameter(p) => write!(
                f,
                "permessage-deflate parameter {p:?} is not defined for a response (RFC 7692 §7)"
            ),
            NegotiationError::DuplicateParameter(p) => {
                write!(
                    f,
                    "permessage-deflate parameter {p} given twice (RFC 7692 §7)"
                )
            }
            NegotiationError::InvalidValue { param, value: None } => {
                write!(
                    f,
                    "permessage-deflate parameter {param} needs a value (RFC 7692 §7.1)"
                )
            }
            NegotiationError::InvalidValue {
                param,
                value: Some(v),
            } => {
                write!(
                    f,
                    "invalid value {v:?} for permessage-deflate parameter {param} (RFC 7692 §7.1)"
                )
            }
            NegotiationError::Unsolicited(p) => write!(
                f,
                "the server sent {p}, which the offer did not include (RFC 7692 §7.1.2.2)"
            ),
            NegotiationError::Missing(p) => write!(
                f,
                "the server's answer lacks {p}, so it does not accept the offer (RFC 7692 §7.1)"
            ),
            NegotiationError::TooLarge {
                param,
                offered,
                answered,
            } => write!(
                f,
                "the server answered {param}={answered}, larger than the {offered} offered \
                 (RFC 7692 §7.1.2)"
            ),
        }
    }
}

impl std::error::Error for NegotiationError {}

/// Checks the server's answer against our offer.
///
/// `response` holds the values of every `Sec-WebSocket-Extensions` line of the reply. No
/// extension selected gives `Ok(None)`: the connection runs uncompressed. `offer` is assumed
/// valid (see [`Offer::validate`]).
pub(crate) fn negotiate(
    offer: &Offer,
    response: &[&str],
) -> Result<Option<Params>, NegotiationError> {
    let mut agreed = None;
    for value in response {
        for (name, params) in parse(value)? {
            // "If the response includes a |Sec-WebSocket-Extensions| header field and this
            // header field indicates the use of an extension that was not present in the
            // client's handshake (the server has indicated an extension not requested by the
            // client), the client MUST _Fail the WebSocket Connection_." (RFC 6455 §4.1)
            if name != NAME {
                return Err(NegotiationError::NotOffered(name.to_owned()));
            }
            if agreed.is_some() {
                return Err(NegotiationError::Duplicate);
            }
            agreed = Some(accept(offer, &params)?);
        }
    }
    Ok(agreed)
}

/// One parameter as received: its name and its unescaped value, if any.
type Param<'a> = (&'a str, Option<String>);

/// Checks one permessage-deflate element of the answer (RFC 7692 §7.1) and derives the
/// connection's settings.
fn accept(offer: &Offer, params: &[Param<'_>]) -> Result<Params, NegotiationError> {
    let mut server_nct = false;
    let mut client_nct = false;
    let mut server_bits = None;
    let mut client_bits = None;
    // "A client MUST _Fail the WebSocket Connection_ if the peer server accepted an extension
    // negotiation offer for this extension with an extension negotiation response meeting any
    // of the following conditions: the negotiation response contains an extension parameter
    // not defined for use in a response; ... an extension parameter with an invalid value;
    // ... multiple extension parameters with the same name; the client does not support the
    // configuration that the response represents." (RFC 7692 §7)
    for (name, value) in params {
        match *name {
            SERVER_NO_CONTEXT_TAKEOVER => flag(&mut server_nct, SERVER_NO_CONTEXT_TAKEOVER, value)?,
            CLIENT_NO_CONTEXT_TAKEOVER => flag(&mut client_nct, CLIENT_NO_CONTEXT_TAKEOVER, value)?,
            // In a response both window parameters carry a value: only an offer may send
            // client_max_window_bits bare (RFC 7692 §7.1.2.2).
            SERVER_MAX_WINDOW_BITS => bits(&mut server_bits, SERVER_MAX_WINDOW_BITS, value)?,
            CLIENT_MAX_WINDOW_BITS => bits(&mut client_bits, CLIENT_MAX_WINDOW_BITS, value)?,
            other => return Err(NegotiationError::UnknownParameter(other.to_owned())),
        }
    }

    // "A server accepts an extension negotiation offer that includes the
    // "server_no_context_takeover" extension parameter by including the
    // "server_no_context_takeover" extension parameter in the corresponding extension
    // negotiation response" (§7.1.1.1); it MAY include it unasked.
    if offer.server_no_context_takeover && !server_nct {
        return Err(NegotiationError::Missing(SERVER_NO_CONTEXT_TAKEOVER));
    }
    // Offered, client_no_context_takeover is our promise whatever the answer (§7.1.1.2).
    let client_nct = client_nct || offer.client_no_context_takeover;

    // "A server accepts an extension negotiation offer with this parameter by including the
    // "server_max_window_bits" extension parameter in the extension negotiation response to
    // send back to the client with the same or smaller value as the offer." (§7.1.2.1); it MAY
    // include it unasked.
    let server_bits = match (offer.server_max_window_bits, server_bits) {
        (Some(_), None) => return Err(NegotiationError::Missing(SERVER_MAX_WINDOW_BITS)),
        (Some(offered), Some(answered)) if answered > offered => {
            return Err(NegotiationError::TooLarge {
                param: SERVER_MAX_WINDOW_BITS,
                offered,
                answered,
            });
        }
        (_, answered) => answered.unwrap_or(15),
    };

    // "If a received extension negotiation offer doesn't have the "client_max_window_bits"
    // extension parameter, the corresponding extension negotiation response to the offer MUST
    // NOT include the "client_max_window_bits" extension parameter." (§7.1.2.2)
    let client_bits = match (offer.client_max_window_bits, client_bits) {
        (ClientMaxWindowBits::Omitted, Some(_)) => {
            return Err(NegotiationError::Unsolicited(CLIENT_MAX_WINDOW_BITS));
        }
        (ClientMaxWindowBits::Value(offered), Some(answered)) if answered > offered => {
            return Err(NegotiationError::TooLarge {
                param: CLIENT_MAX_WINDOW_BITS,
                offered,
                answered,
            });
        }
        (_, Some(answered)) => answered,
        // An offered value binds us even when the server does not repeat it.
        (ClientMaxWindowBits::Value(offered), None) => offered,
        (_, None) => 15,
    };

    Ok(Params {
        server_no_context_takeover: server_nct,
        client_no_context_takeover: client_nct,
        server_max_window_bits: server_bits,
        client_max_window_bits: client_bits,
    })
}

/// Records a `*_no_context_takeover` parameter: "This extension parameter has no value"
/// (RFC 7692 §7.1.1).
fn flag(
    seen: &mut bool,
    param: &'static str,
    value: &Option<String>,
) -> Result<(), NegotiationError> {
    if *seen {
        return Err(NegotiationError::DuplicateParameter(param));
    }
    if let Some(v) = value {
        return Err(NegotiationError::InvalidValue {
            param,
            value: Some(v.clone()),
        });
    }
    *seen = true;
    Ok(())
}

/// Records a `*_max_window_bits` parameter of a response: "a decimal integer value without
/// leading zeroes between 8 to 15, inclusive" (RFC 7692 §7.1.2.1, §7.1.2.2).
fn bits(
    seen: &mut Option<u8>,
    param: &'static str,
    value: &Option<String>,
) -> Result<(), NegotiationError> {
    if seen.is_some() {
        return Err(NegotiationError::DuplicateParameter(param));
    }
    let invalid = || NegotiationError::InvalidValue {
        param,
        value: value.clone(),
    };
    let v = value.as_deref().ok_or_else(invalid)?;
    // Only the canonical spellings "8".."15": no sign, no leading zero.
    let n = match v.as_bytes() {
        [d @ b'8'..=b'9'] => d - b'0',
        [b'1', d @ b'0'..=b'5'] => 10 + d - b'0',
        _ => return Err(invalid()),
    };
    *seen = Some(n);
    Ok(())
}

/// Whether `b` is an RFC 7230 `tchar`: `!#$%&'*+-.^_`|~`, DIGIT or ALPHA.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Parses one `Sec-WebSocket-Extensions` value (RFC 6455 §9.1) into its extensions, each a
/// name and its parameters. Empty list elements are skipped (RFC 7230 §7); whitespace may
/// surround every separator, `=` included.
fn parse(value: &str) -> Result<Vec<(&str, Vec<Param<'_>>)>, NegotiationError> {
    let mut p = Cursor { s: value, pos: 0 };
    let mut extensions = Vec::new();
    loop {
        p.skip_ows();
        match p.peek() {
            None => return Ok(extensions),
            Some(b',') => {
                p.pos += 1;
                continue;
            }
            Some(_) => {}
        }
        let name = p.token("an extension name")?;
        let mut params = Vec::new();
        loop {
            p.skip_ows();
            match p.peek() {
                None => break,
                Some(b',') => {
                    p.pos += 1;
                    break;
                }
                Some(b';') => {
                    p.pos += 1;
                    p.skip_ows();
                    let param = p.token("a parameter name")?;
                    p.skip_ows();
                    let value = if p.peek() == Some(b'=') {
                        p.pos += 1;
                        p.skip_ows();
                        Some(p.value()?)
                    } else {
                        None
                    };
                    params.push((param, value));
                }
                Some(_) => return Err(p.error("`;` or `,`")),
            }
        }
        extensions.push((name, params));
    }
}

/// A position in a header value being parsed.
struct Cursor<'a> {
    /// The whole value.
    s: &'a str,
    /// The byte offset of the next unread byte.
    pos: usize,
}

impl<'a> Cursor<'a> {
    /// The next byte, if any.
    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.pos).copied()
    }

    /// Skips optional whitespace, SP and HTAB (RFC 7230 §3.2.3).
    fn skip_ows(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    /// An error saying what was expected at the current position.
    fn error(&self, expected: &str) -> NegotiationError {
        let found = match self.s[self.pos..].chars().next() {
            Some(c) => format!("{c:?}"),
            None => "the end".to_owned(),
        };
        NegotiationError::Malformed(format!(
            "expected {expected} at byte {} of {:?}, found {found}",
            self.pos, self.s
        ))
    }

    /// Reads a non-empty token.
    fn token(&mut self, what: &str) -> Result<&'a str, NegotiationError> {
        let start = self.pos;
        while self.peek().is_some_and(is_tchar) {
            self.pos += 1;
        }
        if self.pos == start {
            return Err(self.error(what));
        }
        Ok(&self.s[start..self.pos])
    }

    /// Reads a parameter value: a token, or a quoted-string whose content, once unescaped,
    /// must be a token: "When using the quoted-string syntax variant, the value after
    /// quoted-string unescaping MUST conform to the 'token' ABNF." (RFC 6455 §9.1)
    fn value(&mut self) -> Result<String, NegotiationError> {
        if self.peek() != Some(b'"') {
            return self.token("a parameter value").map(str::to_owned);
        }
        let open = self.pos;
        self.pos += 1;
        let mut value = String::new();
        loop {
            let b = match self.peek() {
                Some(b'"') => break,
                Some(b'\\') => {
                    self.pos += 1;
                    self.peek()
                }
                b => b,
            };
            match b {
                Some(b) if is_tchar(b) => value.push(char::from(b)),
                _ => return Err(self.error("a token character inside a quoted value")),
            }
            self.pos += 1;
        }
        self.pos += 1;
        if value.is_empty() {
            self.pos = open;
            return Err(self.error("a non-empty quoted value"));
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The browser's offer, which the server may narrow in every way.
    const BROWSER: Offer = Offer {
        server_no_context_takeover: false,
        client_no_context_takeover: false,
        server_max_window_bits: None,
        client_max_window_bits: ClientMaxWindowBits::NoValue,
    };

    /// The settings when the server narrows nothing.
    const FULL: Params = Params {
        server_no_context_takeover: false,
        client_no_context_takeover: false,
        server_max_window_bits: 15,
        client_max_window_bits: 15,
    };

    /// Negotiates the browser's offer against one header line.
    fn one(line: &str) -> Result<Option<Params>, NegotiationError> {
        negotiate(&BROWSER, &[line])
    }

    /// Negotiates `offer` against one line and expects success.
    fn ok(offer: &Offer, line: &str) -> Params {
        match negotiate(offer, &[line]) {
            Ok(Some(p)) => p,
            other => panic!("{line:?}: {other:?}"),
        }
    }

    /// Negotiates `offer` against one line and expects an error.
    fn err(offer: &Offer, line: &str) -> NegotiationError {
        match negotiate(offer, &[line]) {
            Err(e) => e,
            other => panic!("{line:?} should fail: {other:?}"),
        }
    }

    /// The default offer is what browsers send, and it is valid.
    #[test]
    fn default_offer_is_the_browsers() {
        assert_eq!(Offer::default(), BROWSER);
        assert_eq!(
            Offer::default().header_value(),
            "permessage-deflate; client_max_window_bits"
        );
        assert_eq!(Offer::default().validate(), Ok(()));
    }

    /// Every parameter is written, in a fixed order, with its value.
    #[test]
    fn header_value_with_every_parameter() {
        let offer = Offer {
            server_no_context_takeover: true,
            client_no_context_takeover: true,
            server_max_window_bits: Some(10),
            client_max_window_bits: ClientMaxWindowBits::Value(9),
        };
        assert_eq!(
            offer.header_value(),
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; \
             server_max_window_bits=10; client_max_window_bits=9"
        );
        let bare = Offer {
            client_max_window_bits: ClientMaxWindowBits::Omitted,
            ..BROWSER
        };
        assert_eq!(bare.header_value(), "permessage-deflate");
    }

    /// Window sizes outside 8..=15 are refused, both ends of the range accepted.
    #[test]
    fn validate_ranges() {
        for bits in [8, 15] {
            let o = Offer {
                server_max_window_bits: Some(bits),
                ..BROWSER
            };
            assert_eq!(o.validate(), Ok(()));
            let o = Offer {
                client_max_window_bits: ClientMaxWindowBits::Value(bits),
                ..BROWSER
            };
            assert_eq!(o.validate(), Ok(()));
        }
        for bits in [0, 7, 16, 255] {
            let o = Offer {
                server_max_window_bits: Some(bits),
                ..BROWSER
            };
            assert!(o.validate().unwrap_err().contains("server_max_window_bits"));
            let o = Offer {
                client_max_window_bits: ClientMaxWindowBits::Value(bits),
                ..BROWSER
            };
            assert!(o.validate().unwrap_err().contains("client_max_window_bits"));
        }
    }

    /// No header, empty headers or empty list elements: no extension, no compression.
    #[test]
    fn nothing_selected() {
        assert_eq!(negotiate(&BROWSER, &[]), Ok(None));
        assert_eq!(negotiate(&BROWSER, &["", " ", " , ,\t"]), Ok(None));
    }

    /// The plain answer keeps every default.
    #[test]
    fn plain_answer() {
        assert_eq!(one("permessage-deflate"), Ok(Some(FULL)));
        assert_eq!(one("  permessage-deflate\t"), Ok(Some(FULL)));
        assert_eq!(one(", permessage-deflate ,"), Ok(Some(FULL)));
    }

    /// What Python websockets' server answers by default.
    #[test]
    fn websockets_server_answer() {
        let p = ok(
            &BROWSER,
            "permessage-deflate; server_max_window_bits=12; client_max_window_bits=12",
        );
        assert_eq!(
            p,
            Params {
                server_max_window_bits: 12,
                client_max_window_bits: 12,
                ..FULL
            }
        );
    }

    /// The server may narrow everything unasked but client_max_window_bits, which the browser
    /// offer includes.
    #[test]
    fn unasked_narrowing_is_accepted() {
        let p = ok(
            &BROWSER,
            "permessage-deflate;server_no_context_takeover;client_no_context_takeover;\
             server_max_window_bits=8;client_max_window_bits=8",
        );
        assert_eq!(
            p,
            Params {
                server_no_context_takeover: true,
                client_no_context_takeover: true,
                server_max_window_bits: 8,
                client_max_window_bits: 8,
            }
        );
    }

    /// Values may be quoted-strings, with escapes, and OWS may surround `;` and `=`.
    #[test]
    fn quoted_values_and_whitespace() {
        let want = Params {
            server_max_window_bits: 10,
            client_max_window_bits: 9,
            ..FULL
        };
        assert_eq!(
            ok(
                &BROWSER,
                "permessage-deflate; server_max_window_bits=\"10\"; client_max_window_bits=\"9\""
            ),
            want
        );
        assert_eq!(
            ok(
                &BROWSER,
                "permessage-deflate;server_max_window_bits=\"1\\0\";client_max_window_bits=\"\\9\""
            ),
            want
        );
        let spaced =
            "permessage-deflate \t; server_max_window_bits = 10 ;\tclient_max_window_bits\t=\t9 ";
        assert_eq!(ok(&BROWSER, spaced), want);
    }

    /// The answer may span several header lines; an empty line among them is harmless.
    #[test]
    fn several_header_lines() {
        let p = negotiate(
            &BROWSER,
            &["", "permessage-deflate; client_max_window_bits=11"],
        );
        assert_eq!(
            p,
            Ok(Some(Params {
                client_max_window_bits: 11,
                ..FULL
            }))
        );
        assert_eq!(
            negotiate(&BROWSER, &["permessage-deflate", "permessage-deflate"]),
            Err(NegotiationError::Duplicate)
        );
        assert_eq!(
            negotiate(&BROWSER, &["permessage-deflate", "x-foo"]),
            Err(NegotiationError::NotOffered("x-foo".into()))
        );
    }

    /// Another extension, alone or beside ours, was not offered; names are case-sensitive.
    #[test]
    fn other_extensions_were_not_offered() {
        for (line, name) in [
            ("x-webkit-deflate-frame", "x-webkit-deflate-frame"),
            ("permessage-deflate, x-foo; a=1", "x-foo"),
            ("x-foo, permessage-deflate", "x-foo"),
            ("Permessage-Deflate", "Permessage-Deflate"),
        ] {
            assert_eq!(
                err(&BROWSER, line),
                NegotiationError::NotOffered(name.into()),
                "{line}"
            );
        }
    }

    /// permessage-deflate accepted twice in one line.
    #[test]
    fn accepted_twice() {
        assert_eq!(
            err(&BROWSER, "permessage-deflate, permessage-deflate"),
            NegotiationError::Duplicate
        );
    }

    /// Parameters RFC 7692 does not define, or spelt in another case.
    #[test]
    fn unknown_parameters() {
        for (line, p) in [
            ("permessage-deflate; foo", "foo"),
            ("permessage-deflate; foo=1", "foo"),
            (
                "permessage-deflate; Server_No_Context_Takeover",
                "Server_No_Context_Takeover",
            ),
            ("permessage-deflate; max_window_bits=10", "max_window_bits"),
        ] {
            assert_eq!(
                err(&BROWSER, line),
                NegotiationError::UnknownParameter(p.into()),
                "{line}"
            );
        }
    }

    /// Each parameter at most once, whatever the values.
    #[test]
    fn duplicate_parameters() {
        for p in [SERVER_NO_CONTEXT_TAKEOVER, CLIENT_NO_CONTEXT_TAKEOVER] {
            let line = format!("permessage-deflate; {p}; {p}");
            assert_eq!(
                err(&BROWSER, &line),
                NegotiationError::DuplicateParameter(p)
            );
        }
        for p in [SERVER_MAX_WINDOW_BITS, CLIENT_MAX_WINDOW_BITS] {
            let line = format!("permessage-deflate; {p}=10; {p}=10");
            assert_eq!(
                err(&BROWSER, &line),
                NegotiationError::DuplicateParameter(p)
            );
            let line = format!("permessage-deflate; {p}=10; {p}=9");
            assert_eq!(
                err(&BROWSER, &line),
                NegotiationError::DuplicateParameter(p)
            );
        }
    }

    /// No value on the *_no_context_takeover flags, quoted or not.
    #[test]
    fn value_on_a_flag() {
        for p in [SERVER_NO_CONTEXT_TAKEOVER, CLIENT_NO_CONTEXT_TAKEOVER] {
            for v in ["1", "\"true\""] {
                let line = format!("permessage-deflate; {p}={v}");
                match err(&BROWSER, &line) {
                    NegotiationError::InvalidValue {
                        param,
                        value: Some(_),
                    } => assert_eq!(param, p),
                    e => panic!("{line}: {e:?}"),
                }
            }
        }
    }

    /// Window values: a missing value, leading zeroes, signs, other numbers and junk.
    #[test]
    fn bad_window_values() {
        for p in [SERVER_MAX_WINDOW_BITS, CLIENT_MAX_WINDOW_BITS] {
            let line = format!("permessage-deflate; {p}");
            assert_eq!(
                err(&BROWSER, &line),
                NegotiationError::InvalidValue {
                    param: p,
                    value: None
                }
            );
            for v in [
                "7",
                "16",
                "0",
                "08",
                "09",
                "010",
                "+9",
                "-9",
                "9.0",
                "nine",
                "1e1",
                "99999999999999999999",
            ] {
                let line = format!("permessage-deflate; {p}={v}");
                assert_eq!(
                    err(&BROWSER, &line),
                    NegotiationError::InvalidValue {
                        param: p,
                        value: Some(v.into())
                    },
                    "{line}"
                );
            }
        }
    }

    /// Every value from 8 to 15 is accepted for both window parameters.
    #[test]
    fn every_window_value() {
        for bits in WINDOW_BITS {
            let line = format!(
                "permessage-deflate; server_max_window_bits={bits}; client_max_window_bits={bits}"
            );
            assert_eq!(
                ok(&BROWSER, &line),
                Params {
                    server_max_window_bits: bits,
                    client_max_window_bits: bits,
                    ..FULL
                }
            );
        }
    }

    /// client_max_window_bits answered although the offer left it out.
    #[test]
    fn unsolicited_client_max_window_bits() {
        let offer = Offer {
            client_max_window_bits: ClientMaxWindowBits::Omitted,
            ..BROWSER
        };
        assert_eq!(
            err(&offer, "permessage-deflate; client_max_window_bits=10"),
            NegotiationError::Unsolicited(CLIENT_MAX_WINDOW_BITS)
        );
        assert_eq!(ok(&offer, "permessage-deflate"), FULL);
    }

    /// server_no_context_takeover offered: the answer must include it to accept the offer.
    #[test]
    fn server_no_context_takeover_offered() {
        let offer = Offer {
            server_no_context_takeover: true,
            ..BROWSER
        };
        assert_eq!(
            err(&offer, "permessage-deflate"),
            NegotiationError::Missing(SERVER_NO_CONTEXT_TAKEOVER)
        );
        assert_eq!(
            ok(&offer, "permessage-deflate; server_no_context_takeover"),
            Params {
                server_no_context_takeover: true,
                ..FULL
            }
        );
    }

    /// client_no_context_takeover offered binds us whether or not the server repeats it.
    #[test]
    fn client_no_context_takeover_offered() {
        let offer = Offer {
            client_no_context_takeover: true,
            ..BROWSER
        };
        let want = Params {
            client_no_context_takeover: true,
            ..FULL
        };
        assert_eq!(ok(&offer, "permessage-deflate"), want);
        assert_eq!(
            ok(&offer, "permessage-deflate; client_no_context_takeover"),
            want
        );
    }

    /// server_max_window_bits offered: the answer must repeat it, at most as large.
    #[test]
    fn server_max_window_bits_offered() {
        let offer = Offer {
            server_max_window_bits: Some(10),
            ..BROWSER
        };
        assert_eq!(
            err(&offer, "permessage-deflate"),
            NegotiationError::Missing(SERVER_MAX_WINDOW_BITS)
        );
        assert_eq!(
            err(&offer, "permessage-deflate; server_max_window_bits=11"),
            NegotiationError::TooLarge {
                param: SERVER_MAX_WINDOW_BITS,
                offered: 10,
                answered: 11
            }
        );
        for bits in [8, 10] {
            let line = format!("permessage-deflate; server_max_window_bits={bits}");
            assert_eq!(
                ok(&offer, &line),
                Params {
                    server_max_window_bits: bits,
                    ..FULL
                }
            );
        }
    }

    /// client_max_window_bits offered with a value: the answer may lower it, not raise it, and
    /// its absence leaves our own limit in force.
    /// The server may answer with the very window we offered.
    #[test]
    fn client_max_window_bits_answered_as_offered() {
        let offer = Offer {
            client_max_window_bits: ClientMaxWindowBits::Value(10),
            ..BROWSER
        };
        assert_eq!(
            ok(&offer, "permessage-deflate; client_max_window_bits=10"),
            Params {
                client_max_window_bits: 10,
                ..FULL
            }
        );
    }

    #[test]
    fn client_max_window_bits_offered_with_value() {
        let offer = Offer {
            client_max_window_bits: ClientMaxWindowBits::Value(10),
            ..BROWSER
        };
        assert_eq!(
            ok(&offer, "permessage-deflate"),
            Params {
                client_max_window_bits: 10,
                ..FULL
            }
        );
        assert_eq!(
            ok(&offer, "permessage-deflate; client_max_window_bits=9"),
            Params {
                client_max_window_bits: 9,
                ..FULL
            }
        );
        assert_eq!(
            err(&offer, "permessage-deflate; client_max_window_bits=12"),
            NegotiationError::TooLarge {
                param: CLIENT_MAX_WINDOW_BITS,
                offered: 10,
                answered: 12
            }
        );
    }

    /// Lines that break the RFC 6455 §9.1 grammar.
    #[test]
    fn malformed() {
        for line in [
            "permessage-deflate;",
            "permessage-deflate; ;server_no_context_takeover",
            "permessage-deflate server_no_context_takeover",
            "; server_no_context_takeover",
            "permessage-deflate; server_max_window_bits=",
            "permessage-deflate; server_max_window_bits=1 0",
            "permessage-deflate; server_max_window_bits=\"10",
            "permessage-deflate; server_max_window_bits=\"\"",
            "permessage-deflate; server_max_window_bits=\"1 0\"",
            "permessage-deflate; server_max_window_bits=\"1,0\"",
            "permessage-deflate; server_max_window_bits=\"10\"x",
            "permessage-deflate; server_max_window_bits==10",
            "permessage-deflate; =10",
            "permessage-déflate",
            "perm\u{0}essage-deflate",
        ] {
            match err(&BROWSER, line) {
                NegotiationError::Malformed(why) => assert!(why.contains("expected"), "{why}"),
                e => panic!("{line:?}: {e:?}"),
            }
        }
    }

    /// Each message names the RFC rule it enforces.
    #[test]
    fn messages_name_the_rule() {
        let errors = [
            NegotiationError::Malformed("x".into()),
            NegotiationError::NotOffered("x".into()),
            NegotiationError::Duplicate,
            NegotiationError::UnknownParameter("x".into()),
            NegotiationError::DuplicateParameter(SERVER_NO_CONTEXT_TAKEOVER),
            NegotiationError::InvalidValue {
                param: SERVER_MAX_WINDOW_BITS,
                value: None,
            },
            NegotiationError::InvalidValue {
                param: SERVER_MAX_WINDOW_BITS,
                value: Some("7".into()),
            },
            NegotiationError::Unsolicited(CLIENT_MAX_WINDOW_BITS),
            NegotiationError::Missing(SERVER_MAX_WINDOW_BITS),
            NegotiationError::TooLarge {
                param: SERVER_MAX_WINDOW_BITS,
                offered: 9,
                answered: 10,
            },
        ];
        for e in errors {
            let text = e.to_string();
            assert!(
                text.contains("RFC 6455 §") || text.contains("RFC 7692 §"),
                "{text}"
            );
        }
    }
}
