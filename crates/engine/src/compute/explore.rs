//! A view of a load's kept rows ([`RowTable`]) under another filter: the aggregator a read of
//! the same inputs with that filter would hold, computed from memory.
//!
//! Exact, not approximate: every row in view is counted through [`Aggregator::check_row`], the
//! load's own per-row step, and de-duplication decides among the copies in view by the load's
//! rule (the latest update wins, a tie keeps the earliest copy; every copy after the earliest
//! in view is a duplicate). Only the samples' values are not kept: a view's samples name their
//! rows, and [`crate::compute::merge::Unresolved`] lists the ones still to be read (those the
//! load's own samples do not already hold).

use rustc_hash::FxHashMap;

use crate::compute::aggregate::{
    Added, Aggregator, ByVideo, Contribution, CourseFilter, DistinctCounts, RoleClass, RowKind,
    Stats, fixed,
};
use crate::compute::keys::NONE;
use crate::compute::merge::{SampleSlot, Unresolved, fill_placeholder};
use crate::compute::row_index::RowSet;
use crate::compute::rows::{PairIds, RowTable, Segment, ViewIndex, flag};
use crate::filter::Filter;
use crate::rules::quality::{Rule, Sample};
use crate::time::MICROS_PER_DAY;

impl Aggregator {
    /// The aggregator of the kept rows that `filter` keeps; `None` when rows were not kept.
    pub(crate) fn explore(&self, filter: &Filter, max_samples: usize) -> Option<Aggregator> {
        let table = self.rows.as_ref()?;
        debug_assert!(
            !self.has_pending_keys(),
            "explore() before the keys were flushed"
        );
        let mut view = self.empty_like();
        let mut courses = CourseFilter::default();
        courses.refresh(filter, &view.courses, &view.codes);
        let names = &self.source_names;

        // Distinct pairs are counted in arrays by the rows' pair ids, not in hash tables.
        let prepared = table.view_index();
        let pairs = &prepared.pairs;
        let mut distinct = Distinct {
            pairs,
            seen_learner_video: RowSet::new(pairs.learner_videos),
            seen_course_learner: RowSet::new(pairs.course_learners),
            counts: DistinctCounts {
                videos_per_learner: vec![0; view.students.len()],
                learners_per_video: vec![0; view.videos.len()],
                learners_per_course: vec![0; view.courses.len()],
            },
        };
        // Rows whose key has copies wait for the copies to be compared.
        let mut waiting: FxHashMap<u32, Contribution> = FxHashMap::default();
        let mut batch = Batch {
            rows: Vec::with_capacity(Added::SIZE),
            added: Added::new(),
            by_video: ByVideo::new(&prepared.course_of_video),
        };
        let visit = |index: usize, segment: &Segment| {
            let kind = RowKind {
                has_course: segment.has_course,
                has_role: segment.has_role,
                max_samples,
            };
            view.rows_total += 1;
            let row = segment.first_row + (index - segment.start as usize) as u64;
            let sample = || placeholder(&names[segment.source as usize], row);
            let contribution = view.check_row(&table.facts(index), kind, &sample);
            if table.flags[index] & flag::HAS_COPY == 0 {
                if contribution.is_student {
                    batch.push(index as u32, contribution, &mut view, &mut distinct);
                }
            } else {
                waiting.insert(index as u32, contribution);
            }
        };
        rows_in_view(table, prepared, filter, &courses, visit);
        view.filtered_out += table.len() as u64 - view.rows_total;

        let mut duplicates = Vec::new();
        for_each_winner(&prepared.copy_groups, &waiting, |winner, in_view| {
            let contribution = waiting[&winner];
            if contribution.is_student {
                batch.push(winner, contribution, &mut view, &mut distinct);
            }
            // The earliest copy in view was counted as the key's first; the others as
            // duplicates, whichever won.
            let mut copies: Vec<u32> = in_view.collect();
            copies.sort_unstable();
            duplicates.extend_from_slice(&copies[1..]);
        });
        batch.apply(&mut view, &mut distinct);
        batch.by_video.add_to(&mut view);
        duplicates.sort_unstable();
        view.duplicates = duplicates.len() as u64;
        for index in duplicates {
            let segment = table.segment_of(index);
            let row = segment.first_row + u64::from(index - segment.start);
            view.quality.record(Rule::UniqueKey, max_samples, || {
                placeholder(&names[segment.source as usize], row)
            });
        }
        view.distinct = Some(distinct.counts);
        view.take_known_samples(self);
        Some(view)
    }

