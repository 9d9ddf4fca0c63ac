//! Kept rows per (id, id) pair, radix-partitioned and updated in batches so that it runs from
//! the CPU cache.
//!
//! The (learner, video) and (course, learner) counts grow with the pairs in the data: about one
//! per row on 10M rows, so one table each was a random probe per row into a few hundred MB
//! (the same miss [`crate::compute::event_keys`] removed for the event ids). A bump is instead appended
//! to one of [`PARTITIONS`] buffers by a hash of its key (a sequential write) and, every
//! [`FLUSH_ROWS`] bumps or when an input ends, each buffer is applied to its own partition of
//! the table, small enough to stay in cache while it is worked on. All bumps of a key share a
//! partition and keep their order in its buffer, so the counts are exactly those of applying
//! every bump at once, in row order.

use std::sync::OnceLock;

use rustc_hash::FxHashMap;

/// Partitions of the key space (by the top 8 bits of [`partition`]'s hash).
const PARTITIONS: usize = 256;
/// Buffered bumps that trigger a flush (4 MB of buffers).
const FLUSH_ROWS: usize = 1 << 18;

/// Pair key (`high << 32 | low`) -> kept rows; a count that falls to 0 removes its key.
///
/// Readers ([`PairCounts::len`], [`PairCounts::iter`]) see only applied bumps: the owner calls
/// [`PairCounts::flush`] before anything reads (the aggregator does so whenever an input ends).
#[derive(Debug)]
pub(crate) struct PairCounts {
    parts: Vec<FxHashMap<u64, u32>>,
    /// Bumps not yet applied, per partition, in the order they were made.
    pending: Vec<Vec<(u64, i32)>>,
    pending_rows: usize,
    /// Pairs per high id and per low id, counted on the first read after a change: a report
    /// reads them, and a walk over millions of pairs cost a report at 10M rows most of its time
    /// (perf), every time the unfiltered dashboard was shown again.
    sides: OnceLock<Sides>,
}

/// See [`PairCounts::sides`].
#[derive(Debug)]
struct Sides {
    by_high: Vec<u64>,
    by_low: Vec<u64>,
}

impl Default for PairCounts {
    fn default() -> Self {
        PairCounts {
            parts: (0..PARTITIONS).map(|_| FxHashMap::default()).collect(),
            pending: (0..PARTITIONS).map(|_| Vec::new()).collect(),
            pending_rows: 0,
            sides: OnceLock::new(),
        }
    }
}

impl PairCounts {
    /// Adds `sign` (1, or -1 to take a row back) to `key`'s count, later (see the module docs).
    #[inline]
    pub(crate) fn bump(&mut self, key: u64, sign: i64) {
        if self.pending_rows == 0 && self.pending[0].capacity() == 0 {
            self.reserve_buffers();
        }
        self.pending[partition(key)].push((key, sign as i32));
        self.pending_rows += 1;
        if self.pending_rows >= FLUSH_ROWS {
            self.flush();
        }
    }

    /// Applies every buffered bump, partition by partition.
    pub(crate) fn flush(&mut self) {
        if self.pending_rows == 0 {
            return;
        }
        self.sides.take();
        for (part, pending) in self.parts.iter_mut().zip(&mut self.pending) {
            for (key, sign) in pending.drain(..) {
                let count = part.entry(key).or_default();
                // A take-back always follows its add, so the count never really goes below 0;
                // saturating keeps a stray one from wrapping to a huge count.
                *count = count.saturating_add_signed(sign);
                if *count == 0 {
                    part.remove(&key);
                }
            }
        }
        self.pending_rows = 0;
    }

    /// Whether bumps wait to be applied.
    pub(crate) fn has_pending(&self) -> bool {
        self.pending_rows > 0
    }

    /// Pairs with a count above 0.
    pub(crate) fn len(&self) -> usize {
        debug_assert!(!self.has_pending(), "pair counts read before a flush");
        self.parts.iter().map(FxHashMap::len).sum()
    }

    /// Every pair with its count, partition by partition.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u64, u32)> + '_ {
        debug_assert!(!self.has_pending(), "pair counts read before a flush");
        self.parts
            .iter()
            .flat_map(|part| part.iter().map(|(key, count)| (*key, *count)))
    }

    /// Every pair with a count above 0.
    pub(crate) fn keys(&self) -> impl Iterator<Item = u64> + '_ {
        self.iter().map(|(key, _)| key)
    }

    /// How many pairs each high id (`0..ids`) is in.
    pub(crate) fn count_by_high(&self, ids: usize) -> Vec<u64> {
        let mut counts = self.sides().by_high.clone();
        counts.resize(ids, 0);
        counts
    }

    /// How many pairs each low id (`0..ids`) is in.
    pub(crate) fn count_by_low(&self, ids: usize) -> Vec<u64> {
        let mut counts = self.sides().by_low.clone();
        counts.resize(ids, 0);
        counts
    }

    fn sides(&self) -> &Sides {
        self.sides.get_or_init(|| {
            let mut sides = Sides {
                by_high: Vec::new(),
                by_low: Vec::new(),
            };
            for key in self.keys() {
                for (counts, id) in [
                    (&mut sides.by_high, key >> 32),
                    (&mut sides.by_low, key & u64::from(u32::MAX)),
                ] {
                    let id = id as usize;
                    if counts.len() <= id {
                        counts.resize(id + 1, 0);
                    }
                    counts[id] += 1;
                }
            }
            sides
        })
    }

    /// Adds `count` kept rows to a pair at once (merging another analysis's counts).
    pub(crate) fn add(&mut self, key: u64, count: u32) {
        debug_assert!(!self.has_pending(), "pair counts added before a flush");
        self.sides.take();
        let total = self.parts[partition(key)].entry(key).or_default();
        *total = total.saturating_add(count);
    }

    /// Sets a pair's count (restoring a saved state).
    pub(crate) fn insert(&mut self, key: u64, count: u32) {
        self.sides.take();
        self.parts[partition(key)].insert(key, count);
    }

    /// Sizes the buffers for a flush, a quarter above their share, before the first bump (grown
    /// by pushes, their first fill copied each one ten times over).
    #[cold]
    fn reserve_buffers(&mut self) {
        let share = FLUSH_ROWS.div_ceil(PARTITIONS);
        for pending in &mut self.pending {
            pending.reserve(share + share / 4);
        }
    }

    /// Sizes the table for `pairs` pairs in all.
    pub(crate) fn reserve(&mut self, pairs: usize) {
        let share = pairs.div_ceil(PARTITIONS);
        for part in &mut self.parts {
            part.reserve(share);
        }
    }
}

