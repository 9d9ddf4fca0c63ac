//! The load in flight: what is read, bytes and row groups done, and Cancel.

use leptos::prelude::*;

use crate::format;
use crate::state::use_app_state;

/// Visible while a load runs.
#[component]
pub fn ProgressBar() -> impl IntoView {
    let state = use_app_state();
    move || {
        state.loading.get().map(|loading| {
            let progress = loading.progress;
            let fraction = if progress.bytes_total > 0 {
                progress.bytes_done as f64 / progress.bytes_total as f64
            } else {
                0.0
            };
            let detail = if progress.bytes_total > 0 {
                format!(
                    "{} of {} · row groups {} of {}",
                    format::bytes(progress.bytes_done),
                    format::bytes(progress.bytes_total),
                    progress.groups_done,
                    progress.groups_total
                )
            } else {
                "starting…".to_owned()
            };
            view! {
                <div class="progress" role="status" data-testid="progress">
                    <div class="progress-text">
                        <strong>"Reading " {loading.label.clone()}</strong>
                        <span>{detail}</span>
                    </div>
                    <progress max="1" value=fraction.to_string()></progress>
                    <button class="secondary" data-testid="cancel" on:click=move |_| state.cancel()>
                        "Cancel"
                    </button>
                </div>
            }
        })
    }
}
