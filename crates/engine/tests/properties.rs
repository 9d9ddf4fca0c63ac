//! Property tests of the engine through the public `Analysis` API, on small random datasets with
//! duplicates, NULLs, NaN, out-of-range completions and dirty role spellings: ranking invariants,
//! de-duplication idempotence, and that any split of the rows into inputs and batches gives the
//! same report as one pass, that shards analysed apart and merged give the one-pass report, and
//! that pruning changes no figure.
#![cfg(not(target_arch = "wasm32"))]

use std::sync::Arc;

use arrow_array::{
    ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use coursepulse_engine::{
    Analysis, DbtSchema, Filter, Format, LearnerRow, Options, ParquetFile, Partitioning, ReadPlan,
    Report, Scale, shares,
};
use coursepulse_fixtures::unpruned_figures;
use proptest::prelude::*;

/// One input row; `None` is NULL.
#[derive(Clone, Debug)]
struct Row {
    event_id: Option<i64>,
    student: Option<u8>,
    video: Option<i64>,
    course: Option<u8>,
    role: Option<&'static str>,
    completion: Option<f64>,
    updated_at: Option<i64>,
}

/// Which optional columns a dataset has.
#[derive(Clone, Copy, Debug)]
struct Columns {
    event_id: bool,
    role: bool,
    updated_at: bool,
}

const ROLES: [&str; 7] = [
    "Student",
    "student",
    " STUDENT ",
    "Student\t",
    "Instructor",
    "TA",
    "",
];

fn completion() -> impl Strategy<Value = Option<f64>> {
    prop_oneof![
        6 => (0..=200u32).prop_map(|half_points| Some(f64::from(half_points) / 2.0)),
        1 => Just(None),
        1 => Just(Some(f64::NAN)),
        1 => prop_oneof![Just(-5.0), Just(100.5), Just(1e9)].prop_map(Some),
    ]
}

/// Rows over few learners, videos, courses, event ids and times, so that ties, duplicates and
/// later updates are common. `null_event_ids` allows NULL event ids.
fn row(null_event_ids: bool) -> impl Strategy<Value = Row> {
    let event_id = if null_event_ids {
        prop::option::weighted(0.9, 0..12i64).boxed()
    } else {
        (0..12i64).prop_map(Some).boxed()
    };
    (
        event_id,
        prop::option::weighted(0.95, 0..8u8),
        prop::option::weighted(0.95, 0..5i64),
        prop::option::weighted(0.9, 0..3u8),
        prop::option::weighted(0.95, prop::sample::select(&ROLES[..])),
        completion(),
        prop::option::weighted(0.8, 0..4i64),
    )
        .prop_map(
            |(event_id, student, video, course, role, completion, updated_at)| Row {
                event_id,
                student,
                video,
                course,
                role,
                completion,
                updated_at,
            },
        )
}

fn columns() -> impl Strategy<Value = Columns> {
    (any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(event_id, role, updated_at)| Columns {
        event_id,
        role,
        updated_at,
    })
}

fn batch(rows: &[Row], columns: Columns) -> RecordBatch {
    let mut fields: Vec<(&str, ArrayRef)> = Vec::new();
    if columns.event_id {
        fields.push((
            "event_id",
            Arc::new(Int64Array::from_iter(rows.iter().map(|row| row.event_id))),
        ));
    }
    fields.push((
        "student_id",
        Arc::new(StringArray::from_iter(
            rows.iter()
                .map(|row| row.student.map(|student| format!("S{student}"))),
        )),
    ));
    fields.push((
        "video_id",
        Arc::new(Int64Array::from_iter(rows.iter().map(|row| row.video))),
    ));
    fields.push((
        "course_id",
        Arc::new(StringArray::from_iter(
            rows.iter()
                .map(|row| row.course.map(|course| format!("C{course}"))),
        )),
    ));
    if columns.role {
        fields.push((
            "role",
            Arc::new(StringArray::from_iter(rows.iter().map(|row| row.role))),
        ));
    }
    fields.push((
        "completion_rate_percent",
        Arc::new(Float64Array::from_iter(
            rows.iter().map(|row| row.completion),
        )),
    ));
    if columns.updated_at {
        fields.push((
            "last_updated_at",
            Arc::new(
                TimestampMicrosecondArray::from_iter(
                    rows.iter()
                        .map(|row| row.updated_at.map(|day| day * 86_400_000_000)),
                )
                .with_timezone("UTC"),
            ),
        ));
    }
    RecordBatch::try_from_iter_with_nullable(
        fields
            .into_iter()
            .map(|(name, column)| (name, column, true)),
    )
    .unwrap()
}

fn options(top_n: usize) -> Options {
    Options {
        top_n,
        // A fixed scale: inference looks at each input's values, so splitting rows into inputs
        // could otherwise change it.
        scale: Some(Scale::Percent),
        ..Options::default()
    }
}

/// Adds `batch` as one input, in slices of `batch_rows` rows.
fn add(analysis: &mut Analysis, name: &str, batch: &RecordBatch, batch_rows: usize) {
    let mut source = analysis
        .begin_source(name, Format::Parquet, &batch.schema())
        .unwrap();
    let projected = batch.project(source.projection()).unwrap();
    let mut offset = 0;
    while offset < projected.num_rows() {
        let length = batch_rows.min(projected.num_rows() - offset);
        analysis
            .add_batch(&mut source, projected.slice(offset, length))
            .unwrap();
        offset += length;
    }
    analysis.finish_source(source).unwrap();
}

fn report_of(batches: &[(RecordBatch, usize)], options: Options) -> Report {
    let mut analysis = Analysis::new(options).unwrap();
    for (index, (batch, batch_rows)) in batches.iter().enumerate() {
        add(&mut analysis, &format!("input-{index}"), batch, *batch_rows);
    }
    analysis.report()
}

/// Everything in a report that describes the data, not where it came from: sources, notes and
/// quality samples (which name inputs and row numbers) are left out.
fn metrics(report: &Report) -> String {
    let rules: Vec<(&str, u64, String)> = report
        .quality
        .rules
        .iter()
        .map(|rule| (rule.name, rule.count, format!("{:?}", rule.status)))
        .collect();
    format!(
        "{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
        report.rows,
        report.summary,
        report.most_watched_learner,
        report.learners_top,
        report.learners_bottom,
        report.learners,
        report.videos,
        report.courses,
        report.completion_histogram,
        report.daily,
        rules
    )
}

/// SQL `RANK()` over `rows` in list order: equal averages share a rank, the next rank skips.
fn check_ranks(rows: &[LearnerRow]) -> Result<(), TestCaseError> {
    for (index, row) in rows.iter().enumerate() {
        let expected = match index {
            0 => 1,
            _ if row.avg_completion == rows[index - 1].avg_completion => {
                rows[index - 1].rank.unwrap()
            }
            _ => index as u64 + 1,
        };
        prop_assert_eq!(row.rank, Some(expected), "{:?}", rows);
    }
    Ok(())
}

fn in_range(average: Option<f64>) -> bool {
    average.is_none_or(|average| (0.0..=100.0).contains(&average))
}

fn check_rankings(report: &Report, top_n: usize) -> Result<(), TestCaseError> {
    let ranked: Vec<&LearnerRow> = report
        .learners
        .iter()
        .filter(|row| row.rank.is_some())
        .collect();
    let (top, bottom) = (&report.learners_top, &report.learners_bottom);
    // SQL's `RANK() <= N`: the top list is the full ranking's learners ranked N or better (ties
    // at the cut included); the bottom list is every learner with fewer than N strictly lower.
    let ids = |rows: &[&LearnerRow]| {
        rows.iter()
            .map(|row| row.student_id.clone())
            .collect::<Vec<_>>()
    };
    let expected_top: Vec<&LearnerRow> = ranked
        .iter()
        .copied()
        .filter(|row| row.rank.is_some_and(|rank| rank <= top_n as u64))
        .collect();
    prop_assert_eq!(ids(&top.iter().collect::<Vec<_>>()), ids(&expected_top));
    let below = |average: Option<f64>| {
        ranked
            .iter()
            .filter(|other| other.avg_completion < average)
            .count()
    };
    let mut expected_bottom: Vec<String> = ranked
        .iter()
        .filter(|row| below(row.avg_completion) < top_n)
        .map(|row| row.student_id.clone())
        .collect();
    let mut bottom_ids = ids(&bottom.iter().collect::<Vec<_>>());
    expected_bottom.sort();
    bottom_ids.sort();
    prop_assert_eq!(bottom_ids, expected_bottom);
    prop_assert!(top.len() >= ranked.len().min(top_n));
    prop_assert!(bottom.len() >= ranked.len().min(top_n));
    check_ranks(top)?;
    check_ranks(bottom)?;
    let ranked_rows: Vec<LearnerRow> = ranked.iter().map(|row| (*row).clone()).collect();
    check_ranks(&ranked_rows)?;
    // Ranks never decrease down a list, the top list descends and the bottom list ascends.
    for list in [top, bottom, &report.learners] {
        prop_assert!(
            list.windows(2)
                .all(|pair| pair[0].rank <= pair[1].rank || pair[1].rank.is_none())
        );
    }
    prop_assert!(
        top.windows(2)
            .all(|pair| pair[0].avg_completion >= pair[1].avg_completion)
    );
    prop_assert!(
        bottom
            .windows(2)
            .all(|pair| pair[0].avg_completion <= pair[1].avg_completion)
    );
    // Unranked learners (no valid completion) come last and have no average.
    let first_unranked = report
        .learners
        .iter()
        .position(|row| row.rank.is_none())
        .unwrap_or(report.learners.len());
    prop_assert!(
        report.learners[first_unranked..]
            .iter()
            .all(|row| row.rank.is_none() && row.avg_completion.is_none())
    );
    // Top and bottom share a learner only when there are fewer than 2N ranked learners, or when
    // that learner's average is tied with another's (the documented tie-break is student_id
    // ascending in both lists, so with ties at the cut both lists can take the same learner).
    if ranked.len() >= 2 * top_n {
        for row in top {
            if bottom
                .iter()
                .any(|other| other.student_id == row.student_id)
            {
                let tied = ranked
                    .iter()
                    .filter(|other| other.avg_completion == row.avg_completion)
                    .count();
                prop_assert!(tied >= 2, "{} is in both lists untied", row.student_id);
            }
        }
    }
    // Every average lies within 0..100.
    prop_assert!(
        report
            .learners
            .iter()
            .all(|row| in_range(row.avg_completion))
    );
    prop_assert!(report.videos.iter().all(|row| in_range(row.avg_completion)));
    prop_assert!(
        report
            .courses
            .iter()
            .all(|row| in_range(row.avg_completion))
    );
    prop_assert!(in_range(report.summary.mean_completion));
    Ok(())
}

/// A dbt schema whose tests (`unique` on the learner and the event id, `not_null`,
/// `accepted_values`) fail often on these rows, so their counts and samples are exercised.
const DBT_SCHEMA: &str = "
version: 2
models:
  - name: watch_logs
    columns:
      - name: student_id
        tests: [unique, not_null]
      - name: event_id
        tests: [unique]
      - name: role
        tests:
          - accepted_values:
              values: ['Student']
";

/// Options for the merge property: the scale is fixed (an input split between shards needs its
/// scale decided first, see `Analysis::merge`).
fn merge_options(max_samples: usize, dbt: bool, course_filter: bool) -> Options {
    Options {
        max_samples,
        dbt: dbt.then(|| DbtSchema::parse(DBT_SCHEMA).unwrap()),
        filter: Filter {
            courses: if course_filter {
                vec!["C1".into(), "C2".into()]
            } else {
                Vec::new()
            },
            ..Filter::default()
        },
        ..options(3)
    }
}

/// Analyses rows `from..to` of the inputs laid end to end (an input may be cut anywhere, so a
/// shard can start or end inside one), each input in batches of `batch_rows`.
fn shard(
    inputs: &[RecordBatch],
    from: usize,
    to: usize,
    options: Options,
    batch_rows: usize,
) -> Analysis {
    read_rows(
        Analysis::new(options).unwrap(),
        inputs,
        from,
        to,
        batch_rows,
    )
}

/// Adds rows `from..to` of the inputs laid end to end to `analysis` (see [`shard`]).
fn read_rows(
    mut analysis: Analysis,
    inputs: &[RecordBatch],
    from: usize,
    to: usize,
    batch_rows: usize,
) -> Analysis {
    let mut start = 0;
    for (index, input) in inputs.iter().enumerate() {
        let end = start + input.num_rows();
        let (first, last) = (from.max(start), to.min(end));
        // An empty input belongs to the shard its position falls in.
        let empty_here = start == end && from <= start && start < to;
        if first < last || empty_here {
            let mut source = analysis
                .begin_source(&format!("input-{index}"), Format::Parquet, &input.schema())
                .unwrap();
            let projected = input.project(source.projection()).unwrap();
            let mut offset = first.min(end) - start;
            source.skip_rows(offset as u64);
            while offset < last.max(first) - start {
                let length = batch_rows.min(last - start - offset);
                analysis
                    .add_batch(&mut source, projected.slice(offset, length))
                    .unwrap();
                offset += length;
            }
            analysis.finish_source(source).unwrap();
        }
        start = end;
    }
    analysis
}

/// `analysis` as another worker receives it: its part's bytes, read back.
fn through_bytes(analysis: &Analysis, options: &Options) -> Analysis {
    Analysis::load_state(&analysis.save_part().unwrap(), options.clone()).unwrap()
}

/// Shards of the inputs laid end to end, cut at `cuts` (clamped to the rows there are): each
/// `(from, to)` for [`read_rows`], the last one open-ended.
fn shard_bounds(inputs: &[RecordBatch], cuts: Vec<usize>) -> Vec<(usize, usize)> {
    let total: usize = inputs.iter().map(RecordBatch::num_rows).sum();
    let mut cuts: Vec<usize> = cuts.into_iter().map(|cut| cut.min(total)).collect();
    cuts.sort_unstable();
    let mut bounds = vec![0];
    bounds.extend(cuts);
    (0..bounds.len())
        .map(|index| {
            (
                bounds[index],
                bounds.get(index + 1).copied().unwrap_or(usize::MAX),
            )
        })
        .collect()
}

/// Reads back the rows a merged analysis still needs for its samples.
fn reread(analysis: &mut Analysis, inputs: &[RecordBatch]) {
    for (name, row) in analysis.rows_to_read() {
        let index: usize = name.trim_start_matches("input-").parse().unwrap();
        let input = &inputs[index];
        let mut source = analysis
            .begin_reread(&name, Format::Parquet, &input.schema())
            .unwrap();
        source.skip_rows(row - 1);
        let projected = input.project(source.projection()).unwrap();
        analysis
            .reread(&mut source, projected.slice(row as usize - 1, 1))
            .unwrap();
    }
}

/// A filter over the property rows' courses (`C0`..`C2`, and one no row has) and days.
fn view_filter() -> impl Strategy<Value = Filter> {
    const DAY: i64 = 86_400_000_000;
    const HOUR: i64 = 3_600_000_000;
    (
        prop::sample::subsequence(vec!["C0", "C1", "C2", "C9"], 0..=3),
        prop::option::weighted(0.4, 0..5i64),
        prop::option::weighted(0.4, 1..4i64),
        // Bounds inside a day too, as a typed date-time gives: views read rows by day.
        prop::sample::select(vec![0, 0, 1, 13, 23]),
    )
        .prop_map(|(courses, from, days, hours)| Filter {
            courses: courses.into_iter().map(str::to_owned).collect(),
            from_micros: from.map(|day| day * DAY + hours * HOUR),
            // A non-empty range: an empty one is refused, by a read and a view alike.
            to_micros: days.map(|days| (from.unwrap_or(0) + days) * DAY + hours * HOUR),
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|cases| cases.parse().ok()).unwrap_or(2_000)
    ))]

    /// A view of a load's kept rows under a filter is the report of a read with that filter:
    /// figures, de-duplication among the copies in view (latest update, earliest copy on a
    /// tie), quality counts, samples (after reading the rows the load's samples did not hold),
    /// sources and notes. Views are taken twice from the same load, so one cannot change it.
    ///
    /// The load is read in shards cut anywhere (none, or up to three cuts), each keeping its
    /// rows, and merged left to right, so the kept rows of a parallel read answer as well.
    #[test]
    fn a_view_of_kept_rows_equals_a_read_with_its_filter(
        inputs in prop::collection::vec(prop::collection::vec(row(true), 0..30), 1..4),
        columns in columns(),
        batch_rows in 1..12usize,
        max_samples in 1..5usize,
        filters in prop::collection::vec(view_filter(), 2),
        cuts in prop::collection::vec(0..100usize, 0..4),
        moved in any::<bool>(),
    ) {
        let inputs: Vec<RecordBatch> = inputs.iter().map(|rows| batch(rows, columns)).collect();
        let options = Options {
            max_samples,
            now_micros: Some(2 * 86_400_000_000),
            // An input split between shards needs its scale decided before (see `merge`).
            scale: (!cuts.is_empty()).then_some(coursepulse_engine::Scale::Percent),
            ..options(3)
        };
        let mut load: Option<Analysis> = None;
        for (from, to) in shard_bounds(&inputs, cuts) {
            let mut part = Analysis::new(options.clone()).unwrap();
            part.keep_rows().unwrap();
            let mut part = read_rows(part, &inputs, from, to, batch_rows);
            if moved {
                part = through_bytes(&part, &options);
            }
            match &mut load {
                None => load = Some(part),
                Some(load) => load.merge(part).unwrap(),
            }
        }
        let mut load = load.unwrap();
        reread(&mut load, &inputs);
        prop_assert_eq!(
            load.kept_rows().map(|kept| kept.rows),
            Some(inputs.iter().map(|input| input.num_rows() as u64).sum::<u64>())
        );
        for filter in filters {
            let filtered = Options { filter: filter.clone(), ..options.clone() };
            let read = shard(&inputs, 0, usize::MAX, filtered, batch_rows).report();
            let headline = load.view_headline(&filter).unwrap();
            prop_assert_eq!(headline.rows, read.rows.total, "filter {:?}", filter);
            prop_assert_eq!(headline.summary, read.summary, "filter {:?}", filter);
            let mut view = load.view(&filter).unwrap();
            reread(&mut view, &inputs);
            prop_assert!(view.rows_to_read().is_empty());
            prop_assert_eq!(
                serde_json::to_string_pretty(&view.report()).unwrap(),
                serde_json::to_string_pretty(&read).unwrap(),
                "filter {:?}", filter
            );
        }
    }

    /// Shards cut anywhere (through a learner's rows and an event's versions), analysed apart and
    /// merged left to right, give exactly the one-analysis report: figures, quality counts,
    /// samples (re-read where only the merge found them), dbt tests, sources and notes.
    #[test]
    fn shards_merged_left_to_right_equal_one_analysis(
        inputs in prop::collection::vec(prop::collection::vec(row(true), 0..30), 1..4),
        columns in columns(),
        cuts in prop::collection::vec(0..100usize, 0..5),
        batch_rows in 1..12usize,
        max_samples in 1..5usize,
        dbt in any::<bool>(),
        course_filter in prop::bool::weighted(0.2),
        moved in any::<bool>(),
    ) {
        let inputs: Vec<RecordBatch> = inputs.iter().map(|rows| batch(rows, columns)).collect();
        let options = merge_options(max_samples, dbt, course_filter);
        let whole = shard(&inputs, 0, usize::MAX, options.clone(), batch_rows).report();

        let mut merged: Option<Analysis> = None;
        for (from, to) in shard_bounds(&inputs, cuts) {
            let mut part = shard(&inputs, from, to, options.clone(), batch_rows);
            // Parts move between workers as bytes (not with dbt tests, whose counts stay put).
            if moved && !dbt {
                part = through_bytes(&part, &options);
            }
            match &mut merged {
                None => merged = Some(part),
                Some(merged) => merged.merge(part).unwrap(),
            }
        }
        let mut merged = merged.unwrap();
        reread(&mut merged, &inputs);
        prop_assert!(merged.rows_to_read().is_empty());
        let merged = merged.report();
        prop_assert_eq!(
            serde_json::to_string_pretty(&merged).unwrap(),
            serde_json::to_string_pretty(&whole).unwrap()
        );
    }
}

