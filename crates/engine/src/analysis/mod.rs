//! The public accumulator: inputs are added one at a time (whole, or batch by batch), and a
//! report can be taken at any point.

pub(crate) mod dataset;
mod merge;
pub(crate) mod options;
pub(crate) mod plan;
mod read;
pub(crate) mod view;

use arrow_array::RecordBatch;
use arrow_schema::Schema;
use rustc_hash::FxHashSet;

use crate::analysis::dataset::{Extended, with_partitions};
use crate::analysis::options::Options;
use crate::columns::{Field, Mapping, Scale, ScaleCheck};
use crate::compute::aggregate::{Aggregator, BatchLayout, BatchSettings};
use crate::compute::dbt_rules::{DbtRules, TestedBatch};
use crate::compute::decode::{self, status};
use crate::error::{Error, Result};
use crate::input::metadata::FileMetadata;
use crate::input::parquet::{Fingerprint, Format};
use crate::input::partition::{PartitionType, PartitionValue, Partitioning};
use crate::input::prune::{self, Pruning, TimeColumn};
use crate::report::masking::Masking;
use crate::report::rank;
use crate::report::{Report, SourceInfo};
use crate::rules::quality::Rule;

/// Valid numeric values looked at before the completion scale is inferred.
const SCALE_SAMPLE: usize = 10_000;
/// Share of sampled values within 0..=1 from which a column counts as a fraction.
const FRACTION_SHARE: f64 = 0.95;

/// One input being added: its mapping, where its columns sit, and its scale.
#[derive(Debug)]
pub struct Source {
    info: SourceInfo,
    mapping: Mapping,
    /// File columns to read (partition columns are appended by the engine, not read).
    projection: Vec<usize>,
    /// Constant partition columns appended to every batch, after the file's columns.
    partition_columns: Vec<(PartitionValue, PartitionType)>,
    /// Columns in the file's own schema (partition columns come after them in the mapping).
    file_columns: usize,
    /// Why the whole file is skipped (outside the filter by partition value, or by the time
    /// statistics of every row group), if it is.
    pub(crate) skipped_by: Option<&'static str>,
    /// Bytes this input added to the pruning totals (taken back if it fails unread).
    pub(crate) counted_bytes: u64,
    /// Row groups, bytes and rows this input's pruned row groups added to the counters (taken
    /// back, like `counted_bytes`, if it fails before a row is aggregated).
    pub(crate) skipped: (u64, u64, u64),
    /// Set when a file with the same fingerprint was absorbed before: nothing is read.
    pub(crate) already_loaded: bool,
    pub(crate) fingerprint: Option<Fingerprint>,
    layout: BatchLayout,
    scale: Option<Scale>,
    /// Batches held back until the scale is inferred (at most ~[`SCALE_SAMPLE`] values' worth).
    pending: Vec<RecordBatch>,
    pending_numbers: usize,
    pending_fractions: usize,
    pub(crate) next_row: u64,
    /// The number of this shard's first row of the input (1 unless [`Source::skip_rows`]):
    /// where each key pass starts again.
    start_row: u64,
    /// Rows of the input, once a pass has read it all (multi-pass reads restart `next_row`).
    rows_read: u64,
    /// Remarks found when the input began (ambiguous column names), noted when it finishes.
    notes: Vec<String>,
    /// Whether the aggregator knows this input's layout (from its first aggregated batch, or
    /// when it finishes): an input that fails before any row is aggregated leaves no trace.
    registered: bool,
    /// Parquet row groups (0 for CSV); set by the reader.
    pub row_groups: usize,
    /// What the metadata panel shows about the file; set by the reader.
    pub(crate) file: Option<FileMetadata>,
    /// Per dbt test: the batch column it tests and its name, when this input has it.
    dbt_columns: Vec<Option<(usize, String)>>,
}

impl Source {
    /// File-schema indices of the columns to read, ascending.
    pub fn projection(&self) -> &[usize] {
        &self.projection
    }

    /// The resolved column mapping (over the file's columns followed by its partition columns).
    pub fn mapping(&self) -> &Mapping {
        &self.mapping
    }

    /// Whether nothing of this input will be read: it is outside the filter by partition value
    /// or by the statistics of every row group,
    /// or a file with the same content was absorbed before.
    pub fn is_skipped(&self) -> bool {
        self.skipped_by.is_some() || self.already_loaded
    }

