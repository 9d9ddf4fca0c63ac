//! Event logs in columns (CSV or Parquet): the event fields found among the columns, and each
//! batch's rows handed to the collector as [`RawEvent`]s.

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Schema};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::reader::ChunkReader;

use crate::compute::decode::decode_times;
use crate::error::{Error, Result};
use crate::events::collect::{Collector, RawEvent};
use crate::events::fields::{EventField, find_column, parse_rate};
use crate::input::csv::CsvTable;
use crate::input::guard::catch_decoder_panic;
use crate::input::parquet::{ParquetFile, check_csv_text, from_arrow, sniff_delimiter};

/// Rows per decoded batch.
const BATCH_ROWS: usize = 65_536;

/// Which column (index into the file's schema) plays each event field.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct EventColumns {
    columns: [Option<usize>; EventField::ALL.len()],
}

impl EventColumns {
    /// Recognises the event fields among `names`; an error names what is missing and what the
    /// file has.
    pub(crate) fn resolve(
        name: &str,
        names: &[String],
        overrides: &[(EventField, String)],
    ) -> Result<EventColumns> {
        let mut columns = EventField::ALL.map(|field| find_column(field, names));
        for (field, column) in overrides {
            let found = names
                .iter()
                .position(|candidate| candidate.trim().eq_ignore_ascii_case(column.trim()))
                .ok_or_else(|| {
                    Error::mapping(
                        name,
                        format!(
                            "no column {column:?} (given for {}); file has: {}",
                            field.name(),
                            names.join(", ")
                        ),
                    )
                })?;
            columns[*field as usize] = Some(found);
        }
        let resolved = EventColumns { columns };
        let missing: Vec<String> = [EventField::Learner, EventField::EventType, EventField::Time]
            .into_iter()
            .filter(|field| resolved.column(*field).is_none())
            .map(|field| {
                format!(
                    "{} (looked for {})",
                    field.name(),
                    field.candidates().join(", ")
                )
            })
            .collect();
        let no_video = resolved.column(EventField::Video).is_none()
            && resolved.column(EventField::Title).is_none();
        if !missing.is_empty() || no_video {
            let mut wanted = missing;
            if no_video {
                wanted.push("a video id or title".to_owned());
            }
            return Err(Error::mapping(
                name,
                format!(
                    "not a usable event log: no {}; file has: {}",
                    wanted.join("; no "),
                    names.join(", ")
                ),
            ));
        }
        Ok(resolved)
    }

    pub(crate) fn column(&self, field: EventField) -> Option<usize> {
        self.columns[field as usize]
    }

    /// The mapped columns, ascending (what a Parquet reader projects).
    fn projection(&self) -> Vec<usize> {
        let mut projection: Vec<usize> = self.columns.iter().flatten().copied().collect();
        projection.sort_unstable();
        projection.dedup();
        projection
    }

    /// The same mapping over a batch holding only `projection`'s columns.
    fn projected(&self, projection: &[usize]) -> EventColumns {
        EventColumns {
            columns: self.columns.map(|column| {
                column.and_then(|column| projection.iter().position(|index| *index == column))
            }),
        }
    }

    /// Field name -> column name, for the report.
    pub(crate) fn describe(&self, schema: &Schema) -> Vec<(String, String)> {
        EventField::ALL
            .into_iter()
            .filter_map(|field| {
                Some((
                    field.name().to_owned(),
                    schema.field(self.column(field)?).name().clone(),
                ))
            })
            .collect()
    }
}

/// Reads a CSV event log into the collector; the mapping it used.
pub(crate) fn read_csv(
    collector: &mut Collector,
    name: &str,
    bytes: &[u8],
) -> Result<Vec<(String, String)>> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::format(
            name,
            "file is empty; expected an event log with a header row",
        ));
    }
    let (table, names) = read_csv_table(name, bytes)?;
    let columns = EventColumns::resolve(name, &names, &collector.overrides)?;
    let file = collector.begin_file(name);
    let mut row = 1;
    for batch in &table.batches {
        add_batch(collector, file, row, &columns, batch)
            .map_err(|error| Error::arrow(name, error))?;
        row += batch.num_rows() as u64;
    }
    Ok(columns.describe(&table.schema))
}

/// A CSV file (BOM already stripped) parsed and typed, with its column names.
pub(crate) fn read_csv_table(name: &str, bytes: &[u8]) -> Result<(CsvTable, Vec<String>)> {
    check_csv_text(name, bytes)?;
    let delimiter = sniff_delimiter(bytes);
    let table = catch_decoder_panic(name, "CSV", || {
        crate::input::csv::read(name, bytes, delimiter, BATCH_ROWS)
    })??;
    let names = table
        .schema
        .fields()
        .iter()
        .map(|field| field.name().clone())
        .collect();
    Ok((table, names))
}

/// Reads a Parquet event log (only its mapped columns) into the collector; the mapping it used.
pub(crate) fn read_parquet<R: ChunkReader + Clone + 'static>(
    collector: &mut Collector,
    name: &str,
    reader: R,
) -> Result<Vec<(String, String)>> {
    let file = ParquetFile::open(name, reader.clone())?;
    let names: Vec<String> = file
        .schema()
        .fields()
        .iter()
        .map(|field| field.name().clone())
        .collect();
    let columns = EventColumns::resolve(name, &names, &collector.overrides)?;
    let projection = columns.projection();
    let projected = columns.projected(&projection);
    let index = collector.begin_file(name);
    let parquet_schema = file.metadata.metadata().file_metadata().schema_descr();
    let mask = ProjectionMask::roots(parquet_schema, projection.iter().copied());
    let part = "row groups";
    let mut reader = catch_decoder_panic(name, "Parquet", || {
        ParquetRecordBatchReaderBuilder::new_with_metadata(reader.clone(), file.metadata.clone())
            .with_projection(mask)
            .with_batch_size(BATCH_ROWS)
            .build()
    })?
    .map_err(|error| Error::parquet(name, part, error))?;
    let mut row = 1;
    while let Some(batch) = catch_decoder_panic(name, "Parquet", || reader.next())? {
        let batch = batch.map_err(|error| Error::parquet(name, part, from_arrow(error)))?;
        add_batch(collector, index, row, &projected, &batch)
            .map_err(|error| Error::arrow(name, error))?;
        row += batch.num_rows() as u64;
    }
    Ok(columns.describe(file.schema()))
}

