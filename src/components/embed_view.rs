//! The compact dashboard of `embed.html` (iframe or `<coursepulse-dashboard>`): a one-line bar,
//! the overview, the headline cards and the panels the host asked for (`panels=`), from 600x400 up.

use leptos::prelude::*;

use crate::components::announcer::Announcer;
use crate::components::cards::Cards;
use crate::components::charts::ChartRow;
use crate::components::courses_panel::CoursesPanel;
use crate::components::error_banner::ErrorBanner;
use crate::components::filters::Filters;
use crate::components::header::FilePicker;
use crate::components::learners_panel::LearnersPanel;
use crate::components::mapping_dialog::MappingDialog;
use crate::components::masked_badge::MaskedBadge;
use crate::components::overview::Overview;
use crate::components::privacy::PrivacyButton;
use crate::components::progress_bar::ProgressBar;
use crate::components::quality_panel::QualityPanel;
use crate::components::salt_notice::SaltLinkNotice;
use crate::components::videos_panel::VideosPanel;
use crate::state::use_app_state;

/// The embed's whole page. `panels` are names from `url_state::EMBED_PANELS`; `restricted`
/// means the host chose the courses, so the course filter is not offered.
#[component]
pub fn EmbedView(panels: Vec<String>, restricted: bool) -> impl IntoView {
    let state = use_app_state();
    let has = |name: &str| panels.iter().any(|panel| panel == name);
    let (charts, learners, courses, videos, quality) = (
        has("charts"),
        has("learners"),
        has("courses"),
        has("videos"),
        has("quality"),
    );
    let loaded = move || state.dashboard.with(Option::is_some);
    let dashboard = move || {
        view! {
            <Announcer/>
            <SaltLinkNotice/>
            <ErrorBanner/>
            <ProgressBar/>
            <Show when=loaded fallback=|| view! { <EmbedWaiting/> }>
                <div class="dashboard" data-testid="dashboard" data-complete="true">
                    // The summary first, as in the full app; then the host's panels.
                    <Overview/>
                    {(!restricted).then(|| view! { <Filters/> })}
                    <Cards/>
                    {charts.then(|| view! { <div id="charts"><ChartRow/></div> })}
                    {learners.then(|| view! { <div id="learners"><LearnersPanel/></div> })}
                    {courses.then(|| view! { <div id="courses"><CoursesPanel/></div> })}
                    {videos.then(|| view! { <div id="videos"><VideosPanel/></div> })}
                    {quality.then(|| view! { <div id="quality"><QualityPanel/></div> })}
                </div>
            </Show>
            <MappingDialog/>
        }
    };
    view! {
        <div class="app embed" data-testid="embed">
            <EmbedBar restricted=restricted/>
            // A page that may not embed this dashboard gets a refusal and nothing to click.
            <main id="main">
                <Show when=move || !state.refused.get() fallback=|| view! { <EmbedRefused/> }>
                    {dashboard}
                </Show>
            </main>
        </div>
    }
}

/// Shown instead of everything else when the embedding page is not allowed.
#[component]
fn EmbedRefused() -> impl IntoView {
    view! {
        <section class="embed-waiting" role="alert" data-testid="embed-refused">
            <p>{crate::embed_bridge::REFUSED_EMBEDDER}</p>
        </section>
    }
}

/// Name, what is shown, the course restriction, the Masked badge and the privacy statement.
#[component]
fn EmbedBar(restricted: bool) -> impl IntoView {
    let state = use_app_state();
    let courses = move || state.settings.with(|settings| settings.courses.join(", "));
    view! {
        <header class="embed-bar">
            <strong class="embed-brand" data-testid="app-title">"CoursePulse"</strong>
            {restricted.then(|| view! {
                <span class="embed-courses" data-testid="embed-courses">"Course: " {courses}</span>
            })}
            <span class="data-label" data-testid="data-label">
                {move || state.data_label.get()}
            </span>
            <span class="embed-actions">
                <MaskedBadge/>
                <PrivacyButton/>
            </span>
        </header>
    }
}

/// Before any data: the host is expected to send it, or the user can pick a file. The embed
/// never shows what the full app stored in this browser.
#[component]
fn EmbedWaiting() -> impl IntoView {
    let state = use_app_state();
    view! {
        <Show when=move || state.loading.with(Option::is_none)>
            <section class="embed-waiting" data-testid="embed-waiting">
                <p>"No data yet. Open a Parquet or CSV watch log; it is analysed on this device."</p>
                <FilePicker label="Open files…"/>
            </section>
        </Show>
    }
}
