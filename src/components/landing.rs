//! The first screen: what the tool does, that data stays here, and how to start.

use leptos::prelude::*;

use crate::components::header::{FilePicker, FolderPicker};
use crate::state::use_app_state;

/// Shown until data is loaded.
#[component]
pub fn Landing() -> impl IntoView {
    let state = use_app_state();
    let url = RwSignal::new(String::new());
    let open_url = move || {
        let text = url.get_untracked().trim().to_owned();
        if !text.is_empty() {
            state.open_url(text);
        }
    };
    view! {
        <section class="landing" data-testid="landing">
            <p class="pitch" data-testid="app-pitch">{crate::PITCH}</p>
            <div class="drop-zone">
                <p>"Drop Parquet or CSV watch logs here, or"</p>
                <div class="landing-actions">
                    <FilePicker label="Choose files…"/>
                    <FolderPicker label="Choose a folder…" add=false/>
                    <button data-testid="try-sample" on:click=move |_| state.open_sample()>
                        "Try the sample data"
                    </button>
                </div>
                <form
                    class="url-form"
                    on:submit=move |event| {
                        event.prevent_default();
                        open_url();
                    }
                >
                    <label for="open-url">
                        "or open a Parquet or CSV file, or a manifest.json of many, by URL"
                    </label>
                    <input
                        id="open-url"
                        type="text"
                        inputmode="url"
                        spellcheck="false"
                        placeholder="https://…/watch-logs.parquet or data/week-1.parquet"
                        data-testid="url-input"
                        prop:value=move || url.get()
                        on:input=move |event| url.set(event_target_value(&event))
                    />
                    <button type="submit" class="secondary" data-testid="open-url">"Open"</button>
                </form>
                <StoredNotice/>
                <p class="hint">
                    "Expected columns: a learner id, a video id or title, a completion rate, and \
                     optionally a course, role, event id and timestamps. Names are recognised \
                     automatically; you can map them by hand when they are not."
                </p>
                <p class="hint" data-testid="landing-events-hint">
                    "Player event logs work too (play, pause, seek, heartbeat, ended; CSV, Parquet, \
                     or JSON lines with xAPI statements): drop them with a videos.csv, which is \
                     recognised as the video catalogue by its columns (a video id or title and a \
                     duration), and completion is the share of each video actually watched."
                </p>
            </div>
        </section>
    }
}

/// What an earlier visit left in this browser but could not be shown, with a way to erase it.
#[component]
fn StoredNotice() -> impl IntoView {
    let state = use_app_state();
    move || {
        let storage = state.storage.get();
        (storage.bytes > 0 || storage.note.is_some()).then(|| {
            view! {
                <p class="hint" data-testid="stored-notice">
                    <span data-testid="stored-size" data-bytes=storage.bytes.to_string()>
                        {format!("Stored in this browser: {} bytes.", crate::format::int(storage.bytes))}
                    </span>
                    {storage.note.map(|note| format!(" {note}"))}
                    " "
                    <button class="secondary" data-testid="forget-data" on:click=move |_| state.forget_stored()>
                        "Forget this data"
                    </button>
                </p>
            }
        })
    }
}
