//! Interned group keys: student, video and course ids become dense `u32`s, once per distinct value.

use std::cmp::Ordering;
use std::fmt;
use std::sync::OnceLock;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrowPrimitiveType};
use arrow_buffer::NullBuffer;
use arrow_schema::{ArrowError, DataType};
use rustc_hash::FxHashMap;

/// The id used for NULL in encoded columns.
pub(crate) const NONE: u32 = u32::MAX;

/// A group key as it appeared in the file: integer ids keep numeric order, text keeps byte order.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    Int(i64),
    Str(Box<str>),
    /// A video known by its title within its course (`None`: a row without a course), when the
    /// data has no video id: the same title in two courses is two videos, as SQL's
    /// `GROUP BY course_id, video_title` has it.
    InCourse(Box<(Option<Key>, Key)>),
}

impl Key {
    /// Where a kind of key sorts among the others: integers, then text, then titles in courses.
    fn kind(&self) -> u8 {
        match self {
            Key::Int(_) => 0,
            Key::Str(_) => 1,
            Key::InCourse(_) => 2,
        }
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Key::Int(left), Key::Int(right)) => left.cmp(right),
            (Key::Str(left), Key::Str(right)) => left.as_bytes().cmp(right.as_bytes()),
            // By title, then course, a row without a course last (SQL's `ASC NULLS LAST`).
            (Key::InCourse(left), Key::InCourse(right)) => {
                left.1
                    .cmp(&right.1)
                    .then_with(|| match (&left.0, &right.0) {
                        (Some(left), Some(right)) => left.cmp(right),
                        (Some(_), None) => Ordering::Less,
                        (None, Some(_)) => Ordering::Greater,
                        (None, None) => Ordering::Equal,
                    })
            }
            _ => self.kind().cmp(&other.kind()),
        }
    }
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Key {
    /// The key as text, what `to_string` gives, without going through `Display` and a
    /// `Formatter`: a report writes every learner's id, and at 100k learners `to_string` through
    /// `Display` was a fifth of its time (perf).
    pub(crate) fn text(&self) -> String {
        match self {
            // i64's own `to_string` is specialised; through `Display`'s `write!` it is not.
            Key::Int(value) => value.to_string(),
            Key::Str(value) => String::from(&**value),
            Key::InCourse(pair) => pair.1.text(),
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Key::Int(value) => write!(f, "{value}"),
            Key::Str(value) => f.write_str(value),
            // The title: the course is reported beside it.
            Key::InCourse(pair) => pair.1.fmt(f),
        }
    }
}

/// Maps distinct key values to dense ids, in first-seen order.
#[derive(Debug, Default)]
pub(crate) struct Interner {
    by_int: FxHashMap<i64, u32>,
    by_str: FxHashMap<Box<str>, u32>,
    /// Keys of the other kinds ([`Key::InCourse`]).
    by_key: FxHashMap<Key, u32>,
    keys: Vec<Key>,
    /// Integer keys' ids by `value - dense_base` ([`NONE`]: not interned yet), for id columns
    /// whose values lie in a range not much wider than their count, as sequential ids do: a
    /// direct lookup in place of a hash probe per row (callgrind: 40 of the 55 instructions a
    /// row spent on a student id column). `by_int` stays complete; this only caches it.
    dense: Vec<u32>,
    dense_base: i64,
    /// Each id's place among the keys sorted ([`Key`]'s order), counted on first use after a
    /// key was added: rankings break ties by key, and a report at 10M rows spent a fifth of
    /// its time comparing 100k learner keys in its sorts (perf). Views clone it along.
    order: OnceLock<Vec<u32>>,
}

/// A clone leaves the direct table behind: it is a cache that a clone rebuilds when it encodes
/// (views clone interners to name ids and never encode, so they would copy megabytes for nothing).
impl Clone for Interner {
    fn clone(&self) -> Interner {
        Interner {
            by_int: self.by_int.clone(),
            by_str: self.by_str.clone(),
            by_key: self.by_key.clone(),
            keys: self.keys.clone(),
            dense: Vec::new(),
            dense_base: 0,
            order: self.order.clone(),
        }
    }
}

