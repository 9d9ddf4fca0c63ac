//! "Needs attention": learners below a completion threshold (with a minimum number of videos,
//! both shown and settable), the courses and videos furthest below the overall average, and the
//! quality rules that failed or warned. The figures come from the worker's fixed-size `AttentionView`, so a
//! new threshold needs no request.

use leptos::prelude::*;

use crate::attention::{DEFAULT_MIN_VIDEOS, DEFAULT_THRESHOLD, MAX_MIN_VIDEOS, MIN_VIDEO_VIEWS};
use crate::format;
use crate::state::use_app_state;

/// Courses listed as furthest below the average.
const COURSES_LISTED: usize = 3;
/// Learners, videos and quality rules a phone lists before "Show all" (the desktop lists all).
const PHONE_LISTED: usize = 3;

/// The block under the overview.
#[component]
pub fn NeedsAttention() -> impl IntoView {
    let state = use_app_state();
    let threshold = RwSignal::new(DEFAULT_THRESHOLD);
    let min_videos = RwSignal::new(DEFAULT_MIN_VIDEOS);
    // Whether a phone shows every learner, video and failing rule, not only the first
    // PHONE_LISTED.
    let all_learners = RwSignal::new(false);
    let all_videos = RwSignal::new(false);
    let all_rules = RwSignal::new(false);
    let learners = move || {
        let (threshold, min_videos) = (threshold.get(), min_videos.get());
        state.dashboard.with(|dashboard| {
            let dashboard = dashboard.as_ref()?;
            let count = dashboard.attention.learners_below(threshold, min_videos);
            let lowest = dashboard.attention.lowest_below(threshold, min_videos);
            let items = lowest
                .into_iter()
                .enumerate()
                .map(|(index, learner)| {
                    view! {
                        <li data-testid="attention-learner" data-learner=learner.student_id.clone() class:extra={index >= PHONE_LISTED}>
                            <span class="video-name">{learner.student_id.clone()}</span>
                            <span class="numeric">
                                {format!(
                                    "{} · {} videos",
                                    format::percent(Some(learner.avg_completion)),
                                    format::int(learner.videos)
                                )}
                            </span>
                        </li>
                    }
                })
                .collect::<Vec<_>>();
            let listed = items.len();
            let more = (count > items.len() as u64).then(|| {
                format!(
                    "The {} lowest are listed; the full ranking is under Learners.",
                    items.len()
                )
            });
            Some(view! {
                <p data-testid="attention-learner-count">
                    <strong>{format::int(count)}</strong>
                    {format!(
                        " {} below {threshold} % average completion, among those with at least \
                         {min_videos} {}.",
                        if count == 1 { "learner is" } else { "learners are" },
                        if min_videos == 1 { "video" } else { "videos" }
                    )}
                </p>
                <ol class="attention-list" class:expanded=move || all_learners.get() data-testid="attention-learners">{items}</ol>
                <ShowAll expanded=all_learners listed what="learners"/>
                <p class="hint">{more}</p>
            })
        })
    };
    let courses = move || {
        state.dashboard.with(|dashboard| {
            let dashboard = dashboard.as_ref()?;
            let mean = dashboard.cards.mean_completion?;
            let mut below: Vec<(String, f64)> = dashboard
                .courses
                .iter()
                .filter_map(|course| {
                    let avg = course.avg_completion.filter(|avg| *avg < mean)?;
                    let label = match &course.code {
                        Some(code) if *code != course.course => {
                            format!("{code} ({})", course.course)
                        }
                        _ => course.course.clone(),
                    };
                    Some((label, avg))
                })
                .collect();
            below.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
            below.truncate(COURSES_LISTED);
            let items = below
                .into_iter()
                .map(|(label, avg)| {
                    view! {
                        <li data-testid="attention-course">
                            <span class="video-name">{label}</span>
                            <span class="numeric">{gap(avg, mean)}</span>
                        </li>
                    }
                })
                .collect::<Vec<_>>();
            Some(if items.is_empty() {
                view! { <p class="hint">"No course is below the overall average."</p> }.into_any()
            } else {
                view! { <ol class="attention-list" data-testid="attention-courses">{items}</ol> }
                    .into_any()
            })
        })
    };
    let videos = move || {
        state.dashboard.with(|dashboard| {
            let dashboard = dashboard.as_ref()?;
            let mean = dashboard.cards.mean_completion?;
            let items = dashboard
                .attention
                .videos
                .iter()
                .enumerate()
                .map(|(index, video)| {
                    let name = video.title.clone().unwrap_or_else(|| video.video.clone());
                    let course = video.course.clone().map(|course| format!(" · {course}"));
                    view! {
                        <li data-testid="attention-video" class:extra={index >= PHONE_LISTED}>
                            <span class="video-name" title=video.video.clone()>{name}{course}</span>
                            <span class="numeric">{gap(video.avg_completion, mean)}</span>
                        </li>
                    }
                })
                .collect::<Vec<_>>();
            let listed = items.len();
            Some(if items.is_empty() {
                view! { <p class="hint">"No video is below the overall average."</p> }.into_any()
            } else {
                view! {
                    <ol class="attention-list" class:expanded=move || all_videos.get() data-testid="attention-videos">{items}</ol>
                    <ShowAll expanded=all_videos listed what="videos"/>
                }
                .into_any()
            })
        })
    };
    let rules = move || {
        state.dashboard.with(|dashboard| {
            let dashboard = dashboard.as_ref()?;
            // Failed rules first (above their error level), then the warnings.
            let failing = ["fail", "warn"]
                .into_iter()
                .flat_map(|status| dashboard.quality.iter().filter(move |rule| rule.status == status))
                .enumerate()
                .map(|(index, rule)| {
                    let (word, level) = if rule.status == "fail" {
                        ("Failed", &rule.error_if)
                    } else {
                        ("Warning", &rule.warn_if)
                    };
                    view! {
                        <li data-testid="attention-rule" data-status=rule.status.clone() class:extra={index >= PHONE_LISTED}>
                            <span class=format!("badge {}", rule.status)>{word}</span>" "
                            <a href="#quality">{rule.description.clone()}</a>
                            " "<code>{rule.name.clone()}</code>
                            {format!(
                                " · {} rows ({:.2} %), above {level}",
                                format::int(rule.count),
                                rule.percent
                            )}
                        </li>
                    }
                })
                .collect::<Vec<_>>();
            let listed = failing.len();
            Some(if failing.is_empty() {
                view! { <p class="hint" data-testid="attention-no-rules">"Every quality rule passed."</p> }.into_any()
            } else {
                view! {
                    <ul class="attention-list" class:expanded=move || all_rules.get() data-testid="attention-rules">{failing}</ul>
                    <ShowAll expanded=all_rules listed what="rules"/>
                }
                .into_any()
            })
        })
    };
    view! {
        <section class="panel" id="attention" data-testid="needs-attention" aria-labelledby="attention-title">
            <div class="panel-head">
                <h2 id="attention-title">"Needs attention"</h2>
                <div class="attention-controls">
                    <label class="inline">
                        "Below "
                        <input
                            type="number"
                            min="1"
                            max="100"
                            data-testid="attention-threshold"
                            prop:value=move || threshold.get().to_string()
                            on:change=move |event| {
                                let value = event_target_value(&event).trim().parse::<u32>();
                                threshold.set(value.map_or(DEFAULT_THRESHOLD, |value| value.clamp(1, 100)));
                            }
                        />
                        " %"
                    </label>
                    <label class="inline">
                        "Min. videos "
                        <input
                            type="number"
                            min="1"
                            max=MAX_MIN_VIDEOS.to_string()
                            data-testid="attention-min-videos"
                            prop:value=move || min_videos.get().to_string()
                            on:change=move |event| {
                                let value = event_target_value(&event).trim().parse::<usize>();
                                min_videos.set(value.map_or(DEFAULT_MIN_VIDEOS, |value| value.clamp(1, MAX_MIN_VIDEOS)));
                            }
                        />
                    </label>
                </div>
            </div>
            <div class="attention-grid">
                <div>
                    <h3>"Learners who may need help"</h3>
                    {learners}
                </div>
                <div>
                    <h3>"Courses furthest below the average"</h3>
                    {courses}
                    <h3>{format!("Videos furthest below the average (at least {MIN_VIDEO_VIEWS} views)")}</h3>
                    {videos}
                </div>
                <div>
                    <h3>"Quality rules: failed, then warnings"</h3>
                    {rules}
                </div>
            </div>
        </section>
    }
}

/// On a phone, under a list cut to its first `PHONE_LISTED` items: shows them all, or fewer
/// again. Hidden on wider screens (CSS), which list every item.
#[component]
fn ShowAll(expanded: RwSignal<bool>, listed: usize, what: &'static str) -> impl IntoView {
    (listed > PHONE_LISTED).then(|| {
        view! {
            <button
                class="secondary show-all"
                data-testid=format!("show-all-{what}")
                aria-expanded=move || expanded.get().to_string()
                on:click=move |_| expanded.update(|expanded| *expanded = !*expanded)
            >
                {move || if expanded.get() {
                    format!("Show the first {PHONE_LISTED} {what}")
                } else {
                    format!("Show all {listed} {what}")
                }}
            </button>
        }
    })
}

/// "41.20 % (−12.3 pts)": a value and its distance from the overall mean.
fn gap(value: f64, mean: f64) -> String {
    format!(
        "{} ({:+.1} pts)",
        format::percent(Some(value)),
        value - mean
    )
    .replace('-', "−")
}
