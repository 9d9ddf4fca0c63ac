//! Dashboard settings (filters, mapping, list sizes) as engine [`Options`].

use coursepulse_engine::{Options, Scale, parse_time_micros};

use crate::worker::protocol::Settings;

/// Offending rows kept per quality rule.
pub const MAX_SAMPLES: usize = 200;
const MICROS_PER_DAY: i64 = 86_400_000_000;

/// Engine options for `settings`; the message says which setting is wrong.
pub fn options(settings: &Settings, now_micros: i64) -> Result<Options, String> {
    let mut options = Options {
        max_samples: MAX_SAMPLES,
        now_micros: Some(now_micros),
        ..Options::default()
    };
    if settings.top_n > 0 {
        options.top_n = settings.top_n;
    }
    if settings.per_course_n > 0 {
        options.per_course_n = settings.per_course_n;
    }
    if let Some(scale) = &settings.scale {
        options.scale =
            Some(Scale::from_name(scale).ok_or_else(|| {
                format!("unknown completion scale {scale:?}: percent or fraction")
            })?);
    }
    for (field, column) in &settings.mapping {
        let assignment = format!("{field}={}", column.as_deref().unwrap_or("none"));
        options
            .overrides
            .parse_assignment(&assignment)
            .map_err(|error| error.to_string())?;
    }
    options.filter.courses = settings.courses.clone();
    let day = |text: &str| {
        parse_time_micros(text).map_err(|_| format!("{text:?} is not a date (YYYY-MM-DD)"))
    };
    options.filter.from_micros = settings.from.as_deref().map(day).transpose()?;
    // The last day is included: the filter ends where the next day begins.
    options.filter.to_micros = settings
        .to
        .as_deref()
        .map(day)
        .transpose()?
        .map(|to| to + MICROS_PER_DAY);
    options.validate().map_err(|error| error.to_string())?;
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_become_options() {
        let settings = Settings {
            courses: vec!["CSC101".into()],
            from: Some("2025-03-01".into()),
            to: Some("2025-03-31".into()),
            top_n: 5,
            per_course_n: 0,
            scale: Some("fraction".into()),
            mapping: vec![
                ("student".into(), Some("learner".into())),
                ("role".into(), None),
            ],
        };
        let options = options(&settings, 7).unwrap();
        assert_eq!(
            format!("{:?}", options.overrides),
            format!("{:?}", {
                let mut overrides = coursepulse_engine::Overrides::default();
                overrides.parse_assignment("student=learner").unwrap();
                overrides.parse_assignment("role=none").unwrap();
                overrides
            })
        );
        assert_eq!((options.top_n, options.per_course_n), (5, 3));
        assert_eq!(options.scale, Some(Scale::Fraction));
        assert_eq!(options.now_micros, Some(7));
        assert_eq!(options.filter.courses, ["CSC101"]);
        let from = parse_time_micros("2025-03-01").unwrap();
        let april = parse_time_micros("2025-04-01").unwrap();
        assert_eq!(options.filter.from_micros, Some(from));
        assert_eq!(
            options.filter.to_micros,
            Some(april),
            "the last day is included"
        );
    }

    #[test]
    fn bad_settings_name_the_setting() {
        let bad = |settings: Settings| options(&settings, 0).unwrap_err();
        let message = bad(Settings {
            from: Some("March".into()),
            ..Settings::default()
        });
        assert!(message.contains("\"March\" is not a date"), "{message}");
        let message = bad(Settings {
            scale: Some("tenths".into()),
            ..Settings::default()
        });
        assert!(message.contains("unknown completion scale"), "{message}");
        let message = bad(Settings {
            from: Some("2025-03-02".into()),
            to: Some("2025-03-01".into()),
            ..Settings::default()
        });
        assert!(message.contains("date range is empty"), "{message}");
        let message = bad(Settings {
            mapping: vec![("nonsense".into(), Some("x".into()))],
            ..Settings::default()
        });
        assert!(!message.is_empty());
    }
}
