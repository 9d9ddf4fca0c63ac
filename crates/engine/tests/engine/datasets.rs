//! Datasets of many files: hive partitions, pruning (which must change no figure), content
//! fingerprints, upserts across files, and incremental state.

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use bytes::Bytes;
use coursepulse_engine::{Analysis, Options, Partitioning, Report};
use coursepulse_fixtures::{
    DaySpec, FIRST_DAY, day_batch, day_parquet, day_path, unpruned_figures,
};
use parquet::arrow::ArrowWriter;
use parquet::file::properties::{EnabledStatistics, WriterProperties};

const DAY: i64 = 86_400_000_000;

/// A row's (watched_at, last_updated_at).
type Times = (Option<i64>, Option<i64>);

/// Analyses `files` (name, bytes) as one partitioned dataset.
fn analyse(files: &[(String, Bytes)], options: Options) -> Analysis {
    let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
    let mut analysis = Analysis::new(options).unwrap();
    analysis
        .set_partitioning(Partitioning::infer(&names))
        .unwrap();
    for (name, bytes) in files {
        analysis.add_bytes(name, bytes.clone(), None).unwrap();
    }
    analysis
}

/// The report as JSON without what pruning may change (see `unpruned_figures`).
fn figures(report: &Report) -> serde_json::Value {
    unpruned_figures(serde_json::to_value(report).unwrap())
}

fn days(spec: &DaySpec) -> Vec<(String, Bytes)> {
    (0..spec.days)
        .map(|day| (day_path(day), Bytes::from(day_parquet(spec, day).unwrap())))
        .collect()
}

fn range(first_day: i64, end_day: i64) -> Options {
    let mut options = Options::default();
    options.filter.from_micros = Some((FIRST_DAY + first_day) * DAY);
    options.filter.to_micros = Some((FIRST_DAY + end_day) * DAY);
    options
}

fn without_pruning(mut options: Options) -> Options {
    options.prune = false;
    options
}

/// Checks that pruning with `options` skips what is expected and changes no other figure.
fn check_pruning(
    files: &[(String, Bytes)],
    options: Options,
    expected_files_skipped: u64,
    expected_row_groups_skipped: u64,
) {
    let pruned = analyse(files, options.clone()).report();
    let everything = analyse(files, without_pruning(options)).report();
    assert_eq!(figures(&pruned), figures(&everything));
    assert_eq!(everything.pruning.files_skipped, 0);
    assert_eq!(everything.pruning.row_groups_skipped, 0);
    assert_eq!(
        (
            pruned.pruning.files_skipped,
            pruned.pruning.row_groups_skipped
        ),
        (expected_files_skipped, expected_row_groups_skipped),
        "{:?}",
        pruned.pruning
    );
    assert_eq!(pruned.pruning.bytes, everything.pruning.bytes);
    assert_eq!(
        pruned.pruning.bytes_skipped > 0,
        expected_files_skipped + expected_row_groups_skipped > 0
    );
}

#[test]
fn day_files_outside_the_range_are_skipped_by_their_statistics() {
    // No late updates: every row of date=D was watched on day D, so the statistics of every
    // row group of a day outside the range prove it outside, and the file is skipped whole.
    let spec = DaySpec {
        updates_per_day: 0,
        stale_per_day: 0,
        ..DaySpec::default()
    };
    let files = days(&spec);
    check_pruning(&files, range(3, 6), 7, 0);
    // A range starting mid-day keeps that day's file; its rows are filtered one by one.
    let mut options = range(3, 6);
    options.filter.from_micros = options.filter.from_micros.map(|from| from + DAY / 2);
    check_pruning(&files, options, 7, 0);
    check_pruning(&files, Options::default(), 0, 0);
    let report = analyse(&files, range(3, 6)).report();
    assert_eq!(report.daily.len(), 3);
    assert_eq!(report.rows.total, 3 * spec.rows_per_day);
    assert_eq!(report.rows.filtered_out, 7 * spec.rows_per_day);
}

