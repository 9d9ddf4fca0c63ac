//! Plain-text tables for terminal output: numbers right-aligned, percentages with 2 decimals.

use std::fmt::Write;

use coursepulse_engine::{Crossed, LearnerRow, Report, Rule, Severity, Status};

/// A table under construction: a header and rows of cells; numeric columns align right.
pub(crate) struct Table {
    header: Vec<&'static str>,
    right_aligned: Vec<bool>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub(crate) fn new(columns: &[(&'static str, bool)]) -> Table {
        Table {
            header: columns.iter().map(|(name, _)| *name).collect(),
            right_aligned: columns.iter().map(|(_, right)| *right).collect(),
            rows: Vec::new(),
        }
    }

    pub(crate) fn row(&mut self, cells: Vec<String>) {
        self.rows
            .push(cells.iter().map(|cell| shown(cell)).collect());
    }

    pub(crate) fn render(&self, out: &mut String) {
        let mut widths: Vec<usize> = self
            .header
            .iter()
            .map(|name| name.chars().count())
            .collect();
        for row in &self.rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let mut line = |cells: &mut dyn Iterator<Item = &str>| {
            let mut text = String::new();
            for (index, cell) in cells.enumerate() {
                let width = widths[index];
                if index > 0 {
                    text.push_str("  ");
                }
                if self.right_aligned[index] {
                    let _ = write!(text, "{cell:>width$}");
                } else {
                    let _ = write!(text, "{cell:<width$}");
                }
            }
            out.push_str(text.trim_end());
            out.push('\n');
        };
        line(&mut self.header.iter().copied());
        line(
            &mut widths
                .iter()
                .map(|width| "-".repeat(*width))
                .collect::<Vec<_>>()
                .iter()
                .map(String::as_str),
        );
        for row in &self.rows {
            line(&mut row.iter().map(String::as_str));
        }
        if self.rows.is_empty() {
            out.push_str("(none)\n");
        }
    }
}

/// Longest value printed whole; JSON output always has every value in full.
const MAX_SHOWN_CHARS: usize = 60;

/// A value as printed in a table or line: control characters escaped (a newline inside an id
/// must not break the layout) and long values cut, saying how long they were.
/// A sample row's values as `column=value, ...`, escaped for the terminal, NULL spelled out.
pub(crate) fn sample_values(sample: &coursepulse_engine::quality::Sample) -> String {
    let values: Vec<String> = sample
        .values
        .iter()
        .map(|(column, value)| {
            format!(
                "{}={}",
                shown(column),
                value.as_deref().map_or("NULL".to_owned(), shown)
            )
        })
        .collect();
    values.join(", ")
}

pub(crate) fn shown(value: &str) -> String {
    let escaped: String = if value.chars().any(char::is_control) {
        value
            .chars()
            .flat_map(|c| {
                let text: Vec<char> = if c.is_control() {
                    c.escape_default().collect()
                } else {
                    vec![c]
                };
                text
            })
            .collect()
    } else {
        value.to_owned()
    };
    let length = escaped.chars().count();
    if length <= MAX_SHOWN_CHARS {
        return escaped;
    }
    let start: String = escaped.chars().take(MAX_SHOWN_CHARS - 20).collect();
    format!("{start}... ({length} characters)")
}

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_owned(), |value| format!("{value:.2}"))
}

fn learner_table(out: &mut String, title: &str, rows: &[LearnerRow]) {
    let _ = writeln!(out, "\n{title}");
    let mut table = Table::new(&[
        ("rank", true),
        ("student_id", false),
        ("videos_watched", true),
        ("views", true),
        ("avg_completion_%", true),
    ]);
    for row in rows {
        table.row(vec![
            row.rank
                .map_or_else(|| "-".to_owned(), |rank| rank.to_string()),
            row.student_id.clone(),
            row.videos_watched.to_string(),
            row.views.to_string(),
            percent(row.avg_completion),
        ]);
    }
    table.render(out);
}

/// The full report as text.
/// What pruning saved, for datasets of several files or when anything was skipped.
/// Why a ranked list is longer than the N asked for: `RANK() <= N` keeps everyone tied at the cut.
fn tie_note(rows: &[LearnerRow], top_n: u64) -> String {
    let Some(cut) = rows.last().and_then(|row| row.rank) else {
        return String::new();
    };
    if rows.len() as u64 <= top_n {
        return String::new();
    }
    let tied = rows.iter().filter(|row| row.rank == Some(cut)).count();
    format!(" ({top_n} asked for: {tied} tie at rank {cut})")
}

fn pruning(report: &Report) -> Option<String> {
    let pruning = &report.pruning;
    let skipped = pruning.files_skipped + pruning.row_groups_skipped + pruning.files_already_loaded;
    if pruning.files <= 1 && skipped == 0 {
        return None;
    }
    let bytes_read = pruning.bytes - pruning.bytes_skipped.min(pruning.bytes);
    let share = if pruning.bytes == 0 {
        100.0
    } else {
        bytes_read as f64 * 100.0 / pruning.bytes as f64
    };
    let mut line = format!(
        "Read {} of {} files ({share:.1}% of bytes); {} files and {} row groups skipped by the filter",
        pruning.files - pruning.files_skipped,
        pruning.files,
        pruning.files_skipped,
        pruning.row_groups_skipped
    );
    if pruning.files_already_loaded > 0 {
        let _ = write!(
            line,
            "; {} files skipped as already loaded",
            pruning.files_already_loaded
        );
    }
    Some(line)
}

