//! The package's `options` object (JSON-shaped, camelCase) and its translation to engine
//! `Options`, with the CLI's flags as the model: `top` is `--top`, `from` is `--from`, and so on.

use coursepulse_engine::quality::RuleConfig;
use coursepulse_engine::{Options, Scale, parse_time_micros, range_end_micros, range_start_micros};
use serde::Deserialize;

/// What a caller may pass as `options`. Unknown keys are refused, so a typo such as `topN`
/// is an error rather than a silently ignored setting.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JsOptions {
    /// The input's name in messages and the report; its extension picks the format.
    pub name: Option<String>,
    /// Learners in the top and bottom lists (`--top`, default 10).
    pub top: Option<usize>,
    /// Most and least engaged videos per course (`--per-course`, default 3).
    pub per_course: Option<usize>,
    /// Minimum views for the per-video list (`--min-views`, default 1).
    pub min_views: Option<u64>,
    /// `"percent"` or `"fraction"`; inferred when absent (`--scale`).
    pub scale: Option<String>,
    /// Offending rows kept per quality rule (`--samples`, default 20).
    pub samples: Option<usize>,
    /// Courses to keep (`--course`).
    #[serde(default)]
    pub courses: Vec<String>,
    /// Start of the time range, inclusive, e.g. `"2025-03-01"` (`--from`).
    pub from: Option<String>,
    /// End of the time range, inclusive: a date keeps its whole day, e.g. `"2025-03-31"` (`--to`).
    pub to: Option<String>,
    /// "Now" for the future-timestamp rule: an ISO time, or `null` to turn the rule off. When
    /// the key is absent the caller's clock is used, as the CLI does.
    #[serde(default, deserialize_with = "present")]
    pub now: Option<Option<String>>,
    /// Column choices, `{ "student": "learner" }` (`--map field=column`; `"none"` unmaps).
    #[serde(default)]
    pub map: std::collections::BTreeMap<String, String>,
    /// Rule settings, `["unique_key=1%:warn"]` (`--rule`).
    #[serde(default)]
    pub rules: Vec<String>,
}

/// Distinguishes `"now": null` (rule off) from a missing key (use the clock).
fn present<'de, D>(deserializer: D) -> Result<Option<Option<String>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    Option::<String>::deserialize(deserializer).map(Some)
}

/// Parses the options object, given as JSON text (`undefined` and `null` mean all defaults),
/// into engine options; `clock_micros` is "now" when the caller did not set `now`.
pub fn parse_options(json: Option<&str>, clock_micros: i64) -> Result<Options, String> {
    let js: JsOptions = match json.map(str::trim) {
        None | Some("" | "null") => JsOptions::default(),
        Some(text) => serde_json::from_str(text).map_err(|error| format!("options: {error}"))?,
    };
    let defaults = Options::default();
    let mut options = Options {
        top_n: js.top.unwrap_or(defaults.top_n),
        per_course_n: js.per_course.unwrap_or(defaults.per_course_n),
        min_views: js.min_views.unwrap_or(defaults.min_views),
        max_samples: js.samples.unwrap_or(defaults.max_samples),
        ..defaults
    };
    if let Some(name) = &js.scale {
        options.scale = Some(Scale::from_name(name).ok_or_else(|| {
            format!("options.scale: {name:?} is not a scale; use \"percent\" or \"fraction\"")
        })?);
    }
    options.filter.courses = js.courses;
    // Both bounds inclusive, as in the CLI and the web app (`range_end_micros`).
    options.filter.from_micros = js
        .from
        .as_deref()
        .map(|text| bound("from", text, range_start_micros))
        .transpose()?;
    options.filter.to_micros = js
        .to
        .as_deref()
        .map(|text| bound("to", text, range_end_micros))
        .transpose()?;
    options.now_micros = match js.now {
        None => Some(clock_micros),
        Some(None) => None,
        Some(Some(text)) => Some(time("now", &text)?),
    };
    for (field, column) in &js.map {
        options
            .overrides
            .parse_assignment(&format!("{field}={column}"))
            .map_err(|error| format!("options.map: {error}"))?;
    }
    for rule in &js.rules {
        options
            .rules
            .push(RuleConfig::parse(rule).map_err(|error| format!("options.rules: {error}"))?);
    }
    options
        .validate()
        .map_err(|error| format!("options: {error}"))?;
    Ok(options)
}