/// Regression: a file under `date=D/` was skipped by D alone, though it holds late updates of
/// events watched on earlier days (its rows have their own `watched_at`). A range over those
/// days lost the updates: fewer rows, no duplicates, another mean. Only statistics may skip
/// such a file now.
#[test]
fn late_updates_filed_under_a_later_day_count_in_the_range_of_their_watch_time() {
    let spec = DaySpec::default();
    let files = days(&spec);
    // Each day file is its day's 400 new events (row groups 0..=2 of 128 rows hold only those),
    // then the late updates and stale copies of earlier events (row group 3, with 16 of the
    // new ones). Before the range, every row group of a file lies outside it: the file is
    // skipped whole. After it, row groups 0..=2 are skipped and row group 3 is read.
    for (first_day, end_day) in [(1, 2), (3, 6), (0, 1), (8, 10), (4, 5)] {
        let days_after = (spec.days as i64 - end_day) as u64;
        check_pruning(
            &files,
            range(first_day, end_day),
            first_day as u64,
            3 * days_after,
        );
    }
    // The range keeps updates from files after it: they are duplicates of its own events.
    let report = analyse(&files, range(1, 2)).report();
    assert!(report.rows.duplicates_removed > 0, "{:?}", report.rows);
    assert!(report.rows.total > spec.rows_per_day, "{:?}", report.rows);
}

/// Where the folder's date is the rows' only time, it still skips the file by name alone.
#[test]
fn a_day_file_without_times_of_its_own_is_skipped_by_its_folder_date() {
    let spec = DaySpec::default();
    let files: Vec<(String, Bytes)> = (0..spec.days)
        .map(|day| {
            let batch = day_batch(&spec, day).unwrap();
            let keep: Vec<usize> = (0..batch.num_columns())
                .filter(|index| !batch.schema().field(*index).name().ends_with("_at"))
                .collect();
            let batch = batch.project(&keep).unwrap();
            (
                day_path(day),
                parquet(&[batch], 128, EnabledStatistics::Chunk),
            )
        })
        .collect();
    check_pruning(&files, range(3, 6), 7, 0);
    let report = analyse(&files, range(3, 6)).report();
    assert!(
        report.sources[0]
            .mapping
            .contains(&("watched_at".to_owned(), "date".to_owned()))
    );
    assert_eq!(report.daily.len(), 3);
    // Every row outside the range was skipped unread.
    assert_eq!(report.pruning.rows_skipped, report.rows.filtered_out);
    // Days 0..=2 and 6..=9; day 0 has no late rows.
    let late = spec.updates_per_day + spec.stale_per_day;
    assert_eq!(report.rows.filtered_out, 7 * spec.rows_per_day + 6 * late);
}

#[test]
fn row_groups_are_pruned_by_time_statistics() {
    // One file of ten days in row groups of 100 rows, so most row groups hold one day.
    let spec = DaySpec {
        updates_per_day: 0,
        stale_per_day: 0,
        ..DaySpec::default()
    };
    let batches: Vec<RecordBatch> = (0..spec.days)
        .map(|day| day_batch(&spec, day).unwrap())
        .collect();
    let file = parquet(&batches, 100, EnabledStatistics::Chunk);
    let files = vec![("all.parquet".to_owned(), file)];
    // Days 3..6 are rows 1200..2400: row groups 12..23 are read, 28 of 40 skipped.
    check_pruning(&files, range(3, 6), 0, 28);
    // Without statistics nothing can be skipped.
    let bare = parquet(&batches, 100, EnabledStatistics::None);
    check_pruning(&[("bare.parquet".to_owned(), bare)], range(3, 6), 0, 0);
}

