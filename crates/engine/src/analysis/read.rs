//! Driving a read: a Parquet file's row groups and a CSV file's batches into the analysis,
//! with pruning and the counters that go with it.

use std::sync::Arc;

use bytes::Bytes;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::file::reader::ChunkReader;

use crate::analysis::plan::ReadPlan;
use crate::analysis::{Analysis, Source};
use crate::error::{Error, Result};
use crate::input::guard::catch_decoder_panic;
use crate::input::parquet::{
    Fingerprint, Format, MAGIC, ParquetFile, check_csv_text, from_arrow, header_hint,
    sniff_delimiter,
};

impl<R: ChunkReader + Clone + 'static> ParquetFile<R> {
    /// Starts a source for this file in `analysis` (resolves the column mapping). When a file
    /// with the same fingerprint was absorbed before, the source reads nothing and
    /// [`Analysis::finish_source`] notes the refusal.
    pub fn begin(&self, analysis: &mut Analysis) -> Result<Source> {
        self.begin_expecting(analysis, self.num_rows())
    }

    /// [`ParquetFile::begin`], sizing the unique-key table for `rows` of its rows (a share's).
    pub(crate) fn begin_expecting(&self, analysis: &mut Analysis, rows: u64) -> Result<Source> {
        if analysis.has_loaded(self.fingerprint) {
            return Ok(Source::already_loaded(
                &self.name,
                Format::Parquet,
                self.fingerprint,
            ));
        }
        let mut source = analysis.begin_source(&self.name, Format::Parquet, self.schema())?;
        source.row_groups = self.num_row_groups();
        source.file = Some(crate::input::metadata::of_parquet(
            &self.name,
            self.reader.len(),
            self.fingerprint,
            self.metadata.metadata(),
            self.schema(),
        ));
        analysis.absorb(&mut source, self.fingerprint);
        // A file whose every row group lies outside the range by its statistics is skipped
        // whole, so that it counts as a skipped file as one skipped by its date partition does.
        if self.num_row_groups() > 0
            && (0..self.num_row_groups())
                .all(|row_group| self.row_group_skipped(analysis, &source, row_group))
        {
            analysis.skip_whole(&mut source, "statistics");
        }
        let bytes: u64 = (0..self.num_row_groups())
            .map(|row_group| self.source_bytes(&source, row_group))
            .sum();
        analysis.pruning.row_groups += self.num_row_groups() as u64;
        analysis.pruning.bytes += bytes;
        source.counted_bytes = bytes;
        analysis.expect_rows(rows);
        Ok(source)
    }

    /// Compressed bytes of the column chunks `source` reads in one row group.
    fn source_bytes(&self, source: &Source, row_group: usize) -> u64 {
        self.projected_bytes(row_group, source.projection())
    }

    /// The Parquet leaf and statistics unit of a top-level column, when its statistics can bound
    /// the decoded times (a single-leaf timestamp or date column).
    fn time_leaf(&self, column: usize) -> Option<(usize, crate::input::prune::StatUnit)> {
        let schema = self.metadata.metadata().file_metadata().schema_descr();
        let mut leaves =
            (0..schema.num_columns()).filter(|leaf| schema.get_column_root_idx(*leaf) == column);
        let leaf = leaves.next()?;
        if leaves.next().is_some() {
            return None;
        }
        let arrow = self.schema().field(column).data_type();
        Some((
            leaf,
            crate::input::prune::StatUnit::of(&schema.column(leaf), arrow)?,
        ))
    }

    /// Whether one row group can be skipped: its file is skipped whole (by the partition value
    /// that is its rows' time, or by the statistics of every row group), or its time statistics
    /// lie outside the range (see the `prune` module for the rules).
    pub fn row_group_skipped(
        &self,
        analysis: &Analysis,
        source: &Source,
        row_group: usize,
    ) -> bool {
        if source.skipped_by.is_some() {
            return true;
        }
        // Until the scale is inferred every value is sampled, so nothing may be skipped.
        if !analysis.options().prune || !source.scale_known() {
            return false;
        }
        let leaf = |column| self.time_leaf(column);
        crate::input::prune::row_group_outside(
            &analysis.options().filter,
            self.metadata.metadata().row_group(row_group),
            source.time_column(crate::columns::Field::WatchedAt, leaf),
            source.time_column(crate::columns::Field::UpdatedAt, leaf),
        )
    }

    /// Decodes one row group, reading only the mapped columns, and aggregates it; a row group
    /// that pruning skips is not read at all (its rows count as filtered out).
    pub fn read_row_group(
        &self,
        analysis: &mut Analysis,
        source: &mut Source,
        row_group: usize,
    ) -> Result<()> {
        if row_group >= self.num_row_groups() {
            return Err(Error::format(
                &self.name,
                format!(
                    "no row group {row_group}: the file has {}",
                    self.num_row_groups()
                ),
            ));
        }
        if source.already_loaded {
            return Ok(());
        }
        if self.row_group_skipped(analysis, source, row_group) {
            let rows = self
                .metadata
                .metadata()
                .row_group(row_group)
                .num_rows()
                .max(0) as u64;
            let bytes = self.source_bytes(source, row_group);
            analysis.skip_row_group(source, rows, bytes);
            return Ok(());
        }
        let batch_size = self.batch_rows(
            row_group,
            source.projection(),
            analysis.options().batch_size,
        )?;
        let mut reader = self.row_group_reader(source, row_group, batch_size)?;
        let part = row_group_place(row_group, self.num_row_groups());
        // Each batch is decoded inside the boundary and aggregated outside it, so a decoder
        // panic never interrupts the aggregator halfway through a batch.
        while let Some(batch) = catch_decoder_panic(&self.name, "Parquet", || reader.next())? {
            let batch =
                batch.map_err(|error| Error::parquet(&self.name, &part, from_arrow(error)))?;
            analysis.add_batch(source, batch)?;
        }
        Ok(())
    }

    /// A decoder of `source`'s columns in one row group, in batches of `batch_size` rows.
    fn row_group_reader(
        &self,
        source: &Source,
        row_group: usize,
        batch_size: usize,
    ) -> Result<ParquetRecordBatchReader> {
        let part = row_group_place(row_group, self.num_row_groups());
        let parquet_schema = self.metadata.metadata().file_metadata().schema_descr();
        let mask = ProjectionMask::roots(parquet_schema, source.projection().iter().copied());
        catch_decoder_panic(&self.name, "Parquet", || {
            ParquetRecordBatchReaderBuilder::new_with_metadata(
                self.reader.clone(),
                self.metadata.clone(),
            )
            .with_projection(mask)
            .with_row_groups(vec![row_group])
            .with_batch_size(batch_size)
            .build()
        })?
        .map_err(|error| Error::parquet(&self.name, &part, error))
    }

    /// Reads again the row groups of this file that hold rows [`Analysis::rows_to_read`]
    /// lists, completing those samples (see [`Analysis::merge`]); counts nothing.
    pub fn reread(&self, analysis: &mut Analysis) -> Result<()> {
        let rows: Vec<u64> = analysis
            .rows_to_read()
            .into_iter()
            .filter(|(name, _)| *name == self.name)
            .map(|(_, row)| row)
            .collect();
        if rows.is_empty() {
            return Ok(());
        }
        let mut source = analysis.begin_reread(&self.name, Format::Parquet, self.schema())?;
        let mut first_row = 1;
        for row_group in 0..self.num_row_groups() {
            let group_rows = self.row_group_rows(row_group);
            let held = first_row..first_row + group_rows;
            first_row += group_rows;
            if !rows.iter().any(|row| held.contains(row)) {
                continue;
            }
            source.next_row = held.start;
            let batch_size = self.batch_rows(
                row_group,
                source.projection(),
                analysis.options().batch_size,
            )?;
            let mut reader = self.row_group_reader(&source, row_group, batch_size)?;
            let part = row_group_place(row_group, self.num_row_groups());
            while let Some(batch) = catch_decoder_panic(&self.name, "Parquet", || reader.next())? {
                let batch =
                    batch.map_err(|error| Error::parquet(&self.name, &part, from_arrow(error)))?;
                analysis.reread(&mut source, batch)?;
            }
        }
        Ok(())
    }
}

