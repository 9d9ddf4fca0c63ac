//! The quality panel's dbt part: add or remove a dbt `schema.yml`, one row per dbt test with
//! its offending rows, and the tests that were not run.

use leptos::prelude::*;

use crate::format;
use crate::state::{AppState, use_app_state};
use crate::worker::protocol::{DbtFile, DbtRuleView, DbtUnsupportedView, ErrorView, TableId};

/// Larger files are refused: a schema file is a few kilobytes, and its text travels with every
/// re-analysis and saved state.
pub const MAX_SCHEMA_BYTES: f64 = 1024.0 * 1024.0;

/// The dbt schema control and results. `expanded` is the panel's open samples table, shared
/// with the built-in rules so one samples view is open at a time.
#[component]
pub fn DbtSection(expanded: RwSignal<Option<TableId>>) -> impl IntoView {
    let state = use_app_state();
    let loaded = move || {
        state
            .settings
            .with(|settings| settings.dbt.as_ref().map(|dbt| dbt.name.clone()))
    };
    let on_change = move |event: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&event);
        let file = input.files().and_then(|files| files.get(0));
        // Cleared so that choosing the same file again (after editing it) fires a change.
        input.set_value("");
        if let Some(file) = file {
            close_dbt_samples(expanded);
            add_schema(state, file);
        }
    };
    let remove = move |_| {
        close_dbt_samples(expanded);
        state.settings.update(|settings| settings.dbt = None);
        state.reanalyse();
    };
    let rules = move || {
        state.dashboard.with(|dashboard| {
            dashboard
                .as_ref()
                .map(|dashboard| dashboard.dbt.clone())
                .unwrap_or_default()
                .into_iter()
                .map(|rule| view! { <DbtRow rule expanded/> })
                .collect::<Vec<_>>()
        })
    };
    let unsupported = move || {
        state.dashboard.with(|dashboard| {
            dashboard
                .as_ref()
                .map(|dashboard| dashboard.dbt_unsupported.clone())
                .unwrap_or_default()
        })
    };
    let has_results = move || {
        state.dashboard.with(|dashboard| {
            dashboard
                .as_ref()
                .is_some_and(|d| !d.dbt.is_empty() || !d.dbt_unsupported.is_empty())
        })
    };
    view! {
        <div class="dbt" data-testid="dbt-section">
            <div class="panel-head">
                <h3>"dbt tests"</h3>
                <span class="dbt-file">
                    {move || loaded().map(|name| view! {
                        <code data-testid="dbt-file">{name}</code>" "
                        <button class="secondary" data-testid="dbt-remove" on:click=remove>"Remove"</button>" "
                    })}
                    // Kept while a schema is loaded: choosing another file replaces it.
                    <label class="button secondary file-picker">
                        {move || if loaded().is_some() { "Replace…" } else { "Add dbt schema.yml…" }}
                        <input type="file" accept=".yml,.yaml" data-testid="dbt-input" on:change=on_change/>
                    </label>
                </span>
            </div>
            <p class="hint">
                "Column tests from a dbt schema file (not_null, unique, accepted_values, "
                "dbt_expectations.expect_column_values_to_be_between) run as extra rules; "
                "its column descriptions appear in the metadata panel."
            </p>
            <Show when=has_results>
                <div class="table-scroll">
                    <table data-testid="dbt-table">
                        <thead>
                            <tr>
                                <th scope="col">"Status"</th>
                                <th scope="col">"dbt test"</th>
                                <th scope="col">"Column"</th>
                                <th scope="col">"Severity"</th>
                                <th scope="col" class="numeric">"Failing"</th>
                                <th scope="col"></th>
                            </tr>
                        </thead>
                        <tbody>
                            {rules}
                            {move || unsupported().into_iter().map(|test| view! { <NotRunRow test/> }).collect::<Vec<_>>()}
                        </tbody>
                    </table>
                </div>
            </Show>
        </div>
    }
}

#[component]
fn DbtRow(rule: DbtRuleView, expanded: RwSignal<Option<TableId>>) -> impl IntoView {
    let name = rule.name.clone();
    let status = if rule.status == "skipped" {
        "skipped (no such column)".to_owned()
    } else {
        rule.status.clone()
    };
    view! {
        <tr data-testid="dbt-rule" data-test=rule.name.clone() data-status=rule.status.clone()>
            <td><span class=format!("badge {}", rule.status)>{status}</span></td>
            <td>
                <div><code>{rule.name.clone()}</code></div>
                <div class="hint">{rule.test.clone()}</div>
            </td>
            <td data-testid="dbt-column">{rule.column.clone()}</td>
            <td>{rule.severity.clone()}</td>
            <td class="numeric" data-testid="dbt-count">{format::int(rule.count)}</td>
            <td>
                {(rule.samples > 0).then(|| view! {
                    <button
                        class="secondary"
                        data-testid="dbt-show-rows"
                        on:click=move |_| {
                expanded.set(Some(TableId::DbtSamples { test: name.clone() }));
                crate::focus::focus_when_shown("[data-testid=quality-samples-title]");
            }
                    >
                        "Show rows"
                    </button>
                })}
            </td>
        </tr>
    }
}

/// A test listed so that none is silently ignored.
#[component]
fn NotRunRow(test: DbtUnsupportedView) -> impl IntoView {
    view! {
        <tr data-testid="dbt-not-run" data-test=test.test.clone()>
            <td><span class="badge skipped">"not run"</span></td>
            <td>
                <div><code>{test.test.clone()}</code></div>
                <div class="hint">{format!("model {}: this test is not supported", test.model)}</div>
            </td>
            <td>{test.column.clone().unwrap_or_default()}</td>
            <td></td>
            <td></td>
            <td></td>
        </tr>
    }
}

/// Closes the samples view when it shows a dbt test: a new or removed schema may not have it.
fn close_dbt_samples(expanded: RwSignal<Option<TableId>>) {
    if expanded.with_untracked(|open| matches!(open, Some(TableId::DbtSamples { .. }))) {
        expanded.set(None);
    }
}

/// Reads the chosen file's text on the page and analyses the data again with it. A file too
/// large or unreadable is refused with a message; a YAML error comes back from the worker.
fn add_schema(state: AppState, file: web_sys::File) {
    let name = file.name();
    let refuse = move |message: String| {
        state.error.set(Some(ErrorView::new(message)));
    };
    if file.size() > MAX_SCHEMA_BYTES {
        refuse(format!(
            "{name} is {} bytes; a dbt schema file over 1 MB is refused (schema.yml files are a \
             few kilobytes: is this the right file?)",
            format::int(file.size() as u64)
        ));
        return;
    }
    wasm_bindgen_futures::spawn_local(async move {
        match wasm_bindgen_futures::JsFuture::from(file.text()).await {
            Ok(text) => {
                let text = text.as_string().unwrap_or_default();
                state
                    .settings
                    .update(|settings| settings.dbt = Some(DbtFile { name, text }));
                state.reanalyse();
            }
            Err(_) => refuse(format!("could not read {name} as text")),
        }
    });
}
