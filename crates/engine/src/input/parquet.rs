//! Inputs: Parquet (whole, or one row group at a time from any `ChunkReader`) and CSV, both
//! decoded by the arrow-rs crates and projected to the mapped columns.

use std::ops::Range;
use std::sync::Arc;

use arrow_schema::SchemaRef;
use bytes::Bytes;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions};
use parquet::file::metadata::ColumnChunkMetaData;
use parquet::file::reader::ChunkReader;

use crate::error::{Error, Result};
use crate::input::guard::catch_decoder_panic;

pub(crate) const MAGIC: &[u8; 4] = b"PAR1";

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

/// A cheap, stable identity of an input's content, to recognise a file already loaded whatever
/// its name: xxh3-128 of the Parquet footer (metadata and its length) plus the file length, or of
/// a CSV file's whole bytes plus its length. The footer holds every column chunk's offset, size
/// and statistics, so two Parquet files with equal footers and lengths hold the same data unless
/// a rewrite kept every size and statistic identical.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint(pub u128);

impl Fingerprint {
    /// The fingerprint of a CSV input (or of any bytes held whole).
    pub fn of_bytes(bytes: &[u8]) -> Fingerprint {
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        hasher.update(b"csv");
        hasher.update(bytes);
        hasher.update(&(bytes.len() as u64).to_le_bytes());
        Fingerprint(hasher.digest128())
    }

    /// The fingerprint of a Parquet input: reads only its last bytes (the footer).
    pub fn of_parquet<R: ChunkReader>(name: &str, reader: &R) -> Result<Fingerprint> {
        let length = reader.len();
        let tail = parquet_tail(name, reader)?;
        let footer_length = u64::from(u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]));
        if footer_length + 8 > length {
            return Err(Error::format(
                name,
                format!(
                    "file is corrupt: its footer claims {footer_length} bytes of a {length}-byte file"
                ),
            ));
        }
        let footer = reader
            .get_bytes(length - 8 - footer_length, footer_length as usize + 8)
            .map_err(|error| Error::parquet(name, "footer", error))?;
        Ok(Fingerprint::of_footer(&footer, length))
    }

    /// The fingerprint of a Parquet file of `length` bytes from its footer: the file metadata
    /// and the 8 bytes after it (its length and the closing magic).
    fn of_footer(footer_and_tail: &[u8], length: u64) -> Fingerprint {
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        hasher.update(b"parquet");
        hasher.update(footer_and_tail);
        hasher.update(&length.to_le_bytes());
        Fingerprint(hasher.digest128())
    }
}

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

impl std::str::FromStr for Fingerprint {
    type Err = std::num::ParseIntError;

    fn from_str(text: &str) -> std::result::Result<Self, Self::Err> {
        u128::from_str_radix(text, 16).map(Fingerprint)
    }
}

/// Describes what the first bytes of a non-Parquet file look like, for error messages.
fn describe_content(head: &[u8]) -> String {
    if let Some(kind) = known_kind(head) {
        return format!("it is {kind}");
    }
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
        format!(
            "it is binary data of another kind (it starts with bytes {})",
            hex(&head[..head.len().min(8)])
        )
    }
}

/// Recognises files people mistake for Parquet or CSV by their first bytes.
pub(crate) fn known_kind(head: &[u8]) -> Option<&'static str> {
    const KINDS: &[(&[u8], &str)] = &[
        (
            b"PARE",
            "an encrypted Parquet file (PARE magic bytes), which CoursePulse cannot read; export it without encryption",
        ),
        (
            b"PK\x03\x04",
            "a ZIP archive (an Excel .xlsx workbook is one); unzip it, or export the sheet as CSV",
        ),
        (
            b"\xd0\xcf\x11\xe0",
            "an old Excel .xls workbook (OLE2); export the sheet as CSV",
        ),
        (
            b"\x1f\x8b",
            "gzip-compressed data; decompress it first (gunzip)",
        ),
        (
            b"\x28\xb5\x2f\xfd",
            "zstd-compressed data; decompress it first (unzstd)",
        ),
        (
            b"BZh",
            "bzip2-compressed data; decompress it first (bunzip2)",
        ),
        (
            b"\xff\xfe",
            "UTF-16 text (little-endian BOM); save it as UTF-8",
        ),
        (
            b"\xfe\xff",
            "UTF-16 text (big-endian BOM); save it as UTF-8",
        ),
        (
            b"ORC",
            "an ORC file, not Parquet; convert it to Parquet or CSV",
        ),
        (
            b"Obj\x01",
            "an Avro file, not Parquet; convert it to Parquet or CSV",
        ),
        (
            b"ARROW1",
            "an Arrow IPC (Feather) file, not Parquet; convert it to Parquet or CSV",
        ),
        (
            b"SQLite format 3\0",
            "an SQLite database; export the table as CSV",
        ),
        (b"%PDF", "a PDF document"),
        (b"\x89PNG", "a PNG image"),
    ];
    KINDS
        .iter()
        .find(|(magic, _)| head.starts_with(magic))
        .map(|(_, kind)| *kind)
}

