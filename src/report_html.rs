//! "Download report": the current view as one self-contained HTML file (inline styles, no
//! script, no request), to hand to someone who has no CoursePulse: summary, needs attention,
//! top and bottom learners, per-course highlights, quality, the filters and where the data came
//! from. Built on the page from the small dashboard view model; every data value is escaped.

use std::fmt::Write;

use crate::attention::{DEFAULT_MIN_VIDEOS, DEFAULT_THRESHOLD};
use crate::components::overview::{quartiles, rule_counts};
use crate::components::period_comparison;
use crate::format;
use crate::worker::protocol::{Dashboard, LearnerView};

/// Courses listed in the report's per-course section (the rest are counted).
const MAX_COURSES: usize = 40;

/// What the report says beside the dashboard itself.
pub struct ReportContext<'a> {
    /// What is shown ("the sample data", file names).
    pub data_label: &'a str,
    /// When the report was written, as the reader's clock shows it.
    pub generated: &'a str,
    /// Learner ids as they may appear: pseudonyms when the page is masked; otherwise the real
    /// ids only when the user asked for them, else a placeholder.
    pub show_real_ids: bool,
}

/// The report's HTML.
pub fn report_html(dashboard: &Dashboard, context: &ReportContext<'_>) -> String {
    let mut html = String::new();
    let title = format!("CoursePulse report: {}", context.data_label);
    let masked = dashboard.settings.mask;
    let id = |learner: &LearnerView| -> String {
        if masked || context.show_real_ids {
            learner.student_id.clone()
        } else {
            "(hidden)".to_owned()
        }
    };
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
         <title>{}</title><style>{STYLE}</style></head><body><main>",
        escape(&title)
    );
    let _ = write!(
        html,
        "<h1>{}</h1><p class=\"meta\">Written {} by CoursePulse (engine v{}). {}</p>",
        escape(&title),
        escape(context.generated),
        coursepulse_engine::VERSION,
        if masked {
            "Learner ids are shown as pseudonyms (masked)."
        } else if context.show_real_ids {
            "Learner ids are shown as in the data (not masked)."
        } else {
            "Learner ids are left out; turn masking on, or choose to include them, to show them."
        }
    );
    summary(&mut html, dashboard);
    comparison(&mut html, dashboard);
    attention(&mut html, dashboard, &id);
    learners(&mut html, dashboard, &id);
    courses(&mut html, dashboard);
    quality(&mut html, dashboard);
    provenance(&mut html, dashboard);
    html.push_str("</main></body></html>\n");
    html
}

fn summary(html: &mut String, dashboard: &Dashboard) {
    let cards = &dashboard.cards;
    let (passed, warned, failed) = rule_counts(dashboard);
    let spread = quartiles(&dashboard.histogram).map_or(String::new(), |[q1, median, q3]| {
        format!("Quartiles: 25 % at {q1:.0} %, median {median:.0} %, 75 % at {q3:.0} %.")
    });
    let _ = write!(
        html,
        "<section id=\"summary\"><h2>Summary</h2><div class=\"figures\">\
         <div><span>Mean video completion</span><strong data-figure=\"mean\">{}</strong></div>\
         <div><span>Learners</span><strong data-figure=\"learners\">{}</strong></div>\
         <div><span>Videos</span><strong data-figure=\"videos\">{}</strong></div>\
         <div><span>Courses</span><strong data-figure=\"courses\">{}</strong></div>\
         <div><span>Quality rules</span><strong data-figure=\"quality\">{passed} passed · {warned} warned · {failed} failed</strong></div>\
         </div><p>{}</p></section>",
        format::percent(cards.mean_completion),
        format::int(cards.learners),
        format::int(cards.videos),
        format::int(cards.courses),
        escape(&spread)
    );
}

/// The period comparison, as the overview shows it: only when the filter has both dates.
fn comparison(html: &mut String, dashboard: &Dashboard) {
    let settings = &dashboard.settings;
    let (Some(from), Some(to)) = (settings.from.as_deref(), settings.to.as_deref()) else {
        return;
    };
    let comparison = dashboard.comparison.as_ref();
    let _ = write!(
        html,
        "<section id=\"comparison\"><h2>{}</h2>",
        escape(&period_comparison::heading(comparison))
    );
    match comparison.and_then(|comparison| comparison.previous) {
        Some(previous) => {
            let _ = write!(
                html,
                "<table><caption>{} to {} against the previous period</caption><thead><tr>\
                 <th>Figure</th><th class=\"n\">This period</th><th class=\"n\">Previous</th>\
                 <th class=\"n\">Change</th></tr></thead><tbody>",
                escape(from),
                escape(to)
            );
            let current = period_comparison::current_figures(dashboard);
            for change in period_comparison::figure_changes(&current, &previous) {
                let _ = write!(
                    html,
                    "<tr data-comparison=\"{}\"><th>{}</th><td class=\"n\">{}</td><td class=\"n\">{}</td>\
                     <td class=\"n\" title=\"{}\">{}</td></tr>",
                    change.key,
                    change.label,
                    escape(&change.now),
                    escape(&change.before),
                    escape(&change.words),
                    escape(&change.shown)
                );
            }
            html.push_str("</tbody></table>");
        }
        None => {
            let reason = comparison
                .and_then(|comparison| comparison.unavailable.clone())
                .unwrap_or_else(|| period_comparison::NOT_COMPARED.to_owned());
            let _ = write!(html, "<p>{}</p>", escape(&reason));
        }
    }
    html.push_str("</section>");
}

