//! De-duplication by event id, radix-partitioned so that it runs from the CPU cache.
//!
//! One table of every event id is a random memory access per row into a table of up to a GB:
//! on 10M rows that miss was the largest single cost of a load (`perf`: two instructions, the
//! table probe and the insert, held 45% of the native run's time). Rows are instead appended to
//! one of [`PARTITIONS`] buffers by the top bits of their key hash (sequential writes) and,
//! every [`FLUSH_ROWS`] rows, each buffer is resolved against its own partition of the table,
//! which is small enough to stay in cache while it is worked on. Rows keep their order within
//! a partition, and all copies of a key share a partition, so "the latest update wins; ties
//! keep the first seen" holds exactly as with one table.

use hashbrown::HashTable;

/// Partitions of the key space (by the top 8 bits of the 128-bit key hash). 1,024 partitions
/// (10k keys each at 10M rows) made merging another worker's 5M keys faster natively (0.75 s
/// instead of 1.26 s: the partition folded into stayed in cache), but raised the CLI's
/// two-thread peak memory at 10M rows from 1.97 to 2.49 GB for the same time, so 256 it is.
/// With the dense lists of [`Part`], 1,024 partitions used the same memory and no less time
/// (CLI at 10M rows, one and two threads, two runs each).
const PARTITIONS: usize = 256;
/// Buffered rows that trigger a flush (about 16 MB of buffers).
pub(crate) const FLUSH_ROWS: usize = 1 << 18;

/// What a kept row adds to the metrics, stored so a later update can take it back.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Kept<C> {
    pub(crate) updated_at: i64,
    pub(crate) contribution: C,
    /// Where the key's first copy came from, in the caller's stable numbering; a newer update
    /// replaces the contribution but not this, so merging analyses can name that copy.
    pub(crate) first: u64,
}

/// A row waiting for its key to be resolved, with where it came from (for a sample).
#[derive(Clone, Copy, Debug)]
struct Pending<C> {
    key: u128,
    kept: Kept<C>,
    origin: u64,
}

/// What resolving one buffered row decided, in row order within its key.
pub(crate) enum Outcome<C> {
    /// First copy of its key: add it.
    New(C),
    /// A later copy: count a duplicate; when it is a newer update, take back `replaced` and
    /// add `with`. `earlier` is the key's kept row as it was before this copy arrived, `row`
    /// this copy's (their `first` is where each came from).
    Duplicate {
        origin: u64,
        replace: Option<(C, C)>,
        key: u128,
        earlier: Kept<C>,
        row: Kept<C>,
    },
}

/// What folding in a key of a later analysis decided (see [`EventKeys::absorb`]).
pub(crate) enum Absorbed<C> {
    /// The key was new here: it is kept as it was there.
    New,
    /// The key was here already, so the later analysis's first copy is a duplicate; `loser`
    /// is the contribution that both analyses counted and that one copy must take back, and
    /// `earlier` the key's entry here before the later one was folded in.
    Duplicate { loser: C, earlier: Kept<C> },
}

/// Every event id seen (in this key pass), partitioned, plus the rows not yet resolved.
///
/// Keys restored from a saved state wait in a flat list (`restored`) until a row or a merge
/// needs to look one up: a part moved from another worker is only iterated, by the merge that
/// folds it in, so it never pays for a table of its keys (at 10M rows, building that table was
/// a third of the cost of moving a half to the other worker and merging it).
#[derive(Debug)]
pub(crate) struct EventKeys<C> {
    parts: Vec<Part<C>>,
    pending: Vec<Vec<Pending<C>>>,
    pending_rows: usize,
    restored: Vec<(u128, Kept<C>)>,
}

impl<C> Default for EventKeys<C> {
    fn default() -> Self {
        EventKeys {
            parts: (0..PARTITIONS).map(|_| Part::default()).collect(),
            pending: (0..PARTITIONS).map(|_| Vec::new()).collect(),
            pending_rows: 0,
            restored: Vec::new(),
        }
    }
}

impl<C: Copy> EventKeys<C> {
    /// Buffers one row; `origin` is the caller's handle to find the row again for a sample.
    /// Returns true when the buffers are full and [`EventKeys::flush`] is due.
    pub(crate) fn push(&mut self, key: u128, kept: Kept<C>, origin: u64) -> bool {
        self.pending[partition(key)].push(Pending { key, kept, origin });
        self.pending_rows += 1;
        self.pending_rows >= FLUSH_ROWS
    }

