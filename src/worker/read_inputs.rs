//! Reading a load's inputs into an `Analysis` (worker only): each input opened (Parquet footer
//! or CSV bytes), partitions declared from every name the dataset has had, then one row group at
//! a time, in key passes when the dataset is too large for one unique-key table, yielding to the
//! worker's event loop every [`YIELD_AFTER_MS`] so `Cancel` and page requests get in. Opening
//! ([`open_inputs`]) comes first and apart: what the opened inputs are decides whether the load
//! is rows or event logs (`read_events.rs`).

use std::cell::RefCell;
use std::rc::Rc;

use bytes::Bytes;
use coursepulse_engine::{
    Analysis, EVENT_SNIFF_BYTES, Error as EngineError, EventFormat, Format, ParquetFile,
    Partitioning, ReadPlan, Share, can_read_in_shares, csv_columns, event_record_paths,
    is_event_input, shares,
};
use js_sys::{Array, Object, Reflect};
use parquet::file::reader::ChunkReader as _;
use wasm_bindgen::JsValue;

use crate::worker::event_loop::yield_to_event_loop;
use crate::worker::fetch::input::{ChunkReader, Input, MAX_CSV_BYTES, too_large_csv};
use crate::worker::protocol::{ErrorView, MappingHelp, Progress, ResponseKind, Settings};
use crate::worker::shared::{Host, YIELD_AFTER_MS, reply};
use crate::worker::shares::pool::{Failure, SharePool};
use crate::worker::shares::split::{
    ShareInput, ShareJob, share_files, worker_count, workers_in_query,
};

/// Why a load stopped.
pub(crate) enum Stop {
    Cancelled,
    Failed(ErrorView),
}

impl From<EngineError> for Stop {
    fn from(error: EngineError) -> Stop {
        Stop::Failed(ErrorView {
            message: error.to_string(),
            mapping: None,
            needs_full_worker: matches!(error, EngineError::UnsupportedCodec { .. }),
        })
    }
}

/// A parsed input waiting to be decoded.
pub(crate) enum Opened {
    Parquet(ParquetFile<ChunkReader>),
    /// Read at its turn, so that one CSV file at a time is in memory; `columns` from its header,
    /// in `head` (its first bytes).
    Csv {
        reader: ChunkReader,
        columns: Vec<String>,
        head: Bytes,
    },
    /// JSON lines of events (`.ndjson`, `.jsonl`, or `.json` holding event records); `head` is
    /// its first bytes.
    Json {
        head: Bytes,
    },
}

impl Opened {
    /// The input's columns (a Parquet schema, a CSV header; for JSON lines, the paths to the
    /// values of its first records).
    pub(crate) fn columns(&self) -> Vec<String> {
        match self {
            Opened::Parquet(file) => parquet_columns(file),
            Opened::Csv { columns, .. } => columns.clone(),
            Opened::Json { head } => event_record_paths(head),
        }
    }

    /// The input's first bytes, as far as they tell what it is (Parquet's magic for Parquet).
    pub(crate) fn head(&self) -> &[u8] {
        match self {
            Opened::Parquet(_) => b"PAR1",
            Opened::Csv { head, .. } | Opened::Json { head } => head,
        }
    }
}

/// A Parquet file's column names, as the mapping screen offers them.
fn parquet_columns(file: &ParquetFile<ChunkReader>) -> Vec<String> {
    file.schema()
        .fields()
        .iter()
        .map(|field| field.name().clone())
        .collect()
}

/// Opens every input of a load: Parquet footers, CSV headers, the first bytes of JSON.
pub(crate) fn open_inputs(inputs: &[Input]) -> Result<Vec<Opened>, Stop> {
    inputs.iter().map(open_input).collect()
}

