//! Running the dbt column tests: per-test counters fed batch by batch (every row in the filter's
//! view, before de-duplication, like the built-in rules) and their `dbt test`-style findings.

use arrow_array::{Array, ArrayRef, RecordBatch};
use rustc_hash::FxHashMap;

use crate::compute::aggregate::{BatchLayout, origin};
use crate::compute::decode::status;
use crate::compute::merge::{
    SampleMerge, SampleSlot, Unresolved, fill_placeholder, merge_samples, remap_origin,
    resolve_in_batch, still_listed,
};
use crate::rules::dbt::{DbtCheck, DbtRuleResult, DbtSchema};
use crate::rules::quality::{Sample, Severity, Status};

/// Running counts of one test.
#[derive(Clone, Debug, Default)]
pub(crate) struct DbtCounter {
    applies: bool,
    rows: u64,
    samples: Vec<Sample>,
    /// `unique`: hash of each value -> occurrences and the origin of the first (xxh3-64: at 10M
    /// distinct values a false repeat has a chance of about 3 in a million).
    seen: FxHashMap<u64, (u32, u64)>,
    duplicated_values: u64,
}

/// The dbt tests with their counters.
#[derive(Clone, Debug, Default)]
pub(crate) struct DbtRules {
    counters: Vec<DbtCounter>,
    /// Rows the tests have looked at (to say so when a restored state holds rows they did not).
    pub(crate) rows_tested: u64,
    /// Samples whose values are still to be read (see [`crate::compute::merge`]).
    pub(crate) unresolved: Vec<Unresolved>,
}

/// A batch being tested: its rows, where they came from, which the filter keeps.
pub(crate) struct TestedBatch<'a> {
    pub(crate) batch: &'a RecordBatch,
    pub(crate) layout: &'a BatchLayout,
    pub(crate) source_name: &'a str,
    pub(crate) first_row: u64,
    /// Empty when every row is in view.
    pub(crate) in_view: &'a [bool],
}

impl DbtRules {
    /// Counts the offending rows of one batch. `columns[i]` is the batch column of test `i`, or
    /// `None` when this input does not have it.
    pub(crate) fn add_batch(
        &mut self,
        schema: &DbtSchema,
        columns: &[Option<(usize, String)>],
        tested: &TestedBatch<'_>,
        max_samples: usize,
    ) {
        if self.counters.len() < schema.tests.len() {
            self.counters
                .resize_with(schema.tests.len(), DbtCounter::default);
        }
        let n_rows = tested.batch.num_rows();
        let in_view = |row: usize| tested.in_view.is_empty() || tested.in_view[row];
        self.rows_tested += (0..n_rows).filter(|row| in_view(*row)).count() as u64;
        for ((test, column), counter) in schema.tests.iter().zip(columns).zip(&mut self.counters) {
            let Some((index, column_name)) = column else {
                continue;
            };
            counter.applies = true;
            let array = tested.batch.column(*index);
            let first_origin =
                |row: usize| origin(tested.layout.source, tested.first_row + row as u64);
            for row in failing_rows(&test.check, array, counter, &in_view, &first_origin) {
                counter.rows += 1;
                if counter.samples.len() < max_samples {
                    let mut sample = crate::compute::aggregate::self_sample(
                        tested.layout,
                        tested.source_name,
                        tested.batch,
                        row,
                        tested.first_row + row as u64,
                    );
                    sample
                        .values
                        .insert(column_name.clone(), text_at(array, row));
                    counter.samples.push(sample);
                }
            }
        }
    }

    /// Folds in the counters of an analysis of later rows (see [`crate::compute::merge`]):
    /// `sources` maps its input indices to this side's, whose names are `source_names`.
    pub(crate) fn merge(
        &mut self,
        later: DbtRules,
        sources: &[u32],
        later_names: &[String],
        source_names: &[String],
        max_samples: usize,
    ) {
        self.rows_tested += later.rows_tested;
        if self.counters.len() < later.counters.len() {
            self.counters
                .resize_with(later.counters.len(), DbtCounter::default);
        }
        for (index, (counter, theirs)) in self.counters.iter_mut().zip(later.counters).enumerate() {
            counter.applies |= theirs.applies;
            counter.rows += theirs.rows;
            counter.duplicated_values += theirs.duplicated_values;
            // The later side's first copy of a value this side has fails now.
            let mut now_failing = Vec::new();
            for (hash, (count, first)) in theirs.seen {
                match counter.seen.entry(hash) {
                    std::collections::hash_map::Entry::Vacant(entry) => {
                        entry.insert((count, remap_origin(sources, first)));
                    }
                    std::collections::hash_map::Entry::Occupied(mut entry) => {
                        let (mine, _) = entry.get_mut();
                        // Counted as duplicated by each side that saw it twice; once in all.
                        let counted = u64::from(*mine >= 2) + u64::from(count >= 2);
                        counter.duplicated_values = counter.duplicated_values + 1 - counted;
                        *mine = mine.saturating_add(count);
                        counter.rows += 1;
                        now_failing.push(first);
                    }
                }
            }
            let merge = SampleMerge {
                later_names,
                sources,
                slot: SampleSlot::Dbt(index),
                max_samples,
            };
            let placeholders =
                merge_samples(&mut counter.samples, theirs.samples, now_failing, &merge);
            self.unresolved.extend(placeholders);
        }
        for mut unresolved in later.unresolved {
            unresolved.source = sources[unresolved.source as usize];
            let SampleSlot::Dbt(index) = unresolved.slot else {
                continue;
            };
            if still_listed(&unresolved, &self.counters[index].samples, source_names) {
                self.unresolved.push(unresolved);
            }
        }
    }