    /// Whether rows are waiting to be resolved.
    pub(crate) fn has_pending(&self) -> bool {
        self.pending_rows > 0
    }

    /// Keys held (resolved rows only).
    pub(crate) fn len(&self) -> usize {
        self.parts.iter().map(Part::len).sum::<usize>() + self.restored.len()
    }

    /// Every resolved key with its kept row: the restored ones in their saved order, then the
    /// tables partition by partition.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u128, &Kept<C>)> {
        self.restored.iter().map(|(key, kept)| (*key, kept)).chain(
            self.parts
                .iter()
                .flat_map(|part| part.entries.iter().map(|(key, kept)| (*key, kept))),
        )
    }

    /// Puts back the resolved keys of a saved state, into an empty table. They join the tables
    /// when one is first looked up (a flush of pushed rows, an absorb, a reserve), not when a row
    /// is pushed: pushing only buffers. A state written by a save holds each key once.
    pub(crate) fn restore(&mut self, keys: Vec<(u128, Kept<C>)>) {
        debug_assert!(
            self.len() == 0 && !self.has_pending(),
            "restored into a table in use"
        );
        self.restored = keys;
    }

    /// Moves the restored keys into their partitions' tables, sized for them.
    fn settle(&mut self) {
        if self.restored.is_empty() {
            return;
        }
        let restored = std::mem::take(&mut self.restored);
        let mut counts = vec![0usize; PARTITIONS];
        for (key, _) in &restored {
            counts[partition(*key)] += 1;
        }
        for (part, count) in self.parts.iter_mut().zip(counts) {
            part.reserve(count);
        }
        for (key, kept) in restored {
            self.parts[partition(key)].insert_new(key, kept);
        }
    }

    /// Sizes the table for `keys` keys in all.
    pub(crate) fn reserve(&mut self, keys: usize) {
        self.settle();
        // A partition's count varies around its share (binomially, by the key hash): four
        // standard deviations above it, so that hardly any partition outgrows its reservation
        // and doubles (keys are at most the rows, so duplicates add to the margin).
        let share = keys.div_ceil(PARTITIONS);
        let margin = 4 * share.isqrt() + 16;
        for part in &mut self.parts {
            if part.entries.capacity() == 0 {
                part.reserve(share + margin);
            }
        }
        // The buffers too, a quarter above their share of a flush: grown by pushes, their first
        // fill copied each one ten times over (callgrind at 1M rows: 1.5% of the instructions).
        let buffered = keys.min(FLUSH_ROWS).div_ceil(PARTITIONS);
        for pending in &mut self.pending {
            if pending.capacity() == 0 {
                pending.reserve(buffered + buffered / 4);
            }
        }
    }

    /// Folds in `key`'s kept row from an analysis of later rows, as if that analysis's rows had
    /// followed this one's: the latest update wins and a tie keeps this side's copy.
    pub(crate) fn absorb(&mut self, key: u128, later: Kept<C>) -> Absorbed<C> {
        debug_assert!(!self.has_pending(), "keys absorbed before a flush");
        self.settle();
        let part = &mut self.parts[partition(key)];
        match part.find(key) {
            None => {
                part.insert_new(key, later);
                Absorbed::New
            }
            Some(entry) => {
                let earlier = *entry;
                let loser = if later.updated_at > earlier.updated_at {
                    *entry = Kept {
                        first: earlier.first,
                        ..later
                    };
                    earlier.contribution
                } else {
                    later.contribution
                };
                Absorbed::Duplicate { loser, earlier }
            }
        }
    }

    /// Resolves every buffered row, partition by partition, calling `decide` with each outcome.
    pub(crate) fn flush(&mut self, mut decide: impl FnMut(Outcome<C>)) {
        if !self.has_pending() {
            return;
        }
        self.settle();
        for (part, pending) in self.parts.iter_mut().zip(&mut self.pending) {
            for row in pending.drain(..) {
                match part.find(row.key) {
                    None => {
                        part.insert_new(row.key, row.kept);
                        decide(Outcome::New(row.kept.contribution));
                    }
                    Some(entry) => {
                        let earlier = *entry;
                        // The latest update wins; NULL loses to any time; ties keep the first.
                        let replace = (row.kept.updated_at > earlier.updated_at).then(|| {
                            *entry = Kept {
                                first: earlier.first,
                                ..row.kept
                            };
                            (earlier.contribution, row.kept.contribution)
                        });
                        decide(Outcome::Duplicate {
                            origin: row.origin,
                            replace,
                            key: row.key,
                            earlier,
                            row: row.kept,
                        });
                    }
                }
            }
        }
        self.pending_rows = 0;
    }
}

