//! Property tests of the engine through the public `Analysis` API, on small random datasets with
//! duplicates, NULLs, NaN, out-of-range completions and dirty role spellings: ranking invariants,
//! de-duplication idempotence, and that any split of the rows into inputs and batches gives the
//! same report as one pass.
#![cfg(not(target_arch = "wasm32"))]

use std::sync::Arc;

use arrow_array::{
    ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use coursepulse_engine::{Analysis, Format, LearnerRow, Options, Report, Scale};
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
    prop_assert_eq!(top.len(), ranked.len().min(top_n));
    prop_assert_eq!(bottom.len(), ranked.len().min(top_n));
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