fn attention(html: &mut String, dashboard: &Dashboard, id: &dyn Fn(&LearnerView) -> String) {
    let count = dashboard
        .attention
        .learners_below(DEFAULT_THRESHOLD, DEFAULT_MIN_VIDEOS);
    let _ = write!(
        html,
        "<section id=\"attention\"><h2>Needs attention</h2><p data-figure=\"attention-count\">\
         <strong>{}</strong> learners below {DEFAULT_THRESHOLD} % average completion, among those \
         with at least {DEFAULT_MIN_VIDEOS} videos.</p><ol>",
        format::int(count)
    );
    for learner in dashboard
        .attention
        .lowest_below(DEFAULT_THRESHOLD, DEFAULT_MIN_VIDEOS)
    {
        let view = LearnerView {
            student_id: learner.student_id.clone(),
            ..LearnerView::default()
        };
        let _ = write!(
            html,
            "<li>{} · {} · {} videos</li>",
            escape(&id(&view)),
            format::percent(Some(learner.avg_completion)),
            format::int(learner.videos)
        );
    }
    html.push_str("</ol>");
    // As the page lists them: failed rules first, then the warnings.
    let listed: Vec<_> = ["fail", "warn"]
        .into_iter()
        .flat_map(|status| {
            dashboard
                .quality
                .iter()
                .filter(move |rule| rule.status == status)
        })
        .collect();
    if !listed.is_empty() {
        html.push_str("<h3>Quality rules: failed, then warnings</h3><ul>");
        for rule in listed {
            let (word, level, threshold) = if rule.status == "fail" {
                ("Failed", "error", &rule.error_if)
            } else {
                ("Warning", "warn", &rule.warn_if)
            };
            let _ = write!(
                html,
                "<li data-status=\"{}\">{word}: {} <code>{}</code>: {} rows ({:.2} %), above the {level} level of {}</li>",
                escape(&rule.status),
                escape(&rule.description),
                escape(&rule.name),
                format::int(rule.count),
                rule.percent,
                escape(threshold)
            );
        }
        html.push_str("</ul>");
    }
    html.push_str("</section>");
}

fn learners(html: &mut String, dashboard: &Dashboard, id: &dyn Fn(&LearnerView) -> String) {
    html.push_str("<section id=\"learners\"><h2>Learners</h2><div class=\"two\">");
    for (caption, rows) in [("Top", &dashboard.top), ("Bottom", &dashboard.bottom)] {
        let _ = write!(
            html,
            "<table data-list=\"{}\"><caption>{caption} {}</caption><thead><tr><th>Rank</th>\
             <th>Learner</th><th class=\"n\">Videos</th><th class=\"n\">Avg completion</th></tr></thead><tbody>",
            caption.to_lowercase(),
            rows.len()
        );
        for row in rows {
            let _ = write!(
                html,
                "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                row.rank.map_or("—".to_owned(), |rank| rank.to_string()),
                escape(&id(row)),
                format::int(row.videos_watched),
                format::percent(row.avg_completion)
            );
        }
        html.push_str("</tbody></table>");
        if let Some(note) = dashboard.tie_note(rows) {
            let _ = write!(html, "<p class=\"tie-note\">{}</p>", escape(&note));
        }
    }
    html.push_str("</div></section>");
}

fn courses(html: &mut String, dashboard: &Dashboard) {
    html.push_str("<section id=\"courses\"><h2>Courses</h2><table><thead><tr><th>Course</th>\
                   <th class=\"n\">Avg completion</th><th>Most engaged video</th><th>Least engaged video</th></tr></thead><tbody>");
    let video = |line: Option<&crate::worker::protocol::VideoLine>| {
        line.map_or("—".to_owned(), |line| {
            format!(
                "{} ({})",
                escape(line.title.as_deref().unwrap_or(&line.video)),
                format::percent(Some(line.avg_completion))
            )
        })
    };
    for course in dashboard.courses.iter().take(MAX_COURSES) {
        let label = match &course.code {
            Some(code) if *code != course.course => format!("{code} ({})", course.course),
            _ => course.course.clone(),
        };
        let _ = write!(
            html,
            "<tr><td>{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>",
            escape(&label),
            format::percent(course.avg_completion),
            video(course.top.first()),
            video(course.bottom.first())
        );
    }
    html.push_str("</tbody></table>");
    if dashboard.courses.len() > MAX_COURSES {
        let _ = write!(
            html,
            "<p>{} more courses are in the dashboard.</p>",
            dashboard.courses.len() - MAX_COURSES
        );
    }
    html.push_str("</section>");
}

