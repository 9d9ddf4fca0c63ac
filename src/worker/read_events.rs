//! Player event logs in the worker: deciding that a load's inputs are event logs (the engine's
//! `is_event_input`, which the CLI uses too), telling a video catalogue (`videos.csv`) among
//! them by its columns, and reading the logs into the engine's `EventLog`. A Parquet log is read
//! through its `ChunkReader` a row group at a time; a CSV or JSON-lines log a block at a time,
//! yielding between blocks, then parsed whole (a pair's events may be anywhere in it).

use std::cell::RefCell;
use std::rc::Rc;

use bytes::Bytes;
use coursepulse_engine::{
    Analysis, EventField, EventLog, EventSection, is_event_input, is_video_catalogue,
    not_an_event_log,
};
use parquet::file::reader::ChunkReader as _;

use crate::worker::fetch::input::{ChunkReader, Input, MAX_CSV_BYTES};
use crate::worker::protocol::{Progress, Settings};
use crate::worker::read_inputs::{Opened, Pacer, Stop, mapping_stop, stop_message};
use crate::worker::shared::Host;

/// What a load's inputs are, once event logs are among them.
pub(crate) struct EventInputs {
    /// The event logs, in the load's order.
    pub(crate) logs: Vec<LogInput>,
    /// The video catalogues (CSV with a duration and a video column, not events).
    pub(crate) catalogues: Vec<Input>,
}

/// One event log of a load.
pub(crate) struct LogInput {
    pub(crate) input: Input,
    /// Whether it is Parquet (read by range, a row group at a time).
    pub(crate) parquet: bool,
    /// Its columns, or for JSON lines the paths of its first records: what the mapping screen
    /// offers for its fields.
    pub(crate) columns: Vec<String>,
}

/// The events a load continues from (an add to a dashboard of event logs).
pub(crate) struct Loaded {
    pub(crate) log: EventLog,
    /// The catalogues read before, with their entries.
    pub(crate) catalogues: Vec<(String, u64)>,
    /// The logs read before, with their columns.
    pub(crate) columns: Vec<(String, Vec<String>)>,
}

/// The bytes read into memory per step: large enough to be few calls, small enough that a
/// cancel is heard within a fraction of a second.
const BLOCK_BYTES: u64 = 16 << 20;

/// `None` when no input is an event log (rows with a completion column, read as before);
/// otherwise the logs and catalogues, or the CLI's error for an input that is neither. Decided
/// on the inputs as the load opened them (`opened`), so no footer is read twice; `events`
/// (the settings' choice) overrides the engine's decision: `Some(false)` reads rows, and
/// `Some(true)` reads every input that is not a video catalogue as an event log, whatever its
/// columns are named (the mapping names them).
pub(crate) fn classify(
    inputs: &[Input],
    opened: &[Opened],
    events: Option<bool>,
) -> Option<Result<EventInputs, Stop>> {
    if events == Some(false) {
        return None;
    }
    let is_event: Vec<bool> = inputs
        .iter()
        .zip(opened)
        .map(|(input, opened)| {
            is_event_input(&input.name, opened.head(), || {
                Ok::<_, std::convert::Infallible>(opened.columns())
            })
            .unwrap_or_else(|never| match never {})
        })
        .collect();
    if events.is_none() && !is_event.contains(&true) {
        return None;
    }
    let mut logs = Vec::new();
    let mut catalogues = Vec::new();
    for ((input, opened), event) in inputs.iter().zip(opened).zip(is_event) {
        let catalogue =
            matches!(opened, Opened::Csv { .. }) && is_video_catalogue(&opened.columns());
        if event || (events == Some(true) && !catalogue) {
            logs.push(LogInput {
                input: input.clone(),
                parquet: matches!(opened, Opened::Parquet(_)),
                columns: opened.columns(),
            });
        } else if catalogue {
            catalogues.push(input.clone());
        } else {
            return Some(Err(stop_message(format!(
                "{}. A video catalogue (videos.csv) given beside event logs is recognised by its \
                 columns: a duration and a video id or title.",
                not_an_event_log(&input.name)
            ))));
        }
    }
    Some(Ok(EventInputs { logs, catalogues }))
}

/// The log read from `inputs`, its pairs' analysis and its event section, with the catalogue
/// files and their entries, and every log's columns.
pub(crate) struct EventsRead {
    pub(crate) log: EventLog,
    pub(crate) analysis: Analysis,
    pub(crate) section: EventSection,
    pub(crate) catalogues: Vec<(String, u64)>,
    pub(crate) columns: Vec<(String, Vec<String>)>,
}

