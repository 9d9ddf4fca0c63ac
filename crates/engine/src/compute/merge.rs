//! Merging accumulators: an aggregator of later rows folds into one of earlier rows and gives
//! exactly what one aggregator over all the rows would hold, as DataFusion folds partial
//! aggregates into a final one. Parallel readers (each given a share of the row groups) and
//! incremental loads are then the same operation.
//!
//! "Later" is the one thing the caller promises: every row of the merged side comes after every
//! row of this side in the order a single analysis would read them (shards are contiguous runs
//! of that order, merged left to right). Under that promise each step is exact:
//! - ids are re-interned in the later side's first-seen order, which is the order a single
//!   analysis would have met the new ones in;
//! - sums, counts and pair counts add (the sums are fixed-point, so the order does not matter);
//! - a key both sides kept is a duplicate once more: the latest update wins, a tie keeps this
//!   side's copy, and the losing contribution, counted by both, is taken back once;
//! - samples are the first ones in row order: this side's, then the later side's merged with the
//!   rows that became duplicates only now (the later side's first copies of keys this side had).
//!   Their values were never kept, so those samples wait in [`Unresolved`] until the caller
//!   reads their rows again.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use crate::compute::aggregate::{
    Aggregator, BatchLayout, Contribution, FirstCopy, Kept, origin, origin_parts, pair, pair_parts,
    self_sample, update_label,
};
use crate::compute::decode::NO_TIME;
use crate::compute::event_keys::Absorbed;
use crate::compute::keys::{Interner, NONE};
use crate::compute::rows::RowIds;
use crate::error::{Error, Result};
use crate::rules::quality::{Rule, Sample};
use arrow_array::RecordBatch;

/// The origin of a key restored from a saved state: its row is not known.
pub(crate) const RESTORED: u64 = u64::MAX;

/// Which list of samples a sample belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SampleSlot {
    /// A built-in quality rule's.
    Rule(Rule),
    /// The dbt test at this index in the schema's tests.
    Dbt(usize),
}

/// A sample known by its row only: its values must be read again (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Unresolved {
    pub(crate) slot: SampleSlot,
    /// Input index (as in [`Aggregator::source_names`]) and 1-based row number.
    pub(crate) source: u32,
    pub(crate) row: u64,
}

/// How ids and input indices of the later side map to this side's.
struct Remap {
    students: Vec<u32>,
    videos: Vec<u32>,
    courses: Vec<u32>,
    roles: Vec<u32>,
    titles: Vec<u32>,
    codes: Vec<u32>,
}

/// Each id of `from` as an id of `into`, interning the keys `into` has not seen in `from`'s
/// order (which is its first-seen order).
fn remap_interner(into: &mut Interner, from: &Interner) -> Vec<u32> {
    from.keys().iter().map(|key| into.intern_key(key)).collect()
}

fn map_id(map: &[u32], id: u32) -> u32 {
    if id == NONE { NONE } else { map[id as usize] }
}

/// Each input name of the later side as an input index of this side, adding the new ones. A
/// name both sides have is one input split between them.
pub(crate) fn remap_sources(into: &mut Vec<String>, from: &[String]) -> Vec<u32> {
    from.iter()
        .map(|name| match into.iter().position(|known| known == name) {
            Some(index) => index as u32,
            None => {
                into.push(name.clone());
                (into.len() - 1) as u32
            }
        })
        .collect()
}

/// An origin of the later side in this side's numbering.
pub(crate) fn remap_origin(sources: &[u32], later: u64) -> u64 {
    if later == RESTORED {
        return RESTORED;
    }
    let (source, row) = origin_parts(later);
    origin(sources[source as usize], row)
}

impl Remap {
    fn contribution(&self, contribution: &Contribution) -> Contribution {
        Contribution {
            student: map_id(&self.students, contribution.student),
            video: map_id(&self.videos, contribution.video),
            course: map_id(&self.courses, contribution.course),
            ..*contribution
        }
    }
}

/// Where merged samples come from and go: the later side's input names, its input indices as
/// this side's (`sources`), and which list they are.
pub(crate) struct SampleMerge<'a> {
    pub(crate) later_names: &'a [String],
    pub(crate) sources: &'a [u32],
    pub(crate) slot: SampleSlot,
    pub(crate) max_samples: usize,
}