/// Calls `visit` with each run of rows that are not NULL (all of them without a null buffer):
/// whole runs, found a word of the validity bits at a time, instead of a bit test per row
/// (callgrind at 1M rows: the per-row test was 54 of 2,072 instructions a row).
fn for_each_valid_run(
    len: usize,
    nulls: Option<&NullBuffer>,
    mut visit: impl FnMut(std::ops::Range<usize>),
) {
    match nulls.filter(|nulls| nulls.null_count() > 0) {
        None => visit(0..len),
        Some(nulls) => nulls
            .inner()
            .set_slices()
            .for_each(|(start, end)| visit(start..end)),
    }
}

/// Appends `id(value)` for every value, [`NONE`] for NULL rows (whose values are not looked at).
fn map_valid<T: Copy>(
    values: &[T],
    nulls: Option<&NullBuffer>,
    out: &mut Vec<u32>,
    mut id: impl FnMut(T) -> u32,
) {
    let start = out.len();
    if nulls.is_none_or(|nulls| nulls.null_count() == 0) {
        out.extend(values.iter().map(|value| id(*value)));
        return;
    }
    out.resize(start + values.len(), NONE);
    let written = &mut out[start..];
    for_each_valid_run(values.len(), nulls, |run| {
        for (slot, value) in written[run.clone()].iter_mut().zip(&values[run]) {
            *slot = id(*value);
        }
    });
}

/// The widest range of integers [`Interner`] looks up directly: 16 MB of ids.
const DENSE_MAX_SPAN: i128 = 1 << 22;
/// How much wider than the keys and rows it serves a direct table may be: the bench's 100k
/// learners have ids spread over 1.3M values, and a table of 5 MB still beats hashing them.
const DENSE_SPREAD: i128 = 16;
/// Below this span a direct table is always worth it (256 KB), however few the keys.
const DENSE_MIN_SPAN: i128 = 1 << 16;

impl Interner {
    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    /// Every key, by id (what a saved state stores; interning them in order gives the same ids).
    pub(crate) fn keys(&self) -> &[Key] {
        &self.keys
    }

    pub(crate) fn key(&self, id: u32) -> &Key {
        &self.keys[id as usize]
    }

    /// Compares two ids by their keys, as `key(left).cmp(key(right))` does.
    pub(crate) fn cmp_keys(&self, left: u32, right: u32) -> Ordering {
        let order = self.order.get_or_init(|| {
            let mut ids: Vec<u32> = (0..self.keys.len() as u32).collect();
            ids.sort_by(|left, right| self.key(*left).cmp(self.key(*right)));
            let mut order = vec![0; ids.len()];
            for (place, id) in ids.into_iter().enumerate() {
                order[id as usize] = place as u32;
            }
            order
        });
        // Distinct ids have distinct keys, so their places differ exactly when the keys do.
        order[left as usize].cmp(&order[right as usize])
    }

    /// The id of `key`, interning it if it is new.
    pub(crate) fn intern_key(&mut self, key: &Key) -> u32 {
        match key {
            Key::Int(value) => self.intern_int(*value),
            Key::Str(value) => self.intern_str(value),
            Key::InCourse(_) => {
                if let Some(id) = self.by_key.get(key) {
                    return *id;
                }
                let id = self.keys.len() as u32;
                self.keys.push(key.clone());
                self.order.take();
                self.by_key.insert(key.clone(), id);
                id
            }
        }
    }

    pub(crate) fn intern_int(&mut self, value: i64) -> u32 {
        let next = self.keys.len() as u32;
        *self.by_int.entry(value).or_insert_with(|| {
            self.keys.push(Key::Int(value));
            self.order.take();
            next
        })
    }

