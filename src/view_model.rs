//! Turns the engine's [`Report`] into the compact [`Dashboard`] the page renders: everything
//! but the long tables, which stay in the worker and are paged (see `tables.rs`).

use coursepulse_engine::{Crossed, Report, Severity, Status};

use crate::worker::protocol::{
    Bin, Cards, CourseView, Dashboard, Day, DbtRuleView, DbtUnsupportedView, FileView, LearnerView,
    LineageView, MetadataView, PruningView, RuleView, Settings, SourceView, VideoLine,
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

/// The metadata panel's view: files as their footers describe them, and each metric family's
/// lineage as the engine counted it.
pub fn metadata(report: &Report) -> MetadataView {
    MetadataView {
        files: report
            .files
            .iter()
            .map(|file| FileView {
                name: file.name.clone(),
                format: file.format.clone(),
                size: file.size,
                fingerprint: file.fingerprint.clone(),
                rows: file.rows,
                row_groups: file.row_groups,
                compression: file.compression.clone(),
                created_by: file.created_by.clone(),
                columns: file
                    .columns
                    .iter()
                    .map(|column| {
                        let name = column.name.clone();
                        (name, column.data_type.clone(), column.description.clone())
                    })
                    .collect(),
            })
            .collect(),
        rows_in: report.lineage.rows_in,
        lineage: report
            .lineage
            .metrics
            .iter()
            .map(|family| LineageView {
                metric: family.metric.to_owned(),
                description: family.description.to_owned(),
                rows_in: family.rows_in,
                steps: family
                    .steps
                    .iter()
                    .map(|step| (step.step.to_owned(), step.rows))
                    .collect(),
                rows_used: family.rows_used,
            })
            .collect(),
    }
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
        metadata: metadata(report),
        attention: crate::attention::attention(report),
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
        top_n: report.lists.top_n,
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
                warn_if: rule.warn_if.to_string(),
                error_if: match rule.severity {
                    Severity::Error => rule.error_if.to_string(),
                    Severity::Warn => "never".to_owned(),
                },
                crossed: match rule.crossed {
                    Some(Crossed::WarnIf) => "warn_if",
                    Some(Crossed::ErrorIf) => "error_if",
                    None => "",
                }
                .to_owned(),
                count: rule.count,
                percent: rule.percent,
                status: lowercase_name(&rule.status),
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
        dbt: report
            .quality
            .dbt
            .iter()
            .map(|rule| DbtRuleView {
                name: rule.name.clone(),
                test: rule.test.to_owned(),
                column: rule.column.clone(),
                severity: lowercase_name(&rule.severity),
                count: rule.count,
                status: lowercase_name(&rule.status),
                samples: rule.samples.len() as u64,
            })
            .collect(),
        dbt_unsupported: report
            .quality
            .dbt_unsupported
            .iter()
            .map(|test| DbtUnsupportedView {
                test: test.test.clone(),
                model: test.model.clone(),
                column: test.column.clone(),
            })
            .collect(),
        all_courses,
        date_span: context.date_span,
        settings: context.settings,
        elapsed_ms: 0.0,
        from_kept_rows: false,
        bytes_read: 0,
        workers: 0,
        pruning: PruningView {
            files: report.pruning.files,
            files_skipped: report.pruning.files_skipped,
            row_groups: report.pruning.row_groups,
            row_groups_skipped: report.pruning.row_groups_skipped,
            bytes: report.pruning.bytes,
            bytes_skipped: report.pruning.bytes_skipped,
            files_already_loaded: report.pruning.files_already_loaded,
        },
        restored: None,
        added: None,
        storage: Default::default(),
        comparison: None,
        events: None,
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

/// A severity or status as the page shows it (`Fail` -> `fail`), for built-in rules and dbt
/// tests alike.
fn lowercase_name(value: &impl std::fmt::Debug) -> String {
    format!("{value:?}").to_lowercase()
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

    #[test]
    fn metadata_lists_the_file_and_what_each_family_dropped() {
        let csv = "student_id,video_id,course_id,role,completion_rate_percent\n\
                   S1,V1,C1,Student,90\nS2,V1,C1,student ,\nS2,V2,C1,Student,150\n\
                   S3,V2,C2,Teacher,10\n";
        let mut analysis = Analysis::new(Options::default()).unwrap();
        analysis.add_csv("t.csv", csv.as_bytes()).unwrap();
        let view = dashboard(&analysis.report(), Context::default());
        let file = &view.metadata.files[0];
        assert_eq!((file.name.as_str(), file.format.as_str()), ("t.csv", "csv"));
        assert_eq!((file.rows, file.size), (4, csv.len() as u64));
        assert_eq!(file.fingerprint.len(), 32, "{}", file.fingerprint);
        let columns: Vec<&str> = file
            .columns
            .iter()
            .map(|(name, ..)| name.as_str())
            .collect();
        assert_eq!(
            columns,
            [
                "student_id",
                "video_id",
                "course_id",
                "role",
                "completion_rate_percent"
            ]
        );
        assert_eq!(view.metadata.rows_in, 4);
        let averages = view
            .metadata
            .lineage
            .iter()
            .find(|family| family.metric == "learner_averages")
            .unwrap();
        let dropped = |step: &str| {
            averages
                .steps
                .iter()
                .find(|(name, _)| name == step)
                .map(|(_, rows)| *rows)
        };
        assert_eq!(dropped("non_student"), Some(1), "S3 is a teacher");
        assert_eq!(dropped("invalid_completion"), Some(2), "S2's NULL and 150");
        let total: u64 = averages.steps.iter().map(|(_, rows)| rows).sum();
        assert_eq!(averages.rows_in - total, averages.rows_used);
        assert_eq!(
            averages.rows_used, 1,
            "only S1's 90 is a valid student completion"
        );
    }

    #[test]
    fn dbt_tests_reach_the_dashboard_and_their_samples_table_masked() {
        use crate::tables;
        use crate::worker::protocol::{Cell, TableId};
        let csv = "student_id,video_id,completion_rate_percent\nS1,V1,90\nS1,V2,50\nS2,V1,70\n";
        let schema = "models:\n  - name: logs\n    columns:\n      - name: student_id\n        \
                      tests: [not_null, unique]\n      - name: video_id\n        \
                      tests: [relationships]\n";
        let analyse = |masking| {
            let mut analysis = Analysis::new(Options {
                dbt: Some(coursepulse_engine::DbtSchema::parse(schema).unwrap()),
                masking,
                ..Options::default()
            })
            .unwrap();
            analysis.add_csv("t.csv", csv.as_bytes()).unwrap();
            analysis.report()
        };
        let report = analyse(None);
        let view = dashboard(&report, Context::default());
        let rows: Vec<(&str, &str, &str, u64, u64)> = view
            .dbt
            .iter()
            .map(|rule| {
                let name = rule.name.as_str();
                (
                    name,
                    rule.column.as_str(),
                    rule.status.as_str(),
                    rule.count,
                    rule.samples,
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("not_null_logs_student_id", "student_id", "pass", 0, 0),
                ("unique_logs_student_id", "student_id", "fail", 1, 1)
            ]
        );
        assert_eq!(view.dbt_unsupported[0].test, "relationships");
        assert_eq!(view.dbt_unsupported[0].column.as_deref(), Some("video_id"));
        let samples = |report: &coursepulse_engine::Report| {
            let table = TableId::DbtSamples {
                test: "unique_logs_student_id".into(),
            };
            let table = tables::build(report, &table).expect("the test's samples");
            let column = table
                .columns
                .iter()
                .position(|column| column.label == "student_id")
                .unwrap();
            table.rows[0][column].clone()
        };
        assert_eq!(samples(&report), Cell::Text("S1".into()));
        let masked = analyse(Some(coursepulse_engine::Masking::new("k")));
        let Cell::Text(pseudonym) = samples(&masked) else {
            panic!("a learner id is text");
        };
        assert!(pseudonym.starts_with("L-"), "{pseudonym}");
        let unknown = TableId::DbtSamples {
            test: "nonsense".into(),
        };
        assert!(tables::build(&report, &unknown).is_none());
    }

    #[test]
    fn pruning_counts_come_from_the_report() {
        use coursepulse_engine::Partitioning;
        // The folder's date is the rows' only time, so it may skip a file (a file with a time
        // column of its own is skipped only by its statistics).
        let day = |student: &str| format!("student_id,video_id,completion\n{student},V1,50\n");
        let mut options = Options::default();
        options.filter.from_micros =
            Some(coursepulse_engine::parse_time_micros("2025-03-02").unwrap());
        let mut analysis = Analysis::new(options).unwrap();
        let names = ["date=2025-03-01/a.csv", "date=2025-03-02/a.csv"];
        analysis
            .set_partitioning(Partitioning::infer(&names))
            .unwrap();
        analysis.add_csv(names[0], day("S0").as_bytes()).unwrap();
        analysis.add_csv(names[1], day("S1").as_bytes()).unwrap();
        // The same content again is recognised and skipped.
        analysis.add_csv("copy.csv", day("S1").as_bytes()).unwrap();
        let view = dashboard(&analysis.report(), Context::default());
        assert_eq!(view.pruning.files, 2);
        assert_eq!(view.pruning.files_skipped, 1);
        assert_eq!(view.pruning.files_already_loaded, 1);
        assert_eq!(view.pruning.bytes_skipped, day("S0").len() as u64);
        assert_eq!(view.cards.rows, 1);
        assert!(view.restored.is_none() && view.added.is_none());
    }
}
