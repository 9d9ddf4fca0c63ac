//! The top bar: name, what is loaded, and the ways to open data (files, a folder, the sample);
//! also the pickers' shared plumbing (a picked or dropped list of files -> an open or an add).

use leptos::prelude::*;

use crate::components::masked_badge::MaskedBadge;
use crate::components::privacy::PrivacyButton;
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
                <MaskedBadge/>
                <FilePicker label="Open files…"/>
                <FolderPicker label="Open folder…" add=false/>
                <button class="secondary" data-testid="open-sample" on:click=move |_| state.open_sample()>
                    "Sample data"
                </button>
                <PrivacyButton controls=true/>
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
                accept=".parquet,.parq,.pq,.csv,.tsv,.txt,.ndjson,.jsonl,.json"
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

/// A button that opens the browser's folder picker: every data file below the chosen folder,
/// named by its path inside it, so `date=2025-03-01/part-0.parquet` partitions apply. With
/// `add`, the files are added to the loaded dataset instead of replacing it.
#[component]
pub fn FolderPicker(label: &'static str, add: bool) -> impl IntoView {
    let state = use_app_state();
    let test_id = if add {
        "add-folder-input"
    } else {
        "folder-input"
    };
    view! {
        <label class="button secondary file-picker">
            {label}
            <input
                type="file"
                multiple
                prop:webkitdirectory=true
                data-testid=test_id
                on:change=move |event| {
                    let input: web_sys::HtmlInputElement = event_target(&event);
                    if let Some(files) = input.files() {
                        open_folder_list(state, &files, add);
                    }
                    input.set_value("");
                }
            />
        </label>
    }
}

/// Opens the files of a picker or a drop.
pub fn open_file_list(state: AppState, files: &web_sys::FileList) {
    open_list(state, files, false, false);
}

/// Adds picked files to the loaded dataset.
pub fn add_file_list(state: AppState, files: &web_sys::FileList) {
    open_list(state, files, false, true);
}

/// Opens (or adds) the files of a folder picker, by their paths inside the chosen folder.
pub fn open_folder_list(state: AppState, files: &web_sys::FileList, add: bool) {
    open_list(state, files, true, add);
}

fn open_list(state: AppState, files: &web_sys::FileList, folder: bool, add: bool) {
    #[cfg(target_arch = "wasm32")]
    {
        let mut picked = Vec::new();
        for index in 0..files.length() {
            if let Some(file) = files.item(index) {
                let name = if folder {
                    crate::paths::relative_to_chosen_folder(&webkit_relative_path(&file))
                } else {
                    file.name()
                };
                picked.push((name, file));
            }
        }
        if folder {
            let chosen = (0..files.length())
                .find_map(|index| files.item(index))
                .and_then(|file| {
                    webkit_relative_path(&file)
                        .split('/')
                        .next()
                        .map(str::to_owned)
                })
                .filter(|name| !name.is_empty())
                .unwrap_or_else(|| "the chosen folder".to_owned());
            match crate::paths::data_files(picked) {
                Some(kept) => open_named(state, kept, Some(chosen), folder, add),
                None => state
                    .error
                    .set(Some(crate::worker::protocol::ErrorView::new(
                        crate::paths::empty_folder_message(&chosen),
                    ))),
            }
            return;
        }
        if !picked.is_empty() {
            open_named(state, picked, None, folder, add);
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (state, files, folder, add);
}

/// The path of a file picked from a folder, starting with the folder's name (not in web-sys).
#[cfg(target_arch = "wasm32")]
fn webkit_relative_path(file: &web_sys::File) -> String {
    js_sys::Reflect::get(file, &"webkitRelativePath".into())
        .ok()
        .and_then(|path| path.as_string())
        .unwrap_or_default()
}

/// Sends named files (from a picker, a folder or a dropped folder) to the worker.
#[cfg(target_arch = "wasm32")]
pub fn open_named(
    state: AppState,
    picked: Vec<(String, web_sys::File)>,
    folder_name: Option<String>,
    folder: bool,
    add: bool,
) {
    let array = js_sys::Array::new();
    let mut names = Vec::with_capacity(picked.len());
    for (name, file) in picked {
        array.push(&file);
        names.push(name);
    }
    let label = match folder_name {
        Some(folder_name) => format!("{folder_name}/ ({} files)", names.len()),
        None if names.len() <= 3 => names.join(", "),
        None => format!("{} files", names.len()),
    };
    // Plain files keep the worker's default names; folders send their relative paths.
    let names = if folder { names } else { Vec::new() };
    if add {
        state.add_files(array, names, label);
    } else {
        state.open_files(array, names, label);
    }
}
