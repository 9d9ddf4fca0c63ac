//! The analysis worker: owns the dataset (file handles, the engine's `Analysis`, the report and
//! its tables) and answers the page's [`Request`]s. Runs only inside a dedicated Web Worker.
//!
//! Loads are read by `read_inputs.rs`, one Parquet row group at a time, yielding to the event
//! loop every `YIELD_AFTER_MS`, so `Cancel` and `Page` requests are handled while it runs. A new dataset
//! replaces the current one only when its load succeeds: on error or cancel the old one stays.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use coursepulse_engine::pairs_report;
use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::spawn_local;
use web_sys::{DedicatedWorkerGlobalScope, File, MessageEvent};

use crate::event_view_model;
use crate::period;
use crate::tables::{self, Table};
use crate::view_model::{self, Context};
use crate::worker::fetch::file_chunks::FileChunks;
use crate::worker::fetch::http::url_file_name;
use crate::worker::fetch::input::{ChunkReader, Input};
use crate::worker::fetch::remote;
use crate::worker::protocol::{
    AddedView, ListingView, RemoteFile, Request, RequestKind, Response, ResponseKind, Settings,
    SourceSpec, TableId, TableQuery,
};
use crate::worker::read_events;
use crate::worker::read_inputs::{self, Stop, analyse};
use crate::worker::shared::{
    Dataset, EventData, Host, SAMPLE_URL, error_view, post, prepare_views, reply, today,
};
use crate::worker::shares;
use crate::worker::storage::persist;
use crate::worker::storage::saved::SavedSource;

