//! The first screen: what the tool does, that data stays here, and how to start.

use leptos::prelude::*;

use crate::components::header::FilePicker;
use crate::state::use_app_state;

/// Shown until data is loaded.
#[component]
pub fn Landing() -> impl IntoView {
    let state = use_app_state();
    view! {
        <section class="landing" data-testid="landing">
            <p class="pitch" data-testid="app-pitch">{crate::PITCH}</p>
            <div class="drop-zone">
                <p>"Drop Parquet or CSV watch logs here, or"</p>
                <div class="landing-actions">
                    <FilePicker label="Choose files…"/>
                    <button data-testid="try-sample" on:click=move |_| state.open_sample()>
                        "Try the sample data"
                    </button>
                </div>
                <p class="hint">
                    "Expected columns: a learner id, a video id or title, a completion rate, and \
                     optionally a course, role, event id and timestamps. Names are recognised \
                     automatically; you can map them by hand when they are not."
                </p>
            </div>
        </section>
    }
}
