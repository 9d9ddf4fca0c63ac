//! The headline numbers.

use leptos::prelude::*;

use crate::format;
use crate::state::use_app_state;

/// Rows, student rows, learners, courses, videos, mean completion, quality status.
#[component]
pub fn Cards() -> impl IntoView {
    let state = use_app_state();
    move || {
        state.dashboard.with(|dashboard| {
            dashboard.as_ref().map(|dashboard| {
                let cards = &dashboard.cards;
                let quality = if cards.rules_failed > 0 {
                    (format!("{} failing", cards.rules_failed), "bad")
                } else if cards.rules_warned > 0 {
                    (format!("{} warnings", cards.rules_warned), "warn")
                } else {
                    ("All passed".to_owned(), "good")
                };
                let mut rows_note = format!(
                    "{} duplicates removed",
                    format::int(cards.duplicates_removed)
                );
                if cards.filtered_out > 0 {
                    rows_note = format!(
                        "{} outside the filter · {rows_note}",
                        format::int(cards.filtered_out)
                    );
                }
                let items = [
                    ("Rows", format::int(cards.rows), rows_note, "rows", ""),
                    (
                        "Student rows",
                        format::int(cards.student_rows),
                        "after de-duplication".into(),
                        "students",
                        "",
                    ),
                    (
                        "Learners",
                        format::int(cards.learners),
                        String::new(),
                        "learners",
                        "",
                    ),
                    (
                        "Courses",
                        format::int(cards.courses),
                        String::new(),
                        "courses",
                        "",
                    ),
                    (
                        "Videos",
                        format::int(cards.videos),
                        String::new(),
                        "videos",
                        "",
                    ),
                    (
                        "Mean completion",
                        format::percent(cards.mean_completion),
                        "valid values only".into(),
                        "mean",
                        "",
                    ),
                    (
                        "Data quality",
                        quality.0,
                        "rules over their threshold".into(),
                        "quality",
                        quality.1,
                    ),
                ];
                let cards = items
                    .into_iter()
                    .map(|(label, value, note, id, tone)| {
                        view! {
                            <div class=format!("card {tone}") data-testid=format!("card-{id}")>
                                <div class="card-label">{label}</div>
                                <div class="card-value">{value}</div>
                                <div class="card-note">{note}</div>
                            </div>
                        }
                    })
                    .collect::<Vec<_>>();
                view! { <div class="cards">{cards}</div> }
            })
        })
    }
}
