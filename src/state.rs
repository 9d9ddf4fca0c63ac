//! App-wide state (one small `Copy` struct of signals, provided once) and the actions that talk
//! to the worker: open files, the sample or a URL, re-analyse with new filters, re-list with new
//! N values. The URL's query string mirrors the shareable part of the state.

use leptos::prelude::*;

use crate::worker::protocol::{
    Dashboard, ErrorView, Progress, RequestKind, ResponseKind, Settings, SourceSpec, StorageView,
};

/// The data label of a dataset shown from this browser's storage.
pub const RESTORED_LABEL: &str = "the dataset stored in this browser";

/// A load in flight.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Loading {
    /// The request, for Cancel.
    pub id: u32,
    /// What is being read ("the sample", file names, a URL).
    pub label: String,
    /// Latest progress.
    pub progress: Progress,
}

/// Everything the panels share.
#[derive(Clone, Copy)]
pub struct AppState {
    /// The current dashboard; kept when a later load fails.
    pub dashboard: RwSignal<Option<Dashboard>>,
    /// Bumped with every new dashboard, so tables fetch their pages again.
    pub generation: RwSignal<u32>,
    /// The load in flight.
    pub loading: RwSignal<Option<Loading>>,
    /// The last failure, shown until dismissed or the next success.
    pub error: RwSignal<Option<ErrorView>>,
    /// Filters, mapping and N values.
    pub settings: RwSignal<Settings>,
    /// `?src=` of the current data, when it came from a URL (or `sample`).
    pub src: RwSignal<Option<String>>,
    /// The course whose videos are listed.
    pub selected_course: RwSignal<Option<String>>,
    /// Minimum views for the video tables.
    pub min_views: RwSignal<u64>,
    /// What the current data is ("sample", file names).
    pub data_label: RwSignal<Option<String>>,
    /// The mapping screen, opened by the user on loaded data (a failed mapping opens it through
    /// `error` instead).
    pub mapping_help: RwSignal<Option<crate::worker::protocol::MappingHelp>>,
    /// What this browser keeps for the next visit.
    pub storage: RwSignal<StorageView>,
    /// The data shown was read again after a worker crash, and no load was asked for since: a
    /// second crash then gives up rather than reading it again (and crashing) forever.
    pub recovering: RwSignal<bool>,
    /// Loads asked for since the page opened, so an answer to an older request (the stored
    /// dataset) can tell that the user has opened something since.
    pub loads_started: RwSignal<u32>,
    /// The page is the embed: it never restores nor stores a dataset (the full app's stored
    /// data is not for the embedding site), and masking stays as the embed's URL set it.
    pub embedded: bool,
    /// The page's address carried `salt=`, which was ignored (and removed from the address).
    pub salt_in_link: bool,
    /// The embed's embedder is not allowed (`embed_bridge.rs`): it shows only a refusal.
    pub refused: RwSignal<bool>,
    /// Live mode: seconds between re-reads of the `?src=` manifest (0: off; `refresh=`).
    pub refresh_secs: RwSignal<u32>,
    /// Live mode: the last refresh, and what to know about it.
    pub live: RwSignal<crate::live::LiveStatus>,
    /// The date filter's relative window, in days ending on the data's newest day (`window=`);
    /// while set, `settings.from` follows it and `settings.to` is open.
    pub window: RwSignal<Option<u32>>,
}

/// The state provided by [`App`](crate::App).
pub fn use_app_state() -> AppState {
    expect_context::<AppState>()
}

impl AppState {
    /// Fresh state, seeded from the page URL's query string.
    pub fn from_url(query: &str) -> AppState {
        AppState::from_params(&crate::url_state::UrlState::parse(query))
    }

    /// Fresh state from parsed URL values (the embed parses them with its own defaults).
    pub fn from_params(params: &crate::url_state::UrlState) -> AppState {
        AppState {
            dashboard: RwSignal::new(None),
            generation: RwSignal::new(0),
            loading: RwSignal::new(None),
            error: RwSignal::new(None),
            settings: RwSignal::new(params.settings()),
            src: RwSignal::new(params.src.clone()),
            selected_course: RwSignal::new(params.course.clone()),
            min_views: RwSignal::new(params.min_views.max(1)),
            data_label: RwSignal::new(None),
            mapping_help: RwSignal::new(None),
            storage: RwSignal::new(StorageView::default()),
            recovering: RwSignal::new(false),
            loads_started: RwSignal::new(0),
            embedded: params.layout == crate::url_state::Layout::Embed,
            salt_in_link: params.salt_in_link,
            refused: RwSignal::new(false),
            refresh_secs: RwSignal::new(params.refresh),
            window: RwSignal::new(params.window),
            live: RwSignal::new(crate::live::LiveStatus {
                notice: params.refresh_note.clone(),
                ..crate::live::LiveStatus::default()
            }),
        }
    }

