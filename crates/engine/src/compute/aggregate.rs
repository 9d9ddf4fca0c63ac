//! Streaming aggregation: one record batch at a time into compact accumulators keyed by interned
//! ids. Rows are never kept; memory grows with distinct learners, videos, (learner, video) pairs
//! and unique keys, not with the bytes of the rows.

use std::collections::BTreeMap;

use arrow_array::{Array, RecordBatch};
use rustc_hash::FxHashMap;

use crate::compute::event_keys::{self, EventKeys, Outcome};
use crate::compute::pair_counts::PairCounts;
use crate::compute::rows::{RowFacts, RowTable};

use crate::columns::{Field, ScaleCheck};
use crate::compute::decode::{self, NO_TIME, status};
use crate::compute::keys::{Interner, Key, NONE};
use crate::error::{Error, Result};
use crate::filter::Filter;
use crate::rules::quality::{QualityCounters, Rule, Sample};
use crate::time::MICROS_PER_DAY;

const NO_DAY: i32 = i32::MIN;

/// Fractional bits of [`Stats::sum`]: valid completions lie in 0..=100, so a sum of 2^50 of
/// them still fits an `i128` with 64 bits after the point.
const SUM_FRACTION_BITS: i32 = 64;

/// Sum and counts that can be added to and taken back (when a later copy of a record wins).
///
/// The sum is fixed-point and exact, so it does not depend on the order rows are added or taken
/// back in: with a float sum, reading the same rows in another order (another flush of the
/// event-key buffers, an incremental load) changed averages in the 9th decimal, where ranking
/// ties are decided.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Stats {
    pub(crate) views: i64,
    pub(crate) valid: i64,
    /// Sum of valid completions, in units of 2^-[`SUM_FRACTION_BITS`].
    pub(crate) sum: i128,
}

/// A valid completion in the units of [`Stats::sum`]; `None` for an invalid one (NaN).
///
/// [`Aggregator::apply_stats_all`] takes the rows' values converted once, beside the rows.
pub(crate) fn fixed(completion: f64) -> Option<i128> {
    (!completion.is_nan()).then(|| to_fixed(completion))
}

/// `value × 2^SUM_FRACTION_BITS` truncated toward zero and saturated, exactly what
/// `(value * 2f64.powi(SUM_FRACTION_BITS)) as i128` gives for every non-NaN `value`, read from
/// the float's bits: the cast is a library call (`__fixdfti`) that cost about 30 instructions
/// a row, this a shift.
fn to_fixed(value: f64) -> i128 {
    const MANTISSA_BITS: u32 = 52;
    let bits = value.to_bits();
    let biased = ((bits >> MANTISSA_BITS) & 0x7ff) as i32;
    let fraction = bits & ((1 << MANTISSA_BITS) - 1);
    // |value| = mantissa × 2^exponent (subnormals have no implicit leading bit).
    let (mantissa, exponent) = if biased == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1 << MANTISSA_BITS), biased - 1075)
    };
    let shift = exponent + SUM_FRACTION_BITS;
    let negative = bits >> 63 == 1;
    // A 53-bit mantissa shifted left by more than 74 no longer fits 127 bits (and infinity
    // lands here too): saturate, as the cast does.
    if biased == 0x7ff || shift > 127 - 53 {
        return if negative { i128::MIN } else { i128::MAX };
    }
    let magnitude = if shift >= 0 {
        i128::from(mantissa) << shift
    } else if shift > -64 {
        i128::from(mantissa >> -shift)
    } else {
        0
    };
    if negative { -magnitude } else { magnitude }
}

impl Stats {
    pub(crate) fn update(&mut self, fixed: Option<i128>, sign: i64) {
        self.views += sign;
        if let Some(fixed) = fixed {
            self.valid += sign;
            // A row is added (1) or taken back (-1): an add or a subtract, not an i128 multiply.
            match sign {
                1 => self.sum += fixed,
                -1 => self.sum -= fixed,
                _ => self.sum += i128::from(sign) * fixed,
            }
        }
    }

    pub(crate) fn mean(&self) -> Option<f64> {
        (self.valid > 0).then(|| self.sum as f64 / 2f64.powi(SUM_FRACTION_BITS) / self.valid as f64)
    }

    pub(crate) fn merge(&mut self, other: &Stats) {
        self.views += other.views;
        self.valid += other.valid;
        self.sum += other.sum;
    }
}

/// Course-video sums kept in a list by video instead of the map by (course, video), for the
/// rows whose course is their video's usual one (every row, unless a video id appears in
/// several courses): a list index instead of a hash probe per row.
pub(crate) struct ByVideo<'a> {
    /// Each video's course (`NONE` for a video no row gives a course, whose rows are all keyed
    /// by (`NONE`, video)).
    pub(crate) course_of: &'a [u32],
    pub(crate) sums: Vec<Stats>,
}

impl<'a> ByVideo<'a> {
    pub(crate) fn new(course_of: &'a [u32]) -> ByVideo<'a> {
        ByVideo {
            course_of,
            sums: vec![Stats::default(); course_of.len()],
        }
    }

    /// Adds the sums to `aggregator`'s map, where a video without rows has no entry.
    pub(crate) fn add_to(self, aggregator: &mut Aggregator) {
        for (video, stats) in self.sums.iter().enumerate() {
            if stats.views != 0 {
                let course = self.course_of[video];
                aggregator
                    .course_videos
                    .entry(pair(course, video as u32))
                    .or_default()
                    .merge(stats);
            }
        }
    }
}

/// What one kept row adds to the metrics; stored per unique key so a later copy can replace it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Contribution {
    pub(crate) student: u32,
    pub(crate) video: u32,
    pub(crate) course: u32,
    pub(crate) day: i32,
    pub(crate) is_student: bool,
    /// Percent, or NaN when the completion is not valid.
    pub(crate) completion: f64,
}

