//! The rows a load read, kept compact so that a new filter is answered without reading the
//! inputs again (see [`crate::compute::explore`]).
//!
//! Every row is kept, before de-duplication, as the ids the load interned anyway: learner,
//! video, course, video title, course code and role as `u32`, the completion as an id into a
//! dictionary of the distinct values met (exact: the `f64` itself is kept once), the row's time
//! as microseconds, and a byte of flags. That is 37 bytes a row (37.7 measured on the bench files), against the hundreds a
//! re-read costs in decoding and hashing.
//!
//! De-duplication is kept as its outcome, not as the keys: most keys have one copy, and a row
//! whose key has no other copy needs nothing more. The rows that share a key with another row
//! (learned from the load's own de-duplication) are listed with their key and update time, so a
//! view can decide among the copies it keeps, exactly as a read of only those rows would.

use rustc_hash::FxHashMap;

use crate::compute::aggregate::{origin_parts, pair};
use crate::compute::decode::status;
use crate::compute::keys::NONE;
use crate::compute::row_index::Buckets;
use crate::time::MICROS_PER_DAY;

/// Completion ids below this stand for the statuses; valid values follow.
pub(crate) const FIRST_VALUE: u32 = 8;

/// The most rows kept (row indices are `u32`).
const MAX_ROWS: usize = u32::MAX as usize - 1;

/// Row flags.
pub(crate) mod flag {
    /// A timestamp of the row lies after the analysis's "now".
    pub(crate) const FUTURE: u8 = 1;
    /// The input has an event id column and this row's id is NULL.
    pub(crate) const NO_EVENT_ID: u8 = 2;
    /// Another row has the same key (event id, or every value).
    pub(crate) const HAS_COPY: u8 = 4;
}

/// What one row holds, as the load decoded it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RowFacts {
    pub(crate) student: u32,
    pub(crate) video: u32,
    pub(crate) course: u32,
    pub(crate) title: u32,
    pub(crate) code: u32,
    pub(crate) role: u32,
    pub(crate) completion_status: u8,
    /// Percent; meaningful when the status is valid.
    pub(crate) completion: f64,
    /// Watched, else updated; `NO_TIME` when neither.
    pub(crate) time: i64,
    pub(crate) future: bool,
    pub(crate) event_id_missing: bool,
}

/// A run of consecutive rows of one input read the same way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Segment {
    /// Index of its first row in the table.
    pub(crate) start: u32,
    pub(crate) source: u32,
    /// 1-based row number of its first row in the input.
    pub(crate) first_row: u64,
    pub(crate) has_course: bool,
    pub(crate) has_role: bool,
}

/// A row that shares its key with another.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Copy {
    pub(crate) key: u128,
    pub(crate) updated_at: i64,
    pub(crate) row: u32,
}

/// Every row of a load, compact. See the module docs.
#[derive(Clone, Debug, Default)]
pub(crate) struct RowTable {
    pub(crate) students: Vec<u32>,
    pub(crate) videos: Vec<u32>,
    pub(crate) courses: Vec<u32>,
    pub(crate) titles: Vec<u32>,
    pub(crate) codes: Vec<u32>,
    pub(crate) roles: Vec<u32>,
    /// Completion dictionary ids: a status below [`FIRST_VALUE`], else `values[id - FIRST_VALUE]`.
    pub(crate) completions: Vec<u32>,
    pub(crate) times: Vec<i64>,
    pub(crate) flags: Vec<u8>,
    pub(crate) values: Vec<f64>,
    value_ids: FxHashMap<u64, u32>,
    pub(crate) segments: Vec<Segment>,
    /// Rows that share a key with another row, in the order the load found them.
    pub(crate) copies: Vec<Copy>,
    /// What every view reads besides the rows, built on the first view after rows were added.
    prepared: std::sync::OnceLock<ViewIndex>,
    /// Rows by course code, built on the first view whose filter names a code.
    by_code: std::sync::OnceLock<Buckets>,
}

/// An interned id as a bucket key; NULL (`NONE`) rows are in no bucket.
fn id_key(id: u32) -> Option<i64> {
    (id != NONE).then_some(i64::from(id))
}

/// How a later table's ids and input indices map to this table's (each `[id]` is the id here).
pub(crate) struct RowIds<'a> {
    pub(crate) students: &'a [u32],
    pub(crate) videos: &'a [u32],
    pub(crate) courses: &'a [u32],
    pub(crate) titles: &'a [u32],
    pub(crate) codes: &'a [u32],
    pub(crate) roles: &'a [u32],
    pub(crate) sources: &'a [u32],
}

