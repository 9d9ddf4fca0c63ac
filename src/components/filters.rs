//! Filters for every panel: courses, and a date range when the data has a timestamp, typed
//! (from/to) or relative ("last 90 days" of the data, `date_window.rs`). Changing one analyses
//! the data again in the worker.

use leptos::prelude::*;

use crate::date_window;
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
    // A window follows the data's newest day: set after a load, moved by live mode's new days.
    Effect::new(move |_| {
        let Some(days) = state.window.get() else {
            return;
        };
        let newest = state.dashboard.with(|dashboard| {
            dashboard
                .as_ref()
                .and_then(|dashboard| dashboard.date_span.as_ref())
                .map(|(_, last)| last.clone())
        });
        let Some(from) = newest.and_then(|newest| date_window::window_start(&newest, days)) else {
            return;
        };
        let stale = state.settings.with_untracked(|settings| {
            settings.from.as_deref() != Some(from.as_str()) || settings.to.is_some()
        });
        if stale && state.loading.with_untracked(Option::is_none) {
            state.settings.update(|settings| {
                settings.from = Some(from);
                settings.to = None;
            });
            state.reanalyse();
        }
    });
    let set_window = move |value: String| {
        let days = date_window::parse_window(&value);
        state.window.set(days);
        if days.is_none() {
            state.settings.update(|settings| {
                settings.from = None;
                settings.to = None;
            });
            state.reanalyse();
        }
    };
    let window_options = move || {
        date_window::choices(state.window.get())
            .into_iter()
            .map(|days| {
                let selected = move || state.window.get() == Some(days);
                view! {
                    <option value=days.to_string() selected=selected>
                        {date_window::window_label(days)}
                    </option>
                }
            })
            .collect::<Vec<_>>()
    };
    let set_date = move |which: &'static str, value: String| {
        let value = Some(value).filter(|value| !value.is_empty());
        // A typed day ends the relative window.
        state.window.set(None);
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
            || state.window.with(Option::is_some)
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
                <label title="Counted back from the newest day in the data, which it includes">
                    "Period "
                    <select
                        data-testid="date-window"
                        prop:value=move || state.window.get().map(|days| days.to_string()).unwrap_or_default()
                        on:change=move |event| set_window(event_target_value(&event))
                    >
                        <option value="" selected=move || state.window.get().is_none()>"Any day"</option>
                        {window_options}
                    </select>
                </label>
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
                        state.window.set(None);
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