/// Reads the catalogues, then every log, into `start` (the events loaded so far, when logs are
/// added to them: only the new logs are read) or a new `EventLog` with `settings`' options and
/// event-field mapping.
pub(crate) async fn analyse_events(
    host: &Rc<RefCell<Host>>,
    id: u32,
    inputs: &EventInputs,
    settings: &Settings,
    start: Option<Loaded>,
) -> Result<EventsRead, Stop> {
    let now_micros = (js_sys::Date::now() * 1000.0) as i64;
    let options = crate::settings::options(settings, now_micros).map_err(stop_message)?;
    let mapping = event_mapping(&settings.event_mapping).map_err(stop_message)?;
    let (mut log, mut catalogues, mut columns) = match start {
        Some(Loaded {
            mut log,
            catalogues,
            columns,
        }) => {
            log.set_options(options)?;
            (log, catalogues, columns)
        }
        None => (EventLog::new(options)?, Vec::new(), Vec::new()),
    };
    log.set_mapping(mapping)?;
    let all = inputs
        .catalogues
        .iter()
        .chain(inputs.logs.iter().map(|log| &log.input));
    let mut progress = Progress {
        bytes_total: all.clone().map(Input::size).sum(),
        groups_total: all.count() as u64,
        ..Progress::default()
    };
    let mut pacer = Pacer::new();
    for input in &inputs.catalogues {
        let bytes = read_whole(host, id, input, &mut progress, &mut pacer).await?;
        let entries = log.add_catalogue(&input.name, &bytes).map_err(|error| {
            stop_message(format!(
                "{} is not a usable video catalogue: {error}",
                input.name
            ))
        })?;
        catalogues.push((input.name.clone(), entries as u64));
        progress.groups_done += 1;
    }
    for LogInput {
        input,
        parquet,
        columns: log_columns,
    } in &inputs.logs
    {
        // Parquet through the input's own reader, a row group at a time (the same reader type
        // as rows are read with, so the worker holds one copy of the decoder); text whole.
        let reader = if *parquet {
            progress.file = input.name.clone();
            input.reader.clone()
        } else {
            ChunkReader::Memory(read_whole(host, id, input, &mut progress, &mut pacer).await?)
        };
        log.add(&input.name, reader, None)
            .map_err(|error| mapping_stop(error, &input.name, log_columns.clone(), true))?;
        columns.retain(|(name, _)| *name != input.name);
        columns.push((input.name.clone(), log_columns.clone()));
        if *parquet {
            progress.bytes_done += input.size();
        }
        progress.groups_done += 1;
        pacer.pace(host, id, &progress).await?;
    }
    let (analysis, section) = log.analyse()?;
    Ok(EventsRead {
        log,
        analysis,
        section,
        catalogues,
        columns,
    })
}

/// The settings' event-field overrides as the engine's fields; an unknown field name is an
/// error (the page only sends the names it lists).
fn event_mapping(overrides: &[(String, String)]) -> Result<Vec<(EventField, String)>, String> {
    overrides
        .iter()
        .map(|(field, column)| {
            EventField::from_name(field)
                .map(|field| (field, column.clone()))
                .ok_or_else(|| format!("{field:?} is not an event field"))
        })
        .collect()
}

/// Reads `input` whole, a block at a time, reporting progress and yielding between blocks.
async fn read_whole(
    host: &Rc<RefCell<Host>>,
    id: u32,
    input: &Input,
    progress: &mut Progress,
    pacer: &mut Pacer,
) -> Result<Bytes, Stop> {
    let size = input.size();
    if size > MAX_CSV_BYTES {
        return Err(stop_message(format!(
            "{} is {}: a CSV or JSON-lines event log is read whole, and this browser reads \
             such logs of at most {}. Split it into smaller files (a pair's events may be in \
             any of them), save it as Parquet (read a row group at a time, of any size), or use \
             the CoursePulse command line, which has no such limit.",
            input.name,
            crate::format::bytes(size),
            crate::format::bytes(MAX_CSV_BYTES)
        )));
    }
    progress.file = input.name.clone();
    let mut bytes = Vec::with_capacity(size as usize);
    let mut start = 0;
    while start < size {
        let length = BLOCK_BYTES.min(size - start);
        bytes.extend_from_slice(&read(input, start, length)?);
        start += length;
        progress.bytes_done += length;
        pacer.pace(host, id, progress).await?;
    }
    Ok(Bytes::from(bytes))
}

fn read(input: &Input, start: u64, length: u64) -> Result<Bytes, Stop> {
    input
        .reader
        .get_bytes(start, length as usize)
        .map_err(|error| stop_message(format!("{}: cannot read: {error}", input.name)))
}