fn partition(key: u128) -> usize {
    (key >> 120) as usize
}

/// One partition's keys: the entries in a dense list, found through a table of their positions.
///
/// A map of key to entry stores whole entries (64 bytes) in buckets that are 1.14 to 2.3 times
/// the keys (the table doubles), and reserving a partition's share of the rows lands where it
/// lands: at 1M rows a partition's 3,900 keys took 8,192 buckets, so the key table held 136
/// bytes a key (massif, `view_timing` at 1M rows: 136 MB of a 140 MB analysis besides the
/// file). Here the buckets hold a 4-byte position and the list is reserved to the share.
#[derive(Debug)]
struct Part<C> {
    entries: Vec<(u128, Kept<C>)>,
    positions: HashTable<u32>,
}

impl<C> Default for Part<C> {
    fn default() -> Self {
        Part {
            entries: Vec::new(),
            positions: HashTable::new(),
        }
    }
}

/// A key's bucket hash. Keys are 128-bit hashes already, and the partition took the top bits:
/// the low 64 are as good as any hash of them.
fn bucket_hash(key: u128) -> u64 {
    key as u64
}

/// The bucket hash of the entry at a position, which the table needs when it grows.
fn hash_at<C>(entries: &[(u128, Kept<C>)]) -> impl Fn(&u32) -> u64 + '_ {
    move |position| bucket_hash(entries[*position as usize].0)
}

impl<C> Part<C> {
    fn len(&self) -> usize {
        self.entries.len()
    }

    fn reserve(&mut self, keys: usize) {
        self.entries.reserve_exact(keys);
        self.positions.reserve(keys, hash_at(&self.entries));
    }

    fn find(&mut self, key: u128) -> Option<&mut Kept<C>> {
        let entries = &self.entries;
        let position = *self.positions.find(bucket_hash(key), |position| {
            entries[*position as usize].0 == key
        })?;
        Some(&mut self.entries[position as usize].1)
    }

