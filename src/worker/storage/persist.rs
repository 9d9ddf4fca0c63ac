//! The datasets kept between visits (worker only, full app only): stored after every successful
//! load but the bundled sample's and the embed's, shown again by `Restore`, erased by `Forget`.
//! What the user opened and what a `?src=` link opened are kept apart (`store::Slot`), so a link
//! never replaces the user's own data; a plain visit shows the user's first. The salt is never
//! stored. The blob is `saved.rs`'s; where it lives, `store.rs`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use coursepulse_engine::{Analysis, EventLog, pairs_report};

use crate::event_view_model;

use crate::view_model::{self, Context};
use crate::worker::protocol::{Dashboard, ResponseKind, RestoredView, Settings, StorageView};
use crate::worker::shared::{
    Dataset, EventData, Host, READS_EVENTS, SAMPLE_URL, needs_event_reader, prepare_views, reply,
    today,
};

/// How an event-log state begins (the engine's `EventLog::save_state`); a rows state begins
/// `CPST`.
const EVENT_STATE_MAGIC: &[u8] = b"CPEV";
use crate::worker::storage::saved::{self, SavedMeta};
use crate::worker::storage::store::{self, Slot};

/// Event logs with more events than this are not stored: about 50 bytes an event in the state.
pub const MAX_STORED_EVENTS: u64 = 1_500_000;

/// Datasets with more rows than this are not stored: their state (about 56 bytes per event id,
/// about 85 a row with the kept rows) would take hundreds of megabytes of memory to write, and
/// daily increments are far smaller. So at most about 90 MB are stored.
pub const MAX_STORED_ROWS: u64 = 1_000_000;

thread_local! {
    /// What is stored now, as last written or read.
    static CURRENT: RefCell<StorageView> = RefCell::new(StorageView::default());
}

/// What is stored now, as far as this worker knows.
pub fn current_storage() -> StorageView {
    CURRENT.with(|current| current.borrow().clone())
}

fn set_current(view: &StorageView) {
    CURRENT.with(|current| *current.borrow_mut() = view.clone());
}

/// Stores the current dataset for the next visit and tells the page (an unsolicited `Stored`
/// with id 0). A dataset that cannot be stored erases the older one, so the next visit never
/// shows data other than what was last loaded.
pub(crate) async fn store_current(host: Rc<RefCell<Host>>) {
    let (slot, blob) = {
        let mut host = host.borrow_mut();
        // The embed's data is the embedding site's: it neither replaces what the user stored
        // nor outlives the frame.
        if !host.persist {
            return;
        }
        let Some(dataset) = host.dataset.as_mut() else {
            return;
        };
        // The bundled sample is always one click away; storing it would only replace the
        // user's own stored dataset (and race a second tab's landing page).
        if is_sample(dataset) {
            return;
        }
        let slot = if dataset.src.is_some() {
            Slot::Link
        } else {
            Slot::Files
        };
        // What is stored is the analysis as read: with a filtered view, all of its rows.
        let rows = dataset
            .analysis
            .kept_rows()
            .map_or(dataset.report.rows.total, |kept| kept.rows);
        let meta = |dataset: &Dataset, catalogues: Vec<(String, u64)>| {
            // The filter the stored analysis was read with, which a view's is not.
            let mut settings = saved::without_secrets(&dataset.context.settings);
            settings.courses = dataset.read_settings.courses.clone();
            settings.from = dataset.read_settings.from.clone();
            settings.to = dataset.read_settings.to.clone();
            SavedMeta {
                saved_at_ms: js_sys::Date::now(),
                settings,
                sources: dataset.origins.clone(),
                src: dataset.src.clone(),
                catalogues,
            }
        };
        let blob = if let Some(events) = dataset.events() {
            // Event logs keep their events (settled), so the next visit re-derives the pairs
            // for any filter and takes more logs without the earlier ones.
            let replayed = events.view.lineage.events_replayed;
            if replayed > MAX_STORED_EVENTS {
                Err(format!(
                    "Not kept for the next visit: {} events is more than the {} this browser keeps.",
                    crate::format::int(replayed),
                    crate::format::int(MAX_STORED_EVENTS)
                ))
            } else {
                let meta = meta(dataset, events.view.catalogues.clone());
                let state = dataset
                    .events_mut()
                    .map(|events| events.log.save_state())
                    .unwrap_or_default();
                Ok(saved::encode(&meta, &state))
            }
        } else if rows > MAX_STORED_ROWS {
            Err(format!(
                "Not kept for the next visit: {} rows is more than the {} this browser keeps.",
                crate::format::int(rows),
                crate::format::int(MAX_STORED_ROWS)
            ))
        } else {
            // With its kept rows when it has them (`save_part`), so that the next visit can
            // change the filters without the files; otherwise the totals (`save_state`).
            let analysis = &dataset.analysis;
            analysis
                .kept_rows()
                .and_then(|_| analysis.save_part().ok())
                .map_or_else(|| analysis.save_state(), Ok)
                .map(|state| saved::encode(&meta(dataset, Vec::new()), &state))
                .map_err(|error| format!("Not kept for the next visit: {error}"))
        };
        (slot, blob)
    };
    let view = match blob {
        Ok(blob) => match store::save(slot, &blob).await {
            Ok(backend) => StorageView {
                bytes: blob.len() as u64,
                backend: backend.label().to_owned(),
                note: None,
            },
            Err(error) => StorageView {
                bytes: store::size().await,
                backend: String::new(),
                note: Some(format!(
                    "Could not store the dataset in this browser: {error}"
                )),
            },
        },
        Err(note) => {
            let cleared = store::clear_slot(slot).await;
            StorageView {
                bytes: if cleared.is_ok() {
                    0
                } else {
                    store::size().await
                },
                backend: String::new(),
                note: Some(note),
            }
        }
    };
    set_current(&view);
    reply(&host, 0, ResponseKind::Stored(view));
}