    /// Where a time field's values come from, for row-group pruning; `leaf` maps a file column
    /// to its Parquet leaf and unit when its statistics are usable.
    pub(crate) fn time_column(
        &self,
        field: Field,
        leaf: impl Fn(usize) -> Option<(usize, prune::StatUnit)>,
    ) -> TimeColumn {
        match self.mapping.column(field) {
            None => TimeColumn::Unmapped,
            Some(column) if column < self.file_columns => match leaf(column) {
                Some((leaf, unit)) => TimeColumn::Leaf(leaf, unit),
                None => TimeColumn::Opaque,
            },
            Some(_) => TimeColumn::Opaque,
        }
    }

    /// Whether the completion scale is known, so later batches need not be sampled: row groups
    /// may be skipped only then, or skipping would change which values the scale is inferred from.
    pub(crate) fn scale_known(&self) -> bool {
        self.scale.is_some()
    }

    /// A source for an input refused because its content was absorbed before.
    pub(crate) fn already_loaded(name: &str, format: Format, fingerprint: Fingerprint) -> Source {
        Source {
            info: SourceInfo {
                name: name.to_owned(),
                format: format.name().to_owned(),
                rows: 0,
                row_groups: 0,
                mapping: Vec::new(),
                completion_scale: Scale::Percent,
                scale_inferred: false,
                scale_check: ScaleCheck::default(),
            },
            mapping: Mapping::empty(),
            projection: Vec::new(),
            partition_columns: Vec::new(),
            file_columns: 0,
            skipped_by: None,
            counted_bytes: 0,
            skipped: (0, 0, 0),
            already_loaded: true,
            fingerprint: Some(fingerprint),
            layout: BatchLayout {
                columns: [None; Field::ALL.len()],
                sample_columns: Vec::new(),
                video_key: Field::Video,
                course_key: Field::Course,
                source: u32::MAX,
            },
            scale: Some(Scale::Percent),
            pending: Vec::new(),
            pending_numbers: 0,
            pending_fractions: 0,
            next_row: 1,
            start_row: 1,
            rows_read: 0,
            notes: Vec::new(),
            // Nothing is read from it, so the aggregator has nothing to learn of its layout.
            registered: true,
            row_groups: 0,
            file: None,
            dbt_columns: Vec::new(),
        }
    }

    /// Passes over the input's first `rows` rows: another analysis reads them (a shard that
    /// starts mid-input, see [`Analysis::merge`]), so this one's rows keep the input's numbering.
    pub fn skip_rows(&mut self, rows: u64) {
        self.next_row += rows;
        self.start_row += rows;
    }

    /// Rows added so far (in the longest pass, when the inputs are read in several).
    pub fn rows(&self) -> u64 {
        self.rows_read.max(self.next_row - 1)
    }
}

/// What one input added to the whole-file counters of [`Pruning`].
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct InputCounts {
    /// Its bytes in [`Pruning::bytes`].
    pub(crate) bytes: u64,
    /// Whether it is in [`Pruning::files_skipped`].
    pub(crate) skipped: bool,
}

/// A dataset being analysed. Add inputs, then call [`Analysis::report`].
pub struct Analysis {
    pub(crate) options: Options,
    pub(crate) aggregator: Aggregator,
    pub(crate) sources: Vec<SourceInfo>,
    pub(crate) notes: Vec<String>,
    pub(crate) video_keyed_by_title: bool,
    pub(crate) course_keyed_by_code: bool,
    pub(crate) partitioning: Partitioning,
    pub(crate) pruning: Pruning,
    /// Fingerprints of every input absorbed, so the same content is not counted twice.
    pub(crate) fingerprints: FxHashSet<u128>,
    /// Whether [`Analysis::begin_key_pass`] split the key space.
    pub(crate) read_in_passes: bool,
    /// Metadata of every input read, in the order they finished.
    pub(crate) files: Vec<FileMetadata>,
    /// Counters of the dbt tests in [`Options::dbt`].
    pub(crate) dbt_rules: DbtRules,
    /// What each finished input added to the whole-file counters of [`Pruning`], by name, so
    /// that [`Analysis::merge`] counts an input split between shards once.
    pub(crate) input_counts: rustc_hash::FxHashMap<String, InputCounts>,
}

