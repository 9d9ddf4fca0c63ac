//! CSV input: the header (BOM, quotes, sniffed delimiter), every column read as text in one pass
//! by arrow-csv, then typed by our own inference over all rows: `Int64` when every non-empty
//! value is an integer, `Float64` when every one is a number, text otherwise (times stay text;
//! the engine parses them). arrow-csv's own inference is regex-based and costs about 0.45 MB
//! of wasm; this costs a few kilobytes.

use std::io::Cursor;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, Float64Array, Int64Array, RecordBatch};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};

use crate::error::{Error, Result};

/// The most columns a CSV input may have. A watch-log export has a few dozen; a file with
/// thousands is almost always read with the wrong delimiter, or built to exhaust memory.
pub(crate) const MAX_COLUMNS: usize = 4_096;

/// Cells (rows x columns) per decoded batch. arrow-csv sizes its buffers for a whole batch of
/// rows x columns before reading, so a wide file gets fewer rows per batch: 2^20 cells keeps a
/// batch's buffers near 32 MB whatever the width, and leaves the default 65,536 rows for any
/// file of up to 16 columns.
const CELLS_PER_BATCH: usize = 1 << 20;

/// Rows per batch for a file of `columns` columns: the caller's size, fewer for wide files.
pub(crate) fn batch_rows(batch_size: usize, columns: usize) -> usize {
    (CELLS_PER_BATCH / columns.max(1)).clamp(1, batch_size.max(1))
}

/// A CSV input, parsed.
pub(crate) struct CsvTable {
    /// Column names and inferred types.
    pub(crate) schema: SchemaRef,
    /// The rows, typed as `schema` says.
    pub(crate) batches: Vec<RecordBatch>,
}

/// The column names in the header line.
pub(crate) fn header(name: &str, bytes: &[u8], delimiter: u8) -> Result<Vec<String>> {
    let mut reader = csv_core::ReaderBuilder::new().delimiter(delimiter).build();
    let mut names = Vec::new();
    let mut field = vec![0u8; 1024];
    let mut input = bytes;
    let mut written = 0;
    loop {
        let (result, read, wrote) = reader.read_field(input, &mut field[written..]);
        input = &input[read..];
        written += wrote;
        match result {
            csv_core::ReadFieldResult::OutputFull => {
                let grown = field.len() * 2;
                field.resize(grown, 0);
            }
            // All input read: the next call, with an empty slice, ends the last field.
            csv_core::ReadFieldResult::InputEmpty => {}
            csv_core::ReadFieldResult::Field { record_end } => {
                names.push(String::from_utf8_lossy(&field[..written]).into_owned());
                written = 0;
                if names.len() > MAX_COLUMNS {
                    return Err(Error::format(
                        name,
                        format!(
                            "the CSV header has more than {MAX_COLUMNS} columns, the most \
                             CoursePulse reads (a watch-log export has a few dozen); check the \
                             delimiter"
                        ),
                    ));
                }
                if record_end {
                    break;
                }
            }
            csv_core::ReadFieldResult::End => break,
        }
    }
    if names.iter().all(|name| name.trim().is_empty()) {
        return Err(Error::format(
            name,
            "the CSV header row has no column names",
        ));
    }
    Ok(names)
}

/// The number of data rows (records after the header), counted without decoding any value: what
/// an input skipped by pruning still contributes to the row counts.
pub(crate) fn count_records(bytes: &[u8], delimiter: u8) -> u64 {
    let mut reader = csv_core::ReaderBuilder::new().delimiter(delimiter).build();
    // The values are not kept: the buffers are reused whenever they fill up.
    let mut output = vec![0u8; 64 * 1024];
    let mut ends = vec![0usize; 1024];
    let mut input = bytes;
    let mut records = 0u64;
    loop {
        let (result, read, _, _) = reader.read_record(input, &mut output, &mut ends);
        input = &input[read..];
        match result {
            csv_core::ReadRecordResult::Record => records += 1,
            csv_core::ReadRecordResult::End => break,
            csv_core::ReadRecordResult::InputEmpty
            | csv_core::ReadRecordResult::OutputFull
            | csv_core::ReadRecordResult::OutputEndsFull => {}
        }
    }
    records.saturating_sub(1)
}

