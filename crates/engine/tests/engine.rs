//! Engine integration tests: each metric definition on small inputs whose answers are worked
//! out by hand, the bad-input errors, and the Parquet type and layout variants.

// Datasets of many files (partitions, pruning, fingerprints, upserts, incremental state).
#[path = "engine/datasets.rs"]
mod datasets;
// Edited, re-sealed state files: errors, never panics.
#[path = "engine/state_edits.rs"]
mod state_edits;
// PII masking, lineage, file metadata, dbt rules.
#[path = "engine/governance.rs"]
mod governance;
// issue 16: player event logs to completion, retention and event quality.
#[path = "engine/events.rs"]
mod events;
// The top and bottom lists' minimum number of videos.
#[path = "engine/rankings.rs"]
mod rankings;

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use bytes::Bytes;
use coursepulse_engine::{Analysis, Format, Options, ParquetFile, Report, Rule, Scale, Status};
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;

const HEADER: &str = "event_id,student_id,course_id,course_code,video_id,video_title,role,completion_rate_percent,last_updated_at";

fn analyse_csv(csv: &str, options: Options) -> Report {
    let mut analysis = Analysis::new(options).unwrap();
    analysis.add_csv("test.csv", csv.as_bytes()).unwrap();
    analysis.report()
}

fn csv(rows: &[&str]) -> String {
    let mut text = String::from(HEADER);
    for row in rows {
        text.push('\n');
        text.push_str(row);
    }
    text.push('\n');
    text
}

fn learners(report: &Report) -> Vec<(Option<u64>, String, Option<f64>)> {
    report
        .learners
        .iter()
        .map(|row| (row.rank, row.student_id.clone(), row.avg_completion))
        .collect()
}

fn ids(rows: &[coursepulse_engine::LearnerRow]) -> Vec<(u64, &str)> {
    rows.iter()
        .map(|row| (row.rank.unwrap(), row.student_id.as_str()))
        .collect()
}

fn options_with_now() -> Options {
    Options {
        now_micros: Some(coursepulse_engine::parse_time_micros("2026-01-01T00:00:00Z").unwrap()),
        ..Options::default()
    }
}

#[test]
fn only_students_whatever_the_case_or_spacing() {
    let report = analyse_csv(
        &csv(&[
            "1,S1,10,CSC101,V1,T1,Student,80,",
            "2,S1,10,CSC101,V2,T2,  STUDENT ,60,",
            "3,S2,10,CSC101,V1,T1,Instructor,100,",
            "4,S3,10,CSC101,V1,T1,,100,",
            "5,S4,10,CSC101,V1,T1,TA,100,",
        ]),
        Options::default(),
    );
    assert_eq!(report.rows.student, 2);
    assert_eq!(
        learners(&report),
        vec![(Some(1), "S1".to_owned(), Some(70.0))]
    );
    let roles = report.quality.rule(Rule::RoleAcceptedValues);
    assert_eq!(roles.count, 3);
    let details: Vec<(Option<&str>, u64)> = roles
        .details
        .iter()
        .map(|detail| (detail.value.as_deref(), detail.count))
        .collect();
    assert_eq!(
        details,
        vec![(None, 1), (Some("Instructor"), 1), (Some("TA"), 1)]
    );
    assert_eq!(report.quality.rule(Rule::RoleClean).count, 1);
    assert_eq!(
        report.quality.rule(Rule::RoleClean).details[0]
            .value
            .as_deref(),
        Some("  STUDENT ")
    );
}

#[test]
fn no_role_column_counts_every_row_and_says_so() {
    let report = analyse_csv(
        "student_id,video_id,completion\nS1,V1,50\nS2,V1,70\n",
        Options::default(),
    );
    assert_eq!(report.rows.student, 2);
    assert!(
        report
            .notes
            .iter()
            .any(|note| note.contains("no role column")),
        "{:?}",
        report.notes
    );
    assert_eq!(
        report.quality.rule(Rule::RoleAcceptedValues).status,
        Status::Skipped
    );
}

#[test]
fn latest_update_wins_and_replaces_the_earlier_copy_in_every_metric() {
    let report = analyse_csv(
        &csv(&[
            "1,S1,10,CSC101,V1,T1,Student,10,2025-01-01T00:00:00Z",
            "1,S1,10,CSC101,V2,T2,Student,90,2025-01-02T00:00:00Z", // later: replaces (video changes too)
            "1,S1,10,CSC101,V3,T3,Student,50,2024-12-31T00:00:00Z", // earlier: ignored
            "2,S2,10,CSC101,V1,T1,Student,40,",
            "2,S2,10,CSC101,V1,T1,Student,60,2025-01-01T00:00:00Z", // non-NULL beats NULL
            "3,S3,10,CSC101,V1,T1,Student,30,2025-01-01T00:00:00Z",
            "3,S3,10,CSC101,V1,T1,Student,99,2025-01-01T00:00:00Z", // tie: first seen stays
        ]),
        Options::default(),
    );
    assert_eq!(report.rows.total, 7);
    assert_eq!(report.rows.duplicates_removed, 4);
    assert_eq!(report.rows.student, 3);
    assert_eq!(
        learners(&report),
        vec![
            (Some(1), "S1".into(), Some(90.0)),
            (Some(2), "S2".into(), Some(60.0)),
            (Some(3), "S3".into(), Some(30.0))
        ]
    );
    let videos: Vec<(&str, u64, Option<f64>)> = report
        .videos
        .iter()
        .map(|video| (video.video_id.as_str(), video.views, video.avg_completion))
        .collect();
    assert_eq!(
        videos,
        vec![("V2", 1, Some(90.0)), ("V1", 2, Some(45.0))],
        "V1's replaced row is taken back"
    );
    assert_eq!(report.quality.rule(Rule::UniqueKey).count, 4);
}