/// Built once per table for its views: the rows' pair ids, the rows that share a key, one
/// group per key, each in the order copies are preferred (latest update first, ties by row
/// order: the load's rule, the latest update wins and a tie keeps the first copy), and the rows
/// by course and by day, so that a filtered view reads only the rows it can keep.
#[derive(Clone, Debug, Default)]
pub(crate) struct ViewIndex {
    pub(crate) pairs: PairIds,
    pub(crate) copy_groups: Vec<Vec<u32>>,
    /// Each video's course: that of its first row with a course (`NONE` when none has one).
    pub(crate) course_of_video: Vec<u32>,
    pub(crate) by_course: Buckets,
    /// By the day of the row's time (rows without one are in no bucket).
    pub(crate) by_day: Buckets,
}

/// Dense ids of each row's (learner, video) and (course, learner) pairs (`NONE` when a side is
/// NULL), so that a view counts distinct pairs in arrays instead of hash tables.
#[derive(Clone, Debug, Default)]
pub(crate) struct PairIds {
    pub(crate) learner_video: Vec<u32>,
    pub(crate) course_learner: Vec<u32>,
    /// Distinct pairs of each kind.
    pub(crate) learner_videos: usize,
    pub(crate) course_learners: usize,
}

impl RowTable {
    pub(crate) fn len(&self) -> usize {
        self.students.len()
    }

    /// Bytes held, for a size budget.
    pub(crate) fn bytes(&self) -> u64 {
        let pairs = self.prepared.get().map_or(0, |prepared| {
            8 * prepared.pairs.learner_video.len()
                + 4 * prepared.course_of_video.len()
                + prepared
                    .copy_groups
                    .iter()
                    .map(|group| 4 * group.len() + std::mem::size_of::<Vec<u32>>())
                    .sum::<usize>()
                + prepared.by_course.bytes()
                + prepared.by_day.bytes()
        }) + self.by_code.get().map_or(0, Buckets::bytes);
        let per_row = 6 * 4 + 4 + 8 + 1;
        (self.len() * per_row
            + pairs
            + self.values.len() * 8
            + self.value_ids.len() * 16
            + self.segments.len() * std::mem::size_of::<Segment>()
            + self.copies.len() * std::mem::size_of::<Copy>()) as u64
    }

    /// Reserves room for `rows` rows in a table that has none yet, so that no column is copied
    /// as it grows: in wasm a grown vector is copied and the memory of the old one is not
    /// given back, so growing by doubling left up to half a column again as dead weight.
    pub(crate) fn reserve(&mut self, rows: usize) {
        if self.students.capacity() > 0 {
            return;
        }
        for column in [
            &mut self.students,
            &mut self.videos,
            &mut self.courses,
            &mut self.titles,
            &mut self.codes,
            &mut self.roles,
            &mut self.completions,
        ] {
            column.reserve_exact(rows);
        }
        self.times.reserve_exact(rows);
        self.flags.reserve_exact(rows);
    }

    /// Starts a batch of rows of input `source` from 1-based row `first_row`. Returns false
    /// when the rows do not follow the table's last row of that input, or the table is full:
    /// the caller then drops the table.
    pub(crate) fn begin_batch(
        &mut self,
        source: u32,
        first_row: u64,
        rows: usize,
        has_course: bool,
        has_role: bool,
    ) -> bool {
        if self.len() + rows > MAX_ROWS {
            return false;
        }
        self.prepared.take();
        self.by_code.take();
        let start = self.len() as u32;
        if let Some(last) = self.segments.last() {
            let last_end = last.first_row + u64::from(start - last.start);
            if (last.source, last_end, last.has_course, last.has_role)
                == (source, first_row, has_course, has_role)
            {
                return true;
            }
            // Rows must come in (input, row) order, so that an origin finds its row.
            if (source, first_row) < (last.source, last_end) {
                return false;
            }
        }
        self.segments.push(Segment {
            start,
            source,
            first_row,
            has_course,
            has_role,
        });
        true
    }

