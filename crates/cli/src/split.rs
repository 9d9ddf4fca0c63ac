//! `coursepulse split`: one Parquet extract per course (or instructor), PII masked, in hive-style
//! folders with a `manifest.json`, streamed batch by batch so no input is ever held whole.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use arrow_array::{Array, ArrayRef, BooleanArray, RecordBatch, StringArray};
use arrow_schema::{DataType, Field as ArrowField, Schema, SchemaRef};
use coursepulse_engine::{
    Field, Mapping, Masking, Overrides, PiiKind, looks_like_email, pii_column,
};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use crate::file_reader::SharedFile;
use crate::inputs::Input;

/// Rows per decoded batch.
const BATCH_ROWS: usize = 64 * 1024;
/// Bytes the open writers may buffer in all before the largest one writes its row group: one
/// writer per extract stays open, so without a budget 300 courses could each hold a row group.
const BUFFER_BUDGET: usize = 256 * 1024 * 1024;
/// Instructor column names, compared case-insensitively.
const INSTRUCTOR_COLUMNS: &[&str] = &[
    "instructor",
    "instructor_id",
    "instructor_name",
    "instructor_email",
    "teacher",
    "teacher_id",
    "teacher_name",
];
/// Hive's name for a NULL partition value (the engine reads it back as NULL).
const HIVE_NULL: &str = "__HIVE_DEFAULT_PARTITION__";

/// What one extract is cut by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SplitBy {
    /// The course code column (else the course id column).
    Course,
    /// An instructor column.
    Instructor,
}

/// Everything `split` needs from the command line.
pub struct SplitPlan<'a> {
    pub inputs: &'a [Input],
    pub out: &'a Path,
    pub by: SplitBy,
    /// `None` only when the user said `--no-mask`.
    pub masking: Option<Masking>,
    pub force: bool,
    pub compression: Compression,
    pub overrides: &'a Overrides,
}

/// The compression a `--compression` name stands for.
pub fn compression(name: &str) -> Result<Compression> {
    match name.to_ascii_lowercase().as_str() {
        "zstd" => Ok(Compression::ZSTD(ZstdLevel::default())),
        "snappy" => Ok(Compression::SNAPPY),
        other => bail!("unknown compression {other:?}: use zstd or snappy"),
    }
}

/// How one column of the input is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ColumnTreatment {
    Keep,
    /// Every value becomes a pseudonym of this kind (the column becomes text).
    Mask(PiiKind),
    /// A text column: values that look like e-mail addresses become `E-` pseudonyms.
    MaskEmails,
}

/// One extract being written.
struct Extract {
    relative: String,
    value: Option<String>,
    writer: ArrowWriter<File>,
    rows: u64,
}