    /// Adds a key that [`Part::find`] did not find.
    fn insert_new(&mut self, key: u128, kept: Kept<C>) {
        // A partition holds a 256th of the keys: u32 positions would need a trillion rows.
        let position =
            u32::try_from(self.entries.len()).expect("over 4 billion keys in a partition");
        self.entries.push((key, kept));
        self.positions
            .insert_unique(bucket_hash(key), position, hash_at(&self.entries));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pushes (key, updated_at, value) rows, flushing after each `flush_every`, and returns
    /// the outcomes as text.
    fn check(rows: &[(u128, i64, u32)], flush_every: usize, expected: &[&str]) {
        let mut keys = EventKeys::default();
        let mut seen = Vec::new();
        let mut record = |outcome: Outcome<u32>| {
            seen.push(match outcome {
                Outcome::New(value) => format!("new {value}"),
                Outcome::Duplicate {
                    origin, replace, ..
                } => match replace {
                    Some((old, new)) => format!("dup #{origin}: {old} -> {new}"),
                    None => format!("dup #{origin}"),
                },
            })
        };
        for (index, (key, updated_at, value)) in rows.iter().enumerate() {
            let kept = Kept {
                updated_at: *updated_at,
                contribution: *value,
                first: index as u64,
            };
            keys.push(*key, kept, index as u64);
            if (index + 1) % flush_every == 0 {
                keys.flush(&mut record);
            }
        }
        keys.flush(&mut record);
        assert!(!keys.has_pending());
        assert_eq!(seen, expected);
    }

    #[test]
    fn latest_update_wins_ties_keep_the_first_across_flushes_and_partitions() {
        let high = 7u128 << 120;
        let rows = [
            (high | 1, 10, 1),
            (2, 10, 2),
            (high | 1, 5, 3),  // older: a duplicate that changes nothing
            (high | 1, 10, 4), // tie: the first stays
            (high | 1, 20, 5), // newer: replaces 1
            (2, i64::MIN, 6),  // NULL time loses
        ];
        // Partition 0 (key 2) resolves before partition 7, whatever the row order.
        let expected = [
            "new 2",
            "dup #5",
            "new 1",
            "dup #2",
            "dup #3",
            "dup #4: 1 -> 5",
        ];
        check(&rows, usize::MAX, &expected);
        // Flushing after every row gives row order; the decisions are the same.
        check(
            &rows,
            1,
            &[
                "new 1",
                "new 2",
                "dup #2",
                "dup #3",
                "dup #4: 1 -> 5",
                "dup #5",
            ],
        );
    }

    #[test]
    fn absorbing_a_later_key_keeps_the_latest_update_and_ties_keep_this_side() {
        let kept = |updated_at, value, first| Kept {
            updated_at,
            contribution: value,
            first,
        };
        let mut keys = EventKeys::default();
        keys.restore(vec![
            (1, kept(10, 100, 7)),
            (2, kept(10, 200, 8)),
            (3, kept(10, 300, 9)),
        ]);
        assert_eq!(keys.len(), 3);
        let loser = |absorbed: Absorbed<u32>| match absorbed {
            Absorbed::New => None,
            Absorbed::Duplicate { loser, .. } => Some(loser),
        };
        // Newer there: this side's copy loses, the first copy stays this side's.
        assert_eq!(loser(keys.absorb(1, kept(20, 101, 50))), Some(100));
        // A tie or older there: the later side's copy loses.
        assert_eq!(loser(keys.absorb(2, kept(10, 201, 51))), Some(201));
        assert_eq!(loser(keys.absorb(3, kept(5, 301, 52))), Some(301));
        assert_eq!(loser(keys.absorb(4, kept(1, 400, 53))), None);
        let mut held: Vec<(u128, i64, u32, u64)> = keys
            .iter()
            .map(|(key, kept)| (key, kept.updated_at, kept.contribution, kept.first))
            .collect();
        held.sort_unstable();
        assert_eq!(
            held,
            [
                (1, 20, 101, 7),
                (2, 10, 200, 8),
                (3, 10, 300, 9),
                (4, 1, 400, 53)
            ]
        );
    }

    #[test]
    fn restored_keys_are_listed_before_any_lookup_and_met_by_later_rows() {
        let kept = |updated_at, value, first| Kept {
            updated_at,
            contribution: value,
            first,
        };
        let mut keys = EventKeys::default();
        keys.restore(vec![(5, kept(10, 50, 0)), (9u128 << 120, kept(10, 90, 1))]);
        // Listed in their saved order, without a table built for them.
        let listed: Vec<(u128, u32)> = keys
            .iter()
            .map(|(key, kept)| (key, kept.contribution))
            .collect();
        assert_eq!(listed, [(5, 50), (9u128 << 120, 90)]);
        let mut seen = Vec::new();
        keys.flush(|_| seen.push("nothing was pending".to_owned()));
        assert!(seen.is_empty());
        // A later copy of a restored key is a duplicate; a newer one replaces it.
        keys.push(5, kept(20, 51, 2), 2);
        keys.push(9u128 << 120, kept(5, 91, 3), 3);
        keys.push(7, kept(1, 70, 4), 4);
        keys.flush(|outcome| {
            seen.push(match outcome {
                Outcome::New(value) => format!("new {value}"),
                Outcome::Duplicate { replace, .. } => format!("dup {replace:?}"),
            })
        });
        assert_eq!(seen, ["dup Some((50, 51))", "new 70", "dup None"]);
        assert_eq!(keys.len(), 3);
    }

    #[test]
    fn keys_reserved_for_fit_their_partitions_without_regrowing() {
        // 200,000 distinct keys spread by hash, as event ids are: every partition's list was
        // reserved once, for its share plus the margin, and none had to grow past it.
        let count = 200_000u64;
        let mut keys = EventKeys::<u32>::default();
        keys.reserve(count as usize);
        let reserved: Vec<usize> = keys
            .parts
            .iter()
            .map(|part| part.entries.capacity())
            .collect();
        for index in 0..count {
            let key = xxhash_rust::xxh3::xxh3_128(&index.to_le_bytes());
            let kept = Kept {
                updated_at: 0,
                contribution: 0,
                first: index,
            };
            if keys.push(key, kept, index) {
                keys.flush(|_| {});
            }
        }
        keys.flush(|_| {});
        assert_eq!(keys.len(), count as usize);
        for (part, reserved) in keys.parts.iter().zip(reserved) {
            assert_eq!(part.entries.capacity(), reserved);
            assert!(part.len() <= reserved);
        }
    }
}