    /// Fills in the unresolved samples whose rows are in `tested` (see
    /// [`crate::compute::merge`]); `columns` as for [`DbtRules::add_batch`].
    pub(crate) fn resolve_samples(
        &mut self,
        columns: &[Option<(usize, String)>],
        tested: &TestedBatch<'_>,
    ) {
        let mut unresolved = std::mem::take(&mut self.unresolved);
        let rows = (
            tested.layout.source,
            tested.first_row,
            tested.batch.num_rows(),
        );
        resolve_in_batch(&mut unresolved, rows, |slot, row, row_number| {
            let SampleSlot::Dbt(index) = slot else {
                return false;
            };
            let mut filled = crate::compute::aggregate::self_sample(
                tested.layout,
                tested.source_name,
                tested.batch,
                row,
                row_number,
            );
            if let Some(Some((column, column_name))) = columns.get(index) {
                filled.values.insert(
                    column_name.clone(),
                    text_at(tested.batch.column(*column), row),
                );
            }
            fill_placeholder(&mut self.counters[index].samples, filled);
            true
        });
        self.unresolved = unresolved;
    }

    /// The findings, one per test in schema order.
    pub(crate) fn results(&self, schema: &DbtSchema, total_rows: u64) -> Vec<DbtRuleResult> {
        let empty = DbtCounter::default();
        schema
            .tests
            .iter()
            .enumerate()
            .map(|(index, test)| {
                let counter = self.counters.get(index).unwrap_or(&empty);
                let count = match test.check {
                    DbtCheck::Unique => counter.duplicated_values,
                    _ => counter.rows,
                };
                let status = if !counter.applies {
                    Status::Skipped
                } else if count == 0 {
                    Status::Pass
                } else if test.severity == Severity::Error {
                    Status::Fail
                } else {
                    Status::Warn
                };
                DbtRuleResult {
                    name: test.test_name(),
                    test: test.check.name(),
                    model: test.model.clone(),
                    column: test.column.clone(),
                    severity: test.severity,
                    count,
                    percent: if total_rows == 0 {
                        0.0
                    } else {
                        counter.rows as f64 * 100.0 / total_rows as f64
                    },
                    status,
                    samples: counter.samples.clone(),
                }
            })
            .collect()
    }
}

/// Rows of `array` that fail `check` (NULLs fail only `not_null`, as in dbt).
fn failing_rows(
    check: &DbtCheck,
    array: &ArrayRef,
    counter: &mut DbtCounter,
    in_view: &dyn Fn(usize) -> bool,
    first_origin: &dyn Fn(usize) -> u64,
) -> Vec<usize> {
    let rows = (0..array.len()).filter(|row| in_view(*row));
    match check {
        DbtCheck::NotNull => rows.filter(|row| array.is_null(*row)).collect(),
        DbtCheck::Unique => {
            let mut failing = Vec::new();
            for row in rows {
                let Some(text) = text_at(array, row) else {
                    continue;
                };
                let (seen, _) = counter
                    .seen
                    .entry(xxhash_rust::xxh3::xxh3_64(text.as_bytes()))
                    .or_insert_with(|| (0, first_origin(row)));
                *seen = seen.saturating_add(1);
                if *seen == 2 {
                    counter.duplicated_values += 1;
                }
                if *seen >= 2 {
                    failing.push(row);
                }
            }
            failing
        }
        DbtCheck::AcceptedValues(values) => rows
            .filter(|row| text_at(array, *row).is_some_and(|text| !values.contains(&text)))
            .collect(),
        DbtCheck::Between { min, max, strictly } => {
            // The completion decoder reads numbers of any type and numeric text (no cast kernels,
            // which would add megabytes to the wasm).
            let (mut values, mut statuses) = (Vec::new(), Vec::new());
            let decoded = crate::compute::decode::decode_completion(
                array.as_ref(),
                &mut values,
                &mut statuses,
            )
            .is_ok();
            rows.filter(|row| {
                if array.is_null(*row) {
                    return false;
                }
                // A value that is not a number at all is outside any range.
                if !decoded || statuses[*row] != status::NUMBER {
                    return !decoded || statuses[*row] != status::NULL;
                }
                let value = values[*row];
                let below =
                    min.is_some_and(|min| if *strictly { value <= min } else { value < min });
                let above =
                    max.is_some_and(|max| if *strictly { value >= max } else { value > max });
                below || above
            })
            .collect()
        }
    }
}

/// One value as text, `None` for NULL.
fn text_at(array: &ArrayRef, row: usize) -> Option<String> {
    let mut text = None;
    let slice = array.slice(row, 1);
    let _ = crate::compute::keys::for_each_text(slice.as_ref(), |value| {
        text = value.map(str::to_owned)
    });
    text
}