    /// Fills the view's samples from the ones the load kept (same input and row) and lists the
    /// others as [`Unresolved`].
    fn take_known_samples(&mut self, load: &Aggregator) {
        for rule in Rule::ALL {
            let slot = rule as usize;
            for known in &load.quality.samples[slot] {
                fill_placeholder(&mut self.quality.samples[slot], known.clone());
            }
            for sample in &self.quality.samples[slot] {
                if sample.values.is_empty()
                    && let Some(source) = self
                        .source_names
                        .iter()
                        .position(|name| *name == sample.source)
                {
                    self.unresolved.push(Unresolved {
                        slot: SampleSlot::Rule(rule),
                        source: source as u32,
                        row: sample.row,
                    });
                }
            }
        }
    }
}

/// What a view's headline figures need, counted without the rest of a view: the rows it
/// keeps, and over its de-duplicated student rows the completion totals and the learners,
/// courses and videos with a row. Equal to the same figures of [`Aggregator::explore`]'s view.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Headline {
    pub(crate) rows: u64,
    pub(crate) totals: Stats,
    pub(crate) learners: u64,
    pub(crate) courses: u64,
    pub(crate) videos: u64,
}

/// A row's part in a [`Headline`]: its ids, its completion as stored, and whether it counts.
#[derive(Clone, Copy)]
struct HeadlineRow {
    student: u32,
    course: u32,
    video: u32,
    is_student: bool,
    completion: f64,
}

impl Aggregator {
    /// The headline figures of the view `filter` would give (see [`Headline`]); `None` when
    /// rows were not kept. A view's per-learner, per-video and quality figures are not
    /// computed, so a period comparison costs a fraction of a view.
    pub(crate) fn headline(&self, filter: &Filter) -> Option<Headline> {
        let table = self.rows.as_ref()?;
        let prepared = table.view_index();
        let mut courses = CourseFilter::default();
        courses.refresh(filter, &self.courses, &self.codes);
        let mut headline = Headline::default();
        let mut seen_learners = RowSet::new(self.students.len());
        let mut seen_courses = RowSet::new(self.courses.len());
        let mut seen_videos = RowSet::new(self.videos.len());
        let mut count = |row: &HeadlineRow| {
            if !row.is_student {
                return;
            }
            headline.totals.update(fixed(row.completion), 1);
            for (id, seen, total) in [
                (row.student, &mut seen_learners, &mut headline.learners),
                (row.course, &mut seen_courses, &mut headline.courses),
                (row.video, &mut seen_videos, &mut headline.videos),
            ] {
                if id != NONE && seen.insert(id as usize) {
                    *total += 1;
                }
            }
        };
        let mut waiting: FxHashMap<u32, HeadlineRow> = FxHashMap::default();
        let mut rows = 0;
        rows_in_view(table, prepared, filter, &courses, |index, segment| {
            rows += 1;
            // NaN unless valid, as a view's contribution holds it.
            let (_, completion) = table.completion(index);
            let role = table.roles[index];
            let row = HeadlineRow {
                student: table.students[index],
                course: table.courses[index],
                video: table.videos[index],
                is_student: RoleClass::is_student(segment.has_role.then(|| self.role_class(role))),
                completion,
            };
            if table.flags[index] & flag::HAS_COPY == 0 {
                count(&row);
            } else {
                waiting.insert(index as u32, row);
            }
        });
        for_each_winner(&prepared.copy_groups, &waiting, |winner, _| {
            count(&waiting[&winner])
        });
        headline.rows = rows;
        Some(headline)
    }
}

/// Calls `visit` with each kept row `filter` keeps and its segment, in table order: only the
/// rows of the courses and days the filter names are read.
fn rows_in_view(
    table: &RowTable,
    prepared: &ViewIndex,
    filter: &Filter,
    courses: &CourseFilter,
    mut visit: impl FnMut(usize, &Segment),
) {
    let mut visit_kept = |index: usize, segment: &Segment| {
        if filter.is_empty()
            || courses.keeps(
                filter,
                table.courses[index],
                table.codes[index],
                table.times[index],
            )
        {
            visit(index, segment);
        }
    };
    match candidate_rows(table, prepared, filter, courses) {
        Some(candidates) => {
            let mut number = 0;
            for index in candidates.iter() {
                while table
                    .segments
                    .get(number + 1)
                    .is_some_and(|next| next.start as usize <= index)
                {
                    number += 1;
                }
                visit_kept(index, &table.segments[number]);
            }
        }
        None => {
            for (number, segment) in table.segments.iter().enumerate() {
                let end = table
                    .segments
                    .get(number + 1)
                    .map_or(table.len(), |next| next.start as usize);
                for index in segment.start as usize..end {
                    visit_kept(index, segment);
                }
            }
        }
    }
}