fn quality(html: &mut String, dashboard: &Dashboard) {
    html.push_str(
        "<section id=\"quality\"><h2>Data quality</h2><p>Each rule warns above one share of the \
         rows and fails above another; the level crossed is named.</p><table><thead><tr>\
         <th>Status</th><th>Rule</th><th class=\"n\">Rows</th><th class=\"n\">% of rows</th>\
         <th>Warn above</th><th>Error above</th></tr></thead><tbody>",
    );
    for rule in &dashboard.quality {
        let level = |threshold: &str, level: &str| {
            if rule.crossed == level {
                format!(
                    "<td data-crossed=\"true\">{} <strong>(crossed)</strong></td>",
                    escape(threshold)
                )
            } else {
                format!("<td>{}</td>", escape(threshold))
            }
        };
        let _ = write!(
            html,
            "<tr data-rule=\"{2}\"><td class=\"{0}\">{0}</td><td>{1} <code>{2}</code></td><td class=\"n\">{3}</td><td class=\"n\">{4:.2}</td>{5}{6}</tr>",
            escape(&rule.status),
            escape(&rule.description),
            escape(&rule.name),
            format::int(rule.count),
            rule.percent,
            level(&rule.warn_if, "warn_if"),
            level(&rule.error_if, "error_if"),
        );
    }
    html.push_str("</tbody></table></section>");
}

fn provenance(html: &mut String, dashboard: &Dashboard) {
    let settings = &dashboard.settings;
    let courses = if settings.courses.is_empty() {
        "all courses".to_owned()
    } else {
        settings.courses.join(", ")
    };
    let range = match (&settings.from, &settings.to) {
        (None, None) => "all dates".to_owned(),
        (from, to) => format!(
            "{} to {}",
            from.as_deref().unwrap_or("the start"),
            to.as_deref().unwrap_or("the end")
        ),
    };
    let ranked = match settings.min_videos {
        0 | 1 => String::new(),
        count => format!("; top and bottom learners have at least {count} videos"),
    };
    let _ = write!(
        html,
        "<section id=\"provenance\"><h2>Filters and data</h2><p data-figure=\"filters\">Filters: {}; {}{ranked}.</p><ul>",
        escape(&courses),
        escape(&range)
    );
    for source in &dashboard.sources {
        let _ = write!(
            html,
            "<li>{} · {} · {} rows · {} · completion read as {}</li>",
            escape(&source.name),
            escape(&source.format),
            format::int(source.rows),
            format::bytes(source.bytes),
            escape(&source.scale)
        );
    }
    html.push_str("</ul>");
    if !dashboard.notes.is_empty() {
        html.push_str("<h3>Notes</h3><ul>");
        for note in &dashboard.notes {
            let _ = write!(html, "<li>{}</li>", escape(note));
        }
        html.push_str("</ul>");
    }
    html.push_str("</section>");
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(character),
        }
    }
    escaped
}