impl Contribution {
    /// Adds nothing (a non-student row): stands in where only a key was saved.
    pub(crate) const NOTHING: Contribution = Contribution {
        student: NONE,
        video: NONE,
        course: NONE,
        day: NO_DAY,
        is_student: false,
        completion: f64::NAN,
    };
}

pub(crate) type Kept = event_keys::Kept<Contribution>;

/// A row kept by whole-row de-duplication: what it added, and where it came from (see
/// [`origin`]), so that merging analyses can take back a copy both counted and name it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FirstCopy {
    pub(crate) contribution: Contribution,
    pub(crate) first: u64,
}

/// Bits of [`origin`] that hold the row number.
const ORIGIN_ROW_BITS: u32 = 40;

/// A row's place in the order the rows were added: its input (by index) and row number. Sorting
/// origins sorts rows as they were read.
pub(crate) fn origin(source: u32, row_number: u64) -> u64 {
    (u64::from(source) << ORIGIN_ROW_BITS) | row_number.min((1 << ORIGIN_ROW_BITS) - 1)
}

/// The input index and row number of an [`origin`].
pub(crate) fn origin_parts(origin: u64) -> (u32, u64) {
    (
        (origin >> ORIGIN_ROW_BITS) as u32,
        origin & ((1 << ORIGIN_ROW_BITS) - 1),
    )
}

/// A batch whose rows wait in [`EventKeys`], kept so a duplicate's sample can be taken.
struct Window {
    layout: BatchLayout,
    batch: RecordBatch,
    first_row: u64,
}

/// Rows waiting to be added to the accumulators together (see
/// [`Aggregator::apply_stats_all`]): each accumulator then takes many rows in one short loop,
/// so their cache misses (a learner's totals, at 100k learners 3.2 MB) overlap. A load's key
/// resolution and a view ([`crate::compute::explore`]) both add rows this way.
pub(crate) struct Added {
    pub(crate) contributions: Vec<Contribution>,
    /// Each row's completion as [`fixed`] gives it, converted once for every accumulator.
    pub(crate) values: Vec<Option<i128>>,
}

impl Added {
    /// Rows a batch holds: its lists stay in the first-level cache.
    pub(crate) const SIZE: usize = 1024;

    /// An empty batch with room for [`Added::SIZE`] rows.
    pub(crate) fn new() -> Added {
        Added {
            contributions: Vec::with_capacity(Self::SIZE),
            values: Vec::with_capacity(Self::SIZE),
        }
    }

    pub(crate) fn push(&mut self, contribution: Contribution) {
        self.values.push(fixed(contribution.completion));
        self.contributions.push(contribution);
    }

    pub(crate) fn is_full(&self) -> bool {
        self.contributions.len() >= Self::SIZE
    }

    pub(crate) fn clear(&mut self) {
        self.contributions.clear();
        self.values.clear();
    }

    /// Adds the rows held to a load's `aggregator`, pairs included, and empties the batch.
    fn apply_to(&mut self, aggregator: &mut Aggregator) {
        aggregator.apply_all(&self.contributions, &self.values, 1);
        self.clear();
    }
}

/// How a role value classifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RoleClass {
    Student,
    DirtyStudent,
    Other,
}

impl RoleClass {
    /// Whether a row whose role classifies as `class` counts as a learner's: `None` is a row
    /// of an input without a role column, which all do.
    pub(crate) fn is_student(class: Option<RoleClass>) -> bool {
        class != Some(RoleClass::Other)
    }
}

/// Where each field's column sits in the batches of one input, plus how to read them.
#[derive(Clone, Debug)]
pub(crate) struct BatchLayout {
    /// Batch column index per field, in [`Field::ALL`] order.
    pub(crate) columns: [Option<usize>; Field::ALL.len()],
    /// Column names for samples, per batch column.
    pub(crate) sample_columns: Vec<(usize, String)>,
    /// The field keying videos / courses (id when present, else title / code).
    pub(crate) video_key: Field,
    pub(crate) course_key: Field,
    pub(crate) source: u32,
}

impl BatchLayout {
    fn column<'batch>(
        &self,
        batch: &'batch RecordBatch,
        field: Field,
    ) -> Option<&'batch dyn Array> {
        self.columns[field as usize].map(|index| batch.column(index).as_ref())
    }
}

/// The most unique keys reserved up front: 7/8 of 2^24, the most a table of 2^24 slots holds
/// without growing (about 1 GB with event ids).
pub(crate) const MAX_RESERVED_KEYS: u64 = 14_000_000;

/// The most batches kept for duplicate samples before the event-id buffers are flushed.
const MAX_WINDOWS: usize = 16;

/// Per-batch decoded vectors, kept between batches to reuse their allocations.
#[derive(Default)]
struct Scratch {
    students: Vec<u32>,
    videos: Vec<u32>,
    courses: Vec<u32>,
    video_labels: Vec<u32>,
    course_labels: Vec<u32>,
    roles: Vec<u32>,
    completion: Vec<f64>,
    completion_status: Vec<u8>,
    watched_at: Vec<i64>,
    updated_at: Vec<i64>,
    event_ids: Vec<Option<u128>>,
    row_hashes: Vec<u128>,
}

/// All accumulators of one analysis.
#[derive(Default)]
pub(crate) struct Aggregator {
    pub(crate) students: Interner,
    pub(crate) videos: Interner,
    pub(crate) courses: Interner,
    pub(crate) roles: Interner,
    pub(crate) titles: Interner,
    pub(crate) codes: Interner,
    /// Smallest title id seen per video (by text), or NONE.
    pub(crate) video_title: Vec<u32>,
    /// (course or NONE << 32 | title id) -> video id, for videos keyed by title within their
    /// course: a memo of [`Interner::intern_key`] on [`Key::InCourse`] (ids never change).
    video_in_course: FxHashMap<u64, u32>,
    /// Smallest code id seen per course (by text), or NONE.
    pub(crate) course_code: Vec<u32>,
    role_classes: Vec<RoleClass>,
    /// Raw role value id (NONE for NULL) -> rows, for rows that are not students.
    pub(crate) other_roles: FxHashMap<u32, u64>,
    /// Raw role value id -> rows, for student rows not spelled `Student`.
    pub(crate) dirty_roles: FxHashMap<u32, u64>,

