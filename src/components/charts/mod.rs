//! Small SVG charts rendered by Leptos: no charting crate, so no extra download.

pub mod course_bars;
pub mod daily_chart;
pub mod histogram;