    /// Whether the data shown comes from a manifest that live mode can read again.
    pub fn is_live_source(self) -> bool {
        self.src
            .with(|src| src.as_deref().is_some_and(crate::paths::is_manifest_url))
            && self.dashboard.with(Option::is_some)
    }

    /// Live mode's one step, run by the timer and by "Refresh now": reads the manifest again
    /// in the worker and adds its new entries through the same `Add` as "Add files…". Skipped
    /// (not queued) while a load or another refresh runs.
    pub fn refresh_now(self) {
        let Some(url) = self
            .src
            .get_untracked()
            .filter(|url| crate::paths::is_manifest_url(url))
        else {
            return;
        };
        if self.dashboard.with_untracked(Option::is_none)
            || self.loading.with_untracked(Option::is_some)
            || self.live.with_untracked(|live| live.running)
        {
            return;
        }
        self.live.update(|live| live.running = true);
        self.request(RequestKind::CheckListing { url }, |state, response| {
            match response {
                ResponseKind::Listing(listing) => {
                    if listing.new_files.is_empty() {
                        return state.live_refreshed(0, &listing.missing);
                    }
                    // A load that started meanwhile wins; the next tick tries again.
                    if state.loading.with_untracked(Option::is_some) {
                        return state.live.update(|live| live.running = false);
                    }
                    state.live.update(|live| live.missing = listing.missing);
                    let label = state.data_label.get_untracked().unwrap_or_default();
                    let kind = RequestKind::Add {
                        source: SourceSpec::Remote {
                            files: listing.new_files,
                        },
                    };
                    state.start_load(kind, None, label, false);
                }
                ResponseKind::Error(error) => state.live.update(|live| {
                    live.running = false;
                    live.notice = Some(crate::live::failed_notice(&clock_time(), &error.message));
                }),
                _ => state.live.update(|live| live.running = false),
            }
        });
    }

    /// A refresh finished: `new_files` were added, `missing` are no longer listed.
    fn live_refreshed(self, new_files: u64, missing: &[String]) {
        self.live.update(|live| {
            live.running = false;
            live.last = Some(clock_time());
            live.new_files = new_files;
            live.refreshes += 1;
            live.notice = crate::live::missing_notice(missing);
            live.missing.clear();
        });
    }

    /// The worker died (`message` says why): the load in flight is gone, and the data shown,
    /// which the worker held, is read again once. If that data crashes the worker again before
    /// anything else is loaded, it is dropped with a message instead: a dataset that needs more
    /// memory than a worker can have would otherwise be read, and crash it, in an endless loop.
    pub fn worker_crashed(self, message: String) {
        self.loading.set(None);
        let shown = self.dashboard.with_untracked(Option::is_some);
        let text = if !shown {
            message
        } else if self.recovering.get_untracked() {
            self.recovering.set(false);
            self.dashboard.set(None);
            self.data_label.set(None);
            format!(
                "{message}. It failed again on the same data after reading it once more, so \
                 the data is not read a third time: it needs more memory than this browser gives \
                 the analysis. Open fewer files (for a dated folder, fewer days), or use the \
                 CoursePulse command line, which has no such limit."
            )
        } else {
            self.recovering.set(true);
            format!("{message}. The data shown is being read again.")
        };
        self.error.set(Some(ErrorView::new(text)));
        #[cfg(target_arch = "wasm32")]
        if self.recovering.get_untracked() {
            self.restore();
        }
    }

    /// Reads files the user picked or dropped; `names` are their paths relative to a chosen
    /// folder (empty for plain files), which carry hive partitions.
    #[cfg(target_arch = "wasm32")]
    pub fn open_files(self, files: js_sys::Array, names: Vec<String>, label: String) {
        self.src.set(None);
        self.open(SourceSpec::Files { names }, Some(files), label);
    }