/// Installs the panic hook and the message handler, and tells the page the worker is ready.
pub fn run() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    install_panic_hook(scope.clone());
    let host = Rc::new(RefCell::new(Host {
        scope: scope.clone(),
        dataset: None,
        cancelled: HashSet::new(),
        active_load: None,
        persist: true,
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

/// A panic aborts the worker (wasm32 cannot unwind). Before it does, the hook logs the panic
/// (console_error_panic_hook) and tells the page what happened: for a decoder that panicked on
/// malformed bytes, the error the CLI prints for the same file, so the page can say which file
/// and why instead of guessing.
fn install_panic_hook(scope: DedicatedWorkerGlobalScope) {
    std::panic::set_hook(Box::new(move |info| {
        console_error_panic_hook::hook(info);
        let message = match coursepulse_engine::decoder_panic(info) {
            Some(error) => error.to_string(),
            None => format!(
                "a bug in CoursePulse: {}",
                info.to_string().replace('\n', " ")
            ),
        };
        post(
            &scope,
            &Response {
                id: 0,
                kind: ResponseKind::Crashed { message },
            },
        );
    }));
}

/// What a load does with the current dataset.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Replaces it with new inputs.
    Open,
    /// Reads its inputs again with new settings.
    Reanalyse,
    /// Adds inputs to it.
    Add,
}

fn handle_message(host: &Rc<RefCell<Host>>, data: JsValue) {
    // A coordinator's share of its load, when this worker is one of its share workers.
    if shares::serve::is_share_job(&data) {
        let scope = host.borrow().scope.clone();
        return shares::serve::serve(&scope, &data);
    }
    let value = Reflect::get(&data, &"request".into())
        .ok()
        .filter(|value| value.is_object());
    let request = match value.map(Request::from_js) {
        Some(Ok(request)) => request,
        Some(Err(message)) => return reply(host, 0, error_view(message)),
        None => {
            return reply(
                host,
                0,
                error_view("malformed request: no `request` object"),
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
        RequestKind::Open {
            source,
            settings,
            persist,
        } => {
            host.borrow_mut().persist = persist;
            let host = host.clone();
            spawn_local(async move {
                let src = match &source {
                    SourceSpec::Url { url } => Some(url.clone()),
                    _ => None,
                };
                // The URL an earlier visit stored: continue from its state, so only files it
                // has not absorbed are read (the others cost their footer, for the fingerprint).
                let mode = match &src {
                    Some(url) if persist && persist::resume(&host, url, &settings).await => {
                        Mode::Add
                    }
                    _ => Mode::Open,
                };
                match open_inputs(&host, source, files).await {
                    Ok(inputs) => load(host, id, inputs, settings, mode, src).await,
                    Err(message) => {
                        if mode == Mode::Add {
                            host.borrow_mut().dataset = None;
                        }
                        reply(&host, id, error_view(message));
                    }
                }
            });
        }
        RequestKind::Add { source } => {
            let settings = host
                .borrow()
                .dataset
                .as_ref()
                .map(|dataset| dataset.context.settings.clone());
            let Some(settings) = settings else {
                return reply(
                    host,
                    id,
                    error_view("no data is loaded yet to add files to"),
                );
            };
            // Live mode adds the new entries of the dataset's own manifest: the dataset still
            // comes wholly from its URL (stored and resumed as such). Other files end that.
            let src = match &source {
                SourceSpec::Remote { .. } => host
                    .borrow()
                    .dataset
                    .as_ref()
                    .and_then(|dataset| dataset.src.clone()),
                _ => None,
            };
            let host = host.clone();
            spawn_local(async move {
                match open_inputs(&host, source, files).await {
                    Ok(inputs) => load(host, id, inputs, settings, Mode::Add, src).await,
                    Err(message) => reply(&host, id, error_view(message)),
                }
            });
        }
        RequestKind::CheckListing { url } => {
            let loaded = host.borrow().dataset.as_ref().map(|dataset| {
                dataset
                    .origins
                    .iter()
                    .map(|origin| (origin.name.clone(), origin.url.is_some()))
                    .collect::<HashMap<String, bool>>()
            });
            let Some(loaded) = loaded else {
                return reply(host, id, error_view("no data is loaded yet to refresh"));
            };
            let host = host.clone();
            spawn_local(async move {
                let scope = host.borrow().scope.clone();
                let kind = match remote::fetch_manifest(&scope, &url, true).await {
                    Ok(entries) => ResponseKind::Listing(listing(entries, &loaded)),
                    Err(message) => error_view(message),
                };
                reply(&host, id, kind);
            });
        }
        RequestKind::Reanalyse { settings } => {
            if let Some(kind) = refilter(host, &settings) {
                // The view's sample values are read when a samples table is first asked for
                // (`with_table`), not here: at 10M rows that read took about 3 s, and the next
                // filter change waited behind it.
                reply(host, id, kind);
                return;
            }
            let host = host.clone();
            spawn_local(async move {
                match reopen_all(&host).await {
                    Ok(inputs) => {
                        let src = host.borrow().dataset.as_ref().and_then(|d| d.src.clone());
                        load(host, id, inputs, settings, Mode::Reanalyse, src).await;
                    }
                    Err(kind) => reply(&host, id, kind),
                }
            });
        }
        RequestKind::Restore => {
            spawn_local(persist::restore(host.clone(), id));
        }
        RequestKind::Forget => {
            spawn_local(persist::forget(host.clone(), id));
        }
        RequestKind::Relist {
            top_n,
            per_course_n,
            mask,
            salt,
        } => {
            let kind = relist(host, top_n, per_course_n, mask, salt);
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

/// A manifest read again beside the loaded inputs (`name` → came from a URL).
fn listing(
    entries: Vec<crate::paths::ManifestEntry>,
    loaded: &HashMap<String, bool>,
) -> ListingView {
    let listed = entries.len() as u64;
    let names: Vec<String> = loaded.keys().cloned().collect();
    let (new, mut missing) = crate::paths::new_entries(entries, &names, |name| {
        loaded.get(name).copied().unwrap_or(false)
    });
    missing.sort();
    ListingView {
        listed,
        new_files: new
            .into_iter()
            .map(|entry| RemoteFile {
                url: entry.url,
                name: entry.name,
            })
            .collect(),
        missing,
    }
}

fn relist(
    host: &Rc<RefCell<Host>>,
    top_n: usize,
    per_course_n: usize,
    mask: bool,
    salt: Option<String>,
) -> ResponseKind {
    let mut host = host.borrow_mut();
    let Some(dataset) = host.dataset.as_mut() else {
        return error_view("no data is loaded yet");
    };
    if let Err(error) = dataset.current_mut().set_listing(top_n, per_course_n, 1) {
        return error_view(error.to_string());
    }
    let settings = &mut dataset.context.settings;
    settings.top_n = top_n;
    settings.per_course_n = per_course_n;
    settings.mask = mask;
    settings.salt = salt;
    let masking = crate::settings::masking(settings);
    let current = dataset.current_mut();
    current.set_masking(masking);
    // Tables are built from the report, so masked ids reach no page, export or sample.
    dataset.report = dataset.current_report();
    dataset.tables.clear();
    let mut dashboard = view_model::dashboard(&dataset.report, dataset.context.clone());
    dashboard.comparison = period::comparison(&dataset.analysis, dataset.view.as_ref());
    dashboard.events = dataset.events().map(|events| events.view.clone());
    ResponseKind::Dashboard(Box::new(dashboard))
}

/// New settings for a dataset of event logs: the pairs re-derived from the events it holds,
/// without reading a log; `None` when they change how the logs are read (read them again).
fn refilter_events(
    dataset: &mut Dataset,
    settings: &Settings,
    started: f64,
) -> Option<ResponseKind> {
    if !same_reading(&dataset.read_settings, settings) {
        return None;
    }
    let events = dataset.events_mut()?;
    let derived = crate::settings::options(settings, (started * 1000.0) as i64)
        .and_then(|options| {
            events
                .log
                .set_options(options)
                .map_err(|error| error.to_string())
        })
        .and_then(|()| events.log.analyse().map_err(|error| error.to_string()));
    let (analysis, section) = match derived {
        Ok(derived) => derived,
        Err(message) => return Some(error_view(message)),
    };
    events.view = event_view_model::events_view(
        &section,
        events.view.catalogues.clone(),
        &event_view_model::log_columns(&events.view),
    );
    let view = events.view.clone();
    dataset.analysis = analysis;
    dataset.report = pairs_report(&dataset.analysis);
    dataset.tables.clear();
    dataset.context.settings = settings.clone();
    let mut dashboard = view_model::dashboard(&dataset.report, dataset.context.clone());
    dashboard.comparison = period::comparison(&dataset.analysis, None);
    dashboard.events = Some(view);
    dashboard.elapsed_ms = js_sys::Date::now() - started;
    dashboard.from_kept_rows = true;
    dashboard.storage = persist::current_storage();
    Some(ResponseKind::Dashboard(Box::new(dashboard)))
}

/// Answers new settings from the rows the dataset kept, without reading a file, when they
/// change only what a view changes (courses, dates, list sizes, masking); `None` when the files
/// must be read again (other settings, or no rows kept).
fn refilter(host: &Rc<RefCell<Host>>, settings: &Settings) -> Option<ResponseKind> {
    let started = js_sys::Date::now();
    let mut host = host.borrow_mut();
    let dataset = host.dataset.as_mut()?;
    if dataset.events().is_some() {
        return refilter_events(dataset, settings, started);
    }
    dataset.analysis.kept_rows()?;
    if !same_reading(&dataset.read_settings, settings) {
        return None;
    }
    let bytes_before = dataset.bytes_read();
    let options = match crate::settings::options(settings, (started * 1000.0) as i64) {
        Ok(options) => options,
        Err(message) => return Some(error_view(message)),
    };
    let view = if options.filter.is_empty() {
        None
    } else {
        match dataset.analysis.view(&options.filter) {
            Ok(view) => Some(view),
            Err(error) => return Some(error_view(error.to_string())),
        }
    };
    dataset.view = view;
    let current = dataset.current_mut();
    let listed = current
        .set_listing(options.top_n, options.per_course_n, 1)
        .and_then(|()| current.set_min_videos(options.min_videos));
    if let Err(error) = listed {
        return Some(error_view(error.to_string()));
    }
    current.set_masking(options.masking.clone());
    dataset.report = current.report();
    dataset.tables.clear();
    dataset.context.settings = settings.clone();
    let mut dashboard = view_model::dashboard(&dataset.report, dataset.context.clone());
    // The previous period of the same length: a second view of the kept rows.
    dashboard.comparison = period::comparison(&dataset.analysis, dataset.view.as_ref());
    dashboard.elapsed_ms = js_sys::Date::now() - started;
    dashboard.from_kept_rows = true;
    dashboard.bytes_read = dataset.bytes_read() - bytes_before;
    dashboard.restored = dataset.restored.clone();
    dashboard.storage = persist::current_storage();
    Some(ResponseKind::Dashboard(Box::new(dashboard)))
}

/// Whether `new` reads the files as `read` did: they differ at most in what a view of the kept
/// rows changes.
fn same_reading(read: &Settings, new: &Settings) -> bool {
    let reading = |settings: &Settings| Settings {
        courses: Vec::new(),
        from: None,
        to: None,
        top_n: 0,
        per_course_n: 0,
        min_videos: 0,
        mask: false,
        salt: None,
        ..settings.clone()
    };
    reading(read) == reading(new)
}

/// Reads the rows the current view's samples still need (the load's samples hold most), so
/// that sample tables show values: done when one is first asked for, since the dashboard shows
/// only the counts. A failure leaves those samples without values and says so
/// in the console: the figures are complete either way.
fn fill_view_samples(host: &Rc<RefCell<Host>>) {
    let mut host = host.borrow_mut();
    let Some(dataset) = host.dataset.as_mut() else {
        return;
    };
    let Some(view) = dataset.view.as_mut() else {
        return;
    };
    if view.rows_to_read().is_empty() {
        return;
    }
    if let Err(Stop::Failed(error)) = read_inputs::fill_samples(view, &dataset.inputs) {
        web_sys::console::warn_1(&format!("samples not read: {}", error.message).into());
    }
    dataset.report = view.report();
    dataset.tables.clear();
}

fn with_table(
    host: &Rc<RefCell<Host>>,
    query: &TableQuery,
    answer: impl FnOnce(&Table) -> ResponseKind,
) -> ResponseKind {
    if matches!(
        query.table,
        TableId::QualitySamples { .. } | TableId::DbtSamples { .. }
    ) {
        fill_view_samples(host);
    }
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
        TableId::DbtSamples { test } => format!("no dbt test named {test:?}"),
        _ => "no such table".into(),
    }
}

async fn open_inputs(
    host: &Rc<RefCell<Host>>,
    source: SourceSpec,
    files: Vec<File>,
) -> Result<Vec<Input>, String> {
    let scope = host.borrow().scope.clone();
    match source {
        SourceSpec::Files { names } => {
            if files.is_empty() {
                return Err("no files were given".into());
            }
            Ok(files
                .into_iter()
                .enumerate()
                .map(|(index, file)| Input {
                    name: names
                        .get(index)
                        .filter(|name| !name.is_empty())
                        .cloned()
                        .unwrap_or_else(|| file.name()),
                    url: None,
                    reader: ChunkReader::File(FileChunks::register(file)),
                })
                .collect())
        }
        SourceSpec::Sample => Ok(vec![Input {
            name: url_file_name(SAMPLE_URL),
            url: Some(SAMPLE_URL.to_owned()),
            reader: ChunkReader::Memory(remote::fetch_bytes(&scope, SAMPLE_URL).await?),
        }]),
        SourceSpec::Url { url } => remote::open_url(&scope, &url).await,
        SourceSpec::Remote { files } => {
            if files.is_empty() {
                return Err("no files were given".into());
            }
            let files = files
                .into_iter()
                .map(|file| (file.url, file.name))
                .collect();
            remote::open_all(&scope, files).await
        }
    }
}

/// The current dataset's inputs, to read again with new settings. A restored dataset whose
/// inputs all came from URLs fetches them again; one with local files cannot be re-read, and
/// the error says so (a stored analysis holds totals, not rows, so new filters need the rows).
async fn reopen_all(host: &Rc<RefCell<Host>>) -> Result<Vec<Input>, ResponseKind> {
    let (inputs, origins, complete, scope) = {
        let host = host.borrow();
        let Some(dataset) = host.dataset.as_ref() else {
            return Err(error_view("no data is loaded yet"));
        };
        (
            dataset.inputs.clone(),
            dataset.origins.clone(),
            dataset.complete,
            host.scope.clone(),
        )
    };
    if complete {
        return Ok(inputs);
    }
    let local: Vec<&str> = origins
        .iter()
        .filter(|origin| origin.url.is_none())
        .map(|origin| origin.name.as_str())
        .collect();
    if !local.is_empty() {
        let listed = if local.len() <= 3 {
            local.join(", ")
        } else {
            format!("{}, … ({} files)", local[..3].join(", "), local.len())
        };
        let kept = host
            .borrow()
            .dataset
            .as_ref()
            .is_some_and(|dataset| dataset.analysis.kept_rows().is_some());
        let what = if kept {
            "which keeps the rows for new filters but not the columns a new mapping or a dbt \
             schema reads; those need"
        } else {
            "which keeps the analysis (totals), not the rows; new filters, a new mapping or a \
             dbt schema need the rows of"
        };
        return Err(error_view(format!(
            "This dashboard was restored from this browser's storage, {what} {listed}. Open \
             those files or their folder again to change them. The dashboard still shows the \
             stored settings."
        )));
    }
    // One after another, whole downloads within one budget, as the manifest was first opened.
    let files = origins
        .into_iter()
        .map(|origin| (origin.url.unwrap_or_default(), origin.name))
        .collect();
    remote::open_all(&scope, files).await.map_err(error_view)
}

/// Reads `inputs` as `mode` says; `src` is the URL the resulting dataset wholly comes from.
async fn load(
    host: Rc<RefCell<Host>>,
    id: u32,
    inputs: Vec<Input>,
    settings: Settings,
    mode: Mode,
    src: Option<String>,
) {
    let started = js_sys::Date::now();
    let bytes_before: u64 = inputs.iter().map(|input| input.reader.bytes_read()).sum();
    // One load at a time: a newer one supersedes the one running.
    if let Some(previous) = host.borrow_mut().active_load.replace(id) {
        host.borrow_mut().cancelled.insert(previous);
    }
    // Event logs added to event logs continue from the events loaded (a copy, so that a failed
    // add changes nothing): only the new logs are read, and a later event re-derives its pair.
    // That holds for a dashboard restored from storage too, whose logs are not at hand.
    // Only an add continues from them: the copy (a state round trip) is made for nothing else.
    let event_logs_loaded = if mode == Mode::Add {
        host.borrow_mut().dataset.as_mut().and_then(|dataset| {
            dataset.events()?;
            let inputs = dataset.inputs.clone();
            let events = dataset.events_mut()?;
            let loaded = events.copy_log().map(|log| read_events::Loaded {
                log,
                catalogues: events.view.catalogues.clone(),
                columns: event_view_model::log_columns(&events.view),
            });
            Some(EarlierLogs { inputs, loaded })
        })
    } else {
        None
    };
    let new_inputs = inputs.len();
    let opened = match read_inputs::open_inputs(&inputs) {
        Ok(opened) => opened,
        Err(stop) => return fail_load(&host, id, &inputs, new_inputs, mode, stop),
    };
    let classified = read_events::classify(&inputs, &opened, settings.events);
    if let (Some(_), None) = (&event_logs_loaded, &classified) {
        let name = inputs
            .first()
            .map(|input| input.name.clone())
            .unwrap_or_default();
        let stop = read_inputs::stop_message(coursepulse_engine::not_an_event_log(&name));
        return fail_load(&host, id, &inputs, new_inputs, mode, stop);
    }
    if let Some(classified) = classified {
        // The lean worker has no event reader: the page switches to the full worker and sends
        // this load again. Only the full worker builds the event path (an async state machine
        // keeps every branch it holds, so a constant alone would not drop it).
        #[cfg(feature = "events")]
        return load_events(
            host,
            id,
            inputs,
            classified,
            event_logs_loaded,
            settings,
            mode,
            src,
            started,
        )
        .await;
        #[cfg(not(feature = "events"))]
        {
            let _ = (classified, event_logs_loaded, src, started);
            let stop = Stop::Failed(crate::worker::shared::needs_event_reader());
            return fail_load(&host, id, &inputs, new_inputs, mode, stop);
        }
    }
    // An add continues from a copy of the current analysis (its saved state), so the dataset on
    // screen stays intact until the add succeeds, and a failed or cancelled add changes nothing.
    let base = match mode {
        Mode::Add => {
            let host = host.borrow();
            host.dataset.as_ref().map(|dataset| {
                let names = dataset
                    .origins
                    .iter()
                    .map(|origin| origin.name.clone())
                    .collect();
                dataset
                    .analysis
                    .save_state()
                    .map(|state| (state, names))
                    .map_err(|error| format!("cannot add files to this dataset: {error}"))
            })
        }
        Mode::Open | Mode::Reanalyse => None,
    };
    let base = match base.transpose() {
        Ok(base) => base,
        Err(message) => {
            finish_load(&host, id);
            inputs.iter().for_each(Input::release);
            return reply(&host, id, error_view(message));
        }
    };
    let outcome = analyse(&host, id, &inputs, opened, &settings, base).await;
    finish_load(&host, id);
    match outcome {
        Ok((analysis, source_columns, workers)) => {
            let report = analysis.report();
            let read_settings = settings.clone();
            let previous = host.borrow_mut().dataset.take();
            let keep = if mode == Mode::Add {
                previous.as_ref()
            } else {
                None
            };
            let mut columns = keep
                .map(|dataset| dataset.columns.clone())
                .unwrap_or_default();
            let mut by_name: HashMap<String, SavedSource> = keep
                .map(|dataset| {
                    dataset
                        .origins
                        .iter()
                        .map(|origin| (origin.name.clone(), origin.clone()))
                        .collect()
                })
                .unwrap_or_default();
            for (input, input_columns) in inputs.iter().zip(source_columns) {
                columns.insert(input.name.clone(), input_columns);
                by_name.insert(input.name.clone(), origin(input));
            }
            let origins: Vec<SavedSource> = report
                .sources
                .iter()
                .map(|source| {
                    by_name.get(&source.name).cloned().unwrap_or(SavedSource {
                        name: source.name.clone(),
                        url: None,
                        bytes: 0,
                    })
                })
                .collect();
            let context = Context {
                source_bytes: origins.iter().map(|origin| origin.bytes).collect(),
                source_columns: origins
                    .iter()
                    .map(|origin| columns.get(&origin.name).cloned().unwrap_or_default())
                    .collect(),
                all_courses: analysis.courses_seen(),
                date_span: analysis.date_span(),
                settings,
                today: Some(today()),
            };
            let mut dashboard = view_model::dashboard(&report, context.clone());
            dashboard.comparison = period::comparison(&analysis, None);
            dashboard.elapsed_ms = js_sys::Date::now() - started;
            dashboard.workers = workers;
            dashboard.bytes_read = inputs
                .iter()
                .map(|input| input.reader.bytes_read())
                .sum::<u64>()
                - bytes_before;
            let (mut all_inputs, complete, restored) = match keep {
                Some(dataset) => (
                    dataset.inputs.clone(),
                    dataset.complete,
                    dataset.restored.clone(),
                ),
                None => (Vec::new(), true, None),
            };
            dashboard.storage = persist::current_storage();
            if let Some(previous) = &previous {
                if mode == Mode::Add {
                    let before = previous.report.pruning;
                    dashboard.added = Some(AddedView {
                        new_files: report.pruning.files.saturating_sub(before.files),
                        already_loaded: report
                            .pruning
                            .files_already_loaded
                            .saturating_sub(before.files_already_loaded),
                    });
                }
                if mode == Mode::Open {
                    previous.inputs.iter().for_each(Input::release);
                }
            }
            dashboard.restored = restored.clone();
            all_inputs.extend(inputs);
            host.borrow_mut().dataset = Some(Dataset {
                inputs: all_inputs,
                origins,
                complete,
                columns,
                analysis,
                read_settings,
                view: None,
                report,
                context,
                tables: HashMap::new(),
                restored,
                src,
                events: None,
            });
            reply(&host, id, ResponseKind::Dashboard(Box::new(dashboard)));
            // While the dashboard is read: the first filter change then pays only for its view.
            prepare_views(&host);
            // Stored after the dashboard is on its way, so storing never delays it; the page
            // hears the stored size through an unsolicited `Stored` message.
            persist::store_current(host.clone()).await;
        }
        Err(stop) => {
            if mode != Mode::Reanalyse {
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
/// The event logs loaded before an add, which the add continues from: the dataset's inputs and
/// a copy of its log with its catalogues and columns (or why the copy failed).
struct EarlierLogs {
    inputs: Vec<Input>,
    loaded: Result<read_events::Loaded, String>,
}

/// A load whose inputs are player event logs (the full worker only): reads the new logs into the
/// events loaded so far (an add) or a new log, and shows them.
#[cfg_attr(not(feature = "events"), allow(dead_code))]
#[allow(clippy::too_many_arguments)]
async fn load_events(
    host: Rc<RefCell<Host>>,
    id: u32,
    inputs: Vec<Input>,
    classified: Result<read_events::EventInputs, Stop>,
    event_logs_loaded: Option<EarlierLogs>,
    settings: Settings,
    mode: Mode,
    src: Option<String>,
    started: f64,
) {
    let loaded = host.borrow().dataset.is_some();
    if mode == Mode::Add && loaded && event_logs_loaded.is_none() {
        let stop = read_inputs::stop_message(
            "event logs cannot be added to rows with a completion column: open them on \
             their own"
                .to_owned(),
        );
        return fail_load(&host, id, &inputs, inputs.len(), mode, stop);
    }
    let (all_inputs, start) = match event_logs_loaded {
        Some(EarlierLogs {
            inputs: earlier,
            loaded,
        }) => match loaded {
            Ok(loaded) => (
                earlier.into_iter().chain(inputs.iter().cloned()).collect(),
                Some(loaded),
            ),
            Err(message) => {
                let stop = read_inputs::stop_message(message);
                return fail_load(&host, id, &inputs, inputs.len(), mode, stop);
            }
        },
        None => (inputs.clone(), None),
    };
    // What the inputs had read before this load: the earlier logs are not read again.
    let bytes_before: u64 = all_inputs
        .iter()
        .map(|input| input.reader.bytes_read())
        .sum();
    let read = match classified {
        Ok(classified) => {
            read_events::analyse_events(&host, id, &classified, &settings, start).await
        }
        Err(stop) => Err(stop),
    };
    match read {
        Ok(read) => {
            finish_load(&host, id);
            install_events(
                &host,
                id,
                all_inputs,
                read,
                settings,
                mode,
                src,
                started,
                bytes_before,
            )
            .await
        }
        Err(stop) => fail_load(&host, id, &inputs, inputs.len(), mode, stop),
    };
}

/// Ends load `id` with `stop`: the dataset shown stays; the new inputs' handles (the last
/// `new_inputs` of `inputs`) are let go unless they are the dataset's own (a re-read).
fn fail_load(
    host: &Rc<RefCell<Host>>,
    id: u32,
    inputs: &[Input],
    new_inputs: usize,
    mode: Mode,
    stop: Stop,
) {
    finish_load(host, id);
    if mode != Mode::Reanalyse {
        inputs[inputs.len().saturating_sub(new_inputs)..]
            .iter()
            .for_each(Input::release);
    }
    let kind = match stop {
        Stop::Cancelled => ResponseKind::Cancelled,
        Stop::Failed(view) => ResponseKind::Error(view),
    };
    reply(host, id, kind);
}

/// Installs a dataset of event logs read from `inputs` and answers with its dashboard.
#[allow(clippy::too_many_arguments)]
async fn install_events(
    host: &Rc<RefCell<Host>>,
    id: u32,
    inputs: Vec<Input>,
    read: read_events::EventsRead,
    settings: Settings,
    mode: Mode,
    src: Option<String>,
    started: f64,
    bytes_before: u64,
) {
    let report = pairs_report(&read.analysis);
    let view = event_view_model::events_view(&read.section, read.catalogues, &read.columns);
    let total_bytes: u64 = inputs.iter().map(Input::size).sum();
    let context = Context {
        // The report's one source is the pairs, made from every log.
        source_bytes: report.sources.iter().map(|_| total_bytes).collect(),
        source_columns: report.sources.iter().map(|_| Vec::new()).collect(),
        all_courses: read.analysis.courses_seen(),
        date_span: read.analysis.date_span(),
        settings: settings.clone(),
        today: Some(today()),
    };
    let mut dashboard = view_model::dashboard(&report, context.clone());
    dashboard.comparison = period::comparison(&read.analysis, None);
    dashboard.events = Some(view.clone());
    dashboard.elapsed_ms = js_sys::Date::now() - started;
    dashboard.bytes_read = inputs
        .iter()
        .map(|input| input.reader.bytes_read())
        .sum::<u64>()
        .saturating_sub(bytes_before);
    dashboard.storage = persist::current_storage();
    let previous = host.borrow_mut().dataset.take();
    if let Some(previous) = previous
        && mode == Mode::Open
    {
        previous.inputs.iter().for_each(Input::release);
    }
    host.borrow_mut().dataset = Some(Dataset {
        origins: inputs.iter().map(origin).collect(),
        inputs,
        complete: true,
        columns: HashMap::new(),
        analysis: read.analysis,
        read_settings: settings,
        view: None,
        report,
        context,
        tables: HashMap::new(),
        restored: None,
        src,
        events: Some(EventData {
            log: read.log,
            view,
        }),
    });
    reply(host, id, ResponseKind::Dashboard(Box::new(dashboard)));
    persist::store_current(host.clone()).await;
}

fn finish_load(host: &Rc<RefCell<Host>>, id: u32) {
    let mut state = host.borrow_mut();
    state.cancelled.remove(&id);
    if state.active_load == Some(id) {
        state.active_load = None;
    }
}

/// What the stored dataset records of `input`.
fn origin(input: &Input) -> SavedSource {
    SavedSource {
        name: input.name.clone(),
        url: input.url.clone(),
        bytes: input.size(),
    }
}
