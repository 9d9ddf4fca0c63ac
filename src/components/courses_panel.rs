//! Courses: each course's most and least engaged videos; click one to list all its videos.

use leptos::prelude::*;

use crate::components::data_table::DataTable;
use crate::format;
use crate::state::use_app_state;
use crate::worker::protocol::{CourseView, TableId, VideoLine};

/// Course cards added per "Show more".
const COURSES_PER_STEP: usize = 24;

/// The courses panel.
#[component]
pub fn CoursesPanel() -> impl IntoView {
    let state = use_app_state();
    let per_course = move || state.settings.with(|settings| settings.per_course_n.max(1));
    // Hundreds of course cards at once would block the page for a few hundred milliseconds;
    // they are shown a screenful at a time.
    let shown = RwSignal::new(COURSES_PER_STEP);
    Effect::new(move |_| {
        state.generation.track();
        shown.set(COURSES_PER_STEP);
    });
    let total = move || {
        state
            .dashboard
            .with(|d| d.as_ref().map_or(0, |d| d.courses.len()))
    };
    let rows = move || {
        let limit = shown.get();
        state.dashboard.with(|dashboard| {
            let courses = dashboard
                .as_ref()
                .map(|d| d.courses.iter().take(limit).cloned().collect::<Vec<_>>())
                .unwrap_or_default();
            if courses.is_empty() {
                return view! { <p class="hint">"No course column, or no course rows."</p> }
                    .into_any();
            }
            courses
                .into_iter()
                .map(|course| view! { <CourseCard course/> })
                .collect::<Vec<_>>()
                .into_any()
        })
    };
    let selected = move || state.selected_course.get();
    view! {
        <section class="panel" data-testid="panel-courses">
            <div class="panel-head">
                <h2>"Courses: most and least engaged videos"</h2>
                <label class="inline">
                    "N "
                    <input
                        type="number"
                        min="1"
                        max="100"
                        data-testid="per-course-n"
                        prop:value=move || per_course().to_string()
                        on:change=move |event| {
                            let value = event_target_value(&event).parse::<usize>().unwrap_or(3).clamp(1, 100);
                            state.settings.update(|settings| settings.per_course_n = value);
                            state.relist();
                        }
                    />
                </label>
            </div>
            <div class="course-grid" data-testid="course-list">{rows}</div>
            <Show when=move || { shown.get() < total() }>
                <div class="pager">
                    <span>{move || format!("Showing {} of {} courses", shown.get().min(total()), total())}</span>
                    <button
                        class="secondary"
                        data-testid="more-courses"
                        on:click=move |_| shown.update(|shown| *shown += COURSES_PER_STEP)
                    >
                        "Show more courses"
                    </button>
                    <button class="secondary" data-testid="all-courses" on:click=move |_| shown.set(usize::MAX)>
                        "Show all"
                    </button>
                </div>
            </Show>
            {move || selected().map(|course| {
                let course = state.dashboard.with(|d| {
                    d.as_ref()
                        .and_then(|d| d.courses.iter().find(|row| row.course == course))
                        .and_then(|row| row.code.clone())
                        .map_or_else(|| course.clone(), |code| format!("{code} ({course})"))
                });
                let table = Signal::derive(move || TableId::CourseVideos {
                    course: state.selected_course.get().unwrap_or_default(),
                });
                view! {
                    <div class="course-videos" data-testid="course-videos">
                        <div class="panel-head">
                            <h3 tabindex="-1" data-testid="course-videos-title">{format!("All videos of {course}")}</h3>
                            <button class="secondary" on:click=move |_| state.selected_course.set(None)>"Close"</button>
                        </div>
                        <DataTable table testid="course-videos-table" min_views=state.min_views caption="Videos of the selected course"/>
                    </div>
                }
            })}
        </section>
    }
}

#[component]
fn CourseCard(course: CourseView) -> impl IntoView {
    let state = use_app_state();
    let key = course.course.clone();
    let title = match &course.code {
        Some(code) => format!("{code} ({})", course.course),
        None => course.course.clone(),
    };
    let data_course = key.clone();
    let is_selected = {
        let key = key.clone();
        Memo::new(move |_| state.selected_course.get().as_deref() == Some(key.as_str()))
    };
    view! {
        <article class="course-card" class:selected=is_selected data-testid="course-card" data-course=data_course>
            <button
                class="course-title"
                aria-expanded=move || is_selected.get().to_string()
                on:click=move |_| {
                    state.selected_course.set(Some(key.clone()));
                    crate::focus::focus_when_shown("[data-testid=course-videos-title]");
                }
            >
                {title}
            </button>
            <div class="hint">
                {format!(
                    "{} views · {} learners · {} videos · average {}",
                    format::int(course.views),
                    format::int(course.learners),
                    format::int(course.videos),
                    format::percent(course.avg_completion)
                )}
            </div>
            <VideoList label="Most engaged" testid="course-top" videos=course.top/>
            <VideoList label="Least engaged" testid="course-bottom" videos=course.bottom/>
        </article>
    }
}

#[component]
fn VideoList(label: &'static str, testid: &'static str, videos: Vec<VideoLine>) -> impl IntoView {
    let items = videos
        .into_iter()
        .map(|video| {
            // The title reads better than the id in a narrow card; the tooltip has both.
            let (name, tooltip) = match &video.title {
                Some(title) if *title != video.video => {
                    (title.clone(), format!("{} · {title}", video.video))
                }
                _ => (video.video.clone(), video.video.clone()),
            };
            view! {
                <li data-video=video.video.clone()>
                    <span class="video-name" title=tooltip>{name}</span>
                    <span class="numeric">{format::percent(Some(video.avg_completion))}</span>
                </li>
            }
        })
        .collect::<Vec<_>>();
    view! {
        <div class="video-list">
            <h3 class="list-label">{label}</h3>
            <ol data-testid=testid>{items}</ol>
        </div>
    }
}