    /// Adds files to the loaded dataset: only new content is read.
    #[cfg(target_arch = "wasm32")]
    pub fn add_files(self, files: js_sys::Array, names: Vec<String>, label: String) {
        let kind = RequestKind::Add {
            source: SourceSpec::Files { names },
        };
        self.start_load(kind, Some(files), label, false);
    }

    /// Shows the dataset an earlier visit stored, if any (the page opened without `?src=`);
    /// never in the embed.
    pub fn restore_stored(self) {
        if self.embedded {
            return;
        }
        let loads_before = self.loads_started.get_untracked();
        self.request(
            RequestKind::Restore,
            move |state, response| match response {
                ResponseKind::Dashboard(dashboard) => {
                    // Whatever the user opened meanwhile wins over the stored data, even when it
                    // has failed or been answered already (a restore that needs the full worker is
                    // answered after a later open).
                    if state.dashboard.with_untracked(Option::is_some)
                        || state.loads_started.get_untracked() != loads_before
                    {
                        return;
                    }
                    state.data_label.set(Some(RESTORED_LABEL.to_owned()));
                    state.show(*dashboard);
                }
                ResponseKind::Stored(view) => state.storage.set(view),
                ResponseKind::Error(error) => state.error.set(Some(error)),
                _ => {}
            },
        );
    }

    /// Erases what this browser stores; the page then shows 0 bytes stored.
    pub fn forget_stored(self) {
        self.request(RequestKind::Forget, |state, response| match response {
            ResponseKind::Stored(view) => {
                state.storage.set(view);
                state.dashboard.update(|dashboard| {
                    if let Some(dashboard) = dashboard {
                        dashboard.restored = None;
                    }
                });
            }
            ResponseKind::Error(error) => state.error.set(Some(error)),
            _ => {}
        });
    }

    /// Loads the bundled sample.
    pub fn open_sample(self) {
        self.src.set(Some("sample".into()));
        self.open(SourceSpec::Sample, None, "the sample data".into());
    }

    /// Loads a URL (same host, or one that allows CORS).
    pub fn open_url(self, url: String) {
        self.src.set(Some(url.clone()));
        self.open(SourceSpec::Url { url: url.clone() }, None, url);
    }

    /// Opens what `?src=` names, if anything; else the full app shows what an earlier visit
    /// stored, and the embed waits for its host.
    pub fn open_src(self) {
        match self.src.get_untracked().as_deref() {
            Some("sample") => self.open_sample(),
            Some(url) if !url.is_empty() => self.open_url(url.to_owned()),
            _ if self.embedded => {}
            _ => self.restore_stored(),
        }
    }

    #[cfg(target_arch = "wasm32")]
    fn open(self, source: SourceSpec, files: Option<js_sys::Array>, label: String) {
        // Reading the last data as event logs, and its event fields, were choices about its
        // shape: new data is told afresh.
        let chose_events = self.settings.with_untracked(|settings| {
            settings.events.is_some() || !settings.event_mapping.is_empty()
        });
        if chose_events {
            self.settings.update(|settings| {
                settings.events = None;
                settings.event_mapping.clear();
            });
        }
        last_source::remember(&source, files.as_ref(), &label);
        self.start_open(source, files, label, true);
    }