fn is_sample(dataset: &Dataset) -> bool {
    !dataset.origins.is_empty()
        && dataset
            .origins
            .iter()
            .all(|origin| origin.url.as_deref() == Some(SAMPLE_URL))
}

/// Shows the stored dataset, when there is one, no other dataset was opened meanwhile, and the
/// engine accepts it; otherwise answers `Stored` saying what is stored and why it is not shown.
pub(crate) async fn restore(host: Rc<RefCell<Host>>, id: u32) {
    if !host.borrow().persist {
        return reply(&host, id, ResponseKind::Stored(StorageView::default()));
    }
    let mut found = Ok(None);
    for slot in Slot::ALL {
        found = store::load(slot).await;
        if !matches!(found, Ok(None)) {
            break;
        }
    }
    let kind = match found {
        Err(error) => ResponseKind::Stored(StorageView {
            note: Some(format!(
                "The data stored in this browser could not be read: {error}"
            )),
            ..StorageView::default()
        }),
        Ok(None) => {
            let view = StorageView {
                backend: store::backend()
                    .await
                    .map(|backend| backend.label().to_owned())
                    .unwrap_or_default(),
                ..StorageView::default()
            };
            set_current(&view);
            ResponseKind::Stored(view)
        }
        Ok(Some((blob, backend))) => {
            let mut view = StorageView {
                bytes: blob.len() as u64,
                backend: backend.label().to_owned(),
                note: None,
            };
            if host.borrow().dataset.is_some() {
                set_current(&view);
                ResponseKind::Stored(view)
            } else {
                let decoded = saved::decode(&blob);
                // Stored event logs are restored by the full worker (the page switches to it).
                if !READS_EVENTS
                    && decoded
                        .as_ref()
                        .is_ok_and(|(_, state)| state.starts_with(EVENT_STATE_MAGIC))
                {
                    reply(&host, id, ResponseKind::Error(needs_event_reader()));
                    return;
                }
                match decoded.and_then(|(meta, state)| restored_dataset(meta, state)) {
                    Ok((dataset, mut dashboard)) => {
                        set_current(&view);
                        dashboard.storage = view;
                        host.borrow_mut().dataset = Some(dataset);
                        ResponseKind::Dashboard(Box::new(dashboard))
                    }
                    Err(message) => {
                        view.note = Some(format!(
                            "The dataset stored by an earlier visit cannot be shown ({message}); \
                             open the files again, or forget it."
                        ));
                        set_current(&view);
                        ResponseKind::Stored(view)
                    }
                }
            }
        }
    };
    reply(&host, id, kind);
    // A dataset restored with its rows answers filters from them: ready them now.
    prepare_views(&host);
}

