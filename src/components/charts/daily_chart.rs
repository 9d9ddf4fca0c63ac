//! Completion over time: the daily average as a line over daily views as faint bars, on a
//! y-range fitted to the data with round ticks (a 0–100 scale flattens any change), a tooltip
//! that follows the mouse and the arrow keys, and the figures as a table for screen readers.

use leptos::prelude::*;

use crate::components::charts::tooltip::{Axis, ChartTooltip, Pointer, middle};
use crate::format;
use crate::report_html::escape;
use crate::state::use_app_state;
use crate::worker::protocol::Day;

/// The y-axis: the lowest and highest value shown and the ticks between, in percent.
#[derive(Clone, Debug, PartialEq)]
pub struct YRange {
    /// Bottom of the plot.
    pub low: f64,
    /// Top of the plot.
    pub high: f64,
    /// Tick values from `low` to `high`, evenly spaced.
    pub ticks: Vec<f64>,
}

impl YRange {
    /// Where `value` sits, 0 at the bottom and 100 at the top.
    pub fn position(&self, value: f64) -> f64 {
        (value - self.low) / (self.high - self.low) * 100.0
    }
}

/// The smallest span of the y-axis, in percentage points.
pub const MIN_SPAN: f64 = 10.0;

/// A range that holds every value with 3 to 7 round ticks (steps of 1, 2, 2.5 or 5 times a
/// power of ten), at least [`MIN_SPAN`] points high and inside 0..100.
pub fn y_range(values: &[f64]) -> YRange {
    let finite = values.iter().copied().filter(|value| value.is_finite());
    let (min, max) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(min, max), value| {
        (min.min(value), max.max(value))
    });
    if min > max {
        return YRange {
            low: 0.0,
            high: 100.0,
            ticks: vec![0.0, 25.0, 50.0, 75.0, 100.0],
        };
    }
    // At least `MIN_SPAN` points, so day-to-day noise on a flat series is not blown up to the
    // plot's full height; moved back inside 0..100 when the padding crosses an end.
    let (mut min, mut max) = (min, max);
    if max - min < MIN_SPAN {
        let pad = (MIN_SPAN - (max - min)) / 2.0;
        (min, max) = (min - pad, max + pad);
        let shift = (-min).max(0.0) - (max - 100.0).max(0.0);
        (min, max) = (min + shift, max + shift);
    }
    let step = nice_step((max - min) / 4.0);
    let low = (min / step).floor() * step;
    let high = (max / step).ceil() * step;
    let (low, high) = (low.max(0.0), high.min(100.0));
    let count = ((high - low) / step).round() as usize;
    let ticks = (0..=count).map(|index| low + step * index as f64).collect();
    YRange { low, high, ticks }
}

/// The smallest of 1, 2, 2.5 and 5 times a power of ten that is at least `rough`.
fn nice_step(rough: f64) -> f64 {
    let power = 10f64.powf(rough.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|factor| factor * power)
        // A hair of tolerance: a span of exactly 10 divides into 2.5 plus float noise.
        .find(|step| *step >= rough * (1.0 - 1e-9))
        .unwrap_or(10.0 * power)
}

/// A line of daily average completion, with views as faint bars.
#[component]
pub fn DailyChart() -> impl IntoView {
    let state = use_app_state();
    // The day under the mouse or picked with the arrow keys.
    let pointer = Pointer::new(Axis::Across);
    let days = Memo::new(move |_| {
        state
            .dashboard
            .with(|d| d.as_ref().map(|d| d.daily.clone()).unwrap_or_default())
    });
    let future_days = move || {
        state
            .dashboard
            .with(|d| d.as_ref().map_or(0, |d| d.future_days))
    };
    let count = move || days.with(Vec::len);
    let tooltip = move || {
        let index = pointer.get()?;
        days.with(|days| {
            let day = days.get(index)?;
            Some(view! {
                <ChartTooltip text=day_text(day) at=middle(index, days.len()) axis=Axis::Across testid="daily-tooltip"/>
            })
        })
    };
    move || {
        let range = days.with(|days| {
            y_range(
                &days
                    .iter()
                    .filter_map(|day| day.avg_completion)
                    .collect::<Vec<_>>(),
            )
        });
        let (plot_view, table_view) = days.with(|days| (plot(days, &range), table(days)));
        let ticks = range
            .ticks
            .iter()
            .rev()
            .map(|tick| view! { <span>{format!("{tick:.0} %")}</span> })
            .collect::<Vec<_>>();
        let (first, last) = days.with(|days| {
            (
                days.first().map(|day| day.date.clone()).unwrap_or_default(),
                days.last().map(|day| day.date.clone()).unwrap_or_default(),
            )
        });
        let label = format!(
            "Average completion per day from {first} to {last}, between {:.0} % and {:.0} % on \
             the axis. Arrow keys read each day.",
            range.low, range.high
        );
        view! {
            <figure class="chart wide">
                <div class="chart-frame trend-frame">
                    <div class="y-axis" aria-hidden="true"><span class="axis-title">"average %"</span>{ticks}</div>
                    <div
                        class="plot trend-plot pointer-plot"
                        tabindex="0"
                        role="group"
                        aria-label=label
                        data-testid="daily-chart"
                        on:keydown=move |event| pointer.key(&event, count())
                        on:mousemove=move |event| pointer.hover_across(&event, count())
                        on:mouseleave=move |_| pointer.set(None)
                        on:blur=move |_| pointer.set(None)
                    >
                        {plot_view}
                        <div class="tooltip-layer" aria-live="polite">{tooltip}</div>
                    </div>
                </div>
                <div class="x-axis" aria-hidden="true"><span>{first}</span><span>{last}</span></div>
                <figcaption class="hint">
                    "Line: the day's average completion (axis fitted to the data). Faint bars: \
                     views that day. Hover, or focus the chart and use the arrow keys, to read a day."
                </figcaption>
                {move || (future_days() > 0).then(|| view! {
                    <p class="hint">{format!("{} future-dated days are left out (see the timestamp_not_future rule).", future_days())}</p>
                })}
                {table_view}
            </figure>
        }
    }
}

