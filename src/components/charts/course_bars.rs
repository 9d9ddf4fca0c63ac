//! Average completion per course as horizontal bars, sorted by value, with the overall mean as
//! a reference line and each course's gap to it, a tooltip on hover and on focus (arrow keys),
//! and the figures as a table for screen readers.

use leptos::prelude::*;

use crate::components::charts::mean_line;
use crate::components::charts::tooltip::{Axis, ChartTooltip, Pointer, middle};
use crate::format;
use crate::state::use_app_state;
use crate::worker::protocol::CourseView;

const MAX_COURSES: usize = 12;

/// One bar per course: the lowest and highest averages when there are more than fit.
#[component]
pub fn CourseBars() -> impl IntoView {
    let state = use_app_state();
    // The course under the mouse or picked with the arrow keys.
    let pointer = Pointer::new(Axis::Down);
    // The bars shown, highest first; the mean; how many courses are left out.
    let shown = Memo::new(move |_| {
        let (mut courses, mean) = state.dashboard.with(|d| {
            d.as_ref()
                .map(|d| (d.courses.clone(), d.cards.mean_completion))
                .unwrap_or_default()
        });
        courses.retain(|course| course.avg_completion.is_some());
        courses.sort_by(|left, right| {
            right
                .avg_completion
                .unwrap_or_default()
                .total_cmp(&left.avg_completion.unwrap_or_default())
                .then_with(|| left.course.cmp(&right.course))
        });
        let hidden = courses.len().saturating_sub(MAX_COURSES);
        if hidden > 0 {
            // The best and the worst: the middle is what the courses panel is for.
            let half = MAX_COURSES / 2;
            courses.drain(half..courses.len() - half);
        }
        (courses, mean, hidden)
    });
    let count = move || shown.with(|(courses, _, _)| courses.len());
    let tooltip = move || {
        let index = pointer.get()?;
        shown.with(|(courses, mean, _)| {
            let text = course_text(courses.get(index)?, *mean);
            Some(view! { <ChartTooltip text at=middle(index, courses.len()) axis=Axis::Down testid="course-tooltip"/> })
        })
    };
    move || {
        let (courses, mean, hidden) = shown.get();
        if courses.is_empty() {
            return view! { <p class="hint">"No courses."</p> }.into_any();
        }
        // The axis spans the data (rounded out to 5 points), so close averages stay apart.
        let low = courses
            .iter()
            .filter_map(|course| course.avg_completion)
            .chain(mean)
            .fold(f64::INFINITY, f64::min);
        let high = courses
            .iter()
            .filter_map(|course| course.avg_completion)
            .chain(mean)
            .fold(f64::NEG_INFINITY, f64::max);
        let axis_low = ((low - 5.0) / 5.0).floor().max(0.0) * 5.0;
        let axis_high = (((high + 5.0) / 5.0).ceil() * 5.0)
            .min(100.0)
            .max(axis_low + 5.0);
        let at = move |value: f64| (value - axis_low) / (axis_high - axis_low) * 100.0;
        let rows = courses
            .iter()
            .enumerate()
            .map(move |(index, course)| {
                let value = course.avg_completion.unwrap_or_default();
                let label = label_of(course);
                let gap = mean.map(|mean| format!(" ({})", format::points(value - mean)));
                view! {
                    <div
                        class="hbar"
                        class:active=move || pointer.get() == Some(index)
                        data-course=course.course.clone()
                        on:mouseenter=move |_| pointer.set(Some(index))
                    >
                        <span class="hbar-label" title=label.clone()>{label.clone()}</span>
                        <span class="hbar-track">
                            <span class="hbar-fill" style:width=format!("{:.2}%", at(value))></span>
                            {mean.map(|mean| view! { <span class="mean-tick" style:left=format!("{:.2}%", at(mean))></span> })}
                        </span>
                        <span class="hbar-value numeric">{format::percent(Some(value))}{gap}</span>
                    </div>
                }
            })
            .collect::<Vec<_>>();
        let table = courses
            .iter()
            .map(|course| {
                view! {
                    <tr>
                        <th scope="row">{label_of(course)}</th>
                        <td>{format::percent(course.avg_completion)}</td>
                        <td>{format::int(course.views)}</td>
                    </tr>
                }
            })
            .collect::<Vec<_>>();
        let mean_line = mean.map(|mean| mean_line(mean, at(mean)));
        view! {
            <figure class="chart" data-testid="course-bars">
                <div
                    class="hbars-plot"
                    tabindex="0"
                    role="group"
                    aria-label="Average completion by course, highest first. Arrow keys read each course."
                    data-testid="course-bars-plot"
                    on:keydown=move |event| pointer.key(&event, count())
                    on:mouseleave=move |_| pointer.set(None)
                    on:blur=move |_| pointer.set(None)
                >
                    <div class="hbars" aria-hidden="true">{rows}</div>
                    <div class="tooltip-layer" aria-live="polite">{tooltip}</div>
                </div>
                <div class="hbars" aria-hidden="true">
                    <div class="hbar hbar-axis">
                        <span></span>
                        <span class="hbar-scale">
                            <span>{format!("{axis_low:.0} %")}</span>
                            <span>{format!("{axis_high:.0} %")}</span>
                            {mean_line}
                        </span>
                        <span></span>
                    </div>
                </div>
                <figcaption class="hint">
                    {format!(
                        "Average completion by course, highest first (axis {axis_low:.0}–{axis_high:.0} %); in brackets, points above or below the overall mean. Hover, or focus the chart and use the arrow keys, to read a course.{}",
                        if hidden > 0 { format!(" The {} middle courses are in the courses panel.", hidden) } else { String::new() }
                    )}
                </figcaption>
                <table class="visually-hidden" data-testid="course-bars-table">
                    <caption>"Average completion by course"</caption>
                    <thead><tr><th scope="col">"Course"</th><th scope="col">"Average completion"</th><th scope="col">"Views"</th></tr></thead>
                    <tbody>{table}</tbody>
                </table>
            </figure>
        }
        .into_any()
    }
}

/// The course's name on the chart: its code when the data has one, else its key.
fn label_of(course: &CourseView) -> String {
    course.code.clone().unwrap_or_else(|| course.course.clone())
}

/// "CSC101: average 64.20 % (+2.1 pts against the mean), 1,234 views, 56 learners".
fn course_text(course: &CourseView, mean: Option<f64>) -> String {
    let gap = course
        .avg_completion
        .zip(mean)
        .map(|(value, mean)| format!(" ({} pts against the mean)", format::points(value - mean)))
        .unwrap_or_default();
    format!(
        "{}: average {}{gap}, {} views, {} learners",
        label_of(course),
        format::percent(course.avg_completion),
        format::int(course.views),
        format::int(course.learners)
    )
}
