//! The page's one polite live region: load progress (in quarters, not every row group), the
//! result of a load, and failures, read out by screen readers without moving focus.

use leptos::prelude::*;

use crate::format;
use crate::state::use_app_state;

/// A visually hidden `role="status"` region that stays on the page (a live region inserted
/// with its text is not announced), whose text follows the load.
#[component]
pub fn Announcer() -> impl IntoView {
    let state = use_app_state();
    let message = Memo::new(move |_| {
        if let Some(error) = state.error.get() {
            return format!("Could not load the data: {}", error.message);
        }
        if let Some(loading) = state.loading.get() {
            let progress = loading.progress;
            let quarter = progress
                .bytes_done
                .saturating_mul(4)
                .checked_div(progress.bytes_total)
                .map_or(0, |quarters| quarters.min(4) * 25);
            return format!("Reading {}: {quarter} % read.", loading.label);
        }
        state.dashboard.with(|dashboard| {
            dashboard.as_ref().map_or_else(String::new, |dashboard| {
                let cards = &dashboard.cards;
                // Live mode: each refresh changes this line, so it is read out too.
                let refreshed = state.live.with(|live| {
                    live.last.as_deref().map_or_else(String::new, |time| {
                        format!(" {}.", crate::live::status_line(time, live.new_files))
                    })
                });
                format!(
                    "Loaded {}: {} learners, {} videos, {} courses, mean completion {}.{refreshed}",
                    state.data_label.get().unwrap_or_default(),
                    format::int(cards.learners),
                    format::int(cards.videos),
                    format::int(cards.courses),
                    format::percent(cards.mean_completion),
                )
            })
        })
    });
    view! {
        <div class="visually-hidden" role="status" aria-live="polite" data-testid="announcer">
            {move || message.get()}
        </div>
    }
}
