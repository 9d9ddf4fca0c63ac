//! The worker's shared state (worker only): the [`Host`] (the current [`Dataset`], cancelled
//! and running loads) that the message loop, the read loop and storage all hold, and how any of
//! them answers the page ([`reply`]).

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use coursepulse_engine::{Analysis, EventLog, Report, pairs_report};
use web_sys::DedicatedWorkerGlobalScope;

use crate::tables::Table;
use crate::view_model::Context;
use crate::worker::fetch::input::Input;
use crate::worker::protocol::{ErrorView, EventsView, Response, ResponseKind, RestoredView};
use crate::worker::storage::saved::SavedSource;

/// How long a load computes before it lets other messages in.
pub const YIELD_AFTER_MS: f64 = 40.0;
/// The bundled sample, relative to the worker script (the app's root).
pub const SAMPLE_URL: &str = "sample/watch-logs.parquet";

/// What the worker holds between messages.
pub(crate) struct Host {
    pub(crate) scope: DedicatedWorkerGlobalScope,
    pub(crate) dataset: Option<Dataset>,
    pub(crate) cancelled: HashSet<u32>,
    /// The load running now, superseded (cancelled) by the next.
    pub(crate) active_load: Option<u32>,
    /// Whether datasets are kept in (and continued from) the browser's storage: set by each
    /// `Open`, false in the embed.
    pub(crate) persist: bool,
}

pub(crate) struct Dataset {
    /// The inputs that can be read again (for new settings).
    pub(crate) inputs: Vec<Input>,
    /// Every input absorbed, in the report's order; after a restore, more than `inputs`.
    pub(crate) origins: Vec<SavedSource>,
    /// Whether `inputs` holds every input (false after a restore until all are opened again).
    pub(crate) complete: bool,
    /// The columns of each input read in this visit, by name (for the mapping screen).
    pub(crate) columns: HashMap<String, Vec<String>>,
    /// The analysis of the inputs as read (without the filter when it kept its rows).
    pub(crate) analysis: Analysis,
    /// The settings `analysis` was read with.
    pub(crate) read_settings: crate::worker::protocol::Settings,
    /// The current filter applied to `analysis`'s kept rows, when there is one: what `report`
    /// comes from.
    pub(crate) view: Option<Analysis>,
    pub(crate) report: Report,
    pub(crate) context: Context,
    pub(crate) tables: HashMap<String, Rc<Table>>,
    /// Set while the dataset is the one restored from storage.
    pub(crate) restored: Option<RestoredView>,
    /// The URL the whole dataset came from (`?src=`), if it did.
    pub(crate) src: Option<String>,
    /// Set when the inputs are player event logs: `analysis` is then the analysis of their
    /// (learner, video) pairs. Read through [`Dataset::events`] and [`Dataset::events_mut`].
    pub(crate) events: Option<EventData>,
}

/// Whether this worker reads player event logs: the full worker does (built with the `events`
/// feature); the lean one, which every visit downloads, leaves the event reader out (about 0.6
/// MB gzip) and asks the page to switch to the full worker for event logs, as for a Brotli file.
/// A constant, so that in the lean worker every event path below is dead code and is dropped.
pub(crate) const READS_EVENTS: bool = cfg!(feature = "events");

/// The message with which the lean worker hands event logs over to the full worker (the page
/// switches workers on it and sends the request again; the message shows only if it cannot).
pub(crate) fn needs_event_reader() -> ErrorView {
    ErrorView {
        message: "player event logs are read by the full analysis worker, which could not be \
                  started"
            .into(),
        mapping: None,
        needs_full_worker: true,
    }
}

/// What a dataset of event logs keeps beside the pairs' analysis.
pub(crate) struct EventData {
    /// Every event read, so that new settings re-derive the pairs without reading the logs.
    pub(crate) log: EventLog,
    /// The "Events" section as last computed.
    pub(crate) view: EventsView,
}

impl EventData {
    /// A copy of the log (through its saved state), to add logs to while this one stays as it
    /// is until the add succeeds.
    pub(crate) fn copy_log(&mut self) -> Result<EventLog, String> {
        let state = self.log.save_state();
        EventLog::load_state(&state, coursepulse_engine::Options::default())
            .map_err(|error| format!("the events loaded could not be copied to add to: {error}"))
    }
}

impl Dataset {
    /// The event logs behind the dataset, if it is one of event logs (never in the lean worker).
    pub(crate) fn events(&self) -> Option<&EventData> {
        self.events.as_ref().filter(|_| READS_EVENTS)
    }

    /// As [`Dataset::events`], to change them.
    pub(crate) fn events_mut(&mut self) -> Option<&mut EventData> {
        self.events.as_mut().filter(|_| READS_EVENTS)
    }

    /// The analysis the report shows: the view, else the analysis as read.
    pub(crate) fn current_mut(&mut self) -> &mut Analysis {
        self.view.as_mut().unwrap_or(&mut self.analysis)
    }

    /// The report of the analysis shown (for event logs, with the pairs named as their source).
    pub(crate) fn current_report(&mut self) -> Report {
        let events = self.events().is_some();
        let current = self.current_mut();
        if events {
            pairs_report(current)
        } else {
            current.report()
        }
    }

    /// Bytes read from the inputs so far (by range; inputs held whole count 0).
    pub(crate) fn bytes_read(&self) -> u64 {
        self.inputs
            .iter()
            .map(|input| input.reader.bytes_read())
            .sum()
    }
}

/// Sends `response` to the page.
pub(crate) fn post(scope: &DedicatedWorkerGlobalScope, response: &Response) {
    let value = response.to_js().or_else(|message| {
        Response {
            id: response.id,
            kind: error_view(message),
        }
        .to_js()
    });
    // A failed post means the page is gone; there is no one left to tell.
    if let Ok(value) = value {
        let _ = scope.post_message(&value);
    }
}

/// Answers request `id`.
pub(crate) fn reply(host: &Rc<RefCell<Host>>, id: u32, kind: ResponseKind) {
    let scope = host.borrow().scope.clone();
    post(&scope, &Response { id, kind });
}

/// An error answer that is only its message.
pub(crate) fn error_view(message: impl Into<String>) -> ResponseKind {
    ResponseKind::Error(ErrorView::new(message))
}

/// Today's date, `YYYY-MM-DD` in UTC.
pub(crate) fn today() -> String {
    let date = js_sys::Date::new_0();
    format!(
        "{:04}-{:02}-{:02}",
        date.get_utc_full_year(),
        date.get_utc_month() + 1,
        date.get_utc_date()
    )
}

/// Readies the current dataset's kept rows for views (`Analysis::prepare_views`), while the
/// dashboard just sent is being read, so that the first filter change pays only for its view.
pub(crate) fn prepare_views(host: &Rc<RefCell<Host>>) {
    if let Some(dataset) = host.borrow().dataset.as_ref() {
        dataset.analysis.prepare_views();
    }
}
