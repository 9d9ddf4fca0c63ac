//! A video's audience retention: the share of its viewers who watched each 1 % of it, drawn as
//! one SVG path over 0–100 %, with the steepest drop-offs marked, the charts' shared tooltip on
//! hover and on the arrow keys, and every point as a table for screen readers.

use leptos::prelude::*;

use crate::components::charts::tooltip::{Axis, ChartTooltip, Pointer, middle};
use crate::format;
use crate::report_html::escape;
use crate::worker::protocol::VideoRetentionView;

/// The retention curve of `video` (tracked: a new pick redraws it).
#[component]
pub fn RetentionChart(#[prop(into)] video: Signal<Option<VideoRetentionView>>) -> impl IntoView {
    // The point under the mouse or picked with the arrow keys.
    let pointer = Pointer::new(Axis::Across);
    let points = Memo::new(move |_| {
        video.with(|video| {
            video
                .as_ref()
                .map(|video| video.retention.clone())
                .unwrap_or_default()
        })
    });
    let drops = Memo::new(move |_| {
        video.with(|video| {
            video
                .as_ref()
                .map(|video| video.drop_offs.clone())
                .unwrap_or_default()
        })
    });
    let count = move || points.with(Vec::len);
    let tooltip = move || {
        let index = pointer.get()?;
        points.with(|points| {
            let share = *points.get(index)?;
            let text = drops.with(|drops| point_text(index, share, drops));
            Some(view! {
                <ChartTooltip text at=middle(index, points.len()) axis=Axis::Across testid="retention-tooltip"/>
            })
        })
    };
    move || {
        if points.with(Vec::is_empty) {
            return view! {
                <p class="hint" data-testid="retention-empty">
                    "No retention curve: the video's duration is unknown (give a videos.csv with \
                     its duration)."
                </p>
            }
            .into_any();
        }
        let name = video.with(|video| {
            video
                .as_ref()
                .map(|video| video.label.clone())
                .unwrap_or_default()
        });
        let (plot_view, table_view) =
            points.with(|points| drops.with(|drops| (plot(points, drops), table(points, drops))));
        let label = format!(
            "Audience retention of {name}: the share of viewers who watched each 1 % of the \
             video, 0 to 100 % on the axis. Arrow keys read each point."
        );
        let marks = drops.with(|drops| {
            drops
                .iter()
                .map(|(at, _)| {
                    let left = format!("{:.2}%", middle(*at as usize, 100));
                    view! { <span class="drop-mark" style:left=left aria-hidden="true"></span> }
                })
                .collect::<Vec<_>>()
        });
        view! {
            <figure class="chart wide">
                <div class="chart-frame trend-frame">
                    <div class="y-axis" aria-hidden="true">
                        <span class="axis-title">"viewers %"</span>
                        <span>"100 %"</span><span>"75 %"</span><span>"50 %"</span><span>"25 %"</span><span>"0 %"</span>
                    </div>
                    <div
                        class="plot trend-plot pointer-plot"
                        tabindex="0"
                        role="group"
                        aria-label=label
                        data-testid="retention-chart"
                        on:keydown=move |event| pointer.key(&event, count())
                        on:mousemove=move |event| pointer.hover_across(&event, count())
                        on:mouseleave=move |_| pointer.set(None)
                        on:blur=move |_| pointer.set(None)
                    >
                        {plot_view}
                        {marks}
                        <div class="tooltip-layer" aria-live="polite">{tooltip}</div>
                    </div>
                </div>
                <div class="x-axis" aria-hidden="true"><span>"start"</span><span>"50 %"</span><span>"end"</span></div>
                <figcaption class="hint">
                    "Line: the share of viewers who watched each 1 % of the video (re-watches \
                     count once). Red marks: the steepest drop-offs. Hover, or focus the chart and \
                     use the arrow keys, to read a point."
                </figcaption>
                {table_view}
            </figure>
        }
        .into_any()
    }
}

