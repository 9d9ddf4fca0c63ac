//! Privacy and governance: PII masking, lineage counts, file metadata, dbt quality rules.

use coursepulse_engine::{Analysis, Masking, Options, PiiKind, Report, Rule};

const HEADER: &str = "event_id,student_id,email,course_code,video_id,role,completion_rate_percent";

fn dataset(rows: &[&str]) -> String {
    let mut text = String::from(HEADER);
    for row in rows {
        text.push('\n');
        text.push_str(row);
    }
    text.push('\n');
    text
}

fn analyse(csv: &str, options: Options) -> Report {
    let mut analysis = Analysis::new(options).unwrap();
    analysis.add_csv("governance.csv", csv.as_bytes()).unwrap();
    analysis.report()
}

fn masked(salt: &str) -> Options {
    Options {
        masking: Some(Masking::new(salt)),
        top_n: 2,
        ..Options::default()
    }
}

/// Ties (S2 and S3 at 50), an id whose pseudonym would sort elsewhere, dirty rows with samples.
fn tied_dataset() -> String {
    dataset(&[
        "1,S1,ada@example.org,CSC101,V1,Student,90",
        "2,S2,bob@example.org,CSC101,V1,Student,50",
        "3,S3,cy@example.org,CSC101,V1,Student,50",
        "4,S4,di@example.org,CSC101,V1,Student,10",
        "5,S5,ed@example.org,CSC101,V1,Student,130",
        "6,,fay@example.org,CSC101,V2,Student,70",
    ])
}

#[test]
fn masking_keeps_every_rank_and_tie_and_replaces_every_id() {
    let clear = analyse(
        &tied_dataset(),
        Options {
            top_n: 2,
            ..Options::default()
        },
    );
    let salt = "per-dataset-secret";
    let report = analyse(&tied_dataset(), masked(salt));
    let masking = Masking::new(salt);
    let expect = |rows: &[coursepulse_engine::LearnerRow]| -> Vec<(Option<u64>, String)> {
        rows.iter()
            .map(|row| {
                (
                    row.rank,
                    masking.pseudonym(PiiKind::Learner, &row.student_id),
                )
            })
            .collect()
    };
    let got = |rows: &[coursepulse_engine::LearnerRow]| -> Vec<(Option<u64>, String)> {
        rows.iter()
            .map(|row| (row.rank, row.student_id.clone()))
            .collect()
    };
    assert_eq!(got(&report.learners), expect(&clear.learners));
    assert_eq!(got(&report.learners_top), expect(&clear.learners_top));
    assert_eq!(got(&report.learners_bottom), expect(&clear.learners_bottom));
    assert_eq!(
        clear
            .learners_top
            .iter()
            .map(|row| row.rank)
            .collect::<Vec<_>>(),
        // RANK() <= 2: S2 and S3 tie at the cut, so both are listed.
        vec![Some(1), Some(2), Some(2)],
    );
    assert_eq!(
        report
            .most_watched_learner
            .as_ref()
            .map(|row| row.student_id.clone()),
        clear
            .most_watched_learner
            .as_ref()
            .map(|row| masking.pseudonym(PiiKind::Learner, &row.student_id))
    );
    // Every figure but the ids is unchanged.
    let figures = |report: &Report| -> Vec<(Option<u64>, u64, Option<f64>)> {
        report
            .learners
            .iter()
            .map(|row| (row.rank, row.views, row.avg_completion))
            .collect()
    };
    assert_eq!(figures(&report), figures(&clear));
    assert_eq!(report.rows, clear.rows);
    // No clear id or e-mail address is left anywhere in the report.
    let json = format!("{report:?}");
    for secret in ["\"S1\"", "\"S3\"", "\"S5\"", "@example.org"] {
        assert!(!json.contains(secret), "{secret} leaked: {json}");
    }
}

#[test]
fn masking_switched_on_a_loaded_analysis_equals_masking_from_the_start() {
    let mut analysis = Analysis::new(Options {
        top_n: 2,
        ..Options::default()
    })
    .unwrap();
    analysis
        .add_csv("governance.csv", tied_dataset().as_bytes())
        .unwrap();
    let clear = analysis.report();
    analysis.set_masking(Some(Masking::new("switch")));
    let switched = analysis.report();
    assert_ne!(switched, clear);
    assert_eq!(switched, analyse(&tied_dataset(), masked("switch")));
    analysis.set_masking(None);
    assert_eq!(analysis.report(), clear);
}