/// Print-ready, light, no external font or image.
const STYLE: &str = "body{font:15px/1.45 system-ui,sans-serif;color:#1b2230;background:#fff;margin:0}\
main{max-width:60rem;margin:0 auto;padding:1rem 1.2rem 2rem}h1{font-size:1.5rem;color:#2458c6}\
h2{font-size:1.15rem;border-bottom:1px solid #dde2ea;padding-bottom:.2rem;margin-top:1.4rem}\
.meta{color:#566073}.figures{display:flex;flex-wrap:wrap;gap:.6rem}.figures div{border:1px solid #dde2ea;\
border-radius:8px;padding:.4rem .7rem;display:flex;flex-direction:column}.figures span{color:#566073;font-size:.85rem}\
.figures strong{font-size:1.3rem}table{border-collapse:collapse;width:100%;font-size:.9rem;margin:.4rem 0}\
caption{text-align:left;font-weight:600}th,td{border-bottom:1px solid #dde2ea;padding:.25rem .4rem;text-align:left}\
.n{text-align:right}.two{display:grid;grid-template-columns:repeat(auto-fit,minmax(18rem,1fr));gap:1rem}\
.fail{color:#b3261e}.warn{color:#9a6200}.pass{color:#1d7a46}section{break-inside:avoid}\
@page{size:A4;margin:14mm 12mm}";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::worker::protocol::{Cards, RuleView};

    fn dashboard(mask: bool) -> Dashboard {
        let mut dashboard = Dashboard {
            cards: Cards {
                learners: 2,
                mean_completion: Some(55.5),
                ..Cards::default()
            },
            top: vec![LearnerView {
                rank: Some(1),
                student_id: "<script>alert(1)</script>".into(),
                videos_watched: 3,
                views: 3,
                avg_completion: Some(90.0),
            }],
            quality: vec![RuleView {
                name: "student_id_not_null".into(),
                description: "Every row names a learner".into(),
                status: "fail".into(),
                count: 4,
                percent: 2.0,
                ..RuleView::default()
            }],
            ..Dashboard::default()
        };
        dashboard.settings.mask = mask;
        dashboard
    }

    fn render(dashboard: &Dashboard, show_real_ids: bool) -> String {
        report_html(
            dashboard,
            &ReportContext {
                data_label: "a & b.csv",
                generated: "2026-12-06 17:00",
                show_real_ids,
            },
        )
    }

    #[test]
    fn data_values_are_escaped_and_nothing_is_scripted_or_fetched() {
        let html = render(&dashboard(true), false);
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
        assert!(!html.contains("<script"));
        assert!(html.contains("CoursePulse report: a &amp; b.csv"));
        assert!(!html.contains("src=") && !html.contains("href="));
    }

    #[test]
    fn a_list_lengthened_by_ties_at_the_cut_says_so() {
        let learner = |id: &str, rank: u64, avg: f64| LearnerView {
            rank: Some(rank),
            student_id: id.into(),
            videos_watched: 1,
            views: 1,
            avg_completion: Some(avg),
        };
        let mut dashboard = dashboard(true);
        dashboard.top_n = 2;
        dashboard.top = vec![learner("A", 1, 90.0), learner("B", 2, 80.0)];
        assert_eq!(dashboard.tie_note(&dashboard.top), None);
        assert!(!render(&dashboard, false).contains("tie-note"));
        dashboard.top.push(learner("C", 2, 80.0));
        dashboard.top.push(learner("D", 2, 80.0));
        let note = dashboard.tie_note(&dashboard.top).expect("a note");
        assert_eq!(
            note,
            "4 listed, not 2: 3 learners tie at rank 2, and a tie at the cut keeps them all."
        );
        assert!(render(&dashboard, false).contains(&note));
    }

    #[test]
    fn unmasked_ids_are_left_out_unless_asked_for() {
        let hidden = render(&dashboard(false), false);
        assert!(hidden.contains("(hidden)") && !hidden.contains("alert(1)"));
        let shown = render(&dashboard(false), true);
        assert!(shown.contains("alert(1)"));
    }

    #[test]
    fn the_period_comparison_and_the_levels_crossed_are_in_the_file() {
        let mut dashboard = dashboard(true);
        dashboard.quality[0].warn_if = "0 rows".into();
        dashboard.quality[0].error_if = "1%".into();
        dashboard.quality[0].crossed = "error_if".into();
        let html = render(&dashboard, false);
        assert!(
            !html.contains("id=\"comparison\""),
            "no dates, no comparison"
        );
        assert!(
            html.contains(
                "<td>0 rows</td><td data-crossed=\"true\">1% <strong>(crossed)</strong></td>"
            ),
            "{html}"
        );
        assert!(html.contains("above the error level of 1%"), "{html}");
        dashboard.settings.from = Some("2025-03-08".into());
        dashboard.settings.to = Some("2025-03-14".into());
        dashboard.comparison = Some(crate::worker::protocol::PeriodComparison {
            from: "2025-03-01".into(),
            to: "2025-03-07".into(),
            days: 7,
            previous: Some(crate::worker::protocol::PeriodFigures {
                mean_completion: Some(50.0),
                learners: 1,
                videos: 3,
                rows: 9,
            }),
            unavailable: None,
        });
        let html = render(&dashboard, false);
        assert!(
            html.contains("Against the previous 7 days: 2025-03-01 to 2025-03-07"),
            "{html}"
        );
        assert!(
            html.contains("<td class=\"n\">55.50%</td><td class=\"n\">50.00%</td>"),
            "{html}"
        );
        assert!(html.contains("up 5.5 percentage points"), "{html}");
        dashboard.comparison = None;
        let html = render(&dashboard, false);
        assert!(html.contains(period_comparison::NOT_COMPARED), "{html}");
    }

    #[test]
    fn the_summary_and_failing_rules_carry_the_dashboard_figures() {
        let html = render(&dashboard(true), false);
        assert!(html.contains("data-figure=\"mean\">55.50%"), "{html}");
        assert!(html.contains("0 passed · 0 warned · 1 failed"));
        assert!(
            html.contains("Every row names a learner <code>student_id_not_null</code>: 4 rows")
        );
    }
}