    /// Asks the worker to open `source` with the current settings (stored unless embedded);
    /// `replaces_data` as in `start_load`.
    #[cfg(target_arch = "wasm32")]
    fn start_open(
        self,
        source: SourceSpec,
        files: Option<js_sys::Array>,
        label: String,
        replaces_data: bool,
    ) {
        let settings = self.settings.get_untracked();
        self.start_load(
            RequestKind::Open {
                source,
                settings,
                persist: !self.embedded,
            },
            files,
            label,
            replaces_data,
        );
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn open(self, _source: SourceSpec, _files: Option<()>, _label: String) {}

    /// Opens the last source again with the current settings (after the mapping screen).
    #[cfg(target_arch = "wasm32")]
    pub fn retry_open(self) {
        if let Some((source, files, label)) = last_source::recall() {
            self.start_open(source, files, label, true);
        }
    }

    /// After the worker died (its data with it), reads the data on screen again, so tables and
    /// filters keep working; the dashboard stays visible meanwhile.
    #[cfg(target_arch = "wasm32")]
    pub fn restore(self) {
        if self.dashboard.get_untracked().is_none() {
            return;
        }
        if let Some((source, files, label)) = last_source::recall_loaded() {
            self.start_open(source, files, label, false);
        }
    }

    /// Analyses the current data again after a filter or mapping change.
    pub fn reanalyse(self) {
        if self.dashboard.get_untracked().is_none() {
            return;
        }
        let label = self.data_label.get_untracked().unwrap_or_default();
        let settings = self.settings.get_untracked();
        self.start_load(RequestKind::Reanalyse { settings }, None, label, false);
    }

    /// Re-lists the current analysis with the settings' N values (reads nothing).
    pub fn relist(self) {
        if self.dashboard.get_untracked().is_none() {
            return;
        }
        let settings = self.settings.get_untracked();
        let kind = RequestKind::Relist {
            top_n: settings.top_n.max(1),
            per_course_n: settings.per_course_n.max(1),
            mask: settings.mask,
            salt: settings.salt,
        };
        self.request(kind, move |state, response| {
            if let ResponseKind::Dashboard(dashboard) = response {
                state.show(*dashboard);
            } else if let ResponseKind::Error(error) = response {
                state.error.set(Some(error));
            }
        });
    }

    /// Stops the load in flight.
    pub fn cancel(self) {
        if let Some(loading) = self.loading.get_untracked() {
            cancel_request(loading.id);
        }
    }

    fn start_load(
        self,
        kind: RequestKind,
        files: Option<FilesArg>,
        label: String,
        replaces_data: bool,
    ) {
        if let Some(previous) = self.loading.get_untracked() {
            cancel_request(previous.id);
        }
        self.loads_started
            .update(|started| *started = started.wrapping_add(1));
        mark("analysis-start");
        // Live mode's adds keep the label: the data is still what `?src=` names.
        let live_add = matches!(
            kind,
            RequestKind::Add {
                source: SourceSpec::Remote { .. }
            }
        );
        let adds = matches!(kind, RequestKind::Add { .. }) && !live_add;
        let reanalyses = matches!(kind, RequestKind::Reanalyse { .. });
        // Only `restore` opens without replacing the data: it follows a worker crash, whose
        // message must stay on screen after the data is back.
        let restores = matches!(kind, RequestKind::Open { .. }) && !replaces_data;
        if !restores {
            self.recovering.set(false);
        }
        let shown_label = label.clone();
        let id = send_request(kind, files, move |response| {
            let state = self;
            match response {
                ResponseKind::Progress(progress) => state.loading.update(|loading| {
                    if let Some(loading) = loading {
                        loading.progress = progress;
                    }
                }),
                ResponseKind::Dashboard(dashboard) => {
                    if adds {
                        let before = state.data_label.get_untracked().unwrap_or_default();
                        state
                            .data_label
                            .set(Some(format!("{before} + {shown_label}")));
                    }
                    if replaces_data {
                        state.data_label.set(Some(shown_label.clone()));
                        #[cfg(target_arch = "wasm32")]
                        last_source::loaded();
                    }
                    // `render` is the page's own share of `analysis`: from the worker's answer to
                    // the first panels painted.
                    mark("dashboard-received");
                    state.loading.set(None);
                    if !restores {
                        state.error.set(None);
                    }
                    let added = dashboard.added.map_or(0, |added| added.new_files);
                    state.show(*dashboard);
                    if live_add {
                        let missing = state.live.with_untracked(|live| live.missing.clone());
                        state.live_refreshed(added, &missing);
                    }
                    measure_after_paint("analysis", "analysis-start");
                    measure_after_paint("render", "dashboard-received");
                }
                ResponseKind::Error(error) => {
                    state.loading.set(None);
                    if live_add {
                        // A failed refresh keeps the dashboard and the timer, with a notice.
                        state.live.update(|live| {
                            live.running = false;
                            live.notice =
                                Some(crate::live::failed_notice(&clock_time(), &error.message));
                        });
                        return;
                    }
                    state.error.set(Some(error));
                    // The dashboard still shows the last settings' figures; so must the
                    // controls, or they would describe numbers that were never computed.
                    if reanalyses
                        && let Some(shown) = state.dashboard.with_untracked(|dashboard| {
                            dashboard.as_ref().map(|d| d.settings.clone())
                        })
                    {
                        state.settings.set(shown);
                    }
                }
                ResponseKind::Cancelled => {
                    state.loading.set(None);
                    if live_add {
                        state.live.update(|live| live.running = false);
                    }
                }
                _ => {}
            }
        });
        self.loading.set(Some(Loading {
            id,
            label,
            progress: Progress::default(),
        }));
    }

    fn request(self, kind: RequestKind, handler: impl Fn(AppState, ResponseKind) + 'static) {
        send_request(kind, None, move |response| handler(self, response));
    }

    fn show(self, dashboard: Dashboard) {
        // A selected course that the new data lacks would show an empty table.
        if let Some(course) = self.selected_course.get_untracked()
            && !dashboard.courses.iter().any(|row| row.course == course)
        {
            self.selected_course.set(None);
        }
        self.settings.set(dashboard.settings.clone());
        self.storage.set(dashboard.storage.clone());
        self.dashboard.set(Some(dashboard));
        self.generation.update(|generation| *generation += 1);
    }
}

#[cfg(target_arch = "wasm32")]
type FilesArg = js_sys::Array;
#[cfg(not(target_arch = "wasm32"))]
type FilesArg = ();

#[cfg(target_arch = "wasm32")]
fn send_request(
    kind: RequestKind,
    files: Option<FilesArg>,
    handler: impl Fn(ResponseKind) + 'static,
) -> u32 {
    crate::worker::client::send(kind, files, handler)
}

#[cfg(not(target_arch = "wasm32"))]
fn send_request(
    _kind: RequestKind,
    _files: Option<FilesArg>,
    _handler: impl Fn(ResponseKind) + 'static,
) -> u32 {
    0
}

/// Sends a request from a component (tables, exports).
pub fn send(kind: RequestKind, handler: impl Fn(ResponseKind) + 'static) -> u32 {
    send_request(kind, None, handler)
}

fn cancel_request(id: u32) {
    #[cfg(target_arch = "wasm32")]
    crate::worker::client::cancel(id);
    #[cfg(not(target_arch = "wasm32"))]
    let _ = id;
}

/// The time of day as the page's locale writes it (`09:41:07`, or `9:41:07 AM`).
pub fn clock_time() -> String {
    #[cfg(target_arch = "wasm32")]
    return js_sys::Date::new_0()
        .to_locale_time_string("default")
        .as_string()
        .unwrap_or_default();
    #[cfg(not(target_arch = "wasm32"))]
    String::new()
}

/// A User Timing mark, so DevTools and the benchmark see the phases.
pub fn mark(name: &str) {
    #[cfg(target_arch = "wasm32")]
    if let Some(performance) = web_sys::window().and_then(|window| window.performance()) {
        let _ = performance.mark(name);
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = name;
}

/// Measures `start`..now once the browser has painted what the current update rendered.
fn measure_after_paint(name: &'static str, start: &'static str) {
    #[cfg(target_arch = "wasm32")]
    request_animation_frame(move || {
        if let Some(performance) = web_sys::window().and_then(|window| window.performance()) {
            let _ = performance.measure_with_start_mark(name, start);
        }
    });
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (name, start);
}

/// The last source opened, to open it again with a new mapping. Thread-local because `File`
/// handles are not `Send`.
#[cfg(target_arch = "wasm32")]
mod last_source {
    use std::cell::RefCell;

    use crate::worker::protocol::SourceSpec;

    type Source = (SourceSpec, Option<js_sys::Array>, String);

    thread_local! {
        /// The last source asked for.
        static LAST: RefCell<Option<Source>> = const { RefCell::new(None) };
        /// The last source that loaded (what the dashboard shows).
        static LOADED: RefCell<Option<Source>> = const { RefCell::new(None) };
    }

    pub(super) fn loaded() {
        let last = LAST.with(|last| last.borrow().clone());
        LOADED.with(|loaded| *loaded.borrow_mut() = last);
    }

    pub(super) fn recall_loaded() -> Option<Source> {
        LOADED.with(|loaded| loaded.borrow().clone())
    }

    pub(super) fn remember(source: &SourceSpec, files: Option<&js_sys::Array>, label: &str) {
        LAST.with(|last| {
            *last.borrow_mut() = Some((source.clone(), files.cloned(), label.to_owned()));
        });
    }

    pub(super) fn recall() -> Option<Source> {
        LAST.with(|last| last.borrow().clone())
    }
}
