//! The extracts being written: rows are buffered per value and written through at most
//! [`MAX_OPEN_WRITERS`] open Parquet writers, so 2,000 courses need neither 2,000 open files
//! nor 2,000 row groups in memory.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;

use crate::shown;

/// Parquet writers open at once (each holds a file and a row group in progress).
pub const MAX_OPEN_WRITERS: usize = 64;
/// Bytes of buffered rows and row groups in progress before the largest is written out.
pub const BUFFER_BUDGET: usize = 256 * 1024 * 1024;

/// One value's extract, finished.
#[derive(Debug)]
pub struct Finished {
    /// The value as the extract shows it (a pseudonym when masked).
    pub shown: Option<String>,
    /// The folder, inside the staging folder, holding its part files.
    pub folder: PathBuf,
    /// Its part files' names, in order.
    pub parts: Vec<String>,
    pub rows: u64,
}

struct Extract {
    shown: Option<String>,
    folder: PathBuf,
    buffer: Vec<RecordBatch>,
    buffer_bytes: usize,
    writer: Option<ArrowWriter<File>>,
    parts: Vec<String>,
    rows: u64,
    /// When its writer was last used, for closing the least recently used one.
    last_used: u64,
}

/// Every extract of one split.
pub struct Writers {
    staging: PathBuf,
    schema: SchemaRef,
    properties: WriterProperties,
    budget: usize,
    max_open: usize,
    extracts: Vec<Extract>,
    by_key: BTreeMap<Option<String>, usize>,
    buffered: usize,
    /// The extracts whose writer is open, at most `max_open`.
    open: Vec<usize>,
    clock: u64,
}

impl Writers {
    /// Writers into `staging/v<N>/part-<M>.parquet`.
    pub fn new(
        staging: &Path,
        schema: SchemaRef,
        properties: WriterProperties,
        budget: usize,
        max_open: usize,
    ) -> Writers {
        Writers {
            staging: staging.to_path_buf(),
            schema,
            properties,
            budget,
            max_open: max_open.max(1),
            extracts: Vec::new(),
            by_key: BTreeMap::new(),
            buffered: 0,
            open: Vec::new(),
            clock: 0,
        }
    }

    /// Adds `rows` (already masked) to the extract of `key`; `shown` names a new one.
    pub fn push(
        &mut self,
        key: &Option<String>,
        shown: impl FnOnce() -> Option<String>,
        rows: RecordBatch,
    ) -> Result<()> {
        let index = match self.by_key.get(key) {
            Some(index) => *index,
            None => {
                let index = self.extracts.len();
                self.extracts.push(Extract {
                    shown: shown(),
                    folder: self.staging.join(format!("v{index}")),
                    buffer: Vec::new(),
                    buffer_bytes: 0,
                    writer: None,
                    parts: Vec::new(),
                    rows: 0,
                    last_used: 0,
                });
                self.by_key.insert(key.clone(), index);
                index
            }
        };
        self.clock += 1;
        let extract = &mut self.extracts[index];
        extract.rows += rows.num_rows() as u64;
        extract.last_used = self.clock;
        if let Some(writer) = &mut extract.writer {
            writer
                .write(&rows)
                .with_context(|| format!("writing {}", shown::path(&extract.folder)))?;
        } else {
            let bytes = rows.get_array_memory_size();
            extract.buffer_bytes += bytes;
            self.buffered += bytes;
            extract.buffer.push(rows);
        }
        self.keep_within_budget()
    }

    /// The number of writers open now.
    #[cfg(test)]
    pub fn open_writers(&self) -> usize {
        self.open.len()
    }

    /// Writes out the largest buffer or row group in progress until all fit the budget.
    fn keep_within_budget(&mut self) -> Result<()> {
        loop {
            let in_progress: usize = self
                .open
                .iter()
                .filter_map(|index| self.extracts[*index].writer.as_ref())
                .map(ArrowWriter::in_progress_size)
                .sum();
            if self.buffered + in_progress <= self.budget {
                return Ok(());
            }
            let Some((index, _)) = self
                .extracts
                .iter()
                .enumerate()
                .map(|(index, extract)| {
                    let in_progress = extract
                        .writer
                        .as_ref()
                        .map_or(0, ArrowWriter::in_progress_size);
                    (index, extract.buffer_bytes.max(in_progress))
                })
                .max_by_key(|(_, bytes)| *bytes)
            else {
                return Ok(());
            };
            let extract = &mut self.extracts[index];
            if extract.buffer.is_empty() {
                let Some(writer) = &mut extract.writer else {
                    return Ok(());
                };
                let before = writer.in_progress_size();
                writer
                    .flush()
                    .with_context(|| format!("writing {}", shown::path(&extract.folder)))?;
                if writer.in_progress_size() >= before {
                    // Nothing more can be written out now.
                    return Ok(());
                }
            } else {
                self.write_buffer(index)?;
            }
        }
    }

