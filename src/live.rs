//! Live mode's rules, apart from the timer and the DOM: what `refresh=` in the URL asks for
//! (seconds, clamped to [`MIN_REFRESH_SECS`], a bad value switched off with a message), the
//! choices of the page's control, and the words of its status line and notices. The worker
//! reads the manifest again and says which entries are new (`RequestKind::CheckListing`); the
//! page adds them through the same `Add` as "Add files…".

/// The shortest interval between two refreshes: every refresh fetches the manifest, and a
/// static host's hourly files need no more.
pub const MIN_REFRESH_SECS: u32 = 10;

/// The longest interval a link may ask for (a day).
pub const MAX_REFRESH_SECS: u32 = 86_400;

/// The control's choices, in seconds (0: off).
pub const REFRESH_CHOICES: [u32; 4] = [0, 60, 300, 900];

/// What `refresh=` asks for: the interval in seconds (0: off) and, when the value was not used
/// as written, why.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RefreshAsk {
    /// Seconds between refreshes; 0 is off.
    pub seconds: u32,
    /// Why the value was changed or ignored.
    pub note: Option<String>,
}

/// Reads `refresh=N` (seconds; `off`, `0` or empty are off). Smaller than the minimum is raised
/// to it, larger than a day lowered, and anything else is off, each with a note that says so.
pub fn parse_refresh(text: &str) -> RefreshAsk {
    let text = text.trim();
    if text.is_empty() || text == "0" || text.eq_ignore_ascii_case("off") {
        return RefreshAsk::default();
    }
    let seconds = text
        .strip_suffix('s')
        .unwrap_or(text)
        .parse::<u64>()
        .ok()
        .filter(|seconds| *seconds > 0);
    match seconds {
        None => RefreshAsk {
            seconds: 0,
            note: Some(format!(
                "refresh={text} is not a number of seconds (such as refresh=60), so live refresh \
                 is off."
            )),
        },
        Some(seconds) if seconds < u64::from(MIN_REFRESH_SECS) => RefreshAsk {
            seconds: MIN_REFRESH_SECS,
            note: Some(format!(
                "refresh={seconds} is below the minimum of {MIN_REFRESH_SECS} seconds, so the \
                 data is refreshed every {MIN_REFRESH_SECS} seconds."
            )),
        },
        Some(seconds) if seconds > u64::from(MAX_REFRESH_SECS) => RefreshAsk {
            seconds: MAX_REFRESH_SECS,
            note: Some(format!(
                "refresh={seconds} is longer than a day, so the data is refreshed once a day."
            )),
        },
        Some(seconds) => RefreshAsk {
            seconds: seconds as u32,
            note: None,
        },
    }
}

/// The control's label for an interval: "Off", "Every 5 min", "Every 90 s".
pub fn interval_label(seconds: u32) -> String {
    match seconds {
        0 => "Off".to_owned(),
        seconds if seconds % 3600 == 0 => format!("Every {} h", seconds / 3600),
        seconds if seconds % 60 == 0 => format!("Every {} min", seconds / 60),
        seconds => format!("Every {seconds} s"),
    }
}

/// The control's choices, with `current` among them (a link may ask for any interval).
pub fn choices(current: u32) -> Vec<u32> {
    let mut choices = REFRESH_CHOICES.to_vec();
    if !choices.contains(&current) {
        choices.push(current);
        choices.sort_unstable();
    }
    choices
}

/// What the live control shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LiveStatus {
    /// The time of the last refresh that finished, as the page's locale writes it.
    pub last: Option<String>,
    /// Files the last refresh added.
    pub new_files: u64,
    /// Refreshes finished since the page opened.
    pub refreshes: u64,
    /// Something to know that does not stop the dashboard: the manifest failed to load, or no
    /// longer lists loaded files.
    pub notice: Option<String>,
    /// A refresh is running (the next tick is skipped, not queued).
    pub running: bool,
    /// Loaded files the manifest no longer lists, kept for the notice of the add that follows.
    pub missing: Vec<String>,
}

/// "Last refreshed 09:00:00 · 2 new files".
pub fn status_line(time: &str, new_files: u64) -> String {
    format!(
        "Last refreshed {time} · {} new file{}",
        crate::format::int(new_files),
        if new_files == 1 { "" } else { "s" }
    )
}

/// The notice for loaded files the manifest no longer lists, if any.
pub fn missing_notice(missing: &[String]) -> Option<String> {
    if missing.is_empty() {
        return None;
    }
    let shown = if missing.len() <= 3 {
        missing.join(", ")
    } else {
        format!("{}, … ({} files)", missing[..3].join(", "), missing.len())
    };
    Some(format!(
        "The manifest no longer lists {shown}: {} rows are still counted. Files are told apart \
         by name, so a file rewritten under the same name is not read again either; reload the \
         page to read the dataset afresh.",
        if missing.len() == 1 { "its" } else { "their" }
    ))
}

/// The notice for a refresh whose manifest could not be read.
pub fn failed_notice(time: &str, message: &str) -> String {
    format!(
        "The refresh at {time} could not read the manifest: {message}. The dashboard still \
         shows the data read before, and the next refresh tries again."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_refresh(text: &str, seconds: u32, note: Option<&str>) {
        let ask = parse_refresh(text);
        assert_eq!(ask.seconds, seconds, "{text:?}");
        match (note, &ask.note) {
            (None, None) => {}
            (Some(expected), Some(note)) => assert!(note.contains(expected), "{text:?}: {note}"),
            _ => panic!("{text:?}: note {:?}", ask.note),
        }
    }

    #[test]
    fn refresh_values_are_clamped_or_refused_with_a_reason() {
        check_refresh("60", 60, None);
        check_refresh("90s", 90, None);
        check_refresh("", 0, None);
        check_refresh("0", 0, None);
        check_refresh("off", 0, None);
        check_refresh(
            "3",
            MIN_REFRESH_SECS,
            Some("below the minimum of 10 seconds"),
        );
        check_refresh("999999", MAX_REFRESH_SECS, Some("longer than a day"));
        check_refresh(
            "99999999999999999999999",
            0,
            Some("not a number of seconds"),
        );
        check_refresh("soon", 0, Some("refresh=soon is not a number of seconds"));
        check_refresh("-5", 0, Some("not a number"));
    }

    #[test]
    fn the_control_lists_its_choices_and_any_interval_a_link_asked_for() {
        assert_eq!(choices(300), [0, 60, 300, 900]);
        assert_eq!(choices(10), [0, 10, 60, 300, 900]);
        assert_eq!(interval_label(0), "Off");
        assert_eq!(interval_label(60), "Every 1 min");
        assert_eq!(interval_label(900), "Every 15 min");
        assert_eq!(interval_label(7200), "Every 2 h");
        assert_eq!(interval_label(90), "Every 90 s");
    }

    #[test]
    fn status_and_notices_say_what_happened() {
        assert_eq!(
            status_line("09:00:00", 1),
            "Last refreshed 09:00:00 · 1 new file"
        );
        assert_eq!(
            status_line("09:00:00", 1200),
            "Last refreshed 09:00:00 · 1,200 new files"
        );
        assert_eq!(missing_notice(&[]), None);
        let names: Vec<String> = (1..=5).map(|day| format!("d{day}.parquet")).collect();
        let notice = missing_notice(&names).unwrap();
        assert!(
            notice.contains("no longer lists d1.parquet, d2.parquet, d3.parquet, … (5 files)"),
            "{notice}"
        );
        assert!(failed_notice("09:00:00", "HTTP 404").contains("next refresh tries again"));
    }
}
