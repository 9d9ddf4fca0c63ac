//! The analysis worker: owns the dataset (file handles, the engine's `Analysis`, the report and
//! its tables) and answers the page's [`Request`]s. Runs only inside a dedicated Web Worker.
//!
//! A load reads one Parquet row group at a time and yields to the worker's event loop every
//! [`YIELD_AFTER_MS`], so `Cancel` and `Page` requests are handled while it runs. A new dataset
//! replaces the current one only when its load succeeds: on error or cancel the old one stays.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use bytes::Bytes;
use coursepulse_engine::{
    Analysis, Error as EngineError, Format, ParquetFile, Report, csv_columns,
};
use js_sys::{Array, Reflect, Uint8Array};
use parquet::file::reader::ChunkReader;
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{DedicatedWorkerGlobalScope, File, MessageEvent};

use crate::tables::{self, Table};
use crate::view_model::{self, Context};
use crate::worker::file_chunks::{FileChunks, HttpSource};
use crate::worker::protocol::{
    ErrorView, MappingHelp, Progress, Request, RequestKind, Response, ResponseKind, Settings,
    SourceSpec, TableId, TableQuery,
};

/// How long a load computes before it lets other messages in.
pub const YIELD_AFTER_MS: f64 = 40.0;
/// The bundled sample, relative to the worker script (the app's root).
pub const SAMPLE_URL: &str = "sample/watch-logs.parquet";

/// Installs the message handler and tells the page the worker is ready.
pub fn run() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let host = Rc::new(RefCell::new(Host {
        scope: scope.clone(),
        dataset: None,
        cancelled: HashSet::new(),
        active_load: None,
    }));
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
        handle_message(&host, event.data());
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The worker lives as long as the page; so does its handler.
    on_message.forget();
    post(
        &scope,
        &Response {
            id: 0,
            kind: ResponseKind::Ready,
        },
    );
}

struct Host {
    scope: DedicatedWorkerGlobalScope,
    dataset: Option<Dataset>,
    cancelled: HashSet<u32>,
    active_load: Option<u32>,
}

struct Dataset {
    inputs: Vec<Input>,
    analysis: Analysis,
    report: Report,
    context: Context,
    tables: HashMap<String, Rc<Table>>,
}

/// One input of a dataset.
#[derive(Clone)]
enum Input {
    File { name: String, chunks: FileChunks },
    Memory { name: String, bytes: Bytes },
}

impl Input {
    fn name(&self) -> &str {
        match self {
            Input::File { name, .. } | Input::Memory { name, .. } => name,
        }
    }

    fn size(&self) -> u64 {
        match self {
            Input::File { chunks, .. } => parquet::file::reader::Length::len(chunks),
            Input::Memory { bytes, .. } => bytes.len() as u64,
        }
    }

    fn release(&self) {
        if let Input::File { chunks, .. } = self {
            chunks.release();
        }
    }
}

fn post(scope: &DedicatedWorkerGlobalScope, response: &Response) {
    // A failed post means the page is gone; there is no one left to tell.
    let _ = scope.post_message(&JsValue::from_str(&response.to_json()));
}

fn reply(host: &Rc<RefCell<Host>>, id: u32, kind: ResponseKind) {
    let scope = host.borrow().scope.clone();
    post(&scope, &Response { id, kind });
}

fn error_view(message: impl Into<String>) -> ResponseKind {
    ResponseKind::Error(ErrorView {
        message: message.into(),
        mapping: None,
    })
}

