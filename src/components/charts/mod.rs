//! Small SVG charts rendered by Leptos: no charting crate, so no extra download.

pub mod course_bars;
pub mod daily_chart;
pub mod histogram;
pub mod retention_chart;
pub mod tooltip;

use leptos::prelude::*;

use course_bars::CourseBars;
use histogram::Histogram;

use crate::format;

/// The overall mean as a vertical reference line, `left` percent across the plot, labelled.
fn mean_line(mean: f64, left: f64) -> impl IntoView {
    view! {
        <span class="mean-line vertical" style:left=format!("{left:.2}%")>
            <span class="mean-label">{format!("mean {}", format::percent(Some(mean)))}</span>
        </span>
    }
}

/// The completion histogram beside the per-course averages: the first charts of both the app's
/// dashboard and the embed.
#[component]
pub fn ChartRow() -> impl IntoView {
    view! {
        <div class="chart-row">
            <section class="panel" data-testid="panel-histogram">
                <h2>"Completion distribution"</h2>
                <Histogram/>
            </section>
            <section class="panel" data-testid="panel-course-chart">
                <h2>"Average completion by course"</h2>
                <CourseBars/>
            </section>
        </div>
    }
}
