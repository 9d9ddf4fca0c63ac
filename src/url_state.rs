//! The shareable part of the state in the page URL's query string: `src`, `courses`, `from`,
//! `to`, `top`, `per_course`, `min_videos` (for the learner rankings), `min_views`, `course` (the selected one), `mask`,
//! `refresh` (live mode: seconds between re-reads of a `src` manifest, see `live.rs`), `window`
//! (the last N days of the data, `90d`, which replaces `from`/`to`: see `date_window.rs`), `workers`
//! (how many analysis workers a load may use, 1 to 8, for tests and the bench), and for embeds
//! (`embed.html`) `panels` and `theme`. Parsing never fails: unknown keys and bad values are
//! ignored, so any bookmarked link opens.
//!
//! The masking salt is never read from or written to the URL: a salt in an address is in the
//! browser's history, server logs and `Referer` headers, so it is no longer secret. An old link's
//! `salt=` is noticed (`salt_in_link`), ignored, and dropped from the address bar by the next
//! `replaceState`. `origin=` (who may drive an embed) is ignored too: that comes from the
//! deployment's `embed-config.json` (see `embed_policy.rs`), not from the framing page.

use crate::worker::protocol::Settings;

/// Which page the app runs in: the full dashboard (`index.html`) or the compact embed
/// (`embed.html`), where masking is on unless the URL turns it off and `course` restricts the data.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Layout {
    /// The full dashboard.
    #[default]
    App,
    /// The compact dashboard for an iframe or `<coursepulse-dashboard>`.
    Embed,
}

/// The largest minimum number of videos a link may ask for (the control's maximum).
pub const MAX_MIN_VIDEOS: u64 = 1000;

/// The panels an embed can show (`panels=`), in the order they are laid out.
pub const EMBED_PANELS: &[&str] = &["charts", "learners", "courses", "videos", "quality"];

/// The panels an embed shows when `panels=` names none it knows.
pub const DEFAULT_EMBED_PANELS: &[&str] = &["learners", "courses", "quality"];

/// The query string's values.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UrlState {
    /// The page these values are for; decides the defaults of `mask` and what `course` means.
    pub layout: Layout,
    /// `?src=`: `sample` or a URL.
    pub src: Option<String>,
    /// Course filter.
    pub courses: Vec<String>,
    /// First day.
    pub from: Option<String>,
    /// Last day.
    pub to: Option<String>,
    /// Top/bottom N.
    pub top_n: usize,
    /// Per-course N.
    pub per_course_n: usize,
    /// Minimum videos a learner needs to be in the top and bottom lists (0 and 1: all).
    pub min_videos: u64,
    /// Minimum views per video.
    pub min_views: u64,
    /// The course whose videos are listed.
    pub course: Option<String>,
    /// Pseudonymise learners (`mask=1`; `mask` alone counts as on, `mask=0` as off).
    pub mask: bool,
    /// The address carried `salt=` (an old link): ignored, and the page says why.
    pub salt_in_link: bool,
    /// Embed only: the panels to show, a subset of [`EMBED_PANELS`] in its order; empty means
    /// [`DEFAULT_EMBED_PANELS`].
    pub panels: Vec<String>,
    /// Embed only: `light` or `dark`; `None` follows the system.
    pub theme: Option<String>,
    /// Live mode: seconds between re-reads of the `src` manifest (0: off), clamped.
    pub refresh: u32,
    /// Why `refresh=` was not used as written, if it was not.
    pub refresh_note: Option<String>,
    /// The last N days of the data (`window=90d`); when set, `from`/`to` are derived from it.
    pub window: Option<u32>,
    /// `workers=N`: how many analysis workers a load may use (clamped to 1..=8), `workers=auto`
    /// (0) every core; `None` reads on one (`shares::split::DEFAULT_WORKERS`). Handed on in the
    /// worker script's address (see `worker/shares/`).
    pub workers: Option<usize>,
}

impl UrlState {
    /// Parses `?a=b&c=d` (the leading `?` optional) for the full dashboard.
    pub fn parse(query: &str) -> UrlState {
        UrlState::parse_for(query, Layout::App)
    }