/// Reads all rows as text, then types each column.
pub(crate) fn read(name: &str, bytes: &[u8], delimiter: u8, batch_size: usize) -> Result<CsvTable> {
    let names = header(name, bytes, delimiter)?;
    let text_schema = Arc::new(Schema::new(
        names
            .iter()
            .map(|column| Field::new(column, DataType::Utf8, true))
            .collect::<Vec<_>>(),
    ));
    let reader = arrow_csv::ReaderBuilder::new(text_schema)
        .with_header(true)
        .with_delimiter(delimiter)
        .with_batch_size(batch_rows(batch_size, names.len()))
        .build(Cursor::new(bytes))
        .map_err(|error| Error::arrow(name, error))?;
    let text_batches = reader
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|error| Error::arrow(name, explain(error, bytes, delimiter)))?;
    let types: Vec<DataType> = (0..names.len())
        .map(|column| infer(text_batches.iter().map(|batch| batch.column(column))))
        .collect();
    let schema = Arc::new(Schema::new(
        names
            .iter()
            .zip(&types)
            .map(|(column, data_type)| Field::new(column, data_type.clone(), true))
            .collect::<Vec<_>>(),
    ));
    let batches = text_batches
        .into_iter()
        .map(|batch| {
            let columns = batch
                .columns()
                .iter()
                .zip(&types)
                .map(|(column, data_type)| convert(column, data_type))
                .collect();
            RecordBatch::try_new(schema.clone(), columns).map_err(|error| Error::arrow(name, error))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(CsvTable { schema, batches })
}

/// Rewrites arrow-csv's record errors to say what was expected, what was found, and the likely
/// cause, from the offending line.
fn explain(error: ArrowError, bytes: &[u8], delimiter: u8) -> ArrowError {
    let ArrowError::CsvError(message) = &error else {
        return error;
    };
    let numbers: Vec<usize> = message
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|part| part.parse().ok())
        .collect();
    // arrow-csv counts lines from 1 with the header as line 1, as an editor does (a quoted field
    // spanning lines shifts this; the hint is then approximate).
    let line_text = |line: usize| {
        bytes
            .split(|byte| *byte == b'\n')
            .nth(line.saturating_sub(1))
            .unwrap_or_default()
    };
    let explained = if message.starts_with("incorrect number of fields") && numbers.len() == 3 {
        let (line, expected, found) = (numbers[0], numbers[1], numbers[2]);
        let text = line_text(line);
        let other_delimiter = [b',', b';', b'\t', b'|']
            .into_iter()
            .find(|candidate| *candidate != delimiter && text.contains(candidate));
        let quotes = text.iter().filter(|byte| **byte == b'"').count();
        let cause = if quotes % 2 == 1 {
            format!(": a quote (\") opened on line {line} is never closed")
        } else if found == 1
            && let Some(other) = other_delimiter
        {
            format!(
                ": line {line} seems to be separated by {:?} while the header uses {:?}",
                char::from(other),
                char::from(delimiter)
            )
        } else {
            String::new()
        };
        format!(
            "line {line} has {found} field{} where the header has {expected}{cause}",
            if found == 1 { "" } else { "s" }
        )
    } else if message.starts_with("Encountered invalid UTF-8") && numbers.len() >= 2 {
        // The last two numbers: "UTF-8" holds one too.
        let (line, field) = (numbers[numbers.len() - 2], numbers[numbers.len() - 1]);
        let text = line_text(line);
        let bad_byte = std::str::from_utf8(text)
            .err()
            .map(|utf8_error| text[utf8_error.valid_up_to()]);
        format!(
            "the file is not UTF-8 text: line {line}, field {field} has the byte {} (Latin-1 or \
             Windows-1252, perhaps); save the file as UTF-8",
            bad_byte.map_or_else(|| "?".to_owned(), |byte| format!("0x{byte:02X}"))
        )
    } else {
        return error;
    };
    ArrowError::CsvError(explained)
}

/// The narrowest type every non-empty value of a text column fits: Int64, Float64 or Utf8.
fn infer<'a>(columns: impl Iterator<Item = &'a ArrayRef>) -> DataType {
    let mut integers = true;
    let mut any = false;
    for column in columns {
        for value in column.as_string::<i32>().iter().flatten() {
            any = true;
            if integers && value.parse::<i64>().is_ok() {
                continue;
            }
            integers = false;
            if !is_plain_number(value) {
                return DataType::Utf8;
            }
        }
    }
    match (any, integers) {
        (false, _) => DataType::Utf8,
        (true, true) => DataType::Int64,
        (true, false) => DataType::Float64,
    }
}