fn open_input(input: &Input) -> Result<Opened, Stop> {
    let name = &input.name;
    let reader = input.reader.clone();
    // JSON lines of events (by name, or `.json` whose first lines are event records, as the
    // CLI decides); other JSON takes the usual path, which says what it is.
    // JSON lines whose fields are named otherwise are opened as JSON too, so that the mapping
    // screen can name their fields (a JSON array or document takes the usual path).
    if is_json_name(name) {
        let head = read_csv(&reader, name, input.size().min(EVENT_SNIFF_BYTES as u64))?;
        let never = || Ok::<_, std::convert::Infallible>(Vec::new());
        if is_event_input(name, &head, never).unwrap_or_else(|never| match never {})
            || !event_record_paths(&head).is_empty()
        {
            return Ok(Opened::Json { head });
        }
    }
    let format = match Format::from_name(name) {
        Some(format) => format,
        None => {
            let head = reader
                .get_bytes(0, 4.min(input.size() as usize))
                .map_err(|error| stop_message(format!("{name}: cannot read: {error}")))?;
            Format::sniff(&head)
        }
    };
    match format {
        Format::Parquet => Ok(Opened::Parquet(ParquetFile::open(name, reader)?)),
        Format::Csv => {
            let size = input.size();
            if size > MAX_CSV_BYTES {
                return Err(stop_message(too_large_csv(name, size)));
            }
            let head = read_csv(&reader, name, size.min(CSV_HEADER_BYTES))?;
            Ok(Opened::Csv {
                reader,
                columns: csv_columns(&head).unwrap_or_default(),
                head,
            })
        }
    }
}

/// JSON by its name: `.ndjson` and `.jsonl` (JSON lines), or `.json`.
fn is_json_name(name: &str) -> bool {
    EventFormat::from_name(name) == Some(EventFormat::Ndjson)
        || name.to_ascii_lowercase().ends_with(".json")
}

/// Enough of a CSV file for its header line.
const CSV_HEADER_BYTES: u64 = 1 << 20;

fn read_csv(reader: &ChunkReader, name: &str, length: u64) -> Result<Bytes, Stop> {
    reader
        .get_bytes(0, length as usize)
        .map_err(|error| stop_message(format!("{name}: cannot read: {error}")))
}

pub(crate) fn stop_message(message: String) -> Stop {
    Stop::Failed(ErrorView::new(message))
}

/// A mapping error, with the input's columns so the page can offer a mapping screen (for the
/// event fields when `events`: the input was read as a player event log).
pub(crate) fn mapping_stop(
    error: EngineError,
    source: &str,
    columns: Vec<String>,
    events: bool,
) -> Stop {
    match error {
        EngineError::Mapping { .. } => Stop::Failed(ErrorView {
            message: error.to_string(),
            mapping: Some(MappingHelp {
                source: source.to_owned(),
                columns,
                events,
            }),
            needs_full_worker: false,
        }),
        other => other.into(),
    }
}

/// The most rows a load keeps in memory for instant filters: at about 38 bytes a row, 20M rows
/// are 760 MB of a wasm worker's 4 GB, beside the analysis itself. Larger datasets are read again
/// on a filter change, as before.
pub(crate) const MAX_KEPT_ROWS: u64 = 20_000_000;