/// `50 41 52 32`
fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `"PAR2"` when the bytes are printable text, else their hex.
fn show_bytes(bytes: &[u8]) -> String {
    if bytes.iter().all(|byte| byte.is_ascii_graphic()) {
        format!("{:?}", String::from_utf8_lossy(bytes))
    } else {
        format!("bytes {}", hex(bytes))
    }
}

/// A Parquet file's last 8 bytes (the metadata length and the closing magic), or the error for
/// a file too short to have them.
fn parquet_tail<R: ChunkReader>(name: &str, reader: &R) -> Result<Bytes> {
    let length = reader.len();
    if length < 12 {
        return Err(Error::format(
            name,
            format!("file is truncated: {length} bytes is too short for Parquet"),
        ));
    }
    reader
        .get_bytes(length - 8, 8)
        .map_err(|error| Error::parquet(name, "footer", error))
}

/// Decoded bytes one batch may hold (the projected columns, as the footer declares them
/// uncompressed): rows per batch shrink for wide values, so memory follows bytes, not rows.
pub(crate) const BATCH_BYTES: u64 = 64 << 20;
/// The largest average value a projected column may declare. Ids, completions, times, roles and
/// titles are short; a column of 64 KB values is a decompression bomb, not a watch log (a 5 KB
/// DuckDB file of 1,984 rows of 1 MB values took 2 GB to decode: its pages are whole).
pub(crate) const MAX_VALUE_BYTES: u64 = 64 << 10;

