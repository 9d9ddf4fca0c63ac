//! Inputs: Parquet (whole, or one row group at a time from any `ChunkReader`) and CSV, both
//! decoded by the arrow-rs crates and projected to the mapped columns.

use std::sync::Arc;

use arrow_schema::SchemaRef;
use bytes::Bytes;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::file::reader::ChunkReader;

use crate::analysis::{Analysis, Source};
use crate::error::{Error, Result};

const MAGIC: &[u8; 4] = b"PAR1";

/// The two input formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Apache Parquet.
    Parquet,
    /// Comma- (or semicolon-, tab-, pipe-) separated text with a header row.
    Csv,
}

impl Format {
    /// The format a file name implies (`.parquet`/`.pq`, `.csv`/`.tsv`/`.txt`), if any.
    pub fn from_name(name: &str) -> Option<Format> {
        let extension = name.rsplit_once('.')?.1.to_ascii_lowercase();
        match extension.as_str() {
            "parquet" | "pq" | "parq" => Some(Format::Parquet),
            "csv" | "tsv" | "txt" => Some(Format::Csv),
            _ => None,
        }
    }

    /// Guesses the format from the first bytes: Parquet starts with `PAR1`, anything else is
    /// treated as CSV text.
    pub fn sniff(head: &[u8]) -> Format {
        if head.starts_with(MAGIC) {
            Format::Parquet
        } else {
            Format::Csv
        }
    }

    /// `parquet` or `csv`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Csv => "csv",
        }
    }
}

/// Describes what the first bytes of a non-Parquet file look like, for error messages.
fn describe_content(head: &[u8]) -> String {
    let text: String = String::from_utf8_lossy(head).chars().take(40).collect();
    let printable = !text.is_empty() && text.chars().all(|c| !c.is_control() || c.is_whitespace());
    if printable && text.contains([',', ';', '\t']) {
        format!(
            "it starts with {:?}, which looks like CSV text; name it .csv (or pass --format csv)",
            text.trim()
        )
    } else if printable {
        format!("it starts with {:?}", text.trim())
    } else {
        "it is binary data of another kind".to_owned()
    }
}

/// A Parquet file opened for reading: footer parsed, schema known, row groups readable one at a
/// time. The reader is any [`ChunkReader`] (`Bytes`, or the browser's `File` via a shim), so
/// only the column chunks of the current row group are ever held.
pub struct ParquetFile<R> {
    name: String,
    reader: R,
    metadata: ArrowReaderMetadata,
}

impl<R: ChunkReader + Clone + 'static> ParquetFile<R> {
    /// Checks the magic bytes and reads the footer.
    pub fn open(name: &str, reader: R) -> Result<Self> {
        let length = reader.len();
        if length == 0 {
            return Err(Error::format(
                name,
                "file is empty (0 bytes); expected a Parquet file",
            ));
        }
        let head_length = length.min(64) as usize;
        let head = reader
            .get_bytes(0, head_length)
            .map_err(|error| Error::parquet(name, error))?;
        if !head.starts_with(MAGIC) {
            return Err(Error::format(
                name,
                format!(
                    "not a Parquet file (no PAR1 magic bytes at the start): {}",
                    describe_content(&head)
                ),
            ));
        }
        if length < 12 {
            return Err(Error::format(
                name,
                format!("file is truncated: {length} bytes is too short for Parquet"),
            ));
        }
        let tail = reader
            .get_bytes(length - 4, 4)
            .map_err(|error| Error::parquet(name, error))?;
        if tail.as_ref() != MAGIC {
            return Err(Error::format(
                name,
                format!(
                    "file is truncated or corrupt: no PAR1 magic bytes at the end ({length} bytes)"
                ),
            ));
        }
        let metadata = ArrowReaderMetadata::load(&reader, ArrowReaderOptions::new())
            .map_err(|error| Error::parquet(name, error))?;
        // Text columns are read as dictionaries: ids repeat, so each distinct value is hashed and
        // interned once per page instead of once per row.
        let hint = dictionary_hint(metadata.schema());
        let metadata = if hint.fields() == metadata.schema().fields() {
            metadata
        } else {
            ArrowReaderMetadata::try_new(
                metadata.metadata().clone(),
                ArrowReaderOptions::new().with_schema(hint),
            )
            .map_err(|error| Error::parquet(name, error))?
        };
        Ok(ParquetFile {
            name: name.to_owned(),
            reader,
            metadata,
        })
    }

    /// The file's arrow schema.
    pub fn schema(&self) -> &SchemaRef {
        self.metadata.schema()
    }

    /// Number of row groups.
    pub fn num_row_groups(&self) -> usize {
        self.metadata.metadata().num_row_groups()
    }

    /// Rows in all row groups.
    pub fn num_rows(&self) -> u64 {
        self.metadata.metadata().file_metadata().num_rows().max(0) as u64
    }

    /// Compressed bytes of one row group (for progress in bytes).
    pub fn row_group_bytes(&self, row_group: usize) -> u64 {
        self.metadata
            .metadata()
            .row_group(row_group)
            .compressed_size()
            .max(0) as u64
    }

    /// Starts a source for this file in `analysis` (resolves the column mapping).
    pub fn begin(&self, analysis: &mut Analysis) -> Result<Source> {
        let mut source = analysis.begin_source(&self.name, Format::Parquet, self.schema())?;
        source.row_groups = self.num_row_groups();
        Ok(source)
    }

    /// Decodes one row group, reading only the mapped columns, and aggregates it.
    pub fn read_row_group(
        &self,
        analysis: &mut Analysis,
        source: &mut Source,
        row_group: usize,
    ) -> Result<()> {
        let parquet_schema = self.metadata.metadata().file_metadata().schema_descr();
        let mask = ProjectionMask::roots(parquet_schema, source.projection().iter().copied());
        let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(
            self.reader.clone(),
            self.metadata.clone(),
        )
        .with_projection(mask)
        .with_row_groups(vec![row_group])
        .with_batch_size(analysis.options().batch_size)
        .build()
        .map_err(|error| Error::parquet(&self.name, error))?;
        for batch in reader {
            let batch = batch.map_err(|error| Error::arrow(&self.name, error))?;
            analysis.add_batch(source, batch)?;
        }
        Ok(())
    }
}