/// Merges the later side's samples of one list into this side's: this side's first, then the
/// later side's own and `extra` (its rows that became offending only now, as later-side
/// origins) in row order, up to `max_samples` in all. Returns the extra rows kept, as
/// placeholders whose values are still to be read, in this side's numbering.
pub(crate) fn merge_samples(
    mine: &mut Vec<Sample>,
    theirs: Vec<Sample>,
    extra: Vec<u64>,
    merge: &SampleMerge<'_>,
) -> Vec<Unresolved> {
    kept_extra_rows(mine, theirs, extra, merge.later_names, merge.max_samples)
        .into_iter()
        .map(|row_origin| {
            let (source, row) = origin_parts(remap_origin(merge.sources, row_origin));
            Unresolved {
                slot: merge.slot,
                source,
                row,
            }
        })
        .collect()
}

fn kept_extra_rows(
    mine: &mut Vec<Sample>,
    theirs: Vec<Sample>,
    mut extra: Vec<u64>,
    later_names: &[String],
    max_samples: usize,
) -> Vec<u64> {
    let room = max_samples.saturating_sub(mine.len());
    if room == 0 {
        return Vec::new();
    }
    let index_of: FxHashMap<&str, u32> = later_names
        .iter()
        .enumerate()
        .rev()
        .map(|(index, name)| (name.as_str(), index as u32))
        .collect();
    let place = |sample: &Sample| {
        index_of
            .get(sample.source.as_str())
            .map_or(u64::MAX, |source| origin(*source, sample.row))
    };
    extra.sort_unstable();
    let mut kept_extra = Vec::new();
    let mut theirs = theirs.into_iter().peekable();
    let mut extra = extra.into_iter().peekable();
    for _ in 0..room {
        let take_extra = match (theirs.peek(), extra.peek()) {
            (None, None) => break,
            (Some(_), None) => false,
            (None, Some(_)) => true,
            (Some(sample), Some(row)) => *row < place(sample),
        };
        if take_extra {
            let Some(row_origin) = extra.next() else {
                break;
            };
            let (source, row) = origin_parts(row_origin);
            mine.push(Sample {
                source: later_names[source as usize].clone(),
                row,
                values: BTreeMap::new(),
            });
            kept_extra.push(row_origin);
        } else if let Some(sample) = theirs.next() {
            mine.push(sample);
        }
    }
    kept_extra
}

/// Keeps the unresolved samples whose placeholder is still in its list.
pub(crate) fn still_listed(
    unresolved: &Unresolved,
    samples: &[Sample],
    source_names: &[String],
) -> bool {
    let name = &source_names[unresolved.source as usize];
    samples
        .iter()
        .any(|sample| sample.row == unresolved.row && &sample.source == name)
}