fn restored_dataset(meta: SavedMeta, state: &[u8]) -> Result<(Dataset, Dashboard), String> {
    let now_micros = (js_sys::Date::now() * 1000.0) as i64;
    // The stored settings, not the page's: the engine refuses a state under other options.
    let options = crate::settings::options(&meta.settings, now_micros)?;
    // Event logs keep their events, whose pairs are derived again.
    let (analysis, events) = if READS_EVENTS && state.starts_with(EVENT_STATE_MAGIC) {
        let mut log = EventLog::load_state(state, options).map_err(|error| error.to_string())?;
        let (analysis, section) = log.analyse().map_err(|error| error.to_string())?;
        let view = event_view_model::events_view(&section, meta.catalogues.clone(), &[]);
        (analysis, Some(EventData { log, view }))
    } else {
        let analysis = Analysis::load_state(state, options).map_err(|error| error.to_string())?;
        (analysis, None)
    };
    let report = if events.is_some() {
        pairs_report(&analysis)
    } else {
        analysis.report()
    };
    let context = Context {
        source_bytes: meta.sources.iter().map(|source| source.bytes).collect(),
        source_columns: Vec::new(),
        all_courses: analysis.courses_seen(),
        date_span: analysis.date_span(),
        settings: meta.settings.clone(),
        today: Some(today()),
    };
    let restored = RestoredView {
        saved_at: saved::utc_text(meta.saved_at_ms),
        files: meta
            .sources
            .iter()
            .map(|source| source.name.clone())
            .collect(),
        // Event logs are kept whole: their pairs are derived again for any filter.
        needs_files_to_refilter: events.is_none()
            && meta.sources.iter().any(|source| source.url.is_none()),
        rows_kept: analysis.kept_rows().is_some(),
    };
    let mut dashboard = view_model::dashboard(&report, context.clone());
    dashboard.restored = Some(restored.clone());
    dashboard.events = events.as_ref().map(|events| events.view.clone());
    let dataset = Dataset {
        inputs: Vec::new(),
        complete: meta.sources.is_empty(),
        origins: meta.sources,
        columns: HashMap::new(),
        analysis,
        read_settings: context.settings.clone(),
        view: None,
        report,
        context,
        tables: HashMap::new(),
        restored: Some(restored),
        src: meta.src.clone(),
        events,
    };
    Ok((dataset, dashboard))
}

/// Installs the stored dataset when it came wholly from `url` with these `settings` and nothing
/// is loaded; true when it did, so the caller adds `url`'s files to it instead of starting over.
pub(crate) async fn resume(host: &Rc<RefCell<Host>>, url: &str, settings: &Settings) -> bool {
    if host.borrow().dataset.is_some() {
        return false;
    }
    let Ok(Some((blob, backend))) = store::load(Slot::Link).await else {
        return false;
    };
    let Ok((meta, state)) = saved::decode(&blob) else {
        return false;
    };
    if meta.src.as_deref() != Some(url) || !same_meaning(&meta.settings, settings) {
        return false;
    }
    let Ok((dataset, _)) = restored_dataset(meta, state) else {
        return false;
    };
    set_current(&StorageView {
        bytes: blob.len() as u64,
        backend: backend.label().to_owned(),
        note: None,
    });
    if host.borrow().dataset.is_some() {
        return false;
    }
    host.borrow_mut().dataset = Some(dataset);
    true
}

/// Settings that give the same state (list sizes and masking aside, which only change the
/// listing; the salt is never stored).
fn same_meaning(stored: &Settings, wanted: &Settings) -> bool {
    let strip = |settings: &Settings| Settings {
        top_n: 0,
        per_course_n: 0,
        mask: false,
        salt: None,
        ..settings.clone()
    };
    strip(stored) == strip(wanted)
}

/// Erases what is stored; answers `Stored` with what is left (0 bytes unless erasing failed).
pub(crate) async fn forget(host: Rc<RefCell<Host>>, id: u32) {
    let view = match store::clear().await {
        Ok(()) => StorageView {
            bytes: 0,
            backend: current_storage().backend,
            note: None,
        },
        Err(error) => StorageView {
            bytes: store::size().await,
            backend: current_storage().backend,
            note: Some(format!("Could not erase the stored data: {error}")),
        },
    };
    set_current(&view);
    // The dataset on screen was restored from storage that is gone now; it stays until the
    // page is closed, but is no longer described as stored.
    if let Some(dataset) = host.borrow_mut().dataset.as_mut() {
        dataset.restored = None;
    }
    reply(&host, id, ResponseKind::Stored(view));
}