#[test]
fn without_event_id_duplicates_are_whole_rows_and_first_seen_wins() {
    let report = analyse_csv(
        "student_id,video_id,completion,note\nS1,V1,50,a\nS1,V1,50,a\nS1,V1,50,b\nS1,V1,,\nS1,V1,,\n",
        Options::default(),
    );
    assert_eq!(
        report.rows.duplicates_removed, 2,
        "equal in every column, NULLs equal"
    );
    assert_eq!(report.rows.student, 3);
    assert!(
        report
            .notes
            .iter()
            .any(|note| note.contains("no event id column"))
    );
}

#[test]
fn null_event_ids_are_never_duplicates() {
    let report = analyse_csv(
        &csv(&[",S1,10,C,V1,T,Student,50,", ",S1,10,C,V1,T,Student,50,"]),
        Options::default(),
    );
    assert_eq!(report.rows.duplicates_removed, 0);
    assert_eq!(report.quality.rule(Rule::EventIdNotNull).count, 2);
}

#[test]
fn ties_share_a_rank_and_order_by_student_id() {
    let report = analyse_csv(
        &csv(&[
            "1,S3,1,C,V1,T,Student,50,",
            "2,S1,1,C,V1,T,Student,50,",
            "3,S2,1,C,V1,T,Student,75,",
            "4,S4,1,C,V1,T,Student,25,",
            "5,S5,1,C,V1,T,Student,,",
        ]),
        Options {
            top_n: 3,
            ..Options::default()
        },
    );
    assert_eq!(
        ids(&report.learners_top),
        vec![(1, "S2"), (2, "S1"), (2, "S3")]
    );
    assert_eq!(
        ids(&report.learners_bottom),
        vec![(1, "S4"), (2, "S1"), (2, "S3")]
    );
    let last = report.learners.last().unwrap();
    assert_eq!(
        (last.rank, last.student_id.as_str(), last.avg_completion),
        (None, "S5", None),
        "listed but unranked"
    );
}

#[test]
fn integer_ids_order_numerically() {
    let report = analyse_csv(
        "student_id,video_id,completion_rate_percent\n10,1,50\n9,1,50\n100,2,50\n",
        Options::default(),
    );
    let order: Vec<&str> = report
        .learners
        .iter()
        .map(|row| row.student_id.as_str())
        .collect();
    assert_eq!(order, vec!["9", "10", "100"]);
}

#[test]
fn most_watched_learner_breaks_ties_by_average_then_id() {
    let report = analyse_csv(
        &csv(&[
            "1,S2,1,C,V1,T,Student,10,",
            "2,S2,1,C,V2,T,Student,10,",
            "3,S2,1,C,V2,T,Student,10,",
            "4,S1,1,C,V1,T,Student,90,",
            "5,S1,1,C,V2,T,Student,90,",
            "6,S0,1,C,V1,T,Student,90,",
            "7,S0,1,C,,T,Student,90,",
            "8,S0,1,C,,T,Student,90,",
        ]),
        Options::default(),
    );
    let most = report.most_watched_learner.unwrap();
    assert_eq!(
        (most.student_id.as_str(), most.videos_watched, most.views),
        ("S1", 2, 2)
    );
    let s0 = report
        .learners
        .iter()
        .find(|row| row.student_id == "S0")
        .unwrap();
    assert_eq!(
        (s0.videos_watched, s0.views),
        (1, 3),
        "NULL videos are views but not watched videos"
    );
}

#[test]
fn per_course_top_and_bottom_videos_and_course_totals() {
    let report = analyse_csv(
        &csv(&[
            "1,S1,10,CSC101,V1,T1,Student,90,",
            "2,S1,10,CSC101,V2,T2,Student,20,",
            "3,S2,10,CSC101,V3,T3,Student,20,",
            "4,S2,10,CSC101,V4,T4,Student,,",
            "5,S2,20,MTH201,V9,T9,Student,55,",
            "6,S2,,MTH201,V9,T9,Student,65,",
        ]),
        Options {
            per_course_n: 2,
            ..Options::default()
        },
    );
    let course = &report.courses[0];
    assert_eq!(
        (course.course_id.as_str(), course.course_code.as_deref()),
        ("10", Some("CSC101"))
    );
    assert_eq!((course.views, course.learners, course.videos), (4, 2, 4));
    let top: Vec<&str> = course
        .top
        .iter()
        .map(|video| video.video_id.as_str())
        .collect();
    let bottom: Vec<&str> = course
        .bottom
        .iter()
        .map(|video| video.video_id.as_str())
        .collect();
    assert_eq!(
        top,
        vec!["V1", "V2"],
        "V4 has no valid completion, so it is not ranked"
    );
    assert_eq!(bottom, vec!["V2", "V3"], "ties by video id");
    assert_eq!(
        report.courses[1].avg_completion,
        Some(55.0),
        "the NULL-course row is not in course 20"
    );
    let v9 = report
        .videos
        .iter()
        .find(|video| video.video_id == "V9")
        .unwrap();
    assert_eq!(
        (v9.views, v9.avg_completion, v9.course_id.as_deref()),
        (2, Some(60.0), Some("20"))
    );
    assert_eq!(report.quality.rule(Rule::CourseNotNull).count, 1);
}

#[test]
fn minimum_views_filters_the_video_list() {
    let rows = [
        "1,S1,1,C,V1,T,Student,90,",
        "2,S2,1,C,V1,T,Student,80,",
        "3,S1,1,C,V2,T,Student,100,",
    ];
    let report = analyse_csv(
        &csv(&rows),
        Options {
            min_views: 2,
            ..Options::default()
        },
    );
    let videos: Vec<&str> = report
        .videos
        .iter()
        .map(|video| video.video_id.as_str())
        .collect();
    assert_eq!(videos, vec!["V1"]);
}