/// "2025-03-04: average 62.30 %, 140 views".
fn day_text(day: &Day) -> String {
    format!(
        "{}: average {}, {} views",
        day.date,
        format::percent(day.avg_completion),
        format::int(day.views)
    )
}

/// The SVG: gridlines at the ticks, views as faint bars, the daily average as a line.
fn plot(days: &[Day], range: &YRange) -> impl IntoView + use<> {
    let n = days.len().max(1) as f64;
    let max_views = days.iter().map(|day| day.views).max().unwrap_or(0).max(1) as f64;
    let step = 300.0 / n;
    let grid = range
        .ticks
        .iter()
        .map(|tick| {
            let y = format!("{:.2}", 100.0 - range.position(*tick));
            view! { <line class="grid" x1="0" x2="300" y1=y.clone() y2=y vector-effect="non-scaling-stroke"></line> }
        })
        .collect::<Vec<_>>();
    // The views as one path of rectangles, not an element per day: a year of days made a rect
    // (and a table row) per day, about half the page's elements and its longest render task.
    let bars = days
        .iter()
        .enumerate()
        .map(|(index, day)| {
            // Views use the lower third, so the bars never hide the line.
            let height = day.views as f64 / max_views * 33.0;
            let width = step.max(0.2);
            format!(
                "M{:.2} 100V{:.2}h{width:.2}V100Z",
                index as f64 * step,
                100.0 - height
            )
        })
        .collect::<String>();
    let points = days
        .iter()
        .enumerate()
        .filter_map(|(index, day)| {
            day.avg_completion.map(|avg| {
                format!(
                    "{:.2},{:.2}",
                    (index as f64 + 0.5) * step,
                    100.0 - range.position(avg)
                )
            })
        })
        .collect::<Vec<_>>()
        .join(" ");
    view! {
        <svg viewBox="0 0 300 100" preserveAspectRatio="none" aria-hidden="true">
            {grid}
            <path class="bar faint" d=bars></path>
            <polyline class="line" points=points vector-effect="non-scaling-stroke"></polyline>
        </svg>
    }
}

/// The figures, for screen readers. The rows are one string of HTML, parsed by the browser in
/// one call rather than built an element at a time (a year of days is over 1,300 elements).
fn table(days: &[Day]) -> impl IntoView + use<> {
    let rows = days
        .iter()
        .map(|day| {
            format!(
                "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td></tr>",
                escape(&day.date),
                escape(&format::percent(day.avg_completion)),
                escape(&format::int(day.views))
            )
        })
        .collect::<String>();
    view! {
        <table class="visually-hidden" data-testid="daily-table">
            <caption>"Average completion and views per day"</caption>
            <thead><tr><th scope="col">"Day"</th><th scope="col">"Average completion"</th><th scope="col">"Views"</th></tr></thead>
            <tbody inner_html=rows></tbody>
        </table>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(values: &[f64], low: f64, high: f64, ticks: &[f64]) {
        let range = y_range(values);
        assert_eq!(
            (range.low, range.high, range.ticks.as_slice()),
            (low, high, ticks),
            "{values:?}"
        );
        for value in values.iter().filter(|value| value.is_finite()) {
            assert!(
                (range.low..=range.high).contains(value),
                "{value} in {range:?}"
            );
        }
    }

    #[test]
    fn the_range_fits_the_data_with_round_ticks() {
        // Days at 64-66 %: a 0-100 axis would draw them flat; at least 10 points are shown.
        check(
            &[64.2, 65.9, 64.8],
            60.0,
            72.5,
            &[60.0, 62.5, 65.0, 67.5, 70.0, 72.5],
        );
        check(&[20.0, 80.0], 20.0, 80.0, &[20.0, 40.0, 60.0, 80.0]);
        check(&[41.0, 47.5, 52.0], 40.0, 55.0, &[40.0, 45.0, 50.0, 55.0]);
    }

    #[test]
    fn the_range_stays_inside_0_to_100() {
        check(&[0.0, 1.0], 0.0, 10.0, &[0.0, 2.5, 5.0, 7.5, 10.0]);
        check(
            &[99.5, 100.0],
            90.0,
            100.0,
            &[90.0, 92.5, 95.0, 97.5, 100.0],
        );
    }

    #[test]
    fn a_flat_or_empty_series_still_has_an_axis() {
        check(&[50.0, 50.0], 45.0, 55.0, &[45.0, 47.5, 50.0, 52.5, 55.0]);
        check(&[], 0.0, 100.0, &[0.0, 25.0, 50.0, 75.0, 100.0]);
        check(&[f64::NAN], 0.0, 100.0, &[0.0, 25.0, 50.0, 75.0, 100.0]);
    }

    #[test]
    fn position_maps_the_range_to_0_100() {
        let range = y_range(&[64.2, 65.9]);
        assert_eq!(range.position(range.low), 0.0);
        assert_eq!(range.position(range.high), 100.0);
    }
}