fn handle_message(host: &Rc<RefCell<Host>>, data: JsValue) {
    let text = Reflect::get(&data, &"request".into())
        .ok()
        .and_then(|value| value.as_string());
    let request = match text.as_deref().map(Request::from_json) {
        Some(Ok(request)) => request,
        Some(Err(message)) => return reply(host, 0, error_view(message)),
        None => {
            return reply(
                host,
                0,
                error_view("malformed request: no `request` string"),
            );
        }
    };
    let files: Vec<File> = Reflect::get(&data, &"files".into())
        .ok()
        .filter(Array::is_array)
        .map(|value| {
            Array::from(&value)
                .iter()
                .filter_map(|file| file.dyn_into::<File>().ok())
                .collect()
        })
        .unwrap_or_default();
    let id = request.id;
    match request.kind {
        RequestKind::Cancel { target } => {
            host.borrow_mut().cancelled.insert(target);
        }
        RequestKind::Open { source, settings } => {
            let host = host.clone();
            spawn_local(async move {
                match open_inputs(&host, source, files).await {
                    Ok(inputs) => load(host, id, inputs, settings, true).await,
                    Err(message) => reply(&host, id, error_view(message)),
                }
            });
        }
        RequestKind::Reanalyse { settings } => {
            let inputs = host
                .borrow()
                .dataset
                .as_ref()
                .map(|dataset| dataset.inputs.clone());
            match inputs {
                Some(inputs) => {
                    spawn_local(load(host.clone(), id, inputs, settings, false));
                }
                None => reply(host, id, error_view("no data is loaded yet")),
            }
        }
        RequestKind::Relist {
            top_n,
            per_course_n,
        } => {
            let kind = relist(host, top_n, per_course_n);
            reply(host, id, kind);
        }
        RequestKind::Page(query) => {
            let kind = with_table(host, &query, |table| ResponseKind::Page(table.page(&query)));
            reply(host, id, kind);
        }
        RequestKind::Export(query) => {
            let kind = with_table(host, &query, |table| ResponseKind::Csv {
                file_name: format!("coursepulse-{}.csv", query.table.file_stem()),
                text: table.to_csv(&query),
            });
            reply(host, id, kind);
        }
    }
}

fn relist(host: &Rc<RefCell<Host>>, top_n: usize, per_course_n: usize) -> ResponseKind {
    let mut host = host.borrow_mut();
    let Some(dataset) = host.dataset.as_mut() else {
        return error_view("no data is loaded yet");
    };
    if let Err(error) = dataset.analysis.set_listing(top_n, per_course_n, 1) {
        return error_view(error.to_string());
    }
    dataset.report = dataset.analysis.report();
    dataset.context.settings.top_n = top_n;
    dataset.context.settings.per_course_n = per_course_n;
    dataset.tables.clear();
    ResponseKind::Dashboard(Box::new(view_model::dashboard(
        &dataset.report,
        dataset.context.clone(),
    )))
}

fn with_table(
    host: &Rc<RefCell<Host>>,
    query: &TableQuery,
    answer: impl FnOnce(&Table) -> ResponseKind,
) -> ResponseKind {
    let mut host = host.borrow_mut();
    let Some(dataset) = host.dataset.as_mut() else {
        return error_view("no data is loaded yet");
    };
    let key = serde_json::to_string(&query.table).unwrap_or_default();
    let table = match dataset.tables.get(&key) {
        Some(table) => table.clone(),
        None => match tables::build(&dataset.report, &query.table) {
            Some(table) => {
                let table = Rc::new(table);
                dataset.tables.insert(key, table.clone());
                table
            }
            None => return error_view(unknown_table(&query.table)),
        },
    };
    answer(&table)
}

fn unknown_table(table: &TableId) -> String {
    match table {
        TableId::CourseVideos { course } => format!("no course {course:?} in the current data"),
        TableId::QualitySamples { rule } => format!("no quality rule named {rule:?}"),
        _ => "no such table".into(),
    }
}

async fn open_inputs(
    host: &Rc<RefCell<Host>>,
    source: SourceSpec,
    files: Vec<File>,
) -> Result<Vec<Input>, String> {
    match source {
        SourceSpec::Files => {
            if files.is_empty() {
                return Err("no files were given".into());
            }
            Ok(files
                .into_iter()
                .map(|file| Input::File {
                    name: file.name(),
                    chunks: FileChunks::register(file),
                })
                .collect())
        }
        SourceSpec::Sample => Ok(vec![fetch_input(host, SAMPLE_URL).await?]),
        SourceSpec::Url { url } => {
            // Parquet is read by range (footer, then the needed column chunks); CSV, or a server
            // that ignores `Range`, is downloaded whole.
            let name = url_file_name(&url);
            if Format::from_name(&name) == Some(Format::Csv) {
                return Ok(vec![fetch_input(host, &url).await?]);
            }
            Ok(vec![match FileChunks::http(&url)? {
                HttpSource::Ranges(chunks) => Input::File { name, chunks },
                HttpSource::Whole(bytes) => Input::Memory { name, bytes },
                HttpSource::Download => fetch_input(host, &url).await?,
            }])
        }
    }
}

