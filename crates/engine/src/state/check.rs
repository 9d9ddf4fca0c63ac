//! A decoded state's invariants, checked before the analysis is handed back: every id points
//! into its table, every count and sum lies where real data can put it. A state file is input
//! (anyone can edit one and recompute its checksum), and the accumulators index and add without
//! further checks, so this is where an edited file becomes an error instead of a panic.

use crate::compute::aggregate::{Aggregator, Contribution, Stats, origin_parts, pair_parts};
use crate::compute::keys::NONE;
use crate::compute::merge::RESTORED;

/// Counts beyond this (2^48 rows) are not real data; below it no sum or count can overflow.
const MAX_COUNT: i64 = 1 << 48;

/// `Err` naming the first broken invariant.
pub(super) fn check(aggregator: &Aggregator) -> Result<(), &'static str> {
    let students = aggregator.students.len();
    let videos = aggregator.videos.len();
    let courses = aggregator.courses.len();
    let id_in = |id: u32, len: usize| (id as usize) < len;
    let optional_in = |id: u32, len: usize| id == NONE || id_in(id, len);

    let labels_ok = aggregator
        .video_title
        .iter()
        .all(|label| optional_in(*label, aggregator.titles.len()))
        && aggregator
            .course_code
            .iter()
            .all(|label| optional_in(*label, aggregator.codes.len()));
    ensure(labels_ok, "a title or course code id is out of range")?;
    let roles_ok = [&aggregator.other_roles, &aggregator.dirty_roles]
        .iter()
        .all(|counts| {
            counts
                .iter()
                .all(|(role, count)| optional_in(*role, aggregator.roles.len()) && count_ok(*count))
        });
    ensure(roles_ok, "a role id or role count is out of range")?;
    let learner_videos_ok = aggregator.learner_videos.iter().all(|(key, _)| {
        let (student, video) = pair_parts(key);
        id_in(student, students) && id_in(video, videos)
    });
    let course_learners_ok = aggregator.course_learners.iter().all(|(key, _)| {
        let (course, student) = pair_parts(key);
        id_in(course, courses) && id_in(student, students)
    });
    ensure(
        learner_videos_ok && course_learners_ok,
        "a learner, video or course id in a pair count is out of range",
    )?;
    let course_videos_ok = aggregator.course_videos.iter().all(|(key, stats)| {
        let (course, video) = pair_parts(*key);
        optional_in(course, courses) && id_in(video, videos) && stats_ok(stats)
    });
    ensure(course_videos_ok, "a course-video entry is out of range")?;
    let stats_tables_ok = aggregator
        .learners
        .iter()
        .chain(&aggregator.course_stats)
        .chain(aggregator.days.values())
        .chain([&aggregator.totals])
        .all(stats_ok);
    ensure(
        stats_tables_ok,
        "a view count or completion sum is out of range",
    )?;
    ensure(
        aggregator
            .histogram
            .iter()
            .all(|count| (0..=MAX_COUNT).contains(count)),
        "a histogram count is out of range",
    )?;
    let contribution_ok = |contribution: &Contribution| {
        optional_in(contribution.student, students)
            && optional_in(contribution.video, videos)
            && optional_in(contribution.course, courses)
            && (contribution.completion.is_nan()
                || (0.0..=100.0).contains(&contribution.completion))
    };
    let contributions_ok = aggregator
        .event_keys
        .iter()
        .all(|(_, kept)| contribution_ok(&kept.contribution))
        && aggregator
            .by_row
            .values()
            .all(|copy| contribution_ok(&copy.contribution));
    ensure(
        contributions_ok,
        "a kept row's ids or completion are out of range",
    )?;
    // Where keys were first read (a part's; a saved state's are all `RESTORED`): a merge maps
    // their input index.
    let origin_ok = |first: u64| {
        first == RESTORED || (origin_parts(first).0 as usize) < aggregator.source_names.len()
    };
    let origins_ok = aggregator
        .event_keys
        .iter()
        .all(|(_, kept)| origin_ok(kept.first))
        && aggregator.by_row.values().all(|copy| origin_ok(copy.first));
    ensure(origins_ok, "a key's first copy or its ids are out of range")?;
    let totals_ok = [
        aggregator.rows_total,
        aggregator.duplicates,
        aggregator.filtered_out,
    ]
    .into_iter()
    .chain(aggregator.quality.counts.iter().copied())
    .all(count_ok);
    ensure(totals_ok, "a row count is out of range")?;
    ensure(
        aggregator
            .time_span
            .is_none_or(|(first, last)| first <= last),
        "the time span ends before it starts",
    )?;
    Ok(())
}

fn ensure(holds: bool, what: &'static str) -> Result<(), &'static str> {
    if holds { Ok(()) } else { Err(what) }
}

fn count_ok(count: u64) -> bool {
    count <= MAX_COUNT as u64
}

/// Views and valid views are counts, and the sum of valid completions lies within 0..=100 each.
fn stats_ok(stats: &Stats) -> bool {
    // Saturating: `valid` is unchecked here, and an edited one may be anything.
    let most = i128::from(stats.valid)
        .saturating_mul(100)
        .saturating_mul(1i128 << 64);
    (0..=MAX_COUNT).contains(&stats.views)
        && (0..=stats.views).contains(&stats.valid)
        && (0..=most).contains(&stats.sum)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the `state` fuzz target: a huge `valid` overflowed the check itself.
    #[test]
    fn stats_far_out_of_range_are_refused_not_overflowed() {
        let check = |views, valid, sum| stats_ok(&Stats { views, valid, sum });
        assert!(check(10, 5, 100 * (1i128 << 64)));
        assert!(!check(10, i64::MAX, 0));
        assert!(!check(i64::MAX, i64::MAX, i128::MAX));
        assert!(!check(10, 11, 0));
        assert!(!check(10, 5, -1));
        assert!(!check(10, 5, 500 * (1i128 << 64) + 1));
    }
}