    pub(crate) learners: Vec<Stats>,
    pub(crate) course_stats: Vec<Stats>,
    /// (student << 32 | video) -> kept student rows.
    pub(crate) learner_videos: PairCounts,
    /// (course << 32 | student) -> kept student rows.
    pub(crate) course_learners: PairCounts,
    /// (course or NONE << 32 | video) -> stats.
    pub(crate) course_videos: FxHashMap<u64, Stats>,
    pub(crate) days: FxHashMap<i32, Stats>,
    pub(crate) histogram: [i64; 10],
    pub(crate) totals: Stats,

    pub(crate) event_keys: EventKeys<Contribution>,
    /// The batches of the rows in `event_keys`' buffers, by window index, and their rows.
    windows: Vec<Window>,
    window_rows: usize,
    /// Whole-row hash -> the kept copy (inputs without an event id).
    pub(crate) by_row: FxHashMap<u128, FirstCopy>,
    /// Samples whose values are still to be read (see [`crate::compute::merge`]).
    pub(crate) unresolved: Vec<crate::compute::merge::Unresolved>,
    /// Whether the keys came from a saved state, which does not keep their rows.
    pub(crate) restored: bool,
    pub(crate) rows_total: u64,
    pub(crate) duplicates: u64,
    pub(crate) quality: QualityCounters,
    pub(crate) source_names: Vec<String>,
    /// Rows skipped by [`Filter`].
    pub(crate) filtered_out: u64,
    /// For the last batch: whether the filter kept each row (empty when nothing is filtered).
    pub(crate) in_view: Vec<bool>,
    /// Earliest and latest row time (watched, else updated) over all rows, filter or not.
    pub(crate) time_span: Option<(i64, i64)>,
    /// This pass's share of the key space, out of `key_passes` (0 and 0 or 1: every key).
    key_pass: u32,
    key_passes: u32,
    /// Rows the inputs announced (see [`Aggregator::expect_rows`]).
    pub(crate) expected_rows: u64,
    course_filter: CourseFilter,
    scratch: Scratch,
    /// Every row read, compact, when asked for (see [`Aggregator::keep_rows`]).
    pub(crate) rows: Option<RowTable>,
    /// Why rows asked for are not kept.
    pub(crate) rows_dropped: Option<&'static str>,
    /// A view's distinct counts, which it keeps instead of the pairs (see
    /// [`crate::compute::explore`]): a view cannot be saved or merged.
    pub(crate) distinct: Option<DistinctCounts>,
}

/// Distinct pairs counted per id, as the report uses them.
#[derive(Clone, Debug, Default)]
pub(crate) struct DistinctCounts {
    pub(crate) videos_per_learner: Vec<u64>,
    pub(crate) learners_per_video: Vec<u64>,
    pub(crate) learners_per_course: Vec<u64>,
}

/// Per-batch settings that come from the options and the input.
#[derive(Clone, Copy)]
pub(crate) struct BatchSettings<'a> {
    pub(crate) scale_factor: f64,
    pub(crate) now_micros: Option<i64>,
    pub(crate) max_samples: usize,
    pub(crate) filter: &'a Filter,
}

/// How the rows of one input are counted (see [`Aggregator::check_row`]).
#[derive(Clone, Copy)]
pub(crate) struct RowKind {
    pub(crate) has_course: bool,
    pub(crate) has_role: bool,
    pub(crate) max_samples: usize,
}

/// A row's time for the date filter and the daily series: when it was watched, else when it was
/// last updated.
fn row_time(scratch: &Scratch, row: usize) -> i64 {
    let watched_at = scratch.watched_at[row];
    if watched_at != NO_TIME {
        watched_at
    } else {
        scratch.updated_at[row]
    }
}

fn has_times(layout: &BatchLayout) -> bool {
    layout.columns[Field::WatchedAt as usize].is_some()
        || layout.columns[Field::UpdatedAt as usize].is_some()
}

/// Whether each interned course key / code is in the filter, computed once per distinct value.
#[derive(Default)]
pub(crate) struct CourseFilter {
    keys: Vec<bool>,
    codes: Vec<bool>,
}

impl CourseFilter {
    pub(crate) fn refresh(&mut self, filter: &Filter, courses: &Interner, codes: &Interner) {
        let wanted = |key: &crate::compute::keys::Key| {
            filter
                .courses
                .iter()
                .any(|course| *course == key.to_string())
        };
        while self.keys.len() < courses.len() {
            self.keys.push(wanted(courses.key(self.keys.len() as u32)));
        }
        while self.codes.len() < codes.len() {
            self.codes.push(wanted(codes.key(self.codes.len() as u32)));
        }
    }

    /// The course key ids the filter names (after [`CourseFilter::refresh`]).
    pub(crate) fn wanted_keys(&self) -> impl Iterator<Item = u32> + '_ {
        wanted(&self.keys)
    }

    /// The course code ids the filter names (after [`CourseFilter::refresh`]).
    pub(crate) fn wanted_codes(&self) -> impl Iterator<Item = u32> + '_ {
        wanted(&self.codes)
    }

    /// Whether the filter keeps a row of this course key, course code and time.
    pub(crate) fn keeps(&self, filter: &Filter, course: u32, code: u32, time: i64) -> bool {
        if !filter.courses.is_empty() {
            let by_key = course != NONE && self.keys[course as usize];
            let by_code = code != NONE && self.codes[code as usize];
            if !by_key && !by_code {
                return false;
            }
        }
        if (filter.from_micros.is_some() || filter.to_micros.is_some())
            && (time == NO_TIME
                || filter.from_micros.is_some_and(|from| time < from)
                || filter.to_micros.is_some_and(|to| time >= to))
        {
            return false;
        }
        true
    }
}