/// A Parquet file opened for reading: footer parsed, schema known, row groups readable one at a
/// time. The reader is any [`ChunkReader`] (`Bytes`, or the browser's `File` via a shim), so
/// only the column chunks of the current row group are ever held.
pub struct ParquetFile<R> {
    pub(crate) name: String,
    pub(crate) reader: R,
    pub(crate) metadata: ArrowReaderMetadata,
    pub(crate) fingerprint: Fingerprint,
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
            .map_err(|error| Error::parquet(name, "header", error))?;
        if length < 12 && MAGIC.starts_with(&head[..head.len().min(4)]) {
            return Err(Error::format(
                name,
                format!("file is truncated: {length} bytes is too short for Parquet"),
            ));
        }
        if head.starts_with(b"PAR") && head.len() >= 4 && !head.starts_with(MAGIC) {
            let kind = known_kind(&head).map_or_else(
                || format!("it starts with {} instead", show_bytes(&head[..4])),
                |kind| format!("it is {kind}"),
            );
            return Err(Error::format(
                name,
                format!("not a Parquet file (no PAR1 magic bytes at the start): {kind}"),
            ));
        }
        if !head.starts_with(MAGIC) {
            return Err(Error::format(
                name,
                format!(
                    "not a Parquet file (no PAR1 magic bytes at the start): {}",
                    describe_content(&head)
                ),
            ));
        }
        let tail = parquet_tail(name, &reader)?;
        if &tail[4..] != MAGIC {
            return Err(Error::format(
                name,
                format!(
                    "file is truncated or corrupt: a Parquet file ends with the PAR1 magic bytes, \
                     this one ({length} bytes) ends with {}; was it cut short by a download or copy?",
                    show_bytes(&tail[4..])
                ),
            ));
        }
        // The footer: the file metadata, its length (4 bytes, little-endian), PAR1.
        let metadata_length = u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]);
        if metadata_length == 0 || u64::from(metadata_length) > length - 12 {
            return Err(Error::format(
                name,
                format!(
                    "file is corrupt: the footer says the file metadata is {metadata_length} bytes, \
                     but only {} bytes lie between the magic bytes",
                    length - 12
                ),
            ));
        }
        // Refused before parquet builds the schema tree, which recurses once per level.
        // The footer and tail, read once for the depth check and the fingerprint. The read is
        // inside the decoder boundary: a reader may be a decoder shim.
        let footer_start = length - 8 - u64::from(metadata_length);
        let footer_and_tail = catch_decoder_panic(name, "Parquet", || {
            reader.get_bytes(footer_start, metadata_length as usize + 8)
        })?
        .map_err(|error| Error::parquet(name, "footer", error))?;
        let footer = &footer_and_tail[..metadata_length as usize];
        if let Ok(depth) = crate::input::schema_depth::schema_depth(footer)
            && depth > crate::input::schema_depth::MAX_DEPTH
        {
            return Err(Error::format(
                name,
                format!(
                    "the schema nests {depth} levels deep; CoursePulse reads at most {} (a \
                     watch log is flat)",
                    crate::input::schema_depth::MAX_DEPTH
                ),
            ));
        }
        let metadata = catch_decoder_panic(name, "Parquet", || load_metadata(&reader))?
            .map_err(|error| Error::parquet(name, "footer (file metadata)", error))?;
        // Said before any page is read, so a caller can switch to a build that has the codec.
        if let Some(codec) = missing_codec(metadata.metadata()) {
            return Err(Error::UnsupportedCodec {
                source_name: name.to_owned(),
                codec,
            });
        }
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
            .map_err(|error| Error::parquet(name, "footer (file metadata)", error))?
        };
        let fingerprint = Fingerprint::of_footer(&footer_and_tail, length);
        Ok(ParquetFile {
            name: name.to_owned(),
            reader,
            metadata,
            fingerprint,
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

    /// Rows in one row group (0 for a negative count in a damaged footer).
    pub fn row_group_rows(&self, row_group: usize) -> u64 {
        self.metadata
            .metadata()
            .row_group(row_group)
            .num_rows()
            .max(0) as u64
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

    /// The file's content identity (see [`Fingerprint`]).
    pub fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }

    /// The column chunks (leaves) one row group needs for `projection` (top-level columns).
    fn projected_chunks<'a>(
        &'a self,
        row_group: usize,
        projection: &'a [usize],
    ) -> impl Iterator<Item = &'a ColumnChunkMetaData> + 'a {
        let metadata = self.metadata.metadata();
        let schema = metadata.file_metadata().schema_descr();
        let group = metadata.row_group(row_group);
        (0..group.num_columns())
            .filter(move |leaf| projection.contains(&schema.get_column_root_idx(*leaf)))
            .map(move |leaf| group.column(leaf))
    }

    /// Compressed bytes of the column chunks one row group needs for `projection`: what the
    /// pruning counters and progress count for it.
    pub(crate) fn projected_bytes(&self, row_group: usize, projection: &[usize]) -> u64 {
        self.projected_chunks(row_group, projection)
            .map(|chunk| chunk.compressed_size().max(0) as u64)
            .sum()
    }

    /// The byte ranges of the column chunks one row group needs for `projection` (top-level
    /// columns), in file order, adjacent ones merged: what a caller fetches before the row group
    /// is read. A malformed footer's negative offsets count as 0 (parquet's own `byte_range`
    /// panics on them); reading such a chunk then fails as a decoder error.
    pub fn column_chunk_ranges(&self, row_group: usize, projection: &[usize]) -> Vec<Range<u64>> {
        let mut ranges: Vec<Range<u64>> = self
            .projected_chunks(row_group, projection)
            .map(|chunk| {
                let start = chunk
                    .dictionary_page_offset()
                    .unwrap_or_else(|| chunk.data_page_offset())
                    .max(0) as u64;
                start..start.saturating_add(chunk.compressed_size().max(0) as u64)
            })
            .collect();
        ranges.sort_by_key(|range| range.start);
        let mut merged: Vec<Range<u64>> = Vec::with_capacity(ranges.len());
        for range in ranges {
            match merged.last_mut() {
                Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
                _ => merged.push(range),
            }
        }
        merged
    }

    /// Rows per batch for one row group read with `projection` (top-level columns): at most
    /// `batch_size`, fewer when the declared uncompressed sizes (the footer's, or its pages'
    /// when they say more) would pass [`BATCH_BYTES`] in a batch. `Err`, before parquet
    /// decompresses anything, when a projected column's values average over
    /// [`MAX_VALUE_BYTES`], or a page of it declares over [`MAX_PAGE_BYTES`] or decompresses to
    /// more than it declares (see `input::pages`).
    pub(crate) fn batch_rows(
        &self,
        row_group: usize,
        projection: &[usize],
        batch_size: usize,
    ) -> Result<usize> {
        let metadata = self.metadata.metadata();
        let schema = metadata.file_metadata().schema_descr();
        let group = metadata.row_group(row_group);
        let rows = group.num_rows().max(1) as u64;
        let part = format!(
            "row group {} of {}",
            row_group + 1,
            metadata.num_row_groups()
        );
        let mut bytes_per_row = 0u64;
        for leaf in 0..group.num_columns() {
            if !projection.contains(&schema.get_column_root_idx(leaf)) {
                continue;
            }
            let chunk = group.column(leaf);
            let footer_declared = chunk.uncompressed_size().max(0) as u64;
            // The footer is checked first: a file it condemns is refused without a page read.
            self.check_value_size(&part, chunk, footer_declared)?;
            let declared = footer_declared.max(self.chunk_page_bytes(&part, chunk)?);
            self.check_value_size(&part, chunk, declared)?;
            bytes_per_row = bytes_per_row.saturating_add(declared.div_ceil(rows));
        }
        let by_bytes = BATCH_BYTES / bytes_per_row.max(1);
        Ok((by_bytes.min(batch_size as u64) as usize).max(1))
    }

    /// `Err` when `chunk`'s values, `declared` bytes uncompressed, average over
    /// [`MAX_VALUE_BYTES`].
    fn check_value_size(
        &self,
        part: &str,
        chunk: &ColumnChunkMetaData,
        declared: u64,
    ) -> Result<()> {
        let values = chunk.num_values().max(1) as u64;
        if declared / values > MAX_VALUE_BYTES {
            return Err(Error::format(
                &self.name,
                format!(
                    "{part}: column {} declares {values} values in {declared} bytes \
                     uncompressed, over {} KB each; CoursePulse reads ids, completions and \
                     times, which are short, so it refuses to decompress it",
                    chunk.column_path().string(),
                    MAX_VALUE_BYTES >> 10
                ),
            ));
        }
        Ok(())
    }

    /// The uncompressed bytes the pages of `chunk` declare, read from their headers (and, for
    /// GZIP, BROTLI and LZ4 pages, checked by a bounded decompression; see `input::pages`).
    /// A chunk whose bytes are not in the file counts as 0: parquet reports it when it reads it.
    fn chunk_page_bytes(&self, part: &str, chunk: &ColumnChunkMetaData) -> Result<u64> {
        let start = chunk
            .dictionary_page_offset()
            .unwrap_or_else(|| chunk.data_page_offset());
        let (Ok(start), Ok(length)) =
            (u64::try_from(start), u64::try_from(chunk.compressed_size()))
        else {
            return Ok(0);
        };
        if start.saturating_add(length) > self.reader.len() {
            return Ok(0);
        }
        // Inside the decoder boundary: a reader may be a decoder shim. A read that fails here
        // fails again, and is reported, when parquet reads the chunk.
        let read = |offset: u64, wanted: usize| {
            catch_decoder_panic(&self.name, "Parquet", || {
                self.reader.get_bytes(start + offset, wanted)
            })
            .ok()?
            .ok()
        };
        crate::input::pages::scan_chunk(length, chunk.compression(), read).map_err(|problem| {
            Error::format(
                &self.name,
                format!("{part}: column {}: {problem}", chunk.column_path().string()),
            )
        })
    }
}

