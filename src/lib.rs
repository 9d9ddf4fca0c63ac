//! The CoursePulse web app: Leptos (CSR) components over the analysis worker.
//!
//! The page never decodes or aggregates data: the worker (`worker/host.rs`, its own wasm binary)
//! owns the dataset and answers requests with small view models (`worker/protocol.rs`). The
//! root [`App`] provides the [`state::AppState`] and lays out the panels in `components/`.

pub mod components;
pub mod format;
pub mod settings;
pub mod state;
pub mod tables;
pub mod url_state;
pub mod view_model;
pub mod worker;

use leptos::prelude::*;

use crate::components::dashboard_view::DashboardView;
use crate::components::error_banner::ErrorBanner;
use crate::components::header::Header;
use crate::components::landing::Landing;
use crate::components::mapping_dialog::MappingDialog;
use crate::components::progress_bar::ProgressBar;
use crate::state::AppState;

/// What the product does, in one sentence; shown on the first screen.
pub const PITCH: &str = "Completion-rate rankings and data-quality flags for LMS video-watch logs, \
computed in your browser: your data never leaves this device.";

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let state = AppState::from_url(&page_query());
    provide_context(state);
    install_crash_handler(state);
    sync_url(state);
    state.open_src();
    // Files dropped anywhere on the page open here, instead of the browser navigating to them.
    let _ = window_event_listener(leptos::ev::dragover, |event| event.prevent_default());
    let _ = window_event_listener(leptos::ev::drop, move |event| {
        event.prevent_default();
        open_dropped(state, event);
    });
    view! {
        <div class="app">
            <Header/>
            <ErrorBanner/>
            <ProgressBar/>
            <Show
                when=move || state.dashboard.with(Option::is_some)
                fallback=|| view! { <Landing/> }
            >
                <DashboardView/>
            </Show>
            <MappingDialog/>
            <footer class="app-footer" data-testid="engine-version">
                "CoursePulse · engine v"{coursepulse_engine::VERSION}
                " · everything runs on this device; nothing is uploaded."
            </footer>
        </div>
    }
}

fn page_query() -> String {
    #[cfg(target_arch = "wasm32")]
    return window().location().search().unwrap_or_default();
    #[cfg(not(target_arch = "wasm32"))]
    String::new()
}

fn install_crash_handler(state: AppState) {
    #[cfg(target_arch = "wasm32")]
    worker::client::set_crash_handler(move |message| {
        state.loading.set(None);
        let restoring = state.dashboard.with_untracked(Option::is_some);
        state.error.set(Some(worker::protocol::ErrorView {
            message: if restoring {
                format!("{message}. The data shown is being read again.")
            } else {
                message
            },
            mapping: None,
        }));
        state.restore();
    });
    #[cfg(not(target_arch = "wasm32"))]
    let _ = state;
}

/// Keeps the query string in step with the shareable state (replaceState: no history spam).
fn sync_url(state: AppState) {
    Effect::new(move |_| {
        let settings = state.settings.get();
        let query = url_state::UrlState {
            src: state.src.get(),
            courses: settings.courses,
            from: settings.from,
            to: settings.to,
            top_n: settings.top_n,
            per_course_n: settings.per_course_n,
            min_views: state.min_views.get(),
            course: state.selected_course.get(),
        }
        .to_query();
        #[cfg(target_arch = "wasm32")]
        {
            let location = window().location();
            let path = location.pathname().unwrap_or_default();
            let hash = location.hash().unwrap_or_default();
            if location.search().unwrap_or_default() != query
                && let Ok(history) = window().history()
            {
                let url = format!("{path}{query}{hash}");
                let _ =
                    history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
            }
        }
        #[cfg(not(target_arch = "wasm32"))]
        let _ = query;
    });
}

fn open_dropped(state: AppState, event: web_sys::DragEvent) {
    #[cfg(target_arch = "wasm32")]
    if let Some(files) = event.data_transfer().and_then(|transfer| transfer.files()) {
        components::header::open_file_list(state, &files);
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (state, event);
}
