//! Merging analyses: shards of one dataset, analysed apart (on other threads or workers) and
//! folded together left to right, give exactly the report of one analysis over all of it.
//!
//! The accumulators merge in `compute::merge`; this file adds what the façade keeps about
//! inputs (an input split between shards is one input), and the re-reading of the few rows
//! whose samples only the merge could find.

use arrow_array::RecordBatch;
use arrow_schema::Schema;

use crate::analysis::dataset::with_partitions;
use crate::analysis::{Analysis, Source};
use crate::compute::dbt_rules::TestedBatch;
use crate::error::{Error, Result};
use crate::input::parquet::Format;

impl Analysis {
    /// Folds in `later`, an analysis with the same options of rows that all come after this
    /// one's in the order one analysis would read them: a dataset cut into contiguous shards,
    /// each analysed on its own and merged left to right, gives the report of one analysis of
    /// the whole, duplicates and late updates across shards, quality counts and samples
    /// included. A shard that starts inside an input calls [`Source::skip_rows`] first, and an
    /// input split between shards must have its completion scale decided before it is split
    /// ([`crate::Options::scale`] or a column name that says it), or the merge is refused.
    ///
    /// The samples of rows that become duplicates only here were never kept: they are listed
    /// by [`Analysis::rows_to_read`] until [`Analysis::reread`] is given their rows. Nothing
    /// changes when the merge is refused.
    pub fn merge(&mut self, later: Analysis) -> Result<()> {
        if self.read_in_passes || later.read_in_passes {
            return Err(Error::Option(
                "an analysis read in several key passes cannot be merged: the keys of its earlier passes are gone".into(),
            ));
        }
        for theirs in &later.sources {
            if let Some(mine) = self.sources.iter().find(|mine| mine.name == theirs.name)
                && mine.completion_scale != theirs.completion_scale
            {
                return Err(Error::Option(format!(
                    "{}: the shards read its completion column on different scales ({} and {}); decide the scale before splitting an input (scale=percent or scale=fraction)",
                    theirs.name,
                    format!("{:?}", mine.completion_scale).to_lowercase(),
                    format!("{:?}", theirs.completion_scale).to_lowercase()
                )));
            }
        }
        let later_names = later.aggregator.source_names.clone();
        let max_samples = self.options.max_samples;
        let sources = self.aggregator.merge(later.aggregator, max_samples)?;
        self.dbt_rules.merge(
            later.dbt_rules,
            &sources,
            &later_names,
            &self.aggregator.source_names,
            max_samples,
        );

        let mut pruning = later.pruning;
        for theirs in later.sources {
            match self
                .sources
                .iter_mut()
                .find(|mine| mine.name == theirs.name)
            {
                Some(mine) => {
                    // One input read in two shards: its whole-file counts are counted once.
                    pruning.files = pruning.files.saturating_sub(1);
                    pruning.row_groups =
                        pruning.row_groups.saturating_sub(theirs.row_groups as u64);
                    let counts = later
                        .input_counts
                        .get(&theirs.name)
                        .copied()
                        .unwrap_or_default();
                    pruning.bytes = pruning.bytes.saturating_sub(counts.bytes);
                    pruning.files_skipped = pruning
                        .files_skipped
                        .saturating_sub(u64::from(counts.skipped));
                    // A shard's row count includes the rows before it that it skipped.
                    mine.rows = mine.rows.max(theirs.rows);
                    mine.row_groups = mine.row_groups.max(theirs.row_groups);
                    mine.scale_inferred |= theirs.scale_inferred;
                    mine.scale_check.merge(&theirs.scale_check);
                }
                None => {
                    if let Some(counts) = later.input_counts.get(&theirs.name) {
                        self.input_counts.insert(theirs.name.clone(), *counts);
                    }
                    self.sources.push(theirs);
                }
            }
        }
        let totals = &mut self.pruning;
        totals.files += pruning.files;
        totals.files_skipped += pruning.files_skipped;
        totals.row_groups += pruning.row_groups;
        totals.row_groups_skipped += pruning.row_groups_skipped;
        totals.bytes += pruning.bytes;
        totals.bytes_skipped += pruning.bytes_skipped;
        totals.files_already_loaded += pruning.files_already_loaded;
        totals.rows_skipped += pruning.rows_skipped;

        for note in later.notes {
            if !self.notes.contains(&note) {
                self.notes.push(note);
            }
        }
        for file in later.files {
            if !self.files.iter().any(|mine| mine.name == file.name) {
                self.files.push(file);
            }
        }
        self.fingerprints.extend(later.fingerprints);
        self.video_keyed_by_title |= later.video_keyed_by_title;
        self.course_keyed_by_code |= later.course_keyed_by_code;
        Ok(())
    }

    /// Whether an input with this schema has its completion scale decided before any value is
    /// read (by the options or by its column's name), so that it may be split between shards.
    pub fn scale_known_for(&self, schema: &Schema, name: &str) -> bool {
        if self.options.scale.is_some() {
            return true;
        }
        let extended = self.extend_with_partitions(name, schema).schema;
        crate::columns::Mapping::resolve(name, &extended, &self.options.overrides)
            .is_ok_and(|mapping| mapping.scale_from_name().is_some())
    }

    /// The rows (input name, 1-based row number) whose values the report's samples still
    /// need after a [`Analysis::merge`], in input order; empty when every sample is complete.
    pub fn rows_to_read(&self) -> Vec<(String, u64)> {
        let names = &self.aggregator.source_names;
        let mut rows: Vec<(u32, u64)> = self
            .aggregator
            .unresolved
            .iter()
            .chain(&self.dbt_rules.unresolved)
            .map(|wanted| (wanted.source, wanted.row))
            .collect();
        rows.sort_unstable();
        rows.dedup();
        rows.into_iter()
            .map(|(source, row)| (names[source as usize].clone(), row))
            .collect()
    }

    /// Starts re-reading an input for [`Analysis::rows_to_read`]: like
    /// [`Analysis::begin_source`], but the input is one this analysis has, and nothing is
    /// counted. Skip to the wanted rows with [`Source::skip_rows`], then give batches to
    /// [`Analysis::reread`].
    pub fn begin_reread(&self, name: &str, format: Format, schema: &Schema) -> Result<Source> {
        let Some(index) = self
            .aggregator
            .source_names
            .iter()
            .position(|known| known == name)
        else {
            return Err(Error::Option(format!(
                "{name}: not an input of this analysis, so none of its rows is wanted"
            )));
        };
        self.new_source(name, format, schema, index as u32)
    }

    /// Completes the samples whose rows are in `batch` (the next rows of `source`, begun with
    /// [`Analysis::begin_reread`]); counts nothing.
    pub fn reread(&mut self, source: &mut Source, batch: RecordBatch) -> Result<()> {
        let batch = with_partitions(&source.info.name, batch, &source.partition_columns)?;
        self.aggregator
            .resolve_samples(&source.layout, &batch, source.next_row);
        let tested = TestedBatch {
            batch: &batch,
            layout: &source.layout,
            source_name: &source.info.name,
            first_row: source.next_row,
            in_view: &[],
        };
        self.dbt_rules.resolve_samples(&source.dbt_columns, &tested);
        source.next_row += batch.num_rows() as u64;
        Ok(())
    }
}