impl Analysis {
    /// A new, empty analysis.
    pub fn new(options: Options) -> Result<Analysis> {
        options.validate()?;
        Ok(Analysis {
            options,
            aggregator: Aggregator::default(),
            sources: Vec::new(),
            notes: Vec::new(),
            video_keyed_by_title: false,
            course_keyed_by_code: false,
            partitioning: Partitioning::default(),
            pruning: Pruning::default(),
            fingerprints: FxHashSet::default(),
            read_in_passes: false,
            files: Vec::new(),
            dbt_rules: DbtRules::default(),
            input_counts: rustc_hash::FxHashMap::default(),
        })
    }

    /// The options in force.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Changes how many rows the next [`Analysis::report`] lists (top/bottom N, per-course N,
    /// minimum views per video) without reading anything again: these options only shape the
    /// report, the accumulators do not depend on them.
    pub fn set_listing(&mut self, top_n: usize, per_course_n: usize, min_views: u64) -> Result<()> {
        let mut options = self.options.clone();
        options.top_n = top_n;
        options.per_course_n = per_course_n;
        options.min_views = min_views;
        options.validate()?;
        self.options = options;
        Ok(())
    }

    /// Changes the fewest videos a learner needs to be ranked, without reading anything again:
    /// like [`Analysis::set_listing`], it only shapes the report.
    pub fn set_min_videos(&mut self, min_videos: u64) -> Result<()> {
        let mut options = self.options.clone();
        options.min_videos = min_videos;
        options.validate()?;
        self.options = options;
        Ok(())
    }

    /// Shows the report with learner ids, names and e-mail addresses masked (or in clear, with
    /// `None`) from now on. Masking changes presentation only, so a loaded analysis can switch
    /// without reading its inputs again.
    pub fn set_masking(&mut self, masking: Option<Masking>) {
        self.options.masking = masking;
    }

    /// Starts an input with the given arrow schema: resolves the mapping (over the file's columns
    /// and the partition columns its name gives) and decides which columns to read. Batches
    /// given to [`Analysis::add_batch`] must hold exactly the [`Source::projection`] columns, in
    /// that order; the engine appends the partition columns itself.
    pub fn begin_source(&mut self, name: &str, format: Format, schema: &Schema) -> Result<Source> {
        if self.read_in_passes && self.aggregator.key_pass() + 1 == self.aggregator.key_passes() {
            // The last pass has begun: the keys of the earlier ones are gone, so a new input
            // could not be de-duplicated against them.
            return Err(Error::Option(format!(
                "{name}: the dataset was read in {} passes to bound memory; add all its inputs together",
                self.aggregator.key_passes()
            )));
        }
        let source_index = self.aggregator.source_names.len() as u32;
        let source = self.new_source(name, format, schema, source_index)?;
        self.aggregator.source_names.push(name.to_owned());
        self.pruning.files += 1;
        self.pruning.files_skipped += u64::from(source.skipped_by.is_some());
        Ok(source)
    }

