//! Kept rows grouped by a key (a course, a day), so that a view reads only the rows its filter
//! can keep instead of testing every row (see [`crate::compute::explore`]).
//!
//! A [`Buckets`] is a compressed sparse row layout: the distinct keys sorted, and for each key
//! the indices of its rows in ascending order, all in one `Vec<u32>` (4 bytes a row). It is
//! built with two passes of counting, not a sort of the rows.

use rustc_hash::FxHashMap;

/// Row indices grouped by key; see the module docs.
#[derive(Clone, Debug, Default)]
pub(crate) struct Buckets {
    /// Distinct keys, ascending.
    keys: Vec<i64>,
    /// Where each key's rows start in `rows`; one more entry than `keys`.
    starts: Vec<u32>,
    /// Row indices, key after key, ascending within a key.
    rows: Vec<u32>,
}

impl Buckets {
    /// Groups rows `0..n_rows` by `key_of` (rows it gives `None` for are in no bucket).
    pub(crate) fn build(n_rows: usize, key_of: impl Fn(usize) -> Option<i64>) -> Buckets {
        let mut slot_of_key: FxHashMap<i64, u32> = FxHashMap::default();
        let mut counts: Vec<u32> = Vec::new();
        for row in 0..n_rows {
            if let Some(key) = key_of(row) {
                let next = counts.len() as u32;
                let slot = *slot_of_key.entry(key).or_insert(next);
                if slot == next {
                    counts.push(0);
                }
                counts[slot as usize] += 1;
            }
        }
        let mut keys: Vec<(i64, u32)> = slot_of_key
            .iter()
            .map(|(key, slot)| (*key, *slot))
            .collect();
        keys.sort_unstable();
        // Each slot's first position in `rows`, in key order.
        let mut next_position = vec![0u32; counts.len()];
        let mut starts = Vec::with_capacity(keys.len() + 1);
        let mut total = 0u32;
        for (_, slot) in &keys {
            starts.push(total);
            next_position[*slot as usize] = total;
            total += counts[*slot as usize];
        }
        starts.push(total);
        let mut rows = vec![0u32; total as usize];
        for row in 0..n_rows {
            if let Some(key) = key_of(row) {
                let slot = slot_of_key[&key] as usize;
                rows[next_position[slot] as usize] = row as u32;
                next_position[slot] += 1;
            }
        }
        Buckets {
            keys: keys.into_iter().map(|(key, _)| key).collect(),
            starts,
            rows,
        }
    }

    /// The rows of `key`, ascending (empty when no row has it).
    pub(crate) fn rows_of(&self, key: i64) -> &[u32] {
        match self.keys.binary_search(&key) {
            Ok(index) => self.bucket(index),
            Err(_) => &[],
        }
    }

    /// The buckets of every key in `low..=high`, each ascending.
    pub(crate) fn rows_between(&self, low: i64, high: i64) -> impl Iterator<Item = &[u32]> {
        let first = self.keys.partition_point(|key| *key < low);
        let end = self.keys.partition_point(|key| *key <= high);
        (first..end.max(first)).map(|index| self.bucket(index))
    }

    fn bucket(&self, index: usize) -> &[u32] {
        &self.rows[self.starts[index] as usize..self.starts[index + 1] as usize]
    }

    /// Bytes held, for a size budget.
    pub(crate) fn bytes(&self) -> usize {
        4 * (self.rows.len() + self.starts.len()) + 8 * self.keys.len()
    }
}

/// A set of row indices, as one bit a row: filled from buckets in any order, read ascending.
pub(crate) struct RowSet {
    words: Vec<u64>,
}

impl RowSet {
    pub(crate) fn new(n_rows: usize) -> RowSet {
        RowSet {
            words: vec![0; n_rows.div_ceil(64)],
        }
    }

    /// Adds `index`; true when it was not in the set yet.
    pub(crate) fn insert(&mut self, index: usize) -> bool {
        let word = &mut self.words[index / 64];
        let bit = 1u64 << (index % 64);
        let new = *word & bit == 0;
        *word |= bit;
        new
    }

    pub(crate) fn add_all(&mut self, rows: &[u32]) {
        for row in rows {
            self.words[*row as usize / 64] |= 1 << (row % 64);
        }
    }

    /// The rows in the set, ascending.
    pub(crate) fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(|(index, word)| {
            let mut bits = *word;
            std::iter::from_fn(move || {
                (bits != 0).then(|| {
                    let bit = bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    index * 64 + bit
                })
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Every row with a key is in exactly its key's bucket, ascending; a range of keys
        /// gives exactly the rows whose key lies in it; a set of buckets reads back ascending.
        #[test]
        fn buckets_hold_each_row_once_under_its_key(
            keys in proptest::collection::vec(proptest::option::of(-5i64..20), 0..300),
            low in -7i64..22,
            width in 0i64..10,
        ) {
            let buckets = Buckets::build(keys.len(), |row| keys[row]);
            for key in -6..21 {
                let expected: Vec<u32> = (0..keys.len() as u32)
                    .filter(|row| keys[*row as usize] == Some(key))
                    .collect();
                prop_assert_eq!(buckets.rows_of(key), &expected[..]);
            }
            let high = low + width - 3;
            let mut set = RowSet::new(keys.len());
            for bucket in buckets.rows_between(low, high) {
                set.add_all(bucket);
            }
            let expected: Vec<usize> = (0..keys.len())
                .filter(|row| keys[*row].is_some_and(|key| (low..=high).contains(&key)))
                .collect();
            prop_assert_eq!(set.iter().collect::<Vec<_>>(), expected);
        }
    }
}
