//! Pure checks on HTTP answers for remote reading (no web APIs, so they are unit-tested
//! natively): a `Content-Range` checked against what was asked and the file's known length,
//! byte caps counted on what actually arrives, and the time a range request may take.

/// The bytes a range request asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Asked {
    /// `bytes=-n`: the last `n` bytes.
    Suffix(u64),
    /// `bytes=start-end`, `end` inclusive.
    Range {
        /// First byte.
        start: u64,
        /// Last byte (inclusive).
        end: u64,
    },
}

impl Asked {
    /// The `Range` header's value.
    pub fn header(self) -> String {
        match self {
            Asked::Suffix(length) => format!("bytes=-{length}"),
            Asked::Range { start, end } => format!("bytes={start}-{end}"),
        }
    }
}

/// A parsed `Content-Range: bytes start-end/total` (`end` inclusive; `total` `None` for `*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContentRange {
    /// First byte sent.
    pub start: u64,
    /// Last byte sent (inclusive).
    pub end: u64,
    /// The file's size, when the server says it.
    pub total: Option<u64>,
}

/// Parses a `Content-Range` header of a 206 answer; `None` when it is not `bytes a-b/n` or
/// `bytes a-b/*` with `a <= b < n`.
pub fn parse_content_range(header: &str) -> Option<ContentRange> {
    let rest = header.trim().strip_prefix("bytes")?.trim_start();
    let (range, total) = rest.split_once('/')?;
    let (start, end) = range.trim().split_once('-')?;
    let start: u64 = start.trim().parse().ok()?;
    let end: u64 = end.trim().parse().ok()?;
    let total = match total.trim() {
        "*" => None,
        total => Some(total.parse::<u64>().ok()?),
    };
    let fits = start <= end && total.is_none_or(|total| end < total);
    fits.then_some(ContentRange { start, end, total })
}

/// Checks a 206 answer to `asked` from `url`: its `Content-Range` (`header`) must be present and
/// well formed, say the file's size (equal to `known_len` once that is known), cover exactly the
/// bytes asked for (clipped to the file's end), and match the `body_len` bytes received. The
/// range sent, or a message naming the URL and what differs.
pub fn check_content_range(
    url: &str,
    header: Option<&str>,
    asked: Asked,
    known_len: Option<u64>,
    body_len: u64,
) -> Result<ContentRange, String> {
    let asked_text = asked.header();
    let Some(header) = header else {
        return Err(format!(
            "{url}: the server answered a range request ({asked_text}) without a Content-Range \
             header, so what it sent cannot be checked"
        ));
    };
    let wrong = |what: &str| {
        format!(
            "{url}: the server's Content-Range ({header:?}) {what} (asked for {asked_text}{}); \
             the file may have changed on the server, or the server or a proxy mishandles range \
             requests",
            known_len
                .map(|len| format!(" of a {len}-byte file"))
                .unwrap_or_default()
        )
    };
    let Some(sent) = parse_content_range(header) else {
        return Err(wrong("is not a valid byte range"));
    };
    let Some(total) = sent.total else {
        return Err(wrong("does not give the file's size"));
    };
    if known_len.is_some_and(|len| len != total) {
        return Err(wrong("gives another size"));
    }
    let (start, end) = match asked {
        Asked::Suffix(length) => (total.saturating_sub(length), total.saturating_sub(1)),
        Asked::Range { start, end } => (start, end.min(total.saturating_sub(1))),
    };
    if sent.start != start || sent.end != end {
        return Err(wrong("is not the range asked for"));
    }
    let announced = sent.end - sent.start + 1;
    if body_len != announced {
        return Err(wrong(&format!(
            "announces {announced} bytes, and {body_len} arrived"
        )));
    }
    Ok(sent)
}

/// Counts the bytes of a download as they arrive and says when they pass a limit, whatever the
/// headers announced (a missing or false `Content-Length`, or a `Content-Encoding` that makes
/// the body larger than the bytes on the wire).
#[derive(Clone, Copy, Debug)]
pub struct ByteCap {
    limit: u64,
    received: u64,
}

impl ByteCap {
    /// A cap of `limit` bytes, none received yet.
    pub fn new(limit: u64) -> ByteCap {
        ByteCap { limit, received: 0 }
    }

    /// Adds a piece of `length` bytes; `Err(total)` when the total passes the limit (the piece
    /// is then not to be kept).
    pub fn add(&mut self, length: u64) -> Result<(), u64> {
        let total = self.received.saturating_add(length);
        if total > self.limit {
            return Err(total);
        }
        self.received = total;
        Ok(())
    }

    /// Bytes received and kept so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// The limit.
    pub fn limit(&self) -> u64 {
        self.limit
    }
}

/// How long a synchronous range request may take: a base for the round trip, plus a second per
/// MB asked for (a link slower than 1 MB/s gets a clear message rather than a frozen load).
pub fn range_timeout_ms(length: u64) -> u32 {
    const BASE_MS: u64 = 20_000;
    const MS_PER_MB: u64 = 1_000;
    let total = BASE_MS.saturating_add(length.div_ceil(1_000_000).saturating_mul(MS_PER_MB));
    u32::try_from(total).unwrap_or(u32::MAX)
}