/// Reads `inputs` (rows with a completion column), opened by [`open_inputs`], into an analysis;
/// also says how many workers read it (more than one when its Parquet row groups were read in
/// shares, see `shares/`).
pub(crate) async fn analyse(
    host: &Rc<RefCell<Host>>,
    id: u32,
    inputs: &[Input],
    opened: Vec<Opened>,
    settings: &Settings,
    base: Option<(Vec<u8>, Vec<String>)>,
) -> Result<(Analysis, Vec<Vec<String>>, usize), Stop> {
    let now_micros = (js_sys::Date::now() * 1000.0) as i64;
    let options = crate::settings::options(settings, now_micros).map_err(stop_message)?;
    if let Some((input, json)) = inputs
        .iter()
        .zip(&opened)
        .find(|(_, opened)| matches!(opened, Opened::Json { .. }))
    {
        // JSON lines are read only as player event logs: these were not recognised as one (or
        // rows were asked for), so the mapping screen offers their fields as events.
        return Err(Stop::Failed(ErrorView {
            message: format!(
                "{} holds JSON lines, which CoursePulse reads only as player event logs, and no \
                 event type and playhead position were recognised in its records: say which \
                 field is which (a manifest.json is opened by its URL instead)",
                input.name
            ),
            mapping: Some(MappingHelp {
                source: input.name.clone(),
                columns: json.columns(),
                events: true,
            }),
            needs_full_worker: false,
        }));
    }
    // A fresh, unfiltered load of Parquet files keeps its rows, so that a filter change later
    // reads no file. A filtered load is read with the filter instead, which skips files and row
    // groups by their time statistics (one week of a 180-day manifest whose later days hold late
    // updates skips the days before it and fetches about half the bytes); its filter changes
    // read again. Rows are not kept with a dbt schema (its tests read columns the kept rows
    // leave out), for CSV inputs (read whole, not re-readable by row group for samples), nor
    // beyond `MAX_KEPT_ROWS`.
    let keep_rows = base.is_none()
        && options.filter.is_empty()
        && options.dbt.is_none()
        && parquet_only(&opened).is_some_and(|files| {
            files.iter().map(|file| file.num_rows()).sum::<u64>() <= MAX_KEPT_ROWS
        });
    let continues = base.is_some();
    let (mut analysis, mut names) = match base {
        Some((state, names)) => (Analysis::load_state(&state, options.clone())?, names),
        None => (Analysis::new(options.clone())?, Vec::new()),
    };
    if keep_rows {
        analysis.keep_rows()?;
    }
    // Hive partitions (`date=2025-03-01/...`) come from every name the dataset has had.
    names.extend(inputs.iter().map(|input| input.name.clone()));
    let partitioning = Partitioning::infer(&names);
    analysis.set_partitioning(partitioning.clone())?;
    let source_columns = opened.iter().map(Opened::columns).collect();
    let mut progress = Progress {
        bytes_total: inputs.iter().map(Input::size).sum(),
        groups_total: opened
            .iter()
            .map(|input| match input {
                Opened::Parquet(file) => file.num_row_groups() as u64,
                Opened::Csv { .. } | Opened::Json { .. } => 1,
            })
            .sum(),
        ..Progress::default()
    };
    let mut pacer = Pacer::new();
    // A dataset of Parquet files only is one read plan, in as many key passes as a unique-key
    // table needs (CSV inputs are small and held whole, so a mixed dataset is read an input at
    // a time in one pass, as before). A fresh one read in one pass may be read in shares on
    // several workers.
    let opened = match into_parquet(opened) {
        Ok(files) => {
            let plan =
                ReadPlan::for_rows(&analysis, files.iter().map(|file| file.num_rows()).sum());
            progress.groups_total *= u64::from(plan.passes());
            progress.bytes_total *= u64::from(plan.passes());
            if !continues && plan.passes() == 1 {
                let load = ShareLoad {
                    settings,
                    now_micros,
                    names: &names,
                    keep_rows,
                };
                let read = read_in_shares(
                    host,
                    id,
                    &mut analysis,
                    inputs,
                    &files,
                    &load,
                    &mut progress,
                    &mut pacer,
                )
                .await?;
                if let Some(workers) = read {
                    return Ok((analysis, source_columns, workers));
                }
                // Read on one worker after all: from the start, into a new analysis.
                analysis = Analysis::new(options)?;
                if keep_rows {
                    analysis.keep_rows()?;
                }
                analysis.set_partitioning(partitioning)?;
                progress.groups_done = 0;
                progress.bytes_done = 0;
            }
            let inputs: Vec<&Input> = inputs.iter().collect();
            read_plan(
                &mut analysis,
                plan,
                &inputs,
                &files,
                &mut progress,
                &mut pacer,
                host,
                id,
            )
            .await?;
            return Ok((analysis, source_columns, 1));
        }
        Err(opened) => opened,
    };
    for (input, opened) in inputs.iter().zip(&opened) {
        match opened {
            Opened::Parquet(file) => {
                let plan = ReadPlan::new(1);
                read_plan(
                    &mut analysis,
                    plan,
                    &[input],
                    std::slice::from_ref(file),
                    &mut progress,
                    &mut pacer,
                    host,
                    id,
                )
                .await?;
            }
            Opened::Json { .. } => {}
            Opened::Csv {
                reader, columns, ..
            } => {
                progress.file = input.name().to_owned();
                let bytes = read_csv(reader, input.name(), input.size())?;
                analysis
                    .add_csv(input.name(), &bytes)
                    .map_err(|error| mapping_stop(error, input.name(), columns.clone(), false))?;
                progress.groups_done += 1;
                progress.bytes_done += input.size();
                pacer.pace(host, id, &progress).await?;
            }
        }
    }
    Ok((analysis, source_columns, 1))
}

/// How long a share worker may take to start (fetch and compile its wasm) before its share is
/// read on one worker instead.
const SHARE_START_MS: f64 = 20_000.0;