impl Aggregator {
    /// Folds in `later`, an aggregator over rows that all come after this one's (see the
    /// module docs). Both must have read their inputs in one key pass. Returns each of the later
    /// side's input indices as this side's.
    pub(crate) fn merge(&mut self, mut later: Aggregator, max_samples: usize) -> Result<Vec<u32>> {
        if self.key_passes() > 1 || later.key_passes() > 1 {
            return Err(Error::Option(
                "an analysis read in several key passes cannot be merged: its earlier passes' keys are gone".into(),
            ));
        }
        if self.distinct.is_some() || later.distinct.is_some() {
            return Err(Error::Option(
                "a filtered view of kept rows holds no keys, so it cannot be merged: merge the analyses it was taken from".into(),
            ));
        }
        if later.restored {
            return Err(Error::Option(
                "an analysis restored from a saved state can only be merged into, not merged: the rows of its keys are not known".into(),
            ));
        }
        self.flush_keys(max_samples);
        later.flush_keys(max_samples);
        // Kept rows stay kept when both sides kept them: the later side's are appended, and the
        // copies only the merge finds are noted below. Otherwise a view would miss rows.
        let later_rows = later.rows.take();
        if later_rows.is_none() {
            self.drop_rows(
                later
                    .rows_dropped
                    .unwrap_or("it was merged with an analysis that did not keep its rows"),
            );
        }

        let sources = remap_sources(&mut self.source_names, &later.source_names);
        let map = Remap {
            students: remap_interner(&mut self.students, &later.students),
            videos: remap_interner(&mut self.videos, &later.videos),
            courses: remap_interner(&mut self.courses, &later.courses),
            roles: remap_interner(&mut self.roles, &later.roles),
            titles: remap_interner(&mut self.titles, &later.titles),
            codes: remap_interner(&mut self.codes, &later.codes),
        };
        if let (Some(rows), Some(later_rows)) = (&mut self.rows, later_rows) {
            let ids = RowIds {
                students: &map.students,
                videos: &map.videos,
                courses: &map.courses,
                titles: &map.titles,
                codes: &map.codes,
                roles: &map.roles,
                sources: &sources,
            };
            if !rows.append(later_rows, &ids) {
                self.drop_rows("the merged rows did not follow the rows kept before them");
            }
        }
        self.grow_tables();
        self.classify_new_roles();
        self.merge_sums(&later, &map);
        self.merge_labels(&later, &map);
        self.rows_total += later.rows_total;
        self.duplicates += later.duplicates;
        self.filtered_out += later.filtered_out;
        self.expected_rows = self.expected_rows.saturating_add(later.expected_rows);
        self.time_span = match (self.time_span, later.time_span) {
            (Some((low, high)), Some((later_low, later_high))) => {
                Some((low.min(later_low), high.max(later_high)))
            }
            (span, None) | (None, span) => span,
        };
        for rule in Rule::ALL {
            self.quality.counts[rule as usize] += later.quality.counts[rule as usize];
            self.quality.applies[rule as usize] |= later.quality.applies[rule as usize];
        }

        // Keys both sides kept: one more duplicate each, and one copy taken back.
        let mut now_duplicates = Vec::new();
        for (key, kept) in later.event_keys.iter() {
            let moved = Kept {
                updated_at: kept.updated_at,
                contribution: map.contribution(&kept.contribution),
                first: remap_origin(&sources, kept.first),
            };
            if let Absorbed::Duplicate { loser, earlier } = self.event_keys.absorb(key, moved) {
                self.apply(&loser, -1);
                now_duplicates.push(kept.first);
                // Each side's first copy is the key's only row on its side unless that side
                // noted copies already, so the entry's update time is that row's own.
                self.note_copy(
                    key,
                    (earlier.first, earlier.updated_at),
                    (moved.first, moved.updated_at),
                );
            }
        }
        for (hash, copy) in &later.by_row {
            let contribution = map.contribution(&copy.contribution);
            match self.by_row.entry(*hash) {
                std::collections::hash_map::Entry::Vacant(entry) => {
                    entry.insert(FirstCopy {
                        contribution,
                        first: remap_origin(&sources, copy.first),
                    });
                }
                std::collections::hash_map::Entry::Occupied(entry) => {
                    let earlier = entry.get().first;
                    self.apply(&contribution, -1);
                    now_duplicates.push(copy.first);
                    self.note_copy(
                        *hash,
                        (earlier, NO_TIME),
                        (remap_origin(&sources, copy.first), NO_TIME),
                    );
                }
            }
        }
        self.duplicates += now_duplicates.len() as u64;
        self.quality.counts[Rule::UniqueKey as usize] += now_duplicates.len() as u64;
        self.learner_videos.flush();
        self.course_learners.flush();

        for rule in Rule::ALL {
            let theirs = std::mem::take(&mut later.quality.samples[rule as usize]);
            let extra = if rule == Rule::UniqueKey {
                std::mem::take(&mut now_duplicates)
            } else {
                Vec::new()
            };
            let merge = SampleMerge {
                later_names: &later.source_names,
                sources: &sources,
                slot: SampleSlot::Rule(rule),
                max_samples,
            };
            let placeholders = merge_samples(
                &mut self.quality.samples[rule as usize],
                theirs,
                extra,
                &merge,
            );
            self.unresolved.extend(placeholders);
        }
        for mut unresolved in later.unresolved {
            unresolved.source = sources[unresolved.source as usize];
            let SampleSlot::Rule(rule) = unresolved.slot else {
                continue;
            };
            if still_listed(
                &unresolved,
                &self.quality.samples[rule as usize],
                &self.source_names,
            ) {
                self.unresolved.push(unresolved);
            }
        }
        Ok(sources)
    }

