//! CoursePulse engine: completion-rate rankings and data-quality flags for LMS video-watch logs.
//!
//! The engine turns Parquet or CSV extracts (one row per learner-video record) into a
//! [`Report`]: the learner with the most watched videos, every learner ranked by average
//! completion (top and bottom N with SQL `RANK()`), per-video averages, per-course most and least
//! engaged videos, and `dbt test`-style quality rules with offending rows.
//!
//! It does no IO and has no web dependencies: callers hand it bytes, a
//! [`parquet::file::reader::ChunkReader`], or record batches. Input is aggregated one batch at a
//! time into accumulators keyed by interned ids, so rows are never materialised.
//!
//! ```
//! use coursepulse_engine::{Analysis, Options};
//!
//! let csv = "student_id,video_id,course_code,role,completion_rate_percent\n\
//!            S1,V1,CSC101,Student,80\n\
//!            S1,V2,CSC101,student ,40\n\
//!            S2,V1,CSC101,Instructor,100\n";
//! let mut analysis = Analysis::new(Options::default())?;
//! analysis.add_csv("seed.csv", csv.as_bytes())?;
//! let report = analysis.report();
//! assert_eq!(report.learners_top[0].student_id, "S1");
//! assert_eq!(report.learners_top[0].avg_completion, Some(60.0));
//! assert_eq!(report.rows.student, 2);
//! # Ok::<(), coursepulse_engine::Error>(())
//! ```
//!
//! A dataset may be many files, named by their paths: hive partitions in the paths
//! (`date=2025-03-01/part-0.parquet`) become columns once [`Analysis::set_partitioning`] is
//! given every path, the filter skips files and row groups without reading them (see
//! [`Pruning`]), a unique key seen in several files is one record (the latest update wins), and
//! [`Analysis::save_state`] / [`Analysis::load_state`] carry the analysis over to the next run,
//! which adds only the new files:
//!
//! ```
//! use coursepulse_engine::{Analysis, Options, Partitioning};
//!
//! let header = "event_id,student_id,video_id,completion_rate_percent,last_updated_at\n";
//! let day_one = format!("{header}1,S1,V1,40,2025-03-01T10:00:00Z\n");
//! let day_two = format!("{header}1,S1,V1,90,2025-03-02T10:00:00Z\n2,S2,V1,70,2025-03-02T11:00:00Z\n");
//! let paths = ["date=2025-03-01/a.csv", "date=2025-03-02/a.csv"];
//!
//! let mut analysis = Analysis::new(Options::default())?;
//! analysis.set_partitioning(Partitioning::infer(&paths))?;
//! analysis.add_csv(paths[0], day_one.as_bytes())?;
//! let state = analysis.save_state()?;
//!
//! // The next day, in another process (or page):
//! let mut analysis = Analysis::load_state(&state, Options::default())?;
//! analysis.set_partitioning(Partitioning::infer(&paths))?;
//! analysis.add_csv(paths[1], day_two.as_bytes())?;
//! let report = analysis.report();
//! assert_eq!(report.learners_top[0].avg_completion, Some(90.0)); // the late update won
//! assert_eq!(report.rows.duplicates_removed, 1);
//! # Ok::<(), coursepulse_engine::Error>(())
//! ```
#![warn(missing_docs)]

// The layers, bottom to top; a module imports only from its own folder and those listed
// above it (checked by `cargo xtask test`, see xtask/src/tidy.rs and ARCHITECTURE.md).
mod analysis;
mod columns;
mod compute;
mod error;
mod events;
mod filter;
mod input;
mod report;
mod rules;
mod state;
mod time;

pub use analysis::options::Options;
pub use analysis::plan::{ReadPlan, Share, Step, can_read_in_shares, shares};
pub use analysis::view::{HeadlineFigures, KeptRows};
pub use analysis::{Analysis, Source};
pub use columns::{Field, MIN_SCALE_EVIDENCE, Mapping, Override, Overrides, Scale, ScaleCheck};
pub use error::{Error, Result};
pub use events::{
    DEFAULT_SESSION_GAP_MINUTES, DropOff, EVENT_SNIFF_BYTES, EventField, EventFormat, EventInput,
    EventLineage, EventLog, EventReport, EventRule, EventRuleResult, EventSample, EventSection,
    PairFigures, Quartiles, VideoRetention, event_record_paths, is_event_input, is_event_log,
    is_video_catalogue, not_an_event_log, pairs_report,
};
pub use filter::Filter;
pub use input::dataset_paths::{
    DATA_EXTENSIONS, EVENT_LOG_EXTENSIONS, ListingChange, MANIFEST_ENTRY_LIMIT, ManifestKind,
    data_format, empty_folder_message, is_data_path, is_skipped_segment, is_url, listing_change,
    manifest_entry_name, outside_reason, parse_manifest,
};
pub use input::guard::decoder_panic;
pub use input::metadata::{ColumnMetadata, FileMetadata};
pub use input::parquet::{Fingerprint, Format, ParquetFile, csv_columns};
pub use input::partition::{PartitionKey, PartitionType, PartitionValue, Partitioning};
pub use input::prune::Pruning;
pub use report::lineage::{Lineage, LineageStep, MetricLineage};
pub use report::masking::{Masking, PiiKind, looks_like_email, pii_column};
pub use report::{
    CourseRow, CourseVideoRow, DailyRow, HistogramBin, LearnerRow, Lists, Report, RowCounts,
    SourceInfo, Summary, VideoRow,
};
pub use rules::dbt::{DbtCheck, DbtRuleResult, DbtSchema, DbtTest, DbtUnsupported};
pub use rules::quality;
pub use rules::quality::{
    Crossed, QualityReport, QualityRule, Rule, RuleConfig, Severity, Status, Threshold,
};
pub use time::{
    format_date, is_bare_date, parse_time_micros, range_end_micros, range_start_micros,
};

/// The engine's version, shown by the CLI and the web app.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
