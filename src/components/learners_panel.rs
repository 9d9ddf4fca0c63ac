//! Learners: the one with the most watched videos, top and bottom N, and the full ranking.

use leptos::prelude::*;

use crate::components::data_table::DataTable;
use crate::format;
use crate::state::use_app_state;
use crate::url_state::MAX_MIN_VIDEOS;
use crate::worker::protocol::{LearnerView, TableId};

/// The learners panel.
#[component]
pub fn LearnersPanel() -> impl IntoView {
    let state = use_app_state();
    let most_watched = move || {
        state.dashboard.with(|dashboard| {
            let learner = dashboard
                .as_ref()
                .and_then(|dashboard| dashboard.most_watched.clone());
            match learner {
                Some(learner) => view! {
                    <p class="most-watched" data-testid="most-watched">
                        "Most watched videos: "
                        <strong data-testid="most-watched-id">{learner.student_id}</strong>
                        {format!(
                            " — {} videos, {} views, average completion {}",
                            format::int(learner.videos_watched),
                            format::int(learner.views),
                            format::percent(learner.avg_completion)
                        )}
                    </p>
                }
                .into_any(),
                None => view! { <p class="hint">"No learner rows."</p> }.into_any(),
            }
        })
    };
    let top = Signal::derive(move || {
        state
            .dashboard
            .with(|d| d.as_ref().map(|d| d.top.clone()).unwrap_or_default())
    });
    let bottom = Signal::derive(move || {
        state
            .dashboard
            .with(|d| d.as_ref().map(|d| d.bottom.clone()).unwrap_or_default())
    });
    let tie_note = move |bottom: bool| {
        Signal::derive(move || {
            state.dashboard.with(|dashboard| {
                let dashboard = dashboard.as_ref()?;
                dashboard.tie_note(if bottom {
                    &dashboard.bottom
                } else {
                    &dashboard.top
                })
            })
        })
    };
    let top_n = move || state.settings.with(|settings| settings.top_n.max(1));
    let min_videos = move || state.settings.with(|settings| settings.min_videos.max(1));
    view! {
        <section class="panel" data-testid="panel-learners">
            <div class="panel-head">
                <h2>"Learners"</h2>
                <label class="inline">
                    "N "
                    <input
                        type="number"
                        min="1"
                        max="1000"
                        data-testid="top-n"
                        prop:value=move || top_n().to_string()
                        on:change=move |event| {
                            let value = event_target_value(&event).parse::<usize>().unwrap_or(10).clamp(1, 1000);
                            state.settings.update(|settings| settings.top_n = value);
                            state.relist();
                        }
                    />
                </label>
                <label class="inline" title="Learners with fewer videos are left out of the top and bottom lists (not of the full ranking)">
                    "Min. videos "
                    <input
                        type="number"
                        min="1"
                        max=MAX_MIN_VIDEOS.to_string()
                        data-testid="min-videos"
                        prop:value=move || min_videos().to_string()
                        on:change=move |event| {
                            let value = event_target_value(&event)
                                .trim()
                                .parse::<u64>()
                                .unwrap_or(1)
                                .clamp(1, MAX_MIN_VIDEOS);
                            state.settings.update(|settings| settings.min_videos = value);
                            // The engine ranks with the minimum, so the analysis runs again.
                            state.reanalyse();
                        }
                    />
                </label>
            </div>
            <p class="hint" data-testid="min-videos-note">
                {move || match min_videos() {
                    1 => "Every learner can be in the top and bottom lists.".to_owned(),
                    count => format!("The top and bottom lists hold learners with at least {count} videos."),
                }}
            </p>
            {most_watched}
            <div class="two-up">
                <RankList title="Top" testid="top-learners" rows=top note=tie_note(false)/>
                <RankList title="Bottom" testid="bottom-learners" rows=bottom note=tie_note(true)/>
            </div>
            <h3>"All learners, ranked by average completion"</h3>
            <DataTable table=TableId::Learners testid="learners-table" caption="All learners"/>
        </section>
    }
}

/// The most rows a short list draws: a tie at the cut can take in thousands of learners (every
/// one at 100 %), who are all in the full ranking below.
const MAX_DRAWN: usize = 100;

/// A short ranked list, with a note when ties at the cut make it longer than N.
#[component]
fn RankList(
    title: &'static str,
    testid: &'static str,
    rows: Signal<Vec<LearnerView>>,
    note: Signal<Option<String>>,
) -> impl IntoView {
    let undrawn = move || {
        let listed = rows.with(Vec::len);
        (listed > MAX_DRAWN).then(|| {
            format!(
                "The first {MAX_DRAWN} are shown here; the other {} are in the full ranking below.",
                format::int((listed - MAX_DRAWN) as u64)
            )
        })
    };
    let body = move || {
        rows.get()
            .into_iter()
            .take(MAX_DRAWN)
            .map(|row| {
                view! {
                    <tr>
                        <td class="numeric">{row.rank.map(|rank| rank.to_string()).unwrap_or_default()}</td>
                        <td>{row.student_id}</td>
                        <td class="numeric">{format::int(row.videos_watched)}</td>
                        <td class="numeric">{format::percent(row.avg_completion)}</td>
                    </tr>
                }
            })
            .collect::<Vec<_>>()
    };
    view! {
        <div class="rank-list">
            <h3>{move || format!("{title} {}", rows.with(Vec::len))}</h3>
            {move || note.get().map(|note| view! { <p class="hint" data-testid="tie-note">{note}</p> })}
            {move || undrawn().map(|text| view! { <p class="hint">{text}</p> })}
            <div class="scroll-x" tabindex="0" role="region" aria-label=title>
            <table data-testid=testid>
                <thead>
                    <tr>
                        <th scope="col" class="numeric">"Rank"</th>
                        <th scope="col">"Learner"</th>
                        <th scope="col" class="numeric">"Videos"</th>
                        <th scope="col" class="numeric">"Avg completion"</th>
                    </tr>
                </thead>
                <tbody>{body}</tbody>
            </table>
            </div>
        </div>
    }
}