/// User Timing marks of a load read in shares, in the coordinating worker's timeline (the
/// bench reads them): the share workers started, this worker's own share read, every part
/// received, the parts merged, the samples the merge found read again.
const SHARE_MARKS: [&str; 5] = [
    "shares-start",
    "shares-own-read",
    "shares-parts",
    "shares-merged",
    "shares-reread",
];

/// What a share worker is told of the load besides its share.
struct ShareLoad<'a> {
    settings: &'a Settings,
    now_micros: i64,
    names: &'a [String],
    keep_rows: bool,
}

/// Reads Parquet `files` in shares on several workers when the load allows it (see `shares/`):
/// `Some(workers)` when it did; `None` when the load is to be read on one worker, with
/// `analysis` made anew: for one core, one row group or few rows, inputs that are not local
/// files, a dbt schema (its
/// counts do not move between workers), inputs with the same content, or a share that could
/// not be read, where one worker names the input and the place in the words it always used.
/// A share worker that dies fails the load with the words of a worker's death.
#[allow(clippy::too_many_arguments)]
async fn read_in_shares(
    host: &Rc<RefCell<Host>>,
    id: u32,
    analysis: &mut Analysis,
    inputs: &[Input],
    files: &[ParquetFile<ChunkReader>],
    load: &ShareLoad<'_>,
    progress: &mut Progress,
    pacer: &mut Pacer,
) -> Result<Option<usize>, Stop> {
    let scope = host.borrow().scope.clone();
    let row_groups = files.iter().map(ParquetFile::num_row_groups).sum();
    let asked = workers_in_query(&scope.location().search());
    let cores = scope.navigator().hardware_concurrency().max(0.0) as usize;
    let rows = files.iter().map(ParquetFile::num_rows).sum();
    let count = worker_count(cores, asked, row_groups, rows);
    // Local files only: a share worker reads its part of a `File` as the coordinator would,
    // where over HTTP each would fetch the footers and the read blocks at the shares' ends
    // again (a load from a URL reads each byte once).
    let local = inputs.iter().all(|input| match &input.reader {
        ChunkReader::File(chunks) => chunks.url().is_none(),
        ChunkReader::Memory(_) => false,
    });
    // A worker started from a served script can start its kind again from the same address;
    // one from a Blob URL (the single-file build) is started with its wasm by the page.
    let served = matches!(scope.location().protocol().as_str(), "http:" | "https:");
    if count < 2
        || !local
        || !served
        || load.settings.dbt.is_some()
        || !can_read_in_shares(analysis, files)
    {
        return Ok(None);
    }
    let cut = shares(analysis, files, count);
    if cut.len() < 2 {
        return Ok(None);
    }
    let mut jobs = Vec::with_capacity(cut.len() - 1);
    let mut ranges = Vec::with_capacity(cut.len() - 1);
    for share in &cut[1..] {
        let (range, rebased) = share_files(*share, files.len());
        match share_job(load, &inputs[range.clone()], rebased) {
            Some(job) => jobs.push(job),
            None => return Ok(None),
        }
        ranges.push(range);
    }
    let timeline = scope.performance();
    let mark = |name: &str| {
        if let Some(timeline) = &timeline {
            let _ = timeline.mark(name);
        }
    };
    if let Some(timeline) = &timeline {
        timeline.clear_marks();
    }
    mark(SHARE_MARKS[0]);
    let Ok(pool) = SharePool::start(&scope.location().href(), jobs) else {
        return Ok(None);
    };
    // This worker reads the first share meanwhile.
    let inputs_read: Vec<&Input> = inputs.iter().collect();
    let own = match ReadPlan::for_share(analysis, files, &cut[0]) {
        Ok(plan) => {
            drive(
                analysis,
                plan,
                &inputs_read,
                files,
                progress,
                pacer,
                host,
                id,
                Some(&pool),
            )
            .await
        }
        Err(error) => Err(error.into()),
    };
    mark(SHARE_MARKS[1]);
    match (own, pool.failure()) {
        (Ok(()), _) => {}
        (Err(Stop::Cancelled), _) => return Err(Stop::Cancelled),
        (Err(Stop::Failed(_)), Some(Failure::Died(message))) => return Err(stop_message(message)),
        (Err(Stop::Failed(_)), _) => return Ok(None),
    }
    let parts = loop {
        match pool.failure() {
            Some(Failure::ReadAgain(_)) => return Ok(None),
            Some(Failure::Died(message)) => return Err(stop_message(message)),
            None => {}
        }
        if let Some(parts) = pool.take_parts() {
            break parts;
        }
        if pool.not_started_after(SHARE_START_MS) {
            return Ok(None);
        }
        reply(
            host,
            id,
            ResponseKind::Progress(with_shares(progress, &pool)),
        );
        pool.wait(YIELD_AFTER_MS as i32).await;
        if host.borrow().cancelled.contains(&id) {
            return Err(Stop::Cancelled);
        }
    };
    mark(SHARE_MARKS[2]);
    // The share workers end here, before the merge needs their memory.
    drop(pool);
    for (part, range) in parts.into_iter().zip(ranges) {
        let merged = Analysis::load_state(&part.bytes, analysis.options().clone())
            .and_then(|later| analysis.merge(later));
        if merged.is_err() {
            return Ok(None);
        }
        for (input, bytes) in inputs[range].iter().zip(part.bytes_read) {
            if let ChunkReader::File(chunks) = &input.reader {
                chunks.count_read_elsewhere(bytes);
            }
        }
    }
    mark(SHARE_MARKS[3]);
    // The samples that only the merge found are read again, as after any merge.
    for file in files {
        file.reread(analysis)?;
    }
    mark(SHARE_MARKS[4]);
    Ok(Some(cut.len()))
}