#[test]
fn invalid_completions_are_flagged_and_left_out_of_averages() {
    let report = analyse_csv(
        &csv(&[
            "1,S1,1,C,V1,T,Student,50,",
            "2,S1,1,C,V1,T,Student,NaN,",
            "3,S1,1,C,V1,T,Student,-5,",
            "4,S1,1,C,V1,T,Student,130,",
            "5,S1,1,C,V1,T,Student,,",
            "6,S1,1,C,V1,T,Student,100,",
            "7,S1,1,C,V1,T,Student,0,",
        ]),
        Options::default(),
    );
    assert_eq!(report.learners[0].avg_completion, Some(50.0));
    assert_eq!(report.learners[0].views, 7);
    assert_eq!(report.rows.valid_completion, 3);
    let count = |rule| report.quality.rule(rule).count;
    assert_eq!(
        (
            count(Rule::CompletionNotNan),
            count(Rule::CompletionInRange),
            count(Rule::CompletionNotNull)
        ),
        (1, 2, 1)
    );
    let samples: Vec<u64> = report
        .quality
        .rule(Rule::CompletionInRange)
        .samples
        .iter()
        .map(|sample| sample.row)
        .collect();
    assert_eq!(samples, vec![3, 4], "samples carry 1-based row numbers");
    let histogram: Vec<u64> = report
        .completion_histogram
        .iter()
        .map(|bin| bin.count)
        .collect();
    assert_eq!(
        histogram,
        vec![1, 0, 0, 0, 0, 1, 0, 0, 0, 1],
        "100 falls in the last bin"
    );
}

#[test]
fn completion_as_text_with_percent_signs_is_parsed_and_junk_is_flagged() {
    let report = analyse_csv(
        "student_id,video_id,completion\nS1,V1,85%\nS1,V2,abc\nS1,V3, 65 %\n",
        Options::default(),
    );
    assert_eq!(report.learners[0].avg_completion, Some(75.0));
    assert_eq!(report.quality.rule(Rule::CompletionNumeric).count, 1);
    assert_eq!(
        report.quality.rule(Rule::CompletionNumeric).status,
        Status::Fail
    );
}

#[test]
fn fraction_scale_is_inferred_from_values_unless_named_or_overridden() {
    let fractions = "student_id,video_id,completion_rate\nS1,V1,0.5\nS1,V2,1.0\nS2,V1,0.25\n";
    let report = analyse_csv(fractions, Options::default());
    assert_eq!(report.learners[0].avg_completion, Some(75.0));
    assert_eq!(report.sources[0].completion_scale, Scale::Fraction);
    assert!(report.sources[0].scale_inferred);
    assert!(
        report
            .notes
            .iter()
            .any(|note| note.contains("read as a fraction"))
    );

    let forced = analyse_csv(
        fractions,
        Options {
            scale: Some(Scale::Percent),
            ..Options::default()
        },
    );
    assert_eq!(forced.learners[0].avg_completion, Some(0.75));

    // A percent-named column is never converted, even when all values are within 0..1.
    let named = analyse_csv(
        "student_id,video_id,completion_pct\nS1,V1,0.5\n",
        Options::default(),
    );
    assert_eq!(named.learners[0].avg_completion, Some(0.5));
    assert!(!named.sources[0].scale_inferred);
}

/// `n` rows of `completion_pct` values (a percent name) from `value(row)`.
fn pct_watched(n: usize, value: impl Fn(usize) -> String) -> String {
    let mut text = String::from("student_id,video_id,completion_pct\n");
    for row in 0..n {
        text.push_str(&format!("S{},V{},{}\n", row % 5, row % 3, value(row)));
    }
    text
}

#[test]
fn the_scale_check_warns_when_the_values_contradict_the_scale() {
    use coursepulse_engine::{Crossed, MIN_SCALE_EVIDENCE};
    let scale_rule = |report: &Report| report.quality.rule(Rule::CompletionScale).clone();
    let n = MIN_SCALE_EVIDENCE as usize;
    // A percent-named column holding fractions: every value is evidence; it warns, no more.
    let fractions = pct_watched(n, |row| format!("0.{:02}", row * 4 + 1));
    let report = analyse_csv(&fractions, Options::default());
    let rule = scale_rule(&report);
    assert_eq!(report.sources[0].completion_scale, Scale::Percent);
    assert_eq!(
        (rule.status, rule.count, rule.crossed),
        (Status::Warn, n as u64, Some(Crossed::WarnIf))
    );
    assert!(report.quality.passed, "the scale check only warns");
    let evidence = rule.details[0].value.as_deref().unwrap();
    assert!(
        evidence.contains("all 20 values lie within 0..1 (min 0.01, max 0.77)"),
        "{evidence}"
    );
    // One value fewer than the minimum, or one value above 1, and it passes.
    let few = analyse_csv(&pct_watched(n - 1, |_| "0.5".into()), Options::default());
    assert_eq!(scale_rule(&few).status, Status::Pass);
    let one_above = pct_watched(n, |row| if row == 0 { "40".into() } else { "0.5".into() });
    let one_above = analyse_csv(&one_above, Options::default());
    assert_eq!(scale_rule(&one_above).status, Status::Pass);
    // Switching the scale settles it and changes the mean a hundredfold.
    let switched = analyse_csv(
        &fractions,
        Options {
            scale: Some(Scale::Fraction),
            ..Options::default()
        },
    );
    assert_eq!(scale_rule(&switched).status, Status::Pass);
    let mean = |report: &Report| report.summary.mean_completion.unwrap();
    assert!((mean(&switched) - 100.0 * mean(&report)).abs() < 1e-9);
    // A fraction scale with values above 1: those values are the evidence.
    let percents = pct_watched(n, |row| {
        if row < 3 {
            format!("{}", 40 + row)
        } else {
            "0.5".into()
        }
    });
    let forced = analyse_csv(
        &percents,
        Options {
            scale: Some(Scale::Fraction),
            ..Options::default()
        },
    );
    let rule = scale_rule(&forced);
    assert_eq!((rule.status, rule.count), (Status::Warn, 3));
    assert!(
        rule.details[0]
            .value
            .as_deref()
            .unwrap()
            .contains("3 of 20 values lie above 1"),
        "{:?}",
        rule.details
    );
}

