//! Pruning: skipping whole files by partition value and Parquet row groups by the statistics of
//! their time columns, before any of their data is read.
//!
//! The rules never change a reported figure (compared with reading everything, filtering the
//! rows by their own times and de-duplicating the rows kept): a skipped row group's rows still
//! count as filtered out, and its row numbers are still used up, so quality samples name the
//! same rows. Each rule skips only rows that the filter would drop one by one.
//! - A file is skipped by a date partition (`date=D/`, or any date-valued partition the time is
//!   mapped to) only when that partition is the rows' time: the file has no time column of its
//!   own (watched_at, else last_updated_at, is the partition column), so every row's time is D
//!   and the whole day lies outside the range. A file with its own time column is not skipped by
//!   its folder: it can hold rows of other days (late updates of earlier days' events are filed
//!   under the day they arrive), and those rows count where their own time falls.
//! - A file is skipped by the course filter only when its course key comes from a partition
//!   (the file has no course column of its own), so every row has that key.
//! - A row group is skipped when the statistics of the mapped time columns prove every row's time
//!   (watched_at, else last_updated_at) outside the range. Rows with no time are dropped by a time
//!   bound anyway. Missing statistics, unknown NULL counts, INT96 or text times, or a time column
//!   whose unit differs between the Arrow and Parquet schemas keep the row group. A file with
//!   its own time column is read up to its footer, and when every row group of it is skipped so,
//!   the file counts as skipped whole ([`Pruning::files_skipped`], its row groups not in
//!   [`Pruning::row_groups_skipped`]), as a file skipped by its date partition does.

use arrow_schema::{DataType, TimeUnit};
use parquet::basic::{ConvertedType, LogicalType, TimeUnit as ParquetUnit};
use parquet::file::metadata::{ColumnChunkMetaData, RowGroupMetaData};
use parquet::file::statistics::Statistics;
use serde::Serialize;

use crate::filter::Filter;
use crate::time::MICROS_PER_DAY;

/// What pruning saved, over every input added.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Pruning {
    /// Inputs added (Parquet and CSV), not counting those refused as already loaded.
    pub files: u64,
    /// Inputs skipped whole: a partition value lies outside the filter (a date partition only
    /// when it is the rows' time), or, for Parquet, every row group's time statistics do.
    pub files_skipped: u64,
    /// Parquet row groups in the inputs added.
    pub row_groups: u64,
    /// Row groups of files not skipped whole, skipped because their statistics lie outside the
    /// range.
    pub row_groups_skipped: u64,
    /// Bytes that reading everything would decode: compressed column chunks of the projected
    /// columns for Parquet, the whole file for CSV.
    pub bytes: u64,
    /// Of those, bytes not read because their file or row group was skipped.
    pub bytes_skipped: u64,
    /// Inputs refused because a file with the same fingerprint was already absorbed.
    pub files_already_loaded: u64,
    /// Rows in the skipped files and row groups (counted as filtered out, never read).
    pub rows_skipped: u64,
}

/// Where a mapped time field's values come from, for row-group pruning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TimeColumn {
    /// The field is not mapped: its rows have no time from it.
    Unmapped,
    /// A Parquet leaf column whose statistics can be read as UTC microseconds.
    Leaf(usize, StatUnit),
    /// Mapped, but statistics cannot be used (partition column, text, INT96, unit mismatch).
    Opaque,
}

/// How a time column's statistics convert to microseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StatUnit {
    Millis,
    Micros,
    Nanos,
    Days,
}

impl StatUnit {
    /// The unit of a Parquet column, if it is a timestamp or a date whose Arrow type (`arrow`,
    /// which is what the rows are decoded from) has the same unit.
    pub(crate) fn of(
        descriptor: &parquet::schema::types::ColumnDescriptor,
        arrow: &DataType,
    ) -> Option<StatUnit> {
        let unit = match descriptor.logical_type_ref() {
            Some(LogicalType::Timestamp(timestamp)) => match timestamp.unit {
                ParquetUnit::MILLIS => StatUnit::Millis,
                ParquetUnit::MICROS => StatUnit::Micros,
                ParquetUnit::NANOS => StatUnit::Nanos,
            },
            Some(LogicalType::Date) => StatUnit::Days,
            Some(_) => return None,
            None => match descriptor.converted_type() {
                ConvertedType::TIMESTAMP_MILLIS => StatUnit::Millis,
                ConvertedType::TIMESTAMP_MICROS => StatUnit::Micros,
                ConvertedType::DATE => StatUnit::Days,
                _ => return None,
            },
        };
        let matches = matches!(
            (unit, arrow),
            (
                StatUnit::Millis,
                DataType::Timestamp(TimeUnit::Millisecond, _)
            ) | (
                StatUnit::Micros,
                DataType::Timestamp(TimeUnit::Microsecond, _)
            ) | (
                StatUnit::Nanos,
                DataType::Timestamp(TimeUnit::Nanosecond, _)
            ) | (StatUnit::Days, DataType::Date32)
        );
        matches.then_some(unit)
    }