    pub(crate) fn intern_str(&mut self, value: &str) -> u32 {
        if let Some(id) = self.by_str.get(value) {
            return *id;
        }
        let id = self.keys.len() as u32;
        self.keys.push(Key::Str(value.into()));
        self.order.take();
        self.by_str.insert(value.into(), id);
        id
    }

    /// Encodes every value of `array` into `out` (cleared first); NULL becomes [`NONE`].
    ///
    /// Dictionary arrays intern each dictionary value once and map the keys, which is what makes
    /// grouping on dictionary-encoded Parquet columns cheap.
    pub(crate) fn encode(
        &mut self,
        array: &dyn Array,
        out: &mut Vec<u32>,
    ) -> Result<(), ArrowError> {
        out.clear();
        out.reserve(array.len());
        if let Some(dictionary) = array.as_any_dictionary_opt() {
            let mut value_ids = Vec::new();
            self.encode(dictionary.values().as_ref(), &mut value_ids)?;
            if let Some(dictionary) = array.as_dictionary_opt::<Int32Type>() {
                // The key type the Parquet reader is asked for: the keys' slice and null
                // buffer are read directly, without a `usize` copy of the keys per batch.
                let keys = dictionary.keys();
                let id = |key: i32| {
                    usize::try_from(key)
                        .ok()
                        .and_then(|key| value_ids.get(key).copied())
                        .unwrap_or(NONE)
                };
                map_valid(keys.values(), keys.nulls(), out, id);
                return Ok(());
            }
            let keys = dictionary.normalized_keys();
            let nulls = array.logical_nulls();
            for (row, key) in keys.into_iter().enumerate() {
                let is_null = nulls.as_ref().is_some_and(|nulls| nulls.is_null(row));
                out.push(if is_null {
                    NONE
                } else {
                    value_ids.get(key).copied().unwrap_or(NONE)
                });
            }
            return Ok(());
        }
        match array.data_type() {
            DataType::Int8 => self.encode_ints::<Int8Type>(array, out),
            DataType::Int16 => self.encode_ints::<Int16Type>(array, out),
            DataType::Int32 => self.encode_ints::<Int32Type>(array, out),
            DataType::Int64 => self.encode_ints::<Int64Type>(array, out),
            DataType::UInt8 => self.encode_ints::<UInt8Type>(array, out),
            DataType::UInt16 => self.encode_ints::<UInt16Type>(array, out),
            DataType::UInt32 => self.encode_ints::<UInt32Type>(array, out),
            DataType::UInt64 => {
                // Values above i64::MAX cannot keep numeric order as i64; they are rare enough
                // in id columns to fall back to text for the whole column.
                let values = array.as_primitive::<UInt64Type>();
                if values
                    .iter()
                    .flatten()
                    .all(|value| i64::try_from(value).is_ok())
                {
                    self.encode_ints::<UInt64Type>(array, out);
                } else {
                    self.encode_as_text(array, out)?;
                }
            }
            DataType::Utf8 => {
                let strings = array.as_string::<i32>();
                out.extend(
                    strings
                        .iter()
                        .map(|value| value.map_or(NONE, |value| self.intern_str(value))),
                );
            }
            DataType::LargeUtf8 => {
                let strings = array.as_string::<i64>();
                out.extend(
                    strings
                        .iter()
                        .map(|value| value.map_or(NONE, |value| self.intern_str(value))),
                );
            }
            DataType::Utf8View => {
                let strings = array.as_string_view();
                out.extend(
                    strings
                        .iter()
                        .map(|value| value.map_or(NONE, |value| self.intern_str(value))),
                );
            }
            _ => self.encode_as_text(array, out)?,
        }
        Ok(())
    }