#[test]
fn row_groups_with_null_times_fall_back_to_last_updated_at() {
    let in_range = 10 * DAY + 5;
    let before = 2 * DAY;
    // Row group 0: every watched_at before the range. Row group 1: watched_at before the range
    // but one NULL whose last_updated_at lies in it: that row counts. Row group 2: no times at
    // all (dropped by a time bound anyway).
    let groups: [&[Times]; 3] = [
        &[(Some(before), Some(in_range)), (Some(before + 1), None)],
        &[(Some(before), None), (None, Some(in_range))],
        &[(None, None), (None, None)],
    ];
    let batches: Vec<RecordBatch> = groups
        .iter()
        .enumerate()
        .map(|(group, rows)| {
            let utc = Some(Arc::<str>::from("UTC"));
            let times = |pick: fn(&Times) -> Option<i64>| -> ArrayRef {
                Arc::new(
                    TimestampMicrosecondArray::from(rows.iter().map(pick).collect::<Vec<_>>())
                        .with_timezone_opt(utc.clone()),
                )
            };
            let timestamp = DataType::Timestamp(TimeUnit::Microsecond, utc.clone());
            let schema = Arc::new(Schema::new(vec![
                Field::new("student_id", DataType::Utf8, false),
                Field::new("video_id", DataType::Utf8, false),
                Field::new("completion_rate_percent", DataType::Float64, false),
                Field::new("watched_at", timestamp.clone(), true),
                Field::new("last_updated_at", timestamp, true),
            ]));
            RecordBatch::try_new(
                schema,
                vec![
                    Arc::new(StringArray::from(vec![format!("S{group}"); rows.len()])),
                    Arc::new(StringArray::from(vec!["V1"; rows.len()])),
                    Arc::new(Float64Array::from(vec![50.0; rows.len()])),
                    times(|row| row.0),
                    times(|row| row.1),
                ],
            )
            .unwrap()
        })
        .collect();
    let file = parquet(&batches, 2, EnabledStatistics::Chunk);
    let mut options = Options::default();
    options.filter.from_micros = Some(10 * DAY);
    options.filter.to_micros = Some(11 * DAY);
    let files = [("nulls.parquet".to_owned(), file)];
    check_pruning(&files, options.clone(), 0, 2);
    let report = analyse(&files, options).report();
    assert_eq!(
        report.rows.total, 1,
        "the NULL-watched row in range is kept"
    );
    assert_eq!(report.learners[0].student_id, "S1");
}

#[test]
fn course_partitions_become_the_course_and_prune_by_the_course_filter() {
    let csv = "student_id,video_id,completion_rate_percent\nS1,V1,80\nS2,V1,40\n";
    let files: Vec<(String, Bytes)> = ["CSC101", "CSC102", "CSC%20103"]
        .iter()
        .map(|code| {
            (
                format!("course_code={code}/part-0.csv"),
                Bytes::from_static(csv.as_bytes()),
            )
        })
        .collect();
    // Fingerprints identify content, not names: the files differ by trailing blank lines.
    let files: Vec<(String, Bytes)> = files
        .into_iter()
        .enumerate()
        .map(|(index, (name, bytes))| {
            let mut bytes = bytes.to_vec();
            bytes.extend(std::iter::repeat_n(b'\n', index));
            (name, Bytes::from(bytes))
        })
        .collect();
    let all = analyse(&files, Options::default()).report();
    let courses: Vec<&str> = all
        .courses
        .iter()
        .map(|row| row.course_id.as_str())
        .collect();
    assert_eq!(courses, ["CSC 103", "CSC101", "CSC102"]);
    assert_eq!(
        all.sources[0].mapping,
        [
            ("student".to_owned(), "student_id".to_owned()),
            ("video".to_owned(), "video_id".to_owned()),
            ("course_code".to_owned(), "course_code".to_owned()),
            (
                "completion".to_owned(),
                "completion_rate_percent".to_owned()
            ),
        ]
    );
    let mut options = Options::default();
    options.filter.courses = vec!["CSC102".to_owned()];
    check_pruning(&files, options.clone(), 2, 0);
    let report = analyse(&files, options).report();
    assert_eq!(report.rows.total, 2);
    assert_eq!(report.rows.filtered_out, 4);
}