impl Analysis {
    /// Reads a whole Parquet input and adds it to the analysis.
    pub fn add_parquet<R: ChunkReader + Clone + 'static>(
        &mut self,
        name: &str,
        reader: R,
    ) -> Result<()> {
        let file = ParquetFile::open(name, reader)?;
        let mut source = file.begin(self)?;
        for row_group in 0..file.num_row_groups() {
            file.read_row_group(self, &mut source, row_group)?;
        }
        self.finish_source(source)
    }

    /// Reads a whole CSV input (header row; types inferred over all rows) and adds it.
    pub fn add_csv(&mut self, name: &str, bytes: &[u8]) -> Result<()> {
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
        let delimiter = sniff_delimiter(bytes);
        let table = crate::csv::read(name, bytes, delimiter, self.options().batch_size)?;
        // The completion column is always read as text and parsed by the engine, which flags an
        // unparseable value (e.g. "85 pct") instead of failing the file.
        let mapping =
            crate::columns::Mapping::resolve(name, &table.schema, &self.options().overrides)?;
        let completion = mapping.column(crate::columns::Field::Completion);
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
        let mut source = self.begin_source(name, Format::Csv, &schema)?;
        let projection = source.projection().to_vec();
        for batch in table.batches {
            let mut columns = batch.columns().to_vec();
            if let Some(index) = completion {
                columns[index] = crate::csv::as_text(&columns[index]);
            }
            let batch = arrow_array::RecordBatch::try_new(schema.clone(), columns)
                .and_then(|batch| batch.project(&projection))
                .map_err(|error| Error::arrow(name, error))?;
            self.add_batch(&mut source, batch)?;
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

/// The column names in a CSV header (the first line; BOM, quotes and the delimiter handled as
/// [`Analysis::add_csv`] does), for a column-mapping screen.
pub fn csv_columns(bytes: &[u8]) -> Result<Vec<String>> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    crate::csv::header("CSV header", bytes, sniff_delimiter(bytes))
}

/// `schema` with its top-level UTF-8 columns as `Dictionary(Int32, Utf8)`.
fn dictionary_hint(schema: &SchemaRef) -> SchemaRef {
    use arrow_schema::DataType;
    let fields: Vec<arrow_schema::FieldRef> = schema
        .fields()
        .iter()
        .map(|field| match field.data_type() {
            DataType::Utf8 | DataType::LargeUtf8 => {
                Arc::new(field.as_ref().clone().with_data_type(DataType::Dictionary(
                    Box::new(DataType::Int32),
                    Box::new(field.data_type().clone()),
                )))
            }
            _ => field.clone(),
        })
        .collect();
    Arc::new(arrow_schema::Schema::new_with_metadata(
        fields,
        schema.metadata().clone(),
    ))
}

/// Picks the delimiter that occurs most in the header line (comma when none does).
fn sniff_delimiter(bytes: &[u8]) -> u8 {
    let header = bytes
        .split(|byte| *byte == b'\n')
        .next()
        .unwrap_or_default();
    [b',', b';', b'\t', b'|']
        .into_iter()
        .map(|delimiter| {
            (
                header.iter().filter(|byte| **byte == delimiter).count(),
                delimiter,
            )
        })
        .filter(|(count, _)| *count > 0)
        .max_by_key(|(count, delimiter)| (*count, *delimiter == b','))
        .map_or(b',', |(_, delimiter)| delimiter)
}

impl<R: ChunkReader> std::fmt::Debug for ParquetFile<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParquetFile")
            .field("name", &self.name)
            .field("bytes", &self.reader.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_from_names_and_bytes() {
        assert_eq!(Format::from_name("a/b.PARQUET"), Some(Format::Parquet));
        assert_eq!(Format::from_name("seed.csv"), Some(Format::Csv));
        assert_eq!(Format::from_name("noext"), None);
        assert_eq!(Format::sniff(b"PAR1...."), Format::Parquet);
        assert_eq!(Format::sniff(b"student_id,"), Format::Csv);
    }

    #[test]
    fn delimiters_are_sniffed_from_the_header() {
        assert_eq!(sniff_delimiter(b"a;b;c\n1;2;3"), b';');
        assert_eq!(sniff_delimiter(b"a\tb\n"), b'\t');
        assert_eq!(sniff_delimiter(b"a,b\n"), b',');
        assert_eq!(sniff_delimiter(b"single\n"), b',');
    }

    #[test]
    fn csv_columns_come_from_the_header_line() {
        let columns = csv_columns(b"\xef\xbb\xbfid;\"learner id\";pct\r\n1;2;3\n").unwrap();
        assert_eq!(columns, ["id", "learner id", "pct"]);
        assert_eq!(csv_columns(b"a,b").unwrap(), ["a", "b"]);
    }
}