/// Rejects, with what they are, files that are not CSV text: other formats by their first
/// bytes, JSON, and binary data (NUL bytes in the header line).
pub(crate) fn check_csv_text(name: &str, bytes: &[u8]) -> Result<()> {
    let not_csv = |what: String| Error::format(name, format!("not CSV text: {what}"));
    if let Some(kind) = known_kind(bytes) {
        return Err(not_csv(format!("it is {kind}")));
    }
    let start = bytes
        .iter()
        .position(|byte| !byte.is_ascii_whitespace())
        .unwrap_or(0);
    // `{`, or `[` opening an array of objects, arrays or strings: a header cannot start so.
    let after_bracket = bytes
        .get(start + 1..)
        .unwrap_or_default()
        .iter()
        .find(|byte| !byte.is_ascii_whitespace());
    let is_json = match bytes.get(start) {
        Some(b'{') => true,
        Some(b'[') => matches!(after_bracket, Some(b'{' | b'[' | b'"' | b']')),
        _ => false,
    };
    if is_json {
        let text: String = String::from_utf8_lossy(&bytes[start..bytes.len().min(start + 30)])
            .chars()
            .collect();
        return Err(not_csv(format!(
            "it looks like JSON (it starts with {text:?}); CoursePulse reads CSV and Parquet"
        )));
    }
    let header = bytes
        .split(|byte| *byte == b'\n')
        .next()
        .unwrap_or_default();
    if header.contains(&0) {
        return Err(not_csv(format!(
            "its first line has NUL bytes, so it is binary data or UTF-16 text without a BOM \
             (it starts with bytes {}); save it as UTF-8 CSV",
            hex(&bytes[..bytes.len().min(8)])
        )));
    }
    Ok(())
}