/// "row group 3 of 8", for messages.
fn row_group_place(row_group: usize, row_groups: usize) -> String {
    format!("row group {} of {row_groups}", row_group + 1)
}

impl Analysis {
    /// Reads a whole Parquet input and adds it to the analysis.
    pub fn add_parquet<R: ChunkReader + Clone + 'static>(
        &mut self,
        name: &str,
        reader: R,
    ) -> Result<()> {
        self.add_parquet_files(&[ParquetFile::open(name, reader)?])
    }

    /// Reads opened Parquet inputs whole, in as many passes as [`Analysis::key_passes`] asks
    /// for their rows (see [`Analysis::begin_key_pass`]).
    pub fn add_parquet_files<R: ChunkReader + Clone + 'static>(
        &mut self,
        files: &[ParquetFile<R>],
    ) -> Result<()> {
        let mut plan = ReadPlan::for_rows(self, files.iter().map(ParquetFile::num_rows).sum());
        for file in files {
            plan.begin_file(self, file)?;
        }
        while let Some(step) = plan.next_step(self)? {
            plan.read(self, &files[step.file], step)?;
        }
        plan.finish(self)
    }

    /// Reads a whole CSV input (header row; types inferred over all rows) and adds it. An input
    /// whose fingerprint was absorbed before is refused with a note; one outside the filter by
    /// partition value is only counted, not decoded.
    pub fn add_csv(&mut self, name: &str, bytes: &[u8]) -> Result<()> {
        let fingerprint = Fingerprint::of_bytes(bytes);
        if self.has_loaded(fingerprint) {
            return self.finish_source(Source::already_loaded(name, Format::Csv, fingerprint));
        }
        let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(Error::format(
                name,
                "file is empty; expected CSV with a header row",
            ));
        }
        if bytes.starts_with(MAGIC) {
            return Err(Error::format(
                name,
                "this is a Parquet file, not CSV; name it .parquet",
            ));
        }
        check_csv_text(name, bytes)?;
        let delimiter = sniff_delimiter(bytes);
        // The mapping depends on the column names only, so it is resolved from the header, and a
        // file outside the filter is skipped before its values are parsed.
        let header_schema = arrow_schema::Schema::new(
            crate::input::csv::header(name, bytes, delimiter)?
                .into_iter()
                .map(|column| arrow_schema::Field::new(column, arrow_schema::DataType::Utf8, true))
                .collect::<Vec<_>>(),
        );
        let mut source = self
            .begin_source(name, Format::Csv, &header_schema)
            .map_err(|error| header_hint(error, &header_schema))?;
        self.absorb(&mut source, fingerprint);
        source.file = Some(crate::input::metadata::of_csv(
            name,
            bytes.len() as u64,
            fingerprint,
            0,
            &header_schema,
        ));
        self.pruning.bytes += bytes.len() as u64;
        source.counted_bytes = bytes.len() as u64;
        if source.skipped_by.is_some() {
            let rows = crate::input::csv::count_records(bytes, delimiter);
            self.skip_row_group(&mut source, rows, bytes.len() as u64);
            return self.finish_source(source);
        }
        let batch_size = self.options().batch_size;
        // The whole file is parsed before anything is aggregated: a failure here leaves the
        // analysis as it was.
        let table = catch_decoder_panic(name, "CSV", || {
            crate::input::csv::read(name, bytes, delimiter, batch_size)
        })??;
        // The completion column is always read as text and parsed by the engine, which flags an
        // unparseable value (e.g. "85 pct") instead of failing the file.
        let completion = source
            .mapping()
            .column(crate::columns::Field::Completion)
            .filter(|index| *index < table.schema.fields().len());
        let fields: Vec<arrow_schema::FieldRef> = table
            .schema
            .fields()
            .iter()
            .enumerate()
            .map(|(index, field)| {
                if Some(index) == completion {
                    Arc::new(
                        field
                            .as_ref()
                            .clone()
                            .with_data_type(arrow_schema::DataType::Utf8),
                    )
                } else {
                    field.clone()
                }
            })
            .collect();
        let schema = Arc::new(arrow_schema::Schema::new(fields));
        let projection = source.projection().to_vec();
        let n_batches = table.batches.len();
        for (index, batch) in table.batches.into_iter().enumerate() {
            let mut columns = batch.columns().to_vec();
            if let Some(index) = completion {
                columns[index] = crate::input::csv::as_text(&columns[index]);
            }
            let added = arrow_array::RecordBatch::try_new(schema.clone(), columns)
                .and_then(|batch| batch.project(&projection))
                .map_err(|error| Error::arrow(name, error))
                .and_then(|batch| self.add_batch(&mut source, batch));
            if let Err(error) = added {
                let place = format!("batch {} of {n_batches}", index + 1);
                return Err(self.abandon_source(source, &place, error));
            }
        }
        self.finish_source(source)
    }

    /// Adds an input held in memory, in the given format or, when `None`, the sniffed one.
    pub fn add_bytes(&mut self, name: &str, bytes: Bytes, format: Option<Format>) -> Result<()> {
        match format.unwrap_or_else(|| Format::sniff(&bytes)) {
            Format::Parquet => self.add_parquet(name, bytes),
            Format::Csv => self.add_csv(name, &bytes),
        }
    }
}