/// "At 42 % of the video: 61.30 % of viewers (a steep drop-off: −4.2 points to the next)".
fn point_text(index: usize, share: f64, drops: &[(u32, f64)]) -> String {
    let drop = drops
        .iter()
        .find(|(at, _)| *at as usize == index)
        .map(|(_, drop)| {
            format!(
                " (a steep drop-off: {} points to the next)",
                format::points(-drop)
            )
        })
        .unwrap_or_default();
    format!(
        "At {index} % of the video: {} of viewers{drop}",
        format::percent(Some(share))
    )
}

/// The curve as one path (a point per 1 %, at the middle of its hundredth), and gridlines at
/// each quarter; y runs 0–100 % of viewers.
fn path_data(points: &[f64]) -> String {
    let step = 300.0 / points.len().max(1) as f64;
    points
        .iter()
        .enumerate()
        .map(|(index, share)| {
            let command = if index == 0 { 'M' } else { 'L' };
            format!(
                "{command}{:.2} {:.2}",
                (index as f64 + 0.5) * step,
                100.0 - share.clamp(0.0, 100.0)
            )
        })
        .collect()
}

fn plot(points: &[f64], drops: &[(u32, f64)]) -> impl IntoView + use<> {
    let grid = [25.0, 50.0, 75.0]
        .map(|y: f64| {
            let y = format!("{y:.0}");
            view! { <line class="grid" x1="0" x2="300" y1=y.clone() y2=y vector-effect="non-scaling-stroke"></line> }
        })
        .to_vec();
    let drop_count = drops.len().to_string();
    view! {
        <svg viewBox="0 0 300 100" preserveAspectRatio="none" aria-hidden="true" data-drop-offs=drop_count>
            {grid}
            <path class="line retention-line" d=path_data(points) vector-effect="non-scaling-stroke" data-testid="retention-path"></path>
        </svg>
    }
}

/// Every point, for screen readers (one HTML string: 100 rows).
fn table(points: &[f64], drops: &[(u32, f64)]) -> impl IntoView + use<> {
    let rows = points
        .iter()
        .enumerate()
        .map(|(index, share)| {
            let drop = drops
                .iter()
                .find(|(at, _)| *at as usize == index)
                .map(|(_, drop)| format::points(-drop))
                .unwrap_or_default();
            format!(
                "<tr><th scope=\"row\">{index} %</th><td>{}</td><td>{}</td></tr>",
                escape(&format::percent(Some(*share))),
                escape(&drop)
            )
        })
        .collect::<String>();
    view! {
        <table class="visually-hidden" data-testid="retention-table">
            <caption>"Share of viewers at each 1 % of the video"</caption>
            <thead><tr><th scope="col">"Point of the video"</th><th scope="col">"Viewers"</th><th scope="col">"Steep drop-off (points)"</th></tr></thead>
            <tbody inner_html=rows></tbody>
        </table>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_has_a_point_per_hundredth_on_a_0_to_100_scale() {
        let points: Vec<f64> = (0..100).map(|index| 100.0 - f64::from(index)).collect();
        let path = path_data(&points);
        assert!(path.starts_with("M1.50 0.00L4.50 1.00"), "{path}");
        assert!(path.ends_with("L298.50 99.00"), "{path}");
        assert_eq!(path.matches('L').count(), 99);
        assert_eq!(path_data(&[120.0, -5.0]), "M75.00 0.00L225.00 100.00");
    }

    #[test]
    fn a_drop_off_point_says_so() {
        let drops = [(42, 4.25)];
        assert_eq!(
            point_text(42, 61.3, &drops),
            "At 42 % of the video: 61.30% of viewers (a steep drop-off: −4.3 points to the next)"
        );
        assert_eq!(
            point_text(7, 90.0, &drops),
            "At 7 % of the video: 90.00% of viewers"
        );
    }
}
