//! Lineage: for each metric family, the rows that came in, the rows each step dropped, and the
//! rows the metric used, so that every number on the dashboard can be traced back to the input.

use serde::Serialize;

use crate::compute::aggregate::Aggregator;
use crate::input::prune::Pruning;

/// Where the rows of every metric family went, from the input to the figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Lineage {
    /// Every row of every input: read, or skipped by pruning without being read.
    pub rows_in: u64,
    /// One entry per metric family; in each, `rows_in - sum(steps) == rows_used`.
    pub metrics: Vec<MetricLineage>,
}

/// The path of the rows of one metric family.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MetricLineage {
    /// `learner_views`, `learner_averages`, `video_averages` or `course_averages`.
    pub metric: &'static str,
    /// What the family's figures are (which report lists use these rows).
    pub description: &'static str,
    /// Rows the family starts from (the dataset's `rows_in`).
    pub rows_in: u64,
    /// The steps that drop rows, in pipeline order (a step that drops nothing is listed too).
    pub steps: Vec<LineageStep>,
    /// Rows the figures are computed from.
    pub rows_used: u64,
}

/// One step that drops rows.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LineageStep {
    /// `pruned`, `filtered_out`, `duplicates_removed`, `non_student`, `invalid_completion`,
    /// `no_learner_id`, `no_video` or `no_course`.
    pub step: &'static str,
    /// Rows dropped by this step.
    pub rows: u64,
}

/// Builds the lineage from the accumulators: the student rows and valid completions that each
/// family's stats hold are summed here, so the steps are measured, not assumed.
pub(crate) fn lineage(aggregator: &Aggregator, pruning: &Pruning) -> Lineage {
    let rows_in = aggregator.rows_total + aggregator.filtered_out;
    let pruned = pruning.rows_skipped.min(aggregator.filtered_out);
    let filtered_out = aggregator.filtered_out - pruned;
    let duplicates = aggregator.duplicates;
    let student = aggregator.totals.views.max(0) as u64;
    let valid = aggregator.totals.valid.max(0) as u64;
    let kept = aggregator.rows_total.saturating_sub(duplicates);
    let non_student = kept.saturating_sub(student);
    let invalid = student.saturating_sub(valid);

    let learner_views: u64 = aggregator
        .learners
        .iter()
        .map(|stats| stats.views.max(0) as u64)
        .sum();
    let learner_valid: u64 = aggregator
        .learners
        .iter()
        .map(|stats| stats.valid.max(0) as u64)
        .sum();
    let video_valid: u64 = aggregator
        .video_stats()
        .iter()
        .map(|stats| stats.valid.max(0) as u64)
        .sum();
    let course_valid: u64 = aggregator
        .course_stats
        .iter()
        .map(|stats| stats.valid.max(0) as u64)
        .sum();

    let common = [
        ("pruned", pruned),
        ("filtered_out", filtered_out),
        ("duplicates_removed", duplicates),
        ("non_student", non_student),
    ];
    let family = |metric, description, extra: &[(&'static str, u64)], rows_used| MetricLineage {
        metric,
        description,
        rows_in,
        steps: common
            .iter()
            .chain(extra)
            .map(|(step, rows)| LineageStep { step, rows: *rows })
            .collect(),
        rows_used,
    };
    Lineage {
        rows_in,
        metrics: vec![
            family(
                "learner_views",
                "Views and videos watched per learner (the most-watched learner, the views columns)",
                &[("no_learner_id", student.saturating_sub(learner_views))],
                learner_views,
            ),
            family(
                "learner_averages",
                "Average completion per learner (top, bottom and every learner ranked)",
                &[
                    ("invalid_completion", invalid),
                    ("no_learner_id", valid.saturating_sub(learner_valid)),
                ],
                learner_valid,
            ),
            family(
                "video_averages",
                "Average completion per video (the video list)",
                &[
                    ("invalid_completion", invalid),
                    ("no_video", valid.saturating_sub(video_valid)),
                ],
                video_valid,
            ),
            family(
                "course_averages",
                "Average completion per course (course totals; per-course videos also need a video)",
                &[
                    ("invalid_completion", invalid),
                    ("no_course", valid.saturating_sub(course_valid)),
                ],
                course_valid,
            ),
        ],
    }
}
