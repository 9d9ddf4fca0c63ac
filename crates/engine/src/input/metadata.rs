//! File metadata for the metadata panel: what each input is (size, content hash, row groups,
//! codecs, writer) and its schema with column descriptions, taken from the Parquet footer only.

use arrow_schema::Schema;
use parquet::basic::Compression;
use parquet::file::metadata::ParquetMetaData;
use serde::Serialize;

use crate::input::parquet::{Fingerprint, Format};

/// Keys under which a column description is looked for, in the column's Arrow field metadata
/// (Spark, pyarrow and dbt-style writers use one of these) or in the file's key-value metadata
/// as `KEY.COLUMN` or `COLUMN.KEY`.
const DESCRIPTION_KEYS: &[&str] = &["description", "comment", "doc"];

/// One input as a file: what a metadata panel shows about it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FileMetadata {
    /// The name the caller gave (file name or URL).
    pub name: String,
    /// `parquet` or `csv`.
    pub format: String,
    /// Bytes.
    pub size: u64,
    /// Content hash, as [`Fingerprint`] prints it (32 hex digits).
    pub fingerprint: String,
    /// Rows the file says it has.
    pub rows: u64,
    /// Parquet row groups (0 for CSV).
    pub row_groups: u64,
    /// Compression codecs of its column chunks, distinct, in file order (`SNAPPY`, `ZSTD`, ...).
    pub compression: Vec<String>,
    /// The writer (`created_by`), e.g. `parquet-cpp-arrow version 15.0.0`.
    pub created_by: Option<String>,
    /// The columns, in file order.
    pub columns: Vec<ColumnMetadata>,
}

/// One column of a file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ColumnMetadata {
    /// Column name.
    pub name: String,
    /// Arrow data type, as arrow prints it (`Utf8`, `Int64`, `Timestamp(Microsecond, Some("UTC"))`).
    pub data_type: String,
    /// Description from the file's metadata, else from a dbt schema the caller gave.
    pub description: Option<String>,
}

/// Upper-case codec name, without the level Parquet attaches to some.
pub(crate) fn codec_name(codec: Compression) -> String {
    match codec {
        Compression::GZIP(_) => "GZIP".to_owned(),
        Compression::ZSTD(_) => "ZSTD".to_owned(),
        Compression::BROTLI(_) => "BROTLI".to_owned(),
        other => other.to_string(),
    }
}

/// The metadata of a Parquet file from its parsed footer and arrow schema.
pub(crate) fn of_parquet(
    name: &str,
    size: u64,
    fingerprint: Fingerprint,
    metadata: &ParquetMetaData,
    schema: &Schema,
) -> FileMetadata {
    let mut compression: Vec<String> = Vec::new();
    for column in metadata
        .row_groups()
        .iter()
        .flat_map(|group| group.columns())
    {
        let codec = codec_name(column.compression());
        if !compression.contains(&codec) {
            compression.push(codec);
        }
    }
    let file = metadata.file_metadata();
    let key_values: Vec<(&str, &str)> = file
        .key_value_metadata()
        .map(|entries| {
            entries
                .iter()
                .filter_map(|entry| Some((entry.key.as_str(), entry.value.as_deref()?)))
                .collect()
        })
        .unwrap_or_default();
    let columns = schema
        .fields()
        .iter()
        .map(|field| {
            let from_field = DESCRIPTION_KEYS
                .iter()
                .find_map(|key| field.metadata().get(key).cloned());
            let from_file = || {
                key_values.iter().find_map(|(key, value)| {
                    DESCRIPTION_KEYS
                        .iter()
                        .any(|wanted| {
                            *key == format!("{wanted}.{}", field.name())
                                || *key == format!("{}.{wanted}", field.name())
                        })
                        .then(|| (*value).to_owned())
                })
            };
            ColumnMetadata {
                name: field.name().clone(),
                // Text columns are read as dictionaries; the panel shows the stored type.
                data_type: match field.data_type() {
                    arrow_schema::DataType::Dictionary(_, values) => values.to_string(),
                    other => other.to_string(),
                },
                description: from_field.or_else(from_file),
            }
        })
        .collect();
    FileMetadata {
        name: name.to_owned(),
        format: Format::Parquet.name().to_owned(),
        size,
        fingerprint: fingerprint.to_string(),
        rows: file.num_rows().max(0) as u64,
        row_groups: metadata.num_row_groups() as u64,
        compression,
        created_by: file.created_by().map(str::to_owned),
        columns,
    }
}

/// The metadata of a CSV input: its header's columns, all read as text.
pub(crate) fn of_csv(
    name: &str,
    size: u64,
    fingerprint: Fingerprint,
    rows: u64,
    schema: &Schema,
) -> FileMetadata {
    FileMetadata {
        name: name.to_owned(),
        format: Format::Csv.name().to_owned(),
        size,
        fingerprint: fingerprint.to_string(),
        rows,
        row_groups: 0,
        compression: Vec::new(),
        created_by: None,
        columns: schema
            .fields()
            .iter()
            .map(|field| ColumnMetadata {
                name: field.name().clone(),
                data_type: field.data_type().to_string(),
                description: None,
            })
            .collect(),
    }
}