fn wanted(ids: &[bool]) -> impl Iterator<Item = u32> + '_ {
    ids.iter()
        .enumerate()
        .filter(|(_, wanted)| **wanted)
        .map(|(id, _)| id as u32)
}

pub(crate) fn pair(high: u32, low: u32) -> u64 {
    (u64::from(high) << 32) | u64::from(low)
}

pub(crate) fn pair_parts(key: u64) -> (u32, u32) {
    ((key >> 32) as u32, key as u32)
}

impl Aggregator {
    /// Marks the rules that apply to an input with this layout.
    pub(crate) fn register_layout(&mut self, layout: &BatchLayout, has_clock: bool) {
        let has = |field: Field| layout.columns[field as usize].is_some();
        for rule in [
            Rule::StudentIdNotNull,
            Rule::VideoNotNull,
            Rule::CompletionNotNull,
            Rule::CompletionNumeric,
        ] {
            self.quality.set_applies(rule);
        }
        self.quality.set_applies(Rule::CompletionNotNan);
        self.quality.set_applies(Rule::CompletionInRange);
        self.quality.set_applies(Rule::UniqueKey);
        if has(Field::Course) || has(Field::CourseCode) {
            self.quality.set_applies(Rule::CourseNotNull);
        }
        if has(Field::EventId) {
            self.quality.set_applies(Rule::EventIdNotNull);
        }
        if has(Field::Role) {
            self.quality.set_applies(Rule::RoleAcceptedValues);
            self.quality.set_applies(Rule::RoleClean);
        }
        if has_clock && (has(Field::WatchedAt) || has(Field::UpdatedAt)) {
            self.quality.set_applies(Rule::TimestampNotFuture);
        }
    }

