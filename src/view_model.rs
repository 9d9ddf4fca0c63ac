//! Turns the engine's [`Report`] into the compact [`Dashboard`] the page renders: everything
//! but the long tables, which stay in the worker and are paged (see `tables.rs`).

use coursepulse_engine::{Report, Status, Threshold};

use crate::worker::protocol::{
    Bin, Cards, CourseView, Dashboard, Day, LearnerView, RuleView, Settings, SourceView, VideoLine,
};

/// What the worker knows beside the report: input sizes and facts from before the filter.
#[derive(Clone, Debug, Default)]
pub struct Context {
    /// Byte size of each input, by position.
    pub source_bytes: Vec<u64>,
    /// Every column of each input, by position.
    pub source_columns: Vec<Vec<String>>,
    /// Every course key in the data.
    pub all_courses: Vec<String>,
    /// First and last day of the data.
    pub date_span: Option<(String, String)>,
    /// The settings in force.
    pub settings: Settings,
    /// Today (`YYYY-MM-DD`, UTC): later days are future-dated rows, left out of the time series.
    pub today: Option<String>,
}

/// The dashboard for `report`.
pub fn dashboard(report: &Report, context: Context) -> Dashboard {
    let learner = |row: &coursepulse_engine::LearnerRow| LearnerView {
        rank: row.rank,
        student_id: row.student_id.clone(),
        videos_watched: row.videos_watched,
        views: row.views,
        avg_completion: row.avg_completion,
    };
    let video_line = |row: &coursepulse_engine::CourseVideoRow| VideoLine {
        video: row.video_id.clone(),
        title: row.video_title.clone(),
        views: row.views,
        avg_completion: row.avg_completion,
    };
    let status_count = |status: Status| {
        report
            .quality
            .rules
            .iter()
            .filter(|rule| rule.status == status)
            .count() as u64
    };
    // Course labels: "CODE (id)" when the data has both, else the key.
    let labels: std::collections::HashMap<&str, String> = report
        .courses
        .iter()
        .filter_map(|course| {
            let code = course.course_code.as_deref()?;
            (code != course.course_id).then(|| {
                (
                    course.course_id.as_str(),
                    format!("{code} ({})", course.course_id),
                )
            })
        })
        .collect();
    let all_courses = context
        .all_courses
        .iter()
        .map(|course| {
            let label = labels.get(course.as_str()).cloned();
            (course.clone(), label.unwrap_or_else(|| course.clone()))
        })
        .collect();
    let is_future = |date: &str| context.today.as_deref().is_some_and(|today| date > today);
    Dashboard {
        sources: report
            .sources
            .iter()
            .enumerate()
            .map(|(index, source)| SourceView {
                name: source.name.clone(),
                format: source.format.clone(),
                bytes: context.source_bytes.get(index).copied().unwrap_or_default(),
                rows: source.rows,
                row_groups: source.row_groups as u64,
                mapping: source.mapping.clone(),
                scale: scale_name(source.completion_scale).to_owned(),
                scale_inferred: source.scale_inferred,
                columns: context
                    .source_columns
                    .get(index)
                    .cloned()
                    .unwrap_or_default(),
            })
            .collect(),
        notes: report.notes.clone(),
        cards: Cards {
            rows: report.rows.total,
            filtered_out: report.rows.filtered_out,
            student_rows: report.rows.student,
            duplicates_removed: report.rows.duplicates_removed,
            learners: report.summary.learners,
            courses: report.summary.courses,
            videos: report.summary.videos,
            mean_completion: report.summary.mean_completion,
            rules_failed: status_count(Status::Fail),
            rules_warned: status_count(Status::Warn),
        },
        most_watched: report.most_watched_learner.as_ref().map(learner),
        top: report.learners_top.iter().map(learner).collect(),
        bottom: report.learners_bottom.iter().map(learner).collect(),
        courses: report
            .courses
            .iter()
            .map(|course| CourseView {
                course: course.course_id.clone(),
                code: course
                    .course_code
                    .clone()
                    .filter(|code| *code != course.course_id),
                views: course.views,
                learners: course.learners,
                videos: course.videos,
                avg_completion: course.avg_completion,
                top: course.top.iter().map(video_line).collect(),
                bottom: course.bottom.iter().map(video_line).collect(),
            })
            .collect(),
        histogram: report
            .completion_histogram
            .iter()
            .map(|bin| Bin {
                from: bin.from,
                to: bin.to,
                count: bin.count,
            })
            .collect(),
        daily: report
            .daily
            .iter()
            .filter(|day| !is_future(&day.date))
            .map(|day| Day {
                date: day.date.clone(),
                views: day.views,
                avg_completion: day.avg_completion,
            })
            .collect(),
        quality: report
            .quality
            .rules
            .iter()
            .map(|rule| RuleView {
                name: rule.name.to_owned(),
                description: rule.description.to_owned(),
                severity: format!("{:?}", rule.severity).to_lowercase(),
                threshold: match rule.threshold {
                    Threshold::Count(rows) => {
                        format!("{rows} row{}", if rows == 1 { "" } else { "s" })
                    }
                    Threshold::Percent(percent) => format!("{percent}%"),
                },
                count: rule.count,
                percent: rule.percent,
                status: format!("{:?}", rule.status).to_lowercase(),
                details: rule
                    .details
                    .iter()
                    .map(|detail| (detail.value.clone(), detail.count))
                    .collect(),
                samples: rule.samples.len() as u64,
            })
            .collect(),
        future_days: report
            .daily
            .iter()
            .filter(|day| is_future(&day.date))
            .count() as u64,
        quality_passed: report.quality.passed,
        all_courses,
        date_span: context.date_span,
        settings: context.settings,
        elapsed_ms: 0.0,
    }
}

