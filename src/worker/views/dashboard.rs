//! The dashboard's view model: everything the page shows at once after a load (cards, lists,
//! quality, charts, metadata, what is stored), small whatever the data size.

use serde::{Deserialize, Serialize};

use super::settings::Settings;

/// Everything the dashboard shows at once: small, whatever the data size (the long tables are
/// paged with [`TableQuery`](super::table::TableQuery)).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    /// The inputs read.
    pub sources: Vec<SourceView>,
    /// Notes about the data (no role column, scale inferred, ...).
    pub notes: Vec<String>,
    /// Headline numbers.
    pub cards: Cards,
    /// The learner with the most watched videos.
    pub most_watched: Option<LearnerView>,
    /// The learners with `RANK() <= N` by average completion (ties at the cut included, so
    /// there may be more than N).
    pub top: Vec<LearnerView>,
    /// The learners with `RANK() <= N` from the bottom.
    pub bottom: Vec<LearnerView>,
    /// N, as the engine cut the lists at.
    #[serde(default)]
    pub top_n: u64,
    /// Every course with its top and bottom videos.
    pub courses: Vec<CourseView>,
    /// Completion histogram (valid values of de-duplicated student rows).
    pub histogram: Vec<Bin>,
    /// Views and average completion per day, when the data has a timestamp (up to today).
    pub daily: Vec<Day>,
    /// Days with rows dated after today (flagged by `timestamp_not_future`), not in `daily`.
    pub future_days: u64,
    /// One entry per quality rule.
    pub quality: Vec<RuleView>,
    /// No error-severity rule failed.
    pub quality_passed: bool,
    /// The dbt schema's tests, in file order (empty without a schema).
    #[serde(default)]
    pub dbt: Vec<DbtRuleView>,
    /// The dbt schema's tests that were not run, by name.
    #[serde(default)]
    pub dbt_unsupported: Vec<DbtUnsupportedView>,
    /// Every course key and label, for the course filter (whatever the current filter).
    pub all_courses: Vec<(String, String)>,
    /// The data's first and last day (`YYYY-MM-DD`), when it has a timestamp.
    pub date_span: Option<(String, String)>,
    /// The settings this dashboard was computed with.
    pub settings: Settings,
    /// Milliseconds from the request to this dashboard, measured in the worker.
    pub elapsed_ms: f64,
    /// Set when this dashboard was computed from the rows kept in memory, without reading
    /// the files (a filter or list change on a loaded dataset).
    #[serde(default)]
    pub from_kept_rows: bool,
    /// Bytes read from the files (by range) to compute this dashboard.
    #[serde(default)]
    pub bytes_read: u64,
    /// Workers that read the files for this dashboard: more than one when a load's row groups
    /// were read in shares; 0 when no file was read (a filter from the kept rows, a restore).
    #[serde(default)]
    pub workers: usize,
    /// Files, row groups and bytes skipped before reading.
    #[serde(default)]
    pub pruning: PruningView,
    /// Set when this dashboard comes from storage, not from reading the files.
    #[serde(default)]
    pub restored: Option<RestoredView>,
    /// Set after an `Add`.
    #[serde(default)]
    pub added: Option<AddedView>,
    /// What is stored in this browser for the next visit.
    #[serde(default)]
    pub storage: StorageView,
    /// The files behind the figures and the rows each metric family used.
    #[serde(default)]
    pub metadata: MetadataView,
    /// Who and what needs attention (the overview), fixed-size whatever the data.
    #[serde(default)]
    pub attention: crate::attention::AttentionView,
    /// This period against the previous one of the same length, when both dates are set.
    #[serde(default)]
    pub comparison: Option<PeriodComparison>,
    /// What only player event logs tell, when the data is event logs (each (learner, video)
    /// pair is then a row of every other panel).
    #[serde(default)]
    pub events: Option<super::events::EventsView>,
}

/// The period before the filter's dates, as many days long, with its headline figures.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PeriodComparison {
    /// The previous period's first day, `YYYY-MM-DD`.
    pub from: String,
    /// Its last day (inclusive), `YYYY-MM-DD`.
    pub to: String,
    /// Its length in days.
    pub days: u64,
    /// Its figures, computed from the kept rows; `None` when they would need the files again.
    pub previous: Option<PeriodFigures>,
    /// Why `previous` is `None`.
    pub unavailable: Option<String>,
}