    /// Aggregates one batch. `first_row` is the 1-based row number of its first row in the input;
    /// `scale_factor` turns stored completion into percent. Returns the batch's completion
    /// values as stored (the scale check's evidence, see [`ScaleCheck`]).
    pub(crate) fn add_batch(
        &mut self,
        layout: &BatchLayout,
        batch: &RecordBatch,
        first_row: u64,
        settings: &BatchSettings<'_>,
    ) -> Result<ScaleCheck> {
        let BatchSettings {
            scale_factor,
            now_micros,
            max_samples,
            filter,
        } = *settings;
        let n_rows = batch.num_rows();
        let source_name = self.source_names[layout.source as usize].clone();
        let source_name = source_name.as_str();
        let arrow_error = |error| Error::arrow(source_name, error);
        let mut scratch = std::mem::take(&mut self.scratch);

        let fill_none = |out: &mut Vec<u32>| {
            out.clear();
            out.resize(n_rows, NONE);
        };
        match layout.column(batch, Field::Student) {
            Some(column) => self
                .students
                .encode(column, &mut scratch.students)
                .map_err(arrow_error)?,
            None => fill_none(&mut scratch.students),
        }
        // Without a video id a video is its title within its course (when there is a course):
        // the titles are interned first, then paired with the course below.
        let video_in_course = layout.video_key == Field::VideoTitle
            && layout.columns[layout.course_key as usize].is_some();
        match layout.column(batch, layout.video_key) {
            Some(column) if video_in_course => self
                .titles
                .encode(column, &mut scratch.videos)
                .map_err(arrow_error)?,
            Some(column) => self
                .videos
                .encode(column, &mut scratch.videos)
                .map_err(arrow_error)?,
            None => fill_none(&mut scratch.videos),
        }
        match layout.column(batch, layout.course_key) {
            Some(column) => self
                .courses
                .encode(column, &mut scratch.courses)
                .map_err(arrow_error)?,
            None => fill_none(&mut scratch.courses),
        }
        if video_in_course {
            self.videos_in_courses(&mut scratch.videos, &scratch.courses);
        }
        match layout
            .column(batch, Field::VideoTitle)
            .filter(|_| layout.video_key != Field::VideoTitle)
        {
            Some(column) => self
                .titles
                .encode(column, &mut scratch.video_labels)
                .map_err(arrow_error)?,
            None => fill_none(&mut scratch.video_labels),
        }
        match layout
            .column(batch, Field::CourseCode)
            .filter(|_| layout.course_key != Field::CourseCode)
        {
            Some(column) => self
                .codes
                .encode(column, &mut scratch.course_labels)
                .map_err(arrow_error)?,
            None => fill_none(&mut scratch.course_labels),
        }
        let has_role = layout.column(batch, Field::Role).is_some();
        match layout.column(batch, Field::Role) {
            Some(column) => self
                .roles
                .encode(column, &mut scratch.roles)
                .map_err(arrow_error)?,
            None => fill_none(&mut scratch.roles),
        }
        self.classify_new_roles();
        match layout.column(batch, Field::Completion) {
            Some(column) => decode::decode_completion(
                column,
                &mut scratch.completion,
                &mut scratch.completion_status,
            )
            .map_err(arrow_error)?,
            None => {
                scratch.completion.clear();
                scratch.completion.resize(n_rows, 0.0);
                scratch.completion_status.clear();
                scratch.completion_status.resize(n_rows, status::NULL);
            }
        }
        let scale_check = decode::apply_scale(
            &mut scratch.completion,
            &mut scratch.completion_status,
            scale_factor,
        );
        for (field, out) in [
            (Field::WatchedAt, &mut scratch.watched_at),
            (Field::UpdatedAt, &mut scratch.updated_at),
        ] {
            match layout.column(batch, field) {
                Some(column) => decode::decode_times(column, out).map_err(arrow_error)?,
                None => {
                    out.clear();
                    out.resize(n_rows, NO_TIME);
                }
            }
        }
        let has_event_id = layout.columns[Field::EventId as usize].is_some();
        if let Some(column) = layout.column(batch, Field::EventId) {
            decode::hash_event_ids(column, &mut scratch.event_ids).map_err(arrow_error)?;
        } else {
            let completion = layout.columns[Field::Completion as usize].map(|index| {
                (
                    index,
                    &scratch.completion[..],
                    &scratch.completion_status[..],
                )
            });
            decode::hash_rows(batch.columns(), n_rows, completion, &mut scratch.row_hashes)
                .map_err(arrow_error)?;
        }
        let has_course = layout.columns[layout.course_key as usize].is_some();
        self.grow_tables();
        self.reserve_keys(has_event_id);
        let window = self.windows.len() as u64;
        let mut flush_due = false;
        if has_event_id {
            self.windows.push(Window {
                layout: layout.clone(),
                batch: batch.clone(),
                first_row,
            });
            // The batches kept for samples bound the memory too (a batch may hold buffers
            // sized for far more rows than it has; in a key pass most of its rows are not
            // even buffered).
            self.window_rows += n_rows;
            flush_due =
                self.window_rows >= event_keys::FLUSH_ROWS || self.windows.len() >= MAX_WINDOWS;
        }
        let filtering = !filter.is_empty();
        if filtering {
            self.course_filter
                .refresh(filter, &self.courses, &self.codes);
        }
        let mut rows_in_view = 0u64;
        let mut rows_in_pass = n_rows as u64;
        // Which rows the filter keeps, kept after the batch for the dbt rules (empty: all).
        let mut in_view = std::mem::take(&mut self.in_view);
        in_view.clear();
        if filtering {
            in_view.extend((0..n_rows).map(|row| {
                self.course_filter.keeps(
                    filter,
                    scratch.courses[row],
                    scratch.course_labels[row],
                    row_time(&scratch, row),
                )
            }));
        }

        if has_times(layout) {
            for row in 0..n_rows {
                let time = row_time(&scratch, row);
                if time != NO_TIME {
                    let (low, high) = self.time_span.get_or_insert((time, time));
                    *low = (*low).min(time);
                    *high = (*high).max(time);
                }
            }
        }
        if let Some(table) = &mut self.rows {
            let kept = if filtering {
                Err("the load was filtered")
            } else if self.key_passes > 1 {
                Err("the load was read in several key passes")
            } else if !table.begin_batch(layout.source, first_row, n_rows, has_course, has_role) {
                Err("its rows did not come in input order, or were too many")
            } else {
                Ok(())
            };
            if let Err(reason) = kept {
                self.drop_rows(reason);
            }
        }
        for row in 0..n_rows {
            if self.key_passes > 1 {
                // Every copy of a key falls in the same pass, so each pass de-duplicates
                // exactly; rows without a key go to the first pass.
                let key = if has_event_id {
                    scratch.event_ids[row]
                } else {
                    Some(scratch.row_hashes[row])
                };
                let pass = key.map_or(0, |key| (key % u128::from(self.key_passes)) as u32);
                if pass != self.key_pass {
                    rows_in_pass -= 1;
                    continue;
                }
            }
            if in_view.get(row).is_some_and(|kept| !kept) {
                continue;
            }
            rows_in_view += 1;
            let watched_at = scratch.watched_at[row];
            let updated_at = scratch.updated_at[row];
            let row_number = first_row + row as u64;
            let facts = RowFacts {
                student: scratch.students[row],
                video: scratch.videos[row],
                course: scratch.courses[row],
                title: scratch.video_labels[row],
                code: scratch.course_labels[row],
                role: scratch.roles[row],
                completion_status: scratch.completion_status[row],
                completion: scratch.completion[row],
                time: row_time(&scratch, row),
                future: now_micros.is_some_and(|now| watched_at > now || updated_at > now),
                event_id_missing: has_event_id && scratch.event_ids[row].is_none(),
            };
            let sample = || self_sample(layout, source_name, batch, row, row_number);
            let row_kind = RowKind {
                has_course,
                has_role,
                max_samples,
            };
            let contribution = self.check_row(&facts, row_kind, &sample);
            if let Some(table) = &mut self.rows {
                table.push(&facts);
            }
            if has_event_id {
                let Some(event_id) = scratch.event_ids[row] else {
                    self.apply(&contribution, 1);
                    continue;
                };
                let kept = Kept {
                    updated_at,
                    contribution,
                    first: origin(layout.source, row_number),
                };
                flush_due |= self
                    .event_keys
                    .push(event_id, kept, window << 32 | row as u64);
            } else {
                let hash = scratch.row_hashes[row];
                let here = origin(layout.source, row_number);
                match self.by_row.entry(hash) {
                    std::collections::hash_map::Entry::Vacant(entry) => {
                        entry.insert(FirstCopy {
                            contribution,
                            first: here,
                        });
                        self.apply(&contribution, 1);
                    }
                    std::collections::hash_map::Entry::Occupied(entry) => {
                        let first = entry.get().first;
                        self.note_copy(hash, (first, NO_TIME), (here, NO_TIME));
                        self.duplicates += 1;
                        self.quality.record(Rule::UniqueKey, max_samples, sample);
                    }
                }
            }
        }
        self.rows_total += rows_in_view;
        self.filtered_out += rows_in_pass - rows_in_view;
        self.scratch = scratch;
        self.in_view = in_view;
        if flush_due {
            // Only the event ids: the pair counts flush when their own buffers fill, since
            // bigger batches of them find more of each partition in cache.
            self.resolve_keys(max_samples);
        }
        Ok(scale_check)
    }