    /// Appends one row of the batch begun last; returns its index.
    pub(crate) fn push(&mut self, row: &RowFacts) -> u32 {
        let index = self.len() as u32;
        self.students.push(row.student);
        self.videos.push(row.video);
        self.courses.push(row.course);
        self.titles.push(row.title);
        self.codes.push(row.code);
        self.roles.push(row.role);
        let completion = if row.completion_status == status::VALID {
            self.value_id(row.completion)
        } else {
            u32::from(row.completion_status)
        };
        self.completions.push(completion);
        self.times.push(row.time);
        self.flags.push(
            if row.future { flag::FUTURE } else { 0 }
                | if row.event_id_missing {
                    flag::NO_EVENT_ID
                } else {
                    0
                },
        );
        index
    }

    /// The completion status of row `index`, and its value when valid.
    pub(crate) fn completion(&self, index: usize) -> (u8, f64) {
        let id = self.completions[index];
        if id >= FIRST_VALUE {
            (status::VALID, self.values[(id - FIRST_VALUE) as usize])
        } else {
            (id as u8, f64::NAN)
        }
    }

    /// Row `index` as the load decoded it: what [`RowTable::push`] was given.
    pub(crate) fn facts(&self, index: usize) -> RowFacts {
        let (completion_status, completion) = self.completion(index);
        let flags = self.flags[index];
        RowFacts {
            student: self.students[index],
            video: self.videos[index],
            course: self.courses[index],
            title: self.titles[index],
            code: self.codes[index],
            role: self.roles[index],
            completion_status,
            completion,
            time: self.times[index],
            future: flags & flag::FUTURE != 0,
            event_id_missing: flags & flag::NO_EVENT_ID != 0,
        }
    }

    /// The table index of the row an [`crate::compute::aggregate::origin`] names.
    fn index_of(&self, origin: u64) -> Option<u32> {
        let (source, row) = origin_parts(origin);
        let after = self
            .segments
            .partition_point(|segment| (segment.source, segment.first_row) <= (source, row));
        let segment = self.segments.get(after.checked_sub(1)?)?;
        let end = self
            .segments
            .get(after)
            .map_or(self.len() as u32, |next| next.start);
        if segment.source != source {
            return None;
        }
        let index = u64::from(segment.start) + row.checked_sub(segment.first_row)?;
        (index < u64::from(end)).then_some(index as u32)
    }

    /// Notes that the row at `later` (an origin) has the same key as the row at `earlier`, the
    /// key's first copy (`earlier_updated` is that copy's update time, as the key table held it
    /// before `later` arrived). Returns false when a row is not in the table.
    pub(crate) fn note_copy(
        &mut self,
        key: u128,
        earlier: u64,
        earlier_updated: i64,
        later: u64,
        later_updated: i64,
    ) -> bool {
        let (Some(first), Some(row)) = (self.index_of(earlier), self.index_of(later)) else {
            return false;
        };
        for (index, updated_at) in [(first, earlier_updated), (row, later_updated)] {
            let flags = &mut self.flags[index as usize];
            if *flags & flag::HAS_COPY == 0 {
                *flags |= flag::HAS_COPY;
                self.copies.push(Copy {
                    key,
                    updated_at,
                    row: index,
                });
            }
        }
        true
    }

    /// The rows that share a key, grouped and ordered as [`ViewIndex::copy_groups`] says.
    fn copy_groups(&self) -> Vec<Vec<u32>> {
        let mut copies = self.copies.clone();
        copies.sort_unstable_by(|left, right| {
            left.key
                .cmp(&right.key)
                .then(right.updated_at.cmp(&left.updated_at))
                .then(left.row.cmp(&right.row))
        });
        copies
            .chunk_by(|left, right| left.key == right.key)
            .map(|group| group.iter().map(|copy| copy.row).collect())
            .collect()
    }

    /// What views read besides the rows (built once, on first use after rows were added).
    pub(crate) fn view_index(&self) -> &ViewIndex {
        self.prepared.get_or_init(|| ViewIndex {
            pairs: self.pair_ids(),
            copy_groups: self.copy_groups(),
            course_of_video: self.course_of_video(),
            by_course: Buckets::build(self.len(), |row| id_key(self.courses[row])),
            by_day: Buckets::build(self.len(), |row| {
                let time = self.times[row];
                (time != crate::compute::decode::NO_TIME).then(|| time.div_euclid(MICROS_PER_DAY))
            }),
        })
    }

    /// The rows by course code (see [`RowTable::by_code`]).
    pub(crate) fn code_index(&self) -> &Buckets {
        self.by_code
            .get_or_init(|| Buckets::build(self.len(), |row| id_key(self.codes[row])))
    }

