//! The "Restored from this browser's storage" notice at the top of the dashboard: which files
//! the stored analysis was built from, when, and what a restored dataset cannot do.

use leptos::prelude::*;

use crate::state::use_app_state;

/// Shown while the dashboard comes from storage rather than from reading the files.
#[component]
pub fn RestoredNotice() -> impl IntoView {
    let state = use_app_state();
    move || {
        state.dashboard.with(|dashboard| {
            let restored = dashboard.as_ref()?.restored.clone()?;
            let files = if restored.files.len() <= 4 {
                restored.files.join(", ")
            } else {
                format!(
                    "{}, …, {} ({} files)",
                    restored.files[..3].join(", "),
                    restored.files[restored.files.len() - 1],
                    restored.files.len()
                )
            };
            let caveat = match (restored.needs_files_to_refilter, restored.rows_kept) {
                (_, true) => Some(
                    " Its rows were stored with it, so the filters work without the files; a new \
                     column mapping needs the files or folder again. Adding files works as it is.",
                ),
                (true, false) => Some(
                    " Changing the filters or the column mapping needs the original rows: open \
                     the files or folder again for that. Adding files works as it is.",
                ),
                (false, false) => None,
            };
            Some(view! {
                <p class="restored" data-testid="restored-banner">
                    <strong>"Restored from this browser's storage"</strong>
                    {format!(" (saved {}): {files}.", restored.saved_at)}
                    {caveat}
                </p>
            })
        })
    }
}