/// Splits the inputs; returns the manifest written.
pub fn split(plan: &SplitPlan<'_>) -> Result<serde_json::Value> {
    prepare_folder(plan.out, plan.force)?;
    let mut extracts: BTreeMap<Option<String>, Extract> = BTreeMap::new();
    let mut output_schema: Option<SchemaRef> = None;
    let mut key_name = String::new();
    let mut source_rows = 0u64;
    for input in plan.inputs {
        let file = SharedFile::open(&input.path)
            .with_context(|| format!("cannot read {}", input.path.display()))?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(file).with_context(|| {
            format!(
                "{}: split reads Parquet files; this one cannot be opened as Parquet",
                input.name
            )
        })?;
        let schema = builder.schema().clone();
        let (key_column, treatments) = plan_columns(&input.name, &schema, plan)?;
        let schema_out = masked_schema(&schema, &treatments);
        match &output_schema {
            None => {
                key_name = schema.field(key_column).name().clone();
                output_schema = Some(schema_out.clone());
            }
            Some(first) if first.fields() != schema_out.fields() => bail!(
                "{}: its columns differ from the first input's; split inputs of one schema together",
                input.name
            ),
            Some(_) => {}
        }
        let reader = builder
            .with_batch_size(BATCH_ROWS)
            .build()
            .with_context(|| format!("{}: cannot read its row groups", input.name))?;
        for batch in reader {
            let batch = batch.with_context(|| format!("{}: cannot decode a batch", input.name))?;
            source_rows += batch.num_rows() as u64;
            let keys = text_values(&input.name, batch.column(key_column))?;
            let masked = mask_batch(&input.name, &batch, &treatments, &schema_out, plan)?;
            let mut groups: BTreeMap<Option<String>, Vec<bool>> = BTreeMap::new();
            for (row, key) in keys.iter().enumerate() {
                let selected = groups
                    .entry(key.clone())
                    .or_insert_with(|| vec![false; batch.num_rows()]);
                selected[row] = true;
            }
            for (key, selected) in groups {
                let part = arrow_select::filter::filter_record_batch(
                    &masked,
                    &BooleanArray::from(selected),
                )
                .context("selecting one extract's rows")?;
                let extract = match extracts.entry(key.clone()) {
                    std::collections::btree_map::Entry::Occupied(entry) => entry.into_mut(),
                    std::collections::btree_map::Entry::Vacant(entry) => {
                        entry.insert(open_extract(plan, &key_name, key, &schema_out)?)
                    }
                };
                extract
                    .writer
                    .write(&part)
                    .with_context(|| format!("writing {}", extract.relative))?;
                extract.rows += part.num_rows() as u64;
            }
            keep_within_budget(&mut extracts)?;
        }
    }
    let mut files = Vec::new();
    let mut entries = Vec::new();
    for extract in extracts.into_values() {
        extract
            .writer
            .close()
            .with_context(|| format!("finishing {}", extract.relative))?;
        files.push(serde_json::Value::from(extract.relative.clone()));
        entries.push(serde_json::json!({
            "path": extract.relative,
            "value": extract.value,
            "rows": extract.rows,
        }));
    }
    let manifest = serde_json::json!({
        "files": files,
        "extracts": entries,
        "by": key_name,
        "masked": plan.masking.is_some(),
        "source_rows": source_rows,
    });
    let manifest_path = plan.out.join("manifest.json");
    std::fs::write(
        &manifest_path,
        serde_json::to_string_pretty(&manifest)? + "\n",
    )
    .with_context(|| format!("cannot write {}", manifest_path.display()))?;
    Ok(manifest)
}