    /// See [`ViewIndex::course_of_video`].
    fn course_of_video(&self) -> Vec<u32> {
        let videos = self.videos.iter().filter(|video| **video != NONE);
        let mut course_of = vec![NONE; videos.max().map_or(0, |most| *most as usize + 1)];
        for (video, course) in self.videos.iter().zip(&self.courses) {
            if *video != NONE && *course != NONE && course_of[*video as usize] == NONE {
                course_of[*video as usize] = *course;
            }
        }
        course_of
    }

    /// Numbers each row's pairs.
    fn pair_ids(&self) -> PairIds {
        let number = |high: &[u32], low: &[u32]| {
            let mut ids: FxHashMap<u64, u32> = FxHashMap::default();
            let numbered: Vec<u32> = high
                .iter()
                .zip(low)
                .map(|(high, low)| {
                    if *high == NONE || *low == NONE {
                        return NONE;
                    }
                    let next = ids.len() as u32;
                    *ids.entry(pair(*high, *low)).or_insert(next)
                })
                .collect();
            (numbered, ids.len())
        };
        let (learner_video, learner_videos) = number(&self.students, &self.videos);
        let (course_learner, course_learners) = number(&self.courses, &self.students);
        PairIds {
            learner_video,
            course_learner,
            learner_videos,
            course_learners,
        }
    }

    /// Appends the rows of `later`, a table of rows that all come after this one's (a later
    /// share of the same read, see `compute::merge`), its ids and input indices mapped to this
    /// table's by `ids`. Returns false, changing nothing, when its rows do not follow this
    /// table's or would overflow it: the caller then drops the table.
    pub(crate) fn append(&mut self, later: RowTable, ids: &RowIds<'_>) -> bool {
        if self.len() + later.len() > MAX_ROWS {
            return false;
        }
        let segments: Vec<Segment> = later
            .segments
            .iter()
            .map(|segment| Segment {
                start: segment.start + self.len() as u32,
                source: ids.sources[segment.source as usize],
                ..*segment
            })
            .collect();
        if let (Some(last), Some(first)) = (self.segments.last(), segments.first()) {
            let last_end = last.first_row + u64::from(self.len() as u32 - last.start);
            if (first.source, first.first_row) < (last.source, last_end) {
                return false;
            }
        }
        self.prepared.take();
        self.by_code.take();
        let offset = self.len() as u32;
        let map = |map: &[u32], column: &[u32], into: &mut Vec<u32>| {
            into.extend(
                column
                    .iter()
                    .map(|id| if *id == NONE { NONE } else { map[*id as usize] }),
            );
        };
        map(ids.students, &later.students, &mut self.students);
        map(ids.videos, &later.videos, &mut self.videos);
        map(ids.courses, &later.courses, &mut self.courses);
        map(ids.titles, &later.titles, &mut self.titles);
        map(ids.codes, &later.codes, &mut self.codes);
        map(ids.roles, &later.roles, &mut self.roles);
        let values: Vec<u32> = later
            .values
            .iter()
            .map(|value| self.value_id(*value))
            .collect();
        self.completions.extend(later.completions.iter().map(
            |id| match id.checked_sub(FIRST_VALUE) {
                Some(value) => values[value as usize],
                None => *id,
            },
        ));
        self.times.extend_from_slice(&later.times);
        self.flags.extend_from_slice(&later.flags);
        self.segments.extend(segments);
        self.copies.extend(later.copies.iter().map(|copy| Copy {
            row: copy.row + offset,
            ..*copy
        }));
        true
    }

    /// Rebuilds the dictionary's lookup from `values` (after they were set directly, by a
    /// decoder); false when a value is listed twice or is not a valid completion.
    pub(crate) fn index_values(&mut self) -> bool {
        self.value_ids.clear();
        for (index, value) in self.values.iter().enumerate() {
            let valid = !value.is_nan() && value.to_bits() != (-0.0f64).to_bits();
            let id = FIRST_VALUE + index as u32;
            if !valid || self.value_ids.insert(value.to_bits(), id).is_some() {
                return false;
            }
        }
        true
    }

    /// The dictionary id of a valid completion, added when new.
    fn value_id(&mut self, value: f64) -> u32 {
        // +0.0 and -0.0 are the same completion; NaN is never valid.
        let value = value + 0.0;
        let next = FIRST_VALUE + self.values.len() as u32;
        let id = *self.value_ids.entry(value.to_bits()).or_insert(next);
        if id == next {
            self.values.push(value);
        }
        id
    }

