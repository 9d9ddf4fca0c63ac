//! The column-mapping screen: shown when the columns could not be recognised. Lists the file's
//! columns for each field, and the completion scale, then opens the data again.

use leptos::prelude::*;

use crate::state::use_app_state;
use crate::worker::protocol::MAPPABLE_FIELDS;

/// Visible when the last error was a mapping the user can fix.
#[component]
pub fn MappingDialog() -> impl IntoView {
    let state = use_app_state();
    move || {
        let help = state
            .error
            .get()
            .and_then(|error| error.mapping)
            .or_else(|| state.mapping_help.get());
        help.map(|help| {
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
            let scale = RwSignal::new(state.settings.with_untracked(|s| s.scale.clone().unwrap_or_default()));
            let rows = MAPPABLE_FIELDS
                .iter()
                .zip(choices.iter().copied())
                .map(|((field, label, required), choice)| {
                    let columns = help
                        .columns
                        .iter()
                        .map(|column| view! { <option value=column.clone()>{column.clone()}</option> })
                        .collect::<Vec<_>>();
                    view! {
                        <label class="mapping-row">
                            <span>{*label}{required.then_some(" *")}</span>
                            <select
                                data-testid=format!("map-{field}")
                                prop:value=move || choice.get()
                                on:change=move |event| choice.set(event_target_value(&event))
                            >
                                <option value="">"(detect automatically)"</option>
                                <option value=NONE>"(not in this data)"</option>
                                {columns}
                            </select>
                        </label>
                    }
                })
                .collect::<Vec<_>>();
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
                let after_failure = state.error.with_untracked(|error| {
                    error.as_ref().is_some_and(|error| error.mapping.is_some())
                });
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
                <div class="dialog-backdrop">
                    <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="mapping-title" data-testid="mapping-dialog">
                        <h2 id="mapping-title">"Which column is which?"</h2>
                        <p class="hint">{format!("{} has the columns: {}", help.source, help.columns.join(", "))}</p>
                        <div class="mapping-grid">{rows}</div>
                        <label class="mapping-row">
                            <span>"Completion scale"</span>
                            <select data-testid="map-scale" prop:value=move || scale.get() on:change=move |event| scale.set(event_target_value(&event))>
                                <option value="">"(detect from the values)"</option>
                                <option value="percent">"0–100 (percent)"</option>
                                <option value="fraction">"0–1 (fraction)"</option>
                            </select>
                        </label>
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
                    </div>
                </div>
            }
        })
    }
}

const NONE: &str = "(none)";