/// A column cast for reading: text, numbers or times.
enum Values {
    Text(ArrayRef),
    Number(ArrayRef),
    Integer(ArrayRef),
    Times(Vec<i64>),
}

/// Hands one batch's rows to the collector (rows numbered from `first_row`).
fn add_batch(
    collector: &mut Collector,
    file: u16,
    first_row: u64,
    columns: &EventColumns,
    batch: &RecordBatch,
) -> std::result::Result<(), arrow_schema::ArrowError> {
    let get = |field: EventField| {
        columns
            .column(field)
            .map(|index| batch.column(index).clone())
    };
    let text =
        |field: EventField| -> std::result::Result<Option<Values>, arrow_schema::ArrowError> {
            get(field)
                .map(|array| Ok(Values::Text(arrow_cast::cast(&array, &DataType::Utf8)?)))
                .transpose()
        };
    let number =
        |field: EventField| -> std::result::Result<Option<Values>, arrow_schema::ArrowError> {
            get(field)
                .map(|array| {
                    Ok(Values::Number(arrow_cast::cast(
                        &array,
                        &DataType::Float64,
                    )?))
                })
                .transpose()
        };
    let times = match get(EventField::Time) {
        Some(array) => {
            let mut out = Vec::new();
            decode_times(array.as_ref(), &mut out)?;
            Some(Values::Times(out))
        }
        None => None,
    };
    let sequence = get(EventField::Sequence)
        .map(|array| arrow_cast::cast(&array, &DataType::Int64).map(Values::Integer))
        .transpose()?;
    let learner = text(EventField::Learner)?;
    let video = text(EventField::Video)?;
    let title = text(EventField::Title)?;
    let course = text(EventField::Course)?;
    let kind = text(EventField::EventType)?;
    let position = number(EventField::Position)?;
    let seek_from = number(EventField::SeekFrom)?;
    let seek_to = number(EventField::SeekTo)?;
    let duration = number(EventField::Duration)?;
    let session = text(EventField::Session)?;
    let rate = text(EventField::Rate)?;
    let role = text(EventField::Role)?;
    let event_id = text(EventField::EventId)?;
    let played = text(EventField::PlayedSegments)?;
    for row in 0..batch.num_rows() {
        let raw = RawEvent {
            learner: text_at(&learner, row),
            video: text_at(&video, row),
            title: text_at(&title, row),
            course: text_at(&course, row),
            kind: text_at(&kind, row),
            time: match &times {
                Some(Values::Times(values)) => {
                    Some(values[row]).filter(|time| *time != crate::compute::decode::NO_TIME)
                }
                _ => None,
            },
            position: number_at(&position, row),
            seek_from: number_at(&seek_from, row),
            seek_to: number_at(&seek_to, row),
            duration: number_at(&duration, row),
            session: text_at(&session, row),
            sequence: match &sequence {
                Some(Values::Integer(array)) if array.is_valid(row) => {
                    Some(array.as_primitive::<Int64Type>().value(row))
                }
                _ => None,
            },
            rate: text_at(&rate, row).and_then(parse_rate),
            role: text_at(&role, row),
            event_id: text_at(&event_id, row),
            played: text_at(&played, row),
        };
        collector.push(file, first_row + row as u64, &raw);
    }
    Ok(())
}

fn text_at(values: &Option<Values>, row: usize) -> Option<&str> {
    match values {
        Some(Values::Text(array)) if array.is_valid(row) => {
            Some(array.as_string::<i32>().value(row))
        }
        _ => None,
    }
}

fn number_at(values: &Option<Values>, row: usize) -> Option<f64> {
    match values {
        Some(Values::Number(array)) if array.is_valid(row) => {
            Some(array.as_primitive::<Float64Type>().value(row))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_event_log_is_read_with_synonyms() {
        let csv = "user_id,video_id,event_type,timestamp,current_time,video_duration,speed\n\
                   S1,V1,play,2025-03-01T10:00:00Z,0,180,1x\n\
                   S1,V1,pause,2025-03-01T10:00:30Z,30,180,2\n";
        let mut collector = Collector::new(3);
        let mapping = read_csv(&mut collector, "e.csv", csv.as_bytes()).unwrap();
        assert_eq!(collector.events.len(), 2);
        assert_eq!(collector.events[1].position, 30.0);
        assert_eq!(collector.events[1].rate, 2.0);
        assert_eq!(
            collector.events[1].time - collector.events[0].time,
            30_000_000
        );
        assert!(mapping.contains(&("position".to_owned(), "current_time".to_owned())));
    }

    #[test]
    fn a_file_without_the_event_fields_is_refused_with_what_it_has() {
        let csv = "student_id,video_id,completion_rate_percent\nS1,V1,50\n";
        let error = read_csv(&mut Collector::new(3), "rows.csv", csv.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(error.contains("no event_type"), "{error}");
        assert!(
            error.contains("file has: student_id, video_id, completion_rate_percent"),
            "{error}"
        );
    }
}
