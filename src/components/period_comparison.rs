//! "Against the previous period": with both dates set, the overview's headline figures beside
//! those of the period just before, as many days long, and the change: an arrow and a signed
//! difference on screen, the same in words for screen readers.

use leptos::prelude::*;

use crate::format;
use crate::state::use_app_state;
use crate::worker::protocol::{Dashboard, PeriodComparison as Comparison, PeriodFigures};

/// Said when a dashboard with dates carries no comparison (one restored from storage).
pub const NOT_COMPARED: &str = "Not available for this dashboard: it holds totals, not the rows \
the previous period needs. Open the data again to compare.";

/// The comparison block of the overview; nothing without both dates.
#[component]
pub fn PeriodComparison() -> impl IntoView {
    let state = use_app_state();
    move || {
        state
            .dashboard
            .with(|dashboard| dashboard.as_ref().and_then(comparison_view))
    }
}

fn comparison_view(dashboard: &Dashboard) -> Option<AnyView> {
    let settings = &dashboard.settings;
    let (from, to) = (settings.from.as_deref()?, settings.to.as_deref()?);
    let comparison = dashboard.comparison.as_ref();
    let heading = heading(comparison);
    let body = match comparison.and_then(|comparison| comparison.previous) {
        Some(previous) => {
            let current = current_figures(dashboard);
            let starts_late = dashboard
                .date_span
                .as_ref()
                .zip(comparison)
                .filter(|((first, _), comparison)| *first > comparison.from)
                .map(|((first, _), _)| {
                    format!("The data starts on {first}, inside the previous period.")
                });
            let empty = (previous.rows == 0).then_some("The previous period has no rows.");
            view! {
                <table class="comparison-table" data-testid="comparison-table">
                    <caption class="visually-hidden">{format!("{from} to {to} against the previous period")}</caption>
                    <thead>
                        <tr>
                            <th scope="col"><span class="visually-hidden">"Figure"</span></th>
                            <th scope="col" class="numeric">"This period"</th>
                            <th scope="col" class="numeric">"Previous"</th>
                            <th scope="col" class="numeric">"Change"</th>
                        </tr>
                    </thead>
                    <tbody>{rows(&current, &previous)}</tbody>
                </table>
                <p class="hint">{starts_late}" "{empty}</p>
            }
            .into_any()
        }
        None => {
            let reason = comparison
                .and_then(|comparison| comparison.unavailable.clone())
                .unwrap_or_else(|| NOT_COMPARED.to_owned());
            view! { <p class="hint" data-testid="comparison-unavailable">{reason}</p> }.into_any()
        }
    };
    Some(
        view! {
            <div class="comparison" data-testid="period-comparison">
                <h3>{heading}</h3>
                {body}
            </div>
        }
        .into_any(),
    )
}

/// The comparison's heading: the previous period's length and dates.
pub fn heading(comparison: Option<&Comparison>) -> String {
    match comparison {
        Some(comparison) => format!(
            "Against the previous {} {}: {} to {}",
            comparison.days,
            if comparison.days == 1 { "day" } else { "days" },
            comparison.from,
            comparison.to
        ),
        None => "Against the previous period".to_owned(),
    }
}

/// This period's headline figures, as the overview's cards show them.
pub fn current_figures(dashboard: &Dashboard) -> PeriodFigures {
    let cards = &dashboard.cards;
    PeriodFigures {
        mean_completion: cards.mean_completion,
        learners: cards.learners,
        videos: cards.videos,
        rows: cards.rows,
    }
}

/// One headline figure in this period and the previous one, and the change on screen and in words.
pub struct FigureChange {
    /// `mean`, `learners`, `videos` or `rows`.
    pub key: &'static str,
    /// The figure's name.
    pub label: &'static str,
    /// This period's value.
    pub now: String,
    /// The previous period's value.
    pub before: String,
    /// The change with an arrow, e.g. `▲ +2.1 pts`.
    pub shown: String,
    /// The change in words.
    pub words: String,
}

/// The headline figures' changes, in the order shown (the page and the report file share them).
pub fn figure_changes(current: &PeriodFigures, previous: &PeriodFigures) -> Vec<FigureChange> {
    let count = |now: u64, before: u64| {
        (
            format::int(now),
            format::int(before),
            Some(count_change(now, before)),
        )
    };
    [
        (
            "mean",
            "Mean completion",
            (
                format::percent(current.mean_completion),
                format::percent(previous.mean_completion),
                current
                    .mean_completion
                    .zip(previous.mean_completion)
                    .map(|(now, before)| points_change(now - before)),
            ),
        ),
        (
            "learners",
            "Learners",
            count(current.learners, previous.learners),
        ),
        ("videos", "Videos", count(current.videos, previous.videos)),
        ("rows", "Views (rows)", count(current.rows, previous.rows)),
    ]
    .into_iter()
    .map(|(key, label, (now, before, change))| {
        let (shown, words) =
            change.unwrap_or_else(|| ("—".to_owned(), "no change to compare".to_owned()));
        FigureChange {
            key,
            label,
            now,
            before,
            shown,
            words,
        }
    })
    .collect()
}

/// One row per headline figure: this period, the previous, the change.
fn rows(current: &PeriodFigures, previous: &PeriodFigures) -> Vec<AnyView> {
    figure_changes(current, previous)
        .into_iter()
        .map(|change| {
            view! {
                <tr data-testid=format!("comparison-{}", change.key)>
                    <th scope="row">{change.label}</th>
                    <td class="numeric" data-testid="current">{change.now}</td>
                    <td class="numeric" data-testid="previous">{change.before}</td>
                    <td class="numeric" data-testid="change">
                        <span aria-hidden="true">{change.shown}</span>
                        <span class="visually-hidden">{change.words}</span>
                    </td>
                </tr>
            }
            .into_any()
        })
        .collect()
}

/// A change in percentage points: ("▲ +2.1 pts", "up 2.1 percentage points"); the direction
/// follows the rounded figure, so a change shown as 0.0 has no arrow.
pub fn points_change(difference: f64) -> (String, String) {
    let shown = format::points(difference);
    let size = shown.trim_start_matches(['+', '−']);
    match shown.chars().next() {
        Some('+') => (
            format!("▲ {shown} pts"),
            format!("up {size} percentage points"),
        ),
        Some('−') => (
            format!("▼ {shown} pts"),
            format!("down {size} percentage points"),
        ),
        _ => ("= 0.0 pts".to_owned(), "unchanged".to_owned()),
    }
}

/// A change in a count: ("▲ +1,204", "up 1,204").
pub fn count_change(now: u64, before: u64) -> (String, String) {
    if now > before {
        let size = format::int(now - before);
        (format!("▲ +{size}"), format!("up {size}"))
    } else if now < before {
        let size = format::int(before - now);
        (format!("▼ −{size}"), format!("down {size}"))
    } else {
        ("= 0".to_owned(), "unchanged".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_read_the_same_on_screen_and_in_words() {
        let pair = |shown: &str, words: &str| (shown.to_owned(), words.to_owned());
        assert_eq!(
            points_change(2.06),
            pair("▲ +2.1 pts", "up 2.1 percentage points")
        );
        assert_eq!(
            points_change(-0.55),
            pair("▼ −0.6 pts", "down 0.6 percentage points")
        );
        assert_eq!(points_change(0.04), pair("= 0.0 pts", "unchanged"));
        assert_eq!(count_change(2_500, 1_296), pair("▲ +1,204", "up 1,204"));
        assert_eq!(count_change(3, 10), pair("▼ −7", "down 7"));
        assert_eq!(count_change(7, 7), pair("= 0", "unchanged"));
    }
}
