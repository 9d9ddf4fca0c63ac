//! The messages between the page and the analysis worker: the one place their shape is defined.
//!
//! Every message crosses `postMessage` as a JSON string. The page sends
//! `{ "request": "<Request JSON>", "files": [File, ...] }` (the `File` handles ride beside the
//! JSON because they cannot be serialised; the worker reads them itself, so the page never holds
//! a copy of the bytes); the worker answers with `"<Response JSON>"`. Requests carry an `id`;
//! every response names the request it answers, and a request is finished by exactly one of
//! `Dashboard`, `Page`, `Csv`, `Stored`, `Error` or `Cancelled`. `Progress` may come any number of times
//! before that. The worker sends `Response { id: 0, kind: Ready }` once, when it can take work.

use serde::{Deserialize, Serialize};

/// A unit of work for the worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// Chosen by the page, echoed by every response to it; 0 is reserved for `Ready`.
    pub id: u32,
    /// What to do.
    pub kind: RequestKind,
}

/// What the page asks for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RequestKind {
    /// Read a new dataset and analyse it. On success it replaces the current one; on error or
    /// cancel the current one is kept.
    Open {
        /// Where the bytes come from.
        source: SourceSpec,
        /// Filters, mapping and list sizes.
        settings: Settings,
        /// Whether this dataset may be kept in the browser's storage (and continue from what
        /// is stored there): false in the embed, which never restores nor stores.
        #[serde(default = "yes")]
        persist: bool,
    },
    /// Analyse the current dataset again with new settings (filters or mapping changed).
    Reanalyse {
        /// The new settings.
        settings: Settings,
    },
    /// Re-list the current analysis with other N values or masking; reads nothing.
    Relist {
        /// Learners in the top and bottom lists.
        top_n: usize,
        /// Videos in each course's top and bottom lists.
        per_course_n: usize,
        /// Masked mode (presentation only, so it needs no re-read).
        #[serde(default)]
        mask: bool,
        /// Its key.
        #[serde(default)]
        salt: Option<String>,
    },
    /// One page of a table.
    Page(TableQuery),
    /// A whole table (filter and sort applied, paging ignored) as CSV.
    Export(TableQuery),
    /// Add inputs to the current dataset: files it absorbed before (same content) are skipped,
    /// only new row groups are read, and the dashboard covers old and new rows.
    Add {
        /// The new inputs.
        source: SourceSpec,
    },
    /// Show the dataset stored in this browser by an earlier visit, if any (answered by
    /// `Dashboard` with `restored` set, or by `Stored` when nothing usable is stored).
    Restore,
    /// Erase everything stored in this browser (answered by `Stored`).
    Forget,
    /// Stop the request with this id (a load) as soon as possible.
    Cancel {
        /// The request to stop.
        target: u32,
    },
}

fn yes() -> bool {
    true
}

/// Where a dataset's bytes come from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SourceSpec {
    /// The `File` handles sent with the request, in order.
    Files {
        /// Their names relative to the folder they were picked from (`date=2025-03-01/a.parquet`),
        /// in the same order; empty means each file's own name.
        #[serde(default)]
        names: Vec<String>,
    },
    /// The sample bundled with the app.
    Sample,
    /// A URL, fetched by the worker (same origin or CORS-enabled).
    Url {
        /// Absolute or relative to the page.
        url: String,
    },
}

/// Everything that changes what is read or how rows count.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Only these courses (course id or code); empty means all.
    pub courses: Vec<String>,
    /// First day included, `YYYY-MM-DD` (UTC).
    pub from: Option<String>,
    /// Last day included, `YYYY-MM-DD` (UTC).
    pub to: Option<String>,
    /// Learners in the top and bottom lists (0 means the default, 10).
    pub top_n: usize,
    /// Videos in each course's lists (0 means the default, 3).
    pub per_course_n: usize,
    /// `percent` or `fraction`; `None` infers it.
    pub scale: Option<String>,
    /// Column overrides: (field name, column name or `None` for "not in this data").
    pub mapping: Vec<(String, Option<String>)>,
    /// Show learner ids (and name/email columns) as keyed pseudonyms; on by default in embeds.
    /// Carried here so that `settings::options` can hand it to the engine's masking.
    #[serde(default)]
    pub mask: bool,
    /// The pseudonyms' key, set by the user or the embedding page; `None` leaves the choice to
    /// the engine.
    #[serde(default)]
    pub salt: Option<String>,
    /// A dbt `schema.yml` whose column tests run as extra quality rules. The page reads the
    /// (small) file and carries its text, so a re-analysis or a saved state needs no file handle.
    #[serde(default)]
    pub dbt: Option<DbtFile>,
}