    /// Counts one row's offences, its role and its labels (everything every row in view adds,
    /// before de-duplication), and returns what it adds to the metrics if it is kept. The load
    /// and a view of its kept rows ([`crate::compute::explore`]) both count rows here.
    pub(crate) fn check_row(
        &mut self,
        facts: &RowFacts,
        kind: RowKind,
        sample: &impl Fn() -> Sample,
    ) -> Contribution {
        let RowKind {
            has_course,
            has_role,
            max_samples,
        } = kind;
        let RowFacts {
            student,
            video,
            course,
            role,
            completion_status,
            ..
        } = *facts;
        let role_class = has_role.then(|| self.role_class(role));
        // Quality rules count every row, before de-duplication and the student filter.
        let quality = &mut self.quality;
        if student == NONE {
            quality.record(Rule::StudentIdNotNull, max_samples, sample);
        }
        if video == NONE {
            quality.record(Rule::VideoNotNull, max_samples, sample);
        }
        if has_course && course == NONE {
            quality.record(Rule::CourseNotNull, max_samples, sample);
        }
        let completion_rule = match completion_status {
            status::NULL => Some(Rule::CompletionNotNull),
            status::NAN => Some(Rule::CompletionNotNan),
            status::OUT_OF_RANGE => Some(Rule::CompletionInRange),
            status::NOT_NUMERIC => Some(Rule::CompletionNumeric),
            _ => None,
        };
        if let Some(rule) = completion_rule {
            quality.record(rule, max_samples, sample);
        }
        if facts.event_id_missing {
            quality.record(Rule::EventIdNotNull, max_samples, sample);
        }
        match role_class {
            None | Some(RoleClass::Student) => {}
            Some(RoleClass::DirtyStudent) => {
                *self.dirty_roles.entry(role).or_default() += 1;
                quality.record(Rule::RoleClean, max_samples, sample);
            }
            Some(RoleClass::Other) => {
                *self.other_roles.entry(role).or_default() += 1;
                quality.record(Rule::RoleAcceptedValues, max_samples, sample);
            }
        }
        if facts.future {
            quality.record(Rule::TimestampNotFuture, max_samples, sample);
        }

        // Labels come from every row, so they do not depend on which copy of a record won.
        update_label(&mut self.video_title[..], &self.titles, video, facts.title);
        update_label(&mut self.course_code[..], &self.codes, course, facts.code);

        Contribution {
            student,
            video,
            course,
            day: if facts.time == NO_TIME {
                NO_DAY
            } else {
                facts.time.div_euclid(MICROS_PER_DAY) as i32
            },
            is_student: RoleClass::is_student(role_class),
            completion: if completion_status == status::VALID {
                facts.completion
            } else {
                f64::NAN
            },
        }
    }

    /// How the role with id `role` classifies (a NULL role is not a student's).
    pub(crate) fn role_class(&self, role: u32) -> RoleClass {
        if role == NONE {
            RoleClass::Other
        } else {
            self.role_classes[role as usize]
        }
    }

    /// Turns title ids (of [`Aggregator::titles`]) into the ids of the videos those titles name
    /// in each row's course ([`Key::InCourse`]).
    fn videos_in_courses(&mut self, videos: &mut [u32], courses: &[u32]) {
        for (video, course) in videos.iter_mut().zip(courses) {
            if *video == NONE {
                continue;
            }
            let pair = pair(*course, *video);
            *video = match self.video_in_course.get(&pair) {
                Some(id) => *id,
                None => {
                    let course_key = (*course != NONE).then(|| self.courses.key(*course).clone());
                    let title = self.titles.key(*video).clone();
                    let id = self
                        .videos
                        .intern_key(&Key::InCourse(Box::new((course_key, title))));
                    self.video_in_course.insert(pair, id);
                    id
                }
            };
        }
    }

    /// An aggregator with this one's ids, inputs, applicable rules and time span, and nothing
    /// counted: what a view of this one's rows starts from. Rows filtered out of this one stay
    /// filtered out.
    pub(crate) fn empty_like(&self) -> Aggregator {
        let mut empty = Aggregator {
            students: self.students.clone(),
            videos: self.videos.clone(),
            courses: self.courses.clone(),
            roles: self.roles.clone(),
            titles: self.titles.clone(),
            codes: self.codes.clone(),
            role_classes: self.role_classes.clone(),
            source_names: self.source_names.clone(),
            time_span: self.time_span,
            filtered_out: self.filtered_out,
            key_pass: self.key_pass,
            key_passes: self.key_passes,
            ..Aggregator::default()
        };
        empty.quality.applies = self.quality.applies;
        empty.grow_tables();
        empty
    }

    /// Starts keeping every row read from now on (see [`RowTable`]).
    pub(crate) fn keep_rows(&mut self) {
        self.rows = Some(RowTable::default());
        self.rows_dropped = None;
    }

    /// Stops keeping rows, saying why a view of them is not available.
    pub(crate) fn drop_rows(&mut self, reason: &'static str) {
        if self.rows.take().is_some() {
            self.rows_dropped = Some(reason);
        }
    }

    /// Tells the row table that the rows at `later` and `earlier` (origins, with their update
    /// times) share `key`, `earlier` being its first copy.
    pub(crate) fn note_copy(&mut self, key: u128, earlier: (u64, i64), later: (u64, i64)) {
        if let Some(table) = &mut self.rows
            && !table.note_copy(key, earlier.0, earlier.1, later.0, later.1)
        {
            self.drop_rows("a copy of a key was not among its rows");
        }
    }

    /// Whether rows wait in the event-id buffers, or their pair counts in [`PairCounts`]'
    /// buffers: nothing may read the aggregates until [`Aggregator::flush_keys`].
    pub(crate) fn has_pending_keys(&self) -> bool {
        self.event_keys.has_pending()
            || self.learner_videos.has_pending()
            || self.course_learners.has_pending()
    }

    /// Resolves every buffered row (see [`Aggregator::resolve_keys`]) and applies the buffered
    /// pair counts, so that every aggregate is complete: called when an input ends, before
    /// anything reads the aggregates.
    pub(crate) fn flush_keys(&mut self, max_samples: usize) {
        self.resolve_keys(max_samples);
        self.learner_videos.flush();
        self.course_learners.flush();
    }

