//! Dashboard settings (filters, mapping, list sizes) as engine [`Options`].

use coursepulse_engine::{DbtSchema, Error, Masking, Options, Scale};

use crate::worker::protocol::{DbtFile, Settings};

/// Offending rows kept per quality rule.
pub const MAX_SAMPLES: usize = 200;

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
    if settings.min_videos > 0 {
        options.min_videos = settings.min_videos;
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
    options.masking = masking(settings);
    options.filter.courses = settings.courses.clone();
    // `to` is inclusive ("to 31 March" keeps 31 March), read by the engine as everywhere else.
    let day = |text: &str, parse: fn(&str) -> Result<i64, Error>| {
        parse(text).map_err(|_| format!("{text:?} is not a date (YYYY-MM-DD)"))
    };
    options.filter.from_micros = settings
        .from
        .as_deref()
        .map(|text| day(text, coursepulse_engine::range_start_micros))
        .transpose()?;
    options.filter.to_micros = settings
        .to
        .as_deref()
        .map(|text| day(text, coursepulse_engine::range_end_micros))
        .transpose()?;
    options.dbt = settings.dbt.as_ref().map(dbt_schema).transpose()?;
    options.validate().map_err(|error| error.to_string())?;
    Ok(options)
}

/// The dbt schema the user added; a bad one is named with the engine's line and column.
fn dbt_schema(file: &DbtFile) -> Result<DbtSchema, String> {
    DbtSchema::parse(&file.text).map_err(|error| {
        // The engine's "invalid option: " prefix says nothing to someone who added a file.
        let message = match error {
            Error::Option(message) => message,
            other => other.to_string(),
        };
        format!("{}: {message}", file.name)
    })
}

/// The engine's masking for `settings`: on with `mask`, keyed by `salt` (empty when not set).
pub fn masking(settings: &Settings) -> Option<Masking> {
    settings
        .mask
        .then(|| Masking::new(settings.salt.as_deref().unwrap_or_default()))
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
            ..Settings::default()
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
        use coursepulse_engine::parse_time_micros;
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
    fn mask_and_salt_become_the_engines_masking() {
        use coursepulse_engine::PiiKind;
        let masking = |mask: bool, salt: Option<&str>| {
            let settings = Settings {
                mask,
                salt: salt.map(str::to_owned),
                ..Settings::default()
            };
            options(&settings, 0).unwrap().masking
        };
        let pseudonym =
            |masking: Option<Masking>| masking.unwrap().pseudonym(PiiKind::Learner, "S1");
        assert!(
            masking(false, Some("key")).is_none(),
            "a salt alone masks nothing"
        );
        let keyed = pseudonym(masking(true, Some("key")));
        assert_eq!(keyed, Masking::new("key").pseudonym(PiiKind::Learner, "S1"));
        assert_eq!(
            pseudonym(masking(true, None)),
            Masking::new("").pseudonym(PiiKind::Learner, "S1")
        );
        assert_ne!(keyed, pseudonym(masking(true, None)));
    }

    fn with_dbt(text: &str) -> Settings {
        Settings {
            dbt: Some(DbtFile {
                name: "schema.yml".into(),
                text: text.into(),
            }),
            ..Settings::default()
        }
    }

    #[test]
    fn a_dbt_schema_becomes_the_engines_tests() {
        let text = "version: 2\nmodels:\n  - name: watch_logs\n    columns:\n      - name: student_id\n        description: The learner\n        tests: [not_null, relationships]\n";
        let options = options(&with_dbt(text), 0).unwrap();
        let schema = options.dbt.expect("the schema reaches the engine");
        assert_eq!(schema, DbtSchema::parse(text).unwrap());
        assert_eq!(
            schema.tests[0].test_name(),
            "not_null_watch_logs_student_id"
        );
        assert_eq!(schema.unsupported[0].test, "relationships");
        assert!(options_without_dbt().is_none(), "no schema, no dbt tests");
    }

    fn options_without_dbt() -> Option<DbtSchema> {
        options(&Settings::default(), 0).unwrap().dbt
    }

    #[test]
    fn an_invalid_dbt_schema_names_the_file_line_and_column() {
        let message = options(&with_dbt("models:\n  - name: [unclosed\n"), 0).unwrap_err();
        assert!(
            message.starts_with("schema.yml: dbt schema: invalid YAML at line 3"),
            "{message}"
        );
        assert!(message.contains("column"), "{message}");
        assert!(!message.contains("invalid option"), "{message}");
        let message = options(&with_dbt("models: 3\n"), 0).unwrap_err();
        assert!(message.starts_with("schema.yml: "), "{message}");
        assert!(message.contains("`models` must be a list"), "{message}");
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