proptest! {
    #[test]
    fn rankings_are_sql_ranks_within_range(
        rows in prop::collection::vec(row(true), 0..60),
        columns in columns(),
        top_n in 1..5usize,
    ) {
        let report = report_of(&[(batch(&rows, columns), 64)], options(top_n));
        check_rankings(&report, top_n)?;
    }

    #[test]
    fn top_and_bottom_are_disjoint_when_averages_differ(
        completions in prop::collection::btree_set(0..=1000u32, 0..20),
        top_n in 1..6usize,
    ) {
        // One row per learner, every average different.
        let rows: Vec<Row> = completions
            .iter()
            .enumerate()
            .map(|(learner, tenths)| Row {
                event_id: Some(learner as i64),
                student: Some(learner as u8),
                video: Some(0),
                course: Some(0),
                role: Some("Student"),
                completion: Some(f64::from(*tenths) / 10.0),
                updated_at: None,
            })
            .collect();
        let columns = Columns { event_id: true, role: true, updated_at: false };
        let report = report_of(&[(batch(&rows, columns), 64)], options(top_n));
        check_rankings(&report, top_n)?;
        let overlap = report
            .learners_top
            .iter()
            .filter(|row| report.learners_bottom.iter().any(|other| other.student_id == row.student_id))
            .count();
        // Each list holds min(R, N) of the R learners, so they overlap in 2 min(R, N) - R of
        // them when that is positive, and not at all from 2N learners on.
        let listed = rows.len().min(top_n);
        prop_assert_eq!(overlap, (2 * listed).saturating_sub(rows.len()));
    }

    /// Without NULL event ids: a row with a NULL event id is never a duplicate (it cannot be
    /// told apart from a new record), so its second copy rightly counts again.
    #[test]
    fn adding_the_same_input_twice_only_counts_duplicates(
        rows in prop::collection::vec(row(false), 0..60),
        columns in columns(),
    ) {
        let batch = batch(&rows, columns);
        let once = report_of(&[(batch.clone(), 64)], options(3));
        let twice = report_of(&[(batch.clone(), 64), (batch, 64)], options(3));
        prop_assert_eq!(twice.rows.total, 2 * once.rows.total);
        prop_assert_eq!(
            twice.rows.duplicates_removed,
            once.rows.duplicates_removed + once.rows.total
        );
        prop_assert_eq!(twice.rows.student, once.rows.student);
        prop_assert_eq!(twice.rows.valid_completion, once.rows.valid_completion);
        prop_assert_eq!(twice.summary, once.summary);
        prop_assert_eq!(&twice.learners, &once.learners);
        prop_assert_eq!(&twice.learners_top, &once.learners_top);
        prop_assert_eq!(&twice.learners_bottom, &once.learners_bottom);
        prop_assert_eq!(&twice.most_watched_learner, &once.most_watched_learner);
        prop_assert_eq!(&twice.videos, &once.videos);
        prop_assert_eq!(&twice.courses, &once.courses);
        prop_assert_eq!(&twice.completion_histogram, &once.completion_histogram);
        prop_assert_eq!(&twice.daily, &once.daily);
    }

    #[test]
    fn any_split_into_inputs_and_batches_equals_one_pass(
        rows in prop::collection::vec(row(true), 0..80),
        columns in columns(),
        cuts in prop::collection::vec(0..80usize, 0..4),
        batch_rows in prop::collection::vec(1..20usize, 5),
    ) {
        let whole = batch(&rows, columns);
        let one_pass = report_of(&[(whole.clone(), rows.len().max(1))], options(3));
        let mut cuts: Vec<usize> = cuts.into_iter().map(|cut| cut.min(rows.len())).collect();
        cuts.push(0);
        cuts.push(rows.len());
        cuts.sort_unstable();
        let pieces: Vec<(RecordBatch, usize)> = cuts
            .windows(2)
            .enumerate()
            .map(|(index, cut)| (whole.slice(cut[0], cut[1] - cut[0]), batch_rows[index % 5]))
            .collect();
        let split = report_of(&pieces, options(3));
        prop_assert_eq!(metrics(&split), metrics(&one_pass));
    }
}