    /// Resolves the rows waiting in the event-id buffers (see [`EventKeys`]): adds new keys,
    /// swaps in newer updates, and counts duplicates, sampling the first ones in row order.
    fn resolve_keys(&mut self, max_samples: usize) {
        let mut keys = std::mem::take(&mut self.event_keys);
        let mut duplicates = Vec::new();
        let keeping_rows = self.rows.is_some();
        let mut copies = Vec::new();
        // New rows are added a batch at a time (see `apply_all`); a take-back first adds the
        // rows before it, so a pair's count never goes below 0 on the way.
        let mut added = Added::new();
        keys.flush(|outcome| match outcome {
            Outcome::New(contribution) => {
                added.push(contribution);
                if added.is_full() {
                    added.apply_to(self);
                }
            }
            Outcome::Duplicate {
                origin,
                replace,
                key,
                earlier,
                row,
            } => {
                duplicates.push(origin);
                if keeping_rows {
                    copies.push((
                        key,
                        (earlier.first, earlier.updated_at),
                        (row.first, row.updated_at),
                    ));
                }
                if let Some((replaced, with)) = replace {
                    added.apply_to(self);
                    self.apply(&replaced, -1);
                    self.apply(&with, 1);
                }
            }
        });
        added.apply_to(self);
        self.event_keys = keys;
        for (key, earlier, later) in copies {
            self.note_copy(key, earlier, later);
        }
        self.duplicates += duplicates.len() as u64;
        // Origins grow with row order, so sorted they give the first duplicates as samples.
        duplicates.sort_unstable();
        let windows = std::mem::take(&mut self.windows);
        self.window_rows = 0;
        for origin in duplicates {
            let window = &windows[(origin >> 32) as usize];
            let row = (origin & u64::from(u32::MAX)) as usize;
            let source_name = &self.source_names[window.layout.source as usize];
            self.quality.record(Rule::UniqueKey, max_samples, || {
                self_sample(
                    &window.layout,
                    source_name,
                    &window.batch,
                    row,
                    window.first_row + row as u64,
                )
            });
        }
    }

    /// Notes that `rows` more rows are coming; the unique-key table is sized for them (this
    /// pass's share) when its first key arrives, instead of doubling as it fills.
    pub(crate) fn expect_rows(&mut self, rows: u64) {
        self.expected_rows = self.expected_rows.saturating_add(rows);
    }

    /// Reserves this pass's share of the expected keys in an empty table (and room for as many
    /// kept rows), at most
    /// [`MAX_RESERVED_KEYS`]: beyond that the table grows as usual, so a wrong count cannot ask
    /// for memory the data never needs.
    fn reserve_keys(&mut self, has_event_id: bool) {
        let share = (self.expected_rows / u64::from(self.key_passes.max(1))).min(MAX_RESERVED_KEYS)
            as usize;
        // Rows are kept only by a load read in one pass: its share is every row.
        if let Some(rows) = &mut self.rows {
            rows.reserve(share);
        }
        if has_event_id {
            self.event_keys.reserve(share);
        } else if self.by_row.capacity() == 0 {
            self.by_row.reserve(share);
        }
    }

    pub(crate) fn key_pass(&self) -> u32 {
        self.key_pass
    }

    pub(crate) fn key_passes(&self) -> u32 {
        self.key_passes
    }

    /// Starts pass `pass` of `passes`: the keys of earlier passes cannot come back, so their
    /// table is dropped (the aggregates they fed stay). Starting the pass already in force (every `add_parquet` of a one-pass dataset starts
    /// pass 0 of 1) keeps the table: later inputs are de-duplicated against earlier ones.
    pub(crate) fn begin_key_pass(&mut self, pass: u32, passes: u32) {
        if (pass, passes.max(1)) == (self.key_pass, self.key_passes.max(1)) {
            return;
        }
        self.key_pass = pass;
        self.key_passes = passes;
        self.event_keys = EventKeys::default();
        self.by_row = FxHashMap::default();
    }

    pub(crate) fn classify_new_roles(&mut self) {
        while self.role_classes.len() < self.roles.len() {
            let raw = self.roles.key(self.role_classes.len() as u32).to_string();
            let class = if raw.trim().eq_ignore_ascii_case("student") {
                if raw == "Student" {
                    RoleClass::Student
                } else {
                    RoleClass::DirtyStudent
                }
            } else {
                RoleClass::Other
            };
            self.role_classes.push(class);
        }
    }

    pub(crate) fn grow_tables(&mut self) {
        self.learners.resize(self.students.len(), Stats::default());
        self.course_stats
            .resize(self.courses.len(), Stats::default());
        self.video_title.resize(self.videos.len(), NONE);
        self.course_code.resize(self.courses.len(), NONE);
    }

    /// Adds (`sign` = 1) or takes back (`sign` = -1) one kept row's contribution.
    pub(crate) fn apply(&mut self, contribution: &Contribution, sign: i64) {
        self.apply_all(
            std::slice::from_ref(contribution),
            &[fixed(contribution.completion)],
            sign,
        );
    }

    /// [`Aggregator::apply`] for many rows (`values` as [`Aggregator::apply_stats_all`] takes
    /// them): the sums, then the (learner, video) and (course, learner) pairs of the students'.
    fn apply_all(&mut self, contributions: &[Contribution], values: &[Option<i128>], sign: i64) {
        self.apply_stats_all(contributions, values, sign, None);
        for row in contributions.iter().filter(|row| row.is_student) {
            if row.student != NONE && row.video != NONE {
                self.learner_videos.bump(pair(row.student, row.video), sign);
            }
            if row.course != NONE && row.student != NONE {
                self.course_learners
                    .bump(pair(row.course, row.student), sign);
            }
        }
    }