#[test]
fn future_timestamps_are_flagged_against_the_callers_clock() {
    let report = analyse_csv(
        &csv(&[
            "1,S1,1,C,V1,T,Student,50,2099-01-01T00:00:00Z",
            "2,S1,1,C,V1,T,Student,50,2025-06-01T00:00:00Z",
        ]),
        options_with_now(),
    );
    assert_eq!(report.quality.rule(Rule::TimestampNotFuture).count, 1);
    let without_clock = analyse_csv(
        &csv(&["1,S1,1,C,V1,T,Student,50,2099-01-01T00:00:00Z"]),
        Options::default(),
    );
    assert_eq!(
        without_clock.quality.rule(Rule::TimestampNotFuture).status,
        Status::Skipped
    );
}

#[test]
fn daily_series_uses_the_utc_date() {
    let report = analyse_csv(
        &csv(&[
            "1,S1,1,C,V1,T,Student,50,2025-03-01T23:59:59Z",
            "2,S1,1,C,V1,T,Student,70,2025-03-01T00:00:00Z",
            "3,S1,1,C,V1,T,Student,,2025-03-02T00:00:00Z",
        ]),
        Options::default(),
    );
    let days: Vec<(&str, u64, Option<f64>)> = report
        .daily
        .iter()
        .map(|day| (day.date.as_str(), day.views, day.avg_completion))
        .collect();
    assert_eq!(
        days,
        vec![("2025-03-01", 2, Some(60.0)), ("2025-03-02", 1, None)]
    );
}

#[test]
fn zero_student_rows_and_no_valid_completions_give_empty_rankings_not_errors() {
    let nobody = analyse_csv(&csv(&["1,S1,1,C,V1,T,Instructor,50,"]), Options::default());
    assert_eq!(nobody.rows.student, 0);
    assert!(
        nobody.most_watched_learner.is_none()
            && nobody.learners.is_empty()
            && nobody.courses.is_empty()
    );

    let no_valid = analyse_csv(
        &csv(&["1,S1,1,C,V1,T,Student,NaN,", "2,S2,1,C,V1,T,Student,,"]),
        Options::default(),
    );
    assert!(no_valid.learners_top.is_empty() && no_valid.learners_bottom.is_empty());
    assert_eq!(no_valid.learners.len(), 2);
    assert_eq!(no_valid.summary.mean_completion, None);
    assert!(no_valid.courses[0].top.is_empty());
    assert_eq!(no_valid.most_watched_learner.unwrap().student_id, "S1");
}

#[test]
fn header_only_csv_is_an_empty_dataset() {
    let report = analyse_csv(&csv(&[]), Options::default());
    assert_eq!(report.rows.total, 0);
    assert!(report.quality.passed);
}

#[test]
fn several_inputs_form_one_dataset_and_share_duplicate_keys() {
    let mut analysis = Analysis::new(Options::default()).unwrap();
    analysis
        .add_csv(
            "day1.csv",
            csv(&["1,S1,1,C,V1,T,Student,20,2025-01-01T00:00:00Z"]).as_bytes(),
        )
        .unwrap();
    analysis
        .add_csv(
            "day2.csv",
            csv(&[
                "1,S1,1,C,V1,T,Student,80,2025-01-02T00:00:00Z",
                "2,S2,1,C,V1,T,Student,40,",
            ])
            .as_bytes(),
        )
        .unwrap();
    let report = analysis.report();
    assert_eq!(report.rows.duplicates_removed, 1);
    assert_eq!(learners(&report)[0], (Some(1), "S1".to_owned(), Some(80.0)));
    assert_eq!(report.sources.len(), 2);
}

// ---- Parquet: types, layouts, streaming ----

fn parquet_bytes(batch: &RecordBatch, properties: WriterProperties) -> Bytes {
    let mut buffer = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut buffer, batch.schema(), Some(properties)).unwrap();
    writer.write(batch).unwrap();
    writer.close().unwrap();
    Bytes::from(buffer)
}

fn sample_batch(rows: usize) -> RecordBatch {
    let students: ArrayRef = Arc::new(StringArray::from_iter_values(
        (0..rows).map(|row| format!("S{}", row % 37)),
    ));
    let videos: ArrayRef = Arc::new(Int64Array::from_iter_values(
        (0..rows).map(|row| (row % 11) as i64),
    ));
    let completion: ArrayRef = Arc::new(Float64Array::from_iter((0..rows).map(|row| {
        if row % 13 == 0 {
            None
        } else {
            Some((row * 7 % 101) as f64)
        }
    })));
    RecordBatch::try_from_iter([
        ("student_id", students),
        ("video_id", videos),
        ("completion_rate_percent", completion),
    ])
    .unwrap()
}

#[test]
fn parquet_row_group_at_a_time_equals_whole_file_and_csv() {
    let batch = sample_batch(5_000);
    let properties = WriterProperties::builder()
        .set_max_row_group_row_count(Some(700))
        .build();
    let bytes = parquet_bytes(&batch, properties);

    let mut whole = Analysis::new(Options::default()).unwrap();
    whole.add_parquet("f.parquet", bytes.clone()).unwrap();

    let mut streamed = Analysis::new(Options {
        batch_size: 128,
        ..Options::default()
    })
    .unwrap();
    let file = ParquetFile::open("f.parquet", bytes).unwrap();
    assert_eq!(file.num_row_groups(), 8);
    let mut source = file.begin(&mut streamed).unwrap();
    for row_group in (0..file.num_row_groups()).rev().rev() {
        file.read_row_group(&mut streamed, &mut source, row_group)
            .unwrap();
    }
    streamed.finish_source(source).unwrap();

    let (whole, streamed) = (whole.report(), streamed.report());
    assert_eq!(whole.learners, streamed.learners);
    assert_eq!(whole.videos, streamed.videos);
    assert_eq!(whole.sources[0].row_groups, 8);
    assert_eq!(whole.rows.total, 5_000);
}