#[test]
fn a_date_partition_is_the_time_column_when_the_file_has_none() {
    let csv = "student_id,video_id,completion_rate_percent\nS1,V1,80\n";
    let files: Vec<(String, Bytes)> = ["2025-03-01", "2025-03-02"]
        .iter()
        .enumerate()
        .map(|(index, date)| {
            let mut bytes = csv.as_bytes().to_vec();
            bytes.extend(std::iter::repeat_n(b'\n', index));
            (format!("date={date}/x.csv"), Bytes::from(bytes))
        })
        .collect();
    let report = analyse(&files, Options::default()).report();
    let dates: Vec<&str> = report.daily.iter().map(|row| row.date.as_str()).collect();
    assert_eq!(dates, ["2025-03-01", "2025-03-02"]);
    assert!(
        report.sources[0]
            .mapping
            .contains(&("watched_at".to_owned(), "date".to_owned()))
    );
    check_pruning(&files, range(1, 2), 1, 0);
}

#[test]
fn a_file_seen_before_is_refused_by_fingerprint_whatever_its_name() {
    let spec = DaySpec::default();
    let day = Bytes::from(day_parquet(&spec, 0).unwrap());
    let once = analyse(
        &[("a/day.parquet".to_owned(), day.clone())],
        Options::default(),
    );
    let twice = analyse(
        &[
            ("a/day.parquet".to_owned(), day.clone()),
            ("b/copy.parquet".to_owned(), day.clone()),
        ],
        Options::default(),
    );
    let (once, twice) = (once.report(), twice.report());
    assert_eq!(twice.pruning.files_already_loaded, 1);
    assert!(
        twice
            .notes
            .iter()
            .any(|note| note.starts_with("b/copy.parquet: skipped")),
        "{:?}",
        twice.notes
    );
    assert_eq!(twice.rows, once.rows);
    assert_eq!(twice.learners, once.learners);
    assert_eq!(twice.sources, once.sources);
    // The same rows in a file with other bytes are duplicates: counted, metrics unchanged.
    let batch = day_batch(&spec, 0).unwrap();
    let rewritten = parquet(&[batch], 50, EnabledStatistics::Page);
    assert_ne!(rewritten, day);
    let both = analyse(
        &[
            ("a/day.parquet".to_owned(), day),
            ("b/rewritten.parquet".to_owned(), rewritten),
        ],
        Options::default(),
    )
    .report();
    assert_eq!(both.pruning.files_already_loaded, 0);
    assert_eq!(
        both.rows.duplicates_removed, spec.rows_per_day,
        "{:?} {:?}",
        both.rows, both.pruning
    );
    assert_eq!(both.rows.student, once.rows.student);
    assert_eq!(both.learners, once.learners);
    assert_eq!(both.videos, once.videos);
    assert_eq!(both.courses, once.courses);
}

fn parquet(batches: &[RecordBatch], row_group_rows: usize, statistics: EnabledStatistics) -> Bytes {
    let properties = WriterProperties::builder()
        .set_max_row_group_row_count(Some(row_group_rows))
        .set_statistics_enabled(statistics)
        .build();
    let mut bytes = Vec::new();
    let mut writer =
        ArrowWriter::try_new(&mut bytes, batches[0].schema(), Some(properties)).unwrap();
    for batch in batches {
        writer.write(batch).unwrap();
        writer.flush().unwrap();
    }
    writer.close().unwrap();
    Bytes::from(bytes)
}

const UPSERT_HEADER: &str =
    "event_id,student_id,video_id,course_code,role,completion_rate_percent,last_updated_at\n";

/// One CSV file of (event id, completion, last_updated_at) rows for learner S1, video V1.
fn events(rows: &[(u32, f64, &str)]) -> Bytes {
    let mut text = UPSERT_HEADER.to_owned();
    for (event, completion, updated_at) in rows {
        text.push_str(&format!(
            "{event},S1,V{event},C1,Student,{completion},{updated_at}\n"
        ));
    }
    Bytes::from(text)
}