/// Creates the output folder, or checks that it is empty (or that `--force` allows reuse).
fn prepare_folder(out: &Path, force: bool) -> Result<()> {
    if out.exists() {
        if !out.is_dir() {
            bail!("{} exists and is not a folder", out.display());
        }
        let mut entries =
            std::fs::read_dir(out).with_context(|| format!("cannot list {}", out.display()))?;
        if entries.next().is_some() {
            if !force {
                bail!(
                    "{} is not empty; choose an empty folder, or pass --force to replace the extracts in it",
                    out.display()
                );
            }
            remove_extracts(out)?;
        }
    }
    std::fs::create_dir_all(out)
        .with_context(|| format!("cannot create the output folder {}", out.display()))?;
    // Fail now, before any input is read, if the folder is not writable.
    let probe = out.join(".coursepulse-write-test");
    std::fs::write(&probe, b"")
        .with_context(|| format!("cannot write into the output folder {}", out.display()))?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

/// With `--force`: removes the earlier run's `key=value` folders and manifest, nothing else.
fn remove_extracts(out: &Path) -> Result<()> {
    for entry in std::fs::read_dir(out).with_context(|| format!("cannot list {}", out.display()))? {
        let path = entry?.path();
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or("");
        if path.is_dir() && name.contains('=') {
            std::fs::remove_dir_all(&path)
                .with_context(|| format!("cannot remove {}", path.display()))?;
        } else if name == "manifest.json" {
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot remove {}", path.display()))?;
        }
    }
    Ok(())
}

/// The split column and what happens to every column.
fn plan_columns(
    name: &str,
    schema: &Schema,
    plan: &SplitPlan<'_>,
) -> Result<(usize, Vec<ColumnTreatment>)> {
    let columns: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let key = match plan.by {
        SplitBy::Course => {
            let mapping = Mapping::resolve(name, schema, plan.overrides);
            let mapped = mapping.as_ref().ok().and_then(|mapping| {
                mapping
                    .column(Field::CourseCode)
                    .or_else(|| mapping.column(Field::Course))
            });
            let by_name = || {
                let candidates = [Field::CourseCode.candidates(), Field::Course.candidates()];
                candidates.concat().iter().find_map(|candidate| {
                    columns
                        .iter()
                        .position(|c| c.eq_ignore_ascii_case(candidate))
                })
            };
            mapped.or_else(by_name).with_context(|| {
                format!(
                    "{name}: no course column: looked for {}; file has: {}",
                    [Field::CourseCode.candidates(), Field::Course.candidates()]
                        .concat()
                        .join(", "),
                    columns.join(", ")
                )
            })?
        }
        SplitBy::Instructor => INSTRUCTOR_COLUMNS
            .iter()
            .find_map(|candidate| {
                columns
                    .iter()
                    .position(|c| c.eq_ignore_ascii_case(candidate))
            })
            .with_context(|| {
                format!(
                    "{name}: no instructor column: looked for {}; file has: {}",
                    INSTRUCTOR_COLUMNS.join(", "),
                    columns.join(", ")
                )
            })?,
    };
    if plan.masking.is_none() {
        return Ok((key, vec![ColumnTreatment::Keep; columns.len()]));
    }
    // Masking needs the learner column: a file whose learner column cannot be found is refused
    // rather than written with ids in clear text.
    let mapping = Mapping::resolve(name, schema, plan.overrides).with_context(|| {
        format!("{name}: cannot find the learner column to mask (use --map student=COLUMN)")
    })?;
    let learner = mapping.column(Field::Student);
    let treatments = schema
        .fields()
        .iter()
        .enumerate()
        .map(|(index, field)| {
            if Some(index) == learner {
                ColumnTreatment::Mask(PiiKind::Learner)
            } else if let Some(kind) = pii_column(field.name()) {
                ColumnTreatment::Mask(kind)
            } else if is_text(field.data_type()) {
                ColumnTreatment::MaskEmails
            } else {
                ColumnTreatment::Keep
            }
        })
        .collect();
    Ok((key, treatments))
}

fn is_text(data_type: &DataType) -> bool {
    match data_type {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, values) => is_text(values),
        _ => false,
    }
}

/// The output schema: masked columns become nullable text, the others keep their type and
/// metadata.
fn masked_schema(schema: &Schema, treatments: &[ColumnTreatment]) -> SchemaRef {
    let fields: Vec<ArrowField> = schema
        .fields()
        .iter()
        .zip(treatments)
        .map(|(field, treatment)| match treatment {
            ColumnTreatment::Keep => field.as_ref().clone(),
            ColumnTreatment::Mask(_) | ColumnTreatment::MaskEmails => {
                ArrowField::new(field.name(), DataType::Utf8, true)
                    .with_metadata(field.metadata().clone())
            }
        })
        .collect();
    Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()))
}

fn mask_batch(
    name: &str,
    batch: &RecordBatch,
    treatments: &[ColumnTreatment],
    schema_out: &SchemaRef,
    plan: &SplitPlan<'_>,
) -> Result<RecordBatch> {
    let Some(masking) = &plan.masking else {
        return Ok(batch.clone());
    };
    let columns = batch
        .columns()
        .iter()
        .zip(treatments)
        .map(|(column, treatment)| -> Result<ArrayRef> {
            let kind = match treatment {
                ColumnTreatment::Keep => return Ok(column.clone()),
                ColumnTreatment::Mask(kind) => Some(*kind),
                ColumnTreatment::MaskEmails => None,
            };
            let values = text_values(name, column)?;
            let masked: StringArray = values
                .iter()
                .map(|value| {
                    value.as_deref().map(|text| match kind {
                        Some(kind) => masking.pseudonym(kind, text),
                        None if looks_like_email(text) => masking.pseudonym(PiiKind::Email, text),
                        None => text.to_owned(),
                    })
                })
                .collect();
            Ok(Arc::new(masked))
        })
        .collect::<Result<Vec<_>>>()?;
    RecordBatch::try_new(schema_out.clone(), columns).context("building the masked batch")
}