    /// An input's mapping, projection and layout, with batches numbered as input
    /// `source_index`; changes nothing in the analysis.
    fn new_source(
        &self,
        name: &str,
        format: Format,
        schema: &Schema,
        source_index: u32,
    ) -> Result<Source> {
        let file_columns = schema.fields().len();
        let partitions = self.extend_with_partitions(name, schema);
        let Extended {
            schema: extended,
            appended,
            ..
        } = &partitions;
        let mut mapping = Mapping::resolve(name, extended, &self.options.overrides)?;
        self.date_partition_as_time(&mut mapping, file_columns, appended);
        check_types(name, extended, &mapping)?;
        // Without an event id, a duplicate is a row equal in every column, so every column is read.
        let mut full_projection = if mapping.column(Field::EventId).is_some() {
            mapping.projection()
        } else {
            (0..extended.fields().len()).collect()
        };
        // Columns a dbt test names are read too.
        let dbt_file_columns: Vec<Option<usize>> =
            self.options
                .dbt
                .iter()
                .flat_map(|schema| &schema.tests)
                .map(|test| {
                    extended.fields().iter().position(|field| {
                        field.name().trim().eq_ignore_ascii_case(test.column.trim())
                    })
                })
                .collect();
        full_projection.extend(dbt_file_columns.iter().flatten());
        full_projection.sort_unstable();
        full_projection.dedup();
        let batch_index = |file_index: usize| {
            full_projection
                .iter()
                .position(|index| *index == file_index)
        };
        let columns = Field::ALL.map(|field| mapping.column(field).and_then(batch_index));
        let dbt_columns = dbt_file_columns
            .iter()
            .map(|column| {
                let column = (*column)?;
                Some((batch_index(column)?, extended.field(column).name().clone()))
            })
            .collect();
        let mut sample_columns: Vec<(usize, String)> = mapping
            .projection()
            .into_iter()
            .filter_map(|index| Some((batch_index(index)?, extended.field(index).name().clone())))
            .collect();
        sample_columns.sort();
        let projection: Vec<usize> = full_projection
            .iter()
            .copied()
            .filter(|index| *index < file_columns)
            .collect();
        let partition_columns = full_projection
            .iter()
            .filter(|index| **index >= file_columns)
            .map(|index| {
                let (_, value, kind) = &appended[index - file_columns];
                (value.clone(), *kind)
            })
            .collect();
        let skipped_by = self.skip_reason(&mapping, file_columns, &partitions);
        let layout = BatchLayout {
            columns,
            sample_columns,
            video_key: mapping.video_key(),
            course_key: mapping.course_key(),
            source: source_index,
        };
        let scale = self.options.scale.or_else(|| mapping.scale_from_name());
        let notes = ambiguous_columns(name, extended, &mapping);
        let info = SourceInfo {
            name: name.to_owned(),
            format: format.name().to_owned(),
            rows: 0,
            row_groups: 0,
            mapping: Field::ALL
                .into_iter()
                .filter_map(|field| {
                    Some((
                        field.name().to_owned(),
                        mapping.column_name(field)?.to_owned(),
                    ))
                })
                .collect(),
            completion_scale: scale.unwrap_or(Scale::Percent),
            scale_inferred: false,
            scale_check: ScaleCheck::default(),
        };
        Ok(Source {
            info,
            mapping,
            projection,
            partition_columns,
            file_columns,
            skipped_by,
            counted_bytes: 0,
            skipped: (0, 0, 0),
            already_loaded: false,
            fingerprint: None,
            layout,
            scale,
            pending: Vec::new(),
            pending_numbers: 0,
            pending_fractions: 0,
            next_row: 1,
            start_row: 1,
            rows_read: 0,
            notes,
            registered: false,
            row_groups: 0,
            file: None,
            dbt_columns,
        })
    }

    /// How many passes over the inputs keep the unique-key table within
    /// [`Options::max_keys_per_pass`] for a dataset of `rows` rows (1 for most datasets).
    pub fn key_passes(&self, rows: u64) -> u32 {
        rows.div_ceil(self.options.max_keys_per_pass)
            .clamp(1, u64::from(u32::MAX)) as u32
    }

    /// Starts pass `pass` (from 0) of `passes` over the same inputs, whose sources were begun
    /// once and stay open until the last pass: each pass reads every row group of every input
    /// again but keeps only the rows whose unique key falls in its share, so every row is
    /// counted once and de-duplication stays exact, with a key table `passes` times smaller.
    /// Call it before the first pass too. The report equals a single pass's, except that
    /// quality samples are the first ones found pass by pass.
    pub fn begin_key_pass(&mut self, pass: u32, passes: u32, sources: &mut [Source]) -> Result<()> {
        if passes == 0 || pass >= passes {
            return Err(Error::Option(format!(
                "pass {pass} of {passes} does not exist"
            )));
        }
        // Batches held back for the scale belong to the pass that read them.
        for source in sources.iter_mut() {
            if source.scale.is_none() && !source.pending.is_empty() {
                self.decide_scale(source)?;
            }
        }
        self.aggregator.flush_keys(self.options.max_samples);
        self.aggregator.begin_key_pass(pass, passes);
        self.read_in_passes |= passes > 1;
        for source in sources.iter_mut() {
            if pass > 0 {
                source.rows_read = source.rows_read.max(source.next_row - 1);
            }
            source.next_row = source.start_row;
        }
        Ok(())
    }

    /// Tells the analysis how many rows are coming, so the unique-key table is sized once
    /// instead of doubling (and rehashing everything) as it fills: on 10M rows the doublings
    /// took most of the time spent in the table and briefly needed both tables in memory.
    pub fn expect_rows(&mut self, rows: u64) {
        self.aggregator.expect_rows(rows);
    }