#[test]
fn bad_inputs_give_clear_errors() {
    let good = parquet_bytes(&sample_batch(100), WriterProperties::default());
    let csv_text = Bytes::from_static(b"student_id,video_id,completion\nS1,V1,50\n");
    let cases: Vec<(&str, Bytes, Option<Format>, &str)> = vec![
        (
            "empty.parquet",
            Bytes::new(),
            Some(Format::Parquet),
            "file is empty (0 bytes)",
        ),
        (
            "empty.csv",
            Bytes::new(),
            Some(Format::Csv),
            "file is empty",
        ),
        (
            "renamed.parquet",
            csv_text.clone(),
            Some(Format::Parquet),
            "looks like CSV text",
        ),
        (
            "magic.parquet",
            Bytes::from_static(b"NOPE0000000000000000"),
            Some(Format::Parquet),
            "no PAR1 magic bytes at the start",
        ),
        (
            "cut.parquet",
            good.slice(..good.len() / 2),
            Some(Format::Parquet),
            "truncated or corrupt",
        ),
        (
            "tiny.parquet",
            Bytes::from_static(b"PAR1PAR1"),
            Some(Format::Parquet),
            "too short",
        ),
        (
            "nocols.csv",
            Bytes::from_static(b"a,b\n1,2\n"),
            None,
            "no student id column",
        ),
        (
            "parquet.csv",
            good.clone(),
            Some(Format::Csv),
            "this is a Parquet file",
        ),
    ];
    for (name, bytes, format, expected) in cases {
        let mut analysis = Analysis::new(Options::default()).unwrap();
        let error = analysis
            .add_bytes(name, bytes, format)
            .unwrap_err()
            .to_string();
        assert!(error.contains(expected), "{name}: {error}");
        assert!(
            error.starts_with(name),
            "{name}: errors name the input: {error}"
        );
    }
}

#[test]
fn corrupt_footer_length_is_an_error_not_a_panic() {
    let good = parquet_bytes(&sample_batch(100), WriterProperties::default());
    let mut bytes = good.to_vec();
    let length_at = bytes.len() - 8;
    bytes[length_at..length_at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    let mut analysis = Analysis::new(Options::default()).unwrap();
    let error = analysis
        .add_parquet("bad-footer.parquet", Bytes::from(bytes))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains(
            "bad-footer.parquet: file is corrupt: the footer says the file metadata is 4294967295 bytes"
        ),
        "{error}"
    );
}

#[test]
fn options_are_validated() {
    assert!(
        Analysis::new(Options {
            top_n: 0,
            ..Options::default()
        })
        .is_err()
    );
    assert!(
        Analysis::new(Options {
            per_course_n: 0,
            ..Options::default()
        })
        .is_err()
    );
}

#[test]
fn filters_restrict_every_metric_and_rule_to_the_view() {
    let rows = [
        "1,S1,10,CSC101,V1,T,Student,80,2025-03-01T00:00:00Z",
        "2,S1,20,MTH201,V2,T,Student,20,2025-03-01T00:00:00Z",
        "3,S2,10,CSC101,V1,T,Student,NaN,2025-03-05T00:00:00Z",
        "4,S2,,,V1,T,Student,50,2025-03-01T00:00:00Z",
    ];
    let by_code = Options {
        filter: coursepulse_engine::Filter {
            courses: vec!["CSC101".into()],
            ..Default::default()
        },
        ..Options::default()
    };
    let report = analyse_csv(&csv(&rows), by_code);
    assert_eq!((report.rows.total, report.rows.filtered_out), (2, 2));
    assert_eq!(report.courses.len(), 1);
    assert_eq!(learners(&report)[0], (Some(1), "S1".to_owned(), Some(80.0)));
    assert_eq!(report.quality.rule(Rule::CompletionNotNan).count, 1);
    assert_eq!(
        report.quality.rule(Rule::CourseNotNull).count,
        0,
        "rows outside the view are not judged"
    );

    let by_id = Options {
        filter: coursepulse_engine::Filter {
            courses: vec!["20".into()],
            ..Default::default()
        },
        ..Options::default()
    };
    assert_eq!(
        analyse_csv(&csv(&rows), by_id).rows.total,
        1,
        "course ids match too"
    );

    let time = |text| coursepulse_engine::parse_time_micros(text).unwrap();
    let first_days = Options {
        filter: coursepulse_engine::Filter {
            courses: Vec::new(),
            from_micros: Some(time("2025-03-01T00:00:00Z")),
            to_micros: Some(time("2025-03-02T00:00:00Z")),
        },
        ..Options::default()
    };
    let report = analyse_csv(&csv(&rows), first_days);
    assert_eq!(report.rows.total, 3);
    assert_eq!(report.daily.len(), 1);
    let empty_range = Options {
        filter: coursepulse_engine::Filter {
            courses: Vec::new(),
            from_micros: Some(5),
            to_micros: Some(5),
        },
        ..Options::default()
    };
    assert!(Analysis::new(empty_range).is_err());
}

#[test]
fn csv_completion_with_non_ascii_digits_is_flagged_not_fatal() {
    let report = analyse_csv(
        "student_id,video_id,completion\nS1,V1,50\nS1,V2,١٢\nS1,V3,70\n",
        Options::default(),
    );
    assert_eq!(report.learners[0].avg_completion, Some(60.0));
    assert_eq!(report.quality.rule(Rule::CompletionNumeric).count, 1);
}

