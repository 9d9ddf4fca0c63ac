//! `coursepulse split`: one Parquet extract per course (or instructor), PII masked, in hive-style
//! folders with a `manifest.json`, streamed batch by batch so no input is ever held whole.
//!
//! The parts: [`columns`] decides what an extract keeps (deny by default), [`writers`] bounds
//! open files and memory, [`naming`] gives each value a collision-free folder and [`output`]
//! makes the whole output appear at once, or not at all.

mod columns;
mod naming;
mod output;
mod writers;

use std::collections::BTreeMap;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use arrow_array::{Array, ArrayRef, RecordBatch, StringArray, UInt32Array};
use arrow_schema::{DataType, Field as ArrowField, Schema, SchemaRef};
use coursepulse_engine::{Masking, Overrides, PiiKind, looks_like_email, pii_column};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use crate::file_reader::SharedFile;
use crate::inputs::Input;
use crate::shown;
use columns::{ColumnPlan, ColumnTreatment};

/// Rows per decoded batch.
const BATCH_ROWS: usize = 64 * 1024;

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
    pub out: &'a std::path::Path,
    pub by: SplitBy,
    /// `None` only when the user said `--no-mask`.
    pub masking: Option<Masking>,
    pub force: bool,
    pub compression: Compression,
    pub overrides: &'a Overrides,
    /// Unmapped columns to keep (`--keep`).
    pub keep: &'a [String],
    /// Columns to leave out (`--drop`).
    pub drop: &'a [String],
}

/// The compression a `--compression` name stands for.
pub fn compression(name: &str) -> Result<Compression> {
    match name.to_ascii_lowercase().as_str() {
        "zstd" => Ok(Compression::ZSTD(ZstdLevel::default())),
        "snappy" => Ok(Compression::SNAPPY),
        other => bail!("unknown compression {other:?}: use zstd or snappy"),
    }
}

/// Splits the inputs; returns the manifest written.
pub fn split(plan: &SplitPlan<'_>) -> Result<serde_json::Value> {
    let output = output::Output::prepare(plan.out, plan.force)?;
    let properties = WriterProperties::builder()
        .set_compression(plan.compression)
        .set_created_by(format!("coursepulse split {}", coursepulse_engine::VERSION))
        .build();
    let mut writers: Option<writers::Writers> = None;
    let mut first: Option<(SchemaRef, String, Vec<String>)> = None;
    let mut source_rows = 0u64;
    for input in plan.inputs {
        let file = SharedFile::open(&input.path)
            .with_context(|| format!("cannot read {}", shown::path(&input.path)))?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(file)
            .with_context(|| {
                format!(
                    "{}: split reads Parquet files; this one cannot be opened as Parquet",
                    shown::text(&input.name)
                )
            })
            .map_err(|error| input.content_error(error, "cannot be opened as Parquet"))?;
        let schema = builder.schema().clone();
        let column_plan = columns::plan_columns(input, &schema, plan)?;
        let schema_out = output_schema(&schema, &column_plan);
        let key_name = schema.field(column_plan.key).name().clone();
        match &first {
            None => {
                if !column_plan.dropped.is_empty() {
                    eprintln!(
                        "coursepulse: left out of the extracts (not mapped; --keep COLUMN keeps one): {}",
                        shown::text(&column_plan.dropped.join(", "))
                    );
                }
                writers = Some(writers::Writers::new(
                    output.staging(),
                    schema_out.clone(),
                    properties.clone(),
                    writers::BUFFER_BUDGET,
                    writers::MAX_OPEN_WRITERS,
                ));
                first = Some((
                    schema_out.clone(),
                    key_name.clone(),
                    column_plan.dropped.clone(),
                ));
            }
            Some((first_schema, first_key, _))
                if first_schema.fields() != schema_out.fields() || *first_key != key_name =>
            {
                bail!(
                    "{}: its columns differ from the first input's; split inputs of one schema together",
                    shown::text(&input.name)
                )
            }
            Some(_) => {}
        }
        let Some(writers) = writers.as_mut() else {
            unreachable!("the writers start with the first input")
        };
        let reader = builder
            .with_batch_size(BATCH_ROWS)
            .build()
            .with_context(|| format!("{}: cannot read its row groups", shown::text(&input.name)))
            .map_err(|error| input.content_error(error, "cannot read its row groups"))?;
        for batch in reader {
            let batch = batch
                .with_context(|| format!("{}: cannot decode a batch", shown::text(&input.name)))
                .map_err(|error| input.content_error(error, "cannot be decoded"))?;
            source_rows += batch.num_rows() as u64;
            let keys = text_values(input, batch.column(column_plan.key))?;
            let masked = mask_batch(input, &batch, &column_plan, &schema_out, plan)?;
            let mut groups: BTreeMap<&Option<String>, Vec<u32>> = BTreeMap::new();
            for (row, key) in keys.iter().enumerate() {
                groups.entry(key).or_default().push(row as u32);
            }
            for (key, rows) in groups {
                let part = arrow_select::take::take_record_batch(&masked, &UInt32Array::from(rows))
                    .context("selecting one extract's rows")?;
                writers.push(key, || shown_value(plan, &key_name, key.as_deref()), part)?;
            }
        }
    }
    let (Some(writers), Some((schema_out, key_name, dropped))) = (writers, first) else {
        bail!("split needs at least one input");
    };
    let finished = writers.finish()?;
    let shown_values: Vec<Option<&str>> = finished
        .iter()
        .map(|extract| extract.shown.as_deref())
        .collect();
    let folders = naming::folder_names(&key_name, &shown_values);
    let mut order: Vec<usize> = (0..finished.len()).collect();
    order.sort_by(|left, right| folders[*left].cmp(&folders[*right]));
    let mut files = Vec::new();
    let mut entries = Vec::new();
    for index in order {
        let (extract, folder) = (&finished[index], &folders[index]);
        let target = output.staging().join(folder);
        std::fs::rename(&extract.folder, &target)
            .with_context(|| format!("cannot name the folder {}", shown::path(&target)))?;
        let parts: Vec<String> = extract
            .parts
            .iter()
            .map(|part| format!("{folder}/{part}"))
            .collect();
        files.extend(parts.iter().cloned());
        entries.push(serde_json::json!({
            "folder": folder,
            "value": extract.shown,
            "rows": extract.rows,
            "files": parts,
        }));
    }
    let columns: Vec<&str> = schema_out
        .fields()
        .iter()
        .map(|field| field.name().as_str())
        .collect();
    let manifest = serde_json::json!({
        "files": files,
        "extracts": entries,
        "by": key_name,
        "masked": plan.masking.is_some(),
        "source_rows": source_rows,
        "columns": columns,
        "dropped_columns": dropped,
    });
    output.commit(&(serde_json::to_string_pretty(&manifest)? + "\n"))?;
    Ok(manifest)
}