#[test]
fn masked_samples_hide_learner_and_email_columns_but_keep_the_rest() {
    let report = analyse(&tied_dataset(), masked("k"));
    let masking = Masking::new("k");
    let range = report.quality.rule(Rule::CompletionInRange);
    assert_eq!(range.count, 1);
    let values = &range.samples[0].values;
    assert_eq!(
        values["student_id"].as_deref(),
        Some(masking.pseudonym(PiiKind::Learner, "S5").as_str())
    );
    assert_eq!(values["course_code"].as_deref(), Some("CSC101"));
    assert_eq!(values["completion_rate_percent"].as_deref(), Some("130"));
    let nulls = report.quality.rule(Rule::StudentIdNotNull);
    assert_eq!(
        nulls.samples[0].values["student_id"], None,
        "NULL stays NULL"
    );
}

#[test]
fn same_salt_same_pseudonyms_across_runs_and_files_other_salt_differs() {
    let first = analyse(&tied_dataset(), masked("a"));
    let again = analyse(&tied_dataset(), masked("a"));
    let other = analyse(&tied_dataset(), masked("b"));
    let empty = analyse(&tied_dataset(), masked(""));
    assert_eq!(first.learners, again.learners);
    for report in [&other, &empty] {
        for (left, right) in first.learners.iter().zip(&report.learners) {
            assert_ne!(left.student_id, right.student_id);
        }
    }
    // A second file with one of the learners: the pseudonym is the one the first file gave.
    let single = analyse(
        &dataset(&["9,S4,di@example.org,MTH201,V9,Student,40"]),
        masked("a"),
    );
    assert!(
        first
            .learners
            .iter()
            .any(|row| row.student_id == single.learners[0].student_id)
    );
}

#[test]
fn masking_does_not_enter_the_saved_state() {
    let mut analysis = Analysis::new(masked("secret")).unwrap();
    analysis
        .add_csv("governance.csv", tied_dataset().as_bytes())
        .unwrap();
    let state = analysis.save_state().unwrap();
    // The state restores with or without masking: it changes presentation only.
    let clear = Analysis::load_state(
        &state,
        Options {
            top_n: 2,
            ..Options::default()
        },
    )
    .unwrap()
    .report();
    let restored = Analysis::load_state(&state, masked("secret"))
        .unwrap()
        .report();
    assert_eq!(restored, analysis.report());
    assert!(clear.learners.iter().any(|row| row.student_id == "S1"));
}

/// Each kind of dirty row once or twice; the expected steps are worked out by hand below.
fn dirty_dataset() -> String {
    dataset(&[
        "1,S1,a@x.org,CSC101,V1,Student,80",
        "1,S1,a@x.org,CSC101,V1,Student,90",
        "2,S2,,CSC101,V1,Instructor,100",
        "3,S3,,CSC101,V2,Student,",
        "4,S4,,CSC101,V2,Student,abc",
        "5,,,CSC101,V1,Student,50",
        "6,S5,,,V1,Student,60",
        "7,S6,,CSC101,,Student,70",
        "8,S7,,MTH201,V3,TA,20",
    ])
}