    /// The segment holding row `index`.
    pub(crate) fn segment_of(&self, index: u32) -> &Segment {
        let after = self
            .segments
            .partition_point(|segment| segment.start <= index);
        &self.segments[after - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::aggregate::origin;
    use crate::compute::decode::NO_TIME;

    fn facts(completion_status: u8, completion: f64) -> RowFacts {
        RowFacts {
            student: 1,
            video: 2,
            course: 3,
            title: 4,
            code: 5,
            role: 6,
            completion_status,
            completion,
            time: NO_TIME,
            future: false,
            event_id_missing: false,
        }
    }

    /// A table reserved for its rows takes them without moving a column; a table with rows
    /// keeps what it has (a later input's reserve asks nothing more).
    #[test]
    fn a_reserved_table_takes_its_rows_without_growing() {
        let mut table = RowTable::default();
        table.reserve(1_000);
        let (students, times) = (table.students.as_ptr(), table.times.as_ptr());
        assert!(table.begin_batch(0, 1, 1_000, true, true));
        for _ in 0..1_000 {
            table.push(&facts(status::VALID, 50.0));
        }
        assert_eq!(table.students.as_ptr(), students);
        assert_eq!(table.times.as_ptr(), times);
        assert_eq!(table.flags.capacity(), 1_000);
        table.reserve(1_000_000);
        assert_eq!(table.completions.capacity(), 1_000);
    }

    #[test]
    fn completions_come_back_exactly_and_statuses_stay_apart() {
        let mut table = RowTable::default();
        assert!(table.begin_batch(0, 1, 5, true, true));
        let values = [37.125, 0.1 + 0.2, 37.125, -0.0];
        for value in values {
            table.push(&facts(status::VALID, value));
        }
        table.push(&facts(status::OUT_OF_RANGE, 140.0));
        for (index, value) in values.iter().enumerate() {
            let (state, back) = table.completion(index);
            assert_eq!(state, status::VALID);
            assert_eq!(back, *value, "row {index}");
        }
        assert_eq!(table.completion(4).0, status::OUT_OF_RANGE);
        // Three distinct values (0.0 and -0.0 are one).
        assert_eq!(table.values.len(), 3);
    }

    #[test]
    fn origins_find_their_rows_across_inputs_and_batches() {
        let mut table = RowTable::default();
        assert!(table.begin_batch(0, 1, 3, true, true));
        for _ in 0..3 {
            table.push(&facts(status::NULL, 0.0));
        }
        assert!(table.begin_batch(0, 4, 2, true, true));
        for _ in 0..2 {
            table.push(&facts(status::NULL, 0.0));
        }
        assert!(table.begin_batch(1, 11, 2, false, true));
        for _ in 0..2 {
            table.push(&facts(status::NULL, 0.0));
        }
        // The second batch continued the first segment; the third input starts at row 11.
        assert_eq!(table.segments.len(), 2);
        assert_eq!(table.index_of(origin(0, 1)), Some(0));
        assert_eq!(table.index_of(origin(0, 5)), Some(4));
        assert_eq!(table.index_of(origin(0, 6)), None);
        assert_eq!(table.index_of(origin(1, 10)), None);
        assert_eq!(table.index_of(origin(1, 12)), Some(6));
        assert_eq!(table.index_of(origin(2, 1)), None);
        assert_eq!(table.segment_of(6).source, 1);
        // Rows out of order are refused.
        assert!(!table.begin_batch(0, 1, 1, true, true));
    }

    #[test]
    fn copies_group_by_key_latest_update_first_then_row_order() {
        let mut table = RowTable::default();
        assert!(table.begin_batch(0, 1, 6, true, true));
        for _ in 0..6 {
            table.push(&facts(status::NULL, 0.0));
        }
        let at = |row| origin(0, row);
        // Key 7: rows 1 (t=5), 3 (t=9), 6 (t=9). Key 8: rows 2 and 4 (no time).
        assert!(table.note_copy(7, at(1), 5, at(3), 9));
        assert!(table.note_copy(8, at(2), NO_TIME, at(4), NO_TIME));
        assert!(table.note_copy(7, at(1), 9, at(6), 9));
        assert_eq!(table.copy_groups(), vec![vec![2, 5, 0], vec![1, 3]]);
        assert_eq!(table.flags[4] & flag::HAS_COPY, 0);
        assert!(!table.note_copy(9, at(1), 0, at(7), 0));
    }
}