    /// Tells the aggregator which rules this input's columns make applicable and how it keys
    /// videos and courses; once per input.
    fn register(&mut self, source: &mut Source) {
        if source.registered {
            return;
        }
        source.registered = true;
        self.aggregator
            .register_layout(&source.layout, self.options.now_micros.is_some());
        self.video_keyed_by_title |= source.mapping.video_key() == Field::VideoTitle;
        self.course_keyed_by_code |= source.mapping.course_key() == Field::CourseCode;
    }

    /// Aggregates one batch of an input.
    pub fn add_batch(&mut self, source: &mut Source, batch: RecordBatch) -> Result<()> {
        if source.is_skipped() {
            return Ok(());
        }
        if batch.num_columns() != source.projection.len() {
            return Err(Error::format(
                &source.info.name,
                format!(
                    "batch has {} columns, expected the {} projected ones",
                    batch.num_columns(),
                    source.projection.len()
                ),
            ));
        }
        let batch = with_partitions(&source.info.name, batch, &source.partition_columns)?;
        if source.scale.is_some() {
            return self.aggregate(source, &batch);
        }
        // Scale unknown: look at the values, hold the batch back until enough were seen.
        if let Some(column) = source.layout.columns[Field::Completion as usize] {
            let (mut values, mut statuses) = (Vec::new(), Vec::new());
            decode::decode_completion(batch.column(column).as_ref(), &mut values, &mut statuses)
                .map_err(|error| Error::arrow(&source.info.name, error))?;
            for (value, value_status) in values.iter().zip(&statuses) {
                if *value_status == status::NUMBER {
                    source.pending_numbers += 1;
                    source.pending_fractions += usize::from((0.0..=1.0).contains(value));
                }
            }
        }
        source.pending.push(batch);
        if source.pending_numbers >= SCALE_SAMPLE {
            self.decide_scale(source)?;
        }
        Ok(())
    }

    fn decide_scale(&mut self, source: &mut Source) -> Result<()> {
        let share = if source.pending_numbers == 0 {
            0.0
        } else {
            source.pending_fractions as f64 / source.pending_numbers as f64
        };
        let scale = if source.pending_numbers > 0 && share >= FRACTION_SHARE {
            Scale::Fraction
        } else {
            Scale::Percent
        };
        if scale == Scale::Fraction {
            self.notes.push(format!(
                "{}: completion column '{}' read as a fraction (0-1, multiplied by 100) because {:.1}% of the first {} values lie within 0..1; override with scale=percent",
                source.info.name,
                source.mapping.column_name(Field::Completion).unwrap_or("?"),
                share * 100.0,
                source.pending_numbers
            ));
        }
        source.scale = Some(scale);
        source.info.completion_scale = scale;
        source.info.scale_inferred = true;
        for batch in std::mem::take(&mut source.pending) {
            self.aggregate(source, &batch)?;
        }
        Ok(())
    }

    fn aggregate(&mut self, source: &mut Source, batch: &RecordBatch) -> Result<()> {
        self.register(source);
        let factor = source.scale.unwrap_or(Scale::Percent).factor();
        let settings = BatchSettings {
            scale_factor: factor,
            now_micros: self.options.now_micros,
            max_samples: self.options.max_samples,
            filter: &self.options.filter,
        };
        let scale_check =
            self.aggregator
                .add_batch(&source.layout, batch, source.next_row, &settings)?;
        // Every key pass reads every row: the values are counted in the first.
        if self.aggregator.key_pass() == 0 {
            source.info.scale_check.merge(&scale_check);
        }
        // In a multi-pass read every pass sees every row: the tests count them in the first.
        if let Some(schema) = &self.options.dbt
            && self.aggregator.key_pass() == 0
        {
            let tested = TestedBatch {
                batch,
                layout: &source.layout,
                source_name: &source.info.name,
                first_row: source.next_row,
                in_view: &self.aggregator.in_view,
            };
            self.dbt_rules.add_batch(
                schema,
                &source.dbt_columns,
                &tested,
                self.options.max_samples,
            );
        }
        source.next_row += batch.num_rows() as u64;
        Ok(())
    }

