//! Completion over time: the daily average as a line over daily views as bars.

use leptos::prelude::*;

use crate::format;
use crate::state::use_app_state;

/// A line of daily average completion, with views as faint bars.
#[component]
pub fn DailyChart() -> impl IntoView {
    let state = use_app_state();
    move || {
        let (days, future_days) = state.dashboard.with(|d| {
            d.as_ref()
                .map(|d| (d.daily.clone(), d.future_days))
                .unwrap_or_default()
        });
        let n = days.len().max(1) as f64;
        let max_views = days.iter().map(|day| day.views).max().unwrap_or(0).max(1) as f64;
        let step = 300.0 / n;
        let bars = days
            .iter()
            .enumerate()
            .map(|(index, day)| {
                let height = day.views as f64 / max_views * 100.0;
                view! {
                    <rect class="bar faint" x=format!("{:.2}", index as f64 * step) y=format!("{:.2}", 100.0 - height) width=format!("{:.2}", step.max(0.2)) height=format!("{height:.2}")>
                        <title>{format!("{}: {} views, average {}", day.date, format::int(day.views), format::percent(day.avg_completion))}</title>
                    </rect>
                }
            })
            .collect::<Vec<_>>();
        let points = days
            .iter()
            .enumerate()
            .filter_map(|(index, day)| {
                day.avg_completion
                    .map(|avg| format!("{:.2},{:.2}", (index as f64 + 0.5) * step, 100.0 - avg))
            })
            .collect::<Vec<_>>()
            .join(" ");
        let first = days.first().map(|day| day.date.clone()).unwrap_or_default();
        let last = days.last().map(|day| day.date.clone()).unwrap_or_default();
        view! {
            <figure class="chart wide">
                <svg viewBox="0 0 300 100" preserveAspectRatio="none" role="img" aria-label="Average completion per day" data-testid="daily-chart">
                    {bars}
                    <polyline class="line" points=points vector-effect="non-scaling-stroke"></polyline>
                </svg>
                <figcaption class="axis"><span>{first}</span><span>"line: average completion (0–100%) · bars: views"</span><span>{last}</span></figcaption>
                {(future_days > 0).then(|| view! {
                    <p class="hint">{format!("{future_days} future-dated days are left out (see the timestamp_not_future rule).")}</p>
                })}
            </figure>
        }
    }
}