    fn encode_ints<T>(&mut self, array: &dyn Array, out: &mut Vec<u32>)
    where
        T: ArrowPrimitiveType,
        T::Native: TryInto<i64>,
    {
        let values = array.as_primitive::<T>();
        let (slice, nulls) = (values.values(), values.nulls());
        let as_i64 = |value: T::Native| -> Option<i64> { value.try_into().ok() };
        let mut range: Option<(i64, i64)> = None;
        for_each_valid_run(slice.len(), nulls, |run| {
            for value in slice[run].iter().filter_map(|value| as_i64(*value)) {
                let (low, high) = range.unwrap_or((value, value));
                range = Some((value.min(low), value.max(high)));
            }
        });
        let direct = range.is_some_and(|(low, high)| self.cover(low, high, values.len()));
        map_valid(slice, nulls, out, |value| match as_i64(value) {
            Some(value) if direct => {
                let slot = (value - self.dense_base) as usize;
                match self.dense[slot] {
                    NONE => {
                        let id = self.intern_int(value);
                        self.dense[slot] = id;
                        id
                    }
                    id => id,
                }
            }
            Some(value) => self.intern_int(value),
            None => NONE,
        });
    }

    /// Makes the direct table cover `low..=high` if that range is narrow enough for the keys
    /// there are and the `rows` coming (see [`Interner::dense`]); returns whether it does.
    fn cover(&mut self, low: i64, high: i64, rows: usize) -> bool {
        let held_high = i128::from(self.dense_base) + self.dense.len() as i128 - 1;
        if !self.dense.is_empty()
            && i128::from(low) >= i128::from(self.dense_base)
            && i128::from(high) <= held_high
        {
            return true;
        }
        let (mut new_low, mut new_high) = (i128::from(low), i128::from(high));
        if !self.dense.is_empty() {
            new_low = new_low.min(i128::from(self.dense_base));
            new_high = new_high.max(held_high);
        }
        let limit =
            (DENSE_SPREAD * (self.keys.len() + rows) as i128).clamp(DENSE_MIN_SPAN, DENSE_MAX_SPAN);
        if new_high - new_low + 1 > limit {
            return false;
        }
        // Room to grow upwards, where sequential ids go next, so that the table is not rebuilt
        // for every batch.
        let span = (new_high - new_low + 1)
            .saturating_mul(2)
            .min(limit)
            .min(i128::from(i64::MAX) - new_low + 1);
        let mut dense = vec![NONE; span as usize];
        for (value, id) in &self.by_int {
            if let Some(slot) = (i128::from(*value) - new_low)
                .try_into()
                .ok()
                .filter(|slot: &usize| *slot < dense.len())
            {
                dense[slot] = *id;
            }
        }
        self.dense = dense;
        self.dense_base = new_low as i64;
        true
    }

    /// Binary, float, decimal, date and other id columns are keyed by their text form.
    fn encode_as_text(&mut self, array: &dyn Array, out: &mut Vec<u32>) -> Result<(), ArrowError> {
        for_each_text(array, |text| {
            out.push(text.map_or(NONE, |text| self.intern_str(text)))
        })
    }
}

/// Calls `visit` with each value of `array` as text (`None` for NULL). Binary is read as lossy
/// UTF-8; other types use arrow's display formatting.
pub(crate) fn for_each_text(
    array: &dyn Array,
    mut visit: impl FnMut(Option<&str>),
) -> Result<(), ArrowError> {
    each_text(array, &mut visit)
}

