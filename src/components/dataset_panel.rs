//! The dataset details in the "Data" section: what the last add did, what pruning skipped
//! before reading, what is stored for the next visit with "Forget this data", and the
//! "Add files" / "Add folder" actions.

use leptos::prelude::*;

use crate::components::header::{FolderPicker, add_file_list};
use crate::format;
use crate::state::use_app_state;
use crate::worker::protocol::PruningView;

/// The dataset details: added files, pruning, storage, and the add actions.
#[component]
pub fn DatasetPanel() -> impl IntoView {
    let state = use_app_state();
    let added = move || {
        state.dashboard.with(|dashboard| {
            let added = dashboard.as_ref()?.added?;
            Some(view! {
                <p class="hint" data-testid="added-summary">
                    {format!(
                        "Added {} new file{}; {} already loaded (same content) skipped without reading.",
                        added.new_files,
                        if added.new_files == 1 { "" } else { "s" },
                        added.already_loaded
                    )}
                </p>
            })
        })
    };
    let pruning = move || {
        state.dashboard.with(|dashboard| {
            dashboard
                .as_ref()
                .map(|dashboard| pruning_line(dashboard.pruning))
        })
    };
    let stored = move || {
        let storage = state.storage.get();
        let place = if storage.backend.is_empty() {
            String::new()
        } else {
            format!(" ({})", storage.backend)
        };
        view! {
            <span data-testid="stored-size" data-bytes=storage.bytes.to_string()>
                {format!("Stored in this browser for your next visit: {}{place}.", bytes_text(storage.bytes))}
            </span>
            {storage.note.map(|note| view! { <span class="hint" data-testid="stored-note">" "{note}</span> })}
        }
    };
    let add_input = move |event: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&event);
        if let Some(files) = input.files() {
            add_file_list(state, &files);
        }
        input.set_value("");
    };
    view! {
        <section class="panel dataset-panel" data-testid="dataset-panel">
            {added}
            {pruning}
            <p class="storage">
                {stored}
                " "
                <button
                    class="secondary"
                    data-testid="forget-data"
                    on:click=move |_| state.forget_stored()
                >
                    "Forget this data"
                </button>
            </p>
            <div class="dataset-actions">
                <label class="button secondary file-picker">
                    "Add files…"
                    <input
                        type="file"
                        multiple
                        accept=".parquet,.parq,.pq,.csv,.tsv,.txt,.ndjson,.jsonl,.json"
                        data-testid="add-files-input"
                        on:change=add_input
                    />
                </label>
                <FolderPicker label="Add folder…" add=true/>
                <span class="hint">
                    "Adding reads only new files: files already loaded are recognised by content."
                </span>
            </div>
        </section>
    }
}

/// "Skipped before reading: 173 of 180 files, ..." with each number in its own element.
fn pruning_line(pruning: PruningView) -> impl IntoView {
    let count = |test_id: &'static str, value: String| {
        view! { <strong data-testid=test_id>{value}</strong> }
    };
    view! {
        <p class="pruning" data-testid="pruning-summary">
            "Skipped before reading: "
            {count("pruning-files-skipped", format::int(pruning.files_skipped))}
            " of "
            {count("pruning-files", format::int(pruning.files))}
            " files, "
            {count("pruning-row-groups-skipped", format::int(pruning.row_groups_skipped))}
            " of "
            {count("pruning-row-groups", format::int(pruning.row_groups))}
            " row groups in the files read, "
            {count("pruning-bytes-skipped", format::int(pruning.bytes_skipped))}
            " of "
            {count("pruning-bytes", format::int(pruning.bytes))}
            " bytes; "
            {count("pruning-already-loaded", format::int(pruning.files_already_loaded))}
            " files already loaded."
        </p>
    }
}

/// `12,345 bytes (12.3 KB)`, exact first so the figure can be checked.
fn bytes_text(bytes: u64) -> String {
    if bytes < 1000 {
        format!("{bytes} bytes")
    } else {
        format!("{} bytes ({})", format::int(bytes), format::bytes(bytes))
    }
}