    /// Parses a query string for `layout`. In an embed, masking is on unless `mask=0`, and
    /// `course` (like `courses`) restricts every panel to those courses.
    pub fn parse_for(query: &str, layout: Layout) -> UrlState {
        let mut state = UrlState {
            layout,
            mask: layout == Layout::Embed,
            ..UrlState::default()
        };
        for pair in query.trim_start_matches('?').split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = decode(value);
            let text = || Some(value.clone()).filter(|value| !value.is_empty());
            match key {
                "src" => state.src = text(),
                "courses" => {
                    state.courses = value
                        .split(',')
                        .map(str::trim)
                        .filter(|course| !course.is_empty())
                        .map(str::to_owned)
                        .collect();
                }
                "from" => state.from = text().filter(|date| coursepulse_engine::is_bare_date(date)),
                "to" => state.to = text().filter(|date| coursepulse_engine::is_bare_date(date)),
                "top" => state.top_n = value.parse().unwrap_or(0).min(1000),
                "per_course" => state.per_course_n = value.parse().unwrap_or(0).min(100),
                "min_videos" => state.min_videos = value.parse().unwrap_or(0).min(MAX_MIN_VIDEOS),
                "min_views" => state.min_views = value.parse().unwrap_or(0),
                "course" => state.course = text(),
                "mask" => state.mask = !matches!(value.as_str(), "0" | "false" | "off" | "no"),
                "salt" => state.salt_in_link = true,
                "panels" => {
                    let asked: Vec<&str> = value.split(',').map(str::trim).collect();
                    state.panels = EMBED_PANELS
                        .iter()
                        .filter(|panel| asked.contains(panel))
                        .map(|panel| (*panel).to_owned())
                        .collect();
                }
                "theme" => state.theme = text().filter(|theme| theme == "light" || theme == "dark"),
                "window" => state.window = crate::date_window::parse_window(&value),
                "workers" => state.workers = crate::worker::shares::split::parse_workers(&value),
                "refresh" => {
                    let ask = crate::live::parse_refresh(&value);
                    state.refresh = ask.seconds;
                    state.refresh_note = ask.note;
                }
                _ => {}
            }
        }
        if layout == Layout::Embed
            && let Some(course) = &state.course
        {
            for course in course.split(',').map(str::trim).filter(|c| !c.is_empty()) {
                if !state.courses.iter().any(|known| known == course) {
                    state.courses.push(course.to_owned());
                }
            }
            // One course is also the one whose videos are listed; several are only a filter.
            if state
                .course
                .as_deref()
                .is_some_and(|course| course.contains(','))
            {
                state.course = None;
            }
        }
        // A window is the date filter: a typed range beside it is dropped (the window's first
        // day is computed once the data's newest day is known).
        if state.window.is_some() {
            state.from = None;
            state.to = None;
        }
        state
    }

    /// The embed's panels: those asked for, or the defaults.
    pub fn embed_panels(&self) -> Vec<String> {
        if self.panels.is_empty() {
            DEFAULT_EMBED_PANELS
                .iter()
                .map(|panel| (*panel).to_owned())
                .collect()
        } else {
            self.panels.clone()
        }
    }

    /// The settings these values ask for.
    pub fn settings(&self) -> Settings {
        Settings {
            courses: self.courses.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            top_n: if self.top_n == 0 { 10 } else { self.top_n },
            per_course_n: if self.per_course_n == 0 {
                3
            } else {
                self.per_course_n
            },
            min_videos: self.min_videos,
            mask: self.mask,
            ..Settings::default()
        }
    }

    /// The query string (with `?`, or empty), leaving out defaults.
    pub fn to_query(&self) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if let Some(src) = &self.src {
            pairs.push(("src", src.clone()));
        }
        if !self.courses.is_empty() {
            pairs.push(("courses", self.courses.join(",")));
        }
        match self.window {
            Some(days) => pairs.push(("window", crate::date_window::window_query(days))),
            None => {
                if let Some(from) = &self.from {
                    pairs.push(("from", from.clone()));
                }
                if let Some(to) = &self.to {
                    pairs.push(("to", to.clone()));
                }
            }
        }
        if self.top_n != 0 && self.top_n != 10 {
            pairs.push(("top", self.top_n.to_string()));
        }
        if self.per_course_n != 0 && self.per_course_n != 3 {
            pairs.push(("per_course", self.per_course_n.to_string()));
        }
        if self.min_videos > 1 {
            pairs.push(("min_videos", self.min_videos.to_string()));
        }
        if self.min_views > 1 {
            pairs.push(("min_views", self.min_views.to_string()));
        }
        if let Some(course) = &self.course {
            pairs.push(("course", course.clone()));
        }
        // Only a departure from the page's default is written.
        match (self.layout, self.mask) {
            (Layout::App, true) => pairs.push(("mask", "1".into())),
            (Layout::Embed, false) => pairs.push(("mask", "0".into())),
            _ => {}
        }
        if !self.panels.is_empty() {
            pairs.push(("panels", self.panels.join(",")));
        }
        if let Some(theme) = &self.theme {
            pairs.push(("theme", theme.clone()));
        }
        if self.refresh > 0 {
            pairs.push(("refresh", self.refresh.to_string()));
        }
        match self.workers {
            Some(crate::worker::shares::split::AUTO_WORKERS) => {
                pairs.push(("workers", "auto".to_owned()));
            }
            Some(workers) => pairs.push(("workers", workers.to_string())),
            None => {}
        }
        if pairs.is_empty() {
            return String::new();
        }
        let encoded: Vec<String> = pairs
            .into_iter()
            .map(|(key, value)| format!("{key}={}", encode(&value)))
            .collect();
        format!("?{}", encoded.join("&"))
    }
}

