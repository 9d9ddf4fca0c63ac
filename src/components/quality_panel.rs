//! Data quality: one row per rule (status, count, share of rows, the warn and error thresholds
//! with the one crossed marked), then the dbt tests the user imported; expand a rule or test to
//! page through its offending rows.

use leptos::prelude::*;

use crate::components::data_table::DataTable;
use crate::components::dbt_section::DbtSection;
use crate::format;
use crate::state::use_app_state;
use crate::worker::protocol::{RuleView, TableId};

/// The quality panel.
#[component]
pub fn QualityPanel() -> impl IntoView {
    let state = use_app_state();
    // The open samples table: a built-in rule's or a dbt test's offending rows.
    let expanded = RwSignal::new(None::<TableId>);
    let rules = move || {
        state.dashboard.with(|dashboard| {
            dashboard
                .as_ref()
                .map(|dashboard| dashboard.quality.clone())
                .unwrap_or_default()
                .into_iter()
                .map(|rule| view! { <RuleRow rule expanded/> })
                .collect::<Vec<_>>()
        })
    };
    let passed = move || {
        state
            .dashboard
            .with(|d| d.as_ref().is_some_and(|d| d.quality_passed))
    };
    view! {
        <section class="panel" data-testid="panel-quality">
            <div class="panel-head">
                <h2>"Data quality"</h2>
                <span class=move || if passed() { "badge pass" } else { "badge fail" } data-testid="quality-status">
                    {move || if passed() { "passed" } else { "failed" }}
                </span>
            </div>
            <div class="table-scroll">
                <table data-testid="quality-table">
                    <thead>
                        <tr>
                            <th scope="col">"Status"</th>
                            <th scope="col">"Rule"</th>
                            <th scope="col" class="numeric">"Rows"</th>
                            <th scope="col" class="numeric">"% of rows"</th>
                            <th scope="col">"Warn above"</th>
                            <th scope="col">"Error above"</th>
                            <th scope="col"></th>
                        </tr>
                    </thead>
                    <tbody>{rules}</tbody>
                </table>
            </div>
            <DbtSection expanded/>
            {move || expanded.get().map(|open| {
                let rule = sampled_name(&open).to_owned();
                let table = Signal::derive(move || expanded.get().unwrap_or_else(|| open.clone()));
                view! {
                    <div class="samples" data-testid="quality-samples">
                        <div class="panel-head">
                            <h3 tabindex="-1" data-testid="quality-samples-title">{format!("Offending rows: {rule}")}</h3>
                            <button class="secondary" on:click=move |_| expanded.set(None)>"Close"</button>
                        </div>
                        <DataTable table testid="samples-table" caption="Offending rows"/>
                    </div>
                }
            })}
        </section>
    }
}

#[component]
fn RuleRow(rule: RuleView, expanded: RwSignal<Option<TableId>>) -> impl IntoView {
    let name = rule.name.clone();
    let details = rule
        .details
        .iter()
        .map(|(value, count)| {
            format!(
                "{} ×{}",
                value
                    .as_deref()
                    .map_or("NULL".to_owned(), |v| format!("{v:?}")),
                format::int(*count)
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let has_samples = rule.samples > 0;
    view! {
        <tr data-testid="quality-rule" data-rule=rule.name.clone() data-status=rule.status.clone()>
            <td><span class=format!("badge {}", rule.status)>{rule.status.clone()}</span></td>
            <td>
                <div><strong>{rule.description.clone()}</strong>" "<code class="rule-id">{rule.name.clone()}</code></div>
                {(!details.is_empty()).then(|| view! { <div class="hint">{details}</div> })}
            </td>
            <td class="numeric" data-testid="rule-count">{format::int(rule.count)}</td>
            <td class="numeric" data-testid="rule-percent">{format!("{:.2}", rule.percent)}</td>
            <LevelCell threshold=rule.warn_if.clone() crossed=rule.crossed == "warn_if" testid="rule-warn-if"/>
            <LevelCell threshold=rule.error_if.clone() crossed=rule.crossed == "error_if" testid="rule-error-if"/>
            <td>
                {has_samples.then(|| view! {
                    <button class="secondary" data-testid="show-rows" on:click=move |_| {
                        expanded.set(Some(TableId::QualitySamples { rule: name.clone() }));
                        crate::focus::focus_when_shown("[data-testid=quality-samples-title]");
                    }>
                        "Show rows"
                    </button>
                })}
            </td>
        </tr>
    }
}

/// A level's threshold; the crossed one is marked in words, not by colour alone.
#[component]
fn LevelCell(threshold: String, crossed: bool, testid: &'static str) -> impl IntoView {
    view! {
        <td data-testid=testid data-crossed=crossed.to_string() class:crossed=crossed>
            {threshold}
            {crossed.then(|| view! { " " <strong class="crossed-mark">"(crossed)"</strong> })}
        </td>
    }
}

/// The rule or dbt test whose offending rows `table` pages through.
fn sampled_name(table: &TableId) -> &str {
    match table {
        TableId::QualitySamples { rule } => rule,
        TableId::DbtSamples { test } => test,
        _ => "",
    }
}
