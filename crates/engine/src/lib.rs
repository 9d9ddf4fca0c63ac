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
#![warn(missing_docs)]

mod aggregate;
mod analysis;
mod columns;
mod csv;
mod decode;
mod error;
mod keys;
mod options;
pub mod quality;
mod rank;
mod read;
mod report;

pub use analysis::{Analysis, Source};
pub use columns::{Field, Mapping, Override, Overrides, Scale};
pub use decode::parse_time_micros;
pub use error::{Error, Result};
pub use options::{Filter, Options};
pub use quality::{QualityReport, QualityRule, Rule, RuleConfig, Severity, Status, Threshold};
pub use read::{Format, ParquetFile, csv_columns};
pub use report::{
    CourseRow, CourseVideoRow, DailyRow, HistogramBin, LearnerRow, Report, RowCounts, SourceInfo,
    Summary, VideoRow,
};

/// The engine's version, shown by the CLI and the web app.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
