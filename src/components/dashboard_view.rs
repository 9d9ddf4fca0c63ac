//! The dashboard: the overview and what needs attention first, then the filters and the
//! named sections a reader opens (charts, learners, courses, videos, quality and the Data
//! internals), over the current [`Dashboard`](crate::worker::protocol::Dashboard). Collapsed,
//! the sections read as a table of contents with one line each, so the page is a few screens
//! long until the reader asks for more.

use leptos::prelude::*;

use crate::components::cards::Cards;
use crate::components::charts::ChartRow;
use crate::components::charts::daily_chart::DailyChart;
use crate::components::courses_panel::CoursesPanel;
use crate::components::dataset_panel::DatasetPanel;
use crate::components::events_panel::EventsPanel;
use crate::components::filters::Filters;
use crate::components::learners_panel::LearnersPanel;
use crate::components::live_control::LiveControl;
use crate::components::metadata_panel::MetadataPanel;
use crate::components::needs_attention::NeedsAttention;
use crate::components::overview::{Overview, rule_counts};
use crate::components::presentation::{PresentBar, Presentation};
use crate::components::quality_panel::QualityPanel;
use crate::components::report_actions::ReportActions;
use crate::components::restored_notice::RestoredNotice;
use crate::components::section::{OpenSections, Section};
use crate::components::section_nav::{COLLAPSIBLE, SectionNav};
use crate::components::videos_panel::VideosPanel;
use crate::format;
use crate::state::use_app_state;
use crate::worker::protocol::Dashboard;

/// Every panel.
#[component]
pub fn DashboardView() -> impl IntoView {
    let state = use_app_state();
    let has_daily = move || {
        state
            .dashboard
            .with(|d| d.as_ref().is_some_and(|d| !d.daily.is_empty()))
    };
    let has_events = move || {
        state
            .dashboard
            .with(|d| d.as_ref().is_some_and(|d| d.events.is_some()))
    };
    // Only the overview, "Needs attention" and the filters render with the dashboard; the
    // charts and panels (the collapsed Data section's cards and dataset panel last) follow one
    // per animation frame, so no single main-thread task builds
    // them all (together they took 50-90 ms on this machine: `cargo xtask bench`, longest-task
    // column).
    let shown = RwSignal::new(0u8);
    reveal_next(shown, Stage::LAST as u8);
    let from = move |stage: Stage| move || shown.get() >= stage as u8;
    // Set once every part is on the page: tests (and scripts in an embedding page) wait for it.
    let complete = move || (shown.get() >= Stage::LAST as u8).to_string();
    let sections = OpenSections::provide(COLLAPSIBLE);
    let presentation = Presentation::provide(sections);
    let presented = move |id: &'static str| move || presentation.current_id() == Some(id);
    // Each section's one-line summary, from the dashboard.
    let teaser = move |describe: fn(&Dashboard) -> String| {
        Signal::derive(move || {
            state
                .dashboard
                .with(|dashboard| dashboard.as_ref().map(describe).unwrap_or_default())
        })
    };
    view! {
        <div class="dashboard" class:presenting=move || presentation.running() data-testid="dashboard" data-complete=complete>
            <RestoredNotice/>
            <SectionNav/>
            <div class="slide" class:presented=presented("overview")>
                <Overview/>
            </div>
            <div class="slide" class:presented=presented("attention")>
                <NeedsAttention/>
            </div>
            <div class="view-bar">
                <Filters/>
                <LiveControl/>
                <ReportActions/>
            </div>
            <Section id="charts" title="Charts" teaser=teaser(charts_teaser)>
                <div class="charts-section">
                    <Show when=from(Stage::Charts)>
                        <ChartRow/>
                    </Show>
                    <Show when=move || from(Stage::Daily)() && has_daily()>
                        <section class="panel" data-testid="panel-daily">
                            <h2>"Completion over time"</h2>
                            <DailyChart/>
                        </section>
                    </Show>
                </div>
            </Section>
            <Section id="learners" title="Learners" teaser=teaser(learners_teaser)>
                <Show when=from(Stage::Learners)>
                    <LearnersPanel/>
                </Show>
            </Section>
            <Section id="courses" title="Courses" teaser=teaser(courses_teaser)>
                <Show when=from(Stage::Courses)>
                    <CoursesPanel/>
                </Show>
            </Section>
            <Section id="videos" title="Videos" teaser=teaser(videos_teaser)>
                <Show when=from(Stage::Videos)>
                    <VideosPanel/>
                </Show>
            </Section>
            <Section id="quality" title="Data quality" teaser=teaser(quality_teaser)>
                <Show when=from(Stage::Quality)>
                    <QualityPanel/>
                </Show>
            </Section>
            <Show when=has_events>
                <Section id="events" title="Events" teaser=teaser(events_teaser)>
                    <Show when=from(Stage::Quality)>
                        <EventsPanel/>
                    </Show>
                </Section>
            </Show>
            <Section id="data" title="Data" teaser=teaser(data_teaser)>
                <div class="data-section">
                    <Show when=from(Stage::Sources)>
                        <Cards/>
                        <DatasetPanel/>
                        <Sources/>
                        <MetadataPanel/>
                    </Show>
                </div>
            </Section>
            <PresentBar/>
        </div>
    }
}

fn charts_teaser(dashboard: &Dashboard) -> String {
    let over_time = if dashboard.daily.is_empty() {
        ""
    } else {
        ", completion over time"
    };
    format!("Distribution of completion, average by course{over_time}")
}

fn learners_teaser(dashboard: &Dashboard) -> String {
    format!(
        "Top and bottom {} of {} learners, the most watched, the full ranking",
        dashboard.top.len().max(dashboard.bottom.len()),
        format::int(dashboard.cards.learners)
    )
}