/// Adds a hint to a mapping error when the header row looks like data (a headerless export).
pub(crate) fn header_hint(error: Error, schema: &arrow_schema::Schema) -> Error {
    let Error::Mapping {
        source_name,
        message,
    } = error
    else {
        return error;
    };
    let number = schema
        .fields()
        .iter()
        .map(|field| field.name().trim())
        .find(|name| name.parse::<f64>().is_ok());
    match number {
        Some(number) => Error::Mapping {
            source_name,
            message: format!(
                "{message}; the first line looks like a data row (it has the number {number}), \
                 not a header: add a header row"
            ),
        },
        None => Error::Mapping {
            source_name,
            message,
        },
    }
}

/// The column names in a CSV header (the first line; BOM, quotes and the delimiter handled as
/// `Analysis::add_csv` does), for a column-mapping screen.
pub fn csv_columns(bytes: &[u8]) -> Result<Vec<String>> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let name = "CSV header";
    catch_decoder_panic(name, "CSV", || {
        crate::input::csv::header(name, bytes, sniff_delimiter(bytes))
    })?
}

/// The Parquet error inside an arrow error from the record batch reader, whose decoding errors
/// arrive wrapped as `ArrowError::ParquetError("Parquet error: ...")`.
pub(crate) fn from_arrow(error: arrow_schema::ArrowError) -> parquet::errors::ParquetError {
    use arrow_schema::ArrowError;
    use parquet::errors::ParquetError;
    match error {
        ArrowError::ParquetError(message) => ParquetError::General(
            message
                .strip_prefix("Parquet error: ")
                .unwrap_or(&message)
                .to_owned(),
        ),
        ArrowError::ExternalError(inner) => ParquetError::External(inner),
        other => ParquetError::ArrowError(other.to_string()),
    }
}

/// Reads the footer and gives the arrow schema text columns as dictionaries.
fn load_metadata<R: ChunkReader>(reader: &R) -> parquet::errors::Result<ArrowReaderMetadata> {
    let metadata = ArrowReaderMetadata::load(reader, ArrowReaderOptions::new())?;
    // Text columns are read as dictionaries: ids repeat, so each distinct value is hashed and
    // interned once per page instead of once per row.
    let hint = dictionary_hint(metadata.schema());
    if hint.fields() == metadata.schema().fields() {
        return Ok(metadata);
    }
    ArrowReaderMetadata::try_new(
        metadata.metadata().clone(),
        ArrowReaderOptions::new().with_schema(hint),
    )
}