/// Whether `text` is a web origin a message can be addressed to: `http(s)://host[:port]`, with
/// no path, query, user or space.
pub fn is_origin(text: &str) -> bool {
    let Some(rest) = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
    else {
        return false;
    };
    // An IPv6 host is bracketed and holds colons itself.
    let (host_ok, port) = if let Some(inner) = rest.strip_prefix('[') {
        match inner.split_once(']') {
            Some((address, port)) => (
                !address.is_empty()
                    && address
                        .chars()
                        .all(|ch| ch.is_ascii_hexdigit() || ch == ':'),
                port,
            ),
            None => return false,
        }
    } else {
        let end = rest.find(':').unwrap_or(rest.len());
        let host = &rest[..end];
        (
            !host.is_empty()
                && host
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '.' || ch == '-'),
            &rest[end..],
        )
    };
    let port_ok = port.is_empty()
        || port.strip_prefix(':').is_some_and(|digits| {
            (1..=5).contains(&digits.len()) && digits.bytes().all(|byte| byte.is_ascii_digit())
        });
    host_ok && port_ok
}

/// Percent-encodes everything but unreserved characters and the few that read well in a URL.
fn encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'_'
            | b'.'
            | b'~'
            | b'/'
            | b':'
            | b',' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// Decodes `%XX` and `+`; invalid escapes are kept as written, invalid UTF-8 replaced.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'+' => out.push(b' '),
            b'%' if index + 2 < bytes.len() => {
                let hex = |byte: u8| (byte as char).to_digit(16);
                match (hex(bytes[index + 1]), hex(bytes[index + 2])) {
                    (Some(high), Some(low)) => {
                        out.push((high * 16 + low) as u8);
                        index += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_the_query_string() {
        let state = UrlState {
            src: Some("data/week 1.parquet".into()),
            courses: vec!["CSC101".into(), "MTH 201".into()],
            from: Some("2025-03-01".into()),
            to: Some("2025-03-31".into()),
            top_n: 5,
            per_course_n: 2,
            min_videos: 4,
            min_views: 3,
            course: Some("CSC101".into()),
            ..UrlState::default()
        };
        let query = state.to_query();
        assert_eq!(
            query,
            "?src=data/week%201.parquet&courses=CSC101,MTH%20201&from=2025-03-01&to=2025-03-31\
             &top=5&per_course=2&min_videos=4&min_views=3&course=CSC101"
        );
        assert_eq!(state.settings().min_videos, 4);
        assert_eq!(UrlState::parse(&query), state);
        assert_eq!(UrlState::default().to_query(), "");
    }

    #[test]
    fn a_worker_count_round_trips_clamped_and_a_bad_one_is_ignored() {
        let state = UrlState::parse("?src=a.parquet&workers=2");
        assert_eq!(state.workers, Some(2));
        assert_eq!(state.to_query(), "?src=a.parquet&workers=2");
        let state = UrlState::parse("?src=a.parquet&workers=auto");
        assert_eq!(state.to_query(), "?src=a.parquet&workers=auto");
        assert_eq!(UrlState::parse("?workers=0").workers, Some(1));
        assert_eq!(UrlState::parse("?workers=100").to_query(), "?workers=8");
        assert_eq!(UrlState::parse("?workers=many").workers, None);
        assert_eq!(UrlState::parse("?workers=many").to_query(), "");
    }

    #[test]
    fn live_refresh_round_trips_and_a_bad_value_says_why() {
        let state = UrlState::parse("?src=data/live/manifest.json&refresh=300");
        assert_eq!((state.refresh, &state.refresh_note), (300, &None));
        assert_eq!(state.to_query(), "?src=data/live/manifest.json&refresh=300");
        let fast = UrlState::parse("?src=m.json&refresh=2");
        assert_eq!(fast.refresh, crate::live::MIN_REFRESH_SECS);
        assert!(fast.refresh_note.as_deref().unwrap().contains("minimum"));
        // What sync_url writes back is the interval in force, which reads back without a note.
        let written = UrlState::parse(&fast.to_query());
        assert_eq!((written.refresh, written.refresh_note), (10, None));
        let bad = UrlState::parse("?src=m.json&refresh=often");
        assert_eq!(bad.refresh, 0);
        assert!(bad.refresh_note.is_some());
        assert_eq!(bad.to_query(), "?src=m.json");
    }

    #[test]
    fn a_relative_window_replaces_the_typed_range_and_round_trips() {
        let state = UrlState::parse("?src=sample&window=90d&from=2025-01-01&to=2025-02-01");
        assert_eq!(state.window, Some(90));
        assert_eq!((&state.from, &state.to), (&None, &None), "the window wins");
        assert_eq!(state.to_query(), "?src=sample&window=90d");
        assert_eq!(UrlState::parse(&state.to_query()), state);
        // Written while a window is in force, its derived first day stays out of the URL.
        let derived = UrlState {
            from: Some("2025-03-05".into()),
            ..state.clone()
        };
        assert_eq!(derived.to_query(), "?src=sample&window=90d");
        let bad = UrlState::parse("?window=forever&from=2025-01-01");
        assert_eq!(bad.window, None);
        assert_eq!(bad.from.as_deref(), Some("2025-01-01"));
    }

    #[test]
    fn bad_values_are_ignored_not_fatal() {
        let state =
            UrlState::parse("?top=lots&from=March&to=2025-13-1&x=1&src=&course=%E2%9C%93%&y=%é");
        assert_eq!(state.top_n, 0);
        assert_eq!((&state.from, &state.to, &state.src), (&None, &None, &None));
        assert_eq!(state.course.as_deref(), Some("✓%"));
        assert_eq!(state.settings().top_n, 10);
    }

    #[test]
    fn an_embed_masks_by_default_and_restricts_to_its_course() {
        let state = UrlState::parse_for(
            "?src=sample&course=CSC101&panels=quality,nonsense,learners&theme=dark&origin=http://lms.test:8000",
            Layout::Embed,
        );
        assert!(state.mask, "masking is on in an embed unless mask=0");
        assert_eq!(state.courses, ["CSC101"]);
        assert_eq!(state.course.as_deref(), Some("CSC101"));
        assert_eq!(
            state.panels,
            ["learners", "quality"],
            "known panels, in layout order"
        );
        assert_eq!(state.theme.as_deref(), Some("dark"));
        let settings = state.settings();
        assert!(settings.mask);
        assert_eq!(settings.courses, ["CSC101"]);
        // What sync_url writes back reads as the same state.
        assert_eq!(UrlState::parse_for(&state.to_query(), Layout::Embed), state);

        let off = UrlState::parse_for("?mask=0&course=A,B", Layout::Embed);
        assert!(!off.mask);
        assert_eq!(off.courses, ["A", "B"]);
        assert_eq!(
            off.course, None,
            "several courses are a filter, not a selection"
        );
        assert!(off.to_query().contains("mask=0"));
        assert_eq!(UrlState::parse_for(&off.to_query(), Layout::Embed), off);
        assert_eq!(off.embed_panels(), DEFAULT_EMBED_PANELS);
        assert_eq!(
            UrlState::parse_for("?theme=purple", Layout::Embed).theme,
            None
        );
    }

    #[test]
    fn a_salt_in_the_link_is_noticed_never_used_nor_written_back() {
        for layout in [Layout::App, Layout::Embed] {
            let state = UrlState::parse_for("?src=sample&mask=1&salt=k%201", layout);
            assert!(state.salt_in_link);
            assert_eq!(state.settings().salt, None, "{layout:?}");
            let query = state.to_query();
            assert!(!query.contains("salt"), "{layout:?}: {query}");
            assert!(query.contains("src=sample"), "{query}");
        }
        assert!(!UrlState::parse("?mask=1").salt_in_link);
    }

    #[test]
    fn origin_in_the_link_is_ignored() {
        let state = UrlState::parse_for("?src=sample&origin=https://evil.test", Layout::Embed);
        assert_eq!(state, UrlState::parse_for("?src=sample", Layout::Embed));
        assert!(!state.to_query().contains("origin"));
    }

    #[test]
    fn the_app_masks_only_when_asked() {
        assert!(!UrlState::parse("?src=sample").mask);
        assert!(UrlState::parse("?mask").mask, "a bare `mask` means on");
        assert!(UrlState::parse("?mask=1").mask);
        assert!(!UrlState::parse("?mask=false").mask);
        let state = UrlState::parse("?mask=1&course=CSC101");
        assert_eq!(
            state.courses,
            Vec::<String>::new(),
            "course only selects in the app"
        );
        assert_eq!(state.to_query(), "?course=CSC101&mask=1");
        assert_eq!(UrlState::parse("").to_query(), "");
    }

    #[test]
    fn origins_are_scheme_host_and_port_only() {
        for good in [
            "http://127.0.0.1:8080",
            "https://lms.example.edu",
            "http://[::1]:3000",
            "http://localhost",
        ] {
            assert!(is_origin(good), "{good}");
        }
        for bad in [
            "*",
            "",
            "lms.example.edu",
            "https://lms.example.edu/",
            "https://a b",
            "ftp://x",
            "http://x:",
            "http://x:123456",
            "http://[::1",
            "javascript:alert(1)",
        ] {
            assert!(!is_origin(bad), "{bad}");
        }
    }
}
