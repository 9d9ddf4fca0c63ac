//! The engine's one error type: input it cannot read. Quality findings are never errors.

use std::fmt;

/// Everything that can stop the engine from reading an input.
///
/// Data-quality problems (NULL ids, out-of-range completion, ...) are *not* errors: they are
/// reported as [`crate::QualityRule`] findings in the [`crate::Report`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The Parquet decoder rejected the file (corrupt pages, bad footer, unsupported encoding).
    #[error("{source_name}: cannot read Parquet: {error}")]
    Parquet {
        /// Name of the input (file name or URL) as the caller gave it.
        source_name: String,
        /// The decoder's own error.
        error: parquet::errors::ParquetError,
    },
    /// Arrow rejected a column conversion or the CSV reader failed to parse a record.
    #[error("{source_name}: {error}")]
    Arrow {
        /// Name of the input.
        source_name: String,
        /// The arrow error.
        error: arrow_schema::ArrowError,
    },
    /// The bytes are not in the format the caller asked for (wrong magic, empty file, ...).
    #[error("{source_name}: {message}")]
    Format {
        /// Name of the input.
        source_name: String,
        /// What was expected and what was found.
        message: String,
    },
    /// A required column could not be found, or an explicit mapping named a missing column.
    #[error("{source_name}: {message}")]
    Mapping {
        /// Name of the input.
        source_name: String,
        /// What was looked for and which columns the file has.
        message: String,
    },
    /// An option had an invalid value (unknown field name in a mapping override, N = 0, ...).
    #[error("invalid option: {0}")]
    Option(String),
    /// The caller asked the analysis to stop (the UI's Cancel button).
    #[error("cancelled")]
    Cancelled,
}

/// The engine's result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn parquet(source_name: &str, error: parquet::errors::ParquetError) -> Self {
        Error::Parquet {
            source_name: source_name.to_owned(),
            error,
        }
    }

    pub(crate) fn arrow(source_name: &str, error: arrow_schema::ArrowError) -> Self {
        Error::Arrow {
            source_name: source_name.to_owned(),
            error,
        }
    }

    pub(crate) fn format(source_name: &str, message: impl fmt::Display) -> Self {
        Error::Format {
            source_name: source_name.to_owned(),
            message: message.to_string(),
        }
    }

    pub(crate) fn mapping(source_name: &str, message: impl fmt::Display) -> Self {
        Error::Mapping {
            source_name: source_name.to_owned(),
            message: message.to_string(),
        }
    }
}