/// Decimal or scientific notation; not `NaN` or `inf`, which a CSV means as text.
fn is_plain_number(value: &str) -> bool {
    value.parse::<f64>().is_ok_and(f64::is_finite)
        && value
            .bytes()
            .all(|byte| byte.is_ascii_digit() || matches!(byte, b'.' | b'-' | b'+' | b'e' | b'E'))
}

/// A typed CSV column back as its text (the completion column is always parsed as text).
pub(crate) fn as_text(column: &ArrayRef) -> ArrayRef {
    let values: arrow_array::StringArray = match column.data_type() {
        DataType::Int64 => column
            .as_primitive::<arrow_array::types::Int64Type>()
            .iter()
            .map(|value| value.map(|value| value.to_string()))
            .collect(),
        DataType::Float64 => column
            .as_primitive::<arrow_array::types::Float64Type>()
            .iter()
            .map(|value| value.map(|value| value.to_string()))
            .collect(),
        _ => return column.clone(),
    };
    Arc::new(values)
}

fn convert(column: &ArrayRef, data_type: &DataType) -> ArrayRef {
    let text = column.as_string::<i32>();
    match data_type {
        DataType::Int64 => Arc::new(
            text.iter()
                .map(|value| value.and_then(|value| value.parse::<i64>().ok()))
                .collect::<Int64Array>(),
        ),
        DataType::Float64 => Arc::new(
            text.iter()
                .map(|value| value.and_then(|value| value.parse::<f64>().ok()))
                .collect::<Float64Array>(),
        ),
        _ => column.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: a 149 KB CSV of 20,003 columns asked for 10 GB (65,536 rows x 20,003
    /// columns of buffers) and aborted the CLI.
    #[test]
    fn wide_files_get_short_batches_and_too_wide_ones_are_refused() {
        assert_eq!(batch_rows(65_536, 9), 65_536);
        assert_eq!(batch_rows(65_536, 4_003), 261);
        assert_eq!(batch_rows(7, 1), 7);
        assert_eq!(batch_rows(65_536, 0), 65_536);
        let wide = |columns: usize| {
            let header: Vec<String> = (0..columns).map(|index| format!("c{index}")).collect();
            let row = vec!["1"; columns].join(",");
            format!("{}\n{row}\n", header.join(","))
        };
        let text = wide(4_003);
        let table = read("wide.csv", text.as_bytes(), b',', 65_536).unwrap();
        assert_eq!(table.schema.fields().len(), 4_003);
        assert_eq!(
            table
                .batches
                .iter()
                .map(|batch| batch.num_rows())
                .sum::<usize>(),
            1
        );
        let error = read("wider.csv", wide(20_003).as_bytes(), b',', 65_536)
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("more than 4096 columns"), "{error}");
    }

    #[test]
    fn header_handles_quotes_and_delimiters() {
        let check = |bytes: &[u8], delimiter, expected: &[&str]| {
            assert_eq!(header("t.csv", bytes, delimiter).unwrap(), expected);
        };
        check(b"a,b,c\n1,2,3\n", b',', &["a", "b", "c"]);
        check(b"\"learner, id\";pct\r\n1;2", b';', &["learner, id", "pct"]);
        check(b"only", b',', &["only"]);
        check(b"x,\"y\"\"z\"", b',', &["x", "y\"z"]);
        assert!(header("t.csv", b",\n1,2\n", b',').is_err());
        // Blank lines before the header are skipped, as arrow-csv skips them.
        check(b"\na,b\n", b',', &["a", "b"]);
    }

    #[test]
    fn columns_get_the_narrowest_type() {
        let csv = b"id,score,label,empty,big\n1,1.5,a,,99999999999999999999\n-2,2,b,,1\n,,NaN,,\n";
        let table = read("t.csv", csv, b',', 2).unwrap();
        let types: Vec<&DataType> = table
            .schema
            .fields()
            .iter()
            .map(|field| field.data_type())
            .collect();
        assert_eq!(
            types,
            [
                &DataType::Int64,
                &DataType::Float64,
                &DataType::Utf8,
                &DataType::Utf8,
                &DataType::Float64
            ]
        );
        assert_eq!(table.batches.len(), 2, "batch size 2 over 3 rows");
        let ids = table.batches[0]
            .column(0)
            .as_primitive::<arrow_array::types::Int64Type>();
        assert_eq!(ids.values(), &[1, -2]);
        let last = &table.batches[1];
        assert!(last.column(0).is_null(0), "an empty integer is NULL");
        assert_eq!(last.column(2).as_string::<i32>().value(0), "NaN");
    }
}
