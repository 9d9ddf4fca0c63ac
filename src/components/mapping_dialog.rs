//! The column-mapping screen: shown when the columns could not be recognised, or on "Adjust
//! column mapping" (or "Adjust event fields"). Says what the file holds, rows with a completion
//! rate or player events, and lists the file's columns (for JSON lines, its paths) for each
//! field of that kind with the mapping and the completion scale in use, then opens the data
//! again.

use leptos::prelude::*;

use crate::components::modal_dialog::ModalDialog;
use crate::state::{AppState, use_app_state};
use crate::worker::protocol::{EVENT_FIELDS, MAPPABLE_FIELDS, MappingHelp};

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
    let events = RwSignal::new(help.events);
    // What the loaded events used for this log: shown beside "Automatic".
    let events_in_use = state.dashboard.with_untracked(|dashboard| {
        dashboard
            .as_ref()
            .and_then(|dashboard| dashboard.events.as_ref())
            .and_then(|events| events.logs.iter().find(|log| log.name == help.source))
            .map(|log| log.mapping.clone())
            .unwrap_or_default()
    });
    let event_choices: Vec<RwSignal<String>> = EVENT_FIELDS
        .iter()
        .map(|(field, _, _)| {
            let current = state.settings.with_untracked(|settings| {
                settings
                    .event_mapping
                    .iter()
                    .find(|(name, _)| name == field)
                    .map(|(_, column)| column.clone())
            });
            RwSignal::new(current.unwrap_or_default())
        })
        .collect();
    let event_rows = Grid {
        fields: EVENT_FIELDS,
        test_prefix: "map-event-",
        in_use: &events_in_use,
        can_be_absent: false,
    }
    .rows(&event_choices, &help.columns);
    let rows = Grid {
        fields: MAPPABLE_FIELDS,
        test_prefix: "map-",
        in_use: &in_use,
        can_be_absent: true,
    }
    .rows(&choices, &help.columns);
    let automatic_scale = match &scale_in_use {
        Some(in_use) => format!("Automatic (now: {in_use})"),
        None => "Automatic (from the column name, then the values)".to_owned(),
    };
    let read_as_events = help.events;
    let apply = move |_| {
        if events.get_untracked() {
            let event_mapping = EVENT_FIELDS
                .iter()
                .zip(&event_choices)
                .filter_map(|((field, _, _), choice)| {
                    let column = choice.get_untracked();
                    (!column.is_empty()).then(|| ((*field).to_owned(), column))
                })
                .collect();
            state.settings.update(|settings| {
                settings.events = Some(true);
                settings.event_mapping = event_mapping;
            });
            reopen(state);
            return;
        }
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
            // Rows asked for where the data was read as events: no longer told by the engine.
            if read_as_events {
                settings.events = Some(false);
            }
        });
        reopen(state);
    };
    view! {
        <h2 id="mapping-title">"Which column is which?"</h2>
        <p class="hint">{columns_hint(&help)}</p>
        <fieldset class="mapping-mode">
            <legend>"What does this file hold?"</legend>
            <label>
                <input
                    type="radio"
                    name="mapping-mode"
                    data-testid="map-mode-rows"
                    prop:checked=move || !events.get()
                    on:change=move |_| events.set(false)
                />
                "One row per learner and video, with a completion rate"
            </label>
            <label>
                <input
                    type="radio"
                    name="mapping-mode"
                    data-testid="map-mode-events"
                    prop:checked=move || events.get()
                    on:change=move |_| events.set(true)
                />
                "Player events (play, pause, seek…), turned into completion"
            </label>
        </fieldset>
        <div class="mapping-grid" data-testid="map-event-fields" hidden=move || !events.get()>
            {event_rows}
            <p class="hint">
                "Fields left on Automatic are found by their usual names (and xAPI or Open edX \
                 paths). Required: a learner, an event type, a time, and a video id or title."
            </p>
        </div>
        <div hidden=move || events.get()>
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
        </div>
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

/// A failed load is retried with the new settings; a mapping adjusted on loaded data reads that
/// data again.
fn reopen(state: AppState) {
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
}

/// The file's columns (or, for JSON lines, paths), named in a line; a long list is cut.
fn columns_hint(help: &MappingHelp) -> String {
    const SHOWN: usize = 24;
    let kind = if help.columns.iter().any(|column| column.contains('.')) && help.events {
        "fields"
    } else {
        "columns"
    };
    let mut listed = help.columns[..help.columns.len().min(SHOWN)].join(", ");
    if help.columns.len() > SHOWN {
        listed.push_str(&format!(" and {} more", help.columns.len() - SHOWN));
    }
    format!("{} has the {kind}: {listed}", help.source)
}

/// "Automatic", with what the loaded data used for `field` when it is known.
/// A grid of fields (name, label, required), each with a choice of the file's columns,
/// "Automatic" (what the reader found, from `in_use`) first; a row field may also be "not in
/// this data".
struct Grid<'a> {
    fields: &'a [(&'a str, &'a str, bool)],
    test_prefix: &'a str,
    in_use: &'a [(String, String)],
    can_be_absent: bool,
}

impl Grid<'_> {
    fn rows(&self, choices: &[RwSignal<String>], columns: &[String]) -> Vec<impl IntoView + use<>> {
        self.fields
            .iter()
            .zip(choices.iter().copied())
            .map(|((field, label, required), choice)| {
                let label = (*label).to_owned();
                let absent = self
                    .can_be_absent
                    .then(|| view! { <option value=NONE>"(not in this data)"</option> });
                view! {
                    <label class="mapping-row">
                        <span>{label}{required.then_some(" *")}</span>
                        <select
                            data-testid=format!("{}{field}", self.test_prefix)
                            prop:value=move || choice.get()
                            on:change=move |event| choice.set(event_target_value(&event))
                        >
                            <option value="">{automatic_label(self.in_use, field)}</option>
                            {absent}
                            {column_options(columns)}
                        </select>
                    </label>
                }
            })
            .collect()
    }
}

fn automatic_label(in_use: &[(String, String)], field: &str) -> String {
    match in_use.iter().find(|(name, _)| name == field) {
        Some((_, column)) => format!("Automatic (now: {column})"),
        None if in_use.is_empty() => "Automatic".to_owned(),
        None => "Automatic (now: not found)".to_owned(),
    }
}

fn column_options(columns: &[String]) -> Vec<impl IntoView + use<>> {
    columns
        .iter()
        .map(|column| view! { <option value=column.clone()>{column.clone()}</option> })
        .collect()
}

fn scale_label(scale: &str) -> &'static str {
    match scale {
        "fraction" => "0–1 (fraction)",
        _ => "0–100 (percent)",
    }
}

const NONE: &str = "(none)";
