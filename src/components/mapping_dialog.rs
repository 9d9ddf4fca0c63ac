//! The column-mapping screen: shown when the columns could not be recognised, or on "Adjust
//! column mapping". Lists the file's columns for each field with the mapping and the completion
//! scale in use, then opens the data again.

use leptos::prelude::*;

use crate::components::modal_dialog::ModalDialog;
use crate::state::{AppState, use_app_state};
use crate::worker::protocol::{MAPPABLE_FIELDS, MappingHelp};

/// A modal dialog, open while the last error was a mapping the user can fix or while the user
/// adjusts the mapping of loaded data.
#[component]
pub fn MappingDialog() -> impl IntoView {
    let state = use_app_state();
    let help = Memo::new(move |_| {
        state
            .error
            .get()
            .and_then(|error| error.mapping)
            .or_else(|| state.mapping_help.get())
    });
    let open = Signal::derive(move || help.with(Option::is_some));
    let dismiss = move || {
        state.error.set(None);
        state.mapping_help.set(None);
    };
    view! {
        <ModalDialog
            open=open
            on_close=Callback::new(move |()| dismiss())
            testid="mapping-dialog"
            labelledby="mapping-title"
        >
            {move || help.get().map(|help| view! { <MappingForm state=state help=help/> })}
        </ModalDialog>
    }
}

/// The form for one input's columns.
#[component]
fn MappingForm(state: AppState, help: MappingHelp) -> impl IntoView {
    // What the loaded dashboard used for this input: shown beside "detect automatically".
    // The scale check's finding for this input, if it warned.
    let scale_warning = state.dashboard.with_untracked(|dashboard| {
        dashboard.as_ref().and_then(|dashboard| {
            crate::components::overview::scale_findings(dashboard)
                .into_iter()
                .find(|finding| finding.starts_with(&format!("{}: ", help.source)))
        })
    });
    let (in_use, scale_in_use) = state.dashboard.with_untracked(|dashboard| {
        dashboard
            .as_ref()
            .and_then(|dashboard| {
                dashboard
                    .sources
                    .iter()
                    .find(|source| source.name == help.source)
            })
            .map(|source| {
                let scale = format!(
                    "{}{}",
                    scale_label(&source.scale),
                    if source.scale_inferred {
                        ", inferred from the values"
                    } else {
                        ""
                    }
                );
                (source.mapping.clone(), Some(scale))
            })
            .unwrap_or_default()
    });
    let choices: Vec<RwSignal<String>> = MAPPABLE_FIELDS
        .iter()
        .map(|(field, _, _)| {
            let current = state.settings.with_untracked(|settings| {
                settings
                    .mapping
                    .iter()
                    .find(|(name, _)| name == field)
                    .map(|(_, column)| column.clone().unwrap_or_else(|| NONE.into()))
            });
            RwSignal::new(current.unwrap_or_default())
        })
        .collect();
    let scale = RwSignal::new(
        state
            .settings
            .with_untracked(|s| s.scale.clone().unwrap_or_default()),
    );
    let rows = MAPPABLE_FIELDS
        .iter()
        .zip(choices.iter().copied())
        .map(|((field, label, required), choice)| {
            let columns = help
                .columns
                .iter()
                .map(|column| view! { <option value=column.clone()>{column.clone()}</option> })
                .collect::<Vec<_>>();
            let automatic = match in_use.iter().find(|(name, _)| name == field) {
                Some((_, column)) => format!("Automatic (now: {column})"),
                None if in_use.is_empty() => "Automatic".to_owned(),
                None => "Automatic (now: not found)".to_owned(),
            };
            view! {
                <label class="mapping-row">
                    <span>{*label}{required.then_some(" *")}</span>
                    <select
                        data-testid=format!("map-{field}")
                        prop:value=move || choice.get()
                        on:change=move |event| choice.set(event_target_value(&event))
                    >
                        <option value="">{automatic}</option>
                        <option value=NONE>"(not in this data)"</option>
                        {columns}
                    </select>
                </label>
            }
        })
        .collect::<Vec<_>>();
    let automatic_scale = match &scale_in_use {
        Some(in_use) => format!("Automatic (now: {in_use})"),
        None => "Automatic (from the column name, then the values)".to_owned(),
    };
    let apply = move |_| {
        let mapping = MAPPABLE_FIELDS
            .iter()
            .zip(&choices)
            .filter_map(|((field, _, _), choice)| {
                let value = choice.get_untracked();
                match value.as_str() {
                    "" => None,
                    NONE => Some(((*field).to_owned(), None)),
                    _ => Some(((*field).to_owned(), Some(value))),
                }
            })
            .collect();
        let scale = Some(scale.get_untracked()).filter(|scale| !scale.is_empty());
        state.settings.update(|settings| {
            settings.mapping = mapping;
            settings.scale = scale;
        });
        // A failed load is retried; a mapping adjusted on loaded data reads that data again.
        let after_failure = state
            .error
            .with_untracked(|error| error.as_ref().is_some_and(|error| error.mapping.is_some()));
        state.error.set(None);
        state.mapping_help.set(None);
        #[cfg(target_arch = "wasm32")]
        if after_failure {
            state.retry_open();
        } else {
            state.restore();
        }
        #[cfg(not(target_arch = "wasm32"))]
        let _ = after_failure;
    };
    view! {
        <h2 id="mapping-title">"Which column is which?"</h2>
        <p class="hint">{format!("{} has the columns: {}", help.source, help.columns.join(", "))}</p>
        <div class="mapping-grid">{rows}</div>
        <label class="mapping-row">
            <span>"Completion scale"</span>
            <select
                data-testid="map-scale"
                prop:value=move || scale.get()
                on:change=move |event| scale.set(event_target_value(&event))
            >
                <option value="">{automatic_scale}</option>
                <option value="percent">"0–100 (percent)"</option>
                <option value="fraction">"0–1 (fraction)"</option>
            </select>
        </label>
        <p class="hint" data-testid="map-scale-in-use">
            {scale_in_use.map(|in_use| format!("Completion is read as {in_use}."))}
        </p>
        {scale_warning.map(|finding| view! {
            <p class="scale-note" role="note" data-testid="map-scale-warning">
                {format!("The values do not fit this scale: {finding}.")}
            </p>
        })}
        <div class="dialog-actions">
            <button
                class="secondary"
                on:click=move |_| {
                    state.error.set(None);
                    state.mapping_help.set(None);
                }
            >
                "Cancel"
            </button>
            <button data-testid="apply-mapping" on:click=apply>"Apply and analyse"</button>
        </div>
    }
}

fn scale_label(scale: &str) -> &'static str {
    match scale {
        "fraction" => "0–1 (fraction)",
        _ => "0–100 (percent)",
    }
}

const NONE: &str = "(none)";