    /// Microseconds, converted the way the row decoder converts (so bounds stay bounds).
    fn micros(self, value: i64) -> i64 {
        match self {
            StatUnit::Millis => value.saturating_mul(1_000),
            StatUnit::Micros => value,
            StatUnit::Nanos => value.div_euclid(1_000),
            StatUnit::Days => value.saturating_mul(MICROS_PER_DAY),
        }
    }
}

/// Whether a file of day `day` (days since the epoch) lies wholly outside the filter's range.
pub(crate) fn day_outside(filter: &Filter, day: i32) -> bool {
    let start = i64::from(day) * MICROS_PER_DAY;
    let end = start + MICROS_PER_DAY;
    filter.from_micros.is_some_and(|from| end <= from)
        || filter.to_micros.is_some_and(|to| start >= to)
}

/// Whether a row group's statistics prove that no row's time lies in the filter's range.
pub(crate) fn row_group_outside(
    filter: &Filter,
    row_group: &RowGroupMetaData,
    watched: TimeColumn,
    updated: TimeColumn,
) -> bool {
    if filter.from_micros.is_none() && filter.to_micros.is_none() {
        return false;
    }
    let outside = |column: TimeColumn| -> Option<bool> {
        let TimeColumn::Leaf(leaf, unit) = column else {
            return None;
        };
        values_outside(filter, row_group.column(leaf), unit)
    };
    match watched {
        // Every row's time is its last_updated_at.
        TimeColumn::Unmapped => outside(updated) == Some(true),
        TimeColumn::Opaque => false,
        TimeColumn::Leaf(leaf, _) => {
            if outside(watched) != Some(true) {
                return false;
            }
            let watched_nulls = row_group
                .column(leaf)
                .statistics()
                .and_then(Statistics::null_count_opt);
            // Rows with a NULL watched_at use last_updated_at; without one they have no time,
            // and a time bound drops them.
            watched_nulls == Some(0)
                || updated == TimeColumn::Unmapped
                || outside(updated) == Some(true)
        }
    }
}

/// Whether every non-NULL value of the chunk lies outside the range (`None`: unknown).
fn values_outside(filter: &Filter, chunk: &ColumnChunkMetaData, unit: StatUnit) -> Option<bool> {
    let statistics = chunk.statistics()?;
    let (min, max) = match statistics {
        Statistics::Int64(values) => (values.min_opt().copied(), values.max_opt().copied()),
        Statistics::Int32(values) => (
            values.min_opt().map(|value| i64::from(*value)),
            values.max_opt().map(|value| i64::from(*value)),
        ),
        _ => return None,
    };
    match (min, max) {
        // min and max are bounds even when not exact, so "outside" stays true.
        (Some(min), Some(max)) => {
            let (min, max) = (unit.micros(min), unit.micros(max));
            Some(
                filter.from_micros.is_some_and(|from| max < from)
                    || filter.to_micros.is_some_and(|to| min >= to),
            )
        }
        // No min/max: only an all-NULL chunk is known to have no value in range.
        _ => Some(statistics.null_count_opt()? == chunk.num_values().max(0) as u64)
            .filter(|all_null| *all_null),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_is_outside_only_when_wholly_outside() {
        let day = 20_000;
        let start = i64::from(day) * MICROS_PER_DAY;
        let filter = |from: Option<i64>, to: Option<i64>| Filter {
            from_micros: from,
            to_micros: to,
            ..Filter::default()
        };
        assert!(!day_outside(&filter(Some(start), None), day));
        assert!(!day_outside(
            &filter(Some(start + MICROS_PER_DAY - 1), None),
            day
        ));
        assert!(day_outside(
            &filter(Some(start + MICROS_PER_DAY), None),
            day
        ));
        assert!(!day_outside(&filter(None, Some(start + 1)), day));
        assert!(day_outside(&filter(None, Some(start)), day));
    }
}