#[test]
fn set_listing_reshapes_the_report_without_reading_again() {
    let mut analysis = Analysis::new(Options::default()).unwrap();
    let text = "student_id,video_id,course_id,completion_rate_percent\n\
                S1,V1,C1,90\nS2,V1,C1,80\nS3,V2,C1,70\nS4,V3,C1,60\nS4,V3,C1,60\n";
    analysis.add_csv("t.csv", text.as_bytes()).unwrap();
    let before = analysis.report();
    assert_eq!(before.learners_top.len(), 4);
    assert_eq!(before.courses[0].top.len(), 3);

    analysis.set_listing(1, 1, 2).unwrap();
    let after = analysis.report();
    assert_eq!(after.learners_top.len(), 1);
    assert_eq!(after.learners_top[0].student_id, "S1");
    assert_eq!(after.learners_bottom[0].student_id, "S4");
    assert_eq!(after.courses[0].top.len(), 1);
    let videos: Vec<&str> = after
        .videos
        .iter()
        .map(|video| video.video_id.as_str())
        .collect();
    // V3's second row is a whole-row duplicate, so only V1 has two views.
    assert_eq!(videos, ["V1"]);
    assert_eq!(after.rows, before.rows);
    assert!(analysis.set_listing(0, 1, 1).is_err());
    assert!(
        analysis.set_min_videos(0).is_err(),
        "min_videos 0 is refused like --min-videos 0"
    );
}

#[test]
fn courses_seen_and_date_span_ignore_the_filter() {
    let mut options = Options::default();
    options.filter.courses = vec!["C2".into()];
    options.filter.from_micros = coursepulse_engine::parse_time_micros("2025-03-02").ok();
    let mut analysis = Analysis::new(options).unwrap();
    let text = "student_id,video_id,course_id,completion_rate_percent,watched_at\n\
                S1,V1,C1,90,2025-03-01T10:00:00Z\nS2,V2,C2,80,2025-03-05T23:00:00Z\n\
                S3,V3,C3,70,\n";
    analysis.add_csv("t.csv", text.as_bytes()).unwrap();
    assert_eq!(analysis.courses_seen(), ["C1", "C2", "C3"]);
    assert_eq!(
        analysis.date_span(),
        Some(("2025-03-01".to_owned(), "2025-03-05".to_owned()))
    );
    let rows = analysis.report().rows;
    assert_eq!((rows.total, rows.filtered_out), (1, 2));

    let mut untimed = Analysis::new(Options::default()).unwrap();
    untimed
        .add_csv(
            "u.csv",
            b"student_id,video_id,completion\nS1,V1,5\n".as_slice(),
        )
        .unwrap();
    assert_eq!(untimed.date_span(), None);
}

// ---- Reading in several key passes (bounded memory) ----

/// The report as JSON without quality samples, which multi-pass reads pick pass by pass.
fn without_samples(report: &Report) -> serde_json::Value {
    fn strip(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                map.remove("samples");
                map.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut value = serde_json::to_value(report).unwrap();
    strip(&mut value);
    value
}

fn analyse_files(files: &[(&str, Bytes)], max_keys_per_pass: u64) -> (Report, u32) {
    let mut analysis = Analysis::new(Options {
        max_keys_per_pass,
        ..options_with_now()
    })
    .unwrap();
    let opened: Vec<_> = files
        .iter()
        .map(|(name, bytes)| ParquetFile::open(name, bytes.clone()).unwrap())
        .collect();
    let passes = analysis.key_passes(opened.iter().map(ParquetFile::num_rows).sum());
    analysis.add_parquet_files(&opened).unwrap();
    (analysis.report(), passes)
}

#[test]
fn several_key_passes_give_the_single_pass_report() {
    use coursepulse_fixtures::Spec;
    for with_event_id in [true, false] {
        let spec = |first_event_id, seed| Spec {
            with_event_id,
            first_event_id,
            duplicate_fraction: 0.05,
            ..Spec::default().rows(6_000).seed(seed)
        };
        // Overlapping event ids: duplicates across the two files as well as within each.
        let files = [
            (
                "a.parquet",
                Bytes::from(coursepulse_fixtures::parquet_bytes(&spec(1, 7)).unwrap()),
            ),
            (
                "b.parquet",
                Bytes::from(coursepulse_fixtures::parquet_bytes(&spec(4_001, 8)).unwrap()),
            ),
        ];
        let (single, one) = analyse_files(&files, u64::MAX);
        let (split, passes) = analyse_files(&files, 1_000);
        assert_eq!((one, passes), (1, 12));
        assert!(
            single.rows.duplicates_removed > 0,
            "the data has duplicates"
        );
        assert_eq!(
            without_samples(&split),
            without_samples(&single),
            "event id: {with_event_id}"
        );
    }
}

#[test]
fn an_input_added_after_a_multi_pass_read_is_refused() {
    let bytes = Bytes::from(
        coursepulse_fixtures::parquet_bytes(&coursepulse_fixtures::Spec::default().rows(3_000))
            .unwrap(),
    );
    let mut analysis = Analysis::new(Options {
        max_keys_per_pass: 1_000,
        ..Options::default()
    })
    .unwrap();
    analysis.add_parquet("a.parquet", bytes).unwrap();
    // Other content: the same bytes would be refused as already loaded, before any read.
    let other = Bytes::from(
        coursepulse_fixtures::parquet_bytes(
            &coursepulse_fixtures::Spec::default().rows(3_000).seed(9),
        )
        .unwrap(),
    );
    let error = analysis.add_parquet("b.parquet", other).unwrap_err();
    assert!(error.to_string().contains("read in 3 passes"), "{error}");
}

/// A Parquet input whose reads of the bytes in `panic_in` panic, as a decoder does on some
/// malformed pages: the panic is raised inside the parquet crate's call stack.
#[derive(Clone)]
struct PanickingReader {
    bytes: Bytes,
    panic_in: std::ops::Range<u64>,
}

impl parquet::file::reader::Length for PanickingReader {
    fn len(&self) -> u64 {
        self.bytes.len() as u64
    }
}

impl parquet::file::reader::ChunkReader for PanickingReader {
    type T = bytes::buf::Reader<Bytes>;

    fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
        assert!(!self.panic_in.contains(&start), "decoder bug at {start}");
        self.bytes.get_read(start)
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        assert!(!self.panic_in.contains(&start), "decoder bug at {start}");
        self.bytes.get_bytes(start, length)
    }
}