#[cfg(test)]
#[test]
fn future_days_are_left_out_of_the_series() {
    use coursepulse_engine::{Analysis, Options};
    let csv = "student_id,video_id,completion,watched_at\n\
               S1,V1,50,2025-03-01T00:00:00Z\nS1,V2,70,2025-03-02T00:00:00Z\n\
               S2,V1,90,2099-01-01T00:00:00Z\n";
    let mut analysis = Analysis::new(Options::default()).unwrap();
    analysis.add_csv("t.csv", csv.as_bytes()).unwrap();
    let context = Context {
        today: Some("2025-06-01".into()),
        ..Context::default()
    };
    let view = dashboard(&analysis.report(), context);
    let days: Vec<&str> = view.daily.iter().map(|day| day.date.as_str()).collect();
    assert_eq!(days, ["2025-03-01", "2025-03-02"]);
    assert_eq!(view.future_days, 1);
}

fn scale_name(scale: coursepulse_engine::Scale) -> &'static str {
    match scale {
        coursepulse_engine::Scale::Percent => "percent",
        coursepulse_engine::Scale::Fraction => "fraction",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use coursepulse_engine::{Analysis, Options};

    #[test]
    fn dashboard_carries_the_report_in_small_pieces() {
        let csv = "student_id,video_id,course_id,course_code,role,completion_rate_percent\n\
                   S1,V1,C1,CSC101,Student,90\nS2,V1,C1,CSC101,student ,\n\
                   S2,V2,C1,CSC101,Student,150\nS3,V2,C2,,Teacher,10\n";
        let mut analysis = Analysis::new(Options::default()).unwrap();
        analysis.add_csv("t.csv", csv.as_bytes()).unwrap();
        let report = analysis.report();
        let context = Context {
            source_bytes: vec![csv.len() as u64],
            all_courses: analysis.courses_seen(),
            ..Context::default()
        };
        let view = dashboard(&report, context);
        assert_eq!(view.cards.rows, 4);
        assert_eq!(view.cards.student_rows, 3);
        assert_eq!(view.sources[0].bytes, csv.len() as u64);
        assert_eq!(view.top[0].student_id, "S1");
        assert_eq!(view.most_watched.as_ref().unwrap().student_id, "S2");
        assert_eq!(view.courses[0].code.as_deref(), Some("CSC101"));
        assert_eq!(
            view.all_courses,
            [
                ("C1".to_owned(), "CSC101 (C1)".to_owned()),
                ("C2".to_owned(), "C2".to_owned())
            ]
        );
        let range = view
            .quality
            .iter()
            .find(|rule| rule.name == "completion_in_range")
            .unwrap();
        assert_eq!((range.count, range.samples), (1, 1));
        assert_eq!(range.status, "fail");
        assert!(!view.quality_passed);
        assert!(
            view.daily.is_empty() && view.future_days == 0,
            "no timestamp column"
        );
        assert_eq!(view.cards.rules_failed as usize, {
            view.quality
                .iter()
                .filter(|rule| rule.status == "fail")
                .count()
        });
    }
}