type Steps = Vec<(&'static str, u64)>;

fn check_lineage(report: &Report, expected: &[(&str, Steps, u64)]) {
    let lineage = &report.lineage;
    assert_eq!(
        lineage.rows_in,
        report.rows.total + report.rows.filtered_out
    );
    let got: Vec<(&str, Steps, u64)> = lineage
        .metrics
        .iter()
        .map(|family| {
            let steps = family
                .steps
                .iter()
                .map(|step| (step.step, step.rows))
                .collect();
            (family.metric, steps, family.rows_used)
        })
        .collect();
    assert_eq!(got, expected);
    for family in &lineage.metrics {
        let dropped: u64 = family.steps.iter().map(|step| step.rows).sum();
        assert_eq!(family.rows_in, lineage.rows_in, "{}", family.metric);
        assert_eq!(
            family.rows_in - dropped,
            family.rows_used,
            "{}: the steps add up",
            family.metric
        );
    }
}

#[test]
fn lineage_steps_add_up_on_a_dirty_dataset() {
    let report = analyse(&dirty_dataset(), Options::default());
    let common = |filtered| {
        vec![
            ("pruned", 0),
            ("filtered_out", filtered),
            ("duplicates_removed", 1),
        ]
    };
    let with = |filtered, rest: &[(&'static str, u64)]| {
        let mut steps = common(filtered);
        steps.extend_from_slice(rest);
        steps
    };
    check_lineage(
        &report,
        &[
            (
                "learner_views",
                with(0, &[("non_student", 2), ("no_learner_id", 1)]),
                5,
            ),
            (
                "learner_averages",
                with(
                    0,
                    &[
                        ("non_student", 2),
                        ("invalid_completion", 2),
                        ("no_learner_id", 1),
                    ],
                ),
                3,
            ),
            (
                "video_averages",
                with(
                    0,
                    &[
                        ("non_student", 2),
                        ("invalid_completion", 2),
                        ("no_video", 1),
                    ],
                ),
                3,
            ),
            (
                "course_averages",
                with(
                    0,
                    &[
                        ("non_student", 2),
                        ("invalid_completion", 2),
                        ("no_course", 1),
                    ],
                ),
                3,
            ),
        ],
    );
    // The course view drops the MTH201 row and the row without a course before anything else.
    let filtered = analyse(
        &dirty_dataset(),
        Options {
            filter: coursepulse_engine::Filter {
                courses: vec!["CSC101".into()],
                ..Default::default()
            },
            ..Options::default()
        },
    );
    check_lineage(
        &filtered,
        &[
            (
                "learner_views",
                with(2, &[("non_student", 1), ("no_learner_id", 1)]),
                4,
            ),
            (
                "learner_averages",
                with(
                    2,
                    &[
                        ("non_student", 1),
                        ("invalid_completion", 2),
                        ("no_learner_id", 1),
                    ],
                ),
                2,
            ),
            (
                "video_averages",
                with(
                    2,
                    &[
                        ("non_student", 1),
                        ("invalid_completion", 2),
                        ("no_video", 1),
                    ],
                ),
                2,
            ),
            (
                "course_averages",
                with(
                    2,
                    &[
                        ("non_student", 1),
                        ("invalid_completion", 2),
                        ("no_course", 0),
                    ],
                ),
                3,
            ),
        ],
    );
}

#[test]
fn file_metadata_names_codecs_writer_and_column_descriptions() {
    use std::collections::HashMap;
    use std::sync::Arc;

    use arrow_array::{Float64Array, RecordBatch, StringArray};
    use arrow_schema::{DataType, Field, Schema};
    use parquet::arrow::ArrowWriter;
    use parquet::basic::{Compression, ZstdLevel};
    use parquet::file::metadata::KeyValue;
    use parquet::file::properties::WriterProperties;

    let described = |name: &str, data_type, description: Option<&str>| {
        let field = Field::new(name, data_type, true);
        match description {
            Some(text) => {
                field.with_metadata(HashMap::from([("description".to_owned(), text.to_owned())]))
            }
            None => field,
        }
    };
    let schema = Arc::new(Schema::new(vec![
        described(
            "student_id",
            DataType::Utf8,
            Some("Learner id from the SIS"),
        ),
        described("video_id", DataType::Utf8, None),
        described("completion_rate_percent", DataType::Float64, None),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(StringArray::from(vec!["S1", "S2", "S3"])),
            Arc::new(StringArray::from(vec!["V1", "V1", "V2"])),
            Arc::new(Float64Array::from(vec![10.0, 20.0, 30.0])),
        ],
    )
    .unwrap();
    let properties = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_max_row_group_row_count(Some(2))
        .set_created_by("governance-test writer 1.0".into())
        .set_key_value_metadata(Some(vec![KeyValue::new(
            "description.video_id".into(),
            "Video id from the LMS".to_owned(),
        )]))
        .build();
    let mut bytes = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut bytes, schema, Some(properties)).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    let size = bytes.len() as u64;

    let mut analysis = Analysis::new(Options::default()).unwrap();
    analysis
        .add_parquet("logs.parquet", bytes::Bytes::from(bytes))
        .unwrap();
    analysis
        .add_csv("extra.csv", tied_dataset().as_bytes())
        .unwrap();
    let report = analysis.report();
    assert_eq!(report.files.len(), 2);
    let parquet = &report.files[0];
    assert_eq!(parquet.name, "logs.parquet");
    assert_eq!(parquet.size, size);
    assert_eq!((parquet.rows, parquet.row_groups), (3, 2));
    assert_eq!(parquet.compression, vec!["ZSTD"]);
    assert_eq!(
        parquet.created_by.as_deref(),
        Some("governance-test writer 1.0")
    );
    assert_eq!(parquet.fingerprint.len(), 32);
    let columns: Vec<(&str, &str, Option<&str>)> = parquet
        .columns
        .iter()
        .map(|column| {
            (
                column.name.as_str(),
                column.data_type.as_str(),
                column.description.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        columns,
        vec![
            ("student_id", "Utf8", Some("Learner id from the SIS")),
            ("video_id", "Utf8", Some("Video id from the LMS")),
            ("completion_rate_percent", "Float64", None),
        ]
    );
    let csv = &report.files[1];
    assert_eq!(
        (csv.format.as_str(), csv.rows, csv.row_groups),
        ("csv", 6, 0)
    );
    assert_eq!(csv.size, tied_dataset().len() as u64);
    assert_eq!(csv.columns.len(), 7);
    // The metadata survives a saved state.
    let state = analysis.save_state().unwrap();
    let restored = Analysis::load_state(&state, Options::default()).unwrap();
    assert_eq!(restored.report().files, report.files);
}

const DBT_SCHEMA: &str = "\
version: 2
models:
  - name: watch_logs
    columns:
      - name: event_id
        description: One row per watch event
        tests: [not_null, unique]
      - name: Email
        tests: [not_null]
      - name: role
        tests:
          - accepted_values:
              values: [Student, Instructor]
              config: {severity: warn}
      - name: completion_rate_percent
        tests:
          - dbt_expectations.expect_column_values_to_be_between:
              min_value: 0
              max_value: 100
      - name: missing_column
        tests: [not_null]
      - name: student_id
        tests:
          - relationships: {to: ref('learners'), field: id}
";

fn dbt_options(masking: Option<Masking>) -> Options {
    Options {
        dbt: Some(coursepulse_engine::DbtSchema::parse(DBT_SCHEMA).unwrap()),
        masking,
        ..Options::default()
    }
}

#[test]
fn dbt_tests_count_failures_like_dbt_and_keep_samples() {
    use coursepulse_engine::Status;

    let report = analyse(&dirty_dataset(), dbt_options(None));
    let findings: Vec<(&str, u64, Status, Vec<u64>)> = report
        .quality
        .dbt
        .iter()
        .map(|rule| {
            let rows = rule.samples.iter().map(|sample| sample.row).collect();
            (rule.name.as_str(), rule.count, rule.status, rows)
        })
        .collect();
    assert_eq!(
        findings,
        vec![
            ("not_null_watch_logs_event_id", 0, Status::Pass, vec![]),
            // Event 1 occurs twice: one duplicated value, its second row sampled.
            ("unique_watch_logs_event_id", 1, Status::Fail, vec![2]),
            (
                "not_null_watch_logs_Email",
                7,
                Status::Fail,
                vec![3, 4, 5, 6, 7, 8, 9]
            ),
            ("accepted_values_watch_logs_role", 1, Status::Warn, vec![9]),
            // "abc" is not a number; the NULL passes, as in dbt.
            (
                "expect_column_values_to_be_between_watch_logs_completion_rate_percent",
                1,
                Status::Fail,
                vec![5]
            ),
            (
                "not_null_watch_logs_missing_column",
                0,
                Status::Skipped,
                vec![]
            ),
        ]
    );
    assert!(!report.quality.passed, "an error-severity dbt test failed");
    let unsupported = &report.quality.dbt_unsupported;
    assert_eq!(unsupported.len(), 1);
    assert_eq!(unsupported[0].test, "relationships");
    // Samples hold the mapped columns and the tested one.
    let sample = &report.quality.dbt[4].samples[0];
    assert_eq!(
        sample.values["completion_rate_percent"].as_deref(),
        Some("abc")
    );
    assert_eq!(sample.values["student_id"].as_deref(), Some("S4"));
    // The dbt description reaches the file metadata.
    let event_id = report.files[0]
        .columns
        .iter()
        .find(|column| column.name == "event_id")
        .unwrap();
    assert_eq!(
        event_id.description.as_deref(),
        Some("One row per watch event")
    );
}

#[test]
fn dbt_tests_respect_the_filter_and_masking() {
    let mut options = dbt_options(Some(Masking::new("k")));
    options.filter.courses = vec!["MTH201".into()];
    let report = analyse(&dirty_dataset(), options);
    let role = &report.quality.dbt[3];
    assert_eq!(role.count, 1, "the TA row is the MTH201 row");
    let unique = &report.quality.dbt[1];
    assert_eq!(unique.count, 0, "the repeated event is outside the view");
    let with_email = analyse(
        &tied_dataset(),
        Options {
            dbt: Some(
                coursepulse_engine::DbtSchema::parse(
                    "models:\n  - name: m\n    columns:\n      - name: email\n        tests: [unique]\n      - name: course_code\n        tests: [unique]\n",
                )
                .unwrap(),
            ),
            masking: Some(Masking::new("k")),
            max_samples: 1,
            ..Options::default()
        },
    );
    let sample = &with_email.quality.dbt[1].samples[0];
    assert_eq!(sample.values["course_code"].as_deref(), Some("CSC101"));
    assert!(
        sample.values["student_id"]
            .as_deref()
            .unwrap()
            .starts_with("L-")
    );
    let json = format!("{with_email:?}");
    assert!(!json.contains("@example.org"), "{json}");
    assert!(!json.contains("\"S2\""), "{json}");
}
