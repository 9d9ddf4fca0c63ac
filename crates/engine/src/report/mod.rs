//! The report: the engine's whole answer, serialisable as the documented JSON (docs/report-schema.md).

pub(crate) mod lineage;
pub(crate) mod masking;
pub(crate) mod rank;

use serde::Serialize;

use crate::columns::{Scale, ScaleCheck};
use crate::input::metadata::FileMetadata;
use crate::input::prune::Pruning;
use crate::report::lineage::Lineage;
use crate::rules::quality::QualityReport;

/// The full answer for one dataset (one or more inputs analysed together).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// Version of this JSON shape.
    pub schema_version: u32,
    /// One entry per input, in the order they were added.
    pub sources: Vec<SourceInfo>,
    /// Remarks a reader needs to trust the numbers (no role column, inferred scale, ...).
    pub notes: Vec<String>,
    /// Row counts through the pipeline.
    pub rows: RowCounts,
    /// Headline figures.
    pub summary: Summary,
    /// How long the ranked lists were asked to be (what the lists below were cut at).
    pub lists: Lists,
    /// The learner with the most distinct watched videos.
    pub most_watched_learner: Option<LearnerRow>,
    /// The learners with `RANK() <= N` by average completion, best first: everyone tied at the
    /// cut is listed, so the list may be longer than N.
    pub learners_top: Vec<LearnerRow>,
    /// The learners with `RANK() <= N` by ascending average completion, lowest first (ties at
    /// the cut included, as for the top list).
    pub learners_bottom: Vec<LearnerRow>,
    /// Every learner: ranked ones by average completion, then unranked ones (no valid completion).
    pub learners: Vec<LearnerRow>,
    /// Average completion per video, best first, videos below the minimum views left out.
    pub videos: Vec<VideoRow>,
    /// Per course: totals and the most and least engaged videos.
    pub courses: Vec<CourseRow>,
    /// Valid completions of student rows in ten 10-point bins (the last includes 100).
    pub completion_histogram: Vec<HistogramBin>,
    /// Student rows per UTC day of the time column, when there is one.
    pub daily: Vec<DailyRow>,
    /// Data-quality rules and their findings.
    pub quality: QualityReport,
    /// Files, row groups and bytes skipped by the filter before being read, and inputs refused
    /// as already loaded. Never changes any other figure.
    pub pruning: Pruning,
    /// Rows in, rows dropped at each step and rows used, per metric family.
    pub lineage: Lineage,
    /// Per input file: size, content hash, row groups, codecs, writer, schema with descriptions.
    pub files: Vec<FileMetadata>,
}

/// The list sizes and minimums the report's lists were built with, so that a reader can tell a
/// list lengthened by ties at the cut (`RANK() <= top_n`) from the size asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Lists {
    /// N of the top and bottom learner lists.
    pub top_n: u64,
    /// Most and least engaged videos listed per course.
    pub per_course_n: u64,
    /// Minimum views for a video to be listed.
    pub min_views: u64,
    /// Minimum distinct videos for a learner to enter the top and bottom lists.
    pub min_videos: u64,
}

/// What was read from one input.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SourceInfo {
    /// The name the caller gave (file name or URL).
    pub name: String,
    /// `parquet` or `csv`.
    pub format: String,
    /// Rows read.
    pub rows: u64,
    /// Parquet row groups (0 for CSV).
    pub row_groups: usize,
    /// Field name -> column name, for every mapped field.
    pub mapping: Vec<(String, String)>,
    /// The completion scale used for this input.
    pub completion_scale: Scale,
    /// Whether the scale was inferred from the values (rather than the name or an override).
    pub scale_inferred: bool,
    /// The completion values as stored, which the scale check judges the scale by.
    pub scale_check: ScaleCheck,
}

/// Row counts through the pipeline.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct RowCounts {
    /// All rows read (within the filter, when one is set).
    pub total: u64,
    /// Rows skipped because they are outside the filter (course, time range).
    pub filtered_out: u64,
    /// Extra copies of a unique key that were dropped.
    pub duplicates_removed: u64,
    /// De-duplicated rows whose role is Student (all of them when there is no role column).
    pub student: u64,
    /// Student rows with a valid completion (the rows every average uses).
    pub valid_completion: u64,
}

/// Headline figures over de-duplicated student rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Summary {
    /// Distinct non-NULL student ids.
    pub learners: u64,
    /// Distinct non-NULL courses.
    pub courses: u64,
    /// Distinct non-NULL videos.
    pub videos: u64,
    /// Mean of valid completions.
    pub mean_completion: Option<f64>,
}

/// One learner's figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LearnerRow {
    /// SQL `RANK()` by average completion in the list's order; `None` when unranked.
    pub rank: Option<u64>,
    /// The learner's id, as text.
    pub student_id: String,
    /// Distinct non-NULL videos.
    pub videos_watched: u64,
    /// Rows.
    pub views: u64,
    /// Mean of valid completions, rounded to 9 decimals; `None` when there is none.
    pub avg_completion: Option<f64>,
}

/// One video's figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VideoRow {
    /// The video key (id, or title when there is no id column).
    pub video_id: String,
    /// Smallest non-NULL title seen for the video.
    pub video_title: Option<String>,
    /// Smallest course key the video appears under.
    pub course_id: Option<String>,
    /// Student rows.
    pub views: u64,
    /// Distinct non-NULL learners.
    pub learners: u64,
    /// Mean of valid completions, rounded to 9 decimals.
    pub avg_completion: Option<f64>,
}

/// One course's figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CourseRow {
    /// The course key (id, or code when there is no id column).
    pub course_id: String,
    /// Smallest non-NULL course code seen for the course.
    pub course_code: Option<String>,
    /// Student rows.
    pub views: u64,
    /// Distinct non-NULL learners.
    pub learners: u64,
    /// Distinct non-NULL videos.
    pub videos: u64,
    /// Mean of valid completions, rounded to 9 decimals.
    pub avg_completion: Option<f64>,
    /// Most engaged videos: average desc, then video id asc.
    pub top: Vec<CourseVideoRow>,
    /// Least engaged videos: average asc, then video id asc.
    pub bottom: Vec<CourseVideoRow>,
}

/// A video within one course.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CourseVideoRow {
    /// The video key.
    pub video_id: String,
    /// Smallest non-NULL title seen for the video.
    pub video_title: Option<String>,
    /// Student rows of this video in this course.
    pub views: u64,
    /// Mean of valid completions in this course, rounded to 9 decimals.
    pub avg_completion: f64,
}

/// One bin of the completion histogram.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct HistogramBin {
    /// Lower bound, inclusive.
    pub from: f64,
    /// Upper bound, exclusive (inclusive for the last bin).
    pub to: f64,
    /// Valid completions in the bin.
    pub count: u64,
}

/// Student rows of one UTC day.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DailyRow {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Student rows that day.
    pub views: u64,
    /// Mean of valid completions that day.
    pub avg_completion: Option<f64>,
}
