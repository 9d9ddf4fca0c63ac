//! The dataset side of an analysis: hive partitions (the constant columns a file's path gives
//! it, and a date partition standing in for a missing time column), whole-file pruning by
//! partition value (a date only where it is the rows' time) or by every row group's statistics,
//! skipped row groups, and the fingerprints of inputs already absorbed.

use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::Schema;

use crate::analysis::{Analysis, Source};
use crate::columns::{Field, Mapping};
use crate::error::{Error, Result};
use crate::input::parquet::Fingerprint;
use crate::input::partition::{DATE_KEYS, PartitionType, PartitionValue, Partitioning};
use crate::input::prune;

/// A file's schema with its partition columns appended.
pub(crate) struct Extended {
    /// The file's columns, then the appended partition columns.
    pub(crate) schema: Schema,
    /// (key, value, type) of each appended column, in order.
    pub(crate) appended: Vec<(String, PartitionValue, PartitionType)>,
    /// The file's value of every partition key, appended or not.
    pub(crate) values: Vec<PartitionValue>,
}

impl Analysis {
    /// Declares the dataset's partition keys (see [`Partitioning::infer`]): every input added
    /// afterwards gets one constant column per key, its value parsed from the input's name
    /// (a relative path or URL), NULL where the name lacks the key. Once inputs were added the
    /// keys can no longer change, since earlier inputs were read without the new columns.
    pub fn set_partitioning(&mut self, partitioning: Partitioning) -> Result<()> {
        if partitioning != self.partitioning && !self.sources.is_empty() {
            let describe = |partitioning: &Partitioning| {
                let keys: Vec<String> = partitioning
                    .keys()
                    .iter()
                    .map(|key| format!("{} ({:?})", key.name, key.kind))
                    .collect();
                if keys.is_empty() {
                    "none".to_owned()
                } else {
                    keys.join(", ")
                }
            };
            return Err(Error::State(format!(
                "the partition keys changed from [{}] to [{}] after files were added; analyse the whole dataset again",
                describe(&self.partitioning),
                describe(&partitioning)
            )));
        }
        self.partitioning = partitioning;
        Ok(())
    }

    /// The partition keys in force.
    pub fn partitioning(&self) -> &Partitioning {
        &self.partitioning
    }

    /// Whether an input with this fingerprint was absorbed already (adding it again is refused).
    pub fn has_loaded(&self, fingerprint: Fingerprint) -> bool {
        self.fingerprints.contains(&fingerprint.0)
    }

    /// Records an input's fingerprint as it begins, so a copy begun later (even in the same
    /// batch of inputs) is refused.
    pub(crate) fn absorb(&mut self, source: &mut Source, fingerprint: Fingerprint) {
        source.fingerprint = Some(fingerprint);
        self.fingerprints.insert(fingerprint.0);
    }

    /// The fingerprints of every input absorbed, sorted.
    pub fn loaded_fingerprints(&self) -> Vec<Fingerprint> {
        let mut fingerprints: Vec<Fingerprint> = self
            .fingerprints
            .iter()
            .map(|value| Fingerprint(*value))
            .collect();
        fingerprints.sort();
        fingerprints
    }

    /// `schema` with one column per partition key appended. A key the file has as a column of
    /// its own is not appended: the file's values win (the partition value may still prune,
    /// see `prune`).
    pub(crate) fn extend_with_partitions(&self, name: &str, schema: &Schema) -> Extended {
        let values = self.partitioning.values(name);
        let has_own = |key: &str| {
            schema
                .fields()
                .iter()
                .any(|field| field.name().trim().eq_ignore_ascii_case(key))
        };
        let mut fields = schema.fields().to_vec();
        let mut appended = Vec::new();
        for (key, value) in self.partitioning.keys().iter().zip(&values) {
            if has_own(&key.name) {
                continue;
            }
            fields.push(Arc::new(arrow_schema::Field::new(
                &key.name,
                key.kind.data_type(),
                true,
            )));
            appended.push((key.name.clone(), value.clone(), key.kind));
        }
        Extended {
            schema: Schema::new_with_metadata(fields, schema.metadata().clone()),
            appended,
            values,
        }
    }

    /// A date partition is the rows' time when the file has none of its own (and the user did
    /// not unmap it).
    pub(crate) fn date_partition_as_time(
        &self,
        mapping: &mut Mapping,
        file_columns: usize,
        appended: &[(String, PartitionValue, PartitionType)],
    ) {
        if mapping.column(Field::WatchedAt).is_none()
            && mapping.column(Field::UpdatedAt).is_none()
            && !self.options.overrides.is_set(Field::WatchedAt)
            && let Some(offset) = appended.iter().position(|(key, _, kind)| {
                *kind == PartitionType::Date
                    && DATE_KEYS.contains(&key.to_ascii_lowercase().as_str())
            })
        {
            mapping.assign(Field::WatchedAt, file_columns + offset, &appended[offset].0);
        }
    }

