//! Filters for every panel: courses, and a date range when the data has a timestamp. Changing
//! one analyses the data again in the worker.

use leptos::prelude::*;

use crate::state::use_app_state;

/// The filter bar.
#[component]
pub fn Filters() -> impl IntoView {
    let state = use_app_state();
    let all_courses = move || {
        state.dashboard.with(|d| {
            d.as_ref()
                .map(|d| d.all_courses.clone())
                .unwrap_or_default()
        })
    };
    let span = move || {
        state
            .dashboard
            .with(|d| d.as_ref().and_then(|d| d.date_span.clone()))
    };
    let chosen = move || state.settings.with(|settings| settings.courses.clone());
    let options = move || {
        let chosen = chosen();
        all_courses()
            .into_iter()
            .map(|(key, label)| {
                let selected = chosen.contains(&key);
                view! { <option value=key selected=selected>{label}</option> }
            })
            .collect::<Vec<_>>()
    };
    let set_date = move |which: &'static str, value: String| {
        let value = Some(value).filter(|value| !value.is_empty());
        state.settings.update(|settings| match which {
            "from" => settings.from = value,
            _ => settings.to = value,
        });
        state.reanalyse();
    };
    let active = move || {
        state
            .settings
            .with(|s| !s.courses.is_empty() || s.from.is_some() || s.to.is_some())
    };
    view! {
        <div class="filters" data-testid="filters">
            <label>
                "Course "
                <select
                    data-testid="course-filter"
                    on:change=move |event| {
                        let value = event_target_value(&event);
                        state.settings.update(|settings| {
                            settings.courses = if value.is_empty() { Vec::new() } else { vec![value] };
                        });
                        state.reanalyse();
                    }
                >
                    <option value="" selected=move || chosen().is_empty()>"All courses"</option>
                    {options}
                </select>
            </label>
            {move || span().map(|(first, last)| view! {
                <label>
                    "From "
                    <input
                        type="date"
                        data-testid="date-from"
                        min=first.clone()
                        max=last.clone()
                        prop:value=move || state.settings.with(|s| s.from.clone().unwrap_or_default())
                        on:change=move |event| set_date("from", event_target_value(&event))
                    />
                </label>
                <label>
                    "To "
                    <input
                        type="date"
                        data-testid="date-to"
                        min=first
                        max=last
                        prop:value=move || state.settings.with(|s| s.to.clone().unwrap_or_default())
                        on:change=move |event| set_date("to", event_target_value(&event))
                    />
                </label>
            })}
            <Show when=active>
                <button
                    class="secondary"
                    data-testid="clear-filters"
                    on:click=move |_| {
                        state.settings.update(|settings| {
                            settings.courses.clear();
                            settings.from = None;
                            settings.to = None;
                        });
                        state.reanalyse();
                    }
                >
                    "Clear filters"
                </button>
            </Show>
        </div>
    }
}
