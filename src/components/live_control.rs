//! Live mode's control, beside the filters when the data comes from a `?src=` manifest: how
//! often the manifest is read again (off, 1, 5 or 15 minutes, or what `refresh=` asked for),
//! "Refresh now", when it last refreshed with how many new files, and a notice that never
//! blocks the dashboard (the manifest could not be read, or no longer lists loaded files).
//! The timer lives here; each tick is `AppState::refresh_now`, the button's own step.

use std::time::Duration;

use leptos::prelude::*;

use crate::live;
use crate::state::use_app_state;

/// The live-refresh control (nothing for data that is not a manifest).
#[component]
pub fn LiveControl() -> impl IntoView {
    let state = use_app_state();
    let live_source = Memo::new(move |_| state.is_live_source());
    let timer = StoredValue::new(None::<IntervalHandle>);
    // One interval at a time: a new period (or data that is no longer live) replaces it.
    Effect::new(move |_| {
        let seconds = state.refresh_secs.get();
        let live = live_source.get();
        if let Some(handle) = timer.get_value() {
            handle.clear();
        }
        timer.set_value(None);
        if seconds > 0 && live {
            let tick = move || state.refresh_now();
            timer.set_value(
                set_interval_with_handle(tick, Duration::from_secs(u64::from(seconds))).ok(),
            );
        }
    });
    on_cleanup(move || {
        if let Some(handle) = timer.get_value() {
            handle.clear();
        }
    });
    let options = move || {
        live::choices(state.refresh_secs.get())
            .into_iter()
            .map(|seconds| {
                let selected = move || state.refresh_secs.get() == seconds;
                view! {
                    <option value=seconds.to_string() selected=selected>
                        {live::interval_label(seconds)}
                    </option>
                }
            })
            .collect::<Vec<_>>()
    };
    let status = move || {
        state.live.with(|live| {
            live.last
                .as_deref()
                .map(|time| live::status_line(time, live.new_files))
        })
    };
    let busy = move || state.live.with(|live| live.running) || state.loading.with(Option::is_some);
    view! {
        <Show when=move || live_source.get()>
            <div class="live-control" data-testid="live-control" role="group" aria-label="Live refresh">
                <label>
                    "Refresh "
                    <select
                        data-testid="refresh-interval"
                        prop:value=move || state.refresh_secs.get().to_string()
                        on:change=move |event| {
                            let seconds = event_target_value(&event).parse().unwrap_or(0);
                            state.refresh_secs.set(seconds);
                        }
                    >
                        {options}
                    </select>
                </label>
                <button
                    class="secondary"
                    data-testid="refresh-now"
                    disabled=busy
                    on:click=move |_| state.refresh_now()
                >
                    "Refresh now"
                </button>
                <span
                    class="hint"
                    data-testid="live-status"
                    data-refreshes=move || state.live.with(|live| live.refreshes.to_string())
                >
                    {move || status().unwrap_or_else(|| "Reads only the files the manifest adds.".to_owned())}
                </span>
            </div>
        </Show>
        {move || state.live.with(|live| live.notice.clone()).map(|notice| view! {
            <p class="live-notice" role="status" data-testid="live-notice">
                {notice}
                " "
                <button
                    class="secondary"
                    data-testid="dismiss-live-notice"
                    on:click=move |_| state.live.update(|live| live.notice = None)
                >
                    "Dismiss"
                </button>
            </p>
        })}
    }
}
