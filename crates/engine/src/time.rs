//! Time values: the day constant, calendar dates, and the time bounds people type.
//!
//! A leaf: it imports nothing from the engine but [`crate::Error`]. Every layer that needs a
//! date (partitions, pruning, ranking, the filter) takes it from here.

use crate::error::{Error, Result};

/// Microseconds in a day: times are UTC microseconds since the epoch, days count from 1970-01-01.
pub(crate) const MICROS_PER_DAY: i64 = 86_400_000_000;

/// Parses an RFC 3339 / ISO 8601 time (e.g. `2026-01-31T00:00:00Z`, or a bare date, which is
/// its midnight UTC) to UTC microseconds.
pub fn parse_time_micros(text: &str) -> Result<i64> {
    arrow_cast::parse::string_to_timestamp_nanos(text.trim())
        .map(|nanos| nanos.div_euclid(1_000))
        .map_err(|error| Error::Option(format!("{text:?} is not a time: {error}")))
}

/// The start of a range as a person writes it ("from 1 March"): a date is its first
/// microsecond, a time is itself. The bound is inclusive.
pub fn range_start_micros(text: &str) -> Result<i64> {
    parse_time_micros(text)
}

/// The end of a range as a person writes it ("to 7 March" includes all of 7 March), returned
/// as the first microsecond *after* the range, which is how [`crate::Filter::to_micros`] holds
/// it. A bare date `YYYY-MM-DD` covers its whole UTC day; a time with a clock part includes that
/// instant.
pub fn range_end_micros(text: &str) -> Result<i64> {
    let start = parse_time_micros(text)?;
    let step = if is_bare_date(text) {
        MICROS_PER_DAY
    } else {
        1
    };
    start
        .checked_add(step)
        .ok_or_else(|| Error::Option(format!("{text:?} is too far in the future to end a range")))
}

/// Whether `text` is a date without a clock part (`2025-03-07`), as the URL's and the date
/// inputs' `from`/`to` are.
pub fn is_bare_date(text: &str) -> bool {
    let text = text.trim();
    let bytes = text.as_bytes();
    bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(index, byte)| index == 4 || index == 7 || byte.is_ascii_digit())
}

/// Formats days since 1970-01-01 as `YYYY-MM-DD` (proleptic Gregorian, Howard Hinnant's algorithm).
pub fn format_date(days_since_epoch: i32) -> String {
    let z = i64::from(days_since_epoch) + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_format_across_eras_and_leap_days() {
        for (days, expected) in [
            (0, "1970-01-01"),
            (-1, "1969-12-31"),
            (11_016, "2000-02-29"),
            (20_513, "2026-03-01"),
        ] {
            assert_eq!(format_date(days), expected);
        }
    }

    /// `to` is inclusive as people read it: a date takes in its whole day, a time its instant.
    #[test]
    fn range_ends_include_what_they_name() {
        let day = |text: &str| parse_time_micros(text).unwrap();
        let check = |text: &str, expected: i64| {
            assert_eq!(range_end_micros(text).unwrap(), expected, "{text:?}");
        };
        check("2025-03-07", day("2025-03-08"));
        check(" 2025-03-07 ", day("2025-03-08"));
        check("2025-03-07T00:00:00Z", day("2025-03-07") + 1);
        check("2025-03-07T23:59:59.999999Z", day("2025-03-08"));
        check("2024-02-28", day("2024-02-29"));
        assert_eq!(range_start_micros("2025-03-07").unwrap(), day("2025-03-07"));
        assert!(range_end_micros("7 March").is_err());
    }
}