/// Two row groups of `sample_batch`, and where the second one's column chunks start and end.
fn two_row_groups() -> (Bytes, std::ops::Range<u64>) {
    let properties = WriterProperties::builder()
        .set_max_row_group_row_count(Some(600))
        .build();
    let bytes = parquet_bytes(&sample_batch(1_200), properties);
    let metadata = parquet::file::metadata::ParquetMetaDataReader::new()
        .parse_and_finish(&bytes)
        .unwrap();
    let second = metadata.row_group(1);
    let (start, length) = second.column(0).byte_range();
    let end = (0..second.num_columns())
        .map(|column| {
            let (start, length) = second.column(column).byte_range();
            start + length
        })
        .max()
        .unwrap();
    assert!(length > 0);
    (bytes, start..end)
}

fn decoder_error(error: coursepulse_engine::Error) -> String {
    assert!(
        matches!(error, coursepulse_engine::Error::Decoder { .. }),
        "{error:?}"
    );
    error.to_string()
}

#[test]
fn a_decoder_panic_in_the_footer_is_an_error_and_leaves_the_analysis_as_it_was() {
    let (bytes, _) = two_row_groups();
    let mut analysis = Analysis::new(Options::default()).unwrap();
    analysis
        .add_csv(
            "first.csv",
            "student_id,video_id,completion\nS1,V1,80\n".as_bytes(),
        )
        .unwrap();
    let before = analysis.report();
    // Only the decoder reads the file metadata, which ends 8 bytes before the end of the file.
    let length_at = bytes.len() - 8;
    let metadata_length = u32::from_le_bytes(bytes[length_at..length_at + 4].try_into().unwrap());
    let metadata_start = (length_at - metadata_length as usize) as u64;
    let reader = PanickingReader {
        panic_in: metadata_start..metadata_start + 1,
        bytes,
    };
    let error = decoder_error(analysis.add_parquet("bad.parquet", reader).unwrap_err());
    assert!(
        error.starts_with(
            "bad.parquet: the Parquet decoder failed on malformed data: decoder bug at"
        ),
        "{error}"
    );
    assert!(!error.contains("panicked"), "{error}");
    assert!(
        analysis.report() == before,
        "the failed input changed the report"
    );
}

#[test]
fn a_decoder_panic_before_any_row_is_counted_drops_the_source() {
    let (bytes, second_row_group) = two_row_groups();
    let first_row_group = 4..second_row_group.start;
    let mut analysis = Analysis::new(Options::default()).unwrap();
    // The same rows in other row groups: other bytes, so not refused as already loaded.
    let good = parquet_bytes(
        &sample_batch(1_200),
        WriterProperties::builder()
            .set_max_row_group_row_count(Some(400))
            .build(),
    );
    analysis.add_parquet("good.parquet", good).unwrap();
    let before = analysis.report();
    let reader = PanickingReader {
        bytes: bytes.clone(),
        panic_in: first_row_group,
    };
    let error = decoder_error(analysis.add_parquet("bad.parquet", reader).unwrap_err());
    assert!(error.contains("decoder bug at 4"), "{error}");
    let (after, before_json) = (
        serde_json::to_value(analysis.report()).unwrap(),
        serde_json::to_value(&before).unwrap(),
    );
    for (key, value) in before_json.as_object().unwrap() {
        assert_eq!(
            &after[key], value,
            "the failed input changed the report's {key}"
        );
    }
    // Not remembered as loaded: the same file can be tried again.
    let fingerprint = ParquetFile::open("bad.parquet", bytes.clone())
        .unwrap()
        .fingerprint();
    assert!(!analysis.has_loaded(fingerprint));
    // The analysis goes on working: the same good input again only adds duplicates.
    analysis.add_parquet("again.parquet", bytes).unwrap();
    let after = analysis.report();
    assert_eq!(after.learners, before.learners);
    assert_eq!(after.rows.duplicates_removed, 1_200);
    assert_eq!(after.sources.len(), 2);
}

#[test]
fn a_decoder_panic_after_rows_were_counted_lists_the_partial_source_with_a_note() {
    let (bytes, second_row_group) = two_row_groups();
    let options = Options {
        scale: Some(Scale::Percent),
        ..Options::default()
    };
    let mut analysis = Analysis::new(options.clone()).unwrap();
    analysis
        .add_csv(
            "first.csv",
            "student_id,video_id,completion\nZ9,V1,80\n".as_bytes(),
        )
        .unwrap();
    let reader = PanickingReader {
        bytes: bytes.clone(),
        panic_in: second_row_group,
    };
    let error = decoder_error(analysis.add_parquet("bad.parquet", reader).unwrap_err());
    let report = analysis.report();
    // What is counted is exactly the first input plus the first row group of the second.
    let mut expected = Analysis::new(options).unwrap();
    expected
        .add_csv(
            "first.csv",
            "student_id,video_id,completion\nZ9,V1,80\n".as_bytes(),
        )
        .unwrap();
    let first_row_group = parquet_bytes(
        &sample_batch(1_200).slice(0, 600),
        WriterProperties::default(),
    );
    expected
        .add_parquet("bad.parquet", first_row_group)
        .unwrap();
    let expected = expected.report();
    assert_eq!(report.learners, expected.learners);
    assert_eq!(report.rows, expected.rows);
    let rows: Vec<(&str, u64)> = report
        .sources
        .iter()
        .map(|source| (source.name.as_str(), source.rows))
        .collect();
    assert_eq!(rows, [("first.csv", 1), ("bad.parquet", 600)]);
    let note = report
        .notes
        .iter()
        .find(|note| note.starts_with("bad.parquet: reading stopped at row group 2 of 2"))
        .unwrap_or_else(|| panic!("{:?}", report.notes));
    assert!(note.contains(&error), "{note}");
}