/// Rows of one learner and video with these completions, one event id each.
fn rows_with(completions: &[f64]) -> Vec<Row> {
    completions
        .iter()
        .enumerate()
        .map(|(index, completion)| Row {
            event_id: Some(index as i64),
            student: Some(1),
            video: Some(1),
            course: Some(1),
            role: Some("Student"),
            completion: Some(*completion),
            updated_at: None,
        })
        .collect()
}

#[test]
fn a_merge_of_an_input_read_on_two_scales_is_refused_and_changes_nothing() {
    let columns = Columns {
        event_id: true,
        role: true,
        updated_at: false,
    };
    let named = batch(&rows_with(&[0.5, 0.25, 60.0, 80.0]), columns);
    // A completion column whose name does not say its scale.
    let fields: Vec<arrow_schema::Field> = named
        .schema()
        .fields()
        .iter()
        .map(|field| match field.name().as_str() {
            "completion_rate_percent" => field.as_ref().clone().with_name("completion"),
            _ => field.as_ref().clone(),
        })
        .collect();
    let input = RecordBatch::try_new(
        Arc::new(arrow_schema::Schema::new(fields)),
        named.columns().to_vec(),
    )
    .unwrap();
    // Scale inferred per shard: the first half reads as a fraction, the second as percent.
    let inferred = Options {
        scale: None,
        ..options(3)
    };
    let mut first = shard(std::slice::from_ref(&input), 0, 2, inferred.clone(), 4);
    let before = serde_json::to_string(&first.report()).unwrap();
    let second = shard(std::slice::from_ref(&input), 2, usize::MAX, inferred, 4);
    let error = first.merge(second).unwrap_err().to_string();
    assert!(
        error.contains("input-0") && error.contains("different scales"),
        "{error}"
    );
    assert_eq!(serde_json::to_string(&first.report()).unwrap(), before);
}