/// The value an extract shows for a key: a pseudonym for an instructor (with masking) or an
/// e-mail address, else the value itself.
fn shown_value(plan: &SplitPlan<'_>, key_name: &str, value: Option<&str>) -> Option<String> {
    let text = value?;
    Some(match &plan.masking {
        Some(masking) if plan.by == SplitBy::Instructor => {
            masking.pseudonym(pii_column(key_name).unwrap_or(PiiKind::Name), text)
        }
        Some(masking) if looks_like_email(text) => masking.pseudonym(PiiKind::Email, text),
        _ => text.to_owned(),
    })
}

/// The output schema: the kept columns; masked ones become nullable text, the others keep
/// their type and metadata.
fn output_schema(schema: &Schema, plan: &ColumnPlan) -> SchemaRef {
    let fields: Vec<ArrowField> = plan
        .kept
        .iter()
        .map(|(index, treatment)| {
            let field = schema.field(*index);
            match treatment {
                ColumnTreatment::Keep => field.clone(),
                ColumnTreatment::Mask(_) | ColumnTreatment::MaskEmails => {
                    ArrowField::new(field.name(), DataType::Utf8, true)
                        .with_metadata(field.metadata().clone())
                }
            }
        })
        .collect();
    Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()))
}

/// The kept columns of a batch, masked.
fn mask_batch(
    input: &Input,
    batch: &RecordBatch,
    plan: &ColumnPlan,
    schema_out: &SchemaRef,
    split: &SplitPlan<'_>,
) -> Result<RecordBatch> {
    let columns = plan
        .kept
        .iter()
        .map(|(index, treatment)| -> Result<ArrayRef> {
            let column = batch.column(*index);
            let (Some(masking), kind) = (
                &split.masking,
                match treatment {
                    ColumnTreatment::Keep => return Ok(column.clone()),
                    ColumnTreatment::Mask(kind) => Some(*kind),
                    ColumnTreatment::MaskEmails => None,
                },
            ) else {
                return Ok(column.clone());
            };
            let values = text_values(input, column)?;
            let masked: StringArray = values
                .iter()
                .map(|value| value.as_deref().map(|text| masking.mask_value(kind, text)))
                .collect();
            Ok(Arc::new(masked))
        })
        .collect::<Result<Vec<_>>>()?;
    RecordBatch::try_new(schema_out.clone(), columns).context("building the masked batch")
}

/// A column's values as text (NULL as `None`), whatever its type.
fn text_values(input: &Input, column: &ArrayRef) -> Result<Vec<Option<String>>> {
    let text = arrow_cast::cast(column, &DataType::Utf8).with_context(|| {
        format!(
            "{}: column of type {} cannot be read as text",
            shown::text(&input.name),
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
