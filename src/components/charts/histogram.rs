//! Completion histogram: ten bins of 10 points, with a count axis, each bar's count, the
//! overall mean as a reference line, a tooltip on hover and on focus (arrow keys), and the
//! figures as a table for screen readers.

use leptos::prelude::*;

use crate::components::charts::mean_line;
use crate::components::charts::tooltip::{Axis, ChartTooltip, Pointer, middle};
use crate::format;
use crate::state::use_app_state;
use crate::worker::protocol::Bin;

/// Bars of valid completion values per 10-point bin.
#[component]
pub fn Histogram() -> impl IntoView {
    let state = use_app_state();
    // The band under the mouse or picked with the arrow keys.
    let pointer = Pointer::new(Axis::Across);
    let bins = Memo::new(move |_| {
        state
            .dashboard
            .with(|d| d.as_ref().map(|d| d.histogram.clone()).unwrap_or_default())
    });
    let count = move || bins.with(Vec::len);
    let tooltip = move || {
        let index = pointer.get()?;
        bins.with(|bins| {
            let text = bin_text(bins.get(index)?, bins.iter().map(|bin| bin.count).sum());
            Some(view! { <ChartTooltip text at=middle(index, bins.len()) axis=Axis::Across testid="histogram-tooltip"/> })
        })
    };
    move || {
        let bins = bins.get();
        let mean = state
            .dashboard
            .with(|d| d.as_ref().and_then(|d| d.cards.mean_completion));
        let most = bins.iter().map(|bin| bin.count).max().unwrap_or(0);
        let top = nice_ceiling(most);
        let ticks = [top, top / 2, 0]
            .into_iter()
            .map(|tick| view! { <span>{format::int(tick)}</span> })
            .collect::<Vec<_>>();
        let bars = bins
            .iter()
            .enumerate()
            .map(|(index, bin)| {
                let height = if top == 0 {
                    0.0
                } else {
                    bin.count as f64 / top as f64 * 100.0
                };
                view! {
                    <div class="vbar-slot" class:active=move || pointer.get() == Some(index)>
                        <span class="vbar-count">{format::int(bin.count)}</span>
                        <span class="vbar" style:height=format!("{height:.1}%")></span>
                    </div>
                }
            })
            .collect::<Vec<_>>();
        let labels = bins
            .iter()
            .map(|bin| view! { <span>{format!("{:.0}", bin.from)}</span> })
            .collect::<Vec<_>>();
        let rows = bins
            .iter()
            .map(|bin| {
                view! {
                    <tr>
                        <th scope="row">{format!("{:.0}–{:.0} %", bin.from, bin.to)}</th>
                        <td>{format::int(bin.count)}</td>
                    </tr>
                }
            })
            .collect::<Vec<_>>();
        let mean_line = mean.map(|mean| mean_line(mean, mean.clamp(0.0, 100.0)));
        view! {
            <figure class="chart" data-testid="histogram">
                <div class="chart-frame">
                    <div class="y-axis" aria-hidden="true"><span class="axis-title">"values"</span>{ticks}</div>
                    <div
                        class="plot pointer-plot"
                        tabindex="0"
                        role="group"
                        aria-label="Completion values per 10-point band. Arrow keys read each band."
                        data-testid="histogram-plot"
                        on:keydown=move |event| pointer.key(&event, count())
                        on:mousemove=move |event| pointer.hover_across(&event, count())
                        on:mouseleave=move |_| pointer.set(None)
                        on:blur=move |_| pointer.set(None)
                    >
                        <div class="vbars" aria-hidden="true">{bars}</div>
                        <div aria-hidden="true">{mean_line}</div>
                        <div class="tooltip-layer" aria-live="polite">{tooltip}</div>
                    </div>
                </div>
                <div class="x-axis" aria-hidden="true">{labels}<span>"100"</span></div>
                <figcaption class="hint">
                    "Learner-video completion values per 10-point band (%); the line is the mean. \
                     Hover, or focus the chart and use the arrow keys, to read a band."
                </figcaption>
                <table class="visually-hidden" data-testid="histogram-table">
                    <caption>"Completion values per 10-point band"</caption>
                    <thead><tr><th scope="col">"Completion"</th><th scope="col">"Values"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </figure>
        }
    }
}

/// "60–70 %: 1,234 values, 12.3 % of all".
fn bin_text(bin: &Bin, total: u64) -> String {
    let share = if total == 0 {
        0.0
    } else {
        bin.count as f64 / total as f64 * 100.0
    };
    format!(
        "{:.0}–{:.0} %: {} values, {share:.1} % of all",
        bin.from,
        bin.to,
        format::int(bin.count)
    )
}

/// The smallest of 1, 2 or 5 times a power of ten that is at least `value` (0 stays 0).
pub fn nice_ceiling(value: u64) -> u64 {
    if value == 0 {
        return 0;
    }
    let mut power = 1u64;
    loop {
        for step in [1, 2, 5] {
            let candidate = step * power;
            if candidate >= value {
                return candidate;
            }
        }
        power = power.saturating_mul(10);
    }
}

#[cfg(test)]
mod tests {
    use super::nice_ceiling;

    #[test]
    fn nice_ceilings_are_one_two_or_five_times_a_power_of_ten() {
        for (value, expected) in [
            (0, 0),
            (1, 1),
            (3, 5),
            (7, 10),
            (11, 20),
            (180, 200),
            (501, 1000),
        ] {
            assert_eq!(nice_ceiling(value), expected, "{value}");
        }
    }
}