async fn fetch_input(host: &Rc<RefCell<Host>>, url: &str) -> Result<Input, String> {
    let scope = host.borrow().scope.clone();
    let failed = |what: &str, error: JsValue| {
        let detail = error
            .dyn_ref::<js_sys::Error>()
            .map(|error| String::from(error.message()))
            .unwrap_or_else(|| format!("{error:?}"));
        format!(
            "{url}: {what} ({detail}); is the address right and does the server allow it (CORS)?"
        )
    };
    let response = JsFuture::from(scope.fetch_with_str(url))
        .await
        .map_err(|error| failed("could not fetch", error))?;
    let response: web_sys::Response = response
        .dyn_into()
        .map_err(|error| failed("not an HTTP response", error))?;
    if !response.ok() {
        return Err(format!(
            "{url}: the server answered HTTP {} {}",
            response.status(),
            response.status_text()
        ));
    }
    let buffer = response
        .array_buffer()
        .map_err(|error| failed("could not read the body", error))?;
    let buffer = JsFuture::from(buffer)
        .await
        .map_err(|error| failed("could not read the body", error))?;
    Ok(Input::Memory {
        name: url_file_name(url),
        bytes: Bytes::from(Uint8Array::new(&buffer).to_vec()),
    })
}

/// The last path segment of a URL (`https://h/a/b.parquet?x` -> `b.parquet`).
fn url_file_name(url: &str) -> String {
    url.split(['?', '#'])
        .next()
        .and_then(|path| path.rsplit('/').next())
        .filter(|name| !name.is_empty())
        .unwrap_or(url)
        .to_owned()
}

/// Why a load stopped.
enum Stop {
    Cancelled,
    Failed(ErrorView),
}

impl From<EngineError> for Stop {
    fn from(error: EngineError) -> Stop {
        Stop::Failed(ErrorView {
            message: error.to_string(),
            mapping: None,
        })
    }
}

async fn load(
    host: Rc<RefCell<Host>>,
    id: u32,
    inputs: Vec<Input>,
    settings: Settings,
    new_inputs: bool,
) {
    let started = js_sys::Date::now();
    // One load at a time: a newer one supersedes the one running.
    if let Some(previous) = host.borrow_mut().active_load.replace(id) {
        host.borrow_mut().cancelled.insert(previous);
    }
    let outcome = analyse(&host, id, &inputs, &settings).await;
    {
        let mut state = host.borrow_mut();
        state.cancelled.remove(&id);
        if state.active_load == Some(id) {
            state.active_load = None;
        }
    }
    match outcome {
        Ok((analysis, source_columns)) => {
            let report = analysis.report();
            let context = Context {
                source_bytes: inputs.iter().map(Input::size).collect(),
                source_columns,
                all_courses: analysis.courses_seen(),
                date_span: analysis.date_span(),
                settings,
                today: Some(today()),
            };
            let mut dashboard = view_model::dashboard(&report, context.clone());
            dashboard.elapsed_ms = js_sys::Date::now() - started;
            let previous = host.borrow_mut().dataset.replace(Dataset {
                inputs,
                analysis,
                report,
                context,
                tables: HashMap::new(),
            });
            if new_inputs && let Some(previous) = previous {
                previous.inputs.iter().for_each(Input::release);
            }
            reply(&host, id, ResponseKind::Dashboard(Box::new(dashboard)));
        }
        Err(stop) => {
            if new_inputs {
                inputs.iter().for_each(Input::release);
            }
            let kind = match stop {
                Stop::Cancelled => ResponseKind::Cancelled,
                Stop::Failed(view) => ResponseKind::Error(view),
            };
            reply(&host, id, kind);
        }
    }
}

/// A parsed input waiting to be decoded.
enum Opened {
    Parquet(ParquetFile<Reader>),
    Csv(Bytes),
}

/// Either reader, so that every Parquet input is one type.
#[derive(Clone)]
enum Reader {
    File(FileChunks),
    Memory(Bytes),
}

impl parquet::file::reader::Length for Reader {
    fn len(&self) -> u64 {
        match self {
            Reader::File(chunks) => chunks.len(),
            Reader::Memory(bytes) => bytes.len() as u64,
        }
    }
}

impl ChunkReader for Reader {
    type T = Box<dyn std::io::Read>;

    fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
        Ok(match self {
            Reader::File(chunks) => Box::new(chunks.get_read(start)?),
            Reader::Memory(bytes) => Box::new(bytes.get_read(start)?),
        })
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        match self {
            Reader::File(chunks) => chunks.get_bytes(start, length),
            Reader::Memory(bytes) => bytes.get_bytes(start, length),
        }
    }
}