/// A key's partition. The table's own hash (Fx) is not used: hashbrown takes its slot from the
/// low bits and its tag from the top 7 bits of that hash (of its low 32 bits on wasm32), so
/// keys sharing those bits would crowd a partition's slots or tags. A multiply by another odd
/// constant spreads the structured keys (`id << 32 | id`) over the partitions on its own.
fn partition(key: u64) -> usize {
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Applies (key, sign) bumps, flushing after every `flush_every`, and returns the sorted
    /// counts.
    fn check(bumps: &[(u64, i64)], flush_every: usize, expected: &[(u64, u32)]) {
        let mut counts = PairCounts::default();
        for (index, (key, sign)) in bumps.iter().enumerate() {
            counts.bump(*key, *sign);
            if (index + 1) % flush_every == 0 {
                counts.flush();
            }
        }
        counts.flush();
        assert!(!counts.has_pending());
        let mut seen: Vec<(u64, u32)> = counts.iter().collect();
        seen.sort_unstable();
        assert_eq!(seen, expected);
        assert_eq!(counts.len(), expected.len());
    }

    /// The pairs per id are counted once and counted again after every kind of change: bumps
    /// (seen at the flush), merged counts and restored ones.
    #[test]
    fn pairs_per_id_follow_every_change() {
        let mut counts = PairCounts::default();
        counts.bump(1 << 32 | 7, 1);
        counts.bump(1 << 32 | 8, 1);
        counts.bump(2 << 32 | 7, 1);
        counts.flush();
        assert_eq!(counts.count_by_high(4), [0, 2, 1, 0]);
        assert_eq!(counts.count_by_low(9), [0, 0, 0, 0, 0, 0, 0, 2, 1]);
        counts.bump(1 << 32 | 8, -1);
        counts.flush();
        assert_eq!(counts.count_by_high(3), [0, 1, 1]);
        counts.add(3 << 32 | 8, 2);
        assert_eq!(counts.count_by_high(4), [0, 1, 1, 1]);
        counts.insert(3 << 32 | 5, 1);
        assert_eq!(counts.count_by_high(4), [0, 1, 1, 2]);
        assert_eq!(counts.count_by_low(9), [0, 0, 0, 0, 0, 1, 0, 2, 1]);
    }

    #[test]
    fn counts_go_up_and_down_and_a_zero_count_removes_its_key() {
        let a = 1 << 32 | 7;
        let b = 2 << 32 | 7;
        let c = 3 << 32 | 9;
        let bumps = [
            (a, 1),
            (b, 1),
            (a, 1),
            (b, -1),
            (c, 1),
            (c, -1),
            (c, 1),
            (a, -1),
        ];
        for flush_every in [1, 2, 3, usize::MAX] {
            check(&bumps, flush_every, &[(a, 1), (c, 1)]);
        }
    }

    #[test]
    fn a_take_back_below_zero_saturates_as_before() {
        let a = 5 << 32 | 5;
        check(&[(a, -1)], usize::MAX, &[]);
        check(&[(a, -1), (a, 1)], usize::MAX, &[(a, 1)]);
    }

    #[test]
    fn more_bumps_than_a_buffer_holds_flush_on_their_own() {
        let mut counts = PairCounts::default();
        for row in 0..FLUSH_ROWS as u64 + 10 {
            counts.bump(row % 1000, 1);
        }
        // The full buffers were applied; only the last 10 bumps wait.
        assert_eq!(counts.pending_rows, 10);
        counts.flush();
        assert_eq!(counts.len(), 1000);
        let total: u64 = counts.iter().map(|(_, count)| u64::from(count)).sum();
        assert_eq!(total, FLUSH_ROWS as u64 + 10);
    }

    #[test]
    fn restored_pairs_are_found_by_later_bumps() {
        let mut counts = PairCounts::default();
        counts.insert(4 << 32 | 2, 3);
        counts.bump(4 << 32 | 2, -1);
        counts.flush();
        assert_eq!(counts.iter().collect::<Vec<_>>(), [(4 << 32 | 2, 2)]);
    }
}