/// S1's average and the duplicates dropped after adding `files` in order.
fn check_upsert(files: &[Bytes], expected_average: f64, expected_duplicates: u64) {
    let named: Vec<(String, Bytes)> = files
        .iter()
        .enumerate()
        .map(|(index, bytes)| {
            (
                format!("date=2025-03-0{}/part-0.csv", index + 1),
                bytes.clone(),
            )
        })
        .collect();
    let report = analyse(&named, Options::default()).report();
    assert_eq!(
        (
            report.learners[0].avg_completion,
            report.rows.duplicates_removed
        ),
        (Some(expected_average), expected_duplicates)
    );
    assert_eq!(report.rows.student, 2, "one kept row per event");
}

#[test]
fn upserts_keep_the_latest_update_whatever_file_it_arrives_in() {
    let day_one = events(&[
        (1, 40.0, "2025-03-01T10:00:00Z"),
        (2, 20.0, "2025-03-01T11:00:00Z"),
    ]);
    // A late-arriving update: later last_updated_at in a later file replaces the first copy.
    let late_update = events(&[(1, 90.0, "2025-03-02T10:00:00Z")]);
    check_upsert(&[day_one.clone(), late_update.clone()], 55.0, 1);
    // An older update arriving later loses.
    let stale = events(&[(1, 10.0, "2025-02-28T10:00:00Z")]);
    check_upsert(&[day_one.clone(), stale.clone()], 30.0, 1);
    // Both, in either order: the latest wins.
    check_upsert(
        &[day_one.clone(), stale.clone(), late_update.clone()],
        55.0,
        2,
    );
    check_upsert(&[late_update.clone(), day_one.clone(), stale], 55.0, 2);
    // A NULL last_updated_at loses to any time; equal times keep the first seen.
    let undated = events(&[(1, 100.0, "")]);
    check_upsert(&[undated, day_one.clone()], 30.0, 1);
    let same_time = events(&[(1, 70.0, "2025-03-01T10:00:00Z")]);
    check_upsert(&[day_one, same_time], 30.0, 1);
}

/// The figures that do not depend on the order files were added in (sources, files, notes and
/// quality samples list inputs and rows in that order).
fn order_free(report: &Report) -> serde_json::Value {
    let mut value = figures(report);
    let object = value.as_object_mut().unwrap();
    object.remove("sources");
    object.remove("files");
    object.remove("notes");
    for rule in object["quality"]["rules"].as_array_mut().unwrap() {
        rule.as_object_mut().unwrap().remove("samples");
    }
    value
}

#[test]
fn out_of_order_days_give_the_same_figures() {
    let spec = DaySpec::default();
    let in_order = days(&spec);
    let mut shuffled = in_order.clone();
    shuffled.reverse();
    shuffled.swap(2, 7);
    let expected = analyse(&in_order, Options::default()).report();
    let actual = analyse(&shuffled, Options::default()).report();
    assert!(expected.rows.duplicates_removed > 0);
    assert_eq!(order_free(&actual), order_free(&expected));
}

fn options_with_clock() -> Options {
    Options {
        now_micros: Some((FIRST_DAY + 5) * DAY),
        max_samples: 5,
        ..Options::default()
    }
}

/// Saves the state after the first `split` files, restores it, adds the rest: the report must
/// equal one analysis of every file, whole.
fn check_incremental(files: &[(String, Bytes)], split: usize, options: Options) {
    let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
    let full = analyse(files, options.clone()).report();
    let saved = analyse(&files[..split], options.clone())
        .save_state()
        .unwrap();
    let mut restored = Analysis::load_state(&saved, options).unwrap();
    restored
        .set_partitioning(Partitioning::infer(&names))
        .unwrap();
    for (name, bytes) in &files[split..] {
        restored.add_bytes(name, bytes.clone(), None).unwrap();
    }
    assert_eq!(
        serde_json::to_string(&restored.report()).unwrap(),
        serde_json::to_string(&full).unwrap(),
        "split after {split} files"
    );
}