    /// Completes an input: flushes held-back batches and records what was read.
    pub fn finish_source(&mut self, mut source: Source) -> Result<()> {
        if source.already_loaded {
            self.pruning.files_already_loaded += 1;
            self.notes.push(format!(
                "{}: skipped: the same content (fingerprint {}) was already loaded",
                source.info.name,
                source
                    .fingerprint
                    .map(|print| print.to_string())
                    .unwrap_or_default()
            ));
            return Ok(());
        }
        if source.scale.is_none() {
            self.decide_scale(&mut source)?;
        }
        self.aggregator.flush_keys(self.options.max_samples);
        self.register(&mut source);
        self.notes.append(&mut source.notes);
        let name = &source.info.name;
        if source.rows() == 0 {
            self.notes.push(format!(
                "{name}: no data rows: the file has columns but no rows"
            ));
        }
        let mapping = &source.mapping;
        if mapping.column(Field::Role).is_none() {
            self.notes.push(format!(
                "{name}: no role column, so every row counts as a student row"
            ));
        }
        if mapping.column(Field::EventId).is_none() {
            self.notes.push(format!(
                "{name}: no event id column, so duplicates are rows equal in every column"
            ));
        }
        if mapping.column(Field::Course).is_none() && mapping.column(Field::CourseCode).is_none() {
            self.notes.push(format!(
                "{name}: no course column, so there are no per-course rankings"
            ));
        }
        source.info.rows = source.rows();
        source.info.row_groups = source.row_groups;
        self.keep_file_metadata(&mut source);
        self.input_counts.insert(
            source.info.name.clone(),
            InputCounts {
                bytes: source.counted_bytes,
                skipped: source.skipped_by.is_some(),
            },
        );
        self.sources.push(source.info);
        Ok(())
    }

    /// Ends an input that failed at `place` (e.g. "row group 3 of 8") with `error`, and returns
    /// the error for the caller to pass on.
    ///
    /// Batches held back for scale inference are dropped. When no row of the input had been
    /// aggregated, the analysis is left exactly as it was before the input. Otherwise those rows
    /// stay (the accumulators cannot take a whole input back without keeping a copy of them), so
    /// the input is listed with the rows that were read and a note says where reading stopped:
    /// the report still describes exactly what it counts.
    pub fn abandon_source(&mut self, mut source: Source, place: &str, error: Error) -> Error {
        source.pending.clear();
        // Rows counted before the failure wait in the event-id buffers; they are kept.
        self.aggregator.flush_keys(self.options.max_samples);
        if !source.registered {
            // Nothing of it was counted: forget it was begun, so the same file can be tried
            // again (after a network error, say) instead of being refused as already loaded.
            let pruning = &mut self.pruning;
            pruning.files = pruning.files.saturating_sub(1);
            pruning.files_skipped = pruning
                .files_skipped
                .saturating_sub(u64::from(source.skipped_by.is_some()));
            pruning.row_groups = pruning.row_groups.saturating_sub(source.row_groups as u64);
            pruning.bytes = pruning.bytes.saturating_sub(source.counted_bytes);
            let (row_groups, bytes, rows) = source.skipped;
            pruning.row_groups_skipped = pruning.row_groups_skipped.saturating_sub(row_groups);
            pruning.bytes_skipped = pruning.bytes_skipped.saturating_sub(bytes);
            pruning.rows_skipped = pruning.rows_skipped.saturating_sub(rows);
            self.aggregator.filtered_out = self.aggregator.filtered_out.saturating_sub(rows);
            if let Some(fingerprint) = source.fingerprint {
                self.fingerprints.remove(&fingerprint.0);
            }
            return error;
        }
        let rows = source.rows();
        self.notes.push(format!(
            "{}: reading stopped at {place} ({error}); only the {rows} rows before it are counted",
            source.info.name
        ));
        source.info.rows = rows;
        source.info.row_groups = source.row_groups;
        self.keep_file_metadata(&mut source);
        self.input_counts.insert(
            source.info.name.clone(),
            InputCounts {
                bytes: source.counted_bytes,
                skipped: source.skipped_by.is_some(),
            },
        );
        self.sources.push(source.info);
        error
    }