fn time(key: &str, text: &str) -> Result<i64, String> {
    bound(key, text, parse_time_micros)
}

/// A time given under `key`, read by `parse` (an instant, or a range's start or inclusive end).
fn bound(
    key: &str,
    text: &str,
    parse: fn(&str) -> coursepulse_engine::Result<i64>,
) -> Result<i64, String> {
    parse(text).map_err(|_| {
        format!("options.{key}: {text:?} is not a time such as 2026-01-31 or 2026-01-31T09:00:00Z")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLOCK: i64 = 1_700_000_000_000_000;

    #[test]
    fn absent_options_are_the_engine_defaults_with_the_clock() {
        for json in [None, Some(""), Some("null"), Some("{}")] {
            let options = parse_options(json, CLOCK).unwrap();
            assert_eq!(options.top_n, 10, "{json:?}");
            assert_eq!(options.per_course_n, 3);
            assert_eq!(options.now_micros, Some(CLOCK));
            assert!(options.filter.is_empty());
        }
    }

    #[test]
    fn every_key_reaches_the_engine() {
        let json = r#"{"top": 5, "perCourse": 2, "minViews": 3, "scale": "fraction",
            "samples": 7, "courses": ["CSC101"], "from": "2025-03-01", "to": "2025-03-08",
            "now": "2026-01-31T00:00:00Z", "map": {"student": "learner"},
            "rules": ["unique_key=1%:warn"]}"#;
        let options = parse_options(Some(json), CLOCK).unwrap();
        assert_eq!(
            (options.top_n, options.per_course_n, options.min_views),
            (5, 2, 3)
        );
        assert_eq!(options.scale, Some(Scale::Fraction));
        assert_eq!(options.max_samples, 7);
        assert_eq!(options.filter.courses, vec!["CSC101".to_owned()]);
        assert_eq!(
            options.filter.from_micros,
            Some(parse_time_micros("2025-03-01").unwrap())
        );
        assert!(options.filter.to_micros > options.filter.from_micros);
        let one_day = parse_options(Some(r#"{"from": "2025-03-07", "to": "2025-03-07"}"#), CLOCK)
            .unwrap()
            .filter;
        assert_eq!(
            one_day.to_micros,
            Some(parse_time_micros("2025-03-08").unwrap()),
            "`to` keeps its whole day, as in the CLI and the web app"
        );
        assert_eq!(
            options.now_micros,
            Some(parse_time_micros("2026-01-31T00:00:00Z").unwrap())
        );
        assert_eq!(options.rules.len(), 1);
        assert_ne!(options.overrides, coursepulse_engine::Overrides::default());
    }

    #[test]
    fn null_now_turns_the_future_rule_off() {
        let options = parse_options(Some(r#"{"now": null}"#), CLOCK).unwrap();
        assert_eq!(options.now_micros, None);
    }

    #[test]
    fn bad_options_say_which_key_is_wrong() {
        let check = |json: &str, expected: &str| {
            let error = parse_options(Some(json), CLOCK).unwrap_err();
            assert!(error.contains(expected), "{json}: {error}");
        };
        check(r#"{"topN": 5}"#, "unknown field `topN`");
        check(r#"{"top": -1}"#, "options:");
        check(
            r#"{"scale": "thirds"}"#,
            "options.scale: \"thirds\" is not a scale",
        );
        check(
            r#"{"from": "yesterday"}"#,
            "options.from: \"yesterday\" is not a time",
        );
        check(r#"{"map": {"nonsense": "x"}}"#, "options.map: ");
        check(r#"{"rules": ["nope=1"]}"#, "options.rules: ");
        check("[1, 2]", "options:");
    }
}