/// For each key with copies in view (rows in `waiting`), calls `each` with the copy that counts
/// (the group's first in view: the load's order of preference) and every copy in view, the
/// winner first.
fn for_each_winner<T>(
    groups: &[Vec<u32>],
    waiting: &FxHashMap<u32, T>,
    mut each: impl FnMut(u32, &mut dyn Iterator<Item = u32>),
) {
    for group in groups {
        let mut in_view = group
            .iter()
            .copied()
            .filter(|index| waiting.contains_key(index));
        if let Some(winner) = in_view.next() {
            each(winner, &mut [winner].into_iter().chain(in_view));
        }
    }
}

/// The rows a filter can keep, from the smaller of its course and day buckets (a superset:
/// each row is still checked against the filter); `None` when nothing is filtered.
fn candidate_rows(
    table: &RowTable,
    prepared: &ViewIndex,
    filter: &Filter,
    courses: &CourseFilter,
) -> Option<RowSet> {
    let by_course = (!filter.courses.is_empty()).then(|| {
        let mut buckets: Vec<&[u32]> = courses
            .wanted_keys()
            .map(|id| prepared.by_course.rows_of(i64::from(id)))
            .collect();
        let mut codes = courses.wanted_codes().peekable();
        if codes.peek().is_some() {
            let by_code = table.code_index();
            buckets.extend(codes.map(|id| by_code.rows_of(i64::from(id))));
        }
        buckets
    });
    let by_day = (filter.from_micros.is_some() || filter.to_micros.is_some()).then(|| {
        // `to` is exclusive: its day is the day of the last instant before it.
        let low = filter
            .from_micros
            .map_or(i64::MIN, |from| from.div_euclid(MICROS_PER_DAY));
        let high = filter.to_micros.map_or(i64::MAX, |to| {
            to.saturating_sub(1).div_euclid(MICROS_PER_DAY)
        });
        prepared.by_day.rows_between(low, high).collect::<Vec<_>>()
    });
    let size = |buckets: &Vec<&[u32]>| buckets.iter().map(|rows| rows.len()).sum::<usize>();
    let smaller = match (by_course, by_day) {
        (None, None) => return None,
        (Some(buckets), None) | (None, Some(buckets)) => buckets,
        (Some(course), Some(day)) => {
            if size(&course) <= size(&day) {
                course
            } else {
                day
            }
        }
    };
    let mut set = RowSet::new(table.len());
    for rows in smaller {
        set.add_all(rows);
    }
    Some(set)
}

/// Student rows without copies, added to a view's accumulators [`Added::SIZE`] at a time, one
/// accumulator after another (see [`Aggregator::apply_stats_all`]), with their table indices
/// for the distinct pairs.
struct Batch<'a> {
    rows: Vec<u32>,
    added: Added,
    by_video: ByVideo<'a>,
}

impl Batch<'_> {
    fn push(
        &mut self,
        row: u32,
        contribution: Contribution,
        view: &mut Aggregator,
        distinct: &mut Distinct<'_>,
    ) {
        self.rows.push(row);
        self.added.push(contribution);
        if self.added.is_full() {
            self.apply(view, distinct);
        }
    }

    fn apply(&mut self, view: &mut Aggregator, distinct: &mut Distinct<'_>) {
        let Added {
            contributions,
            values,
        } = &self.added;
        view.apply_stats_all(contributions, values, 1, Some(&mut self.by_video));
        distinct.count_all(&self.rows, contributions);
        self.rows.clear();
        self.added.clear();
    }
}

/// A view's distinct pairs, counted as rows are added. The pairs seen are bits (at 10M rows,
/// 1.2 MB instead of 10 MB of flags, which a random row's lookup missed in cache).
struct Distinct<'a> {
    pairs: &'a PairIds,
    seen_learner_video: RowSet,
    seen_course_learner: RowSet,
    counts: DistinctCounts,
}

impl Distinct<'_> {
    /// Counts the pairs of student rows `rows` (table indices) with these contributions, one
    /// kind of pair after the other.
    fn count_all(&mut self, rows: &[u32], contributions: &[Contribution]) {
        for (index, contribution) in rows.iter().zip(contributions) {
            let learner_video = self.pairs.learner_video[*index as usize];
            if learner_video != NONE && self.seen_learner_video.insert(learner_video as usize) {
                self.counts.videos_per_learner[contribution.student as usize] += 1;
                self.counts.learners_per_video[contribution.video as usize] += 1;
            }
        }
        for (index, contribution) in rows.iter().zip(contributions) {
            let course_learner = self.pairs.course_learner[*index as usize];
            if course_learner != NONE && self.seen_course_learner.insert(course_learner as usize) {
                self.counts.learners_per_course[contribution.course as usize] += 1;
            }
        }
    }
}

/// A sample known by its row only, its values to be read.
fn placeholder(source: &str, row: u64) -> Sample {
    Sample {
        source: source.to_owned(),
        row,
        values: Default::default(),
    }
}