    /// Keeps the metadata of a finished input (a CSV file's rows are known only now).
    fn keep_file_metadata(&mut self, source: &mut Source) {
        if let Some(mut file) = source.file.take() {
            if file.format == Format::Csv.name() {
                file.rows = source.rows();
            }
            // A description from the dbt schema fills in what the file itself does not say.
            let descriptions = self.options.dbt.iter().flat_map(|dbt| &dbt.descriptions);
            for (column_name, description) in descriptions {
                for column in &mut file.columns {
                    if column.description.is_none() && column.name.eq_ignore_ascii_case(column_name)
                    {
                        column.description = Some(description.clone());
                    }
                }
            }
            self.files.push(file);
        }
    }

    /// Every course key seen in the data, before any filter, sorted as the report sorts
    /// courses: what a course picker offers.
    pub fn courses_seen(&self) -> Vec<String> {
        let courses = &self.aggregator.courses;
        let mut ids: Vec<u32> = (0..courses.len() as u32).collect();
        ids.sort_by(|left, right| courses.key(*left).cmp(courses.key(*right)));
        ids.into_iter()
            .map(|id| courses.key(id).to_string())
            .collect()
    }

    /// The first and last day (`YYYY-MM-DD`, UTC) of the rows' times, before any filter; `None`
    /// when the data has no timestamp.
    pub fn date_span(&self) -> Option<(String, String)> {
        let (first, last) = self.aggregator.time_span?;
        let day = |micros: i64| {
            crate::time::format_date(micros.div_euclid(crate::time::MICROS_PER_DAY) as i32)
        };
        Some((day(first), day(last)))
    }

    /// The report over everything added so far.
    pub fn report(&self) -> Report {
        let aggregator = &self.aggregator;
        debug_assert!(
            !aggregator.has_pending_keys(),
            "report() before finish_source(): rows are still waiting for de-duplication"
        );
        let listing = rank::Listing {
            top_n: self.options.top_n,
            per_course_n: self.options.per_course_n,
            min_views: self.options.min_views,
            min_videos: self.options.min_videos,
        };
        let (most_watched_learner, learners_top, learners_bottom, learners) =
            rank::learners(aggregator, &listing);
        let (rows, summary) = rank::summary(aggregator);
        // The scale check judges each input's values as stored, counted as they were read.
        let mut counters = aggregator.quality.clone();
        counters.set_finding(
            Rule::CompletionScale,
            self.sources
                .iter()
                .map(|source| source.scale_check.contradicting(source.completion_scale))
                .fold(0, u64::saturating_add),
            aggregator.quality.applies[Rule::CompletionInRange as usize],
        );
        let quality = counters.evaluate(aggregator.rows_total, &self.options.rules, |rule| {
            let counts = match rule {
                Rule::CompletionScale => return scale_evidence(&self.sources),
                crate::rules::quality::Rule::RoleAcceptedValues => &aggregator.other_roles,
                crate::rules::quality::Rule::RoleClean => &aggregator.dirty_roles,
                _ => return Vec::new(),
            };
            let mut details: Vec<crate::rules::quality::ValueCount> = counts
                .iter()
                .map(|(role, count)| crate::rules::quality::ValueCount {
                    value: (*role != crate::compute::keys::NONE)
                        .then(|| aggregator.roles.key(*role).to_string()),
                    count: *count,
                })
                .collect();
            details.sort_by(|left, right| {
                right
                    .count
                    .cmp(&left.count)
                    .then_with(|| left.value.cmp(&right.value))
            });
            details
        });
        let mut quality = quality;
        let mut notes = self.notes.clone();
        if let Some(schema) = &self.options.dbt {
            quality.dbt = self.dbt_rules.results(schema, aggregator.rows_total);
            quality.dbt_unsupported = schema.unsupported.clone();
            quality.passed &= quality
                .dbt
                .iter()
                .all(|rule| rule.status != crate::rules::quality::Status::Fail);
            if self.dbt_rules.rows_tested < aggregator.rows_total {
                notes.push(format!(
                    "dbt tests ran on the {} rows added in this session; the other {} rows came from a saved state and were not tested",
                    self.dbt_rules.rows_tested,
                    aggregator.rows_total - self.dbt_rules.rows_tested
                ));
            }
        }
        let mut report = Report {
            schema_version: 1,
            pruning: self.pruning,
            sources: self.sources.clone(),
            notes,
            rows,
            summary,
            lists: listing.lists(),
            most_watched_learner,
            learners_top,
            learners_bottom,
            learners,
            videos: rank::videos(aggregator, &listing, self.video_keyed_by_title),
            courses: rank::courses(
                aggregator,
                &listing,
                self.video_keyed_by_title,
                self.course_keyed_by_code,
            ),
            completion_histogram: rank::histogram(aggregator),
            daily: rank::daily(aggregator),
            quality,
            lineage: crate::report::lineage::lineage(aggregator, &self.pruning),
            files: self.files.clone(),
        };
        if let Some(masking) = &self.options.masking {
            // After ranking: ties and order were settled on the real ids.
            let learner_columns: Vec<String> = self
                .sources
                .iter()
                .flat_map(|source| &source.mapping)
                .filter(|(field, _)| field == Field::Student.name())
                .map(|(_, column)| column.clone())
                .collect();
            masking.mask_report(&mut report, &learner_columns);
        }
        report
    }
}