/// Reads `bytes` the two ways the `parquet` fuzz target does (whole, with 64-row batches; and row
/// group by row group, last first) and returns the errors. A panic escaping the engine fails
/// the test.
fn read_like_the_fuzz_target(name: &str, bytes: Bytes) -> Vec<coursepulse_engine::Error> {
    let options = Options {
        batch_size: 64,
        ..Options::default()
    };
    let mut errors = Vec::new();
    let mut analysis = Analysis::new(options.clone()).unwrap();
    if let Err(error) = analysis.add_bytes(name, bytes.clone(), Some(Format::Parquet)) {
        errors.push(error);
    }
    let _ = analysis.report();
    let mut analysis = Analysis::new(options).unwrap();
    match ParquetFile::open(name, bytes) {
        Ok(file) => {
            let mut source = file.begin(&mut analysis).unwrap();
            for row_group in (0..file.num_row_groups()).rev() {
                if let Err(error) = file.read_row_group(&mut analysis, &mut source, row_group) {
                    errors.push(analysis.abandon_source(source, "a row group", error));
                    let _ = analysis.report();
                    return errors;
                }
            }
            analysis.finish_source(source).unwrap();
            let _ = analysis.report();
        }
        Err(error) => errors.push(error),
    }
    errors
}

#[test]
fn parquet_decoder_panics_found_by_fuzzing_are_errors() {
    // Inputs on which parquet 60.1 / arrow-buffer 60.1 panic (with debug assertions), kept from
    // `cargo xtask fuzz parquet`; see docs/fuzzing.md.
    let cases = [
        (
            "fuzz-parquet-delta-byte-array-add-overflow.parquet",
            "attempt to add with overflow (at parquet-60.1.0/src/arrow/decoder/delta_byte_array.rs:95:16)",
        ),
        (
            "fuzz-parquet-bit-chunk-iterator-out-of-bounds.parquet",
            "offset + len out of bounds (at arrow-buffer-60.1.0/src/util/bit_chunk_iterator.rs:235:9)",
        ),
        (
            "fuzz-parquet-dictionary-decoder-not-set.parquet",
            "Decoder for dict should have been set (at parquet-60.1.0/src/column/reader/decoder.rs:374:18)",
        ),
        (
            "fuzz-parquet-negative-column-start.parquet",
            "column start and length should not be negative (at parquet-60.1.0/src/file/metadata/mod.rs:1043:9)",
        ),
        (
            "fuzz-parquet-bit-util-shift-overflow.parquet",
            "attempt to shift left with overflow (at parquet-60.1.0/src/util/bit_util.rs:1187:18)",
        ),
    ];
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/bad-inputs");
    for (name, panic) in cases {
        let bytes = Bytes::from(std::fs::read(corpus.join(name)).unwrap());
        let errors = read_like_the_fuzz_target(name, bytes);
        let expected = format!("{name}: the Parquet decoder failed on malformed data: {panic}");
        assert!(
            errors.iter().any(|error| error.to_string() == expected),
            "{name}: {errors:#?}"
        );
    }
}

/// Regression: a row group pruned before a later one failed stayed in the pruning counters
/// (and in `filtered_out`), so a failed file still changed the report.
#[test]
fn a_file_failing_after_a_pruned_row_group_leaves_every_counter_as_it_was() {
    use arrow_array::TimestampMicrosecondArray;
    let day = |text: &str| coursepulse_engine::parse_time_micros(text).unwrap();
    let rows = 1_200;
    let base = sample_batch(rows);
    // The first row group (600 rows) is in January, the second in March.
    let times: ArrayRef = Arc::new(
        TimestampMicrosecondArray::from_iter_values((0..rows).map(|row| {
            if row < 600 {
                day("2025-01-10") + row as i64
            } else {
                day("2025-03-10") + row as i64
            }
        }))
        .with_timezone("UTC"),
    );
    let mut columns = base.columns().to_vec();
    columns.push(times);
    let mut fields: Vec<_> = base.schema().fields().iter().cloned().collect();
    fields.push(Arc::new(arrow_schema::Field::new(
        "watched_at",
        columns[3].data_type().clone(),
        false,
    )));
    let batch = RecordBatch::try_new(Arc::new(arrow_schema::Schema::new(fields)), columns).unwrap();
    let bytes = parquet_bytes(
        &batch,
        WriterProperties::builder()
            .set_max_row_group_row_count(Some(600))
            .build(),
    );
    let metadata = parquet::file::metadata::ParquetMetaDataReader::new()
        .parse_and_finish(&bytes)
        .unwrap();
    let second_start = metadata.row_group(1).column(0).byte_range().0;

    let mut options = Options::default();
    options.filter.from_micros =
        Some(coursepulse_engine::range_start_micros("2025-03-01").unwrap());
    options.filter.to_micros = Some(coursepulse_engine::range_end_micros("2025-03-31").unwrap());
    let mut analysis = Analysis::new(options).unwrap();
    analysis
        .add_csv(
            "first.csv",
            "student_id,video_id,completion_rate_percent,watched_at\nS1,V1,80,2025-03-02T10:00:00Z\n"
                .as_bytes(),
        )
        .unwrap();
    let before = serde_json::to_value(analysis.report()).unwrap();
    let reader = PanickingReader {
        bytes,
        panic_in: second_start..second_start + 1,
    };
    let error = decoder_error(analysis.add_parquet("bad.parquet", reader).unwrap_err());
    assert!(error.contains("decoder bug at"), "{error}");
    let after = serde_json::to_value(analysis.report()).unwrap();
    assert_eq!(after["pruning"], before["pruning"]);
    assert_eq!(after["rows"], before["rows"]);
    assert_eq!(after, before, "the failed file changed the report");
}
