//! Average completion per course as horizontal bars, sorted by value, with the overall mean as
//! a reference line and each course's gap to it, and the figures as a table for screen readers.

use leptos::prelude::*;

use crate::format;
use crate::state::use_app_state;

const MAX_COURSES: usize = 12;

/// One bar per course: the lowest and highest averages when there are more than fit.
#[component]
pub fn CourseBars() -> impl IntoView {
    let state = use_app_state();
    move || {
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
        let label_of = |course: &crate::worker::protocol::CourseView| {
            course.code.clone().unwrap_or_else(|| course.course.clone())
        };
        let rows = courses
            .iter()
            .map(move |course| {
                let value = course.avg_completion.unwrap_or_default();
                let label = label_of(course);
                let gap = mean.map(|mean| format!(" ({})", format::points(value - mean)));
                view! {
                    <div class="hbar" data-course=course.course.clone()>
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
        let mean_line = mean.map(|mean| {
            view! {
                <span class="mean-line vertical" style:left=format!("{:.2}%", at(mean))>
                    <span class="mean-label">{format!("mean {}", format::percent(Some(mean)))}</span>
                </span>
            }
        });
        view! {
            <figure class="chart" data-testid="course-bars">
                <div class="hbars" aria-hidden="true">
                    {rows}
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
                        "Average completion by course, highest first (axis {axis_low:.0}–{axis_high:.0} %); in brackets, points above or below the overall mean.{}",
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