impl std::fmt::Debug for Analysis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analysis")
            .field("sources", &self.sources.len())
            .field("rows", &self.aggregator.rows_total)
            .finish()
    }
}

/// Checks that the completion and time columns have types the engine can read, before any row
/// is: a wrong type is a mapping problem, named with its column. Id columns of any type are
/// keyed by their text form.
fn check_types(name: &str, schema: &Schema, mapping: &Mapping) -> Result<()> {
    use arrow_schema::DataType;
    let value_type = |data_type: &DataType| match data_type {
        DataType::Dictionary(_, values) => values.as_ref().clone(),
        other => other.clone(),
    };
    for field in [Field::Completion, Field::WatchedAt, Field::UpdatedAt] {
        let Some(index) = mapping.column(field) else {
            continue;
        };
        let column = schema.field(index);
        let data_type = value_type(column.data_type());
        let is_text = matches!(
            data_type,
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null
        );
        let (readable, expected) = if field == Field::Completion {
            (
                is_text || data_type.is_numeric(),
                "a number or text such as \"85%\"",
            )
        } else {
            (
                is_text
                    || data_type.is_integer()
                    || matches!(
                        data_type,
                        DataType::Timestamp(_, _) | DataType::Date32 | DataType::Date64
                    ),
                "a timestamp, a date, integer microseconds or ISO 8601 text",
            )
        };
        if !readable {
            return Err(Error::mapping(
                name,
                format!(
                    "column '{}' ({field}) has type {}; expected {expected}",
                    column.name(),
                    column.data_type()
                ),
            ));
        }
    }
    Ok(())
}

/// Notes for mapped columns whose name (as the engine compares names) occurs more than once.
fn ambiguous_columns(name: &str, schema: &Schema, mapping: &Mapping) -> Vec<String> {
    let normalised = |column: &str| {
        column
            .trim()
            .trim_start_matches('\u{feff}')
            .to_ascii_lowercase()
    };
    Field::ALL
        .into_iter()
        .filter_map(|field| {
            let index = mapping.column(field)?;
            let wanted = normalised(schema.field(index).name());
            let same: Vec<String> = schema
                .fields()
                .iter()
                .enumerate()
                .filter(|(_, column)| normalised(column.name()) == wanted)
                .map(|(position, _)| (position + 1).to_string())
                .collect();
            (same.len() > 1).then(|| {
                format!(
                    "{name}: columns {} are all named '{}'; {field} uses column {}",
                    same.join(", "),
                    schema.field(index).name(),
                    index + 1
                )
            })
        })
        .collect()
}

/// Per input whose values contradict its scale, what they are: the scale check's evidence.
fn scale_evidence(sources: &[SourceInfo]) -> Vec<crate::rules::quality::ValueCount> {
    sources
        .iter()
        .filter_map(|source| {
            let check = &source.scale_check;
            let count = check.contradicting(source.completion_scale);
            if count == 0 {
                return None;
            }
            let range = format!(
                "min {}, max {}",
                check.min.unwrap_or(f64::NAN),
                check.max.unwrap_or(f64::NAN)
            );
            let finding = match source.completion_scale {
                Scale::Percent => format!(
                    "{}: all {} values lie within 0..1 ({range}) but are read as percent; switch to scale=fraction",
                    source.name, check.numbers
                ),
                Scale::Fraction => format!(
                    "{}: {} of {} values lie above 1 ({range}) but are read as a fraction; switch to scale=percent",
                    source.name, check.above_one, check.numbers
                ),
            };
            Some(crate::rules::quality::ValueCount {
                value: Some(finding),
                count,
            })
        })
        .collect()
}