    /// Why a whole input is outside the filter, judged by its partition values alone.
    pub(crate) fn skip_reason(
        &self,
        mapping: &Mapping,
        file_columns: usize,
        extended: &Extended,
    ) -> Option<&'static str> {
        let filter = &self.options.filter;
        if !self.options.prune {
            return None;
        }
        let values = &extended.values;
        if partition_time_day(mapping, file_columns, &extended.appended)
            .is_some_and(|day| prune::day_outside(filter, day))
        {
            return Some("date");
        }
        if filter.courses.is_empty() {
            return None;
        }
        // Only when every course value a row could be kept by comes from a partition.
        let partition_text = |field: Field| -> Option<Option<String>> {
            let column = mapping.column(field)?;
            let key = mapping.column_name(field)?;
            if column < file_columns {
                return None;
            }
            let offset = self
                .partitioning
                .keys()
                .iter()
                .position(|known| known.name == key)?;
            Some(values[offset].text())
        };
        // A row is kept when its course key or (with a course id) its course code is wanted.
        let course_key = mapping.course_key();
        let mut fields = vec![course_key];
        if course_key == Field::Course && mapping.column(Field::CourseCode).is_some() {
            fields.push(Field::CourseCode);
        }
        let mut candidates = Vec::new();
        for field in fields {
            candidates.push(partition_text(field)?);
        }
        let wanted = |text: &Option<String>| {
            text.as_ref()
                .is_some_and(|text| filter.courses.iter().any(|course| course == text))
        };
        (!candidates.iter().any(wanted)).then_some("course")
    }

    /// Skips a whole input that was begun unskipped, once its footer showed that no row of it
    /// lies in the range (every row group's time statistics do, see `prune`): it counts in
    /// [`Pruning::files_skipped`](crate::Pruning) like an input skipped by partition value.
    pub(crate) fn skip_whole(&mut self, source: &mut Source, reason: &'static str) {
        if source.skipped_by.is_none() {
            source.skipped_by = Some(reason);
            self.pruning.files_skipped += 1;
        }
    }

    /// Counts a Parquet row group that is not read (its file or itself is outside the filter)
    /// as if its rows had been read and filtered out, so no figure depends on the pruning.
    /// When the inputs are read in several key passes, each row belongs to one pass, so a
    /// skipped row group is counted in the first pass only.
    pub(crate) fn skip_row_group(&mut self, source: &mut Source, rows: u64, bytes: u64) {
        source.next_row += rows;
        if self.aggregator.key_pass() > 0 {
            return;
        }
        let row_groups = u64::from(source.skipped_by.is_none());
        self.pruning.row_groups_skipped += row_groups;
        self.pruning.bytes_skipped += bytes;
        self.pruning.rows_skipped += rows;
        self.aggregator.filtered_out += rows;
        let (counted_groups, counted_bytes, counted_rows) = &mut source.skipped;
        *counted_groups += row_groups;
        *counted_bytes += bytes;
        *counted_rows += rows;
    }
}

/// The day every row's time is, when that time comes from a date partition: the mapped time
/// (watched_at, else last_updated_at) is an appended partition column holding a date, because
/// the file has no time column of its own (or the user mapped the partition). Only then may the
/// partition value skip the file: a file with its own times can hold rows of any day (late
/// updates filed under a later day), which only its statistics can rule out.
fn partition_time_day(
    mapping: &Mapping,
    file_columns: usize,
    appended: &[(String, PartitionValue, PartitionType)],
) -> Option<i32> {
    let column = mapping
        .column(Field::WatchedAt)
        .or_else(|| mapping.column(Field::UpdatedAt))?;
    match appended.get(column.checked_sub(file_columns)?)? {
        (_, PartitionValue::Date(days), PartitionType::Date) => Some(*days),
        _ => None,
    }
}

/// `batch` with the constant partition columns appended.
pub(crate) fn with_partitions(
    name: &str,
    batch: RecordBatch,
    partitions: &[(PartitionValue, PartitionType)],
) -> Result<RecordBatch> {
    if partitions.is_empty() {
        return Ok(batch);
    }
    let rows = batch.num_rows();
    let mut fields = batch.schema().fields().to_vec();
    let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
    for (index, (value, kind)) in partitions.iter().enumerate() {
        let column = value.column(*kind, rows);
        fields.push(Arc::new(arrow_schema::Field::new(
            format!("__partition_{index}"),
            column.data_type().clone(),
            true,
        )));
        columns.push(column);
    }
    RecordBatch::try_new_with_options(
        Arc::new(Schema::new(fields)),
        columns,
        &arrow_array::RecordBatchOptions::new().with_row_count(Some(rows)),
    )
    .map_err(|error| Error::arrow(name, error))
}
