//! Average completion per course, as horizontal bars (the 12 courses with most views).

use leptos::prelude::*;

use crate::format;
use crate::state::use_app_state;

const MAX_COURSES: usize = 12;

/// One bar per course.
#[component]
pub fn CourseBars() -> impl IntoView {
    let state = use_app_state();
    move || {
        let mut courses = state
            .dashboard
            .with(|d| d.as_ref().map(|d| d.courses.clone()).unwrap_or_default());
        courses.sort_by(|left, right| {
            right
                .views
                .cmp(&left.views)
                .then_with(|| left.course.cmp(&right.course))
        });
        let hidden = courses.len().saturating_sub(MAX_COURSES);
        courses.truncate(MAX_COURSES);
        if courses.is_empty() {
            return view! { <p class="hint">"No courses."</p> }.into_any();
        }
        let rows = courses
            .into_iter()
            .map(|course| {
                let value = course.avg_completion.unwrap_or(0.0);
                let label = course.code.clone().unwrap_or_else(|| course.course.clone());
                let tooltip = format!("{label}: {} over {} views", format::percent(course.avg_completion), format::int(course.views));
                view! {
                    <div class="hbar" title=tooltip>
                        <span class="hbar-label">{label}</span>
                        <span class="hbar-track"><span class="hbar-fill" style:width=format!("{value:.2}%")></span></span>
                        <span class="hbar-value numeric">{format::percent(course.avg_completion)}</span>
                    </div>
                }
            })
            .collect::<Vec<_>>();
        view! {
            <div class="hbars" data-testid="course-bars">
                {rows}
                {(hidden > 0).then(|| view! { <p class="hint">{format!("and {hidden} more courses (see the courses panel)")}</p> })}
            </div>
        }
        .into_any()
    }
}