/// A dbt schema file the user added: its name (for messages) and its YAML text.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DbtFile {
    /// The file's name, e.g. `schema.yml`.
    pub name: String,
    /// The YAML text.
    pub text: String,
}

/// The tables the worker can page through.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TableId {
    /// Every learner, ranked by average completion.
    Learners,
    /// Every video with its average completion.
    Videos,
    /// The videos of one course.
    CourseVideos {
        /// The course's key as shown in the courses list.
        course: String,
    },
    /// The offending rows a quality rule sampled.
    QualitySamples {
        /// The rule's name.
        rule: String,
    },
    /// The offending rows a dbt test sampled.
    DbtSamples {
        /// The test's dbt name, e.g. `not_null_watch_logs_student_id`.
        test: String,
    },
}

impl TableId {
    /// A file name for this table's CSV download.
    pub fn file_stem(&self) -> String {
        match self {
            TableId::Learners => "learners".into(),
            TableId::Videos => "videos".into(),
            TableId::CourseVideos { course } => format!("course-{}-videos", safe_stem(course)),
            TableId::QualitySamples { rule } => format!("quality-{}", safe_stem(rule)),
            TableId::DbtSamples { test } => format!("dbt-{}", safe_stem(test)),
        }
    }
}

fn safe_stem(text: &str) -> String {
    text.chars()
        .map(|ch| {
            if ch.is_ascii_alphanumeric() || ch == '-' {
                ch
            } else {
                '_'
            }
        })
        .take(60)
        .collect()
}

/// Which rows of a table, in which order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TableQuery {
    /// The table.
    pub table: TableId,
    /// Column index to sort by, and direction; `None` keeps the table's natural order.
    pub sort: Option<Sort>,
    /// Case-insensitive substring over the text columns; empty matches every row.
    pub filter: String,
    /// Rows with fewer views are left out (tables with a views column only).
    pub min_views: u64,
    /// First row of the page, after filtering and sorting.
    pub offset: usize,
    /// Rows in the page.
    pub limit: usize,
}

/// A sort order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sort {
    /// Column index.
    pub column: usize,
    /// Largest first.
    pub descending: bool,
}

/// A reply.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Response {
    /// The request answered (0 for `Ready`).
    pub id: u32,
    /// The answer.
    pub kind: ResponseKind,
}

/// What the worker says.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ResponseKind {
    /// The worker is loaded and listening.
    Ready,
    /// A load advanced.
    Progress(Progress),
    /// The analysis is done (after `Open`, `Reanalyse`, `Add`, `Restore` or `Relist`).
    Dashboard(Box<Dashboard>),
    /// A table page.
    Page(TablePage),
    /// A table as CSV text.
    Csv {
        /// Suggested file name.
        file_name: String,
        /// The CSV, formula-injection safe.
        text: String,
    },
    /// The request failed; the previous dataset (if any) is still loaded.
    Error(ErrorView),
    /// The request was cancelled; the previous dataset (if any) is still loaded.
    Cancelled,
    /// What is stored in this browser (after `Forget`, or `Restore` with nothing to show).
    Stored(StorageView),
    /// The worker panicked and is about to stop (wasm aborts on panic), id 0: what went wrong,
    /// in the CLI's words when a decoder panicked on malformed bytes. Sent from the panic hook.
    Crashed {
        /// What went wrong.
        message: String,
    },
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
}

/// What pruning and the fingerprint check spared (the engine's `Report.pruning`, summed over
/// every load of this dataset).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PruningView {
    /// Inputs added.
    pub files: u64,
    /// Inputs skipped whole (partition value outside the filter).
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

/// How far a load has got.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// The input being read.
    pub file: String,
    /// Bytes read so far, over all inputs.
    pub bytes_done: u64,
    /// Bytes in all inputs.
    pub bytes_total: u64,
    /// Row groups (Parquet) or parts decoded so far.
    pub groups_done: u64,
    /// Row groups in all inputs.
    pub groups_total: u64,
}

/// Why a request failed, with what the page needs to help.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorView {
    /// The message to show, naming the input and what was expected.
    pub message: String,
    /// Present when the failure is a column mapping the user can fix.
    pub mapping: Option<MappingHelp>,
    /// The file needs a codec this worker leaves out; the worker with every codec can read it.
    #[serde(default)]
    pub needs_full_worker: bool,
}