/// The headline figures of one period (the same filter's courses).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PeriodFigures {
    /// Mean of valid completions.
    pub mean_completion: Option<f64>,
    /// Distinct learners.
    pub learners: u64,
    /// Distinct videos.
    pub videos: u64,
    /// Rows (views).
    pub rows: u64,
}

/// The metadata panel: every input file, and the lineage of each metric family.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MetadataView {
    /// The inputs, in the order they were added.
    pub files: Vec<FileView>,
    /// Every row of every input (read, or skipped by pruning).
    pub rows_in: u64,
    /// One entry per metric family; in each, `rows_in - sum(steps) == rows_used`.
    pub lineage: Vec<LineageView>,
}

/// One input file as its footer (or the CSV reader) describes it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FileView {
    /// File name, path in a folder, or URL.
    pub name: String,
    /// `parquet` or `csv`.
    pub format: String,
    /// Bytes.
    pub size: u64,
    /// Content hash (32 hex digits).
    pub fingerprint: String,
    /// Rows the file holds.
    pub rows: u64,
    /// Parquet row groups (0 for CSV).
    pub row_groups: u64,
    /// Codecs of its column chunks.
    pub compression: Vec<String>,
    /// The writer (`created_by`).
    pub created_by: Option<String>,
    /// (name, type, description) per column, in file order.
    pub columns: Vec<(String, String, Option<String>)>,
}

/// The path of one metric family's rows.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LineageView {
    /// `learner_views`, `learner_averages`, `video_averages` or `course_averages`.
    pub metric: String,
    /// Which figures these rows make.
    pub description: String,
    /// Rows the family starts from.
    pub rows_in: u64,
    /// (step, rows dropped), in pipeline order.
    pub steps: Vec<(String, u64)>,
    /// Rows the figures are computed from.
    pub rows_used: u64,
}

/// One input.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SourceView {
    /// File name or URL.
    pub name: String,
    /// `parquet` or `csv`.
    pub format: String,
    /// Bytes.
    pub bytes: u64,
    /// Rows read.
    pub rows: u64,
    /// Row groups.
    pub row_groups: u64,
    /// (field, column) as resolved.
    pub mapping: Vec<(String, String)>,
    /// `percent` or `fraction`.
    pub scale: String,
    /// The scale was inferred from the values, not from the name or an override.
    pub scale_inferred: bool,
    /// Every column of the input, for the mapping screen.
    pub columns: Vec<String>,
}

/// The headline cards.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Cards {
    /// Rows read (after the filter).
    pub rows: u64,
    /// Rows the filter left out.
    pub filtered_out: u64,
    /// De-duplicated student rows.
    pub student_rows: u64,
    /// Extra copies removed.
    pub duplicates_removed: u64,
    /// Distinct learners.
    pub learners: u64,
    /// Distinct courses.
    pub courses: u64,
    /// Distinct videos.
    pub videos: u64,
    /// Mean of valid completions.
    pub mean_completion: Option<f64>,
    /// Rules failed, warned, passed.
    pub rules_failed: u64,
    /// Rules over a warn-severity threshold.
    pub rules_warned: u64,
}

impl Dashboard {
    /// Why a learner list is longer than the N asked for, in words: `RANK() <= N` keeps
    /// everyone tied at the cut. `None` when the list is not longer.
    pub fn tie_note(&self, rows: &[LearnerView]) -> Option<String> {
        let cut = rows.last()?.rank?;
        if rows.len() as u64 <= self.top_n {
            return None;
        }
        let tied = rows.iter().filter(|row| row.rank == Some(cut)).count();
        Some(format!(
            "{} listed, not {}: {tied} learners tie at rank {cut}, and a tie at the cut keeps them all.",
            rows.len(),
            self.top_n
        ))
    }
}

/// A learner line.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LearnerView {
    /// SQL `RANK()` by average completion; `None` when unranked.
    pub rank: Option<u64>,
    /// Learner id.
    pub student_id: String,
    /// Distinct videos watched.
    pub videos_watched: u64,
    /// Rows.
    pub views: u64,
    /// Mean of valid completions.
    pub avg_completion: Option<f64>,
}

/// A course with its extremes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CourseView {
    /// Course key.
    pub course: String,
    /// Course code, when the data has both id and code.
    pub code: Option<String>,
    /// Rows.
    pub views: u64,
    /// Distinct learners.
    pub learners: u64,
    /// Distinct videos.
    pub videos: u64,
    /// Mean of valid completions.
    pub avg_completion: Option<f64>,
    /// Most engaged videos.
    pub top: Vec<VideoLine>,
    /// Least engaged videos.
    pub bottom: Vec<VideoLine>,
}