fn open_input(input: &Input) -> Result<Opened, Stop> {
    let (name, reader) = match input {
        Input::File { name, chunks } => (name, Reader::File(chunks.clone())),
        Input::Memory { name, bytes } => (name, Reader::Memory(bytes.clone())),
    };
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
            let bytes = reader
                .get_bytes(0, input.size() as usize)
                .map_err(|error| stop_message(format!("{name}: cannot read: {error}")))?;
            Ok(Opened::Csv(bytes))
        }
    }
}

fn stop_message(message: String) -> Stop {
    Stop::Failed(ErrorView {
        message,
        mapping: None,
    })
}

/// A mapping error, with the input's columns so the page can offer a mapping screen.
fn mapping_stop(error: EngineError, source: &str, columns: Vec<String>) -> Stop {
    match error {
        EngineError::Mapping { .. } => Stop::Failed(ErrorView {
            message: error.to_string(),
            mapping: Some(MappingHelp {
                source: source.to_owned(),
                columns,
            }),
        }),
        other => other.into(),
    }
}

async fn analyse(
    host: &Rc<RefCell<Host>>,
    id: u32,
    inputs: &[Input],
    settings: &Settings,
) -> Result<(Analysis, Vec<Vec<String>>), Stop> {
    let now_micros = (js_sys::Date::now() * 1000.0) as i64;
    let options = crate::settings::options(settings, now_micros).map_err(stop_message)?;
    let mut analysis = Analysis::new(options)?;
    let opened: Vec<Opened> = inputs.iter().map(open_input).collect::<Result<_, _>>()?;
    let source_columns = opened
        .iter()
        .map(|input| match input {
            Opened::Parquet(file) => file
                .schema()
                .fields()
                .iter()
                .map(|field| field.name().clone())
                .collect(),
            Opened::Csv(bytes) => csv_columns(bytes).unwrap_or_default(),
        })
        .collect();
    let mut progress = Progress {
        bytes_total: inputs.iter().map(Input::size).sum(),
        groups_total: opened
            .iter()
            .map(|input| match input {
                Opened::Parquet(file) => file.num_row_groups() as u64,
                Opened::Csv(_) => 1,
            })
            .sum(),
        ..Progress::default()
    };
    let mut pacer = Pacer::new();
    for (input, opened) in inputs.iter().zip(opened) {
        progress.file = input.name().to_owned();
        let bytes_before = progress.bytes_done;
        match opened {
            Opened::Parquet(file) => {
                let columns = || {
                    file.schema()
                        .fields()
                        .iter()
                        .map(|field| field.name().clone())
                        .collect()
                };
                let mut source = file
                    .begin(&mut analysis)
                    .map_err(|error| mapping_stop(error, input.name(), columns()))?;
                for row_group in 0..file.num_row_groups() {
                    file.read_row_group(&mut analysis, &mut source, row_group)?;
                    progress.groups_done += 1;
                    progress.bytes_done = bytes_before
                        + match input {
                            Input::File { chunks, .. } => chunks.bytes_read(),
                            Input::Memory { .. } => (0..=row_group)
                                .map(|group| file.row_group_bytes(group))
                                .sum(),
                        };
                    pacer.pace(host, id, &progress).await?;
                }
                analysis.finish_source(source)?;
            }
            Opened::Csv(bytes) => {
                analysis.add_csv(input.name(), &bytes).map_err(|error| {
                    mapping_stop(error, input.name(), csv_columns(&bytes).unwrap_or_default())
                })?;
                progress.groups_done += 1;
            }
        }
        progress.bytes_done = bytes_before + input.size();
        pacer.pace(host, id, &progress).await?;
    }
    Ok((analysis, source_columns))
}

/// Yields to the event loop (and reports progress) every [`YIELD_AFTER_MS`] of work.
struct Pacer {
    last: f64,
}

impl Pacer {
    fn new() -> Pacer {
        Pacer {
            last: js_sys::Date::now(),
        }
    }

    async fn pace(
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

async fn yield_to_event_loop(scope: &DedicatedWorkerGlobalScope) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        // If scheduling fails the promise never resolves; resolve at once instead.
        if scope
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0)
            .is_err()
        {
            let _ = resolve.call0(&JsValue::NULL);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Today's date, `YYYY-MM-DD` in UTC.
fn today() -> String {
    let date = js_sys::Date::new_0();
    format!(
        "{:04}-{:02}-{:02}",
        date.get_utc_full_year(),
        date.get_utc_month() + 1,
        date.get_utc_date()
    )
}
