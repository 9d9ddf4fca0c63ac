//! The relative date window ("last 90 days", `window=90d` in the URL) of the date filter. It is
//! anchored to the newest day in the data, not to today: a feed whose files arrive late (an
//! hourly sink, a nightly export) still shows a full window, and the figures do not change with
//! the clock. A window sets the filter's first day to the newest day minus N − 1 and leaves the
//! last day open; it replaces a typed from/to (and typing one ends the window), so one of the two
//! is in force and in the URL at a time. Live mode moves the window as new days arrive.

use coursepulse_engine::{format_date, range_start_micros};

/// The longest window a link may ask for (ten years of days).
pub const MAX_WINDOW_DAYS: u32 = 3660;

/// The filter's choices, in days (the select also lists what a link asked for).
pub const WINDOW_CHOICES: [u32; 3] = [7, 30, 90];

/// Reads `window=90d` (or `90`): days, 1 to [`MAX_WINDOW_DAYS`]; anything else is no window.
pub fn parse_window(text: &str) -> Option<u32> {
    let text = text.trim();
    let digits = text
        .strip_suffix('d')
        .or_else(|| text.strip_suffix('D'))
        .unwrap_or(text);
    digits
        .parse::<u32>()
        .ok()
        .filter(|days| (1..=MAX_WINDOW_DAYS).contains(days))
}

/// `90d`, as the URL writes a window.
pub fn window_query(days: u32) -> String {
    format!("{days}d")
}

/// The first day of the `days`-day window that ends on `newest` (`YYYY-MM-DD`, included).
pub fn window_start(newest: &str, days: u32) -> Option<String> {
    const MICROS_PER_DAY: i64 = 86_400_000_000;
    let newest_day = range_start_micros(newest).ok()?.div_euclid(MICROS_PER_DAY);
    let first = newest_day - i64::from(days.max(1)) + 1;
    i32::try_from(first).ok().map(format_date)
}

/// "Last 90 days of data", the select's label for a window.
pub fn window_label(days: u32) -> String {
    if days == 1 {
        "Last day of data".to_owned()
    } else {
        format!("Last {days} days of data")
    }
}

/// The select's choices, with `current` among them.
pub fn choices(current: Option<u32>) -> Vec<u32> {
    let mut choices = WINDOW_CHOICES.to_vec();
    if let Some(current) = current.filter(|days| !choices.contains(days)) {
        choices.push(current);
        choices.sort_unstable();
    }
    choices
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_start(newest: &str, days: u32, expected: &str) {
        assert_eq!(
            window_start(newest, days).as_deref(),
            Some(expected),
            "{days} days to {newest}"
        );
    }

    #[test]
    fn a_window_ends_on_the_newest_day_and_counts_it() {
        check_start("2025-03-11", 1, "2025-03-11");
        check_start("2025-03-11", 7, "2025-03-05");
        // Across a month end, a leap day and a year end.
        check_start("2025-03-01", 2, "2025-02-28");
        check_start("2024-03-01", 2, "2024-02-29");
        check_start("2025-01-05", 90, "2024-10-08");
        check_start("1970-01-01", 2, "1969-12-31");
        assert_eq!(window_start("March", 7), None);
    }

    #[test]
    fn window_values_parse_or_are_no_window() {
        assert_eq!(parse_window("90d"), Some(90));
        assert_eq!(parse_window("30"), Some(30));
        assert_eq!(parse_window("7D"), Some(7));
        for bad in ["", "0d", "-7d", "ninety", "90 days", "99999d"] {
            assert_eq!(parse_window(bad), None, "{bad}");
        }
        assert_eq!(window_query(90), "90d");
        assert_eq!(choices(Some(90)), [7, 30, 90]);
        assert_eq!(choices(Some(14)), [7, 14, 30, 90]);
        assert_eq!(window_label(14), "Last 14 days of data");
    }
}
