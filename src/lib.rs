//! The CoursePulse web app: Leptos (CSR) components over the analysis worker.
//!
//! The page never decodes or aggregates data: the worker (`worker/host.rs`, its own wasm binary)
//! owns the dataset and answers requests with small view models (`worker/protocol.rs`). The
//! root [`App`] provides the [`state::AppState`] and lays out the panels in `components/`.

pub mod attention;
pub mod components;
pub mod date_window;
pub mod download;
#[cfg(target_arch = "wasm32")]
pub mod dropped;
pub mod embed_bridge;
pub mod embed_policy;
pub mod event_view_model;
pub mod focus;
pub mod format;
pub mod live;
pub mod paths;
pub mod period;
pub mod report_html;
pub mod service_worker;
pub mod settings;
pub mod state;
pub mod tables;
pub mod url_state;
pub mod view_model;
pub mod worker;

use leptos::prelude::*;

use crate::components::announcer::Announcer;
use crate::components::dashboard_view::DashboardView;
use crate::components::embed_view::EmbedView;
use crate::components::error_banner::ErrorBanner;
use crate::components::header::Header;
use crate::components::landing::Landing;
use crate::components::mapping_dialog::MappingDialog;
use crate::components::progress_bar::ProgressBar;
use crate::components::salt_notice::SaltLinkNotice;
use crate::state::AppState;
use crate::url_state::{Layout, UrlState};

/// What the product does, in one sentence; shown on the first screen.
pub const PITCH: &str = "Completion-rate rankings and data-quality flags for LMS video-watch logs, \
computed in your browser: your data never leaves this device.";

/// The whole app: the full dashboard, or the compact embed when the page says so.
#[component]
pub fn App() -> impl IntoView {
    let layout = page_layout();
    let params = UrlState::parse_for(&page_query(), layout);
    let state = AppState::from_params(&params);
    provide_context(state);
    install_crash_handler(state);
    #[cfg(target_arch = "wasm32")]
    worker::client::set_storage_handler(move |response| {
        if let worker::protocol::ResponseKind::Stored(view) = response {
            state.storage.set(view);
        }
    });
    apply_theme(params.theme.as_deref());
    sync_url(state, params.clone());
    // The embed opens nothing before it knows who embeds it (embed_bridge.rs).
    if layout == Layout::Embed {
        embed_bridge::start(state);
    } else {
        state.open_src();
    }
    // Files dropped anywhere on the page open here, instead of the browser navigating to them.
    let _ = window_event_listener(leptos::ev::dragover, |event| event.prevent_default());
    let _ = window_event_listener(leptos::ev::drop, move |event| {
        event.prevent_default();
        open_dropped(state, event);
    });
    if layout == Layout::Embed {
        let restricted = !params.courses.is_empty();
        return view! { <EmbedView panels=params.embed_panels() restricted=restricted/> }
            .into_any();
    }
    view! {
        <div class="app">
            <a class="skip-link" href="#main" data-testid="skip-link">"Skip to content"</a>
            <Header/>
            <Announcer/>
            <main id="main" tabindex="-1" data-testid="main">
                <SaltLinkNotice/>
                <ErrorBanner/>
                <ProgressBar/>
                // While a first load runs (`?src=` included) the landing page is not shown, so
                // nothing on screen shifts when the dashboard replaces it (Lighthouse's CLS).
                <Show
                    when=move || state.dashboard.with(Option::is_some)
                    fallback=move || {
                        view! {
                            <Show when=move || state.loading.with(Option::is_none)>
                                <Landing/>
                            </Show>
                        }
                    }
                >
                    <DashboardView/>
                </Show>
            </main>
            <MappingDialog/>
            <footer class="app-footer" data-testid="engine-version">
                "CoursePulse · engine v"{coursepulse_engine::VERSION}
                " · everything runs on this device; nothing is uploaded."
            </footer>
        </div>
    }
    .into_any()
}

/// `embed.html` is `index.html` with `data-layout="embed"` on its `<html>` element (written by
/// the build's post-build step), so both pages load the same wasm.
fn page_layout() -> Layout {
    #[cfg(target_arch = "wasm32")]
    if document()
        .document_element()
        .and_then(|root| root.get_attribute("data-layout"))
        .as_deref()
        == Some("embed")
    {
        return Layout::Embed;
    }
    Layout::App
}

/// `theme=light|dark` overrides the system's colour scheme (see app.css).
fn apply_theme(theme: Option<&str>) {
    #[cfg(target_arch = "wasm32")]
    if let (Some(theme), Some(root)) = (theme, document().document_element()) {
        let _ = root.set_attribute("data-theme", theme);
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = theme;
}

fn page_query() -> String {
    #[cfg(target_arch = "wasm32")]
    return window().location().search().unwrap_or_default();
    #[cfg(not(target_arch = "wasm32"))]
    String::new()
}

fn install_crash_handler(state: AppState) {
    #[cfg(target_arch = "wasm32")]
    worker::client::set_crash_handler(move |message| state.worker_crashed(message));
    #[cfg(not(target_arch = "wasm32"))]
    let _ = state;
}

/// Keeps the query string in step with the shareable state (replaceState: no history spam).
/// The page's own parameters (layout, panels, theme) are kept as they came. The salt is never
/// written, and its first run drops an old link's `salt=` (and `origin=`) from the address bar.
fn sync_url(state: AppState, page: UrlState) {
    Effect::new(move |_| {
        let settings = state.settings.get();
        let query = UrlState {
            src: state.src.get(),
            courses: settings.courses,
            from: settings.from,
            to: settings.to,
            top_n: settings.top_n,
            per_course_n: settings.per_course_n,
            min_videos: settings.min_videos,
            min_views: state.min_views.get(),
            course: state.selected_course.get(),
            mask: settings.mask,
            refresh: state.refresh_secs.get(),
            window: state.window.get(),
            refresh_note: None,
            ..page.clone()
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
    if let Some(transfer) = event.data_transfer() {
        if dropped::open_dropped_folders(state, &transfer) {
            return;
        }
        if let Some(files) = transfer.files() {
            components::header::open_file_list(state, &files);
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (state, event);
}