/// The message that starts a share worker on `share` of `inputs` (`None` when an input is not
/// a local file, or its handle is gone).
fn share_job(load: &ShareLoad<'_>, inputs: &[Input], share: Share) -> Option<JsValue> {
    let handles = Array::new();
    let mut described = Vec::with_capacity(inputs.len());
    for input in inputs {
        let ChunkReader::File(chunks) = &input.reader else {
            return None;
        };
        if chunks.url().is_some() {
            return None;
        }
        handles.push(&JsValue::from(chunks.file()?));
        described.push(ShareInput {
            name: input.name.clone(),
            size: input.size(),
        });
    }
    let job = ShareJob {
        settings: load.settings.clone(),
        now_micros: load.now_micros,
        names: load.names.to_vec(),
        keep_rows: load.keep_rows,
        inputs: described,
        start: share.start,
        end: share.end,
    };
    let value =
        serde::Serialize::serialize(&job, &serde_wasm_bindgen::Serializer::json_compatible())
            .ok()?;
    let envelope = Object::new();
    Reflect::set(&envelope, &"share".into(), &value).ok()?;
    Reflect::set(&envelope, &"files".into(), &handles).ok()?;
    Some(envelope.into())
}

/// `progress` with what the share workers have read added.
fn with_shares(progress: &Progress, pool: &SharePool) -> Progress {
    let (groups, bytes) = pool.progress();
    Progress {
        groups_done: (progress.groups_done + groups).min(progress.groups_total),
        bytes_done: (progress.bytes_done + bytes).min(progress.bytes_total),
        ..progress.clone()
    }
}

/// Reads the rows whose values a view's samples still need ([`Analysis::rows_to_read`]): only
/// the row groups that hold them, of only the inputs that have them.
pub(crate) fn fill_samples<'a>(
    analysis: &mut Analysis,
    inputs: impl IntoIterator<Item = &'a Input>,
) -> Result<(), Stop> {
    let wanted: std::collections::HashSet<String> = analysis
        .rows_to_read()
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    for input in inputs
        .into_iter()
        .filter(|input| wanted.contains(&input.name))
    {
        if let Opened::Parquet(file) = open_input(input)? {
            file.reread(analysis)?;
        }
    }
    Ok(())
}

/// The Parquet files, when every input is one; else the inputs as they were.
fn into_parquet(opened: Vec<Opened>) -> Result<Vec<ParquetFile<ChunkReader>>, Vec<Opened>> {
    if parquet_only(&opened).is_none() {
        return Err(opened);
    }
    Ok(opened
        .into_iter()
        .filter_map(|opened| match opened {
            Opened::Parquet(file) => Some(file),
            Opened::Csv { .. } | Opened::Json { .. } => None,
        })
        .collect())
}