/// A video inside a course's list.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct VideoLine {
    /// Video key.
    pub video: String,
    /// Title, when the data has one.
    pub title: Option<String>,
    /// Rows.
    pub views: u64,
    /// Mean of valid completions.
    pub avg_completion: f64,
}

/// A histogram bin.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Bin {
    /// Lower bound (inclusive).
    pub from: f64,
    /// Upper bound (exclusive, but 100 is in the last bin).
    pub to: f64,
    /// Values in it.
    pub count: u64,
}

/// One day.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Day {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Rows.
    pub views: u64,
    /// Mean of valid completions.
    pub avg_completion: Option<f64>,
}

/// A quality rule's outcome.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RuleView {
    /// Rule name.
    pub name: String,
    /// What it flags.
    pub description: String,
    /// Above this the rule warns, as text (`0 rows`, `2.5%`).
    pub warn_if: String,
    /// Above this the rule fails, as text; `never` when the severity is warn.
    pub error_if: String,
    /// The level crossed: `warn_if`, `error_if`, or empty when none was.
    pub crossed: String,
    /// Offending rows.
    pub count: u64,
    /// Offending rows as a percentage of all rows.
    pub percent: f64,
    /// `pass`, `warn`, `fail` or `skipped`.
    pub status: String,
    /// Distinct offending values with counts (roles).
    pub details: Vec<(Option<String>, u64)>,
    /// Sampled offending rows (the `QualitySamples` table pages through them).
    pub samples: u64,
}

/// A dbt test's outcome.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DbtRuleView {
    /// The name dbt gives the test, e.g. `not_null_watch_logs_student_id`.
    pub name: String,
    /// `not_null`, `unique`, `accepted_values` or
    /// `dbt_expectations.expect_column_values_to_be_between`.
    pub test: String,
    /// The column tested.
    pub column: String,
    /// `error` or `warn`.
    pub severity: String,
    /// Failures as `dbt test` counts them.
    pub count: u64,
    /// `pass`, `warn`, `fail` or `skipped` (no input has the column).
    pub status: String,
    /// Sampled offending rows (the `DbtSamples` table pages through them).
    pub samples: u64,
}

/// A dbt test the engine does not run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DbtUnsupportedView {
    /// The test's name as written, e.g. `relationships`.
    pub test: String,
    /// The model.
    pub model: String,
    /// The column, for a column test.
    pub column: Option<String>,
}

/// The dataset kept in this browser between visits.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StorageView {
    /// Bytes stored (0 when nothing is).
    pub bytes: u64,
    /// `Origin Private File System`, `IndexedDB`, or empty when the browser offers neither.
    pub backend: String,
    /// Why the last dataset was not stored, or why a stored one could not be used.
    pub note: Option<String>,
}

/// A dataset shown from storage rather than read from its files.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RestoredView {
    /// When it was stored, `YYYY-MM-DD HH:MM UTC`.
    pub saved_at: String,
    /// The inputs it holds.
    pub files: Vec<String>,
    /// Some inputs were local files, so settings that need the rows (filters, mapping) cannot
    /// be changed until they are opened again.
    pub needs_files_to_refilter: bool,
    /// Whether the stored analysis kept its rows, so that filters need no file (a new column
    /// mapping or dbt schema still does).
    #[serde(default)]
    pub rows_kept: bool,
}

/// What pruning and the fingerprint check spared (the engine's `Report.pruning`, summed over
/// every load of this dataset).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PruningView {
    /// Inputs added.
    pub files: u64,
    /// Inputs skipped whole (a partition value, or every row group's statistics, outside the
    /// filter).
    pub files_skipped: u64,
    /// Row groups in the inputs added.
    pub row_groups: u64,
    /// Row groups skipped by their statistics.
    pub row_groups_skipped: u64,
    /// Bytes that reading everything would decode.
    pub bytes: u64,
    /// Of those, bytes not read.
    pub bytes_skipped: u64,
    /// Inputs refused because the same content was already loaded.
    pub files_already_loaded: u64,
}

/// What the last `Add` did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddedView {
    /// Inputs read for the first time.
    pub new_files: u64,
    /// Inputs recognised by content and skipped.
    pub already_loaded: u64,
}