impl ErrorView {
    /// A failure that is only its message (no mapping to fix, no codec to switch to).
    pub fn new(message: impl Into<String>) -> ErrorView {
        ErrorView {
            message: message.into(),
            mapping: None,
            needs_full_worker: false,
        }
    }
}

/// What the mapping screen shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MappingHelp {
    /// The input whose columns are listed.
    pub source: String,
    /// Its columns.
    pub columns: Vec<String>,
}

/// The fields a user can map, with the labels the mapping screen shows: (engine field name, as
/// in `--map`, label, required).
pub const MAPPABLE_FIELDS: &[(&str, &str, bool)] = &[
    ("student", "Learner id", true),
    ("video", "Video id", false),
    ("video_title", "Video title", false),
    ("course", "Course id", false),
    ("course_code", "Course code", false),
    ("completion", "Completion", true),
    ("role", "Role", false),
    ("event_id", "Event id", false),
    ("updated_at", "Last updated at", false),
    ("watched_at", "Watched at", false),
];

/// Everything the dashboard shows at once: small, whatever the data size (the long tables are
/// paged with [`TableQuery`]).
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
    /// Top N learners by average completion.
    pub top: Vec<LearnerView>,
    /// Bottom N learners by average completion.
    pub bottom: Vec<LearnerView>,
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
    /// `error` or `warn`.
    pub severity: String,
    /// Threshold as text (`0 rows`, `2.5%`).
    pub threshold: String,
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

/// One page of a table.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TablePage {
    /// Column headers.
    pub columns: Vec<Column>,
    /// The rows, already formatted for display.
    pub rows: Vec<Vec<Cell>>,
    /// Offset of the first row.
    pub offset: usize,
    /// Rows that pass the filter.
    pub matching: usize,
    /// Rows in the table.
    pub total: usize,
    /// The query answered.
    pub sort: Option<Sort>,
}

/// A column header.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Column {
    /// Label.
    pub label: String,
    /// Right-aligned and sorted numerically.
    pub numeric: bool,
}

/// A table cell.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Cell {
    /// A count or rank.
    Int(u64),
    /// A percentage or other real number.
    Real(f64),
    /// Text.
    Text(String),
    /// NULL or not applicable.
    Empty,
}

impl Cell {
    /// The cell as displayed: integers with thousands separators, reals with 2 decimals.
    pub fn display(&self) -> String {
        match self {
            Cell::Int(value) => group_thousands(*value),
            Cell::Real(value) => format!("{value:.2}"),
            Cell::Text(text) => text.clone(),
            Cell::Empty => String::new(),
        }
    }
}

/// `1234567` as `1,234,567`.
pub fn group_thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

impl Request {
    /// The JSON that crosses `postMessage`.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parses a request; the error names what was wrong.
    pub fn from_json(text: &str) -> Result<Request, String> {
        serde_json::from_str(text).map_err(|error| format!("malformed request: {error}"))
    }
}

