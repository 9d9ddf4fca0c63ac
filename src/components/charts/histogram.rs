//! Completion histogram: ten bins of 10 points.

use leptos::prelude::*;

use crate::format;
use crate::state::use_app_state;

/// Bars of valid completion values per 10-point bin.
#[component]
pub fn Histogram() -> impl IntoView {
    let state = use_app_state();
    move || {
        let bins = state
            .dashboard
            .with(|d| d.as_ref().map(|d| d.histogram.clone()).unwrap_or_default());
        let max = bins.iter().map(|bin| bin.count).max().unwrap_or(0).max(1) as f64;
        let width = 100.0 / bins.len().max(1) as f64;
        let bars = bins
            .iter()
            .enumerate()
            .map(|(index, bin)| {
                let height = bin.count as f64 / max * 100.0;
                let label = format!(
                    "{:.0}–{:.0}%: {} values",
                    bin.from,
                    bin.to,
                    format::int(bin.count)
                );
                view! {
                    <rect
                        class="bar"
                        x=format!("{:.2}", index as f64 * width + 0.5)
                        y=format!("{:.2}", 100.0 - height)
                        width=format!("{:.2}", width - 1.0)
                        height=format!("{height:.2}")
                    >
                        <title>{label}</title>
                    </rect>
                }
            })
            .collect::<Vec<_>>();
        view! {
            <figure class="chart">
                <svg viewBox="0 0 100 100" preserveAspectRatio="none" role="img" aria-label="Histogram of completion rates" data-testid="histogram">
                    {bars}
                </svg>
                <figcaption class="axis"><span>"0%"</span><span>"50%"</span><span>"100%"</span></figcaption>
            </figure>
        }
    }
}