fn courses_teaser(dashboard: &Dashboard) -> String {
    format!(
        "The most and least engaged videos of each of {} courses",
        format::int(dashboard.cards.courses)
    )
}

fn videos_teaser(dashboard: &Dashboard) -> String {
    format!(
        "Average completion of each of {} videos",
        format::int(dashboard.cards.videos)
    )
}

fn quality_teaser(dashboard: &Dashboard) -> String {
    let (passed, warned, failed) = rule_counts(dashboard);
    let rules = if passed == 1 { "rule" } else { "rules" };
    format!("{passed} {rules} passed · {warned} warned · {failed} failed")
}

fn events_teaser(dashboard: &Dashboard) -> String {
    let Some(events) = &dashboard.events else {
        return String::new();
    };
    let found = events.rules.iter().filter(|rule| rule.count > 0).count();
    format!(
        "{} events → {} sessions → {} learner–video pairs; retention of {} videos; {found} of {} \
         event rules found problems",
        format::int(events.lineage.events_read),
        format::int(events.lineage.sessions),
        format::int(events.lineage.pairs),
        format::int(events.videos.len() as u64),
        events.rules.len()
    )
}

fn data_teaser(dashboard: &Dashboard) -> String {
    format!(
        "{} rows, {} duplicates removed; files, storage, column mapping and lineage",
        format::int(dashboard.cards.rows),
        format::int(dashboard.cards.duplicates_removed)
    )
}

/// The parts of the dashboard rendered after the first paint, in order, one per animation frame.
#[derive(Clone, Copy)]
enum Stage {
    Charts = 1,
    Daily,
    Learners,
    Courses,
    Videos,
    Quality,
    Sources,
}

impl Stage {
    const LAST: Stage = Stage::Sources;
}

/// Shows one more panel on the next frame, until `last`.
fn reveal_next(shown: RwSignal<u8>, last: u8) {
    request_animation_frame(move || {
        // The dashboard may be gone by now (a new file, the landing page).
        let Some(count) = shown.try_get_untracked() else {
            return;
        };
        if count < last {
            shown.set(count + 1);
            reveal_next(shown, last);
        }
    });
}

/// What was read and how columns were mapped, with the engine's notes.
#[component]
fn Sources() -> impl IntoView {
    let state = use_app_state();
    move || {
        state.dashboard.with(|dashboard| {
            dashboard.as_ref().map(|dashboard| {
                // A restored dataset holds totals, not rows: a new mapping needs the files again.
                // Event logs are mapped by the engine's event fields, not by this screen.
                let adjustable = dashboard.restored.is_none() && dashboard.events.is_none();
                let sources = dashboard
                    .sources
                    .iter()
                    .map(|source| {
                        let mapping = source
                            .mapping
                            .iter()
                            .map(|(field, column)| format!("{field} ← {column}"))
                            .collect::<Vec<_>>()
                            .join(", ");
                        let scale = format!(
                            "completion as {}{}",
                            source.scale,
                            if source.scale_inferred {
                                " (inferred from the values)"
                            } else {
                                ""
                            }
                        );
                        let help = crate::worker::protocol::MappingHelp {
                            source: source.name.clone(),
                            columns: source.columns.clone(),
                            events: false,
                        };
                        let unsure = source.scale_inferred.then(|| {
                            view! {
                                <span class="hint">
                                    " The scale was guessed from the values; check it if the \
                                     averages look off."
                                </span>
                            }
                        });
                        view! {
                            <li>
                                <strong>{source.name.clone()}</strong>
                                {format!(
                                    " · {} · {} · {} rows · {} row groups · {scale}",
                                    source.format,
                                    format::bytes(source.bytes),
                                    format::int(source.rows),
                                    source.row_groups
                                )}
                                <div class="hint">{mapping}</div>
                                {unsure}
                                {adjustable.then(|| view! {
                                    <button
                                        class="secondary"
                                        data-testid="adjust-mapping"
                                        on:click=move |_| state.mapping_help.set(Some(help.clone()))
                                    >
                                        "Adjust column mapping"
                                    </button>
                                })}
                            </li>
                        }
                    })
                    .collect::<Vec<_>>();
                let notes = dashboard
                    .notes
                    .iter()
                    .map(|note| view! { <li>{note.clone()}</li> })
                    .collect::<Vec<_>>();
                let elapsed = if dashboard.from_kept_rows {
                    format!(
                        "Filtered in {:.0} ms from the rows kept in memory{}.",
                        dashboard.elapsed_ms,
                        if dashboard.bytes_read == 0 {
                            ", without reading the files"
                        } else {
                            ""
                        }
                    )
                } else if dashboard.workers > 1 {
                    format!(
                        "Analysed in {:.0} ms, read on {} workers.",
                        dashboard.elapsed_ms, dashboard.workers
                    )
                } else {
                    format!("Analysed in {:.0} ms.", dashboard.elapsed_ms)
                };
                let bytes_read = dashboard.bytes_read.to_string();
                let workers = dashboard.workers.to_string();
                let from_kept_rows = dashboard.from_kept_rows.to_string();
                view! {
                    <section class="sources-section" data-testid="panel-sources">
                        <h3>"Files and column mapping"</h3>
                        <ul class="sources">{sources}</ul>
                        <ul class="notes" data-testid="notes">{notes}</ul>
                        <p
                            class="hint"
                            data-testid="analysed"
                            data-bytes-read=bytes_read
                            data-from-kept-rows=from_kept_rows
                            data-workers=workers
                        >
                            {elapsed}
                        </p>
                    </section>
                }
            })
        })
    }
}