impl Response {
    /// The JSON that crosses `postMessage`.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parses a response; the error names what was wrong.
    pub fn from_json(text: &str) -> Result<Response, String> {
        serde_json::from_str(text).map_err(|error| format!("malformed response: {error}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip_request(kind: RequestKind) {
        let request = Request { id: 7, kind };
        assert_eq!(Request::from_json(&request.to_json()), Ok(request));
    }

    #[test]
    fn every_request_round_trips() {
        let query = TableQuery {
            table: TableId::CourseVideos {
                course: "CSC101".into(),
            },
            sort: Some(Sort {
                column: 2,
                descending: true,
            }),
            filter: "intro".into(),
            min_views: 3,
            offset: 50,
            limit: 50,
        };
        round_trip_request(RequestKind::Open {
            source: SourceSpec::Url {
                url: "data/a.parquet".into(),
            },
            settings: Settings {
                courses: vec!["C1".into()],
                from: Some("2025-01-01".into()),
                mapping: vec![("student".into(), None)],
                mask: true,
                salt: Some("per-course key".into()),
                dbt: Some(DbtFile {
                    name: "schema.yml".into(),
                    text: "version: 2\n".into(),
                }),
                ..Settings::default()
            },
            persist: true,
        });
        round_trip_request(RequestKind::Open {
            source: SourceSpec::Files { names: Vec::new() },
            settings: Settings::default(),
            persist: false,
        });
        round_trip_request(RequestKind::Add {
            source: SourceSpec::Files {
                names: vec!["date=2025-03-01/part-0.parquet".into()],
            },
        });
        round_trip_request(RequestKind::Restore);
        round_trip_request(RequestKind::Forget);
        round_trip_request(RequestKind::Reanalyse {
            settings: Settings::default(),
        });
        round_trip_request(RequestKind::Relist {
            top_n: 5,
            per_course_n: 2,
            mask: true,
            salt: Some("key".into()),
        });
        round_trip_request(RequestKind::Page(query.clone()));
        round_trip_request(RequestKind::Export(query));
        round_trip_request(RequestKind::Cancel { target: 3 });
    }

    #[test]
    fn settings_from_before_masking_read_as_unmasked() {
        let json = r#"{"courses":[],"from":null,"to":null,"top_n":0,"per_course_n":0,"scale":null,"mapping":[]}"#;
        let settings: Settings = serde_json::from_str(json).unwrap();
        assert!(!settings.mask);
        assert_eq!(settings.salt, None);
        assert_eq!(settings.dbt, None);
    }

    #[test]
    fn responses_round_trip_including_every_cell_kind() {
        let page = TablePage {
            columns: vec![Column {
                label: "Avg".into(),
                numeric: true,
            }],
            rows: vec![vec![
                Cell::Int(3),
                Cell::Real(66.5),
                Cell::Real(50.0),
                Cell::Text("S1".into()),
                Cell::Text(String::new()),
                Cell::Empty,
            ]],
            offset: 0,
            matching: 1,
            total: 1,
            sort: None,
        };
        for kind in [
            ResponseKind::Ready,
            ResponseKind::Progress(Progress {
                file: "a.parquet".into(),
                bytes_done: 1,
                bytes_total: 2,
                groups_done: 1,
                groups_total: 4,
            }),
            ResponseKind::Dashboard(Box::new(Dashboard {
                top: vec![LearnerView {
                    rank: Some(1),
                    student_id: "S1".into(),
                    videos_watched: 2,
                    views: 3,
                    avg_completion: Some(99.5),
                }],
                date_span: Some(("2025-01-01".into(), "2025-02-01".into())),
                pruning: PruningView {
                    files: 180,
                    files_skipped: 173,
                    bytes: 10,
                    bytes_skipped: 9,
                    ..PruningView::default()
                },
                restored: Some(RestoredView {
                    saved_at: "2026-12-02 01:00 UTC".into(),
                    files: vec!["a.parquet".into()],
                    needs_files_to_refilter: true,
                }),
                added: Some(AddedView {
                    new_files: 1,
                    already_loaded: 10,
                }),
                storage: StorageView {
                    bytes: 1234,
                    backend: "IndexedDB".into(),
                    note: None,
                },
                ..Dashboard::default()
            })),
            ResponseKind::Page(page),
            ResponseKind::Csv {
                file_name: "x.csv".into(),
                text: "a,b\r\n".into(),
            },
            ResponseKind::Error(ErrorView {
                message: "bad".into(),
                mapping: Some(MappingHelp {
                    source: "x.csv".into(),
                    columns: vec!["a".into()],
                }),
                needs_full_worker: false,
            }),
            ResponseKind::Cancelled,
            ResponseKind::Stored(StorageView::default()),
            ResponseKind::Crashed {
                message: "x.parquet: the Parquet decoder failed".into(),
            },
        ] {
            let response = Response { id: 9, kind };
            assert_eq!(Response::from_json(&response.to_json()), Ok(response));
        }
    }

    #[test]
    fn a_files_source_without_names_still_parses() {
        let request =
            Request::from_json(r#"{"id":2,"kind":{"type":"open","source":{"type":"files"},"settings":{"courses":[],"from":null,"to":null,"top_n":0,"per_course_n":0,"scale":null,"mapping":[]}}}"#)
                .unwrap();
        assert!(
            matches!(
                request.kind,
                RequestKind::Open { source: SourceSpec::Files { names }, persist: true, .. } if names.is_empty()
            ),
            "an older page's request (no `persist`) keeps storing"
        );
    }

    #[test]
    fn malformed_messages_are_errors_not_panics() {
        assert!(
            Request::from_json("{")
                .unwrap_err()
                .contains("malformed request")
        );
        assert!(Request::from_json(r#"{"id":1,"kind":{"type":"explode"}}"#).is_err());
        assert!(Response::from_json("null").is_err());
    }

    #[test]
    fn file_stems_are_safe() {
        let table = TableId::CourseVideos {
            course: "../CSC 101".into(),
        };
        assert_eq!(table.file_stem(), "course-___CSC_101-videos");
    }
}