#[test]
fn incremental_loads_equal_a_full_recompute() {
    let spec = DaySpec::default();
    let files = days(&spec);
    for split in [1, 5, 9] {
        check_incremental(&files, split, options_with_clock());
    }
    // Without event ids, duplicates are whole rows: the row hashes are part of the state too.
    let csv = |rows: &str| Bytes::from(format!("student_id,video_id,role,completion\n{rows}"));
    let files = vec![
        (
            "date=2025-03-01/a.csv".to_owned(),
            csv("S1,V1,Student,0.5\nS2,V1,TA,0.9\n"),
        ),
        (
            "date=2025-03-02/a.csv".to_owned(),
            csv("S1,V1,Student,0.5\nS1,V2,student,0.25\n"),
        ),
        (
            "date=2025-03-03/a.csv".to_owned(),
            csv("S2,V2,Student,1\nS1,V2,student,0.25\n"),
        ),
    ];
    check_incremental(&files, 1, options_with_clock());
    check_incremental(&files, 2, options_with_clock());
    // A learner who watched V1 twice, then a late update moves one of those events to V2:
    // the restored (learner, video) count must still hold V1 once (a restore that read the
    // counts one short lost V1 here).
    let events = |rows: &str| {
        Bytes::from(format!(
            "event_id,student_id,video_id,role,completion,last_updated_at\n{rows}"
        ))
    };
    let files = vec![
        (
            "a.csv".to_owned(),
            events(
                "e1,S1,V1,Student,0.5,2025-03-01T00:00:00Z\ne2,S1,V1,Student,0.7,2025-03-01T00:00:00Z\n",
            ),
        ),
        (
            "b.csv".to_owned(),
            events("e2,S1,V2,Student,0.9,2025-03-02T00:00:00Z\n"),
        ),
    ];
    check_incremental(&files, 1, options_with_clock());
    assert_eq!(
        analyse(&files, options_with_clock()).report().learners[0].videos_watched,
        2
    );
    // A state restored and saved again is the same state.
    let saved = analyse(&files, options_with_clock()).save_state().unwrap();
    let again = Analysis::load_state(&saved, options_with_clock()).unwrap();
    assert_eq!(again.save_state().unwrap().len(), saved.len());
}

#[test]
fn a_restored_state_refuses_files_it_absorbed() {
    let spec = DaySpec::default();
    let files = days(&spec);
    let saved = analyse(&files[..3], Options::default())
        .save_state()
        .unwrap();
    let mut restored = Analysis::load_state(&saved, Options::default()).unwrap();
    let before = restored.report();
    restored
        .add_bytes("copy.parquet", files[1].1.clone(), None)
        .unwrap();
    let after = restored.report();
    assert_eq!(after.pruning.files_already_loaded, 1);
    assert_eq!(after.rows, before.rows);
    assert_eq!(restored.loaded_fingerprints().len(), 3);
}

#[test]
fn bad_states_give_clear_errors() {
    let files = days(&DaySpec {
        days: 2,
        ..DaySpec::default()
    });
    let saved = analyse(&files, Options::default()).save_state().unwrap();
    let error = |bytes: &[u8], options: Options| {
        Analysis::load_state(bytes, options)
            .unwrap_err()
            .to_string()
    };
    let mut flipped = saved.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x40;
    assert!(error(&flipped, Options::default()).contains("checksum"));
    assert!(error(&saved[..saved.len() - 3], Options::default()).contains("corrupt"));
    assert!(error(b"PAR1 not a state", Options::default()).contains("not a CoursePulse"));
    let mut other_version = saved.clone();
    other_version[4] = 99;
    let message = error(&other_version, Options::default());
    assert!(message.contains("format version 99"), "{message}");
    let mut filtered = Options::default();
    filtered.filter.courses = vec!["CSC101".into()];
    let message = error(&saved, filtered);
    assert!(message.contains("filter differ"), "{message}");
    let mut mapped = Options::default();
    mapped.overrides.parse_assignment("role=none").unwrap();
    mapped.scale = Some(coursepulse_engine::Scale::Fraction);
    let message = error(&saved, mapped);
    assert!(
        message.contains("scale, mapping overrides differ"),
        "{message}"
    );
    // Listing options do not change the state's meaning.
    let listing = Options {
        top_n: 3,
        ..Options::default()
    };
    assert!(Analysis::load_state(&saved, listing).is_ok());
}