pub fn report(report: &Report, all_learners: bool) -> String {
    let mut out = String::new();
    let rows = &report.rows;
    let summary = &report.summary;
    let _ = writeln!(
        out,
        "Rows: {} read, {} duplicates removed, {} student rows, {} with a valid completion",
        rows.total, rows.duplicates_removed, rows.student, rows.valid_completion
    );
    let _ = writeln!(
        out,
        "Learners: {}  Courses: {}  Videos: {}  Mean completion: {} %",
        summary.learners,
        summary.courses,
        summary.videos,
        percent(summary.mean_completion)
    );
    if let Some(line) = pruning(report) {
        let _ = writeln!(out, "{line}");
    }
    for note in &report.notes {
        let _ = writeln!(out, "Note: {note}");
    }
    match &report.most_watched_learner {
        Some(learner) => {
            let _ = writeln!(
                out,
                "\nMost watched videos: {} ({} videos, {} views, {} % average completion)",
                shown(&learner.student_id),
                learner.videos_watched,
                learner.views,
                percent(learner.avg_completion)
            );
        }
        None => out.push_str("\nMost watched videos: no learners\n"),
    }
    for (end, rows) in [
        ("Top", &report.learners_top),
        ("Bottom", &report.learners_bottom),
    ] {
        let title = format!(
            "{end} {} learners by average completion{}",
            rows.len(),
            tie_note(rows, report.lists.top_n)
        );
        learner_table(&mut out, &title, rows);
    }
    if all_learners {
        learner_table(&mut out, "All learners", &report.learners);
    }

    let _ = writeln!(out, "\nCourses: most and least engaged videos");
    let mut courses = Table::new(&[
        ("course", false),
        ("code", false),
        ("learners", true),
        ("avg_%", true),
        ("list", false),
        ("video_id", false),
        ("views", true),
        ("video_avg_%", true),
    ]);
    for course in &report.courses {
        for (list, videos) in [("top", &course.top), ("bottom", &course.bottom)] {
            for (index, video) in videos.iter().enumerate() {
                let first = list == "top" && index == 0;
                courses.row(vec![
                    if first {
                        course.course_id.clone()
                    } else {
                        String::new()
                    },
                    if first {
                        course.course_code.clone().unwrap_or_default()
                    } else {
                        String::new()
                    },
                    if first {
                        course.learners.to_string()
                    } else {
                        String::new()
                    },
                    if first {
                        percent(course.avg_completion)
                    } else {
                        String::new()
                    },
                    list.to_owned(),
                    video.video_id.clone(),
                    video.views.to_string(),
                    percent(Some(video.avg_completion)),
                ]);
            }
        }
    }
    courses.render(&mut out);

    let _ = writeln!(
        out,
        "\nVideos by average completion ({} listed)",
        report.videos.len()
    );
    let mut videos = Table::new(&[
        ("video_id", false),
        ("title", false),
        ("course", false),
        ("views", true),
        ("learners", true),
        ("avg_%", true),
    ]);
    for video in &report.videos {
        videos.row(vec![
            video.video_id.clone(),
            video.video_title.clone().unwrap_or_default(),
            video.course_id.clone().unwrap_or_default(),
            video.views.to_string(),
            video.learners.to_string(),
            percent(video.avg_completion),
        ]);
    }
    videos.render(&mut out);
    out.push('\n');
    out.push_str(&quality(report));
    out
}

/// The quality report as text, dbt-style: one line per rule, then the offending values/rows.
pub fn quality(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Data quality over {} rows", report.rows.total);
    let mut table = Table::new(&[
        ("status", false),
        ("rule", false),
        ("count", true),
        ("percent", true),
        ("warn if >", true),
        ("error if >", true),
        ("crossed", false),
    ]);
    for rule in &report.quality.rules {
        let status = match rule.status {
            Status::Pass => "PASS",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
            Status::Skipped => "SKIP",
        };
        let crossed = match rule.crossed {
            Some(Crossed::ErrorIf) => "error_if",
            Some(Crossed::WarnIf) => "warn_if",
            None => "-",
        };
        // With severity warn the error level is not applied (dbt's rule): say so.
        let error_if = match rule.severity {
            Severity::Error => rule.error_if.to_string(),
            Severity::Warn => "never".to_owned(),
        };
        table.row(vec![
            status.to_owned(),
            rule.name.to_owned(),
            rule.count.to_string(),
            format!("{:.2}", rule.percent),
            rule.warn_if.to_string(),
            error_if,
            crossed.to_owned(),
        ]);
    }
    table.render(&mut out);
    for rule in report
        .quality
        .rules
        .iter()
        .filter(|rule| matches!(rule.status, Status::Warn | Status::Fail))
    {
        let _ = writeln!(
            out,
            "\n{} ({} rows): {}",
            rule.name, rule.count, rule.description
        );
        // The scale check's details are its evidence, a sentence per input, and it has no samples.
        if rule.name == Rule::CompletionScale.name() {
            for detail in &rule.details {
                let evidence = detail.value.as_deref().unwrap_or_default();
                let _ = writeln!(out, "  {}", crate::shown::text(evidence));
            }
            continue;
        }
        for detail in &rule.details {
            let _ = writeln!(
                out,
                "  value {}: {} rows",
                detail
                    .value
                    .as_deref()
                    .map_or("NULL".to_owned(), |value| shown(&format!("{value:?}"))),
                detail.count
            );
        }
        for sample in &rule.samples {
            let _ = writeln!(
                out,
                "  {} row {}: {}",
                sample.source,
                sample.row,
                sample_values(sample)
            );
        }
        if rule.count > rule.samples.len() as u64 {
            let _ = writeln!(out, "  ... {} more", rule.count - rule.samples.len() as u64);
        }
    }
    out.push_str(&crate::dbt_table::table(report));
    let _ = writeln!(
        out,
        "\nQuality gate: {}",
        if report.quality.passed {
            "PASSED"
        } else {
            "FAILED (a rule is above its error level)"
        }
    );
    out
}