/// What to say when a request for `url` got no answer within `timeout_ms`.
pub fn timeout_message(url: &str, timeout_ms: u32) -> String {
    format!(
        "{url}: the server did not answer a range request within {} seconds; it is too slow or \
         unreachable from here. Try again later, or open a local copy of the file.",
        timeout_ms.div_ceil(1_000)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_range_headers_parse_or_are_refused() {
        let range = |start, end, total| Some(ContentRange { start, end, total });
        let cases = [
            ("bytes 0-99/1000", range(0, 99, Some(1000))),
            (" bytes 992-999/1000 ", range(992, 999, Some(1000))),
            ("bytes 0-0/*", range(0, 0, None)),
            ("bytes 10-5/1000", None),
            ("bytes 0-1000/1000", None),
            ("bytes */1000", None),
            ("items 0-9/10", None),
            ("bytes 0-9", None),
            ("bytes -1-9/10", None),
            ("", None),
        ];
        for (header, expected) in cases {
            assert_eq!(parse_content_range(header), expected, "{header:?}");
        }
    }

    fn check(
        header: Option<&str>,
        asked: Asked,
        known_len: Option<u64>,
        body_len: u64,
        expected: Result<(u64, u64, u64), &str>,
    ) {
        let found = check_content_range("http://h/f.parquet", header, asked, known_len, body_len);
        match (expected, found) {
            (Ok((start, end, total)), Ok(sent)) => {
                assert_eq!(
                    (sent.start, sent.end, sent.total),
                    (start, end, Some(total))
                );
            }
            (Err(part), Err(message)) => {
                assert!(message.contains(part), "{header:?}: {message}");
                assert!(message.starts_with("http://h/f.parquet: "), "{message}");
            }
            (expected, found) => panic!("{header:?}: expected {expected:?}, found {found:?}"),
        }
    }

    #[test]
    fn content_ranges_must_match_what_was_asked_and_the_known_length() {
        let suffix = Asked::Suffix(8);
        let middle = Asked::Range {
            start: 100,
            end: 199,
        };
        let past_end = Asked::Range {
            start: 900,
            end: 1999,
        };
        let cases = [
            (
                Some("bytes 992-999/1000"),
                suffix,
                None,
                8,
                Ok((992, 999, 1000)),
            ),
            (Some("bytes 0-4/5"), suffix, None, 5, Ok((0, 4, 5))),
            (
                Some("bytes 100-199/1000"),
                middle,
                Some(1000),
                100,
                Ok((100, 199, 1000)),
            ),
            (
                Some("bytes 900-999/1000"),
                past_end,
                Some(1000),
                100,
                Ok((900, 999, 1000)),
            ),
            (
                None,
                middle,
                Some(1000),
                100,
                Err("without a Content-Range header"),
            ),
            (
                Some("bytes 101-200/1000"),
                middle,
                Some(1000),
                100,
                Err("not the range asked for"),
            ),
            (
                Some("bytes 100-198/1000"),
                middle,
                Some(1000),
                99,
                Err("not the range asked for"),
            ),
            (
                Some("bytes 100-199/2000"),
                middle,
                Some(1000),
                100,
                Err("gives another size"),
            ),
            (
                Some("bytes 100-199/*"),
                middle,
                Some(1000),
                100,
                Err("does not give the file's size"),
            ),
            (
                Some("bytes 100-199/150"),
                middle,
                Some(1000),
                100,
                Err("not a valid byte range"),
            ),
            (
                Some("bytes 100-199/1000"),
                middle,
                Some(1000),
                60,
                Err("100 bytes, and 60 arrived"),
            ),
            (
                Some("bytes 0-7/1000"),
                suffix,
                None,
                8,
                Err("not the range asked for"),
            ),
        ];
        for (header, asked, known_len, body_len, expected) in cases {
            check(header, asked, known_len, body_len, expected);
        }
    }

    #[test]
    fn a_byte_cap_holds_on_what_arrives() {
        let mut cap = ByteCap::new(100);
        assert_eq!(cap.add(60), Ok(()));
        assert_eq!(cap.add(40), Ok(()));
        assert_eq!(cap.add(1), Err(101));
        assert_eq!(cap.received(), 100);
        let mut cap = ByteCap::new(10);
        assert_eq!(cap.add(u64::MAX), Err(u64::MAX));
        assert_eq!(cap.received(), 0);
    }

    #[test]
    fn range_timeouts_grow_with_the_bytes_asked_and_say_the_seconds() {
        assert_eq!(range_timeout_ms(8), 21_000);
        assert_eq!(range_timeout_ms(4 * 1024 * 1024), 25_000);
        assert_eq!(range_timeout_ms(u64::MAX), u32::MAX);
        assert_eq!(Asked::Suffix(8).header(), "bytes=-8");
        assert_eq!(Asked::Range { start: 0, end: 63 }.header(), "bytes=0-63");
        let message = timeout_message("http://h/f.parquet", range_timeout_ms(8));
        assert!(message.starts_with("http://h/f.parquet: "), "{message}");
        assert!(message.contains("within 21 seconds"), "{message}");
    }
}