fn each_text(array: &dyn Array, visit: &mut dyn FnMut(Option<&str>)) -> Result<(), ArrowError> {
    if let Some(dictionary) = array.as_any_dictionary_opt() {
        let values = dictionary.values();
        let nulls = array.logical_nulls();
        if array.len().saturating_mul(4) < values.len() {
            // A few rows of a large dictionary (a quality sample is one row of a batch whose
            // dictionary holds every learner): format only the values those rows use.
            for (row, key) in dictionary.normalized_keys().into_iter().enumerate() {
                if nulls.as_ref().is_some_and(|nulls| nulls.is_null(row)) || key >= values.len() {
                    visit(None);
                } else {
                    each_text(values.slice(key, 1).as_ref(), visit)?;
                }
            }
            return Ok(());
        }
        // Each dictionary value is turned into text once, not once per row.
        let mut texts: Vec<Option<String>> = Vec::new();
        each_text(dictionary.values().as_ref(), &mut |text| {
            texts.push(text.map(str::to_owned));
        })?;
        for (row, key) in dictionary.normalized_keys().into_iter().enumerate() {
            let is_null = nulls.as_ref().is_some_and(|nulls| nulls.is_null(row));
            visit(if is_null {
                None
            } else {
                texts.get(key).and_then(Option::as_deref)
            });
        }
        return Ok(());
    }
    match array.data_type() {
        DataType::Utf8 => array.as_string::<i32>().iter().for_each(visit),
        DataType::LargeUtf8 => array.as_string::<i64>().iter().for_each(visit),
        DataType::Utf8View => array.as_string_view().iter().for_each(visit),
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView => {
            let mut visit_bytes =
                |value: Option<&[u8]>| visit(value.map(String::from_utf8_lossy).as_deref());
            match array.data_type() {
                DataType::Binary => array.as_binary::<i32>().iter().for_each(&mut visit_bytes),
                DataType::LargeBinary => array.as_binary::<i64>().iter().for_each(&mut visit_bytes),
                _ => array.as_binary_view().iter().for_each(&mut visit_bytes),
            }
        }
        _ => {
            let options = arrow_cast::display::FormatOptions::default();
            let formatter = arrow_cast::display::ArrayFormatter::try_new(array, &options)?;
            let mut buffer = String::new();
            // Logical nulls: a `Null`-typed column (e.g. an all-empty CSV column) has no null
            // buffer, yet every value in it is NULL.
            let nulls = array.logical_nulls();
            for row in 0..array.len() {
                if nulls.as_ref().is_some_and(|nulls| nulls.is_null(row)) {
                    visit(None);
                } else {
                    buffer.clear();
                    use std::fmt::Write;
                    write!(buffer, "{}", formatter.value(row))
                        .map_err(|error| ArrowError::ExternalError(Box::new(error)))?;
                    visit(Some(&buffer));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_as_text_is_its_display() {
        let keys = [
            Key::Int(0),
            Key::Int(7),
            Key::Int(-42),
            Key::Int(i64::MIN),
            Key::Int(i64::MAX),
            Key::Str("ada@example.org".into()),
            Key::InCourse(Box::new((Some(Key::Int(3)), Key::Str("Intro".into())))),
        ];
        for key in keys {
            assert_eq!(key.text(), key.to_string());
        }
    }
    use arrow_array::{
        DictionaryArray, Float64Array, Int32Array, StringArray, StringViewArray, types::Int8Type,
    };
    use std::sync::Arc;

    /// NULL rows are NONE whatever value sits under them, in runs of every shape (the values
    /// of NULL rows are never read, so a wild one cannot widen the direct table).
    #[test]
    fn null_rows_are_none_and_their_values_are_never_read() {
        use arrow_array::Int64Array;
        use arrow_buffer::{BooleanBuffer, ScalarBuffer};
        let values: Vec<i64> = (0..200)
            .map(|row| if row % 7 == 3 { i64::MAX } else { row % 11 })
            .collect();
        let validity: Vec<bool> = (0..200)
            .map(|row| row % 7 != 3 && !(60..130).contains(&row))
            .collect();
        let nulls = NullBuffer::new(BooleanBuffer::from(validity.clone()));
        let ints = Int64Array::new(ScalarBuffer::from(values.clone()), Some(nulls.clone()));
        let keys = Int32Array::new(
            ScalarBuffer::from(values.iter().map(|value| *value as i32).collect::<Vec<_>>()),
            Some(nulls),
        );
        let dictionary = DictionaryArray::<Int32Type>::try_new(
            keys,
            Arc::new(StringArray::from(
                (0..11).map(|key| format!("v{key}")).collect::<Vec<_>>(),
            )),
        );
        let expected: Vec<Option<String>> = values
            .iter()
            .zip(&validity)
            .map(|(value, valid)| valid.then(|| value.to_string()))
            .collect();
        let mut interner = Interner::default();
        let mut ids = Vec::new();
        interner.encode(&ints, &mut ids).unwrap();
        let decoded: Vec<Option<String>> = ids
            .iter()
            .map(|id| (*id != NONE).then(|| interner.key(*id).to_string()))
            .collect();
        assert_eq!(decoded, expected);
        assert!(
            interner.dense.len() < 1 << 17,
            "the NULL rows' values widened the table"
        );
        // A dictionary whose NULL rows hold out-of-range keys.
        let dictionary = dictionary.unwrap();
        let mut interner = Interner::default();
        interner.encode(&dictionary, &mut ids).unwrap();
        let decoded: Vec<Option<String>> = ids
            .iter()
            .map(|id| (*id != NONE).then(|| interner.key(*id).to_string()))
            .collect();
        let expected: Vec<Option<String>> = expected
            .iter()
            .map(|value| value.as_ref().map(|value| format!("v{value}")))
            .collect();
        assert_eq!(decoded, expected);
    }

    fn check(array: &dyn Array, expected: &[Option<&str>]) {
        let mut interner = Interner::default();
        let mut ids = Vec::new();
        interner.encode(array, &mut ids).unwrap();
        let decoded: Vec<Option<String>> = ids
            .iter()
            .map(|id| (*id != NONE).then(|| interner.key(*id).to_string()))
            .collect();
        let expected: Vec<Option<String>> = expected
            .iter()
            .map(|value| value.map(str::to_owned))
            .collect();
        assert_eq!(decoded, expected);
    }

    #[test]
    fn encodes_every_id_type_with_nulls() {
        check(
            &Int32Array::from(vec![Some(3), None, Some(3), Some(-1)]),
            &[Some("3"), None, Some("3"), Some("-1")],
        );
        check(
            &StringArray::from(vec![Some("a"), None, Some("a")]),
            &[Some("a"), None, Some("a")],
        );
        check(
            &StringViewArray::from(vec![Some("long string beyond twelve"), None]),
            &[Some("long string beyond twelve"), None],
        );
        check(
            &Float64Array::from(vec![Some(1.5), None]),
            &[Some("1.5"), None],
        );
        let dictionary: DictionaryArray<Int8Type> = vec![Some("x"), None, Some("y"), Some("x")]
            .into_iter()
            .collect();
        check(&dictionary, &[Some("x"), None, Some("y"), Some("x")]);
        let with_null_value = DictionaryArray::<Int8Type>::try_new(
            arrow_array::Int8Array::from(vec![0, 1]),
            Arc::new(StringArray::from(vec![Some("v"), None])),
        )
        .unwrap();
        check(&with_null_value, &[Some("v"), None]);
    }

    #[test]
    fn text_of_a_few_rows_of_a_large_dictionary() {
        let values: Vec<Option<String>> = (0..100)
            .map(|value| (value != 7).then(|| format!("v{value}")))
            .collect();
        let dictionary = DictionaryArray::<Int8Type>::try_new(
            arrow_array::Int8Array::from(vec![Some(42), None, Some(7), Some(99), Some(3)]),
            Arc::new(StringArray::from(values)),
        )
        .unwrap();
        let mut seen = Vec::new();
        for row in 0..dictionary.len() {
            for_each_text(&dictionary.slice(row, 1), |text| {
                seen.push(text.map(str::to_owned))
            })
            .unwrap();
        }
        let expected = [Some("v42"), None, None, Some("v99"), Some("v3")];
        assert_eq!(seen, expected.map(|text| text.map(str::to_owned)));
    }

    /// Ids in first-seen order, as a plain map assigns them: what every encoding must give.
    fn first_seen_ids(batches: &[Vec<Option<i64>>]) -> Vec<Vec<u32>> {
        let mut ids = std::collections::HashMap::new();
        batches
            .iter()
            .map(|batch| {
                batch
                    .iter()
                    .map(|value| match value {
                        Some(value) => {
                            let next = ids.len() as u32;
                            *ids.entry(*value).or_insert(next)
                        }
                        None => NONE,
                    })
                    .collect()
            })
            .collect()
    }

    proptest::proptest! {
        /// Batches of integer ids, narrow (looked up directly) or wide (hashed), in any mix and
        /// order, with values interned in between by `intern_int` (as a restored state does),
        /// get the ids a plain first-seen map gives.
        #[test]
        fn direct_and_hashed_integer_lookups_give_first_seen_ids(
            batches in proptest::collection::vec(
                (
                    proptest::prop_oneof![
                        proptest::strategy::Just(0i64),
                        proptest::strategy::Just(1_000_000_000),
                        proptest::strategy::Just(i64::MAX - 100),
                        proptest::strategy::Just(i64::MIN),
                        -100_000i64..100_000,
                    ],
                    proptest::prop_oneof![
                        proptest::strategy::Just(50i64),
                        proptest::strategy::Just(300_000),
                        proptest::strategy::Just(i64::MAX),
                    ],
                    proptest::collection::vec(proptest::option::weighted(0.9, proptest::num::u64::ANY), 0..200),
                ),
                1..8,
            ),
            interned_between in proptest::collection::vec(-2_000i64..2_000, 0..20),
        ) {
            let batches: Vec<Vec<Option<i64>>> = batches
                .into_iter()
                .map(|(base, width, draws)| {
                    draws
                        .into_iter()
                        .map(|draw| draw.map(|draw| base.wrapping_add((draw % width.unsigned_abs()) as i64)))
                        .collect()
                })
                .collect();
            // The values interned directly go first, as if a state had been restored.
            let mut all = vec![interned_between.iter().copied().map(Some).collect::<Vec<_>>()];
            all.extend(batches.iter().cloned());
            let expected = first_seen_ids(&all);
            let mut interner = Interner::default();
            for value in &interned_between {
                interner.intern_int(*value);
            }
            for (batch, expected) in batches.iter().zip(&expected[1..]) {
                let mut ids = Vec::new();
                interner
                    .encode(&arrow_array::Int64Array::from(batch.clone()), &mut ids)
                    .unwrap();
                proptest::prop_assert_eq!(&ids, expected);
            }
        }
    }

    #[test]
    fn int32_dictionary_keys_with_nulls_and_keys_out_of_range() {
        let dictionary = DictionaryArray::<arrow_array::types::Int32Type>::try_new(
            Int32Array::from(vec![Some(1), None, Some(0), Some(1)]),
            Arc::new(StringArray::from(vec![Some("a"), Some("b")])),
        )
        .unwrap();
        check(&dictionary, &[Some("b"), None, Some("a"), Some("b")]);
        let no_nulls = DictionaryArray::<arrow_array::types::Int32Type>::try_new(
            Int32Array::from(vec![0, 0, 1]),
            Arc::new(StringArray::from(vec![None, Some("z")])),
        )
        .unwrap();
        check(&no_nulls, &[None, None, Some("z")]);
    }

    #[test]
    fn same_value_gets_same_id_across_arrays_and_ints_sort_numerically() {
        let mut interner = Interner::default();
        let mut ids = Vec::new();
        interner
            .encode(&Int32Array::from(vec![10, 9]), &mut ids)
            .unwrap();
        let first = ids.clone();
        interner
            .encode(&Int32Array::from(vec![9, 10]), &mut ids)
            .unwrap();
        assert_eq!(ids, vec![first[1], first[0]]);
        assert!(
            interner.key(first[1]) < interner.key(first[0]),
            "9 sorts before 10"
        );
        assert!(
            Key::Str("10".into()) < Key::Str("9".into()),
            "text sorts bytewise"
        );
    }
}