/// The first codec used by a column chunk of the file that this build cannot decode.
fn missing_codec(metadata: &parquet::file::metadata::ParquetMetaData) -> Option<String> {
    use parquet::basic::Compression;
    let compiled = |codec: Compression| match codec {
        Compression::UNCOMPRESSED => true,
        Compression::SNAPPY => cfg!(feature = "snappy"),
        Compression::GZIP(_) => cfg!(feature = "gzip"),
        Compression::LZ4 | Compression::LZ4_RAW => cfg!(feature = "lz4"),
        Compression::ZSTD(_) => cfg!(feature = "zstd"),
        Compression::BROTLI(_) => cfg!(feature = "brotli"),
        // LZO has no Rust decoder in parquet; the decoder's own error names it.
        _ => true,
    };
    metadata
        .row_groups()
        .iter()
        .flat_map(|row_group| row_group.columns())
        .map(|column| column.compression())
        .find(|codec| !compiled(*codec))
        .map(|codec| match codec {
            parquet::basic::Compression::GZIP(_) => "GZIP".to_owned(),
            parquet::basic::Compression::ZSTD(_) => "ZSTD".to_owned(),
            parquet::basic::Compression::BROTLI(_) => "BROTLI".to_owned(),
            other => other.to_string(),
        })
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
pub(crate) fn sniff_delimiter(bytes: &[u8]) -> u8 {
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
    use bytes::Bytes;

    /// A Parquet file of `rows` rows whose `student_id` values are `value_bytes` long.
    fn file_of_values(rows: usize, value_bytes: usize) -> ParquetFile<Bytes> {
        use arrow_array::{RecordBatch, StringArray};
        let values: Vec<String> = (0..rows)
            .map(|row| {
                let mut value = row.to_string();
                value.push_str(&"x".repeat(value_bytes.saturating_sub(value.len())));
                value
            })
            .collect();
        let batch = RecordBatch::try_from_iter([(
            "student_id",
            Arc::new(StringArray::from(values)) as arrow_array::ArrayRef,
        )])
        .unwrap();
        let mut bytes = Vec::new();
        let mut writer =
            parquet::arrow::ArrowWriter::try_new(&mut bytes, batch.schema(), None).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
        ParquetFile::open("values.parquet", Bytes::from(bytes)).unwrap()
    }

    /// Regression: a 282 KB file of 1 MB values decoded 65,536-row batches (6 GB); batches are
    /// now sized by the footer's bytes, and values over 64 KB are refused before decompression.
    #[test]
    fn batches_are_sized_by_declared_bytes_and_huge_values_refused() {
        assert_eq!(
            file_of_values(100, 10).batch_rows(0, &[0], 65_536).unwrap(),
            65_536
        );
        assert_eq!(file_of_values(100, 10).batch_rows(0, &[], 7).unwrap(), 7);
        let wide = file_of_values(8, 32 << 10)
            .batch_rows(0, &[0], 65_536)
            .unwrap();
        assert!((1_900..=2_048).contains(&wide), "{wide}");
        let error = file_of_values(3, 100_000)
            .batch_rows(0, &[0], 65_536)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("row group 1 of 1: column student_id declares 3 values in"),
            "{error}"
        );
        assert!(error.contains("refuses to decompress it"), "{error}");
    }

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
    fn csv_text_is_told_from_json_binary_and_other_formats() {
        let check = |bytes: &[u8], expected: Option<&str>| {
            let result = check_csv_text("t.csv", bytes);
            match expected {
                None => assert!(result.is_ok(), "{result:?}"),
                Some(expected) => {
                    let error = result.unwrap_err().to_string();
                    assert!(error.contains(expected), "{error}");
                }
            }
        };
        check(b"[id],learner\n1,2\n", None);
        check(b"{id},learner\n", Some("looks like JSON"));
        check(b" [ {\"a\": 1}]", Some("looks like JSON"));
        check(b"[\"a\"]", Some("looks like JSON"));
        check(b"a\0b,c\n", Some("NUL bytes"));
        check(b"a,b\nx\0,y\n", None);
        check(b"PK\x03\x04rest", Some("ZIP archive"));
        check(b"[", None);
    }

    #[test]
    fn csv_columns_come_from_the_header_line() {
        let columns = csv_columns(b"\xef\xbb\xbfid;\"learner id\";pct\r\n1;2;3\n").unwrap();
        assert_eq!(columns, ["id", "learner id", "pct"]);
        assert_eq!(csv_columns(b"a,b").unwrap(), ["a", "b"]);
    }
}
