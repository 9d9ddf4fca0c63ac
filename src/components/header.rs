//! The top bar: name, what is loaded, and the ways to open data (files, the sample).

use leptos::prelude::*;

use crate::state::{AppState, use_app_state};

/// The app's header.
#[component]
pub fn Header() -> impl IntoView {
    let state = use_app_state();
    view! {
        <header class="app-header">
            <div class="brand">
                <h1 data-testid="app-title">"CoursePulse"</h1>
                <span class="data-label" data-testid="data-label">
                    {move || state.data_label.get().map(|label| format!("Showing {label}"))}
                </span>
            </div>
            <div class="header-actions">
                <FilePicker label="Open files…"/>
                <button class="secondary" data-testid="open-sample" on:click=move |_| state.open_sample()>
                    "Sample data"
                </button>
            </div>
        </header>
    }
}

/// A button that opens the browser's file picker (several files at once).
#[component]
pub fn FilePicker(label: &'static str) -> impl IntoView {
    let state = use_app_state();
    view! {
        <label class="button file-picker">
            {label}
            <input
                type="file"
                multiple
                accept=".parquet,.parq,.pq,.csv,.tsv,.txt"
                data-testid="file-input"
                on:change=move |event| {
                    let input: web_sys::HtmlInputElement = event_target(&event);
                    if let Some(files) = input.files() {
                        open_file_list(state, &files);
                    }
                    // Picking the same file again must fire `change` again.
                    input.set_value("");
                }
            />
        </label>
    }
}

/// Opens the files of a picker or a drop.
pub fn open_file_list(state: AppState, files: &web_sys::FileList) {
    #[cfg(target_arch = "wasm32")]
    {
        let array = js_sys::Array::new();
        let mut names = Vec::new();
        for index in 0..files.length() {
            if let Some(file) = files.item(index) {
                names.push(file.name());
                array.push(&file);
            }
        }
        if names.is_empty() {
            return;
        }
        let label = if names.len() <= 3 {
            names.join(", ")
        } else {
            format!("{} files", names.len())
        };
        state.open_files(array, label);
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (state, files);
}