#[test]
fn a_restored_analysis_takes_later_shards_but_cannot_be_merged_into_another() {
    let columns = Columns {
        event_id: true,
        role: true,
        updated_at: false,
    };
    let input = batch(&rows_with(&[10.0, 20.0, 30.0, 40.0]), columns);
    let inputs = std::slice::from_ref(&input);
    let whole = shard(inputs, 0, usize::MAX, options(3), 4).report();
    let saved = shard(inputs, 0, 2, options(3), 4).save_state().unwrap();
    let mut restored = Analysis::load_state(&saved, options(3)).unwrap();
    restored
        .merge(shard(inputs, 2, usize::MAX, options(3), 4))
        .unwrap();
    assert_eq!(restored.report().summary, whole.summary);
    assert_eq!(restored.report().learners, whole.learners);

    let mut fresh = shard(inputs, 0, 0, options(3), 4);
    let restored = Analysis::load_state(&saved, options(3)).unwrap();
    let error = fresh.merge(restored).unwrap_err().to_string();
    assert!(error.contains("restored from a saved state"), "{error}");
}

/// `batch` written as Parquet with row groups of at most `row_group_rows` rows.
fn parquet_file(
    name: &str,
    batch: &RecordBatch,
    row_group_rows: usize,
) -> ParquetFile<bytes::Bytes> {
    let properties = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(row_group_rows))
        .build();
    let mut buffer = Vec::new();
    let mut writer =
        parquet::arrow::ArrowWriter::try_new(&mut buffer, batch.schema(), Some(properties))
            .unwrap();
    writer.write(batch).unwrap();
    writer.close().unwrap();
    ParquetFile::open(name, bytes::Bytes::from(buffer)).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|cases| cases.parse().ok()).unwrap_or(256)
    ))]

    /// The parallel read: Parquet files cut into shares at row-group boundaries, each share
    /// read by its own plan into its own analysis, merged in order and its samples re-read,
    /// give the report of reading all the files in one analysis.
    #[test]
    fn parquet_shares_read_apart_and_merged_equal_one_read(
        inputs in prop::collection::vec(prop::collection::vec(row(true), 0..30), 1..4),
        columns in columns(),
        row_group_rows in 1..9usize,
        count in 1..5usize,
        max_samples in 1..5usize,
        dbt in any::<bool>(),
    ) {
        let files: Vec<ParquetFile<bytes::Bytes>> = inputs
            .iter()
            .enumerate()
            .map(|(index, rows)| parquet_file(&format!("input-{index}.parquet"), &batch(rows, columns), row_group_rows))
            .collect();
        // Files of the same content are absorbed once, which shares cannot see: callers read
        // such a dataset in one analysis.
        let mut prints: Vec<u128> = files.iter().map(|file| file.fingerprint().0).collect();
        prints.sort_unstable();
        prints.dedup();
        prop_assume!(prints.len() == files.len());
        let options = merge_options(max_samples, dbt, false);
        let mut whole = Analysis::new(options.clone()).unwrap();
        whole.add_parquet_files(&files).unwrap();

        let mut merged: Option<Analysis> = None;
        for share in shares(&whole, &files, count) {
            let mut part = Analysis::new(options.clone()).unwrap();
            let mut plan = ReadPlan::for_share(&mut part, &files, &share).unwrap();
            while let Some(step) = plan.next_step(&mut part).unwrap() {
                plan.read(&mut part, &files[step.file], step).unwrap();
            }
            plan.finish(&mut part).unwrap();
            match &mut merged {
                None => merged = Some(part),
                Some(merged) => merged.merge(part).unwrap(),
            }
        }
        let mut merged = merged.unwrap();
        for file in &files {
            file.reread(&mut merged).unwrap();
        }
        prop_assert!(merged.rows_to_read().is_empty());
        prop_assert_eq!(
            serde_json::to_string_pretty(&merged.report()).unwrap(),
            serde_json::to_string_pretty(&whole.report()).unwrap()
        );
    }

    /// Pruning changes no figure: Parquet inputs filed under any `date=` folder whatever the
    /// days of their own rows (late updates filed under a later day), with a time column of
    /// their own (pruned by statistics) or without one (the folder's date is their time, and
    /// prunes by name), give the report of reading everything, under any filter.
    #[test]
    fn pruning_by_folder_date_and_statistics_changes_no_figure(
        inputs in prop::collection::vec((prop::collection::vec(row(true), 0..30), 0..5u8), 1..4),
        columns in columns(),
        row_group_rows in 1..9usize,
        filter in view_filter(),
    ) {
        let names: Vec<String> = inputs
            .iter()
            .enumerate()
            .map(|(index, (_, day))| format!("date=1970-01-0{}/input-{index}.parquet", day + 1))
            .collect();
        let files: Vec<ParquetFile<bytes::Bytes>> = inputs
            .iter()
            .zip(&names)
            .map(|((rows, _), name)| parquet_file(name, &batch(rows, columns), row_group_rows))
            .collect();
        let read = |prune: bool| {
            let options = Options { filter: filter.clone(), prune, ..options(3) };
            let mut analysis = Analysis::new(options).unwrap();
            analysis.set_partitioning(Partitioning::infer(&names)).unwrap();
            analysis.add_parquet_files(&files).unwrap();
            unpruned_figures(serde_json::to_value(analysis.report()).unwrap())
        };
        prop_assert_eq!(read(true), read(false));
    }
}
