//! The shareable part of the state in the page URL's query string: `src`, `courses`, `from`,
//! `to`, `top`, `per_course`, `min_views`, `course` (the selected one). Parsing never fails:
//! unknown keys and bad values are ignored, so any bookmarked link opens.

use crate::worker::protocol::Settings;

/// The query string's values.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UrlState {
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
    /// Minimum views per video.
    pub min_views: u64,
    /// The course whose videos are listed.
    pub course: Option<String>,
}

impl UrlState {
    /// Parses `?a=b&c=d` (the leading `?` optional).
    pub fn parse(query: &str) -> UrlState {
        let mut state = UrlState::default();
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
                "from" => state.from = text().filter(|date| is_date(date)),
                "to" => state.to = text().filter(|date| is_date(date)),
                "top" => state.top_n = value.parse().unwrap_or(0).min(1000),
                "per_course" => state.per_course_n = value.parse().unwrap_or(0).min(100),
                "min_views" => state.min_views = value.parse().unwrap_or(0),
                "course" => state.course = text(),
                _ => {}
            }
        }
        state
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
        if let Some(from) = &self.from {
            pairs.push(("from", from.clone()));
        }
        if let Some(to) = &self.to {
            pairs.push(("to", to.clone()));
        }
        if self.top_n != 0 && self.top_n != 10 {
            pairs.push(("top", self.top_n.to_string()));
        }
        if self.per_course_n != 0 && self.per_course_n != 3 {
            pairs.push(("per_course", self.per_course_n.to_string()));
        }
        if self.min_views > 1 {
            pairs.push(("min_views", self.min_views.to_string()));
        }
        if let Some(course) = &self.course {
            pairs.push(("course", course.clone()));
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

fn is_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(index, byte)| index == 4 || index == 7 || byte.is_ascii_digit())
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
            min_views: 3,
            course: Some("CSC101".into()),
        };
        let query = state.to_query();
        assert_eq!(
            query,
            "?src=data/week%201.parquet&courses=CSC101,MTH%20201&from=2025-03-01&to=2025-03-31\
             &top=5&per_course=2&min_views=3&course=CSC101"
        );
        assert_eq!(UrlState::parse(&query), state);
        assert_eq!(UrlState::default().to_query(), "");
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
}