/// A column's values as text (NULL as `None`), whatever its type.
fn text_values(name: &str, column: &ArrayRef) -> Result<Vec<Option<String>>> {
    let text = arrow_cast::cast(column, &DataType::Utf8).with_context(|| {
        format!(
            "{name}: column of type {} cannot be read as text",
            column.data_type()
        )
    })?;
    let text = text
        .as_any()
        .downcast_ref::<StringArray>()
        .context("a text cast gave no text")?;
    Ok((0..text.len())
        .map(|row| (!text.is_null(row)).then(|| text.value(row).to_owned()))
        .collect())
}

/// Opens `OUT/key=value/part-0.parquet` for one value.
fn open_extract(
    plan: &SplitPlan<'_>,
    key_name: &str,
    value: Option<String>,
    schema: &SchemaRef,
) -> Result<Extract> {
    // An instructor's name or e-mail in a folder name would undo the masking of the column.
    let shown = match (&plan.masking, &value) {
        (Some(masking), Some(text))
            if plan.by == SplitBy::Instructor && pii_column(key_name).is_some() =>
        {
            Some(masking.pseudonym(pii_column(key_name).unwrap_or(PiiKind::Name), text))
        }
        (Some(masking), Some(text)) if looks_like_email(text) => {
            Some(masking.pseudonym(PiiKind::Email, text))
        }
        _ => value.clone(),
    };
    let folder = format!(
        "{}={}",
        escape(key_name),
        shown
            .as_deref()
            .map_or_else(|| HIVE_NULL.to_owned(), escape)
    );
    let relative = format!("{folder}/part-0.parquet");
    let folder_path: PathBuf = plan.out.join(&folder);
    std::fs::create_dir_all(&folder_path)
        .with_context(|| format!("cannot create {}", folder_path.display()))?;
    let path = folder_path.join("part-0.parquet");
    let file = File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
    let properties = WriterProperties::builder()
        .set_compression(plan.compression)
        .set_created_by(format!("coursepulse split {}", coursepulse_engine::VERSION))
        .build();
    let writer = ArrowWriter::try_new(file, schema.clone(), Some(properties))
        .with_context(|| format!("cannot start {}", path.display()))?;
    Ok(Extract {
        relative,
        value: shown,
        writer,
        rows: 0,
    })
}

/// Percent-escapes what a hive path segment cannot hold (`/`, `=`, `%`, spaces, ...).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Writes out the largest buffered row groups until the writers hold at most [`BUFFER_BUDGET`].
fn keep_within_budget(extracts: &mut BTreeMap<Option<String>, Extract>) -> Result<()> {
    loop {
        let buffered: usize = extracts.values().map(|e| e.writer.in_progress_size()).sum();
        if buffered <= BUFFER_BUDGET {
            return Ok(());
        }
        let Some(largest) = extracts
            .values_mut()
            .max_by_key(|extract| extract.writer.in_progress_size())
        else {
            return Ok(());
        };
        largest
            .writer
            .flush()
            .with_context(|| format!("writing {}", largest.relative))?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hive_segments_are_escaped() {
        let cases = [
            ("CSC101", "CSC101"),
            ("CSC 101", "CSC%20101"),
            ("a/b=c", "a%2Fb%3Dc"),
            ("é", "%C3%A9"),
        ];
        for (text, expected) in cases {
            assert_eq!(escape(text), expected, "{text}");
        }
    }
}