/// The Parquet files, when every input is one.
fn parquet_only(opened: &[Opened]) -> Option<Vec<&ParquetFile<ChunkReader>>> {
    opened
        .iter()
        .map(|opened| match opened {
            Opened::Parquet(file) => Some(file),
            Opened::Csv { .. } | Opened::Json { .. } => None,
        })
        .collect()
}

/// Reads Parquet `files` with `plan` (the inputs they came from beside them): begins each (a
/// mapping failure comes back with the file's columns to choose from), then [`drive`]s it.
#[allow(clippy::too_many_arguments)]
async fn read_plan(
    analysis: &mut Analysis,
    mut plan: ReadPlan,
    inputs: &[&Input],
    files: &[ParquetFile<ChunkReader>],
    progress: &mut Progress,
    pacer: &mut Pacer,
    host: &Rc<RefCell<Host>>,
    id: u32,
) -> Result<(), Stop> {
    for (input, file) in inputs.iter().zip(files) {
        plan.begin_file(analysis, file)
            .map_err(|error| mapping_stop(error, input.name(), parquet_columns(file), false))?;
    }
    let passes = u64::from(plan.passes());
    drive(
        analysis, plan, inputs, files, progress, pacer, host, id, None,
    )
    .await?;
    // A file without row groups has no step: its bytes are done all the same.
    for (input, file) in inputs.iter().zip(files) {
        if file.num_row_groups() == 0 {
            progress.bytes_done += input.size() * passes;
        }
    }
    Ok(())
}

/// Reads every step of a begun `plan`, reporting progress (with the share workers' of `pool`
/// added) and yielding as it goes, and finishes it.
#[allow(clippy::too_many_arguments)]
async fn drive(
    analysis: &mut Analysis,
    mut plan: ReadPlan,
    inputs: &[&Input],
    files: &[ParquetFile<ChunkReader>],
    progress: &mut Progress,
    pacer: &mut Pacer,
    host: &Rc<RefCell<Host>>,
    id: u32,
    pool: Option<&SharePool>,
) -> Result<(), Stop> {
    // Progress in bytes per file and pass: what its reader fetched so far, and the whole file
    // once its last row group is done (pruned row groups fetch nothing).
    let mut bytes_before = progress.bytes_done;
    let mut read_before = 0;
    let mut reading = None;
    while let Some(step) = plan.next_step(analysis)? {
        let (input, file) = (inputs[step.file], &files[step.file]);
        let bytes_read = || input.reader.bytes_read();
        if reading != Some((step.file, step.pass)) {
            reading = Some((step.file, step.pass));
            progress.file = input.name().to_owned();
            bytes_before = progress.bytes_done;
            read_before = bytes_read();
        }
        plan.read(analysis, file, step)?;
        progress.groups_done += 1;
        progress.bytes_done = if step.row_group + 1 == file.num_row_groups() {
            bytes_before + input.size()
        } else {
            bytes_before
                + match &input.reader {
                    ChunkReader::File(_) => bytes_read() - read_before,
                    ChunkReader::Memory(_) => (0..=step.row_group)
                        .map(|group| file.row_group_bytes(group))
                        .sum(),
                }
        };
        match pool {
            Some(pool) => {
                pacer.pace(host, id, &with_shares(progress, pool)).await?;
                // A share that failed ends this one too: the caller decides what follows.
                if pool.failure().is_some() {
                    return Err(stop_message("a share worker failed".into()));
                }
            }
            None => pacer.pace(host, id, progress).await?,
        }
    }
    plan.finish(analysis)?;
    Ok(())
}

/// Yields to the event loop (and reports progress) every [`YIELD_AFTER_MS`] of work.
pub(crate) struct Pacer {
    last: f64,
}

impl Pacer {
    pub(crate) fn new() -> Pacer {
        Pacer {
            last: js_sys::Date::now(),
        }
    }

    pub(crate) async fn pace(
        &mut self,
        host: &Rc<RefCell<Host>>,
        id: u32,
        progress: &Progress,
    ) -> Result<(), Stop> {
        if js_sys::Date::now() - self.last < YIELD_AFTER_MS {
            return Ok(());
        }
        reply(host, id, ResponseKind::Progress(progress.clone()));
        let scope = host.borrow().scope.clone();
        yield_to_event_loop(&scope).await;
        self.last = js_sys::Date::now();
        if host.borrow().cancelled.contains(&id) {
            return Err(Stop::Cancelled);
        }
        Ok(())
    }
}