    /// Writes the buffered rows of one extract through its writer, opening one if needed.
    fn write_buffer(&mut self, index: usize) -> Result<()> {
        if self.extracts[index].writer.is_none() {
            self.open_writer(index)?;
        }
        let extract = &mut self.extracts[index];
        let buffer = std::mem::take(&mut extract.buffer);
        self.buffered -= extract.buffer_bytes;
        extract.buffer_bytes = 0;
        if let Some(writer) = &mut extract.writer {
            for rows in &buffer {
                writer
                    .write(rows)
                    .with_context(|| format!("writing {}", shown::path(&extract.folder)))?;
            }
        }
        Ok(())
    }

    /// Opens the next part file of one extract, closing the least recently used writer first
    /// when [`MAX_OPEN_WRITERS`] are open (its value continues in a new part file later).
    fn open_writer(&mut self, index: usize) -> Result<()> {
        if self.open.len() >= self.max_open
            && let Some(oldest) = self
                .open
                .iter()
                .copied()
                .min_by_key(|index| self.extracts[*index].last_used)
        {
            self.close_writer(oldest)?;
        }
        let extract = &mut self.extracts[index];
        std::fs::create_dir_all(&extract.folder)
            .with_context(|| format!("cannot create {}", shown::path(&extract.folder)))?;
        let part = format!("part-{}.parquet", extract.parts.len());
        let path = extract.folder.join(&part);
        let file = File::create_new(&path)
            .with_context(|| format!("cannot create {}", shown::path(&path)))?;
        let writer = ArrowWriter::try_new(file, self.schema.clone(), Some(self.properties.clone()))
            .with_context(|| format!("cannot start {}", shown::path(&path)))?;
        extract.writer = Some(writer);
        extract.parts.push(part);
        self.open.push(index);
        Ok(())
    }

    fn close_writer(&mut self, index: usize) -> Result<()> {
        let extract = &mut self.extracts[index];
        if let Some(writer) = extract.writer.take() {
            self.open.retain(|open| *open != index);
            // Not synced one by one: 2,000 fsyncs cost more than the split. The output appears
            // whole or not at all when the process fails; after a power loss, run it again.
            writer
                .close()
                .with_context(|| format!("finishing {}", shown::path(&extract.folder)))?;
        }
        Ok(())
    }

    /// Writes everything still buffered and closes every writer.
    pub fn finish(mut self) -> Result<Vec<Finished>> {
        // No more rows come: each extract is written out and closed in turn.
        for index in 0..self.extracts.len() {
            if !self.extracts[index].buffer.is_empty() {
                self.write_buffer(index)?;
            }
            self.close_writer(index)?;
        }
        Ok(self
            .extracts
            .into_iter()
            .map(|extract| Finished {
                shown: extract.shown,
                folder: extract.folder,
                parts: extract.parts,
                rows: extract.rows,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{Array, Int64Array};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    use super::*;

    #[test]
    fn many_values_use_few_writers_and_lose_no_row() {
        let dir = tempfile::tempdir().unwrap();
        let schema = Arc::new(arrow_schema::Schema::new(vec![arrow_schema::Field::new(
            "row",
            arrow_schema::DataType::Int64,
            false,
        )]));
        // A budget of one byte writes every push through; 4 writers for 50 interleaved values.
        let mut writers = Writers::new(
            dir.path(),
            schema.clone(),
            WriterProperties::builder().build(),
            1,
            4,
        );
        let values = 50;
        for row in 0..1000i64 {
            let key = Some(format!("value-{}", row % values));
            let batch =
                RecordBatch::try_new(schema.clone(), vec![Arc::new(Int64Array::from(vec![row]))])
                    .unwrap();
            writers.push(&key, || key.clone(), batch).unwrap();
            assert!(writers.open_writers() <= 4);
        }
        let finished = writers.finish().unwrap();
        assert_eq!(finished.len(), values as usize);
        let mut seen = Vec::new();
        for extract in &finished {
            let mut rows = 0;
            for part in &extract.parts {
                let file = File::open(extract.folder.join(part)).unwrap();
                for batch in ParquetRecordBatchReaderBuilder::try_new(file)
                    .unwrap()
                    .build()
                    .unwrap()
                {
                    let batch = batch.unwrap();
                    let column = batch
                        .column(0)
                        .as_any()
                        .downcast_ref::<Int64Array>()
                        .unwrap();
                    rows += column.len() as u64;
                    for row in column.values() {
                        assert_eq!(
                            Some(format!("value-{}", row % values)),
                            extract.shown,
                            "a row in another value's extract"
                        );
                        seen.push(*row);
                    }
                }
            }
            assert_eq!(rows, extract.rows);
        }
        seen.sort_unstable();
        assert_eq!(seen, (0..1000).collect::<Vec<_>>());
    }
}
