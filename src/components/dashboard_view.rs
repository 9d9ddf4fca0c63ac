//! The dashboard: filters, headline cards, charts, and the learner, course, video and quality
//! panels, over the current [`Dashboard`](crate::worker::protocol::Dashboard).

use leptos::prelude::*;

use crate::components::cards::Cards;
use crate::components::charts::course_bars::CourseBars;
use crate::components::charts::daily_chart::DailyChart;
use crate::components::charts::histogram::Histogram;
use crate::components::courses_panel::CoursesPanel;
use crate::components::filters::Filters;
use crate::components::learners_panel::LearnersPanel;
use crate::components::quality_panel::QualityPanel;
use crate::components::videos_panel::VideosPanel;
use crate::format;
use crate::state::use_app_state;

/// Every panel.
#[component]
pub fn DashboardView() -> impl IntoView {
    let state = use_app_state();
    let has_daily = move || {
        state
            .dashboard
            .with(|d| d.as_ref().is_some_and(|d| !d.daily.is_empty()))
    };
    // The panels below the fold render one frame later, so the first paint (and the longest
    // main-thread task) stays short.
    let below_fold = RwSignal::new(false);
    request_animation_frame(move || below_fold.set(true));
    view! {
        <div class="dashboard" data-testid="dashboard">
            <Filters/>
            <Cards/>
            <div class="chart-row">
                <section class="panel" data-testid="panel-histogram">
                    <h2>"Completion distribution"</h2>
                    <Histogram/>
                </section>
                <section class="panel" data-testid="panel-course-chart">
                    <h2>"Average completion by course"</h2>
                    <CourseBars/>
                </section>
            </div>
            <Show when=has_daily>
                <section class="panel" data-testid="panel-daily">
                    <h2>"Completion over time"</h2>
                    <DailyChart/>
                </section>
            </Show>
            <Show when=move || below_fold.get()>
                <LearnersPanel/>
                <CoursesPanel/>
                <VideosPanel/>
                <QualityPanel/>
                <Sources/>
            </Show>
        </div>
    }
}

/// What was read and how columns were mapped, with the engine's notes.
#[component]
fn Sources() -> impl IntoView {
    let state = use_app_state();
    move || {
        state.dashboard.with(|dashboard| {
            dashboard.as_ref().map(|dashboard| {
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
                                <button
                                    class="secondary"
                                    data-testid="adjust-mapping"
                                    on:click=move |_| state.mapping_help.set(Some(help.clone()))
                                >
                                    "Adjust column mapping"
                                </button>
                            </li>
                        }
                    })
                    .collect::<Vec<_>>();
                let notes = dashboard
                    .notes
                    .iter()
                    .map(|note| view! { <li>{note.clone()}</li> })
                    .collect::<Vec<_>>();
                let elapsed = format!("Analysed in {:.0} ms.", dashboard.elapsed_ms);
                view! {
                    <section class="panel" data-testid="panel-sources">
                        <h2>"Data"</h2>
                        <ul class="sources">{sources}</ul>
                        <ul class="notes" data-testid="notes">{notes}</ul>
                        <p class="hint">{elapsed}</p>
                    </section>
                }
            })
        })
    }
}