    /// Adds the later side's sums, counts and pair counts under this side's ids.
    fn merge_sums(&mut self, later: &Aggregator, map: &Remap) {
        for (student, stats) in later.learners.iter().enumerate() {
            self.learners[map.students[student] as usize].merge(stats);
        }
        for (course, stats) in later.course_stats.iter().enumerate() {
            self.course_stats[map.courses[course] as usize].merge(stats);
        }
        for (key, stats) in &later.course_videos {
            let (course, video) = pair_parts(*key);
            self.course_videos
                .entry(pair(
                    map_id(&map.courses, course),
                    map_id(&map.videos, video),
                ))
                .or_default()
                .merge(stats);
        }
        for (day, stats) in &later.days {
            self.days.entry(*day).or_default().merge(stats);
        }
        for (bin, count) in later.histogram.iter().enumerate() {
            self.histogram[bin] += count;
        }
        self.totals.merge(&later.totals);
        for (key, count) in later.learner_videos.iter() {
            let (student, video) = pair_parts(key);
            self.learner_videos.add(
                pair(map.students[student as usize], map.videos[video as usize]),
                count,
            );
        }
        for (key, count) in later.course_learners.iter() {
            let (course, student) = pair_parts(key);
            self.course_learners.add(
                pair(map.courses[course as usize], map.students[student as usize]),
                count,
            );
        }
        for (role, count) in &later.other_roles {
            *self
                .other_roles
                .entry(map_id(&map.roles, *role))
                .or_default() += count;
        }
        for (role, count) in &later.dirty_roles {
            *self
                .dirty_roles
                .entry(map_id(&map.roles, *role))
                .or_default() += count;
        }
    }

    /// Video titles and course codes: the smallest by text stays, whichever side saw it.
    fn merge_labels(&mut self, later: &Aggregator, map: &Remap) {
        for (video, title) in later.video_title.iter().enumerate() {
            update_label(
                &mut self.video_title[..],
                &self.titles,
                map.videos[video],
                map_id(&map.titles, *title),
            );
        }
        for (course, code) in later.course_code.iter().enumerate() {
            update_label(
                &mut self.course_code[..],
                &self.codes,
                map.courses[course],
                map_id(&map.codes, *code),
            );
        }
    }

    /// Fills in the unresolved built-in rule samples whose rows are in `batch` (an input's
    /// rows from `first_row`, laid out as `layout` says).
    pub(crate) fn resolve_samples(
        &mut self,
        layout: &BatchLayout,
        batch: &RecordBatch,
        first_row: u64,
    ) {
        let source_name = self.source_names[layout.source as usize].clone();
        let mut unresolved = std::mem::take(&mut self.unresolved);
        let rows = (layout.source, first_row, batch.num_rows());
        resolve_in_batch(&mut unresolved, rows, |slot, index, row| {
            let SampleSlot::Rule(rule) = slot else {
                return false;
            };
            let filled = self_sample(layout, &source_name, batch, index, row);
            fill_placeholder(&mut self.quality.samples[rule as usize], filled);
            true
        });
        self.unresolved = unresolved;
    }
}

/// Fills the unresolved samples whose rows are in a batch, `(input, 1-based first row, rows)`:
/// `fill` is given each one's list, its row's index in the batch and its row number, and says
/// whether it filled it (a list of another kind is left for its owner). Filled ones leave
/// `unresolved`.
pub(crate) fn resolve_in_batch(
    unresolved: &mut Vec<Unresolved>,
    (source, first_row, rows): (u32, u64, usize),
    mut fill: impl FnMut(SampleSlot, usize, u64) -> bool,
) {
    let in_batch = first_row..first_row + rows as u64;
    unresolved.retain(|wanted| {
        if wanted.source != source || !in_batch.contains(&wanted.row) {
            return true;
        }
        !fill(wanted.slot, (wanted.row - first_row) as usize, wanted.row)
    });
}

/// Replaces the placeholder with the same input and row by `filled`.
pub(crate) fn fill_placeholder(samples: &mut [Sample], filled: Sample) {
    if let Some(placeholder) = samples
        .iter_mut()
        .find(|sample| sample.row == filled.row && sample.source == filled.source)
    {
        *placeholder = filled;
    }
}