    /// Adds or takes back many rows' sums and counts, all but their (learner, video) and (course,
    /// learner) pairs, one accumulator after another: each loop is short, so the cache misses
    /// of many rows into the larger accumulators (a learner's totals, at 100k learners 3.2 MB)
    /// are in flight together instead of one per row. The sums are integers, so the order rows
    /// are added in does not change them. `values` are the rows' completions as [`fixed`] gives
    /// them, one per row (see [`Added`]). `by_video`, when given, takes the course-video sums of
    /// rows in their video's own course.
    pub(crate) fn apply_stats_all(
        &mut self,
        contributions: &[Contribution],
        values: &[Option<i128>],
        sign: i64,
        mut by_video: Option<&mut ByVideo<'_>>,
    ) {
        debug_assert_eq!(contributions.len(), values.len());
        let students = || {
            contributions
                .iter()
                .zip(values.iter().copied())
                .filter(|(row, _)| row.is_student)
        };
        for (row, value) in students() {
            self.totals.update(value, sign);
            if !row.completion.is_nan() {
                let bin = ((row.completion / 10.0) as usize).min(9);
                self.histogram[bin] += sign;
            }
        }
        for (row, value) in students().filter(|(row, _)| row.student != NONE) {
            self.learners[row.student as usize].update(value, sign);
        }
        for (row, value) in students().filter(|(row, _)| row.course != NONE) {
            self.course_stats[row.course as usize].update(value, sign);
        }
        for (row, value) in students().filter(|(row, _)| row.video != NONE) {
            if let Some(dense) = by_video.as_mut()
                && dense.course_of[row.video as usize] == row.course
            {
                dense.sums[row.video as usize].update(value, sign);
                continue;
            }
            self.course_videos
                .entry(pair(row.course, row.video))
                .or_default()
                .update(value, sign);
        }
        // Rows come mostly in time order: a run of one day is looked up once.
        let mut run: Option<(i32, Stats)> = None;
        for (row, value) in students().filter(|(row, _)| row.day != NO_DAY) {
            match &mut run {
                Some((day, stats)) if *day == row.day => stats.update(value, sign),
                _ => {
                    if let Some((day, stats)) = run.take() {
                        self.days.entry(day).or_default().merge(&stats);
                    }
                    let mut stats = Stats::default();
                    stats.update(value, sign);
                    run = Some((row.day, stats));
                }
            }
        }
        if let Some((day, stats)) = run {
            self.days.entry(day).or_default().merge(&stats);
        }
    }

    /// Distinct videos per learner (by learner id), from the (learner, video) pairs.
    pub(crate) fn videos_per_learner(&self) -> Vec<u64> {
        if let Some(distinct) = &self.distinct {
            return distinct.videos_per_learner.clone();
        }
        self.learner_videos.count_by_high(self.students.len())
    }

    /// Distinct learners per video (by video id), from the (learner, video) pairs.
    pub(crate) fn learners_per_video(&self) -> Vec<u64> {
        if let Some(distinct) = &self.distinct {
            return distinct.learners_per_video.clone();
        }
        self.learner_videos.count_by_low(self.videos.len())
    }

    /// Distinct learners per course (by course id), from the (course, learner) pairs.
    pub(crate) fn learners_per_course(&self) -> Vec<u64> {
        if let Some(distinct) = &self.distinct {
            return distinct.learners_per_course.clone();
        }
        self.course_learners.count_by_high(self.courses.len())
    }

    /// Per-video stats over all courses (rows without a course included).
    pub(crate) fn video_stats(&self) -> Vec<Stats> {
        let mut stats = vec![Stats::default(); self.videos.len()];
        for (key, group) in &self.course_videos {
            stats[pair_parts(*key).1 as usize].merge(group);
        }
        stats
    }
}

pub(crate) fn update_label(labels: &mut [u32], texts: &Interner, group: u32, label: u32) {
    if group == NONE || label == NONE {
        return;
    }
    let current = &mut labels[group as usize];
    if *current == NONE || (*current != label && texts.key(label) < texts.key(*current)) {
        *current = label;
    }
}

pub(crate) fn self_sample(
    layout: &BatchLayout,
    source_name: &str,
    batch: &RecordBatch,
    row: usize,
    row_number: u64,
) -> Sample {
    let mut values = BTreeMap::new();
    for (column_index, name) in &layout.sample_columns {
        let column = batch.column(*column_index);
        let mut text = None;
        let slice = column.slice(row, 1);
        let _ = crate::compute::keys::for_each_text(slice.as_ref(), |value| {
            text = value.map(str::to_owned)
        });
        values.insert(name.clone(), text);
    }
    Sample {
        source: source_name.to_owned(),
        row: row_number,
        values,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What [`to_fixed`] must equal: the cast it replaces.
    fn cast(value: f64) -> i128 {
        (value * 2f64.powi(SUM_FRACTION_BITS)) as i128
    }

    #[test]
    fn to_fixed_equals_the_cast_at_the_edges() {
        let edges = [
            0.0,
            -0.0,
            100.0,
            99.999_999_999_999_99,
            1.0 / 3.0,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            5e-324,
            2f64.powi(-64),
            2f64.powi(-65),
            1.5 * 2f64.powi(-64),
            2f64.powi(62),
            2f64.powi(63) - 2f64.powi(10),
            2f64.powi(63),
            -2f64.powi(63),
            2f64.powi(64),
            f64::MAX,
            f64::MIN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        for value in edges {
            assert_eq!(to_fixed(value), cast(value), "{value:e}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]
        #[test]
        fn to_fixed_equals_the_cast_for_any_float(bits in any::<u64>()) {
            let value = f64::from_bits(bits);
            prop_assume!(!value.is_nan());
            prop_assert_eq!(to_fixed(value), cast(value));
        }

        #[test]
        fn to_fixed_equals_the_cast_for_completions(value in -1.0f64..=101.0) {
            prop_assert_eq!(to_fixed(value), cast(value));
        }
    }
}
